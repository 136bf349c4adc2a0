//! Conformance stories of the linkage store (see `conformance`), and the
//! quality ladder's upper rungs, which certification and supply feed.

use crate::certification::{CertStatus, EventWrite, NewApplication, NewBody};
use crate::conformance::{ctx, nib, profile, region};
use crate::linkage::*;
use crate::{NewUser, Store, StoreError};
use naikkelas_core::certification::{BodyKind, CertificateNumber, Event, Scheme, State};
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::linkage::{BuyerProfile, Capacity, CapacityUnit, InterestStatus, RequestStatus, SourcingRequest};
use naikkelas_core::{Kbli, QualityLevel, Role, Rupiah, Scope, UsdCents};
use time::macros::date;

const WATER: &str = "SNI 3553:2015";
const ISO: &str = "SNI ISO 9001:2015";
const TODAY: time::Date = date!(2026 - 03 - 02);

async fn buyer(s: &dyn Store, name: &str) -> i64 {
    let u = NewUser {
        username: name.into(),
        display_name: name.into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Buyer,
        region: None,
        enterprise: None,
    };
    s.create_user(&u, &ctx("admin")).await.unwrap()
}

fn water_request() -> SourcingRequest {
    SourcingRequest {
        title: "Air minum kemasan untuk kantin pabrik".into(),
        kbli: Kbli::parse("11051").unwrap(),
        keywords: vec!["air minum".into()],
        standards: vec![WATER.into()],
        min_monthly: Capacity { amount: 40_000, unit: CapacityUnit::Liter },
        regions: vec![region("64.72")],
        deadline: date!(2026 - 06 - 30),
        status: RequestStatus::Open,
    }
}

fn figures(export_cents: i64, capacity: i64) -> YearlyFigures {
    YearlyFigures {
        year: 2025,
        workers: 12,
        investment: Rupiah::new_unchecked(400_000_000),
        production: Rupiah::new_unchecked(900_000_000),
        export: UsdCents::new_unchecked(export_cents),
        capacity: Some(capacity),
        capacity_unit: Some("liter".into()),
    }
}

/// Issues a certificate of `standard` to enterprise `n` (the store does not
/// judge transitions; the service does) and returns its id and version.
async fn certify(s: &dyn Store, body: i64, n: u64, standard: &str, scheme: Scheme) -> i64 {
    let cs = s.certification();
    let c = ctx("auditor");
    let app = NewApplication {
        nib: nib(n),
        body_id: body,
        standard_code: standard.into(),
        scheme,
        scope: "produk".into(),
        applied_on: date!(2026 - 01 - 05),
    };
    let id = cs.apply(&app, &c).await.unwrap();
    let mut st = CertStatus::applied();
    st.state = State::Certified;
    st.number = Some(CertificateNumber::issue(if scheme == Scheme::Iso { "ISO" } else { "SNI" }, 2026, id));
    st.decided_on = Some(date!(2026 - 03 - 01));
    st.issued_on = Some(date!(2026 - 03 - 01));
    st.expires_on = Some(date!(2030 - 03 - 01));
    st.surveillance_due_on = Some(date!(2027 - 03 - 01));
    let w = EventWrite {
        event: Event::Grant,
        expected_version: 1,
        after: st,
        note: None,
        new_finding: None,
        close_finding: None,
    };
    cs.record_event(id, &w, &c).await.unwrap();
    id
}

async fn body(s: &dyn Store) -> i64 {
    let b = NewBody {
        code: "LSPRO-X".into(),
        name: "LSPro X".into(),
        kind: BodyKind::Lspro,
        kan_number: "LSPr-009-IDN".into(),
        scope: vec![WATER.into(), ISO.into()],
    };
    s.certification().create_body(&b, &ctx("admin")).await.unwrap()
}

async fn level(s: &dyn Store, n: u64) -> QualityLevel {
    s.enterprise(&nib(n)).await.unwrap().unwrap().quality_level
}

fn candidates_for(standards: &[&str], kbli: Option<&str>, scope: Scope) -> CandidateQuery {
    CandidateQuery {
        standards: standards.iter().map(|s| s.to_string()).collect(),
        kbli: kbli.map(|k| Kbli::parse(k).unwrap()),
        today: TODAY,
        scope,
    }
}

