//! Table-level dump and load in the backend-neutral format of
//! [`naikkelas_store::transfer`], so that `naikkelas migrate-data` can move
//! an installation from SQLite to PostgreSQL and back.
//!
//! SQLite specifics: text keys compare bytewise (the default `BINARY`
//! collation), as the format requires. Stored timestamps are RFC 3339 text
//! (possibly with nanoseconds) except the session times, which are Unix
//! microseconds; both are dumped in the canonical microsecond form. Product
//! and commodity lists are JSON text. Children are joined to `enterprises`
//! for their NIB on dump and look their enterprise up by NIB on load.
//!
//! A load recomputes what SQLite derives: the sort key, province code and
//! search entry of each enterprise, its KBLI list (from `enterprise_kbli`)
//! and its latest figures. Row ids of permits, revisions, users and tokens
//! are kept, and `INTEGER PRIMARY KEY` continues after the highest.

use crate::registry::{name_key, search_body};
use crate::{Db, SqliteStore};
use async_trait::async_trait;
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::{Nib, RegionCode};
use naikkelas_store::transfer::{
    canonical_timestamp, check_columns, checksums_by_paging, table, truncate_to_micros, unknown, Kind, Row, Table,
    TableChecksum, Transfer, CARRIED_META_KEYS,
};
use naikkelas_store::{rfc3339, Result, StoreError};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row as _, Sqlite, SqliteConnection};
use std::collections::HashMap;
use time::OffsetDateTime;

/// How a canonical column is kept in SQLite.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// As its kind says: INTEGER, TEXT (timestamps as RFC 3339 text), 0/1.
    Plain,
    /// A list as JSON text.
    Json,
    /// A timestamp as Unix microseconds.
    Micros,
    /// The canonical `nib`, kept as the `enterprise_id` of that enterprise.
    EnterpriseId,
}

/// One canonical column: the expression that dumps it, the column it is
/// loaded into, and how it is kept.
struct Col {
    expr: &'static str,
    target: &'static str,
    stored: Stored,
}

const fn col(expr: &'static str, target: &'static str) -> Col {
    Col { expr, target, stored: Stored::Plain }
}

const fn col_as(expr: &'static str, target: &'static str, stored: Stored) -> Col {
    Col { expr, target, stored }
}

/// How SQLite keeps one table of the format.
struct Spec {
    /// The SQLite table loaded into.
    table: &'static str,
    from: &'static str,
    /// One per canonical column, in [`Table::columns`] order.
    cols: &'static [Col],
    /// The key as SQL, in [`Table::key`] order.
    key: &'static [&'static str],
}

