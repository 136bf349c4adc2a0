//! Replays the fuzz seeds and every crash input found by `bench/fuzz.sh`
//! (kept in fuzz/regressions/) through the same checks the fuzz targets
//! run, so a fixed crash stays fixed under a plain `cargo test`.

#[path = "../../../fuzz/checks/ingest.rs"]
mod ingest;

/// The seed inputs and every crash input kept in `fuzz/regressions/TARGET/`.
fn inputs(target: &str) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for kind in ["seeds", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else { continue };
        for entry in dir {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    assert!(!out.is_empty(), "fuzz/seeds/{target} holds the seed inputs");
    out.sort();
    out
}

/// Runs `check` on every input of `target`, naming the file that fails.
fn replay(target: &str, check: fn(&[u8])) {
    for (path, bytes) in inputs(target) {
        if std::panic::catch_unwind(|| check(&bytes)).is_err() {
            panic!("fuzz input {} fails again", path.display());
        }
    }
}

#[test]
fn csv_inputs() {
    replay("ingest_csv", ingest::check_csv);
}

#[test]
fn xlsx_inputs() {
    replay("ingest_xlsx", ingest::check_xlsx);
}

/// A panic of the workbook parser on the reader thread (an overflow in
/// calamine, with overflow checks on) is a read error, not a sheet that
/// silently ends early.
#[test]
fn a_parser_panic_is_a_read_error() {
    if !cfg!(debug_assertions) {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions/ingest_xlsx/calamine-cell-reference-overflow.xlsx");
    let read = naikkelas_ingest::reader::XlsxRows::open(&path, None)
        .and_then(|(rows, _, _)| rows.collect::<Result<Vec<_>, _>>());
    let e = read.expect_err("a read error").to_string();
    assert!(e.contains("could not be parsed"), "{e}");
}
