//! Conformance stories of the certification store (see `conformance`).

use crate::certification::*;
use crate::conformance::{ctx, nib, profile, region};
use crate::{NewUser, Store, StoreError};
use naikkelas_core::certification::{BodyKind, CertificateNumber, Event, FindingGrade, Scheme, State};
use naikkelas_core::{Role, Scope};
use time::macros::date;

fn lspro() -> NewBody {
    NewBody {
        code: "LSPRO-SMD".into(),
        name: "LSPro Baristand Samarinda".into(),
        kind: BodyKind::Lspro,
        kan_number: "LSPr-001-IDN".into(),
        scope: vec!["SNI 2983:2014".into()],
    }
}

async fn seed(s: &dyn Store) -> (i64, i64) {
    let c = ctx("admin");
    s.register_enterprise(&profile(101, "Kopi Bu Sri", "64.72", &["10761"], &["kopi instan"]), &c).await.unwrap();
    s.register_enterprise(&profile(102, "Kopi Balikpapan", "64.71", &["10761"], &["kopi"]), &c).await.unwrap();
    let body = s.certification().create_body(&lspro(), &c).await.unwrap();
    let app = NewApplication {
        nib: nib(101),
        body_id: body,
        standard_code: "SNI 2983:2014".into(),
        scheme: Scheme::SniType5,
        scope: "Kopi instan 3-in-1".into(),
        applied_on: date!(2026 - 03 - 02),
    };
    let id = s.certification().apply(&app, &c).await.unwrap();
    (body, id)
}

fn step(event: Event, version: i64, after: CertStatus) -> EventWrite {
    EventWrite { event, expected_version: version, after, note: None, new_finding: None, close_finding: None }
}

/// Standards, bodies, an application taken to a certificate: each step a
/// history row and an audit entry; findings open and close; stale writes refused.
pub async fn story_certification_lifecycle_writes_history_and_audit(s: &dyn Store) {
    let cs = s.certification();
    let std = cs.standards().await.unwrap();
    let coffee = std.iter().find(|x| x.code == "SNI 2983:2014").expect("shipped standard");
    assert_eq!((coffee.scheme, coffee.validity_months), (Scheme::SniType5, 48));
    assert!(std.iter().any(|x| x.scheme == Scheme::Iso && x.validity_months == 36));
    let (body, id) = seed(s).await;
    match cs.create_body(&lspro(), &ctx("admin")).await {
        Err(StoreError::Conflict(e)) => assert_eq!(e.code, "body.duplicate"),
        other => panic!("expected a duplicate body, got {other:?}"),
    }
    let bodies = cs.bodies().await.unwrap();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        (bodies[0].id, bodies[0].kind, bodies[0].scope.clone()),
        (body, BodyKind::Lspro, vec!["SNI 2983:2014".to_string()])
    );
    let bad = NewApplication {
        nib: nib(999),
        body_id: body,
        standard_code: "SNI 2983:2014".into(),
        scheme: Scheme::SniType5,
        scope: "x".into(),
        applied_on: date!(2026 - 03 - 02),
    };
    assert!(matches!(cs.apply(&bad, &ctx("admin")).await, Err(StoreError::NotFound)));

    let c = ctx("auditor");
    let r = cs.certification(id).await.unwrap().unwrap();
    assert_eq!((r.status.state, r.version, r.business_name.as_str()), (State::Applied, 1, "Kopi Bu Sri"));
    let mut st = r.status.clone();
    st.state = State::DocumentReview;
    cs.record_event(id, &step(Event::StartReview, 1, st.clone()), &c).await.unwrap();
    assert!(matches!(
        cs.record_event(id, &step(Event::StartStage1, 1, st.clone()), &c).await,
        Err(StoreError::StaleVersion)
    ));
    let finding = NewFinding {
        grade: FindingGrade::Major,
        clause: "7.1.5".into(),
        description: "Timbangan tidak dikalibrasi".into(),
    };
    let w = EventWrite { new_finding: Some(finding), ..step(Event::RecordFinding, 2, st.clone()) };
    let fid = cs.record_event(id, &w, &c).await.unwrap().expect("finding id");
    let r = cs.certification(id).await.unwrap().unwrap();
    assert_eq!(r.open_major(), vec![format!("#{fid} 7.1.5")]);
    let close = FindingClosure {
        finding_id: fid,
        corrective_action: "Kalibrasi".into(),
        evidence: "Sertifikat kalibrasi 12/2026".into(),
    };
    let w = EventWrite { close_finding: Some(close.clone()), ..step(Event::CloseFinding, 3, st.clone()) };
    cs.record_event(id, &w, &c).await.unwrap();
    // Closing it twice finds nothing open.
    let w = EventWrite { close_finding: Some(close), ..step(Event::CloseFinding, 4, st.clone()) };
    assert!(matches!(cs.record_event(id, &w, &c).await, Err(StoreError::NotFound)));
    let r = cs.certification(id).await.unwrap().unwrap();
    assert!(r.open_major().is_empty());
    assert_eq!(r.findings[0].evidence.as_deref(), Some("Sertifikat kalibrasi 12/2026"));
    assert_eq!(r.findings[0].closed_by.as_deref(), Some("auditor"));

    st.state = State::Certified;
    st.number = Some(CertificateNumber::issue("SNI", 2026, id));
    st.decided_on = Some(date!(2026 - 04 - 01));
    st.issued_on = Some(date!(2026 - 04 - 01));
    st.expires_on = Some(date!(2030 - 04 - 01));
    st.surveillance_due_on = Some(date!(2027 - 04 - 01));
    st.testing_passed = Some(true);
    let grant = EventWrite { note: Some("memenuhi".into()), ..step(Event::Grant, 4, st.clone()) };
    cs.record_event(id, &grant, &c).await.unwrap();
    let r = cs.certification(id).await.unwrap().unwrap();
    assert_eq!(r.status, st);
    assert_eq!(r.version, 5);
    let names: Vec<&str> = r.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["apply", "start_review", "record_finding", "close_finding", "grant"]);
    assert_eq!(r.events[0].from_state, None);
    assert_eq!((r.events[4].from_state, r.events[4].to_state), (Some(State::DocumentReview), State::Certified));
    assert_eq!(r.events[4].note.as_deref(), Some("memenuhi"));
    let audit = s.audit_for_entity("certification", &id.to_string(), 20).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["grant", "close_finding", "record_finding", "start_review", "apply"]);

    let number = st.number.clone().unwrap();
    let p = cs.public_certificate(number.as_str()).await.unwrap().unwrap();
    assert_eq!(
        (p.business_name.as_str(), p.regency_code.as_str(), p.state),
        ("Kopi Bu Sri", "64.72", State::Certified)
    );
    assert_eq!((p.standard_title.as_str(), p.expires_on), ("Kopi instan", Some(date!(2030 - 04 - 01))));
    assert!(cs.public_certificate("NK-SNI-2026-999999").await.unwrap().is_none());
}

