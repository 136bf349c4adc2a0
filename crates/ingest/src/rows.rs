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

/// [`drafts`] without copying: the cells move into the drafts, and
/// [`give_back`] moves them back. Each canonical column has its own
/// position, so no cell is taken twice.
fn take_drafts(map: &HeaderMap, cells: &mut [String]) -> (EnterpriseDraft, FiguresDraft) {
    let mut t =
        |c: Col| map.positions[c as usize].and_then(|p| cells.get_mut(p)).map(std::mem::take).unwrap_or_default();
    let e = EnterpriseDraft {
        nib: t(Col::Nib),
        name: t(Col::NamaUsaha),
        owner_name: t(Col::NamaPemilik),
        address: t(Col::Alamat),
        regency_code: t(Col::KodeWilayah),
        district_code: t(Col::KodeKecamatan),
        kbli: t(Col::Kbli),
        products: t(Col::Produk),
        commodities: t(Col::Komoditas),
        founded_year: t(Col::TahunBerdiri),
        phone: t(Col::Telepon),
        email: t(Col::Email),
    };
    let f = FiguresDraft {
        year: t(Col::TahunData),
        workers: t(Col::TenagaKerja),
        investment: t(Col::NilaiInvestasi),
        production: t(Col::NilaiProduksi),
        export: t(Col::NilaiEkspor),
        capacity: t(Col::Kapasitas),
        capacity_unit: t(Col::SatuanKapasitas),
    };
    (e, f)
}

/// Puts the cells [`take_drafts`] took back where they were.
fn give_back(map: &HeaderMap, cells: &mut [String], e: EnterpriseDraft, f: FiguresDraft) {
    let mut put = |c: Col, v: String| {
        if let Some(cell) = map.positions[c as usize].and_then(|p| cells.get_mut(p)) {
            *cell = v;
        }
    };
    put(Col::Nib, e.nib);
    put(Col::NamaUsaha, e.name);
    put(Col::NamaPemilik, e.owner_name);
    put(Col::Alamat, e.address);
    put(Col::KodeWilayah, e.regency_code);
    put(Col::KodeKecamatan, e.district_code);
    put(Col::Kbli, e.kbli);
    put(Col::Produk, e.products);
    put(Col::Komoditas, e.commodities);
    put(Col::TahunBerdiri, e.founded_year);
    put(Col::Telepon, e.phone);
    put(Col::Email, e.email);
    put(Col::TahunData, f.year);
    put(Col::TenagaKerja, f.workers);
    put(Col::NilaiInvestasi, f.investment);
    put(Col::NilaiProduksi, f.production);
    put(Col::NilaiEkspor, f.export);
    put(Col::Kapasitas, f.capacity);
    put(Col::SatuanKapasitas, f.capacity_unit);
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
    judge(raw.row, e.validate(reference, this_year), f.validate(this_year))
}

/// [`validate_row`] without copying the cells (the import's hot path): they
/// are lent to the drafts and are back in `raw`, unchanged, on return.
pub fn validate_row_in_place(
    map: &HeaderMap,
    raw: &mut RawRow,
    reference: &Reference,
    this_year: i32,
) -> Result<ValidRow, Vec<FieldError>> {
    let (e, f) = take_drafts(map, &mut raw.cells);
    let (profile, figures) = (e.validate(reference, this_year), f.validate(this_year));
    give_back(map, &mut raw.cells, e, f);
    judge(raw.row, profile, figures)
}

fn judge(
    row: u64,
    profile: Result<EnterpriseProfile, naikkelas_core::ValidationErrors>,
    figures: Result<YearlyFigures, naikkelas_core::ValidationErrors>,
) -> Result<ValidRow, Vec<FieldError>> {
    match (profile, figures) {
        (Ok(profile), Ok(figures)) => Ok(ValidRow { row, profile, figures }),
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
    fn in_place_validation_agrees_and_leaves_the_cells_as_they_were() {
        for cells in [
            "1234567890123;Tempe Bu Sri;Sri Wahyuni;Jl. Pahlawan 3;64.72;10391, 10794;tempe;2015;2024;3;Rp 750.000.000;Rp2.100.000.000;12500,50;0812-5555-1234;",
            "123;;Sri;;64.99;10391;;2015;2031;-1;1.250.000;;;;bad@",
            "1234567890123;Tempe",
        ] {
            let r = row(cells);
            let mut moved = r.clone();
            let got = validate_row_in_place(&map(), &mut moved, shipped_reference(), 2026);
            assert_eq!(got, validate_row(&map(), &r, shipped_reference(), 2026));
            assert_eq!(moved, r);
        }
    }

    #[test]
    fn missing_cells_are_blank() {
        let r = RawRow { row: 3, cells: vec!["1234567890123".into()] };
        let e = validate_row(&map(), &r, shipped_reference(), 2026).unwrap_err();
        assert!(e.iter().any(|e| e.field == "nama_usaha" && e.code == "required"));
    }
}
