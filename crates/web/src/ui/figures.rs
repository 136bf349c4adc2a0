//! Forms on the enterprise page: yearly figures, finalisation, corrections,
//! permits. Errors re-render the enterprise page with the form filled in.

use super::enterprises::{check_csrf, figures_from, get, view_ctx, FormMap};
use super::{base, field_errors, render};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::i18n::Lang;
use naikkelas_app::AppError;

async fn with_errors(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    nib: &str,
    which: &str,
    f: &FormMap,
    e: AppError,
) -> Result<Response, PageError> {
    let AppError::Invalid(errs) = e else { return Err(PageError::new(e, lang)) };
    let v = st.svc.enterprise_view(&s.actor, nib).await.page(lang)?;
    let form =
        minijinja::context! { which => which, v => Value::from_serialize(f), errors => field_errors(lang, &errs) };
    let page = render(
        st,
        "enterprises/show.html",
        lang,
        base(Some(s), &format!("/enterprises/{nib}")),
        view_ctx(st, lang, &v, Some(form)),
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn record(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    match st.svc.record_figures(&s.actor, &nib, &figures_from(&f)).await {
        Ok(()) => Ok(Redirect::to(&format!("/enterprises/{nib}?saved=1#figures")).into_response()),
        Err(e) => with_errors(&st, lang, &s, &nib, "figures", &f, e).await,
    }
}

pub async fn finalise(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((nib, year)): Path<(String, i32)>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    st.svc.finalise_figures(&s.actor, &nib, year).await.page(lang)?;
    Ok(Redirect::to(&format!("/enterprises/{nib}?finalised={year}#figures")).into_response())
}

pub async fn correct(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((nib, year)): Path<(String, i32)>,
    Form(mut f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    f.insert("tahun_data".into(), year.to_string());
    match st.svc.correct_figures(&s.actor, &nib, &figures_from(&f), get(&f, "alasan")).await {
        Ok(()) => Ok(Redirect::to(&format!("/enterprises/{nib}?corrected={year}#figures")).into_response()),
        Err(e) => with_errors(&st, lang, &s, &nib, "correct", &f, e).await,
    }
}

pub async fn add_permit(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = naikkelas_app::registry::PermitDraft {
        kind: get(&f, "permit_kind").into(),
        number: get(&f, "permit_number").into(),
        issuer: get(&f, "permit_issuer").into(),
        valid_from: get(&f, "valid_from").into(),
        valid_until: get(&f, "valid_until").into(),
    };
    let r = st.svc.add_permit(&s.actor, &nib, &d).await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{nib}?saved=1#permits")).into_response()),
        Err(e) => with_errors(&st, lang, &s, &nib, "permit", &f, e).await,
    }
}

pub async fn remove_permit(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((nib, id)): Path<(String, i64)>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    st.svc.remove_permit(&s.actor, &nib, id).await.page(lang)?;
    Ok(Redirect::to(&format!("/enterprises/{nib}#permits")).into_response())
}
