//! The home page (what naikkelas is, demo logins), API docs, 404.

use super::{base, render};
use crate::csrf::PRE_SESSION_COOKIE;
use crate::error::PageError;
use crate::lang::{cookie, UserLang};
use crate::session::MaybeSession;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use naikkelas_app::demo::DEMO_ACCOUNTS;
use naikkelas_app::AppError;

pub async fn home(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    headers: HeaderMap,
) -> Response {
    let (token, set_cookie) = super::login::pre_session_token(&headers, &st);
    let accounts: Vec<_> = if st.config.demo && s.is_none() {
        DEMO_ACCOUNTS
            .iter()
            .map(|a| minijinja::context! { username => a.username, password => a.password, role => a.role, label_key => a.label_key })
            .collect()
    } else {
        Vec::new()
    };
    let page = render(
        &st,
        "home.html",
        lang,
        base(s.as_ref(), "/"),
        minijinja::context! { demo_accounts => accounts, pre_csrf => token },
    );
    let _ = cookie(&headers, PRE_SESSION_COOKIE);
    (set_cookie, page).into_response()
}

pub async fn api_docs(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
) -> Html<String> {
    render(&st, "api_docs.html", lang, base(s.as_ref(), "/api/docs"), minijinja::context! {})
}

pub async fn not_found(UserLang(lang): UserLang, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::new(AppError::NotFound, lang).into_response();
    }
    PageError::new(AppError::NotFound, lang).into_response()
}
