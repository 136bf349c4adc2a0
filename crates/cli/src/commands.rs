//! What each command does. Every command acts through the service layer
//! as an actor: the local operator is `Actor::system()` unless `--as-user`
//! names an account, in which case that account's scope applies.

use crate::cli::*;
use crate::config::Config;
use crate::db;
use anyhow::{anyhow, bail, Context};
use naikkelas_app::auth::{actor_of, UserDraft};
use naikkelas_app::{AppError, Service};
use naikkelas_core::audit::{verify_page, GENESIS};
use naikkelas_core::Actor;
use naikkelas_web::{AppState, WebConfig};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

pub async fn run(cli: Cli, cfg: Config) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Migrate => {
            let store = db::open_migrated(&cfg.db, None).await?;
            println!("database {} is up to date ({})", mask(&cfg.db), store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(_) => {
            let svc = service(&cfg).await?;
            serve(svc, &cfg, false).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => demo(args, &cfg).await,
        Command::User(UserCommand::Add { username, role, region, enterprise, name, body }) => {
            let svc = service(&cfg).await?;
            let password = read_password()?;
            let draft = UserDraft {
                username,
                display_name: name.unwrap_or_default(),
                password,
                role,
                region: region.unwrap_or_default(),
                enterprise: enterprise.unwrap_or_default(),
            };
            if let Some(code) = &body {
                let known = svc.certification_bodies().await.map_err(explain)?;
                if !known.iter().any(|b| b.code.eq_ignore_ascii_case(code.trim())) {
                    bail!("unknown certification body {code}; no user was created");
                }
            }
            let id = svc.add_user(&Actor::system(), &draft).await.map_err(explain)?;
            if let Some(body) = body {
                svc.assign_certifier(&Actor::system(), &draft.username, &body).await.map_err(explain)?;
            }
            println!("user {} created (id {id})", draft.username.trim().to_ascii_lowercase());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::List) => {
            let svc = service(&cfg).await?;
            for u in svc.store().list_users().await? {
                let scope = u.region.map(|r| r.to_string()).or(u.enterprise.map(|n| n.to_string())).unwrap_or_default();
                println!("{:<24} {:<10} {}", u.username, u.role.as_str(), scope);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create { username, name }) => {
            let svc = service(&cfg).await?;
            let token = svc.create_token(&Actor::system(), &username, &name).await.map_err(explain)?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify) => audit_verify(&cfg).await,
        Command::Import(ImportCommand::Enterprises(a)) => crate::commands::ingest::import(a, &cfg).await,
        Command::Export(ExportCommand::Enterprises(a)) => crate::commands::ingest::export(a, &cfg).await,
        Command::Generate(a) => crate::commands::ingest::generate(a),
        Command::MigrateData(a) => crate::commands::migrate_data::migrate_data(a, &cfg).await,
        Command::Rollups(RollupsCommand::Rebuild) => crate::commands::rollups::rebuild(&cfg).await,
        Command::Backup(a) => crate::commands::backup::backup(a, &cfg).await,
        Command::Restore(a) => crate::commands::backup::restore(a, &cfg).await,
        Command::VerifyQr { payload, key } => verify_qr(&payload, key.as_deref(), &cfg).await,
        Command::CertKey(c) => {
            let svc = service(&cfg).await?;
            let keys = match c {
                CertKeyCommand::Show => svc.public_keys().await,
                CertKeyCommand::Rotate => svc.rotate_signing_key(&Actor::system()).await,
            };
            println!("{}", serde_json::to_string_pretty(&keys.map_err(explain)?)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks a QR payload against a given public key (no database needed) or
/// against the installation's current and retired keys.
async fn verify_qr(payload: &str, key: Option<&str>, cfg: &Config) -> anyhow::Result<ExitCode> {
    use naikkelas_app::certification::{parse_public_key, verify_payload};
    let keys = match key {
        Some(k) => vec![parse_public_key(k).map_err(|e| anyhow!("--key: {}", e.code))?],
        None => {
            let pk = service(cfg).await?.public_keys().await.map_err(explain)?;
            std::iter::once(pk.current).chain(pk.retired).filter_map(|k| parse_public_key(&k).ok()).collect()
        }
    };
    match verify_payload(payload, &keys) {
        Ok(c) => {
            println!(
                "genuine: {} NIB {} {} valid {} to {} (key {})",
                c.number, c.nib, c.standard, c.issued_on, c.expires_on, c.key_id
            );
            println!("live status: /v/{}", c.number);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("NOT genuine: {}", naikkelas_app::i18n::reason(naikkelas_app::i18n::Lang::En, &e));
            Ok(ExitCode::from(1))
        }
    }
}

mod backup;
mod ingest;
mod migrate_data;
mod rollups;

pub fn mask(url: &str) -> String {
    naikkelas_store::url::mask_password(url)
}

/// Turns a use-case error into a message with the offending fields.
pub fn explain(e: AppError) -> anyhow::Error {
    use naikkelas_app::i18n::{self, Lang};
    match e {
        AppError::Invalid(v) => {
            let lines: Vec<String> =
                v.0.iter().map(|f| format!("{}: {}", f.field, i18n::reason(Lang::En, f))).collect();
            anyhow!("invalid input:\n  {}", lines.join("\n  "))
        }
        other => anyhow!(other.to_string()),
    }
}

pub async fn service(cfg: &Config) -> anyhow::Result<Service> {
    let store = db::open_migrated(&cfg.db, cfg.read_db.as_deref()).await?;
    Ok(Service::new(store).await?)
}

/// The actor for `--as-user`, or the local administrator.
pub async fn acting(svc: &Service, as_user: &Option<String>) -> anyhow::Result<Actor> {
    match as_user {
        None => Ok(Actor::system()),
        Some(u) => {
            let rec = svc.store().user_by_username(u).await?.ok_or_else(|| anyhow!("no user named {u}"))?;
            Ok(actor_of(&rec))
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("NAIKKELAS_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        bail!("no password given (set NAIKKELAS_PASSWORD or pipe it on standard input)");
    }
    Ok(p)
}

async fn audit_verify(cfg: &Config) -> anyhow::Result<ExitCode> {
    let store = db::open_migrated(&cfg.db, None).await?;
    let mut prev = GENESIS.to_string();
    let mut next_seq = 1;
    let mut checked = 0u64;
    loop {
        let page = store.audit_page(next_seq - 1, 5_000).await?;
        if page.is_empty() {
            break;
        }
        match verify_page(&prev, next_seq, &page) {
            Ok((h, s)) => {
                checked += page.len() as u64;
                prev = h;
                next_seq = s;
            }
            Err(broken) => {
                eprintln!("audit chain BROKEN at entry {}: {}", broken.seq, broken.reason);
                eprintln!("{checked} entries before it verified");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    println!("audit chain intact: {checked} entries verified");
    Ok(ExitCode::SUCCESS)
}

async fn demo(args: DemoArgs, cfg: &Config) -> anyhow::Result<ExitCode> {
    let svc = service(cfg).await?;
    let existing = svc.store().counts_by_province().await?.iter().map(|(_, n)| n).sum::<i64>();
    if existing == 0 {
        eprintln!(
            "generating {} enterprises × {} years (seed {}) into {} …",
            args.enterprises,
            args.years,
            args.seed,
            mask(&cfg.db)
        );
        let started = std::time::Instant::now();
        let summary = ingest::load_demo_data(&svc, &args).await?;
        eprintln!("loaded {} rows in {:.1} s ({} rejected)", summary.0, started.elapsed().as_secs_f64(), summary.1);
        let permits = naikkelas_app::demo::add_demo_permits(&svc).await.map_err(explain)?;
        eprintln!("added {permits} product permits (P-IRT, halal, BPOM MD)");
    } else {
        eprintln!("reusing {} with {existing} enterprises", mask(&cfg.db));
    }
    naikkelas_app::demo::ensure_accounts(&svc).await.map_err(explain)?;
    let enrolled = naikkelas_app::demo::add_demo_programs(&svc).await.map_err(explain)?;
    if enrolled > 0 {
        eprintln!("set up three facilitation programmes for 2025 with {enrolled} enrolments");
    }
    let certified = naikkelas_app::demo::add_demo_linkage(&svc).await.map_err(explain)?;
    if certified > 0 {
        eprintln!("issued {certified} demo certificates and posted two sourcing requests of the demo buyer");
    }
    let url = format!("http://{}", cfg.addr);
    println!();
    println!("naikkelas demo — {}", mask(&cfg.db));
    println!("  address: {url}");
    println!("  accounts (username / password):");
    for a in &naikkelas_app::demo::DEMO_ACCOUNTS {
        println!("    {:<10} {:<20} / {}", a.role, a.username, a.password);
    }
    println!();
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    serve(svc, cfg, true).await?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(svc: Service, cfg: &Config, demo: bool) -> anyhow::Result<()> {
    // Login attempts per client per minute; raised only by benchmarks (bench/load.sh).
    let login_attempts_per_minute = std::env::var("NAIKKELAS_LOGIN_PER_MINUTE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(WebConfig::default().login_attempts_per_minute);
    let web = WebConfig { secure_cookies: cfg.secure_cookies, demo, login_attempts_per_minute };
    let state = AppState::new(svc.clone(), web);
    // Expiry and missed surveillance are recorded without anyone pressing a button.
    naikkelas_app::certification::spawn_sweep(svc.clone(), std::time::Duration::from_secs(3600));
    if let Some(addr) = &cfg.metrics_addr {
        let handle = state.metrics.clone();
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!(%addr, "metrics listener");
        tokio::spawn(async move {
            let app = axum::Router::new().route(
                "/metrics",
                axum::routing::get(move || {
                    let h = handle.clone();
                    async move { h.map(|h| h.render()).unwrap_or_default() }
                }),
            );
            let _ = axum::serve(listener, app).await;
        });
    }
    // Expired sessions are removed hourly rather than on every request.
    let cleaner = svc.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = cleaner.store().delete_expired_sessions(cleaner.now()).await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
        }
    });
    let app = naikkelas_web::router(state);
    let listener =
        tokio::net::TcpListener::bind(&cfg.addr).await.with_context(|| format!("cannot listen on {}", cfg.addr))?;
    tracing::info!(addr = %cfg.addr, backend = svc.store().backend(), "serving naikkelas");
    eprintln!("serving on http://{} — Ctrl+C to stop", cfg.addr);
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
