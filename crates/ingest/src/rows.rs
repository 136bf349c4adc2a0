//! From a raw spreadsheet row to validated core types.
//!
//! A row passes through exactly the rules the UI and the API use:
//! [`EnterpriseDraft::validate`] and [`FiguresDraft::validate`]. Both are
//! run so that every faulty field of the row is reported, in column order.

use crate::columns::{Col, HeaderMap, CANONICAL};
use crate::reader::RawRow;
use naikkelas_core::enterprise::{EnterpriseDraft, EnterpriseProfile};
use naikkelas_core::figures::{FiguresDraft, YearlyFigures};
use naikkelas_core::reference::Reference;
use naikkelas_core::FieldError;

/// A row that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub row: u64,
    pub profile: EnterpriseProfile,
    pub figures: YearlyFigures,
}

/// The drafts a row fills, by the header map.
pub fn drafts(map: &HeaderMap, raw: &RawRow) -> (EnterpriseDraft, FiguresDraft) {
    let g = |c: Col| map.get(&raw.cells, c).to_string();
    let e = EnterpriseDraft {
        nib: g(Col::Nib),
        name: g(Col::NamaUsaha),
        owner_name: g(Col::NamaPemilik),
        address: g(Col::Alamat),
        regency_code: g(Col::KodeWilayah),
        district_code: g(Col::KodeKecamatan),
        kbli: g(Col::Kbli),
        products: g(Col::Produk),
        commodities: g(Col::Komoditas),
        founded_year: g(Col::TahunBerdiri),
        phone: g(Col::Telepon),
        email: g(Col::Email),
    };
    let f = FiguresDraft {
        year: g(Col::TahunData),
        workers: g(Col::TenagaKerja),
        investment: g(Col::NilaiInvestasi),
        production: g(Col::NilaiProduksi),
        export: g(Col::NilaiEkspor),
        capacity: g(Col::Kapasitas),
        capacity_unit: g(Col::SatuanKapasitas),
    };
    (e, f)
}

fn column_rank(field: &str) -> usize {
    CANONICAL.iter().position(|c| *c == field).unwrap_or(usize::MAX)
}

/// Validates one row; on failure, every field error in column order.
pub fn validate_row(
    map: &HeaderMap,
    raw: &RawRow,
    reference: &Reference,
    this_year: i32,
) -> Result<ValidRow, Vec<FieldError>> {
    let (e, f) = drafts(map, raw);
    let profile = e.validate(reference, this_year);
    let figures = f.validate(this_year);
    match (profile, figures) {
        (Ok(profile), Ok(figures)) => Ok(ValidRow { row: raw.row, profile, figures }),
        (p, f) => {
            let mut errs: Vec<FieldError> = Vec::new();
            if let Err(e) = p {
                errs.extend(e.0);
            }
            if let Err(e) = f {
                errs.extend(e.0);
            }
            errs.sort_by_key(|e| column_rank(&e.field));
            Err(errs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::shipped_reference;

    fn map() -> HeaderMap {
        let h = "NIB;Nama Usaha;Owner;Address;Region Code;KBLI;Products;Founded;Year;Workers;Investment (Rp);Production;Export (USD);Phone;Email";
        HeaderMap::new(&h.split(';').map(str::to_string).collect::<Vec<_>>())
    }

    fn row(cells: &str) -> RawRow {
        RawRow { row: 7, cells: cells.split(';').map(str::to_string).collect() }
    }

    #[test]
    fn a_good_row_with_indonesian_numbers() {
        let r = row("1234567890123;Tempe Bu Sri;Sri Wahyuni;Jl. Pahlawan 3;64.72;10391, 10794;tempe;2015;2024;3;Rp 750.000.000;Rp2.100.000.000;12500,50;0812-5555-1234;");
        let v = validate_row(&map(), &r, shipped_reference(), 2026).unwrap();
        assert_eq!(v.row, 7);
        assert_eq!(v.figures.investment.get(), 750_000_000);
        assert_eq!(v.figures.production.get(), 2_100_000_000);
        assert_eq!(v.figures.export.cents(), 1_250_050);
        assert_eq!(v.profile.kbli.len(), 2);
    }

    #[test]
    fn every_bad_field_is_reported_in_column_order() {
        let r = row("123;;Sri;;64.99;10391;;2015;2031;-1;1.250.000;;;;bad@");
        let e = validate_row(&map(), &r, shipped_reference(), 2026).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nib", "nama_usaha", "kode_wilayah", "tahun_data", "tenaga_kerja", "email"]);
    }

    #[test]
    fn missing_cells_are_blank() {
        let r = RawRow { row: 3, cells: vec!["1234567890123".into()] };
        let e = validate_row(&map(), &r, shipped_reference(), 2026).unwrap_err();
        assert!(e.iter().any(|e| e.field == "nama_usaha" && e.code == "required"));
    }
}
