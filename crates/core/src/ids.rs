//! Validated identifiers: NIB, KBLI code, Kemendagri region code.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Nomor Induk Berusaha, the business identification number issued by OSS.
///
/// DOMAIN.md §6a: validated as 13 numeric digits (the length is seen in
/// public examples only, so it lives in one constant).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nib(String);

impl Nib {
    pub const LEN: usize = 13;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.')).collect();
        if s.is_empty() {
            return Err(FieldError::new("nib", "required"));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new("nib", "nib.digits").with("value", raw.trim()));
        }
        if s.len() != Self::LEN {
            return Err(FieldError::new("nib", "nib.length")
                .with("value", raw.trim())
                .with("expected", Self::LEN)
                .with("actual", s.len()));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nib {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Nib> for String {
    fn from(n: Nib) -> String {
        n.0
    }
}
impl fmt::Display for Nib {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A five-digit KBLI class code (kelompok), e.g. `10391`.
///
/// Format only; whether the code is in the catalogue and in section C is
/// checked against [`crate::reference::Reference`]. The KBLI version travels
/// with the code in storage (DOMAIN.md: KBLI 2025 renumbers some codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kbli([u8; 5]);

impl Kbli {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new("kbli", "required"));
        }
        let b = s.as_bytes();
        if b.len() != 5 || !b.iter().all(u8::is_ascii_digit) {
            return Err(FieldError::new("kbli", "kbli.format").with("value", s));
        }
        Ok(Self([b[0], b[1], b[2], b[3], b[4]]))
    }
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII digits by construction.
        std::str::from_utf8(&self.0).expect("ascii digits")
    }
    /// The two-digit division (golongan pokok), e.g. `10` for food.
    pub fn division(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl TryFrom<String> for Kbli {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Kbli> for String {
    fn from(k: Kbli) -> String {
        k.as_str().to_string()
    }
}
impl fmt::Display for Kbli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    Regency,
    District,
}

/// A Kemendagri administrative code in dotted form: province `64`,
/// regency/city `64.71`, district `64.71.01` (DOMAIN.md §6d).
///
/// Undotted input (`6471`, `647101`) is accepted and normalised. Existence
/// is checked against [`crate::reference::Reference`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_field(raw, "kode_wilayah")
    }

    pub fn parse_field(raw: &str, field: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        let digits: String = s.chars().filter(|c| *c != '.').collect();
        let bad = || FieldError::new(field, "region.format").with("value", s);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let parts: Vec<&str> = if s.contains('.') {
            s.split('.').collect()
        } else {
            match digits.len() {
                2 => vec![&s[0..2]],
                4 => vec![&s[0..2], &s[2..4]],
                6 => vec![&s[0..2], &s[2..4], &s[4..6]],
                _ => return Err(bad()),
            }
        };
        if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        Ok(Self(parts.join(".")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            2 => RegionLevel::Province,
            5 => RegionLevel::Regency,
            _ => RegionLevel::District,
        }
    }

    pub fn province(&self) -> &str {
        &self.0[..2]
    }

    pub fn regency(&self) -> Option<&str> {
        (self.0.len() >= 5).then(|| &self.0[..5])
    }

    /// True when `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0 == self.0 || (other.0.starts_with(&self.0) && other.0.as_bytes()[self.0.len()] == b'.')
    }
}

impl TryFrom<String> for RegionCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<RegionCode> for String {
    fn from(r: RegionCode) -> String {
        r.0
    }
}
impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nib_needs_exactly_thirteen_digits() {
        assert!(Nib::parse("1234567890123").is_ok());
        assert_eq!(Nib::parse("123456789012").unwrap_err().code, "nib.length");
        assert_eq!(Nib::parse("12345678901234").unwrap_err().code, "nib.length");
        assert_eq!(Nib::parse("12345678901a3").unwrap_err().code, "nib.digits");
        assert_eq!(Nib::parse("  ").unwrap_err().code, "required");
        assert_eq!(Nib::parse(" 1234 5678 90123 ").unwrap().as_str(), "1234567890123");
    }

    #[test]
    fn kbli_is_five_digits_with_a_division() {
        let k = Kbli::parse("10391").unwrap();
        assert_eq!(k.division(), "10");
        assert_eq!(k.as_str(), "10391");
        assert!(Kbli::parse("1039").is_err());
        assert!(Kbli::parse("103911").is_err());
        assert!(Kbli::parse("1039x").is_err());
    }

    #[test]
    fn region_codes_normalise_and_nest() {
        let kaltim = RegionCode::parse("64").unwrap();
        let samarinda = RegionCode::parse("6472").unwrap();
        assert_eq!(samarinda.as_str(), "64.72");
        assert_eq!(samarinda.level(), RegionLevel::Regency);
        let d = RegionCode::parse("64.72.01").unwrap();
        assert_eq!(d.level(), RegionLevel::District);
        assert_eq!(d.regency(), Some("64.72"));
        assert!(kaltim.contains(&samarinda));
        assert!(samarinda.contains(&d));
        assert!(!samarinda.contains(&RegionCode::parse("64.71").unwrap()));
        assert!(!RegionCode::parse("6").unwrap_or(kaltim.clone()).contains(&RegionCode::parse("65").unwrap()));
        assert!(RegionCode::parse("64.7").is_err());
        assert!(RegionCode::parse("64.71.01.1001").is_err());
        assert!(RegionCode::parse("ab").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".{0,40}") {
            let _ = Nib::parse(&s);
            let _ = Kbli::parse(&s);
            let _ = RegionCode::parse(&s);
        }

        #[test]
        fn nib_roundtrips(d in "[0-9]{13}") {
            let n = Nib::parse(&d).unwrap();
            prop_assert_eq!(n.as_str(), d.as_str());
        }
    }
}
