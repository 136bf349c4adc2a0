//! A sourcing request: what a buyer needs, from whom and by when.
//!
//! Bad input is refused with a reason per field (issue 9): a standard that
//! is not in the certification catalogue, a capacity that is not positive or
//! in a unit the registry does not use, an unknown KBLI class or region, a
//! deadline in the past.

use super::capacity::{Capacity, CapacityUnit};
use crate::enterprise::{split_list, text};
use crate::reference::Reference;
use crate::validation::{FieldError, ValidationErrors};
use crate::{Kbli, RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};
use time::Date;

/// Standards one request may require; more is a wish list, not a request.
pub const MAX_STANDARDS: usize = 5;
/// Preferred regions one request may name.
pub const MAX_REGIONS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    Closed,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<RequestStatus> {
        [RequestStatus::Open, RequestStatus::Closed].into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// A validated request (without its id and owner, which the store holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcingRequest {
    pub title: String,
    pub kbli: Kbli,
    /// Product words, lowercased, e.g. "air minum kemasan".
    pub keywords: Vec<String>,
    /// Codes from the certification standards catalogue; a supplier needs an
    /// active certificate for every one.
    pub standards: Vec<String>,
    /// Minimum capacity per month.
    pub min_monthly: Capacity,
    /// Provinces or regencies preferred; empty means anywhere.
    pub regions: Vec<RegionCode>,
    #[serde(with = "super::day")]
    pub deadline: Date,
    pub status: RequestStatus,
}

/// The request form as typed; lists are comma- or semicolon-separated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestDraft {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kbli: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub standards: String,
    #[serde(default)]
    pub min_capacity: String,
    #[serde(default)]
    pub capacity_unit: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub deadline: String,
    /// `open` (default) or `closed`.
    #[serde(default)]
    pub status: String,
}

impl RequestDraft {
    /// `standards` is the certification catalogue (codes); `today` bounds the deadline.
    pub fn validate(
        &self,
        r: &Reference,
        standards: &[String],
        today: Date,
    ) -> Result<SourcingRequest, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = e.take(text(&self.title, "judul", true, 200));
        let kbli = e.take(Kbli::parse(&self.kbli).and_then(|k| r.check_kbli(&k).map(|_| k)));
        let keywords: Vec<String> = split_list(&self.keywords).into_iter().map(|k| k.to_lowercase()).collect();
        if keywords.len() > 20 {
            e.push(FieldError::new("kata_kunci", "list.too_long").with("max", 20));
        }
        if keywords.iter().any(|k| k.chars().count() > 60) {
            e.push(FieldError::new("kata_kunci", "text.too_long").with("max", 60));
        }
        let mut wanted = Vec::new();
        for raw in split_list(&self.standards) {
            match standards.iter().find(|s| s.eq_ignore_ascii_case(&raw)) {
                Some(s) if !wanted.contains(s) => wanted.push(s.clone()),
                Some(_) => {}
                None => e.push(FieldError::new("standar", "standard.unknown").with("value", &raw)),
            }
        }
        if wanted.len() > MAX_STANDARDS {
            e.push(FieldError::new("standar", "list.too_long").with("max", MAX_STANDARDS));
        }
        let unit = self.capacity_unit.trim();
        let unit = e.take(if unit.is_empty() {
            Err(FieldError::new("satuan_kapasitas", "required"))
        } else {
            CapacityUnit::parse(unit).ok_or_else(|| {
                let known: Vec<&str> = CapacityUnit::ALL.iter().map(|u| u.as_str()).collect();
                FieldError::new("satuan_kapasitas", "capacity_unit.unknown")
                    .with("value", unit)
                    .with("units", known.join(", "))
            })
        });
        let amount =
            e.take(crate::money::Decimal::parse_integer(&self.min_capacity, "kapasitas_minimum").and_then(|c| {
                if c <= 0 {
                    Err(FieldError::new("kapasitas_minimum", "capacity.not_positive").with("value", c))
                } else {
                    Ok(c)
                }
            }));
        let mut regions = Vec::new();
        for raw in split_list(&self.regions) {
            match RegionCode::parse_field(&raw, "wilayah") {
                Ok(c) if c.level() == RegionLevel::District || !r.region_exists(&c) => {
                    e.push(FieldError::new("wilayah", "region.unknown").with("value", &c))
                }
                Ok(c) if !regions.contains(&c) => regions.push(c),
                Ok(_) => {}
                Err(err) => e.push(err),
            }
        }
        if regions.len() > MAX_REGIONS {
            e.push(FieldError::new("wilayah", "list.too_long").with("max", MAX_REGIONS));
        }
        let deadline = e.take(parse_day(&self.deadline, "batas_waktu").and_then(|d| {
            if d < today {
                Err(FieldError::new("batas_waktu", "deadline.past").with("value", d))
            } else {
                Ok(d)
            }
        }));
        let status = match self.status.trim() {
            "" => Some(RequestStatus::Open),
            s => e.take(RequestStatus::parse(s).ok_or_else(|| FieldError::new("status", "status.unknown"))),
        };
        e.into_result(|| SourcingRequest {
            title: title.expect("checked"),
            kbli: kbli.expect("checked"),
            keywords,
            standards: wanted,
            min_monthly: Capacity { amount: amount.expect("checked"), unit: unit.expect("checked") },
            regions,
            deadline: deadline.expect("checked"),
            status: status.expect("checked"),
        })
    }
}

