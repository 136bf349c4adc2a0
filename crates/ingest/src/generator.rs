//! Deterministic synthetic registry data in the import format.
//!
//! `naikkelas generate` and `naikkelas demo` use this. The same
//! [`GeneratorConfig`] always yields the same rows, byte for byte: every
//! random choice comes from a `ChaCha8Rng` seeded with the configured seed
//! (one stream per enterprise, stream 0 for the population model), all
//! lookup tables are ordered (`BTreeMap`, `Vec`), and no date or clock is
//! read (the last data year is part of the configuration).
//!
//! Calibration (DOMAIN.md §7):
//! - Provinces: the nine provinces of `data/imk_by_province.csv` with their
//!   BPS 2020 counts; the other provinces share the remainder by island
//!   group so that the island shares match BPS 2023 (Java 62.06 %, Sumatra
//!   14.44 %, Bali–Nusa Tenggara 8.93 %, Sulawesi 8.26 %, Kalimantan 4.13 %,
//!   Maluku–Papua 2.18 %). Pre-2022 Papua and Papua Barat are split over
//!   their successor provinces. Regencies come from
//!   `data/regions_regencies.csv`; Kalimantan Timur and Kalimantan Utara use
//!   the BPS regency counts of §7b (Samarinda, Kutai Kartanegara and
//!   Balikpapan lead Kalimantan Timur).
//! - KBLI: food (division 10) about 39 % of units (BPS 36.7 % in 2022,
//!   Kaltim 41.9 % in 2020), then apparel, wood and bamboo, non-metallic
//!   minerals, textiles.
//! - Sizes: about 89 % of firms have 1–4 workers, 9.5 % 5–19, about 1 %
//!   20–99 and rare larger ones (BPS: 3.9 m micro vs 266 k small; about
//!   30,000 medium among 4.4 m IKM). Investment and production scale with
//!   the workforce with log-normal noise.
//! - Dynamics: the number of active firms grows 3–6 % a year; about 2.5 % of
//!   firms leave each year and new ones enter.
//!
//! The iterator holds one enterprise's rows at a time, so 4.4 million
//! enterprises × 10 years stream in constant memory.

use crate::columns::GENERATED_COLUMNS;
use crate::reader::RawRow;
use crate::writer::{Cell, SheetWriter, XLSX_MAX_DATA_ROWS};
use naikkelas_core::reference::{Reference, ReferenceSources};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

const PROVINCES_CSV: &str = include_str!("../../../data/regions_provinces.csv");
const REGENCIES_CSV: &str = include_str!("../../../data/regions_regencies.csv");
const DISTRICTS_CSV: &str = include_str!("../../../data/regions_districts.csv");
const KBLI_CSV: &str = include_str!("../../../data/kbli_c.csv");
const IMK_CSV: &str = include_str!("../../../data/imk_by_province.csv");

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// Distinct enterprises over the whole period (those that entered later
    /// or left early included).
    pub enterprises: u64,
    /// Number of data years, ending with `end_year`.
    pub years: u32,
    pub seed: u64,
    /// The last data year (fixed, never read from the clock, so output is
    /// reproducible).
    pub end_year: i32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self { enterprises: 1_000, years: 5, seed: 42, end_year: DEFAULT_END_YEAR }
    }
}

/// The default last data year.
pub const DEFAULT_END_YEAR: i32 = 2025;

impl GeneratorConfig {
    pub fn new(enterprises: u64, years: u32, seed: u64) -> Self {
        Self { enterprises, years: years.max(1), seed, end_year: DEFAULT_END_YEAR }
    }
    pub fn first_year(&self) -> i32 {
        self.end_year - self.years.max(1) as i32 + 1
    }
}

/// One generated enterprise-year, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenRow {
    pub nib: String,
    pub name: String,
    pub owner: String,
    pub address: String,
    pub regency: String,
    pub district: String,
    /// One or two codes, joined with ", ".
    pub kbli: String,
    pub products: String,
    pub commodities: String,
    pub founded: Option<i32>,
    pub year: i32,
    pub workers: i64,
    pub investment: i64,
    pub production: i64,
    pub export_cents: i64,
    pub capacity: Option<i64>,
    pub capacity_unit: String,
    pub phone: String,
    pub email: String,
}

impl GenRow {
    /// The cells in [`GENERATED_COLUMNS`] order, typed for the writers.
    pub fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            Cell::Text(&self.nib),
            Cell::Text(&self.name),
            Cell::Text(&self.owner),
            Cell::Text(&self.address),
            Cell::Text(&self.regency),
            Cell::Text(&self.kbli),
            Cell::Text(&self.products),
            self.founded.map(|y| Cell::Int(y as i64)).unwrap_or(Cell::Empty),
            Cell::Int(self.year as i64),
            Cell::Int(self.workers),
            Cell::Int(self.investment),
            Cell::Int(self.production),
            if self.export_cents == 0 { Cell::Int(0) } else { Cell::Cents(self.export_cents) },
            Cell::Text(&self.phone),
            Cell::Text(&self.email),
            Cell::Text(&self.district),
            Cell::Text(&self.commodities),
            self.capacity.map(Cell::Int).unwrap_or(Cell::Empty),
            Cell::Text(&self.capacity_unit),
        ]
    }

    /// As a row read from a file with [`GENERATED_COLUMNS`] as header.
    pub fn to_raw(&self, row: u64) -> RawRow {
        RawRow { row, cells: self.cells().iter().map(Cell::render).collect() }
    }
}

