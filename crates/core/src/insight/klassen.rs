//! Klassen typology, sector approach (DOMAIN.md §8): a sector's growth in
//! the region, g_i, against the same sector's growth in the reference area,
//! g, and its share of the region, s_i, against its share of the reference
//! area, s — which is the LQ against 1 (s_i > s ⟺ LQ > 1).
//!
//! Quadrant numbering varies between authors, so the meaning is the value
//! and the number is only how this system draws it.

use super::ratio::Ratio;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KlassenQuadrant {
    /// I: g_i > g and s_i > s — advanced and fast-growing (sektor prima).
    AdvancedFastGrowing,
    /// II: g_i ≤ g and s_i > s — advanced but depressed (maju tapi tertekan).
    AdvancedDepressed,
    /// III: g_i > g and s_i ≤ s — potential, developing fast (berkembang).
    Developing,
    /// IV: g_i ≤ g and s_i ≤ s — relatively lagging (relatif tertinggal).
    Lagging,
}

impl KlassenQuadrant {
    pub const ALL: [KlassenQuadrant; 4] = [
        KlassenQuadrant::AdvancedFastGrowing,
        KlassenQuadrant::AdvancedDepressed,
        KlassenQuadrant::Developing,
        KlassenQuadrant::Lagging,
    ];

    /// Places a sector from its growth in the region, the sector's growth in
    /// the reference area and its LQ. `None` when any is not defined. Equal
    /// growth or an LQ of exactly 1 count as "not above".
    pub fn classify(growth_region: Ratio, growth_reference: Ratio, lq: Ratio) -> Option<KlassenQuadrant> {
        let g = growth_reference.value()?;
        let faster = growth_region.above(g)?;
        let advanced = lq.above(1.0)?;
        Some(match (faster, advanced) {
            (true, true) => KlassenQuadrant::AdvancedFastGrowing,
            (false, true) => KlassenQuadrant::AdvancedDepressed,
            (true, false) => KlassenQuadrant::Developing,
            (false, false) => KlassenQuadrant::Lagging,
        })
    }

    /// The quadrant as this system draws it (I top right … IV bottom left).
    pub fn number(self) -> &'static str {
        match self {
            KlassenQuadrant::AdvancedFastGrowing => "I",
            KlassenQuadrant::AdvancedDepressed => "II",
            KlassenQuadrant::Developing => "III",
            KlassenQuadrant::Lagging => "IV",
        }
    }

    /// Stable key for translations and the API (English meaning).
    pub fn key(self) -> &'static str {
        match self {
            KlassenQuadrant::AdvancedFastGrowing => "advanced_fast_growing",
            KlassenQuadrant::AdvancedDepressed => "advanced_depressed",
            KlassenQuadrant::Developing => "developing",
            KlassenQuadrant::Lagging => "lagging",
        }
    }

    /// The Indonesian term the literature uses for the quadrant.
    pub fn istilah(self) -> &'static str {
        match self {
            KlassenQuadrant::AdvancedFastGrowing => "maju_tumbuh_pesat",
            KlassenQuadrant::AdvancedDepressed => "maju_tertekan",
            KlassenQuadrant::Developing => "potensial_berkembang",
            KlassenQuadrant::Lagging => "relatif_tertinggal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::ratio::Undefined;

    // Worked example (see `leading`): compound yearly growth 2022 → 2024 and
    // the end-year LQ.
    //   A 10: g_i = 0.224745 > g = 0.122497, LQ 1.396559 → I
    //   A 16: g_i = −0.020204 ≤ g = 0.019804, LQ 1.353588 → II
    //   B 16: g_i = 0.058301 > g = 0.019804, LQ 0.817057 → III
    //   A 13: g_i = 0.048809 ≤ g = 0.090871, LQ 0.271097 → IV
    #[test]
    fn hand_computed_quadrants() {
        let d = Ratio::Defined;
        let q = |gi, g, lq| KlassenQuadrant::classify(d(gi), d(g), d(lq)).unwrap();
        assert_eq!(q(0.224745, 0.122497, 1.396559), KlassenQuadrant::AdvancedFastGrowing);
        assert_eq!(q(-0.020204, 0.019804, 1.353588), KlassenQuadrant::AdvancedDepressed);
        assert_eq!(q(0.058301, 0.019804, 0.817057), KlassenQuadrant::Developing);
        assert_eq!(q(0.048809, 0.090871, 0.271097), KlassenQuadrant::Lagging);
        assert_eq!(q(0.1, 0.1, 1.0), KlassenQuadrant::Lagging);
        let numbers: Vec<_> = KlassenQuadrant::ALL.iter().map(|k| k.number()).collect();
        assert_eq!(numbers, ["I", "II", "III", "IV"]);
    }

    #[test]
    fn undefined_inputs_give_no_quadrant() {
        let none = Ratio::NotDefined(Undefined::ZeroBase);
        assert_eq!(KlassenQuadrant::classify(none, Ratio::Defined(0.1), Ratio::Defined(2.0)), None);
        assert_eq!(KlassenQuadrant::classify(Ratio::Defined(0.1), none, Ratio::Defined(2.0)), None);
        assert_eq!(KlassenQuadrant::classify(Ratio::Defined(0.1), Ratio::Defined(0.0), none), None);
    }
}
