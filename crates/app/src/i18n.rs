//! Translations: Bahasa Indonesia (default) and English.
//!
//! Every user-visible string has a key in `locales/id.json` and
//! `locales/en.json`; a unit test fails when a key is missing in either.
//! Messages may contain `{name}` placeholders filled from a rule's params.

use naikkelas_core::money::group_thousands;
use naikkelas_core::FieldError;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "id-id" | "in" => Some(Lang::Id),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    /// Picks from an `Accept-Language` header, defaulting to Indonesian.
    pub fn from_accept_language(h: &str) -> Lang {
        h.split(',')
            .filter_map(|part| Lang::parse(part.split(';').next().unwrap_or("").split('-').next().unwrap_or("")))
            .next()
            .unwrap_or_default()
    }
}

/// One file per capability and language (`locales/<lang>/<capability>.json`),
/// so that capabilities add their strings without touching each other's.
/// A key defined twice is a bug, caught by a test.
const ID_FILES: &[(&str, &str)] = &[
    ("analysis", include_str!("../locales/id/analysis.json")),
    ("certification", include_str!("../locales/id/certification.json")),
    ("insight", include_str!("../locales/id/insight.json")),
    ("linkage", include_str!("../locales/id/linkage.json")),
    ("registry", include_str!("../locales/id/registry.json")),
    ("readiness", include_str!("../locales/id/readiness.json")),
    ("programs", include_str!("../locales/id/programs.json")),
];
const EN_FILES: &[(&str, &str)] = &[
    ("analysis", include_str!("../locales/en/analysis.json")),
    ("certification", include_str!("../locales/en/certification.json")),
    ("insight", include_str!("../locales/en/insight.json")),
    ("linkage", include_str!("../locales/en/linkage.json")),
    ("registry", include_str!("../locales/en/registry.json")),
    ("readiness", include_str!("../locales/en/readiness.json")),
    ("programs", include_str!("../locales/en/programs.json")),
];

fn files(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Id => ID_FILES,
        Lang::En => EN_FILES,
    }
}

fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    static ID: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let cell = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    cell.get_or_init(|| {
        let mut all = HashMap::new();
        for (name, src) in files(lang) {
            let part: HashMap<String, String> = serde_json::from_str(src)
                .unwrap_or_else(|e| panic!("locales/{}/{name}.json is not a JSON object of strings: {e}", lang.code()));
            all.extend(part);
        }
        all
    })
}

/// The message for `key`; the key itself if missing, so a gap is visible
/// rather than blank (and the completeness test catches it).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match catalogue(lang).get(key) {
        Some(s) => s.as_str(),
        None => {
            tracing::warn!(key, lang = lang.code(), "missing translation");
            Box::leak(key.to_string().into_boxed_str())
        }
    }
}

pub fn has_key(lang: Lang, key: &str) -> bool {
    catalogue(lang).contains_key(key)
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, params: &[(String, String)]) -> String {
    let mut s = template.to_string();
    for (k, v) in params {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The reason of a field error in the user's language, e.g.
/// "NIB harus 13 digit (tertulis 12 digit)".
pub fn reason(lang: Lang, e: &FieldError) -> String {
    fill(t(lang, &format!("err.{}", e.code)), &e.params)
}

/// The label of a canonical field name.
pub fn field_label(lang: Lang, field: &str) -> &'static str {
    t(lang, &format!("field.{field}"))
}

/// `Rp 1.250.000` in both languages (the rupiah is written the Indonesian
/// way in English text too, as Kemenperin's English releases do), with
/// `1,250,000` grouping for plain numbers in English.
pub fn money(lang: Lang, rupiah: i64) -> String {
    let _ = lang;
    format!("Rp {}", group_thousands(rupiah, '.'))
}

pub fn number(lang: Lang, v: i64) -> String {
    match lang {
        Lang::Id => group_thousands(v, '.'),
        Lang::En => group_thousands(v, ','),
    }
}

/// `27 November 2026` (id) or `27 November 2026` (en) from a date.
pub fn date(lang: Lang, d: time::Date) -> String {
    let month = t(lang, &format!("month.{}", u8::from(d.month())));
    format!("{} {} {}", d.day(), month, d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let id: Vec<_> = catalogue(Lang::Id).keys().collect();
        let en = catalogue(Lang::En);
        let missing_en: Vec<_> = id.iter().filter(|k| !en.contains_key(k.as_str())).collect();
        let missing_id: Vec<_> = en.keys().filter(|k| !catalogue(Lang::Id).contains_key(k.as_str())).collect();
        assert!(missing_en.is_empty(), "missing in en.json: {missing_en:?}");
        assert!(missing_id.is_empty(), "missing in id.json: {missing_id:?}");
    }

    #[test]
    fn no_key_is_defined_in_two_files() {
        for lang in [Lang::Id, Lang::En] {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for (name, src) in files(lang) {
                let part: HashMap<String, String> = serde_json::from_str(src).unwrap();
                for k in part.keys() {
                    if let Some(other) = seen.insert(k.clone(), name) {
                        panic!("{k} is in both {other}.json and {name}.json ({})", lang.code());
                    }
                }
            }
        }
    }

    #[test]
    fn every_rule_code_has_a_message() {
        // The codes core and the store can produce; keep in step with them.
        for code in [
            "required",
            "nib.length",
            "nib.digits",
            "nib.duplicate",
            "kbli.format",
            "kbli.unknown",
            "kbli.unknown_division",
            "region.format",
            "region.unknown",
            "region.not_regency",
            "region.district_outside",
            "number.format",
            "number.negative",
            "number.rupiah_fraction",
            "number.too_precise",
            "number.too_large",
            "number.whole",
            "year.format",
            "year.range",
            "text.too_long",
            "text.control",
            "list.too_long",
            "phone.format",
            "email.format",
            "permit.kind",
            "permit.until_before_from",
            "permit.too_long",
            "date.format",
            "figures.final",
            "figures.not_final",
            "row.duplicate",
            "row.duplicate_earlier",
            "scope.outside_region",
            "correction.reason_required",
            "username.format",
            "username.duplicate",
            "password.too_short",
            "role.unknown",
            "user.officer_needs_region",
            "user.owner_needs_enterprise",
            "enterprise.unknown",
            "user.unknown",
            "size_class.unknown",
            "quality.unknown",
            "column.unknown",
        ] {
            for lang in [Lang::Id, Lang::En] {
                assert!(has_key(lang, &format!("err.{code}")), "err.{code} missing in {}", lang.code());
            }
        }
    }

    #[test]
    fn formats_per_language() {
        let e = FieldError::new("nib", "nib.length").with("value", "123").with("expected", 13).with("actual", 3);
        assert!(reason(Lang::Id, &e).contains("13"));
        assert_eq!(money(Lang::Id, 1_250_000), "Rp 1.250.000");
        assert_eq!(number(Lang::En, 1_250_000), "1,250,000");
        let d = time::macros::date!(2026 - 11 - 27);
        assert_eq!(date(Lang::Id, d), "27 November 2026");
        assert_eq!(date(Lang::Id, time::macros::date!(2026 - 08 - 17)), "17 Agustus 2026");
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Id);
    }
}