// ---------------------------------------------------------------------------
// Static model
// ---------------------------------------------------------------------------

struct Line {
    kbli: &'static str,
    weight: f64,
    products: &'static [&'static str],
    brands: &'static [&'static str],
    commodities: &'static [&'static str],
    unit: &'static str,
    /// Rough rupiah per unit, to derive a capacity from production value.
    unit_price: i64,
}

macro_rules! line {
    ($k:expr, $w:expr, [$($p:expr),*], [$($b:expr),*], [$($c:expr),*], $u:expr, $price:expr) => {
        Line { kbli: $k, weight: $w, products: &[$($p),*], brands: &[$($b),*], commodities: &[$($c),*], unit: $u, unit_price: $price }
    };
}

/// Product lines: KBLI 2020 class, share of all units (percent), products,
/// the words a business name starts with, local commodities, capacity unit.
static LINES: &[Line] = &[
    // 10 food: 39.5
    line!("10391", 4.0, ["tempe", "tempe mendoan", "keripik tempe"], ["Tempe"], ["kedelai"], "kg", 15_000),
    line!("10392", 3.5, ["tahu", "tahu putih", "tahu goreng"], ["Tahu", "Pabrik Tahu"], ["kedelai"], "kg", 12_000),
    line!(
        "10794",
        7.0,
        ["keripik pisang", "keripik singkong", "kerupuk udang", "peyek kacang", "amplang", "keripik tempe"],
        ["Keripik Pisang", "Keripik Singkong", "Kerupuk", "Amplang", "Peyek"],
        ["pisang", "singkong", "udang", "ikan pipih", "kacang tanah"],
        "kg",
        40_000
    ),
    line!(
        "10710",
        6.0,
        ["roti manis", "kue kering", "bolu", "roti tawar"],
        ["Roti", "Kue", "Bolu", "Bakery"],
        ["tepung terigu", "telur"],
        "kg",
        50_000
    ),
    line!(
        "10792",
        4.0,
        ["kue basah", "lemper", "klepon", "onde-onde"],
        ["Kue Basah", "Jajanan Pasar"],
        ["beras ketan", "kelapa"],
        "biji",
        2_000
    ),
    line!(
        "10722",
        2.0,
        ["gula merah", "gula aren", "gula kelapa"],
        ["Gula Aren", "Gula Merah"],
        ["nira aren", "nira kelapa"],
        "kg",
        20_000
    ),
    line!(
        "10750",
        3.5,
        ["rendang", "sambal", "abon sapi", "bakso"],
        ["Sambal", "Abon", "Rendang", "Bakso"],
        ["daging sapi", "cabai"],
        "kg",
        90_000
    ),
    line!("10761", 1.5, ["kopi bubuk", "kopi robusta", "kopi arabika"], ["Kopi"], ["kopi"], "kg", 120_000),
    line!(
        "10211",
        2.0,
        ["ikan asin", "ikan kering", "terasi"],
        ["Ikan Asin", "Terasi"],
        ["ikan", "udang rebon"],
        "kg",
        60_000
    ),
    line!("10298", 0.7, ["dodol rumput laut", "rumput laut kering"], ["Rumput Laut"], ["rumput laut"], "kg", 30_000),
    line!(
        "10313",
        1.0,
        ["manisan buah", "buah kering", "keripik buah"],
        ["Manisan", "Keripik Buah"],
        ["mangga", "salak", "nanas"],
        "kg",
        45_000
    ),
    line!("10631", 2.5, ["beras"], ["Penggilingan Padi", "Beras"], ["gabah"], "ton", 11_000_000),
    line!("10773", 0.8, ["minyak kelapa", "kelapa parut kering"], ["Minyak Kelapa"], ["kelapa"], "liter", 25_000),
    line!("10799", 1.0, ["dodol", "wajik", "jenang"], ["Dodol", "Jenang"], ["beras ketan", "gula merah"], "kg", 35_000),
    // 11 beverages: 4
    line!(
        "11040",
        2.0,
        ["minuman sari buah", "air minum kemasan"],
        ["Minuman", "Sari Buah"],
        ["buah"],
        "liter",
        10_000
    ),
    line!(
        "11090",
        2.0,
        ["jamu gendong", "wedang jahe", "minuman herbal"],
        ["Jamu", "Wedang"],
        ["jahe", "kunyit", "temulawak"],
        "liter",
        15_000
    ),
    // 12 tobacco: 1.5
    line!("12011", 1.5, ["rokok kretek"], ["Rokok Kretek"], ["tembakau", "cengkeh"], "batang", 500),
    // 13 textiles: 6
    line!("13134", 3.0, ["batik tulis", "batik cap", "kain batik"], ["Batik"], ["kain mori"], "lembar", 250_000),
    line!(
        "13121",
        2.0,
        ["kain tenun", "songket", "ulos", "sarung tenun"],
        ["Tenun", "Songket"],
        ["benang"],
        "lembar",
        400_000
    ),
    line!("13929", 1.0, ["sprei", "taplak meja", "gorden"], ["Sprei", "Gorden"], ["kain katun"], "buah", 120_000),
    // 14 apparel: 11
    line!(
        "14111",
        6.0,
        ["kaos", "kemeja", "seragam sekolah", "celana"],
        ["Konveksi"],
        ["kain katun"],
        "potong",
        60_000
    ),
    line!(
        "14120",
        3.5,
        ["pakaian jahitan", "kebaya", "busana muslim"],
        ["Penjahit", "Modiste"],
        ["kain"],
        "potong",
        150_000
    ),
    line!("14302", 1.5, ["kerudung bordir", "mukena bordir"], ["Bordir"], ["kain", "benang"], "potong", 120_000),
    // 15 leather and footwear: 2
    line!("15201", 1.3, ["sandal", "sepatu kulit"], ["Sandal", "Sepatu"], ["kulit sapi", "karet"], "pasang", 80_000),
    line!("15121", 0.7, ["tas kulit", "dompet kulit"], ["Tas Kulit"], ["kulit sapi"], "buah", 200_000),
    // 16 wood, bamboo, rattan: 9
    line!(
        "16291",
        3.0,
        ["anyaman bambu", "keranjang rotan", "tikar pandan"],
        ["Anyaman", "Kerajinan Bambu"],
        ["bambu", "rotan", "pandan"],
        "buah",
        50_000
    ),
    line!(
        "16293",
        2.0,
        ["ukiran kayu", "patung kayu"],
        ["Ukiran", "Kerajinan Kayu"],
        ["kayu jati", "kayu mahoni"],
        "buah",
        300_000
    ),
    line!(
        "16101",
        2.5,
        ["kayu gergajian", "balok kayu"],
        ["Penggergajian Kayu", "Panglong"],
        ["kayu"],
        "m3",
        3_000_000
    ),
    line!("16221", 1.5, ["kusen", "pintu kayu", "jendela kayu"], ["Kusen"], ["kayu"], "buah", 900_000),
    // 17 paper: 0.5
    line!("17022", 0.5, ["kotak kemasan karton", "kardus"], ["Kemasan"], ["karton"], "buah", 3_000),
    // 18 printing: 1.5
    line!("18111", 1.5, ["undangan", "spanduk", "kartu nama"], ["Percetakan", "Sablon"], ["kertas"], "lembar", 2_000),
    // 20 chemicals: 1.2
    line!("20231", 0.8, ["sabun cuci", "sabun herbal"], ["Sabun"], ["minyak kelapa"], "kg", 30_000),
    line!("20232", 0.4, ["lulur", "minyak rambut"], ["Lulur"], ["rempah"], "kg", 80_000),
    // 21 traditional medicine: 0.8
    line!("21022", 0.8, ["jamu serbuk", "minyak urut"], ["Jamu"], ["jahe", "kunyit", "kencur"], "kg", 100_000),
    // 22 rubber and plastics: 1
    line!("22220", 0.5, ["kantong plastik"], ["Plastik"], ["biji plastik"], "kg", 30_000),
    line!("22299", 0.5, ["ember plastik", "perabot plastik"], ["Plastik"], ["biji plastik"], "buah", 25_000),
    // 23 non-metallic minerals: 7
    line!("23939", 2.5, ["gerabah", "pot tanah liat", "kendi"], ["Gerabah", "Keramik"], ["tanah liat"], "buah", 30_000),
    line!(
        "23953",
        2.0,
        ["batako", "paving block", "buis beton"],
        ["Batako", "Paving"],
        ["semen", "pasir"],
        "buah",
        5_000
    ),
    line!("23990", 2.5, ["batu bata", "genteng"], ["Batu Bata", "Genteng"], ["tanah liat"], "buah", 1_000),
    // 24 basic metals: 0.1
    line!(
        "24320",
        0.1,
        ["cor kuningan", "cor aluminium"],
        ["Pengecoran Logam"],
        ["kuningan", "aluminium bekas"],
        "kg",
        60_000
    ),
    // 25 fabricated metal: 4
    line!("25931", 1.5, ["cangkul", "parang", "sabit"], ["Pandai Besi"], ["besi"], "buah", 70_000),
    line!("25992", 1.0, ["panci", "wajan"], ["Panci"], ["aluminium"], "buah", 60_000),
    line!("25999", 1.5, ["teralis", "pagar besi", "kanopi"], ["Las", "Bengkel Las"], ["besi"], "m2", 400_000),
    // 26–30: 0.6
    line!("26490", 0.1, ["perakitan pengeras suara"], ["Elektronik"], ["komponen elektronik"], "buah", 400_000),
    line!("27530", 0.2, ["kompor", "oven"], ["Kompor"], ["plat besi"], "buah", 250_000),
    line!("28210", 0.2, ["mesin perontok padi", "alat pertanian"], ["Mesin Tani"], ["besi"], "unit", 8_000_000),
    line!("29200", 0.1, ["karoseri", "bak truk"], ["Karoseri"], ["plat besi"], "unit", 40_000_000),
    // 31 furniture: 5
    line!(
        "31001",
        3.5,
        ["meja kayu", "kursi kayu", "lemari", "tempat tidur"],
        ["Mebel", "Meubel", "Furnitur"],
        ["kayu jati", "kayu mahoni"],
        "set",
        2_500_000
    ),
    line!("31002", 1.5, ["kursi rotan", "furnitur bambu"], ["Mebel Rotan"], ["rotan", "bambu"], "set", 1_500_000),
    // 32 other manufacturing: 5
    line!("32112", 1.0, ["cincin perak", "kalung perak"], ["Perak", "Kerajinan Perak"], ["perak"], "gram", 20_000),
    line!(
        "32903",
        2.5,
        ["kerajinan tangan", "suvenir", "kerajinan kerang"],
        ["Kerajinan", "Souvenir"],
        ["kerang", "manik-manik"],
        "buah",
        25_000
    ),
    line!(
        "32201",
        0.5,
        ["gamelan", "angklung", "sasando"],
        ["Gamelan", "Angklung"],
        ["bambu", "perunggu"],
        "buah",
        1_500_000
    ),
    line!("32909", 1.0, ["sapu ijuk", "kemoceng"], ["Sapu Ijuk"], ["ijuk"], "buah", 15_000),
    // 33 repair: 1.5
    line!("33121", 1.0, ["servis mesin", "reparasi pompa air"], ["Bengkel"], [], "unit", 500_000),
    line!("33190", 0.5, ["reparasi peralatan"], ["Servis"], [], "unit", 300_000),
];

