//! CSRF protection for forms.
//!
//! Logged-in forms carry the session's token in a hidden `_csrf` field and
//! the server compares it with the session. Forms before login (the login
//! form itself) use a double-submit cookie: a random `nk_csrf` cookie whose
//! value the form must repeat. Together with `SameSite=Lax` session cookies
//! and the `Origin` check in [`crate::security`], a cross-site form post
//! cannot act for the user.

use axum::http::HeaderMap;
use naikkelas_app::auth::Session;

pub const PRE_SESSION_COOKIE: &str = "nk_csrf";

/// Constant-time comparison, so response timing leaks nothing of the token.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn session_token_ok(session: &Session, sent: &str) -> bool {
    !sent.is_empty() && same(&session.csrf_token, sent)
}

pub fn pre_session_ok(headers: &HeaderMap, sent: &str) -> bool {
    crate::lang::cookie(headers, PRE_SESSION_COOKIE).is_some_and(|c| !sent.is_empty() && same(c, sent))
}
