//! The enterprise profile and its validation.

use crate::figures::parse_year;
use crate::ids::{Kbli, Nib, RegionCode};
use crate::reference::Reference;
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// Oldest founding year accepted (industrial firms older than this exist,
/// but a typo like `202` is far more likely).
pub const MIN_FOUNDING_YEAR: i32 = 1800;

/// A validated enterprise profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseProfile {
    pub nib: Nib,
    pub name: String,
    pub owner_name: String,
    pub address: String,
    pub regency: RegionCode,
    pub district: Option<RegionCode>,
    /// At least one; the first is the main activity.
    pub kbli: Vec<Kbli>,
    pub products: Vec<String>,
    pub commodities: Vec<String>,
    pub founded_year: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl EnterpriseProfile {
    pub fn province_code(&self) -> &str {
        self.regency.province()
    }
}

/// Raw profile fields as typed into a form, an API body or a spreadsheet row.
/// Lists (KBLI, products, commodities) are comma- or semicolon-separated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnterpriseDraft {
    #[serde(default)]
    pub nib: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub regency_code: String,
    #[serde(default)]
    pub district_code: String,
    #[serde(default)]
    pub kbli: String,
    #[serde(default)]
    pub products: String,
    #[serde(default)]
    pub commodities: String,
    #[serde(default)]
    pub founded_year: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

impl EnterpriseDraft {
    pub fn validate(&self, r: &Reference, this_year: i32) -> Result<EnterpriseProfile, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let nib = e.take(Nib::parse(&self.nib));
        let name = e.take(text(&self.name, "nama_usaha", true, 200));
        let owner_name = e.take(text(&self.owner_name, "nama_pemilik", true, 200));
        let address = e.take(text(&self.address, "alamat", false, 500));
        let regency = e.take(RegionCode::parse(&self.regency_code).and_then(|c| r.check_regency(&c).map(|_| c)));
        let district = if self.district_code.trim().is_empty() {
            None
        } else {
            let d = RegionCode::parse_field(&self.district_code, "kode_kecamatan");
            match (d, &regency) {
                (Ok(d), Some(reg)) => e.take(r.check_district(reg, &d).map(|_| d)),
                (Ok(_), None) => None,
                (Err(err), _) => {
                    e.push(err);
                    None
                }
            }
        };
        let mut kbli = Vec::new();
        for part in split_list(&self.kbli) {
            match Kbli::parse(&part).and_then(|k| r.check_kbli(&k).map(|_| k)) {
                Ok(k) if !kbli.contains(&k) => kbli.push(k),
                Ok(_) => {}
                Err(err) => {
                    e.push(err);
                    break;
                }
            }
        }
        if kbli.is_empty() && e.for_field("kbli").is_none() {
            e.push(FieldError::new("kbli", "required"));
        }
        let products = list(&self.products, "produk", &mut e);
        let commodities = list(&self.commodities, "komoditas", &mut e);
        let founded_year = if self.founded_year.trim().is_empty() {
            None
        } else {
            e.take(parse_year(&self.founded_year, "tahun_berdiri", MIN_FOUNDING_YEAR, this_year))
        };
        let phone = e.take(optional(&self.phone, parse_phone));
        let email = e.take(optional(&self.email, parse_email));
        e.into_result(|| EnterpriseProfile {
            nib: nib.expect("checked"),
            name: name.expect("checked"),
            owner_name: owner_name.expect("checked"),
            address: address.expect("checked"),
            regency: regency.expect("checked"),
            district,
            kbli,
            products,
            commodities,
            founded_year,
            phone: phone.expect("checked"),
            email: email.expect("checked"),
        })
    }
}

impl From<&EnterpriseProfile> for EnterpriseDraft {
    fn from(p: &EnterpriseProfile) -> Self {
        EnterpriseDraft {
            nib: p.nib.to_string(),
            name: p.name.clone(),
            owner_name: p.owner_name.clone(),
            address: p.address.clone(),
            regency_code: p.regency.to_string(),
            district_code: p.district.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            kbli: p.kbli.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "),
            products: p.products.join(", "),
            commodities: p.commodities.join(", "),
            founded_year: p.founded_year.map(|y| y.to_string()).unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
        }
    }
}

/// Splits a list cell on commas, semicolons and newlines, trimming blanks.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n', '|'])
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn list(s: &str, field: &str, e: &mut ValidationErrors) -> Vec<String> {
    let items = split_list(s);
    if items.len() > 50 {
        e.push(FieldError::new(field, "list.too_long").with("max", 50));
    }
    if items.iter().any(|i| i.chars().count() > 120) {
        e.push(FieldError::new(field, "text.too_long").with("max", 120));
    }
    items
}

