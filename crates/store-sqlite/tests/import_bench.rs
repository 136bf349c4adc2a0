//! Import throughput at scale: first load, unchanged re-run and update of
//! a synthetic registry (two years per enterprise), built in memory so only
//! the store is measured. Ignored by default; run it in release:
//!
//! ```text
//! NAIKKELAS_BENCH_ROWS=1000000 cargo test --release -p naikkelas-store-sqlite \
//!     --test import_bench -- --ignored --nocapture
//! ```
//!
//! `NAIKKELAS_BENCH_BULK=0` imports without announcing a bulk load (the
//! row-by-row path throughout).

use naikkelas_store::conformance::{ctx, figures, profile};
use naikkelas_store::{ImportRow, RowOutcome, Store};
use naikkelas_store_sqlite::SqliteStore;
use std::time::{Duration, Instant};

const BATCH: usize = 10_000;

fn rows(total: u64) -> Vec<ImportRow> {
    let regencies = ["64.72", "64.71", "33.01", "35.07", "18.01"];
    let kblis = ["10391", "10794", "13134", "31001", "10710"];
    (0..total / 2)
        .flat_map(|i| {
            let p = profile(
                1_000_000 + i,
                &format!("Usaha Mikro {i}"),
                regencies[(i % 5) as usize],
                &[kblis[(i % 5) as usize]],
                &["produk olahan", "kerupuk"],
            );
            [2023, 2024].map(|y| ImportRow {
                row: i * 2 + 2,
                profile: p.clone(),
                figures: figures(y, (i % 40) as i64, 50_000_000),
            })
        })
        .collect()
}

/// CPU time of the process so far (user + system), from `/proc`: on a
/// shared machine it moves less with other load than the wall clock.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Wall-clock and CPU time of importing `rows` in batches, announced as a
/// bulk load (as `naikkelas import` does for a file) unless
/// `NAIKKELAS_BENCH_BULK=0`; the end of the load (index rebuild) included.
async fn load(s: &SqliteStore, rows: &[ImportRow], expect: RowOutcome) -> (Duration, Option<Duration>) {
    let bulk = std::env::var("NAIKKELAS_BENCH_BULK").map_or(true, |v| v != "0");
    let (started, cpu) = (Instant::now(), cpu_time());
    if bulk {
        s.begin_bulk_load(rows.len() as u64).await.unwrap();
    }
    for chunk in rows.chunks(BATCH) {
        let out = s.import_batch(chunk, &ctx("import")).await.unwrap();
        assert!(out.iter().all(|o| *o == expect), "expected {expect:?}");
    }
    if bulk {
        let ending = Instant::now();
        s.end_bulk_load().await.unwrap();
        println!("  (end of the bulk load: {:.2?})", ending.elapsed());
    }
    (started.elapsed(), cpu.zip(cpu_time()).map(|(a, b)| b - a))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark; run with --release --ignored --nocapture"]
async fn import_bench() {
    let total: u64 = std::env::var("NAIKKELAS_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let s = SqliteStore::open_temporary().await.unwrap();
    s.migrate().await.unwrap();
    let mut rows = rows(total);
    let report = |what: &str, (wall, cpu): (Duration, Option<Duration>)| {
        let rate = |d: Duration| total as f64 / d.as_secs_f64();
        let cpu = cpu.map_or(String::new(), |c| format!("; CPU {c:.2?}, {:.0} rows/CPU-s", rate(c)));
        println!("{what:>10}: {total} rows in {wall:.2?} ({:.0} rows/s{cpu})", rate(wall));
    };
    report("inserted", load(&s, &rows, RowOutcome::Inserted).await);
    report("unchanged", load(&s, &rows, RowOutcome::Unchanged).await);
    for r in &mut rows {
        r.figures.workers += 1;
    }
    report("updated", load(&s, &rows, RowOutcome::Updated).await);
}
