//! The certification lifecycle as an explicit state machine.
//!
//! ```text
//! applied ─start_review→ document_review ─start_stage1→ audit_stage1 ─complete_stage1→ audit_stage2
//!   ─complete_stage2→ decision ─grant→ certified   (grant: every major finding closed; SNI type 5: testing passed)
//!                              └refuse→ refused
//! certified ─start_surveillance→ surveillance ─complete_surveillance→ certified
//! certified|surveillance ─start_renewal→ renewal ─renew→ certified (new validity)
//! certified|surveillance|renewal ─suspend→ suspended ─reinstate→ certified
//! certified|surveillance|renewal|suspended ─withdraw→ withdrawn | ─expire→ expired
//! ```
//!
//! Findings, corrective actions and laboratory results are events too: they
//! keep the state but are only allowed where the process has them.
//! [`next`] is the whole table; anything it does not list is refused with
//! [`Refusal::Illegal`].

use super::body::Scheme;
use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Applied,
    DocumentReview,
    AuditStage1,
    AuditStage2,
    Decision,
    Refused,
    Certified,
    Surveillance,
    Renewal,
    Suspended,
    Withdrawn,
    Expired,
}

impl State {
    pub const ALL: [State; 12] = [
        State::Applied,
        State::DocumentReview,
        State::AuditStage1,
        State::AuditStage2,
        State::Decision,
        State::Refused,
        State::Certified,
        State::Surveillance,
        State::Renewal,
        State::Suspended,
        State::Withdrawn,
        State::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::DocumentReview => "document_review",
            State::AuditStage1 => "audit_stage1",
            State::AuditStage2 => "audit_stage2",
            State::Decision => "decision",
            State::Refused => "refused",
            State::Certified => "certified",
            State::Surveillance => "surveillance",
            State::Renewal => "renewal",
            State::Suspended => "suspended",
            State::Withdrawn => "withdrawn",
            State::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// A certificate exists (it was granted), whatever its status now.
    pub fn has_certificate(self) -> bool {
        matches!(
            self,
            State::Certified
                | State::Surveillance
                | State::Renewal
                | State::Suspended
                | State::Withdrawn
                | State::Expired
        )
    }

    /// Nothing can happen any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Refused | State::Withdrawn | State::Expired)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    StartReview,
    StartStage1,
    CompleteStage1,
    CompleteStage2,
    RecordFinding,
    CloseFinding,
    RecordTest,
    Grant,
    Refuse,
    StartSurveillance,
    CompleteSurveillance,
    StartRenewal,
    Renew,
    Suspend,
    Reinstate,
    Withdraw,
    Expire,
}

impl Event {
    pub const ALL: [Event; 17] = [
        Event::StartReview,
        Event::StartStage1,
        Event::CompleteStage1,
        Event::CompleteStage2,
        Event::RecordFinding,
        Event::CloseFinding,
        Event::RecordTest,
        Event::Grant,
        Event::Refuse,
        Event::StartSurveillance,
        Event::CompleteSurveillance,
        Event::StartRenewal,
        Event::Renew,
        Event::Suspend,
        Event::Reinstate,
        Event::Withdraw,
        Event::Expire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::StartReview => "start_review",
            Event::StartStage1 => "start_stage1",
            Event::CompleteStage1 => "complete_stage1",
            Event::CompleteStage2 => "complete_stage2",
            Event::RecordFinding => "record_finding",
            Event::CloseFinding => "close_finding",
            Event::RecordTest => "record_test",
            Event::Grant => "grant",
            Event::Refuse => "refuse",
            Event::StartSurveillance => "start_surveillance",
            Event::CompleteSurveillance => "complete_surveillance",
            Event::StartRenewal => "start_renewal",
            Event::Renew => "renew",
            Event::Suspend => "suspend",
            Event::Reinstate => "reinstate",
            Event::Withdraw => "withdraw",
            Event::Expire => "expire",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Events that must say why (shown in the history and, for suspension, publicly as a status).
    pub fn needs_reason(self) -> bool {
        matches!(self, Event::Refuse | Event::Suspend | Event::Withdraw)
    }
}

/// Grade of an audit finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingGrade {
    /// Major nonconformity: blocks the decision until closed.
    Major,
    Minor,
    Observation,
}

impl FindingGrade {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingGrade::Major => "major",
            FindingGrade::Minor => "minor",
            FindingGrade::Observation => "observation",
        }
    }
    pub fn parse(s: &str) -> Option<FindingGrade> {
        match s.trim() {
            "major" => Some(FindingGrade::Major),
            "minor" => Some(FindingGrade::Minor),
            "observation" => Some(FindingGrade::Observation),
            _ => None,
        }
    }
}