/// Trims `s` and collapses each run of whitespace to one space, then checks
/// it. One pass and one allocation: it runs for six fields of every
/// imported row.
pub(crate) fn text(s: &str, field: &str, required: bool, max: usize) -> Result<String, FieldError> {
    let mut t = String::with_capacity(s.len());
    let (mut chars, mut control, mut gap) = (0usize, false, false);
    for c in s.chars() {
        if c.is_whitespace() {
            gap = !t.is_empty();
            continue;
        }
        if gap {
            t.push(' ');
            chars += 1;
            gap = false;
        }
        control |= c.is_control();
        t.push(c);
        chars += 1;
    }
    if required && t.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if chars > max {
        return Err(FieldError::new(field, "text.too_long").with("max", max));
    }
    if control {
        return Err(FieldError::new(field, "text.control"));
    }
    Ok(t)
}

fn optional<T>(s: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        f(s.trim()).map(Some)
    }
}

/// Indonesian phone numbers: 8 to 15 digits, optionally `+62`, with spaces,
/// dashes or parentheses as a person writes them.
pub fn parse_phone(s: &str) -> Result<String, FieldError> {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(8..=15).contains(&digits) || s.rfind('+').is_some_and(|i| i > 0) {
        return Err(FieldError::new("telepon", "phone.format").with("value", s));
    }
    Ok(s.to_string())
}

pub fn parse_email(s: &str) -> Result<String, FieldError> {
    let bad = || FieldError::new("email", "email.format").with("value", s);
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && s.len() <= 254;
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::tests::sample;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass normalisation against its plain definition.
        #[test]
        fn text_collapses_whitespace_as_split_and_join_would(s in "[a-c \t\n\u{a0}\u{3000}\u{7}é]{0,24}", max in 0usize..12) {
            let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let expected = if t.is_empty() {
                Err("required")
            } else if t.chars().count() > max {
                Err("text.too_long")
            } else if t.chars().any(|c| c.is_control()) {
                Err("text.control")
            } else {
                Ok(t)
            };
            prop_assert_eq!(text(&s, "f", true, max).map_err(|e| e.code), expected.map_err(String::from));
        }
    }

    fn draft() -> EnterpriseDraft {
        EnterpriseDraft {
            nib: "1234567890123".into(),
            name: "  Tempe   Bu Sri ".into(),
            owner_name: "Sri Wahyuni".into(),
            address: "Jl. Pahlawan 3".into(),
            regency_code: "64.72".into(),
            district_code: "64.72.01".into(),
            kbli: "10391, 10794".into(),
            products: "tempe; keripik tempe".into(),
            commodities: "kedelai".into(),
            founded_year: "2015".into(),
            phone: "+62 812-5555-1234".into(),
            email: "Sri@Example.co.id".into(),
        }
    }

    #[test]
    fn a_good_draft_validates() {
        let p = draft().validate(&sample(), 2026).unwrap();
        assert_eq!(p.name, "Tempe Bu Sri");
        assert_eq!(p.kbli.len(), 2);
        assert_eq!(p.products, ["tempe", "keripik tempe"]);
        assert_eq!(p.email.as_deref(), Some("sri@example.co.id"));
        assert_eq!(p.province_code(), "64");
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut d = draft();
        d.nib = "123".into();
        d.name = " ".into();
        d.regency_code = "64.99".into();
        d.kbli = "47111".into();
        d.founded_year = "2031".into();
        d.phone = "12".into();
        d.email = "sri@".into();
        let e = d.validate(&sample(), 2026).unwrap_err();
        for (field, code) in [
            ("nib", "nib.length"),
            ("nama_usaha", "required"),
            ("kode_wilayah", "region.unknown"),
            ("kbli", "kbli.unknown"),
            ("tahun_berdiri", "year.range"),
            ("telepon", "phone.format"),
            ("email", "email.format"),
        ] {
            assert_eq!(e.for_field(field).map(|e| e.code.as_str()), Some(code), "{field}");
        }
    }

    #[test]
    fn district_must_be_inside_the_regency() {
        let mut d = draft();
        d.district_code = "64.71.01".into();
        let e = d.validate(&sample(), 2026).unwrap_err();
        assert_eq!(e.for_field("kode_kecamatan").unwrap().code, "region.district_outside");
        d.district_code = String::new();
        assert!(d.validate(&sample(), 2026).unwrap().district.is_none());
    }
}
