//! Readiness: from "which standard applies to me?" to a gap report, an
//! action plan and L2; bad answers; scope; the region view.

use crate::support::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

/// Answers for every item of `standard`: all "ya", with `tweak` applied to
/// the first critical item.
async fn all_answers(app: &TestApp, standard: &str, tweak: Option<&str>) -> Value {
    let s = app.api("GET", &format!("/api/v1/standards/{standard}"), None, None).await.json();
    let mut done = false;
    let answers: Vec<Value> = s["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let answer = match tweak {
                Some(t) if !done && i["critical"] == true => {
                    done = true;
                    t
                }
                _ => "ya",
            };
            json!({"item_id": i["id"], "answer": answer, "evidence": "buku catatan"})
        })
        .collect();
    json!({ "answers": answers })
}

async fn start(app: &TestApp, user: &str, nib: &str, standard: &str) -> i64 {
    let path = format!("/api/v1/enterprises/{nib}/assessments");
    let res = app.api("POST", &path, Some(user), Some(json!({ "standard": standard }))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_i64().unwrap()
}

async fn answer_and_complete(app: &TestApp, user: &str, id: i64, body: Value) -> Value {
    let res = app.api("PUT", &format!("/api/v1/assessments/{id}/answers"), Some(user), Some(body)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = app.api("POST", &format!("/api/v1/assessments/{id}/complete"), Some(user), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn level(app: &TestApp, nib: &str) -> String {
    let j = app.api("GET", &format!("/api/v1/enterprises/{nib}"), Some("admin"), None).await.json();
    j["quality_level"].as_str().unwrap().to_string()
}

pub async fn owner_goes_from_applicable_standard_to_pdf_and_action_plan(app: TestApp) {
    // Which standards apply: a tempe maker (KBLI 10391) gets the food-safety and quality systems first.
    let res = app.api("GET", &format!("/api/v1/enterprises/{SMD_NIB}/standards"), Some("pemilik"), None).await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 10);
    assert!(list[0]["applies_because"].is_string() && list[1]["applies_because"].is_string());
    assert!(list[2..].iter().all(|s| s["applies_because"].is_null()));

    // First assessment: a critical "tidak" caps the score below 80 %.
    let id = start(&app, "pemilik", SMD_NIB, "sni-2983-2014").await;
    assert_eq!(start(&app, "pemilik", SMD_NIB, "sni-2983-2014").await, id, "resumes the open one");
    let first = answer_and_complete(&app, "pemilik", id, all_answers(&app, "sni-2983-2014", Some("tidak")).await).await;
    assert_eq!(first["status"], "completed");
    assert_eq!(first["score"]["capped"], true);
    assert_eq!(first["score"]["overall_permille"], 790);
    assert_eq!(first["score"]["ready"], false);
    assert_eq!(first["gaps"][0]["critical"], true);
    assert_eq!(first["actions"].as_array().unwrap().len(), 1);
    assert_eq!(first["actions"][0]["owner"], "Pemilik Uji");
    assert_eq!(first["clauses"].as_array().unwrap().len(), 4);
    assert_ne!(level(&app, SMD_NIB).await, "L2");

    // Reassessment: the critical item is now "sebagian": ≥ 80 %, one critical gap open.
    let id2 = start(&app, "pemilik", SMD_NIB, "sni-2983-2014").await;
    assert_ne!(id2, id);
    let second =
        answer_and_complete(&app, "pemilik", id2, all_answers(&app, "sni-2983-2014", Some("sebagian")).await).await;
    assert_eq!(second["score"]["meets_threshold"], true);
    assert_eq!(second["score"]["ready"], false);
    assert_eq!(second["previous"]["id"], id);
    let deltas = second["previous"]["clauses"].as_array().unwrap();
    assert!(deltas.iter().any(|d| d["change"].as_i64().unwrap_or(0) > 0), "{deltas:?}");
    assert_ne!(level(&app, SMD_NIB).await, "L2");

    // Closing the critical action makes the enterprise "siap sertifikasi".
    let action = second["actions"][0]["id"].as_i64().unwrap();
    let body = json!({"text": "Ganti kemasan", "owner": "Bu Sri", "due_date": "2026-06-30", "status": "done"});
    let res = app.api("PUT", &format!("/api/v1/assessments/{id2}/actions/{action}"), Some("pemilik"), Some(body)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let j = res.json();
    assert_eq!(
        (j["actions"][0]["text"].clone(), j["actions"][0]["status"].clone()),
        (json!("Ganti kemasan"), json!("done"))
    );
    assert_eq!(j["score"]["ready"], true);
    assert_eq!(level(&app, SMD_NIB).await, "L2");
    let page = app.get_page(&format!("/enterprises/{SMD_NIB}"), Some(&app.login("pemilik").await.0)).await;
    assert!(page.body.contains("L2"), "the enterprise page shows L2");

    // The gap report as PDF, and every change in the audit log.
    let (cookie, _) = app.login("pemilik").await;
    let pdf = app.get_page(&format!("/assessments/{id2}/report.pdf"), Some(&cookie)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    let page = app.get_page(&format!("/assessments/{id2}"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("report.pdf"));
    let log = app.svc.store().audit_for_entity("assessment", &id2.to_string(), 50).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["update_action", "complete_assessment", "answer", "start_assessment"]);
    assert!(log.iter().all(|e| e.actor == "pemilik"));
}

pub async fn bad_answers_are_refused_with_a_reason(app: TestApp) {
    let id = start(&app, "pemilik", SMD_NIB, "iso-9001-2015").await;
    let put = |body: Value| {
        let app = &app;
        async move { app.api("PUT", &format!("/api/v1/assessments/{id}/answers"), Some("pemilik"), Some(body)).await }
    };
    // An item of another standard.
    let res = put(json!({"answers": [{"item_id": "sni2983-A-1", "answer": "ya"}]})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let p = res.json();
    assert_eq!(p["errors"][0]["code"], "assessment.unknown_item");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("SNI ISO 9001:2015"), "{p}");
    // A value outside the scale, next to a good one: nothing is saved.
    let res = put(
        json!({"answers": [{"item_id": "iso9001-4.1-1", "answer": "ya"}, {"item_id": "iso9001-4.2-1", "answer": "2"}]}),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "assessment.bad_answer");
    let j = app.api("GET", &format!("/api/v1/assessments/{id}"), Some("pemilik"), None).await.json();
    assert_eq!(j["score"]["answered"], 0);
    // Malformed JSON is a problem document too.
    let res =
        app.api("PUT", &format!("/api/v1/assessments/{id}/answers"), Some("pemilik"), Some(json!({"x": 1}))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Completing with unanswered items is refused with the count.
    let res = app.api("POST", &format!("/api/v1/assessments/{id}/complete"), Some("pemilik"), None).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "assessment.incomplete");
    // An unknown standard.
    let path = format!("/api/v1/enterprises/{SMD_NIB}/assessments");
    let res = app.api("POST", &path, Some("pemilik"), Some(json!({"standard": "sni-9999"}))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "standard.unknown");
    // A bad action status after completion.
    answer_and_complete(&app, "pemilik", id, all_answers(&app, "iso-9001-2015", Some("tidak")).await).await;
    let j = app.api("GET", &format!("/api/v1/assessments/{id}"), Some("pemilik"), None).await.json();
    let action = j["actions"][0]["id"].as_i64().unwrap();
    let res = app
        .api(
            "PUT",
            &format!("/api/v1/assessments/{id}/actions/{action}"),
            Some("pemilik"),
            Some(json!({"status": "finished", "due_date": "30/06/2026"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<String> =
        res.json()["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(codes, ["action.bad_status", "date.format"]);
    // A completed assessment takes no more answers.
    let res = put(json!({"answers": [{"item_id": "iso9001-4.1-1", "answer": "ya"}]})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["code"], "assessment.completed");
}

pub async fn assessments_outside_the_scope_answer_404(app: TestApp) {
    let id = start(&app, "admin", BPN_NIB, "iso-9001-2015").await;
    let path = format!("/api/v1/assessments/{id}");
    for user in ["petugas.samarinda", "pemilik"] {
        assert_eq!(app.api("GET", &path, Some(user), None).await.status, StatusCode::NOT_FOUND, "{user}");
        let body = json!({"answers": [{"item_id": "iso9001-4.1-1", "answer": "ya"}]});
        assert_eq!(
            app.api("PUT", &format!("{path}/answers"), Some(user), Some(body)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.api("POST", &format!("{path}/complete"), Some(user), None).await.status, StatusCode::NOT_FOUND);
        let start_path = format!("/api/v1/enterprises/{BPN_NIB}/assessments");
        let res = app.api("POST", &start_path, Some(user), Some(json!({"standard": "iso-9001-2015"}))).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{user}");
        let res = app.api("GET", &format!("/api/v1/enterprises/{BPN_NIB}/assessments"), Some(user), None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.api("GET", "/api/v1/assessments/999999", Some("admin"), None).await.status, StatusCode::NOT_FOUND);
    // Balikpapan's officer works on it; the ministry reads but does not answer.
    let body = json!({"answers": [{"item_id": "iso9001-4.1-1", "answer": "sebagian"}]});
    assert_eq!(
        app.api("PUT", &format!("{path}/answers"), Some("petugas.balikpapan"), Some(body.clone())).await.status,
        StatusCode::OK
    );
    assert_eq!(app.api("GET", &path, Some("kemenperin"), None).await.status, StatusCode::OK);
    assert_eq!(
        app.api("PUT", &format!("{path}/answers"), Some("kemenperin"), Some(body)).await.status,
        StatusCode::FORBIDDEN
    );
    // Pages: 404 for the Samarinda officer.
    let (cookie, _) = app.login("petugas.samarinda").await;
    assert_eq!(app.get_page(&format!("/assessments/{id}"), Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get_page(&format!("/assessments/{id}/report.pdf"), Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_page(&format!("/enterprises/{BPN_NIB}/readiness"), Some(&cookie)).await.status,
        StatusCode::NOT_FOUND
    );
    // The region view is for officials only.
    assert_eq!(app.api("GET", "/api/v1/readiness/region", Some("pembeli"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", "/api/v1/readiness/region", Some("pemilik"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", "/api/v1/readiness/region", None, None).await.status, StatusCode::UNAUTHORIZED);
}

pub async fn officer_assesses_in_the_browser_and_sees_the_region_picture(app: TestApp) {
    // The catalogue is public.
    let cat = app.get_page("/standards", None).await;
    assert_eq!(cat.status, StatusCode::OK);
    for n in [
        "SNI 2983:2014",
        "SNI 3747:2024",
        "SNI 3553:2015",
        "SNI 7709:2019",
        "SNI 3556:2010",
        "SNI ISO 8124",
        "SNI 1811-2007",
        "SNI 7617:2013",
        "SNI ISO 9001:2015",
        "SNI ISO 22000:2018",
    ] {
        assert!(cat.body.contains(n), "{n} in the catalogue");
    }
    let (cookie, csrf) = app.login("petugas.samarinda").await;
    let page = app.get_page(&format!("/enterprises/{SMD_NIB}/readiness"), Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("SNI ISO 22000:2018"));
    // A form without the CSRF token is refused.
    let res = app
        .post_form(&format!("/enterprises/{SMD_NIB}/readiness"), Some(&cookie), &[("standard", "iso-22000-2018")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post_form(
            &format!("/enterprises/{SMD_NIB}/readiness"),
            Some(&cookie),
            &[("_csrf", &csrf), ("standard", "iso-22000-2018")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let loc = res.headers["location"].to_str().unwrap().to_string();
    let id: i64 = loc.trim_start_matches("/assessments/").parse().unwrap();
    let form_page = app.get_page(&loc, Some(&cookie)).await;
    assert!(form_page.body.contains("type=\"radio\""));
    // Save part, leave, come back: the answer is still there.
    let std = app.api("GET", "/api/v1/standards/iso-22000-2018", None, None).await.json();
    let items: Vec<String> =
        std["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect();
    let first = format!("a.{}", items[0]);
    let res = app
        .post_form(
            &format!("/assessments/{id}/answers"),
            Some(&cookie),
            &[("_csrf", &csrf), (&first, "tidak"), ("then", "save")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let again = app.get_page(&format!("/assessments/{id}"), Some(&cookie)).await;
    assert!(again.body.contains(&format!("name=\"{first}\" value=\"tidak\" checked")), "resumed");
    // A value outside the scale re-renders the form with the reason and 422.
    let res = app
        .post_form(
            &format!("/assessments/{id}/answers"),
            Some(&cookie),
            &[("_csrf", &csrf), (&first, "mungkin"), ("then", "save")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("mungkin"));
    // Answer the rest "ya" and complete in one go.
    let keys: Vec<String> = items.iter().skip(1).map(|i| format!("a.{i}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("then", "complete")];
    for k in &keys {
        form.push((k.as_str(), "ya"));
    }
    let res = app.post_form(&format!("/assessments/{id}/answers"), Some(&cookie), &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let done = app.get_page(&format!("/assessments/{id}"), Some(&cookie)).await;
    assert!(done.body.contains("id=\"plan\""), "an action plan");
    // Edit the action in the browser.
    let j = app.api("GET", &format!("/api/v1/assessments/{id}"), Some("petugas.samarinda"), None).await.json();
    let action = j["actions"][0]["id"].as_i64().unwrap().to_string();
    let res = app
        .post_form(
            &format!("/assessments/{id}/actions/{action}"),
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("text", ""),
                ("owner", "Pak Budi"),
                ("due_date", "2026-07-01"),
                ("status", "in_progress"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let j = app.api("GET", &format!("/api/v1/assessments/{id}"), Some("petugas.samarinda"), None).await.json();
    assert_eq!(
        (j["actions"][0]["owner"].clone(), j["actions"][0]["edited"].clone()),
        (json!("Pak Budi"), json!(false))
    );

    // The region picture: Samarinda sees its assessment; Balikpapan sees none.
    let region = app.api("GET", "/api/v1/readiness/region", Some("petugas.samarinda"), None).await.json();
    let p = &region.as_array().unwrap()[0];
    assert_eq!((p["code"].clone(), p["assessed"].clone()), (json!("iso-22000-2018"), json!(1)));
    assert_eq!(p["top_gaps"][0]["item_id"], items[0].as_str());
    assert_eq!(p["bands"].as_array().unwrap().iter().map(|b| b["enterprises"].as_u64().unwrap()).sum::<u64>(), 1);
    let other = app.api("GET", "/api/v1/readiness/region", Some("petugas.balikpapan"), None).await.json();
    assert!(other.as_array().unwrap().is_empty());
    let national = app.api("GET", "/api/v1/readiness/region", Some("kemenperin"), None).await.json();
    assert_eq!(national.as_array().unwrap().len(), 1);
    let page = app.get_page("/readiness", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("SNI ISO 22000:2018") && page.body.contains("<svg"));
}
