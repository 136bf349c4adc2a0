//! Ranking candidate suppliers for a sourcing request.
//!
//! Hard filters (an active certificate for every required standard, the
//! request's KBLI class) decide who is a candidate at all; the store applies
//! them starting from the few active certificates, never the registry. This
//! module scores the candidates that pass, out of 1000:
//!
//! | part | points | how |
//! |---|---|---|
//! | capacity fit | 400 | full when the monthly capacity covers the minimum, in proportion below, 0 unknown or in another unit |
//! | distance | 300 | a preferred regency 300, the same province 150, elsewhere 0; no preference: 300 for all |
//! | quality level | 200 | 40 per rung (L5 = 200, DESIGN.md §3) |
//! | readiness | 100 | latest readiness score ‰ / 10 |
//!
//! Capacity weighs most because a buyer of large industry cannot use a
//! supplier who cannot deliver the volume; the quality level already says
//! more than readiness once a certificate is held, so readiness only breaks ties.

use super::capacity::{Capacity, CapacityUnit};
use crate::{QualityLevel, RegionCode};
use serde::Serialize;
use time::Date;

pub const CAPACITY_POINTS: u32 = 400;
pub const DISTANCE_POINTS: u32 = 300;
pub const QUALITY_POINTS_PER_RUNG: u32 = 40;
pub const READINESS_POINTS: u32 = 100;

/// What the request asks, as scoring needs it.
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    pub min_monthly: Capacity,
    pub regions: &'a [RegionCode],
}

/// What is known of a candidate.
#[derive(Debug, Clone, Copy)]
pub struct CandidateFacts<'a> {
    pub regency: &'a RegionCode,
    /// Capacity per year from the latest figures, when reported in a known unit.
    pub yearly_capacity: Option<Capacity>,
    pub quality: QualityLevel,
    /// Latest completed readiness assessment score, per mille.
    pub readiness_permille: Option<u16>,
}

/// How near the candidate is to what the buyer prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proximity {
    Elsewhere,
    SameProvince,
    /// Inside a preferred regency (or no preference was given).
    Preferred,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchScore {
    pub total: u32,
    pub capacity: u32,
    pub distance: u32,
    pub quality: u32,
    pub readiness: u32,
    pub proximity: Proximity,
    /// The candidate's monthly capacity in the request's unit.
    pub monthly_capacity: Option<i64>,
}

/// Why a candidate is shown, rendered in the user's language by the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// An active certificate for a required (or, without requirements, any) standard.
    Certificate {
        standard: String,
        number: String,
        #[serde(with = "super::day")]
        until: Date,
    },
    Capacity {
        monthly: i64,
        unit: CapacityUnit,
        enough: bool,
    },
    CapacityUnknown,
    Region {
        regency: RegionCode,
    },
    Quality {
        level: QualityLevel,
    },
}

pub fn proximity(regency: &RegionCode, preferred: &[RegionCode]) -> Proximity {
    if preferred.is_empty() {
        return Proximity::Preferred;
    }
    let province = regency.province();
    if preferred.iter().any(|p| p.level() != crate::RegionLevel::Province && p.contains(regency)) {
        Proximity::Preferred
    } else if preferred.iter().any(|p| p.province() == province) {
        Proximity::SameProvince
    } else {
        Proximity::Elsewhere
    }
}

/// The score of one candidate; pure, so it is tested here and the same
/// everywhere it is used.
pub fn score(need: &Need<'_>, c: &CandidateFacts<'_>) -> MatchScore {
    let monthly =
        c.yearly_capacity.and_then(|y| Capacity::monthly_from_yearly(y.amount, y.unit).in_unit(need.min_monthly.unit));
    let capacity = match monthly {
        Some(m) if m >= need.min_monthly.amount => CAPACITY_POINTS,
        Some(m) if m > 0 => (i128::from(CAPACITY_POINTS) * i128::from(m) / i128::from(need.min_monthly.amount)) as u32,
        _ => 0,
    };
    let proximity = proximity(c.regency, need.regions);
    let distance = match proximity {
        Proximity::Preferred => DISTANCE_POINTS,
        Proximity::SameProvince => DISTANCE_POINTS / 2,
        Proximity::Elsewhere => 0,
    };
    let quality = QUALITY_POINTS_PER_RUNG * u32::from(c.quality.rank());
    let readiness = c.readiness_permille.map(|p| u32::from(p.min(1000)) * READINESS_POINTS / 1000).unwrap_or(0);
    MatchScore {
        total: capacity + distance + quality + readiness,
        capacity,
        distance,
        quality,
        readiness,
        proximity,
        monthly_capacity: monthly,
    }
}