fn spec(name: &str) -> Option<Spec> {
    use Stored::*;
    Some(match name {
        "provinces" => Spec {
            table: "provinces",
            from: "provinces t",
            cols: const { &[col("t.code", "code"), col("t.name", "name")] },
            key: &["t.code"],
        },
        "regencies" => Spec {
            table: "regencies",
            from: "regencies t",
            cols: const {
                &[
                    col("t.code", "code"),
                    col("t.province_code", "province_code"),
                    col("t.name", "name"),
                    col("t.kind", "kind"),
                ]
            },
            key: &["t.code"],
        },
        "districts" => Spec {
            table: "districts",
            from: "districts t",
            cols: const { &[col("t.code", "code"), col("t.regency_code", "regency_code"), col("t.name", "name")] },
            key: &["t.code"],
        },
        "kbli" => Spec {
            table: "kbli",
            from: "kbli t",
            cols: const {
                &[
                    col("t.code", "code"),
                    col("t.version", "version"),
                    col("t.level", "level"),
                    col("t.division", "division"),
                    col("t.name_id", "name_id"),
                    col("t.name_en", "name_en"),
                ]
            },
            key: &["t.code", "t.version"],
        },
        "enterprises" => Spec {
            table: "enterprises",
            from: "enterprises e",
            cols: const {
                &[
                    col("e.nib", "nib"),
                    col("e.name", "name"),
                    col("e.owner_name", "owner_name"),
                    col("e.address", "address"),
                    col("e.regency_code", "regency_code"),
                    col("e.district_code", "district_code"),
                    col_as("e.products", "products", Json),
                    col_as("e.commodities", "commodities", Json),
                    col("e.founded_year", "founded_year"),
                    col("e.phone", "phone"),
                    col("e.email", "email"),
                    col("e.quality_level", "quality_level"),
                    col("e.version", "version"),
                    col("e.created_at", "created_at"),
                    col("e.updated_at", "updated_at"),
                ]
            },
            key: &["e.nib"],
        },
        "enterprise_kbli" => Spec {
            table: "enterprise_kbli",
            from: "enterprise_kbli t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.position", "position"),
                    col("t.kbli_code", "kbli_code"),
                    col("t.kbli_version", "kbli_version"),
                ]
            },
            key: &["e.nib", "t.position"],
        },
        "figures" => Spec {
            table: "figures",
            from: "figures t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.year", "year"),
                    col("t.workers", "workers"),
                    col("t.investment_idr", "investment_idr"),
                    col("t.production_idr", "production_idr"),
                    col("t.export_usd_cents", "export_usd_cents"),
                    col("t.capacity", "capacity"),
                    col("t.capacity_unit", "capacity_unit"),
                    col("t.size_class", "size_class"),
                    col("t.quality_level", "quality_level"),
                    col("t.finalised_at", "finalised_at"),
                    col("t.finalised_by", "finalised_by"),
                    col("t.corrections", "corrections"),
                ]
            },
            key: &["e.nib", "t.year"],
        },
        "figure_revisions" => Spec {
            table: "figure_revisions",
            from: "figure_revisions t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.year", "year"),
                    col("t.workers", "workers"),
                    col("t.investment_idr", "investment_idr"),
                    col("t.production_idr", "production_idr"),
                    col("t.export_usd_cents", "export_usd_cents"),
                    col("t.capacity", "capacity"),
                    col("t.capacity_unit", "capacity_unit"),
                    col("t.reason", "reason"),
                    col("t.corrected_by", "corrected_by"),
                    col("t.corrected_at", "corrected_at"),
                ]
            },
            key: &["t.id"],
        },
        "permits" => Spec {
            table: "permits",
            from: "permits t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.kind", "kind"),
                    col("t.number", "number"),
                    col("t.issuer", "issuer"),
                    col("t.valid_from", "valid_from"),
                    col("t.valid_until", "valid_until"),
                ]
            },
            key: &["t.id"],
        },
        "users" => Spec {
            table: "users",
            from: "users t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.username", "username"),
                    col("t.display_name", "display_name"),
                    col("t.password_hash", "password_hash"),
                    col("t.role", "role"),
                    col("t.region_code", "region_code"),
                    col("t.enterprise_nib", "enterprise_nib"),
                    col("t.disabled", "disabled"),
                    col("t.created_at", "created_at"),
                ]
            },
            key: &["t.id"],
        },
        "sessions" => Spec {
            table: "sessions",
            from: "sessions t",
            cols: const {
                &[
                    col("t.id_hash", "id_hash"),
                    col("t.user_id", "user_id"),
                    col("t.csrf_token", "csrf_token"),
                    col_as("t.created_at", "created_at", Micros),
                    col_as("t.expires_at", "expires_at", Micros),
                ]
            },
            key: &["t.id_hash"],
        },
        "api_tokens" => Spec {
            table: "api_tokens",
            from: "api_tokens t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.user_id", "user_id"),
                    col("t.name", "name"),
                    col("t.token_hash", "token_hash"),
                    col("t.created_at", "created_at"),
                ]
            },
            key: &["t.id"],
        },
        "meta" => Spec {
            table: "meta",
            from: "(SELECT key, value FROM meta WHERE key IN ('certification_signing_key', 'certification_retired_keys')) t",
            cols: const { &[col("t.key", "key"), col("t.value", "value")] },
            key: &["t.key"],
        },
        "assessments" => Spec {
            table: "assessments",
            from: "assessments t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.standard_code", "standard_code"),
                    col("t.standard_revision", "standard_revision"),
                    col("t.status", "status"),
                    col("t.started_by", "started_by"),
                    col("t.started_at", "started_at"),
                    col("t.updated_at", "updated_at"),
                    col("t.completed_at", "completed_at"),
                    col("t.score_permille", "score_permille"),
                    col("t.meets_threshold", "meets_threshold"),
                ]
            },
            key: &["t.id"],
        },
        "assessment_answers" => Spec {
            table: "assessment_answers",
            from: "assessment_answers t",
            cols: const {
                &[
                    col("t.assessment_id", "assessment_id"),
                    col("t.item_id", "item_id"),
                    col("t.answer", "answer"),
                    col("t.evidence", "evidence"),
                    col("t.answered_by", "answered_by"),
                    col("t.answered_at", "answered_at"),
                ]
            },
            key: &["t.assessment_id", "t.item_id"],
        },
        "assessment_actions" => Spec {
            table: "assessment_actions",
            from: "assessment_actions t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.assessment_id", "assessment_id"),
                    col("t.position", "position"),
                    col("t.item_id", "item_id"),
                    col("t.critical", "critical"),
                    col("t.priority", "priority"),
                    col("t.text", "text"),
                    col("t.owner", "owner"),
                    col("t.due_date", "due_date"),
                    col("t.status", "status"),
                    col("t.updated_at", "updated_at"),
                ]
            },
            key: &["t.id"],
        },
        "certification_standards" => Spec {
            table: "certification_standards",
            from: "certification_standards t",
            cols: const {
                &[
                    col("t.code", "code"),
                    col("t.title", "title"),
                    col("t.scheme", "scheme"),
                    col("t.validity_months", "validity_months"),
                    col("t.source", "source"),
                ]
            },
            key: &["t.code"],
        },
        "certification_bodies" => Spec {
            table: "certification_bodies",
            from: "certification_bodies t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.code", "code"),
                    col("t.name", "name"),
                    col("t.kind", "kind"),
                    col("t.kan_number", "kan_number"),
                    col("t.scope", "scope"),
                ]
            },
            key: &["t.id"],
        },
        "certifier_bodies" => Spec {
            table: "certifier_bodies",
            from: "certifier_bodies t",
            cols: const { &[col("t.user_id", "user_id"), col("t.body_id", "body_id")] },
            key: &["t.user_id"],
        },
        "certifications" => Spec {
            table: "certifications",
            from: "certifications t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.body_id", "body_id"),
                    col("t.standard_code", "standard_code"),
                    col("t.scheme", "scheme"),
                    col("t.scope", "scope"),
                    col("t.applied_on", "applied_on"),
                    col("t.state", "state"),
                    col("t.number", "number"),
                    col("t.decided_on", "decided_on"),
                    col("t.issued_on", "issued_on"),
                    col("t.expires_on", "expires_on"),
                    col("t.last_surveillance_on", "last_surveillance_on"),
                    col("t.surveillance_due_on", "surveillance_due_on"),
                    col("t.testing_passed", "testing_passed"),
                    col("t.reason", "reason"),
                    col("t.state_since", "state_since"),
                    col("t.version", "version"),
                    col("t.created_at", "created_at"),
                ]
            },
            key: &["t.id"],
        },
        "certification_findings" => Spec {
            table: "certification_findings",
            from: "certification_findings t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.certification_id", "certification_id"),
                    col("t.grade", "grade"),
                    col("t.clause", "clause"),
                    col("t.description", "description"),
                    col("t.raised_at", "raised_at"),
                    col("t.raised_by", "raised_by"),
                    col("t.corrective_action", "corrective_action"),
                    col("t.evidence", "evidence"),
                    col("t.closed_at", "closed_at"),
                    col("t.closed_by", "closed_by"),
                ]
            },
            key: &["t.id"],
        },
        "certification_events" => Spec {
            table: "certification_events",
            from: "certification_events t",
            cols: const {
                &[
                    col("t.certification_id", "certification_id"),
                    col("t.seq", "seq"),
                    col("t.at", "at"),
                    col("t.actor", "actor"),
                    col("t.event", "event"),
                    col("t.from_state", "from_state"),
                    col("t.to_state", "to_state"),
                    col("t.note", "note"),
                ]
            },
            key: &["t.certification_id", "t.seq"],
        },
        "buyer_profiles" => Spec {
            table: "buyer_profiles",
            from: "buyer_profiles t",
            cols: const {
                &[
                    col("t.user_id", "user_id"),
                    col("t.company_name", "company_name"),
                    col("t.industry", "industry"),
                    col("t.province_code", "province_code"),
                    col("t.contact_name", "contact_name"),
                    col("t.contact_phone", "contact_phone"),
                    col("t.contact_email", "contact_email"),
                    col("t.updated_at", "updated_at"),
                ]
            },
            key: &["t.user_id"],
        },
        "sourcing_requests" => Spec {
            table: "sourcing_requests",
            from: "sourcing_requests t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.buyer_user_id", "buyer_user_id"),
                    col("t.title", "title"),
                    col("t.kbli_code", "kbli_code"),
                    col("t.keywords", "keywords"),
                    col("t.standards", "standards"),
                    col("t.min_monthly", "min_monthly"),
                    col("t.capacity_unit", "capacity_unit"),
                    col("t.regions", "regions"),
                    col("t.deadline", "deadline"),
                    col("t.status", "status"),
                    col("t.version", "version"),
                    col("t.created_at", "created_at"),
                    col("t.updated_at", "updated_at"),
                ]
            },
            key: &["t.id"],
        },
        "sourcing_interests" => Spec {
            table: "sourcing_interests",
            from: "sourcing_interests t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.request_id", "request_id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.message", "message"),
                    col("t.status", "status"),
                    col("t.created_at", "created_at"),
                    col("t.decided_at", "decided_at"),
                    col("t.decided_by", "decided_by"),
                ]
            },
            key: &["t.id"],
        },
        "supply_relationships" => Spec {
            table: "supply_relationships",
            from: "supply_relationships t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.interest_id", "interest_id"),
                    col("t.started_on", "started_on"),
                    col("t.note", "note"),
                    col("t.recorded_at", "recorded_at"),
                    col("t.recorded_by", "recorded_by"),
                ]
            },
            key: &["t.id"],
        },
        "programs" => Spec {
            table: "programs",
            from: "programs t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.year", "year"),
                    col("t.kind", "kind"),
                    col("t.name", "name"),
                    col("t.owner_unit", "owner_unit"),
                    col("t.budget", "budget"),
                    col("t.quota", "quota"),
                    col("t.starts_on", "starts_on"),
                    col("t.ends_on", "ends_on"),
                    col("t.eligibility", "eligibility"),
                    col("t.benefit", "benefit"),
                    col("t.created_at", "created_at"),
                    col("t.created_by", "created_by"),
                ]
            },
            key: &["t.id"],
        },
        "program_allocations" => Spec {
            table: "program_allocations",
            from: "program_allocations t",
            cols: const { &[col("t.program_id", "program_id"), col("t.region_code", "region_code"), col("t.amount", "amount")] },
            key: &["t.program_id", "t.region_code"],
        },
        "program_enrolments" => Spec {
            table: "program_enrolments",
            from: "program_enrolments t JOIN enterprises e ON e.id = t.enterprise_id",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.program_id", "program_id"),
                    col_as("e.nib", "enterprise_id", EnterpriseId),
                    col("t.regency_code", "regency_code"),
                    col("t.allocation_region", "allocation_region"),
                    col("t.status", "status"),
                    col("t.machine_price", "machine_price"),
                    col("t.machine_origin", "machine_origin"),
                    col("t.requested_amount", "requested_amount"),
                    col("t.note", "note"),
                    col("t.applied_at", "applied_at"),
                    col("t.applied_by", "applied_by"),
                    col("t.applied_by_user", "applied_by_user"),
                    col("t.verified_at", "verified_at"),
                    col("t.verified_by", "verified_by"),
                    col("t.verified_by_user", "verified_by_user"),
                    col("t.decided_at", "decided_at"),
                    col("t.decided_by", "decided_by"),
                    col("t.decided_by_user", "decided_by_user"),
                    col("t.rejection_reason", "rejection_reason"),
                    col("t.certification_id", "certification_id"),
                    col("t.updated_at", "updated_at"),
                ]
            },
            key: &["t.id"],
        },
        "program_ledger" => Spec {
            table: "program_ledger",
            from: "program_ledger t",
            cols: const {
                &[
                    col("t.id", "id"),
                    col("t.program_id", "program_id"),
                    col("t.enrolment_id", "enrolment_id"),
                    col("t.kind", "kind"),
                    col("t.amount", "amount"),
                    col("t.reverses", "reverses"),
                    col("t.allocation_region", "allocation_region"),
                    col("t.at", "at"),
                    col("t.actor", "actor"),
                    col("t.note", "note"),
                ]
            },
            key: &["t.id"],
        },
        "audit_log" => Spec {
            table: "audit_log",
            from: "audit_log t",
            cols: const {
                &[
                    col("t.seq", "seq"),
                    col("t.at", "at"),
                    col("t.actor", "actor"),
                    col("t.action", "action"),
                    col("t.entity_type", "entity_type"),
                    col("t.entity_id", "entity_id"),
                    col("t.before", "before"),
                    col("t.after", "after"),
                    col("t.prev_hash", "prev_hash"),
                    col("t.hash", "hash"),
                ]
            },
            key: &["t.seq"],
        },
        _ => return None,
    })
}

