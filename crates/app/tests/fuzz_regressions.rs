//! Replays the fuzz seeds and every crash input found by `bench/fuzz.sh`
//! (kept in fuzz/regressions/) through the same check the QR payload fuzz
//! target runs, so a fixed crash stays fixed under a plain `cargo test`.

#[path = "../../../fuzz/checks/qr_payload.rs"]
mod qr_payload;

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
fn qr_payload_inputs() {
    replay("qr_payload", qr_payload::check);
}
