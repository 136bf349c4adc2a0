//! Opening the pools.

use crate::PgStore;
use naikkelas_store::url::mask_password;
use naikkelas_store::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// Pool settings. The defaults suit one web node on a small machine.
#[derive(Clone, Debug)]
pub struct PgOptions {
    pub max_connections: u32,
    /// A replica for reads that may lag (lists, facets, exports, province
    /// counts). `None` reads from the primary.
    pub read_url: Option<String>,
    pub read_max_connections: u32,
    /// How long to wait for a connection, including the first one: an
    /// unreachable server fails after this instead of hanging.
    pub acquire_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self { max_connections: 10, read_url: None, read_max_connections: 10, acquire_timeout: Duration::from_secs(10) }
    }
}

impl PgStore {
    /// Connects with default options; a bad or unreachable URL is
    /// `StoreError::Connect` with the password masked.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(url, &PgOptions::default()).await
    }

    /// Connects with writes on `primary` and lag-tolerant reads on `read_url`.
    pub async fn connect_with_replica(primary: &str, read_url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(primary, &PgOptions { read_url: Some(read_url.to_string()), ..PgOptions::default() }).await
    }

    pub async fn connect_with(url: &str, opts: &PgOptions) -> Result<PgStore, StoreError> {
        let primary = pool(url, opts.max_connections, opts.acquire_timeout).await?;
        let (read, replica) = match &opts.read_url {
            Some(r) if r != url => (pool(r, opts.read_max_connections, opts.acquire_timeout).await?, true),
            _ => (primary.clone(), false),
        };
        Ok(PgStore { primary, read, replica, bulk: Default::default() })
    }

    /// Wraps pools opened elsewhere (tests, embedding applications).
    pub fn from_pools(primary: PgPool, read: Option<PgPool>) -> PgStore {
        let replica = read.is_some();
        PgStore { read: read.unwrap_or_else(|| primary.clone()), primary, replica, bulk: Default::default() }
    }

    /// The primary pool, for tooling that needs raw access (e.g. tests).
    pub fn primary_pool(&self) -> &PgPool {
        &self.primary
    }

    /// Closes both pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.primary.close().await;
        if self.replica {
            self.read.close().await;
        }
    }
}

async fn pool(url: &str, max: u32, timeout: Duration) -> Result<PgPool, StoreError> {
    let fail = |e: &dyn std::fmt::Display| connect_error(url, e);
    let opts = PgConnectOptions::from_str(url).map_err(|e| fail(&e))?;
    PgPoolOptions::new()
        .max_connections(max.max(1))
        .acquire_timeout(timeout)
        .connect_with(opts)
        .await
        .map_err(|e| fail(&e))
}

/// One line, no password, whatever the driver put in its message.
fn connect_error(url: &str, e: &dyn std::fmt::Display) -> StoreError {
    let masked = mask_password(url);
    let reason = e.to_string().replace(url, &masked);
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    StoreError::Connect { url: masked, reason }
}
