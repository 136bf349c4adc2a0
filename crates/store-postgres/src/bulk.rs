//! Bulk-load mode of the import path, as on SQLite (store-sqlite/src/bulk.rs).
//!
//! Row by row, a new enterprise-year costs far more in maintenance than in
//! data: the secondary B-tree indexes of `enterprises`, `figures` and
//! `enterprise_kbli`, the trigram GIN index on `search_text`, a foreign-key
//! check per `figures` and `enterprise_kbli` row, and the rollup triggers
//! (migration 20260301000060), which run several queries per figures row.
//! For a large load the mode therefore drops those indexes and foreign keys
//! and disables those AFTER row triggers; at the end it enables the
//! triggers and rebuilds the rollups from the tables (before the indexes
//! return: the rebuild rewrites rows), creates the indexes (one sort each)
//! and adds the foreign keys back (one anti-join each, after removing rows
//! orphaned by a concurrent delete, which the cascade would have removed).
//! BEFORE triggers stay: they complete the row being written.
//!
//! When: as on SQLite, `begin_bulk_load` only announces the size; the first
//! batch that is mostly new rows while the rest of the load is large against
//! the enterprises stored enters the mode ([`pays`]).
//!
//! Crash safety: every change of the schema is made in the transaction of
//! the batch that enters the mode, together with `meta` rows recording how
//! to undo it (`bulk_load_index:…`, `bulk_load_fk:…`, `bulk_load_trigger:…`)
//! and the flag `bulk_load_in_progress`; [`finish`] undoes each in its own
//! transaction that also deletes its row, and deletes the flag last. A kill
//! at any point leaves either the flag or a complete database, and `migrate`
//! (run by every command) finishes a load it finds flagged. Meanwhile other
//! writers keep working: their rows are indexed when the indexes come back,
//! and the rollup rebuild counts them.
//!
//! Durability: batches of the mode commit with `synchronous_commit = off`.
//! A server crash may lose the last batches acknowledged (never part of
//! one, never consistency); the import is an idempotent upsert, so running
//! the file again restores them.

use crate::db;
use naikkelas_store::Result;
use sqlx::{PgConnection, PgPool};

/// The `meta` key of the flag.
const FLAG: &str = "bulk_load_in_progress";
/// `meta` key prefixes of what the mode changed, each with the SQL undoing it.
const INDEX_KEY: &str = "bulk_load_index:";
const FK_KEY: &str = "bulk_load_fk:";
const TRIGGER_KEY: &str = "bulk_load_trigger:";
/// Tables the import writes.
const TABLES: [&str; 3] = ["enterprises", "figures", "enterprise_kbli"];
/// The rollups' own "rebuild me" mark (store-postgres/src/insight.rs).
const ROLLUPS_STALE: &str = "insight_rollups_stale";

/// Below this many rows still to come, the mode does not pay.
const MIN_ROWS: u64 = 50_000;
/// As on SQLite: rebuilding costs at most about this fraction of maintaining
/// row by row, per enterprise in the table afterwards.
const REBUILD_COST: f64 = 0.5;

/// The bulk state of one store.
#[derive(Debug, Default)]
pub(crate) struct Mode {
    /// `begin_bulk_load` was called: (rows expected, rows imported since).
    pub announced: Option<(u64, u64)>,
    /// This store entered the mode.
    pub active: bool,
}

/// Whether entering the mode pays for a batch of `rows` rows, `inserted` of
/// them new years, adding `new_enterprises`, with `stored` enterprises
/// already in and `remaining` rows announced after this batch.
pub(crate) fn pays(rows: usize, inserted: usize, new_enterprises: usize, stored: i64, remaining: u64) -> bool {
    if rows == 0 || inserted * 2 < rows || remaining + (rows as u64) < MIN_ROWS {
        return false;
    }
    let new = (remaining + rows as u64) as f64 * new_enterprises as f64 / rows as f64;
    new > REBUILD_COST * (stored.max(0) as f64 + new)
}

async fn remember(conn: &mut PgConnection, key: String, sql: String) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        .bind(key)
        .bind(sql)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Enters the mode inside the caller's transaction (see the module notes).
