//! The conformance story suite every backend must pass.
//!
//! Each story is a plain `async fn story_…(s: &dyn Store)` that receives a
//! fresh, migrated store and walks through one use case with assertions.
//! Stories only speak the [`Store`] trait, so the same body runs against
//! SQLite and PostgreSQL; a backend that behaves differently fails here, not
//! in production.
//!
//! A backend's `tests/conformance.rs` wires the suite up with one macro:
//!
//! ```ignore
//! async fn fresh() -> std::sync::Arc<dyn naikkelas_store::Store> {
//!     let s = MyStore::open_isolated().await.unwrap();
//!     s.migrate().await.unwrap();
//!     std::sync::Arc::new(s)
//! }
//! naikkelas_store::conformance_tests!(fresh().await);
//! ```
//!
//! The expression given to [`conformance_tests!`] is evaluated inside each
//! generated `#[tokio::test]` and must yield a pointer (`Arc`, `Box`, `&`)
//! to an already migrated store: the macro takes `&*value` as `&dyn Store`.
//! The backend crate needs `tokio` (with `macros` and `rt`) as a
//! dev-dependency.
//!
//! Conventions the stories pin down, so both backends write the same log
//! and answer the same way:
//! - audit: every registry write uses entity type `enterprise` with the NIB
//!   as entity id and the actions `create`, `update`, `delete`,
//!   `record_figures`, `finalise`, `correct`, `add_permit`,
//!   `remove_permit`; `create` has only `after`, `delete` only `before`
//!   (the whole record), `update` both. Users: entity type `user`, the id as
//!   text, actions `create` and `set_password`, never a password hash.
//!   Imports may write one entry per batch (`import`, `enterprise_batch`).
//! - search: the text is trimmed; blank means no filter; `%`, `_` and `"`
//!   are literal characters, never wildcards or syntax.
//! - facets: values in any order (the stories sort); `regency` is filled
//!   only when a province or regency filter is set.
//! - sessions keep microsecond precision; `session()` returns a session
//!   only while `expires_at > now`; `delete_expired_sessions` removes
//!   those with `expires_at <= now`.

pub use crate::conformance_analysis::*;
pub use crate::conformance_certification::*;
pub use crate::conformance_insight::*;
pub use crate::conformance_linkage::*;
pub use crate::conformance_programs::*;
pub use crate::conformance_readiness::*;
use crate::{
    AuditContext, EnterpriseQuery, ImportRow, NewApiToken, NewUser, RowOutcome, SessionRecord, Store, StoreError,
};
use naikkelas_core::audit::{verify_page, AuditRecord, GENESIS};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::{Kbli, Nib, QualityLevel, RegionCode, Role, Rupiah, Scope, SizeClass, UsdCents};
use std::collections::BTreeSet;
use time::macros::{date, datetime};
use time::Duration;

/// Expands to one `#[tokio::test]` per conformance story.
///
/// `$make` is evaluated in each test's async body and must yield something
/// that dereferences to a migrated store (`Arc<dyn Store>`, `Box<S>`,
/// `Arc<S>`); see the module documentation of `naikkelas_store::conformance`.
#[macro_export]
macro_rules! conformance_tests {
    (@stories ($make:expr); $($story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let store = $make;
                let s: &dyn $crate::Store = &*store;
                $crate::conformance::$story(s).await;
            }
        )*
    };
    ($make:expr) => {
        $crate::conformance_tests!(@stories ($make);
            story_reference_data_is_loaded,
            story_register_and_read_back,
            story_duplicate_nib_is_a_conflict,
            story_stale_update_is_refused,
            story_list_filters,
            story_scope_limits_what_is_seen,
            story_keyset_pagination_has_no_gaps,
            story_search_is_case_insensitive_and_partial,
            story_facet_counts_leave_out_their_own_filter,
            story_figures_finalise_and_correct,
            story_permits_raise_the_quality_level,
            story_delete_removes_everything,
            story_import_is_idempotent,
            story_import_rejects_duplicates_and_final_years,
            story_export_pages_and_province_counts,
            story_users_sessions_and_tokens,
            story_audit_chain_verifies,
            story_catalogue_is_loaded_with_its_stamp,
            story_assessment_saves_progress_completes_and_raises_the_level,
            story_latest_assessment_decides_and_region_view_respects_scope,
            story_certification_lifecycle_writes_history_and_audit,
            story_certifiers_and_scoped_lists,
            story_signing_key_once_and_rotation,
            story_programme_enrolment_ledger_and_absorption,
            story_concurrent_approvals_never_overspend,
            story_transitions_and_movers_by_region,
            story_impact_cohort_matches_participants_by_stratum,
            story_linkage_requests_interests_and_audit,
            story_candidates_follow_live_certificates_and_the_ladder,
            story_directory_lists_certified_ikm_only,
            story_rollups_follow_every_write,
            story_coverage_of_an_empty_region,
        );
    };
}

// ----- fixtures -----

/// A NIB made of `n` padded to thirteen digits.
pub fn nib(n: u64) -> Nib {
    Nib::parse(&format!("{n:013}")).expect("13 digits")
}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("region code")
}

pub fn kbli(code: &str) -> Kbli {
    Kbli::parse(code).expect("kbli code")
}

/// A valid profile in `regency` with the given KBLI codes and products.
pub fn profile(n: u64, name: &str, regency: &str, kblis: &[&str], products: &[&str]) -> EnterpriseProfile {
    EnterpriseProfile {
        nib: nib(n),
        name: name.to_string(),
        owner_name: format!("Pemilik {n}"),
        address: format!("Jl. Contoh No. {n}"),
        regency: region(regency),
        district: None,
        kbli: kblis.iter().map(|k| kbli(k)).collect(),
        products: products.iter().map(|p| p.to_string()).collect(),
        commodities: vec!["kedelai".into()],
        founded_year: Some(2015),
        phone: Some("+62 812-5555-1234".into()),
        email: Some("ikm@example.co.id".into()),
    }
}

/// Figures of one year; `investment` in rupiah.
pub fn figures(year: i32, workers: i64, investment: i64) -> YearlyFigures {
    YearlyFigures {
        year,
        workers,
        investment: Rupiah::new_unchecked(investment),
        production: Rupiah::new_unchecked(investment / 2 + 1_000_000),
        export: UsdCents::new_unchecked(workers * 10_000),
        capacity: Some(workers * 100),
        capacity_unit: Some("kg".into()),
    }
}

