//! Schema migrations and the shipped reference data.

use crate::Db;
use naikkelas_core::reference::{District, KbliEntry, Province, Reference, Regency};
use naikkelas_store::{reference_data, Result, StoreError};
use sqlx::migrate::Migrator;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!();

const DATA_VERSION_KEY: &str = "reference_data_version";

pub(crate) async fn migrate(pool: &SqlitePool) -> Result<()> {
    refuse_newer_schema(pool).await?;
    MIGRATOR.run(pool).await.map_err(StoreError::backend)?;
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(DATA_VERSION_KEY)
        .fetch_optional(pool)
        .await
        .db()?;
    if stored.as_deref() != Some(reference_data::DATA_VERSION) {
        let r = reference_data::shipped().map_err(StoreError::backend)?;
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.db()?;
        load_reference(&mut tx, &r).await?;
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(DATA_VERSION_KEY)
        .bind(reference_data::DATA_VERSION)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
    }
    Ok(())
}

/// An older program must not write into a schema it does not know; sqlx
/// would only notice a missing migration file, not explain it.
pub(crate) async fn refuse_newer_schema(pool: &SqlitePool) -> Result<()> {
    let has_table: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(pool)
            .await
            .db()?;
    if has_table.is_none() {
        return Ok(());
    }
    let database: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(pool).await.db()?;
    let program = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    match database {
        Some(database) if database > program => Err(StoreError::SchemaTooNew { database, program }),
        _ => Ok(()),
    }
}

/// Whether a bulk load left its flag or a dropped index (`bulk.rs`).
pub(crate) async fn bulk_load_pending(pool: &SqlitePool) -> Result<bool> {
    let has_meta: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
            .fetch_optional(pool)
            .await
            .db()?;
    if has_meta.is_none() {
        return Ok(false);
    }
    let found: Option<i64> = sqlx::query_scalar(crate::bulk::PENDING).fetch_optional(pool).await.db()?;
    Ok(found.is_some())
}

async fn load_reference(conn: &mut SqliteConnection, r: &Reference) -> Result<()> {
    for table in ["districts", "regencies", "provinces", "kbli"] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *conn).await.db()?;
    }
    let provinces: Vec<&Province> = r.provinces.values().collect();
    insert_chunks(conn, "INSERT INTO provinces (code, name) ", &provinces, |mut b, p| {
        b.push_bind(p.code.clone()).push_bind(p.name.clone());
    })
    .await?;
    let regencies: Vec<&Regency> = r.regencies.values().collect();
    insert_chunks(conn, "INSERT INTO regencies (code, province_code, name, kind) ", &regencies, |mut b, x| {
        b.push_bind(x.code.clone())
            .push_bind(x.province_code.clone())
            .push_bind(x.name.clone())
            .push_bind(x.kind.clone());
    })
    .await?;
    let mut districts: Vec<&District> = r.districts.values().collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    insert_chunks(conn, "INSERT INTO districts (code, regency_code, name) ", &districts, |mut b, d| {
        b.push_bind(d.code.clone()).push_bind(d.regency_code.clone()).push_bind(d.name.clone());
    })
    .await?;
    let kbli: Vec<&KbliEntry> = r.kbli.values().collect();
    insert_chunks(conn, "INSERT INTO kbli (code, version, level, division, name_id, name_en) ", &kbli, |mut b, k| {
        b.push_bind(k.code.clone())
            .push_bind(k.version.clone())
            .push_bind(k.level.clone())
            .push_bind(k.division.clone())
            .push_bind(k.name_id.clone())
            .push_bind(k.name_en.clone());
    })
    .await?;
    Ok(())
}

async fn insert_chunks<T>(
    conn: &mut SqliteConnection,
    head: &str,
    items: &[T],
    mut push: impl FnMut(sqlx::query_builder::Separated<'_, 'static, Sqlite, &'static str>, &T),
) -> Result<()> {
    for chunk in items.chunks(500) {
        let mut qb: QueryBuilder<'static, Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk, &mut push);
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}

pub(crate) async fn reference(pool: &SqlitePool) -> Result<Reference> {
    let mut r = Reference::default();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM provinces").fetch_all(pool).await.db()?;
    for (code, name) in rows {
        r.provinces.insert(code.clone(), Province { code, name });
    }
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT code, province_code, name, kind FROM regencies").fetch_all(pool).await.db()?;
    for (code, province_code, name, kind) in rows {
        r.regencies.insert(code.clone(), Regency { code, province_code, name, kind });
    }
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, regency_code, name FROM districts").fetch_all(pool).await.db()?;
    for (code, regency_code, name) in rows {
        r.districts.insert(code.clone(), District { code, regency_code, name });
    }
    let rows: Vec<(String, String, String, String, String, String)> =
        sqlx::query_as("SELECT code, version, level, division, name_id, name_en FROM kbli")
            .fetch_all(pool)
            .await
            .db()?;
    for (code, version, level, division, name_id, name_en) in rows {
        r.kbli.insert(code.clone(), KbliEntry { code, level, division, name_id, name_en, version });
    }
    Ok(r)
}
