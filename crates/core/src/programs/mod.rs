//! Facilitation programmes (DOMAIN.md §9): machine restructuring, SNI and
//! halal certification subsidies, training and mentoring, promotion and
//! digital onboarding, each with a budget per year.
//!
//! - [`eligibility`]: who may enrol, as data stored with the programme, and
//!   the check that names every unmet rule.
//! - [`benefit`]: how much an enrolment is worth (share of a machine's price
//!   by origin with a floor and a cap, or a flat amount).
//! - [`enrolment`]: the enrolment state machine with the maker–checker rule.
//! - [`ledger`]: the money rules every approval, disbursement and reversal
//!   must pass; the store evaluates them inside its write transaction.
//! - [`absorption`]: budget absorption as per mille, without floats.

pub mod absorption;
pub mod benefit;
pub mod eligibility;
pub mod enrolment;
pub mod ledger;
pub mod program;

pub use absorption::Absorption;
pub use benefit::{Benefit, MachineOrigin, Purchase};
pub use eligibility::{CertificateRule, Eligibility, EnterpriseFacts, ReadinessRule};
pub use enrolment::{EnrolmentEvent, EnrolmentState};
pub use ledger::{EntryKind, LedgerTotals};
pub use program::{ProgramDraft, ProgramKind};