const FEMALE: &[&str] = &[
    "Sri",
    "Siti",
    "Yuli",
    "Dewi",
    "Wati",
    "Rina",
    "Endang",
    "Nur",
    "Sumiati",
    "Lestari",
    "Ani",
    "Fitri",
    "Rahmawati",
    "Suryani",
    "Ratna",
    "Yanti",
    "Lina",
    "Dian",
    "Ayu",
    "Hartini",
    "Murni",
    "Aisyah",
    "Nurhayati",
    "Wulan",
    "Tuti",
    "Sulastri",
    "Ningsih",
    "Rosmini",
    "Halimah",
    "Maria",
];
const MALE: &[&str] = &[
    "Slamet",
    "Budi",
    "Agus",
    "Joko",
    "Ahmad",
    "Hendra",
    "Bambang",
    "Rudi",
    "Eko",
    "Wahyu",
    "Dedi",
    "Andi",
    "Yusuf",
    "Sutrisno",
    "Hasan",
    "Rahmat",
    "Dodi",
    "Iwan",
    "Teguh",
    "Arif",
    "Herman",
    "Syamsul",
    "Usman",
    "Fauzi",
    "Darmawan",
    "Yohanes",
    "Ismail",
    "Bahar",
    "Supriyadi",
    "Taufik",
];
const SURNAMES: &[&str] = &[
    "Wahyuni",
    "Santoso",
    "Saputra",
    "Setiawan",
    "Hidayat",
    "Pratama",
    "Susanto",
    "Nugroho",
    "Kurniawan",
    "Rahayu",
    "Siregar",
    "Nasution",
    "Harahap",
    "Sinaga",
    "Tanjung",
    "Lubis",
    "Hasibuan",
    "Gunawan",
    "Purnomo",
    "Wibowo",
    "Suryadi",
    "Rahman",
    "Syahputra",
    "Handayani",
    "Permana",
    "Situmorang",
    "Pangaribuan",
    "Lumban Gaol",
    "Mappa",
    "Latif",
];
const BALI_MALE: &[&str] = &["I Made", "I Wayan", "I Ketut", "I Nyoman", "I Gede", "I Komang"];
const BALI_FEMALE: &[&str] = &["Ni Made", "Ni Luh", "Ni Ketut", "Ni Wayan", "Ni Komang"];
const BALI_NAMES: &[&str] = &["Sudarma", "Suarta", "Arsana", "Wirawan", "Sukerti", "Suastini", "Adnyana", "Ariani"];
const HON_F: &[&str] = &["Bu", "Mbak", "Ibu"];
const HON_M: &[&str] = &["Pak", "Mas", "Bang", "Cak"];
const WORD1: &[&str] = &[
    "Sumber", "Maju", "Sinar", "Berkah", "Karya", "Mitra", "Cahaya", "Harapan", "Putra", "Putri", "Tunas", "Mulia",
    "Sari", "Anugerah", "Dwi", "Tri", "Sekar", "Bintang", "Rizki", "Bina",
];
const WORD2: &[&str] = &[
    "Rejeki",
    "Jaya",
    "Makmur",
    "Abadi",
    "Sentosa",
    "Mandiri",
    "Lestari",
    "Barokah",
    "Sejahtera",
    "Utama",
    "Bersama",
    "Mulya",
    "Agung",
    "Indah",
    "Arum",
    "Wangi",
    "Perkasa",
    "Baru",
    "Sehati",
    "Alam",
];
const STREETS: &[&str] = &[
    "Merdeka",
    "Sudirman",
    "Diponegoro",
    "Pahlawan",
    "Gajah Mada",
    "Ahmad Yani",
    "Kartini",
    "Imam Bonjol",
    "Cendrawasih",
    "Mawar",
    "Melati",
    "Kenanga",
    "Pemuda",
    "Veteran",
    "Hasanuddin",
    "Sisingamangaraja",
    "Pattimura",
    "Teuku Umar",
    "Cut Nyak Dhien",
    "Gatot Subroto",
    "Juanda",
    "Antasari",
    "Siliwangi",
    "Kalimantan",
    "Flamboyan",
    "Anggrek",
    "Rambutan",
    "Nusantara",
    "Mulawarman",
    "Slamet Riyadi",
];
const DUSUN: &[&str] =
    &["Krajan", "Sukamaju", "Sidomulyo", "Karanganyar", "Tegalsari", "Sukorejo", "Mekarsari", "Margomulyo"];