/// What the guards look at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub scheme: Scheme,
    /// References (e.g. `#3 7.1.5`) of major findings still open.
    pub open_major: &'a [String],
    /// SNI type 5: the latest laboratory result, if any.
    pub testing_passed: Option<bool>,
    pub today: Date,
    pub expires_on: Option<Date>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The event has no arrow out of this state.
    Illegal { from: State, event: Event },
    /// A decision (grant, reinstatement, closing a surveillance or renewal)
    /// with major findings still open; names them.
    OpenMajorFindings(Vec<String>),
    /// SNI type 5 needs a passed laboratory test before the grant or renewal.
    TestingNotPassed,
    /// Laboratory testing is part of SNI type 5 only.
    TestingNotInScheme,
    /// Expiry before the expiry date.
    NotYetExpired { expires_on: Option<Date> },
}

impl Refusal {
    /// The refusal as a field error with a translation code and parameters.
    pub fn to_field_error(&self) -> FieldError {
        match self {
            Refusal::Illegal { from, event } => FieldError::new("event", "certification.illegal_transition")
                .with("from", from.as_str())
                .with("event", event.as_str()),
            Refusal::OpenMajorFindings(open) => {
                FieldError::new("findings", "certification.open_major_findings").with("findings", open.join(", "))
            }
            Refusal::TestingNotPassed => FieldError::new("testing", "certification.testing_required"),
            Refusal::TestingNotInScheme => FieldError::new("testing", "certification.testing_not_in_scheme"),
            Refusal::NotYetExpired { expires_on } => FieldError::new("event", "certification.not_expired")
                .with("expires_on", expires_on.map(|d| d.to_string()).unwrap_or_default()),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_field_error().english())
    }
}

fn no_open_major(f: &Facts) -> Result<(), Refusal> {
    if f.open_major.is_empty() {
        Ok(())
    } else {
        Err(Refusal::OpenMajorFindings(f.open_major.to_vec()))
    }
}

fn testing_passed(f: &Facts) -> Result<(), Refusal> {
    if f.scheme == Scheme::SniType5 && f.testing_passed != Some(true) {
        Err(Refusal::TestingNotPassed)
    } else {
        Ok(())
    }
}

