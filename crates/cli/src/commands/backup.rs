//! `naikkelas backup OUT` and `naikkelas restore IN [--force]`.
//!
//! SQLite: the backup is `VACUUM INTO`, a transaction-consistent copy taken
//! while the server keeps running; the restore checks the file, brings it to
//! the current schema on a scratch copy next to the target, and only then
//! moves it into place, so a failed restore leaves the target as it was.
//! PostgreSQL: `pg_dump --format=custom` and `pg_restore` in one
//! transaction. Both refuse to replace an installation that holds data
//! unless `--force` is given (docs/OPERATIONS.md).

use crate::cli::{BackupArgs, RestoreArgs};
use crate::config::Config;
use anyhow::{anyhow, bail, Context};
use naikkelas_store::transfer::{Transfer, TABLES};
use naikkelas_store::url::{mask_password, DbUrl};
use naikkelas_store::Store;
use naikkelas_store_postgres::PgStore;
use naikkelas_store_sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

pub async fn backup(a: BackupArgs, cfg: &Config) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if a.output.exists() {
        bail!("{} already exists; a backup never overwrites a file", a.output.display());
    }
    match DbUrl::parse(&cfg.db).map_err(|e| anyhow!(e))? {
        DbUrl::Sqlite(path) => {
            if !Path::new(&path).is_file() {
                bail!("sqlite://{path}: no such SQLite file");
            }
            let store = SqliteStore::open(&path).await?;
            let out = a.output.to_string_lossy().into_owned();
            let done = sqlx::query("VACUUM INTO ?").bind(&out).execute(store.pool()).await;
            store.pool().close().await;
            done.with_context(|| format!("backup of sqlite://{path} into {out} failed"))?;
        }
        DbUrl::Postgres(url) => {
            let out = a.output.to_string_lossy().into_owned();
            run_pg_tool("pg_dump", &["--format=custom", "--no-owner", "--file", &out, "--dbname", &url], &url)?;
        }
    }
    let size = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup of {} written to {} ({:.1} MB in {:.1} s)",
        crate::commands::mask(&cfg.db),
        a.output.display(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(a: RestoreArgs, cfg: &Config) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if !a.input.is_file() {
        bail!("{}: no such backup file", a.input.display());
    }
    let url = DbUrl::parse(&cfg.db).map_err(|e| anyhow!(e))?;
    let rows = match &url {
        DbUrl::Sqlite(path) => restore_sqlite(&a.input, path, a.force).await?,
        DbUrl::Postgres(u) => restore_postgres(&a.input, u, a.force).await?,
    };
    println!(
        "restored {} into {url}: {rows} rows in {} tables, schema up to date ({:.1} s)",
        a.input.display(),
        TABLES.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// The first table of the installation (not the shipped reference data)
/// that holds a row, if any. Read as `migrate-data` reads it, so what
/// `migrate` itself writes (schema stamps in `meta`) does not count.
async fn table_with_data(t: &dyn Transfer) -> anyhow::Result<Option<String>> {
    let present = t.table_names().await?;
    for table in TABLES.iter().filter(|t| !t.is_reference()) {
        if present.iter().any(|p| p == table.name) && !t.dump_table(table.name, None, 1).await?.is_empty() {
            return Ok(Some(table.name.to_string()));
        }
    }
    Ok(None)
}

fn refuse(target: &str, table: &str) -> anyhow::Error {
    anyhow!("{target} is not empty (table {table} holds rows); restore replaces everything in it only with --force")
}

async fn restore_sqlite(input: &Path, target: &str, force: bool) -> anyhow::Result<u64> {
    let target_path = PathBuf::from(target);
    if target_path.is_file() && !force {
        let store = SqliteStore::open(target).await?;
        let busy = table_with_data(&store).await;
        store.pool().close().await;
        if let Some(table) = busy? {
            return Err(refuse(&format!("sqlite://{target}"), &table));
        }
    }
    // The scratch copy sits beside the target so the final rename stays on
    // one file system and is atomic.
    let scratch = sibling(&target_path, "restoring");
    remove_with_journal(&scratch)?;
    std::fs::copy(input, &scratch).with_context(|| format!("cannot copy {} next to {target}", input.display()))?;
    let checked = check_and_migrate(&scratch).await;
    let rows = match checked {
        Ok(rows) => rows,
        Err(e) => {
            remove_with_journal(&scratch)?;
            return Err(e.context(format!("{} is not a usable naikkelas SQLite backup", input.display())));
        }
    };
    // A journal of the old database must not be replayed into the new one.
    remove_with_journal(&target_path)?;
    std::fs::rename(&scratch, &target_path)
        .with_context(|| format!("cannot move the restored database to {target}"))?;
    Ok(rows)
}

/// Runs SQLite's integrity check on the copy, migrates it, and leaves it
/// checkpointed (no WAL beside it). Returns the rows of the copied tables.
async fn check_and_migrate(path: &Path) -> anyhow::Result<u64> {
    let p = path.to_string_lossy().into_owned();
    let store = SqliteStore::open(&p).await?;
    let result = async {
        let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(store.pool()).await?;
        if verdict != "ok" {
            bail!("integrity check: {verdict}");
        }
        store.migrate().await?;
        let rows = store.table_checksums().await?.iter().map(|c| c.rows).sum();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await?;
        Ok(rows)
    }
    .await;
    store.pool().close().await;
    result
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{tag}"));
    path.with_file_name(name)
}

fn remove_with_journal(path: &Path) -> anyhow::Result<()> {
    for p in [path.to_path_buf(), journal(path, "-wal"), journal(path, "-shm")] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow!("cannot remove {}: {e}", p.display())),
        }
    }
    Ok(())
}

fn journal(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

async fn restore_postgres(input: &Path, url: &str, force: bool) -> anyhow::Result<u64> {
    let store = PgStore::connect(url).await?;
    let busy = table_with_data(&store).await;
    store.close().await;
    if let (Some(table), false) = (busy?, force) {
        return Err(refuse(&mask_password(url), &table));
    }
    let input = input.to_string_lossy().into_owned();
    // --clean drops what the dump recreates (a migrated target has the same
    // tables); one transaction, so a failure leaves the target unchanged.
    run_pg_tool(
        "pg_restore",
        &[
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url,
            &input,
        ],
        url,
    )?;
    let store = PgStore::connect(url).await?;
    let result = async {
        store.migrate().await?;
        Ok::<u64, anyhow::Error>(store.table_checksums().await?.iter().map(|c| c.rows).sum())
    }
    .await;
    store.close().await;
    result
}

/// Runs a PostgreSQL client tool; its error output is shown with any
/// password from the URL masked.
fn run_pg_tool(tool: &str, args: &[&str], url: &str) -> anyhow::Result<()> {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{tool} not found on PATH: PostgreSQL backups need the PostgreSQL client tools \
             (Debian: apt-get install postgresql-client, of the server's major version or newer)"
        ),
        Err(e) => bail!("cannot run {tool}: {e}"),
    };
    if !out.status.success() {
        let masked = mask_password(url);
        let stderr = String::from_utf8_lossy(&out.stderr).replace(url, &masked);
        bail!("{tool} failed ({}): {}", out.status, stderr.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    Ok(())
}
