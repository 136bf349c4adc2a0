//! Opening the database file with the settings every connection needs.

use naikkelas_store::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Readers run in parallel under WAL; writers queue on the busy timeout, so
/// more connections than cores buys nothing.
const MAX_CONNECTIONS: u32 = 6;

pub(crate) async fn pool(path: &str) -> Result<SqlitePool, StoreError> {
    let connect_err = |e: sqlx::Error| StoreError::Connect { url: format!("sqlite://{path}"), reason: e.to_string() };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("temp_store", "memory")
        // 32 MiB of page cache per connection; list pages and imports are
        // index-heavy.
        .pragma("cache_size", "-32768")
        .statement_cache_capacity(200);
    SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(connect_err)
}

/// The connection of the bulk import path ([`crate::import`]): the same
/// file and settings as the pool's, for `rusqlite` instead of sqlx. It takes
/// the write lock like any pooled writer (`BEGIN IMMEDIATE`, waiting on the
/// busy timeout), so it needs no coordination with the pool.
pub(crate) fn bulk(path: &str) -> Result<rusqlite::Connection, StoreError> {
    let connect_err =
        |e: rusqlite::Error| StoreError::Connect { url: format!("sqlite://{path}"), reason: e.to_string() };
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
        | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(connect_err)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(connect_err)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0)).map_err(connect_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Connect { url: format!("sqlite://{path}"), reason: format!("journal mode {mode}") });
    }
    for (pragma, value) in
        [("synchronous", "normal"), ("foreign_keys", "on"), ("temp_store", "memory"), ("cache_size", "-65536")]
    {
        conn.pragma_update(None, pragma, value).map_err(connect_err)?;
    }
    conn.set_prepared_statement_cache_capacity(32);
    crate::bulk::register_functions(&conn).map_err(connect_err)?;
    Ok(conn)
}

/// A database file in the temporary directory that disappears with the
/// store: tests get isolation without `:memory:`, whose every pooled
/// connection would see a different empty database.
pub(crate) struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new() -> TempFile {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name =
            format!("naikkelas-test-{}-{}-{}.db", std::process::id(), nanos, NEXT.fetch_add(1, Ordering::Relaxed));
        TempFile(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