/// An audit context at a fixed instant, so stories are reproducible.
pub fn ctx(actor: &str) -> AuditContext {
    AuditContext::new(actor, datetime!(2026-03-02 09:30:00 UTC))
}

fn national() -> EnterpriseQuery {
    EnterpriseQuery::in_scope(Scope::National)
}

async fn register(s: &dyn Store, p: &EnterpriseProfile) {
    s.register_enterprise(p, &ctx("admin")).await.expect("register");
}

async fn nibs(s: &dyn Store, q: &EnterpriseQuery) -> Vec<String> {
    let page = s.list_enterprises(q).await.expect("list");
    page.items.iter().map(|i| i.nib.to_string()).collect()
}

async fn total(s: &dyn Store, q: &EnterpriseQuery) -> i64 {
    s.list_enterprises(q).await.expect("list").total
}

// ----- stories -----

/// Migration loads the shipped regions and KBLI; migrating twice is harmless.
pub async fn story_reference_data_is_loaded(s: &dyn Store) {
    s.ping().await.expect("ping");
    s.migrate().await.expect("a second migrate is a no-op");
    let r = s.reference().await.expect("reference");
    assert_eq!(r.provinces.len(), 38);
    assert_eq!(r.regencies.len(), 514);
    assert_eq!(r.regencies["64.72"].name, "Kota Samarinda");
    assert_eq!(r.regencies["64.72"].province_code, "64");
    assert_eq!(r.provinces["64"].name, "Kalimantan Timur");
    assert!(r.districts.len() > 7000);
    let tempe = r.check_kbli(&kbli("10391")).expect("10391 in the catalogue");
    assert_eq!(tempe.division, "10");
    assert_eq!(tempe.version, "2020");
    assert_eq!(r.divisions().count(), 24);
    assert!(!s.backend().is_empty());
}

/// A registered enterprise reads back exactly, with version 1 and L0.
pub async fn story_register_and_read_back(s: &dyn Store) {
    let mut p = profile(1, "Tempe Bu Sri", "64.72", &["10391", "10794"], &["tempe", "keripik tempe"]);
    p.district = Some(region("64.72.01"));
    register(s, &p).await;
    let r = s.enterprise(&p.nib).await.unwrap().expect("found");
    assert_eq!(r.profile, p);
    assert_eq!(r.version, 1);
    assert_eq!(r.quality_level, QualityLevel::L0);
    assert!(r.figures.is_empty() && r.permits.is_empty());
    assert_eq!(r.created_at, "2026-03-02T09:30:00Z");
    assert!(s.enterprise(&nib(2)).await.unwrap().is_none());

    let mut changed = p.clone();
    changed.name = "Tempe Bu Sri Wahyuni".into();
    changed.products.push("tempe mendoan".into());
    changed.district = None;
    s.update_profile(&changed, Some(1), &ctx("officer")).await.expect("update");
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.profile, changed);
    assert_eq!(r.version, 2);
    let page = s.list_enterprises(&national()).await.unwrap();
    assert_eq!(page.total, 1);
    let item = &page.items[0];
    assert_eq!(item.name, "Tempe Bu Sri Wahyuni");
    assert_eq!((item.province_code.as_str(), item.regency_code.as_str()), ("64", "64.72"));
    assert_eq!(item.kbli, ["10391", "10794"]);
    assert_eq!(item.products, ["tempe", "keripik tempe", "tempe mendoan"]);
    assert_eq!((item.year, item.size_class), (None, None));

    let missing = profile(3, "Tidak Ada", "64.72", &["10391"], &[]);
    assert!(matches!(s.update_profile(&missing, None, &ctx("x")).await, Err(StoreError::NotFound)));
}

/// Registering a NIB twice is a conflict on field `nib`, and the first stays.
pub async fn story_duplicate_nib_is_a_conflict(s: &dyn Store) {
    let p = profile(11, "Kerupuk Amplang Hj. Ani", "64.72", &["10794"], &["amplang"]);
    register(s, &p).await;
    let again = profile(11, "Orang Lain", "64.71", &["10391"], &[]);
    match s.register_enterprise(&again, &ctx("admin")).await {
        Err(StoreError::Conflict(e)) => {
            assert_eq!((e.field.as_str(), e.code.as_str()), ("nib", "nib.duplicate"));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.profile.name, "Kerupuk Amplang Hj. Ani");
    assert_eq!(total(s, &national()).await, 1);
}

/// Two editors load version 1; the second save is refused and changes nothing.
pub async fn story_stale_update_is_refused(s: &dyn Store) {
    let p = profile(21, "Batik Samarinda", "64.72", &["13134"], &["sarung samarinda"]);
    register(s, &p).await;
    let mut first = p.clone();
    first.name = "Batik Samarinda Indah".into();
    s.update_profile(&first, Some(1), &ctx("a")).await.unwrap();
    let mut second = p.clone();
    second.owner_name = "Orang Kedua".into();
    assert!(matches!(s.update_profile(&second, Some(1), &ctx("b")).await, Err(StoreError::StaleVersion)));
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.profile, first);
    assert_eq!(r.version, 2);
    // Without an expected version the write wins (imports, administrators).
    s.update_profile(&second, None, &ctx("b")).await.unwrap();
    assert_eq!(s.enterprise(&p.nib).await.unwrap().unwrap().version, 3);
}

/// Four enterprises used by the filter, facet and export stories:
///
/// | NIB | name | regency | KBLI | figures (size class) |
/// |-----|------|---------|------|----------------------|
/// | 101 | Tempe Bu Sri | 64.72 (district 64.72.01) | 10391 | 2023 kecil, 2024 menengah |
/// | 102 | Amplang Samarinda | 64.72 | 10794, 11040 | 2024 kecil |
/// | 103 | Batik Balikpapan | 64.71 | 13134 | 2023 besar |
/// | 104 | Mebel Jati Cilacap | 33.01 | 31001 | none |
pub async fn seed_four(s: &dyn Store) {
    let c = ctx("seed");
    let mut a = profile(101, "Tempe Bu Sri", "64.72", &["10391"], &["tempe"]);
    a.district = Some(region("64.72.01"));
    s.register_enterprise(&a, &c).await.unwrap();
    s.register_enterprise(&profile(102, "Amplang Samarinda", "64.72", &["10794", "11040"], &["amplang"]), &c)
        .await
        .unwrap();
    s.register_enterprise(&profile(103, "Batik Balikpapan", "64.71", &["13134"], &["batik tulis"]), &c).await.unwrap();
    s.register_enterprise(&profile(104, "Mebel Jati Cilacap", "33.01", &["31001"], &["kursi"]), &c).await.unwrap();
    s.record_figures(&nib(101), &figures(2023, 5, 100_000_000), &c).await.unwrap();
    s.record_figures(&nib(101), &figures(2024, 25, 2_000_000_000), &c).await.unwrap();
    s.record_figures(&nib(102), &figures(2024, 3, 50_000_000), &c).await.unwrap();
    s.record_figures(&nib(103), &figures(2023, 30, 20_000_000_000), &c).await.unwrap();
}

