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

/// The bulk path writes only what moved: this checks that the side tables
/// (KBLI rows, search index, `latest_*`) still follow every kind of change,
/// including a stored profile compared after a rejected first row.
#[tokio::test]
async fn import_keeps_side_tables_in_step_with_each_kind_of_change() {
    use naikkelas_core::{Scope, SizeClass};
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    let c = ctx("import");
    let row = |n: u64, p: &naikkelas_core::enterprise::EnterpriseProfile, f| ImportRow {
        row: n,
        profile: p.clone(),
        figures: f,
    };
    let count = |q: EnterpriseQuery| {
        let s = s.clone();
        async move { s.list_enterprises(&q).await.unwrap().total }
    };
    let q = |f: &dyn Fn(&mut EnterpriseQuery)| {
        let mut q = EnterpriseQuery::in_scope(Scope::National);
        f(&mut q);
        q
    };
    let a = profile(701, "Dodol Garut Ibu Eni", "64.72", &["10794"], &["dodol"]);
    let out = s
        .import_batch(&[row(2, &a, figures(2023, 5, 100_000_000)), row(3, &a, figures(2024, 5, 100_000_000))], &c)
        .await
        .unwrap();
    assert_eq!(out, [RowOutcome::Inserted, RowOutcome::Inserted]);
    let version = s.enterprise(&a.nib).await.unwrap().unwrap().version;

    // Address only: an update that leaves KBLI rows and search entry alone.
    let mut a2 = a.clone();
    a2.address = "Jl. Baru 1".into();
    assert_eq!(s.import_batch(&[row(2, &a2, figures(2024, 5, 100_000_000))], &c).await.unwrap(), [RowOutcome::Updated]);
    let r = s.enterprise(&a.nib).await.unwrap().unwrap();
    assert_eq!((r.profile.clone(), r.version), (a2.clone(), version + 1));
    assert_eq!(count(q(&|q| q.text = Some("garut".into()))).await, 1);
    assert_eq!(count(q(&|q| q.kbli = Some(naikkelas_store::conformance::kbli("10794")))).await, 1);

    // Name and KBLI: both side tables move.
    let mut a3 = a2.clone();
    a3.name = "Wajik Ketan Ibu Eni".into();
    a3.kbli = vec![naikkelas_store::conformance::kbli("10793")];
    assert_eq!(s.import_batch(&[row(2, &a3, figures(2024, 5, 100_000_000))], &c).await.unwrap(), [RowOutcome::Updated]);
    assert_eq!(count(q(&|q| q.text = Some("garut".into()))).await, 0);
    assert_eq!(count(q(&|q| q.text = Some("wajik".into()))).await, 1);
    assert_eq!(count(q(&|q| q.kbli = Some(naikkelas_store::conformance::kbli("10794")))).await, 0);
    assert_eq!(count(q(&|q| q.kbli = Some(naikkelas_store::conformance::kbli("10793")))).await, 1);

    // The newest year changes class; then an older year changes alone.
    assert_eq!(
        s.import_batch(&[row(2, &a3, figures(2024, 25, 2_000_000_000))], &c).await.unwrap(),
        [RowOutcome::Updated]
    );
    assert_eq!(count(q(&|q| q.size_class = Some(SizeClass::Menengah))).await, 1);
    assert_eq!(s.import_batch(&[row(2, &a3, figures(2023, 6, 100_000_000))], &c).await.unwrap(), [RowOutcome::Updated]);
    let r = s.enterprise(&a.nib).await.unwrap().unwrap();
    assert_eq!(r.latest_figures().unwrap().size_class, SizeClass::Menengah);
    assert_eq!(r.figures[0].figures.workers, 6);
    assert_eq!(count(q(&|q| q.size_class = Some(SizeClass::Menengah))).await, 1);
    assert_eq!(count(q(&|q| q.year = Some(2023))).await, 1);

    // A rejected first row (final year) with one profile, then a row with
    // another: the stored profile is compared with the second.
    s.finalise_figures(&a.nib, 2024, &c).await.unwrap();
    let mut p1 = a3.clone();
    p1.owner_name = "Dibuang".into();
    let out = s
        .import_batch(&[row(2, &p1, figures(2024, 1, 1_000_000)), row(3, &a3, figures(2023, 6, 100_000_000))], &c)
        .await
        .unwrap();
    assert!(matches!(out[0], RowOutcome::Rejected(_)));
    assert_eq!(out[1], RowOutcome::Unchanged);
    let mut p2 = a3.clone();
    p2.phone = None;
    let out = s
        .import_batch(&[row(2, &p1, figures(2024, 1, 1_000_000)), row(3, &p2, figures(2023, 6, 100_000_000))], &c)
        .await
        .unwrap();
    assert_eq!(out[1], RowOutcome::Updated);
    assert_eq!(s.enterprise(&a.nib).await.unwrap().unwrap().profile, p2);

    // The search index is whole and has one entry per enterprise.
    sqlx::query("INSERT INTO enterprise_search (enterprise_search) VALUES ('integrity-check')")
        .execute(s.pool())
        .await
        .unwrap();
    let entries: i64 = sqlx::query_scalar("SELECT count(*) FROM enterprise_search").fetch_one(s.pool()).await.unwrap();
    assert_eq!(entries, 1);
    let log = s.audit_page(0, 100).await.unwrap();
    naikkelas_core::audit::verify_page(naikkelas_core::audit::GENESIS, 1, &log).unwrap();
}
