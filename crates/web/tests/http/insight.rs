//! Dashboards, the province map, regency rankings, exports and open data
//! through the API and pages: numbers from the rollups of the seeded
//! registry, scope as for records, every kind of bad input a clear problem
//! (never an empty chart that looks like zero).

use crate::support::*;
use axum::http::StatusCode;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_core::Actor;
use serde_json::Value;

/// The field of the first error of a problem document.
fn problem_field(v: &Value) -> String {
    v["errors"][0]["field"].as_str().unwrap_or_default().to_string()
}

async fn seed_one(app: &TestApp, nib: &str, regency: &str) {
    let sys = Actor::system();
    let d = EnterpriseDraft {
        nib: nib.into(),
        name: format!("Usaha {nib}"),
        owner_name: "Pemilik Uji".into(),
        address: "Jl. Uji 3".into(),
        regency_code: regency.into(),
        kbli: "10392".into(),
        products: "tahu".into(),
        ..Default::default()
    };
    app.svc.register_enterprise(&sys, &d).await.unwrap();
    let f = FiguresDraft {
        year: "2024".into(),
        workers: "4".into(),
        investment: "Rp 20.000.000".into(),
        production: "Rp 30.000.000".into(),
        export: "0".into(),
        ..Default::default()
    };
    app.svc.record_figures(&sys, nib, &f).await.unwrap();
}

