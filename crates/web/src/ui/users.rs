//! Account administration for administrators: list and add users.

use super::enterprises::{check_csrf, get, FormMap};
use super::{base, field_errors, render};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::auth::UserDraft;
use naikkelas_app::i18n::Lang;
use naikkelas_app::AppError;

async fn page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    values: &FormMap,
    errors: Option<&naikkelas_core::ValidationErrors>,
) -> Result<axum::response::Html<String>, PageError> {
    let users = st.svc.list_users(&s.actor).await.page(lang)?;
    let r = st.svc.reference();
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            let region = u.region.as_ref().map(|c| format!("{} {}", c, r.region_name(c.as_str()).unwrap_or("")));
            minijinja::context! {
                username => u.username.clone(), name => u.display_name.clone(), role => u.role.as_str(),
                region => region, enterprise => u.enterprise.as_ref().map(|n| n.to_string()),
                disabled => u.disabled, created_at => u.created_at.clone(),
            }
        })
        .collect();
    let ctx = minijinja::context! {
        users => rows,
        roles => naikkelas_core::Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        v => Value::from_serialize(values),
        errors => errors.map(|e| field_errors(lang, e)).unwrap_or_default(),
    };
    Ok(render(st, "users.html", lang, base(Some(s), "/users"), ctx))
}

pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    Ok(page(&st, lang, &s, &FormMap::new(), None).await?.into_response())
}

pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = UserDraft {
        username: get(&f, "username").into(),
        display_name: get(&f, "display_name").into(),
        password: get(&f, "password").into(),
        role: get(&f, "role").into(),
        region: get(&f, "region").into(),
        enterprise: get(&f, "enterprise").into(),
    };
    match st.svc.add_user(&s.actor, &d).await {
        Ok(_) => Ok(Redirect::to("/users?created=1").into_response()),
        Err(AppError::Invalid(e)) => {
            let mut shown = f.clone();
            shown.remove("password");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&st, lang, &s, &shown, Some(&e)).await?).into_response())
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}
