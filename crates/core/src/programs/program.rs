//! A programme of one budget year and its validation.

use super::benefit::Benefit;
use super::eligibility::Eligibility;
use crate::money::Rupiah;
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use time::Date;

/// The kinds of facilitation Ditjen IKMA runs (DOMAIN.md §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramKind {
    RestrukturisasiMesin,
    SubsidiSertifikasiSni,
    SubsidiHalal,
    PelatihanPendampingan,
    Promosi,
    Digital,
}

impl ProgramKind {
    pub const ALL: [ProgramKind; 6] = [
        ProgramKind::RestrukturisasiMesin,
        ProgramKind::SubsidiSertifikasiSni,
        ProgramKind::SubsidiHalal,
        ProgramKind::PelatihanPendampingan,
        ProgramKind::Promosi,
        ProgramKind::Digital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::RestrukturisasiMesin => "restrukturisasi_mesin",
            ProgramKind::SubsidiSertifikasiSni => "subsidi_sertifikasi_sni",
            ProgramKind::SubsidiHalal => "subsidi_halal",
            ProgramKind::PelatihanPendampingan => "pelatihan_pendampingan",
            ProgramKind::Promosi => "promosi",
            ProgramKind::Digital => "digital",
        }
    }

    pub fn parse(s: &str) -> Option<ProgramKind> {
        ProgramKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Certification subsidies pay for an outcome that a certification
    /// application records; their enrolments can be linked to one.
    pub fn is_certification_subsidy(self) -> bool {
        matches!(self, ProgramKind::SubsidiSertifikasiSni | ProgramKind::SubsidiHalal)
    }
}

/// What is needed to set up a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramDraft {
    pub year: i32,
    pub kind: ProgramKind,
    pub name: String,
    /// The unit that owns the budget, e.g. `Direktorat IKM Pangan`.
    pub owner_unit: String,
    pub budget: Rupiah,
    /// Maximum number of beneficiaries; `None` means the budget is the only limit.
    pub quota: Option<u32>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub eligibility: Eligibility,
    pub benefit: Benefit,
}

impl ProgramDraft {
    /// Every fault at once, each with its rule code.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        if !(2000..=2100).contains(&self.year) {
            errs.push(FieldError::new("year", "program.year_range").with("value", self.year));
        }
        if self.name.trim().is_empty() {
            errs.push(FieldError::new("name", "required"));
        }
        if self.owner_unit.trim().is_empty() {
            errs.push(FieldError::new("owner_unit", "required"));
        }
        if self.budget.get() == 0 {
            errs.push(FieldError::new("budget", "program.budget_zero"));
        }
        if self.quota == Some(0) {
            errs.push(FieldError::new("quota", "program.quota_zero"));
        }
        if self.ends_on < self.starts_on {
            errs.push(FieldError::new("ends_on", "program.dates_order"));
        }
        if let Err(e) = self.eligibility.validate() {
            errs.0.extend(e.0);
        }
        if let Err(e) = self.benefit.validate(self.kind) {
            errs.0.extend(e.0);
        }
        errs.into_result(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::benefit::MachineRates;

    pub(crate) fn draft() -> ProgramDraft {
        ProgramDraft {
            year: 2025,
            kind: ProgramKind::RestrukturisasiMesin,
            name: "Restrukturisasi Mesin 2025".into(),
            owner_unit: "Ditjen IKMA".into(),
            budget: Rupiah::new_unchecked(6_500_000_000),
            quota: Some(40),
            starts_on: Date::from_calendar_date(2025, time::Month::February, 1).unwrap(),
            ends_on: Date::from_calendar_date(2025, time::Month::November, 30).unwrap(),
            eligibility: Eligibility::default(),
            benefit: Benefit::MachinePrice(MachineRates {
                domestic_permille: 400,
                imported_permille: 200,
                min: Rupiah::new_unchecked(5_000_000),
                max: Rupiah::new_unchecked(300_000_000),
            }),
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in ProgramKind::ALL {
            assert_eq!(ProgramKind::parse(k.as_str()), Some(k));
        }
        assert!(ProgramKind::parse("hibah").is_none());
    }

    #[test]
    fn a_sound_draft_passes_and_faults_are_named() {
        assert!(draft().validate().is_ok());
        let bad = ProgramDraft {
            name: " ".into(),
            budget: Rupiah::new_unchecked(0),
            quota: Some(0),
            ends_on: Date::from_calendar_date(2024, time::Month::January, 1).unwrap(),
            ..draft()
        };
        let codes: Vec<String> = bad.validate().unwrap_err().0.into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "program.budget_zero", "program.quota_zero", "program.dates_order"]);
    }
}
