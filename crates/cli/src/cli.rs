//! Command-line surface (DESIGN.md §5). Names and flags here are a contract
//! relied on by scripts: extend, never rename.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "naikkelas",
    version,
    about = "Information system for moving Indonesia's small and medium industries up a class"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH or postgres://… [default: sqlite://naikkelas.db]
    #[arg(long, global = true, env = "NAIKKELAS_DB")]
    pub db: Option<String>,

    /// Read-only replica for lists and dashboards (PostgreSQL); defaults to --db.
    #[arg(long, global = true, env = "NAIKKELAS_READ_DB")]
    pub read_db: Option<String>,

    /// Configuration file (TOML). Flags and environment variables override it.
    #[arg(long, global = true, env = "NAIKKELAS_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log format: text or json.
    #[arg(long, global = true, env = "NAIKKELAS_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema and load reference data.
    Migrate,
    /// Serve the web UI and the API.
    Serve(ServeArgs),
    /// Create a demo installation with synthetic data and demo accounts, then serve it.
    Demo(DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import data from CSV or XLSX.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data to CSV or XLSX.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write realistic synthetic data in the import format.
    Generate(GenerateArgs),
    /// Copy a whole installation from one database to another.
    MigrateData(MigrateDataArgs),
    /// Write a consistent backup of the database (SQLite file or pg_dump archive) while it runs.
    Backup(BackupArgs),
    /// Replace the database with a backup (refuses one that holds data unless --force).
    Restore(RestoreArgs),
    /// Check a signed certificate QR payload offline (exit 0 when genuine).
    VerifyQr {
        payload: String,
        /// Public key (base64url) to check against; default: the keys stored in the database.
        #[arg(long)]
        key: Option<String>,
    },
    /// The installation's certificate signing key (see docs/CERTIFICATES.md).
    #[command(subcommand)]
    CertKey(CertKeyCommand),
    /// Dashboard rollups (kept up to date by every write).
    #[command(subcommand)]
    Rollups(RollupsCommand),
}

#[derive(Debug, Subcommand)]
pub enum RollupsCommand {
    /// Recompute every rollup cell from the registry.
    Rebuild,
}

#[derive(Debug, Subcommand)]
pub enum CertKeyCommand {
    /// Print the public keys (creates the key pair on first use).
    Show,
    /// Replace the key pair; payloads signed with the old key still verify.
    Rotate,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "NAIKKELAS_ADDR")]
    pub addr: Option<String>,
    /// Serve /metrics on this separate address as well (e.g. 127.0.0.1:9100).
    #[arg(long, env = "NAIKKELAS_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long, env = "NAIKKELAS_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Seed of the synthetic data; the same seed gives the same registry.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Number of enterprises to generate.
    #[arg(long, default_value_t = 20_000)]
    pub enterprises: u64,
    /// Years of figures per enterprise.
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    /// Load the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password comes from NAIKKELAS_PASSWORD or standard input.
    Add {
        username: String,
        #[arg(long)]
        role: String,
        /// Officers: province or regency code (e.g. 64.72).
        #[arg(long)]
        region: Option<String>,
        /// Owners: the NIB of their enterprise.
        #[arg(long)]
        enterprise: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Certifiers: the code of their certification body (e.g. LSPRO-SMD).
        #[arg(long)]
        body: Option<String>,
    },
    /// List users.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new API token for USERNAME (shown once).
    Create {
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exits non-zero at the first broken link.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import enterprises with yearly figures.
    Enterprises(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Validate and report without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write rejected rows (original values plus a reason) to this file.
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// XLSX sheet name (default: the first sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Language of reasons: id or en.
    #[arg(long, default_value = "id")]
    pub lang: String,
    /// Act as this user (scope applies); default: the local administrator.
    #[arg(long)]
    pub as_user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export enterprises with yearly figures in the import format.
    Enterprises(ExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
    pub format: FileFormat,
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    #[arg(long)]
    pub province: Option<String>,
    #[arg(long)]
    pub regency: Option<String>,
    #[arg(long)]
    pub kbli: Option<String>,
    #[arg(long)]
    pub division: Option<String>,
    #[arg(long)]
    pub size_class: Option<String>,
    #[arg(long)]
    pub year: Option<String>,
    #[arg(long)]
    pub q: Option<String>,
    /// Act as this user (scope applies); default: the local administrator.
    #[arg(long)]
    pub as_user: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long)]
    pub enterprises: u64,
    #[arg(long, default_value_t = 5)]
    pub years: u32,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Output file; .csv or .xlsx.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct MigrateDataArgs {
    /// Source database URL.
    #[arg(long)]
    pub from: String,
    /// Target database URL (must be empty or freshly migrated).
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Backup file to write (must not exist): a SQLite database, or a pg_dump custom-format archive.
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Backup file written by `naikkelas backup`.
    pub input: PathBuf,
    /// Replace a database that already holds data.
    #[arg(long)]
    pub force: bool,
}
