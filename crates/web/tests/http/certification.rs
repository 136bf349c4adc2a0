//! Certification: application to certificate by the right roles, refusals,
//! the public check (no personal data, ETag, clean 400/404), suspension seen
//! at once, and signed QR payloads.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use naikkelas_app::auth::UserDraft;
use naikkelas_app::certification::BodyDraft;
use naikkelas_core::Actor;
use serde_json::json;

const COFFEE: &str = "SNI 2983:2014";

/// Two bodies and a certifier for each; the certifiers get API tokens.
async fn setup(app: &mut TestApp) {
    let sys = Actor::system();
    for (code, name, kind, scope) in [
        ("LSPRO-SMD", "LSPro Baristand Samarinda", "lspro", COFFEE),
        ("LSSM-JKT", "LSSM Jakarta", "lssm", "SNI ISO 9001:2015"),
    ] {
        let d = BodyDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            kan_number: "LSPr-001-IDN".into(),
            scope: scope.into(),
        };
        app.svc.add_certification_body(&sys, &d).await.unwrap();
    }
    for (user, body) in [("auditor.smd", "LSPRO-SMD"), ("auditor.jkt", "LSSM-JKT")] {
        let d = UserDraft {
            username: user.into(),
            password: PASSWORD.into(),
            role: "certifier".into(),
            ..Default::default()
        };
        app.svc.add_user(&sys, &d).await.unwrap();
        app.svc.assign_certifier(&sys, user, body).await.unwrap();
        let token = app.svc.create_token(&sys, user, "test").await.unwrap();
        app.tokens.insert(if user == "auditor.smd" { "auditor.smd" } else { "auditor.jkt" }, token);
    }
}

