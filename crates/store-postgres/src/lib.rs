//! The PostgreSQL backend of the naikkelas [`Store`].
//!
//! Production scale: a primary pool for writes and read-your-own-writes, an
//! optional read pool (a replica) for lists, facets and exports that may be
//! a moment stale, trigram-indexed search, and imports that merge whole
//! batches with set-based statements instead of per-row round trips.
//!
//! Behaviour mirrors the SQLite backend; the shared conformance stories in
//! `naikkelas_store::conformance` are the judge. Queries are runtime-checked
//! (`query`, `QueryBuilder`), so building needs no database.

mod access;
mod analysis;
mod audit;
mod bulk;
mod certification;
mod connect;
mod figures;
mod import;
mod insight;
mod linkage;
mod list;
mod migrate;
mod programs;
mod readiness;
mod registry;
pub mod testing;
pub mod transfer;

pub use connect::PgOptions;

use async_trait::async_trait;
use naikkelas_core::audit::{AuditEntry, AuditRecord};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::permit::Permit;
use naikkelas_core::reference::Reference;
use naikkelas_core::Nib;
use naikkelas_store::{
    AuditContext, EnterprisePage, EnterpriseQuery, EnterpriseRecord, Facets, FigureRevision, ImportRow, NewApiToken,
    NewUser, Result, RowOutcome, SessionRecord, Store, StoreError, UserRecord,
};
use sqlx::PgPool;

/// A PostgreSQL store: `primary` takes every write and the reads that must
/// see them; `read` (the primary itself unless a replica was given) serves
/// the reads that tolerate replication lag.
#[derive(Clone)]
pub struct PgStore {
    primary: PgPool,
    read: PgPool,
    replica: bool,
    /// The import's bulk-load state (shared by clones, like the pools).
    bulk: std::sync::Arc<std::sync::Mutex<bulk::Mode>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("primary_size", &self.primary.size()).field("replica", &self.replica).finish()
    }
}

/// Driver errors become `Backend`; nothing above the store sees sqlx.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

/// Stored values that no longer parse mean the database was edited by hand.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("stored {what} does not parse: {e}"))
}