fn q_with(f: impl FnOnce(&mut EnterpriseQuery)) -> EnterpriseQuery {
    let mut q = national();
    f(&mut q);
    q
}

fn ids(ns: &[u64]) -> Vec<String> {
    ns.iter().map(|n| nib(*n).to_string()).collect()
}

/// Every list filter narrows the registry as documented, alone and combined.
pub async fn story_list_filters(s: &dyn Store) {
    seed_four(s).await;
    // Keyset order is by name: Amplang, Batik, Mebel, Tempe.
    assert_eq!(nibs(s, &national()).await, ids(&[102, 103, 104, 101]));
    let page = s.list_enterprises(&national()).await.unwrap();
    assert_eq!(page.total, 4);
    assert!(page.next_cursor.is_none());
    let tempe = page.items.iter().find(|i| i.nib == nib(101)).unwrap();
    assert_eq!((tempe.year, tempe.workers, tempe.size_class), (Some(2024), Some(25), Some(SizeClass::Menengah)));
    let mebel = page.items.iter().find(|i| i.nib == nib(104)).unwrap();
    assert_eq!((mebel.year, mebel.workers, mebel.size_class), (None, None, None));

    let cases: Vec<(EnterpriseQuery, Vec<u64>)> = vec![
        (q_with(|q| q.province = Some("64".into())), vec![102, 103, 101]),
        (q_with(|q| q.province = Some("33".into())), vec![104]),
        (q_with(|q| q.province = Some("11".into())), vec![]),
        (q_with(|q| q.regency = Some(region("64.72"))), vec![102, 101]),
        (q_with(|q| q.division = Some("10".into())), vec![102, 101]),
        (q_with(|q| q.division = Some("11".into())), vec![102]),
        (q_with(|q| q.kbli = Some(kbli("11040"))), vec![102]),
        (q_with(|q| q.kbli = Some(kbli("13134"))), vec![103]),
        (q_with(|q| q.size_class = Some(SizeClass::Menengah)), vec![101]),
        (q_with(|q| q.size_class = Some(SizeClass::Kecil)), vec![102]),
        (q_with(|q| q.size_class = Some(SizeClass::Besar)), vec![103]),
        (q_with(|q| q.year = Some(2023)), vec![103, 101]),
        (q_with(|q| q.year = Some(2024)), vec![102, 101]),
        (q_with(|q| q.year = Some(2022)), vec![]),
        // With a year, the size class is that year's.
        (
            q_with(|q| {
                q.year = Some(2023);
                q.size_class = Some(SizeClass::Kecil)
            }),
            vec![101],
        ),
        (
            q_with(|q| {
                q.province = Some("64".into());
                q.division = Some("10".into())
            }),
            vec![102, 101],
        ),
        (q_with(|q| q.quality_level = Some(QualityLevel::L0)), vec![102, 103, 104, 101]),
        (q_with(|q| q.quality_level = Some(QualityLevel::L1)), vec![]),
    ];
    for (q, want) in cases {
        let page = s.list_enterprises(&q).await.unwrap();
        let got: Vec<String> = page.items.iter().map(|i| i.nib.to_string()).collect();
        assert_eq!(got, ids(&want), "{q:?}");
        assert_eq!(page.total, want.len() as i64, "{q:?}");
    }
}

/// Scope is always applied: an officer of Samarinda never sees Balikpapan.
pub async fn story_scope_limits_what_is_seen(s: &dyn Store) {
    seed_four(s).await;
    let scoped = |scope: Scope| EnterpriseQuery::in_scope(scope);
    assert_eq!(nibs(s, &scoped(Scope::Region(region("64.72")))).await, ids(&[102, 101]));
    assert_eq!(nibs(s, &scoped(Scope::Region(region("64.71")))).await, ids(&[103]));
    assert_eq!(nibs(s, &scoped(Scope::Region(region("64")))).await, ids(&[102, 103, 101]));
    assert_eq!(nibs(s, &scoped(Scope::Region(region("64.72.01")))).await, ids(&[101]));
    assert_eq!(nibs(s, &scoped(Scope::Enterprise(nib(103)))).await, ids(&[103]));
    let none = s.list_enterprises(&scoped(Scope::Nothing)).await.unwrap();
    assert!(none.items.is_empty() && none.total == 0 && none.next_cursor.is_none());

    // A filter cannot widen the scope.
    let mut q = scoped(Scope::Region(region("64.72")));
    q.regency = Some(region("64.71"));
    assert_eq!(total(s, &q).await, 0);
    let mut q = scoped(Scope::Region(region("64.72")));
    q.text = Some("batik".into());
    assert_eq!(total(s, &q).await, 0);

    let f = s.facet_counts(&scoped(Scope::Region(region("64.72")))).await.unwrap();
    assert_eq!(f.province, [("64".to_string(), 2)]);
    let f = s.facet_counts(&scoped(Scope::Nothing)).await.unwrap();
    assert!(f.province.is_empty() && f.division.is_empty() && f.year.is_empty() && f.size_class.is_empty());

    let exported = s.export_page(&scoped(Scope::Region(region("64.72"))), None, 100).await.unwrap();
    let got: Vec<String> = exported.iter().map(|r| r.profile.nib.to_string()).collect();
    assert_eq!(got, ids(&[101, 102]));
    assert!(s.export_page(&scoped(Scope::Nothing), None, 100).await.unwrap().is_empty());
}

