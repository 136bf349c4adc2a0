//! `naikkelas`: one binary for the whole system.

mod cli;
mod commands;
mod config;
mod db;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let cfg = match config::Config::load(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("naikkelas: {e:#}");
            return ExitCode::from(2);
        }
    };
    config::init_logging(&cfg);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(commands::run(args, cfg)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("naikkelas: {e:#}");
            ExitCode::FAILURE
        }
    }
}
