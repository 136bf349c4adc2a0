//! Import and export through the service, on a real SQLite store.

use naikkelas_app::export::ExportFormat;
use naikkelas_app::i18n::Lang;
use naikkelas_app::import::{ImportOptions, ImportSummary, Progress};
use naikkelas_app::registry::ListFilters;
use naikkelas_app::{AppError, Service};
use naikkelas_core::{Actor, RegionCode, Role};
use naikkelas_ingest::writer::{Cell, SheetWriter, XlsxWriter};
use naikkelas_ingest::{generate_to_file, Generator, GeneratorConfig, SheetReader};
use naikkelas_store::Store;
use naikkelas_store_sqlite::SqliteStore;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("naikkelas-ie-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn service(d: &Path) -> Service {
    let store = SqliteStore::open(&d.join("t.db").to_string_lossy()).await.unwrap();
    store.migrate().await.unwrap();
    Service::new(Arc::new(store)).await.unwrap()
}

fn no_progress(_: Progress) {}

async fn import(svc: &Service, path: &Path, opts: &ImportOptions) -> ImportSummary {
    svc.import_file(&Actor::system(), path, opts, &no_progress).await.unwrap()
}

async fn total(svc: &Service) -> i64 {
    svc.list_enterprises(&Actor::system(), &ListFilters::default()).await.unwrap().total
}

const HEADER: &str = "nib,nama_usaha,nama_pemilik,alamat,kode_wilayah,kbli,produk,tahun_berdiri,tahun_data,tenaga_kerja,nilai_investasi,nilai_produksi,nilai_ekspor,telepon,email,catatan";

/// Rows 2 and 5 and 8 are good (8 is another year of row 2's NIB); 3 has a
/// bad NIB, 4 is blank, 6 an unknown KBLI, 7 repeats row 2's NIB and year.
fn mixed_csv() -> String {
    [
        HEADER,
        "1234567890123,Tempe Bu Sri,Sri Wahyuni,Jl. Pahlawan 3,64.72,\"10391, 10794\",tempe,2015,2024,3,Rp 750.000.000,\"Rp2.100.000.000\",\"12500,50\",0812-5555-1234,sri@example.co.id,x",
        "123,Keripik Mbak Yuli,Yuli,,64.71,10794,keripik,2018,2024,2,1.250.000,,,,,",
        "",
        "2234567890123,UD Sumber Rejeki,Slamet,,64.02,10710,roti,,2024,12,Rp 1.500.000.000,3000000000,,,,",
        "3234567890123,CV Maju Jaya,Agus,,64.71,47111,kaos,,2024,4,5000000,,,,,",
        "1234567890123,Tempe Bu Sri,Sri Wahyuni,Jl. Pahlawan 3,64.72,10391,tempe,2015,2024,4,750000000,,,,,",
        "1234567890123,Tempe Bu Sri,Sri Wahyuni,Jl. Pahlawan 3,64.72,\"10391, 10794\",tempe,2015,2023,3,Rp 700.000.000,\"Rp2.100.000.000\",\"12500,50\",0812-5555-1234,sri@example.co.id,y",
    ]
    .join("\n")
        + "\n"
}

