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

/// Dates as `YYYY-MM-DD` wherever linkage records are serialised (audit
/// images, pages, JSON), instead of `time`'s default `[year, ordinal]`.
pub mod day {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]")).map_err(serde::de::Error::custom)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn dates_serialise_as_iso_days() {
            let r = super::super::Reason::Certificate {
                standard: "SNI 3553:2015".into(),
                number: "NK-SNI-2026-000001".into(),
                until: time::macros::date!(2027 - 03 - 01),
            };
            assert!(serde_json::to_string(&r).unwrap().contains("\"until\":\"2027-03-01\""));
        }
    }
}