const OPERATORS: &[&str] =
    &["11", "12", "13", "21", "22", "23", "52", "53", "55", "57", "58", "77", "78", "81", "82", "95", "96"];
const MAIL: &[&str] = &["gmail.com", "gmail.com", "gmail.com", "yahoo.co.id", "yahoo.com"];

/// BPS 2020 IMK units for the provinces of `imk_by_province.csv` are read from
/// the file; these fill the rest. Island-group totals (share of national
/// units) and how each group's remainder is split.
const JAVA_SHARE: f64 = 0.6206;
const GROUPS: &[(f64, &[(&str, f64)])] = &[
    // Java: the remainder goes to DKI Jakarta and Banten.
    (JAVA_SHARE, &[("31", 0.42), ("36", 0.58)]),
    // Sumatra 14.44 %.
    (
        0.1444,
        &[
            ("11", 0.09),
            ("12", 0.25),
            ("13", 0.15),
            ("14", 0.08),
            ("15", 0.06),
            ("16", 0.14),
            ("17", 0.04),
            ("18", 0.14),
            ("19", 0.03),
            ("21", 0.02),
        ],
    ),
    // Bali and Nusa Tenggara 8.93 % (NTT 3.9 % in 2022).
    (0.0893, &[("52", 0.28), ("53", 0.72)]),
    // Sulawesi 8.26 %.
    (0.0826, &[("71", 0.10), ("72", 0.12), ("73", 0.45), ("74", 0.15), ("75", 0.10), ("76", 0.08)]),
    // Kalimantan 4.13 %.
    (0.0413, &[("61", 0.35), ("62", 0.20), ("63", 0.45)]),
    // Maluku and Papua 2.18 %.
    (0.0218, &[("81", 0.55), ("82", 0.45)]),
];
/// Which group each province with a BPS count belongs to.
fn group_of(province: &str) -> usize {
    match province {
        "31" | "32" | "33" | "34" | "35" | "36" => 0,
        "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" | "21" => 1,
        "51" | "52" | "53" => 2,
        "71" | "72" | "73" | "74" | "75" | "76" => 3,
        "61" | "62" | "63" | "64" | "65" => 4,
        _ => 5,
    }
}
/// Pre-2022 Papua and Papua Barat counts split over today's provinces.
const PAPUA_SPLIT: &[(&str, &[(&str, f64)])] =
    &[("91", &[("91", 0.35), ("93", 0.15), ("94", 0.35), ("95", 0.15)]), ("92", &[("92", 0.6), ("96", 0.4)])];
