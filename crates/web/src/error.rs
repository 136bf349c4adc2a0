//! How errors leave the web layer.
//!
//! Policy: handlers return `Result<_, PageError>` (pages) or
//! `Result<_, ApiError>` (API). Both wrap an [`AppError`] and the user's
//! language. Pages get an HTML error page with a way back; the API gets an
//! RFC 9457 problem document naming each invalid field. Out-of-scope is
//! always 404 on both. Internal details are logged, never shown.

use crate::templates;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::AppError;
use serde::Serialize;

fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        AppError::Stale | AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title_key(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound => "error.not_found",
        AppError::Forbidden => "error.forbidden",
        AppError::Unauthenticated => "error.unauthenticated",
        AppError::Invalid(_) => "error.invalid",
        AppError::RateLimited => "error.rate_limited",
        AppError::Stale => "error.stale",
        AppError::Conflict(_) => "error.conflict",
        AppError::Internal(_) => "error.internal",
    }
}

#[derive(Debug)]
pub struct PageError {
    pub error: AppError,
    pub lang: Lang,
    login_redirect: Option<String>,
}

impl PageError {
    pub fn new(error: AppError, lang: Lang) -> Self {
        Self { error, lang, login_redirect: None }
    }
    pub fn login(next: &str, lang: Lang) -> Self {
        Self { error: AppError::Unauthenticated, lang, login_redirect: Some(next.to_string()) }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Some(next) = self.login_redirect {
            let q: String = url_escape(&next);
            return Redirect::to(&format!("/login?next={q}")).into_response();
        }
        let status = status_of(&self.error);
        if let AppError::Internal(msg) = &self.error {
            tracing::error!(error = %msg, "internal error on a page");
        }
        let detail = match &self.error {
            AppError::Invalid(v) => {
                v.0.iter()
                    .map(|f| format!("{}: {}", i18n::field_label(self.lang, &f.field), i18n::reason(self.lang, f)))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            AppError::Conflict(f) => i18n::reason(self.lang, f),
            other => i18n::t(self.lang, &format!("{}.detail", title_key(other))).to_string(),
        };
        let html = templates::global().render(
            "error.html",
            self.lang,
            minijinja::context! {
                status => status.as_u16(),
                title => i18n::t(self.lang, title_key(&self.error)),
                detail => detail,
            },
        );
        (status, axum::response::Html(html)).into_response()
    }
}

/// Percent-encodes a value for a query string.
pub fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// Canonical field name, e.g. `nib`.
    pub field: String,
    /// Stable rule code, e.g. `nib.length`.
    pub code: String,
    /// The reason in the requested language.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug)]
pub struct ApiError {
    pub error: AppError,
    pub lang: Lang,
}

impl ApiError {
    pub fn new(error: AppError, lang: Lang) -> Self {
        Self { error, lang }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let key = title_key(&self.error);
        if let AppError::Internal(msg) = &self.error {
            tracing::error!(error = %msg, "internal error in the API");
        }
        let field = |f: &naikkelas_core::FieldError| ProblemField {
            field: f.field.clone(),
            code: f.code.clone(),
            message: i18n::reason(self.lang, f),
        };
        let errors: Vec<ProblemField> = match &self.error {
            AppError::Invalid(v) => v.0.iter().map(field).collect(),
            AppError::Conflict(f) => vec![field(f)],
            _ => Vec::new(),
        };
        let detail = if errors.is_empty() {
            i18n::t(self.lang, &format!("{key}.detail")).to_string()
        } else {
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        };
        let p = Problem {
            type_: format!("https://naikkelas.kemenperin.go.id/problems/{}", key.trim_start_matches("error.")),
            title: i18n::t(self.lang, key).to_string(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut res = (status, axum::Json(p)).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// Lets handlers use `?` on `AppError` with a language at hand.
pub trait WithLang<T> {
    fn page(self, lang: Lang) -> Result<T, PageError>;
    fn api(self, lang: Lang) -> Result<T, ApiError>;
}

impl<T> WithLang<T> for Result<T, AppError> {
    fn page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(e, lang))
    }
    fn api(self, lang: Lang) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::new(e, lang))
    }
}
