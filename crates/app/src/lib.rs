//! The use-case layer of naikkelas.
//!
//! Every entry point — HTML pages, the JSON API, the CLI — calls a method of
//! [`Service`] with the acting user ([`naikkelas_core::Actor`]). The method
//! decides what that user may see or change (via the rules in
//! `naikkelas_core::access`) before it touches the store. Handlers translate
//! HTTP or command lines to these calls and back; they never decide access.
//!
//! Out-of-scope reads answer [`AppError::NotFound`], never `Forbidden`, so a
//! probe cannot learn that an enterprise exists in another region.

pub mod analysis;
pub mod auth;
pub mod certification;
pub mod demo;
pub mod error;
pub mod export;
pub mod i18n;
pub mod import;
pub mod insight;
pub mod linkage;
pub mod programs;
pub mod readiness;
pub mod registry;
pub mod service;

pub use error::AppError;
pub use service::Service;
