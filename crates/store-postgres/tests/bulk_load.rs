//! The bulk-load mode (`src/bulk.rs`): what it changes in the schema is
//! recorded and undone, at the end of the load or, after a kill, by
//! `migrate`; the data and the rollups come out as the row-by-row path
//! writes them. Skipped without a PostgreSQL server (see `testing`).

use naikkelas_store::conformance::{ctx, figures, profile};
use naikkelas_store::{ImportRow, RowOutcome, Store};
use naikkelas_store_postgres::{testing, PgStore};
use sqlx::PgPool;

/// Announced to every load here: large enough that the mode pays.
const ANNOUNCED: u64 = 1_000_000;

/// `n` enterprises from `first`, two years each.
fn rows(first: u64, n: u64) -> Vec<ImportRow> {
    (first..first + n)
        .flat_map(|i| {
            let p = profile(3_000_000 + i, &format!("Usaha {i}"), "64.72", &["10391", "10794"], &["tempe"]);
            [2023, 2024].map(|y| ImportRow { row: i * 2 + 2, profile: p.clone(), figures: figures(y, 5, 1) })
        })
        .collect()
}

/// What the schema and the rollups look like, for comparing.
async fn shape(pool: &PgPool) -> (i64, i64, i64, i64, i64) {
    let q = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() };
    (
        q("SELECT count(*) FROM pg_indexes WHERE tablename IN ('enterprises', 'figures', 'enterprise_kbli')").await,
        q("SELECT count(*) FROM pg_constraint WHERE contype = 'f'
           AND conrelid IN ('figures'::regclass, 'enterprise_kbli'::regclass)")
        .await,
        q("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'").await,
        q("SELECT count(*) FROM meta WHERE key LIKE 'bulk\\_load\\_%'").await,
        q("SELECT coalesce(sum(units), 0)::bigint FROM insight_rollup").await,
    )
}

#[tokio::test]
async fn a_load_killed_in_the_mode_is_finished_by_migrate() {
    let Some(db) = testing::fresh().await else { return };
    let pool = db.store.primary_pool().clone();
    let (indexes, fks, _, _, _) = shape(&pool).await;

    db.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    let out = db.store.import_batch(&rows(0, 100), &ctx("importer")).await.unwrap();
    assert!(out.iter().all(|o| *o == RowOutcome::Inserted));
    let (i, f, disabled, pending, _) = shape(&pool).await;
    assert!(i < indexes && f == 0 && disabled > 0 && pending > 0, "the mode is on: {i} {f} {disabled} {pending}");
    db.store.import_batch(&rows(100, 100), &ctx("importer")).await.unwrap();

    // Killed here: no end_bulk_load. The next process migrates first.
    let next = PgStore::from_pools(pool.clone(), None);
    next.migrate().await.unwrap();
    assert_eq!(shape(&pool).await, (indexes, fks, 0, 0, 400), "indexes, keys, triggers back; rollups rebuilt");

    // Re-running the whole file completes it without changes or duplicates.
    next.begin_bulk_load(ANNOUNCED).await.unwrap();
    let out = next.import_batch(&rows(0, 200), &ctx("importer")).await.unwrap();
    next.end_bulk_load().await.unwrap();
    assert!(out.iter().all(|o| *o == RowOutcome::Unchanged));
    let figures: i64 = sqlx::query_scalar("SELECT count(*) FROM figures").fetch_one(&pool).await.unwrap();
    assert_eq!(figures, 400);
}

#[tokio::test]
async fn an_ended_load_leaves_the_schema_and_rollups_as_the_row_by_row_path() {
    let Some(bulk) = testing::fresh().await else { return };
    let Some(plain) = testing::fresh().await else { return };
    bulk.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    for chunk in rows(0, 300).chunks(200) {
        bulk.store.import_batch(chunk, &ctx("importer")).await.unwrap();
    }
    bulk.store.end_bulk_load().await.unwrap();
    for chunk in rows(0, 300).chunks(200) {
        plain.store.import_batch(chunk, &ctx("importer")).await.unwrap();
    }
    let (b, p) = (shape(bulk.store.primary_pool()).await, shape(plain.store.primary_pool()).await);
    assert_eq!(b, p);
    assert_eq!(b.4, 600);
}

/// A fixed instant with nanoseconds, which the binary `COPY` must store as
/// a bound parameter stores it (truncated to microseconds).
fn ctx_ns() -> naikkelas_store::AuditContext {
    naikkelas_store::AuditContext::new("importer", time::macros::datetime!(2026-03-02 09:30:00.123456789 UTC))
}

