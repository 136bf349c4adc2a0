//! Bulk-load mode of the import path, as on SQLite (store-sqlite/src/bulk.rs).
//!
//! Row by row, a new enterprise-year costs far more in maintenance than in
//! data: the secondary B-tree indexes of `enterprises`, `figures` and
//! `enterprise_kbli`, the trigram GIN index on `search_text`, a foreign-key
//! check per `figures` and `enterprise_kbli` row, and the rollup triggers
//! (migration 20260301000060), which run several queries per figures row.
//! For a large load the mode therefore drops those indexes and foreign keys
//! and disables those AFTER row triggers; at the end it enables the
//! triggers, then rebuilds the rollups from the tables and creates the
//! indexes (one sort each) on two connections at once, since each of these
//! keeps one server core busy, then adds the foreign keys back (one
//! anti-join each; rows orphaned by a concurrent delete, which the cascade
//! would have removed, are removed when the check finds them). BEFORE
//! triggers stay: they complete the row being written.
//!
//! When: as on SQLite, `begin_bulk_load` only announces the size; the first
//! batch that is mostly new rows while the rest of the load is large against
//! the enterprises stored enters the mode ([`pays`]).
//!
//! Crash safety: every change of the schema is made in the transaction of
//! the batch that enters the mode, together with `meta` rows recording how
//! to undo it (`bulk_load_index:…`, `bulk_load_fk:…`, `bulk_load_trigger:…`)
//! and the flag `bulk_load_in_progress`; [`finish`] undoes each in its own
//! transaction that also deletes its row (a key in two: the second one's
//! `VALIDATE` is what the row says is left after the first), and deletes
//! the flag last. Two finishes at once (two nodes migrating) each lock a
//! step's row before doing it and skip it when it is gone. A kill
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
use sqlx::{Connection, PgConnection, PgPool};

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

/// Ends any bulk load recorded in the database: triggers, then the rollups
/// and the indexes, then the foreign keys, then the flag. Idempotent, and
/// safe to run twice at once (each step locks its `meta` row and finds it
/// gone if the other run did the step).
pub(crate) async fn finish(pool: &PgPool) -> Result<()> {
    if !pending(pool).await? {
        return Ok(());
    }
    let mut first = pool.acquire().await.map_err(db)?;
    // Triggers first, so that writes from now on keep the rollups.
    for (key, sql) in recorded(&mut first, TRIGGER_KEY).await? {
        step(&mut first, &key, &sql).await?;
    }
    // The rest is the server's work: each rollup or index step is one scan
    // or sort of a table, and one connection keeps one core busy. Two
    // connections take the queue; the first rebuilds the rollups before it
    // joins (after the triggers, so that nothing written from then on is
    // missed; while the indexes are away, as it updates `enterprises`).
    let mut queue: Vec<(String, String)> = recorded(&mut first, INDEX_KEY).await?;
    // The indexes of `figures` and `enterprise_kbli` first: their builds do
    // not wait for the rollup rebuild's update of `enterprises`. Among the
    // latter the trigram index first, the longest build of all. Keys last:
    // adding one waits for the builds on `enterprises`.
    queue.sort_by_key(|(_, sql)| (indexed_table(sql) == "enterprises", !sql.contains(" USING gin ")));
    queue.extend(recorded(&mut first, FK_KEY).await?);
    let queue = std::sync::Mutex::new(std::collections::VecDeque::from(queue));
    let failed = std::sync::atomic::AtomicBool::new(false);
    // A second connection only if the pool has one to spare soon.
    let second = if pool.options().get_max_connections() > 1 {
        tokio::time::timeout(std::time::Duration::from_secs(2), pool.acquire()).await.ok().and_then(|c| c.ok())
    } else {
        None
    };
    let rollups_then_queue = async {
        let rebuilt = crate::insight::rebuild_if_stale_on(&mut first).await;
        if rebuilt.is_err() {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        rebuilt?;
        drain(&mut first, &queue, &failed).await
    };
    let other = async {
        match second {
            Some(mut conn) => drain(&mut conn, &queue, &failed).await,
            None => Ok(()),
        }
    };
    let (a, b) = tokio::join!(rollups_then_queue, other);
    a?;
    b?;
    sqlx::query("DELETE FROM meta WHERE key = $1").bind(FLAG).execute(&mut *first).await.map_err(db)?;
    Ok(())
}

/// The recorded steps of one kind, as (key, SQL).
async fn recorded(conn: &mut PgConnection, prefix: &str) -> Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT key, value FROM meta WHERE starts_with(key, $1) ORDER BY key")
        .bind(prefix)
        .fetch_all(conn)
        .await
        .map_err(db)
}

