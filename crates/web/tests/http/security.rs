//! Security properties not covered elsewhere (docs/SECURITY.md lists what
//! each test file checks): login timing for unknown users, injection
//! strings as plain data, security headers on every kind of response,
//! Secure cookies when configured, server-side logout, bearer token checks,
//! no personal data on anonymous pages, and no personal data or passwords
//! in the server log.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use naikkelas_web::{AppState, WebConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// The personal data of the seeded enterprises (support.rs).
const PERSONAL: [&str; 4] = ["Pemilik Uji", "0812-5555-1234", "uji@example.id", "Jl. Uji 1"];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// An unknown username costs the same password hashing as a wrong password
/// (argon2 against a dummy hash), so timing does not tell which accounts
/// exist. The page text is compared in ui.rs.
pub async fn unknown_users_take_as_long_as_wrong_passwords(app: TestApp) {
    // The first unknown user also creates the dummy hash: not measured.
    let _ = app.svc.authenticate("belum-ada", "salah-salah").await;
    let _ = app.svc.authenticate("admin", "salah-salah").await;
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let t = Instant::now();
        assert!(app.svc.authenticate(&format!("tidak-ada-{i}"), "salah-salah").await.is_err());
        unknown.push(t.elapsed());
        let t = Instant::now();
        assert!(app.svc.authenticate("admin", "salah-salah").await.is_err());
        wrong.push(t.elapsed());
    }
    let (u, w) = (median(unknown), median(wrong));
    let ratio = u.as_secs_f64() / w.as_secs_f64();
    assert!((0.5..2.0).contains(&ratio), "unknown user {u:?} vs wrong password {w:?}: timing tells them apart");
}

const INJECTIONS: [&str; 7] = [
    "' OR '1'='1",
    "1; DROP TABLE enterprises; --",
    "\" OR 1=1 --",
    "%' OR nib LIKE '%",
    "'); DELETE FROM users; --",
    "\\' UNION SELECT username, password_hash FROM users --",
    "${jndi:ldap://x}{{7*7}}",
];

