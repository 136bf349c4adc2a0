//! Analyses through the API and pages: leading sectors matching a
//! hand-computed example to the digits shown, bad input as clear problems,
//! "not defined" instead of ∞/NaN, transitions with movers inside the
//! officer's region, programme impact labelled as observational.

use crate::support::*;
use axum::http::StatusCode;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_core::programs::{Benefit, Eligibility, ProgramDraft, ProgramKind};
use naikkelas_core::{Actor, Nib, Rupiah};
use naikkelas_store::programs::{Decider, NewEnrolment};
use naikkelas_store::AuditContext;
use serde_json::Value;

/// Registers an enterprise with `workers` in each given year (small
/// investment, so size class kecil throughout).
async fn seed(app: &TestApp, nib: &str, regency: &str, kbli: &str, years: &[(i32, i64)]) {
    let sys = Actor::system();
    let d = EnterpriseDraft {
        nib: nib.into(),
        name: format!("Usaha {nib}"),
        owner_name: "Pemilik Uji".into(),
        address: "Jl. Uji 2".into(),
        regency_code: regency.into(),
        kbli: kbli.into(),
        products: "produk".into(),
        ..Default::default()
    };
    app.svc.register_enterprise(&sys, &d).await.unwrap();
    for &(year, workers) in years {
        let f = FiguresDraft {
            year: year.to_string(),
            workers: workers.to_string(),
            investment: "Rp 100.000.000".into(),
            production: "Rp 120.000.000".into(),
            export: "0".into(),
            ..Default::default()
        };
        app.svc.record_figures(&sys, nib, &f).await.unwrap();
    }
}

/// The worked example of `naikkelas_core::insight` (workers by KBLI
/// division, 2020 → 2022): Kota Samarinda (64.72) = A, Kota Balikpapan
/// (64.71) = B, and nothing else in Kalimantan Timur in those years.
///
/// ```text
///            2020                    2022
///        10    13    16  total   10    13    16  total
///   A    40    10    50   100    60    11    48   119
///   B    60    90    50   200    66   108    56   230
///   P   100   100   100   300   126   119   104   349
/// ```
async fn worked_example(app: &TestApp) {
    let cells = [
        ("6472100000010", "64.72", "10391", 40, 60),
        ("6472100000013", "64.72", "13121", 10, 11),
        ("6472100000016", "64.72", "16221", 50, 48),
        ("6471100000010", "64.71", "10391", 60, 66),
        ("6471100000013", "64.71", "13121", 90, 108),
        ("6471100000016", "64.71", "16221", 50, 56),
    ];
    for (nib, regency, kbli, base, end) in cells {
        seed(app, nib, regency, kbli, &[(2020, base), (2022, end)]).await;
    }
}

fn sector<'a>(doc: &'a Value, division: &str) -> &'a Value {
    doc["sectors"].as_array().unwrap().iter().find(|s| s["division"] == division).unwrap()
}

