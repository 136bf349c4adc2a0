//! `naikkelas rollups rebuild`: recompute every insight rollup cell from the
//! registry. The cells are kept up to date by every write (and rebuilt at the
//! end of every bulk load), so this is for repair and for measuring.

use crate::config::Config;
use naikkelas_core::Actor;
use std::process::ExitCode;
use std::time::Instant;

pub async fn rebuild(cfg: &Config) -> anyhow::Result<ExitCode> {
    let svc = super::service(cfg).await?;
    let started = Instant::now();
    let cells = svc.rebuild_rollups(&Actor::system()).await.map_err(super::explain)?;
    println!("rollups rebuilt: {cells} cells in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
