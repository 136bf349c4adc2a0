//! The standards catalogue (SNI product standards, ISO management systems)
//! as requirement trees: clause → sub-clause → check item.
//!
//! The catalogue is data (`data/standards/*.toml`), not code: this module only
//! parses text handed to it and checks that the tree is well formed. A file
//! that is not is refused with the file, the line (or the item) and the
//! reason, so a reviewer can fix it without reading Rust.
//!
//! Scoring of an assessment against a standard lives in [`score`].

pub mod score;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// Management-system standards are voluntary and audited at the factory;
/// product standards are tested on samples and may be mandatory (SNI wajib).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardKind {
    ManagementSystem,
    Product,
}

impl StandardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StandardKind::ManagementSystem => "management_system",
            StandardKind::Product => "product",
        }
    }
}

/// Which enterprises a standard applies to: a KBLI code or prefix (a
/// two-digit division applies to every class in it) or a product keyword.
/// Every entry names where the mapping comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    #[serde(default)]
    pub kbli: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// `4`, `4.1`, `7.1.5`; product checklists use letters (`A`, `A.1`).
    pub id: String,
    pub title_id: String,
    pub title_en: String,
    /// † in DOMAIN.md: from general knowledge, to be checked against the standard.
    #[serde(default)]
    pub unverified: bool,
}

impl Clause {
    /// The top-level clause this one belongs to (`7` for `7.1.5`).
    pub fn top(&self) -> &str {
        top_of(&self.id)
    }
}

pub fn top_of(clause: &str) -> &str {
    clause.split('.').next().unwrap_or(clause)
}

fn parent_of(clause: &str) -> Option<&str> {
    clause.rsplit_once('.').map(|(p, _)| p)
}

/// One check question, answered ya / sebagian / tidak / tidak berlaku.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    /// The (sub-)clause the question checks.
    pub clause: String,
    /// 1 (nice to have) to 3 (central to the requirement).
    pub weight: u8,
    /// A "tidak" here blocks certification (see [`score`]).
    pub critical: bool,
    pub question_id: String,
    pub question_en: String,
    /// The suggested action when the answer is not "ya".
    pub action_id: String,
    pub action_en: String,
    #[serde(default)]
    pub unverified: bool,
}

/// One standard as the catalogue describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// Stable identifier, e.g. `iso-9001-2015`, `sni-2983-2014`.
    pub code: String,
    pub kind: StandardKind,
    /// As printed: `ISO 9001:2015`, `SNI 2983:2014`.
    pub number: String,
    pub title_id: String,
    pub title_en: String,
    /// Revision of this catalogue entry (not of the standard).
    pub revision: String,
    /// Mandatory SNI (SNI wajib).
    #[serde(default)]
    pub mandatory: bool,
    /// The regulation that makes it mandatory.
    #[serde(default)]
    pub regulation: Option<String>,
    /// ISO/IEC 17067 certification scheme type used in Indonesia (`1b`, `5`).
    #[serde(default)]
    pub scheme: Option<String>,
    /// Validity of the certificate in years, where known.
    #[serde(default)]
    pub validity_years: Option<u8>,
    #[serde(default)]
    pub note_id: Option<String>,
    #[serde(default)]
    pub note_en: Option<String>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub applicability: Vec<Applicability>,
    #[serde(rename = "clause")]
    pub clauses: Vec<Clause>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

impl Standard {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Top-level clauses in catalogue order.
    pub fn top_clauses(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(|c| !c.id.contains('.'))
    }

    /// Does this standard apply to an enterprise with these KBLI codes and
    /// product names? Returns the source of the first matching entry.
    pub fn applies_to(&self, kbli: &[&str], products: &[&str]) -> Option<&str> {
        let products: Vec<String> = products.iter().map(|p| p.to_lowercase()).collect();
        self.applicability
            .iter()
            .find(|a| {
                a.kbli.iter().any(|k| kbli.iter().any(|c| c.starts_with(k.as_str())))
                    || a.keywords.iter().any(|w| {
                        let w = w.to_lowercase();
                        products.iter().any(|p| p.contains(&w))
                    })
            })
            .map(|a| a.source.as_str())
    }
}