/// Walking the cursor over more rows than a page visits each once.
pub async fn story_keyset_pagination_has_no_gaps(s: &dyn Store) {
    let c = ctx("seed");
    // Repeated names force the NIB tie-break; mixed regencies for a filter.
    let letters = ["Anggrek", "Bambu", "Cempaka", "Dahlia", "Enau", "Flamboyan"];
    let mut in_64 = 0;
    for i in 0..130u64 {
        let name = format!("Usaha {}", letters[(i % 6) as usize]);
        let regency = if i % 3 == 0 { "64.72" } else { "33.01" };
        if regency == "64.72" {
            in_64 += 1;
        }
        // NIBs deliberately not in name order.
        let n = 1_000 + (i * 7919) % 10_007;
        s.register_enterprise(&profile(n, &name, regency, &["10391"], &[]), &c).await.unwrap();
    }
    for (q, expected) in [(national(), 130), (q_with(|q| q.province = Some("64".into())), in_64)] {
        let mut all = q.clone();
        all.limit = 500;
        let reference = nibs(s, &all).await;
        assert_eq!(reference.len(), expected);
        let mut seen = Vec::new();
        let mut q = q.clone();
        q.limit = 20;
        let mut pages = 0;
        loop {
            let page = s.list_enterprises(&q).await.unwrap();
            assert_eq!(page.total, expected as i64);
            assert!(page.items.len() <= 20);
            seen.extend(page.items.iter().map(|i| i.nib.to_string()));
            pages += 1;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
            assert!(pages < 100, "the cursor does not advance");
        }
        assert_eq!(seen, reference, "pages concatenate to the single-page order");
        let unique: BTreeSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), expected);
    }
    // Names never go backwards (case-insensitively) along the order.
    let mut all = national();
    all.limit = 500;
    let names: Vec<String> =
        s.list_enterprises(&all).await.unwrap().items.iter().map(|i| i.name.to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    // The limit is clamped to at least one row.
    let mut q = national();
    q.limit = 0;
    assert_eq!(s.list_enterprises(&q).await.unwrap().items.len(), 1);
}

/// Search matches any part of a name, product or NIB, ignoring case.
pub async fn story_search_is_case_insensitive_and_partial(s: &dyn Store) {
    let c = ctx("seed");
    s.register_enterprise(
        &profile(5_550_001_112_223, "Tempe Bu Sri", "64.72", &["10391"], &["tempe", "keripik tempe"]),
        &c,
    )
    .await
    .unwrap();
    s.register_enterprise(
        &profile(7_770_008_889_991, "Amplang Hj. Ani", "64.72", &["10794"], &["kerupuk amplang", "Bawang Goreng"]),
        &c,
    )
    .await
    .unwrap();
    s.register_enterprise(&profile(3_330_004_446_668, "Meubel Jati", "33.01", &["31001"], &["kursi"]), &c)
        .await
        .unwrap();
    let a = 5_550_001_112_223;
    let b = 7_770_008_889_991;
    let m = 3_330_004_446_668;
    let search = |t: &str| q_with(|q| q.text = Some(t.to_string()));
    for (text, want) in [
        ("TEMP", vec![a]),
        ("tempe", vec![a]),
        ("mpe b", vec![a]),
        ("Bu Sri", vec![a]),
        ("bawang", vec![b]),
        ("GORENG", vec![b]),
        ("0001112", vec![a]),
        ("kursi", vec![m]),
        ("jati", vec![m]),
        ("bu", vec![a]),
        ("j", vec![b, m]),
        ("5", vec![a]),
        ("  tempe  ", vec![a]),
        ("xyz", vec![]),
        ("%", vec![]),
        ("_", vec![]),
        ("te%pe", vec![]),
        ("\"tempe", vec![]),
        ("'; drop table x; --", vec![]),
    ] {
        let page = s.list_enterprises(&search(text)).await.unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let got: BTreeSet<String> = page.items.iter().map(|i| i.nib.to_string()).collect();
        let want: BTreeSet<String> = want.iter().map(|n| nib(*n).to_string()).collect();
        assert_eq!(got, want, "search {text:?}");
        assert_eq!(page.total, want.len() as i64, "total for {text:?}");
    }
    // Blank text is no filter.
    assert_eq!(total(s, &search("")).await, 3);
    // Search combines with the other filters and the scope.
    let mut q = search("a");
    q.province = Some("64".into());
    assert_eq!(total(s, &q).await, 1);
    let mut q = search("tempe");
    q.scope = Scope::Region(region("33"));
    assert_eq!(total(s, &q).await, 0);
    // The index follows updates.
    let mut renamed = profile(m, "Meubel Rotan", "33.01", &["31001"], &["meja"]);
    renamed.nib = nib(m);
    s.update_profile(&renamed, None, &c).await.unwrap();
    assert_eq!(total(s, &search("jati")).await, 0);
    assert_eq!(total(s, &search("rotan")).await, 1);
    assert_eq!(total(s, &search("meja")).await, 1);
}

fn sorted<K: Ord + Clone>(v: &[(K, i64)]) -> Vec<(K, i64)> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

/// Each facet counts distinct enterprises under every filter but its own.
pub async fn story_facet_counts_leave_out_their_own_filter(s: &dyn Store) {
    seed_four(s).await;
    let f = s.facet_counts(&national()).await.unwrap();
    assert_eq!(sorted(&f.province), pairs(&[("33", 1), ("64", 3)]));
    assert_eq!(sorted(&f.division), pairs(&[("10", 2), ("11", 1), ("13", 1), ("31", 1)]));
    assert_eq!(sorted(&f.size_class), pairs(&[("besar", 1), ("kecil", 1), ("menengah", 1)]));
    assert_eq!(sorted(&f.year), vec![(2023, 2), (2024, 2)]);

    let f = s.facet_counts(&q_with(|q| q.province = Some("64".into()))).await.unwrap();
    assert_eq!(sorted(&f.province), pairs(&[("33", 1), ("64", 3)]));
    assert_eq!(sorted(&f.regency), pairs(&[("64.71", 1), ("64.72", 2)]));
    assert_eq!(sorted(&f.division), pairs(&[("10", 2), ("11", 1), ("13", 1)]));
    assert_eq!(sorted(&f.year), vec![(2023, 2), (2024, 2)]);

    let f = s.facet_counts(&q_with(|q| q.division = Some("10".into()))).await.unwrap();
    assert_eq!(sorted(&f.division), pairs(&[("10", 2), ("11", 1), ("13", 1), ("31", 1)]));
    assert_eq!(sorted(&f.province), pairs(&[("64", 2)]));
    assert_eq!(sorted(&f.size_class), pairs(&[("kecil", 1), ("menengah", 1)]));

    // With a year, sizes are that year's; the year facet ignores the year.
    let f = s.facet_counts(&q_with(|q| q.year = Some(2023))).await.unwrap();
    assert_eq!(sorted(&f.year), vec![(2023, 2), (2024, 2)]);
    assert_eq!(sorted(&f.size_class), pairs(&[("besar", 1), ("kecil", 1)]));
    assert_eq!(sorted(&f.province), pairs(&[("64", 2)]));

    let f = s.facet_counts(&q_with(|q| q.size_class = Some(SizeClass::Kecil))).await.unwrap();
    assert_eq!(sorted(&f.size_class), pairs(&[("besar", 1), ("kecil", 1), ("menengah", 1)]));
    assert_eq!(sorted(&f.division), pairs(&[("10", 1), ("11", 1)]));

    let f = s.facet_counts(&q_with(|q| q.text = Some("tempe".into()))).await.unwrap();
    assert_eq!(sorted(&f.division), pairs(&[("10", 1)]));
    assert_eq!(sorted(&f.year), vec![(2023, 1), (2024, 1)]);
}

