//! The reference files shipped in `data/`, embedded in the binary so that
//! `migrate` can load them with nothing beside the executable.

use naikkelas_core::reference::{Reference, ReferenceError, ReferenceSources};

pub const PROVINCES: &str = include_str!("../../../data/regions_provinces.csv");
pub const REGENCIES: &str = include_str!("../../../data/regions_regencies.csv");
pub const DISTRICTS: &str = include_str!("../../../data/regions_districts.csv");
pub const KBLI: &str = include_str!("../../../data/kbli_c.csv");

/// A version stamp of the shipped reference data; migrations reload the
/// tables when the stored stamp differs.
pub const DATA_VERSION: &str = "regions-kepmendagri-300.2.2-2138-2025+kbli-2020-c";

pub fn shipped() -> Result<Reference, ReferenceError> {
    Reference::parse(&ReferenceSources { provinces: PROVINCES, regencies: REGENCIES, districts: DISTRICTS, kbli: KBLI })
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_data_parses_with_the_expected_counts() {
        let r = super::shipped().unwrap();
        assert_eq!(r.provinces.len(), 38);
        assert_eq!(r.regencies.len(), 514);
        assert_eq!(r.districts.len(), 7285);
        assert_eq!(r.kbli.values().filter(|k| k.level == "golongan_pokok").count(), 24);
        assert_eq!(r.kbli.values().filter(|k| k.level == "kelompok").count(), 476);
        assert_eq!(r.regencies["64.72"].name, "Kota Samarinda");
        assert_eq!(r.regencies["64.71"].name, "Kota Balikpapan");
        assert_eq!(r.regencies["64.02"].name, "Kabupaten Kutai Kartanegara");
        assert_eq!(r.regencies["65.02"].province_code, "65");
    }
}
