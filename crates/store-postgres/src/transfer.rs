//! Table-level dump and load, for moving a whole installation between
//! backends (`naikkelas migrate-data --from sqlite://… --to postgres://…`).
//!
//! The format is defined backend-neutrally in [`naikkelas_store::transfer`]
//! (re-exported here); this module is how PostgreSQL produces and takes it,
//! as inherent methods on [`PgStore`] and as its [`Transfer`] implementation.
//!
//! PostgreSQL specifics: text keys sort with `COLLATE "C"` (bytewise, as the
//! format requires); children are joined to `enterprises` for their NIB on
//! dump and looked up by NIB on load; a load recomputes the province code,
//! sort key and search text of enterprises, the latest figures, the identity
//! sequences and the audit head.

use crate::figures::refresh_latest;
use crate::registry::{name_key, search_text};
use crate::{db, PgStore};
use naikkelas_core::audit::GENESIS;
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::{Nib, RegionCode};
pub use naikkelas_store::transfer::{canonical_line, table, Kind, Row, Table, TableChecksum, TABLES};
use naikkelas_store::transfer::{
    canonical_timestamp, check_columns, checksums_by_paging, unknown, Transfer, CARRIED_META_KEYS,
};
use naikkelas_store::{rfc3339, Result, StoreError};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{Column as _, PgConnection, Row as _, TypeInfo as _};
use time::OffsetDateTime;
use Kind::*;

/// How PostgreSQL produces one table in canonical form.
struct Source {
    from: &'static str,
    /// One expression per canonical column, in order.
    exprs: &'static [&'static str],
    /// The key as SQL, bytewise for text.
    key: &'static [&'static str],
}