/// Certifiers belong to one body; lists follow scope, body and state.
pub async fn story_certifiers_and_scoped_lists(s: &dyn Store) {
    let (body, id) = seed(s).await;
    let c = ctx("admin");
    let u = NewUser {
        username: "auditor.smd".into(),
        display_name: "Auditor".into(),
        password_hash: "$argon2id$x".into(),
        role: Role::Certifier,
        region: None,
        enterprise: None,
    };
    let uid = s.create_user(&u, &c).await.unwrap();
    assert_eq!(s.certification().certifier_body(uid).await.unwrap(), None);
    s.certification().assign_certifier(uid, body, &c).await.unwrap();
    assert_eq!(s.certification().certifier_body(uid).await.unwrap(), Some(body));
    assert!(matches!(s.certification().assign_certifier(uid, 9_999, &c).await, Err(StoreError::NotFound)));
    let app = NewApplication {
        nib: nib(102),
        body_id: body,
        standard_code: "SNI ISO 9001:2015".into(),
        scheme: Scheme::Iso,
        scope: "Produksi kopi".into(),
        applied_on: date!(2026 - 03 - 05),
    };
    let other = s.certification().apply(&app, &c).await.unwrap();
    let list = |q: CertificationQuery| async move {
        s.certification().list_certifications(&q).await.unwrap().into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert_eq!(list(CertificationQuery::in_scope(Scope::National)).await, [other, id]);
    assert_eq!(list(CertificationQuery::in_scope(Scope::Region(region("64.72")))).await, [id]);
    assert_eq!(list(CertificationQuery::in_scope(Scope::Region(region("64")))).await, [other, id]);
    assert_eq!(list(CertificationQuery::in_scope(Scope::Enterprise(nib(102)))).await, [other]);
    assert!(list(CertificationQuery::in_scope(Scope::Nothing)).await.is_empty());
    let by_body = CertificationQuery { body_id: Some(body + 1), ..CertificationQuery::in_scope(Scope::National) };
    assert!(list(by_body).await.is_empty());
    let by_state = CertificationQuery { state: Some(State::Applied), ..CertificationQuery::in_scope(Scope::National) };
    assert_eq!(list(by_state).await.len(), 2);
    let live = CertificationQuery { live_only: true, ..CertificationQuery::in_scope(Scope::National) };
    assert!(list(live).await.is_empty());
    let ev = s.certification().events_in(&CertificationQuery::in_scope(Scope::Region(region("64.71")))).await.unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].certification_id, ev[0].event.as_str()), (other, "apply"));
}

/// The signing key is created once, even when two nodes race, and rotates
/// keeping the old public key.
pub async fn story_signing_key_once_and_rotation(s: &dyn Store) {
    let cs = s.certification();
    assert_eq!(cs.signing_key().await.unwrap(), None);
    let c = ctx("system");
    assert_eq!(cs.init_signing_key("aa", &c).await.unwrap(), "aa");
    assert_eq!(cs.init_signing_key("bb", &c).await.unwrap(), "aa", "the first key stays");
    assert_eq!(cs.signing_key().await.unwrap().as_deref(), Some("aa"));
    assert!(cs.retired_keys().await.unwrap().is_empty());
    cs.rotate_signing_key("cc", "public-aa", &c).await.unwrap();
    assert_eq!(cs.signing_key().await.unwrap().as_deref(), Some("cc"));
    assert_eq!(cs.retired_keys().await.unwrap(), ["public-aa"]);
    let log = s.audit_for_entity("signing_key", "certification", 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| !format!("{:?}{:?}", e.before, e.after).contains("cc")), "no secret in the log");
}
