//! Who may enrol in a programme: rules stored as data with the programme,
//! checked against facts the service gathers about the enterprise.
//!
//! The check never stops at the first unmet rule: the owner or officer sees
//! every reason at once, each with its rule code (`eligibility.size_class`,
//! `eligibility.kbli`, …). Halal facilitation, for instance, takes KBLI
//! starting with 10 or 11 and capital up to Rp5 M excluding land and
//! buildings (DOMAIN.md §9).

use crate::ids::{Kbli, RegionCode};
use crate::money::Rupiah;
use crate::size_class::SizeClass;
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// A minimum readiness score against one standard of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessRule {
    /// Readiness catalogue code, e.g. `sni-2983-2014`.
    pub standard: String,
    /// Score of the latest completed assessment, per mille.
    pub min_permille: u32,
}

/// Whether the enterprise must, or must not, already hold a live certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateRule {
    #[default]
    Any,
    /// Only holders of a live certificate (e.g. maintenance subsidies).
    Holds,
    /// Only those without one (a first-certification subsidy).
    HoldsNone,
}

impl CertificateRule {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateRule::Any => "any",
            CertificateRule::Holds => "holds",
            CertificateRule::HoldsNone => "holds_none",
        }
    }
    pub fn parse(s: &str) -> Option<CertificateRule> {
        [CertificateRule::Any, CertificateRule::Holds, CertificateRule::HoldsNone].into_iter().find(|r| r.as_str() == s)
    }
}

/// The eligibility rules of one programme. An empty list means "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Eligibility {
    #[serde(default)]
    pub size_classes: Vec<SizeClass>,
    /// Leading digits of KBLI codes (1 to 5 digits), e.g. `10`, `11`.
    #[serde(default)]
    pub kbli_prefixes: Vec<String>,
    /// Provinces or regencies; the enterprise's regency must lie in one.
    #[serde(default)]
    pub regions: Vec<RegionCode>,
    #[serde(default)]
    pub readiness: Option<ReadinessRule>,
    #[serde(default)]
    pub certificate: CertificateRule,
    /// Investment (capital excluding land and buildings) of the latest year.
    #[serde(default)]
    pub max_investment: Option<Rupiah>,
    /// Not already funded by a programme of the same kind in an earlier year.
    #[serde(default)]
    pub first_time_only: bool,
}

/// What the service knows about an enterprise when it asks to enrol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseFacts {
    pub regency: RegionCode,
    pub kbli: Vec<Kbli>,
    /// From the latest year's figures; `None` without figures.
    pub size_class: Option<SizeClass>,
    pub investment: Option<Rupiah>,
    /// Latest completed assessment score per readiness standard code.
    pub readiness: Vec<(String, Option<u32>)>,
    pub holds_live_certificate: bool,
    /// Approved in a programme of the same kind before.
    pub funded_by_same_kind: bool,
    /// A live (not rejected) enrolment in this very programme exists.
    pub already_enrolled: bool,
}

fn unmet(code: &str) -> FieldError {
    FieldError::new("eligibility", code)
}

impl Eligibility {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        for p in &self.kbli_prefixes {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                errs.push(FieldError::new("kbli_prefixes", "eligibility.kbli_prefix_format").with("value", p));
            }
        }
        if let Some(r) = &self.readiness {
            if r.standard.trim().is_empty() {
                errs.push(FieldError::new("readiness_standard", "required"));
            }
            if r.min_permille > 1000 {
                errs.push(
                    FieldError::new("readiness_min", "eligibility.readiness_range").with("value", r.min_permille),
                );
            }
        }
        errs.into_result(|| ())
    }

    /// Every unmet rule, in a stable order; empty when eligible.
    pub fn unmet(&self, f: &EnterpriseFacts) -> Vec<FieldError> {
        let mut out = Vec::new();
        if f.already_enrolled {
            out.push(unmet("eligibility.already_enrolled"));
        }
        if !self.size_classes.is_empty() && !f.size_class.is_some_and(|s| self.size_classes.contains(&s)) {
            let allowed: Vec<&str> = self.size_classes.iter().map(|s| s.as_str()).collect();
            out.push(
                unmet("eligibility.size_class")
                    .with("value", f.size_class.map_or("-", SizeClass::as_str))
                    .with("allowed", allowed.join(", ")),
            );
        }
        if !self.kbli_prefixes.is_empty()
            && !f.kbli.iter().any(|k| self.kbli_prefixes.iter().any(|p| k.as_str().starts_with(p.as_str())))
        {
            out.push(unmet("eligibility.kbli").with("allowed", self.kbli_prefixes.join(", ")));
        }
        if !self.regions.is_empty() && !self.regions.iter().any(|r| r.contains(&f.regency)) {
            let allowed: Vec<&str> = self.regions.iter().map(RegionCode::as_str).collect();
            out.push(unmet("eligibility.region").with("value", &f.regency).with("allowed", allowed.join(", ")));
        }
        if let Some(r) = &self.readiness {
            let score = f.readiness.iter().find(|(s, _)| *s == r.standard).and_then(|(_, s)| *s);
            if score.is_none_or(|s| s < r.min_permille) {
                out.push(
                    unmet("eligibility.readiness")
                        .with("standard", &r.standard)
                        .with("min", format_percent(r.min_permille))
                        .with("value", score.map_or("-".to_string(), format_percent)),
                );
            }
        }
        match (self.certificate, f.holds_live_certificate) {
            (CertificateRule::Holds, false) => out.push(unmet("eligibility.certificate_required")),
            (CertificateRule::HoldsNone, true) => out.push(unmet("eligibility.certificate_held")),
            _ => {}
        }
        if let Some(max) = self.max_investment {
            if f.investment.is_none_or(|i| i > max) {
                out.push(
                    unmet("eligibility.investment")
                        .with("max", max)
                        .with("value", f.investment.map_or("-".to_string(), |i| i.to_string())),
                );
            }
        }
        if self.first_time_only && f.funded_by_same_kind {
            out.push(unmet("eligibility.funded_before"));
        }
        out
    }
}

