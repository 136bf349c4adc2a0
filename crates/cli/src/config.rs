//! Configuration: defaults ← TOML file ← environment ← flags.
//! clap reads flags and environment variables; the file fills what neither set.

use crate::cli::{Cli, Command, LogFormat};
use anyhow::Context;
use serde::Deserialize;

pub const DEFAULT_DB: &str = "sqlite://naikkelas.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    db: Option<String>,
    read_db: Option<String>,
    addr: Option<String>,
    metrics_addr: Option<String>,
    secure_cookies: Option<bool>,
    log_format: Option<LogFormat>,
    log_filter: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub db: String,
    pub read_db: Option<String>,
    pub addr: String,
    pub metrics_addr: Option<String>,
    pub secure_cookies: bool,
    pub log_format: LogFormat,
    pub log_filter: String,
}

impl Config {
    pub fn load(cli: &Cli) -> anyhow::Result<Config> {
        let file: FileConfig = match &cli.config {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("invalid config file {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let serve = match &cli.command {
            Command::Serve(s) => Some(s.clone()),
            Command::Demo(d) => Some(d.serve.clone()),
            _ => None,
        };
        Ok(Config {
            db: cli.db.clone().or(file.db).unwrap_or_else(|| DEFAULT_DB.to_string()),
            read_db: cli.read_db.clone().or(file.read_db),
            addr: serve.as_ref().and_then(|s| s.addr.clone()).or(file.addr).unwrap_or_else(|| DEFAULT_ADDR.to_string()),
            metrics_addr: serve.as_ref().and_then(|s| s.metrics_addr.clone()).or(file.metrics_addr),
            secure_cookies: serve.as_ref().is_some_and(|s| s.secure_cookies) || file.secure_cookies.unwrap_or(false),
            log_format: cli.log_format.or(file.log_format).unwrap_or(LogFormat::Text),
            log_filter: std::env::var("RUST_LOG")
                .ok()
                .or(file.log_filter)
                .unwrap_or_else(|| "info,sqlx=warn".to_string()),
        })
    }
}

pub fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log_filter).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cfg.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.compact().init(),
    }
}
