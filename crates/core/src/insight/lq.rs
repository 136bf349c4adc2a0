//! Static location quotient (DOMAIN.md §8):
//! LQ_i = (e_i / e_t) / (E_i / E_t).
//!
//! LQ > 1: a basis sector (the region is more specialised than its reference
//! area and "exports" the sector's output); LQ = 1: the same specialisation;
//! LQ < 1: non-basis.

use super::ratio::{Ratio, Undefined};
use serde::Serialize;

/// One sector's value in a region and in its reference area, with both
/// totals, for one year and one measure (workers, production, units).
/// The reference area contains the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SectorValues {
    /// e_i
    pub region: i64,
    /// e_t
    pub region_total: i64,
    /// E_i
    pub reference: i64,
    /// E_t
    pub reference_total: i64,
}

impl SectorValues {
    /// The sector's share of the region, e_i / e_t.
    pub fn region_share(&self) -> Ratio {
        Ratio::divide(self.region as f64, self.region_total as f64, Undefined::ZeroRegionTotal)
    }

    /// The sector's share of the reference area, E_i / E_t.
    pub fn reference_share(&self) -> Ratio {
        Ratio::divide(self.reference as f64, self.reference_total as f64, Undefined::ZeroReferenceTotal)
    }

    /// The static LQ. Not defined when the region has nothing (e_t = 0), the
    /// reference area has nothing (E_t = 0) or lacks the sector (E_i = 0).
    pub fn lq(&self) -> Ratio {
        self.region_share()
            .zip(self.reference_share(), |s, big_s| Ratio::divide(s, big_s, Undefined::ZeroReferenceSector))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Worked example (also used in `leading`): a province of two regencies
    // A and B and three KBLI divisions 10, 13, 16; workers in the base year:
    //
    //            10    13    16   total
    //   A        40    10    50     100
    //   B        60    90    50     200
    //   prov    100   100   100     300
    //
    // LQ_A,10 = (40/100) / (100/300) = 0.4 / 0.3333… = 1.2
    // LQ_A,13 = (10/100) / (1/3)     = 0.3
    // LQ_A,16 = (50/100) / (1/3)     = 1.5
    // LQ_B,13 = (90/200) / (1/3)     = 1.35
    fn v(region: i64, region_total: i64, reference: i64) -> SectorValues {
        SectorValues { region, region_total, reference, reference_total: 300 }
    }

    fn round(r: Ratio, digits: i32) -> f64 {
        let f = 10f64.powi(digits);
        (r.value().unwrap() * f).round() / f
    }

    #[test]
    fn hand_computed_base_year() {
        assert_eq!(round(v(40, 100, 100).lq(), 6), 1.2);
        assert_eq!(round(v(10, 100, 100).lq(), 6), 0.3);
        assert_eq!(round(v(50, 100, 100).lq(), 6), 1.5);
        assert_eq!(round(v(90, 200, 100).lq(), 6), 1.35);
    }

    #[test]
    fn zero_denominators_are_not_defined_with_their_reason() {
        assert_eq!(v(0, 0, 100).lq(), Ratio::NotDefined(Undefined::ZeroRegionTotal));
        assert_eq!(v(0, 100, 0).lq(), Ratio::NotDefined(Undefined::ZeroReferenceSector));
        let none = SectorValues { region: 0, region_total: 0, reference: 0, reference_total: 0 };
        assert_eq!(none.lq(), Ratio::NotDefined(Undefined::ZeroRegionTotal));
        let empty_reference = SectorValues { region: 1, region_total: 1, reference: 0, reference_total: 0 };
        assert_eq!(empty_reference.lq(), Ratio::NotDefined(Undefined::ZeroReferenceTotal));
        // A sector absent from the region is defined: LQ 0.
        assert_eq!(v(0, 100, 100).lq(), Ratio::Defined(0.0));
    }

    proptest! {
        // Weighting each sector's LQ by its reference share gives back the
        // region's total share: Σ (E_i/E_t) · LQ_i = Σ e_i/e_t = 1.
        #[test]
        fn reference_weighted_mean_of_lq_is_one(
            rows in proptest::collection::vec((0i64..1_000_000, 1i64..1_000_000), 1..12)
        ) {
            let region_total: i64 = rows.iter().map(|r| r.0).sum();
            prop_assume!(region_total > 0);
            // The reference area is the region plus an outside part.
            let reference_total: i64 = rows.iter().map(|r| r.0 + r.1).sum();
            let weighted: f64 = rows.iter().map(|&(e, outside)| {
                let s = SectorValues { region: e, region_total, reference: e + outside, reference_total };
                s.reference_share().value().unwrap() * s.lq().value().unwrap()
            }).sum();
            prop_assert!((weighted - 1.0).abs() < 1e-9, "weighted mean {weighted}");
        }

        #[test]
        fn lq_is_never_infinite_or_nan(e in 0i64..1000, et in 0i64..1000, ei in 0i64..1000, tt in 0i64..1000) {
            let s = SectorValues { region: e, region_total: et, reference: ei, reference_total: tt };
            if let Ratio::Defined(x) = s.lq() { prop_assert!(x.is_finite() && x >= 0.0); }
        }
    }
}
