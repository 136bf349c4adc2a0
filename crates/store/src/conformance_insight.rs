//! Conformance stories of the rollups (see `conformance.rs`; re-exported
//! there so the `conformance_tests!` macro finds them).

use crate::conformance::{ctx, figures, nib, profile};
use crate::insight::{Dimension, Measures, RollupQuery, RollupRow};
use crate::{ImportRow, Store};
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::{QualityLevel, SizeClass};
use std::collections::BTreeMap;
use time::macros::date;

const ALL: [Dimension; 6] = [
    Dimension::Year,
    Dimension::Province,
    Dimension::Regency,
    Dimension::KbliDivision,
    Dimension::SizeClass,
    Dimension::QualityLevel,
];

fn by(group_by: &[Dimension]) -> RollupQuery {
    RollupQuery { group_by: group_by.to_vec(), ..RollupQuery::default() }
}

/// The finest cells as the triggers left them must equal a rebuild, and the
/// provincial table must equal the regency cells summed.
async fn assert_incremental_equals_rebuilt(s: &dyn Store, step: &str) {
    let i = s.insight();
    let incremental = i.rollup(&by(&ALL)).await.unwrap();
    let coarse = i
        .rollup(&by(&[
            Dimension::Year,
            Dimension::Province,
            Dimension::KbliDivision,
            Dimension::SizeClass,
            Dimension::QualityLevel,
        ]))
        .await
        .unwrap();
    let mut summed: BTreeMap<(i32, String, String, SizeClass, QualityLevel), Measures> = BTreeMap::new();
    for r in &incremental {
        let k = (
            r.year.unwrap(),
            r.province.clone().unwrap(),
            r.kbli_division.clone().unwrap(),
            r.size_class.unwrap(),
            r.quality_level.unwrap(),
        );
        summed.entry(k).or_default().add(&r.measures);
    }
    let coarse: BTreeMap<_, _> = coarse
        .into_iter()
        .map(|r| {
            (
                (
                    r.year.unwrap(),
                    r.province.unwrap(),
                    r.kbli_division.unwrap(),
                    r.size_class.unwrap(),
                    r.quality_level.unwrap(),
                ),
                r.measures,
            )
        })
        .collect();
    assert_eq!(coarse, summed, "{step}: provincial cells differ from the regency cells summed");
    let cells = i.rebuild_rollups().await.unwrap();
    let rebuilt = i.rollup(&by(&ALL)).await.unwrap();
    assert_eq!(incremental, rebuilt, "{step}: incremental rollups differ from a rebuild");
    assert_eq!(cells as usize, rebuilt.len(), "{step}");
}

fn total(rows: &[RollupRow], year: i32) -> Measures {
    rows.iter().find(|r| r.year == Some(year)).map(|r| r.measures).unwrap_or_default()
}