/// Record, replace, finalise, refuse an edit, correct with a kept revision.
pub async fn story_figures_finalise_and_correct(s: &dyn Store) {
    let p = profile(201, "Roti Ibu Ani", "64.72", &["10710"], &["roti manis"]);
    register(s, &p).await;
    let officer = ctx("petugas.smd");
    assert!(matches!(s.record_figures(&nib(202), &figures(2024, 1, 1), &officer).await, Err(StoreError::NotFound)));
    s.record_figures(&p.nib, &figures(2024, 25, 2_000_000_000), &officer).await.unwrap();
    s.record_figures(&p.nib, &figures(2023, 4, 90_000_000), &officer).await.unwrap();
    // Replacing a year that is not final is allowed.
    let first_2023 = figures(2023, 5, 100_000_000);
    s.record_figures(&p.nib, &first_2023, &officer).await.unwrap();
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    let years: Vec<i32> = r.figures.iter().map(|f| f.figures.year).collect();
    assert_eq!(years, [2023, 2024]);
    assert_eq!(r.figures[0].figures, first_2023);
    assert_eq!(r.figures[0].size_class, SizeClass::Kecil);
    assert_eq!(r.latest_figures().unwrap().size_class, SizeClass::Menengah);
    assert!(r.figures.iter().all(|f| f.finalised_at.is_none() && f.corrections == 0));
    let page = s.list_enterprises(&national()).await.unwrap();
    assert_eq!((page.items[0].year, page.items[0].size_class), (Some(2024), Some(SizeClass::Menengah)));

    s.finalise_figures(&p.nib, 2023, &officer).await.unwrap();
    assert!(matches!(s.finalise_figures(&p.nib, 2019, &officer).await, Err(StoreError::NotFound)));
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.figures[0].finalised_at.as_deref(), Some("2026-03-02T09:30:00Z"));
    assert_eq!(r.figures[0].finalised_by.as_deref(), Some("petugas.smd"));

    match s.record_figures(&p.nib, &figures(2023, 6, 100_000_000), &officer).await {
        Err(StoreError::Finalised { year }) => assert_eq!(year, 2023),
        other => panic!("expected Finalised, got {other:?}"),
    }
    match s.correct_figures(&p.nib, &figures(2024, 26, 2_000_000_000), "salah ketik", &officer).await {
        Err(StoreError::Conflict(e)) => {
            assert_eq!((e.field.as_str(), e.code.as_str()), ("tahun_data", "figures.not_final"))
        }
        other => panic!("a correction needs a final year, got {other:?}"),
    }
    assert!(s.figure_revisions(&p.nib).await.unwrap().is_empty());

    let corrected = figures(2023, 30, 20_000_000_000);
    s.correct_figures(&p.nib, &corrected, "salah ketik tenaga kerja", &ctx("admin")).await.unwrap();
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.figures[0].figures, corrected);
    assert_eq!(r.figures[0].size_class, SizeClass::Besar);
    assert_eq!(r.figures[0].corrections, 1);
    assert!(r.figures[0].finalised_at.is_some(), "a correction keeps the year final");
    let revs = s.figure_revisions(&p.nib).await.unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(revs[0].year, 2023);
    assert_eq!(revs[0].previous, first_2023);
    assert_eq!(revs[0].reason, "salah ketik tenaga kerja");
    assert_eq!(revs[0].corrected_by, "admin");
    assert_eq!(revs[0].corrected_at, "2026-03-02T09:30:00Z");
    // Latest stays 2024 when an older year changes.
    let q = q_with(|q| q.size_class = Some(SizeClass::Menengah));
    assert_eq!(nibs(s, &q).await, ids(&[201]));
    // A later year moves the latest size class.
    s.record_figures(&p.nib, &figures(2025, 2, 10_000_000), &officer).await.unwrap();
    assert_eq!(nibs(s, &q_with(|q| q.size_class = Some(SizeClass::Kecil))).await, ids(&[201]));
    assert_eq!(total(s, &q).await, 0);
}

fn pirt(from: time::Date, until: time::Date) -> Permit {
    Permit {
        kind: PermitKind::Pirt,
        number: format!("P-IRT {from}"),
        issuer: "DPMPTSP Kota Samarinda".into(),
        valid_from: from,
        valid_until: Some(until),
    }
}

/// A permit valid on the day of the write lifts the enterprise to L1.
pub async fn story_permits_raise_the_quality_level(s: &dyn Store) {
    let p = profile(301, "Keripik Pisang Mama", "64.72", &["10794"], &["keripik pisang"]);
    let other = profile(302, "Lain", "64.72", &["10794"], &[]);
    register(s, &p).await;
    register(s, &other).await;
    let c = ctx("officer");
    let expired = s.add_permit(&p.nib, &pirt(date!(2015 - 01 - 01), date!(2019 - 12 - 31)), &c).await.unwrap();
    assert_eq!(s.enterprise(&p.nib).await.unwrap().unwrap().quality_level, QualityLevel::L0);
    let valid = s.add_permit(&p.nib, &pirt(date!(2024 - 01 - 10), date!(2029 - 01 - 10)), &c).await.unwrap();
    assert_ne!(expired, valid);
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.quality_level, QualityLevel::L1);
    assert_eq!(r.permits.len(), 2);
    let stored = r.permits.iter().find(|x| x.id == valid).unwrap();
    assert_eq!(stored.permit, pirt(date!(2024 - 01 - 10), date!(2029 - 01 - 10)));
    assert_eq!(nibs(s, &q_with(|q| q.quality_level = Some(QualityLevel::L1))).await, ids(&[301]));
    let summary = s.list_enterprises(&national()).await.unwrap().items.into_iter().find(|i| i.nib == p.nib).unwrap();
    assert_eq!(summary.quality_level, QualityLevel::L1);

    let halal = Permit {
        kind: PermitKind::Halal,
        number: "ID31110000123".into(),
        issuer: "BPJPH".into(),
        valid_from: date!(2023 - 05 - 01),
        valid_until: None,
    };
    let h = s.add_permit(&other.nib, &halal, &c).await.unwrap();
    let r = s.enterprise(&other.nib).await.unwrap().unwrap();
    assert_eq!((r.quality_level, r.permits[0].permit.clone()), (QualityLevel::L1, halal.clone()));

    // A permit id belongs to its enterprise.
    assert!(matches!(s.remove_permit(&p.nib, h, &c).await, Err(StoreError::NotFound)));
    assert!(matches!(s.remove_permit(&p.nib, 999_999, &c).await, Err(StoreError::NotFound)));
    s.remove_permit(&p.nib, valid, &c).await.unwrap();
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert_eq!(r.quality_level, QualityLevel::L0);
    assert_eq!(r.permits.iter().map(|x| x.id).collect::<Vec<_>>(), [expired]);
    assert!(matches!(s.add_permit(&nib(399), &halal, &c).await, Err(StoreError::NotFound)));
}