#[tokio::test]
async fn bad_rows_are_reported_good_rows_kept_and_a_rerun_changes_nothing() {
    let d = dir("mixed");
    let svc = service(&d).await;
    let f = d.join("ikm.csv");
    std::fs::write(&f, mixed_csv()).unwrap();
    let s = import(&svc, &f, &ImportOptions::default()).await;
    let rejected: Vec<(u64, Option<&str>)> = s.rejected.iter().map(|r| (r.row, r.column.as_deref())).collect();
    assert_eq!(rejected, [(3, Some("nib")), (6, Some("kbli")), (7, None)], "{s:?}");
    assert!(s.rejected[2].reason.contains('2'), "duplicate names the first row: {}", s.rejected[2].reason);
    assert!(
        s.rejected[0].reason.contains("13"),
        "Indonesian reason with the expected length: {}",
        s.rejected[0].reason
    );
    assert_eq!((s.inserted, s.updated, s.unchanged), (3, 0, 0));
    assert_eq!(s.unknown_columns, ["catatan"]);
    assert_eq!(total(&svc).await, 2, "the duplicate never creates a second enterprise");

    let rec = svc.readable_enterprise(&Actor::system(), "1234567890123").await.unwrap();
    assert_eq!(rec.figures.len(), 2);
    let y2024 = rec.figures.iter().find(|f| f.figures.year == 2024).unwrap();
    assert_eq!(y2024.figures.investment.get(), 750_000_000);
    assert_eq!(y2024.figures.production.get(), 2_100_000_000);
    assert_eq!(y2024.figures.export.cents(), 1_250_050);
    assert_eq!(rec.profile.kbli.len(), 2);

    let json = serde_json::to_value(&s).unwrap();
    for k in ["inserted", "updated", "unchanged", "rejected"] {
        assert!(json.get(k).is_some(), "{k}");
    }
    assert_eq!(json["rejected"][2]["column"], serde_json::Value::Null);
    assert_eq!(json["rejected"][0]["row"], 3);

    let again = import(&svc, &f, &ImportOptions::default()).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(again.rejected.len(), 3);

    let en = import(&svc, &f, &ImportOptions { lang: Lang::En, ..Default::default() }).await;
    assert!(en.rejected[0].reason.contains("digits"), "{}", en.rejected[0].reason);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let d = dir("dry");
    let svc = service(&d).await;
    let f = d.join("ikm.csv");
    std::fs::write(&f, mixed_csv()).unwrap();
    let s = import(&svc, &f, &ImportOptions { dry_run: true, ..Default::default() }).await;
    assert_eq!(s.rejected.len(), 3);
    assert_eq!(s.valid, Some(3));
    assert_eq!((s.inserted, s.updated, s.unchanged), (0, 0, 0));
    assert_eq!(total(&svc).await, 0);
}

#[tokio::test]
async fn the_errors_file_can_be_fixed_and_imported_alone() {
    let d = dir("errors");
    let svc = service(&d).await;
    let f = d.join("ikm.csv");
    std::fs::write(&f, mixed_csv()).unwrap();
    let errors = d.join("errors.csv");
    let s = import(&svc, &f, &ImportOptions { errors_out: Some(errors.clone()), ..Default::default() }).await;
    assert_eq!(s.rejected.len(), 3);
    let text = std::fs::read_to_string(&errors).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(HEADER) && lines[0].ends_with(",alasan"));
    assert!(lines[1].starts_with("123,Keripik Mbak Yuli"), "original values kept: {}", lines[1]);
    assert!(lines[2].contains("47111"));
    // Fix the two fixable rows; the duplicate row stays as it is.
    let fixed = text.replacen("123,Keripik", "4234567890123,Keripik", 1).replace("47111", "14111");
    let fixed_path = d.join("fixed.csv");
    std::fs::write(&fixed_path, fixed).unwrap();
    let s2 = import(&svc, &fixed_path, &ImportOptions::default()).await;
    assert!(s2.rejected.is_empty(), "{s2:?}");
    assert!(s2.unknown_columns.iter().all(|c| c != "alasan"), "the reason column is ignored");
    assert_eq!(s2.inserted, 2);
    assert_eq!(total(&svc).await, 4);
}

#[tokio::test]
async fn semicolon_bom_crlf_and_english_headers() {
    let d = dir("semi");
    let svc = service(&d).await;
    let text = "\u{feff}NIB;Business Name;Owner;Address;Region Code;KBLI code;Products;Year Founded;Data Year;Workers;Investment;Production;Export;Phone;Email\r\n\
        5234567890123;Amplang Bu Ani;Ani;\"Jl. Mulawarman 5; Samarinda\";64.72;10794;amplang;2010;2024;2;Rp 75.000.000;1.250.000;1,5;;\r\n\
        \r\n\
        6234567890123;Batik Sekar;Dewi;;64.71;13134;batik;;2024;1.200;Rp2.100.000.000;1.250.000;12500,50;;\r\n";
    let f = d.join("semi.csv");
    std::fs::write(&f, text).unwrap();
    let s = import(&svc, &f, &ImportOptions::default()).await;
    assert!(s.rejected.is_empty(), "{s:?}");
    assert!(s.unknown_columns.is_empty());
    assert_eq!(s.inserted, 2);
    let a = svc.readable_enterprise(&Actor::system(), "5234567890123").await.unwrap();
    assert_eq!(a.profile.address, "Jl. Mulawarman 5; Samarinda");
    assert_eq!(a.figures[0].figures.investment.get(), 75_000_000);
    assert_eq!(a.figures[0].figures.export.cents(), 150);
    let b = svc.readable_enterprise(&Actor::system(), "6234567890123").await.unwrap();
    assert_eq!(b.figures[0].figures.workers, 1200);
    assert_eq!(b.figures[0].figures.export.cents(), 1_250_050);
    // A bad row after the blank line keeps its spreadsheet number.
    let bad = text.replace("6234567890123", "62345");
    std::fs::write(&f, bad).unwrap();
    let s = import(&svc, &f, &ImportOptions::default()).await;
    assert_eq!(s.rejected.iter().map(|r| r.row).collect::<Vec<_>>(), [4]);
}

