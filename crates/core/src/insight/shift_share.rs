//! Shift-share analysis, classic and with the Esteban-Marquillas extension
//! (DOMAIN.md §8).
//!
//! The change of sector i in region j between the base year and the end
//! year, D_ij = E*_ij − E_ij, splits into
//! - N_ij = E_ij · r_n, the reference-area share (what the sector would have
//!   gained growing like the whole reference economy);
//! - M_ij = E_ij · (r_in − r_n), the proportional shift or industry mix
//!   (M > 0: the region holds a sector that grows fast in the reference area);
//! - C_ij = E_ij · (r_ij − r_in), the differential shift or competitive
//!   effect (C > 0: the sector grows faster here than in the reference area);
//!
//! with r_n, r_in, r_ij the growth of the reference economy, of the sector
//! in the reference economy and of the sector in the region. The reference
//! economy is the province for a regency and the nation for a province.
//!
//! Esteban-Marquillas split C with the homothetic value E'_ij = E_j ·
//! (E_in / E_n), what the sector would hold if the region had the reference
//! area's structure: C'_ij = E'_ij (r_ij − r_in) is the competitive effect
//! proper and A_ij = (E_ij − E'_ij)(r_ij − r_in) the allocation effect
//! (A > 0: the region is specialised in what it does competitively, or not
//! specialised in what it does worse). DOMAIN.md marks the homothetic
//! formula as general knowledge (†).

use super::lq::SectorValues;
use super::ratio::{Ratio, Undefined};
use serde::Serialize;

/// The classic decomposition of one sector's change in one region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShiftShare {
    /// D_ij = E*_ij − E_ij.
    pub change: i64,
    /// N_ij.
    pub reference_share: f64,
    /// M_ij.
    pub industry_mix: f64,
    /// C_ij.
    pub competitive: f64,
    /// r_n, r_in, r_ij.
    pub growth_reference: f64,
    pub growth_sector_reference: f64,
    pub growth_sector_region: Ratio,
}

impl ShiftShare {
    /// Decomposes the change from `base` to `end`. Not defined when the
    /// reference economy or the sector in it was empty in the base year
    /// (r_n or r_in has no base). A sector new to the region (E_ij = 0) has
    /// N = M = 0 and all of its change is competitive: nothing explains it
    /// but local growth, and D = N + M + C still holds.
    pub fn compute(base: SectorValues, end: SectorValues) -> Result<ShiftShare, Undefined> {
        let r_n = growth(base.reference_total, end.reference_total).value().ok_or(Undefined::ZeroReferenceTotal)?;
        let r_in = growth(base.reference, end.reference).value().ok_or(Undefined::ZeroReferenceSector)?;
        let r_ij = growth(base.region, end.region);
        let e = base.region as f64;
        let change = end.region - base.region;
        let competitive = match r_ij {
            Ratio::Defined(r) => e * (r - r_in),
            Ratio::NotDefined(_) => change as f64,
        };
        Ok(ShiftShare {
            change,
            reference_share: e * r_n,
            industry_mix: e * (r_in - r_n),
            competitive,
            growth_reference: r_n,
            growth_sector_reference: r_in,
            growth_sector_region: r_ij,
        })
    }

    /// N + M + C, equal to D up to floating-point rounding.
    pub fn total(&self) -> f64 {
        self.reference_share + self.industry_mix + self.competitive
    }
}

/// The Esteban-Marquillas split of the competitive effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EstebanMarquillas {
    /// E'_ij = E_j · E_in / E_n.
    pub homothetic: f64,
    /// C'_ij = E'_ij (r_ij − r_in); not defined for a sector new to the region.
    pub competitive: Ratio,
    /// A_ij = (E_ij − E'_ij)(r_ij − r_in); same condition.
    pub allocation: Ratio,
}

impl EstebanMarquillas {
    pub fn compute(base: SectorValues, end: SectorValues) -> Result<EstebanMarquillas, Undefined> {
        let ss = ShiftShare::compute(base, end)?;
        // E_n > 0 here: ShiftShare needed r_n.
        let homothetic = base.region_total as f64 * base.reference as f64 / base.reference_total as f64;
        let advantage = ss.growth_sector_region.and_then(|r_ij| Ratio::finite(r_ij - ss.growth_sector_reference));
        Ok(EstebanMarquillas {
            homothetic,
            competitive: advantage.and_then(|d| Ratio::finite(homothetic * d)),
            allocation: advantage.and_then(|d| Ratio::finite((base.region as f64 - homothetic) * d)),
        })
    }
}

