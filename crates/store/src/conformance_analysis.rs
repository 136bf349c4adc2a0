//! Conformance stories of the analysis reads (see `conformance.rs`; the
//! stories are re-exported there so the `conformance_tests!` macro finds them).

use crate::analysis::{CohortQuery, MoverQuery, TransitionCell};
use crate::conformance::{ctx, figures, profile, region};
use crate::programs::{Decider, NewEnrolment};
use crate::Store;
use naikkelas_core::insight::impact::{CohortCell, Stratum};
use naikkelas_core::insight::transitions::{Direction, Ladder};
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::programs::{Benefit, Eligibility, ProgramDraft, ProgramKind};
use naikkelas_core::{QualityLevel, Rupiah, SizeClass};
use time::macros::date;

fn cell(from: &str, to: &str, count: u64) -> TransitionCell {
    TransitionCell { from: from.into(), to: to.into(), count }
}

/// Workers and investment of a kecil and a menengah year (Permenperin 64/2016).
const KECIL: (i64, i64) = (5, 100_000_000);
const MENENGAH: (i64, i64) = (25, 2_000_000_000);

async fn with_years(s: &dyn Store, n: u64, regency: &str, kbli: &str, years: &[(i32, (i64, i64))]) {
    let p = profile(n, &format!("Usaha {n}"), regency, &[kbli], &["produk"]);
    s.register_enterprise(&p, &ctx("admin")).await.unwrap();
    for &(year, (workers, investment)) in years {
        s.record_figures(&p.nib, &figures(year, workers, investment), &ctx("admin")).await.unwrap();
    }
}

pub async fn story_transitions_and_movers_by_region(s: &dyn Store) {
    // 64.72: 801 kecil → menengah, 802 menengah → kecil, 803 stays kecil,
    // 805 has 2024 only (no pair); 64.71: 804 kecil → menengah.
    with_years(s, 801, "64.72", "10791", &[(2023, KECIL), (2024, MENENGAH)]).await;
    with_years(s, 802, "64.72", "13121", &[(2023, MENENGAH), (2024, KECIL)]).await;
    with_years(s, 803, "64.72", "10791", &[(2023, KECIL), (2024, KECIL)]).await;
    with_years(s, 804, "64.71", "16221", &[(2023, KECIL), (2024, MENENGAH)]).await;
    with_years(s, 805, "64.72", "10791", &[(2024, KECIL)]).await;
    // A permit after both years lifts 803 to L1: its latest year follows.
    let permit = Permit {
        kind: PermitKind::Pirt,
        number: "P-IRT 803".into(),
        issuer: "DPMPTSP Kota Samarinda".into(),
        valid_from: date!(2024 - 01 - 10),
        valid_until: Some(date!(2029 - 01 - 10)),
    };
    s.add_permit(&crate::conformance::nib(803), &permit, &ctx("admin")).await.unwrap();

    let a = s.analysis();
    assert_eq!(a.transition_years().await.unwrap(), vec![2023]);
    let national = a.transitions(None, Ladder::SizeClass, 2023).await.unwrap();
    assert_eq!(national, vec![cell("kecil", "kecil", 1), cell("kecil", "menengah", 2), cell("menengah", "kecil", 1)]);
    assert_eq!(a.transitions(Some(&region("64")), Ladder::SizeClass, 2023).await.unwrap(), national);
    let samarinda = a.transitions(Some(&region("64.72")), Ladder::SizeClass, 2023).await.unwrap();
    assert_eq!(samarinda, vec![cell("kecil", "kecil", 1), cell("kecil", "menengah", 1), cell("menengah", "kecil", 1)]);
    let levels = a.transitions(Some(&region("64.72")), Ladder::QualityLevel, 2023).await.unwrap();
    assert_eq!(levels, vec![cell("L0", "L0", 2), cell("L0", "L1", 1)]);
    assert!(a.transitions(None, Ladder::SizeClass, 2024).await.unwrap().is_empty());

    // Movers, in NIB order, one page at a time, with names.
    let mut q = MoverQuery {
        region: None,
        ladder: Ladder::SizeClass,
        year: 2023,
        direction: Direction::Up,
        after: None,
        limit: 1,
    };
    let first = a.movers(&q).await.unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!((first.items[0].name.as_str(), first.items[0].kbli_division.as_str()), ("Usaha 801", "10"));
    assert_eq!((first.items[0].from.as_str(), first.items[0].to.as_str()), ("kecil", "menengah"));
    q.after = first.next.clone();
    let second = a.movers(&q).await.unwrap();
    assert_eq!((second.items[0].nib.as_str(), second.items[0].regency.as_str()), ("0000000000804", "64.71"));
    assert_eq!(second.next, None);
    q.region = Some(region("64.71"));
    q.after = None;
    q.direction = Direction::Down;
    assert!(a.movers(&q).await.unwrap().items.is_empty());
    q.region = Some(region("64.72"));
    let down = a.movers(&q).await.unwrap();
    assert_eq!(down.items.iter().map(|m| m.nib.as_str()).collect::<Vec<_>>(), ["0000000000802"]);
    q.ladder = Ladder::QualityLevel;
    q.direction = Direction::Up;
    let up = a.movers(&q).await.unwrap();
    assert_eq!((up.items.len(), up.items[0].to.as_str()), (1, "L1"));
}

