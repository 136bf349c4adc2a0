//! HTTP integration tests through the public surface (pages and API).
//! All in one binary: one link step.

mod api;
mod openapi;
mod scope;
mod support;
mod ui;
