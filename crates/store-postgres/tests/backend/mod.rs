//! What only the PostgreSQL backend promises: connection errors, schema
//! guard, a serialised audit chain under concurrency, the read pool, the
//! table transfer and import speed.

use crate::support::fresh;
use naikkelas_core::audit::{verify_page, GENESIS};
use naikkelas_core::{Role, Scope};
use naikkelas_store::conformance::{ctx, figures, nib, profile, seed_four};
use naikkelas_store::{EnterpriseQuery, ImportRow, NewApiToken, NewUser, RowOutcome, SessionRecord, Store, StoreError};
use naikkelas_store_postgres::transfer::{self, TABLES};
use naikkelas_store_postgres::{PgOptions, PgStore};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_bad_url_is_one_masked_line() {
    let opts = PgOptions { acquire_timeout: Duration::from_secs(3), ..PgOptions::default() };
    for url in ["postgres://nk:s3cret@127.0.0.1:1/naikkelas", "postgres://nk:s3cret@[::1/naikkelas"] {
        match PgStore::connect_with(url, &opts).await {
            Err(e @ StoreError::Connect { .. }) => {
                let text = e.to_string();
                assert!(!text.contains("s3cret"), "{text}");
                assert!(text.contains("nk:***@"), "{text}");
                assert!(!text.contains('\n'), "{text}");
            }
            other => panic!("expected a connect error for {url}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(db) = fresh().await else { return };
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', TRUE, '\\x00', 0)",
    )
    .execute(db.primary_pool())
    .await
    .unwrap();
    match db.migrate().await {
        Err(StoreError::SchemaTooNew { database, program }) => {
            assert_eq!(database, 99990101000000);
            assert!(program < database);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let Some(db) = fresh().await else { return };
    let opts = PgOptions { max_connections: 8, ..PgOptions::default() };
    let store = Arc::new(PgStore::connect_with(&db.url, &opts).await.unwrap());
    let mut tasks = Vec::new();
    for w in 0..8u64 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10u64 {
                let n = 10_000 + w * 100 + i;
                s.register_enterprise(&profile(n, &format!("Usaha {n}"), "64.72", &["10391"], &["tempe"]), &ctx("w"))
                    .await
                    .unwrap();
                s.record_figures(&nib(n), &figures(2024, 3, 1_000_000), &ctx("w")).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = store.audit_page(0, 1000).await.unwrap();
    assert_eq!(all.len(), 160);
    verify_page(GENESIS, 1, &all).unwrap();
    store.close().await;
}

#[tokio::test]
async fn lag_tolerant_reads_use_the_read_pool() {
    let Some(db) = fresh().await else { return };
    // A second URL for the same database stands in for a replica.
    let replica = format!("{}?application_name=nk_replica", db.url);
    let s = PgStore::connect_with_replica(&db.url, &replica).await.unwrap();
    seed_four(&s).await;
    let page = s.list_enterprises(&EnterpriseQuery::in_scope(Scope::National)).await.unwrap();
    assert_eq!(page.total, 4);
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nk_replica'")
        .fetch_one(s.primary_pool())
        .await
        .unwrap();
    assert!(seen >= 1, "the list went through the read pool");
    s.close().await;
}

async fn copy_all(from: &PgStore, to: &PgStore) {
    to.clear_for_load().await.unwrap();
    for t in TABLES {
        let mut last = None;
        loop {
            let page = from.dump_table(t.name, last.as_ref(), 3).await.unwrap();
            to.load_table(t.name, &page).await.unwrap();
            if page.len() < 3 {
                break;
            }
            last = page.into_iter().last();
        }
    }
}

#[tokio::test]
async fn a_whole_installation_transfers_exactly() {
    let (Some(a), Some(b)) = (fresh().await, fresh().await) else {
        return;
    };
    seed_four(&*a).await;
    let c = ctx("admin");
    a.finalise_figures(&nib(101), 2023, &c).await.unwrap();
    a.correct_figures(&nib(101), &figures(2023, 6, 100_000_000), "koreksi", &c).await.unwrap();
    let permit = naikkelas_core::permit::Permit {
        kind: naikkelas_core::permit::PermitKind::Halal,
        number: "ID1".into(),
        issuer: "BPJPH".into(),
        valid_from: time::macros::date!(2023 - 05 - 01),
        valid_until: None,
    };
    a.add_permit(&nib(102), &permit, &c).await.unwrap();
    let uid = a
        .create_user(
            &NewUser {
                username: "petugas".into(),
                display_name: "Petugas".into(),
                password_hash: "h".into(),
                role: Role::Officer,
                region: Some(naikkelas_store::conformance::region("64.72")),
                enterprise: None,
            },
            &c,
        )
        .await
        .unwrap();
    let now = time::macros::datetime!(2026-03-02 10:00:00.123456 UTC);
    a.create_session(&SessionRecord {
        id_hash: "a".repeat(64),
        user_id: uid,
        csrf_token: "t".into(),
        created_at: now,
        expires_at: now + time::Duration::hours(8),
    })
    .await
    .unwrap();
    a.create_api_token(&NewApiToken { user_id: uid, name: "cli".into(), token_hash: "f".repeat(64) }, &c)
        .await
        .unwrap();

    copy_all(&a, &b).await;
    let (ca, cb) = (a.table_checksums().await.unwrap(), b.table_checksums().await.unwrap());
    assert_eq!(ca, cb);
    let rows = |name: &str| ca.iter().find(|t| t.table == name).unwrap().rows;
    assert_eq!((rows("enterprises"), rows("figures"), rows("users"), rows("provinces")), (4, 4, 1, 38));
    for n in [101, 102, 103, 104] {
        assert_eq!(a.enterprise(&nib(n)).await.unwrap(), b.enterprise(&nib(n)).await.unwrap());
    }
    let q = EnterpriseQuery::in_scope(Scope::National);
    assert_eq!(a.list_enterprises(&q).await.unwrap(), b.list_enterprises(&q).await.unwrap());
    assert_eq!(a.facet_counts(&q).await.unwrap(), b.facet_counts(&q).await.unwrap());
    assert_eq!(b.user_by_token(&"f".repeat(64)).await.unwrap().unwrap().id, uid);
    // The chain continues on the target, and new ids follow the copied ones.
    let before = b.audit_page(0, 1000).await.unwrap();
    let next = b
        .create_user(
            &NewUser {
                username: "baru".into(),
                display_name: "B".into(),
                password_hash: "h".into(),
                role: Role::Buyer,
                region: None,
                enterprise: None,
            },
            &c,
        )
        .await
        .unwrap();
    assert!(next > uid);
    let all = b.audit_page(0, 1000).await.unwrap();
    assert_eq!(all.len(), before.len() + 1);
    verify_page(GENESIS, 1, &all).unwrap();
    // Unknown tables and malformed rows are refused, not guessed at.
    assert!(b.dump_table("nope", None, 1).await.is_err());
    let mut bad = a.dump_table("provinces", None, 1).await.unwrap();
    bad[0].insert("extra".into(), serde_json::Value::Null);
    assert!(b.load_table("provinces", &bad).await.is_err());
    assert!(transfer::table("audit_log").is_some());
}

#[tokio::test]
async fn import_batches_are_fast() {
    let Some(db) = fresh().await else { return };
    const N: u64 = 20_000;
    const BATCH: usize = 5_000;
    let rows: Vec<ImportRow> = (0..N)
        .map(|i| ImportRow {
            row: i + 2,
            profile: profile(
                1_000_000 + i / 2,
                &format!("Usaha {}", i / 2),
                "64.72",
                &["10391", "10794"],
                &["tempe", "keripik"],
            ),
            figures: figures(2023 + (i % 2) as i32, (i % 40) as i64, 50_000_000 + i as i64),
        })
        .collect();
    let c = ctx("import");
    let started = Instant::now();
    for chunk in rows.chunks(BATCH) {
        let out = db.import_batch(chunk, &c).await.unwrap();
        assert!(out.iter().all(|o| *o == RowOutcome::Inserted));
    }
    let first = started.elapsed();
    let started = Instant::now();
    for chunk in rows.chunks(BATCH) {
        let out = db.import_batch(chunk, &c).await.unwrap();
        assert!(out.iter().all(|o| *o == RowOutcome::Unchanged));
    }
    let again = started.elapsed();
    eprintln!(
        "import_batch: {N} new rows in {first:?} ({:.0} rows/s); unchanged re-run in {again:?} ({:.0} rows/s)",
        N as f64 / first.as_secs_f64(),
        N as f64 / again.as_secs_f64()
    );
    assert_eq!(db.list_enterprises(&EnterpriseQuery::in_scope(Scope::National)).await.unwrap().total, (N / 2) as i64);
}
