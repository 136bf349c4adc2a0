//! Leading-sector analysis of one region against its reference area: every
//! formula of DOMAIN.md §8 for every sector at once, from the base-year and
//! end-year values of one measure.
//!
//! Conventions, chosen once here so every page and export agrees:
//! - the static LQ of the SLQ/DLQ matrix and of the Klassen typology is the
//!   end year's;
//! - growth in the DLQ and Klassen is the compound yearly rate between the
//!   base and end years (see [`super::dynamic_lq`]); Klassen compares the
//!   sector's growth in the region with the same sector's growth in the
//!   reference area.

use super::dynamic_lq::{average_growth, Growth, Period, SectorPosition};
use super::klassen::KlassenQuadrant;
use super::lq::SectorValues;
use super::ratio::{Ratio, Undefined};
use super::shift_share::{EstebanMarquillas, ShiftShare};
use serde::Serialize;

/// One sector's base and end values in the region and the reference area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectorSeries {
    /// The sector key, e.g. the KBLI division "10".
    pub sector: String,
    pub region: [i64; 2],
    pub reference: [i64; 2],
}

/// Everything [`analyse`] needs: totals over all sectors, base and end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadingInput {
    pub period: Period,
    pub region_total: [i64; 2],
    pub reference_total: [i64; 2],
    pub sectors: Vec<SectorSeries>,
}

/// One row of the leading-sector table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorAnalysis {
    pub sector: String,
    pub base: SectorValues,
    pub end: SectorValues,
    pub lq_base: Ratio,
    pub lq_end: Ratio,
    pub growth: Growth,
    pub dlq: Ratio,
    pub position: Option<SectorPosition>,
    pub klassen: Option<KlassenQuadrant>,
    /// `Err` says why the decomposition has no value.
    pub shift_share: Result<ShiftShare, Undefined>,
    pub esteban_marquillas: Result<EstebanMarquillas, Undefined>,
}

impl SectorAnalysis {
    /// A basis sector in the end year (LQ > 1).
    pub fn is_basis(&self) -> bool {
        self.lq_end.above(1.0) == Some(true)
    }

    /// Whether the sector grew faster in the region than in the reference
    /// area; `None` when either growth is not defined.
    pub fn grows_faster(&self) -> Option<bool> {
        let g = self.growth.sector_reference.value()?;
        self.growth.sector_region.above(g)
    }
}

/// Analyses every sector, in the input's order.
pub fn analyse(input: &LeadingInput) -> Vec<SectorAnalysis> {
    let p = input.period;
    input
        .sectors
        .iter()
        .map(|s| {
            let at = |i: usize| SectorValues {
                region: s.region[i],
                region_total: input.region_total[i],
                reference: s.reference[i],
                reference_total: input.reference_total[i],
            };
            let (base, end) = (at(0), at(1));
            let growth = Growth {
                sector_region: average_growth(s.region[0], s.region[1], p),
                region: average_growth(input.region_total[0], input.region_total[1], p),
                sector_reference: average_growth(s.reference[0], s.reference[1], p),
                reference: average_growth(input.reference_total[0], input.reference_total[1], p),
            };
            let lq_end = end.lq();
            let dlq = growth.dlq(p);
            SectorAnalysis {
                sector: s.sector.clone(),
                base,
                end,
                lq_base: base.lq(),
                lq_end,
                growth,
                dlq,
                position: SectorPosition::classify(lq_end, dlq),
                klassen: KlassenQuadrant::classify(growth.sector_region, growth.sector_reference, lq_end),
                shift_share: ShiftShare::compute(base, end),
                esteban_marquillas: EstebanMarquillas::compute(base, end),
            }
        })
        .collect()
}

