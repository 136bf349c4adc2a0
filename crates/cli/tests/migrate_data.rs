//! `naikkelas migrate-data`, run as the built binary: a SQLite installation
//! with something in every table moves to PostgreSQL and back without loss,
//! its audit chain verifies on the target, and its accounts still log in.
//!
//! The PostgreSQL parts use an isolated database from
//! `naikkelas_store_postgres::testing::fresh()`; without a server (and not
//! under CI) they print SKIPPED and pass.

use naikkelas_app::Service;
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::Scope;
use naikkelas_store::transfer::{TableChecksum, Transfer};
use naikkelas_store::{AuditContext, EnterpriseQuery, Store};
use naikkelas_store_postgres::PgStore;
use naikkelas_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

const PASSWORD: &str = "rahasia-admin-2026";

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("naikkelas-migrate-data-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn db(&self, name: &str) -> (String, String) {
        let path = self.0.join(name).to_string_lossy().into_owned();
        (format!("sqlite://{path}"), path)
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

/// The one line a failing command prints on standard error.
fn fails(args: &[&str]) -> String {
    let out = naikkelas(args);
    assert!(!out.status.success(), "naikkelas {args:?} should have failed");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("naikkelas: ")).collect();
    assert_eq!(errors.len(), 1, "one error line, got:\n{stderr}");
    errors[0].to_string()
}

/// A SQLite installation with rows in every table: the demo registry
/// (built by the CLI), an admin with an API token, a finalised and then
/// corrected year (a revision), a permit and a login session.
async fn installation(url: &str, path: &str) {
    ok(&["--db", url, "migrate"]);
    ok(&["--db", url, "user", "add", "admin", "--role", "admin", "--name", "Admin Dinas"]);
    ok(&["--db", url, "token", "create", "admin"]);
    ok(&["--db", url, "demo", "--no-serve", "--enterprises", "300", "--years", "3"]);

    let store = SqliteStore::open(path).await.unwrap();
    let svc = Service::new(Arc::new(store.clone())).await.unwrap();
    let c = AuditContext::new("admin", svc.now());
    let rec = store
        .export_page(&EnterpriseQuery::in_scope(Scope::National), None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|r| !r.figures.is_empty())
        .expect("the demo registers enterprises with figures");
    let nib = rec.profile.nib.clone();
    let mut f = rec.figures[0].figures.clone();
    store.finalise_figures(&nib, f.year, &c).await.unwrap();
    f.workers += 1;
    store.correct_figures(&nib, &f, "salah ketik jumlah tenaga kerja", &c).await.unwrap();
    let permit = Permit {
        kind: PermitKind::Pirt,
        number: "P-IRT 2066472010001-29".into(),
        issuer: "DPMPTSP Kota Samarinda".into(),
        valid_from: time::macros::date!(2024 - 01 - 15),
        valid_until: Some(time::macros::date!(2029 - 01 - 15)),
    };
    store.add_permit(&nib, &permit, &c).await.unwrap();
    svc.login("admin", PASSWORD).await.unwrap();
    store.pool().close().await;
}