pub(crate) fn is_unique_violation(e: &sqlx::Error, constraint: &str) -> bool {
    e.as_database_error().is_some_and(|d| d.code().as_deref() == Some("23505") && d.constraint() == Some(constraint))
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        // A bulk load killed before its end: finish it before any migration
        // can trip over a missing index.
        if bulk::pending(&self.primary).await? {
            bulk::finish(&self.primary).await?;
        }
        migrate::migrate(&self.primary).await?;
        insight::rebuild_if_stale(&self.primary).await?;
        readiness::load_catalogue(&self.primary).await
    }

    fn readiness(&self) -> &dyn naikkelas_store::readiness::ReadinessStore {
        self
    }

    fn insight(&self) -> &dyn naikkelas_store::InsightStore {
        self
    }

    async fn reference(&self) -> Result<Reference> {
        migrate::reference(&self.primary).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.primary).await.map_err(db)?;
        Ok(())
    }

    fn analysis(&self) -> &dyn naikkelas_store::analysis::AnalysisStore {
        self
    }

    fn certification(&self) -> &dyn naikkelas_store::CertificationStore {
        self
    }

    fn programs(&self) -> &dyn naikkelas_store::ProgramStore {
        self
    }

    fn linkage(&self) -> &dyn naikkelas_store::LinkageStore {
        self
    }

    async fn register_enterprise(&self, p: &EnterpriseProfile, audit: &AuditContext) -> Result<()> {
        registry::register(&self.primary, p, audit).await
    }

    async fn update_profile(
        &self,
        p: &EnterpriseProfile,
        expected_version: Option<i64>,
        audit: &AuditContext,
    ) -> Result<()> {
        registry::update(&self.primary, p, expected_version, audit).await
    }

    async fn delete_enterprise(&self, nib: &Nib, audit: &AuditContext) -> Result<()> {
        registry::delete(&self.primary, nib, audit).await
    }

    async fn enterprise(&self, nib: &Nib) -> Result<Option<EnterpriseRecord>> {
        registry::by_nib(&self.primary, nib).await
    }

    async fn list_enterprises(&self, q: &EnterpriseQuery) -> Result<EnterprisePage> {
        list::list(&self.read, q).await
    }

    async fn facet_counts(&self, q: &EnterpriseQuery) -> Result<Facets> {
        list::facets(&self.read, q).await
    }

    async fn record_figures(&self, nib: &Nib, f: &YearlyFigures, audit: &AuditContext) -> Result<()> {
        figures::record(&self.primary, nib, f, audit).await
    }

    async fn finalise_figures(&self, nib: &Nib, year: i32, audit: &AuditContext) -> Result<()> {
        figures::finalise(&self.primary, nib, year, audit).await
    }

    async fn correct_figures(&self, nib: &Nib, f: &YearlyFigures, reason: &str, audit: &AuditContext) -> Result<()> {
        figures::correct(&self.primary, nib, f, reason, audit).await
    }

    async fn figure_revisions(&self, nib: &Nib) -> Result<Vec<FigureRevision>> {
        figures::revisions(&self.primary, nib).await
    }

    async fn add_permit(&self, nib: &Nib, p: &Permit, audit: &AuditContext) -> Result<i64> {
        registry::add_permit(&self.primary, nib, p, audit).await
    }

    async fn remove_permit(&self, nib: &Nib, permit_id: i64, audit: &AuditContext) -> Result<()> {
        registry::remove_permit(&self.primary, nib, permit_id, audit).await
    }

    async fn import_batch(&self, rows: &[ImportRow], audit: &AuditContext) -> Result<Vec<RowOutcome>> {
        import::import_batch(&self.primary, &self.bulk, rows, audit).await
    }

    async fn begin_bulk_load(&self, expected_rows: u64) -> Result<()> {
        *self.bulk.lock().unwrap_or_else(|p| p.into_inner()) =
            bulk::Mode { announced: Some((expected_rows, 0)), active: false };
        Ok(())
    }

    async fn end_bulk_load(&self) -> Result<()> {
        *self.bulk.lock().unwrap_or_else(|p| p.into_inner()) = bulk::Mode::default();
        bulk::finish(&self.primary).await
    }

    async fn export_page(
        &self,
        q: &EnterpriseQuery,
        after_nib: Option<&Nib>,
        limit: u32,
    ) -> Result<Vec<EnterpriseRecord>> {
        list::export_page(&self.read, q, after_nib, limit).await
    }

    async fn counts_by_province(&self) -> Result<Vec<(String, i64)>> {
        list::counts_by_province(&self.read).await
    }

    async fn create_user(&self, u: &NewUser, audit: &AuditContext) -> Result<i64> {
        access::create_user(&self.primary, u, audit).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        access::user_by_username(&self.primary, username).await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>> {
        access::user_by_id(&self.primary, id).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        access::list_users(&self.primary).await
    }

    async fn set_password(&self, user_id: i64, password_hash: &str, audit: &AuditContext) -> Result<()> {
        access::set_password(&self.primary, user_id, password_hash, audit).await
    }

    async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        access::create_session(&self.primary, s).await
    }

    async fn session(&self, id_hash: &str, now: time::OffsetDateTime) -> Result<Option<SessionRecord>> {
        access::session(&self.primary, id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        access::delete_session(&self.primary, id_hash).await
    }

    async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> Result<u64> {
        access::delete_expired_sessions(&self.primary, now).await
    }

    async fn create_api_token(&self, t: &NewApiToken, audit: &AuditContext) -> Result<i64> {
        access::create_api_token(&self.primary, t, audit).await
    }

    async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        access::user_by_token(&self.primary, token_hash).await
    }

    async fn append_audit(&self, r: AuditRecord) -> Result<AuditEntry> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let e = audit::append(&mut tx, r).await?;
        tx.commit().await.map_err(db)?;
        Ok(e)
    }

    async fn audit_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::page(&self.primary, after_seq, limit).await
    }

    async fn audit_for_entity(&self, entity_type: &str, entity_id: &str, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::for_entity(&self.primary, entity_type, entity_id, limit).await
    }
}
