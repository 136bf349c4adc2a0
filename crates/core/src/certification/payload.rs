//! The text of the signed QR payload.
//!
//! `NK1|<key id>|<number>|<nib>|<standard>|<issued>|<expires>`: short enough
//! for a QR code a phone reads from paper, and enough to recognise the
//! certificate offline. The signature over these bytes and the base64url
//! encoding are added by `naikkelas-app` (Ed25519).

use super::number::CertificateNumber;
use crate::ids::Nib;
use crate::validation::FieldError;
use time::Date;

pub const VERSION: &str = "NK1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrClaims {
    /// Which installation key signed it (first 16 hex digits of the key's SHA-256).
    pub key_id: String,
    pub number: CertificateNumber,
    pub nib: Nib,
    pub standard: String,
    pub issued_on: Date,
    pub expires_on: Date,
}

fn bad() -> FieldError {
    FieldError::new("payload", "qr.malformed")
}

impl QrClaims {
    pub fn message(&self) -> String {
        format!(
            "{VERSION}|{}|{}|{}|{}|{}|{}",
            self.key_id,
            self.number,
            self.nib,
            self.standard.replace('|', "/"),
            self.issued_on,
            self.expires_on
        )
    }

    pub fn parse(message: &str) -> Result<QrClaims, FieldError> {
        let parts: Vec<&str> = message.split('|').collect();
        let [v, kid, number, nib, standard, issued, expires] = parts.as_slice() else { return Err(bad()) };
        if *v != VERSION || kid.is_empty() || kid.len() > 64 || standard.is_empty() {
            return Err(bad());
        }
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        Ok(QrClaims {
            key_id: kid.to_string(),
            number: CertificateNumber::parse(number).map_err(|_| bad())?,
            nib: Nib::parse(nib).map_err(|_| bad())?,
            standard: standard.to_string(),
            issued_on: Date::parse(issued, &fmt).map_err(|_| bad())?,
            expires_on: Date::parse(expires, &fmt).map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn claims_round_trip_and_refuse_garbage() {
        let c = QrClaims {
            key_id: "0123456789abcdef".into(),
            number: CertificateNumber::parse("NK-SNI-2026-000001").unwrap(),
            nib: Nib::parse("6472000000001").unwrap(),
            standard: "SNI 2983:2014".into(),
            issued_on: date!(2026 - 03 - 10),
            expires_on: date!(2030 - 03 - 10),
        };
        let m = c.message();
        assert_eq!(m, "NK1|0123456789abcdef|NK-SNI-2026-000001|6472000000001|SNI 2983:2014|2026-03-10|2030-03-10");
        assert_eq!(QrClaims::parse(&m).unwrap(), c);
        for bad in ["", "NK1|a|b", &m.replace("NK1", "NK2"), &m.replace("2030-03-10", "2030-13-10")] {
            assert_eq!(QrClaims::parse(bad).unwrap_err().code, "qr.malformed");
        }
    }
}
