//! Persistence behind one [`Store`] trait.
//!
//! The trait speaks the language of the domain (`register_enterprise`,
//! `record_figures`, `list_enterprises`), never of SQL. Each backend crate
//! (`naikkelas-store-sqlite`, `naikkelas-store-postgres`) is the only place
//! that knows its dialect. The application holds an `Arc<dyn Store>` chosen
//! once at start-up from the database URL.
//!
//! The store does not decide who may do what: callers pass an already
//! resolved [`naikkelas_core::Scope`] for reads and an [`AuditContext`] for
//! writes. Authorisation lives in the service layer (`naikkelas-app`).
//! Every write records its audit entry in the same transaction as the change.

pub mod analysis;
pub mod certification;
pub mod error;
pub mod insight;
pub mod linkage;
pub mod programs;
pub mod readiness;
pub mod records;
pub mod reference_data;
pub mod standards_data;
pub mod transfer;
pub mod url;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod conformance_analysis;
#[cfg(feature = "conformance")]
pub mod conformance_certification;
#[cfg(feature = "conformance")]
pub mod conformance_insight;
#[cfg(feature = "conformance")]
pub mod conformance_linkage;
#[cfg(feature = "conformance")]
pub mod conformance_programs;
#[cfg(feature = "conformance")]
pub mod conformance_readiness;

pub use certification::CertificationStore;
pub use error::StoreError;
pub use insight::InsightStore;
pub use linkage::LinkageStore;
pub use programs::ProgramStore;
pub use records::*;

