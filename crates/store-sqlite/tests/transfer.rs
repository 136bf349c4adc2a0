//! The data transfer format on SQLite: a whole installation copied to
//! another SQLite database reads back identically, derived columns included.

use naikkelas_core::audit::{verify_page, GENESIS};
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::{Role, Scope};
use naikkelas_store::conformance::{ctx, figures, nib, region, seed_four};
use naikkelas_store::transfer::{canonical_timestamp, copy_installation, Row, Transfer, TransferError, TABLES};
use naikkelas_store::{AuditContext, EnterpriseQuery, EnterpriseRecord, NewApiToken, NewUser, SessionRecord, Store};
use naikkelas_store_sqlite::SqliteStore;

/// A record with its times cut to the microsecond, the precision the
/// transfer format keeps (PostgreSQL's).
fn micros(mut r: EnterpriseRecord) -> EnterpriseRecord {
    let cut = |t: &mut String| *t = canonical_timestamp(t).unwrap();
    cut(&mut r.created_at);
    cut(&mut r.updated_at);
    for f in &mut r.figures {
        if let Some(t) = &mut f.finalised_at {
            cut(t);
        }
    }
    r
}

async fn store() -> SqliteStore {
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    s
}

/// The seed of the conformance stories plus everything else a table can
/// hold; times with nanoseconds, as `OffsetDateTime::now_utc()` gives them.
async fn seed(s: &SqliteStore) -> i64 {
    seed_four(s).await;
    let c = AuditContext::new("admin", time::macros::datetime!(2026-03-02 10:00:00.123456789 UTC));
    s.finalise_figures(&nib(101), 2023, &c).await.unwrap();
    s.correct_figures(&nib(101), &figures(2023, 6, 100_000_000), "koreksi", &c).await.unwrap();
    let permit = Permit {
        kind: PermitKind::Halal,
        number: "ID1".into(),
        issuer: "BPJPH".into(),
        valid_from: time::macros::date!(2023 - 05 - 01),
        valid_until: Some(time::macros::date!(2027 - 05 - 01)),
    };
    s.add_permit(&nib(102), &permit, &c).await.unwrap();
    let uid = s
        .create_user(
            &NewUser {
                username: "petugas".into(),
                display_name: "Petugas Ñusantara".into(),
                password_hash: "h".into(),
                role: Role::Officer,
                region: Some(region("64.72")),
                enterprise: None,
            },
            &c,
        )
        .await
        .unwrap();
    let now = time::macros::datetime!(2026-03-02 10:00:00.123456 UTC);
    s.create_session(&SessionRecord {
        id_hash: "a".repeat(64),
        user_id: uid,
        csrf_token: "t".into(),
        created_at: now,
        expires_at: now + time::Duration::hours(8),
    })
    .await
    .unwrap();
    s.create_api_token(&NewApiToken { user_id: uid, name: "cli".into(), token_hash: "f".repeat(64) }, &c)
        .await
        .unwrap();
    uid
}

#[tokio::test]
async fn a_whole_installation_copies_exactly() {
    let (a, b) = (store().await, store().await);
    let uid = seed(&a).await;
    let pages = std::sync::Mutex::new(0u32);
    let sums = copy_installation(&a, &b, &|_, _| *pages.lock().unwrap() += 1).await.unwrap();
    assert_eq!(sums.len(), TABLES.len());
    assert!(*pages.lock().unwrap() >= TABLES.len() as u32);
    let rows = |name: &str| sums.iter().find(|t| t.table == name).unwrap().rows;
    assert_eq!((rows("enterprises"), rows("figures"), rows("users"), rows("provinces")), (4, 4, 1, 38));
    assert_eq!((rows("figure_revisions"), rows("permits"), rows("sessions"), rows("api_tokens")), (1, 1, 1, 1));
    assert_eq!(a.table_checksums().await.unwrap(), b.table_checksums().await.unwrap());

    for n in [101, 102, 103, 104] {
        let (x, y) = (a.enterprise(&nib(n)).await.unwrap(), b.enterprise(&nib(n)).await.unwrap());
        assert_eq!(x.map(micros), y.map(micros));
        assert_eq!(a.figure_revisions(&nib(n)).await.unwrap().len(), b.figure_revisions(&nib(n)).await.unwrap().len());
    }
    let q = EnterpriseQuery::in_scope(Scope::National);
    assert_eq!(a.list_enterprises(&q).await.unwrap(), b.list_enterprises(&q).await.unwrap());
    assert_eq!(a.facet_counts(&q).await.unwrap(), b.facet_counts(&q).await.unwrap());
    // The search index was rebuilt.
    let mut search = EnterpriseQuery::in_scope(Scope::National);
    search.text = Some("amplang".into());
    assert_eq!(b.list_enterprises(&search).await.unwrap().total, 1);
    assert_eq!(b.user_by_token(&"f".repeat(64)).await.unwrap().unwrap().id, uid);
    let session = b.session(&"a".repeat(64), time::macros::datetime!(2026-03-02 11:00 UTC)).await.unwrap().unwrap();
    assert_eq!(session.created_at, time::macros::datetime!(2026-03-02 10:00:00.123456 UTC));

    // The chain continues on the target, and new ids follow the copied ones.
    let c = ctx("admin");
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
    verify_page(GENESIS, 1, &all).unwrap();
    // The append-only triggers are back after the clearing.
    assert!(sqlx::query("DELETE FROM audit_log").execute(b.pool()).await.is_err());
}

#[tokio::test]
async fn small_pages_copy_the_same() {
    let (a, b) = (store().await, store().await);
    seed(&a).await;
    b.clear_for_load().await.unwrap();
    for t in TABLES {
        let mut last: Option<Row> = None;
        loop {
            let page = a.dump_table(t.name, last.as_ref(), 2).await.unwrap();
            b.load_table(t.name, &page).await.unwrap();
            if page.len() < 2 {
                break;
            }
            last = page.into_iter().last();
        }
    }
    assert_eq!(a.table_checksums().await.unwrap(), b.table_checksums().await.unwrap());
    // KBLI lists that span pages are whole again.
    assert_eq!(b.enterprise(&nib(102)).await.unwrap().unwrap().profile.kbli.len(), 2);
}

#[tokio::test]
async fn a_target_with_data_is_refused() {
    let (a, b) = (store().await, store().await);
    seed(&a).await;
    seed_four(&b).await;
    let err = copy_installation(&a, &b, &|_, _| {}).await.unwrap_err();
    assert!(matches!(&err, TransferError::TargetNotEmpty { table } if table == "enterprises"), "{err}");
    assert!(err.to_string().contains("table enterprises"), "{err}");
    // Nothing was touched.
    assert_eq!(b.counts_by_province().await.unwrap().iter().map(|(_, n)| n).sum::<i64>(), 4);
    // Malformed rows and unknown tables are refused.
    assert!(b.dump_table("nope", None, 1).await.is_err());
    let mut bad = a.dump_table("provinces", None, 1).await.unwrap();
    bad[0].insert("extra".into(), serde_json::Value::Null);
    assert!(b.load_table("provinces", &bad).await.is_err());
}
