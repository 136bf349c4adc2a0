//! SQLite-specific behaviour the shared stories cannot express: files on
//! disk, schema versions, concurrent writers, import throughput.

use naikkelas_store::conformance::{ctx, figures, nib, profile};
use naikkelas_store::{EnterpriseQuery, ImportRow, RowOutcome, Store, StoreError};
use naikkelas_store_sqlite::SqliteStore;
use std::time::Instant;

fn temp_path(tag: &str) -> String {
    let p = std::env::temp_dir().join(format!("naikkelas-{tag}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p.to_string_lossy().into_owned()
}

#[tokio::test]
async fn data_survives_reopening_and_reference_reloads_on_a_new_stamp() {
    let path = temp_path("reopen");
    {
        let s = SqliteStore::open(&path).await.unwrap();
        s.migrate().await.unwrap();
        s.register_enterprise(&profile(1, "Tempe Bu Sri", "64.72", &["10391"], &["tempe"]), &ctx("a")).await.unwrap();
        // Pretend the shipped data changed since the last start.
        sqlx::query("UPDATE meta SET value = 'older' WHERE key = 'reference_data_version'")
            .execute(s.pool())
            .await
            .unwrap();
        s.pool().close().await;
    }
    let s = SqliteStore::open(&path).await.unwrap();
    s.migrate().await.unwrap();
    let stamp: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'reference_data_version'")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(stamp, naikkelas_store::reference_data::DATA_VERSION);
    assert_eq!(s.reference().await.unwrap().regencies.len(), 514);
    assert_eq!(s.enterprise(&nib(1)).await.unwrap().unwrap().profile.name, "Tempe Bu Sri");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(s.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(s.pool()).await.unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn a_schema_newer_than_the_program_is_refused() {
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', 1, x'00', 0)",
    )
    .execute(s.pool())
    .await
    .unwrap();
    match s.migrate().await {
        Err(StoreError::SchemaTooNew { database, program }) => {
            assert_eq!(database, 99990101000000);
            assert!(program < database);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_path_is_a_connect_error() {
    match SqliteStore::open("/nonexistent-dir/for/sure/x.db").await {
        Err(StoreError::Connect { url, .. }) => assert!(url.starts_with("sqlite://")),
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_neither_fail_nor_break_the_chain() {
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25u64 {
                let n = t * 1000 + i + 1;
                s.register_enterprise(&profile(n, &format!("Usaha {n}"), "64.72", &["10391"], &[]), &ctx("w"))
                    .await
                    .unwrap();
                s.record_figures(&nib(n), &figures(2024, 3, 1_000_000), &ctx("w")).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        s.list_enterprises(&EnterpriseQuery::in_scope(naikkelas_core::Scope::National)).await.unwrap().total,
        200
    );
    let log = s.audit_page(0, 1000).await.unwrap();
    assert_eq!(log.len(), 400);
    naikkelas_core::audit::verify_page(naikkelas_core::audit::GENESIS, 1, &log).unwrap();
}

/// Throughput of the bulk path; prints rows per second. Run with
/// `--nocapture` to see the figure (`--release` for a realistic one).
#[tokio::test]
async fn import_batch_throughput() {
    const ENTERPRISES: u64 = 50_000;
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    let regencies = ["64.72", "64.71", "33.01", "35.07", "18.01"];
    let kblis = ["10391", "10794", "13134", "31001", "10710"];
    let rows: Vec<ImportRow> = (0..ENTERPRISES)
        .flat_map(|i| {
            let p = profile(
                1_000_000 + i,
                &format!("Usaha Mikro {i}"),
                regencies[(i % 5) as usize],
                &[kblis[(i % 5) as usize]],
                &["produk olahan", "kerupuk"],
            );
            [2023, 2024].map(|y| ImportRow {
                row: i * 2 + 2,
                profile: p.clone(),
                figures: figures(y, (i % 40) as i64, 50_000_000),
            })
        })
        .collect();
    let total = rows.len();
    let started = Instant::now();
    for chunk in rows.chunks(10_000) {
        let out = s.import_batch(chunk, &ctx("import")).await.unwrap();
        assert!(out.iter().all(|o| *o == RowOutcome::Inserted));
    }
    let first = started.elapsed();
    let started = Instant::now();
    for chunk in rows.chunks(10_000) {
        let out = s.import_batch(chunk, &ctx("import")).await.unwrap();
        assert!(out.iter().all(|o| *o == RowOutcome::Unchanged));
    }
    let again = started.elapsed();
    println!(
        "import_batch: {total} rows inserted in {:.2?} ({:.0} rows/s); re-run unchanged in {:.2?} ({:.0} rows/s)",
        first,
        total as f64 / first.as_secs_f64(),
        again,
        total as f64 / again.as_secs_f64()
    );
    let mut q = EnterpriseQuery::in_scope(naikkelas_core::Scope::National);
    q.text = Some("mikro 4999".into());
    assert_eq!(s.list_enterprises(&q).await.unwrap().total, 11);
}