/// Growth between two years, (end − base) / base.
pub fn growth(base: i64, end: i64) -> Ratio {
    Ratio::divide((end - base) as f64, base as f64, Undefined::ZeroBase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round(x: f64, digits: i32) -> f64 {
        let f = 10f64.powi(digits);
        (x * f).round() / f
    }

    fn sv(region: i64, region_total: i64, reference: i64, reference_total: i64) -> SectorValues {
        SectorValues { region, region_total, reference, reference_total }
    }

    // Worked example (see `lq`): regency A in a province, workers.
    //                 base                      end
    //            A   A total  prov  prov tot   A  A total  prov  prov tot
    //   10      40     100     100    300     60    119     126    349
    //   13      10     100     100    300     11    119     119    349
    //   16      50     100     100    300     48    119     104    349
    //
    // r_n = 49/300 = 0.163333
    // 10: r_in = 0.26, r_ij = 0.5
    //     N = 40 · 0.163333 = 6.533333; M = 40 · (0.26 − 0.163333) = 3.866667;
    //     C = 40 · (0.5 − 0.26) = 9.6; N + M + C = 20 = D.
    //     E' = 100 · 100/300 = 33.333333; C' = 33.333333 · 0.24 = 8;
    //     A = (40 − 33.333333) · 0.24 = 1.6; C' + A = C.
    // 13: r_in = 0.19, r_ij = 0.1: N = 1.633333, M = 0.266667, C = −0.9, D = 1;
    //     C' = 33.333333 · −0.09 = −3, A = −23.333333 · −0.09 = 2.1.
    // 16: r_in = 0.04, r_ij = −0.04: N = 8.166667, M = −6.166667, C = −4, D = −2;
    //     C' = −2.666667, A = 16.666667 · −0.08 = −1.333333.
    #[test]
    fn hand_computed_classic_and_esteban_marquillas() {
        let cases = [
            (sv(40, 100, 100, 300), sv(60, 119, 126, 349), 20, [6.533333, 3.866667, 9.6], [33.333333, 8.0, 1.6]),
            (sv(10, 100, 100, 300), sv(11, 119, 119, 349), 1, [1.633333, 0.266667, -0.9], [33.333333, -3.0, 2.1]),
            (
                sv(50, 100, 100, 300),
                sv(48, 119, 104, 349),
                -2,
                [8.166667, -6.166667, -4.0],
                [33.333333, -2.666667, -1.333333],
            ),
        ];
        for (base, end, d, [n, m, c], [h, cp, a]) in cases {
            let ss = ShiftShare::compute(base, end).unwrap();
            assert_eq!(ss.change, d);
            assert_eq!(round(ss.growth_reference, 6), 0.163333);
            assert_eq!([round(ss.reference_share, 6), round(ss.industry_mix, 6), round(ss.competitive, 6)], [n, m, c]);
            assert_eq!(round(ss.total(), 9), d as f64);
            let em = EstebanMarquillas::compute(base, end).unwrap();
            assert_eq!(round(em.homothetic, 6), h);
            assert_eq!(round(em.competitive.value().unwrap(), 6), cp);
            assert_eq!(round(em.allocation.value().unwrap(), 6), a);
        }
    }

    #[test]
    fn new_and_impossible_sectors() {
        // New in the region: all of the change is competitive.
        let ss = ShiftShare::compute(sv(0, 100, 50, 300), sv(7, 110, 60, 320)).unwrap();
        assert_eq!((ss.reference_share, ss.industry_mix, ss.competitive), (0.0, 0.0, 7.0));
        assert!(!ss.growth_sector_region.is_defined());
        let em = EstebanMarquillas::compute(sv(0, 100, 50, 300), sv(7, 110, 60, 320)).unwrap();
        assert_eq!(em.competitive, Ratio::NotDefined(Undefined::ZeroBase));
        // Empty reference sector or economy in the base year.
        assert_eq!(ShiftShare::compute(sv(0, 100, 0, 300), sv(7, 110, 7, 320)), Err(Undefined::ZeroReferenceSector));
        assert_eq!(ShiftShare::compute(sv(0, 0, 0, 0), sv(7, 7, 7, 7)), Err(Undefined::ZeroReferenceTotal));
    }

    proptest! {
        #[test]
        fn components_add_up_to_the_change(
            e0 in 0i64..100_000, e1 in 0i64..100_000, other_t0 in 0i64..100_000, other_t1 in 0i64..100_000,
            out0 in 1i64..1_000_000, out1 in 0i64..1_000_000, rest0 in 0i64..1_000_000, rest1 in 0i64..1_000_000,
        ) {
            // Region total = sector + other sectors; reference = region + outside.
            let base = sv(e0, e0 + other_t0, e0 + out0, e0 + other_t0 + out0 + rest0);
            let end = sv(e1, e1 + other_t1, e1 + out1, e1 + other_t1 + out1 + rest1);
            let ss = ShiftShare::compute(base, end).unwrap();
            let d = (e1 - e0) as f64;
            prop_assert!((ss.total() - d).abs() <= 1e-9 * d.abs().max(1.0), "{} vs {d}", ss.total());
            let em = EstebanMarquillas::compute(base, end).unwrap();
            if let (Some(cp), Some(a)) = (em.competitive.value(), em.allocation.value()) {
                prop_assert!((cp + a - ss.competitive).abs() <= 1e-9 * ss.competitive.abs().max(1.0));
            }
        }
    }
}