/// Profiles, requests and interests: each write audited, a second interest
/// in the same supplier refused, an answer given once, supply once.
pub async fn story_linkage_requests_interests_and_audit(s: &dyn Store) {
    let ls = s.linkage();
    let c = ctx("pembeli");
    let uid = buyer(s, "pembeli").await;
    assert_eq!(ls.buyer_profile(uid).await.unwrap(), None);
    let p = BuyerProfile {
        company_name: "PT Pangan Besar".into(),
        industry: "makanan dan minuman".into(),
        province: region("31"),
        contact_name: "Rina".into(),
        contact_phone: Some("021 5550 1234".into()),
        contact_email: None,
    };
    ls.save_buyer_profile(uid, &p, &c).await.unwrap();
    let p2 = BuyerProfile { industry: "minuman".into(), ..p.clone() };
    ls.save_buyer_profile(uid, &p2, &c).await.unwrap();
    assert_eq!(ls.buyer_profile(uid).await.unwrap().unwrap().profile, p2);
    let history = s.audit_for_entity("buyer_profile", &uid.to_string(), 10).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["update", "create"]);

    let id = ls.create_request(uid, &water_request(), &c).await.unwrap();
    let r = ls.request(id).await.unwrap().unwrap();
    assert_eq!(
        (r.request.clone(), r.version, r.buyer_company.as_deref()),
        (water_request(), 1, Some("PT Pangan Besar"))
    );
    let closed = SourcingRequest { status: RequestStatus::Closed, ..water_request() };
    ls.update_request(id, &closed, Some(1), &c).await.unwrap();
    assert!(matches!(ls.update_request(id, &closed, Some(1), &c).await, Err(StoreError::StaleVersion)));
    assert!(matches!(ls.update_request(9_999, &closed, None, &c).await, Err(StoreError::NotFound)));
    let other = buyer(s, "pembeli2").await;
    ls.create_request(other, &water_request(), &ctx("pembeli2")).await.unwrap();
    let mine = ls.list_requests(&RequestQuery { buyer_user_id: Some(uid), status: None, limit: 50 }).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
    let open = RequestQuery { status: Some(RequestStatus::Open), limit: 50, ..Default::default() };
    assert_eq!(ls.list_requests(&open).await.unwrap().len(), 1, "the closed request is not open");
    let actions: Vec<String> = s
        .audit_for_entity("sourcing_request", &id.to_string(), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["update", "create"]);

    s.register_enterprise(&profile(501, "Air Segar", "64.72", &["11051"], &["air minum kemasan"]), &ctx("admin"))
        .await
        .unwrap();
    let n = NewInterest { request_id: id, nib: nib(501), message: "Mohon penawaran".into() };
    let iid = ls.create_interest(&n, &c).await.unwrap();
    match ls.create_interest(&n, &c).await {
        Err(StoreError::Conflict(e)) => assert_eq!(e.code, "interest.duplicate"),
        other => panic!("expected a duplicate interest, got {other:?}"),
    }
    let bad = NewInterest { nib: nib(999), ..n.clone() };
    assert!(matches!(ls.create_interest(&bad, &c).await, Err(StoreError::NotFound)));
    let i = ls.interest(iid).await.unwrap().unwrap();
    assert_eq!(
        (i.status, i.business_name.as_str(), i.contact.owner_name.as_str()),
        (InterestStatus::Pending, "Air Segar", "Pemilik 501")
    );
    ls.decide_interest(iid, InterestStatus::Accepted, &ctx("pemilik")).await.unwrap();
    assert!(matches!(
        ls.decide_interest(iid, InterestStatus::Declined, &ctx("pemilik")).await,
        Err(StoreError::StaleVersion)
    ));
    assert!(matches!(ls.decide_interest(9_999, InterestStatus::Declined, &c).await, Err(StoreError::NotFound)));
    let supply = NewSupply { interest_id: iid, started_on: date!(2026 - 04 - 01), note: "40.000 liter/bulan".into() };
    let sid = ls.record_supply(&supply, &c).await.unwrap();
    assert!(matches!(ls.record_supply(&supply, &c).await, Err(StoreError::Conflict(_))));
    let i = ls.interest(iid).await.unwrap().unwrap();
    assert_eq!((i.status, i.supply.as_ref().map(|x| x.id)), (InterestStatus::Accepted, Some(sid)));
    let by_supplier =
        InterestQuery { request_id: None, nib: Some(nib(501)), buyer_user_id: None, scope: Scope::National, limit: 10 };
    assert_eq!(ls.interests(&by_supplier).await.unwrap().len(), 1);
    let elsewhere = InterestQuery { scope: Scope::Region(region("64.71")), ..by_supplier };
    assert!(ls.interests(&elsewhere).await.unwrap().is_empty(), "scope applies to the supplier");
    let actions: Vec<String> = s
        .audit_for_entity("sourcing_interest", &iid.to_string(), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["accepted", "create"]);
    assert_eq!(s.audit_for_entity("supply", &sid.to_string(), 10).await.unwrap().len(), 1);
}