fn source(name: &str) -> Option<Source> {
    Some(match name {
        "provinces" => Source { from: "provinces t", exprs: &["t.code", "t.name"], key: &["t.code COLLATE \"C\""] },
        "regencies" => Source {
            from: "regencies t",
            exprs: &["t.code", "t.province_code", "t.name", "t.kind"],
            key: &["t.code COLLATE \"C\""],
        },
        "districts" => Source {
            from: "districts t",
            exprs: &["t.code", "t.regency_code", "t.name"],
            key: &["t.code COLLATE \"C\""],
        },
        "kbli" => Source {
            from: "kbli t",
            exprs: &["t.code", "t.version", "t.level", "t.division", "t.name_id", "t.name_en"],
            key: &["t.code COLLATE \"C\"", "t.version COLLATE \"C\""],
        },
        "enterprises" => Source {
            from: "enterprises e",
            exprs: &[
                "e.nib",
                "e.name",
                "e.owner_name",
                "e.address",
                "e.regency_code",
                "e.district_code",
                "e.products",
                "e.commodities",
                "e.founded_year::bigint",
                "e.phone",
                "e.email",
                "e.quality_level",
                "e.version",
                "e.created_at",
                "e.updated_at",
            ],
            key: &["e.nib"],
        },
        "enterprise_kbli" => Source {
            from: "enterprise_kbli t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &["e.nib", "t.position::bigint", "t.kbli_code", "t.kbli_version"],
            key: &["e.nib", "t.position::bigint"],
        },
        "figures" => Source {
            from: "figures t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "e.nib",
                "t.year::bigint",
                "t.workers",
                "t.investment_idr",
                "t.production_idr",
                "t.export_usd_cents",
                "t.capacity",
                "t.capacity_unit",
                "t.size_class",
                "t.quality_level",
                "t.finalised_at",
                "t.finalised_by",
                "t.corrections",
            ],
            key: &["e.nib", "t.year::bigint"],
        },
        "figure_revisions" => Source {
            from: "figure_revisions t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "e.nib",
                "t.year::bigint",
                "t.workers",
                "t.investment_idr",
                "t.production_idr",
                "t.export_usd_cents",
                "t.capacity",
                "t.capacity_unit",
                "t.reason",
                "t.corrected_by",
                "t.corrected_at",
            ],
            key: &["t.id"],
        },
        "permits" => Source {
            from: "permits t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "e.nib",
                "t.kind",
                "t.number",
                "t.issuer",
                "to_char(t.valid_from, 'YYYY-MM-DD')",
                "to_char(t.valid_until, 'YYYY-MM-DD')",
            ],
            key: &["t.id"],
        },
        "users" => Source {
            from: "users t",
            exprs: &[
                "t.id",
                "t.username",
                "t.display_name",
                "t.password_hash",
                "t.role",
                "t.region",
                "t.enterprise_nib",
                "t.disabled",
                "t.created_at",
            ],
            key: &["t.id"],
        },
        "sessions" => Source {
            from: "sessions t",
            exprs: &["t.id_hash", "t.user_id", "t.csrf_token", "t.created_at", "t.expires_at"],
            key: &["t.id_hash COLLATE \"C\""],
        },
        "api_tokens" => Source {
            from: "api_tokens t",
            exprs: &["t.id", "t.user_id", "t.name", "t.token_hash", "t.created_at"],
            key: &["t.id"],
        },
        "meta" => Source {
            from: "(SELECT key, value FROM meta \
                   WHERE key IN ('certification_signing_key', 'certification_retired_keys')) t",
            exprs: &["t.key", "t.value"],
            key: &["t.key COLLATE \"C\""],
        },
        "assessments" => Source {
            from: "assessments t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "e.nib",
                "t.standard_code",
                "t.standard_revision",
                "t.status",
                "t.started_by",
                "t.started_at",
                "t.updated_at",
                "t.completed_at",
                "t.score_permille::bigint",
                "t.meets_threshold",
            ],
            key: &["t.id"],
        },
        "assessment_answers" => Source {
            from: "assessment_answers t",
            exprs: &["t.assessment_id", "t.item_id", "t.answer", "t.evidence", "t.answered_by", "t.answered_at"],
            key: &["t.assessment_id", "t.item_id COLLATE \"C\""],
        },
        "assessment_actions" => Source {
            from: "assessment_actions t",
            exprs: &[
                "t.id",
                "t.assessment_id",
                "t.position::bigint",
                "t.item_id",
                "t.critical",
                "t.priority::bigint",
                "t.text",
                "t.owner",
                "to_char(t.due_date, 'YYYY-MM-DD')",
                "t.status",
                "t.updated_at",
            ],
            key: &["t.id"],
        },
        "certification_standards" => Source {
            from: "certification_standards t",
            exprs: &["t.code", "t.title", "t.scheme", "t.validity_months::bigint", "t.source"],
            key: &["t.code COLLATE \"C\""],
        },
        "certification_bodies" => Source {
            from: "certification_bodies t",
            exprs: &["t.id", "t.code", "t.name", "t.kind", "t.kan_number", "t.scope"],
            key: &["t.id"],
        },
        "certifier_bodies" => {
            Source { from: "certifier_bodies t", exprs: &["t.user_id", "t.body_id"], key: &["t.user_id"] }
        }
        "certifications" => Source {
            from: "certifications t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "e.nib",
                "t.body_id",
                "t.standard_code",
                "t.scheme",
                "t.scope",
                "t.applied_on",
                "t.state",
                "t.number",
                "t.decided_on",
                "t.issued_on",
                "t.expires_on",
                "t.last_surveillance_on",
                "t.surveillance_due_on",
                "t.testing_passed",
                "t.reason",
                "t.state_since",
                "t.version",
                "t.created_at",
            ],
            key: &["t.id"],
        },
        "certification_findings" => Source {
            from: "certification_findings t",
            exprs: &[
                "t.id",
                "t.certification_id",
                "t.grade",
                "t.clause",
                "t.description",
                "t.raised_at",
                "t.raised_by",
                "t.corrective_action",
                "t.evidence",
                "t.closed_at",
                "t.closed_by",
            ],
            key: &["t.id"],
        },
        "buyer_profiles" => Source {
            from: "buyer_profiles t",
            exprs: &[
                "t.user_id",
                "t.company_name",
                "t.industry",
                "t.province_code",
                "t.contact_name",
                "t.contact_phone",
                "t.contact_email",
                "t.updated_at",
            ],
            key: &["t.user_id"],
        },
        "sourcing_requests" => Source {
            from: "sourcing_requests t",
            exprs: &[
                "t.id",
                "t.buyer_user_id",
                "t.title",
                "t.kbli_code",
                "t.keywords",
                "t.standards",
                "t.min_monthly",
                "t.capacity_unit",
                "t.regions",
                "t.deadline",
                "t.status",
                "t.version",
                "t.created_at",
                "t.updated_at",
            ],
            key: &["t.id"],
        },
        "sourcing_interests" => Source {
            from: "sourcing_interests t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "t.request_id",
                "e.nib",
                "t.message",
                "t.status",
                "t.created_at",
                "t.decided_at",
                "t.decided_by",
            ],
            key: &["t.id"],
        },
        "supply_relationships" => Source {
            from: "supply_relationships t",
            exprs: &["t.id", "t.interest_id", "t.started_on", "t.note", "t.recorded_at", "t.recorded_by"],
            key: &["t.id"],
        },
        "certification_events" => Source {
            from: "certification_events t",
            exprs: &[
                "t.certification_id",
                "t.seq",
                "t.at",
                "t.actor",
                "t.event",
                "t.from_state",
                "t.to_state",
                "t.note",
            ],
            key: &["t.certification_id", "t.seq"],
        },
        "programs" => Source {
            from: "programs t",
            exprs: &[
                "t.id",
                "t.year",
                "t.kind",
                "t.name",
                "t.owner_unit",
                "t.budget",
                "t.quota",
                "t.starts_on",
                "t.ends_on",
                "t.eligibility",
                "t.benefit",
                "t.created_at",
                "t.created_by",
            ],
            key: &["t.id"],
        },
        "program_allocations" => Source {
            from: "program_allocations t",
            exprs: &["t.program_id", "t.region_code", "t.amount"],
            key: &["t.program_id", "t.region_code COLLATE \"C\""],
        },
        "program_enrolments" => Source {
            from: "program_enrolments t JOIN enterprises e ON e.id = t.enterprise_id",
            exprs: &[
                "t.id",
                "t.program_id",
                "e.nib",
                "t.regency_code",
                "t.allocation_region",
                "t.status",
                "t.machine_price",
                "t.machine_origin",
                "t.requested_amount",
                "t.note",
                "t.applied_at",
                "t.applied_by",
                "t.applied_by_user",
                "t.verified_at",
                "t.verified_by",
                "t.verified_by_user",
                "t.decided_at",
                "t.decided_by",
                "t.decided_by_user",
                "t.rejection_reason",
                "t.certification_id",
                "t.updated_at",
            ],
            key: &["t.id"],
        },
        "program_ledger" => Source {
            from: "program_ledger t",
            exprs: &[
                "t.id",
                "t.program_id",
                "t.enrolment_id",
                "t.kind",
                "t.amount",
                "t.reverses",
                "t.allocation_region",
                "t.at",
                "t.actor",
                "t.note",
            ],
            key: &["t.id"],
        },
        "audit_log" => Source {
            from: "audit_log t",
            exprs: &[
                "t.seq",
                "t.at",
                "t.actor",
                "t.action",
                "t.entity_type",
                "t.entity_id",
                "t.before",
                "t.after",
                "t.prev_hash",
                "t.hash",
            ],
            key: &["t.seq"],
        },
        _ => return None,
    })
}

