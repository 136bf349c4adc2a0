//! Errors of the persistence layer.
//!
//! Policy: backends map their driver errors into these variants; nothing
//! above the store sees a driver type. Conflicts the user can fix (duplicate
//! NIB, a finalised year) are distinct variants so the edge can name the
//! field; everything else is `Backend`, logged and shown as a generic error.

use naikkelas_core::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule the user can act on, e.g. `nib.duplicate`.
    #[error("conflict: {0}")]
    Conflict(FieldError),
    #[error("figures for {year} are final; record a correction with a reason")]
    Finalised { year: i32 },
    #[error("the record was changed by someone else; reload and try again")]
    StaleVersion,
    #[error(
        "the database schema (version {database}) is newer than this program (version {program}); upgrade naikkelas"
    )]
    SchemaTooNew { database: i64, program: i64 },
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("database error: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn backend(e: impl std::fmt::Display) -> Self {
        StoreError::Backend(e.to_string())
    }
}
