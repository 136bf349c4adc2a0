//! Size classifications of an industrial enterprise.
//!
//! Three views are kept side by side because they answer different questions
//! and disagree for the same firm (DOMAIN.md §1, design note):
//! - [`SizeClass`]: the industrial classification of Permenperin
//!   64/M-IND/PER/7/2016, the one naikkelas steers by;
//! - [`BpsBand`]: the BPS statistical workforce band;
//! - [`Pp7Class`]: the MSME class of PP 7/2021 Article 35 by capital.

use crate::money::Rupiah;
use serde::{Deserialize, Serialize};

/// Thresholds of Permenperin 64/M-IND/PER/7/2016 (DOMAIN.md §1a).
/// Investment excludes land and buildings.
pub const SMALL_MAX_WORKERS: i64 = 19;
pub const SMALL_INVESTMENT_LIMIT: Rupiah = Rupiah::new_unchecked(1_000_000_000);
pub const LARGE_INVESTMENT_LIMIT: Rupiah = Rupiah::new_unchecked(15_000_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Kecil,
    Menengah,
    Besar,
}

impl SizeClass {
    pub const ALL: [SizeClass; 3] = [SizeClass::Kecil, SizeClass::Menengah, SizeClass::Besar];

    /// Classifies by Permenperin 64/2016:
    /// - kecil: workers ≤ 19 and investment < Rp1 bn;
    /// - menengah: (workers ≤ 19 and investment ≥ Rp1 bn) or
    ///   (workers ≥ 20 and investment ≤ Rp15 bn);
    /// - besar: workers ≥ 20 and investment > Rp15 bn.
    ///
    /// Workers ≤ 19 with investment above Rp15 bn is not covered explicitly
    /// by the regulation; read literally it is menengah (DOMAIN.md §1a edge
    /// case), which is what this returns.
    pub fn classify(workers: i64, investment: Rupiah) -> SizeClass {
        if workers <= SMALL_MAX_WORKERS {
            if investment < SMALL_INVESTMENT_LIMIT {
                SizeClass::Kecil
            } else {
                SizeClass::Menengah
            }
        } else if investment > LARGE_INVESTMENT_LIMIT {
            SizeClass::Besar
        } else {
            SizeClass::Menengah
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Kecil => "kecil",
            SizeClass::Menengah => "menengah",
            SizeClass::Besar => "besar",
        }
    }

    pub fn parse(s: &str) -> Option<SizeClass> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kecil" | "small" | "ik" => Some(SizeClass::Kecil),
            "menengah" | "medium" | "im" => Some(SizeClass::Menengah),
            "besar" | "large" | "ib" => Some(SizeClass::Besar),
            _ => None,
        }
    }

    /// Rank for "naik kelas" comparisons.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// BPS workforce bands: mikro 1–4, kecil 5–19, sedang 20–99, besar 100+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BpsBand {
    Mikro,
    Kecil,
    Sedang,
    Besar,
}

impl BpsBand {
    pub fn classify(workers: i64) -> BpsBand {
        match workers {
            i64::MIN..=4 => BpsBand::Mikro,
            5..=19 => BpsBand::Kecil,
            20..=99 => BpsBand::Sedang,
            _ => BpsBand::Besar,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            BpsBand::Mikro => "mikro",
            BpsBand::Kecil => "kecil",
            BpsBand::Sedang => "sedang",
            BpsBand::Besar => "besar",
        }
    }
}

/// PP 7/2021 Art. 35 class by business capital excluding land and buildings.
/// Above Rp10 bn the business is not an MSME (`Besar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pp7Class {
    Mikro,
    Kecil,
    Menengah,
    Besar,
}

impl Pp7Class {
    pub fn classify_by_capital(capital: Rupiah) -> Pp7Class {
        const BN: i64 = 1_000_000_000;
        match capital.get() {
            v if v <= BN => Pp7Class::Mikro,
            v if v <= 5 * BN => Pp7Class::Kecil,
            v if v <= 10 * BN => Pp7Class::Menengah,
            _ => Pp7Class::Besar,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Pp7Class::Mikro => "mikro",
            Pp7Class::Kecil => "kecil",
            Pp7Class::Menengah => "menengah",
            Pp7Class::Besar => "besar",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp(v: i64) -> Rupiah {
        Rupiah::new_unchecked(v)
    }
    const BN: i64 = 1_000_000_000;

    #[test]
    fn permenperin_64_2016_boundaries() {
        use SizeClass::*;
        assert_eq!(SizeClass::classify(19, rp(BN - 1)), Kecil);
        assert_eq!(SizeClass::classify(19, rp(BN)), Menengah);
        assert_eq!(SizeClass::classify(20, rp(BN - 1)), Menengah);
        assert_eq!(SizeClass::classify(20, rp(15 * BN)), Menengah);
        assert_eq!(SizeClass::classify(20, rp(15 * BN + 1)), Besar);
        assert_eq!(SizeClass::classify(0, rp(0)), Kecil);
        assert_eq!(SizeClass::classify(1, rp(0)), Kecil);
        assert_eq!(SizeClass::classify(5000, rp(0)), Menengah);
        // The uncovered edge (≤ 19 workers, > Rp15 bn) reads as menengah.
        assert_eq!(SizeClass::classify(19, rp(15 * BN + 1)), Menengah);
    }

    #[test]
    fn bps_bands_at_their_edges() {
        assert_eq!(BpsBand::classify(1), BpsBand::Mikro);
        assert_eq!(BpsBand::classify(4), BpsBand::Mikro);
        assert_eq!(BpsBand::classify(5), BpsBand::Kecil);
        assert_eq!(BpsBand::classify(19), BpsBand::Kecil);
        assert_eq!(BpsBand::classify(20), BpsBand::Sedang);
        assert_eq!(BpsBand::classify(99), BpsBand::Sedang);
        assert_eq!(BpsBand::classify(100), BpsBand::Besar);
    }

    #[test]
    fn pp7_2021_capital_edges() {
        assert_eq!(Pp7Class::classify_by_capital(rp(BN)), Pp7Class::Mikro);
        assert_eq!(Pp7Class::classify_by_capital(rp(BN + 1)), Pp7Class::Kecil);
        assert_eq!(Pp7Class::classify_by_capital(rp(5 * BN)), Pp7Class::Kecil);
        assert_eq!(Pp7Class::classify_by_capital(rp(5 * BN + 1)), Pp7Class::Menengah);
        assert_eq!(Pp7Class::classify_by_capital(rp(10 * BN)), Pp7Class::Menengah);
        assert_eq!(Pp7Class::classify_by_capital(rp(10 * BN + 1)), Pp7Class::Besar);
    }

    #[test]
    fn a_firm_can_be_kecil_and_mikro_at_once() {
        let inv = rp(900_000_000);
        assert_eq!(SizeClass::classify(3, inv), SizeClass::Kecil);
        assert_eq!(Pp7Class::classify_by_capital(inv), Pp7Class::Mikro);
        assert_eq!(BpsBand::classify(3), BpsBand::Mikro);
    }
}