fn value_of(row: &PgRow, i: usize, kind: Kind) -> Result<Value> {
    Ok(match kind {
        Int => row.get::<Option<i64>, _>(i).map_or(Value::Null, Value::from),
        Text | Date => row.get::<Option<String>, _>(i).map_or(Value::Null, Value::from),
        Bool => row.get::<Option<bool>, _>(i).map_or(Value::Null, Value::from),
        TextList => row.get::<Option<Vec<String>>, _>(i).map_or(Value::Null, Value::from),
        Timestamp if row.column(i).type_info().name() == "TEXT" => {
            // Certification times are RFC 3339 text, as on SQLite.
            match row.get::<Option<String>, _>(i) {
                None => Value::Null,
                Some(text) => Value::from(canonical_timestamp(&text).ok_or_else(|| {
                    StoreError::Backend(format!("column {i} holds {text:?}, which is not an RFC 3339 time"))
                })?),
            }
        }
        Timestamp => row.get::<Option<OffsetDateTime>, _>(i).map_or(Value::Null, |t| Value::from(rfc3339(t))),
    })
}

/// How PostgreSQL takes one page of a table back: `$1` is the JSON array of
/// rows. Children find their enterprise by NIB.
fn insert_sql(name: &str) -> Option<&'static str> {
    Some(match name {
        "provinces" => "INSERT INTO provinces (code, name) SELECT code, name FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text)",
        "regencies" => "INSERT INTO regencies (code, province_code, name, kind) SELECT code, province_code, name, kind \
             FROM jsonb_to_recordset($1::jsonb) AS r(code text, province_code text, name text, kind text)",
        "districts" => "INSERT INTO districts (code, regency_code, name) SELECT code, regency_code, name \
             FROM jsonb_to_recordset($1::jsonb) AS r(code text, regency_code text, name text)",
        "kbli" => "INSERT INTO kbli (code, version, level, division, name_id, name_en) \
             SELECT code, version, level, division, name_id, name_en FROM jsonb_to_recordset($1::jsonb) \
             AS r(code text, version text, level text, division text, name_id text, name_en text)",
        "enterprises" => "INSERT INTO enterprises (nib, name, owner_name, address, province_code, regency_code, \
             district_code, products, commodities, founded_year, phone, email, quality_level, version, created_at, \
             updated_at, search_text, name_key) \
             SELECT nib, name, owner_name, address, province_code, regency_code, district_code, products, commodities, \
             founded_year, phone, email, quality_level, version, created_at, updated_at, search_text, name_key \
             FROM jsonb_to_recordset($1::jsonb) AS r(nib text, name text, owner_name text, address text, \
             province_code text, regency_code text, district_code text, products text[], commodities text[], \
             founded_year int, phone text, email text, quality_level text, version bigint, created_at timestamptz, \
             updated_at timestamptz, search_text text, name_key text)",
        "enterprise_kbli" => "INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) \
             SELECT e.id, r.position, r.kbli_code, r.kbli_version, left(r.kbli_code, 2) \
             FROM jsonb_to_recordset($1::jsonb) AS r(nib text, position int, kbli_code text, kbli_version text) \
             JOIN enterprises e ON e.nib = r.nib",
        "figures" => "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, \
             export_usd_cents, capacity, capacity_unit, size_class, quality_level, finalised_at, finalised_by, \
             corrections) \
             SELECT e.id, r.year, r.workers, r.investment_idr, r.production_idr, r.export_usd_cents, r.capacity, \
             r.capacity_unit, r.size_class, r.quality_level, r.finalised_at, r.finalised_by, r.corrections \
             FROM jsonb_to_recordset($1::jsonb) AS r(nib text, year int, workers bigint, investment_idr bigint, \
             production_idr bigint, export_usd_cents bigint, capacity bigint, capacity_unit text, size_class text, \
             quality_level text, finalised_at timestamptz, finalised_by text, corrections bigint) JOIN enterprises e ON e.nib = r.nib",
        "figure_revisions" => "INSERT INTO figure_revisions (id, enterprise_id, year, workers, investment_idr, \
             production_idr, export_usd_cents, capacity, capacity_unit, reason, corrected_by, corrected_at) \
             SELECT r.id, e.id, r.year, r.workers, r.investment_idr, r.production_idr, r.export_usd_cents, r.capacity, \
             r.capacity_unit, r.reason, r.corrected_by, r.corrected_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, nib text, year int, workers bigint, \
             investment_idr bigint, production_idr bigint, export_usd_cents bigint, capacity bigint, \
             capacity_unit text, reason text, corrected_by text, corrected_at timestamptz) \
             JOIN enterprises e ON e.nib = r.nib",
        "permits" => "INSERT INTO permits (id, enterprise_id, kind, number, issuer, valid_from, valid_until) \
             SELECT r.id, e.id, r.kind, r.number, r.issuer, r.valid_from, r.valid_until \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, nib text, kind text, number text, issuer text, \
             valid_from date, valid_until date) JOIN enterprises e ON e.nib = r.nib",
        "users" => "INSERT INTO users (id, username, display_name, password_hash, role, region, enterprise_nib, \
             disabled, created_at) \
             SELECT id, username, display_name, password_hash, role, region, enterprise, disabled, created_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, username text, display_name text, \
             password_hash text, role text, region text, enterprise text, disabled boolean, created_at timestamptz)",
        "sessions" => "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM jsonb_to_recordset($1::jsonb) \
             AS r(id_hash text, user_id bigint, csrf_token text, created_at timestamptz, expires_at timestamptz)",
        "api_tokens" => "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) \
             SELECT id, user_id, name, token_hash, created_at FROM jsonb_to_recordset($1::jsonb) \
             AS r(id bigint, user_id bigint, name text, token_hash text, created_at timestamptz)",
        "meta" => "INSERT INTO meta (key, value) SELECT key, value FROM jsonb_to_recordset($1::jsonb) \
             AS r(key text, value text)",
        "assessments" => "INSERT INTO assessments (id, enterprise_id, standard_code, standard_revision, status, \
             started_by, started_at, updated_at, completed_at, score_permille, meets_threshold) \
             SELECT r.id, e.id, r.standard_code, r.standard_revision, r.status, r.started_by, r.started_at, \
             r.updated_at, r.completed_at, r.score_permille, r.meets_threshold \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, nib text, standard_code text, \
             standard_revision text, status text, started_by text, started_at timestamptz, updated_at timestamptz, \
             completed_at timestamptz, score_permille int, meets_threshold boolean) \
             JOIN enterprises e ON e.nib = r.nib",
        "assessment_answers" => "INSERT INTO assessment_answers (assessment_id, item_id, answer, evidence, \
             answered_by, answered_at) \
             SELECT assessment_id, item_id, answer, evidence, answered_by, answered_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(assessment_id bigint, item_id text, answer text, \
             evidence text, answered_by text, answered_at timestamptz)",
        "assessment_actions" => "INSERT INTO assessment_actions (id, assessment_id, position, item_id, critical, \
             priority, text, owner, due_date, status, updated_at) \
             SELECT id, assessment_id, position, item_id, critical, priority, text, owner, due_date, status, \
             updated_at FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, assessment_id bigint, position int, \
             item_id text, critical boolean, priority int, text text, owner text, due_date date, status text, \
             updated_at timestamptz)",
        "certification_standards" => "INSERT INTO certification_standards (code, title, scheme, validity_months, \
             source) SELECT code, title, scheme, validity_months, source FROM jsonb_to_recordset($1::jsonb) \
             AS r(code text, title text, scheme text, validity_months int, source text)",
        "certification_bodies" => "INSERT INTO certification_bodies (id, code, name, kind, kan_number, scope) \
             SELECT id, code, name, kind, kan_number, scope FROM jsonb_to_recordset($1::jsonb) \
             AS r(id bigint, code text, name text, kind text, kan_number text, scope text)",
        "certifier_bodies" => "INSERT INTO certifier_bodies (user_id, body_id) SELECT user_id, body_id \
             FROM jsonb_to_recordset($1::jsonb) AS r(user_id bigint, body_id bigint)",
        "certifications" => "INSERT INTO certifications (id, enterprise_id, body_id, standard_code, scheme, scope, \
             applied_on, state, number, decided_on, issued_on, expires_on, last_surveillance_on, \
             surveillance_due_on, testing_passed, reason, state_since, version, created_at) \
             SELECT r.id, e.id, r.body_id, r.standard_code, r.scheme, r.scope, r.applied_on, r.state, r.number, \
             r.decided_on, r.issued_on, r.expires_on, r.last_surveillance_on, r.surveillance_due_on, \
             r.testing_passed, r.reason, r.state_since, r.version, r.created_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, nib text, body_id bigint, standard_code text, \
             scheme text, scope text, applied_on text, state text, number text, decided_on text, issued_on text, \
             expires_on text, last_surveillance_on text, surveillance_due_on text, testing_passed boolean, \
             reason text, state_since text, version bigint, created_at text) \
             JOIN enterprises e ON e.nib = r.nib",
        "certification_findings" => "INSERT INTO certification_findings (id, certification_id, grade, clause, \
             description, raised_at, raised_by, corrective_action, evidence, closed_at, closed_by) \
             SELECT id, certification_id, grade, clause, description, raised_at, raised_by, corrective_action, \
             evidence, closed_at, closed_by FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, \
             certification_id bigint, grade text, clause text, description text, raised_at text, raised_by text, \
             corrective_action text, evidence text, closed_at text, closed_by text)",
        "certification_events" => "INSERT INTO certification_events (certification_id, seq, at, actor, event, \
             from_state, to_state, note) \
             SELECT certification_id, seq, at, actor, event, from_state, to_state, note \
             FROM jsonb_to_recordset($1::jsonb) AS r(certification_id bigint, seq bigint, at text, actor text, \
             event text, from_state text, to_state text, note text)",
        "buyer_profiles" => "INSERT INTO buyer_profiles (user_id, company_name, industry, province_code, \
             contact_name, contact_phone, contact_email, updated_at) \
             SELECT user_id, company_name, industry, province_code, contact_name, contact_phone, contact_email, \
             updated_at FROM jsonb_to_recordset($1::jsonb) AS r(user_id bigint, company_name text, industry text, \
             province_code text, contact_name text, contact_phone text, contact_email text, updated_at text)",
        "sourcing_requests" => "INSERT INTO sourcing_requests (id, buyer_user_id, title, kbli_code, keywords, \
             standards, min_monthly, capacity_unit, regions, deadline, status, version, created_at, updated_at) \
             SELECT id, buyer_user_id, title, kbli_code, keywords, standards, min_monthly, capacity_unit, regions, \
             deadline, status, version, created_at, updated_at FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, \
             buyer_user_id bigint, title text, kbli_code text, keywords text, standards text, min_monthly bigint, \
             capacity_unit text, regions text, deadline text, status text, version bigint, created_at text, \
             updated_at text)",
        "sourcing_interests" => "INSERT INTO sourcing_interests (id, request_id, enterprise_id, message, status, \
             created_at, decided_at, decided_by) \
             SELECT r.id, r.request_id, e.id, r.message, r.status, r.created_at, r.decided_at, r.decided_by \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, request_id bigint, nib text, message text, \
             status text, created_at text, decided_at text, decided_by text) JOIN enterprises e ON e.nib = r.nib",
        "supply_relationships" => "INSERT INTO supply_relationships (id, interest_id, started_on, note, \
             recorded_at, recorded_by) \
             SELECT id, interest_id, started_on, note, recorded_at, recorded_by FROM jsonb_to_recordset($1::jsonb) \
             AS r(id bigint, interest_id bigint, started_on text, note text, recorded_at text, recorded_by text)",
        "programs" => "INSERT INTO programs (id, year, kind, name, owner_unit, budget, quota, starts_on, ends_on, \
             eligibility, benefit, created_at, created_by) \
             SELECT id, year, kind, name, owner_unit, budget, quota, starts_on, ends_on, eligibility, benefit, \
             created_at, created_by FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, year bigint, kind text, \
             name text, owner_unit text, budget bigint, quota bigint, starts_on text, ends_on text, \
             eligibility text, benefit text, created_at text, created_by text)",
        "program_allocations" => "INSERT INTO program_allocations (program_id, region_code, amount) \
             SELECT program_id, region_code, amount FROM jsonb_to_recordset($1::jsonb) \
             AS r(program_id bigint, region_code text, amount bigint)",
        "program_enrolments" => "INSERT INTO program_enrolments (id, program_id, enterprise_id, regency_code, \
             allocation_region, status, machine_price, machine_origin, requested_amount, note, applied_at, \
             applied_by, applied_by_user, verified_at, verified_by, verified_by_user, decided_at, decided_by, \
             decided_by_user, rejection_reason, certification_id, updated_at) \
             SELECT r.id, r.program_id, e.id, r.regency_code, r.allocation_region, r.status, r.machine_price, \
             r.machine_origin, r.requested_amount, r.note, r.applied_at, r.applied_by, r.applied_by_user, \
             r.verified_at, r.verified_by, r.verified_by_user, r.decided_at, r.decided_by, r.decided_by_user, \
             r.rejection_reason, r.certification_id, r.updated_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, program_id bigint, nib text, regency_code text, \
             allocation_region text, status text, machine_price bigint, machine_origin text, \
             requested_amount bigint, note text, applied_at text, applied_by text, applied_by_user bigint, \
             verified_at text, verified_by text, verified_by_user bigint, decided_at text, decided_by text, \
             decided_by_user bigint, rejection_reason text, certification_id bigint, updated_at text) \
             JOIN enterprises e ON e.nib = r.nib",
        "program_ledger" => "INSERT INTO program_ledger (id, program_id, enrolment_id, kind, amount, reverses, \
             allocation_region, at, actor, note) \
             SELECT id, program_id, enrolment_id, kind, amount, reverses, allocation_region, at, actor, note \
             FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, program_id bigint, enrolment_id bigint, \
             kind text, amount bigint, reverses bigint, allocation_region text, at text, actor text, note text)",
        "audit_log" => "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before, after, \
             prev_hash, hash) \
             SELECT seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash \
             FROM jsonb_to_recordset($1::jsonb) AS r(seq bigint, at text, actor text, action text, \
             entity_type text, entity_id text, before text, after text, prev_hash text, hash text)",
        _ => return None,
    })
}