/// A catalogue file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    pub file: String,
    pub line: Option<usize>,
    pub item: Option<String>,
    pub reason: String,
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        if let Some(i) = &self.item {
            write!(f, ", item {i}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for CatalogueError {}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The line of the `n`-th (0-based) `id = "…"` with this value.
fn line_of_id(text: &str, id: &str, n: usize) -> Option<usize> {
    let needle = format!("\"{id}\"");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            t.starts_with("id") && t.split_once('=').is_some_and(|(k, v)| k.trim() == "id" && v.trim() == needle)
        })
        .nth(n)
        .map(|(i, _)| i + 1)
}

impl Standard {
    /// Parses one catalogue file (TOML) and checks its tree.
    pub fn parse(file: &str, text: &str) -> Result<Standard, CatalogueError> {
        let err = |line, item: Option<&str>, reason: String| CatalogueError {
            file: file.to_string(),
            line,
            item: item.map(str::to_string),
            reason,
        };
        let s: Standard = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(text, s.start));
            err(line, None, e.message().trim().to_string())
        })?;
        if s.code.trim().is_empty() || s.code.chars().any(|c| !(c.is_ascii_alphanumeric() || c == '-')) {
            return Err(err(None, None, format!("standard code {:?} must be letters, digits and '-'", s.code)));
        }
        if s.sources.is_empty() {
            return Err(err(None, None, "a standard needs at least one source".into()));
        }
        if let Some(a) = s.applicability.iter().find(|a| a.source.trim().is_empty()) {
            return Err(err(None, None, format!("applicability entry {:?}/{:?} names no source", a.kbli, a.keywords)));
        }
        let mut clauses = HashSet::new();
        for c in &s.clauses {
            if !clauses.insert(c.id.as_str()) {
                return Err(err(line_of_id(text, &c.id, 1), None, format!("duplicate clause {}", c.id)));
            }
            if let Some(p) = parent_of(&c.id) {
                if !clauses.contains(p) {
                    return Err(err(
                        line_of_id(text, &c.id, 0),
                        None,
                        format!("clause {} comes before its parent {p}", c.id),
                    ));
                }
            }
        }
        if s.items.is_empty() {
            return Err(err(None, None, "a standard needs at least one item".into()));
        }
        let mut items = HashSet::new();
        for i in &s.items {
            let line = || line_of_id(text, &i.id, 0);
            if i.id.trim().is_empty() {
                return Err(err(None, None, "an item has an empty id".into()));
            }
            if !items.insert(i.id.as_str()) {
                return Err(err(line_of_id(text, &i.id, 1), Some(&i.id), "duplicate item id".into()));
            }
            if !clauses.contains(i.clause.as_str()) {
                return Err(err(line(), Some(&i.id), format!("unknown clause {}", i.clause)));
            }
            if !(1..=3).contains(&i.weight) {
                return Err(err(line(), Some(&i.id), format!("weight {} is outside 1 to 3", i.weight)));
            }
            for (name, v) in [
                ("question_id", &i.question_id),
                ("question_en", &i.question_en),
                ("action_id", &i.action_id),
                ("action_en", &i.action_en),
            ] {
                if v.trim().is_empty() {
                    return Err(err(line(), Some(&i.id), format!("{name} is empty")));
                }
            }
        }
        Ok(s)
    }
}

/// Every standard of the shipped catalogue, by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    pub standards: BTreeMap<String, Standard>,
    /// Changes whenever any file changes; stored so `migrate` reloads.
    pub version: String,
}

