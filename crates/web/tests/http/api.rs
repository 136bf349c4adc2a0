//! The JSON API: shapes (DESIGN.md §5), validation, problem documents.

use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;

pub async fn list_and_get_have_the_contract_shapes(app: TestApp) {
    let j = app.api("GET", "/api/v1/enterprises?province=64&limit=1", Some("admin"), None).await.json();
    assert_eq!(j["total"], 3);
    assert_eq!(j["items"].as_array().unwrap().len(), 1);
    let item = &j["items"][0];
    for k in ["nib", "name", "regency_code", "kbli", "size_class"] {
        assert!(item.get(k).is_some(), "item lacks {k}: {item}");
    }
    assert!(item["kbli"].is_array());
    let cursor = j["next_cursor"].as_str().expect("a next page");
    let next = app
        .api("GET", &format!("/api/v1/enterprises?province=64&limit=1&cursor={}", enc(cursor)), Some("admin"), None)
        .await
        .json();
    assert_ne!(next["items"][0]["nib"], item["nib"]);

    let d = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB2}"), Some("admin"), None).await.json();
    assert_eq!(d["size_class"], "menengah", "25 workers and Rp 2 bn is menengah under Permenperin 64/2016");
    let f = &d["figures"][0];
    assert_eq!(f["year"], 2024);
    assert_eq!(f["workers"], 25);
    assert_eq!(f["investment_idr"], 2_000_000_000i64);
    assert_eq!(f["production_idr"], 120_000_000);
    assert_eq!(f["export_usd"], 0.0);
}

pub async fn filters_search_and_counts(app: TestApp) {
    let q = |p: &str| format!("/api/v1/enterprises?{p}");
    assert_eq!(app.api("GET", &q("kbli=10794"), Some("admin"), None).await.json()["total"], 2);
    assert_eq!(app.api("GET", &q("size_class=menengah"), Some("admin"), None).await.json()["total"], 1);
    assert_eq!(app.api("GET", &q("year=2024&regency=64.72"), Some("admin"), None).await.json()["total"], 2);
    assert_eq!(app.api("GET", &q("q=TEMP"), Some("admin"), None).await.json()["total"], 1);
    assert_eq!(app.api("GET", &q("q=mpe%20b"), Some("admin"), None).await.json()["total"], 1);
    assert_eq!(app.api("GET", &q("q=keripik"), Some("admin"), None).await.json()["total"], 1, "product words match");
    assert_eq!(app.api("GET", &q("q=647100"), Some("admin"), None).await.json()["total"], 1, "NIB fragments match");
    let bad = app.api("GET", &q("regency=64.99&size_class=raksasa"), Some("admin"), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        bad.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, ["regency", "size_class"]);
    let f = app.api("GET", "/api/v1/facets/enterprises?province=64", Some("admin"), None).await.json();
    let regencies = f["regency"].as_array().unwrap();
    assert!(regencies.iter().any(|r| r["value"] == "64.72" && r["count"] == 2), "{f}");
}

pub async fn create_validates_every_field_and_writes_nothing_on_error(app: TestApp) {
    let bad = json!({"nib": "123", "name": "", "owner_name": "x", "regency_code": "64", "kbli": ["47111"], "email": "x@", "figures": {"year": 2024, "workers": -1, "investment_idr": "12,5"}});
    let r = app.api("POST", "/api/v1/enterprises", Some("admin"), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let j = r.json();
    assert_eq!(j["status"], 422);
    let codes: Vec<(String, String)> = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().into(), e["code"].as_str().unwrap().into()))
        .collect();
    assert!(codes.contains(&("tenaga_kerja".into(), "number.negative".into())), "{codes:?}");
    assert!(codes.contains(&("nilai_investasi".into(), "number.rupiah_fraction".into())), "{codes:?}");

    // Figures valid but the profile invalid: still nothing written.
    let bad = json!({"nib": "6472000000077", "name": "", "owner_name": "x", "regency_code": "64.72", "kbli": ["10391"], "figures": {"year": 2024, "workers": 1, "investment_idr": 1}});
    let r = app.api("POST", "/api/v1/enterprises", Some("admin"), Some(bad)).await;
    let codes = r.json()["errors"].to_string();
    assert!(codes.contains("nama_usaha"), "{codes}");
    assert_eq!(
        app.api("GET", "/api/v1/enterprises/6472000000077", Some("admin"), None).await.status,
        StatusCode::NOT_FOUND
    );

    let en = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/enterprises?lang=en")
                .header("authorization", format!("Bearer {}", app.tokens["admin"]))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(json!({"nib": "12"}).to_string()))
                .unwrap(),
        )
        .await;
    assert!(en.body.contains("NIB must have 13 digits"), "{}", en.body);
}

