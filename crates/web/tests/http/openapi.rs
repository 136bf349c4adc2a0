//! The OpenAPI document is generated from the code; this snapshot makes
//! every change to it visible in review. Update with `UPDATE_SNAPSHOTS=1`.

use crate::support::*;
use axum::http::StatusCode;

pub async fn openapi_document_matches_its_snapshot(app: TestApp) {
    let r = app.api("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    for p in [
        "/api/v1/enterprises",
        "/api/v1/enterprises/{nib}",
        "/api/v1/enterprises/{nib}/figures",
        "/api/v1/regions",
        "/api/v1/kbli",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the document");
    }
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(path, &pretty).unwrap();
    }
    let expected = std::fs::read_to_string(path).expect("snapshot exists (run with UPDATE_SNAPSHOTS=1 once)");
    assert!(expected == pretty, "the OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1");
}

pub async fn the_docs_page_uses_vendored_assets_only(app: TestApp) {
    let page = app.get_page("/api/docs", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/assets/vendor/swagger-ui/swagger-ui-bundle.js"));
    assert!(!page.body.contains("https://"), "no external assets");
    let js = app.get_page("/assets/vendor/swagger-ui/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, StatusCode::OK);
}