/// `TestApp::login` reads the CSRF token from the registry list, which a
/// certifier may not see; this reads it from the certification list.
async fn login_certifier(app: &TestApp, user: &str) -> (String, String) {
    let page = app.get_page("/login", None).await;
    let pre = page.cookie("nk_csrf").expect("pre-session cookie");
    let pre_val = pre.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let res = app
        .post_form(
            "/login",
            Some(&format!("nk_csrf={pre_val}")),
            &[("_csrf", &pre_val), ("username", user), ("password", PASSWORD), ("next", "/certifications")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "login as {user}: {}", res.body);
    let cookie = res.cookie("nk_session").expect("session cookie").split(';').next().unwrap().to_string();
    let list = app.get_page("/certifications", Some(&cookie)).await;
    (cookie, extract_csrf(&list.body).expect("csrf token on the page"))
}

async fn step(app: &TestApp, user: &str, id: i64, body: serde_json::Value) -> Res {
    app.api("POST", &format!("/api/v1/certifications/{id}/events"), Some(user), Some(body)).await
}

/// Applies as the owner and takes the application to a certificate by API; returns (id, number).
async fn issue(app: &TestApp) -> (i64, String) {
    let r = app
        .api(
            "POST",
            "/api/v1/certifications",
            Some("pemilik"),
            Some(json!({"nib": SMD_NIB, "body": "LSPRO-SMD", "standard": COFFEE, "scope": "Tempe kemasan"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    for e in ["start_review", "start_stage1", "complete_stage1"] {
        let r = step(app, "auditor.smd", id, json!({"event": e})).await;
        assert_eq!(r.status, StatusCode::OK, "{e}: {}", r.body);
    }
    assert_eq!(
        step(app, "auditor.smd", id, json!({"event": "record_test", "passed": true})).await.status,
        StatusCode::OK
    );
    assert_eq!(step(app, "auditor.smd", id, json!({"event": "complete_stage2"})).await.status, StatusCode::OK);
    let r = step(app, "auditor.smd", id, json!({"event": "grant"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!((j["state"].as_str(), j["status"].as_str()), (Some("certified"), Some("active")));
    (id, j["number"].as_str().unwrap().to_string())
}

pub async fn certificate_from_application_to_issue_in_the_browser(mut app: TestApp) {
    setup(&mut app).await;
    let (owner, owner_csrf) = app.login("pemilik").await;
    let page = app.get_page("/certifications", Some(&owner)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("LSPRO-SMD"), "{}", page.body);
    let r = app
        .post_form(
            "/certifications",
            Some(&owner),
            &[
                ("_csrf", &owner_csrf),
                ("nib", SMD_NIB),
                ("body", "LSPRO-SMD"),
                ("standard", COFFEE),
                ("scope", "Tempe kemasan 250 g"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let id: i64 = loc.rsplit('/').next().unwrap().parse().unwrap();
    // The owner follows but cannot act.
    let mine = app.get_page(&loc, Some(&owner)).await;
    assert!(mine.body.contains("Tempe kemasan 250 g") && !mine.body.contains("name=\"event\""));
    let r = app
        .post_form(&format!("{loc}/events"), Some(&owner), &[("_csrf", &owner_csrf), ("event", "start_review")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let (aud, csrf) = login_certifier(&app, "auditor.smd").await;
    let post = |fields: Vec<(&'static str, String)>| {
        let (aud, csrf, loc) = (aud.clone(), csrf.clone(), loc.clone());
        let app = &app;
        async move {
            let mut f: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
            f.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            app.post_form(&format!("{loc}/events"), Some(&aud), &f).await
        }
    };
    for e in ["start_review", "start_stage1", "complete_stage1"] {
        let r = post(vec![("event", e.into())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{e}: {}", r.body);
    }
    let r = post(vec![
        ("event", "record_finding".into()),
        ("grade", "major".into()),
        ("clause", "7.1.5".into()),
        ("description", "Timbangan belum dikalibrasi".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(post(vec![("event", "record_test".into()), ("passed", "1".into())]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(post(vec![("event", "complete_stage2".into())]).await.status, StatusCode::SEE_OTHER);
    // A decision with the major finding open is refused and names it.
    let refused = post(vec![("event", "grant".into())]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let finding_id = app.svc.store().certification().certification(id).await.unwrap().unwrap().findings[0].id;
    assert!(refused.body.contains(&format!("#{finding_id} 7.1.5")), "{}", refused.body);
    let r = post(vec![
        ("event", "close_finding".into()),
        ("finding_id", finding_id.to_string()),
        ("corrective_action", "Kalibrasi timbangan".into()),
        ("evidence", "Sertifikat kalibrasi No. 12/2026".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(post(vec![("event", "grant".into())]).await.status, StatusCode::SEE_OTHER);
    let done = app.get_page(&loc, Some(&aud)).await;
    let number =
        app.svc.store().certification().certification(id).await.unwrap().unwrap().status.number.unwrap().to_string();
    assert!(done.body.contains(&number), "{}", done.body);
    // The printable certificate carries the QR code with the verification URL and payload.
    let cert = app.get_page(&format!("{loc}/certificate"), Some(&owner)).await;
    assert_eq!(cert.status, StatusCode::OK, "{}", cert.body);
    assert!(cert.body.contains("<svg") && cert.body.contains(&format!("{number}?p=")), "{}", cert.body);
    // Anyone can check it; no personal data.
    let public = app.get_page(&format!("/v/{number}"), None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Tempe Bu Sri") && public.body.contains("Aktif"), "{}", public.body);
    for secret in ["Pemilik Uji", "0812", "uji@example.id", "Jl. Uji"] {
        assert!(!public.body.contains(secret), "{secret} leaked");
    }
    let search = app.get_page(&format!("/v?number={}", number.to_lowercase()), None).await;
    assert_eq!(search.status, StatusCode::SEE_OTHER);
    // Ladder: an active SNI product certificate makes L3.
    let e = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await.json();
    let _ = e; // the level is asserted in ladder_follows_active_certificates
}

pub async fn illegal_steps_and_other_bodies_are_refused(mut app: TestApp) {
    setup(&mut app).await;
    let r = app
        .api(
            "POST",
            "/api/v1/certifications",
            Some("petugas.samarinda"),
            Some(json!({"nib": SMD_NIB, "body": "LSPRO-SMD", "standard": COFFEE, "scope": "Tempe"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "officers apply within their region: {}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    // Balikpapan's officer cannot apply for a Samarinda enterprise; a buyer cannot apply at all.
    let r = app
        .api(
            "POST",
            "/api/v1/certifications",
            Some("petugas.balikpapan"),
            Some(json!({"nib": SMD_NIB, "body": "LSPRO-SMD", "standard": COFFEE, "scope": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "enterprise.unknown");
    let r = app
        .api(
            "POST",
            "/api/v1/certifications",
            Some("pembeli"),
            Some(json!({"nib": SMD_NIB, "body": "LSPRO-SMD", "standard": COFFEE, "scope": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A standard outside the body's accreditation.
    let r = app
        .api(
            "POST",
            "/api/v1/certifications",
            Some("pemilik"),
            Some(json!({"nib": SMD_NIB, "body": "LSPRO-SMD", "standard": "SNI ISO 9001:2015", "scope": "x"})),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "body.scope");
    // Illegal transition: granting an application that was never reviewed.
    let r = step(&app, "auditor.smd", id, json!({"event": "grant"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["errors"][0]["code"], "certification.illegal_transition");
    assert!(j["detail"].as_str().unwrap().contains("grant"), "{j}");
    // Expiry is never by hand.
    assert_eq!(
        step(&app, "auditor.smd", id, json!({"event": "expire"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Another body's certifier is refused.
    let r = step(&app, "auditor.jkt", id, json!({"event": "start_review"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api("GET", &format!("/api/v1/certifications/{id}"), Some("auditor.jkt"), None).await.status,
        StatusCode::FORBIDDEN
    );
    // Officers and ministry follow but do not act.
    assert_eq!(
        step(&app, "petugas.samarinda", id, json!({"event": "start_review"})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api("GET", &format!("/api/v1/certifications/{id}"), Some("petugas.balikpapan"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let j = app.api("GET", &format!("/api/v1/certifications/{id}"), Some("auditor.smd"), None).await.json();
    assert_eq!(j["allowed_events"], json!(["start_review"]));
    let hist: Vec<&str> = j["history"].as_array().unwrap().iter().map(|h| h["event"].as_str().unwrap()).collect();
    assert_eq!(hist, ["apply"], "refused steps leave no trace");
    let p = app.api("GET", "/api/v1/certifications/pipeline", Some("kemenperin"), None).await;
    assert_eq!(p.status, StatusCode::OK);
    let applied = p.json()["states"].as_array().unwrap().iter().find(|s| s["state"] == "applied").unwrap().clone();
    assert_eq!(applied["count"], 1);
    assert_eq!(
        app.api("GET", "/api/v1/certifications/pipeline", Some("pemilik"), None).await.status,
        StatusCode::FORBIDDEN
    );
}

pub async fn public_verify_is_cacheable_clean_and_shows_suspension_at_once(mut app: TestApp) {
    setup(&mut app).await;
    let (id, number) = issue(&app).await;
    let url = format!("/api/v1/verify/{number}");
    let r = app.api("GET", &url, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(
        (j["status"].as_str(), j["business_name"].as_str(), j["regency_code"].as_str()),
        (Some("active"), Some("Tempe Bu Sri"), Some("64.72"))
    );
    assert_eq!(j["standard"], COFFEE);
    assert!(j["valid_until"].as_str().unwrap() > j["issued_on"].as_str().unwrap());
    for secret in ["Pemilik Uji", "0812", "uji@example.id", "Jl. Uji", "owner", "phone", "email", "address"] {
        assert!(!r.body.contains(secret), "{secret} leaked: {}", r.body);
    }
    let etag = r.headers[header::ETAG].to_str().unwrap().to_string();
    let cached = app
        .send(
            Request::builder()
                .uri(&url)
                .header(header::HOST, "localhost")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    // Suspension shows at once, with a new ETag.
    let r =
        step(&app, "auditor.smd", id, json!({"event": "suspend", "note": "Pemakaian tanda SNI tidak sesuai"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let again = app
        .send(
            Request::builder()
                .uri(&url)
                .header(header::HOST, "localhost")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["status"], "suspended");
    assert!(app.get_page(&format!("/v/{number}"), None).await.body.contains("Dibekukan"));
    // Malformed: 400; unknown: 404; both problem documents without internals.
    let bad = app.api("GET", "/api/v1/verify/..%2F..%2Fetc", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.json()["errors"][0]["code"], "certificate_number.format");
    let unknown = app.api("GET", "/api/v1/verify/NK-SNI-2026-999999", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.headers["content-type"], "application/problem+json");
    assert_eq!(app.get_page("/v/NK-SNI-2026-999999", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_page("/v/%3Cscript%3E", None).await.status, StatusCode::BAD_REQUEST);
    // Reinstated, then withdrawn: final.
    assert_eq!(step(&app, "auditor.smd", id, json!({"event": "reinstate"})).await.status, StatusCode::OK);
    assert_eq!(app.api("GET", &url, None, None).await.json()["status"], "active");
    assert_eq!(
        step(&app, "auditor.smd", id, json!({"event": "withdraw", "note": "Permintaan pemegang"})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.api("GET", &url, None, None).await.json()["status"], "withdrawn");
    let r = step(&app, "auditor.smd", id, json!({"event": "reinstate"})).await;
    assert_eq!(r.json()["errors"][0]["code"], "certification.illegal_transition");
}

pub async fn tampered_qr_payload_is_rejected(mut app: TestApp) {
    setup(&mut app).await;
    let (id, number) = issue(&app).await;
    let rec = app.svc.store().certification().certification(id).await.unwrap().unwrap();
    let payload = app.svc.certificate_payload(&rec).await.unwrap().unwrap();
    let ok = app.api("POST", "/api/v1/verify-qr", None, Some(json!({"payload": payload}))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["number"], number.as_str());
    // Change one character of the signed message (the expiry year).
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (m, sig) = payload.split_once('.').unwrap();
    let msg = String::from_utf8(b64.decode(m).unwrap()).unwrap();
    let year = &msg[msg.len() - 10..msg.len() - 6];
    let later = (year.parse::<i32>().unwrap() + 5).to_string();
    let forged = format!("{}.{sig}", b64.encode(format!("{}{later}{}", &msg[..msg.len() - 10], &msg[msg.len() - 6..])));
    let r = app.api("POST", "/api/v1/verify-qr", None, Some(json!({"payload": forged}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "qr.bad_signature");
    let page = app.get_page(&format!("/v/{number}?p={forged}"), None).await;
    assert!(page.body.contains("TIDAK sah"), "{}", page.body);
    let page = app.get_page(&format!("/v/{number}?p={payload}"), None).await;
    assert!(page.body.contains("✔"), "{}", page.body);
    let api = app.api("GET", &format!("/api/v1/verify/{number}?p={forged}"), None, None).await.json();
    assert_eq!(api["payload_valid"], false);
    // The published key checks the genuine payload offline.
    let k = app.api("GET", "/.well-known/naikkelas-key", None, None).await.json();
    let key = naikkelas_app::certification::parse_public_key(k["public_key"].as_str().unwrap()).unwrap();
    assert!(naikkelas_app::certification::verify_payload(&payload, &[key]).is_ok());
    assert!(naikkelas_app::certification::verify_payload(&forged, &[key]).is_err());
}

pub async fn ladder_follows_active_certificates_and_the_sweep_expires(mut app: TestApp) {
    setup(&mut app).await;
    let (id, number) = issue(&app).await;
    let e = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await.json();
    assert_eq!(e["quality_level"], "L3", "{e}");
    // Five years on: expired by date at once, and the sweep records the event.
    let later = app.svc.clone().with_clock(|| time::OffsetDateTime::now_utc() + time::Duration::days(5 * 366));
    assert_eq!(later.verify_certificate(&number).await.unwrap().status.as_str(), "expired");
    let report = later.sweep_certifications().await.unwrap();
    assert_eq!(report.expired, 1);
    let rec = app.svc.store().certification().certification(id).await.unwrap().unwrap();
    assert_eq!(rec.events.last().unwrap().event, "expire");
    assert_eq!(rec.events.last().unwrap().actor, "system");
    assert_eq!(later.sweep_certifications().await.unwrap().expired, 0, "recorded once");
}
