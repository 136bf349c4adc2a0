//! Bulk-load mode of the import path.
//!
//! Maintaining the secondary indexes of `enterprises`, `figures` and
//! `enterprise_kbli` row by row (random insertions into B-trees ordered by
//! name, region or class) and the trigram search entries costs more than
//! the rows themselves. For a large load, the import therefore drops those
//! indexes (never the primary keys or `UNIQUE (nib)`, which the upsert looks
//! up), inserts new enterprises without their search entries, and at the
//! end creates the indexes again (one sort each) and fills the missing
//! search entries with one `INSERT … SELECT`.
//!
//! When: [`Store::begin_bulk_load`](naikkelas_store::Store::begin_bulk_load)
//! only announces the expected size. The mode is entered by the first batch
//! that is mostly new rows while the rest of the announced load is large
//! against the enterprises already stored ([`pays`]): a re-run of a file
//! that is already in (all `unchanged`) or a small addition to a large
//! registry keeps the row-by-row path, which is cheaper there.
//!
//! Crash safety rests on one invariant, kept by every transaction: whenever
//! the committed database lacks a dropped index or a search entry, `meta`
//! holds the row `bulk_load_in_progress` (an enterprise id: every enterprise
//! without a search entry has a larger id) and, for each dropped index, a
//! row `bulk_load_index:<name>` with its `CREATE INDEX` statement.
//!
//! - Entering writes those rows and drops the indexes in the transaction of
//!   the batch that first skips a search entry.
//! - Every later batch of the mode writes the flag again (keeping the lower
//!   id), in its own transaction, so a recovery by another process between
//!   two batches cannot leave the next batch's enterprises unflagged.
//! - [`finish`] creates each recorded index (one transaction each, deleting
//!   its row), then fills the missing search entries, rebuilds the rollups
//!   and deletes the flag in one transaction. A kill at any point leaves
//!   either the flag or a complete database; running [`finish`] again
//!   completes the rest.
//! - The rollups are summed on a second core while the indexes are built,
//!   from a read-only connection ([`crate::rollups::compute`]); the sums are
//!   written only if `PRAGMA data_version` shows no commit by another
//!   connection since they were started, else they are summed again inside
//!   the final transaction. On a 1 M-row first load this takes the 1.5–2 s of
//!   the rebuild off the end of the load.
//! - [`finish`] runs at the end of the load, when the import ends with an
//!   error too, and from `migrate` (every command opens the database with
//!   it), before any schema migration can trip over a missing index.
//!
//! The rows of a killed load that were committed stay (imports are
//! idempotent upserts by NIB and year), so re-running the file completes it.
//! While the mode is on, other writers (the web UI) keep working: they
//! write their own search entries, and an enterprise that already has one is
//! skipped by the fill. Reads that would use a dropped index scan instead,
//! and a search does not find the enterprises of the load until it ends.

use crate::registry::search_body_of;
use naikkelas_store::{Result, StoreError};
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// The `meta` key of the flag.
pub(crate) const FLAG: &str = "bulk_load_in_progress";
/// The `meta` key prefix of a dropped index.
const INDEX_KEY: &str = "bulk_load_index:";
/// Tables whose secondary indexes the mode drops.
const TABLES: [&str; 3] = ["enterprises", "figures", "enterprise_kbli"];

/// FTS5's pending-terms hash during the fill, and its default.
const FILL_HASH_SIZE: i64 = 32 << 20;
const FTS5_HASH_SIZE: i64 = 1 << 20;
/// FTS5's automatic merging, off during the fill, and its default. The
/// fill writes a handful of large segments (one per full hash), which the
/// merging would otherwise rewrite while it goes: 40 % of the fill's time
/// on a first load of 235,000 enterprises. The default merging (and the
/// crisis merge, which caps the segments per level) go on from there.
const FTS5_AUTOMERGE: i64 = 4;

/// WAL pages between checkpoints while the mode is on, and SQLite's
/// default. A bulk load appends to the same pages batch after batch; fewer
/// checkpoints copy each page to the database file fewer times. The WAL
/// grows to about this many 4 KiB pages (64 MiB) before it is reused.
pub(crate) const BULK_AUTOCHECKPOINT: i64 = 16_384;
pub(crate) const DEFAULT_AUTOCHECKPOINT: i64 = 1_000;

/// Below this many rows still to come, the mode does not pay for the fixed
/// cost of rebuilding.
const MIN_ROWS: u64 = 50_000;
/// Rebuilding the indexes costs at most about this fraction of maintaining
/// them row by row, per enterprise. On first loads (`tests/import_bench.rs`)
/// the whole end of the mode is already cheaper than row-by-row from 100,000
/// rows; loads into a populated table were not measured, so the rule is kept
/// conservative: the mode is entered only when the load at least doubles
/// the enterprises.
const REBUILD_COST: f64 = 0.5;