/// Candidates come from live certificates: all required standards, the
/// KBLI class, the scope; a suspension drops the holder at once and the
/// ladder follows (L3 product, L4 system, L5 with exports or a supply).
pub async fn story_candidates_follow_live_certificates_and_the_ladder(s: &dyn Store) {
    let ls = s.linkage();
    let admin = ctx("admin");
    s.register_enterprise(&profile(601, "Air Segar Samarinda", "64.72", &["11051"], &["air minum kemasan"]), &admin)
        .await
        .unwrap();
    s.register_enterprise(&profile(602, "Tirta Balikpapan", "64.71", &["11051"], &["air mineral"]), &admin)
        .await
        .unwrap();
    s.register_enterprise(&profile(603, "Keripik Bu Ani", "64.72", &["10794"], &["keripik"]), &admin).await.unwrap();
    s.register_enterprise(&profile(604, "Air Belum Sertifikat", "64.72", &["11051"], &["air"]), &admin).await.unwrap();
    s.record_figures(&nib(601), &figures(0, 600_000), &admin).await.unwrap();
    s.record_figures(&nib(602), &figures(0, 100_000), &admin).await.unwrap();
    let b = body(s).await;
    assert_eq!(level(s, 601).await, QualityLevel::L0);
    let water601 = certify(s, b, 601, WATER, Scheme::SniType5).await;
    assert_eq!(level(s, 601).await, QualityLevel::L3, "an issued product certificate is L3");
    certify(s, b, 602, WATER, Scheme::SniType5).await;
    certify(s, b, 602, ISO, Scheme::Iso).await;
    assert_eq!(level(s, 602).await, QualityLevel::L4, "an active system certificate is L4");
    certify(s, b, 603, WATER, Scheme::SniType5).await;

    let found = ls.candidates(&candidates_for(&[WATER], Some("11051"), Scope::National)).await.unwrap();
    let mut names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Air Segar Samarinda", "Tirta Balikpapan"], "KBLI filter and certificate filter");
    let smd = found.iter().find(|c| c.nib == nib(601)).unwrap();
    assert_eq!((smd.capacity, smd.capacity_unit.as_deref()), (Some(600_000), Some("liter")));
    assert_eq!(smd.certificates.len(), 1);
    assert_eq!(smd.certificates[0].standard_code, WATER);
    assert_eq!(smd.certificates[0].expires_on, date!(2030 - 03 - 01));
    let both = ls.candidates(&candidates_for(&[WATER, ISO], Some("11051"), Scope::National)).await.unwrap();
    assert_eq!(both.iter().map(|c| c.nib.clone()).collect::<Vec<_>>(), vec![nib(602)], "every standard required");
    let scoped = ls.candidates(&candidates_for(&[WATER], None, Scope::Region(region("64.71")))).await.unwrap();
    assert_eq!(scoped.iter().map(|c| c.nib.clone()).collect::<Vec<_>>(), vec![nib(602)]);
    let any = ls.candidates(&candidates_for(&[], None, Scope::National)).await.unwrap();
    assert_eq!(any.len(), 3, "without requirements: every holder of an active certificate");

    // Suspension: out of the candidates and down the ladder in the same write.
    let r = s.certification().certification(water601).await.unwrap().unwrap();
    let mut st = r.status.clone();
    st.state = State::Suspended;
    st.reason = Some("surveilans tidak dilaksanakan".into());
    let w = EventWrite {
        event: Event::Suspend,
        expected_version: r.version,
        after: st,
        note: None,
        new_finding: None,
        close_finding: None,
    };
    s.certification().record_event(water601, &w, &ctx("auditor")).await.unwrap();
    let found = ls.candidates(&candidates_for(&[WATER], Some("11051"), Scope::National)).await.unwrap();
    assert_eq!(found.iter().map(|c| c.nib.clone()).collect::<Vec<_>>(), vec![nib(602)]);
    assert_eq!(level(s, 601).await, QualityLevel::L0, "a suspended certificate no longer counts");

    // Exports in the latest year, or an accepted supply, with a certificate: L5.
    s.record_figures(&nib(603), &figures(1_000_000, 50_000), &admin).await.unwrap();
    assert_eq!(level(s, 603).await, QualityLevel::L5, "certified exporter");
    let uid = buyer(s, "pembeli").await;
    let rid = ls.create_request(uid, &water_request(), &ctx("pembeli")).await.unwrap();
    let iid = ls
        .create_interest(&NewInterest { request_id: rid, nib: nib(602), message: "Penawaran".into() }, &ctx("pembeli"))
        .await
        .unwrap();
    ls.decide_interest(iid, InterestStatus::Accepted, &ctx("pemilik")).await.unwrap();
    assert_eq!(level(s, 602).await, QualityLevel::L4);
    let supply = NewSupply { interest_id: iid, started_on: date!(2026 - 03 - 02), note: String::new() };
    ls.record_supply(&supply, &ctx("pembeli")).await.unwrap();
    assert_eq!(level(s, 602).await, QualityLevel::L5, "an accepted supply with a certificate is L5");
    // Without a live certificate, a supply alone does not lift an enterprise.
    s.register_enterprise(&profile(605, "Air Tanpa Sertifikat", "64.72", &["11051"], &["air"]), &admin).await.unwrap();
    let iid = ls
        .create_interest(&NewInterest { request_id: rid, nib: nib(605), message: "x".into() }, &ctx("pembeli"))
        .await
        .unwrap();
    ls.decide_interest(iid, InterestStatus::Accepted, &ctx("pemilik")).await.unwrap();
    ls.record_supply(&NewSupply { interest_id: iid, ..supply }, &ctx("pembeli")).await.unwrap();
    assert_eq!(level(s, 605).await, QualityLevel::L0);
}

