//! The backend-independent story suite against SQLite.

use naikkelas_store::Store;
use naikkelas_store_sqlite::SqliteStore;

async fn fresh() -> Box<SqliteStore> {
    let s = SqliteStore::open_temporary().await.expect("open");
    s.migrate().await.expect("migrate");
    Box::new(s)
}

naikkelas_store::conformance_tests!(fresh().await);