/// The table of a `CREATE INDEX` statement as `pg_get_indexdef` writes it
/// (`… ON [ONLY] schema.table USING …`), unquoted; only for ordering.
fn indexed_table(def: &str) -> &str {
    let after = def.split_once(" ON ").map_or("", |(_, rest)| rest);
    let after = after.strip_prefix("ONLY ").unwrap_or(after);
    let name = after.split_whitespace().next().unwrap_or("");
    name.rsplit('.').next().unwrap_or(name).trim_matches('"')
}

/// Takes steps from the queue until it is empty or another lane failed.
async fn drain(
    conn: &mut PgConnection,
    queue: &std::sync::Mutex<std::collections::VecDeque<(String, String)>>,
    failed: &std::sync::atomic::AtomicBool,
) -> Result<()> {
    loop {
        if failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some((key, sql)) = next else { return Ok(()) };
        if let Err(e) = step(conn, &key, &sql).await {
            failed.store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(e);
        }
    }
}

/// One recorded step, in its own transaction that deletes its `meta` row
/// (a key, in two: see [`add_key`]).
async fn step(conn: &mut PgConnection, key: &str, sql: &str) -> Result<()> {
    if let Some(name) = key.strip_prefix(FK_KEY) {
        return add_key(conn, key, name).await;
    }
    let mut tx = conn.begin().await.map_err(db)?;
    // Gone if a finish elsewhere already did this step.
    if locked(&mut tx, key).await?.is_some() {
        if let Some(name) = key.strip_prefix(INDEX_KEY) {
            build_index(&mut tx, name, sql).await?;
        } else {
            sqlx::query(sql).execute(&mut *tx).await.map_err(db)?;
        }
        sqlx::query("DELETE FROM meta WHERE key = $1").bind(key).execute(&mut *tx).await.map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// The step's `meta` value, its row locked; `None` once done.
async fn locked(conn: &mut PgConnection, key: &str) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = $1 FOR UPDATE")
        .bind(key)
        .fetch_optional(conn)
        .await
        .map_err(db)
}

async fn build_index(conn: &mut PgConnection, name: &str, sql: &str) -> Result<()> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(quote(name))
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    if !exists {
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await.map_err(db)?;
        sqlx::query(sql).execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

/// Adds a foreign key back in two transactions. The first adds it `NOT
/// VALID`, which is quick but locks `enterprises` against other keys and
/// index builds; from then on the key holds for every write and the cascade
/// runs, and the `meta` row says what is left: `VALIDATE`. The second checks
/// the rows written meanwhile under a lock that lets the other lane's steps
/// go on; only if that fails does it remove the rows a concurrent delete
/// orphaned while the key was away (what the cascade would have deleted)
/// and check again. A finish of an older version runs the recorded
/// statement after removing orphans, which works for either.
async fn add_key(conn: &mut PgConnection, key: &str, name: &str) -> Result<()> {
    let (table, constraint) = name.split_once('.').unwrap_or((name, ""));
    let validate = format!("ALTER TABLE {} VALIDATE CONSTRAINT {}", quote(table), quote(constraint));
    let mut tx = conn.begin().await.map_err(db)?;
    let Some(add) = locked(&mut tx, key).await? else {
        return tx.commit().await.map_err(db);
    };
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2)",
    )
    .bind(quote(table))
    .bind(constraint)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    if !exists {
        sqlx::query(&format!("{add} NOT VALID")).execute(&mut *tx).await.map_err(db)?;
        sqlx::query("UPDATE meta SET value = $2 WHERE key = $1")
            .bind(key)
            .bind(&validate)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;

    let mut tx = conn.begin().await.map_err(db)?;
    if locked(&mut tx, key).await?.is_none() {
        return tx.commit().await.map_err(db);
    }
    let mut attempt = tx.begin().await.map_err(db)?;
    match sqlx::query(&validate).execute(&mut *attempt).await {
        Ok(_) => attempt.commit().await.map_err(db)?,
        // foreign_key_violation: orphans
        Err(e) if e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "23503") => {
            attempt.rollback().await.map_err(db)?;
            sqlx::query(&format!(
                "DELETE FROM {t} x WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.id = x.enterprise_id)",
                t = quote(table)
            ))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query(&validate).execute(&mut *tx).await.map_err(db)?;
        }
        Err(e) => return Err(db(e)),
    }
    sqlx::query("DELETE FROM meta WHERE key = $1").bind(key).execute(&mut *tx).await.map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Commits of the mode's batches do not wait for the WAL flush (see the
/// module notes).
pub(crate) async fn relax_commit(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET LOCAL synchronous_commit = off").execute(conn).await.map_err(db)?;
    Ok(())
}
