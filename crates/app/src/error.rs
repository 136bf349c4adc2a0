//! Errors of the use-case layer.
//!
//! Policy: every use case returns `AppError`. Variants carry what the edge
//! needs to explain the problem in the user's language (a field and a
//! translation code); the web layer turns them into an HTML page or an
//! RFC 9457 problem document, the CLI into a message. Store errors that a
//! user cannot act on stay `Internal` and are logged, not shown.

use naikkelas_core::{FieldError, ValidationErrors};
use naikkelas_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also the answer for anything outside the actor's scope.
    #[error("not found")]
    NotFound,
    /// The actor may see the thing but not do this to it.
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    Unauthenticated,
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    #[error("too many attempts; try again later")]
    RateLimited,
    #[error("the record was changed by someone else; reload and try again")]
    Stale,
    /// Refused because of what is already recorded, not because of the
    /// input (e.g. deleting an enterprise with a programme history); the
    /// reason names the rule.
    #[error("conflict: {}", .0.code)]
    Conflict(FieldError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(e: FieldError) -> Self {
        AppError::Invalid(ValidationErrors(vec![e]))
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(f) => AppError::field(f),
            StoreError::Finalised { year } => {
                AppError::field(FieldError::new("tahun_data", "figures.final").with("year", year))
            }
            StoreError::StaleVersion => AppError::Stale,
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
