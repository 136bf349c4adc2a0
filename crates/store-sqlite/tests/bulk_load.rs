//! The bulk-load mode (`src/bulk.rs`): same data as the row-by-row path,
//! and a load killed at any moment leaves a database that `migrate`
//! completes, after which re-running the load finishes it.

use naikkelas_core::Scope;
use naikkelas_store::conformance::{ctx, figures, profile};
use naikkelas_store::{EnterpriseQuery, ImportRow, RowOutcome, Store};
use naikkelas_store_sqlite::SqliteStore;

const BATCH: usize = 500;
/// Announced to every load here: large enough that the mode pays.
const ANNOUNCED: u64 = 1_000_000;

/// A fresh database path, removed (with its WAL files) when the test ends.
fn temp_path(tag: &str) -> String {
    struct Remove(String);
    impl Drop for Remove {
        fn drop(&mut self) {
            remove(&self.0);
        }
    }
    thread_local! {
        static PATHS: std::cell::RefCell<Vec<Remove>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let p = std::env::temp_dir().join(format!("naikkelas-bulk-{tag}-{}.db", std::process::id()));
    let p = p.to_string_lossy().into_owned();
    remove(&p);
    PATHS.with(|paths| paths.borrow_mut().push(Remove(p.clone())));
    p
}

fn remove(path: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

/// `n` enterprises, two years each; names and products need Unicode
/// lowercasing (the search entries are lowercased by the program).
fn rows(n: u64) -> Vec<ImportRow> {
    let regencies = ["64.72", "64.71", "33.01", "35.07", "18.01"];
    let kblis = ["10391", "10794", "13134", "31001", "10710"];
    (0..n)
        .flat_map(|i| {
            let p = profile(
                3_000_000 + i,
                &format!("ÇAFÉ Ümar Ünggul {i}"),
                regencies[(i % 5) as usize],
                &[kblis[(i % 5) as usize], kblis[((i + 1) % 5) as usize]],
                &["KERUPUK Ärgo", "tempe"],
            );
            [2023, 2024].map(|y| ImportRow {
                row: i * 2 + 2,
                profile: p.clone(),
                figures: figures(y, (i % 40) as i64, 1),
            })
        })
        .collect()
}

async fn import(s: &SqliteStore, rows: &[ImportRow], bulk: bool) -> Vec<RowOutcome> {
    if bulk {
        s.begin_bulk_load(ANNOUNCED).await.unwrap();
    }
    let mut out = Vec::new();
    for chunk in rows.chunks(BATCH) {
        out.extend(s.import_batch(chunk, &ctx("import")).await.unwrap());
    }
    if bulk {
        s.end_bulk_load().await.unwrap();
    }
    out
}

/// Everything an import writes, as text: the registry tables, the search
/// entries, the rollup cells and the index definitions.
fn dump(path: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for q in [
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name",
        "SELECT * FROM enterprises ORDER BY id",
        "SELECT * FROM figures ORDER BY enterprise_id, year",
        "SELECT * FROM enterprise_kbli ORDER BY enterprise_id, position",
        "SELECT rowid, body FROM enterprise_search ORDER BY rowid",
        "SELECT key, value FROM meta ORDER BY key",
        "SELECT * FROM insight_rollup ORDER BY 1, 2, 3, 4, 5, 6",
        "SELECT * FROM insight_rollup_province ORDER BY 1, 2, 3, 4, 5",
    ] {
        let mut s = c.prepare(q).unwrap();
        let n = s.column_count();
        let mut rows = s.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let cell = |i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                v => format!("{v:?}"),
            };
            out.push((0..n).map(cell).collect::<Vec<_>>().join("|"));
        }
    }
    out
}

/// SQLite's and FTS5's own consistency checks.
fn check_integrity(path: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    c.execute("INSERT INTO enterprise_search (enterprise_search) VALUES ('integrity-check')", []).unwrap();
}

fn meta_keys(path: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c.prepare("SELECT key FROM meta WHERE key LIKE 'bulk%' ORDER BY key").unwrap();
    let keys = s.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<Vec<String>>>().unwrap();
    keys
}

async fn open(path: &str) -> SqliteStore {
    let s = SqliteStore::open(path).await.unwrap();
    s.migrate().await.unwrap();
    s
}

/// The reference: the same rows through the row-by-row path.
async fn reference(tag: &str, rows: &[ImportRow]) -> Vec<String> {
    let path = temp_path(tag);
    let s = open(&path).await;
    import(&s, rows, false).await;
    s.pool().close().await;
    dump(&path)
}

