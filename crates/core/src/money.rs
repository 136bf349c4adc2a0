//! Money and numbers as Indonesian spreadsheets write them.
//!
//! Money is never a binary float: rupiah are whole `i64`, export values are
//! US dollar cents in `i64`. Parsing accepts `1.250.000`, `12500,50`,
//! `Rp 750.000.000`, `Rp2.100.000.000`, `1,5` and plain `1250000.5`.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount of whole rupiah.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Rupiah(i64);

impl Rupiah {
    pub const fn new_unchecked(v: i64) -> Self {
        Self(v)
    }
    pub fn new(v: i64, field: &str) -> Result<Self, FieldError> {
        if v < 0 {
            return Err(FieldError::new(field, "number.negative").with("value", v));
        }
        Ok(Self(v))
    }
    pub fn get(self) -> i64 {
        self.0
    }
    /// Parses text as whole rupiah; fractions of a rupiah are refused.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let d = Decimal::parse(raw, field)?;
        let v = d.to_scaled(0).map_err(|e| match e {
            ScaleError::Precision => FieldError::new(field, "number.rupiah_fraction").with("value", raw.trim()),
            ScaleError::Overflow => FieldError::new(field, "number.too_large").with("value", raw.trim()),
        })?;
        Self::new(v, field)
    }
}

impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rp {}", group_thousands(self.0, '.'))
    }
}

/// A non-negative amount of US dollar cents (export values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct UsdCents(i64);

impl UsdCents {
    pub const fn new_unchecked(v: i64) -> Self {
        Self(v)
    }
    pub fn new(v: i64, field: &str) -> Result<Self, FieldError> {
        if v < 0 {
            return Err(FieldError::new(field, "number.negative").with("value", v));
        }
        Ok(Self(v))
    }
    pub fn cents(self) -> i64 {
        self.0
    }
    /// Parses a dollar amount with at most two decimals.
    pub fn parse_dollars(raw: &str, field: &str) -> Result<Self, FieldError> {
        let d = Decimal::parse(raw, field)?;
        let v = d.to_scaled(2).map_err(|e| match e {
            ScaleError::Precision => {
                FieldError::new(field, "number.too_precise").with("value", raw.trim()).with("decimals", 2)
            }
            ScaleError::Overflow => FieldError::new(field, "number.too_large").with("value", raw.trim()),
        })?;
        Self::new(v, field)
    }
    /// Dollars as a decimal string without binary floats, e.g. `1250.05`.
    pub fn dollars_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        if a.is_multiple_of(100) {
            format!("{sign}{}", a / 100)
        } else {
            format!("{sign}{}.{:02}", a / 100, a % 100)
        }
    }
}

