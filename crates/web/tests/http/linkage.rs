//! Linkage: a buyer posts a request and gets explained, verified matches;
//! bad requests are refused with a reason; another buyer's request is 404;
//! officials see only their region's matches; a suspended certificate drops
//! its holder at once; contact details only after acceptance; supply lifts
//! a certified supplier to L5; the directory is public and holds no personal data.

use crate::support::*;
use axum::http::{header, StatusCode};
use naikkelas_app::auth::UserDraft;
use naikkelas_core::certification::{BodyKind, CertificateNumber, Event, Scheme, State};
use naikkelas_core::{Actor, Nib, QualityLevel};
use naikkelas_store::certification::{CertStatus, EventWrite, NewApplication, NewBody};
use naikkelas_store::AuditContext;
use serde_json::json;

const FOOD_SAFETY: &str = "SNI ISO 22000:2018";
const BPN_TEMPE: &str = "6471000000009";

/// A Balikpapan tempe maker, capacities for both tempe makers, and a second buyer.
async fn setup(app: &mut TestApp) {
    let sys = Actor::system();
    let d = naikkelas_core::enterprise::EnterpriseDraft {
        nib: BPN_TEMPE.into(),
        name: "Tempe Balikpapan Sejahtera".into(),
        owner_name: "Ibu Rahasia".into(),
        address: "Jl. Tersembunyi 9".into(),
        regency_code: "64.71".into(),
        kbli: "10391".into(),
        products: "tempe".into(),
        phone: "0811-2222-3333".into(),
        email: "rahasia@contoh.id".into(),
        ..Default::default()
    };
    app.svc.register_enterprise(&sys, &d).await.unwrap();
    for (nib, capacity) in [(SMD_NIB, "480.000"), (BPN_TEMPE, "120.000")] {
        let f = naikkelas_core::figures::FiguresDraft {
            year: "2025".into(),
            workers: "12".into(),
            investment: "Rp 300.000.000".into(),
            production: "Rp 900.000.000".into(),
            export: "0".into(),
            capacity: capacity.into(),
            capacity_unit: "kg".into(),
        };
        app.svc.record_figures(&sys, nib, &f).await.unwrap();
    }
    let d = UserDraft {
        username: "pembeli2".into(),
        password: PASSWORD.into(),
        role: "buyer".into(),
        ..Default::default()
    };
    app.svc.add_user(&sys, &d).await.unwrap();
    app.tokens.insert("pembeli2", app.svc.create_token(&sys, "pembeli2", "test").await.unwrap());
}

/// Issues an active certificate through the store (the lifecycle itself is
/// tested in `certification`); returns its id.
async fn certify(app: &TestApp, nib: &str, standard: &str) -> i64 {
    let cs = app.svc.store().certification();
    let ctx = AuditContext::new("test", app.svc.now());
    let today = app.svc.now().date();
    let body = match cs.bodies().await.unwrap().first() {
        Some(b) => b.id,
        None => {
            let b = NewBody {
                code: "LSSM-X".into(),
                name: "LSSM X".into(),
                kind: BodyKind::Lssm,
                kan_number: "LSSM-001-IDN".into(),
                scope: vec![FOOD_SAFETY.into()],
            };
            cs.create_body(&b, &ctx).await.unwrap()
        }
    };
    let a = NewApplication {
        nib: Nib::parse(nib).unwrap(),
        body_id: body,
        standard_code: standard.into(),
        scheme: Scheme::Iso,
        scope: "tempe".into(),
        applied_on: today,
    };
    let id = cs.apply(&a, &ctx).await.unwrap();
    let mut st = CertStatus::applied();
    st.state = State::Certified;
    st.number = Some(CertificateNumber::issue("ISO", today.year(), id));
    st.decided_on = Some(today);
    st.issued_on = Some(today);
    st.expires_on = Some(today.replace_year(today.year() + 3).unwrap());
    st.surveillance_due_on = Some(today.replace_year(today.year() + 1).unwrap());
    let w = EventWrite {
        event: Event::Grant,
        expected_version: 1,
        after: st,
        note: None,
        new_finding: None,
        close_finding: None,
    };
    cs.record_event(id, &w, &ctx).await.unwrap();
    id
}

async fn suspend(app: &TestApp, id: i64) {
    let cs = app.svc.store().certification();
    let r = cs.certification(id).await.unwrap().unwrap();
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
    cs.record_event(id, &w, &AuditContext::new("auditor", app.svc.now())).await.unwrap();
}

fn deadline(app: &TestApp) -> String {
    (app.svc.now().date() + time::Duration::days(60)).to_string()
}