fn corrupt(table: &str, column: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{table}.{column}: {what}"))
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// One stored value in canonical form.
fn value_of(t: &Table, r: &SqliteRow, i: usize, kind: Kind, stored: Stored) -> Result<Value> {
    let column = t.columns[i].0;
    Ok(match (kind, stored) {
        (Kind::Int, _) => r.try_get::<Option<i64>, _>(i).db()?.map_or(Value::Null, Value::from),
        (Kind::Bool, _) => r.try_get::<Option<bool>, _>(i).db()?.map_or(Value::Null, Value::from),
        (Kind::TextList, _) => match r.try_get::<Option<String>, _>(i).db()? {
            None => Value::Null,
            Some(text) => {
                let list: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                    corrupt(t.name, column, format_args!("{text:?} is not a JSON list of strings: {e}"))
                })?;
                Value::from(list)
            }
        },
        (Kind::Timestamp, Stored::Micros) => match r.try_get::<Option<i64>, _>(i).db()? {
            None => Value::Null,
            Some(m) => {
                let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000)
                    .map_err(|e| corrupt(t.name, column, format_args!("{m}: {e}")))?;
                Value::from(rfc3339(t))
            }
        },
        (Kind::Timestamp, _) => match r.try_get::<Option<String>, _>(i).db()? {
            None => Value::Null,
            Some(text) => Value::from(
                canonical_timestamp(&text)
                    .ok_or_else(|| corrupt(t.name, column, format_args!("{text:?} is not an RFC 3339 time")))?,
            ),
        },
        (Kind::Text | Kind::Date, _) => r.try_get::<Option<String>, _>(i).db()?.map_or(Value::Null, Value::from),
    })
}

