//! Facilitation programmes: set-up by the ministry, enrolment by the owner,
//! verification and maker–checker approval, disbursement, absorption, the
//! link to a certification, and bad input refused with the rule's code —
//! through the API and through the forms.

use crate::support::*;
use axum::http::StatusCode;
use naikkelas_app::certification::{ApplicationDraft, BodyDraft};
use naikkelas_core::Actor;
use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;

/// A day inside every programme of these tests (their periods run from
/// February or March to November or December 2025).
const IN_2025: OffsetDateTime = datetime!(2025-06-16 09:00 UTC);

fn codes(r: &Res) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["code"].as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default()
}

fn machine_programme() -> serde_json::Value {
    json!({
        "year": 2025, "kind": "restrukturisasi_mesin", "name": "Restrukturisasi Mesin 2025",
        "owner_unit": "Direktorat IKM Pangan", "budget": 500_000_000, "starts_on": "2025-02-01",
        "ends_on": "2025-11-30", "size_classes": "kecil", "kbli_prefixes": "10",
        "domestic_rate": 40, "imported_rate": 20, "benefit_min": "Rp 5.000.000", "benefit_max": 300_000_000
    })
}

async fn create_machines(app: &TestApp) -> i64 {
    let r = app.api("POST", "/api/v1/programs", Some("kemenperin"), Some(machine_programme())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    for (region, amount) in [("64.72", 200_000_000), ("64.71", 100_000_000)] {
        let r = app
            .api(
                "POST",
                &format!("/api/v1/programs/{id}/allocations"),
                Some("kemenperin"),
                Some(json!({"region": region, "amount": amount})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    id
}

pub async fn programme_from_set_up_to_disbursement_through_the_api(app: TestApp) {
    let app = app.at(IN_2025);
    // Only the ministry and administrators set programmes up.
    let r = app.api("POST", "/api/v1/programs", Some("petugas.samarinda"), Some(machine_programme())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut body = machine_programme();
    body["budget"] = json!(1000.5);
    body["benefit_max"] = json!(-3);
    let r = app.api("POST", "/api/v1/programs", Some("kemenperin"), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), ["number.rupiah_fraction", "number.negative"]);
    let id = create_machines(&app).await;
    let r = app.api("GET", "/api/v1/programs?year=2025", Some("pemilik"), None).await;
    assert_eq!(r.json()[0]["benefit"]["domestic_permille"], 400);

    // The owner applies: a Rp100 jt domestic machine, 40 % = Rp40 jt.
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/{id}/enrolments"),
            Some("pemilik"),
            Some(json!({"nib": SMD_NIB, "machine_price": 100_000_000, "machine_origin": "domestic"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    let eid = e["id"].as_i64().unwrap();
    assert_eq!((e["status"].as_str(), e["requested"].as_i64()), (Some("applied"), Some(40_000_000)));
    assert_eq!(e["allocation_region"], "64.72");
    // An ineligible enterprise is refused with every unmet rule named.
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/{id}/enrolments"),
            Some("petugas.samarinda"),
            Some(json!({"nib": SMD_NIB2, "machine_price": 100_000_000, "machine_origin": "imported"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), ["eligibility.size_class"]);
    let r = app
        .api("GET", &format!("/api/v1/programs/{id}/eligibility?nib={SMD_NIB}"), Some("petugas.samarinda"), None)
        .await;
    assert_eq!(codes_of_unmet(&r), ["eligibility.already_enrolled"]);
    // Another region's officer neither sees nor decides it.
    let r = app.api("GET", &format!("/api/v1/programs/enrolments/{eid}"), Some("petugas.balikpapan"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r =
        app.api("POST", &format!("/api/v1/programs/enrolments/{eid}/verify"), Some("petugas.balikpapan"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The owner cannot verify their own application.
    let r = app.api("POST", &format!("/api/v1/programs/enrolments/{eid}/verify"), Some("pemilik"), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r =
        app.api("POST", &format!("/api/v1/programs/enrolments/{eid}/verify"), Some("petugas.samarinda"), None).await;
    assert_eq!((r.status, r.json()["status"].as_str()), (StatusCode::OK, Some("verified")), "{}", r.body);
    // Maker–checker: the verifier may not approve.
    let r = app
        .api("POST", &format!("/api/v1/programs/enrolments/{eid}/approve"), Some("petugas.samarinda"), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), ["enrolment.maker_checker"]);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/enrolments/{eid}/approve"),
            Some("kemenperin"),
            Some(json!({"amount": 40_000_001})),
        )
        .await;
    assert_eq!(codes(&r), ["ledger.above_benefit"]);
    let r = app
        .api("POST", &format!("/api/v1/programs/enrolments/{eid}/approve"), Some("kemenperin"), Some(json!({})))
        .await;
    assert_eq!((r.status, r.json()["approved"].as_i64()), (StatusCode::OK, Some(40_000_000)), "{}", r.body);

    // Disbursements: whole rupiah, positive, never beyond the approval.
    let pay = |amount: serde_json::Value| json!({"amount": amount, "note": "SP2D"});
    let path = format!("/api/v1/programs/enrolments/{eid}/disbursements");
    let r = app.api("POST", &path, Some("kemenperin"), Some(pay(json!(1000.5)))).await;
    assert_eq!(codes(&r), ["number.rupiah_fraction"]);
    let r = app.api("POST", &path, Some("kemenperin"), Some(pay(json!("-5")))).await;
    assert_eq!(codes(&r), ["number.negative"]);
    let r = app.api("POST", &path, Some("kemenperin"), Some(pay(json!(0)))).await;
    assert_eq!(codes(&r), ["ledger.amount_positive"]);
    let r = app.api("POST", &path, Some("kemenperin"), Some(pay(json!(50_000_000)))).await;
    assert_eq!(codes(&r), ["ledger.above_approved"]);
    let r = app.api("POST", &path, Some("kemenperin"), Some(pay(json!("Rp 25.000.000")))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let e = r.json();
    assert_eq!((e["disbursed"].as_i64(), e["entries"].as_array().unwrap().len()), (Some(25_000_000), 2));

    // Balikpapan: enrolled by its officer, rejected with a reason; no money for it.
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/{id}/enrolments"),
            Some("petugas.balikpapan"),
            Some(json!({"nib": BPN_NIB, "machine_price": 50_000_000, "machine_origin": "imported"})),
        )
        .await;
    let bid = r.json()["id"].as_i64().unwrap();
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/enrolments/{bid}/reject"),
            Some("kemenperin"),
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(codes(&r), ["enrolment.reason_required"]);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/enrolments/{bid}/reject"),
            Some("kemenperin"),
            Some(json!({"reason": "Mesin bekas"})),
        )
        .await;
    assert_eq!(r.json()["status"], "rejected");
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/enrolments/{bid}/disbursements"),
            Some("kemenperin"),
            Some(pay(json!(1))),
        )
        .await;
    assert_eq!(codes(&r), ["ledger.not_approved"]);

    // Hand-computed absorption: programme 25 / 500 jt = 50 ‰; Samarinda 25 / 200 jt = 125 ‰.
    let r = app.api("GET", "/api/v1/programs/absorption?year=2025", Some("kemenperin"), None).await;
    let rows = r.json();
    let row =
        |region: serde_json::Value| rows.as_array().unwrap().iter().find(|x| x["region"] == region).cloned().unwrap();
    let whole = row(serde_json::Value::Null);
    assert_eq!(
        (whole["budget"].as_i64(), whole["approved"].as_i64(), whole["disbursed"].as_i64()),
        (Some(500_000_000), Some(40_000_000), Some(25_000_000))
    );
    assert_eq!((whole["absorption_permille"].as_u64(), whole["beneficiaries"].as_i64()), (Some(50), Some(1)));
    let smd = row(json!("64.72"));
    assert_eq!((smd["absorption_permille"].as_u64(), smd["beneficiaries"].as_i64()), (Some(125), Some(1)));
    let r = app.api("GET", "/api/v1/programs/absorption", Some("petugas.balikpapan"), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1, "only Balikpapan's allocation: {}", r.body);
    let r = app.api("GET", "/api/v1/programs/absorption", Some("pemilik"), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api("GET", &format!("/api/v1/programs/{id}/beneficiaries"), Some("kemenperin"), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);

    // Every change is audited.
    let log = app.svc.store().audit_for_entity("program_enrolment", &eid.to_string(), 20).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["enrol", "verify", "approve", "disburse"]);
    assert_eq!(app.svc.store().audit_for_entity("program", &id.to_string(), 20).await.unwrap().len(), 3);
}

fn codes_of_unmet(r: &Res) -> Vec<String> {
    r.json()["unmet"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_string()).collect()
}

pub async fn a_certification_subsidy_is_linked_to_its_application(app: TestApp) {
    let app = app.at(IN_2025);
    let sys = Actor::system();
    let body = BodyDraft {
        code: "LSPRO-SMD".into(),
        name: "LSPro Baristand Samarinda".into(),
        kind: "lspro".into(),
        kan_number: "LSPr-001-IDN".into(),
        scope: "SNI 2983:2014, SNI 3747:2024".into(),
    };
    app.svc.add_certification_body(&sys, &body).await.unwrap();
    let apply = |nib: &str, standard: &str| ApplicationDraft {
        nib: nib.into(),
        body: "LSPRO-SMD".into(),
        standard: standard.into(),
        scope: "Produk".into(),
    };
    let coffee = app.svc.apply_for_certification(&sys, &apply(SMD_NIB, "SNI 2983:2014")).await.unwrap();
    let cocoa = app.svc.apply_for_certification(&sys, &apply(SMD_NIB, "SNI 3747:2024")).await.unwrap();
    let other = app.svc.apply_for_certification(&sys, &apply(BPN_NIB, "SNI 2983:2014")).await.unwrap();
    let r = app
        .api("POST", "/api/v1/programs", Some("kemenperin"), Some(json!({
            "year": 2025, "kind": "subsidi_sertifikasi_sni", "name": "Fasilitasi Sertifikasi SNI 2025",
            "owner_unit": "Direktorat IKM Pangan", "budget": 80_000_000, "starts_on": "2025-03-01", "ends_on": "2025-12-15",
            "benefit_amount": 8_000_000, "readiness_standard": "sni-2983-2014", "readiness_min": 0
        })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    // Without a completed assessment the readiness rule is unmet.
    let r = app
        .api("POST", &format!("/api/v1/programs/{id}/enrolments"), Some("pemilik"), Some(json!({"nib": SMD_NIB})))
        .await;
    assert_eq!(codes(&r), ["eligibility.readiness"]);
    let r = app.api("POST", "/api/v1/programs", Some("kemenperin"), Some(json!({
            "year": 2025, "kind": "subsidi_sertifikasi_sni", "name": "Fasilitasi SNI Kopi 2025",
            "owner_unit": "Direktorat IKM Pangan", "budget": 80_000_000, "starts_on": "2025-03-01", "ends_on": "2025-12-15",
            "benefit_amount": 8_000_000, "kbli_prefixes": "10"
        }))).await;
    let id = r.json()["id"].as_i64().unwrap();
    let r = app
        .api("POST", &format!("/api/v1/programs/{id}/enrolments"), Some("pemilik"), Some(json!({"nib": SMD_NIB})))
        .await;
    assert_eq!(r.json()["requested"], 8_000_000);
    let eid = r.json()["id"].as_i64().unwrap();
    let link = |c: i64| json!({"certification_id": c});
    let path = format!("/api/v1/programs/enrolments/{eid}/certification");
    let r = app.api("POST", &path, Some("pemilik"), Some(link(coffee))).await;
    assert_eq!(codes(&r), ["enrolment.link_needs_approval"]);
    app.api("POST", &format!("/api/v1/programs/enrolments/{eid}/verify"), Some("petugas.samarinda"), None).await;
    let r = app
        .api("POST", &format!("/api/v1/programs/enrolments/{eid}/approve"), Some("kemenperin"), Some(json!({})))
        .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);
    let r = app.api("POST", &path, Some("pemilik"), Some(link(other))).await;
    assert_eq!(codes(&r), ["enrolment.link_other_enterprise"]);
    let r = app.api("POST", &path, Some("pemilik"), Some(link(cocoa))).await;
    assert_eq!(r.status, StatusCode::OK, "no standard rule: any application of the enterprise: {}", r.body);
    let r = app.api("POST", &path, Some("pemilik"), Some(link(coffee))).await;
    assert_eq!(r.json()["certification_id"], coffee);
    // Both pages show the link.
    let (cookie, _) = app.login("pemilik").await;
    let page = app.get_page(&format!("/certifications/{coffee}"), Some(&cookie)).await;
    assert!(page.body.contains(&format!("/enrolments/{eid}")), "{}", page.body);
    let page = app.get_page(&format!("/enrolments/{eid}"), Some(&cookie)).await;
    assert!(page.body.contains(&format!("/certifications/{coffee}")));
}

pub async fn the_whole_flow_works_with_forms_only(app: TestApp) {
    let app = app.at(IN_2025);
    let (min, min_csrf) = app.login("kemenperin").await;
    // Without the session's CSRF token nothing is written.
    let r = app.post_form("/programs", Some(&min), &[("name", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let form = [
        ("_csrf", min_csrf.as_str()),
        ("year", "2025"),
        ("kind", "restrukturisasi_mesin"),
        ("name", "Restrukturisasi Mesin 2025"),
        ("owner_unit", "Ditjen IKMA"),
        ("budget", "1.000.000.000"),
        ("starts_on", "2025-02-01"),
        ("ends_on", "2025-11-30"),
        ("certificate", "any"),
        ("domestic_rate", "40"),
        ("imported_rate", "20"),
        ("benefit_min", "5.000.000"),
        ("benefit_max", "300.000.000,5"),
    ];
    let r = app.post_form("/programs", Some(&min), &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("number.rupiah_fraction") && r.body.contains("Ditjen IKMA"), "{}", r.body);
    let mut good = form.to_vec();
    good.pop();
    good.push(("benefit_max", "300.000.000"));
    let r = app.post_form("/programs", Some(&min), &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/programs/").parse().unwrap();
    let r = app
        .post_form(
            &format!("/programs/{id}/allocations"),
            Some(&min),
            &[("_csrf", &min_csrf), ("region", "64.72"), ("amount", "400.000.000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let (own, own_csrf) = app.login("pemilik").await;
    let page = app.get_page(&format!("/programs/{id}"), Some(&own)).await;
    assert!(page.body.contains(SMD_NIB), "the owner's NIB is filled in");
    let r = app
        .post_form(
            &format!("/programs/{id}/enrolments"),
            Some(&own),
            &[("_csrf", &own_csrf), ("nib", SMD_NIB), ("machine_price", "250.000.000"), ("machine_origin", "domestic")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let enrolment = r.headers["location"].to_str().unwrap().to_string();

    let (off, off_csrf) = app.login("petugas.samarinda").await;
    let r = app.post_form(&format!("{enrolment}/verify"), Some(&off), &[("_csrf", &off_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&format!("{enrolment}/approve"), Some(&off), &[("_csrf", &off_csrf), ("amount", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("enrolment.maker_checker"));
    let r = app.post_form(&format!("{enrolment}/approve"), Some(&min), &[("_csrf", &min_csrf), ("amount", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post_form(
            &format!("{enrolment}/disburse"),
            Some(&min),
            &[("_csrf", &min_csrf), ("amount", "60.000.000"), ("note", "SP2D 1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_page(&enrolment, Some(&own)).await;
    assert!(page.body.contains("Rp 100.000.000") && page.body.contains("Rp 60.000.000"), "{}", page.body);
    // 60 / 1.000 jt = 6 % of the programme, 60 / 400 jt = 15 % of Samarinda's allocation.
    let page = app.get_page(&format!("/programs/{id}"), Some(&min)).await;
    assert!(page.body.contains("6 %") && page.body.contains("15 %"), "{}", page.body);
    let csv = app.get_page(&format!("/programs/{id}/beneficiaries.csv"), Some(&min)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with("nib,nama_usaha") && csv.body.contains(&format!("{SMD_NIB},Tempe Bu Sri,64.72")),
        "{}",
        csv.body
    );
    let xlsx = app.get_page(&format!("/programs/{id}/beneficiaries.xlsx"), Some(&min)).await;
    assert_eq!((xlsx.status, xlsx.body.starts_with("PK")), (StatusCode::OK, true));
    // The enterprise page shows the facilitation received.
    let page = app.get_page(&format!("/enterprises/{SMD_NIB}"), Some(&own)).await;
    assert!(
        page.body.contains("id=\"facilitation\"") && page.body.contains("Restrukturisasi Mesin 2025"),
        "{}",
        page.body
    );
}

pub async fn enrolment_is_taken_only_within_the_programme_period(app: TestApp) {
    let app = app.at(datetime!(2025-01-31 23:00 UTC));
    let id = create_machines(&app).await;
    let apply = json!({"nib": SMD_NIB, "machine_price": 100_000_000, "machine_origin": "domestic"});
    let path = format!("/api/v1/programs/{id}/enrolments");
    // The day before the start: refused with the period, and the check says so too.
    let r = app.api("POST", &path, Some("pemilik"), Some(apply.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r), ["enrolment.period"]);
    assert!(r.json()["errors"][0]["message"].as_str().unwrap().contains("2025-02-01"), "{}", r.body);
    let check = format!("/api/v1/programs/{id}/eligibility?nib={SMD_NIB}");
    let r = app.api("GET", &check, Some("petugas.samarinda"), None).await;
    assert_eq!(codes_of_unmet(&r), ["enrolment.period"]);
    // The day after the end: an officer enrolling is refused the same way.
    let app = app.at(datetime!(2025-12-01 00:00 UTC));
    let r = app.api("POST", &path, Some("petugas.samarinda"), Some(apply.clone())).await;
    assert_eq!((r.status, codes(&r)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["enrolment.period".to_string()]));
    // The last day still counts.
    let app = app.at(datetime!(2025-11-30 16:59 UTC));
    let r = app.api("POST", &path, Some("pemilik"), Some(apply)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

pub async fn an_enterprise_with_a_programme_history_is_not_deleted(app: TestApp) {
    let app = app.at(IN_2025);
    let id = create_machines(&app).await;
    let apply = json!({"nib": SMD_NIB, "machine_price": 100_000_000, "machine_origin": "domestic"});
    let r = app.api("POST", &format!("/api/v1/programs/{id}/enrolments"), Some("pemilik"), Some(apply)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let eid = r.json()["id"].as_i64().unwrap();
    // Even a rejected application is history the ledger keeps.
    let r = app
        .api(
            "POST",
            &format!("/api/v1/programs/enrolments/{eid}/reject"),
            Some("kemenperin"),
            Some(json!({"reason": "mesin bekas"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.api("DELETE", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r), ["enterprise.has_programs"]);
    assert!(r.json()["detail"].as_str().unwrap().contains("riwayat fasilitasi program"), "{}", r.body);
    // The page says why, and the record is still there.
    let (admin, csrf) = app.login("admin").await;
    let r = app.post_form(&format!("/enterprises/{SMD_NIB}/delete"), Some(&admin), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("IKM ini memiliki riwayat fasilitasi program; data tidak dapat dihapus"), "{}", r.body);
    let r = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    // An enterprise without one is deleted as before.
    let r = app.api("DELETE", &format!("/api/v1/enterprises/{BPN_NIB}"), Some("admin"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}
