//! Linkage pages: the sourcing overview per role (`/sourcing`), the buyer's
//! profile, one request with its explained matches and contact forms, one
//! contact with the owner's answer, and the public directory (`/direktori`).
//! Every form is a plain POST with the session's CSRF token.

use super::enterprises::{check_csrf, get, FormMap};
use super::{base, field_errors, render};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::{LoggedIn, MaybeSession};
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::auth::Session;
use naikkelas_app::i18n::Lang;
use naikkelas_app::linkage::{DirectoryFilters, SupplyDraft};
use naikkelas_app::AppError;
use naikkelas_core::linkage::{BuyerDraft, RequestDraft, RequestStatus};
use naikkelas_core::{Role, ValidationErrors};

fn errors_ctx(lang: Lang, e: Option<&ValidationErrors>) -> Value {
    Value::from_serialize(e.map(|e| field_errors(lang, e)).unwrap_or_default())
}

fn request_draft(f: &FormMap) -> RequestDraft {
    RequestDraft {
        title: get(f, "title").into(),
        kbli: get(f, "kbli").into(),
        keywords: get(f, "keywords").into(),
        standards: get(f, "standards").into(),
        min_capacity: get(f, "min_capacity").into(),
        capacity_unit: get(f, "capacity_unit").into(),
        regions: get(f, "regions").into(),
        deadline: get(f, "deadline").into(),
        status: String::new(),
    }
}

async fn overview(
    st: &AppState,
    lang: Lang,
    s: &Session,
    values: &FormMap,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let a = &s.actor;
    let ctx = if a.role == Role::Owner {
        let received = st.svc.interests_received(a).await.page(lang)?;
        minijinja::context! { owner => true, received => Value::from_serialize(&received) }
    } else {
        let requests = st.svc.sourcing_requests(a).await.page(lang)?;
        let (profile, standards) = if a.can_post_sourcing() {
            (st.svc.buyer_profile(a).await.page(lang)?, st.svc.certification_standards().await.page(lang)?)
        } else {
            (None, Vec::new())
        };
        minijinja::context! {
            buyer => a.can_post_sourcing(),
            has_profile => profile.is_some(),
            requests => Value::from_serialize(&requests),
            standards => Value::from_serialize(&standards),
            v => Value::from_serialize(values),
            errors => errors_ctx(lang, errors),
        }
    };
    Ok((status, render(st, "linkage/list.html", lang, base(Some(s), "/sourcing"), ctx)).into_response())
}

/// Requests (buyers, officials) or contacts received (owners).
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    overview(&st, lang, &s, &FormMap::new(), None, StatusCode::OK).await
}