/// A value to bind on load.
enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

/// The stored value of one canonical value; `ids` maps NIBs to the
/// enterprise ids of this database.
fn bind_of(t: &Table, column: &str, kind: Kind, c: &Col, v: &Value, ids: &HashMap<String, i64>) -> Result<Bind> {
    let bad = || corrupt(t.name, column, format_args!("{v} is not a {kind:?} value"));
    if c.stored == Stored::EnterpriseId {
        let nib = v.as_str().ok_or_else(bad)?;
        let id = ids
            .get(nib)
            .ok_or_else(|| corrupt(t.name, column, format_args!("refers to enterprise {nib}, which is not loaded")))?;
        return Ok(Bind::Int(Some(*id)));
    }
    if v.is_null() {
        return Ok(match kind {
            Kind::Int => Bind::Int(None),
            Kind::Bool => Bind::Bool(None),
            Kind::Timestamp if c.stored == Stored::Micros => Bind::Int(None),
            _ => Bind::Text(None),
        });
    }
    Ok(match (kind, c.stored) {
        (Kind::Int, _) => Bind::Int(Some(v.as_i64().ok_or_else(bad)?)),
        (Kind::Bool, _) => Bind::Bool(Some(v.as_bool().ok_or_else(bad)?)),
        (Kind::TextList, _) => {
            let list: Vec<String> = serde_json::from_value(v.clone()).map_err(|_| bad())?;
            Bind::Text(Some(serde_json::to_string(&list).expect("a list of strings serialises")))
        }
        (Kind::Timestamp, stored) => {
            let text = v.as_str().ok_or_else(bad)?;
            let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(|_| bad())?;
            let at = truncate_to_micros(at);
            if stored == Stored::Micros {
                Bind::Int(Some(micros(at)))
            } else {
                Bind::Text(Some(rfc3339(at)))
            }
        }
        (Kind::Text | Kind::Date, _) => Bind::Text(Some(v.as_str().ok_or_else(bad)?.to_string())),
    })
}