async fn sqlite_checksums(path: &str) -> Vec<TableChecksum> {
    let s = SqliteStore::open(path).await.unwrap();
    let sums = s.table_checksums().await.unwrap();
    s.pool().close().await;
    sums
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_to_postgres_and_back_keeps_everything() {
    let Some(pg) = naikkelas_store_postgres::testing::fresh().await else {
        eprintln!("SKIPPED: no PostgreSQL server for sqlite_to_postgres_and_back_keeps_everything");
        return;
    };
    let started = std::time::Instant::now();
    let dir = Scratch::new("pg");
    let (src_url, src_path) = dir.db("district.db");
    installation(&src_url, &src_path).await;
    let source = sqlite_checksums(&src_path).await;
    for c in &source {
        assert!(c.rows > 0, "the installation has rows in {}", c.table);
    }

    // SQLite → PostgreSQL.
    let out = ok(&["migrate-data", "--from", &src_url, "--to", &pg.url]);
    assert!(out.lines().last().unwrap().contains("every table's count and checksum match"), "{out}");
    for c in &source {
        assert!(out.contains(&c.sha256), "{} is reported with its checksum:\n{out}", c.table);
    }
    assert_eq!(pg.store.table_checksums().await.unwrap(), source);
    let verified = ok(&["--db", &pg.url, "audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");

    // The accounts work on the target: password, API token.
    let target = Service::new(Arc::new(PgStore::connect(&pg.url).await.unwrap())).await.unwrap();
    let admin = target.authenticate("admin", PASSWORD).await.unwrap();
    assert_eq!(admin.display_name, "Admin Dinas");
    assert!(target.authenticate("admin", "wrong password").await.is_err());
    let token = ok(&["--db", &pg.url, "token", "create", "admin", "--name", "after-move"]);
    target.actor_for_token(token.trim()).await.unwrap();
    target.store().ping().await.unwrap();

    // A target that already holds data is refused, naming the table.
    let refused = fails(&["migrate-data", "--from", &src_url, "--to", &pg.url]);
    assert!(refused.contains("not empty") && refused.contains("table enterprises"), "{refused}");

    // PostgreSQL → a new SQLite file: the same data as at the start, plus
    // what happened on PostgreSQL since (one token and its audit entry).
    let (back_url, back_path) = dir.db("back.db");
    ok(&["migrate-data", "--from", &pg.url, "--to", &back_url]);
    let back = sqlite_checksums(&back_path).await;
    assert_eq!(back, pg.store.table_checksums().await.unwrap());
    let rows = |sums: &[TableChecksum], t: &str| sums.iter().find(|c| c.table == t).unwrap().rows;
    assert_eq!(rows(&back, "enterprises"), rows(&source, "enterprises"));
    assert_eq!(rows(&back, "api_tokens"), rows(&source, "api_tokens") + 1);
    assert_eq!(rows(&back, "audit_log"), rows(&source, "audit_log") + 1);
    ok(&["--db", &back_url, "audit", "verify"]);
    eprintln!("sqlite → postgres → sqlite in {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_non_empty_target_is_refused() {
    let dir = Scratch::new("refuse");
    let (a, _) = dir.db("a.db");
    let (b, b_path) = dir.db("b.db");
    for url in [&a, &b] {
        ok(&["--db", url, "migrate"]);
        ok(&["--db", url, "user", "add", "admin", "--role", "admin"]);
    }
    let before = sqlite_checksums(&b_path).await;
    let line = fails(&["migrate-data", "--from", &a, "--to", &b]);
    assert!(line.contains("target database is not empty") && line.contains("table users"), "{line}");
    // Nothing in the target was touched.
    assert_eq!(sqlite_checksums(&b_path).await, before);
}

#[test]
fn bad_urls_give_one_line_without_the_password() {
    let dir = Scratch::new("urls");
    let (a, _) = dir.db("a.db");
    ok(&["--db", &a, "migrate"]);
    let line = fails(&["migrate-data", "--from", &a, "--to", "mysql://root:s3cret-pw@db.example/naikkelas"]);
    assert!(line.contains("unsupported database URL") && line.contains("root:***@"), "{line}");
    assert!(!line.contains("s3cret-pw"), "{line}");
    let (missing, _) = dir.db("missing.db");
    let line = fails(&["migrate-data", "--from", &missing, "--to", &a]);
    assert!(line.contains("no such SQLite file"), "{line}");
    let line = fails(&["migrate-data", "--from", &a, "--to", &a]);
    assert!(line.contains("same database"), "{line}");
    if std::env::var("CI").is_ok() || std::net::TcpStream::connect("127.0.0.1:5432").is_ok() {
        let server = naikkelas_store_postgres::testing::server_url();
        let with_password = server.replacen("://postgres@", "://postgres:s3cret-pw@", 1);
        let url = naikkelas_store_postgres::testing::with_database(&with_password, "naikkelas_no_such_database");
        let line = fails(&["migrate-data", "--from", &a, "--to", &url]);
        assert!(line.contains("cannot connect") && !line.contains("s3cret-pw"), "{line}");
    }
}
