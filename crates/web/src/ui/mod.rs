//! Server-rendered pages. Every form posts back to the server and works
//! without JavaScript; field errors re-render the form with what the user
//! typed.

pub mod analysis;
pub mod certification;
pub mod enterprises;
pub mod figures;
pub mod home;
pub mod imports;
pub mod insight;
pub mod linkage;
pub mod login;
pub mod programs;
pub mod readiness;
pub mod users;

use crate::state::AppState;
use axum::response::Html;
use minijinja::Value;
use naikkelas_app::auth::Session;
use naikkelas_app::i18n::{self, Lang};
use naikkelas_core::ValidationErrors;
use std::collections::BTreeMap;

/// What every page template needs: who is logged in, their CSRF token,
/// where the language switch should return to.
pub fn base(session: Option<&Session>, path: &str) -> Value {
    minijinja::context! {
        user => session.map(|s| minijinja::context! {
            name => s.display_name.clone(),
            username => s.actor.username.clone(),
            role => s.actor.role.as_str(),
            region => s.actor.region.as_ref().map(|r| r.to_string()),
            enterprise => s.actor.enterprise.as_ref().map(|n| n.to_string()),
        }),
        csrf => session.map(|s| s.csrf_token.clone()),
        path => path,
    }
}

pub fn render(st: &AppState, name: &str, lang: Lang, base: Value, ctx: Value) -> Html<String> {
    Html(st.templates.render(name, lang, minijinja::context! { ..base, ..ctx }))
}

/// Field errors as `{field: message}` for templates.
pub fn field_errors(lang: Lang, e: &ValidationErrors) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in &e.0 {
        m.entry(f.field.clone()).or_insert_with(|| i18n::reason(lang, f));
    }
    m
}