fn write_xlsx(path: &Path, sheet: &str, rows: &[Vec<Cell<'_>>]) {
    let mut w = XlsxWriter::create(path, sheet).unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    Box::new(w).finish().unwrap();
}

#[tokio::test]
async fn xlsx_with_numeric_cells_and_a_named_sheet() {
    let d = dir("xlsx");
    let svc = service(&d).await;
    let f = d.join("ikm.xlsx");
    let header: Vec<Cell> = [
        "NIB",
        "Nama Usaha",
        "Nama Pemilik",
        "Kode Wilayah",
        "KBLI",
        "Tahun Data",
        "Tenaga Kerja",
        "Nilai Investasi",
        "Nilai Produksi",
        "Nilai Ekspor",
        "Tahun Berdiri",
    ]
    .iter()
    .map(|s| Cell::Text(s))
    .collect();
    write_xlsx(
        &f,
        "Data IKM",
        &[
            header,
            vec![
                Cell::Text("7234567890123"),
                Cell::Text("Keripik Pisang Mbak Yuli"),
                Cell::Text("Yuli"),
                Cell::Text("64.02"),
                Cell::Int(10794),
                Cell::Int(2024),
                Cell::Int(3),
                Cell::Int(750_000_000),
                Cell::Int(2_100_000_000),
                Cell::Cents(1_250_050),
                Cell::Int(2019),
            ],
            vec![
                Cell::Text("8234567890123"),
                Cell::Text("Mebel Pak Slamet"),
                Cell::Text("Slamet"),
                Cell::Text("64.71"),
                Cell::Int(31001),
                Cell::Int(2024),
                Cell::Int(25),
                Cell::Text("Rp 2.500.000.000"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ],
            vec![
                Cell::Text("9234567890123"),
                Cell::Text("Bad"),
                Cell::Text("X"),
                Cell::Text("64.71"),
                Cell::Int(31001),
                Cell::Int(2024),
                Cell::Cents(250),
                Cell::Int(1),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ],
        ],
    );
    let s = import(&svc, &f, &ImportOptions { sheet: Some("Data IKM".into()), ..Default::default() }).await;
    assert_eq!(s.inserted, 2, "{s:?}");
    assert_eq!(
        s.rejected.iter().map(|r| (r.row, r.column.as_deref())).collect::<Vec<_>>(),
        [(4, Some("tenaga_kerja"))]
    );
    let a = svc.readable_enterprise(&Actor::system(), "7234567890123").await.unwrap();
    assert_eq!(a.figures[0].figures.investment.get(), 750_000_000);
    assert_eq!(a.figures[0].figures.export.cents(), 1_250_050);
    assert_eq!(a.profile.founded_year, Some(2019));
    let errors = d.join("errors.xlsx");
    let again = import(&svc, &f, &ImportOptions { errors_out: Some(errors.clone()), ..Default::default() }).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let mut r = SheetReader::open(&errors, None).unwrap();
    assert_eq!(r.headers().last().unwrap(), "alasan");
    let row = r.next().unwrap().unwrap();
    assert_eq!(row.cells[0], "9234567890123");
    assert!(r.next().is_none());
    let e = svc
        .import_file(
            &Actor::system(),
            &f,
            &ImportOptions { sheet: Some("Nope".into()), ..Default::default() },
            &no_progress,
        )
        .await;
    assert!(matches!(e, Err(AppError::Invalid(_))));
}

#[tokio::test]
async fn an_unreadable_file_is_an_error_but_a_bad_row_is_not() {
    let d = dir("unreadable");
    let svc = service(&d).await;
    let missing = svc.import_file(&Actor::system(), &d.join("nope.csv"), &ImportOptions::default(), &no_progress).await;
    assert!(matches!(missing, Err(AppError::Invalid(_))));
    // Missing required columns: still processed, every row rejected.
    let f = d.join("cols.csv");
    std::fs::write(&f, "nib,nama\n1234567890123,x\n").unwrap();
    let s = svc.import_file(&Actor::system(), &f, &ImportOptions::default(), &no_progress).await.unwrap();
    assert_eq!(s.rejected.len(), 1);
    assert_eq!(s.rejected[0].row, 2);
    assert!(s.missing_columns.contains(&"kode_wilayah".to_string()));
    assert_eq!(s.warnings(Lang::En).len(), 2, "unknown `nama`, missing columns");
}

#[tokio::test]
async fn an_officer_imports_only_inside_the_region() {
    let d = dir("officer");
    let svc = service(&d).await;
    let officer = Actor {
        user_id: 5,
        username: "petugas".into(),
        role: Role::Officer,
        region: Some(RegionCode::parse("64.72").unwrap()),
        enterprise: None,
    };
    let f = d.join("ikm.csv");
    std::fs::write(&f, mixed_csv()).unwrap();
    let s = svc.import_file(&officer, &f, &ImportOptions::default(), &no_progress).await.unwrap();
    // 64.72 rows (2, 8) in; 64.02 (row 5) is outside.
    assert_eq!(s.inserted, 2);
    let outside: Vec<_> =
        s.rejected.iter().filter(|r| r.column.as_deref() == Some("kode_wilayah")).map(|r| r.row).collect();
    assert_eq!(outside, [5]);
    assert!(s.rejected.iter().find(|r| r.row == 5).unwrap().reason.contains("64.02"));
    // Row 2's enterprise now exists in 64.72; another officer (64.71) may
    // not take it over by importing it with a 64.71 code.
    let other = Actor { region: Some(RegionCode::parse("64.71").unwrap()), ..officer.clone() };
    let f2 = d.join("takeover.csv");
    std::fs::write(
        &f2,
        format!("{HEADER}\n1234567890123,Tempe Bu Sri,Sri Wahyuni,,64.71,10391,tempe,2015,2022,3,750000000,,,,,\n"),
    )
    .unwrap();
    let t = svc.import_file(&other, &f2, &ImportOptions::default(), &no_progress).await.unwrap();
    assert_eq!(t.inserted + t.updated, 0);
    assert_eq!(
        t.rejected.iter().map(|r| (r.row, r.column.as_deref())).collect::<Vec<_>>(),
        [(2, Some("kode_wilayah"))]
    );
    let buyer = Actor { role: Role::Buyer, ..officer.clone() };
    assert!(matches!(
        svc.import_file(&buyer, &f, &ImportOptions::default(), &no_progress).await,
        Err(AppError::Forbidden)
    ));
    let ministry = Actor { role: Role::Ministry, region: None, ..officer };
    assert!(matches!(
        svc.import_file(&ministry, &f, &ImportOptions::default(), &no_progress).await,
        Err(AppError::Forbidden)
    ));
}

#[tokio::test]
async fn export_csv_and_xlsx_reimport_with_zero_changes() {
    let d = dir("roundtrip");
    let svc = service(&d).await;
    let s = svc.import_generated(&Actor::system(), GeneratorConfig::new(150, 3, 11), &no_progress).await.unwrap();
    assert!(s.rejected.is_empty(), "{s:?}");
    let rows = s.inserted;
    assert!(rows >= 150);
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let out = d.join(if format == ExportFormat::Csv { "out.csv" } else { "out.xlsx" });
        let n = svc.export_enterprises(&Actor::system(), &ListFilters::default(), format, &out).await.unwrap();
        assert_eq!(n, rows);
        let again = import(&svc, &out, &ImportOptions::default()).await;
        assert!(again.rejected.is_empty(), "{format:?} {:?}", again.rejected.first());
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, rows), "{format:?}");
    }
    // Filters and scope apply.
    let only = d.join("kaltim.csv");
    let f = ListFilters { province: Some("64".into()), ..Default::default() };
    let n = svc.export_enterprises(&Actor::system(), &f, ExportFormat::Csv, &only).await.unwrap();
    let text = std::fs::read_to_string(&only).unwrap();
    assert_eq!(text.lines().count() as u64, n + 1);
    assert!(text.lines().skip(1).all(|l| l.split(',').nth(4).is_some_and(|c| c.starts_with("64."))));
    let buyer = Actor { user_id: 9, username: "b".into(), role: Role::Buyer, region: None, enterprise: None };
    assert!(matches!(
        svc.export_enterprises(&buyer, &ListFilters::default(), ExportFormat::Csv, &only).await,
        Err(AppError::Forbidden)
    ));
}