impl Catalogue {
    /// Parses `(file name, text)` pairs; standard codes must be unique.
    pub fn parse(files: &[(&str, &str)]) -> Result<Catalogue, CatalogueError> {
        let mut standards = BTreeMap::new();
        let mut h = Sha256::new();
        for (file, text) in files {
            let s = Standard::parse(file, text)?;
            h.update(file.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
            if standards.contains_key(&s.code) {
                return Err(CatalogueError {
                    file: file.to_string(),
                    line: None,
                    item: None,
                    reason: format!("standard code {} is already used by another file", s.code),
                });
            }
            standards.insert(s.code.clone(), s);
        }
        let digest = hex::encode(h.finalize());
        Ok(Catalogue { standards, version: format!("standards-{}", &digest[..16]) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINI: &str = r#"
code = "mini-1"
kind = "management_system"
number = "MINI 1:2020"
title_id = "Mini"
title_en = "Mini"
revision = "1"
sources = ["https://example.org"]

[[applicability]]
kbli = ["10"]
keywords = ["kopi"]
source = "https://example.org/map"

[[clause]]
id = "4"
title_id = "Konteks"
title_en = "Context"

[[clause]]
id = "4.1"
title_id = "Memahami organisasi"
title_en = "Understanding the organization"

[[item]]
id = "m-1"
clause = "4.1"
weight = 2
critical = true
question_id = "Apakah?"
question_en = "Is it?"
action_id = "Lakukan."
action_en = "Do it."

[[item]]
id = "m-2"
clause = "4"
weight = 1
critical = false
question_id = "Apakah lagi?"
question_en = "Is it again?"
action_id = "Lakukan lagi."
action_en = "Do it again."
"#;

    #[test]
    fn a_well_formed_file_parses() {
        let s = Standard::parse("mini.toml", MINI).unwrap();
        assert_eq!(s.items.len(), 2);
        assert_eq!(s.top_clauses().count(), 1);
        assert_eq!(s.applies_to(&["10761"], &[]), Some("https://example.org/map"));
        assert_eq!(s.applies_to(&["31011"], &["Kopi bubuk"]), Some("https://example.org/map"));
        assert_eq!(s.applies_to(&["31011"], &["kursi"]), None);
    }

    #[test]
    fn a_duplicate_item_id_is_refused_with_its_line() {
        let bad = MINI.replace("id = \"m-2\"", "id = \"m-1\"");
        let e = Standard::parse("mini.toml", &bad).unwrap_err();
        assert_eq!(e.item.as_deref(), Some("m-1"));
        assert_eq!(e.reason, "duplicate item id");
        let line = bad.lines().position(|l| l == "id = \"m-1\"").unwrap();
        let second = bad.lines().skip(line + 1).position(|l| l == "id = \"m-1\"").unwrap() + line + 2;
        assert_eq!(e.line, Some(second));
        assert!(e.to_string().starts_with("mini.toml, line "), "{e}");
    }

    #[test]
    fn a_missing_weight_is_refused_with_its_line() {
        let bad = MINI.replacen("weight = 1\n", "", 1);
        let e = Standard::parse("mini.toml", &bad).unwrap_err();
        assert!(e.reason.contains("weight"), "{e}");
        let item_line = bad.lines().position(|l| l == "id = \"m-2\"").unwrap() + 1;
        let line = e.line.expect("a line");
        assert!(line >= item_line - 2 && line <= item_line + 8, "{e}");
    }

    #[test]
    fn weight_range_unknown_clause_and_orphan_sub_clause_are_refused() {
        let e = Standard::parse("m", &MINI.replace("weight = 2", "weight = 5")).unwrap_err();
        assert_eq!((e.item.as_deref(), e.reason.as_str()), (Some("m-1"), "weight 5 is outside 1 to 3"));
        let e = Standard::parse("m", &MINI.replace("clause = \"4.1\"", "clause = \"4.9\"")).unwrap_err();
        assert_eq!(e.reason, "unknown clause 4.9");
        let e = Standard::parse("m", &MINI.replace("id = \"4\"\n", "id = \"5\"\n")).unwrap_err();
        assert!(e.reason.contains("before its parent 4"), "{e}");
        let e = Standard::parse("m", &MINI.replace("question_en = \"Is it?\"", "question_en = \" \"")).unwrap_err();
        assert_eq!(e.reason, "question_en is empty");
        let e = Standard::parse("m", "code = \"x\"\nkind = \"nope\"").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn catalogue_refuses_a_code_used_twice_and_versions_the_text() {
        let e = Catalogue::parse(&[("a.toml", MINI), ("b.toml", MINI)]).unwrap_err();
        assert_eq!(e.file, "b.toml");
        let a = Catalogue::parse(&[("a.toml", MINI)]).unwrap();
        let b = Catalogue::parse(&[("a.toml", &MINI.replace("revision = \"1\"", "revision = \"2\""))]).unwrap();
        assert_ne!(a.version, b.version);
    }
}
