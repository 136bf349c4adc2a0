//! The certificate number.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A certificate number as printed on the certificate and typed into the
/// public check, e.g. `NK-SNI-2026-000042`.
///
/// Upper-case letters and digits in groups separated by single hyphens,
/// 6 to 40 characters. Input is trimmed and upper-cased, so a number read
/// aloud or typed on a phone still matches. No slashes or spaces: the number
/// travels in URL paths (`/v/{number}`) and QR payloads unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateNumber(String);

impl CertificateNumber {
    pub const MIN_LEN: usize = 6;
    pub const MAX_LEN: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(FieldError::new("number", "required"));
        }
        let shape_ok =
            s.split('-').all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        if !shape_ok || !s.is_ascii() {
            return Err(FieldError::new("number", "certificate_number.format"));
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&s.len()) {
            return Err(FieldError::new("number", "certificate_number.length")
                .with("min", Self::MIN_LEN)
                .with("max", Self::MAX_LEN));
        }
        Ok(Self(s))
    }

    /// The number naikkelas issues: scheme prefix, year of issue and the
    /// certification's id, which makes it unique without a counter.
    pub fn issue(prefix: &str, year: i32, id: i64) -> Self {
        Self::parse(&format!("NK-{prefix}-{year}-{id:06}")).expect("issued numbers are well formed")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CertificateNumber {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<CertificateNumber> for String {
    fn from(n: CertificateNumber) -> String {
        n.0
    }
}
impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_normalise_and_refuse_bad_shapes() {
        assert_eq!(CertificateNumber::parse(" nk-sni-2026-000001 ").unwrap().as_str(), "NK-SNI-2026-000001");
        assert_eq!(CertificateNumber::issue("ISO", 2027, 42).as_str(), "NK-ISO-2027-000042");
        for bad in ["NK--1", "-NK-2026", "NK-2026-", "NK 2026 01", "NK/2026/01", "../etc/passwd", "NK-ÄÖ-2026"] {
            assert_eq!(CertificateNumber::parse(bad).unwrap_err().code, "certificate_number.format", "{bad}");
        }
        assert_eq!(CertificateNumber::parse("NK-1").unwrap_err().code, "certificate_number.length");
        assert_eq!(CertificateNumber::parse(&"A".repeat(41)).unwrap_err().code, "certificate_number.length");
        assert_eq!(CertificateNumber::parse("  ").unwrap_err().code, "required");
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in ".{0,60}") {
            let _ = CertificateNumber::parse(&s);
        }
    }
}