/// SQL and template injection strings in search, filters, paths and
/// logins are data: no server error, nothing found that should not be,
/// nothing deleted, and stored text comes back verbatim.
pub async fn injection_strings_are_plain_data(app: TestApp) {
    let total = |j: serde_json::Value| j["total"].as_u64().or_else(|| j["items"].as_array().map(|a| a.len() as u64));
    let before = total(app.api("GET", "/api/v1/enterprises", Some("admin"), None).await.json());
    assert_eq!(before, Some(3));
    let (cookie, csrf) = app.login("admin").await;
    for s in INJECTIONS {
        let e = enc(s);
        let r = app.api("GET", &format!("/api/v1/enterprises?q={e}"), Some("admin"), None).await;
        assert_eq!(r.status, StatusCode::OK, "q={s}: {}", r.body);
        assert_eq!(total(r.json()), Some(0), "q={s} matched something");
        for filter in ["regency", "province", "kbli", "size_class", "year", "cursor"] {
            let r = app.api("GET", &format!("/api/v1/enterprises?{filter}={e}"), Some("admin"), None).await;
            assert!(r.status.is_client_error() || r.status == StatusCode::OK, "{filter}={s}: {}", r.status);
            if r.status == StatusCode::OK {
                assert_eq!(total(r.json()), Some(0), "{filter}={s} matched something");
            }
        }
        let r = app.api("GET", &format!("/api/v1/enterprises/{e}"), Some("admin"), None).await;
        assert!(r.status.is_client_error(), "path {s}: {}", r.status);
        let page = app.get_page(&format!("/enterprises?q={e}"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "page q={s}");
        let page = app.get_page(&format!("/v/{e}"), None).await;
        assert!(page.status.is_client_error() || page.status == StatusCode::OK, "verify {s}: {}", page.status);
        assert!(app.svc.authenticate(s, s).await.is_err(), "login as {s}");
    }
    // Stored as typed, shown escaped, found by an exact search.
    let r = app
        .post_form(
            "/enterprises",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("nib", "6472000000777"),
                ("nama_usaha", INJECTIONS[1]),
                ("nama_pemilik", INJECTIONS[4]),
                ("kode_wilayah", "64.72"),
                ("kbli", "10391"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let j = app.api("GET", "/api/v1/enterprises/6472000000777", Some("admin"), None).await.json();
    assert_eq!((j["name"].as_str(), j["owner_name"].as_str()), (Some(INJECTIONS[1]), Some(INJECTIONS[4])));
    let found = app.api("GET", &format!("/api/v1/enterprises?q={}", enc("DROP TABLE")), Some("admin"), None).await;
    assert_eq!(total(found.json()), Some(1));
    assert_eq!(total(app.api("GET", "/api/v1/enterprises", Some("admin"), None).await.json()), Some(4));
    assert_eq!(app.svc.store().list_users().await.unwrap().len(), 6, "no account was touched");
    app.svc.authenticate("admin", PASSWORD).await.expect("admin still logs in");
}

/// Every kind of response carries the same strict headers: pages, API
/// JSON, problem documents, assets, health, redirects and 404s.
pub async fn every_response_carries_the_security_headers(app: TestApp) {
    let (cookie, _) = app.login("admin").await;
    let mut responses = Vec::new();
    for (path, with_cookie) in [
        ("/", false),
        ("/login", false),
        ("/v", false),
        ("/enterprises", true),
        ("/enterprises", false),
        ("/enterprises/6472000000001", true),
        ("/assets/app.css", false),
        ("/healthz", false),
        ("/api/v1/openapi.json", false),
        ("/api/docs", false),
        ("/tidak-ada", false),
    ] {
        responses.push((path.to_string(), app.get_page(path, with_cookie.then_some(cookie.as_str())).await));
    }
    for (path, user) in [("/api/v1/enterprises", Some("admin")), ("/api/v1/enterprises", None)] {
        responses.push((format!("{path} as {user:?}"), app.api("GET", path, user, None).await));
    }
    let bad = app.api("POST", "/api/v1/enterprises", Some("admin"), Some(serde_json::json!({"nib": "1"}))).await;
    responses.push(("POST /api/v1/enterprises (422)".into(), bad));
    let statuses: Vec<u16> = responses.iter().map(|(_, r)| r.status.as_u16()).collect();
    for expected in [200, 303, 401, 404, 422] {
        assert!(statuses.contains(&expected), "a {expected} response is among those checked: {statuses:?}");
    }
    for (what, r) in &responses {
        let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let csp = h("content-security-policy");
        let script_src = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or("");
        assert!(script_src == "script-src 'self'", "{what}: script-src {script_src:?} in {csp:?}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{what}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(h("x-frame-options"), "DENY", "{what}");
        assert_eq!(h("referrer-policy"), "same-origin", "{what}");
    }
}

/// Served over HTTPS (`--secure-cookies`), every cookie is Secure as well
/// as HttpOnly, and the session cookie never reaches scripts.
pub async fn cookies_are_secure_when_served_over_https(app: TestApp) {
    let cfg = WebConfig { secure_cookies: true, login_attempts_per_minute: 5, ..WebConfig::default() };
    let https = naikkelas_web::router(AppState::new(app.svc.clone(), cfg));
    let send = |req: Request<Body>| {
        let router = https.clone();
        async move { router.oneshot(req).await.expect("infallible router") }
    };
    let cookie_of = |res: &axum::response::Response, name: &str| {
        res.headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_string)
    };
    let page =
        send(Request::builder().uri("/login").header(header::HOST, "localhost").body(Body::empty()).unwrap()).await;
    let pre = cookie_of(&page, "nk_csrf").expect("pre-session cookie");
    assert!(pre.contains("Secure") && pre.contains("HttpOnly"), "{pre}");
    let v = pre.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let form = format!("_csrf={}&username=admin&password={}", enc(&v), enc(PASSWORD));
    let res = send(
        Request::builder()
            .method("POST")
            .uri("/login")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("nk_csrf={v}"))
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = cookie_of(&res, "nk_session").expect("session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{flag} missing: {session}");
    }
}

/// Logging out ends the session on the server: the old cookie, replayed,
/// opens nothing.
pub async fn logout_ends_the_session_on_the_server(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    assert_eq!(app.get_page("/enterprises/6472000000001", Some(&cookie)).await.status, StatusCode::OK);
    let out = app.post_form("/logout", Some(&cookie), &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let gone = out.cookie("nk_session").expect("the cookie is cleared");
    assert!(gone.contains("Max-Age=0"), "{gone}");
    let replay = app.get_page("/enterprises/6472000000001", Some(&cookie)).await;
    assert_ne!(replay.status, StatusCode::OK, "a logged-out session still opens pages");
    assert!(!replay.body.contains("Tempe Bu Sri"));
}

/// The API takes only a valid bearer token: missing, malformed, unknown or
/// query-string tokens are 401 problem documents without data.
pub async fn api_tokens_are_checked(app: TestApp) {
    let real = app.tokens["admin"].clone();
    let mut tampered = real.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for (what, auth) in [
        ("none", None),
        ("empty", Some("Bearer ".to_string())),
        ("basic", Some(format!("Basic {real}"))),
        ("tampered", Some(format!("Bearer {tampered}"))),
        ("injection", Some("Bearer ' OR '1'='1".to_string())),
    ] {
        let mut b = Request::builder().uri("/api/v1/enterprises").header(header::HOST, "localhost");
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        let r = app.send(b.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}: {}", r.body);
        assert!(!r.body.contains("Tempe Bu Sri"), "{what}");
    }
    let r = app.api("GET", &format!("/api/v1/enterprises?access_token={real}"), None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a token in the URL (logged by proxies) is not accepted");
}

/// Pages and endpoints open to anyone never show owners, phones, emails or
/// addresses, whatever they are asked.
pub async fn anonymous_pages_show_no_personal_data(app: TestApp) {
    let mut checked = 0;
    for path in [
        "/",
        "/login",
        "/v",
        "/v?number=6472000000001",
        "/v/6472000000001",
        "/standards",
        "/api/docs",
        "/api/v1/openapi.json",
        "/api/v1/enterprises",
        "/api/v1/enterprises/6472000000001",
        "/api/v1/facets/enterprises",
        "/enterprises",
        "/enterprises/6472000000001",
        "/enterprises/export.csv",
        "/api/v1/verify/6472000000001",
    ] {
        let r = app.get_page(path, None).await;
        assert!(!r.status.is_server_error(), "{path}: {}", r.status);
        for p in PERSONAL {
            assert!(!r.body.contains(p), "{path} shows {p}");
        }
        checked += 1;
    }
    assert_eq!(checked, 15);
}

/// A writer the test reads back: the server's log for one test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log of a login (failed, then successful) and of registering an
/// enterprise by page and by API, at debug level for naikkelas and the HTTP
/// layer, holds no password, owner name, phone, email or address.
pub async fn the_log_holds_no_personal_data_or_passwords(app: TestApp) {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "info,sqlx=warn,naikkelas_web=debug,naikkelas_app=debug,tower_http=debug",
        ))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let secrets =
        ["Siti Rahmawati Uji", "0813-9999-7777", "siti.rahasia@example.id", "Gang Rahasia 9", "tebak-Salah-77"];
    let page = app.get_page("/login", None).await;
    let v = page.cookie("nk_csrf").unwrap().split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let c = format!("nk_csrf={v}");
    let refused =
        app.post_form("/login", Some(&c), &[("_csrf", &v), ("username", "admin"), ("password", secrets[4])]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let (cookie, csrf) = app.login("admin").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("nib", "6472000000888"),
        ("nama_usaha", "Kripik Uji Log"),
        ("nama_pemilik", secrets[0]),
        ("telepon", secrets[1]),
        ("email", secrets[2]),
        ("alamat", secrets[3]),
        ("kode_wilayah", "64.72"),
        ("kbli", "10391"),
    ];
    assert_eq!(app.post_form("/enterprises", Some(&cookie), &form).await.status, StatusCode::SEE_OTHER);
    // A refused form (bad email) is logged without what was typed either.
    let mut bad = form;
    bad[1].1 = "6472000000889";
    bad[5].1 = "siti.rahasia@";
    assert_eq!(app.post_form("/enterprises", Some(&cookie), &bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = serde_json::json!({
        "nib": "6472000000890", "name": "Kripik Uji API", "owner_name": secrets[0], "phone": secrets[1],
        "email": secrets[2], "address": secrets[3], "regency_code": "64.72", "kbli": ["10391"],
    });
    assert_eq!(app.api("POST", "/api/v1/enterprises", Some("admin"), Some(body)).await.status, StatusCode::CREATED);

    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(text.contains("login refused"), "the log was captured:\n{text}");
    for s in secrets.iter().chain([&PASSWORD]) {
        assert!(!text.contains(s), "the log holds {s}:\n{text}");
    }
}