#[test]
fn the_generator_is_deterministic() {
    let d = dir("gen");
    let cfg = GeneratorConfig::new(500, 3, 7);
    let (a, b, c) = (d.join("a.csv"), d.join("b.csv"), d.join("c.csv"));
    let n = generate_to_file(&cfg, &a).unwrap();
    generate_to_file(&cfg, &b).unwrap();
    generate_to_file(&GeneratorConfig::new(500, 3, 8), &c).unwrap();
    let (ba, bb, bc) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), std::fs::read(&c).unwrap());
    assert_eq!(ba, bb);
    assert_ne!(ba, bc);
    assert_eq!(String::from_utf8(ba).unwrap().lines().count() as u64, n + 1);
    let x = d.join("a.xlsx");
    assert_eq!(generate_to_file(&cfg, &x).unwrap(), n);
    let from_xlsx: Vec<_> = SheetReader::open(&x, None).unwrap().map(|r| r.unwrap()).collect();
    let from_csv: Vec<_> = SheetReader::open(&a, None).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(from_xlsx.len() as u64, n);
    for (x, c) in from_xlsx.iter().zip(&from_csv) {
        let mut cells = x.cells.clone();
        cells.resize(c.cells.len(), String::new());
        assert_eq!((x.row, &cells), (c.row, &c.cells), "numeric cells read back as the same text");
    }
}

