//! The audit log: appended inside the caller's transaction, read in pages.

use crate::Db;
use naikkelas_core::audit::{AuditEntry, AuditRecord, GENESIS};
use naikkelas_store::{AuditContext, Result};
use sqlx::{Row, SqliteConnection, SqlitePool};

/// Chains `r` to the last entry and stores it. The caller holds a write
/// transaction (`BEGIN IMMEDIATE`), so no other writer can take the same
/// sequence number between the read and the insert.
pub(crate) async fn append(conn: &mut SqliteConnection, r: AuditRecord) -> Result<AuditEntry> {
    let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let e = r.chain(seq, &prev);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(e.seq)
    .bind(&e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.entity_type)
    .bind(&e.entity_id)
    .bind(&e.before)
    .bind(&e.after)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(e)
}

/// Shorthand for the entries store writes make.
pub(crate) fn record(
    audit: &AuditContext,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<String>,
    after: Option<String>,
) -> AuditRecord {
    AuditRecord {
        at: audit.at_text(),
        actor: audit.actor.clone(),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

pub(crate) fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain records always serialise")
}

const COLUMNS: &str = "seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash";

fn entry(r: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get("seq").db()?,
        at: r.try_get("at").db()?,
        actor: r.try_get("actor").db()?,
        action: r.try_get("action").db()?,
        entity_type: r.try_get("entity_type").db()?,
        entity_id: r.try_get("entity_id").db()?,
        before: r.try_get("before").db()?,
        after: r.try_get("after").db()?,
        prev_hash: r.try_get("prev_hash").db()?,
        hash: r.try_get("hash").db()?,
    })
}

pub(crate) async fn page(pool: &SqlitePool, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
    let rows = sqlx::query(&sql).bind(after_seq).bind(i64::from(limit)).fetch_all(pool).await.db()?;
    rows.iter().map(entry).collect()
}

pub(crate) async fn for_entity(
    pool: &SqlitePool,
    entity_type: &str,
    entity_id: &str,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let sql =
        format!("SELECT {COLUMNS} FROM audit_log WHERE entity_type = ? AND entity_id = ? ORDER BY seq DESC LIMIT ?");
    let rows = sqlx::query(&sql).bind(entity_type).bind(entity_id).bind(i64::from(limit)).fetch_all(pool).await.db()?;
    rows.iter().map(entry).collect()
}