/// SQLite allows 32,766 bound values per statement; stay well below.
const MAX_BINDS: usize = 30_000;

/// Enterprise ids by NIB for the NIBs among `nibs`.
async fn enterprise_ids(conn: &mut SqliteConnection, nibs: &[&str]) -> Result<HashMap<String, i64>> {
    let json = serde_json::to_string(nibs).expect("strings serialise");
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT nib, id FROM enterprises WHERE nib IN (SELECT value FROM json_each(?))")
            .bind(json)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    Ok(rows.into_iter().collect())
}

/// The probe of an enterprise row that the search body is computed from
/// (name, NIB and products), exactly as a write computes it.
fn search_probe(row: &Row) -> Result<EnterpriseProfile> {
    let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let bad = |what: &str, e: &dyn std::fmt::Display| StoreError::Backend(format!("enterprises: {what}: {e}"));
    let products: Vec<String> =
        serde_json::from_value(row.get("products").cloned().unwrap_or(Value::Null)).map_err(|e| bad("products", &e))?;
    Ok(EnterpriseProfile {
        nib: Nib::parse(&text("nib")).map_err(|e| bad("nib", &e))?,
        name: text("name"),
        owner_name: String::new(),
        address: String::new(),
        regency: RegionCode::parse(&text("regency_code")).map_err(|e| bad("regency_code", &e))?,
        district: None,
        kbli: Vec::new(),
        products,
        commodities: Vec::new(),
        founded_year: None,
        phone: None,
        email: None,
    })
}

