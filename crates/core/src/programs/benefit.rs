//! How much an enrolment is worth, as data stored per programme year.
//!
//! Machine restructuring reimburses a share of the price of a new machine,
//! higher for domestically made ones, with a floor and a cap per company:
//! 30 % / 25 %, Rp5 jt – Rp300 jt in 2020; up to 40 % / 20 % in 2023
//! (DOMAIN.md §9). The rates change between years, so they live in the
//! programme, never in code. Certification subsidies, training, promotion
//! and digital onboarding pay a flat amount (about Rp8 jt per IKM for SNI
//! facilitation, DOMAIN.md §9).

use super::program::ProgramKind;
use crate::money::Rupiah;
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineRates {
    /// Share of the price for a domestically made machine, per mille (400 = 40 %).
    pub domestic_permille: u32,
    /// Share for an imported machine, per mille.
    pub imported_permille: u32,
    /// A reimbursement below this is not paid at all.
    pub min: Rupiah,
    /// The most one company receives.
    pub max: Rupiah,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Benefit {
    MachinePrice(MachineRates),
    Flat { amount: Rupiah },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineOrigin {
    Domestic,
    Imported,
}

impl MachineOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            MachineOrigin::Domestic => "domestic",
            MachineOrigin::Imported => "imported",
        }
    }
    pub fn parse(s: &str) -> Option<MachineOrigin> {
        match s.trim() {
            "domestic" => Some(MachineOrigin::Domestic),
            "imported" => Some(MachineOrigin::Imported),
            _ => None,
        }
    }
}

/// The machine an enterprise bought (and paid in full) for restructuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub price: Rupiah,
    pub origin: MachineOrigin,
}

impl Benefit {
    pub fn validate(&self, kind: ProgramKind) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        match (self, kind) {
            (Benefit::MachinePrice(r), ProgramKind::RestrukturisasiMesin) => {
                for (field, v) in
                    [("domestic_permille", r.domestic_permille), ("imported_permille", r.imported_permille)]
                {
                    if v == 0 || v > 1000 {
                        errs.push(FieldError::new(field, "benefit.rate_range").with("value", v));
                    }
                }
                if r.min > r.max {
                    errs.push(FieldError::new("benefit_max", "benefit.min_above_max"));
                }
            }
            (Benefit::Flat { amount }, k) if k != ProgramKind::RestrukturisasiMesin => {
                if amount.get() == 0 {
                    errs.push(FieldError::new("benefit_amount", "benefit.amount_zero"));
                }
            }
            _ => errs.push(FieldError::new("benefit", "benefit.kind_mismatch").with("kind", kind.as_str())),
        }
        errs.into_result(|| ())
    }

    /// The amount an enrolment may be approved for. Machine restructuring
    /// needs the purchase; the share is rounded down to whole rupiah and
    /// capped; a result under the floor is refused (`benefit.below_minimum`).
    pub fn amount(&self, purchase: Option<&Purchase>) -> Result<Rupiah, FieldError> {
        match self {
            Benefit::Flat { amount } => Ok(*amount),
            Benefit::MachinePrice(r) => {
                let p = purchase.ok_or_else(|| FieldError::new("machine_price", "benefit.purchase_required"))?;
                let rate = match p.origin {
                    MachineOrigin::Domestic => r.domestic_permille,
                    MachineOrigin::Imported => r.imported_permille,
                };
                let share = i128::from(p.price.get()) * i128::from(rate) / 1000;
                let share = i64::try_from(share).unwrap_or(i64::MAX).min(r.max.get());
                if share < r.min.get() {
                    return Err(FieldError::new("machine_price", "benefit.below_minimum")
                        .with("amount", Rupiah::new_unchecked(share))
                        .with("min", r.min));
                }
                Ok(Rupiah::new_unchecked(share))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates_2023() -> Benefit {
        Benefit::MachinePrice(MachineRates {
            domestic_permille: 400,
            imported_permille: 200,
            min: Rupiah::new_unchecked(5_000_000),
            max: Rupiah::new_unchecked(300_000_000),
        })
    }

    fn buy(price: i64, origin: MachineOrigin) -> Purchase {
        Purchase { price: Rupiah::new_unchecked(price), origin }
    }

    #[test]
    fn machine_share_depends_on_origin_and_is_capped() {
        let b = rates_2023();
        assert_eq!(b.amount(Some(&buy(100_000_000, MachineOrigin::Domestic))).unwrap().get(), 40_000_000);
        assert_eq!(b.amount(Some(&buy(100_000_000, MachineOrigin::Imported))).unwrap().get(), 20_000_000);
        // 40 % of Rp1 M is Rp400 jt, capped at Rp300 jt per company.
        assert_eq!(b.amount(Some(&buy(1_000_000_000, MachineOrigin::Domestic))).unwrap().get(), 300_000_000);
        // Rounded down, never up: 40 % of Rp12.500.001 is Rp5.000.000,4.
        assert_eq!(b.amount(Some(&buy(12_500_001, MachineOrigin::Domestic))).unwrap().get(), 5_000_000);
        let small = b.amount(Some(&buy(20_000_000, MachineOrigin::Imported))).unwrap_err();
        assert_eq!(small.code, "benefit.below_minimum");
        assert_eq!(b.amount(None).unwrap_err().code, "benefit.purchase_required");
    }

    #[test]
    fn benefit_must_suit_the_kind() {
        assert!(rates_2023().validate(ProgramKind::RestrukturisasiMesin).is_ok());
        let flat = Benefit::Flat { amount: Rupiah::new_unchecked(8_000_000) };
        assert!(flat.validate(ProgramKind::SubsidiSertifikasiSni).is_ok());
        assert_eq!(flat.validate(ProgramKind::RestrukturisasiMesin).unwrap_err().0[0].code, "benefit.kind_mismatch");
        assert_eq!(flat.amount(None).unwrap().get(), 8_000_000);
        let bad = Benefit::MachinePrice(MachineRates {
            domestic_permille: 1200,
            imported_permille: 200,
            min: Rupiah::new_unchecked(9),
            max: Rupiah::new_unchecked(1),
        });
        let codes: Vec<String> =
            bad.validate(ProgramKind::RestrukturisasiMesin).unwrap_err().0.into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["benefit.rate_range", "benefit.min_above_max"]);
    }
}