#[test]
fn the_generator_is_calibrated() {
    let cfg = GeneratorConfig::new(30_000, 1, 2026);
    let mut by_province: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_division: BTreeMap<String, u64> = BTreeMap::new();
    let mut kaltim: BTreeMap<String, u64> = BTreeMap::new();
    let mut workers_small = 0u64;
    let mut n = 0u64;
    let mut provinces_seen = std::collections::BTreeSet::new();
    for g in Generator::new(cfg) {
        n += 1;
        *by_province.entry(g.regency[..2].to_string()).or_default() += 1;
        *by_division.entry(g.kbli[..2].to_string()).or_default() += 1;
        if g.regency.starts_with("64.") {
            *kaltim.entry(g.regency.clone()).or_default() += 1;
        }
        if g.workers <= 4 {
            workers_small += 1;
        }
        provinces_seen.insert(g.regency[..2].to_string());
    }
    assert_eq!(n, 30_000);
    let java: u64 =
        ["31", "32", "33", "34", "35", "36"].iter().map(|p| by_province.get(*p).copied().unwrap_or(0)).sum();
    let share = java as f64 / n as f64;
    assert!((share - 0.62).abs() < 0.05, "Java share {share}");
    assert_eq!(provinces_seen.len(), 38);
    let (top_div, top) = by_division.iter().max_by_key(|(_, c)| **c).unwrap();
    assert_eq!(top_div, "10");
    let food = *top as f64 / n as f64;
    assert!((0.35..0.44).contains(&food), "food share {food}");
    let mut k: Vec<(&String, &u64)> = kaltim.iter().collect();
    k.sort_by(|a, b| b.1.cmp(a.1));
    let top3: std::collections::BTreeSet<&str> = k.iter().take(3).map(|(c, _)| c.as_str()).collect();
    assert_eq!(top3, ["64.02", "64.71", "64.72"].into_iter().collect());
    assert!(workers_small as f64 / n as f64 > 0.8, "most firms have 1–4 workers");
}