pub async fn dashboards_follow_the_scope(app: TestApp) {
    let r = app.api("GET", "/api/v1/insight/dashboard", Some("kemenperin"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["year"], 2024);
    assert_eq!(d["region"], Value::Null);
    assert_eq!(d["totals"]["units"], 3);
    assert_eq!(d["totals"]["workers"], 38);
    assert_eq!(d["children"][0]["place"]["code"], "64");
    assert_eq!(d["children"][0]["measures"]["units"], 3);
    assert_eq!(d["by_division"][0]["division"], "10");
    assert_eq!(d["previous"], Value::Null);

    let r = app.api("GET", "/api/v1/insight/dashboard?region=64&year=2024", Some("admin"), None).await;
    let d = r.json();
    let regencies: Vec<&str> =
        d["children"].as_array().unwrap().iter().map(|c| c["place"]["code"].as_str().unwrap()).collect();
    assert_eq!(regencies, ["64.71", "64.72"]);

    // An officer's dashboard is their region; another region is not there.
    let r = app.api("GET", "/api/v1/insight/dashboard", Some("petugas.samarinda"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["region"]["code"], "64.72");
    assert_eq!(r.json()["totals"]["units"], 2);
    let r = app.api("GET", "/api/v1/insight/dashboard?region=64.71", Some("petugas.samarinda"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.api("GET", "/api/v1/insight/map", Some("petugas.samarinda"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.api("GET", "/api/v1/insight/dashboard", Some("pemilik"), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api("GET", "/api/v1/insight/dashboard", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

pub async fn map_and_ranking_come_from_the_rollups(app: TestApp) {
    let r = app.api("GET", "/api/v1/insight/map?metric=workers&year=2024", Some("kemenperin"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = r.json();
    assert_eq!(m["metric"], "workers");
    assert_eq!(m["values"], serde_json::json!([{"code": "64", "name": "Kalimantan Timur", "value": 38}]));
    let r = app.api("GET", "/api/v1/insight/regencies?province=64&metric=workers", Some("kemenperin"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<(String, i64)> = r.json()["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["code"].as_str().unwrap().to_string(), v["value"].as_i64().unwrap()))
        .collect();
    assert_eq!(codes, [("64.72".to_string(), 30), ("64.71".to_string(), 8)]);
    // A new year's figures show at once: the rollups follow the write.
    seed_one(&app, "6471000000009", "64.71").await;
    let r = app.api("GET", "/api/v1/insight/regencies?province=64&metric=units", Some("kemenperin"), None).await;
    assert_eq!(r.json()["values"][0], serde_json::json!({"code": "64.71", "name": "Kota Balikpapan", "value": 2}));
}

pub async fn bad_dashboard_input_is_a_clear_problem(app: TestApp) {
    let cases = [
        ("/api/v1/insight/dashboard?year=1999", "year", "1999"),
        ("/api/v1/insight/dashboard?year=tahun", "year", "tahun"),
        ("/api/v1/insight/dashboard?region=99", "region", "99"),
        ("/api/v1/insight/dashboard?region=64.72.01", "region", "64.72.01"),
        ("/api/v1/insight/dashboard?region=65", "region", "65"),
        ("/api/v1/insight/map?metric=omzet", "metric", "omzet"),
        ("/api/v1/insight/regencies?province=64&metric=omzet", "metric", "omzet"),
        ("/api/v1/insight/regencies?province=64.72", "province", "64.72"),
        ("/api/v1/insight/regencies?province=65", "province", "65"),
    ];
    for (path, field, value) in cases {
        let r = app.api("GET", path, Some("kemenperin"), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json", "{path}");
        let p = r.json();
        assert_eq!(problem_field(&p), field, "{path}: {}", r.body);
        assert!(p["detail"].as_str().unwrap().contains(value), "{path}: the message names {value}: {}", r.body);
    }
    // The page says it in words too.
    let (cookie, _) = app.login("kemenperin").await;
    let r = app.get_page("/insight?year=1999", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("tidak ada data untuk tahun 1999"), "{}", r.body);
}

pub async fn dashboard_page_exports_and_geometry(app: TestApp) {
    let (cookie, _) = app.login("kemenperin").await;
    let r = app.get_page("/insight", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for needle in [
        "id=\"insight-map\"",
        "Kalimantan Timur",
        "/insight?region=64&amp;year=2024",
        "/assets/insight.js",
        "Unduh XLSX",
    ] {
        assert!(r.body.contains(needle), "page lacks {needle}");
    }
    let r = app.get_page("/insight?region=64&metric=workers", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"insight-ranking\"") && r.body.contains("Kota Samarinda"));
    let r = app.get_page("/insight?region=64.72", Some(&cookie)).await;
    assert!(r.body.contains("enterprises?province=64&amp;regency=64.72&amp;year=2024"), "links to the enterprise list");

    let r = app.get_page("/insight/export.xlsx?region=64", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(r.body.starts_with("PK"));
    let r = app.get_page("/insight/export.pdf", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("%PDF"));
    let r = app.get_page("/insight/export.pdf?year=1999", Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = app.get_page("/insight/provinces.geojson", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let geo: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 38);
    let r = app.get_page("/insight", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the dashboard needs a login");
}

pub async fn open_data_is_public_without_small_cells(app: TestApp) {
    seed_one(&app, "6501000000001", "65.01").await;
    let r = app.get_page("/open-data", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("kurang dari 3 IKM"));
    let r = app.api("GET", "/api/v1/open-data/insight", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["suppressed_below_units"], 3);
    let cells = v["cells"].as_array().unwrap();
    let kaltim = cells.iter().find(|c| c["province"] == "64").unwrap();
    assert_eq!(
        (kaltim["suppressed"].as_bool(), kaltim["units"].as_i64(), kaltim["workers"].as_i64()),
        (Some(false), Some(3), Some(38))
    );
    let kaltara = cells.iter().find(|c| c["province"] == "65").unwrap();
    assert_eq!(kaltara["suppressed"], true);
    assert_eq!((kaltara["units"].clone(), kaltara["workers"].clone()), (Value::Null, Value::Null));
    let r = app.get_page("/open-data/insight.csv", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(
        lines[0],
        "year,province,province_name,kbli_division,suppressed,units,workers,production_idr,export_usd"
    );
    assert!(lines.contains(&"2024,65,Kalimantan Utara,10,true,,,,"), "{}", r.body);
    for secret in [SMD_NIB, "Tempe Bu Sri", "Pemilik"] {
        assert!(!r.body.contains(secret) && !v.to_string().contains(secret), "open data shows {secret}");
    }
}
