//! Product permits that usually precede SNI (DOMAIN.md §4).

use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitKind {
    /// SPP-IRT (Peraturan BPOM 22/2018), valid at most 5 years.
    Pirt,
    /// BPOM MD distribution permit for processed food.
    BpomMd,
    /// Halal certificate (UU 33/2014); unlimited validity since UU 6/2023.
    Halal,
}

impl PermitKind {
    pub const ALL: [PermitKind; 3] = [PermitKind::Pirt, PermitKind::BpomMd, PermitKind::Halal];

    pub fn as_str(self) -> &'static str {
        match self {
            PermitKind::Pirt => "pirt",
            PermitKind::BpomMd => "bpom_md",
            PermitKind::Halal => "halal",
        }
    }
    pub fn parse(s: &str) -> Option<PermitKind> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "pirt" | "p_irt" | "spp_irt" => Some(PermitKind::Pirt),
            "bpom_md" | "md" | "bpom" => Some(PermitKind::BpomMd),
            "halal" => Some(PermitKind::Halal),
            _ => None,
        }
    }
    /// Longest validity the permit can carry, in years, where a rule sets one.
    pub fn max_validity_years(self) -> Option<i32> {
        match self {
            PermitKind::Pirt => Some(5),
            PermitKind::BpomMd | PermitKind::Halal => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permit {
    pub kind: PermitKind,
    pub number: String,
    pub issuer: String,
    pub valid_from: Date,
    /// `None` for permits without an end (halal, BPOM MD while unchanged).
    pub valid_until: Option<Date>,
}

impl Permit {
    pub fn validate(
        kind: &str,
        number: &str,
        issuer: &str,
        valid_from: Option<Date>,
        valid_until: Option<Date>,
    ) -> Result<Permit, ValidationErrors> {
        let mut errs = ValidationErrors::default();
        let kind = errs.take(
            PermitKind::parse(kind).ok_or_else(|| FieldError::new("permit_kind", "permit.kind").with("value", kind)),
        );
        let number = number.trim();
        if number.is_empty() {
            errs.push(FieldError::new("permit_number", "required"));
        } else if number.len() > 64 {
            errs.push(FieldError::new("permit_number", "text.too_long").with("max", 64));
        }
        let issuer = issuer.trim();
        if issuer.is_empty() {
            errs.push(FieldError::new("permit_issuer", "required"));
        }
        if valid_from.is_none() {
            errs.push(FieldError::new("valid_from", "required"));
        }
        if let (Some(f), Some(u)) = (valid_from, valid_until) {
            if u < f {
                errs.push(FieldError::new("valid_until", "permit.until_before_from"));
            }
            if let Some(max) = kind.and_then(PermitKind::max_validity_years) {
                if u.year() - f.year() > max || (u.year() - f.year() == max && u.ordinal() > f.ordinal()) {
                    errs.push(FieldError::new("valid_until", "permit.too_long").with("years", max));
                }
            }
        }
        if kind == Some(PermitKind::Pirt) && valid_until.is_none() && valid_from.is_some() {
            errs.push(FieldError::new("valid_until", "required"));
        }
        errs.into_result(|| Permit {
            kind: kind.expect("checked"),
            number: number.to_string(),
            issuer: issuer.to_string(),
            valid_from: valid_from.expect("checked"),
            valid_until,
        })
    }

    pub fn is_valid_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|u| day <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn pirt_is_limited_to_five_years() {
        let ok = Permit::validate(
            "pirt",
            "2123456789012-45",
            "DPMPTSP",
            Some(date!(2024 - 01 - 10)),
            Some(date!(2029 - 01 - 10)),
        );
        assert!(ok.is_ok());
        let long = Permit::validate(
            "pirt",
            "2123456789012-45",
            "DPMPTSP",
            Some(date!(2024 - 01 - 10)),
            Some(date!(2029 - 01 - 11)),
        );
        assert_eq!(long.unwrap_err().0[0].code, "permit.too_long");
        let open = Permit::validate("pirt", "1", "x", Some(date!(2024 - 01 - 10)), None);
        assert!(open.is_err());
    }

    #[test]
    fn halal_has_no_end_and_validity_is_checked_by_day() {
        let p = Permit::validate("halal", "ID31110000123", "BPJPH", Some(date!(2023 - 05 - 01)), None).unwrap();
        assert!(p.is_valid_on(date!(2030 - 01 - 01)));
        assert!(!p.is_valid_on(date!(2023 - 04 - 30)));
        let e = Permit::validate("izin", "", "", None, None).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["permit_kind", "permit_number", "permit_issuer", "valid_from"]);
    }
}