/// Profiles with what the encodings must carry: text to quote and escape
/// (commas, quotes, backslashes, tabs, newlines, braces, non-ASCII), empty
/// arrays and NULLs. `changed` alters a quarter of them, among them their
/// first KBLI code (so the rollup division moves).
fn varied(i: u64, changed: bool) -> naikkelas_core::enterprise::EnterpriseProfile {
    let moved = changed && i.is_multiple_of(4);
    let kblis: &[&str] = if moved {
        &["13111", "10391"]
    } else if i.is_multiple_of(2) {
        &["10391", "10794"]
    } else {
        &["10794"]
    };
    let products: &[&str] = match i % 3 {
        0 => &[],
        1 => &["tahu, tempe", "NULL", r#"kata "ini" \ itu"#],
        _ => &["tempe\tgoreng", "kerupuk\nudang", "ß 豆腐 {x}", ""],
    };
    let name = if moved { format!("Usaha Baru \"{i}\"") } else { format!("Usaha {i}") };
    let regency = if i.is_multiple_of(5) { "64.71" } else { "64.72" };
    let mut p = profile(4_000_000 + i, &name, regency, kblis, products);
    if i % 2 == 1 {
        p.district = Some(naikkelas_store::conformance::region("64.72.01"));
    }
    if i % 3 == 2 {
        p.phone = None;
        p.email = None;
        p.founded_year = None;
        p.commodities = Vec::new();
    }
    p
}

/// Two years of `n` enterprises; `changed`: a quarter with a new profile, a
/// quarter with other figures for 2023, a quarter with a new year 2024, the
/// rest as before; and the first row repeated (rejected).
fn varied_rows(n: u64, changed: bool) -> Vec<ImportRow> {
    let mut out = Vec::new();
    for i in 0..n {
        let p = varied(i, changed);
        let mut years = vec![2022, 2023];
        if changed && i % 4 == 2 {
            years.push(2024);
        }
        for y in years {
            let workers = if changed && i % 4 == 1 && y == 2023 { 60 } else { 5 + (i % 3) as i64 };
            let mut f = figures(y, workers, 1_000_000 * (i as i64 + 1));
            if i % 3 == 0 {
                f.capacity = None;
                f.capacity_unit = None;
            }
            out.push(ImportRow { row: 0, profile: p.clone(), figures: f });
        }
    }
    out.insert(1, out[0].clone());
    for (i, r) in out.iter_mut().enumerate() {
        r.row = i as u64 + 2;
    }
    out
}

/// Every row of the tables the import writes, and the rollups, as text.
async fn dump(pool: &PgPool) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["enterprises", "enterprise_kbli", "figures", "insight_rollup", "insight_rollup_province"] {
        let sql = format!("SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM {table} t");
        out.push(sqlx::query_scalar::<_, String>(&sql).fetch_one(pool).await.unwrap());
    }
    out
}

async fn load(store: &PgStore, batches: &[Vec<ImportRow>]) -> Vec<RowOutcome> {
    let mut out = Vec::new();
    for rows in batches {
        for chunk in rows.chunks(150) {
            out.extend(store.import_batch(chunk, &ctx_ns()).await.unwrap());
        }
    }
    out
}

#[tokio::test]
async fn a_load_in_the_mode_writes_the_rows_and_outcomes_of_a_plain_load() {
    let Some(bulk) = testing::fresh().await else { return };
    let Some(plain) = testing::fresh().await else { return };
    let files = [varied_rows(120, false), varied_rows(120, true)];

    bulk.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    let first = bulk.store.import_batch(&files[0][..150], &ctx_ns()).await.unwrap();
    assert!(shape(bulk.store.primary_pool()).await.3 > 0, "the first batch enters the mode");
    let mut bulk_out = first;
    bulk_out.extend(load(&bulk.store, &[files[0][150..].to_vec(), files[1].clone()]).await);
    bulk.store.end_bulk_load().await.unwrap();
    let plain_out = load(&plain.store, &files).await;

    assert_eq!(bulk_out, plain_out);
    let count = |o: &[RowOutcome], f: fn(&RowOutcome) -> bool| o.iter().filter(|x| f(x)).count();
    assert_eq!(count(&plain_out, |o| matches!(o, RowOutcome::Inserted)), 240 + 30);
    // A new profile updates the first row of its NIB; the next one finds
    // it already stored.
    assert_eq!(count(&plain_out, |o| matches!(o, RowOutcome::Updated)), 30 + 30);
    assert_eq!(count(&plain_out, |o| matches!(o, RowOutcome::Rejected(_))), 2);
    let (b, p) = (bulk.store.primary_pool(), plain.store.primary_pool());
    assert_eq!(shape(b).await, shape(p).await);
    let rows = dump(p).await;
    assert_eq!(dump(b).await, rows);
    // The rollups the triggers kept (plain) are what a rebuild computes.
    plain.store.insight().rebuild_rollups().await.unwrap();
    assert_eq!(dump(p).await, rows);

    // What was written reads back as it went in, instants included.
    for i in [0, 1, 2, 4, 5] {
        let want = varied(i, true);
        let got = plain.store.enterprise(&want.nib).await.unwrap().expect("stored");
        assert_eq!(got.profile, want);
    }
    let same: bool =
        sqlx::query_scalar("SELECT bool_and(created_at = $1) AND bool_and(updated_at >= created_at) FROM enterprises")
            .bind(ctx_ns().at)
            .fetch_one(b)
            .await
            .unwrap();
    assert!(same);
}

