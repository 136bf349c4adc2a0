//! `naikkelas migrate-data --from URL --to URL`: copies a whole installation
//! between databases (any direction between SQLite and PostgreSQL).

use crate::cli::MigrateDataArgs;
use crate::config::Config;
use std::process::ExitCode;

pub async fn migrate_data(_a: MigrateDataArgs, _cfg: &Config) -> anyhow::Result<ExitCode> {
    anyhow::bail!("migrate-data is not wired yet")
}
