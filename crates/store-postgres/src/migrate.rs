//! Schema migrations, the search index, and the shipped reference data.

use crate::db;
use naikkelas_core::reference::{District, KbliEntry, Province, Reference, Regency};
use naikkelas_store::reference_data::{self, DATA_VERSION};
use naikkelas_store::{Result, StoreError};
use sqlx::migrate::Migrator;
use sqlx::{PgPool, Row};

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!();

/// The newest schema version this binary knows.
pub(crate) fn program_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

const STAMP_KEY: &str = "reference_data_version";
/// Serialises concurrent reference loads (two nodes starting at once).
const REFERENCE_LOCK: i64 = 0x6e6b_7265_6600;

pub(crate) async fn migrate(pool: &PgPool) -> Result<()> {
    refuse_newer_schema(pool).await?;
    MIGRATOR.run(pool).await.map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
    search_index(pool).await;
    load_reference(pool).await
}

/// sqlx would fail with "migration N was previously applied but is missing";
/// say instead what the operator must do.
async fn refuse_newer_schema(pool: &PgPool) -> Result<()> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await.map_err(db)?;
    if !exists {
        return Ok(());
    }
    let database: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map_err(db)?;
    let program = program_version();
    match database {
        Some(database) if database > program => Err(StoreError::SchemaTooNew { database, program }),
        _ => Ok(()),
    }
}

/// Trigram indexes make `ILIKE '%term%'` an index scan. A managed server
/// that forbids the extension still works, only slower, so this is outside
/// the migrations and never fails `migrate`.
async fn search_index(pool: &PgPool) {
    let installed: std::result::Result<bool, _> =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            .fetch_one(pool)
            .await;
    if !matches!(installed, Ok(true)) {
        if let Err(e) = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute(pool).await {
            tracing::warn!(error = %e, "pg_trgm is not available; search falls back to ILIKE without an index");
            return;
        }
    }
    let sql = "CREATE INDEX IF NOT EXISTS enterprises_search_trgm ON enterprises USING gin (search_text gin_trgm_ops)";
    if let Err(e) = sqlx::query(sql).execute(pool).await {
        tracing::warn!(error = %e, "cannot create the trigram search index; search falls back to ILIKE without an index");
    }
}

async fn load_reference(pool: &PgPool) -> Result<()> {
    if stamp(pool).await?.as_deref() == Some(DATA_VERSION) {
        return Ok(());
    }
    let r = reference_data::shipped().map_err(|e| StoreError::Backend(format!("shipped reference data: {e}")))?;
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(REFERENCE_LOCK).execute(&mut *tx).await.map_err(db)?;
    let current: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(STAMP_KEY)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    if current.as_deref() == Some(DATA_VERSION) {
        return Ok(());
    }
    for sql in ["DELETE FROM districts", "DELETE FROM regencies", "DELETE FROM provinces"] {
        sqlx::query(sql).execute(&mut *tx).await.map_err(db)?;
    }
    let (codes, names): (Vec<_>, Vec<_>) = r.provinces.values().map(|p| (p.code.clone(), p.name.clone())).unzip();
    sqlx::query("INSERT INTO provinces (code, name) SELECT * FROM UNNEST($1::text[], $2::text[])")
        .bind(codes)
        .bind(names)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let regs: Vec<&Regency> = r.regencies.values().collect();
    sqlx::query(
        "INSERT INTO regencies (code, province_code, name, kind) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])",
    )
    .bind(regs.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
    .bind(regs.iter().map(|x| x.province_code.clone()).collect::<Vec<_>>())
    .bind(regs.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .bind(regs.iter().map(|x| x.kind.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let dists: Vec<&District> = r.districts.values().collect();
    sqlx::query(
        "INSERT INTO districts (code, regency_code, name) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])",
    )
    .bind(dists.iter().map(|x| x.code.clone()).collect::<Vec<_>>())
    .bind(dists.iter().map(|x| x.regency_code.clone()).collect::<Vec<_>>())
    .bind(dists.iter().map(|x| x.name.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    // Only the shipped edition is replaced; other KBLI editions stay.
    let kb: Vec<&KbliEntry> = r.kbli.values().collect();
    let versions: Vec<String> = kb.iter().map(|k| k.version.clone()).collect();
    sqlx::query("DELETE FROM kbli WHERE version = ANY($1)").bind(&versions).execute(&mut *tx).await.map_err(db)?;
    sqlx::query(
        "INSERT INTO kbli (code, version, level, division, name_id, name_en) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])",
    )
    .bind(kb.iter().map(|k| k.code.clone()).collect::<Vec<_>>())
    .bind(versions)
    .bind(kb.iter().map(|k| k.level.clone()).collect::<Vec<_>>())
    .bind(kb.iter().map(|k| k.division.clone()).collect::<Vec<_>>())
    .bind(kb.iter().map(|k| k.name_id.clone()).collect::<Vec<_>>())
    .bind(kb.iter().map(|k| k.name_en.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    set_stamp(&mut tx, DATA_VERSION).await?;
    tx.commit().await.map_err(db)?;
    tracing::info!(version = DATA_VERSION, "reference data loaded");
    Ok(())
}

async fn stamp(pool: &PgPool) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(STAMP_KEY).fetch_optional(pool).await.map_err(db)
}

pub(crate) async fn set_stamp(conn: &mut sqlx::PgConnection, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        .bind(STAMP_KEY)
        .bind(value)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn reference(pool: &PgPool) -> Result<Reference> {
    let mut r = Reference::default();
    for row in sqlx::query("SELECT code, name FROM provinces").fetch_all(pool).await.map_err(db)? {
        let p = Province { code: row.get(0), name: row.get(1) };
        r.provinces.insert(p.code.clone(), p);
    }
    for row in sqlx::query("SELECT code, province_code, name, kind FROM regencies").fetch_all(pool).await.map_err(db)? {
        let x = Regency { code: row.get(0), province_code: row.get(1), name: row.get(2), kind: row.get(3) };
        r.regencies.insert(x.code.clone(), x);
    }
    for row in sqlx::query("SELECT code, regency_code, name FROM districts").fetch_all(pool).await.map_err(db)? {
        let d = District { code: row.get(0), regency_code: row.get(1), name: row.get(2) };
        r.districts.insert(d.code.clone(), d);
    }
    // The shipped edition is the one validation checks against.
    let kbli = sqlx::query("SELECT code, level, division, name_id, name_en, version FROM kbli WHERE version = $1")
        .bind(naikkelas_core::reference::KBLI_VERSION)
        .fetch_all(pool)
        .await
        .map_err(db)?;
    for row in kbli {
        let k = KbliEntry {
            code: row.get(0),
            level: row.get(1),
            division: row.get(2),
            name_id: row.get(3),
            name_en: row.get(4),
            version: row.get(5),
        };
        r.kbli.insert(k.code.clone(), k);
    }
    Ok(r)
}