impl SqliteStore {
    async fn dump(&self, name: &str, after: Option<&Row>, limit: u32) -> Result<Vec<Row>> {
        let t = table(name).ok_or_else(|| unknown(name))?;
        let s = spec(name).ok_or_else(|| unknown(name))?;
        let exprs: Vec<&str> = s.cols.iter().map(|c| c.expr).collect();
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
        qb.push(exprs.join(", ")).push(" FROM ").push(s.from);
        if let Some(after) = after {
            qb.push(" WHERE (").push(s.key.join(", ")).push(") > (");
            let mut sep = qb.separated(", ");
            for k in t.key {
                match (t.kind(k), after.get(*k)) {
                    (Some(Kind::Int), Some(Value::Number(n))) => sep.push_bind(n.as_i64()),
                    (Some(Kind::Text), Some(Value::String(v))) => sep.push_bind(v.clone()),
                    _ => {
                        return Err(StoreError::Backend(format!("{name}: the row to continue after lacks key {k}")));
                    }
                };
            }
            qb.push(")");
        }
        qb.push(" ORDER BY ").push(s.key.join(", ")).push(" LIMIT ").push_bind(i64::from(limit.max(1)));
        // One statement, so a page is read from one snapshot.
        let rows = qb.build().fetch_all(&self.pool).await.db()?;
        rows.iter()
            .map(|r| {
                t.columns
                    .iter()
                    .zip(s.cols)
                    .enumerate()
                    .map(|(i, ((c, kind), col))| Ok((c.to_string(), value_of(t, r, i, *kind, col.stored)?)))
                    .collect()
            })
            .collect()
    }