pub(crate) async fn enter(conn: &mut PgConnection) -> Result<()> {
    remember(conn, FLAG.to_string(), "1".to_string()).await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY($1) AND t.relnamespace = current_schema()::regnamespace
             AND NOT i.indisunique AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
    )
    .bind(&TABLES[..])
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for (name, def) in indexes {
        remember(conn, format!("{INDEX_KEY}{name}"), def).await?;
        sqlx::query(&format!("DROP INDEX {}", quote(&name))).execute(&mut *conn).await.map_err(db)?;
    }
    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, k.conname::text, pg_get_constraintdef(k.oid) FROM pg_constraint k
         JOIN pg_class t ON t.oid = k.conrelid
         WHERE k.contype = 'f' AND t.relname = ANY($1) AND k.confrelid = 'enterprises'::regclass
             AND t.relnamespace = current_schema()::regnamespace",
    )
    .bind(&TABLES[..])
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for (table, name, def) in fks {
        let add = format!("ALTER TABLE {} ADD CONSTRAINT {} {def}", quote(&table), quote(&name));
        remember(conn, format!("{FK_KEY}{table}.{name}"), add).await?;
        sqlx::query(&format!("ALTER TABLE {} DROP CONSTRAINT {}", quote(&table), quote(&name)))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    // AFTER row triggers only (tgtype bit 1 = BEFORE, bit 0 = FOR EACH ROW).
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.relname::text, g.tgname::text FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
         WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND t.relname = ANY($1)
             AND t.relnamespace = current_schema()::regnamespace
             AND g.tgtype & 1 = 1 AND g.tgtype & 2 = 0",
    )
    .bind(&TABLES[..])
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    if !triggers.is_empty() {
        remember(conn, ROLLUPS_STALE.to_string(), "1".to_string()).await?;
    }
    for (table, name) in triggers {
        let enable = format!("ALTER TABLE {} ENABLE TRIGGER {}", quote(&table), quote(&name));
        remember(conn, format!("{TRIGGER_KEY}{table}.{name}"), enable).await?;
        sqlx::query(&format!("ALTER TABLE {} DISABLE TRIGGER {}", quote(&table), quote(&name)))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Whether the database holds the flag or anything the mode changed.
pub(crate) async fn pending(pool: &PgPool) -> Result<bool> {
    // Two statements: a fresh database has no `meta` to parse the second.
    let has_meta: bool =
        sqlx::query_scalar("SELECT to_regclass('meta') IS NOT NULL").fetch_one(pool).await.map_err(db)?;
    if !has_meta {
        return Ok(false);
    }
    let found: bool = sqlx::query_scalar(r"SELECT EXISTS (SELECT 1 FROM meta WHERE key LIKE 'bulk\_load\_%')")
        .fetch_one(pool)
        .await
        .map_err(db)?;
    Ok(found)
}

/// Ends any bulk load recorded in the database: triggers and the rollups,
/// then indexes, then foreign keys, then the flag. Idempotent.
pub(crate) async fn finish(pool: &PgPool) -> Result<()> {
    if !pending(pool).await? {
        return Ok(());
    }
    // Triggers first, so that writes from now on keep the rollups, then the
    // rebuild while the indexes are still away (it rewrites rows of
    // `enterprises`: 40 s with the indexes back, on a million-row load),
    // then the indexes and the keys.
    for prefix in [TRIGGER_KEY, INDEX_KEY, FK_KEY] {
        let steps: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM meta WHERE starts_with(key, $1) ORDER BY key")
                .bind(prefix)
                .fetch_all(pool)
                .await
                .map_err(db)?;
        for (key, sql) in steps {
            let mut tx = pool.begin().await.map_err(db)?;
            // Gone if a finish elsewhere already did this step.
            let still: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1 FOR UPDATE")
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
            if still.is_some() {
                redo(&mut tx, prefix, &key[prefix.len()..], &sql).await?;
                sqlx::query("DELETE FROM meta WHERE key = $1").bind(&key).execute(&mut *tx).await.map_err(db)?;
            }
            tx.commit().await.map_err(db)?;
        }
        if prefix == TRIGGER_KEY {
            crate::insight::rebuild_if_stale(pool).await?;
        }
    }
    sqlx::query("DELETE FROM meta WHERE key = $1").bind(FLAG).execute(pool).await.map_err(db)?;
    Ok(())
}

/// One recorded step of [`finish`].
async fn redo(conn: &mut PgConnection, prefix: &str, name: &str, sql: &str) -> Result<()> {
    if prefix == INDEX_KEY {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(quote(name))
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        if exists {
            return Ok(());
        }
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await.map_err(db)?;
    } else if prefix == FK_KEY {
        // What the cascade would have deleted while the key was away.
        let table = name.split('.').next().unwrap_or(name);
        sqlx::query(&format!(
            "DELETE FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.id = x.enterprise_id)",
            t = quote(table)
        ))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    sqlx::query(sql).execute(&mut *conn).await.map_err(db)?;
    Ok(())
}

/// Commits of the mode's batches do not wait for the WAL flush (see the
/// module notes).
pub(crate) async fn relax_commit(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET LOCAL synchronous_commit = off").execute(conn).await.map_err(db)?;
    Ok(())
}
