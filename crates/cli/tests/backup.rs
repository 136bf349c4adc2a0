//! `naikkelas backup` and `naikkelas restore`, run as the built binary: a
//! backup restored into a new database gives back every table exactly
//! (row counts and SHA-256 of `Transfer::table_checksums`), the audit chain
//! verifies on the restored copy, and a database that holds data is only
//! replaced with `--force`.
//!
//! The PostgreSQL test uses isolated databases from
//! `naikkelas_store_postgres::testing::fresh()`; without a server (and not
//! under CI) it prints SKIPPED and passes.

use naikkelas_store::transfer::{TableChecksum, Transfer};
use naikkelas_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::process::Output;

const PASSWORD: &str = "rahasia-admin-2026";

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("naikkelas-backup-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn naikkelas(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_naikkelas"))
        .args(args)
        .env("NAIKKELAS_PASSWORD", PASSWORD)
        .env_remove("NAIKKELAS_DB")
        .env_remove("NAIKKELAS_READ_DB")
        .env_remove("NAIKKELAS_CONFIG")
        .output()
        .expect("the naikkelas binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = naikkelas(args);
    assert!(
        out.status.success(),
        "naikkelas {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(args: &[&str]) -> String {
    let out = naikkelas(args);
    assert!(!out.status.success(), "naikkelas {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An installation with an admin, an API token and the demo registry with
/// its figures and audit entries. The checksums cover every table, empty or
/// not, so the comparison would see any table that did not travel.
fn installation(url: &str) {
    ok(&["--db", url, "migrate"]);
    ok(&["--db", url, "user", "add", "admin", "--role", "admin", "--name", "Admin Dinas"]);
    ok(&["--db", url, "token", "create", "admin"]);
    ok(&["--db", url, "demo", "--no-serve", "--enterprises", "150", "--years", "2"]);
}

async fn sqlite_checksums(path: &str) -> Vec<TableChecksum> {
    let s = SqliteStore::open(path).await.unwrap();
    let sums = s.table_checksums().await.unwrap();
    s.pool().close().await;
    sums
}

fn rows(sums: &[TableChecksum], table: &str) -> u64 {
    sums.iter().find(|c| c.table == table).map_or(0, |c| c.rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_backup_restores_every_table() {
    let dir = Scratch::new("sqlite");
    let src = dir.path("district.db");
    let src_url = format!("sqlite://{src}");
    installation(&src_url);
    let before = sqlite_checksums(&src).await;
    assert!(rows(&before, "enterprises") >= 150 && rows(&before, "audit_log") > 0);

    // The backup is taken while another connection holds the database open.
    let holder = SqliteStore::open(&src).await.unwrap();
    let backup = dir.path("district.backup.db");
    let said = ok(&["--db", &src_url, "backup", &backup]);
    assert!(said.contains("backup of sqlite://") && said.contains(&backup), "{said}");
    holder.pool().close().await;
    let line = fails(&["--db", &src_url, "backup", &backup]);
    assert!(line.contains("already exists"), "a backup never overwrites: {line}");

    // Into a new file: everything back, the chain intact.
    let copy = dir.path("restored.db");
    let copy_url = format!("sqlite://{copy}");
    let said = ok(&["--db", &copy_url, "restore", &backup]);
    assert!(said.contains("restored"), "{said}");
    assert_eq!(sqlite_checksums(&copy).await, before);
    assert!(ok(&["--db", &copy_url, "audit", "verify"]).contains("audit chain intact"));

    // Onto a database with data: refused, untouched; with --force, replaced.
    let other = dir.path("other.db");
    let other_url = format!("sqlite://{other}");
    ok(&["--db", &other_url, "migrate"]);
    ok(&["--db", &other_url, "user", "add", "someone", "--role", "admin"]);
    let other_before = sqlite_checksums(&other).await;
    let line = fails(&["--db", &other_url, "restore", &backup]);
    assert!(line.contains("not empty") && line.contains("--force"), "{line}");
    assert_eq!(sqlite_checksums(&other).await, other_before);
    ok(&["--db", &other_url, "restore", "--force", &backup]);
    assert_eq!(sqlite_checksums(&other).await, before);

    // A file that is not a SQLite database is refused and changes nothing.
    let junk = dir.path("junk.db");
    std::fs::write(&junk, b"not a database at all, just text").unwrap();
    let line = fails(&["--db", &copy_url, "restore", "--force", &junk]);
    assert!(line.contains("not a usable naikkelas SQLite backup"), "{line}");
    assert_eq!(sqlite_checksums(&copy).await, before);
    let line = fails(&["--db", &copy_url, "restore", &dir.path("missing.db")]);
    assert!(line.contains("no such backup file"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_backup_restores_every_table() {
    let Some(source) = naikkelas_store_postgres::testing::fresh().await else {
        eprintln!("SKIPPED: no PostgreSQL server for postgres_backup_restores_every_table");
        return;
    };
    let Some(target) = naikkelas_store_postgres::testing::fresh().await else { return };
    if std::process::Command::new("pg_dump").arg("--version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "CI must have pg_dump for the PostgreSQL backup test");
        eprintln!("SKIPPED: pg_dump is not installed");
        return;
    }
    let dir = Scratch::new("pg");
    installation(&source.url);
    let before = source.store.table_checksums().await.unwrap();
    assert!(rows(&before, "enterprises") >= 150);

    let backup = dir.path("naikkelas.dump");
    ok(&["--db", &source.url, "backup", &backup]);
    // A freshly migrated database holds only reference data: accepted.
    ok(&["--db", &target.url, "restore", &backup]);
    assert_eq!(target.store.table_checksums().await.unwrap(), before);
    assert!(ok(&["--db", &target.url, "audit", "verify"]).contains("audit chain intact"));

    // Now it holds data: refused without --force, replaced with it.
    ok(&["--db", &target.url, "user", "add", "late", "--role", "admin"]);
    let line = fails(&["--db", &target.url, "restore", &backup]);
    assert!(line.contains("not empty") && line.contains("--force"), "{line}");
    ok(&["--db", &target.url, "restore", "--force", &backup]);
    assert_eq!(target.store.table_checksums().await.unwrap(), before);
}