/// The state after `event` in `from`, or why not.
pub fn next(from: State, event: Event, f: &Facts) -> Result<State, Refusal> {
    use Event as E;
    use State as S;
    let to = match (from, event) {
        (S::Applied, E::StartReview) => S::DocumentReview,
        (S::DocumentReview, E::StartStage1) => S::AuditStage1,
        (S::AuditStage1, E::CompleteStage1) => S::AuditStage2,
        (S::AuditStage2, E::CompleteStage2) => S::Decision,
        (S::DocumentReview | S::AuditStage1 | S::AuditStage2 | S::Surveillance | S::Renewal, E::RecordFinding) => from,
        (
            S::DocumentReview
            | S::AuditStage1
            | S::AuditStage2
            | S::Decision
            | S::Certified
            | S::Surveillance
            | S::Renewal
            | S::Suspended,
            E::CloseFinding,
        ) => from,
        (S::AuditStage2 | S::Decision | S::Surveillance | S::Renewal, E::RecordTest) => {
            if f.scheme != Scheme::SniType5 {
                return Err(Refusal::TestingNotInScheme);
            }
            from
        }
        (S::Decision, E::Grant) => {
            no_open_major(f)?;
            testing_passed(f)?;
            S::Certified
        }
        (S::Decision, E::Refuse) => S::Refused,
        (S::Certified, E::StartSurveillance) => S::Surveillance,
        (S::Surveillance, E::CompleteSurveillance) => {
            no_open_major(f)?;
            S::Certified
        }
        (S::Certified | S::Surveillance, E::StartRenewal) => S::Renewal,
        (S::Renewal, E::Renew) => {
            no_open_major(f)?;
            testing_passed(f)?;
            S::Certified
        }
        (S::Certified | S::Surveillance | S::Renewal, E::Suspend) => S::Suspended,
        (S::Suspended, E::Reinstate) => {
            no_open_major(f)?;
            S::Certified
        }
        (S::Certified | S::Surveillance | S::Renewal | S::Suspended, E::Withdraw) => S::Withdrawn,
        (S::Certified | S::Surveillance | S::Renewal | S::Suspended, E::Expire) => match f.expires_on {
            Some(d) if f.today >= d => S::Expired,
            other => return Err(Refusal::NotYetExpired { expires_on: other }),
        },
        _ => return Err(Refusal::Illegal { from, event }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use Event as E;
    use State as S;

    /// Every legal arrow; everything else must be refused as illegal.
    const LEGAL: &[(State, Event, State)] = &[
        (S::Applied, E::StartReview, S::DocumentReview),
        (S::DocumentReview, E::StartStage1, S::AuditStage1),
        (S::DocumentReview, E::RecordFinding, S::DocumentReview),
        (S::DocumentReview, E::CloseFinding, S::DocumentReview),
        (S::AuditStage1, E::CompleteStage1, S::AuditStage2),
        (S::AuditStage1, E::RecordFinding, S::AuditStage1),
        (S::AuditStage1, E::CloseFinding, S::AuditStage1),
        (S::AuditStage2, E::CompleteStage2, S::Decision),
        (S::AuditStage2, E::RecordFinding, S::AuditStage2),
        (S::AuditStage2, E::CloseFinding, S::AuditStage2),
        (S::AuditStage2, E::RecordTest, S::AuditStage2),
        (S::Decision, E::CloseFinding, S::Decision),
        (S::Decision, E::RecordTest, S::Decision),
        (S::Decision, E::Grant, S::Certified),
        (S::Decision, E::Refuse, S::Refused),
        (S::Certified, E::CloseFinding, S::Certified),
        (S::Certified, E::StartSurveillance, S::Surveillance),
        (S::Certified, E::StartRenewal, S::Renewal),
        (S::Certified, E::Suspend, S::Suspended),
        (S::Certified, E::Withdraw, S::Withdrawn),
        (S::Certified, E::Expire, S::Expired),
        (S::Surveillance, E::RecordFinding, S::Surveillance),
        (S::Surveillance, E::CloseFinding, S::Surveillance),
        (S::Surveillance, E::RecordTest, S::Surveillance),
        (S::Surveillance, E::CompleteSurveillance, S::Certified),
        (S::Surveillance, E::StartRenewal, S::Renewal),
        (S::Surveillance, E::Suspend, S::Suspended),
        (S::Surveillance, E::Withdraw, S::Withdrawn),
        (S::Surveillance, E::Expire, S::Expired),
        (S::Renewal, E::RecordFinding, S::Renewal),
        (S::Renewal, E::CloseFinding, S::Renewal),
        (S::Renewal, E::RecordTest, S::Renewal),
        (S::Renewal, E::Renew, S::Certified),
        (S::Renewal, E::Suspend, S::Suspended),
        (S::Renewal, E::Withdraw, S::Withdrawn),
        (S::Renewal, E::Expire, S::Expired),
        (S::Suspended, E::CloseFinding, S::Suspended),
        (S::Suspended, E::Reinstate, S::Certified),
        (S::Suspended, E::Withdraw, S::Withdrawn),
        (S::Suspended, E::Expire, S::Expired),
    ];

    fn permissive() -> Facts<'static> {
        Facts {
            scheme: Scheme::SniType5,
            open_major: &[],
            testing_passed: Some(true),
            today: date!(2030 - 01 - 01),
            expires_on: Some(date!(2030 - 01 - 01)),
        }
    }

    #[test]
    fn every_state_event_pair_is_legal_exactly_as_the_table_says() {
        let f = permissive();
        let mut illegal = 0;
        for from in State::ALL {
            for event in Event::ALL {
                let expected = LEGAL.iter().find(|(s, e, _)| *s == from && *e == event).map(|(_, _, to)| *to);
                match (expected, next(from, event, &f)) {
                    (Some(to), Ok(got)) => assert_eq!(got, to, "{from:?} --{event:?}"),
                    (None, Err(Refusal::Illegal { from: a, event: b })) => {
                        assert_eq!((a, b), (from, event));
                        illegal += 1;
                    }
                    (exp, got) => panic!("{from:?} --{event:?}: expected {exp:?}, got {got:?}"),
                }
            }
        }
        assert_eq!(illegal, State::ALL.len() * Event::ALL.len() - LEGAL.len());
        // Final states have no way out at all.
        for s in State::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(Event::ALL.into_iter().all(|e| next(s, e, &f).is_err()), "{s:?}");
        }
    }

    #[test]
    fn illegal_transitions_explain_themselves() {
        let e = next(S::Applied, E::Grant, &permissive()).unwrap_err().to_field_error();
        assert_eq!(e.code, "certification.illegal_transition");
        assert_eq!(e.params, vec![("from".into(), "applied".into()), ("event".into(), "grant".into())]);
    }

    #[test]
    fn grant_needs_majors_closed_and_testing_passed() {
        let open = vec!["#1 7.1.5".to_string(), "#4 8.5.2".to_string()];
        let f = Facts { open_major: &open, ..permissive() };
        assert_eq!(next(S::Decision, E::Grant, &f), Err(Refusal::OpenMajorFindings(open.clone())));
        let msg = next(S::Decision, E::Grant, &f).unwrap_err().to_field_error();
        assert_eq!(msg.params, vec![("findings".into(), "#1 7.1.5, #4 8.5.2".into())]);
        for t in [None, Some(false)] {
            let f = Facts { testing_passed: t, ..permissive() };
            assert_eq!(next(S::Decision, E::Grant, &f), Err(Refusal::TestingNotPassed));
            assert_eq!(next(S::Renewal, E::Renew, &f), Err(Refusal::TestingNotPassed));
        }
        // ISO has no laboratory testing: not needed, and not recordable.
        let iso = Facts { scheme: Scheme::Iso, testing_passed: None, ..permissive() };
        assert_eq!(next(S::Decision, E::Grant, &iso), Ok(S::Certified));
        assert_eq!(next(S::AuditStage2, E::RecordTest, &iso), Err(Refusal::TestingNotInScheme));
        // Open majors also block reinstatement and closing a surveillance.
        let f = Facts { open_major: &open, ..permissive() };
        assert!(matches!(next(S::Suspended, E::Reinstate, &f), Err(Refusal::OpenMajorFindings(_))));
        assert!(matches!(next(S::Surveillance, E::CompleteSurveillance, &f), Err(Refusal::OpenMajorFindings(_))));
        assert!(matches!(next(S::Renewal, E::Renew, &f), Err(Refusal::OpenMajorFindings(_))));
    }

    #[test]
    fn expiry_waits_for_its_date() {
        let early = Facts { today: date!(2029 - 12 - 31), ..permissive() };
        assert!(matches!(next(S::Certified, E::Expire, &early), Err(Refusal::NotYetExpired { .. })));
        assert_eq!(next(S::Suspended, E::Expire, &permissive()), Ok(S::Expired));
    }

    #[test]
    fn names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        assert_eq!(State::parse("active"), None);
    }
}
