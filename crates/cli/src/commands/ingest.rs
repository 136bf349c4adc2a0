//! import, export, generate, and the demo's data load.

use crate::cli::*;
use crate::commands::{acting, explain, service};
use crate::config::Config;
use anyhow::Context;
use naikkelas_app::export::ExportFormat;
use naikkelas_app::i18n::Lang;
use naikkelas_app::import::{ImportOptions, Progress};
use naikkelas_app::registry::ListFilters;
use naikkelas_core::Actor;
use naikkelas_ingest::generator::GeneratorConfig;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

/// A one-line progress display on a terminal (rows, rows/s, ETA when the
/// total is known); silent when standard error is not a terminal.
struct ProgressLine {
    started: Instant,
    last: Mutex<Instant>,
    enabled: bool,
}

impl ProgressLine {
    fn new() -> Self {
        Self { started: Instant::now(), last: Mutex::new(Instant::now()), enabled: std::io::stderr().is_terminal() }
    }

    fn report(&self, p: Progress) {
        if !self.enabled {
            return;
        }
        let mut last = self.last.lock().expect("progress lock");
        if !p.done && last.elapsed().as_millis() < 200 {
            return;
        }
        *last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = p.rows_read as f64 / secs;
        let fraction = match (p.bytes_read, p.bytes_total, p.rows_total) {
            (Some(r), Some(t), _) if t > 0 => Some(r as f64 / t as f64),
            (_, _, Some(t)) if t > 0 => Some(p.rows_read as f64 / t as f64),
            _ => None,
        };
        let eta = fraction
            .filter(|f| *f > 0.0 && *f < 1.0)
            .map(|f| format!(" · ETA {:.0} s", secs / f - secs))
            .unwrap_or_default();
        let pct = fraction.map(|f| format!("{:>3.0}% · ", (f * 100.0).min(100.0))).unwrap_or_default();
        eprint!(
            "\r{pct}{} rows · {:.0} rows/s · +{} ~{} ={} ✗{}{eta}   ",
            p.rows_read, rate, p.inserted, p.updated, p.unchanged, p.rejected
        );
        if p.done {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

pub async fn load_demo_data(svc: &naikkelas_app::Service, args: &DemoArgs) -> anyhow::Result<(u64, u64)> {
    let cfg = GeneratorConfig::new(args.enterprises, args.years, args.seed);
    let line = ProgressLine::new();
    let s = svc.import_generated(&Actor::system(), cfg, &|p| line.report(p)).await.map_err(explain)?;
    Ok((s.inserted + s.updated + s.unchanged, s.rejected_rows))
}

pub async fn import(a: ImportArgs, cfg: &Config) -> anyhow::Result<ExitCode> {
    let svc = service(cfg).await?;
    let actor = acting(&svc, &a.as_user).await?;
    let lang = Lang::parse(&a.lang).unwrap_or_default();
    let opts = ImportOptions {
        dry_run: a.dry_run,
        errors_out: a.errors.clone(),
        sheet: a.sheet.clone(),
        lang,
        ..Default::default()
    };
    let line = ProgressLine::new();
    let started = Instant::now();
    let summary = match svc.import_file(&actor, &a.file, &opts, &|p| line.report(p)).await {
        Ok(s) => s,
        // The file itself could not be read: non-zero exit, one clear message.
        Err(e) => return Err(explain(e).context(format!("cannot import {}", a.file.display()))),
    };
    if a.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        for w in summary.warnings(lang) {
            eprintln!("warning: {w}");
        }
        for r in &summary.rejected {
            let col = r.column.as_deref().unwrap_or("-");
            println!("row {} [{col}]: {}", r.row, r.reason);
        }
        if summary.rejected_truncated {
            println!("… {} rejected rows in all (the errors file lists every one)", summary.rejected_rows);
        }
        let verb = if summary.dry_run { "checked (dry run, nothing written)" } else { "imported" };
        println!(
            "{} {verb} in {:.1} s: {} inserted, {} updated, {} unchanged, {} rejected",
            a.file.display(),
            started.elapsed().as_secs_f64(),
            summary.inserted,
            summary.updated,
            summary.unchanged,
            summary.rejected_rows
        );
        if let Some(out) = &a.errors {
            if summary.rejected_rows > 0 {
                println!("rejected rows with reasons: {}", out.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn export(a: ExportArgs, cfg: &Config) -> anyhow::Result<ExitCode> {
    let svc = service(cfg).await?;
    let actor = acting(&svc, &a.as_user).await?;
    let filters = ListFilters {
        province: a.province,
        regency: a.regency,
        division: a.division,
        kbli: a.kbli,
        size_class: a.size_class,
        year: a.year,
        q: a.q,
        ..Default::default()
    };
    let format = match a.format {
        FileFormat::Csv => ExportFormat::Csv,
        FileFormat::Xlsx => ExportFormat::Xlsx,
    };
    let rows = svc.export_enterprises(&actor, &filters, format, &a.output).await.map_err(explain)?;
    eprintln!("{rows} rows written to {}", a.output.display());
    Ok(ExitCode::SUCCESS)
}

pub fn generate(a: GenerateArgs) -> anyhow::Result<ExitCode> {
    let cfg = GeneratorConfig::new(a.enterprises, a.years, a.seed);
    let started = Instant::now();
    let rows = naikkelas_ingest::generator::generate_to_file(&cfg, &a.output)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    eprintln!("{rows} rows written to {} in {:.1} s", a.output.display(), started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
