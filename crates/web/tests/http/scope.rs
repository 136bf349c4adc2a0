//! Region scope through every surface: an officer of Kota Samarinda (64.72)
//! cannot list, read, edit or delete an enterprise of Kota Balikpapan (64.71);
//! owners see only their own; the public sees nothing of the registry.

use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

pub async fn samarinda_officer_api_sees_only_samarinda(app: TestApp) {
    let list = app.api("GET", "/api/v1/enterprises?limit=500", Some("petugas.samarinda"), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let j = list.json();
    let nibs: Vec<&str> = j["items"].as_array().unwrap().iter().map(|i| i["nib"].as_str().unwrap()).collect();
    assert_eq!(j["total"], 2);
    assert!(nibs.contains(&SMD_NIB) && !nibs.contains(&BPN_NIB));
    // Filtering for Balikpapan explicitly still yields nothing.
    let j = app.api("GET", "/api/v1/enterprises?regency=64.71", Some("petugas.samarinda"), None).await.json();
    assert_eq!(j["total"], 0);
    // Searching for it by name or NIB finds nothing either.
    let j = app.api("GET", "/api/v1/enterprises?q=balikpapan", Some("petugas.samarinda"), None).await.json();
    assert_eq!(j["total"], 0);
    let j = app.api("GET", &format!("/api/v1/enterprises?q={BPN_NIB}"), Some("petugas.samarinda"), None).await.json();
    assert_eq!(j["total"], 0);
}

pub async fn samarinda_officer_gets_404_for_balikpapan_on_every_api_verb(app: TestApp) {
    let path = format!("/api/v1/enterprises/{BPN_NIB}");
    let get = app.api("GET", &path, Some("petugas.samarinda"), None).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    assert!(!get.body.contains("Kerupuk"), "no data in the 404: {}", get.body);
    let body = json!({"name": "Diambil alih", "owner_name": "x", "regency_code": "64.71", "kbli": ["10794"]});
    assert_eq!(app.api("PUT", &path, Some("petugas.samarinda"), Some(body)).await.status, StatusCode::NOT_FOUND);
    let fig = json!({"year": 2025, "workers": 1, "investment_idr": 1});
    assert_eq!(
        app.api("POST", &format!("{path}/figures"), Some("petugas.samarinda"), Some(fig)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api("DELETE", &path, Some("petugas.samarinda"), None).await.status, StatusCode::NOT_FOUND);
    // Registering a new enterprise in Balikpapan is refused on the region field.
    let new =
        json!({"nib": "6471000000099", "name": "Baru", "owner_name": "x", "regency_code": "64.71", "kbli": ["10794"]});
    let r = app.api("POST", "/api/v1/enterprises", Some("petugas.samarinda"), Some(new)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "scope.outside_region");
    // And nothing changed.
    let still = app.api("GET", &path, Some("admin"), None).await.json();
    assert_eq!(still["name"], "Kerupuk Balikpapan Jaya");
    assert_eq!(
        app.api("GET", "/api/v1/enterprises/6471000000099", Some("admin"), None).await.status,
        StatusCode::NOT_FOUND
    );
}

pub async fn samarinda_officer_gets_404_for_balikpapan_pages(app: TestApp) {
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    let page = app.get_page(&format!("/enterprises/{BPN_NIB}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Kerupuk Balikpapan"));
    assert_eq!(
        app.get_page(&format!("/enterprises/{BPN_NIB}/edit"), Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    let post = app
        .post_form(
            &format!("/enterprises/{BPN_NIB}/edit"),
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("nama_usaha", "x"),
                ("nama_pemilik", "x"),
                ("kode_wilayah", "64.71"),
                ("kbli", "10794"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let list = app.get_page("/enterprises", Some(&cookie)).await;
    assert!(list.body.contains("Tempe Bu Sri"));
    assert!(!list.body.contains("Kerupuk Balikpapan"));
}

pub async fn owner_sees_only_their_enterprise(app: TestApp) {
    let j = app.api("GET", "/api/v1/enterprises", Some("pemilik"), None).await.json();
    assert_eq!(j["total"], 1);
    assert_eq!(j["items"][0]["nib"], SMD_NIB);
    assert_eq!(
        app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB2}"), Some("pemilik"), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("pemilik"), None).await.status,
        StatusCode::OK
    );
    // An owner cannot register enterprises.
    let new =
        json!({"nib": "6472000000098", "name": "Baru", "owner_name": "x", "regency_code": "64.72", "kbli": ["10794"]});
    assert_eq!(app.api("POST", "/api/v1/enterprises", Some("pemilik"), Some(new)).await.status, StatusCode::FORBIDDEN);
}

pub async fn the_public_and_buyers_see_nothing_of_the_registry(app: TestApp) {
    let anon = app.api("GET", "/api/v1/enterprises", None, None).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.headers["content-type"], "application/problem+json");
    assert_eq!(
        app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = app.get_page("/enterprises", None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.get_page(&format!("/enterprises/{SMD_NIB}"), None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.api("GET", "/api/v1/enterprises", Some("pembeli"), None).await.status, StatusCode::FORBIDDEN);
    let bad = app
        .send(
            axum::http::Request::builder()
                .uri("/api/v1/enterprises")
                .header("authorization", "Bearer nk_forged")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
}

pub async fn ministry_reads_everything_but_changes_nothing(app: TestApp) {
    assert_eq!(app.api("GET", "/api/v1/enterprises", Some("kemenperin"), None).await.json()["total"], 3);
    let body = json!({"name": "x", "owner_name": "x", "regency_code": "64.71", "kbli": ["10794"]});
    assert_eq!(
        app.api("PUT", &format!("/api/v1/enterprises/{BPN_NIB}"), Some("kemenperin"), Some(body)).await.status,
        StatusCode::FORBIDDEN
    );
}

pub async fn exports_respect_the_scope(app: TestApp) {
    let (cookie, _) = app.login("petugas.samarinda").await;
    let csv = app.get_page("/enterprises/export.csv", Some(&cookie)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-disposition"].to_str().unwrap().contains("attachment"));
    assert!(csv.body.contains(SMD_NIB));
    assert!(!csv.body.contains(BPN_NIB), "no Balikpapan row in a Samarinda export");
    let filtered = app.get_page("/enterprises/export.csv?regency=64.71", Some(&cookie)).await;
    assert!(!filtered.body.contains(BPN_NIB));
    let xlsx = app.get_page("/enterprises/export.xlsx", Some(&cookie)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with("PK"), "an XLSX file is a zip");
    assert_eq!(app.get_page("/enterprises/export.pdf", Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_page("/enterprises/export.csv", None).await.status, StatusCode::SEE_OTHER);
}