#[tokio::test]
async fn two_finishes_at_once_both_complete_the_load() {
    let Some(db) = testing::fresh().await else { return };
    let Some(plain) = testing::fresh().await else { return };
    let pool = db.store.primary_pool().clone();
    db.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    load(&db.store, &[rows(0, 300)]).await;
    let other = PgStore::from_pools(pool.clone(), None);
    let (a, b) = tokio::join!(db.store.end_bulk_load(), other.end_bulk_load());
    a.unwrap();
    b.unwrap();
    load(&plain.store, &[rows(0, 300)]).await;
    assert_eq!(shape(&pool).await, shape(plain.store.primary_pool()).await);
    assert_eq!(dump(&pool).await, dump(plain.store.primary_pool()).await);
}

#[tokio::test]
async fn a_finish_cut_short_anywhere_is_completed_by_migrate() {
    let Some(plain) = testing::fresh().await else { return };
    load(&plain.store, &[rows(0, 300)]).await;
    let want = (shape(plain.store.primary_pool()).await, dump(plain.store.primary_pool()).await);
    for cut in [0, 20, 60, 150, 400] {
        let Some(db) = testing::fresh().await else { return };
        db.store.begin_bulk_load(ANNOUNCED).await.unwrap();
        load(&db.store, &[rows(0, 300)]).await;
        let ended = tokio::time::timeout(std::time::Duration::from_millis(cut), db.store.end_bulk_load()).await;
        if let Ok(r) = ended {
            r.unwrap();
        }
        // The process dies: its connections close. (Reusing them is not the
        // same: sqlx leaves a `BEGIN` cut short open on a pooled connection.)
        db.store.close().await;
        let next = PgStore::connect(&db.url).await.unwrap();
        next.migrate().await.unwrap();
        let pool = next.primary_pool().clone();
        let left: Vec<(String, String)> =
            sqlx::query_as("SELECT key, value FROM meta WHERE key LIKE 'bulk%'").fetch_all(&pool).await.unwrap();
        assert!(left.is_empty(), "cut after {cut} ms: {left:?}");
        assert_eq!((shape(&pool).await, dump(&pool).await), want, "cut after {cut} ms");
    }
}

#[tokio::test]
async fn a_key_left_to_validate_and_rows_orphaned_meanwhile_are_settled() {
    let Some(db) = testing::fresh().await else { return };
    let pool = db.store.primary_pool().clone();
    db.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    load(&db.store, &[rows(0, 300)]).await;
    // A delete while the keys are away leaves KBLI rows without their
    // enterprise (the cascade is gone with the key).
    db.store.delete_enterprise(&naikkelas_store::conformance::nib(3_000_007), &ctx("admin")).await.unwrap();
    let orphans = "SELECT count(*) FROM enterprise_kbli k WHERE NOT EXISTS \
                   (SELECT 1 FROM enterprises e WHERE e.id = k.enterprise_id)";
    assert!(sqlx::query_scalar::<_, i64>(orphans).fetch_one(&pool).await.unwrap() > 0);
    // As a finish killed between adding the key (NOT VALID) and checking it
    // leaves it.
    let (key, add): (String, String) =
        sqlx::query_as("SELECT key, value FROM meta WHERE key LIKE 'bulk\\_load\\_fk:enterprise\\_kbli.%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query(&format!("{add} NOT VALID")).execute(&pool).await.unwrap();
    let name = key.rsplit('.').next().unwrap();
    sqlx::query("UPDATE meta SET value = $2 WHERE key = $1")
        .bind(&key)
        .bind(format!("ALTER TABLE enterprise_kbli VALIDATE CONSTRAINT {name}"))
        .execute(&pool)
        .await
        .unwrap();

    PgStore::from_pools(pool.clone(), None).migrate().await.unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(orphans).fetch_one(&pool).await.unwrap(), 0);
    let invalid: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(invalid, 0);
    let (_, fks, disabled, pending, units) = shape(&pool).await;
    assert_eq!((fks, disabled, pending, units), (2, 0, 0, 598));
}

