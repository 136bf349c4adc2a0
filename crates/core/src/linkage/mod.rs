//! Linkage with large industry (DESIGN.md §2 capability 7, issue 9): buyers'
//! sourcing requests matched to IKM holding active certificates, interest
//! between buyer and supplier, and recorded supply relationships (which feed
//! quality level L5, DESIGN.md §3).
//!
//! - [`capacity`]: capacity units and the monthly amounts requests speak of.
//! - [`buyer`]: the buyer's company profile.
//! - [`request`]: a sourcing request and its validation.
//! - [`interest`]: the buyer's contact with a supplier and its outcome.
//! - [`matching`]: the score of a candidate and the reasons it is shown with.

pub mod buyer;
pub mod capacity;
pub mod interest;
pub mod matching;
pub mod request;

pub use buyer::{BuyerDraft, BuyerProfile};
pub use capacity::{Capacity, CapacityUnit};
pub use interest::InterestStatus;
pub use matching::{score, CandidateFacts, MatchScore, Need, Reason};
pub use request::{RequestDraft, RequestStatus, SourcingRequest};
