//! Programme impact by exact matching (issue #8 item 6).
//!
//! Question: of the enterprises in a programme, what share moved up a class
//! (size class or quality level higher, DESIGN.md §3) within h years of
//! their start, and how does that compare with similar enterprises outside
//! the programme?
//!
//! Method:
//! 1. Each unit is placed in a stratum: start year, province, KBLI division
//!    of its primary code, size class and quality level in the start year.
//!    A participant's start year is the year its enrolment was approved; a
//!    comparison unit is any enterprise not enrolled in the programme with
//!    figures in that year.
//! 2. Only units observed h years later count (their figures for year
//!    start + h exist). Strata with participants but no comparison unit are
//!    dropped, and reported as such with the participants they held.
//! 3. In each kept stratum s: p_s = share of participants moved up, q_s the
//!    same for comparison units. The estimate is the participant-weighted
//!    difference Δ = Σ w_s (p_s − q_s), w_s = n_s / Σ n (participants), which
//!    is the average effect on the participants under exact matching.
//! 4. Its variance, treating strata as independent binomial samples, is
//!    Σ w_s² (p_s(1−p_s)/n_s + q_s(1−q_s)/m_s); the 95 % interval is
//!    Δ ± 1.96 · SE (normal approximation).
//!
//! This is an observational estimate: enterprises choose, or are chosen for,
//! programmes, and matching on five observed traits does not remove
//! differences in motivation, management or access to credit. The normal
//! approximation is poor for small strata (SE 0 when every share is 0 or
//! 1); pages show the sample sizes next to the estimate for that reason.

use crate::quality::QualityLevel;
use crate::size_class::SizeClass;
use serde::Serialize;
use std::collections::BTreeMap;

/// z for a two-sided 95 % normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The traits units are matched on exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Stratum {
    pub start_year: i32,
    pub province: String,
    pub kbli_division: String,
    pub size_class: SizeClass,
    pub level: QualityLevel,
}

/// Units of one stratum and one group observed at the horizon, and how
/// many of them moved up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CohortCell {
    pub stratum: Stratum,
    pub participant: bool,
    pub observed: u64,
    pub moved_up: u64,
}

/// Sample sizes behind an estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Participants observed at the horizon.
    pub participants: u64,
    /// Of those, the ones in strata that had comparison units.
    pub participants_matched: u64,
    /// Comparison units in the kept strata.
    pub comparison_matched: u64,
    pub strata_used: u64,
    /// Strata with participants but no comparison unit.
    pub strata_dropped: u64,
}

/// The estimate, with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// Share of matched participants that moved up.
    pub participant_share: f64,
    /// The comparison share reweighted to the participants' strata.
    pub comparison_share: f64,
    /// participant_share − comparison_share.
    pub difference: f64,
    pub standard_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Impact {
    pub sample: Sample,
    /// `None` when no participant could be matched.
    pub estimate: Option<Estimate>,
}

#[derive(Default)]
struct Tally {
    n: u64,
    x: u64,
    m: u64,
    y: u64,
}

/// Estimates the impact from cohort cells (see the module notes). Cells of
/// the same stratum and group add up.
pub fn estimate(cells: impl IntoIterator<Item = CohortCell>) -> Impact {
    let mut strata: BTreeMap<Stratum, Tally> = BTreeMap::new();
    for c in cells {
        let t = strata.entry(c.stratum).or_default();
        if c.participant {
            t.n += c.observed;
            t.x += c.moved_up;
        } else {
            t.m += c.observed;
            t.y += c.moved_up;
        }
    }
    let mut sample = Sample::default();
    let mut kept: Vec<&Tally> = Vec::new();
    for t in strata.values().filter(|t| t.n > 0) {
        sample.participants += t.n;
        if t.m == 0 {
            sample.strata_dropped += 1;
            continue;
        }
        sample.participants_matched += t.n;
        sample.comparison_matched += t.m;
        sample.strata_used += 1;
        kept.push(t);
    }
    if sample.participants_matched == 0 {
        return Impact { sample, estimate: None };
    }
    let total = sample.participants_matched as f64;
    let (mut p_all, mut q_all, mut var) = (0.0, 0.0, 0.0);
    for t in kept {
        let w = t.n as f64 / total;
        let p = t.x as f64 / t.n as f64;
        let q = t.y as f64 / t.m as f64;
        p_all += w * p;
        q_all += w * q;
        var += w * w * (p * (1.0 - p) / t.n as f64 + q * (1.0 - q) / t.m as f64);
    }
    let difference = p_all - q_all;
    let se = var.sqrt();
    Impact {
        sample,
        estimate: Some(Estimate {
            participant_share: p_all,
            comparison_share: q_all,
            difference,
            standard_error: se,
            ci_low: difference - Z95 * se,
            ci_high: difference + Z95 * se,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stratum(province: &str) -> Stratum {
        Stratum {
            start_year: 2022,
            province: province.into(),
            kbli_division: "10".into(),
            size_class: SizeClass::Kecil,
            level: QualityLevel::L1,
        }
    }

    fn cell(province: &str, participant: bool, observed: u64, moved_up: u64) -> CohortCell {
        CohortCell { stratum: stratum(province), participant, observed, moved_up }
    }

    // Hand-computed example:
    //   stratum 64: participants 10, 6 up (p = 0.6); comparison 40, 8 up (q = 0.2)
    //   stratum 63: participants 30, 12 up (p = 0.4); comparison 20, 5 up (q = 0.25)
    //   stratum 62: participants 5, no comparison unit → dropped
    //   w = 10/40 = 0.25 and 30/40 = 0.75
    //   participant share = 0.25·0.6 + 0.75·0.4 = 0.45
    //   comparison share  = 0.25·0.2 + 0.75·0.25 = 0.2375
    //   Δ = 0.2125
    //   var = 0.0625·(0.24/10 + 0.16/40) + 0.5625·(0.24/30 + 0.1875/20)
    //       = 0.0625·0.028 + 0.5625·0.017375 = 0.00175 + 0.009773438 = 0.011523438
    //   SE = 0.107347; CI = 0.2125 ± 1.959964·0.107347 = [0.002103, 0.422897]
    #[test]
    fn hand_computed_stratified_difference() {
        let i = estimate([
            cell("64", true, 10, 6),
            cell("64", false, 40, 8),
            cell("63", true, 30, 12),
            cell("63", false, 20, 5),
            cell("62", true, 5, 5),
            cell("61", false, 100, 1),
        ]);
        assert_eq!(
            i.sample,
            Sample {
                participants: 45,
                participants_matched: 40,
                comparison_matched: 60,
                strata_used: 2,
                strata_dropped: 1
            }
        );
        let e = i.estimate.unwrap();
        let r = |x: f64| (x * 1e6).round() / 1e6;
        assert_eq!([r(e.participant_share), r(e.comparison_share), r(e.difference)], [0.45, 0.2375, 0.2125]);
        assert_eq!([r(e.standard_error), r(e.ci_low), r(e.ci_high)], [0.107347, 0.002103, 0.422897]);
    }

    #[test]
    fn nothing_matched_gives_no_estimate() {
        let i = estimate([cell("64", true, 3, 1), cell("63", false, 9, 2)]);
        assert_eq!(i.estimate, None);
        assert_eq!((i.sample.participants, i.sample.strata_dropped), (3, 1));
        assert_eq!(estimate([]).estimate, None);
    }
}
