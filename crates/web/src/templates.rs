//! HTML templates (minijinja), embedded in the binary.
//!
//! Templates call `t("key")` for every visible string, so a page is fully
//! translated by the locale files; filters format numbers, money and dates
//! the way the user's language writes them.

use minijinja::{Environment, Value};
use naikkelas_app::i18n::{self, Lang};
use rust_embed::RustEmbed;
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

pub struct Templates {
    env: Environment<'static>,
}

pub fn global() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(Templates::new)
}

fn lang_of(state: &minijinja::State) -> Lang {
    state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::parse)).unwrap_or_default()
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_loader(|name| Ok(TemplateFiles::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned())));
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.add_function("t", |state: &minijinja::State, key: &str| -> String {
            i18n::t(lang_of(state), key).to_string()
        });
        env.add_filter("num", |state: &minijinja::State, v: Value| -> String {
            match i64::try_from(v.clone()) {
                Ok(n) => i18n::number(lang_of(state), n),
                Err(_) => v.to_string(),
            }
        });
        env.add_filter("rupiah", |state: &minijinja::State, v: Value| -> String {
            match i64::try_from(v.clone()) {
                Ok(n) => i18n::money(lang_of(state), n),
                Err(_) => String::new(),
            }
        });
        env.add_filter("usd", |v: Value| -> String {
            match i64::try_from(v) {
                Ok(c) => format!("US$ {}", naikkelas_core::UsdCents::new_unchecked(c).dollars_string()),
                Err(_) => String::new(),
            }
        });
        env.add_filter("date", |state: &minijinja::State, v: String| -> String {
            let day = v.get(..10).unwrap_or(&v);
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            match time::Date::parse(day, &fmt) {
                Ok(d) => i18n::date(lang_of(state), d),
                Err(_) => v,
            }
        });
        env.add_filter("urlq", |v: String| crate::error::url_escape(&v));
        // The current list query with one filter set (and the cursor dropped),
        // for facet links.
        env.add_function("query_with", |state: &minijinja::State, key: &str, value: String| -> String {
            let current = state.lookup("query").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let mut parts: Vec<String> = current
                .split('&')
                .filter(|kv| !kv.is_empty())
                .filter(|kv| {
                    let k = kv.split('=').next().unwrap_or("");
                    k != key && k != "cursor"
                })
                .map(str::to_string)
                .collect();
            parts.push(format!("{key}={}", crate::error::url_escape(&value)));
            parts.join("&")
        });
        Templates { env }
    }

    /// Renders `name` with `ctx` plus the language; a template error is a
    /// bug, logged and shown as a plain message rather than a panic.
    pub fn render(&self, name: &str, lang: Lang, ctx: Value) -> String {
        let full = minijinja::context! { lang => lang.code(), ..ctx };
        match self.env.get_template(name).and_then(|t| t.render(full)) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(template = name, error = %e, "template failed");
                format!("<!doctype html><title>error</title><p>template error in {name}</p>")
            }
        }
    }

    pub fn names() -> Vec<String> {
        TemplateFiles::iter().map(|s| s.to_string()).collect()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}
