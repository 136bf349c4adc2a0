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