#[tokio::test]
async fn a_nib_another_writer_inserts_meanwhile_is_updated_not_duplicated() {
    let Some(db) = testing::fresh().await else { return };
    let pool = db.store.primary_pool().clone();
    let row = ImportRow {
        row: 2,
        profile: profile(5_000_001, "Dari Berkas", "64.72", &["10391"], &["tempe"]),
        figures: figures(2024, 5, 1),
    };
    // Another writer holds the NIB, uncommitted, while the batch copies it.
    let mut other = pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO enterprises (nib, name, name_key, owner_name, address, province_code, regency_code, \
         created_at, updated_at) VALUES ($1, 'Dari Formulir', 'dari formulir', 'X', 'Y', '64', '64.72', now(), now())",
    )
    .bind(row.profile.nib.as_str())
    .execute(&mut *other)
    .await
    .unwrap();
    let store = db.store.clone();
    let batch = vec![row.clone()];
    let import = tokio::spawn(async move { store.import_batch(&batch, &ctx("importer")).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    assert_eq!(import.await.unwrap().unwrap(), vec![RowOutcome::Inserted]);
    let got = db.store.enterprise(&row.profile.nib).await.unwrap().expect("stored");
    assert_eq!(got.profile, row.profile);
    assert_eq!(got.figures.len(), 1);
}

#[tokio::test]
async fn a_load_on_a_pool_of_one_connection_ends_on_it() {
    let Some(db) = testing::fresh().await else { return };
    let Some(plain) = testing::fresh().await else { return };
    let one = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&db.url).await.unwrap();
    let store = PgStore::from_pools(one.clone(), None);
    store.begin_bulk_load(ANNOUNCED).await.unwrap();
    load(&store, &[rows(0, 300)]).await;
    let started = std::time::Instant::now();
    store.end_bulk_load().await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "no wait for a second connection");
    load(&plain.store, &[rows(0, 300)]).await;
    assert_eq!(shape(&one).await, shape(plain.store.primary_pool()).await);
    assert_eq!(dump(&one).await, dump(plain.store.primary_pool()).await);
}

#[tokio::test]
async fn writes_of_others_during_the_mode_are_in_the_rollups_at_its_end() {
    let Some(db) = testing::fresh().await else { return };
    let Some(plain) = testing::fresh().await else { return };
    // With the rollup triggers off in the mode: a new primary KBLI code
    // (another division), a new year, a new enterprise.
    let moved = profile(3_000_005, "Usaha 5", "64.72", &["13111", "10391"], &["tempe"]);
    let other = profile(3_900_000, "Lain", "64.71", &["10794"], &[]);
    let others = |s: PgStore| {
        let (moved, other) = (moved.clone(), other.clone());
        async move {
            s.update_profile(&moved, None, &ctx("officer")).await.unwrap();
            s.record_figures(&moved.nib, &figures(2025, 80, 1), &ctx("officer")).await.unwrap();
            s.register_enterprise(&other, &ctx("officer")).await.unwrap();
            s.record_figures(&other.nib, &figures(2024, 3, 1), &ctx("officer")).await.unwrap();
        }
    };
    let pool = db.store.primary_pool().clone();
    db.store.begin_bulk_load(ANNOUNCED).await.unwrap();
    load(&db.store, &[rows(0, 300)]).await;
    assert!(shape(&pool).await.3 > 0, "in the mode");
    others(db.store.clone()).await;
    db.store.end_bulk_load().await.unwrap();
    load(&plain.store, &[rows(0, 300)]).await;
    others(plain.store.clone()).await;

    let division: String = sqlx::query_scalar("SELECT insight_division FROM enterprises WHERE nib = $1")
        .bind(moved.nib.as_str())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(division, "13");
    assert_eq!(shape(&pool).await.4, 602);
    assert_eq!(dump(&pool).await, dump(plain.store.primary_pool()).await);
}
