//! Opening the database named by a URL. The backend is chosen here, once.

use anyhow::anyhow;
use naikkelas_store::url::DbUrl;
use naikkelas_store::Store;
use std::sync::Arc;

pub async fn open(url: &str, read_url: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    let parsed = DbUrl::parse(url).map_err(|e| anyhow!(e))?;
    let store: Arc<dyn Store> = match &parsed {
        DbUrl::Sqlite(path) => {
            if read_url.is_some() {
                tracing::warn!("--read-db is ignored for SQLite");
            }
            Arc::new(naikkelas_store_sqlite::SqliteStore::open(path).await?)
        }
        DbUrl::Postgres(u) => match read_url {
            Some(r) => Arc::new(naikkelas_store_postgres::PgStore::connect_with_replica(u, r).await?),
            None => Arc::new(naikkelas_store_postgres::PgStore::connect(u).await?),
        },
    };
    Ok(store)
}

/// Opens and migrates.
pub async fn open_migrated(url: &str, read_url: Option<&str>) -> anyhow::Result<Arc<dyn Store>> {
    let s = open(url, read_url).await?;
    s.migrate().await?;
    Ok(s)
}
