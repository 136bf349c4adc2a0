//! `naikkelas migrate-data --from URL --to URL`: copies a whole installation
//! (reference data, registry, figures and their revisions, permits, users,
//! sessions, API tokens, readiness assessments, certification bodies and
//! certificates with their history, the certificate signing keys, and the
//! audit log with its hash chain) from one
//! database to another, in any direction between SQLite and PostgreSQL.
//!
//! Both databases are brought to the current schema first; the target must
//! hold nothing but the reference data that `migrate` loads. Tables are
//! copied in pages in the backend-neutral format of
//! [`naikkelas_store::transfer`], and the command succeeds only when the row
//! count and SHA-256 of every table agree on both sides.

use crate::cli::MigrateDataArgs;
use crate::config::Config;
use anyhow::anyhow;
use naikkelas_store::transfer::{copy_installation, Transfer, COPY_PAGE};
use naikkelas_store::url::DbUrl;
use naikkelas_store::Store;
use naikkelas_store_postgres::PgStore;
use naikkelas_store_sqlite::SqliteStore;
use std::process::ExitCode;
use std::time::Instant;

/// One side of the copy.
enum Side {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Side {
    fn transfer(&self) -> &dyn Transfer {
        match self {
            Side::Sqlite(s) => s,
            Side::Postgres(s) => s,
        }
    }

    fn store(&self) -> &dyn Store {
        match self {
            Side::Sqlite(s) => s,
            Side::Postgres(s) => s,
        }
    }

    async fn close(self) {
        match self {
            Side::Sqlite(s) => s.pool().close().await,
            Side::Postgres(s) => s.close().await,
        }
    }
}

/// Opens and migrates one side. A SQLite source must exist: opening a
/// missing file would create an empty database and copy nothing.
async fn open(role: &str, url: &DbUrl, must_exist: bool) -> anyhow::Result<Side> {
    let side = match url {
        DbUrl::Sqlite(path) => {
            if must_exist && !std::path::Path::new(path).is_file() {
                return Err(anyhow!("{role} {url}: no such SQLite file"));
            }
            Side::Sqlite(SqliteStore::open(path).await.map_err(|e| anyhow!("{role}: {e}"))?)
        }
        DbUrl::Postgres(u) => Side::Postgres(PgStore::connect(u).await.map_err(|e| anyhow!("{role}: {e}"))?),
    };
    side.store().migrate().await.map_err(|e| anyhow!("{role} {url}: {e}"))?;
    Ok(side)
}

pub async fn migrate_data(a: MigrateDataArgs, _cfg: &Config) -> anyhow::Result<ExitCode> {
    let secrets = [password_of(&a.from), password_of(&a.to)];
    run(&a).await.map_err(|e| anyhow!(one_line(&format!("{e:#}"), &secrets)))
}

async fn run(a: &MigrateDataArgs) -> anyhow::Result<ExitCode> {
    let from_url = DbUrl::parse(&a.from).map_err(|e| anyhow!("--from {e}"))?;
    let to_url = DbUrl::parse(&a.to).map_err(|e| anyhow!("--to {e}"))?;
    if from_url == to_url {
        return Err(anyhow!("--from and --to name the same database ({from_url})"));
    }
    let started = Instant::now();
    let from = open("source", &from_url, true).await?;
    let to = open("target", &to_url, false).await?;
    eprintln!("copying {from_url} → {to_url} …");
    let progress = |table: &str, rows: u64| {
        // Tables longer than a page report each page; short ones only their total below.
        if rows >= u64::from(COPY_PAGE) {
            eprintln!("  {table}: {rows} rows …");
        }
    };
    let result = copy_installation(from.transfer(), to.transfer(), &progress).await;
    // Rollups are derived (transfer NOT_COPIED): recomputed on the target.
    let rollups = match &result {
        Ok(_) => Some(to.store().insight().rebuild_rollups().await),
        Err(_) => None,
    };
    from.close().await;
    to.close().await;
    let sums = result?;
    if let Some(cells) = rollups.transpose()? {
        println!("rollups rebuilt on the target: {cells} cells");
    }
    let total: u64 = sums.iter().map(|c| c.rows).sum();
    for c in &sums {
        println!("{:<24} {:>10} rows  sha256 {}", c.table, c.rows, c.sha256);
    }
    println!(
        "copied {total} rows in {} tables from {from_url} to {to_url} in {:.1} s; every table's count and checksum match",
        sums.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The password in a `scheme://user:password@host…` URL, if any.
fn password_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.find('@')?];
    let password = &userinfo[userinfo.find(':')? + 1..];
    (!password.is_empty()).then(|| password.to_string())
}

/// The message on one line, with any password that slipped into it (a
/// driver quoting its connection string) replaced by `***`.
fn one_line(message: &str, secrets: &[Option<String>]) -> String {
    let mut out = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for s in secrets.iter().flatten() {
        out = out.replace(&format!(":{s}@"), ":***@");
        // A short password would match ordinary words; only longer ones are
        // looked for on their own.
        if s.len() >= 6 {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_without_passwords() {
        let secrets = [password_of("postgres://nk:s3cret@db/x"), password_of("sqlite://a.db")];
        assert_eq!(secrets[1], None);
        assert_eq!(
            one_line("cannot connect to postgres://nk:s3cret@db/x:\n  refused", &secrets),
            "cannot connect to postgres://nk:***@db/x: refused"
        );
    }
}
