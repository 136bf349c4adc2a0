//! Dynamic location quotient and the SLQ/DLQ matrix (DOMAIN.md §8):
//!
//! DLQ_i = [(1 + g_ik) / (1 + g_k)]^t / [(1 + g_ip) / (1 + g_p)]^t
//!
//! where g_ik and g_k are the average yearly growth of sector i and of the
//! whole measure in region k, g_ip and g_p the same in reference area p,
//! and t the number of years. DOMAIN.md marks the exponent form as general
//! knowledge (†): the source lists the variables, not the formula image.
//!
//! "Average growth" here is the compound (geometric) yearly rate between the
//! base and the end year, (end / base)^(1/t) − 1. It needs only the two
//! years, so a gap year in the data does not make the DLQ undefined; with it
//! the exponent form equals the ratio of the four end/base growth factors,
//! which the tests use as an independent check.

use super::ratio::{Ratio, Undefined};
use serde::Serialize;

/// Base year to end year, end strictly after base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    base: i32,
    end: i32,
}

impl Period {
    pub fn new(base: i32, end: i32) -> Option<Period> {
        (end > base).then_some(Period { base, end })
    }
    pub fn base(self) -> i32 {
        self.base
    }
    pub fn end(self) -> i32 {
        self.end
    }
    /// t, the number of years.
    pub fn years(self) -> u32 {
        (self.end - self.base) as u32
    }
}

/// Compound average yearly growth from `base` to `end` over the period.
/// Not defined over a base of zero.
pub fn average_growth(base: i64, end: i64, period: Period) -> Ratio {
    Ratio::divide(end as f64, base as f64, Undefined::ZeroBase)
        .and_then(|factor| Ratio::finite(factor.powf(1.0 / f64::from(period.years())) - 1.0))
}

/// The four average growth rates the DLQ compares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Growth {
    /// g_ik: the sector in the region.
    pub sector_region: Ratio,
    /// g_k: the whole region.
    pub region: Ratio,
    /// g_ip: the sector in the reference area.
    pub sector_reference: Ratio,
    /// g_p: the whole reference area.
    pub reference: Ratio,
}

impl Growth {
    /// The dynamic LQ over `period`. Not defined when a growth rate is not
    /// (a zero base), or when a whole total or the reference sector fell to
    /// zero (a zero factor in a denominator).
    pub fn dlq(&self, period: Period) -> Ratio {
        let t = period.years() as i32;
        let local =
            self.sector_region.zip(self.region, |gi, g| Ratio::divide(1.0 + gi, 1.0 + g, Undefined::ZeroRegionTotal));
        let wide = self
            .sector_reference
            .zip(self.reference, |gi, g| Ratio::divide(1.0 + gi, 1.0 + g, Undefined::ZeroReferenceTotal));
        local.zip(wide, |l, w| Ratio::divide(l.powi(t), w.powi(t), Undefined::ZeroReferenceSector))
    }
}

/// A sector's place in the SLQ/DLQ matrix. The matrix labels differ between
/// authors (DOMAIN.md §8), so the meaning is stored, not a cell number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectorPosition {
    /// SLQ > 1 and DLQ > 1: leading — basis now and still gaining.
    Unggulan,
    /// SLQ ≤ 1 and DLQ > 1: prospective — not basis yet, gaining.
    AndalanProspektif,
    /// SLQ > 1 and DLQ ≤ 1: basis now but losing ground (the source calls it
    /// "tertinggal"; "prospektif menurun" says what it means).
    ProspektifMenurun,
    /// SLQ ≤ 1 and DLQ ≤ 1: lagging.
    Tertinggal,
}

impl SectorPosition {
    pub const ALL: [SectorPosition; 4] = [
        SectorPosition::Unggulan,
        SectorPosition::AndalanProspektif,
        SectorPosition::ProspektifMenurun,
        SectorPosition::Tertinggal,
    ];

    /// Places a sector; `None` when either quotient is not defined. A value
    /// of exactly 1 counts as "not above" (same specialisation or pace).
    pub fn classify(slq: Ratio, dlq: Ratio) -> Option<SectorPosition> {
        Some(match (slq.above(1.0)?, dlq.above(1.0)?) {
            (true, true) => SectorPosition::Unggulan,
            (false, true) => SectorPosition::AndalanProspektif,
            (true, false) => SectorPosition::ProspektifMenurun,
            (false, false) => SectorPosition::Tertinggal,
        })
    }

    /// Stable key for translations and the API.
    pub fn key(self) -> &'static str {
        match self {
            SectorPosition::Unggulan => "unggulan",
            SectorPosition::AndalanProspektif => "andalan_prospektif",
            SectorPosition::ProspektifMenurun => "prospektif_menurun",
            SectorPosition::Tertinggal => "tertinggal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round(r: Ratio, digits: i32) -> f64 {
        let f = 10f64.powi(digits);
        (r.value().unwrap() * f).round() / f
    }