fn codes(res: &Res) -> Vec<String> {
    res.json()["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_string()).collect()
}

pub async fn leading_sectors_match_the_hand_computed_example(app: TestApp) {
    worked_example(&app).await;
    let path = "/api/v1/analysis/leading-sectors?region=64.72&metric=workers&base_year=2020&end_year=2022";
    let res = app.api("GET", path, Some("kemenperin"), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d = res.json();
    assert_eq!((d["region"]["name"].as_str(), d["reference"]["code"].as_str()), (Some("Kota Samarinda"), Some("64")));
    assert_eq!((d["region_total"][0].as_i64(), d["region_total"][1].as_i64()), (Some(100), Some(119)));
    assert_eq!((d["reference_total"][0].as_i64(), d["reference_total"][1].as_i64()), (Some(300), Some(349)));
    // LQ_10 = (60/119)/(126/349) = 1.396559; base (40/100)/(100/300) = 1.2.
    let food = sector(&d, "10");
    assert_eq!((food["lq_end"]["value"].as_f64(), food["lq_end"]["text"].as_str()), (Some(1.396559), Some("1,40")));
    assert_eq!(food["lq_base"]["text"], "1,20");
    // DLQ = (1.5/1.19)/(1.26/1.163333) = 1.163799 → unggulan.
    assert_eq!((food["dlq"]["value"].as_f64(), food["dlq"]["text"].as_str()), (Some(1.163799), Some("1,16")));
    assert_eq!(food["position"]["key"], "unggulan");
    // Growth √1.5 − 1 = 22,5 % against √1.26 − 1 = 12,2 %: Klassen I.
    assert_eq!(
        (food["growth_region"]["text"].as_str(), food["growth_reference"]["text"].as_str()),
        (Some("22,5 %"), Some("12,2 %"))
    );
    assert_eq!(
        (food["klassen"]["quadrant"].as_str(), food["klassen"]["key"].as_str()),
        (Some("I"), Some("advanced_fast_growing"))
    );
    // Shift-share: r_n = 49/300; N = 6.533333, M = 3.866667, C = 9.6, D = 20.
    let ss = &food["shift_share"];
    assert_eq!(
        (
            ss["reference_share"].as_f64(),
            ss["industry_mix"].as_f64(),
            ss["competitive"].as_f64(),
            ss["change"].as_i64()
        ),
        (Some(6.533333), Some(3.866667), Some(9.6), Some(20))
    );
    assert_eq!(ss["text"], serde_json::json!(["6,53", "3,87", "9,60", "20,00"]));
    // Esteban-Marquillas: E' = 33.333333, C' = 8, A = 1.6.
    let em = &food["esteban_marquillas"];
    assert_eq!(
        (em["homothetic"]["value"].as_f64(), em["competitive"]["value"].as_f64(), em["allocation"]["value"].as_f64()),
        (Some(33.333333), Some(8.0), Some(1.6))
    );
    // Textiles: LQ 0.271097, DLQ 0.903656, C = −0.9: lagging on both readings.
    let tex = sector(&d, "13");
    assert_eq!((tex["lq_end"]["text"].as_str(), tex["dlq"]["text"].as_str()), (Some("0,27"), Some("0,90")));
    assert_eq!(
        (tex["position"]["key"].as_str(), tex["klassen"]["quadrant"].as_str()),
        (Some("tertinggal"), Some("IV"))
    );
    assert_eq!(tex["shift_share"]["competitive"].as_f64(), Some(-0.9));
    // Wood: LQ 1.353588, DLQ 0.902392, shrinking while the province grows: II.
    let wood = sector(&d, "16");
    assert_eq!((wood["lq_end"]["text"].as_str(), wood["dlq"]["text"].as_str()), (Some("1,35"), Some("0,90")));
    assert_eq!(
        (wood["position"]["key"].as_str(), wood["klassen"]["quadrant"].as_str()),
        (Some("prospektif_menurun"), Some("II"))
    );
    assert_eq!(
        d["summary"],
        "Di Kota Samarinda, industri makanan adalah sektor basis (LQ 1,40) dan tumbuh lebih cepat dari provinsi. \
         2 dari 3 golongan pokok KBLI adalah sektor basis pada 2022 (ukuran: tenaga kerja)."
    );
    // Balikpapan's wood industry is the prospective one: LQ 0.817057, DLQ 1.089409, Klassen III.
    let b = app
        .api(
            "GET",
            "/api/v1/analysis/leading-sectors?region=64.71&base_year=2020&end_year=2022",
            Some("kemenperin"),
            None,
        )
        .await
        .json();
    let wood = sector(&b, "16");
    assert_eq!((wood["lq_end"]["value"].as_f64(), wood["dlq"]["value"].as_f64()), (Some(0.817057), Some(1.089409)));
    assert_eq!(
        (wood["position"]["key"].as_str(), wood["klassen"]["quadrant"].as_str()),
        (Some("andalan_prospektif"), Some("III"))
    );
    // A province is compared with the nation.
    let kaltim = app
        .api("GET", "/api/v1/analysis/leading-sectors?region=64&base_year=2020&end_year=2022", Some("kemenperin"), None)
        .await
        .json();
    assert_eq!((kaltim["reference"].is_null(), kaltim["region"]["name"].as_str()), (true, Some("Kalimantan Timur")));

    // The page: summary, table, quadrants; the XLSX export.
    let (cookie, _) = app.login("kemenperin").await;
    let page = app.get_page("/analysis/leading-sectors?region=64.72&base_year=2020&end_year=2022", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("industri makanan adalah sektor basis (LQ 1,40)"), "{}", page.body);
    assert!(page.body.contains(r#"id="klassen-chart""#));
    let q1 = page.body.split(r#"id="quadrant-advanced_fast_growing""#).nth(1).unwrap();
    assert!(q1.split("</tr>").next().unwrap().contains("10 Industri Makanan"));
    let x =
        app.get_page("/analysis/leading-sectors.xlsx?region=64.72&base_year=2020&end_year=2022", Some(&cookie)).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    assert!(x.body.starts_with("PK"), "an XLSX file is a zip");
}

async fn lead(app: &TestApp, q: &str) -> Res {
    let path = format!("/api/v1/analysis/leading-sectors?{q}");
    app.api("GET", &path, Some("kemenperin"), None).await
}

pub async fn bad_analysis_input_is_a_clear_problem(app: TestApp) {
    worked_example(&app).await;
    for (q, code) in [
        ("region=64.99", "region.unknown"),
        ("region=6x", "region.format"),
        ("region=64.72.01", "analysis.region_level"),
        ("", "analysis.region_required"),
        ("region=64.72&metric=omzet", "analysis.metric_unknown"),
        ("region=64.72&base_year=1999", "analysis.year_no_data"),
        ("region=64.72&base_year=abc", "year.format"),
        ("region=64.72&base_year=2022&end_year=2020", "analysis.period"),
        ("region=64.74&base_year=2020&end_year=2022", "analysis.region_no_data"),
    ] {
        let res = lead(&app, q).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", res.body);
        assert_eq!(codes(&res), [code], "{q}");
        assert!(res.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json"));
    }
    // 2024 holds only the registry of the test app (division 10): textiles
    // vanished from the province, so their end-year LQ is not defined.
    let d = lead(&app, "region=64.72&base_year=2022&end_year=2024").await.json();
    let tex = sector(&d, "13");
    assert_eq!(tex["lq_end"]["value"], Value::Null);
    assert_eq!(
        (tex["lq_end"]["text"].as_str(), tex["lq_end"]["not_defined"].as_str()),
        (Some("tidak terdefinisi"), Some("zero_reference_sector"))
    );
    assert!(!d.to_string().contains("inf") && !d.to_string().contains("NaN"));
    // The page shows the same problem in place of the results.
    let (cookie, _) = app.login("kemenperin").await;
    let page = app.get_page("/analysis/leading-sectors?region=64.99", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("64.99 tidak terdaftar") && !page.body.contains(r#"id="sectors""#), "{}", page.body);
    // Who may: officers in their own region only; owners, buyers, the public not at all.
    let own = "/api/v1/analysis/leading-sectors?region=64.72&base_year=2020&end_year=2022";
    assert_eq!(app.api("GET", own, Some("petugas.samarinda"), None).await.status, StatusCode::OK);
    let other = "/api/v1/analysis/leading-sectors?region=64.71&base_year=2020&end_year=2022";
    assert_eq!(app.api("GET", other, Some("petugas.samarinda"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", own, Some("pemilik"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", own, Some("pembeli"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", own, None, None).await.status, StatusCode::UNAUTHORIZED);
}

/// 2023 → 2024: Amplang Mahakam (64.72) grows from kecil to menengah,
/// Kerupuk Balikpapan Jaya (64.71) shrinks from menengah to kecil, Tempe Bu
/// Sri (64.72) stays kecil.
async fn year_before(app: &TestApp) {
    let sys = Actor::system();
    for (nib, workers, inv) in
        [(SMD_NIB2, "5", "Rp 100.000.000"), (BPN_NIB, "25", "Rp 2.000.000.000"), (SMD_NIB, "4", "Rp 40.000.000")]
    {
        let f = FiguresDraft {
            year: "2023".into(),
            workers: workers.into(),
            investment: inv.into(),
            production: "Rp 100.000.000".into(),
            export: "0".into(),
            ..Default::default()
        };
        app.svc.record_figures(&sys, nib, &f).await.unwrap();
    }
}

pub async fn transitions_and_movers_stay_in_the_region(app: TestApp) {
    year_before(&app).await;
    let t = app.api("GET", "/api/v1/analysis/transitions?year=2023", Some("kemenperin"), None).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    let t = t.json();
    assert_eq!((t["up"].as_u64(), t["same"].as_u64(), t["down"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!(t["counts"], serde_json::json!([[1, 1, 0], [1, 0, 0], [0, 0, 0]]));
    assert_eq!(t["rungs"], serde_json::json!(["kecil", "menengah", "besar"]));
    // The officer sees their own region by default, and its movers by name.
    let smd = app.api("GET", "/api/v1/analysis/transitions", Some("petugas.samarinda"), None).await.json();
    assert_eq!(
        (smd["region"]["code"].as_str(), smd["up"].as_u64(), smd["down"].as_u64()),
        (Some("64.72"), Some(1), Some(0))
    );
    let m = app.api("GET", "/api/v1/analysis/movers?direction=up", Some("petugas.samarinda"), None).await.json();
    assert_eq!(m["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (m["items"][0]["name"].as_str(), m["items"][0]["to"].as_str()),
        (Some("Amplang Mahakam"), Some("menengah"))
    );
    let down = app.api("GET", "/api/v1/analysis/movers?direction=down", Some("petugas.samarinda"), None).await.json();
    assert!(down["items"].as_array().unwrap().is_empty());
    // Balikpapan's mover is not Samarinda's business.
    let res =
        app.api("GET", "/api/v1/analysis/movers?region=64.71&direction=down", Some("petugas.samarinda"), None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", "/api/v1/analysis/movers", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("GET", "/api/v1/analysis/movers", Some("pembeli"), None).await.status, StatusCode::FORBIDDEN);
    for (q, code) in [
        ("ladder=tinggi", "analysis.ladder_unknown"),
        ("year=2020", "analysis.year_no_pair"),
        ("direction=kiri", "analysis.direction_unknown"),
    ] {
        let res = app.api("GET", &format!("/api/v1/analysis/movers?{q}"), Some("kemenperin"), None).await;
        assert_eq!((res.status, codes(&res)), (StatusCode::UNPROCESSABLE_ENTITY, vec![code.to_string()]), "{q}");
    }
    let lv = app.api("GET", "/api/v1/analysis/transitions?ladder=quality_level", Some("kemenperin"), None).await.json();
    assert_eq!((lv["rungs"].as_array().unwrap().len(), lv["total"].as_u64()), (6, Some(3)));
    // The page: matrix and movers.
    let (cookie, _) = app.login("petugas.samarinda").await;
    let page = app.get_page("/analysis/transitions", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"id="matrix""#) && page.body.contains("Amplang Mahakam"), "{}", page.body);
    assert!(!page.body.contains("Kerupuk Balikpapan Jaya"));
}

pub async fn programme_impact_is_labelled_observational(app: TestApp) {
    year_before(&app).await;
    let programs = app.svc.store().programs();
    let draft = ProgramDraft {
        year: 2023,
        kind: ProgramKind::PelatihanPendampingan,
        name: "Pendampingan IKM Pangan".into(),
        owner_unit: "Direktorat IKM Pangan".into(),
        budget: Rupiah::new_unchecked(1_000_000_000),
        quota: None,
        starts_on: time::macros::date!(2023 - 01 - 01),
        ends_on: time::macros::date!(2023 - 12 - 31),
        eligibility: Eligibility::default(),
        benefit: Benefit::Flat { amount: Rupiah::new_unchecked(5_000_000) },
    };
    // Approved in 2023: 2023 is Amplang Mahakam's start year.
    let at = AuditContext::new("kemenperin", time::macros::datetime!(2023-03-01 09:00 UTC));
    let pid = programs.create_program(&draft, &at).await.unwrap();
    let e = NewEnrolment {
        program_id: pid,
        nib: Nib::parse(SMD_NIB2).unwrap(),
        purchase: None,
        requested: Rupiah::new_unchecked(5_000_000),
        note: None,
    };
    let id = programs.enrol(&e, Decider { user_id: 1 }, &at).await.unwrap();
    programs.verify(id, Decider { user_id: 2 }, &at).await.unwrap();
    programs.approve(id, Decider { user_id: 3 }, Rupiah::new_unchecked(5_000_000), &at).await.unwrap();

    let res = app.api("GET", &format!("/api/v1/analysis/programs/{pid}/impact"), Some("kemenperin"), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let d = res.json();
    assert_eq!(d["design"], "observational");
    // One year on: the participant moved up; its match (Tempe Bu Sri, same
    // province, division, class and level in 2023) did not.
    let h1 = &d["horizons"][0];
    assert_eq!(
        (h1["years"].as_u64(), h1["participants"].as_u64(), h1["comparison_matched"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        (h1["estimate"]["difference"].as_f64(), h1["estimate"]["text"][2].as_str()),
        (Some(1.0), Some("100,0 %"))
    );
    // Two years on nothing is observed yet: no estimate, not a zero.
    let h2 = &d["horizons"][1];
    assert_eq!((h2["participants"].as_u64(), h2["estimate"].is_null()), (Some(0), true));
    let (cookie, _) = app.login("kemenperin").await;
    let list = app.get_page("/analysis/transitions", Some(&cookie)).await;
    assert!(list.body.contains(&format!(r#"href="/analysis/programs/{pid}/impact""#)), "{}", list.body);
    let page = app.get_page(&format!("/analysis/programs/{pid}/impact"), Some(&cookie)).await;
    assert!(page.body.contains("Perkiraan observasional") && page.body.contains("100,0 %"), "{}", page.body);
    assert_eq!(
        app.api("GET", "/api/v1/analysis/programs/99999/impact", Some("kemenperin"), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api("GET", &format!("/api/v1/analysis/programs/{pid}/impact"), Some("pemilik"), None).await.status,
        StatusCode::FORBIDDEN
    );
}