/// BPS regency counts (DOMAIN.md §7b): Kaltim 2023, Kaltara 2023; the
/// regencies not named there get plausible smaller counts.
const REGENCY_WEIGHTS: &[(&str, f64)] = &[
    ("64.72", 6882.0),
    ("64.02", 7019.0),
    ("64.71", 4759.0),
    ("64.08", 1363.0),
    ("64.01", 1300.0),
    ("64.03", 2100.0),
    ("64.07", 1200.0),
    ("64.09", 1400.0),
    ("64.11", 250.0),
    ("64.74", 1900.0),
    ("65.71", 2270.0),
    ("65.01", 1719.0),
    ("65.03", 1121.0),
    ("65.02", 860.0),
    ("65.04", 200.0),
];

struct Model {
    /// Regency code, name, kind (`kota`) and cumulative weight.
    regencies: Vec<(String, String, bool)>,
    regency_cum: Vec<f64>,
    districts: BTreeMap<String, Vec<(String, String)>>,
    lines_cum: Vec<f64>,
}

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(build_model)
}

/// The shipped reference catalogue (embedded), shared with readers and tests.
pub fn shipped_reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        Reference::parse(&ReferenceSources {
            provinces: PROVINCES_CSV,
            regencies: REGENCIES_CSV,
            districts: DISTRICTS_CSV,
            kbli: KBLI_CSV,
        })
        .expect("shipped reference data parses")
    })
}

