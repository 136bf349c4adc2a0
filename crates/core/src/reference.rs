//! Reference data: Kemendagri regions and the KBLI 2020 section C catalogue.
//!
//! The catalogue is parsed from the CSV text shipped in `data/` (see
//! `data/SOURCES.md`); reading the files is the caller's job.

use crate::ids::{Kbli, RegionCode, RegionLevel};
use crate::validation::FieldError;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The KBLI edition the shipped catalogue follows (Peraturan BPS 2/2020).
pub const KBLI_VERSION: &str = "2020";

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Province {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Regency {
    pub code: String,
    pub province_code: String,
    pub name: String,
    /// `kabupaten` or `kota`.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct District {
    pub code: String,
    pub regency_code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KbliEntry {
    pub code: String,
    /// `golongan_pokok` (2-digit division) or `kelompok` (5-digit class).
    pub level: String,
    pub division: String,
    pub name_id: String,
    pub name_en: String,
    pub version: String,
}

#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub provinces: BTreeMap<String, Province>,
    pub regencies: BTreeMap<String, Regency>,
    pub districts: HashMap<String, District>,
    pub kbli: BTreeMap<String, KbliEntry>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file} line {line}: {reason}")]
pub struct ReferenceError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// The CSV texts of the reference files.
pub struct ReferenceSources<'a> {
    pub provinces: &'a str,
    pub regencies: &'a str,
    pub districts: &'a str,
    pub kbli: &'a str,
}

impl Reference {
    pub fn parse(src: &ReferenceSources<'_>) -> Result<Reference, ReferenceError> {
        let mut r = Reference::default();
        for (line, f) in rows("regions_provinces.csv", src.provinces, 2)? {
            let code = region(&f[0], RegionLevel::Province, "regions_provinces.csv", line)?;
            r.provinces.insert(code.clone(), Province { code, name: f[1].clone() });
        }
        for (line, f) in rows("regions_regencies.csv", src.regencies, 4)? {
            let code = region(&f[0], RegionLevel::Regency, "regions_regencies.csv", line)?;
            if !r.provinces.contains_key(&f[1]) || !code.starts_with(&f[1]) {
                return Err(err("regions_regencies.csv", line, format!("unknown province {}", f[1])));
            }
            r.regencies.insert(
                code.clone(),
                Regency { code, province_code: f[1].clone(), name: f[2].clone(), kind: f[3].clone() },
            );
        }
        for (line, f) in rows("regions_districts.csv", src.districts, 3)? {
            let code = region(&f[0], RegionLevel::District, "regions_districts.csv", line)?;
            if !r.regencies.contains_key(&f[1]) || !code.starts_with(&f[1]) {
                return Err(err("regions_districts.csv", line, format!("unknown regency {}", f[1])));
            }
            r.districts.insert(code.clone(), District { code, regency_code: f[1].clone(), name: f[2].clone() });
        }
        for (line, f) in rows("kbli_c.csv", src.kbli, 5)? {
            let well_formed = match f[1].as_str() {
                "kelompok" => Kbli::parse(&f[0]).is_ok() && f[0].starts_with(&f[2]),
                "golongan_pokok" => f[0].len() == 2 && f[0] == f[2],
                _ => false,
            };
            if !well_formed {
                return Err(err("kbli_c.csv", line, format!("malformed KBLI row {} ({})", f[0], f[1])));
            }
            r.kbli.insert(
                f[0].clone(),
                KbliEntry {
                    code: f[0].clone(),
                    level: f[1].clone(),
                    division: f[2].clone(),
                    name_id: f[3].clone(),
                    name_en: f[4].clone(),
                    version: KBLI_VERSION.to_string(),
                },
            );
        }
        Ok(r)
    }

    /// An enterprise sits in a regency that exists.
    pub fn check_regency(&self, code: &RegionCode) -> Result<(), FieldError> {
        if code.level() != RegionLevel::Regency {
            return Err(FieldError::new("kode_wilayah", "region.not_regency").with("value", code));
        }
        if !self.regencies.contains_key(code.as_str()) {
            return Err(FieldError::new("kode_wilayah", "region.unknown").with("value", code));
        }
        Ok(())
    }

    /// A district must exist and lie in the enterprise's regency.
    pub fn check_district(&self, regency: &RegionCode, district: &RegionCode) -> Result<(), FieldError> {
        if district.level() != RegionLevel::District || !self.districts.contains_key(district.as_str()) {
            return Err(FieldError::new("kode_kecamatan", "region.unknown").with("value", district));
        }
        if !regency.contains(district) {
            return Err(FieldError::new("kode_kecamatan", "region.district_outside")
                .with("value", district)
                .with("regency", regency));
        }
        Ok(())
    }

    /// Any region code (province, regency, district) that exists.
    pub fn region_exists(&self, code: &RegionCode) -> bool {
        match code.level() {
            RegionLevel::Province => self.provinces.contains_key(code.as_str()),
            RegionLevel::Regency => self.regencies.contains_key(code.as_str()),
            RegionLevel::District => self.districts.contains_key(code.as_str()),
        }
    }

