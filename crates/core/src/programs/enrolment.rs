//! The enrolment state machine with the maker–checker rule.
//!
//! ```text
//! applied ─verify→ verified ─approve→ approved
//! applied|verified ─reject→ rejected
//! ```
//!
//! The approver must be a different person from the verifier (maker–checker):
//! one official checks the paperwork and the site, a second one commits the
//! money. Approval also writes the approved amount to the ledger, where the
//! budget rules of [`super::ledger`] apply.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentState {
    Applied,
    Verified,
    Approved,
    Rejected,
}

impl EnrolmentState {
    pub const ALL: [EnrolmentState; 4] =
        [EnrolmentState::Applied, EnrolmentState::Verified, EnrolmentState::Approved, EnrolmentState::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentState::Applied => "applied",
            EnrolmentState::Verified => "verified",
            EnrolmentState::Approved => "approved",
            EnrolmentState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<EnrolmentState> {
        EnrolmentState::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Still counts as taking part (a second enrolment in the same programme is refused).
    pub fn is_live(self) -> bool {
        self != EnrolmentState::Rejected
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentEvent {
    Verify,
    Approve,
    Reject,
}

impl EnrolmentEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentEvent::Verify => "verify",
            EnrolmentEvent::Approve => "approve",
            EnrolmentEvent::Reject => "reject",
        }
    }
}

/// Who did what so far, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deciders {
    pub verified_by: Option<i64>,
}

/// The state after `event`, or the rule that refuses it.
/// `actor` is the user id of whoever asks.
pub fn next(
    state: EnrolmentState,
    event: EnrolmentEvent,
    who: Deciders,
    actor: i64,
) -> Result<EnrolmentState, FieldError> {
    use EnrolmentEvent as E;
    use EnrolmentState as S;
    let illegal = || {
        FieldError::new("status", "enrolment.illegal_transition")
            .with("from", state.as_str())
            .with("event", event.as_str())
    };
    match (state, event) {
        (S::Applied, E::Verify) => Ok(S::Verified),
        (S::Verified, E::Approve) => {
            if who.verified_by == Some(actor) {
                Err(FieldError::new("status", "enrolment.maker_checker"))
            } else {
                Ok(S::Approved)
            }
        }
        (S::Applied | S::Verified, E::Reject) => Ok(S::Rejected),
        _ => Err(illegal()),
    }
}

/// A rejection needs a reason the applicant can read.
pub fn check_reason(reason: &str) -> Result<(), FieldError> {
    if reason.trim().is_empty() {
        return Err(FieldError::new("reason", "enrolment.reason_required"));
    }
    Ok(())
}

/// Applications are taken only while the programme is open: from its start
/// to its end date, both inclusive. Outside that window an application could
/// not be verified and paid within the programme's own budget period.
pub fn check_period(starts_on: Date, ends_on: Date, today: Date) -> Result<(), FieldError> {
    if today < starts_on || today > ends_on {
        return Err(FieldError::new("eligibility", "enrolment.period")
            .with("start", starts_on)
            .with("end", ends_on)
            .with("value", today));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnrolmentEvent as E;
    use EnrolmentState as S;

    const NOBODY: Deciders = Deciders { verified_by: None };

    #[test]
    fn the_happy_path_needs_two_people() {
        assert_eq!(next(S::Applied, E::Verify, NOBODY, 7), Ok(S::Verified));
        let verified = Deciders { verified_by: Some(7) };
        assert_eq!(next(S::Verified, E::Approve, verified, 7).unwrap_err().code, "enrolment.maker_checker");
        assert_eq!(next(S::Verified, E::Approve, verified, 8), Ok(S::Approved));
    }

    #[test]
    fn applications_are_taken_only_within_the_period() {
        let d = |m, day| Date::from_calendar_date(2025, m, day).unwrap();
        let (start, end) = (d(time::Month::February, 1), d(time::Month::November, 30));
        assert!(check_period(start, end, start).is_ok());
        assert!(check_period(start, end, end).is_ok());
        for day in [d(time::Month::January, 31), d(time::Month::December, 1)] {
            let err = check_period(start, end, day).unwrap_err();
            assert_eq!(err.code, "enrolment.period");
            assert_eq!(err.params.iter().find(|(k, _)| k == "start").map(|(_, v)| v.as_str()), Some("2025-02-01"));
        }
    }

    #[test]
    fn illegal_transitions_are_refused_with_their_states() {
        for (s, e) in [
            (S::Applied, E::Approve),
            (S::Verified, E::Verify),
            (S::Approved, E::Reject),
            (S::Approved, E::Verify),
            (S::Rejected, E::Approve),
            (S::Rejected, E::Verify),
        ] {
            let err = next(s, e, NOBODY, 1).unwrap_err();
            assert_eq!(err.code, "enrolment.illegal_transition", "{s:?} {e:?}");
        }
        assert_eq!(next(S::Verified, E::Reject, NOBODY, 1), Ok(S::Rejected));
        assert!(check_reason("  ").is_err() && check_reason("mesin bekas").is_ok());
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
