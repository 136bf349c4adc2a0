//! A buyer's interest in a supplier: a message through the system that the
//! supplier accepts or declines. The supplier's contact details are shown to
//! the buyer only once accepted (issue 9: no personal data without consent).

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterestStatus {
    Pending,
    Accepted,
    Declined,
}

impl InterestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InterestStatus::Pending => "pending",
            InterestStatus::Accepted => "accepted",
            InterestStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<InterestStatus> {
        [InterestStatus::Pending, InterestStatus::Accepted, InterestStatus::Declined]
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }

    /// The supplier's answer; given once.
    pub fn decide(self, accept: bool) -> Result<InterestStatus, FieldError> {
        match self {
            InterestStatus::Pending if accept => Ok(InterestStatus::Accepted),
            InterestStatus::Pending => Ok(InterestStatus::Declined),
            decided => Err(FieldError::new("status", "interest.decided").with("value", decided.as_str())),
        }
    }

    /// Whether the buyer may see the supplier's owner name, phone and e-mail.
    pub fn reveals_contact(self) -> bool {
        self == InterestStatus::Accepted
    }

    /// A supply relationship can be recorded only with a supplier who accepted.
    pub fn allows_supply(self) -> bool {
        self == InterestStatus::Accepted
    }
}

/// The buyer's message: required, at most 2,000 characters.
pub fn validate_message(raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new("pesan", "required"));
    }
    if t.chars().count() > 2000 {
        return Err(FieldError::new("pesan", "text.too_long").with("max", 2000));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supplier_answers_once_and_only_acceptance_reveals_contact() {
        let p = InterestStatus::Pending;
        assert!(!p.reveals_contact());
        let a = p.decide(true).unwrap();
        assert!(a.reveals_contact() && a.allows_supply());
        assert_eq!(a.decide(false).unwrap_err().code, "interest.decided");
        let d = p.decide(false).unwrap();
        assert!(!d.reveals_contact() && !d.allows_supply());
        assert_eq!(validate_message("  ").unwrap_err().code, "required");
    }
}