/// Deleting takes figures, permits and the search entry with it.
pub async fn story_delete_removes_everything(s: &dyn Store) {
    let p = profile(401, "Tenun Sarung Samarinda", "64.72", &["13134"], &["sarung tenun"]);
    register(s, &p).await;
    let c = ctx("admin");
    s.record_figures(&p.nib, &figures(2024, 3, 10_000_000), &c).await.unwrap();
    s.finalise_figures(&p.nib, 2024, &c).await.unwrap();
    s.correct_figures(&p.nib, &figures(2024, 4, 10_000_000), "koreksi", &c).await.unwrap();
    s.add_permit(&p.nib, &pirt(date!(2024 - 01 - 10), date!(2029 - 01 - 10)), &c).await.unwrap();
    s.delete_enterprise(&p.nib, &c).await.unwrap();
    assert!(s.enterprise(&p.nib).await.unwrap().is_none());
    assert_eq!(total(s, &national()).await, 0);
    assert_eq!(total(s, &q_with(|q| q.text = Some("sarung".into()))).await, 0);
    assert_eq!(total(s, &q_with(|q| q.text = Some("sa".into()))).await, 0);
    assert!(s.figure_revisions(&p.nib).await.unwrap().is_empty());
    assert_eq!(s.facet_counts(&national()).await.unwrap().year, vec![]);
    assert!(s.counts_by_province().await.unwrap().is_empty());
    assert!(matches!(s.delete_enterprise(&p.nib, &c).await, Err(StoreError::NotFound)));
    // The NIB is free again and starts from scratch.
    register(s, &p).await;
    let r = s.enterprise(&p.nib).await.unwrap().unwrap();
    assert!(r.figures.is_empty() && r.permits.is_empty() && r.version == 1);
    let history = s.audit_for_entity("enterprise", p.nib.as_str(), 100).await.unwrap();
    assert_eq!(history[0].action, "create");
    assert!(history.iter().any(|e| e.action == "delete"));
}

fn import_row(row: u64, p: &EnterpriseProfile, f: YearlyFigures) -> ImportRow {
    ImportRow { row, profile: p.clone(), figures: f }
}

/// Re-running the same import changes nothing; a changed row is Updated.
pub async fn story_import_is_idempotent(s: &dyn Store) {
    let c = ctx("import");
    let a = profile(501, "Tahu Sumedang Pak Budi", "64.72", &["10392"], &["tahu"]);
    let b = profile(502, "Gula Aren Kutai", "64.02", &["10721"], &["gula aren"]);
    let known = profile(503, "Sudah Terdaftar", "64.71", &["10391"], &["tempe"]);
    register(s, &known).await;
    let rows = vec![
        import_row(2, &a, figures(2023, 5, 100_000_000)),
        import_row(3, &a, figures(2024, 25, 2_000_000_000)),
        import_row(4, &b, figures(2024, 3, 50_000_000)),
        import_row(5, &known, figures(2024, 8, 300_000_000)),
    ];
    let first = s.import_batch(&rows, &c).await.unwrap();
    assert_eq!(first, vec![RowOutcome::Inserted; 4]);
    let r = s.enterprise(&a.nib).await.unwrap().unwrap();
    assert_eq!(r.profile, a);
    assert_eq!(r.figures.len(), 2);
    assert_eq!(r.latest_figures().unwrap().size_class, SizeClass::Menengah);
    assert_eq!(total(s, &national()).await, 3);
    assert_eq!(total(s, &q_with(|q| q.text = Some("sumedang".into()))).await, 1);
    assert_eq!(total(s, &q_with(|q| q.text = Some("aren".into()))).await, 1);
    assert_eq!(nibs(s, &q_with(|q| q.size_class = Some(SizeClass::Menengah))).await, ids(&[501]));
    assert_eq!(nibs(s, &q_with(|q| q.year = Some(2023))).await, ids(&[501]));

    let again = s.import_batch(&rows, &c).await.unwrap();
    assert_eq!(again, vec![RowOutcome::Unchanged; 4]);
    assert_eq!(s.enterprise(&a.nib).await.unwrap().unwrap(), r);

    // A changed figure or a changed profile is an update.
    let mut b2 = b.clone();
    b2.name = "Gula Aren Kutai Kartanegara".into();
    let changed = vec![
        import_row(2, &a, figures(2023, 5, 100_000_000)),
        import_row(3, &a, figures(2024, 26, 2_000_000_000)),
        import_row(4, &b2, figures(2024, 3, 50_000_000)),
        import_row(5, &known, figures(2025, 8, 300_000_000)),
    ];
    let outcomes = s.import_batch(&changed, &c).await.unwrap();
    assert_eq!(outcomes, [RowOutcome::Unchanged, RowOutcome::Updated, RowOutcome::Updated, RowOutcome::Inserted]);
    assert_eq!(s.enterprise(&b.nib).await.unwrap().unwrap().profile.name, "Gula Aren Kutai Kartanegara");
    assert_eq!(s.enterprise(&a.nib).await.unwrap().unwrap().figures[1].figures.workers, 26);
    assert_eq!(s.enterprise(&known.nib).await.unwrap().unwrap().figures.len(), 2);
    assert_eq!(s.import_batch(&changed, &c).await.unwrap(), vec![RowOutcome::Unchanged; 4]);
    assert!(s.import_batch(&[], &c).await.unwrap().is_empty());
}