/// The bulk connection of one store and its bulk state.
#[derive(Default)]
pub(crate) struct Slot {
    pub conn: Option<Connection>,
    pub mode: Mode,
}

/// The bulk state of one store, kept beside the bulk connection.
#[derive(Debug, Default)]
pub(crate) struct Mode {
    /// `begin_bulk_load` was called: (rows expected, rows imported since).
    pub announced: Option<(u64, u64)>,
    /// This store entered the mode: the id its batches flag.
    pub active: Option<i64>,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

/// Registers `naikkelas_search_body(name, nib, products_json)`: the search
/// entry exactly as [`crate::registry::search_body`] writes it (Unicode
/// lowercasing, which SQLite's `lower()` does not do).
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "naikkelas_search_body",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let name = ctx.get_raw(0).as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            let nib = ctx.get_raw(1).as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            let products = ctx.get_raw(2).as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            let products: Vec<String> =
                serde_json::from_str(products).map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
            Ok(search_body_of(name, nib, &products))
        },
    )
}

/// Whether entering the mode pays for a batch of `rows` rows, `inserted` of
/// them new years, that adds `new_enterprises` enterprises, with `stored`
/// enterprises (the largest id) already in and `remaining` rows announced
/// after this batch.
///
/// Row by row, each new enterprise costs one insertion per secondary index;
/// the rebuild costs [`REBUILD_COST`] of that per enterprise in the table
/// afterwards. With the new enterprises of the load estimated from this
/// batch's share, the mode pays when
/// `new > REBUILD_COST × (stored + new)`.
pub(crate) fn pays(rows: usize, inserted: usize, new_enterprises: usize, stored: i64, remaining: u64) -> bool {
    if rows == 0 || inserted * 2 < rows || remaining + (rows as u64) < MIN_ROWS {
        return false;
    }
    let new = (remaining + rows as u64) as f64 * new_enterprises as f64 / rows as f64;
    new > REBUILD_COST * (stored.max(0) as f64 + new)
}

/// Enters the mode inside the caller's write transaction: records and drops
/// the secondary indexes and sets the flag to `watermark` (the largest id
/// before the batch).
pub(crate) fn enter(conn: &Connection, watermark: i64) -> Result<()> {
    flag(conn, watermark)?;
    let mut dropped = Vec::new();
    for table in TABLES {
        let mut s = conn
            .prepare(
                "SELECT m.name, m.sql FROM sqlite_master m
                 JOIN pragma_index_list(?1) l ON l.name = m.name
                 WHERE m.type = 'index' AND m.tbl_name = ?1 AND m.sql IS NOT NULL
                     AND l.origin = 'c' AND NOT l.\"unique\"",
            )
            .map_err(err)?;
        let rows = s.query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(err)?;
        for r in rows {
            dropped.push(r.map_err(err)?);
        }
    }
    for (name, sql) in dropped {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("{INDEX_KEY}{name}"), sql],
        )
        .map_err(err)?;
        conn.execute(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")), []).map_err(err)?;
    }
    Ok(())
}

/// Sets the flag to `watermark`, or keeps a lower one already there.
pub(crate) fn flag(conn: &Connection, watermark: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value
         WHERE CAST(excluded.value AS INTEGER) < CAST(meta.value AS INTEGER)",
        params![FLAG, watermark.to_string()],
    )
    .map_err(err)?;
    Ok(())
}

/// Finds the flag or a dropped index (both keys start so).
pub(crate) const PENDING: &str = r"SELECT 1 FROM meta WHERE key LIKE 'bulk\_load\_%' ESCAPE '\' LIMIT 1";

/// Whether the database holds the flag (or a dropped index) of a bulk load.
pub(crate) fn pending(conn: &Connection) -> Result<bool> {
    let has_meta: Option<i64> = conn
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", [], |r| r.get(0))
        .optional()
        .map_err(err)?;
    if has_meta.is_none() {
        return Ok(false);
    }
    let found: Option<i64> = conn.query_row(PENDING, [], |r| r.get(0)).optional().map_err(err)?;
    Ok(found.is_some())
}

