//! Import columns: canonical names, aliases and header matching.
//!
//! Headers are matched ignoring case, spaces, underscores, hyphens, dots and
//! brackets (`Nama Usaha`, `NAMA_USAHA`, `nama-usaha` are one column), by the
//! Indonesian canonical name (DESIGN.md §5) or an English alias. A trailing
//! unit (`Nilai Investasi (Rp)`, `Export (USD)`) is ignored as well.

/// The canonical import columns in DESIGN.md §5 order, then the optional
/// extra columns (extended, never renamed).
pub const CANONICAL: [&str; 19] = [
    "nib",
    "nama_usaha",
    "nama_pemilik",
    "alamat",
    "kode_wilayah",
    "kbli",
    "produk",
    "tahun_berdiri",
    "tahun_data",
    "tenaga_kerja",
    "nilai_investasi",
    "nilai_produksi",
    "nilai_ekspor",
    "telepon",
    "email",
    "kode_kecamatan",
    "komoditas",
    "kapasitas",
    "satuan_kapasitas",
];

/// The columns written by the generator and by export, in this order.
pub const GENERATED_COLUMNS: [&str; 19] = CANONICAL;

/// Columns without which a file cannot be an enterprise import (every row
/// would fail); their absence is a file-level error.
pub const REQUIRED: [&str; 8] =
    ["nib", "nama_usaha", "nama_pemilik", "kode_wilayah", "kbli", "tahun_data", "tenaga_kerja", "nilai_investasi"];

/// The reason column appended to an errors file; ignored (not reported as
/// unknown) when that file is imported again.
pub const REASON_COLUMN: &str = "alasan";

/// Index of each canonical column in [`CANONICAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(usize)]
pub enum Col {
    Nib = 0,
    NamaUsaha,
    NamaPemilik,
    Alamat,
    KodeWilayah,
    Kbli,
    Produk,
    TahunBerdiri,
    TahunData,
    TenagaKerja,
    NilaiInvestasi,
    NilaiProduksi,
    NilaiEkspor,
    Telepon,
    Email,
    KodeKecamatan,
    Komoditas,
    Kapasitas,
    SatuanKapasitas,
}

/// Normalised alias → canonical index.
const ALIASES: &[(&str, usize)] = &[
    // nib
    ("nib", 0),
    ("nomorindukberusaha", 0),
    ("businessid", 0),
    // nama_usaha
    ("namausaha", 1),
    ("namaperusahaan", 1),
    ("namaikm", 1),
    ("businessname", 1),
    ("name", 1),
    ("companyname", 1),
    ("enterprisename", 1),
    ("enterprise", 1),
    // nama_pemilik
    ("namapemilik", 2),
    ("pemilik", 2),
    ("owner", 2),
    ("ownername", 2),
    // alamat
    ("alamat", 3),
    ("alamatusaha", 3),
    ("address", 3),
    // kode_wilayah
    ("kodewilayah", 4),
    ("kodekabkota", 4),
    ("kodekabupaten", 4),
    ("kabkota", 4),
    ("regioncode", 4),
    ("regencycode", 4),
    ("region", 4),
    ("regency", 4),
    // kbli
    ("kbli", 5),
    ("kodekbli", 5),
    ("kblicode", 5),
    ("kblicodes", 5),
    // produk
    ("produk", 6),
    ("produkutama", 6),
    ("product", 6),
    ("products", 6),
    // tahun_berdiri
    ("tahunberdiri", 7),
    ("yearfounded", 7),
    ("foundedyear", 7),
    ("founded", 7),
    // tahun_data
    ("tahundata", 8),
    ("tahun", 8),
    ("datayear", 8),
    ("year", 8),
    // tenaga_kerja
    ("tenagakerja", 9),
    ("jumlahtenagakerja", 9),
    ("tk", 9),
    ("workers", 9),
    ("employees", 9),
    ("workforce", 9),
    // nilai_investasi
    ("nilaiinvestasi", 10),
    ("investasi", 10),
    ("investment", 10),
    ("investmentidr", 10),
    ("investmentvalue", 10),
    // nilai_produksi
    ("nilaiproduksi", 11),
    ("produksi", 11),
    ("production", 11),
    ("productionvalue", 11),
    ("productionidr", 11),
    // nilai_ekspor
    ("nilaiekspor", 12),
    ("ekspor", 12),
    ("export", 12),
    ("exportvalue", 12),
    ("exportusd", 12),
    ("exports", 12),
    // telepon
    ("telepon", 13),
    ("telp", 13),
    ("notelp", 13),
    ("notelepon", 13),
    ("nohp", 13),
    ("hp", 13),
    ("phone", 13),
    ("phonenumber", 13),
    ("telephone", 13),
    // email
    ("email", 14),
    ("surel", 14),
    ("emailaddress", 14),
    // kode_kecamatan
    ("kodekecamatan", 15),
    ("kecamatan", 15),
    ("districtcode", 15),
    ("district", 15),
    // komoditas
    ("komoditas", 16),
    ("komoditaslokal", 16),
    ("commodity", 16),
    ("commodities", 16),
    // kapasitas
    ("kapasitas", 17),
    ("kapasitasproduksi", 17),
    ("capacity", 17),
    ("productioncapacity", 17),
    // satuan_kapasitas
    ("satuankapasitas", 18),
    ("satuan", 18),
    ("capacityunit", 18),
    ("unit", 18),
];

