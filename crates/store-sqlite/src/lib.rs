//! The SQLite backend of the naikkelas [`Store`]: one file beside the
//! binary, WAL mode, every write in one `BEGIN IMMEDIATE` transaction with
//! its audit entry.
//!
//! Module map: `connect` (pool and pragmas), `migrate` (schema and
//! reference data), `registry` (profiles, permits, reads of whole records),
//! `figures`, `list` (filters, search, facets, export), `import` (bulk
//! upsert), `access` (users, sessions, tokens), `audit`.

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
mod rollups;
pub mod transfer;

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
use sqlx::{Sqlite, SqlitePool, Transaction};

/// The SQLite store. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The file, for the bulk connection.
    path: std::sync::Arc<str>,
    /// The `rusqlite` connection of the import path, opened on first use and
    /// kept for its cached statements, with the bulk-load state. Declared
    /// before `_temp` so that it closes before the temporary file is removed.
    bulk: std::sync::Arc<std::sync::Mutex<bulk::Slot>>,
    /// Keeps a throw-away test database alive as long as any clone.
    _temp: Option<std::sync::Arc<connect::TempFile>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path`. Call
    /// [`Store::migrate`] before use.
    pub async fn open(path: &str) -> Result<SqliteStore> {
        Ok(SqliteStore { pool: connect::pool(path).await?, path: path.into(), bulk: Default::default(), _temp: None })
    }

    /// A new, empty database in a temporary file that is removed when the
    /// last clone of the store is dropped. For tests and dry runs.
    pub async fn open_temporary() -> Result<SqliteStore> {
        let file = connect::TempFile::new();
        let path = file.0.to_string_lossy().into_owned();
        Ok(SqliteStore {
            pool: connect::pool(&path).await?,
            path: path.into(),
            bulk: Default::default(),
            _temp: Some(std::sync::Arc::new(file)),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A write transaction that takes the write lock at once, so two writers
    /// never deadlock upgrading read locks (SQLITE_BUSY without waiting).
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.db()
    }

    /// Runs `f` on the bulk connection (opened on first use) and its state.
    fn with_bulk<T>(&self, f: impl FnOnce(&mut rusqlite::Connection, &mut bulk::Mode) -> Result<T>) -> Result<T> {
        blocking(|| {
            let mut slot = self.bulk.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let bulk::Slot { conn, mode } = &mut *slot;
            let conn = match conn {
                Some(conn) => conn,
                empty => empty.insert(connect::bulk(&self.path)?),
            };
            f(conn, mode)
        })
    }
}

/// Runs blocking database work from async code: on a multi-threaded runtime
/// the worker hands its other tasks over first; elsewhere (a current-thread
/// runtime, as in tests) it simply runs. Borrowed arguments need no copy,
/// and the work cannot be abandoned halfway by a dropped future.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// `?` for driver results: nothing above the store sees a driver type, so
/// every driver error becomes `StoreError::Backend` here.
pub(crate) trait Db<T> {
    fn db(self) -> Result<T>;
}

impl<T> Db<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(StoreError::backend)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<()> {
        // A bulk load killed before its end: finish it before any migration
        // meets its dropped indexes.
        migrate::refuse_newer_schema(&self.pool).await?;
        if migrate::bulk_load_pending(&self.pool).await? {
            self.with_bulk(|conn, _| bulk::finish(conn))?;
        }
        migrate::migrate(&self.pool).await?;
        insight::rebuild_if_stale(self).await?;
        readiness::load_catalogue(&self.pool).await
    }

    fn readiness(&self) -> &dyn naikkelas_store::readiness::ReadinessStore {
        self
    }

    async fn reference(&self) -> Result<Reference> {
        migrate::reference(&self.pool).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.db()?;
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

    fn insight(&self) -> &dyn naikkelas_store::InsightStore {
        self
    }

    async fn register_enterprise(&self, p: &EnterpriseProfile, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        registry::register(&mut tx, p, audit).await?;
        tx.commit().await.db()
    }

    async fn update_profile(
        &self,
        p: &EnterpriseProfile,
        expected_version: Option<i64>,
        audit: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        registry::update(&mut tx, p, expected_version, audit).await?;
        tx.commit().await.db()
    }

    async fn delete_enterprise(&self, nib: &Nib, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        registry::delete(&mut tx, nib, audit).await?;
        tx.commit().await.db()
    }

    async fn enterprise(&self, nib: &Nib) -> Result<Option<EnterpriseRecord>> {
        // One read transaction: the profile, figures and permits are read
        // from the same snapshot.
        let mut tx = self.pool.begin().await.db()?;
        let r = registry::record(&mut tx, nib).await?;
        tx.commit().await.db()?;
        Ok(r)
    }

    async fn list_enterprises(&self, q: &EnterpriseQuery) -> Result<EnterprisePage> {
        list::list(&self.pool, q).await
    }

    async fn facet_counts(&self, q: &EnterpriseQuery) -> Result<Facets> {
        list::facets(&self.pool, q).await
    }

    async fn record_figures(&self, nib: &Nib, f: &YearlyFigures, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        figures::record(&mut tx, nib, f, audit).await?;
        tx.commit().await.db()
    }

    async fn finalise_figures(&self, nib: &Nib, year: i32, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        figures::finalise(&mut tx, nib, year, audit).await?;
        tx.commit().await.db()
    }

    async fn correct_figures(&self, nib: &Nib, f: &YearlyFigures, reason: &str, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        figures::correct(&mut tx, nib, f, reason, audit).await?;
        tx.commit().await.db()
    }

    async fn figure_revisions(&self, nib: &Nib) -> Result<Vec<FigureRevision>> {
        figures::revisions(&self.pool, nib).await
    }

    async fn add_permit(&self, nib: &Nib, p: &Permit, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let id = registry::add_permit(&mut tx, nib, p, audit).await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn remove_permit(&self, nib: &Nib, permit_id: i64, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        registry::remove_permit(&mut tx, nib, permit_id, audit).await?;
        tx.commit().await.db()
    }

    async fn import_batch(&self, rows: &[ImportRow], audit: &AuditContext) -> Result<Vec<RowOutcome>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.with_bulk(|conn, mode| import::import(conn, rows, audit, mode))
    }

    async fn begin_bulk_load(&self, expected_rows: u64) -> Result<()> {
        self.with_bulk(|_, mode| {
            mode.announced = Some((expected_rows, 0));
            Ok(())
        })
    }

    async fn end_bulk_load(&self) -> Result<()> {
        self.with_bulk(|conn, mode| {
            *mode = bulk::Mode::default();
            bulk::finish(conn)
        })
    }

    async fn export_page(
        &self,
        q: &EnterpriseQuery,
        after_nib: Option<&Nib>,
        limit: u32,
    ) -> Result<Vec<EnterpriseRecord>> {
        list::export_page(&self.pool, q, after_nib, limit).await
    }

    async fn counts_by_province(&self) -> Result<Vec<(String, i64)>> {
        list::counts_by_province(&self.pool).await
    }

    async fn create_user(&self, u: &NewUser, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let id = access::create_user(&mut tx, u, audit).await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>> {
        access::user(&self.pool, access::UserKey::Username(username)).await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>> {
        access::user(&self.pool, access::UserKey::Id(id)).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        access::list_users(&self.pool).await
    }

    async fn set_password(&self, user_id: i64, password_hash: &str, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        access::set_password(&mut tx, user_id, password_hash, audit).await?;
        tx.commit().await.db()
    }

    async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        access::create_session(&self.pool, s).await
    }

    async fn session(&self, id_hash: &str, now: time::OffsetDateTime) -> Result<Option<SessionRecord>> {
        access::session(&self.pool, id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(id_hash).execute(&self.pool).await.db()?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(access::micros(now))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(&self, t: &NewApiToken, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let id = access::create_api_token(&mut tx, t, audit).await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        access::user(&self.pool, access::UserKey::TokenHash(token_hash)).await
    }

    async fn append_audit(&self, r: AuditRecord) -> Result<AuditEntry> {
        let mut tx = self.write().await?;
        let e = audit::append(&mut tx, r).await?;
        tx.commit().await.db()?;
        Ok(e)
    }

    async fn audit_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::page(&self.pool, after_seq, limit).await
    }

    async fn audit_for_entity(&self, entity_type: &str, entity_id: &str, limit: u32) -> Result<Vec<AuditEntry>> {
        audit::for_entity(&self.pool, entity_type, entity_id, limit).await
    }
}