/// Posts a request; a refused one re-renders the form with the reasons.
pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    match st.svc.post_sourcing_request(&s.actor, &request_draft(&f)).await {
        Ok(id) => Ok(Redirect::to(&format!("/sourcing/{id}")).into_response()),
        Err(AppError::Invalid(e)) => overview(&st, lang, &s, &f, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn profile_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    values: Option<BuyerDraft>,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
    saved: bool,
) -> Result<Response, PageError> {
    let current = st.svc.buyer_profile(&s.actor).await.page(lang)?;
    let v = values.unwrap_or_else(|| current.as_ref().map(|b| BuyerDraft::from(&b.profile)).unwrap_or_default());
    let provinces: Vec<Value> = st
        .svc
        .reference()
        .provinces
        .values()
        .map(|p| minijinja::context! { code => p.code.clone(), name => p.name.clone() })
        .collect();
    let ctx = minijinja::context! {
        v => Value::from_serialize(&v), provinces => provinces, errors => errors_ctx(lang, errors), saved => saved,
    };
    Ok((status, render(st, "linkage/profile.html", lang, base(Some(s), "/sourcing/profile"), ctx)).into_response())
}

pub async fn profile(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    profile_page(&st, lang, &s, None, None, StatusCode::OK, false).await
}

pub async fn save_profile(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = BuyerDraft {
        company_name: get(&f, "company_name").into(),
        industry: get(&f, "industry").into(),
        province_code: get(&f, "province_code").into(),
        contact_name: get(&f, "contact_name").into(),
        contact_phone: get(&f, "contact_phone").into(),
        contact_email: get(&f, "contact_email").into(),
    };
    match st.svc.save_buyer_profile(&s.actor, &d).await {
        Ok(_) => profile_page(&st, lang, &s, None, None, StatusCode::OK, true).await,
        Err(AppError::Invalid(e)) => {
            profile_page(&st, lang, &s, Some(d), Some(&e), StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn show_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    id: i64,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = st.svc.sourcing_request(&s.actor, lang, id).await.page(lang)?;
    let ctx = minijinja::context! { v => Value::from_serialize(&v), errors => errors_ctx(lang, errors) };
    Ok((status, render(st, "linkage/show.html", lang, base(Some(s), &format!("/sourcing/{id}")), ctx)).into_response())
}

/// One request: what is needed, the ranked matches with their reasons, the contacts.
pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_page(&st, lang, &s, id, None, StatusCode::OK).await
}

/// Opens or closes a request (its buyer).
pub async fn set_status(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let status = RequestStatus::parse(get(&f, "status")).ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    st.svc.set_sourcing_request_status(&s.actor, id, status).await.page(lang)?;
    Ok(Redirect::to(&format!("/sourcing/{id}")).into_response())
}

/// The buyer contacts a matching supplier.
pub async fn express_interest(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    match st.svc.express_interest(&s.actor, id, get(&f, "nib"), get(&f, "message")).await {
        Ok(_) => Ok(Redirect::to(&format!("/sourcing/{id}#interests")).into_response()),
        Err(AppError::Invalid(e)) => show_page(&st, lang, &s, id, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn interest_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    id: i64,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let i = st.svc.interest_view_for(&s.actor, id).await.page(lang)?;
    let ctx = minijinja::context! { i => Value::from_serialize(&i), errors => errors_ctx(lang, errors) };
    let path = format!("/sourcing/interests/{id}");
    Ok((status, render(st, "linkage/interest.html", lang, base(Some(s), &path), ctx)).into_response())
}

/// One contact: the message, the answer forms for the owner, the contact
/// details once accepted, the supply form for the buyer.
pub async fn interest(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    interest_page(&st, lang, &s, id, None, StatusCode::OK).await
}

pub async fn answer(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    match st.svc.answer_interest(&s.actor, id, get(&f, "decision") == "accept").await {
        Ok(_) => Ok(Redirect::to(&format!("/sourcing/interests/{id}")).into_response()),
        Err(AppError::Invalid(e)) => interest_page(&st, lang, &s, id, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

pub async fn supply(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = SupplyDraft { started_on: get(&f, "started_on").into(), note: get(&f, "note").into() };
    match st.svc.record_supply(&s.actor, id, &d).await {
        Ok(_) => Ok(Redirect::to(&format!("/sourcing/interests/{id}")).into_response()),
        Err(AppError::Invalid(e)) => interest_page(&st, lang, &s, id, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

/// The public directory of certified IKM; no login, rate-limited like `/v`.
pub async fn directory(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    ClientIp(ip): ClientIp,
    Query(f): Query<DirectoryFilters>,
) -> Result<Response, PageError> {
    crate::api::linkage::directory_limiter().check(&ip).page(lang)?;
    let standards = st.svc.certification_standards().await.page(lang)?;
    let page = f.page.unwrap_or(0);
    let (status, items, errors) = match st.svc.directory(&f).await {
        Ok(items) => (StatusCode::OK, items, None),
        Err(AppError::Invalid(e)) => (StatusCode::BAD_REQUEST, Vec::new(), Some(e)),
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let full = items.len() as u32 == naikkelas_app::linkage::DIRECTORY_PAGE;
    let ctx = minijinja::context! {
        items => Value::from_serialize(&items),
        standards => Value::from_serialize(&standards),
        f => minijinja::context! {
            q => f.q.clone().unwrap_or_default(), standard => f.standard.clone().unwrap_or_default(),
            region => f.region.clone().unwrap_or_default(),
        },
        page => page,
        next => full.then_some(page + 1),
        prev => page.checked_sub(1),
        errors => errors_ctx(lang, errors.as_ref()),
    };
    Ok((status, render(&st, "linkage/directory.html", lang, base(s.as_ref(), "/direktori"), ctx)).into_response())
}
