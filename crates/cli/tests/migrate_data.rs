//! `naikkelas migrate-data`, run as the built binary: a SQLite installation
//! with something in every table moves to PostgreSQL and back without loss,
//! its audit chain verifies on the target, and its accounts still log in.
//!
//! The PostgreSQL parts use an isolated database from
//! `naikkelas_store_postgres::testing::fresh()`; without a server (and not
//! under CI) they print SKIPPED and pass.

use naikkelas_app::certification::{ApplicationDraft, BodyDraft, EventInput};
use naikkelas_app::linkage::SupplyDraft;
use naikkelas_app::readiness::{ActionDraft, AnswerDraft};
use naikkelas_app::Service;
use naikkelas_core::certification::LiveStatus;
use naikkelas_core::linkage::RequestDraft;
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::{Actor, Role, Scope};
use naikkelas_store::transfer::{TableChecksum, Transfer};
use naikkelas_store::{AuditContext, EnterpriseQuery, Store};
use naikkelas_store_postgres::PgStore;
use naikkelas_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

const PASSWORD: &str = "rahasia-admin-2026";
const COFFEE: &str = "SNI 2983:2014";

/// A certificate issued before the move, with the QR payloads signed for it
/// by the installation's first key (since retired) and its current key.
struct Issued {
    id: i64,
    number: String,
    old_payload: String,
    payload: String,
}

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
/// corrected year (a revision), a permit, a login session, a completed
/// readiness assessment with an edited action, a certification body with a
/// certifier, and a certificate granted after a closed major finding (with
/// an open observation), whose signing key was rotated once.
async fn installation(url: &str, path: &str) -> Issued {
    ok(&["--db", url, "migrate"]);
    ok(&["--db", url, "user", "add", "admin", "--role", "admin", "--name", "Admin Dinas"]);
    ok(&["--db", url, "token", "create", "admin"]);
    ok(&["--db", url, "demo", "--no-serve", "--enterprises", "3000", "--years", "3"]);

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

    // Readiness: every item answered (one gap), completed, its action edited.
    let sys = Actor::system();
    let standard = svc.standards().await.unwrap().into_iter().next().expect("the catalogue is loaded");
    let id = svc.start_assessment(&sys, nib.as_str(), &standard.code).await.unwrap();
    let drafts: Vec<AnswerDraft> = standard
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| AnswerDraft {
            item_id: item.id.clone(),
            answer: if i == 0 { "tidak" } else { "ya" }.into(),
            evidence: (i % 2 == 1).then(|| format!("Catatan bukti {i}")),
        })
        .collect();
    svc.answer(&sys, id, &drafts).await.unwrap();
    svc.complete_assessment(&sys, id).await.unwrap();
    let action = svc.assessment_view(&sys, id).await.unwrap().record.actions[0].id;
    let d = ActionDraft {
        text: Some("Susun SOP dan latih karyawan".into()),
        owner: "Bu Sri".into(),
        due_date: "2027-03-31".into(),
        status: "in_progress".into(),
    };
    svc.update_action(&sys, id, action, &d).await.unwrap();

    // Certification: a body, its certifier, an application through to a grant.
    let body = BodyDraft {
        code: "LSPRO-SMD".into(),
        name: "LSPro Baristand Samarinda".into(),
        kind: "lspro".into(),
        kan_number: "LSPr-001-IDN".into(),
        scope: COFFEE.into(),
    };
    svc.add_certification_body(&sys, &body).await.unwrap();
    ok(&["--db", url, "user", "add", "auditor", "--role", "certifier", "--name", "Auditor", "--body", "LSPRO-SMD"]);
    let token = ok(&["--db", url, "token", "create", "auditor"]);
    let auditor = svc.actor_for_token(token.trim()).await.unwrap();
    let application = ApplicationDraft {
        nib: nib.to_string(),
        body: "LSPRO-SMD".into(),
        standard: COFFEE.into(),
        scope: "Kopi bubuk kemasan 250 g".into(),
    };
    let id = svc.apply_for_certification(&sys, &application).await.unwrap();
    let step = |e: EventInput| {
        let (svc, auditor) = (&svc, &auditor);
        async move { svc.certification_event(auditor, id, &e).await.unwrap() }
    };
    let event = |name: &str| EventInput { event: name.into(), ..Default::default() };
    for e in ["start_review", "start_stage1", "complete_stage1"] {
        step(event(e)).await;
    }
    let finding = |grade: &str, clause: &str, description: &str| EventInput {
        grade: Some(grade.into()),
        clause: Some(clause.into()),
        description: Some(description.into()),
        ..event("record_finding")
    };
    step(finding("major", "7.1.5", "Timbangan belum dikalibrasi")).await;
    step(finding("observation", "8.5", "Label lot kurang jelas")).await;
    step(EventInput { passed: Some(true), ..event("record_test") }).await;
    step(event("complete_stage2")).await;
    let major = store.certification().certification(id).await.unwrap().unwrap().findings[0].id;
    step(EventInput {
        finding_id: Some(major),
        corrective_action: Some("Kalibrasi timbangan".into()),
        evidence: Some("Sertifikat kalibrasi No. 12/2026".into()),
        ..event("close_finding")
    })
    .await;
    let granted = step(event("grant")).await.record;
    let number = granted.status.number.as_ref().expect("a grant issues a number").to_string();
    // The first payload creates the signing key; after a rotation it still
    // verifies with the retired key, and new payloads use the new one.
    let old_payload = svc.certificate_payload(&granted).await.unwrap().unwrap();
    svc.rotate_signing_key(&sys).await.unwrap();
    let payload = svc.certificate_payload(&granted).await.unwrap().unwrap();
    assert_ne!(payload, old_payload);

    // Linkage: the demo buyer asks for the certified product, contacts the
    // holder, who accepts, and supply is recorded.
    let buyer = naikkelas_app::auth::actor_of(&store.user_by_username("pembeli").await.unwrap().expect("demo buyer"));
    let request = RequestDraft {
        title: "Kopi bubuk untuk kantin pabrik".into(),
        kbli: rec.profile.kbli[0].to_string(),
        standards: COFFEE.into(),
        min_capacity: "1".into(),
        capacity_unit: "kg".into(),
        deadline: (svc.now().date() + time::Duration::days(60)).to_string(),
        ..RequestDraft::default()
    };
    let request = svc.post_sourcing_request(&buyer, &request).await.unwrap();
    let interest = svc.express_interest(&buyer, request, nib.as_str(), "Mohon penawaran harga.").await.unwrap();
    let owner = Actor {
        user_id: 0,
        username: "pemilik".into(),
        role: Role::Owner,
        region: None,
        enterprise: Some(nib.clone()),
    };
    svc.answer_interest(&owner, interest, true).await.unwrap();
    let supply = SupplyDraft { started_on: "2026-12-01".into(), note: "Kontrak 12 bulan".into() };
    svc.record_supply(&buyer, interest, &supply).await.unwrap();
    store.pool().close().await;
    Issued { id, number, old_payload, payload }
}

