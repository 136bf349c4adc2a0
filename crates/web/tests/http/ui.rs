//! The HTML UI: login, CSRF, cookies, forms, language, security headers.

use crate::support::*;
use axum::http::StatusCode;

pub async fn login_sets_a_hardened_session_cookie(app: TestApp) {
    let page = app.get_page("/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = page.cookie("nk_csrf").unwrap();
    let v = pre.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let res = app
        .post_form(
            "/login",
            Some(&format!("nk_csrf={v}")),
            &[("_csrf", &v), ("username", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let c = res.cookie("nk_session").unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    assert!(!c.contains("Secure"), "Secure only when configured for HTTPS");
}

pub async fn login_without_csrf_is_refused_and_bad_passwords_say_the_same_thing(app: TestApp) {
    let r = app.post_form("/login", None, &[("username", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get_page("/login", None).await;
    let v = page.cookie("nk_csrf").unwrap().split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let c = format!("nk_csrf={v}");
    let wrong =
        app.post_form("/login", Some(&c), &[("_csrf", &v), ("username", "admin"), ("password", "salah-salah")]).await;
    let nobody = app
        .post_form("/login", Some(&c), &[("_csrf", &v), ("username", "tidakada"), ("password", "salah-salah")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Nama pengguna atau kata sandi salah"));
    assert_eq!(wrong.body.replace("admin", "tidakada"), nobody.body, "an unknown user is indistinguishable");
}

pub async fn login_is_rate_limited(app: TestApp) {
    let page = app.get_page("/login", None).await;
    let v = page.cookie("nk_csrf").unwrap().split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let c = format!("nk_csrf={v}");
    let mut last = StatusCode::OK;
    for _ in 0..7 {
        last = app
            .post_form("/login", Some(&c), &[("_csrf", &v), ("username", "admin"), ("password", "tebak-tebak")])
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Even the right password waits out the window.
    let right =
        app.post_form("/login", Some(&c), &[("_csrf", &v), ("username", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

pub async fn forms_require_the_session_csrf_token(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    let form = [
        ("nib", "6472000000055"),
        ("nama_usaha", "Usaha CSRF"),
        ("nama_pemilik", "x"),
        ("kode_wilayah", "64.72"),
        ("kbli", "10391"),
    ];
    let no_token = app.post_form("/enterprises", Some(&cookie), &form).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let mut with = form.to_vec();
    with.push(("_csrf", "forged"));
    assert_eq!(app.post_form("/enterprises", Some(&cookie), &with).await.status, StatusCode::FORBIDDEN);
    let mut good = form.to_vec();
    good.push(("_csrf", &csrf));
    let ok = app.post_form("/enterprises", Some(&cookie), &good).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

pub async fn cross_origin_posts_are_refused(app: TestApp) {
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/login")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("username=admin&password=x"))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

pub async fn a_form_with_errors_keeps_what_was_typed_and_names_each_field(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    let r = app
        .post_form(
            "/enterprises",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("nib", "64720000"),
                ("nama_usaha", "Keripik Ibu Ani"),
                ("nama_pemilik", ""),
                ("kode_wilayah", "64.72"),
                ("kbli", "10794"),
                ("telepon", "12"),
                ("tenaga_kerja", "3"),
                ("nilai_investasi", "Rp 10.000.000"),
                ("tahun_data", "2024"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("value=\"Keripik Ibu Ani\""), "typed value kept");
    assert!(r.body.contains("value=\"64720000\""));
    assert!(r.body.contains("NIB harus 13 digit"));
    assert!(r.body.contains("nomor telepon tidak sah"));
    assert!(r.body.contains("aria-invalid=\"true\""));
    // Nothing was written.
    let api = app.api("GET", "/api/v1/enterprises?q=Ibu%20Ani", Some("admin"), None).await.json();
    assert_eq!(api["total"], 0);
}

pub async fn officer_registers_and_finds_by_search_in_english_too(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    let r = app
        .post_form(
            "/enterprises",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("nib", "6472000000321"),
                ("nama_usaha", "Amplang Ikan Pipih"),
                ("nama_pemilik", "Ani"),
                ("kode_wilayah", "64.72"),
                ("kbli", "10794"),
                ("produk", "amplang"),
                ("tahun_data", "2024"),
                ("tenaga_kerja", "4"),
                ("nilai_investasi", "Rp 25.000.000"),
                ("nilai_produksi", "Rp 300.000.000"),
                ("nilai_ekspor", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = app.get_page("/enterprises?q=pipih", Some(&cookie)).await;
    assert!(list.body.contains("Amplang Ikan Pipih"));
    let en = app.get_page("/enterprises/6472000000321?lang=en", Some(&cookie)).await;
    assert!(en.body.contains("Yearly figures"), "English page");
    assert!(en.body.contains("Rp 25.000.000"));
    let id = app.get_page("/enterprises/6472000000321", Some(&cookie)).await;
    assert!(id.body.contains("Data tahunan"));
}

pub async fn stored_html_is_rendered_inert_and_headers_are_strict(app: TestApp) {
    let sys = naikkelas_core::Actor::system();
    let d = naikkelas_core::enterprise::EnterpriseDraft {
        nib: "6472000000666".into(),
        name: "<script>alert(1)</script>".into(),
        owner_name: "\"><img src=x onerror=alert(1)>".into(),
        regency_code: "64.72".into(),
        kbli: "10391".into(),
        ..Default::default()
    };
    app.svc.register_enterprise(&sys, &d).await.unwrap();
    let (cookie, _) = app.login("admin").await;
    let page = app.get_page("/enterprises/6472000000666", Some(&cookie)).await;
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!page.body.contains("<img src=x"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    // Stored verbatim.
    let j = app.api("GET", "/api/v1/enterprises/6472000000666", Some("admin"), None).await.json();
    assert_eq!(j["name"], "<script>alert(1)</script>");
}

pub async fn home_offers_demo_logins_and_every_error_page_a_way_back(app: TestApp) {
    let home = app.get_page("/", None).await;
    assert!(home.body.contains("petugas.samarinda"));
    let missing = app.get_page("/tidak-ada", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("href=\"/enterprises\""));
    let lang = app.get_page("/lang/en?next=/login", None).await;
    assert_eq!(lang.status, StatusCode::SEE_OTHER);
    assert!(lang.cookie("nk_lang").unwrap().starts_with("nk_lang=en"));
}

#[tokio::test]
async fn every_template_string_is_translated() {
    // Every t("…") literal in the templates exists in both locale files.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut missing = Vec::new();
    for entry in walk(std::path::Path::new(dir)) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for (i, _) in text.match_indices("t(\"") {
            // Only calls of t(…), not facet("…"), and only literal keys.
            if i > 0 && (text.as_bytes()[i - 1].is_ascii_alphanumeric() || text.as_bytes()[i - 1] == b'_') {
                continue;
            }
            let rest = &text[i + 3..];
            let key = rest.split('"').next().unwrap();
            if !rest[key.len()..].starts_with("\")") {
                continue;
            }
            for lang in [naikkelas_app::i18n::Lang::Id, naikkelas_app::i18n::Lang::En] {
                if !naikkelas_app::i18n::has_key(lang, key) {
                    missing.push(format!("{key} ({})", lang.code()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing translations: {missing:?}");
}

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            out.extend(walk(&e));
        } else {
            out.push(e);
        }
    }
    out
}

pub async fn an_officer_imports_a_file_in_the_browser_and_gets_the_rejected_rows(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    assert_eq!(app.get_page("/imports/new", Some(&cookie)).await.status, StatusCode::OK);
    let csv = "nib;nama_usaha;nama_pemilik;kode_wilayah;kbli;tahun_data;tenaga_kerja;nilai_investasi\r\n\
6472000000501;Roti Bakar Mahakam;Budi;64.72;10710;2024;4;Rp 40.000.000\r\n\
6471000000502;Roti Seberang;Siti;64.71;10710;2024;3;Rp 10.000.000\r\n\
64720000005;Salah NIB;Ani;64.72;10710;2024;2;Rp 5.000.000\r\n";
    let boundary = "XnaikkelasX";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ikm.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/imports")
        .header("host", "localhost")
        .header("cookie", &cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let job = res.headers["location"].to_str().unwrap().to_string();
    let mut page = app.get_page(&job, Some(&cookie)).await;
    for _ in 0..100 {
        if !page.body.contains("http-equiv=\"refresh\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = app.get_page(&job, Some(&cookie)).await;
    }
    assert!(page.body.contains("Selesai"), "{}", page.body);
    assert!(page.body.contains("di luar wilayah kerja Anda"), "scope reason shown");
    assert!(page.body.contains("NIB harus 13 digit"));
    let errors = app.get_page(&format!("{job}/errors"), Some(&cookie)).await;
    assert_eq!(errors.status, StatusCode::OK);
    assert!(
        errors.body.contains("Roti Seberang")
            && errors.body.contains("Salah NIB")
            && !errors.body.contains("Roti Bakar")
    );
    let j = app.api("GET", "/api/v1/enterprises?q=roti", Some("admin"), None).await.json();
    assert_eq!(j["total"], 1, "only the good row in scope was written");
    // Another user cannot see the job.
    let (other, _) = app.login("admin").await;
    assert_eq!(app.get_page(&job, Some(&other)).await.status, StatusCode::NOT_FOUND);
    // Owners cannot import.
    let (owner, _) = app.login("pemilik").await;
    assert_eq!(app.get_page("/imports/new", Some(&owner)).await.status, StatusCode::FORBIDDEN);
}

pub async fn administrators_manage_users_and_nobody_else_does(app: TestApp) {
    let (cookie, csrf) = app.login("admin").await;
    let page = app.get_page("/users", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("petugas.samarinda"));
    assert!(!page.body.contains("argon2"), "no password hashes on the page");
    let bad = app
        .post_form(
            "/users",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "dinas.kukar"),
                ("password", "rahasia-123"),
                ("role", "officer"),
                ("region", "64.99"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"dinas.kukar\""));
    let ok = app
        .post_form(
            "/users",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("username", "dinas.kukar"),
                ("password", "rahasia-123"),
                ("role", "officer"),
                ("region", "64.02"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let (officer, _) = app.login("petugas.samarinda").await;
    assert_eq!(app.get_page("/users", Some(&officer)).await.status, StatusCode::FORBIDDEN);
}