/// The reasons shown with a match, certificates first.
pub fn explain(
    need: &Need<'_>,
    c: &CandidateFacts<'_>,
    s: &MatchScore,
    certificates: Vec<(String, String, Date)>,
) -> Vec<Reason> {
    let mut out: Vec<Reason> = certificates
        .into_iter()
        .map(|(standard, number, until)| Reason::Certificate { standard, number, until })
        .collect();
    out.push(match s.monthly_capacity {
        Some(m) => Reason::Capacity { monthly: m, unit: need.min_monthly.unit, enough: m >= need.min_monthly.amount },
        None => Reason::CapacityUnknown,
    });
    out.push(Reason::Region { regency: c.regency.clone() });
    out.push(Reason::Quality { level: c.quality });
    out
}

/// Orders candidates best first; equal scores by the identifier given, so
/// the order is stable across requests and backends.
pub fn rank<T, K: Ord>(items: &mut [T], score: impl Fn(&T) -> u32, key: impl Fn(&T) -> K) {
    items.sort_by(|a, b| score(b).cmp(&score(a)).then_with(|| key(a).cmp(&key(b))));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn liters(n: i64) -> Capacity {
        Capacity { amount: n, unit: CapacityUnit::Liter }
    }

    #[test]
    fn region_hierarchy_orders_regency_then_province_then_elsewhere() {
        let pref = [code("64.72")];
        assert_eq!(proximity(&code("64.72"), &pref), Proximity::Preferred);
        assert_eq!(proximity(&code("64.71"), &pref), Proximity::SameProvince);
        assert_eq!(proximity(&code("65.02"), &pref), Proximity::Elsewhere);
        assert_eq!(proximity(&code("64.71"), &[code("64")]), Proximity::SameProvince);
        assert_eq!(proximity(&code("65.02"), &[]), Proximity::Preferred, "no preference favours nobody");
    }

    #[test]
    fn score_weighs_capacity_distance_quality_and_readiness() {
        let regions = [code("64.72")];
        let need = Need { min_monthly: liters(40_000), regions: &regions };
        let smd = code("64.72");
        let full = CandidateFacts {
            regency: &smd,
            yearly_capacity: Some(liters(480_000)),
            quality: QualityLevel::L5,
            readiness_permille: Some(1000),
        };
        let s = score(&need, &full);
        assert_eq!((s.capacity, s.distance, s.quality, s.readiness, s.total), (400, 300, 200, 100, 1000));
        assert_eq!(s.monthly_capacity, Some(40_000));

        let half = CandidateFacts { yearly_capacity: Some(liters(240_000)), ..full };
        assert_eq!(score(&need, &half).capacity, 200);
        let in_m3 = CandidateFacts { yearly_capacity: Some(Capacity { amount: 480, unit: CapacityUnit::M3 }), ..full };
        assert_eq!(score(&need, &in_m3).capacity, 400, "m3 converts to liters");
        let in_kg =
            CandidateFacts { yearly_capacity: Some(Capacity { amount: 480_000, unit: CapacityUnit::Kg }), ..full };
        assert_eq!(score(&need, &in_kg).capacity, 0, "a mass says nothing about liters");
        assert_eq!(score(&need, &in_kg).monthly_capacity, None);

        let bpn = code("64.71");
        let near = CandidateFacts { regency: &bpn, ..full };
        assert_eq!(score(&need, &near).distance, 150);
        let l3 = CandidateFacts { quality: QualityLevel::L3, readiness_permille: None, ..full };
        assert_eq!(score(&need, &l3).quality, 120);
        assert_eq!(score(&need, &l3).readiness, 0);
        assert!(score(&need, &full).total > score(&need, &near).total);
    }

    #[test]
    fn explanation_lists_certificates_capacity_region_and_level() {
        let need = Need { min_monthly: liters(50_000), regions: &[] };
        let smd = code("64.72");
        let c = CandidateFacts {
            regency: &smd,
            yearly_capacity: Some(liters(480_000)),
            quality: QualityLevel::L3,
            readiness_permille: None,
        };
        let s = score(&need, &c);
        let until = time::macros::date!(2027 - 03 - 01);
        let r = explain(&need, &c, &s, vec![("SNI 3553:2015".into(), "NK-SNI-2026-000001".into(), until)]);
        assert!(matches!(&r[0], Reason::Certificate { standard, .. } if standard == "SNI 3553:2015"));
        assert_eq!(r[1], Reason::Capacity { monthly: 40_000, unit: CapacityUnit::Liter, enough: false });
        assert_eq!(r[2], Reason::Region { regency: smd.clone() });
        assert_eq!(r[3], Reason::Quality { level: QualityLevel::L3 });
    }

    #[test]
    fn ranking_is_best_first_and_stable() {
        let mut v = vec![(2, 500), (1, 500), (3, 900)];
        rank(&mut v, |x| x.1, |x| x.0);
        assert_eq!(v, vec![(3, 900), (1, 500), (2, 500)]);
    }
}
