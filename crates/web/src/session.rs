//! Who is asking: a browser session (cookie) or a machine (bearer token).

use crate::error::{ApiError, PageError};
use crate::lang::{cookie, detect};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use naikkelas_app::auth::Session;
use naikkelas_app::AppError;
use naikkelas_core::Actor;

pub const SESSION_COOKIE: &str = "nk_session";

/// The session, if the browser has a live one.
#[derive(Clone)]
pub struct MaybeSession(pub Option<Session>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(s) = parts.extensions.get::<MaybeSession>() {
            return Ok(s.clone());
        }
        let lang = detect(&parts.uri, &parts.headers);
        let s = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(c) => st.svc.session(c).await.map_err(|e| PageError::new(e, lang))?,
            None => None,
        };
        let m = MaybeSession(s);
        parts.extensions.insert(m.clone());
        Ok(m)
    }
}

/// A page that needs a login: without one, the browser is sent to the
/// login page and comes back afterwards.
pub struct LoggedIn(pub Session);

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let lang = detect(&parts.uri, &parts.headers);
        match MaybeSession::from_request_parts(parts, st).await?.0 {
            Some(s) => Ok(LoggedIn(s)),
            None => Err(PageError::login(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"), lang)),
        }
    }
}

/// The actor of an API call: `Authorization: Bearer nk_…`, or the browser's
/// session cookie (for the UI's own scripts; state-changing calls with a
/// cookie must then carry `X-CSRF-Token`).
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let lang = detect(&parts.uri, &parts.headers);
        let auth = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if let Some(h) = auth {
            let token = h.strip_prefix("Bearer ").ok_or_else(|| ApiError::new(AppError::Unauthenticated, lang))?;
            let actor = st.svc.actor_for_token(token.trim()).await.map_err(|e| ApiError::new(e, lang))?;
            return Ok(ApiActor(actor));
        }
        let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::new(AppError::Unauthenticated, lang));
        };
        let s = st.svc.session(c).await.map_err(|e| ApiError::new(e, lang))?;
        let s = s.ok_or_else(|| ApiError::new(AppError::Unauthenticated, lang))?;
        if !parts.method.is_safe() {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            if sent != Some(s.csrf_token.as_str()) {
                return Err(ApiError::new(AppError::Forbidden, lang));
            }
        }
        Ok(ApiActor(s.actor))
    }
}