/// `825` → `82,5 %`, as Indonesian readers write a percentage.
pub fn format_percent(permille: u32) -> String {
    if permille.is_multiple_of(10) {
        format!("{} %", permille / 10)
    } else {
        format!("{},{} %", permille / 10, permille % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> EnterpriseFacts {
        EnterpriseFacts {
            regency: RegionCode::parse("64.72").unwrap(),
            kbli: vec![Kbli::parse("10792").unwrap()],
            size_class: Some(SizeClass::Kecil),
            investment: Some(Rupiah::new_unchecked(400_000_000)),
            readiness: vec![("sni-2983-2014".into(), Some(820))],
            holds_live_certificate: false,
            funded_by_same_kind: false,
            already_enrolled: false,
        }
    }

    fn halal() -> Eligibility {
        Eligibility {
            size_classes: vec![SizeClass::Kecil],
            kbli_prefixes: vec!["10".into(), "11".into()],
            regions: vec![RegionCode::parse("64").unwrap()],
            readiness: Some(ReadinessRule { standard: "sni-2983-2014".into(), min_permille: 800 }),
            certificate: CertificateRule::HoldsNone,
            max_investment: Some(Rupiah::new_unchecked(5_000_000_000)),
            first_time_only: true,
        }
    }

    fn codes(v: Vec<FieldError>) -> Vec<String> {
        v.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn an_enterprise_meeting_every_rule_is_eligible() {
        assert!(halal().unmet(&facts()).is_empty());
        assert!(Eligibility::default().unmet(&facts()).is_empty());
    }

    #[test]
    fn every_unmet_rule_is_named() {
        let f = EnterpriseFacts {
            regency: RegionCode::parse("65.02").unwrap(),
            kbli: vec![Kbli::parse("13121").unwrap()],
            size_class: Some(SizeClass::Menengah),
            investment: Some(Rupiah::new_unchecked(6_000_000_000)),
            readiness: vec![("sni-2983-2014".into(), Some(640))],
            holds_live_certificate: true,
            funded_by_same_kind: true,
            already_enrolled: true,
        };
        assert_eq!(
            codes(halal().unmet(&f)),
            [
                "eligibility.already_enrolled",
                "eligibility.size_class",
                "eligibility.kbli",
                "eligibility.region",
                "eligibility.readiness",
                "eligibility.certificate_held",
                "eligibility.investment",
                "eligibility.funded_before",
            ]
        );
    }

    #[test]
    fn missing_facts_do_not_pass_a_rule() {
        let f = EnterpriseFacts { size_class: None, investment: None, readiness: vec![], ..facts() };
        assert_eq!(
            codes(halal().unmet(&f)),
            ["eligibility.size_class", "eligibility.readiness", "eligibility.investment"]
        );
        let holder = Eligibility { certificate: CertificateRule::Holds, ..Eligibility::default() };
        assert_eq!(codes(holder.unmet(&facts())), ["eligibility.certificate_required"]);
    }

    #[test]
    fn rules_are_validated() {
        let bad = Eligibility {
            kbli_prefixes: vec!["1a".into(), "".into()],
            readiness: Some(ReadinessRule { standard: "x".into(), min_permille: 1001 }),
            ..Eligibility::default()
        };
        assert_eq!(bad.validate().unwrap_err().0.len(), 3);
        assert_eq!(format_percent(825), "82,5 %");
        assert_eq!(format_percent(800), "80 %");
    }
}