    /// The code is a five-digit class in the catalogue (which holds section C only).
    pub fn check_kbli(&self, k: &Kbli) -> Result<&KbliEntry, FieldError> {
        match self.kbli.get(k.as_str()) {
            Some(e) if e.level == "kelompok" => Ok(e),
            _ => Err(FieldError::new("kbli", "kbli.unknown").with("value", k)),
        }
    }

    pub fn region_name(&self, code: &str) -> Option<&str> {
        match code.len() {
            2 => self.provinces.get(code).map(|p| p.name.as_str()),
            5 => self.regencies.get(code).map(|r| r.name.as_str()),
            _ => self.districts.get(code).map(|d| d.name.as_str()),
        }
    }

    pub fn divisions(&self) -> impl Iterator<Item = &KbliEntry> {
        self.kbli.values().filter(|k| k.level == "golongan_pokok")
    }

    pub fn regencies_of<'a>(&'a self, province: &'a str) -> impl Iterator<Item = &'a Regency> + 'a {
        self.regencies.values().filter(move |r| r.province_code == province)
    }

    pub fn districts_of(&self, regency: &str) -> Vec<&District> {
        let mut v: Vec<&District> = self.districts.values().filter(|d| d.regency_code == regency).collect();
        v.sort_by(|a, b| a.code.cmp(&b.code));
        v
    }
}

fn err(file: &str, line: usize, reason: String) -> ReferenceError {
    ReferenceError { file: file.to_string(), line, reason }
}

fn region(code: &str, level: RegionLevel, file: &str, line: usize) -> Result<String, ReferenceError> {
    let c = RegionCode::parse(code).map_err(|e| err(file, line, e.english()))?;
    if c.level() != level {
        return Err(err(file, line, format!("{code} is not a {level:?} code")));
    }
    Ok(c.as_str().to_string())
}

/// Data rows of a small CSV text with a header, as (line number, fields).
/// Handles double-quoted fields without embedded newlines, which is what the
/// shipped files use.
fn rows(file: &str, text: &str, columns: usize) -> Result<Vec<(usize, Vec<String>)>, ReferenceError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate().skip(1) {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fields = split_csv_line(raw).ok_or_else(|| err(file, line, "unbalanced quotes".into()))?;
        if fields.len() != columns {
            return Err(err(file, line, format!("expected {columns} columns, found {}", fields.len())));
        }
        out.push((line, fields));
    }
    Ok(out)
}

fn split_csv_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(cur);
    Some(fields)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small catalogue for unit tests: Kalimantan Timur and a few codes.
    pub fn sample() -> Reference {
        Reference::parse(&ReferenceSources {
            provinces: "code,name\n64,Kalimantan Timur\n65,Kalimantan Utara\n",
            regencies: "code,province_code,name,type\n64.71,64,Kota Balikpapan,kota\n64.72,64,Kota Samarinda,kota\n65.02,65,Kabupaten Malinau,kabupaten\n",
            districts: "code,regency_code,name\n64.71.01,64.71,Balikpapan Timur\n64.72.01,64.72,Palaran\n",
            kbli: "code,level,division,name_id,name_en\n10,golongan_pokok,10,Industri Makanan,Manufacture of food products\n10391,kelompok,10,Industri Tempe Kedelai,\n10794,kelompok,10,\"Industri Kerupuk, Keripik, Peyek Dan Sejenisnya\",\n",
        })
        .unwrap()
    }

    #[test]
    fn parses_quoted_names_and_checks_codes() {
        let r = sample();
        assert_eq!(r.kbli["10794"].name_id, "Industri Kerupuk, Keripik, Peyek Dan Sejenisnya");
        assert!(r.check_kbli(&Kbli::parse("10391").unwrap()).is_ok());
        assert_eq!(r.check_kbli(&Kbli::parse("47111").unwrap()).unwrap_err().code, "kbli.unknown");
        let smd = RegionCode::parse("64.72").unwrap();
        assert!(r.check_regency(&smd).is_ok());
        assert_eq!(r.check_regency(&RegionCode::parse("64.99").unwrap()).unwrap_err().code, "region.unknown");
        assert_eq!(r.check_regency(&RegionCode::parse("64").unwrap()).unwrap_err().code, "region.not_regency");
        assert!(r.check_district(&smd, &RegionCode::parse("64.72.01").unwrap()).is_ok());
        assert_eq!(
            r.check_district(&smd, &RegionCode::parse("64.71.01").unwrap()).unwrap_err().code,
            "region.district_outside"
        );
    }

    #[test]
    fn malformed_files_are_refused_with_file_and_line() {
        let e = Reference::parse(&ReferenceSources {
            provinces: "code,name\n64,Kalimantan Timur\n",
            regencies: "code,province_code,name,type\n64.71,64,Kota Balikpapan\n",
            districts: "code,regency_code,name\n",
            kbli: "code,level,division,name_id,name_en\n",
        })
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("regions_regencies.csv", 2));
    }
}