/// The certificate verifies on `svc` as it did where it was issued: the
/// public check finds it active, both payloads pass the signature check, and
/// the installation signs it exactly as before (the same key moved).
async fn still_verifies(svc: &Service, issued: &Issued) {
    let public = svc.verify_certificate(&issued.number).await.unwrap();
    assert_eq!(public.status, LiveStatus::Active);
    for p in [&issued.old_payload, &issued.payload] {
        let claims = svc.check_payload(p).await.unwrap_or_else(|e| panic!("a signed payload no longer verifies: {e}"));
        assert_eq!(claims.number.to_string(), issued.number);
    }
    let rec = svc.store().certification().certification(issued.id).await.unwrap().unwrap();
    assert_eq!(rec.findings.len(), 2);
    assert!(rec.findings[0].closed_at.is_some() && rec.findings[1].closed_at.is_none());
    assert_eq!(svc.certificate_payload(&rec).await.unwrap().as_deref(), Some(issued.payload.as_str()));
}

/// The installation's secret signing key, to check that it is never printed.
async fn secret_key(path: &str) -> String {
    let s = SqliteStore::open(path).await.unwrap();
    let key = s.certification().signing_key().await.unwrap().expect("the installation has a signing key");
    s.pool().close().await;
    key
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
    let issued = installation(&src_url, &src_path).await;
    let source = sqlite_checksums(&src_path).await;
    for c in &source {
        assert!(c.rows > 0, "the installation has rows in {}", c.table);
    }
    let secret = secret_key(&src_path).await;

    // SQLite → PostgreSQL.
    let run = naikkelas(&["migrate-data", "--from", &src_url, "--to", &pg.url]);
    let (out, err) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "migrate-data failed:\n{out}\n{err}");
    assert!(out.lines().last().unwrap().contains("every table's count and checksum match"), "{out}");
    for c in &source {
        assert!(out.contains(&c.sha256), "{} is reported with its checksum:\n{out}", c.table);
    }
    assert!(!out.contains(&secret) && !err.contains(&secret), "the signing key is never printed");
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
    still_verifies(&target, &issued).await;

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
    let store = SqliteStore::open(&back_path).await.unwrap();
    still_verifies(&Service::new(Arc::new(store.clone())).await.unwrap(), &issued).await;
    store.pool().close().await;
    assert_eq!(secret_key(&back_path).await, secret);

    // New rows on PostgreSQL continue after the copied ids (identity sequences).
    let sys = Actor::system();
    let body = BodyDraft {
        code: "LSPRO-BPP".into(),
        name: "LSPro Balikpapan".into(),
        kind: "lspro".into(),
        kan_number: "LSPr-002-IDN".into(),
        scope: COFFEE.into(),
    };
    let body_id = target.add_certification_body(&sys, &body).await.unwrap();
    assert!(target.certification_bodies().await.unwrap().iter().all(|b| b.id <= body_id));
    let old = target.store().certification().certification(issued.id).await.unwrap().unwrap();
    let application = ApplicationDraft {
        nib: old.nib.to_string(),
        body: "LSPRO-BPP".into(),
        standard: COFFEE.into(),
        scope: "Kopi instan sachet".into(),
    };
    assert!(target.apply_for_certification(&sys, &application).await.unwrap() > issued.id);
    let standards = target.standards().await.unwrap();
    let done = target.enterprise_assessments(&sys, old.nib.as_str()).await.unwrap();
    let other = standards.iter().find(|s| done.iter().all(|a| a.standard != s.code)).unwrap();
    let next = target.start_assessment(&sys, old.nib.as_str(), &other.code).await.unwrap();
    assert!(done.iter().all(|a| a.id < next));
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
