//! The backend-neutral data transfer format, for moving a whole installation
//! between databases (`naikkelas migrate-data --from sqlite://… --to postgres://…`).
//!
//! Independent of the [`crate::Store`] trait: each backend implements the
//! small [`Transfer`] trait with the same format, and [`copy_installation`]
//! drives one from the other, in either direction.
//!
//! # Format
//!
//! [`TABLES`] lists the tables in load order (parents before children) with
//! their canonical columns. A row is a JSON object ([`Row`]) with exactly
//! those keys:
//!
//! | kind | JSON |
//! |------|------|
//! | [`Kind::Int`] | number (i64) or null |
//! | [`Kind::Text`] | string or null |
//! | [`Kind::Bool`] | true / false |
//! | [`Kind::TextList`] | array of strings (products, commodities) |
//! | [`Kind::Timestamp`] | RFC 3339 UTC string as [`crate::rfc3339`] prints it, microsecond precision (PostgreSQL's) |
//! | [`Kind::Date`] | `YYYY-MM-DD` |
//!
//! Enterprise children refer to their enterprise by `nib`, never by an
//! internal row id, so backends may number enterprises as they like. Ids
//! that other data or URLs refer to (users, permits, revisions, tokens) are
//! kept, and so are the ids of assessments, actions, certification bodies,
//! certifications and findings. Of `meta`, only the installation's
//! certificate signing keys ([`CARRIED_META_KEYS`]) are carried. Derived columns (province code, latest figures, search text, sort
//! key, the SQLite KBLI list) are not in the format: the loading side
//! recomputes them. Audit entries keep `seq`, texts and hashes byte for
//! byte, so the chain verifies after a move.
//!
//! Rows are dumped in key order ([`Table::key`]; text keys compare
//! bytewise). [`Transfer::table_checksums`] hashes, per table, the canonical
//! line of every row in that order ([`canonical_line`]: the JSON array of the
//! column values in [`Table::columns`] order as `serde_json::to_string` writes
//! it, followed by `\n`). Equal checksums on both sides mean an exact copy.
//!
//! # Procedure ([`copy_installation`])
//!
//! 0. the source must hold rows only in tables of [`TABLES`] or of the
//!    documented [`NOT_COPIED`] list: a table added by a later capability
//!    and not yet carried here stops the copy, naming it, instead of being
//!    silently left behind;
//! 1. the target is migrated by the caller; it must hold nothing but the
//!    shipped reference tables, then [`Transfer::clear_for_load`] empties it;
//! 2. for each table of [`TABLES`] in order: page through the source's
//!    `dump_table(name, after_last_row, n)` and pass each page to the
//!    target's [`Transfer::load_table`];
//! 3. compare `table_checksums()` of both.

use crate::{Result, StoreError};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// One row of a dumped table, keyed by canonical column name.
pub type Row = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bool,
    TextList,
    Timestamp,
    Date,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Canonical columns, in checksum order.
    pub columns: &'static [(&'static str, Kind)],
    /// Dump order and paging key (a prefix-free subset of `columns`).
    pub key: &'static [&'static str],
}

impl Table {
    /// The shipped reference data (regions, KBLI) that `migrate` loads into
    /// every database; a target holding only these counts as empty.
    pub fn is_reference(&self) -> bool {
        REFERENCE_TABLES.contains(&self.name)
    }