pub async fn duplicate_nib_is_a_clear_field_error(app: TestApp) {
    let dup = json!({"nib": SMD_NIB, "name": "Lagi", "owner_name": "x", "regency_code": "64.72", "kbli": ["10391"]});
    let r = app.api("POST", "/api/v1/enterprises", Some("admin"), Some(dup)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let j = r.json();
    assert_eq!(j["errors"][0]["field"], "nib");
    assert_eq!(j["errors"][0]["code"], "nib.duplicate");
    assert!(!r.body.to_lowercase().contains("unique constraint"));
}

pub async fn malformed_json_is_a_problem_document(app: TestApp) {
    let r = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/enterprises")
                .header("authorization", format!("Bearer {}", app.tokens["admin"]))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "body");
}

pub async fn update_with_a_stale_version_is_refused(app: TestApp) {
    let d = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("petugas.samarinda"), None).await.json();
    let v = d["version"].as_i64().unwrap();
    let body = |name: &str, version: i64| json!({"name": name, "owner_name": "Sri", "regency_code": "64.72", "kbli": ["10391"], "version": version});
    let ok = app
        .api(
            "PUT",
            &format!("/api/v1/enterprises/{SMD_NIB}"),
            Some("petugas.samarinda"),
            Some(body("Tempe Bu Sri Baru", v)),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["name"], "Tempe Bu Sri Baru");
    let stale = app
        .api("PUT", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("petugas.samarinda"), Some(body("Lama", v)))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}

pub async fn finalised_figures_need_a_correction_and_keep_history(app: TestApp) {
    let sys = naikkelas_core::Actor::system();
    app.svc.finalise_figures(&sys, SMD_NIB, 2024).await.unwrap();
    let fig = json!({"year": 2024, "workers": 6, "investment_idr": 50_000_000});
    let r = app.api("POST", &format!("/api/v1/enterprises/{SMD_NIB}/figures"), Some("admin"), Some(fig)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "figures.final");
    let d = naikkelas_core::figures::FiguresDraft {
        year: "2024".into(),
        workers: "6".into(),
        investment: "50000000".into(),
        ..Default::default()
    };
    assert!(app.svc.correct_figures(&sys, SMD_NIB, &d, "x").await.is_err(), "a reason is required");
    app.svc.correct_figures(&sys, SMD_NIB, &d, "salah ketik jumlah tenaga kerja").await.unwrap();
    let j = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}"), Some("admin"), None).await.json();
    assert_eq!(j["figures"][0]["workers"], 6);
    assert_eq!(j["figures"][0]["corrections"], 1);
    let revs = app.svc.store().figure_revisions(&naikkelas_core::Nib::parse(SMD_NIB).unwrap()).await.unwrap();
    assert_eq!(revs[0].previous.workers, 5, "the published value stays visible");
}

pub async fn reference_endpoints_are_public(app: TestApp) {
    let p = app.api("GET", "/api/v1/regions", None, None).await.json();
    assert_eq!(p.as_array().unwrap().len(), 38);
    let r = app.api("GET", "/api/v1/regions?parent=64", None, None).await.json();
    assert!(r.as_array().unwrap().iter().any(|x| x["code"] == "64.72" && x["name"] == "Kota Samarinda"));
    let k = app.api("GET", "/api/v1/kbli", None, None).await.json();
    assert_eq!(k.as_array().unwrap().len(), 500);
    assert!(k.as_array().unwrap().iter().any(|x| x["code"] == "10391" && x["version"] == "2020"));
}

pub async fn health_metrics_and_unknown_paths(app: TestApp) {
    let h = app.api("GET", "/healthz", None, None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");
    app.api("GET", "/api/v1/kbli", None, None).await;
    let m = app.api("GET", "/metrics", None, None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains("route=\"/api/v1/kbli\""));
    assert_eq!(app.api("GET", "/api/v1/nothing", None, None).await.json()["status"], 404);
}
