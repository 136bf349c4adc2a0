//! Crash safety of the server, run as the built binary: a client registers
//! enterprises and records their figures through the API while the server
//! is killed with SIGKILL at a random moment, over several rounds. After
//! every kill the SQLite database passes its integrity and foreign-key
//! checks, the audit chain verifies, and every row has its audit entry (and
//! no audit entry describes a write that is not there). Finally the same
//! writes are re-run to the end: every enterprise and figure is there once.
//!
//! Kill moments come from a seeded generator, so a failing round can be
//! replayed with the same `NAIKKELAS_CRASH_SEED`.

use naikkelas_store_sqlite::SqliteStore;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "rahasia-admin-2026";
const ENTERPRISES: usize = 120;
const YEARS: [i32; 2] = [2024, 2025];
const ROUNDS: usize = 8;

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("naikkelas-crash-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn naikkelas(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_naikkelas"))
        .args(args)
        .env("NAIKKELAS_PASSWORD", PASSWORD)
        .env_remove("NAIKKELAS_DB")
        .env_remove("NAIKKELAS_CONFIG")
        .output()
        .expect("the naikkelas binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = naikkelas(args);
    assert!(
        out.status.success(),
        "naikkelas {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// splitmix64: a few lines instead of a dependency, and the same kill
/// moments for the same seed on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(db_url: &str) -> Server {
        let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_naikkelas"))
            .args(["--db", db_url, "serve", "--addr", &addr.to_string()])
            .env_remove("NAIKKELAS_CONFIG")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let mut server = Server { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while request(addr, "GET", "/healthz", None, None).map(|r| r.0) != Some(200) {
            assert!(Instant::now() < deadline, "the server did not come up on {addr}");
            assert!(server.child.try_wait().unwrap().is_none(), "the server exited at start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// SIGKILL: no shutdown hook, no flush, no checkpoint.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// One HTTP/1.1 request on its own connection: status and body, or `None`
/// when the server is gone.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

fn nib(i: usize) -> String {
    format!("6472{:09}", 900_000 + i)
}

/// The whole job: register each enterprise, then record its years. Safe to
/// repeat: an enterprise already registered answers `nib.duplicate`, and a
/// year recorded again is replaced by the same figures. Stops at the first
/// request the server does not answer; panics on any wrong answer.
fn run_writes(addr: SocketAddr, token: &str, stop: &AtomicBool, done: &AtomicUsize) {
    for i in 0..ENTERPRISES {
        let profile = serde_json::json!({
            "nib": nib(i),
            "name": format!("CV Uji Tahan Banting {i}"),
            "owner_name": format!("Pemilik Uji {i}"),
            "address": format!("Jl. Percobaan No. {i}, Samarinda"),
            "regency_code": "64.72",
            "kbli": ["10391"],
        });
        let Some((status, body)) =
            request(addr, "POST", "/api/v1/enterprises", Some(token), Some(&profile.to_string()))
        else {
            return;
        };
        assert!(status == 201 || (status == 422 && body.contains("nib.duplicate")), "register {i}: {status} {body}");
        for year in YEARS {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let figures = serde_json::json!({
                "year": year, "workers": 5 + i % 7, "investment_idr": 150_000_000 + i * 1_000,
                "production_idr": 400_000_000 + i * 2_000, "export_usd": 0,
            });
            let path = format!("/api/v1/enterprises/{}/figures", nib(i));
            let Some((status, body)) = request(addr, "POST", &path, Some(token), Some(&figures.to_string())) else {
                return;
            };
            assert_eq!(status, 200, "figures {i}/{year}: {body}");
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
}

/// What the database holds after a crash: checked against itself.
struct Snapshot {
    enterprises: i64,
    figures: i64,
}

async fn check_consistent(db_path: &str, db_url: &str) -> Snapshot {
    let store = SqliteStore::open(db_path).await.unwrap();
    let pool = store.pool();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(pool).await.unwrap();
    assert_eq!(integrity, "ok");
    let fk: Vec<(String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check").fetch_all(pool).await.unwrap();
    assert!(fk.is_empty(), "foreign keys broken: {fk:?}");
    let one = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap() };
    let enterprises = one("SELECT count(*) FROM enterprises WHERE nib LIKE '6472000%'").await;
    let created =
        one("SELECT count(DISTINCT entity_id) FROM audit_log WHERE action = 'create' AND entity_type = 'enterprise'
         AND entity_id LIKE '6472000%'")
        .await;
    let creations = one("SELECT count(*) FROM audit_log WHERE action = 'create' AND entity_type = 'enterprise'
         AND entity_id LIKE '6472000%'")
    .await;
    assert_eq!(enterprises, created, "every registration has its audit entry and no entry is for a lost write");
    assert_eq!(creations, created, "no enterprise was registered twice");
    let figures = one("SELECT count(*) FROM figures f JOIN enterprises e ON e.id = f.enterprise_id
         WHERE e.nib LIKE '6472000%'")
    .await;
    // Every recorded year has an audit entry for that enterprise and year.
    let unaudited = one("SELECT count(*) FROM figures f JOIN enterprises e ON e.id = f.enterprise_id
         WHERE e.nib LIKE '6472000%' AND NOT EXISTS (SELECT 1 FROM audit_log a
           WHERE a.action = 'record_figures' AND a.entity_id = e.nib
             AND json_extract(a.after, '$.year') = f.year)")
    .await;
    assert_eq!(unaudited, 0, "a recorded year has no audit entry");
    let orphan_audit =
        one("SELECT count(*) FROM audit_log a WHERE a.action = 'record_figures' AND a.entity_id LIKE '6472000%'
         AND NOT EXISTS (SELECT 1 FROM figures f JOIN enterprises e ON e.id = f.enterprise_id
           WHERE e.nib = a.entity_id AND f.year = json_extract(a.after, '$.year'))")
        .await;
    assert_eq!(orphan_audit, 0, "an audit entry describes figures that are not there");
    pool.close().await;
    let verified = ok(&["--db", db_url, "audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    Snapshot { enterprises, figures }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_api_writes_loses_nothing_and_doubles_nothing() {
    let started = Instant::now();
    let seed = std::env::var("NAIKKELAS_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_127u64);
    let mut rng = Rng(seed);
    let dir = Scratch::new();
    let db_path = dir.0.join("crash.db").to_string_lossy().into_owned();
    let db_url = format!("sqlite://{db_path}");
    ok(&["--db", &db_url, "migrate"]);
    ok(&["--db", &db_url, "user", "add", "admin", "--role", "admin"]);
    let token = ok(&["--db", &db_url, "token", "create", "admin"]).trim().to_string();

    let mut kills_mid_job = 0;
    for round in 0..ROUNDS {
        let server = Server::start(&db_url);
        let (addr, t) = (server.addr, token.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let (s, d) = (stop.clone(), done.clone());
        let client = std::thread::spawn(move || run_writes(addr, &t, &s, &d));
        // Each round re-runs the job from the start, so the window grows
        // with the rounds for the kills to reach further into it.
        std::thread::sleep(Duration::from_millis(20 + rng.below(250 * (round as u64 + 1))));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        client.join().expect("the client saw only correct answers until the kill");
        let snap = check_consistent(&db_path, &db_url).await;
        if done.load(Ordering::Relaxed) < ENTERPRISES {
            kills_mid_job += 1;
        }
        eprintln!(
            "round {round}: killed with {} enterprises and {} figure years stored",
            snap.enterprises, snap.figures
        );
    }
    assert!(kills_mid_job > 0, "at least one kill landed in the middle of the job (seed {seed})");

    // A clean run finishes the job: everything there, once.
    let server = Server::start(&db_url);
    let (stop, done) = (AtomicBool::new(false), AtomicUsize::new(0));
    run_writes(server.addr, &token, &stop, &done);
    assert_eq!(done.load(Ordering::Relaxed), ENTERPRISES);
    server.kill();
    let snap = check_consistent(&db_path, &db_url).await;
    assert_eq!(snap.enterprises, ENTERPRISES as i64);
    assert_eq!(snap.figures, (ENTERPRISES * YEARS.len()) as i64);
    eprintln!(
        "{ROUNDS} kill rounds ({kills_mid_job} in the middle of the job, seed {seed}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