    /// The kind of a canonical column.
    pub fn kind(&self, column: &str) -> Option<Kind> {
        self.columns.iter().find(|(c, _)| *c == column).map(|(_, k)| *k)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChecksum {
    pub table: String,
    pub rows: u64,
    /// Lower-case hex SHA-256 of the table's canonical lines.
    pub sha256: String,
}

/// Tables that `migrate` fills from the data shipped in the binary (the
/// certification standards by their schema migration).
pub const REFERENCE_TABLES: &[&str] = &["provinces", "regencies", "districts", "kbli", "certification_standards"];

/// The `meta` keys that belong to the installation and move with it: the
/// Ed25519 key that signs certificate QR codes (without it every issued
/// signature stops verifying after a move) and the public keys it replaced.
/// The other keys of `meta` describe the database itself (the stamps of the
/// reference data and standards catalogue that `migrate` loaded, SQLite
/// bulk-load flags) and stay as the target has them. Key material is never
/// printed: only counts and checksums of this table are.
pub const CARRIED_META_KEYS: &[&str] = &["certification_signing_key", "certification_retired_keys"];

/// Tables a backend may hold that are deliberately not in [`TABLES`], with
/// the reason. [`copy_installation`] refuses a source holding rows in any
/// other table it does not know, rather than leave data behind.
pub const NOT_COPIED: &[(&str, &str)] = &[
    (
        "standards",
        "the readiness standards catalogue: `migrate` loads it on the target from the files shipped in the binary \
         (stamped in meta); assessments keep the code and revision they were made against",
    ),
    ("audit_head", "PostgreSQL: the head of the audit chain, recomputed when audit_log is loaded"),
    ("enterprise_search", "SQLite: the full-text index of enterprises, rebuilt when they are loaded"),
    (
        "insight_rollup",
        "rollups of the figures (insight): derived, kept by triggers while figures load and rebuilt after a copy",
    ),
    ("insight_rollup_province", "rollups of the figures summed per province (insight): derived like insight_rollup"),
];

/// Whether a table of a source database is copied ([`TABLES`]) or
/// deliberately left out ([`NOT_COPIED`]).
pub fn is_known(name: &str) -> bool {
    table(name).is_some() || NOT_COPIED.iter().any(|(n, _)| *n == name)
}

use Kind::*;

/// Every table that holds data, in load order.
pub const TABLES: &[Table] = &[
    Table { name: "provinces", columns: &[("code", Text), ("name", Text)], key: &["code"] },
    Table {
        name: "regencies",
        columns: &[("code", Text), ("province_code", Text), ("name", Text), ("kind", Text)],
        key: &["code"],
    },
    Table { name: "districts", columns: &[("code", Text), ("regency_code", Text), ("name", Text)], key: &["code"] },
    Table {
        name: "kbli",
        columns: &[
            ("code", Text),
            ("version", Text),
            ("level", Text),
            ("division", Text),
            ("name_id", Text),
            ("name_en", Text),
        ],
        key: &["code", "version"],
    },
    Table {
        name: "enterprises",
        columns: &[
            ("nib", Text),
            ("name", Text),
            ("owner_name", Text),
            ("address", Text),
            ("regency_code", Text),
            ("district_code", Text),
            ("products", TextList),
            ("commodities", TextList),
            ("founded_year", Int),
            ("phone", Text),
            ("email", Text),
            ("quality_level", Text),
            ("version", Int),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
        key: &["nib"],
    },
    Table {
        name: "enterprise_kbli",
        columns: &[("nib", Text), ("position", Int), ("kbli_code", Text), ("kbli_version", Text)],
        key: &["nib", "position"],
    },
    Table {
        name: "figures",
        columns: &[
            ("nib", Text),
            ("year", Int),
            ("workers", Int),
            ("investment_idr", Int),
            ("production_idr", Int),
            ("export_usd_cents", Int),
            ("capacity", Int),
            ("capacity_unit", Text),
            ("size_class", Text),
            ("quality_level", Text),
            ("finalised_at", Timestamp),
            ("finalised_by", Text),
            ("corrections", Int),
        ],
        key: &["nib", "year"],
    },
    Table {
        name: "figure_revisions",
        columns: &[
            ("id", Int),
            ("nib", Text),
            ("year", Int),
            ("workers", Int),
            ("investment_idr", Int),
            ("production_idr", Int),
            ("export_usd_cents", Int),
            ("capacity", Int),
            ("capacity_unit", Text),
            ("reason", Text),
            ("corrected_by", Text),
            ("corrected_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "permits",
        columns: &[
            ("id", Int),
            ("nib", Text),
            ("kind", Text),
            ("number", Text),
            ("issuer", Text),
            ("valid_from", Date),
            ("valid_until", Date),
        ],
        key: &["id"],
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("username", Text),
            ("display_name", Text),
            ("password_hash", Text),
            ("role", Text),
            ("region", Text),
            ("enterprise", Text),
            ("disabled", Bool),
            ("created_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "sessions",
        columns: &[
            ("id_hash", Text),
            ("user_id", Int),
            ("csrf_token", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
        ],
        key: &["id_hash"],
    },
    Table {
        name: "api_tokens",
        columns: &[("id", Int), ("user_id", Int), ("name", Text), ("token_hash", Text), ("created_at", Timestamp)],
        key: &["id"],
    },
    Table {
        name: "meta",
        // Only the keys of CARRIED_META_KEYS.
        columns: &[("key", Text), ("value", Text)],
        key: &["key"],
    },
    Table {
        name: "assessments",
        columns: &[
            ("id", Int),
            ("nib", Text),
            ("standard_code", Text),
            ("standard_revision", Text),
            ("status", Text),
            ("started_by", Text),
            ("started_at", Timestamp),
            ("updated_at", Timestamp),
            ("completed_at", Timestamp),
            ("score_permille", Int),
            ("meets_threshold", Bool),
        ],
        key: &["id"],
    },
    Table {
        name: "assessment_answers",
        columns: &[
            ("assessment_id", Int),
            ("item_id", Text),
            ("answer", Text),
            ("evidence", Text),
            ("answered_by", Text),
            ("answered_at", Timestamp),
        ],
        key: &["assessment_id", "item_id"],
    },
    Table {
        name: "assessment_actions",
        columns: &[
            ("id", Int),
            ("assessment_id", Int),
            ("position", Int),
            ("item_id", Text),
            ("critical", Bool),
            ("priority", Int),
            ("text", Text),
            ("owner", Text),
            ("due_date", Date),
            ("status", Text),
            ("updated_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "certification_standards",
        columns: &[("code", Text), ("title", Text), ("scheme", Text), ("validity_months", Int), ("source", Text)],
        key: &["code"],
    },
    Table {
        name: "certification_bodies",
        columns: &[
            ("id", Int),
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("kan_number", Text),
            // The JSON list of standard codes, as stored.
            ("scope", Text),
        ],
        key: &["id"],
    },
    Table { name: "certifier_bodies", columns: &[("user_id", Int), ("body_id", Int)], key: &["user_id"] },
    Table {
        name: "certifications",
        columns: &[
            ("id", Int),
            ("nib", Text),
            ("body_id", Int),
            ("standard_code", Text),
            ("scheme", Text),
            ("scope", Text),
            ("applied_on", Date),
            ("state", Text),
            ("number", Text),
            ("decided_on", Date),
            ("issued_on", Date),
            ("expires_on", Date),
            ("last_surveillance_on", Date),
            ("surveillance_due_on", Date),
            ("testing_passed", Bool),
            ("reason", Text),
            ("state_since", Timestamp),
            ("version", Int),
            ("created_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "certification_findings",
        columns: &[
            ("id", Int),
            ("certification_id", Int),
            ("grade", Text),
            ("clause", Text),
            ("description", Text),
            ("raised_at", Timestamp),
            ("raised_by", Text),
            ("corrective_action", Text),
            ("evidence", Text),
            ("closed_at", Timestamp),
            ("closed_by", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "certification_events",
        columns: &[
            ("certification_id", Int),
            ("seq", Int),
            ("at", Timestamp),
            ("actor", Text),
            ("event", Text),
            ("from_state", Text),
            ("to_state", Text),
            ("note", Text),
        ],
        key: &["certification_id", "seq"],
    },
    Table {
        name: "buyer_profiles",
        columns: &[
            ("user_id", Int),
            ("company_name", Text),
            ("industry", Text),
            ("province_code", Text),
            ("contact_name", Text),
            ("contact_phone", Text),
            ("contact_email", Text),
            ("updated_at", Timestamp),
        ],
        key: &["user_id"],
    },
    Table {
        name: "sourcing_requests",
        columns: &[
            ("id", Int),
            ("buyer_user_id", Int),
            ("title", Text),
            ("kbli_code", Text),
            // JSON lists as stored (keywords, standard codes, region codes).
            ("keywords", Text),
            ("standards", Text),
            ("min_monthly", Int),
            ("capacity_unit", Text),
            ("regions", Text),
            ("deadline", Date),
            ("status", Text),
            ("version", Int),
            ("created_at", Timestamp),
            ("updated_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "sourcing_interests",
        columns: &[
            ("id", Int),
            ("request_id", Int),
            ("nib", Text),
            ("message", Text),
            ("status", Text),
            ("created_at", Timestamp),
            ("decided_at", Timestamp),
            ("decided_by", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "supply_relationships",
        columns: &[
            ("id", Int),
            ("interest_id", Int),
            ("started_on", Date),
            ("note", Text),
            ("recorded_at", Timestamp),
            ("recorded_by", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "programs",
        columns: &[
            ("id", Int),
            ("year", Int),
            ("kind", Text),
            ("name", Text),
            ("owner_unit", Text),
            ("budget", Int),
            ("quota", Int),
            ("starts_on", Date),
            ("ends_on", Date),
            // naikkelas_core::programs::Eligibility and Benefit as stored JSON.
            ("eligibility", Text),
            ("benefit", Text),
            ("created_at", Timestamp),
            ("created_by", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "program_allocations",
        columns: &[("program_id", Int), ("region_code", Text), ("amount", Int)],
        key: &["program_id", "region_code"],
    },
    Table {
        name: "program_enrolments",
        columns: &[
            ("id", Int),
            ("program_id", Int),
            ("nib", Text),
            ("regency_code", Text),
            ("allocation_region", Text),
            ("status", Text),
            ("machine_price", Int),
            ("machine_origin", Text),
            ("requested_amount", Int),
            ("note", Text),
            ("applied_at", Timestamp),
            ("applied_by", Text),
            ("applied_by_user", Int),
            ("verified_at", Timestamp),
            ("verified_by", Text),
            ("verified_by_user", Int),
            ("decided_at", Timestamp),
            ("decided_by", Text),
            ("decided_by_user", Int),
            ("rejection_reason", Text),
            ("certification_id", Int),
            ("updated_at", Timestamp),
        ],
        key: &["id"],
    },
    Table {
        name: "program_ledger",
        columns: &[
            ("id", Int),
            ("program_id", Int),
            ("enrolment_id", Int),
            ("kind", Text),
            ("amount", Int),
            ("reverses", Int),
            ("allocation_region", Text),
            ("at", Timestamp),
            ("actor", Text),
            ("note", Text),
        ],
        key: &["id"],
    },
    Table {
        name: "audit_log",
        columns: &[
            ("seq", Int),
            ("at", Text),
            ("actor", Text),
            ("action", Text),
            ("entity_type", Text),
            ("entity_id", Text),
            ("before", Text),
            ("after", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
        key: &["seq"],
    },
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The error for a table name that is not in [`TABLES`].
pub fn unknown(name: &str) -> StoreError {
    StoreError::Backend(format!("unknown table {name:?} in a data transfer"))
}

/// The checksum line of one row: its values in column order as a JSON array.
pub fn canonical_line(t: &Table, row: &Row) -> Result<String> {
    let values: Vec<&Value> = t
        .columns
        .iter()
        .map(|(c, _)| row.get(*c).ok_or_else(|| StoreError::Backend(format!("{}: row lacks column {c}", t.name))))
        .collect::<Result<_>>()?;
    Ok(serde_json::to_string(&values).expect("JSON values serialise"))
}

/// The canonical form of a stored timestamp: parsed as RFC 3339, cut to
/// whole microseconds (PostgreSQL's precision) and printed as
/// [`crate::rfc3339`] prints it. `None` if the text is not RFC 3339.
pub fn canonical_timestamp(text: &str) -> Option<String> {
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    Some(crate::rfc3339(truncate_to_micros(t)))
}

/// `t` without its sub-microsecond part.
pub fn truncate_to_micros(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).expect("a smaller nanosecond is valid")
}

/// Refuses a row whose keys are not exactly the table's canonical columns.
pub fn check_columns(t: &Table, row: &Row) -> Result<()> {
    if row.len() != t.columns.len() || t.columns.iter().any(|(c, _)| !row.contains_key(*c)) {
        let got: Vec<&String> = row.keys().collect();
        return Err(StoreError::Backend(format!(
            "{}: a row has columns {got:?}, expected {:?}",
            t.name,
            t.columns.iter().map(|(c, _)| *c).collect::<Vec<_>>()
        )));
    }
    Ok(())
}

/// Lower-case hex of bytes.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What a backend offers for moving whole installations. Object safe, so
/// the CLI can drive any pair of backends through `&dyn Transfer`.
#[async_trait]
pub trait Transfer: Send + Sync {
    /// Up to `limit` rows of `table` in key order, after the row `after`
    /// (the last row of the previous page; only its key columns are read).
    async fn dump_table(&self, table: &str, after: Option<&Row>, limit: u32) -> Result<Vec<Row>>;

    /// Empties every table of [`TABLES`] (and what is derived from them), so
    /// a load starts from nothing. Meant for a freshly migrated target.
    async fn clear_for_load(&self) -> Result<()>;

    /// Appends `rows` (one page of a dump, in key order) to `table` in one
    /// transaction and brings the derived state up to date. Returns the
    /// number of rows written.
    async fn load_table(&self, table: &str, rows: &[Row]) -> Result<u64>;

    /// Every table of the database that can hold data: not the migration
    /// bookkeeping of sqlx, SQLite's own tables or the shadow tables of a
    /// full-text index.
    async fn table_names(&self) -> Result<Vec<String>>;

    /// Whether the table `name` (one of [`Transfer::table_names`]) holds a row.
    async fn has_rows(&self, name: &str) -> Result<bool>;

    /// Row count and SHA-256 of the canonical lines of every table, in
    /// [`TABLES`] order.
    async fn table_checksums(&self) -> Result<Vec<TableChecksum>> {
        checksums_by_paging(self).await
    }
}

/// [`Transfer::table_checksums`] computed from [`Transfer::dump_table`].
pub async fn checksums_by_paging<T: Transfer + ?Sized>(from: &T) -> Result<Vec<TableChecksum>> {
    const PAGE: u32 = 10_000;
    let mut out = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        let mut h = Sha256::new();
        let mut rows = 0u64;
        let mut last: Option<Row> = None;
        loop {
            let page = from.dump_table(t.name, last.as_ref(), PAGE).await?;
            for row in &page {
                h.update(canonical_line(t, row)?.as_bytes());
                h.update(b"\n");
            }
            rows += page.len() as u64;
            if page.len() < PAGE as usize {
                break;
            }
            last = page.into_iter().last();
        }
        out.push(TableChecksum { table: t.name.to_string(), rows, sha256: hex(&h.finalize()) });
    }
    Ok(out)
}

/// Why [`copy_installation`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(
        "the target database is not empty: table {table} already holds rows; \
         migrate-data copies only into an empty, freshly migrated database"
    )]
    TargetNotEmpty { table: String },
    #[error(
        "the source database holds data in {} this program does not copy: {}; \
         migrate-data would leave it behind (use the naikkelas version that wrote it)",
        if tables.len() == 1 { "a table" } else { "tables" },
        tables.join(", ")
    )]
    UnknownTables { tables: Vec<String> },
    #[error("after the copy, table {table} differs: source {source_rows} rows (sha256 {source_sha256}), target {target_rows} rows (sha256 {target_sha256})")]
    Mismatch { table: String, source_rows: u64, source_sha256: String, target_rows: u64, target_sha256: String },
    #[error("{side}: {error}")]
    Store { side: &'static str, error: StoreError },
}

/// Rows per page of a copy.
pub const COPY_PAGE: u32 = 5_000;

/// Copies a whole installation from `from` into `to`: refuses a source with
/// rows in a table that is neither in [`TABLES`] nor in [`NOT_COPIED`] and a
/// target that holds anything but reference data, empties it, copies every table of
/// [`TABLES`] in pages of [`COPY_PAGE`] rows (calling `progress(table,
/// rows_so_far)` after each page, and once for an empty table), then compares the checksums of both
/// sides. Returns the (equal) checksums.
pub async fn copy_installation(
    from: &dyn Transfer,
    to: &dyn Transfer,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> std::result::Result<Vec<TableChecksum>, TransferError> {
    let src = |error| TransferError::Store { side: "source", error };
    let dst = |error| TransferError::Store { side: "target", error };
    let mut unknown_tables = Vec::new();
    for name in from.table_names().await.map_err(src)? {
        if !is_known(&name) && from.has_rows(&name).await.map_err(src)? {
            unknown_tables.push(name);
        }
    }
    if !unknown_tables.is_empty() {
        unknown_tables.sort();
        return Err(TransferError::UnknownTables { tables: unknown_tables });
    }
    for t in TABLES.iter().filter(|t| !t.is_reference()) {
        if !to.dump_table(t.name, None, 1).await.map_err(dst)?.is_empty() {
            return Err(TransferError::TargetNotEmpty { table: t.name.to_string() });
        }
    }
    to.clear_for_load().await.map_err(dst)?;
    for t in TABLES {
        let mut copied = 0u64;
        let mut last: Option<Row> = None;
        loop {
            let page = from.dump_table(t.name, last.as_ref(), COPY_PAGE).await.map_err(src)?;
            copied += to.load_table(t.name, &page).await.map_err(dst)?;
            // The empty page that ends a table of whole pages is not news.
            if !page.is_empty() || copied == 0 {
                progress(t.name, copied);
            }
            if page.len() < COPY_PAGE as usize {
                break;
            }
            last = page.into_iter().last();
        }
    }
    let theirs = from.table_checksums().await.map_err(src)?;
    let ours = to.table_checksums().await.map_err(dst)?;
    for t in TABLES {
        let a = theirs.iter().find(|c| c.table == t.name);
        let b = ours.iter().find(|c| c.table == t.name);
        if a != b {
            let (source_rows, source_sha256) = a.map_or((0, "-".to_string()), |c| (c.rows, c.sha256.clone()));
            let (target_rows, target_sha256) = b.map_or((0, "-".to_string()), |c| (c.rows, c.sha256.clone()));
            return Err(TransferError::Mismatch {
                table: t.name.to_string(),
                source_rows,
                source_sha256,
                target_rows,
                target_sha256,
            });
        }
    }
    Ok(theirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_cut_to_microseconds() {
        assert_eq!(canonical_timestamp("2024-05-06T07:08:09.123456789Z").unwrap(), "2024-05-06T07:08:09.123456Z");
        assert_eq!(canonical_timestamp("2024-05-06T15:08:09+08:00").unwrap(), "2024-05-06T07:08:09Z");
        assert!(canonical_timestamp("yesterday").is_none());
    }

    #[test]
    fn tables_are_consistent() {
        for t in TABLES {
            for k in t.key {
                assert!(t.kind(k).is_some(), "{}: key {k} is not a column", t.name);
            }
            assert_eq!(table(t.name).map(|x| x.name), Some(t.name));
        }
        assert!(table("provinces").unwrap().is_reference());
        assert!(!table("users").unwrap().is_reference());
        for (name, _) in NOT_COPIED {
            assert!(table(name).is_none() && is_known(name), "{name} is either copied or not");
        }
        assert!(!is_known("_sqlx_migrations") && !is_known("shop_notes"));
        let t = table("provinces").unwrap();
        let mut row = Row::new();
        row.insert("code".into(), "64".into());
        row.insert("name".into(), "Kalimantan Timur".into());
        assert_eq!(canonical_line(t, &row).unwrap(), r#"["64","Kalimantan Timur"]"#);
        check_columns(t, &row).unwrap();
        row.remove("name");
        assert!(check_columns(t, &row).is_err());
    }
}