/// Province weights (expected units) for all 38 provinces, ordered by code.
pub fn province_weights() -> BTreeMap<String, f64> {
    let r = shipped_reference();
    let mut known: BTreeMap<String, f64> = BTreeMap::new();
    let mut total = 0.0;
    for line in IMK_CSV.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 4 {
            continue;
        }
        let n: f64 = f[3].parse().unwrap_or(0.0);
        if f[0] == "00" {
            total = n;
        } else {
            known.insert(f[0].to_string(), n);
        }
    }
    let mut w: BTreeMap<String, f64> = BTreeMap::new();
    for (code, n) in &known {
        if let Some((_, split)) = PAPUA_SPLIT.iter().find(|(c, _)| c == code) {
            for (p, s) in split.iter() {
                *w.entry(p.to_string()).or_default() += n * s;
            }
        } else {
            w.insert(code.clone(), *n);
        }
    }
    for (gi, (share, members)) in GROUPS.iter().enumerate() {
        let known_in_group: f64 = known.iter().filter(|(c, _)| group_of(c) == gi).map(|(_, n)| n).sum();
        let rest = (share * total - known_in_group).max(0.0);
        for (p, s) in members.iter() {
            w.entry(p.to_string()).or_insert(rest * s);
        }
    }
    // Any province of the catalogue not covered gets a small share.
    for p in r.provinces.keys() {
        w.entry(p.clone()).or_insert(2_000.0);
    }
    w
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn build_model() -> Model {
    let r = shipped_reference();
    let pw = province_weights();
    let mut regencies = Vec::new();
    let mut regency_cum = Vec::new();
    let mut acc = 0.0;
    for (prov, weight) in &pw {
        let regs: Vec<_> = r.regencies_of(prov).collect();
        let explicit: Vec<Option<f64>> =
            regs.iter().map(|g| REGENCY_WEIGHTS.iter().find(|(c, _)| *c == g.code).map(|(_, w)| *w)).collect();
        let raw: Vec<f64> = regs
            .iter()
            .zip(&explicit)
            .map(|(g, e)| {
                e.unwrap_or_else(|| {
                    let kind = if g.kind == "kota" { 1.4 } else { 1.0 };
                    kind * (0.5 + (fnv(&g.code) % 1000) as f64 / 1000.0)
                })
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        for (g, x) in regs.iter().zip(raw) {
            acc += weight * x / sum;
            regencies.push((g.code.clone(), short_name(&g.name).to_string(), g.kind == "kota"));
            regency_cum.push(acc);
        }
    }
    let mut districts: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for d in r.districts.values() {
        districts.entry(d.regency_code.clone()).or_default().push((d.code.clone(), d.name.clone()));
    }
    for v in districts.values_mut() {
        v.sort();
    }
    let mut lines_cum = Vec::new();
    let mut acc = 0.0;
    for l in LINES {
        acc += l.weight;
        lines_cum.push(acc);
    }
    Model { regencies, regency_cum, districts, lines_cum }
}

fn short_name(n: &str) -> &str {
    n.strip_prefix("Kabupaten ").or_else(|| n.strip_prefix("Kota ")).or_else(|| n.strip_prefix("Kab. ")).unwrap_or(n)
}

fn pick_cum(cum: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total = *cum.last().expect("non-empty");
    let x = rng.gen::<f64>() * total;
    cum.partition_point(|c| *c <= x).min(cum.len() - 1)
}

fn pick<'a, T>(xs: &'a [T], rng: &mut ChaCha8Rng) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller; deterministic given the stream.
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn round_to(v: f64, step: i64) -> i64 {
    ((v / step as f64).round() as i64 * step).max(0)
}

// ---------------------------------------------------------------------------
// Population dynamics
// ---------------------------------------------------------------------------

/// Annual exit probability of an active firm.
const EXIT_RATE: f64 = 0.025;

/// First enterprise index of each entry cohort: cohort 0 is active in the
/// first year; cohort t enters in year t. Also the growth rate of each year.
fn cohorts(cfg: &GeneratorConfig) -> (Vec<u64>, Vec<f64>) {
    let years = cfg.years.max(1) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    rng.set_stream(0);
    let growth: Vec<f64> = (0..years).map(|_| rng.gen_range(0.03..0.06)).collect();
    // Relative sizes: active A_t = A_{t-1}(1+g_t); entries E_t = A_{t-1}(g_t+d).
    let mut active = 1.0;
    let mut sizes = vec![1.0];
    for g in growth.iter().skip(1) {
        sizes.push(active * (g + EXIT_RATE));
        active *= 1.0 + g;
    }
    let sum: f64 = sizes.iter().sum();
    let n = cfg.enterprises as f64;
    let mut starts = Vec::with_capacity(years + 1);
    let mut acc = 0.0;
    for s in &sizes {
        starts.push((acc / sum * n).round() as u64);
        acc += s;
    }
    starts.push(cfg.enterprises);
    (starts, growth)
}

/// A 13-digit NIB unique per index: an affine bijection on
/// [0, 9·10¹²) offset by 10¹², so the first digit is never 0.
fn nib_of(index: u64, seed: u64) -> String {
    const M: u128 = 9_000_000_000_000;
    // Coprime to M = 2^12 · 3^2 · 5^12.
    const A: u128 = 7_919_384_711;
    let b = (seed as u128 * 2_654_435_761) % M;
    let v = (index as u128 % M * A + b) % M + 1_000_000_000_000;
    v.to_string()
}

// ---------------------------------------------------------------------------
// The iterator
// ---------------------------------------------------------------------------

/// Streams [`GenRow`]s, enterprise by enterprise, years ascending.
pub struct Generator {
    cfg: GeneratorConfig,
    starts: Vec<u64>,
    next_index: u64,
    pending: Vec<GenRow>,
}

impl Generator {
    pub fn new(cfg: GeneratorConfig) -> Self {
        let (starts, _) = cohorts(&cfg);
        Self { cfg, starts, next_index: 0, pending: Vec::new() }
    }

    /// The rows of enterprise `index`.
    fn enterprise(&self, index: u64) -> Vec<GenRow> {
        let m = model();
        let cfg = &self.cfg;
        let first_year = cfg.first_year();
        let cohort = self.starts.partition_point(|s| *s <= index).saturating_sub(1);
        let entry_year = first_year + cohort as i32;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        rng.set_stream(index + 1);

        let (regency, regency_name, is_city) = &m.regencies[pick_cum(&m.regency_cum, &mut rng)];
        let province = &regency[..2];
        let line = &LINES[pick_cum(&m.lines_cum, &mut rng)];
        let female = rng.gen_bool(0.55);
        let (first, owner) = if province == "51" {
            let pre = if female { pick(BALI_FEMALE, &mut rng) } else { pick(BALI_MALE, &mut rng) };
            let n = *pick(BALI_NAMES, &mut rng);
            (n, format!("{pre} {n}"))
        } else {
            let f = if female { *pick(FEMALE, &mut rng) } else { *pick(MALE, &mut rng) };
            if rng.gen_bool(0.8) {
                (f, format!("{f} {}", pick(SURNAMES, &mut rng)))
            } else {
                (f, f.to_string())
            }
        };

        // Size at entry: heavy-tailed workforce, correlated money.
        let u: f64 = rng.gen();
        let workers0: i64 = if u < 0.89 {
            *pick(&[1, 1, 1, 2, 2, 2, 3, 3, 4, 4][..], &mut rng)
        } else if u < 0.985 {
            5 + (rng.gen::<f64>().powf(2.0) * 15.0) as i64
        } else if u < 0.997 {
            20 + (rng.gen::<f64>().powf(2.0) * 80.0) as i64
        } else if u < 0.9995 {
            100 + (rng.gen::<f64>().powf(2.0) * 400.0) as i64
        } else {
            500 + (rng.gen::<f64>().powf(2.0) * 2000.0) as i64
        };
        let per_worker_inv = if workers0 >= 20 { 60e6 } else { 12e6 };
        let mut investment = workers0 as f64 * per_worker_inv * (normal(&mut rng) * 1.0).exp();
        let mut production = workers0 as f64 * 45e6 * (normal(&mut rng) * 0.8).exp();
        let export_p = match workers0 {
            0..=4 => 0.005,
            5..=19 => 0.05,
            _ => 0.25,
        };
        let export_share = if rng.gen_bool(export_p) { rng.gen_range(0.05..0.6) } else { 0.0 };
        let cents_export = rng.gen_bool(0.3);

        let name = if workers0 >= 20 && rng.gen_bool(0.6) {
            format!("PT {} {}", pick(WORD1, &mut rng), pick(WORD2, &mut rng))
        } else {
            let brand = *pick(line.brands, &mut rng);
            match rng.gen_range(0..100) {
                0..=34 => {
                    let hon = if female { pick(HON_F, &mut rng) } else { pick(HON_M, &mut rng) };
                    format!("{brand} {hon} {first}")
                }
                35..=59 => format!("UD {} {}", pick(WORD1, &mut rng), pick(WORD2, &mut rng)),
                60..=74 => format!("CV {} {}", pick(WORD1, &mut rng), pick(WORD2, &mut rng)),
                75..=92 => format!("{brand} {}", pick(WORD2, &mut rng)),
                _ => format!("{brand} {regency_name}"),
            }
        };

        let mut kbli = line.kbli.to_string();
        if rng.gen_bool(0.1) {
            let div = &line.kbli[..2];
            let others: Vec<&Line> = LINES.iter().filter(|l| &l.kbli[..2] == div && l.kbli != line.kbli).collect();
            if !others.is_empty() {
                kbli = format!("{kbli}, {}", pick(&others, &mut rng).kbli);
            }
        }
        let n_products = rng.gen_range(1..=line.products.len().min(3));
        let start = rng.gen_range(0..line.products.len());
        let products: Vec<&str> = (0..n_products).map(|i| line.products[(start + i) % line.products.len()]).collect();
        let commodities = if line.commodities.is_empty() || rng.gen_bool(0.4) {
            String::new()
        } else {
            pick(line.commodities, &mut rng).to_string()
        };

        let dists = m.districts.get(regency.as_str());
        let district = match dists {
            Some(d) if !d.is_empty() && rng.gen_bool(0.7) => Some(pick(d, &mut rng).clone()),
            _ => None,
        };
        let n = rng.gen_range(1..200);
        let mut address = if *is_city || rng.gen_bool(0.5) {
            format!("Jl. {} No. {n}", pick(STREETS, &mut rng))
        } else {
            format!("Dusun {} RT {:03}/RW {:03}", pick(DUSUN, &mut rng), rng.gen_range(1..20), rng.gen_range(1..10))
        };
        if let Some((_, dname)) = &district {
            address.push_str(&format!(", Kec. {dname}"));
        }
        let phone = if rng.gen_bool(0.85) {
            let op = pick(OPERATORS, &mut rng);
            let a = rng.gen_range(1000..10000);
            let b = rng.gen_range(1000..10000);
            if rng.gen_bool(0.5) {
                format!("08{op}-{a}-{b}")
            } else {
                format!("08{op}{a}{b}")
            }
        } else {
            String::new()
        };
        let email_p = if workers0 >= 5 { 0.6 } else { 0.25 };
        let email = if rng.gen_bool(email_p) {
            let base: String = if rng.gen_bool(0.5) { owner.clone() } else { name.clone() };
            let slug: String = base.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            format!("{slug}{}@{}", rng.gen_range(1..100), pick(MAIL, &mut rng))
        } else {
            String::new()
        };
        let founded = if rng.gen_bool(0.9) {
            let age = if cohort == 0 { (normal(&mut rng) * 0.8 + 2.0).exp() as i32 } else { rng.gen_range(0..3) };
            Some((entry_year - age).max(1960))
        } else {
            None
        };
        let has_capacity = rng.gen_bool(0.4);

        let mut rows = Vec::new();
        let mut workers = workers0;
        for year in entry_year..=cfg.end_year {
            if year > entry_year {
                if rng.gen_bool(EXIT_RATE) {
                    break;
                }
                if rng.gen_bool(0.15) {
                    let step = (workers / 10).max(1);
                    workers = (workers + if rng.gen_bool(0.6) { step } else { -step }).max(1);
                }
                investment *= 1.0 + 0.04 + 0.05 * normal(&mut rng);
                production *= 1.0 + 0.05 + 0.08 * normal(&mut rng);
                investment = investment.max(1_000_000.0);
                production = production.max(1_000_000.0);
            }
            let inv = round_to(investment, 50_000);
            let prod = round_to(production, 100_000);
            let export_cents = if export_share > 0.0 {
                let usd = prod as f64 * export_share / 16_000.0;
                if cents_export {
                    (usd * 100.0).round() as i64
                } else {
                    usd.round() as i64 * 100
                }
            } else {
                0
            };
            let capacity = has_capacity.then(|| ((prod as f64 / line.unit_price as f64) * 1.3).round() as i64);
            rows.push(GenRow {
                nib: nib_of(index, cfg.seed),
                name: name.clone(),
                owner: owner.clone(),
                address: address.clone(),
                regency: regency.clone(),
                district: district.as_ref().map(|d| d.0.clone()).unwrap_or_default(),
                kbli: kbli.clone(),
                products: products.join(", "),
                commodities: commodities.clone(),
                founded,
                year,
                workers,
                investment: inv,
                production: prod,
                export_cents,
                capacity,
                capacity_unit: if has_capacity { line.unit.to_string() } else { String::new() },
                phone: phone.clone(),
                email: email.clone(),
            });
        }
        rows.reverse();
        rows
    }
}

impl Iterator for Generator {
    type Item = GenRow;
    fn next(&mut self) -> Option<GenRow> {
        loop {
            if let Some(r) = self.pending.pop() {
                return Some(r);
            }
            if self.next_index >= self.cfg.enterprises {
                return None;
            }
            self.pending = self.enterprise(self.next_index);
            self.next_index += 1;
        }
    }
}

/// Writes generated rows to any sheet writer, returning the row count.
pub fn write_rows(cfg: &GeneratorConfig, w: &mut dyn SheetWriter) -> io::Result<u64> {
    w.write_row(&GENERATED_COLUMNS.iter().map(|c| Cell::Text(c)).collect::<Vec<_>>())?;
    let mut n = 0;
    for r in Generator::new(cfg.clone()) {
        n += 1;
        w.write_row(&r.cells())?;
    }
    Ok(n)
}

/// CSV (comma, UTF-8, no BOM, LF) to any writer.
pub fn write_csv<W: io::Write + 'static>(cfg: &GeneratorConfig, out: W) -> io::Result<u64> {
    let mut w = crate::writer::CsvWriter::new(out, b',', false);
    let n = write_rows(cfg, &mut w)?;
    Box::new(w).finish()?;
    Ok(n)
}