use async_trait::async_trait;
use naikkelas_core::audit::{AuditEntry, AuditRecord};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::permit::Permit;
use naikkelas_core::reference::Reference;
use naikkelas_core::Nib;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and the health page.
    fn backend(&self) -> &'static str;

    // ----- schema -----

    /// Applies pending migrations and loads the shipped reference data
    /// (regions, KBLI). Refuses a schema newer than this binary.
    async fn migrate(&self) -> Result<()>;

    /// The reference catalogue as stored.
    async fn reference(&self) -> Result<Reference>;

    /// Cheap liveness check for `/healthz`.
    async fn ping(&self) -> Result<()>;

    /// Standards catalogue and readiness assessments (`readiness.rs`).
    fn readiness(&self) -> &dyn readiness::ReadinessStore;

    /// Certification bodies, applications, certificates and the signing key.
    fn certification(&self) -> &dyn CertificationStore;

    /// Buyers, sourcing requests, candidates, interests, supplies and the directory (`linkage.rs`).
    fn linkage(&self) -> &dyn LinkageStore;

    /// Naik-kelas transitions, movers and programme-impact cohorts (`analysis.rs`).
    fn analysis(&self) -> &dyn analysis::AnalysisStore;

    /// Rollups of the yearly figures for dashboards (`insight.rs`).
    fn insight(&self) -> &dyn InsightStore;

    /// Facilitation programmes, enrolments and the money ledger (`programs.rs`).
    fn programs(&self) -> &dyn ProgramStore;

    // ----- registry -----

    /// Registers a new enterprise; a duplicate NIB is `StoreError::Conflict`
    /// on field `nib`.
    async fn register_enterprise(&self, p: &EnterpriseProfile, audit: &AuditContext) -> Result<()>;

    /// Replaces the profile of an existing enterprise (the NIB cannot change).
    /// With `expected_version`, a concurrent edit is refused as `StaleVersion`.
    async fn update_profile(
        &self,
        p: &EnterpriseProfile,
        expected_version: Option<i64>,
        audit: &AuditContext,
    ) -> Result<()>;

    /// Deletes an enterprise with its figures and permits.
    async fn delete_enterprise(&self, nib: &Nib, audit: &AuditContext) -> Result<()>;

    /// The full record, or `None`. Scope is checked by the caller.
    async fn enterprise(&self, nib: &Nib) -> Result<Option<EnterpriseRecord>>;

    /// One page of the registry in keyset order (name, then NIB).
    async fn list_enterprises(&self, q: &EnterpriseQuery) -> Result<EnterprisePage>;

    /// Counts per filter value: each facet applies every filter but its own.
    async fn facet_counts(&self, q: &EnterpriseQuery) -> Result<Facets>;

    /// Records or replaces one year's figures. A finalised year is refused
    /// with `StoreError::Finalised`; use [`Store::correct_figures`].
    async fn record_figures(&self, nib: &Nib, f: &YearlyFigures, audit: &AuditContext) -> Result<()>;

    /// Marks a year's figures as final (published statistics).
    async fn finalise_figures(&self, nib: &Nib, year: i32, audit: &AuditContext) -> Result<()>;

    /// Changes a finalised year's figures, keeping the earlier values as a
    /// revision with the reason.
    async fn correct_figures(&self, nib: &Nib, f: &YearlyFigures, reason: &str, audit: &AuditContext) -> Result<()>;

    /// Earlier values of corrected figures, oldest first.
    async fn figure_revisions(&self, nib: &Nib) -> Result<Vec<FigureRevision>>;

    async fn add_permit(&self, nib: &Nib, p: &Permit, audit: &AuditContext) -> Result<i64>;
    async fn remove_permit(&self, nib: &Nib, permit_id: i64, audit: &AuditContext) -> Result<()>;

    /// Bulk upsert by NIB and data year, for imports. One transaction per
    /// call; the outcome of each row in input order. A row that would change
    /// a finalised year is rejected, not applied. Rows with the same NIB and
    /// year in one call: the later is rejected as a duplicate.
    async fn import_batch(&self, rows: &[ImportRow], audit: &AuditContext) -> Result<Vec<RowOutcome>>;

    /// Announces a load of about `expected_rows` rows through
    /// [`Store::import_batch`]; the backend may switch to a bulk-load mode
    /// (deferring index and search maintenance) when that pays. Outcomes and
    /// the data written are the same. Must be followed by
    /// [`Store::end_bulk_load`], also when the load fails. Default: nothing.
    async fn begin_bulk_load(&self, expected_rows: u64) -> Result<()> {
        let _ = expected_rows;
        Ok(())
    }

    /// Ends a bulk load: every index and search entry is complete again.
    /// A load killed before this is completed by the next `migrate`.
    async fn end_bulk_load(&self) -> Result<()> {
        Ok(())
    }

    /// Streams the registry with every year's figures for export, in NIB
    /// order, `limit` enterprises after `after_nib`.
    async fn export_page(
        &self,
        q: &EnterpriseQuery,
        after_nib: Option<&Nib>,
        limit: u32,
    ) -> Result<Vec<EnterpriseRecord>>;

    /// Enterprise and figure counts per province (for `demo` reports and the
    /// SQLite/PostgreSQL parity check).
    async fn counts_by_province(&self) -> Result<Vec<(String, i64)>>;

    // ----- access -----

    async fn create_user(&self, u: &NewUser, audit: &AuditContext) -> Result<i64>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>>;
    async fn list_users(&self) -> Result<Vec<UserRecord>>;
    async fn set_password(&self, user_id: i64, password_hash: &str, audit: &AuditContext) -> Result<()>;

    async fn create_session(&self, s: &SessionRecord) -> Result<()>;
    /// A live (unexpired at `now`) session by the hash of its cookie value.
    async fn session(&self, id_hash: &str, now: time::OffsetDateTime) -> Result<Option<SessionRecord>>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> Result<u64>;

    async fn create_api_token(&self, t: &NewApiToken, audit: &AuditContext) -> Result<i64>;
    /// The user behind an API token, by the token's hash.
    async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>>;

    // ----- audit -----

    /// Appends an entry that is not tied to a store write (logins, exports).
    async fn append_audit(&self, r: AuditRecord) -> Result<AuditEntry>;
    /// Entries with `seq > after_seq`, ascending, at most `limit`.
    async fn audit_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Entries about one entity, newest first.
    async fn audit_for_entity(&self, entity_type: &str, entity_id: &str, limit: u32) -> Result<Vec<AuditEntry>>;
}
