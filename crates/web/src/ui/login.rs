//! Login, logout and the language switch.

use super::{base, render};
use crate::csrf::{self, PRE_SESSION_COOKIE};
use crate::error::{PageError, WithLang};
use crate::lang::{cookie, UserLang, LANG_COOKIE};
use crate::session::{MaybeSession, SESSION_COOKIE};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::Form;
use naikkelas_app::auth::random_token;
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::AppError;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

fn cookie_header(st: &AppState, name: &str, value: &str, max_age: Option<i64>, http_only: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if st.config.secure_cookies {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    HeaderValue::from_str(&c).expect("cookie characters are URL-safe")
}

/// The double-submit token for forms shown before login; sets the cookie
/// when the browser does not have one yet.
pub fn pre_session_token(
    headers: &HeaderMap,
    st: &AppState,
) -> (String, AppendHeaders<Vec<(header::HeaderName, HeaderValue)>>) {
    match cookie(headers, PRE_SESSION_COOKIE) {
        Some(t) if t.len() >= 32 => (t.to_string(), AppendHeaders(Vec::new())),
        _ => {
            let t = random_token();
            let h = cookie_header(st, PRE_SESSION_COOKIE, &t, None, true);
            (t, AppendHeaders(vec![(header::SET_COOKIE, h)]))
        }
    }
}

/// Only same-site paths are accepted as the place to return to.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/enterprises".to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

pub async fn form(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    headers: HeaderMap,
    Query(q): Query<NextParam>,
) -> Response {
    if s.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let (token, set) = pre_session_token(&headers, &st);
    let page = render(
        &st,
        "login.html",
        lang,
        base(None, "/login"),
        minijinja::context! { pre_csrf => token, next => safe_next(q.next.as_deref()), username => "" },
    );
    (set, page).into_response()
}

pub async fn submit(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if !csrf::pre_session_ok(&headers, get("_csrf")) {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let username = get("username").trim().to_ascii_lowercase();
    let next = safe_next(Some(get("next")));
    let limited =
        st.login_limiter.check(&format!("ip:{ip}")).and_then(|_| st.login_limiter.check(&format!("user:{username}")));
    let outcome = match limited {
        Ok(()) => st.svc.login(&username, get("password")).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((cookie_value, _)) => {
            st.login_limiter.reset(&format!("user:{username}"));
            let c = cookie_header(
                &st,
                SESSION_COOKIE,
                &cookie_value,
                Some(naikkelas_app::auth::SESSION_HOURS * 3600),
                true,
            );
            Ok((AppendHeaders([(header::SET_COOKIE, c)]), Redirect::to(&next)).into_response())
        }
        Err(e @ (AppError::Unauthenticated | AppError::RateLimited)) => {
            let status = if matches!(e, AppError::RateLimited) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let key = if matches!(e, AppError::RateLimited) { "login.rate_limited" } else { "login.failed" };
            tracing::info!(username = %username, "login refused");
            let page = render(
                &st,
                "login.html",
                lang,
                base(None, "/login"),
                minijinja::context! { pre_csrf => get("_csrf"), next => next, username => username, error => i18n::t(lang, key) },
            );
            Ok((status, page).into_response())
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

pub async fn logout(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if let Some(s) = &s {
        if !csrf::session_token_ok(s, f.get("_csrf").map(String::as_str).unwrap_or("")) {
            return Err(PageError::new(AppError::Forbidden, lang));
        }
        if let Some(c) = cookie(&headers, SESSION_COOKIE) {
            st.svc.logout(c).await.page(lang)?;
        }
    }
    let gone = cookie_header(&st, SESSION_COOKIE, "", Some(0), true);
    Ok((AppendHeaders([(header::SET_COOKIE, gone)]), Redirect::to("/")).into_response())
}

pub async fn switch_lang(State(st): State<AppState>, Path(code): Path<String>, Query(q): Query<NextParam>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let c = cookie_header(&st, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), false);
    let next = match q.next.as_deref() {
        Some(n) if n.starts_with('/') && !n.starts_with("//") => n.to_string(),
        _ => "/".to_string(),
    };
    (AppendHeaders([(header::SET_COOKIE, c)]), Redirect::to(&next)).into_response()
}

/// The client's address for rate limiting; "unknown" when the server was
/// not started with connection info (in-process tests).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        Ok(ClientIp(ip))
    }
}