/// A parsed decimal number: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// Parses a number written the Indonesian way or plainly.
    ///
    /// Rules, in order:
    /// - currency marks (`Rp`, `IDR`, `USD`, `US$`, `$`) and spaces are dropped;
    /// - with both `.` and `,`, the later one is the decimal mark;
    /// - with only dots: groups of three after the first (`1.250.000`) are
    ///   thousands; otherwise the single dot is a decimal mark (`1250.5`);
    /// - with only commas: several groups of three (`1,250,000`) are thousands;
    ///   otherwise the comma is the decimal mark (`1,5`, `12500,50`).
    ///
    /// `1.250` is therefore one thousand two hundred and fifty, as an Indonesian
    /// reader means it.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, "number.format").with("value", raw.trim());
        // Plain digits, as generated and exported files and numeric XLSX
        // cells write them: the same value as below, without the copies.
        if !raw.is_empty() && raw.len() <= 30 && raw.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self { mantissa: raw.parse().map_err(|_| bad())?, scale: 0 });
        }
        let mut s: String =
            raw.trim().chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'' && *c != '_').collect();
        for prefix in ["US$", "USD", "IDR", "Rp.", "RP.", "rp.", "Rp", "RP", "rp", "$"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
                break;
            }
        }
        if let Some(rest) = s.strip_suffix(",-") {
            s = rest.to_string();
        }
        if s.is_empty() {
            return Err(FieldError::new(field, "required"));
        }
        let negative = s.starts_with('-');
        let body = s.trim_start_matches(['-', '+']);
        if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
            return Err(bad());
        }
        let last_dot = body.rfind('.');
        let last_comma = body.rfind(',');
        let (int_part, frac_part): (String, &str) = match (last_dot, last_comma) {
            (None, None) => (body.to_string(), ""),
            (Some(d), Some(c)) => {
                let (dec, thou) = if d > c { ('.', ',') } else { (',', '.') };
                let pos = body.rfind(dec).unwrap_or(0);
                let (i, f) = body.split_at(pos);
                if !is_grouped(i, thou) || f[1..].contains([',', '.']) {
                    return Err(bad());
                }
                (i.replace(thou, ""), &f[1..])
            }
            (Some(_), None) => split_single(body, '.').ok_or_else(bad)?,
            (None, Some(_)) => split_single(body, ',').ok_or_else(bad)?,
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let digits = format!("{int_part}{frac_part}");
        if digits.len() > 30 {
            return Err(FieldError::new(field, "number.too_large").with("value", raw.trim()));
        }
        let mut mantissa: i128 = digits.parse().map_err(|_| bad())?;
        if negative {
            mantissa = -mantissa;
        }
        Ok(Self { mantissa, scale: frac_part.len() as u32 })
    }

    /// The value × 10^`scale` as an integer, refusing lost digits and values
    /// that do not fit in `i64`.
    pub fn to_scaled(self, scale: u32) -> Result<i64, ScaleError> {
        let v = if self.scale <= scale {
            10i128
                .checked_pow(scale - self.scale)
                .and_then(|m| self.mantissa.checked_mul(m))
                .ok_or(ScaleError::Overflow)?
        } else {
            let div = 10i128.checked_pow(self.scale - scale).ok_or(ScaleError::Precision)?;
            if self.mantissa % div != 0 {
                return Err(ScaleError::Precision);
            }
            self.mantissa / div
        };
        i64::try_from(v).map_err(|_| ScaleError::Overflow)
    }

    /// A whole number such as a worker count, refusing fractions.
    pub fn parse_integer(raw: &str, field: &str) -> Result<i64, FieldError> {
        let d = Self::parse(raw, field)?;
        d.to_scaled(0).map_err(|e| match e {
            ScaleError::Precision => FieldError::new(field, "number.whole").with("value", raw.trim()),
            ScaleError::Overflow => FieldError::new(field, "number.too_large").with("value", raw.trim()),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleError {
    /// More decimals than the unit allows.
    Precision,
    /// Does not fit in 64 bits.
    Overflow,
}

fn is_grouped(int_part: &str, sep: char) -> bool {
    if !int_part.contains(sep) {
        return !int_part.is_empty();
    }
    let groups: Vec<&str> = int_part.split(sep).collect();
    let first = groups[0];
    !first.is_empty()
        && first.len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
}

fn split_single(body: &str, mark: char) -> Option<(String, &str)> {
    let count = body.matches(mark).count();
    if count > 1 || (count == 1 && is_grouped(body, mark) && body.split(mark).nth(1)?.len() == 3 && mark == '.') {
        // Thousands separators only: 1.250.000 or 1.250 (dot), 1,250,000 (comma).
        if !is_grouped(body, mark) {
            return None;
        }
        return Some((body.replace(mark, ""), ""));
    }
    let pos = body.find(mark)?;
    Some((body[..pos].to_string(), &body[pos + 1..]))
}

/// Formats an integer with a thousands separator: `1250000` → `1.250.000`.
pub fn group_thousands(v: i64, sep: char) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rp(s: &str) -> i64 {
        Rupiah::parse(s, "x").unwrap().get()
    }

    #[test]
    fn indonesian_spreadsheet_numbers() {
        assert_eq!(rp("1.250.000"), 1_250_000);
        assert_eq!(rp("Rp 750.000.000"), 750_000_000);
        assert_eq!(rp("Rp2.100.000.000"), 2_100_000_000);
        assert_eq!(rp("Rp. 1.000.000,-"), 1_000_000);
        assert_eq!(rp("1250000"), 1_250_000);
        assert_eq!(rp("1.250"), 1_250);
        assert_eq!(rp("1,250,000"), 1_250_000);
        assert_eq!(rp("1.250.000,00"), 1_250_000);
        assert_eq!(rp("1,250,000.00"), 1_250_000);
        assert_eq!(UsdCents::parse_dollars("12500,50", "x").unwrap().cents(), 1_250_050);
        assert_eq!(UsdCents::parse_dollars("12500.5", "x").unwrap().cents(), 1_250_050);
        assert_eq!(UsdCents::parse_dollars("1,5", "x").unwrap().cents(), 150);
        assert_eq!(UsdCents::parse_dollars("US$ 3.000", "x").unwrap().cents(), 300_000);
    }

    #[test]
    fn bad_numbers_are_refused_with_a_code() {
        assert_eq!(Rupiah::parse("12500,50", "x").unwrap_err().code, "number.rupiah_fraction");
        assert_eq!(Rupiah::parse("-5", "x").unwrap_err().code, "number.negative");
        assert_eq!(Rupiah::parse("abc", "x").unwrap_err().code, "number.format");
        assert_eq!(Rupiah::parse("1.25.000", "x").unwrap_err().code, "number.format");
        assert_eq!(Rupiah::parse("", "x").unwrap_err().code, "required");
        assert_eq!(UsdCents::parse_dollars("1,505", "x").unwrap_err().code, "number.too_precise");
        assert_eq!(Decimal::parse_integer("12,5", "x").unwrap_err().code, "number.whole");
        assert_eq!(Decimal::parse_integer("1.200", "x").unwrap(), 1200);
        assert_eq!(Rupiah::parse("99999999999999999999999", "x").unwrap_err().code, "number.too_large");
    }

    #[test]
    fn display_groups_thousands() {
        assert_eq!(Rupiah::new_unchecked(1_250_000).to_string(), "Rp 1.250.000");
        assert_eq!(group_thousands(-1234, '.'), "-1.234");
        assert_eq!(group_thousands(999, '.'), "999");
        assert_eq!(UsdCents::new_unchecked(125_005).dollars_string(), "1250.05");
        assert_eq!(UsdCents::new_unchecked(300).dollars_string(), "3");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,30}") {
            let _ = Decimal::parse(&s, "x");
        }

        #[test]
        fn grouped_rupiah_roundtrips(v in 0i64..1_000_000_000_000_000) {
            let text = format!("Rp {}", group_thousands(v, '.'));
            prop_assert_eq!(rp(&text), v);
            prop_assert_eq!(rp(&v.to_string()), v);
        }

        #[test]
        fn plain_digits_read_as_their_value(d in "[0-9]{1,35}") {
            let expected = if d.len() > 30 { None } else { d.parse::<i128>().ok() };
            let got = Decimal::parse(&d, "x").ok().map(|v| (v.mantissa, v.scale));
            prop_assert_eq!(got, expected.map(|m| (m, 0)));
        }
    }
}