    async fn clear(&self) -> Result<()> {
        let mut tx = self.write().await?;
        // The append-only triggers stop deletes from the audit log and the
        // programme ledger; they are set aside for the clearing and restored
        // as they were.
        let triggers: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
                 AND tbl_name IN ('audit_log', 'program_ledger')",
        )
        .fetch_all(&mut *tx)
        .await
        .db()?;
        for (name, _) in &triggers {
            sqlx::query(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\""))).execute(&mut *tx).await.db()?;
        }
        for t in naikkelas_store::transfer::TABLES.iter().rev() {
            let s = spec(t.name).ok_or_else(|| unknown(t.name))?;
            if t.name == "meta" {
                // Only the carried keys; the stamps of this database stay.
                let keys = serde_json::to_string(CARRIED_META_KEYS).expect("strings serialise");
                sqlx::query("DELETE FROM meta WHERE key IN (SELECT value FROM json_each(?))")
                    .bind(keys)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                continue;
            }
            sqlx::query(&format!("DELETE FROM {}", s.table)).execute(&mut *tx).await.db()?;
        }
        sqlx::query("DELETE FROM enterprise_search").execute(&mut *tx).await.db()?;
        for (_, sql) in &triggers {
            sqlx::query(sql).execute(&mut *tx).await.db()?;
        }
        tx.commit().await.db()
    }

    async fn load(&self, name: &str, rows: &[Row]) -> Result<u64> {
        let t = table(name).ok_or_else(|| unknown(name))?;
        let s = spec(name).ok_or_else(|| unknown(name))?;
        if rows.is_empty() {
            return Ok(0);
        }
        for row in rows {
            check_columns(t, row)?;
        }
        let mut tx = self.write().await?;
        let refers = s.cols.iter().any(|c| c.stored == Stored::EnterpriseId);
        let ids = if refers {
            let nibs: Vec<&str> = rows.iter().filter_map(|r| r.get("nib")?.as_str()).collect();
            enterprise_ids(&mut tx, &nibs).await?
        } else {
            HashMap::new()
        };

        // The stored row: the canonical columns, then what SQLite derives.
        let mut targets: Vec<&str> = s.cols.iter().map(|c| c.target).collect();
        match name {
            "enterprises" => targets.extend(["name_key", "province_code", "kbli"]),
            "enterprise_kbli" => targets.push("division"),
            _ => {}
        }
        let mut stored: Vec<Vec<Bind>> = Vec::with_capacity(rows.len());
        for row in rows {
            let mut binds = Vec::with_capacity(targets.len());
            for ((column, kind), c) in t.columns.iter().zip(s.cols) {
                binds.push(bind_of(t, column, *kind, c, &row[*column], &ids)?);
            }
            let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default();
            match name {
                "enterprises" => {
                    let regency = RegionCode::parse(text("regency_code"))
                        .map_err(|e| corrupt(name, "regency_code", format_args!("{e}")))?;
                    binds.push(Bind::Text(Some(name_key(text("name")))));
                    binds.push(Bind::Text(Some(regency.province().to_string())));
                    // Filled in when enterprise_kbli is loaded.
                    binds.push(Bind::Text(Some("[]".into())));
                }
                "enterprise_kbli" => {
                    let code = text("kbli_code");
                    let division = code.get(..2).ok_or_else(|| corrupt(name, "kbli_code", format_args!("{code:?}")))?;
                    binds.push(Bind::Text(Some(division.to_string())));
                }
                _ => {}
            }
            stored.push(binds);
        }
        let per_statement = (MAX_BINDS / targets.len()).clamp(1, 500);
        for chunk in stored.chunks(per_statement) {
            let mut qb: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("INSERT INTO {} ({}) ", s.table, targets.join(", ")));
            qb.push_values(chunk, |mut b, binds| {
                for v in binds {
                    match v {
                        Bind::Int(x) => b.push_bind(*x),
                        Bind::Text(x) => b.push_bind(x.clone()),
                        Bind::Bool(x) => b.push_bind(*x),
                    };
                }
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        after_load(&mut tx, name, rows, &ids).await?;
        tx.commit().await.db()?;
        Ok(rows.len() as u64)
    }
}

/// Brings what SQLite derives from the loaded rows up to date.
async fn after_load(conn: &mut SqliteConnection, name: &str, rows: &[Row], ids: &HashMap<String, i64>) -> Result<()> {
    match name {
        "enterprises" => {
            let nibs: Vec<&str> = rows.iter().filter_map(|r| r.get("nib")?.as_str()).collect();
            let ids = enterprise_ids(conn, &nibs).await?;
            for row in rows {
                let probe = search_probe(row)?;
                let id = ids[probe.nib.as_str()];
                sqlx::query("INSERT INTO enterprise_search (rowid, body) VALUES (?, ?)")
                    .bind(id)
                    .bind(search_body(&probe))
                    .execute(&mut *conn)
                    .await
                    .db()?;
            }
        }
        "enterprise_kbli" => {
            // The enterprise's KBLI list in position order, as a write stores
            // it; an enterprise's rows may span pages, so it is read back.
            let touched = serde_json::to_string(&ids.values().collect::<Vec<_>>()).expect("ids serialise");
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT enterprise_id, kbli_code FROM enterprise_kbli
                 WHERE enterprise_id IN (SELECT value FROM json_each(?)) ORDER BY enterprise_id, position",
            )
            .bind(touched)
            .fetch_all(&mut *conn)
            .await
            .db()?;
            let mut lists: Vec<(i64, Vec<String>)> = Vec::new();
            for (id, code) in rows {
                match lists.last_mut() {
                    Some((last, list)) if *last == id => list.push(code),
                    _ => lists.push((id, vec![code])),
                }
            }
            for (id, list) in lists {
                sqlx::query("UPDATE enterprises SET kbli = ? WHERE id = ?")
                    .bind(serde_json::to_string(&list).expect("strings serialise"))
                    .bind(id)
                    .execute(&mut *conn)
                    .await
                    .db()?;
            }
        }
        "figures" => {
            // As figures::refresh_latest, but keeping updated_at as loaded.
            let touched = serde_json::to_string(&ids.values().collect::<Vec<_>>()).expect("ids serialise");
            sqlx::query(
                "UPDATE enterprises SET (latest_year, latest_size_class, latest_workers) =
                     (SELECT year, size_class, workers FROM figures WHERE enterprise_id = enterprises.id
                      ORDER BY year DESC LIMIT 1)
                 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(touched)
            .execute(&mut *conn)
            .await
            .db()?;
        }
        _ => {}
    }
    Ok(())
}

#[async_trait]
impl Transfer for SqliteStore {
    async fn dump_table(&self, table: &str, after: Option<&Row>, limit: u32) -> Result<Vec<Row>> {
        self.dump(table, after, limit).await
    }

    async fn clear_for_load(&self) -> Result<()> {
        self.clear().await
    }

    async fn load_table(&self, table: &str, rows: &[Row]) -> Result<u64> {
        self.load(table, rows).await
    }

    async fn table_names(&self) -> Result<Vec<String>> {
        // Ordinary and virtual tables of the main schema; not views, not the
        // shadow tables of the full-text index, not SQLite's or sqlx's own.
        sqlx::query_scalar(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')
               AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'
             ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .db()
    }

    async fn has_rows(&self, name: &str) -> Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", name.replace('"', "\"\""));
        sqlx::query_scalar(&sql).fetch_one(&self.pool).await.db()
    }

    async fn table_checksums(&self) -> Result<Vec<TableChecksum>> {
        checksums_by_paging(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_spec_with_one_expression_per_column() {
        for t in naikkelas_store::transfer::TABLES {
            let s = spec(t.name).unwrap_or_else(|| panic!("no spec for {}", t.name));
            assert_eq!(s.cols.len(), t.columns.len(), "{}", t.name);
            assert_eq!(s.key.len(), t.key.len(), "{}", t.name);
        }
        let meta = spec("meta").unwrap();
        for k in CARRIED_META_KEYS {
            assert!(meta.from.contains(&format!("'{k}'")), "{k} is dumped");
        }
    }

    /// Every table of the schema is copied or deliberately left out, and a
    /// table nobody told the transfer about stops a copy once it holds rows.
    #[tokio::test]
    async fn tables_the_transfer_does_not_know_stop_a_copy() {
        use naikkelas_store::transfer::{copy_installation, is_known, TransferError};
        use naikkelas_store::Store;
        let from = SqliteStore::open_temporary().await.unwrap();
        from.migrate().await.unwrap();
        let names = from.table_names().await.unwrap();
        assert!(names.iter().any(|n| n == "enterprise_search") && names.iter().any(|n| n == "meta"), "{names:?}");
        assert!(!names.iter().any(|n| n.starts_with("enterprise_search_") || n.starts_with("sqlite_")), "{names:?}");
        let unknown: Vec<&String> = names.iter().filter(|n| !is_known(n)).collect();
        assert!(unknown.is_empty(), "tables migrate-data neither copies nor lists in NOT_COPIED: {unknown:?}");

        sqlx::query("CREATE TABLE shop_notes (note TEXT)").execute(from.pool()).await.unwrap();
        let to = SqliteStore::open_temporary().await.unwrap();
        to.migrate().await.unwrap();
        // Empty, it loses nothing.
        copy_installation(&from, &to, &|_, _| {}).await.unwrap();

        sqlx::query("INSERT INTO shop_notes (note) VALUES ('catatan')").execute(from.pool()).await.unwrap();
        let to = SqliteStore::open_temporary().await.unwrap();
        to.migrate().await.unwrap();
        let err = copy_installation(&from, &to, &|_, _| {}).await.unwrap_err();
        assert!(matches!(&err, TransferError::UnknownTables { tables } if tables == &["shop_notes"]), "{err}");
        let text = err.to_string();
        assert!(text.contains("shop_notes") && text.contains("does not copy"), "{text}");
        // Refused before the target was touched.
        assert!(to.dump_table("certification_standards", None, 1).await.unwrap().len() == 1);
    }
}