    /// Base and end values of e_i, e_t, E_i and E_t.
    fn growth([e0, e1]: [i64; 2], [et0, et1]: [i64; 2], [p0, p1]: [i64; 2], [pt0, pt1]: [i64; 2], p: Period) -> Growth {
        Growth {
            sector_region: average_growth(e0, e1, p),
            region: average_growth(et0, et1, p),
            sector_reference: average_growth(p0, p1, p),
            reference: average_growth(pt0, pt1, p),
        }
    }

    // Worked example (see `lq` and `leading`), base year 2022, end 2024, t = 2.
    // Regency A, division 10: 40 → 60 workers; A total 100 → 119;
    // province division 10: 100 → 126; province total 300 → 349.
    //   g_ik = √(60/40) − 1   = √1.5  − 1 = 0.224745
    //   g_k  = √(119/100) − 1 = √1.19 − 1 = 0.090871
    //   g_ip = √(126/100) − 1 = √1.26 − 1 = 0.122497
    //   g_p  = √(349/300) − 1            = 0.078579
    //   DLQ  = (1.224745/1.090871)² / (1.122497/1.078579)²
    //        = (1.5/1.19) / (1.26/1.163333) = 1.260504 / 1.083095 = 1.163799
    #[test]
    fn hand_computed_dlq() {
        let p = Period::new(2022, 2024).unwrap();
        let g = growth([40, 60], [100, 119], [100, 126], [300, 349], p);
        assert_eq!(round(g.sector_region, 6), 0.224745);
        assert_eq!(round(g.region, 6), 0.090871);
        assert_eq!(round(g.sector_reference, 6), 0.122497);
        assert_eq!(round(g.reference, 6), 0.078579);
        assert_eq!(round(g.dlq(p), 6), 1.163799);
        // A, division 16: 50 → 48; province 16: 100 → 104.
        // DLQ = (48/50 / 1.19) / (1.04 / 1.163333) = 0.806723 / 0.893983 = 0.902392
        assert_eq!(round(growth([50, 48], [100, 119], [100, 104], [300, 349], p).dlq(p), 6), 0.902392);
    }

    #[test]
    fn matrix_covers_the_four_meanings() {
        let d = Ratio::Defined;
        assert_eq!(SectorPosition::classify(d(1.396559), d(1.163799)), Some(SectorPosition::Unggulan));
        assert_eq!(SectorPosition::classify(d(0.817057), d(1.089409)), Some(SectorPosition::AndalanProspektif));
        assert_eq!(SectorPosition::classify(d(1.353588), d(0.902392)), Some(SectorPosition::ProspektifMenurun));
        assert_eq!(SectorPosition::classify(d(0.271097), d(0.903656)), Some(SectorPosition::Tertinggal));
        assert_eq!(SectorPosition::classify(d(1.0), d(1.0)), Some(SectorPosition::Tertinggal));
        assert_eq!(SectorPosition::classify(Ratio::NotDefined(Undefined::ZeroBase), d(2.0)), None);
    }

    #[test]
    fn zero_bases_and_vanished_totals_are_not_defined() {
        let p = Period::new(2020, 2021).unwrap();
        assert_eq!(average_growth(0, 5, p), Ratio::NotDefined(Undefined::ZeroBase));
        assert_eq!(growth([0, 5], [10, 20], [10, 20], [30, 40], p).dlq(p), Ratio::NotDefined(Undefined::ZeroBase));
        // The region's whole measure fell to zero: 1 + g_k = 0.
        assert!(!growth([5, 0], [10, 0], [10, 20], [30, 40], p).dlq(p).is_defined());
        // The reference sector vanished: the denominator is zero.
        assert!(!growth([5, 0], [10, 5], [10, 0], [30, 40], p).dlq(p).is_defined());
        assert_eq!(Period::new(2024, 2024), None);
    }

    proptest! {
        // With compound growth the exponent form equals the ratio of growth
        // factors: (e1/e0)/(et1/et0) / ((E1/E0)/(Et1/Et0)).
        #[test]
        fn exponent_form_equals_factor_ratio(
            e0 in 1i64..10_000, e1 in 1i64..10_000, et0 in 1i64..10_000, et1 in 1i64..10_000,
            p0 in 1i64..10_000, p1 in 1i64..10_000, pt0 in 1i64..10_000, pt1 in 1i64..10_000, years in 1i32..12,
        ) {
            let p = Period::new(2010, 2010 + years).unwrap();
            let dlq = growth([e0, e1], [et0, et1], [p0, p1], [pt0, pt1], p).dlq(p).value().unwrap();
            let direct = (e1 as f64 / e0 as f64) / (et1 as f64 / et0 as f64)
                / ((p1 as f64 / p0 as f64) / (pt1 as f64 / pt0 as f64));
            prop_assert!((dlq - direct).abs() <= 1e-9 * direct.max(1.0), "{dlq} vs {direct}");
        }
    }
}