impl From<&SourcingRequest> for RequestDraft {
    fn from(r: &SourcingRequest) -> Self {
        RequestDraft {
            title: r.title.clone(),
            kbli: r.kbli.to_string(),
            keywords: r.keywords.join(", "),
            standards: r.standards.join(", "),
            min_capacity: r.min_monthly.amount.to_string(),
            capacity_unit: r.min_monthly.unit.as_str().into(),
            regions: r.regions.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
            deadline: r.deadline.to_string(),
            status: r.status.as_str().into(),
        }
    }
}

fn parse_day(raw: &str, field: &str) -> Result<Date, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| FieldError::new(field, "date.format").with("value", s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn catalogue() -> Vec<String> {
        vec!["SNI 3553:2015".into(), "SNI ISO 9001:2015".into()]
    }

    fn draft() -> RequestDraft {
        RequestDraft {
            title: "Keripik untuk jaringan ritel".into(),
            kbli: "10794".into(),
            keywords: "Keripik Pisang, amplang".into(),
            standards: "sni iso 9001:2015".into(),
            min_capacity: "1.500".into(),
            capacity_unit: "kg".into(),
            regions: "64.72, 65".into(),
            deadline: "2027-01-31".into(),
            status: String::new(),
        }
    }

    #[test]
    fn a_good_request_is_normalised() {
        let r = crate::reference::tests::sample();
        let req = draft().validate(&r, &catalogue(), date!(2026 - 11 - 27)).unwrap();
        assert_eq!(req.standards, vec!["SNI ISO 9001:2015".to_string()]);
        assert_eq!(req.keywords, vec!["keripik pisang".to_string(), "amplang".into()]);
        assert_eq!(req.min_monthly, Capacity { amount: 1_500, unit: CapacityUnit::Kg });
        assert_eq!(req.regions.len(), 2);
        assert_eq!(req.status, RequestStatus::Open);
        assert_eq!(RequestDraft::from(&req).validate(&r, &catalogue(), date!(2026 - 11 - 27)).unwrap(), req);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let r = crate::reference::tests::sample();
        let today = date!(2026 - 11 - 27);
        let bad = RequestDraft {
            standards: "SNI 9999:2020".into(),
            min_capacity: "-5".into(),
            capacity_unit: "barrel".into(),
            regions: "64.99".into(),
            deadline: "2026-11-26".into(),
            kbli: "47111".into(),
            ..draft()
        };
        let e = bad.validate(&r, &catalogue(), today).unwrap_err();
        assert_eq!(e.for_field("standar").unwrap().code, "standard.unknown");
        assert_eq!(e.for_field("kapasitas_minimum").unwrap().code, "capacity.not_positive");
        assert_eq!(e.for_field("satuan_kapasitas").unwrap().code, "capacity_unit.unknown");
        assert_eq!(e.for_field("wilayah").unwrap().code, "region.unknown");
        assert_eq!(e.for_field("batas_waktu").unwrap().code, "deadline.past");
        assert_eq!(e.for_field("kbli").unwrap().code, "kbli.unknown");
        let zero = RequestDraft { min_capacity: "0".into(), ..draft() };
        assert_eq!(
            zero.validate(&r, &catalogue(), today).unwrap_err().for_field("kapasitas_minimum").unwrap().code,
            "capacity.not_positive"
        );
    }
}
