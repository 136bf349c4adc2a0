//! The web application of naikkelas: HTML pages for people, a JSON API for
//! machines, both thin translations onto the use cases of `naikkelas-app`.
//!
//! Layout: `ui/` holds page handlers (forms post back, everything works
//! without JavaScript), `api/` the JSON endpoints with their OpenAPI
//! annotations, and the modules here the shared pieces: session and token
//! extraction, CSRF, language, templates, errors, metrics and headers.

pub mod api;
pub mod assets;
pub mod csrf;
pub mod error;
pub mod jobs;
pub mod lang;
pub mod metrics;
pub mod router;
pub mod security;
pub mod session;
pub mod state;
pub mod templates;
pub mod ui;

pub use router::router;
pub use state::{AppState, WebConfig};