/// The public directory: live certificates only, filters by words,
/// standard and region, ordered by name, and nothing personal in an entry.
pub async fn story_directory_lists_certified_ikm_only(s: &dyn Store) {
    let admin = ctx("admin");
    s.register_enterprise(&profile(701, "Air Segar", "64.72", &["11051"], &["air minum kemasan"]), &admin)
        .await
        .unwrap();
    s.register_enterprise(&profile(702, "Tirta Kaltim", "64.71", &["11051"], &["air mineral"]), &admin).await.unwrap();
    s.register_enterprise(&profile(703, "Tanpa Sertifikat", "64.72", &["11051"], &["air minum"]), &admin)
        .await
        .unwrap();
    let b = body(s).await;
    certify(s, b, 701, WATER, Scheme::SniType5).await;
    certify(s, b, 702, ISO, Scheme::Iso).await;
    let q = |q: Option<&str>, standard: Option<&str>, reg: Option<&str>| DirectoryQuery {
        q: q.map(String::from),
        standard: standard.map(String::from),
        region: reg.map(region),
        today: TODAY,
        limit: 50,
        offset: 0,
    };
    let ls = s.linkage();
    let all = ls.directory(&q(None, None, None)).await.unwrap();
    assert_eq!(all.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["Air Segar", "Tirta Kaltim"]);
    assert_eq!(all[0].products, vec!["air minum kemasan".to_string()]);
    assert_eq!(all[0].certificates.len(), 1);
    let text = serde_json::to_string(&all).unwrap();
    for personal in ["Pemilik 701", "Jl. Contoh", "812-5555", "0000000000701"] {
        assert!(!text.contains(personal), "{personal} is personal data");
    }
    let names = |v: Vec<DirectoryEntry>| v.into_iter().map(|e| e.name).collect::<Vec<_>>();
    assert_eq!(names(ls.directory(&q(Some("MINUM"), None, None)).await.unwrap()), ["Air Segar"]);
    assert_eq!(names(ls.directory(&q(None, Some(ISO), None)).await.unwrap()), ["Tirta Kaltim"]);
    assert_eq!(names(ls.directory(&q(None, None, Some("64.72"))).await.unwrap()), ["Air Segar"]);
    assert_eq!(names(ls.directory(&q(None, None, Some("64"))).await.unwrap()).len(), 2);
    let later = DirectoryQuery { today: date!(2030 - 03 - 01), ..q(None, None, None) };
    assert!(ls.directory(&later).await.unwrap().is_empty(), "expired certificates leave the directory");
}
