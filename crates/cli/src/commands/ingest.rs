//! import, export, generate, and the demo's data load.

use crate::cli::*;
use crate::config::Config;
use std::process::ExitCode;

pub async fn load_demo_data(_svc: &naikkelas_app::Service, _args: &DemoArgs) -> anyhow::Result<(u64, u64)> {
    anyhow::bail!("the data generator is not wired yet")
}

pub async fn import(_a: ImportArgs, _cfg: &Config) -> anyhow::Result<ExitCode> {
    anyhow::bail!("import is not wired yet")
}

pub async fn export(_a: ExportArgs, _cfg: &Config) -> anyhow::Result<ExitCode> {
    anyhow::bail!("export is not wired yet")
}

pub fn generate(_a: GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("generate is not wired yet")
}