/// Lower-case with only letters and digits kept.
pub fn normalise(header: &str) -> String {
    header.trim_start_matches('\u{feff}').chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The canonical index of a header, if known.
pub fn canonical_index(header: &str) -> Option<usize> {
    let n = normalise(header);
    let find = |k: &str| ALIASES.iter().find(|(a, _)| *a == k).map(|(_, i)| *i);
    if let Some(i) = find(&n) {
        return Some(i);
    }
    for unit in ["rp", "idr", "usd", "rupiah", "tahun", "pertahun", "rptahun", "usdtahun", "orang"] {
        if let Some(stem) = n.strip_suffix(unit) {
            if let Some(i) = find(stem) {
                return Some(i);
            }
        }
    }
    None
}

/// The canonical name of a header, if known.
pub fn canonical_name(header: &str) -> Option<&'static str> {
    canonical_index(header).map(|i| CANONICAL[i])
}

/// Where each canonical column sits in a file's header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// Position in the row of each canonical column (by [`Col`]).
    pub positions: [Option<usize>; 19],
    /// Headers that match no column (each reported once, then ignored).
    /// A second header for an already-mapped column is listed here too.
    pub unknown: Vec<String>,
    /// The header row as read.
    pub headers: Vec<String>,
}

impl HeaderMap {
    pub fn new(headers: &[String]) -> Self {
        let mut positions = [None; 19];
        let mut unknown = Vec::new();
        for (pos, h) in headers.iter().enumerate() {
            if h.trim().is_empty() {
                continue;
            }
            match canonical_index(h) {
                Some(i) if positions[i].is_none() => positions[i] = Some(pos),
                Some(_) => unknown.push(h.trim().to_string()),
                None if normalise(h) == REASON_COLUMN || normalise(h) == "reason" => {}
                None => unknown.push(h.trim().to_string()),
            }
        }
        Self { positions, unknown, headers: headers.to_vec() }
    }

    /// Required columns that the header lacks.
    pub fn missing_required(&self) -> Vec<&'static str> {
        REQUIRED
            .iter()
            .copied()
            .filter(|c| self.positions[CANONICAL.iter().position(|x| x == c).unwrap()].is_none())
            .collect()
    }

    /// The cell of `col` in `cells`, or "" when the column or cell is absent.
    pub fn get<'a>(&self, cells: &'a [String], col: Col) -> &'a str {
        self.positions[col as usize].and_then(|p| cells.get(p)).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_and_aliases() {
        assert_eq!(canonical_name("Nama Usaha"), Some("nama_usaha"));
        assert_eq!(canonical_name("NAMA_USAHA"), Some("nama_usaha"));
        assert_eq!(canonical_name("\u{feff}nib"), Some("nib"));
        assert_eq!(canonical_name("Business Name"), Some("nama_usaha"));
        assert_eq!(canonical_name("owner_name"), Some("nama_pemilik"));
        assert_eq!(canonical_name("Region Code"), Some("kode_wilayah"));
        assert_eq!(canonical_name("regency_code"), Some("kode_wilayah"));
        assert_eq!(canonical_name("KBLI code"), Some("kbli"));
        assert_eq!(canonical_name("Year Founded"), Some("tahun_berdiri"));
        assert_eq!(canonical_name("data_year"), Some("tahun_data"));
        assert_eq!(canonical_name("Employees"), Some("tenaga_kerja"));
        assert_eq!(canonical_name("Nilai Investasi (Rp)"), Some("nilai_investasi"));
        assert_eq!(canonical_name("export_usd"), Some("nilai_ekspor"));
        assert_eq!(canonical_name("Export (USD)"), Some("nilai_ekspor"));
        assert_eq!(canonical_name("production_value"), Some("nilai_produksi"));
        assert_eq!(canonical_name("phone"), Some("telepon"));
        assert_eq!(canonical_name("satuan kapasitas"), Some("satuan_kapasitas"));
        assert_eq!(canonical_name("warna favorit"), None);
        for c in CANONICAL {
            assert_eq!(canonical_name(c), Some(c));
        }
    }

    #[test]
    fn header_map_reports_unknown_once_and_ignores_reason() {
        let h: Vec<String> =
            ["NIB", "Nama Usaha", "catatan", "nib", "alasan", ""].iter().map(|s| s.to_string()).collect();
        let m = HeaderMap::new(&h);
        assert_eq!(m.positions[Col::Nib as usize], Some(0));
        assert_eq!(m.unknown, vec!["catatan".to_string(), "nib".to_string()]);
        assert!(m.missing_required().contains(&"kode_wilayah"));
        let cells: Vec<String> = vec!["1".into(), "Tempe".into()];
        assert_eq!(m.get(&cells, Col::NamaUsaha), "Tempe");
        assert_eq!(m.get(&cells, Col::Email), "");
    }

    proptest! {
        #[test]
        fn decoration_does_not_matter(i in 0usize..19, upper in any::<bool>(), sep in prop::sample::select(vec![" ", "_", "-", ""])) {
            let c = CANONICAL[i];
            let mut h = c.replace('_', sep);
            if upper { h = h.to_uppercase(); }
            let h = format!("  {h} ");
            prop_assert_eq!(canonical_name(&h), Some(c));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = canonical_index(&s);
        }
    }
}