/// Tables whose identity sequence must continue after the loaded ids.
const IDENTITIES: &[&str] = &[
    "programs",
    "program_enrolments",
    "program_ledger",
    "figure_revisions",
    "permits",
    "users",
    "api_tokens",
    "assessments",
    "assessment_actions",
    "certification_bodies",
    "certifications",
    "certification_findings",
    "sourcing_requests",
    "sourcing_interests",
    "supply_relationships",
];

impl PgStore {
    /// Up to `limit` rows of `table` in key order, after the row `after`
    /// (the last row of the previous page; only its key columns are read).
    pub async fn dump_table(&self, table: &str, after: Option<&Row>, limit: u32) -> Result<Vec<Row>> {
        let t = self::table(table).ok_or_else(|| unknown(table))?;
        let src = source(table).ok_or_else(|| unknown(table))?;
        let limit = limit.max(1);
        if t.key.first() != Some(&"nib") || !src.from.contains(" JOIN enterprises e ") {
            return self.page(t, &src, after, limit, None).await;
        }
        // Children in (NIB, …) order: the join of the whole table, sorted
        // anew for every page, would make a dump quadratic. Instead each
        // query joins a window of enterprises taken in NIB order from the
        // unique index, and further windows follow while the page is short.
        let mut out: Vec<Row> = Vec::new();
        let mut start: Option<(String, bool)> = match after {
            Some(a) => Some((
                a.get("nib")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .ok_or_else(|| StoreError::Backend(format!("{table}: the row to continue after lacks key nib")))?,
                true,
            )),
            None => None,
        };
        loop {
            let need = limit - out.len() as u32;
            let width = i64::from(need.max(100));
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("SELECT id, nib FROM enterprises");
            if let Some((nib, inclusive)) = &start {
                qb.push(if *inclusive { " WHERE nib >= " } else { " WHERE nib > " }).push_bind(nib.clone());
            }
            qb.push(" ORDER BY nib LIMIT ").push_bind(width);
            let window: Vec<(i64, String)> = qb.build_query_as().fetch_all(&self.read).await.map_err(db)?;
            let Some((_, last)) = window.last() else { break };
            let ids: Vec<i64> = window.iter().map(|(id, _)| *id).collect();
            out.extend(self.page(t, &src, after, need, Some(&ids)).await?);
            if out.len() as u32 >= limit || (window.len() as i64) < width {
                break;
            }
            start = Some((last.clone(), false));
        }
        Ok(out)
    }