#[tokio::test]
async fn bulk_load_writes_what_the_row_by_row_path_writes() {
    let mut all = rows(1_500);
    // A later batch changes the profile of an enterprise an earlier batch
    // of the same load inserted, and a finalised-free re-send of a year.
    let mut again = all[10].clone();
    again.profile.name = "Kerupuk Ämbon Baru".into();
    again.profile.products = vec!["AMPLANG".into()];
    again.row = 9_999;
    all.push(again);
    let expected = reference("ref1", &all).await;

    let path = temp_path("bulk1");
    let s = open(&path).await;
    let indexes_before = dump(&path).into_iter().filter(|l| l.contains("\"index\"")).count();
    s.begin_bulk_load(ANNOUNCED).await.unwrap();
    let mut outcomes = Vec::new();
    for (i, chunk) in all.chunks(BATCH).enumerate() {
        outcomes.extend(s.import_batch(chunk, &ctx("import")).await.unwrap());
        if i == 0 {
            // In the mode: flagged, secondary indexes gone, no search entries.
            assert!(meta_keys(&path).contains(&"bulk_load_in_progress".to_string()));
            let indexes = dump(&path).into_iter().filter(|l| l.contains("\"index\"")).count();
            assert!(indexes < indexes_before, "{indexes} < {indexes_before}");
        }
    }
    s.end_bulk_load().await.unwrap();
    assert_eq!(outcomes.iter().filter(|o| **o == RowOutcome::Inserted).count(), 3_000);
    assert_eq!(outcomes.last(), Some(&RowOutcome::Updated));
    assert!(meta_keys(&path).is_empty());
    check_integrity(&path);
    assert_eq!(dump(&path), expected);

    // Searching finds the loaded enterprises, case-insensitively.
    let mut q = EnterpriseQuery::in_scope(Scope::National);
    q.text = Some("ümar ünggul 1499".into());
    assert_eq!(s.list_enterprises(&q).await.unwrap().items.len(), 1);
    q.text = Some("ämbon".into());
    assert_eq!(s.list_enterprises(&q).await.unwrap().items.len(), 1);

    // A re-run of the same file is unchanged (but for the enterprise whose
    // profile two rows set) and does not enter the mode.
    s.begin_bulk_load(ANNOUNCED).await.unwrap();
    let mut unchanged = 0;
    for chunk in all.chunks(BATCH) {
        let out = s.import_batch(chunk, &ctx("import")).await.unwrap();
        unchanged += out.iter().filter(|o| **o == RowOutcome::Unchanged).count();
        assert!(meta_keys(&path).is_empty());
    }
    s.end_bulk_load().await.unwrap();
    assert_eq!(unchanged, all.len() - 2);
}

#[tokio::test]
async fn a_small_load_or_one_without_announcement_keeps_the_row_by_row_path() {
    let path = temp_path("small");
    let s = open(&path).await;
    s.begin_bulk_load(1_000).await.unwrap();
    s.import_batch(&rows(400), &ctx("import")).await.unwrap();
    assert!(meta_keys(&path).is_empty());
    s.end_bulk_load().await.unwrap();
    s.import_batch(&rows(800)[800..], &ctx("import")).await.unwrap();
    assert!(meta_keys(&path).is_empty());
}

#[tokio::test]
async fn an_unfinished_load_is_completed_by_migrate_and_by_another_store() {
    let all = rows(1_500);
    let expected = reference("ref2", &all).await;
    let path = temp_path("unfinished");
    let (first, rest) = all.split_at(1_000);
    {
        let s = open(&path).await;
        s.begin_bulk_load(ANNOUNCED).await.unwrap();
        for chunk in first.chunks(BATCH) {
            s.import_batch(chunk, &ctx("import")).await.unwrap();
        }
        // Another process opens the database meanwhile: its migrate
        // completes the load so far; the next batch of the load flags again.
        let other = open(&path).await;
        assert!(meta_keys(&path).is_empty());
        check_integrity(&path);
        s.import_batch(&rest[..BATCH], &ctx("import")).await.unwrap();
        assert_eq!(meta_keys(&path), ["bulk_load_in_progress"]);
        other.pool().close().await;
        // The load stops without its end (as if killed between batches).
        s.pool().close().await;
    }
    let s = open(&path).await;
    assert!(meta_keys(&path).is_empty());
    check_integrity(&path);
    let out = import(&s, &all, true).await;
    assert_eq!(out.iter().filter(|o| **o == RowOutcome::Unchanged).count(), 1_000 + BATCH);
    s.pool().close().await;
    check_integrity(&path);
    assert_eq!(dump(&path), expected);
}

/// Enterprises of the killed load (two rows each).
const KILLED_LOAD: u64 = 6_000;

/// Child of [`a_load_killed_at_any_moment_is_completed_on_the_next_open`]:
/// loads and aborts the process (no destructor, no rollback: a `kill -9`)
/// after the given number of milliseconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_load_child() {
    let Ok(path) = std::env::var("NAIKKELAS_BULK_CHILD") else { return };
    let after: u64 = std::env::var("NAIKKELAS_BULK_KILL_MS").unwrap().parse().unwrap();
    let s = open(&path).await;
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(after));
        std::process::abort();
    });
    import(&s, &rows(KILLED_LOAD), true).await;
    eprintln!("LOADED in {:?}", started.elapsed());
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[tokio::test]
async fn a_load_killed_at_any_moment_is_completed_on_the_next_open() {
    let all = rows(KILLED_LOAD);
    let expected = reference("ref3", &all).await;
    let mut flagged = 0;
    // The child's load takes some 250 ms in a debug build.
    for kill_ms in [10, 40, 70, 100, 130, 160, 200, 250, 400] {
        let path = temp_path(&format!("killed-{kill_ms}"));
        open(&path).await.pool().close().await;
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "killed_load_child", "--nocapture", "--test-threads", "1"])
            .env("NAIKKELAS_BULK_CHILD", &path)
            .env("NAIKKELAS_BULK_KILL_MS", kill_ms.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(!status.success(), "the child was to be killed");
        if !meta_keys(&path).is_empty() {
            flagged += 1;
        }
        let s = open(&path).await;
        assert!(meta_keys(&path).is_empty());
        check_integrity(&path);
        import(&s, &all, true).await;
        s.pool().close().await;
        check_integrity(&path);
        assert_eq!(dump(&path), expected, "killed after {kill_ms} ms");
        remove(&path);
    }
    // At least one kill landed inside the mode (the test tests something).
    assert!(flagged > 0);
}