fn stratum(division: &str) -> Stratum {
    Stratum {
        start_year: 2026,
        province: "64".into(),
        kbli_division: division.into(),
        size_class: SizeClass::Kecil,
        level: QualityLevel::L0,
    }
}

pub async fn story_impact_cohort_matches_participants_by_stratum(s: &dyn Store) {
    // The conformance clock approves in 2026, so 2026 is the start year.
    let program = ProgramDraft {
        year: 2026,
        kind: ProgramKind::PelatihanPendampingan,
        name: "Pendampingan IKM Pangan".into(),
        owner_unit: "Direktorat IKM Pangan".into(),
        budget: Rupiah::new_unchecked(1_000_000_000),
        quota: None,
        starts_on: date!(2026 - 01 - 01),
        ends_on: date!(2026 - 12 - 31),
        eligibility: Eligibility::default(),
        benefit: Benefit::Flat { amount: Rupiah::new_unchecked(5_000_000) },
    };
    let pid = s.programs().create_program(&program, &ctx("kemenperin")).await.unwrap();
    // Participants: 901 moves up, 902 stays (64.72, division 10); 903 in
    // division 13 has nobody to compare with. 907 applied but was never
    // approved: a comparison unit like 904–906 (905 moves up).
    let grows = [(2026, KECIL), (2027, MENENGAH)];
    let stays = [(2026, KECIL), (2027, KECIL)];
    for (n, regency, kbli, years) in [
        (901, "64.72", "10791", grows),
        (902, "64.72", "10791", stays),
        (903, "64.71", "13121", stays),
        (904, "64.72", "10791", stays),
        (905, "64.71", "10392", grows),
        (906, "64.72", "10791", stays),
        (907, "64.72", "10791", stays),
    ] {
        with_years(s, n, regency, kbli, &years).await;
    }
    let p = s.programs();
    for n in [901, 902, 903, 907] {
        let e = NewEnrolment {
            program_id: pid,
            nib: crate::conformance::nib(n),
            purchase: None,
            requested: Rupiah::new_unchecked(5_000_000),
            note: None,
        };
        let id = p.enrol(&e, Decider { user_id: 1 }, &ctx("petugas")).await.unwrap();
        if n != 907 {
            p.verify(id, Decider { user_id: 2 }, &ctx("petugas")).await.unwrap();
            p.approve(id, Decider { user_id: 3 }, Rupiah::new_unchecked(5_000_000), &ctx("kepala")).await.unwrap();
        }
    }
    let a = s.analysis();
    let q = CohortQuery { program_id: pid, region: None, horizon: 1 };
    let cells = a.impact_cohort(&q).await.unwrap();
    let c = |division: &str, participant: bool, observed: u64, moved_up: u64| CohortCell {
        stratum: stratum(division),
        participant,
        observed,
        moved_up,
    };
    assert_eq!(cells, vec![c("10", false, 4, 1), c("10", true, 2, 1), c("13", true, 1, 0)]);
    // Nothing observed two years on yet.
    assert!(a.impact_cohort(&CohortQuery { horizon: 2, ..q.clone() }).await.unwrap().is_empty());
    // The region limits both groups.
    let balikpapan = a.impact_cohort(&CohortQuery { region: Some(region("64.71")), ..q.clone() }).await.unwrap();
    assert_eq!(balikpapan, vec![c("10", false, 1, 1), c("13", true, 1, 0)]);
    // Another programme has no participants, so no cohort at all.
    let empty = CohortQuery { program_id: pid + 1000, ..q };
    assert!(a.impact_cohort(&empty).await.unwrap().is_empty());
}
