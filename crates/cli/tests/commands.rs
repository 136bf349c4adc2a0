//! The command-line contract (DESIGN.md §5), exercised on the real binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_naikkelas");

struct Db {
    dir: PathBuf,
}

impl Db {
    fn new(tag: &str) -> Db {
        let dir = std::env::temp_dir().join(format!("nk-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Db { dir }
    }
    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.join("t.db").display())
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--db")
            .arg(self.url())
            .args(args)
            .env("NAIKKELAS_PASSWORD", "rahasia-123")
            .output()
            .unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn users_tokens_and_the_password_from_standard_input() {
    let db = Db::new("users");
    assert!(db.run(&["migrate"]).status.success());
    let mut child = Command::new(BIN)
        .args(["--db", &db.url(), "user", "add", "budi", "--role", "officer", "--region", "64.72"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"kata-sandi-panjang\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let token = db.run(&["token", "create", "budi"]);
    assert!(token.status.success());
    assert!(String::from_utf8_lossy(&token.stdout).trim().starts_with("nk_"));
    // An officer without a region, a bad role, a short password: clear messages, non-zero exit.
    let bad = db.run(&["user", "add", "sari", "--role", "officer"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("region"), "{}", text(&bad));
    let bad = db.run(&["user", "add", "sari", "--role", "raja"]);
    assert!(text(&bad).contains("unknown role"), "{}", text(&bad));
    let dup = db.run(&["user", "add", "budi", "--role", "admin"]);
    assert!(!dup.status.success());
    assert!(text(&dup).contains("username"), "{}", text(&dup));
}

#[test]
fn demo_is_deterministic_for_a_seed_and_exports_round_trip() {
    let a = Db::new("demo-a");
    let b = Db::new("demo-b");
    for db in [&a, &b] {
        let out = db.run(&["demo", "--no-serve", "--enterprises", "400", "--years", "3", "--seed", "7"]);
        assert!(out.status.success(), "{}", text(&out));
        let t = text(&out);
        assert!(t.contains("petugas.samarinda") && t.contains("http://127.0.0.1:8080"), "{t}");
    }
    let ea = a.path("a.csv");
    let eb = b.path("b.csv");
    assert!(a.run(&["export", "enterprises", "--format", "csv", "-o", ea.to_str().unwrap()]).status.success());
    assert!(b.run(&["export", "enterprises", "--format", "csv", "-o", eb.to_str().unwrap()]).status.success());
    let (ta, tb) = (std::fs::read_to_string(&ea).unwrap(), std::fs::read_to_string(&eb).unwrap());
    assert!(ta.lines().count() > 400, "one row per enterprise-year");
    assert_eq!(ta, tb, "the same seed gives the same registry");
    // Re-importing the export changes nothing.
    let out = a.run(&["import", "enterprises", ea.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((j["inserted"].as_u64(), j["updated"].as_u64()), (Some(0), Some(0)), "{j}");
    assert!(j["rejected"].as_array().unwrap().is_empty(), "{j}");
    // A second demo run reuses the database.
    let again = a.run(&["demo", "--no-serve"]);
    assert!(text(&again).contains("reusing"), "{}", text(&again));
}

#[test]
fn import_json_summary_has_the_contract_shape() {
    let db = Db::new("import");
    assert!(db.run(&["migrate"]).status.success());
    let file = db.path("ikm.csv");
    std::fs::write(
        &file,
        "\u{feff}NIB;Nama Usaha;nama_pemilik;Kode_Wilayah;KBLI;tahun_data;tenaga kerja;nilai_investasi;warna\r\n\
         6472000000011;Tempe Bu Sri;Sri;64.72;10391;2024;5;Rp 50.000.000;merah\r\n\
         \r\n\
         647200000001;Nib Pendek;Ani;64.72;10391;2024;3;1.000.000;biru\r\n\
         6472000000013;Tahu Pak Dul;Dul;64.99;10392;2024;2;Rp2.100.000.000;hijau\r\n\
         6472000000011;Tempe Bu Sri;Sri;64.72;10391;2024;6;Rp 50.000.000;merah\r\n",
    )
    .unwrap();
    let errors = db.path("ditolak.csv");
    let out =
        db.run(&["import", "enterprises", file.to_str().unwrap(), "--json", "--errors", errors.to_str().unwrap()]);
    assert!(out.status.success(), "rows rejected is still exit 0: {}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(j["inserted"], 1);
    assert_eq!(j["updated"], 0);
    assert_eq!(j["unchanged"], 0);
    let rejected = j["rejected"].as_array().unwrap();
    let rows: Vec<(u64, Option<&str>)> =
        rejected.iter().map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str())).collect();
    // Header is row 1; the blank line 3 is skipped but still counts in the numbering.
    assert!(rows.contains(&(4, Some("nib"))), "{rows:?}");
    assert!(rows.contains(&(5, Some("kode_wilayah"))), "{rows:?}");
    assert!(rows.iter().any(|(r, _)| *r == 6), "in-file duplicate NIB+year reported: {rows:?}");
    assert!(rejected.iter().all(|r| !r["reason"].as_str().unwrap().is_empty()));
    let err_file = std::fs::read_to_string(&errors).unwrap();
    assert!(
        err_file.contains("Nib Pendek")
            && err_file.contains("Tahu Pak Dul")
            && !err_file.contains("Tahu Pak Dul;Dul;64.72")
    );
    // Idempotent: the same file again changes nothing.
    let again = db.run(&["import", "enterprises", file.to_str().unwrap(), "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!((j["inserted"].as_u64(), j["updated"].as_u64()), (Some(0), Some(0)), "{j}");
    // Dry run writes nothing.
    let fresh = Db::new("import-dry");
    assert!(fresh.run(&["migrate"]).status.success());
    let dry = fresh.run(&["import", "enterprises", file.to_str().unwrap(), "--json", "--dry-run"]);
    assert!(dry.status.success());
    let exported = fresh.path("out.csv");
    fresh.run(&["export", "enterprises", "-o", exported.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&exported).unwrap().lines().count(), 1, "only the header");
    // A file that cannot be read is the one non-zero case.
    let missing = db.run(&["import", "enterprises", "/nonexistent/file.csv", "--json"]);
    assert!(!missing.status.success());
}

#[test]
fn audit_verify_finds_the_first_broken_link() {
    let db = Db::new("audit");
    assert!(db.run(&["migrate"]).status.success());
    for u in ["admin1", "admin2", "admin3"] {
        assert!(db.run(&["user", "add", u, "--role", "admin"]).status.success());
    }
    let ok = db.run(&["audit", "verify"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("3 entries verified"), "{}", text(&ok));
    let file = db.path("t.db");
    tamper(&file, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 2;");
    let broken = db.run(&["audit", "verify"]);
    assert!(!broken.status.success());
    assert!(text(&broken).contains("entry 2"), "{}", text(&broken));
}

fn tamper(db: &Path, sql: &str) {
    let out = Command::new("sqlite3").arg(db).arg(sql).output().expect("the sqlite3 shell is installed");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_bad_database_url_is_one_clear_line_with_the_password_masked() {
    let out = Command::new(BIN).args(["--db", "postgres://nk:s3cret@127.0.0.1:1/nope", "migrate"]).output().unwrap();
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("nk:***@127.0.0.1:1") && !t.contains("s3cret"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    let out = Command::new(BIN).args(["--db", "mysql://root:pw@h/db", "migrate"]).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("unsupported database URL"));
}
