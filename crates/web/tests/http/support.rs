//! A test installation: a fresh database, users of every role, a few
//! enterprises in Samarinda (64.72) and Balikpapan (64.71), and a router
//! driven in-process.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use naikkelas_app::auth::UserDraft;
use naikkelas_app::Service;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_core::Actor;
use naikkelas_store::Store;
use naikkelas_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

pub const SMD_NIB: &str = "6472000000001";
pub const SMD_NIB2: &str = "6472000000002";
pub const BPN_NIB: &str = "6471000000001";
pub const PASSWORD: &str = "rahasia-123";

pub struct TestApp {
    pub router: Router,
    pub svc: Service,
    pub tokens: std::collections::HashMap<&'static str, String>,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }
}

fn draft(nib: &str, name: &str, regency: &str, kbli: &str, product: &str) -> EnterpriseDraft {
    EnterpriseDraft {
        nib: nib.into(),
        name: name.into(),
        owner_name: "Pemilik Uji".into(),
        address: "Jl. Uji 1".into(),
        regency_code: regency.into(),
        kbli: kbli.into(),
        products: product.into(),
        phone: "0812-5555-1234".into(),
        email: "uji@example.id".into(),
        ..Default::default()
    }
}

fn figures(year: i32, workers: &str, inv: &str) -> FiguresDraft {
    FiguresDraft {
        year: year.to_string(),
        workers: workers.into(),
        investment: inv.into(),
        production: "Rp 120.000.000".into(),
        export: "0".into(),
        ..Default::default()
    }
}

fn web_config() -> WebConfig {
    WebConfig { login_attempts_per_minute: 5, demo: true, ..WebConfig::default() }
}

pub async fn sqlite_store() -> (Arc<dyn Store>, Box<dyn std::any::Any + Send + Sync>) {
    let s = naikkelas_store_sqlite::SqliteStore::open_temporary().await.expect("temporary SQLite");
    s.migrate().await.expect("migrate");
    (Arc::new(s), Box::new(()))
}

pub async fn postgres_store() -> Option<(Arc<dyn Store>, Box<dyn std::any::Any + Send + Sync>)> {
    let db = naikkelas_store_postgres::testing::fresh().await?;
    let store: Arc<dyn Store> = Arc::new(db.store.clone());
    Some((store, Box::new(db)))
}

impl TestApp {
    /// The same installation on a fresh PostgreSQL database, or `None` when
    /// no server is reachable outside CI (announced on stderr).
    pub async fn postgres() -> Option<TestApp> {
        let (store, keep) = postgres_store().await?;
        Some(Self::with_store(store, keep).await)
    }

    pub async fn new() -> TestApp {
        let (store, keep) = sqlite_store().await;
        Self::with_store(store, keep).await
    }

    pub async fn with_store(store: Arc<dyn Store>, keep: Box<dyn std::any::Any + Send + Sync>) -> TestApp {
        let svc = Service::new(store).await.expect("service");
        let sys = Actor::system();
        svc.register_enterprise(&sys, &draft(SMD_NIB, "Tempe Bu Sri", "64.72", "10391", "tempe, keripik tempe"))
            .await
            .unwrap();
        svc.record_figures(&sys, SMD_NIB, &figures(2024, "5", "Rp 50.000.000")).await.unwrap();
        svc.register_enterprise(&sys, &draft(SMD_NIB2, "Amplang Mahakam", "64.72", "10794", "amplang")).await.unwrap();
        svc.record_figures(&sys, SMD_NIB2, &figures(2024, "25", "Rp 2.000.000.000")).await.unwrap();
        svc.register_enterprise(&sys, &draft(BPN_NIB, "Kerupuk Balikpapan Jaya", "64.71", "10794", "kerupuk"))
            .await
            .unwrap();
        svc.record_figures(&sys, BPN_NIB, &figures(2024, "8", "Rp 90.000.000")).await.unwrap();
        let users: [(&str, &str, &str, &str); 6] = [
            ("admin", "admin", "", ""),
            ("kemenperin", "ministry", "", ""),
            ("petugas.samarinda", "officer", "64.72", ""),
            ("petugas.balikpapan", "officer", "64.71", ""),
            ("pemilik", "owner", "", SMD_NIB),
            ("pembeli", "buyer", "", ""),
        ];
        let mut tokens = std::collections::HashMap::new();
        for (u, role, region, ent) in users {
            let d = UserDraft {
                username: u.into(),
                display_name: String::new(),
                password: PASSWORD.into(),
                role: role.into(),
                region: region.into(),
                enterprise: ent.into(),
            };
            svc.add_user(&sys, &d).await.unwrap();
            tokens.insert(u, svc.create_token(&sys, u, "test").await.unwrap());
        }
        let router = naikkelas_web::router(AppState::new(svc.clone(), web_config()));
        TestApp { router, svc, tokens, _keep: keep }
    }

    /// The same installation with the service's clock stopped at `now`, for
    /// rules that depend on the date (e.g. a programme's enrolment period).
    pub fn at(mut self, now: time::OffsetDateTime) -> TestApp {
        self.svc = self.svc.with_clock(move || now);
        self.router = naikkelas_web::router(AppState::new(self.svc.clone(), web_config()));
        self
    }

    pub async fn send(&self, req: Request<Body>) -> Res {
        let res = self.router.clone().oneshot(req).await.expect("infallible router");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Res { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// An API call as `user` (None: anonymous).
    pub async fn api(&self, method: &str, path: &str, user: Option<&str>, body: Option<serde_json::Value>) -> Res {
        let mut b = Request::builder().method(method).uri(path).header(header::HOST, "localhost");
        if let Some(u) = user {
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[u]));
        }
        let req = match body {
            Some(j) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(j.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn get_page(&self, path: &str, cookie: Option<&str>) -> Res {
        let mut b =
            Request::builder().uri(path).header(header::HOST, "localhost").header(header::ACCEPT_LANGUAGE, "id");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Res {
        let body: String = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let mut b = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// Logs in through the login form; returns the cookie header to send
    /// and the session's CSRF token (read from a page).
    pub async fn login(&self, user: &str) -> (String, String) {
        let page = self.get_page("/login", None).await;
        let pre = page.cookie("nk_csrf").expect("pre-session cookie");
        let pre_val = pre.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
        let res = self
            .post_form(
                "/login",
                Some(&format!("nk_csrf={pre_val}")),
                &[("_csrf", &pre_val), ("username", user), ("password", PASSWORD), ("next", "/enterprises")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login as {user}: {}", res.body);
        let session = res.cookie("nk_session").expect("session cookie");
        let cookie = session.split(';').next().unwrap().to_string();
        let home = self.get_page("/enterprises", Some(&cookie)).await;
        let csrf = extract_csrf(&home.body).expect("csrf token on the page");
        (cookie, csrf)
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_string())
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