fn request_body(app: &TestApp) -> serde_json::Value {
    json!({
        "title": "Tempe untuk katering pabrik",
        "kbli": "10391",
        "keywords": ["tempe"],
        "standards": [FOOD_SAFETY],
        "min_capacity": 20000,
        "capacity_unit": "kg",
        "regions": ["64.72"],
        "deadline": deadline(app),
    })
}

async fn post_request(app: &TestApp) -> i64 {
    let r = app.api("POST", "/api/v1/sourcing/requests", Some("pembeli"), Some(request_body(app))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, x)| (*k, x.as_str())).collect()
}

fn nibs(matches: &serde_json::Value) -> Vec<String> {
    matches.as_array().unwrap().iter().map(|m| m["nib"].as_str().unwrap().to_string()).collect()
}

/// Logs in and reads the CSRF token from the sourcing page (buyers see no registry).
async fn login_linkage(app: &TestApp, user: &str) -> (String, String) {
    let page = app.get_page("/login", None).await;
    let pre = page.cookie("nk_csrf").expect("pre-session cookie");
    let pre_val = pre.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let res = app
        .post_form(
            "/login",
            Some(&format!("nk_csrf={pre_val}")),
            &[("_csrf", &pre_val), ("username", user), ("password", PASSWORD), ("next", "/sourcing")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login as {user}: {}", res.body);
    let cookie = res.cookie("nk_session").expect("session cookie").split(';').next().unwrap().to_string();
    let page = app.get_page("/sourcing", Some(&cookie)).await;
    (cookie, extract_csrf(&page.body).expect("csrf token on the page"))
}

pub async fn buyer_gets_explained_verified_matches_and_suspension_drops_at_once(mut app: TestApp) {
    setup(&mut app).await;
    let smd_cert = certify(&app, SMD_NIB, FOOD_SAFETY).await;
    certify(&app, BPN_TEMPE, FOOD_SAFETY).await;
    // Bad input: refused with a reason per field, nothing written.
    let mut bad = request_body(&app);
    bad["standards"] = json!(["SNI 9999:2099"]);
    bad["min_capacity"] = json!(-5);
    bad["capacity_unit"] = json!("barrel");
    let r = app.api("POST", "/api/v1/sourcing/requests", Some("pembeli"), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["standar", "kapasitas_minimum", "satuan_kapasitas"] {
        assert!(r.body.contains(field), "{field} named: {}", r.body);
    }
    let r = app.api("POST", "/api/v1/sourcing/requests", Some("pemilik"), Some(request_body(&app))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "owners do not post requests");
    assert!(app
        .api("GET", "/api/v1/sourcing/requests", Some("pembeli"), None)
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());

    let id = post_request(&app).await;
    let d = app.api("GET", &format!("/api/v1/sourcing/requests/{id}"), Some("pembeli"), None).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let d = d.json();
    assert_eq!(nibs(&d["matches"]), [SMD_NIB, BPN_TEMPE], "preferred regency and full capacity rank first");
    let best = &d["matches"][0];
    let why =
        best["explanation"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect::<Vec<_>>().join("; ");
    assert!(why.contains("SNI ISO 22000:2018 aktif sampai"), "{why}");
    assert!(why.contains("kapasitas 40.000 kg/bulan"), "{why}");
    assert!(why.contains("Kota Samarinda, Kalimantan Timur"), "{why}");
    assert_eq!(best["quality_level"], "L4");
    assert_eq!(d["matches"][1]["monthly_capacity"], 10_000);
    // No personal data in matches before any contact.
    assert!(!d.to_string().contains("Ibu Rahasia") && !d.to_string().contains("0811-2222"), "{d}");

    // Another buyer, an owner, the public: as if it did not exist.
    for path in [format!("/api/v1/sourcing/requests/{id}"), format!("/api/v1/sourcing/requests/{id}/matches")] {
        assert_eq!(app.api("GET", &path, Some("pembeli2"), None).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.api("GET", &path, Some("pemilik"), None).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.api("GET", &path, None, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let r =
        app.api("PUT", &format!("/api/v1/sourcing/requests/{id}"), Some("pembeli2"), Some(request_body(&app))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/sourcing/requests/{id}/interests"),
            Some("pembeli2"),
            Some(json!({"nib": SMD_NIB, "message": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Officials: only the matches in their scope.
    let bpn =
        app.api("GET", &format!("/api/v1/sourcing/requests/{id}/matches"), Some("petugas.balikpapan"), None).await;
    assert_eq!(nibs(&bpn.json()), [BPN_TEMPE]);
    let listed = app.api("GET", "/api/v1/sourcing/requests", Some("petugas.samarinda"), None).await.json();
    assert_eq!(listed[0]["id"], id);

    // Suspension: out of the matches at once, and down the ladder.
    suspend(&app, smd_cert).await;
    let m = app.api("GET", &format!("/api/v1/sourcing/requests/{id}/matches"), Some("pembeli"), None).await;
    assert_eq!(nibs(&m.json()), [BPN_TEMPE]);
    let rec = app.svc.store().enterprise(&Nib::parse(SMD_NIB).unwrap()).await.unwrap().unwrap();
    assert!(rec.quality_level < QualityLevel::L3, "{:?}", rec.quality_level);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/sourcing/requests/{id}/interests"),
            Some("pembeli"),
            Some(json!({"nib": SMD_NIB, "message": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a supplier no longer matching cannot be contacted");

    // Closing is an audited update; the history names the buyer.
    let mut closed = request_body(&app);
    closed["status"] = json!("closed");
    closed["expected_version"] = json!(1);
    let r = app.api("PUT", &format!("/api/v1/sourcing/requests/{id}"), Some("pembeli"), Some(closed.clone())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api("PUT", &format!("/api/v1/sourcing/requests/{id}"), Some("pembeli"), Some(closed)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale version");
    let log = app.svc.store().audit_for_entity("sourcing_request", &id.to_string(), 10).await.unwrap();
    assert_eq!(
        log.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect::<Vec<_>>(),
        [("update", "pembeli"), ("create", "pembeli")]
    );
}

pub async fn contact_details_only_after_acceptance_and_supply_makes_l5(mut app: TestApp) {
    setup(&mut app).await;
    certify(&app, SMD_NIB, FOOD_SAFETY).await;
    let id = post_request(&app).await;
    let r = app
        .api(
            "POST",
            &format!("/api/v1/sourcing/requests/{id}/interests"),
            Some("pembeli"),
            Some(json!({"nib": BPN_NIB, "message": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "only matching suppliers can be contacted");
    let r = app
        .api(
            "POST",
            &format!("/api/v1/sourcing/requests/{id}/interests"),
            Some("pembeli"),
            Some(json!({"nib": SMD_NIB, "message": "Mohon penawaran 20 ton tempe per bulan"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let iid = r.json()["id"].as_i64().unwrap();
    let again = app
        .api(
            "POST",
            &format!("/api/v1/sourcing/requests/{id}/interests"),
            Some("pembeli"),
            Some(json!({"nib": SMD_NIB, "message": "lagi"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.body);

    let path = format!("/api/v1/sourcing/interests/{iid}");
    let before = app.api("GET", &path, Some("pembeli"), None).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.json()["contact"], serde_json::Value::Null);
    for secret in ["Pemilik Uji", "0812-5555", "uji@example.id", "Jl. Uji"] {
        assert!(!before.body.contains(secret), "{secret} before acceptance: {}", before.body);
    }
    let supply = json!({"started_on": app.svc.now().date().to_string(), "note": "20 ton/bulan"});
    let r = app.api("POST", &format!("{path}/supply"), Some("pembeli"), Some(supply.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no supply before acceptance");
    // The owner sees it with the buyer's name; nobody else answers.
    let mine = app.api("GET", "/api/v1/sourcing/interests", Some("pemilik"), None).await.json();
    assert_eq!(mine[0]["id"], iid);
    assert_eq!(mine[0]["message"], "Mohon penawaran 20 ton tempe per bulan");
    for who in ["pembeli", "pembeli2", "petugas.samarinda"] {
        let r = app.api("POST", &format!("{path}/answer"), Some(who), Some(json!({"accept": true}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
    }
    assert_eq!(app.api("GET", &path, Some("petugas.balikpapan"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &path, Some("pembeli2"), None).await.status, StatusCode::NOT_FOUND);
    let r = app.api("POST", &format!("{path}/answer"), Some("pemilik"), Some(json!({"accept": true}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.api("POST", &format!("{path}/answer"), Some("pemilik"), Some(json!({"accept": false}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "answered once");
    let after = app.api("GET", &path, Some("pembeli"), None).await.json();
    assert_eq!(after["contact"]["owner_name"], "Pemilik Uji");
    assert_eq!(after["contact"]["phone"], "0812-5555-1234");
    assert_eq!(after["contact"]["email"], "uji@example.id");
    // Supply: audited, and with the active certificate the supplier is L5.
    let r = app.api("POST", &format!("{path}/supply"), Some("pembeli"), Some(supply)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await.json();
    assert_eq!(e["quality_level"], "L5", "{e}");
    let stored = app.svc.store().enterprise(&Nib::parse(SMD_NIB).unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.quality_level, QualityLevel::L5);
    let log = app.svc.store().audit_for_entity("sourcing_interest", &iid.to_string(), 10).await.unwrap();
    assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["accepted", "create"]);
}

pub async fn the_journey_works_in_the_browser_with_forms_only(mut app: TestApp) {
    setup(&mut app).await;
    certify(&app, SMD_NIB, FOOD_SAFETY).await;
    let (buyer, csrf) = login_linkage(&app, "pembeli").await;
    let r = app
        .post_form(
            "/sourcing/profile",
            Some(&buyer),
            &[
                ("_csrf", &csrf),
                ("company_name", "PT Pangan Besar"),
                ("industry", "makanan"),
                ("province_code", "31"),
                ("contact_name", "Rina"),
                ("contact_phone", "021 5550 1234"),
                ("contact_email", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dl = deadline(&app);
    let form = |csrf: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("_csrf", csrf.to_string()),
            ("title", "Tempe katering".into()),
            ("kbli", "10391".into()),
            ("keywords", "tempe".into()),
            ("standards", FOOD_SAFETY.into()),
            ("min_capacity", "20.000".into()),
            ("capacity_unit", "kg".into()),
            ("regions", "64.72".into()),
            ("deadline", dl.clone()),
        ]
    };
    let no_csrf = form("salah");
    assert_eq!(app.post_form("/sourcing", Some(&buyer), &as_refs(&no_csrf)).await.status, StatusCode::FORBIDDEN);
    let mut bad = form("");
    bad[0].1 = csrf.clone();
    bad[5].1 = "SNI 0000:0000".into();
    let r = app.post_form("/sourcing", Some(&buyer), &as_refs(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("SNI 0000:0000") && r.body.contains("Tempe katering"), "keeps what was typed");
    let mut good = form("");
    good[0].1 = csrf.clone();
    let r = app.post_form("/sourcing", Some(&buyer), &as_refs(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = app.get_page(&loc, Some(&buyer)).await;
    assert!(page.body.contains("Tempe Bu Sri") && page.body.contains("aktif sampai"), "{}", page.body);
    let r = app
        .post_form(
            &format!("{loc}/interests"),
            Some(&buyer),
            &[("_csrf", &csrf), ("nib", SMD_NIB), ("message", "Mohon penawaran")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_page(&loc, Some(&buyer)).await;
    assert!(!page.body.contains("uji@example.id"), "no contact before acceptance");

    let (owner, owner_csrf) = login_linkage(&app, "pemilik").await;
    let inbox = app.get_page("/sourcing", Some(&owner)).await;
    assert!(inbox.body.contains("PT Pangan Besar") && inbox.body.contains("Tempe katering"), "{}", inbox.body);
    let iid = app
        .svc
        .interests_received(&naikkelas_core::Actor {
            user_id: 0,
            username: "pemilik".into(),
            role: naikkelas_core::Role::Owner,
            region: None,
            enterprise: Some(Nib::parse(SMD_NIB).unwrap()),
        })
        .await
        .unwrap()[0]
        .id;
    let r = app
        .post_form(
            &format!("/sourcing/interests/{iid}/answer"),
            Some(&owner),
            &[("_csrf", &owner_csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_page(&loc, Some(&buyer)).await;
    assert!(page.body.contains("uji@example.id") && page.body.contains("Pemilik Uji"), "contact after acceptance");
}

pub async fn the_directory_is_public_and_holds_no_personal_data(mut app: TestApp) {
    setup(&mut app).await;
    certify(&app, SMD_NIB, FOOD_SAFETY).await;
    certify(&app, BPN_TEMPE, FOOD_SAFETY).await;
    let page = app.get_page("/direktori", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tempe Bu Sri") && page.body.contains("Tempe Balikpapan Sejahtera"), "{}", page.body);
    assert!(page.body.contains("href=\"/v/NK-ISO-"), "certificates link to their verification page");
    assert!(!page.body.contains("Amplang Mahakam"), "uncertified IKM are not listed");
    let api = app.api("GET", "/api/v1/directory?region=64.71", None, None).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let items = api.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["name"], "Tempe Balikpapan Sejahtera");
    let all = app.api("GET", "/api/v1/directory?q=TEMPE&standard=SNI%20ISO%2022000%3A2018", None, None).await;
    assert_eq!(all.json()["items"].as_array().unwrap().len(), 2);
    for body in [&page.body, &all.body] {
        for secret in [
            "Pemilik Uji",
            "Ibu Rahasia",
            "0812-5555",
            "0811-2222",
            "uji@example.id",
            "rahasia@contoh.id",
            "Jl. Uji",
            "Jl. Tersembunyi",
            SMD_NIB,
        ] {
            assert!(!body.contains(secret), "{secret} is personal data");
        }
    }
    let bad = app.api("GET", "/api/v1/directory?region=99.99", None, None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}
