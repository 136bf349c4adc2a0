//! The demo's programme history: written inside the programmes' period (so
//! the enrolment period rule lets it through) and leaving an enrolment
//! verified by the first Samarinda officer that only the second may approve.

use naikkelas_app::demo::{add_demo_programs, ensure_accounts};
use naikkelas_app::programs::MoneyForm;
use naikkelas_app::{AppError, Service};
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_core::programs::EnrolmentState;
use naikkelas_core::{Actor, Scope};
use naikkelas_store::programs::EnrolmentQuery;
use naikkelas_store::Store;
use naikkelas_store_sqlite::SqliteStore;
use std::sync::Arc;

async fn service_with_samarinda_makers() -> Service {
    let store = SqliteStore::open_temporary().await.unwrap();
    store.migrate().await.unwrap();
    let svc = Service::new(Arc::new(store)).await.unwrap();
    let sys = Actor::system();
    for (nib, name) in [
        ("6472000000011", "Amplang Bu Ani"),
        ("6472000000012", "Kerupuk Ikan Mahakam"),
        ("6472000000013", "Tempe Pak Budi"),
    ] {
        let d = EnterpriseDraft {
            nib: nib.into(),
            name: name.into(),
            owner_name: "Pemilik Uji".into(),
            address: "Jl. Uji 1".into(),
            regency_code: "64.72".into(),
            kbli: "10794".into(),
            products: "amplang".into(),
            ..Default::default()
        };
        svc.register_enterprise(&sys, &d).await.unwrap();
        let f = FiguresDraft {
            year: "2024".into(),
            workers: "6".into(),
            investment: "Rp 80.000.000".into(),
            production: "Rp 150.000.000".into(),
            export: "0".into(),
            ..Default::default()
        };
        svc.record_figures(&sys, nib, &f).await.unwrap();
    }
    svc
}

async fn actor(svc: &Service, username: &str) -> Actor {
    let u = svc.store().user_by_username(username).await.unwrap().expect("demo account");
    naikkelas_app::auth::actor_of(&u)
}

#[tokio::test]
async fn the_second_officer_approves_what_the_first_verified() {
    let svc = service_with_samarinda_makers().await;
    ensure_accounts(&svc).await.unwrap();
    assert_eq!(add_demo_programs(&svc).await.unwrap(), 3);
    let q = EnrolmentQuery { state: Some(EnrolmentState::Verified), ..EnrolmentQuery::in_scope(Scope::National) };
    let waiting = svc.store().programs().enrolments(&q).await.unwrap();
    assert_eq!(waiting.len(), 1);
    let (first, second) = (actor(&svc, "petugas.samarinda").await, actor(&svc, "petugas2.samarinda").await);
    let id = waiting[0].id;
    match svc.approve_enrolment(&first, id, &MoneyForm::default()).await {
        Err(AppError::Invalid(e)) => assert_eq!(e.0[0].code, "enrolment.maker_checker"),
        other => panic!("the verifier approved: {other:?}"),
    }
    svc.approve_enrolment(&second, id, &MoneyForm::default()).await.unwrap();
}
