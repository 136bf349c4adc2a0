//! Validity, surveillance dates and the live status of a certificate.
//!
//! Validity periods are data (per standard, DOMAIN.md §2c: SPPT SNI 4 years
//! in the known cases; ISO 3 years, §3c) and are stored with each
//! certificate; these functions only do the date arithmetic.

use super::body::Scheme;
use super::lifecycle::{Event, State};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// `d` plus `months` calendar months; the 31st becomes the month's last day.
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).expect("1..=12");
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).expect("valid calendar date")
}

/// The expiry date: the certificate is valid on days before it.
pub fn expiry(issued_on: Date, validity_months: i32) -> Date {
    add_months(issued_on, validity_months)
}

/// When the next surveillance audit must have taken place, or `None` when
/// the next audit is the recertification before expiry.
///
/// - ISO (17021-1 §9.1.3): the first within 12 months of the decision, then
///   at least once per calendar year, so by 31 December of the year after
///   the last one.
/// - SNI type 5: every 12 months from the decision or the last surveillance.
pub fn next_surveillance_due(
    scheme: Scheme,
    decided_on: Date,
    last_surveillance: Option<Date>,
    expires_on: Date,
) -> Option<Date> {
    let due = match (scheme, last_surveillance) {
        (_, None) => add_months(decided_on, 12),
        (Scheme::Iso, Some(last)) => {
            Date::from_calendar_date(last.year() + 1, Month::December, 31).expect("31 December exists")
        }
        (Scheme::SniType5, Some(last)) => add_months(last, 12),
    };
    (due < expires_on).then_some(due)
}

/// What the public sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveStatus {
    Active,
    Suspended,
    Withdrawn,
    Expired,
}

impl LiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveStatus::Active => "active",
            LiveStatus::Suspended => "suspended",
            LiveStatus::Withdrawn => "withdrawn",
            LiveStatus::Expired => "expired",
        }
    }
}

/// The status on `today`, computed from the dates so that expiry and a
/// missed surveillance show at once, before the sweep has recorded them.
/// `None` while there is no certificate (application in progress or refused).
pub fn live_status(
    state: State,
    expires_on: Option<Date>,
    surveillance_due: Option<Date>,
    today: Date,
) -> Option<LiveStatus> {
    let expired = expires_on.is_some_and(|e| today >= e);
    let missed = surveillance_due.is_some_and(|d| today > d);
    Some(match state {
        State::Withdrawn => LiveStatus::Withdrawn,
        State::Expired => LiveStatus::Expired,
        _ if !state.has_certificate() => return None,
        _ if expired => LiveStatus::Expired,
        State::Suspended => LiveStatus::Suspended,
        State::Certified if missed => LiveStatus::Suspended,
        _ => LiveStatus::Active,
    })
}

/// What the periodic sweep must record for a certificate on `today`:
/// expiry on its date, suspension after a missed surveillance.
pub fn sweep_event(
    state: State,
    expires_on: Option<Date>,
    surveillance_due: Option<Date>,
    today: Date,
) -> Option<Event> {
    if !state.has_certificate() || state.is_final() {
        return None;
    }
    if expires_on.is_some_and(|e| today >= e) {
        return Some(Event::Expire);
    }
    if state == State::Certified && surveillance_due.is_some_and(|d| today > d) {
        return Some(Event::Suspend);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 03 - 15), 48), date!(2030 - 03 - 15));
        assert_eq!(add_months(date!(2026 - 03 - 15), -3), date!(2025 - 12 - 15));
    }

    #[test]
    fn iso_surveillance_first_within_a_year_then_every_calendar_year() {
        let decided = date!(2026 - 03 - 10);
        let exp = expiry(decided, 36);
        assert_eq!(exp, date!(2029 - 03 - 10));
        assert_eq!(next_surveillance_due(Scheme::Iso, decided, None, exp), Some(date!(2027 - 03 - 10)));
        assert_eq!(
            next_surveillance_due(Scheme::Iso, decided, Some(date!(2027 - 02 - 01)), exp),
            Some(date!(2028 - 12 - 31))
        );
        // Year 3 is the recertification year.
        assert_eq!(next_surveillance_due(Scheme::Iso, decided, Some(date!(2028 - 06 - 01)), exp), None);
    }

    #[test]
    fn sni_type5_surveillance_is_yearly_within_four_years() {
        let decided = date!(2026 - 03 - 10);
        let exp = expiry(decided, 48);
        assert_eq!(next_surveillance_due(Scheme::SniType5, decided, None, exp), Some(date!(2027 - 03 - 10)));
        assert_eq!(
            next_surveillance_due(Scheme::SniType5, decided, Some(date!(2029 - 03 - 20)), exp),
            None,
            "the next one would fall on or after expiry"
        );
    }

    #[test]
    fn status_follows_the_dates() {
        let exp = Some(date!(2030 - 01 - 01));
        let due = Some(date!(2027 - 01 - 01));
        let st = |s, today| live_status(s, exp, due, today);
        assert_eq!(st(State::Certified, date!(2026 - 06 - 01)), Some(LiveStatus::Active));
        assert_eq!(st(State::Certified, date!(2027 - 01 - 01)), Some(LiveStatus::Active), "due day itself is fine");
        assert_eq!(st(State::Certified, date!(2027 - 01 - 02)), Some(LiveStatus::Suspended));
        assert_eq!(st(State::Surveillance, date!(2027 - 01 - 02)), Some(LiveStatus::Active), "audit under way");
        assert_eq!(st(State::Suspended, date!(2026 - 06 - 01)), Some(LiveStatus::Suspended));
        assert_eq!(st(State::Certified, date!(2030 - 01 - 01)), Some(LiveStatus::Expired));
        assert_eq!(st(State::Withdrawn, date!(2026 - 06 - 01)), Some(LiveStatus::Withdrawn));
        assert_eq!(st(State::Decision, date!(2026 - 06 - 01)), None);
        assert_eq!(sweep_event(State::Certified, exp, due, date!(2027 - 01 - 02)), Some(Event::Suspend));
        assert_eq!(sweep_event(State::Suspended, exp, due, date!(2030 - 01 - 01)), Some(Event::Expire));
        assert_eq!(sweep_event(State::Certified, exp, due, date!(2026 - 06 - 01)), None);
        assert_eq!(sweep_event(State::Expired, exp, due, date!(2031 - 01 - 01)), None);
    }
}