/// Duplicates within a batch and changes to final years are rejected; the
/// good rows around them are kept.
pub async fn story_import_rejects_duplicates_and_final_years(s: &dyn Store) {
    let c = ctx("import");
    let x = profile(601, "Kopi Robusta Lampung", "18.01", &["10761"], &["kopi bubuk"]);
    let y = profile(602, "Keripik Tempe Malang", "35.07", &["10794"], &["keripik"]);
    let rows = vec![
        import_row(2, &x, figures(2024, 5, 100_000_000)),
        import_row(3, &x, figures(2024, 6, 100_000_000)),
        import_row(4, &y, figures(2024, 3, 10_000_000)),
    ];
    let out = s.import_batch(&rows, &c).await.unwrap();
    assert_eq!(out[0], RowOutcome::Inserted);
    match &out[1] {
        RowOutcome::Rejected(e) => assert_eq!((e.field.as_str(), e.code.as_str()), ("nib", "row.duplicate")),
        other => panic!("expected a duplicate rejection, got {other:?}"),
    }
    assert_eq!(out[2], RowOutcome::Inserted);
    let r = s.enterprise(&x.nib).await.unwrap().unwrap();
    assert_eq!(r.figures[0].figures.workers, 5, "the first of the duplicates is kept");

    s.finalise_figures(&x.nib, 2024, &c).await.unwrap();
    let rows = vec![
        import_row(2, &x, figures(2024, 9, 100_000_000)),
        import_row(3, &y, figures(2023, 2, 10_000_000)),
        import_row(4, &x, figures(2023, 4, 100_000_000)),
    ];
    let out = s.import_batch(&rows, &c).await.unwrap();
    match &out[0] {
        RowOutcome::Rejected(e) => assert_eq!((e.field.as_str(), e.code.as_str()), ("tahun_data", "figures.final")),
        other => panic!("expected a final-year rejection, got {other:?}"),
    }
    assert_eq!(&out[1..], [RowOutcome::Inserted, RowOutcome::Inserted]);
    let r = s.enterprise(&x.nib).await.unwrap().unwrap();
    assert_eq!(r.figures.iter().find(|f| f.figures.year == 2024).unwrap().figures.workers, 5);
    assert_eq!(r.figures.len(), 2);
    // Identical values for a final year are simply unchanged.
    let same = vec![import_row(2, &x, figures(2024, 5, 100_000_000))];
    assert_eq!(s.import_batch(&same, &c).await.unwrap(), [RowOutcome::Unchanged]);
}

/// Export pages walk the registry in NIB order with every year and permit.
pub async fn story_export_pages_and_province_counts(s: &dyn Store) {
    seed_four(s).await;
    let c = ctx("seed");
    s.add_permit(&nib(101), &pirt(date!(2024 - 01 - 10), date!(2029 - 01 - 10)), &c).await.unwrap();
    let first = s.export_page(&national(), None, 2).await.unwrap();
    let got: Vec<String> = first.iter().map(|r| r.profile.nib.to_string()).collect();
    assert_eq!(got, ids(&[101, 102]));
    assert_eq!(first[0].figures.len(), 2);
    assert_eq!(first[0].permits.len(), 1);
    assert_eq!(first[0].quality_level, QualityLevel::L1);
    assert_eq!(first[0], s.enterprise(&nib(101)).await.unwrap().unwrap());
    let rest = s.export_page(&national(), Some(&nib(102)), 10).await.unwrap();
    let got: Vec<String> = rest.iter().map(|r| r.profile.nib.to_string()).collect();
    assert_eq!(got, ids(&[103, 104]));
    assert!(s.export_page(&national(), Some(&nib(104)), 10).await.unwrap().is_empty());
    let filtered = s.export_page(&q_with(|q| q.division = Some("10".into())), None, 10).await.unwrap();
    assert_eq!(filtered.len(), 2);
    let by_text = s.export_page(&q_with(|q| q.text = Some("batik".into())), None, 10).await.unwrap();
    assert_eq!(by_text.len(), 1);
    assert_eq!(s.counts_by_province().await.unwrap(), pairs(&[("33", 1), ("64", 3)]));
}

