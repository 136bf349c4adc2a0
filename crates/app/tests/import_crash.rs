//! `kill -9` in the middle of an import leaves a consistent database, and
//! running the import again completes it without duplicates.
//!
//! The test re-runs its own test binary as a child process (selected by
//! `NAIKKELAS_CRASH_CHILD`), which imports a generated file in small
//! batches; the parent waits until the database shows some enterprises,
//! kills the child with SIGKILL, then imports the same file to completion
//! and checks the counts, the absence of duplicates and the audit chain.

use naikkelas_app::export::ExportFormat;
use naikkelas_app::import::{ImportOptions, Progress};
use naikkelas_app::registry::ListFilters;
use naikkelas_app::Service;
use naikkelas_core::audit::{verify_page, GENESIS};
use naikkelas_core::{Actor, Scope};
use naikkelas_ingest::{generate_to_file, GeneratorConfig, SheetReader};
use naikkelas_store::{EnterpriseQuery, Store};
use naikkelas_store_sqlite::SqliteStore;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD: &str = "NAIKKELAS_CRASH_CHILD";

fn no_progress(_: Progress) {}

async fn open(db: &Path) -> Service {
    let store = SqliteStore::open(&db.to_string_lossy()).await.unwrap();
    store.migrate().await.unwrap();
    Service::new(Arc::new(store)).await.unwrap()
}

/// The child's side: import the file given in the environment, slowly
/// enough (small batches) to be killed in the middle. A no-op in a normal
/// test run.
#[tokio::test]
async fn child_import() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let (db, file) = spec.split_once('|').expect("db|file");
    let svc = open(Path::new(db)).await;
    let opts = ImportOptions { batch_size: 200, ..Default::default() };
    svc.import_file(&Actor::system(), Path::new(file), &opts, &no_progress).await.unwrap();
}

async fn enterprises(db: &Path) -> i64 {
    let Ok(store) = SqliteStore::open(&db.to_string_lossy()).await else { return 0 };
    let q = EnterpriseQuery { limit: 1, ..EnterpriseQuery::in_scope(Scope::National) };
    store.list_enterprises(&q).await.map(|p| p.total).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_import_then_rerun_completes_without_duplicates() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("naikkelas-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let file = dir.join("ikm.csv");
    let rows = generate_to_file(&GeneratorConfig::new(12_000, 3, 99), &file).unwrap();
    {
        // Migrate once up front so the parent's polling never races the
        // child's schema creation.
        open(&db).await;
    }

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_import", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, format!("{}|{}", db.display(), file.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(120) {
        seen = enterprises(&db).await;
        if seen > 0 || child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(seen > 0, "the child wrote nothing within two minutes");
    assert!(!status.success(), "the child was killed before it finished");

    // Consistent after the crash: whole batches only, chain intact.
    let svc = open(&db).await;
    let before = svc.list_enterprises(&Actor::system(), &ListFilters::default()).await.unwrap().total;
    assert!(before > 0);

    let s = svc.import_file(&Actor::system(), &file, &ImportOptions::default(), &no_progress).await.unwrap();
    assert!(s.rejected.is_empty(), "{:?}", s.rejected.first());
    assert_eq!(s.updated, 0, "rows written before the crash are unchanged, not altered");
    assert_eq!(s.inserted + s.unchanged, rows);
    assert!(s.unchanged > 0 && s.inserted > 0, "the crash happened mid-way: {s:?}");

    // Exactly the file's enterprise-years, no duplicates.
    let file_keys: BTreeSet<(String, String)> = SheetReader::open(&file, None)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.cells[0].clone(), r.cells[8].clone())
        })
        .collect();
    assert_eq!(file_keys.len() as u64, rows);
    let out = dir.join("export.csv");
    let n = svc.export_enterprises(&Actor::system(), &ListFilters::default(), ExportFormat::Csv, &out).await.unwrap();
    assert_eq!(n, rows);
    let db_keys: BTreeSet<(String, String)> = SheetReader::open(&out, None)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.cells[0].clone(), r.cells[8].clone())
        })
        .collect();
    assert_eq!(db_keys, file_keys);
    let distinct_nibs: BTreeSet<&String> = file_keys.iter().map(|(n, _)| n).collect();
    let total = svc.list_enterprises(&Actor::system(), &ListFilters::default()).await.unwrap().total;
    assert_eq!(total as usize, distinct_nibs.len());

    // The audit chain verifies end to end.
    let (mut prev, mut next, mut after) = (GENESIS.to_string(), 1, 0);
    loop {
        let page = svc.store().audit_page(after, 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        let (h, n) = verify_page(&prev, next, &page).unwrap_or_else(|e| panic!("{e}"));
        prev = h;
        next = n;
    }
    assert!(after > 0);

    let again = svc.import_file(&Actor::system(), &file, &ImportOptions::default(), &no_progress).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, rows));
    let _ = std::fs::remove_dir_all(&dir);
}