    /// One query of [`PgStore::dump_table`], optionally limited to the
    /// children of the enterprises `ids`.
    async fn page(
        &self,
        t: &Table,
        src: &Source,
        after: Option<&Row>,
        limit: u32,
        ids: Option<&[i64]>,
    ) -> Result<Vec<Row>> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("SELECT ");
        qb.push(src.exprs.join(", ")).push(" FROM ").push(src.from).push(" WHERE TRUE");
        if let Some(ids) = ids {
            qb.push(" AND e.id = ANY(").push_bind(ids.to_vec()).push(")");
        }
        if let Some(after) = after {
            qb.push(" AND (").push(src.key.join(", ")).push(") > (");
            let mut sep = qb.separated(", ");
            for k in t.key {
                let kind = t.columns.iter().find(|(c, _)| c == k).map(|(_, kind)| *kind).expect("key is a column");
                match (kind, after.get(*k)) {
                    (Int, Some(Value::Number(n))) => sep.push_bind(n.as_i64()),
                    (Text, Some(Value::String(s))) => sep.push_bind(s.clone()),
                    _ => {
                        return Err(StoreError::Backend(format!("{}: the row to continue after lacks key {k}", t.name)))
                    }
                };
            }
            qb.push(")");
        }
        qb.push(" ORDER BY ").push(src.key.join(", ")).push(" LIMIT ").push_bind(i64::from(limit));
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                t.columns
                    .iter()
                    .enumerate()
                    .map(|(i, (c, kind))| {
                        value_of(r, i, *kind)
                            .map(|v| (c.to_string(), v))
                            .map_err(|e| StoreError::Backend(format!("{}.{c}: {e}", t.name)))
                    })
                    .collect()
            })
            .collect()
    }

    /// Empties every table of [`TABLES`] and resets the audit head, so a
    /// load starts from nothing. Meant for a freshly migrated target.
    pub async fn clear_for_load(&self) -> Result<()> {
        // Of meta only the carried keys go; the stamps of this database stay.
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).filter(|n| *n != "meta").collect();
        let mut tx = self.primary.begin().await.map_err(db)?;
        sqlx::query(&format!("TRUNCATE {} RESTART IDENTITY CASCADE", names.join(", ")))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM meta WHERE key = ANY($1)")
            .bind(CARRIED_META_KEYS.iter().map(|k| k.to_string()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE audit_head SET seq = 0, hash = $1 WHERE id = 1")
            .bind(GENESIS)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Appends `rows` (one page of a dump) to `table` in one transaction and
    /// brings the derived state (latest figures, identity sequences, audit
    /// head) up to date. Returns the number of rows written.
    pub async fn load_table(&self, table: &str, rows: &[Row]) -> Result<u64> {
        let t = self::table(table).ok_or_else(|| unknown(table))?;
        let sql = insert_sql(table).ok_or_else(|| unknown(table))?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut page = Vec::with_capacity(rows.len());
        for row in rows {
            check_columns(t, row)?;
            page.push(Value::Object(if table == "enterprises" { with_derived(row)? } else { row.clone() }));
        }
        let mut tx = self.primary.begin().await.map_err(db)?;
        let json = Value::Array(page).to_string();
        let written = sqlx::query(sql).bind(json).execute(&mut *tx).await.map_err(db)?.rows_affected();
        if written != rows.len() as u64 {
            return Err(StoreError::Backend(format!(
                "{table}: {} of {} rows refer to an enterprise that is not loaded",
                rows.len() as u64 - written,
                rows.len()
            )));
        }
        after_load(&mut tx, table, rows).await?;
        tx.commit().await.map_err(db)?;
        Ok(written)
    }

    /// Row count and SHA-256 of the canonical lines of every table.
    pub async fn table_checksums(&self) -> Result<Vec<TableChecksum>> {
        checksums_by_paging(self).await
    }
}

#[async_trait::async_trait]
impl Transfer for PgStore {
    async fn dump_table(&self, table: &str, after: Option<&Row>, limit: u32) -> Result<Vec<Row>> {
        PgStore::dump_table(self, table, after, limit).await
    }

    async fn clear_for_load(&self) -> Result<()> {
        PgStore::clear_for_load(self).await
    }

    async fn load_table(&self, table: &str, rows: &[Row]) -> Result<u64> {
        PgStore::load_table(self, table, rows).await
    }

    async fn table_names(&self) -> Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'
             ORDER BY 1",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)
    }

    async fn has_rows(&self, name: &str) -> Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", name.replace('"', "\"\""));
        sqlx::query_scalar(&sql).fetch_one(&self.read).await.map_err(db)
    }
}

