//! The import row reader and row validation (crates/ingest): any bytes as a
//! CSV, or any bytes as an XLSX workbook, give rows or a read error, and
//! every row validates or is refused field by field, never a panic.

use naikkelas_ingest::generator::shipped_reference;
use naikkelas_ingest::reader::{CsvRows, XlsxRows};
use naikkelas_ingest::{validate_row, HeaderMap, RawRow};

/// Rows looked at per input: enough to reach every code path, bounded so
/// one input cannot stall the fuzzer.
const MAX_ROWS: usize = 200;

fn validate_all(headers: &[String], rows: impl Iterator<Item = RawRow>) {
    let map = HeaderMap::new(headers);
    let _ = map.missing_required();
    let mut last = 0;
    for raw in rows.take(MAX_ROWS) {
        assert!(raw.row > last, "row numbers go up: {} after {last}", raw.row);
        last = raw.row;
        if let Err(errors) = validate_row(&map, &raw, shipped_reference(), 2026) {
            assert!(!errors.is_empty(), "a refused row names at least one field");
        }
    }
}

pub fn check_csv(data: &[u8]) {
    let Ok((mut rows, headers)) = CsvRows::new(std::io::Cursor::new(data.to_vec())) else { return };
    let iter = std::iter::from_fn(|| rows.next_row()).map_while(|r| r.ok()).map(|(row, _)| row);
    validate_all(&headers, iter);
}

pub fn check_xlsx(data: &[u8]) {
    // calamine opens workbooks by path: one scratch file per process.
    let path = std::env::temp_dir().join(format!("naikkelas-fuzz-{}.xlsx", std::process::id()));
    std::fs::write(&path, data).expect("scratch file");
    if let Ok((rows, headers, _sheet)) = XlsxRows::open(&path, None) {
        validate_all(&headers, rows.map_while(|r| r.ok()));
    }
    let _ = std::fs::remove_file(&path);
}
