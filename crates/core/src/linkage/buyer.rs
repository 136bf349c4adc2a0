//! A buyer's company profile: the large industry or exporter behind the
//! `buyer` account, shown to suppliers it contacts.

use crate::enterprise::{parse_email, parse_phone, text};
use crate::reference::Reference;
use crate::validation::{FieldError, ValidationErrors};
use crate::{RegionCode, RegionLevel};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerProfile {
    pub company_name: String,
    /// The buyer's sector in words, e.g. "industri makanan dan minuman".
    pub industry: String,
    /// Province of the head office.
    pub province: RegionCode,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

/// The profile form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuyerDraft {
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub province_code: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
}

impl BuyerDraft {
    pub fn validate(&self, r: &Reference) -> Result<BuyerProfile, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let company_name = e.take(text(&self.company_name, "nama_perusahaan", true, 200));
        let industry = e.take(text(&self.industry, "industri", true, 200));
        let province = e.take(RegionCode::parse_field(&self.province_code, "provinsi").and_then(|c| {
            if c.level() != RegionLevel::Province || !r.region_exists(&c) {
                Err(FieldError::new("provinsi", "region.unknown").with("value", &c))
            } else {
                Ok(c)
            }
        }));
        let contact_name = e.take(text(&self.contact_name, "nama_kontak", true, 200));
        let phone = self.contact_phone.trim();
        let contact_phone = e.take(if phone.is_empty() { Ok(None) } else { parse_phone(phone).map(Some) });
        let email = self.contact_email.trim();
        let contact_email = e.take(if email.is_empty() { Ok(None) } else { parse_email(email).map(Some) });
        e.into_result(|| BuyerProfile {
            company_name: company_name.expect("checked"),
            industry: industry.expect("checked"),
            province: province.expect("checked"),
            contact_name: contact_name.expect("checked"),
            contact_phone: contact_phone.expect("checked"),
            contact_email: contact_email.expect("checked"),
        })
    }
}

impl From<&BuyerProfile> for BuyerDraft {
    fn from(p: &BuyerProfile) -> Self {
        BuyerDraft {
            company_name: p.company_name.clone(),
            industry: p.industry.clone(),
            province_code: p.province.to_string(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone().unwrap_or_default(),
            contact_email: p.contact_email.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_needs_a_company_a_province_and_a_contact() {
        let r = crate::reference::tests::sample();
        let ok = BuyerDraft {
            company_name: "PT Pangan Nusantara".into(),
            industry: "makanan dan minuman".into(),
            province_code: "64".into(),
            contact_name: "Rina".into(),
            contact_phone: "0541 123456".into(),
            contact_email: "".into(),
        };
        let p = ok.validate(&r).unwrap();
        assert_eq!(p.province.as_str(), "64");
        assert_eq!(p.contact_email, None);
        let bad = BuyerDraft { company_name: " ".into(), province_code: "64.72".into(), ..ok };
        let e = bad.validate(&r).unwrap_err();
        assert_eq!(e.for_field("nama_perusahaan").unwrap().code, "required");
        assert_eq!(e.for_field("provinsi").unwrap().code, "region.unknown", "a regency is not a province");
    }
}