/// Ends any bulk load recorded in the database: creates the dropped indexes
/// and fills the missing search entries. Idempotent; does nothing without
/// the flag. See the module notes for why each step may be interrupted.
pub(crate) fn finish(conn: &mut Connection) -> Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", DEFAULT_AUTOCHECKPOINT).map_err(err)?;
    if !pending(conn)? {
        return Ok(());
    }
    let flagged: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [FLAG], |r| r.get(0)).optional().map_err(err)?;
    // The rollups are summed on a second core while this connection builds
    // the indexes; the sums are used only if no other connection committed
    // anything from here to the transaction that writes them (this
    // connection's own commits do not move its `data_version`).
    let before = data_version(conn)?;
    let early = flagged.as_ref().and_then(|_| conn.path().filter(|p| !p.is_empty()).map(spawn_rollups));
    // The index sorts spill to temporary files rather than to memory, which
    // at national scale would hold a whole index (1.5 GB for `figures`).
    conn.pragma_update(None, "temp_store", "file").map_err(err)?;
    let built = build_indexes(conn);
    conn.pragma_update(None, "temp_store", "memory").map_err(err)?;
    built?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
    let watermark: Option<String> =
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [FLAG], |r| r.get(0)).optional().map_err(err)?;
    if let Some(w) = watermark {
        let w: i64 = w.parse().unwrap_or(0);
        // A larger pending-terms hash writes fewer, larger segments (a third
        // faster on a first load), and no merging runs during the fill; the
        // defaults are restored before commit.
        tx.execute("INSERT INTO enterprise_search (enterprise_search, rank) VALUES ('hashsize', ?1)", [FILL_HASH_SIZE])
            .map_err(err)?;
        tx.execute("INSERT INTO enterprise_search (enterprise_search, rank) VALUES ('automerge', 0)", [])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO enterprise_search (rowid, body)
             SELECT id, naikkelas_search_body(name, nib, products) FROM enterprises
             WHERE id > ?1 AND id NOT IN (SELECT rowid FROM enterprise_search WHERE rowid > ?1)
             ORDER BY id",
            [w],
        )
        .map_err(err)?;
        tx.execute("INSERT INTO enterprise_search (enterprise_search, rank) VALUES ('hashsize', ?1)", [FTS5_HASH_SIZE])
            .map_err(err)?;
        tx.execute(
            "INSERT INTO enterprise_search (enterprise_search, rank) VALUES ('automerge', ?1)",
            [FTS5_AUTOMERGE],
        )
        .map_err(err)?;
        // The rollups the load's triggers skipped (crate::rollups): the
        // early sums when nothing else wrote since, else summed again here.
        let early = early.and_then(|h| h.join().ok()).and_then(|r| r.ok()).flatten();
        match early {
            Some(cells) if data_version(&tx)? == before => crate::rollups::write(&tx, &cells)?,
            _ => crate::rollups::rebuild_on(&tx)?,
        };
        tx.execute("DELETE FROM meta WHERE key = ?1", [FLAG]).map_err(err)?;
    }
    tx.commit().map_err(err)?;
    Ok(())
}

/// Creates each index the mode dropped, one transaction each.
fn build_indexes(conn: &mut Connection) -> Result<()> {
    let indexes: Vec<(String, String)> = {
        let mut s = conn
            .prepare("SELECT key, value FROM meta WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key")
            .map_err(err)?;
        let rows = s.query_map([INDEX_KEY], |r| Ok((r.get(0)?, r.get(1)?))).map_err(err)?;
        rows.collect::<rusqlite::Result<_>>().map_err(err)?
    };
    for (key, sql) in indexes {
        let name = &key[INDEX_KEY.len()..];
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(err)?;
        if exists.is_none() {
            tx.execute(&sql, []).map_err(err)?;
        }
        tx.execute("DELETE FROM meta WHERE key = ?1", [&key]).map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

fn data_version(conn: &Connection) -> Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(err)
}

/// Sums the rollups on a read-only connection of its own, in a thread.
fn spawn_rollups(path: &str) -> std::thread::JoinHandle<Result<Option<crate::rollups::Cells>>> {
    let path = path.to_string();
    std::thread::spawn(move || {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        crate::rollups::compute(&conn)
    })
}

#[cfg(test)]
mod tests {
    use super::data_version;
    use rusqlite::Connection;

    /// What [`super::finish`] relies on to use the early rollup sums: its own
    /// commits leave its `data_version` alone, anyone else's moves it.
    #[test]
    fn data_version_moves_for_other_connections_only() {
        let path = std::env::temp_dir().join(format!("naikkelas-data-version-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (own, other) = (Connection::open(&path).unwrap(), Connection::open(&path).unwrap());
        own.execute_batch("PRAGMA journal_mode = wal; CREATE TABLE t (x INTEGER)").unwrap();
        let before = data_version(&own).unwrap();
        own.execute_batch("CREATE INDEX t_x ON t (x); INSERT INTO t VALUES (1)").unwrap();
        assert_eq!(data_version(&own).unwrap(), before);
        other.execute("INSERT INTO t VALUES (2)", []).unwrap();
        assert_ne!(data_version(&own).unwrap(), before);
        drop((own, other));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
