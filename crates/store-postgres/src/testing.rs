//! Isolated databases for tests that need a PostgreSQL store (this crate's
//! own suites and the HTTP tests of the web crate).
//!
//! The server is `NAIKKELAS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`). One template database per
//! schema version is migrated once (under a server-wide advisory lock, so
//! concurrent test binaries do not race) and every test gets its own
//! `CREATE DATABASE … TEMPLATE …` copy, dropped when the test ends, pass or
//! fail. When the server cannot be reached the tests say so on stderr and
//! pass, except under `CI=true`, where they fail.

use crate::{PgOptions, PgStore};
use naikkelas_store::Store;
use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};
use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::OnceCell;

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn server_url() -> String {
    std::env::var("NAIKKELAS_TEST_PG").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| DEFAULT_URL.to_string())
}

/// `url` with its database replaced by `db`, keeping any query string.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A migrated store on its own database, dropped with this value.
pub struct TestDb {
    pub store: PgStore,
    pub name: String,
    pub url: String,
}

impl Deref for TestDb {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        &self.store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on;
        // a short-lived thread with its own runtime does the cleanup.
        let name = std::mem::take(&mut self.name);
        let admin = server_url();
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let mut c = PgConnection::connect(&admin).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(&sql).execute(&mut c).await.ok()?;
                c.close().await.ok()
            })
        });
        let _ = done.join();
    }
}

static TEMPLATE: OnceCell<Result<String, String>> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh migrated store, or `None` (after saying so) when no server runs.
pub async fn fresh() -> Option<TestDb> {
    let template = TEMPLATE.get_or_init(build_template).await;
    let template = match template {
        Ok(t) => t.clone(),
        Err(reason) => {
            let msg =
                format!("PostgreSQL not reachable at {}: {reason}", naikkelas_store::url::mask_password(&server_url()));
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg} (CI=true: the PostgreSQL tests must run)");
            }
            eprintln!("SKIPPED: {msg}");
            return None;
        }
    };
    let name = format!("nk_test_{}_{}_{:04x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nonce());
    let mut admin = PgConnection::connect(&server_url()).await.expect("admin connection");
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    let mut tries = 0;
    // Two clones of one template at the same instant can collide briefly.
    while let Err(e) = sqlx::query(&sql).execute(&mut admin).await {
        tries += 1;
        assert!(tries < 20, "cannot create {name}: {e}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin.close().await.ok();
    let url = with_database(&server_url(), &name);
    let opts = PgOptions { max_connections: 4, ..PgOptions::default() };
    let db =
        TestDb { store: PgStore::connect_with(&url, &opts).await.expect("connect to the test database"), name, url };
    db.store.migrate().await.expect("migrate (a no-op on the template copy)");
    Some(db)
}

/// Reaps databases of test processes that died before their cleanup ran.
async fn sweep_orphans(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'nk\\_test\\_%'")
        .fetch_all(&mut *admin)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut *admin).await;
        }
    }
}

fn schema_fingerprint() -> String {
    let mut h = Sha256::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("migrations dir").flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files {
        h.update(f.file_name().unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).expect("migration file"));
    }
    h.update(naikkelas_store::reference_data::DATA_VERSION.as_bytes());
    hex::encode(&h.finalize()[..6])
}

async fn build_template() -> Result<String, String> {
    let url = server_url();
    let connect = PgConnection::connect(&url);
    let mut admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("timed out".into()),
    };
    let name = format!("nk_tmpl_{}", schema_fingerprint());
    const LOCK: i64 = 0x6e6b_746d_706c;
    sqlx::query("SELECT pg_advisory_lock($1)").bind(LOCK).execute(&mut admin).await.map_err(|e| e.to_string())?;
    let result = async {
        sweep_orphans(&mut admin).await;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .map_err(|e| e.to_string())?;
        if exists {
            return Ok(name.clone());
        }
        let building = format!("{name}_building");
        run(&mut admin, format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).await?;
        run(&mut admin, format!("CREATE DATABASE \"{building}\"")).await?;
        let store = PgStore::connect(&with_database(&url, &building)).await.map_err(|e| e.to_string())?;
        store.migrate().await.map_err(|e| format!("migrating the template: {e}"))?;
        store.close().await;
        run(&mut admin, format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).await?;
        Ok(name.clone())
    }
    .await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(LOCK).execute(&mut admin).await;
    admin.close().await.ok();
    result
}

async fn run(c: &mut PgConnection, sql: String) -> Result<(), String> {
    sqlx::query(&sql).execute(c).await.map(|_| ()).map_err(|e| e.to_string())
}

/// A few random-enough bits without a random-number crate: the clock's
/// nanoseconds mixed with the counter.
fn nonce() -> u16 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (n ^ (n >> 16)) as u16
}