/// Every kind of write keeps the cells equal to a rebuild: register,
/// figures, finalise and correct, a level change from a permit, a regency
/// and a primary-KBLI change, an import batch, a deletion.
pub async fn story_rollups_follow_every_write(s: &dyn Store) {
    let c = ctx("petugas");
    let mut a = profile(801, "Tahu Insight", "64.72", &["10392"], &["tahu"]);
    let mut b = profile(802, "Sarung Insight", "64.71", &["13134", "10392"], &["sarung"]);
    let d = profile(803, "Gula Insight", "64.02", &["10721"], &["gula aren"]);
    for p in [&a, &b, &d] {
        s.register_enterprise(p, &c).await.unwrap();
    }
    let i = s.insight();
    assert!(i.rollup(&by(&[Dimension::Year])).await.unwrap().is_empty());
    assert!(i.years_with_data().await.unwrap().is_empty());

    s.record_figures(&a.nib, &figures(2023, 5, 100_000_000), &c).await.unwrap();
    s.record_figures(&a.nib, &figures(2024, 25, 2_000_000_000), &c).await.unwrap();
    s.record_figures(&b.nib, &figures(2024, 3, 50_000_000), &c).await.unwrap();
    s.record_figures(&d.nib, &figures(2022, 4, 60_000_000), &c).await.unwrap();
    s.record_figures(&d.nib, &figures(2023, 4, 60_000_000), &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "figures").await;
    let years = i.rollup(&by(&[Dimension::Year])).await.unwrap();
    assert_eq!(i.years_with_data().await.unwrap(), [2022, 2023, 2024]);
    // a went from kecil to menengah: one unit moved up in 2024.
    let t = total(&years, 2024);
    assert_eq!((t.units, t.workers, t.upgraded, t.exporters), (2, 28, 1, 2));
    assert_eq!(t.investment_idr, 2_050_000_000);
    assert_eq!(t.export_usd_cents, 280_000);
    // Filters: Kota Samarinda (64.72) holds only a; division 10 is a's and b's.
    let q = RollupQuery { region: Some("64.72".into()), group_by: vec![Dimension::Year], ..RollupQuery::default() };
    assert_eq!(i.rollup(&q).await.unwrap().iter().map(|r| r.measures.units).sum::<i64>(), 2);
    let q = RollupQuery {
        kbli_division: Some("10".into()),
        year_from: Some(2024),
        year_to: Some(2024),
        group_by: vec![Dimension::Regency],
        ..RollupQuery::default()
    };
    let rows = i.rollup(&q).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.regency.as_deref().unwrap()).collect::<Vec<_>>(), ["64.72"]);
    let q = RollupQuery { region: Some("64".into()), group_by: vec![Dimension::SizeClass], ..RollupQuery::default() };
    let sizes: Vec<_> = i.rollup(&q).await.unwrap().iter().map(|r| (r.size_class.unwrap(), r.measures.units)).collect();
    assert_eq!(sizes, [(SizeClass::Kecil, 4), (SizeClass::Menengah, 1)]);

    // A correction back to kecil: a no longer moved up.
    s.finalise_figures(&a.nib, 2024, &c).await.unwrap();
    s.correct_figures(&a.nib, &figures(2024, 3, 50_000_000), "salah ketik", &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "correct").await;
    assert_eq!(total(&i.rollup(&by(&[Dimension::Year])).await.unwrap(), 2024).upgraded, 0);

    // A valid permit raises b to L1: its latest year follows and counts as moved up.
    let pirt = Permit {
        kind: PermitKind::Pirt,
        number: "2056472010123-29".into(),
        issuer: "Dinas Kesehatan".into(),
        valid_from: date!(2024 - 01 - 10),
        valid_until: Some(date!(2029 - 01 - 10)),
    };
    s.record_figures(&b.nib, &figures(2023, 3, 50_000_000), &c).await.unwrap();
    let permit = s.add_permit(&b.nib, &pirt, &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "level").await;
    let levels = i
        .rollup(&RollupQuery {
            region: Some("64.71".into()),
            group_by: vec![Dimension::Year, Dimension::QualityLevel],
            ..RollupQuery::default()
        })
        .await
        .unwrap();
    let got: Vec<_> = levels.iter().map(|r| (r.year.unwrap(), r.quality_level.unwrap(), r.measures.upgraded)).collect();
    assert_eq!(got, [(2023, QualityLevel::L0, 0), (2024, QualityLevel::L1, 1)]);

    // Moving a to Balikpapan and b's primary KBLI to division 10 moves every year.
    a.regency = crate::conformance::region("64.71");
    s.update_profile(&a, None, &c).await.unwrap();
    b.kbli.reverse();
    s.update_profile(&b, None, &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "move").await;
    let q = RollupQuery { region: Some("64.72".into()), group_by: vec![Dimension::Year], ..RollupQuery::default() };
    assert!(i.rollup(&q).await.unwrap().is_empty());
    let q = RollupQuery { kbli_division: Some("13".into()), group_by: vec![Dimension::Year], ..RollupQuery::default() };
    assert!(i.rollup(&q).await.unwrap().is_empty());

    // An import batch: a new enterprise, a new year and a changed year.
    let e = profile(804, "Batik Insight", "64.72", &["13134"], &["batik"]);
    let rows = vec![
        ImportRow { row: 2, profile: e.clone(), figures: figures(2024, 6, 80_000_000) },
        ImportRow { row: 3, profile: a.clone(), figures: figures(2025, 30, 3_000_000_000) },
        ImportRow { row: 4, profile: b.clone(), figures: figures(2023, 2, 40_000_000) },
    ];
    s.import_batch(&rows, &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "import").await;
    assert_eq!(total(&i.rollup(&by(&[Dimension::Year])).await.unwrap(), 2025).upgraded, 1);

    // A year before an existing one, the permit gone again, a deletion.
    s.record_figures(&d.nib, &figures(2021, 40, 20_000_000_000), &c).await.unwrap();
    s.remove_permit(&b.nib, permit, &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "earlier year and level down").await;
    s.delete_enterprise(&d.nib, &c).await.unwrap();
    assert_incremental_equals_rebuilt(s, "delete").await;
    assert_eq!(i.years_with_data().await.unwrap(), [2023, 2024, 2025]);
    let q = RollupQuery { region: Some("64.02".into()), group_by: vec![Dimension::Year], ..RollupQuery::default() };
    assert!(i.rollup(&q).await.unwrap().is_empty());
    assert!(s.enterprise(&nib(803)).await.unwrap().is_none());
}

/// Coverage counts nothing without certificates and assessments, and a
/// region that holds nothing answers zeros, not an error.
pub async fn story_coverage_of_an_empty_region(s: &dyn Store) {
    let c = s.insight().coverage(Some("64.72")).await.unwrap();
    assert_eq!((c.certified_any, c.assessed, c.readiness_avg_permille), (0, 0, None));
    let n = s.insight().coverage(None).await.unwrap();
    assert_eq!(n.certified_sni + n.certified_iso, 0);
}