/// Users, sessions with expiry, and API tokens.
pub async fn story_users_sessions_and_tokens(s: &dyn Store) {
    let c = ctx("admin");
    let admin = NewUser {
        username: "admin".into(),
        display_name: "Administrator".into(),
        password_hash: "$argon2id$v=19$secret-hash-1".into(),
        role: Role::Admin,
        region: None,
        enterprise: None,
    };
    let id = s.create_user(&admin, &c).await.unwrap();
    let officer = NewUser {
        username: "petugas.smd".into(),
        display_name: "Petugas Samarinda".into(),
        password_hash: "$argon2id$v=19$secret-hash-2".into(),
        role: Role::Officer,
        region: Some(region("64.72")),
        enterprise: None,
    };
    let oid = s.create_user(&officer, &c).await.unwrap();
    let owner = NewUser {
        username: "bu.sri".into(),
        display_name: "Sri Wahyuni".into(),
        password_hash: "$argon2id$v=19$secret-hash-3".into(),
        role: Role::Owner,
        region: None,
        enterprise: Some(nib(101)),
    };
    let wid = s.create_user(&owner, &c).await.unwrap();
    assert!(id != oid && oid != wid);
    match s.create_user(&admin, &c).await {
        Err(StoreError::Conflict(e)) => {
            assert_eq!((e.field.as_str(), e.code.as_str()), ("username", "username.duplicate"))
        }
        other => panic!("expected a duplicate username, got {other:?}"),
    }
    let u = s.user_by_username("petugas.smd").await.unwrap().unwrap();
    assert_eq!(u.id, oid);
    assert_eq!((u.role, u.region.clone(), u.enterprise.clone()), (Role::Officer, Some(region("64.72")), None));
    assert_eq!(u.password_hash, officer.password_hash);
    assert!(!u.disabled);
    assert_eq!(u.created_at, "2026-03-02T09:30:00Z");
    assert_eq!(s.user_by_id(wid).await.unwrap().unwrap().enterprise, Some(nib(101)));
    assert!(s.user_by_username("nobody").await.unwrap().is_none());
    assert!(s.user_by_id(987_654).await.unwrap().is_none());
    let names: BTreeSet<String> = s.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["admin", "bu.sri", "petugas.smd"].into_iter().map(String::from).collect());

    s.set_password(oid, "$argon2id$v=19$new-hash", &c).await.unwrap();
    assert_eq!(s.user_by_id(oid).await.unwrap().unwrap().password_hash, "$argon2id$v=19$new-hash");
    assert!(matches!(s.set_password(987_654, "x", &c).await, Err(StoreError::NotFound)));
    // The audit log names the user but never holds a password hash.
    let history = s.audit_for_entity("user", &oid.to_string(), 10).await.unwrap();
    assert_eq!(history.len(), 2);
    for e in &history {
        let text = format!("{:?}{:?}", e.before, e.after);
        assert!(!text.contains("secret-hash") && !text.contains("new-hash"), "{text}");
    }

    let now = datetime!(2026-03-02 10:00:00 UTC);
    let session = SessionRecord {
        id_hash: "a".repeat(64),
        user_id: oid,
        csrf_token: "csrf-token-1".into(),
        created_at: now,
        expires_at: now + Duration::hours(8),
    };
    s.create_session(&session).await.unwrap();
    let short = SessionRecord { id_hash: "b".repeat(64), expires_at: now + Duration::minutes(30), ..session.clone() };
    s.create_session(&short).await.unwrap();
    assert_eq!(s.session(&session.id_hash, now).await.unwrap(), Some(session.clone()));
    assert!(s.session(&short.id_hash, now + Duration::hours(1)).await.unwrap().is_none());
    assert!(s.session(&session.id_hash, now + Duration::hours(9)).await.unwrap().is_none());
    assert!(s.session("c", now).await.unwrap().is_none());
    assert_eq!(s.delete_expired_sessions(now + Duration::hours(1)).await.unwrap(), 1);
    assert_eq!(s.session(&session.id_hash, now + Duration::hours(1)).await.unwrap(), Some(session.clone()));
    s.delete_session(&session.id_hash).await.unwrap();
    assert!(s.session(&session.id_hash, now).await.unwrap().is_none());
    // Microsecond precision survives a round trip (PostgreSQL keeps no more).
    let precise = SessionRecord {
        id_hash: "d".repeat(64),
        created_at: now + Duration::microseconds(123_456),
        expires_at: now + Duration::hours(1) + Duration::microseconds(5),
        ..session.clone()
    };
    s.create_session(&precise).await.unwrap();
    assert_eq!(s.session(&precise.id_hash, now).await.unwrap(), Some(precise.clone()));
    let just_after = now + Duration::hours(1) + Duration::microseconds(6);
    assert!(s.session(&precise.id_hash, just_after).await.unwrap().is_none());

    let token = NewApiToken { user_id: wid, name: "laptop".into(), token_hash: "f".repeat(64) };
    let tid = s.create_api_token(&token, &c).await.unwrap();
    assert!(tid > 0);
    assert_eq!(s.user_by_token(&token.token_hash).await.unwrap().unwrap().username, "bu.sri");
    assert!(s.user_by_token(&"e".repeat(64)).await.unwrap().is_none());
}

/// Many writes of every kind leave a verifiable chain, readable by entity.
pub async fn story_audit_chain_verifies(s: &dyn Store) {
    seed_four(s).await;
    let c = ctx("petugas.smd");
    let mut p = profile(101, "Tempe Bu Sri Jaya", "64.72", &["10391"], &["tempe"]);
    p.district = Some(region("64.72.01"));
    s.update_profile(&p, Some(1), &c).await.unwrap();
    s.finalise_figures(&nib(101), 2023, &c).await.unwrap();
    s.correct_figures(&nib(101), &figures(2023, 6, 100_000_000), "koreksi", &c).await.unwrap();
    let permit = s.add_permit(&nib(101), &pirt(date!(2024 - 01 - 10), date!(2029 - 01 - 10)), &c).await.unwrap();
    s.remove_permit(&nib(101), permit, &c).await.unwrap();
    s.delete_enterprise(&nib(104), &c).await.unwrap();
    s.import_batch(&[import_row(2, &profile(105, "Baru", "64.72", &["10391"], &[]), figures(2024, 1, 1))], &c)
        .await
        .unwrap();
    let login = AuditRecord {
        at: "2026-03-02T09:31:00Z".into(),
        actor: "petugas.smd".into(),
        action: "login".into(),
        entity_type: "user".into(),
        entity_id: "7".into(),
        before: None,
        after: None,
    };
    let appended = s.append_audit(login.clone()).await.unwrap();
    assert_eq!((appended.action.as_str(), appended.at.as_str()), ("login", "2026-03-02T09:31:00Z"));

    // Walk the whole log in small pages.
    let (mut prev, mut next) = (GENESIS.to_string(), 1i64);
    let mut after = 0;
    let mut all = Vec::new();
    loop {
        let page = s.audit_page(after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        let (h, n) = verify_page(&prev, next, &page).unwrap_or_else(|e| panic!("{e}"));
        (prev, next) = (h, n);
        after = page.last().unwrap().seq;
        all.extend(page);
    }
    // 4 registers + 4 figures + 7 writes above + the login, at least.
    assert!(all.len() >= 16, "{} entries", all.len());
    assert_eq!(all.last().unwrap(), &appended);
    assert_eq!(appended.seq, all.len() as i64);
    assert!(all.iter().all(|e| !e.hash.is_empty() && !e.actor.is_empty() && !e.at.is_empty()));

    // The history of one enterprise, newest first.
    let h = s.audit_for_entity("enterprise", nib(101).as_str(), 100).await.unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["remove_permit", "add_permit", "correct", "finalise", "update", "record_figures", "record_figures", "create"]
    );
    let update = &h[4];
    assert!(update.before.as_deref().unwrap().contains("Tempe Bu Sri"));
    assert!(update.after.as_deref().unwrap().contains("Tempe Bu Sri Jaya"));
    assert!(h[7].before.is_none() && h[7].after.is_some());
    assert_eq!(s.audit_for_entity("enterprise", nib(101).as_str(), 2).await.unwrap().len(), 2);
    let gone = s.audit_for_entity("enterprise", nib(104).as_str(), 10).await.unwrap();
    assert_eq!(gone[0].action, "delete");
    assert!(gone[0].after.is_none() && gone[0].before.is_some());
    assert!(s.audit_for_entity("enterprise", "0000000000000", 10).await.unwrap().is_empty());
    // Paging from the middle.
    let tail = s.audit_page(appended.seq - 2, 100).await.unwrap();
    assert_eq!(tail.len(), 2);
}