/// Adds what PostgreSQL derives from an enterprise row: its province, sort
/// key and search text, computed exactly as a write computes them.
fn with_derived(row: &Row) -> Result<Row> {
    let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let bad = |what: &str, e: &dyn std::fmt::Display| StoreError::Backend(format!("enterprises: {what}: {e}"));
    let regency = RegionCode::parse(&text("regency_code")).map_err(|e| bad("regency_code", &e))?;
    let products: Vec<String> =
        serde_json::from_value(row.get("products").cloned().unwrap_or(Value::Null)).map_err(|e| bad("products", &e))?;
    // Only name, NIB and products feed the search text.
    let probe = EnterpriseProfile {
        nib: Nib::parse(&text("nib")).map_err(|e| bad("nib", &e))?,
        name: text("name"),
        owner_name: String::new(),
        address: String::new(),
        regency: regency.clone(),
        district: None,
        kbli: Vec::new(),
        products,
        commodities: Vec::new(),
        founded_year: None,
        phone: None,
        email: None,
    };
    let mut out = row.clone();
    out.insert("province_code".into(), Value::from(regency.province()));
    out.insert("search_text".into(), Value::from(search_text(&probe)));
    out.insert("name_key".into(), Value::from(name_key(&probe.name)));
    Ok(out)
}