/// The sector a one-line summary leads with: the basis sector with the
/// highest end-year LQ (ties: the first in input order). `None` when the
/// region has no basis sector.
pub fn headline(rows: &[SectorAnalysis]) -> Option<&SectorAnalysis> {
    rows.iter().filter(|r| r.is_basis()).fold(None, |best: Option<&SectorAnalysis>, r| match best {
        Some(b) if b.lq_end.value() >= r.lq_end.value() => Some(b),
        _ => Some(r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(r: Ratio, digits: i32) -> f64 {
        let f = 10f64.powi(digits);
        (r.value().unwrap() * f).round() / f
    }

    /// The worked example of the module tests, workers by KBLI division in a
    /// province of two regencies, 2022 → 2024:
    ///
    /// ```text
    ///            2022                    2024
    ///        10    13    16  total   10    13    16  total
    ///   A    40    10    50   100    60    11    48   119
    ///   B    60    90    50   200    66   108    56   230
    ///   P   100   100   100   300   126   119   104   349
    /// ```
    fn worked_example(region: &str) -> LeadingInput {
        let (a, b) = ([[40, 60], [10, 11], [50, 48]], [[60, 66], [90, 108], [50, 56]]);
        let prov = [[100, 126], [100, 119], [100, 104]];
        let (rows, total) = if region == "A" { (a, [100, 119]) } else { (b, [200, 230]) };
        LeadingInput {
            period: Period::new(2022, 2024).unwrap(),
            region_total: total,
            reference_total: [300, 349],
            sectors: ["10", "13", "16"]
                .iter()
                .zip(rows.iter().zip(prov.iter()))
                .map(|(s, (r, p))| SectorSeries { sector: s.to_string(), region: *r, reference: *p })
                .collect(),
        }
    }

    // End-year LQ, by hand:
    //   A 10: (60/119)/(126/349) = 0.504202/0.361032 = 1.396559
    //   A 13: (11/119)/(119/349) = 0.092437/0.340974 = 0.271097
    //   A 16: (48/119)/(104/349) = 0.403361/0.297994 = 1.353588
    //   B 10: (66/230)/(126/349) = 0.794824;  B 13: 1.377128;  B 16: 0.817057
    // DLQ (ratio of growth factors, equal to the exponent form):
    //   A 10: (1.5/1.19)/(1.26/1.163333) = 1.163799
    //   A 13: (1.1/1.19)/(1.19/1.163333) = 0.903656
    //   A 16: 0.902392;  B 10: 0.883138;  B 13: 1.020095;  B 16: 1.089409
    #[test]
    fn hand_computed_table_for_both_regencies() {
        let a = analyse(&worked_example("A"));
        let lq: Vec<f64> = a.iter().map(|r| round(r.lq_end, 6)).collect();
        assert_eq!(lq, [1.396559, 0.271097, 1.353588]);
        let base: Vec<f64> = a.iter().map(|r| round(r.lq_base, 6)).collect();
        assert_eq!(base, [1.2, 0.3, 1.5]);
        let dlq: Vec<f64> = a.iter().map(|r| round(r.dlq, 6)).collect();
        assert_eq!(dlq, [1.163799, 0.903656, 0.902392]);
        let pos: Vec<_> = a.iter().map(|r| r.position.unwrap()).collect();
        assert_eq!(pos, [SectorPosition::Unggulan, SectorPosition::Tertinggal, SectorPosition::ProspektifMenurun]);
        let quad: Vec<_> = a.iter().map(|r| r.klassen.unwrap()).collect();
        assert_eq!(
            quad,
            [KlassenQuadrant::AdvancedFastGrowing, KlassenQuadrant::Lagging, KlassenQuadrant::AdvancedDepressed]
        );
        assert_eq!(a[0].shift_share.unwrap().change, 20);

        let b = analyse(&worked_example("B"));
        let lq: Vec<f64> = b.iter().map(|r| round(r.lq_end, 6)).collect();
        assert_eq!(lq, [0.794824, 1.377128, 0.817057]);
        let dlq: Vec<f64> = b.iter().map(|r| round(r.dlq, 6)).collect();
        assert_eq!(dlq, [0.883138, 1.020095, 1.089409]);
        assert_eq!(b[2].position, Some(SectorPosition::AndalanProspektif));
        assert_eq!(b[2].klassen, Some(KlassenQuadrant::Developing));
        assert_eq!(b[1].klassen, Some(KlassenQuadrant::AdvancedFastGrowing));
    }

    #[test]
    fn headline_is_the_basis_sector_with_the_highest_lq() {
        let a = analyse(&worked_example("A"));
        let h = headline(&a).unwrap();
        assert_eq!((h.sector.as_str(), h.grows_faster()), ("10", Some(true)));
        let mut none = worked_example("A");
        none.region_total = [0, 0];
        for s in &mut none.sectors {
            s.region = [0, 0];
        }
        let rows = analyse(&none);
        assert!(headline(&rows).is_none());
        assert!(rows.iter().all(|r| r.lq_end == Ratio::NotDefined(Undefined::ZeroRegionTotal)));
    }
}