/// XLSX (one sheet) to a path. XLSX holds at most 1,048,575 data rows.
pub fn write_xlsx(cfg: &GeneratorConfig, path: &Path) -> io::Result<u64> {
    let mut w = crate::writer::XlsxWriter::create(path, "IKM")?;
    let n = write_rows(cfg, &mut w)?;
    if n > XLSX_MAX_DATA_ROWS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "too many rows for XLSX; use CSV"));
    }
    Box::new(w).finish()?;
    Ok(n)
}

/// Writes the generated data to `path`, CSV or XLSX by its extension
/// (`.xlsx` → XLSX, anything else → CSV). Returns the number of data rows.
pub fn generate_to_file(cfg: &GeneratorConfig, path: &Path) -> io::Result<u64> {
    if crate::reader::Format::from_path(path) == crate::reader::Format::Xlsx {
        write_xlsx(cfg, path)
    } else {
        let f = io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
        write_csv(cfg, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nibs_are_13_digits_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..20_000 {
            let n = nib_of(i, 7);
            assert_eq!(n.len(), 13);
            assert!(seen.insert(n));
        }
    }

    #[test]
    fn every_line_code_is_in_the_catalogue() {
        let r = shipped_reference();
        for l in LINES {
            assert!(r.kbli.get(l.kbli).is_some_and(|k| k.level == "kelompok"), "{}", l.kbli);
        }
        let food: f64 = LINES.iter().filter(|l| l.kbli.starts_with("10")).map(|l| l.weight).sum();
        let all: f64 = LINES.iter().map(|l| l.weight).sum();
        assert!((0.37..0.42).contains(&(food / all)), "{}", food / all);
    }

    #[test]
    fn all_provinces_weighted_java_about_62() {
        let w = province_weights();
        assert_eq!(w.len(), 38);
        let total: f64 = w.values().sum();
        let java: f64 = ["31", "32", "33", "34", "35", "36"].iter().map(|p| w[*p]).sum();
        assert!((java / total - 0.62).abs() < 0.01, "{}", java / total);
    }

    #[test]
    fn rows_validate_and_are_deterministic() {
        let cfg = GeneratorConfig::new(300, 4, 9);
        let a: Vec<GenRow> = Generator::new(cfg.clone()).collect();
        let b: Vec<GenRow> = Generator::new(cfg.clone()).collect();
        assert_eq!(a, b);
        let r = shipped_reference();
        let map = crate::columns::HeaderMap::new(&GENERATED_COLUMNS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        for (i, g) in a.iter().enumerate() {
            let raw = g.to_raw(i as u64 + 2);
            let v = crate::rows::validate_row(&map, &raw, r, 2026);
            assert!(v.is_ok(), "{g:?} {v:?}");
        }
        let distinct: std::collections::BTreeSet<_> = a.iter().map(|g| &g.nib).collect();
        assert_eq!(distinct.len(), 300);
        let c: Vec<GenRow> = Generator::new(GeneratorConfig::new(300, 4, 10)).collect();
        assert_ne!(a, c);
    }
}
