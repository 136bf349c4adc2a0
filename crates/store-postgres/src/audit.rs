//! The audit chain: appended inside the writer's transaction.

use crate::db;
use naikkelas_core::audit::{AuditEntry, AuditRecord};
use naikkelas_store::{AuditContext, Result};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

/// Chains `r` after the current head. The head row stays locked until the
/// caller's transaction ends, so concurrent writers take consecutive `seq`
/// values and never chain two entries to the same predecessor. Callers lock
/// their own rows first and the head last, which keeps lock order acyclic.
pub(crate) async fn append(conn: &mut PgConnection, r: AuditRecord) -> Result<AuditEntry> {
    let (seq, hash): (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let e = r.chain(seq + 1, &hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .map_err(db)?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(e.seq)
        .bind(&e.hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(e)
}

/// The common case: a store write by `ctx` about one entity.
pub(crate) async fn record(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<String>,
    after: Option<String>,
) -> Result<AuditEntry> {
    append(
        conn,
        AuditRecord {
            at: ctx.at_text(),
            actor: ctx.actor.clone(),
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            before,
            after,
        },
    )
    .await
}

const COLUMNS: &str = "seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash";

fn entry(row: &PgRow) -> AuditEntry {
    AuditEntry {
        seq: row.get(0),
        at: row.get(1),
        actor: row.get(2),
        action: row.get(3),
        entity_type: row.get(4),
        entity_id: row.get(5),
        before: row.get(6),
        after: row.get(7),
        prev_hash: row.get(8),
        hash: row.get(9),
    }
}

pub(crate) async fn page(pool: &PgPool, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(&sql).bind(after_seq).bind(i64::from(limit)).fetch_all(pool).await.map_err(db)?;
    Ok(rows.iter().map(entry).collect())
}

pub(crate) async fn for_entity(
    pool: &PgPool,
    entity_type: &str,
    entity_id: &str,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    let sql =
        format!("SELECT {COLUMNS} FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT $3");
    let rows =
        sqlx::query(&sql).bind(entity_type).bind(entity_id).bind(i64::from(limit)).fetch_all(pool).await.map_err(db)?;
    Ok(rows.iter().map(entry).collect())
}