async fn after_load(conn: &mut PgConnection, table: &str, rows: &[Row]) -> Result<()> {
    if table == "figures" {
        let mut nibs: Vec<String> = rows.iter().filter_map(|r| r.get("nib")?.as_str().map(String::from)).collect();
        nibs.sort_unstable();
        nibs.dedup();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = ANY($1)")
            .bind(&nibs)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        refresh_latest(conn, &ids, None).await?;
    }
    if IDENTITIES.contains(&table) {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1), \
             (SELECT max(id) FROM {table}) IS NOT NULL)"
        ))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    if table == "audit_log" {
        sqlx::query(
            "UPDATE audit_head h SET seq = l.seq, hash = l.hash \
             FROM (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) l WHERE h.id = 1",
        )
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use naikkelas_store::conformance::{ctx, figures, nib, profile};
    use naikkelas_store::transfer::{is_known, Transfer};
    use naikkelas_store::Store;

    /// Every table of the schema is copied or deliberately left out; an
    /// unknown table is reported once it holds rows.
    #[tokio::test]
    async fn every_table_of_the_schema_is_known() {
        let Some(db) = crate::testing::fresh().await else { return };
        let names = Transfer::table_names(&*db).await.unwrap();
        assert!(names.iter().any(|n| n == "audit_head") && !names.iter().any(|n| n == "_sqlx_migrations"));
        let unknown: Vec<&String> = names.iter().filter(|n| !is_known(n)).collect();
        assert!(unknown.is_empty(), "tables migrate-data neither copies nor lists in NOT_COPIED: {unknown:?}");
        sqlx::query("CREATE TABLE shop_notes (note text)").execute(db.primary_pool()).await.unwrap();
        assert!(Transfer::table_names(&*db).await.unwrap().contains(&"shop_notes".to_string()));
        assert!(!db.has_rows("shop_notes").await.unwrap());
        sqlx::query("INSERT INTO shop_notes VALUES ('catatan')").execute(db.primary_pool()).await.unwrap();
        assert!(db.has_rows("shop_notes").await.unwrap());
    }

    /// Children in NIB order are read through windows of enterprises; a
    /// page that spans windows without rows must neither stop early nor
    /// skip or repeat rows.
    #[tokio::test]
    async fn sparse_children_page_across_enterprise_windows() {
        let Some(db) = crate::testing::fresh().await else { return };
        let c = ctx("seed");
        for n in 0..250u64 {
            db.register_enterprise(&profile(1_000 + n, &format!("Usaha {n}"), "64.72", &["10391"], &[]), &c)
                .await
                .unwrap();
        }
        for (n, year) in [(0u64, 2023), (0, 2024), (150, 2024), (240, 2022)] {
            db.record_figures(&nib(1_000 + n), &figures(year, 5, 100_000_000), &c).await.unwrap();
        }
        let mut seen = Vec::new();
        let mut last = None;
        loop {
            let page = db.dump_table("figures", last.as_ref(), 2).await.unwrap();
            seen.extend(page.iter().map(|r| (r["nib"].as_str().unwrap().to_string(), r["year"].as_i64().unwrap())));
            if page.len() < 2 {
                break;
            }
            last = page.into_iter().last();
        }
        let want: Vec<(String, i64)> = [(0u64, 2023), (0, 2024), (150, 2024), (240, 2022)]
            .iter()
            .map(|(n, y)| (nib(1_000 + n).as_str().to_string(), *y))
            .collect();
        assert_eq!(seen, want);
    }
}
