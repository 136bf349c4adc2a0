//! Yearly figures of an enterprise and their validation.

use crate::money::{Decimal, Rupiah, UsdCents};
use crate::size_class::{BpsBand, SizeClass};
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// Earliest data year accepted; the registry's statistics start after 2000.
pub const MIN_DATA_YEAR: i32 = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearlyFigures {
    pub year: i32,
    pub workers: i64,
    /// Investment excluding land and buildings (Permenperin 64/2016).
    pub investment: Rupiah,
    /// Production value per year.
    pub production: Rupiah,
    /// Export value per year.
    pub export: UsdCents,
    /// Production capacity per year in the enterprise's own unit, free text
    /// number; `None` when not reported.
    pub capacity: Option<i64>,
    pub capacity_unit: Option<String>,
}

impl YearlyFigures {
    pub fn size_class(&self) -> SizeClass {
        SizeClass::classify(self.workers, self.investment)
    }
    pub fn bps_band(&self) -> BpsBand {
        BpsBand::classify(self.workers)
    }
}

/// Raw figures as typed into a form or read from a spreadsheet cell.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FiguresDraft {
    pub year: String,
    pub workers: String,
    pub investment: String,
    pub production: String,
    pub export: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub capacity_unit: String,
}

impl FiguresDraft {
    /// Validates against the current year (`this_year`): no figures for the
    /// future.
    pub fn validate(&self, this_year: i32) -> Result<YearlyFigures, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let year = e.take(parse_year(&self.year, "tahun_data", MIN_DATA_YEAR, this_year));
        let workers = e.take(Decimal::parse_integer(&self.workers, "tenaga_kerja").and_then(|w| {
            if w < 0 {
                Err(FieldError::new("tenaga_kerja", "number.negative").with("value", w))
            } else if w > 1_000_000 {
                Err(FieldError::new("tenaga_kerja", "number.too_large").with("value", w))
            } else {
                Ok(w)
            }
        }));
        let investment = e.take(Rupiah::parse(&self.investment, "nilai_investasi"));
        let production = e.take(optional(&self.production, |s| Rupiah::parse(s, "nilai_produksi")));
        let export = e.take(optional(&self.export, |s| UsdCents::parse_dollars(s, "nilai_ekspor")));
        let capacity = e.take(if self.capacity.trim().is_empty() {
            Ok(None)
        } else {
            Decimal::parse_integer(&self.capacity, "kapasitas").and_then(|c| {
                if c < 0 {
                    Err(FieldError::new("kapasitas", "number.negative").with("value", c))
                } else {
                    Ok(Some(c))
                }
            })
        });
        let unit = self.capacity_unit.trim();
        if unit.len() > 40 {
            e.push(FieldError::new("satuan_kapasitas", "text.too_long").with("max", 40));
        }
        e.into_result(|| YearlyFigures {
            year: year.expect("checked"),
            workers: workers.expect("checked"),
            investment: investment.expect("checked"),
            production: production.expect("checked").unwrap_or_default(),
            export: export.expect("checked").unwrap_or_default(),
            capacity: capacity.expect("checked"),
            capacity_unit: (!unit.is_empty()).then(|| unit.to_string()),
        })
    }
}

fn optional<T>(raw: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        f(raw).map(Some)
    }
}

/// Parses a year within `[min, max]`.
pub fn parse_year(raw: &str, field: &str, min: i32, max: i32) -> Result<i32, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    let y: i32 = s
        .strip_suffix(".0")
        .unwrap_or(s)
        .parse()
        .map_err(|_| FieldError::new(field, "year.format").with("value", s))?;
    if y < min || y > max {
        return Err(FieldError::new(field, "year.range").with("value", y).with("min", min).with("max", max));
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(year: &str, workers: &str, inv: &str) -> FiguresDraft {
        FiguresDraft {
            year: year.into(),
            workers: workers.into(),
            investment: inv.into(),
            production: "Rp 1.250.000".into(),
            export: "12500,50".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_figures_classify() {
        let f = draft("2024", "19", "Rp 999.999.999").validate(2026).unwrap();
        assert_eq!(f.size_class(), SizeClass::Kecil);
        assert_eq!(f.export.cents(), 1_250_050);
        assert_eq!(f.production.get(), 1_250_000);
        let f = draft("2024", "20", "Rp 999.999.999").validate(2026).unwrap();
        assert_eq!(f.size_class(), SizeClass::Menengah);
    }

    #[test]
    fn invalid_figures_name_each_field() {
        let e = draft("2030", "-1", "12,5").validate(2026).unwrap_err();
        assert_eq!(e.for_field("tahun_data").unwrap().code, "year.range");
        assert_eq!(e.for_field("tenaga_kerja").unwrap().code, "number.negative");
        assert_eq!(e.for_field("nilai_investasi").unwrap().code, "number.rupiah_fraction");
        let e = draft("1999", "2,5", "").validate(2026).unwrap_err();
        assert_eq!(e.for_field("tahun_data").unwrap().code, "year.range");
        assert_eq!(e.for_field("tenaga_kerja").unwrap().code, "number.whole");
        assert_eq!(e.for_field("nilai_investasi").unwrap().code, "required");
    }
}
