//! Rollups (see `naikkelas_store::insight` and migrations/0060_insight.sql,
//! whose triggers keep the cells up to date on every write). This file reads
//! the cells, and has them rebuilt ([`crate::rollups`]) on `migrate` after
//! the schema change and on demand.

use crate::{Db, SqliteStore};
use async_trait::async_trait;
use naikkelas_store::insight::*;
use naikkelas_store::{Result, StoreError};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// The `meta` key the migration sets so that `migrate` fills the cells.
const STALE_KEY: &str = "insight_rollups_stale";

/// Fills the cells after the migration that created them.
pub(crate) async fn rebuild_if_stale(store: &SqliteStore) -> Result<()> {
    let stale: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(STALE_KEY)
        .fetch_optional(store.pool())
        .await
        .db()?;
    if stale.is_some() {
        rebuild(store)?;
    }
    Ok(())
}

/// [`crate::rollups::rebuild_on`] in its own write transaction on the bulk connection.
fn rebuild(store: &SqliteStore) -> Result<u64> {
    store.with_bulk(|conn, _| {
        let tx =
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(StoreError::backend)?;
        let cells = crate::rollups::rebuild_on(&tx)?;
        tx.commit().map_err(StoreError::backend)?;
        Ok(cells)
    })
}

fn column(d: Dimension) -> &'static str {
    match d {
        Dimension::Year => "year",
        Dimension::Province => "province_code",
        Dimension::Regency => "regency_code",
        Dimension::KbliDivision => "kbli_division",
        Dimension::SizeClass => "size_class",
        Dimension::QualityLevel => "quality_level",
    }
}

async fn rollup(pool: &SqlitePool, q: &RollupQuery) -> Result<Vec<RollupRow>> {
    let (province, regency) = region_filter(q.region.as_deref());
    // The provincial table answers whatever does not need regencies.
    let fine = regency.is_some() || q.group_by.contains(&Dimension::Regency);
    let table = if fine { "insight_rollup" } else { "insight_rollup_province" };
    let mut group: Vec<Dimension> = q.group_by.clone();
    group.sort();
    group.dedup();
    let keys: Vec<&str> = group.iter().map(|d| column(*d)).collect();
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
    for k in &keys {
        qb.push(*k).push(", ");
    }
    qb.push(
        "sum(units) AS units, sum(workers) AS workers, sum(investment_idr) AS investment_idr, \
         sum(production_idr) AS production_idr, sum(export_usd_cents) AS export_usd_cents, \
         sum(exporters) AS exporters, sum(upgraded) AS upgraded FROM ",
    );
    qb.push(table).push(" WHERE 1 = 1");
    if let Some(y) = q.year_from {
        qb.push(" AND year >= ").push_bind(y);
    }
    if let Some(y) = q.year_to {
        qb.push(" AND year <= ").push_bind(y);
    }
    if let Some(p) = province {
        qb.push(" AND province_code = ").push_bind(p.to_string());
    }
    if let Some(r) = regency {
        qb.push(" AND regency_code = ").push_bind(r.to_string());
    }
    if let Some(d) = &q.kbli_division {
        qb.push(" AND kbli_division = ").push_bind(d.clone());
    }
    if let Some(s) = q.size_class {
        qb.push(" AND size_class = ").push_bind(s.as_str());
    }
    if let Some(l) = q.quality_level {
        qb.push(" AND quality_level = ").push_bind(l.as_str());
    }
    if !keys.is_empty() {
        qb.push(" GROUP BY ").push(keys.join(", "));
    }
    qb.push(" HAVING sum(units) > 0");
    let mut out = Vec::new();
    for r in qb.build().fetch_all(pool).await.db()? {
        let text = |d: Dimension| -> Result<Option<String>> {
            if group.contains(&d) {
                Ok(Some(r.try_get::<String, _>(column(d)).db()?))
            } else {
                Ok(None)
            }
        };
        let year = if group.contains(&Dimension::Year) { Some(r.try_get::<i32, _>("year").db()?) } else { None };
        let measures = Measures {
            units: r.try_get("units").db()?,
            workers: r.try_get("workers").db()?,
            investment_idr: r.try_get("investment_idr").db()?,
            production_idr: r.try_get("production_idr").db()?,
            export_usd_cents: r.try_get("export_usd_cents").db()?,
            exporters: r.try_get("exporters").db()?,
            upgraded: r.try_get("upgraded").db()?,
        };
        out.push(parse_row(
            year,
            text(Dimension::Province)?,
            text(Dimension::Regency)?,
            text(Dimension::KbliDivision)?,
            text(Dimension::SizeClass)?.as_deref(),
            text(Dimension::QualityLevel)?.as_deref(),
            measures,
        )?);
    }
    sort_rows(&mut out);
    Ok(out)
}

async fn coverage(pool: &SqlitePool, region: Option<&str>) -> Result<Coverage> {
    let (province, regency) = region_filter(region);
    let push_region = |qb: &mut QueryBuilder<Sqlite>| {
        if let Some(p) = province {
            qb.push(" AND e.province_code = ").push_bind(p.to_string());
        }
        if let Some(r) = regency {
            qb.push(" AND e.regency_code = ").push_bind(r.to_string());
        }
    };
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT count(DISTINCT CASE WHEN c.scheme = 'sni_type5' THEN c.enterprise_id END),
             count(DISTINCT CASE WHEN c.scheme = 'iso' THEN c.enterprise_id END),
             count(DISTINCT c.enterprise_id)
         FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id WHERE c.state IN (",
    );
    let mut states = qb.separated(", ");
    for s in VALID_CERTIFICATE_STATES {
        states.push_bind(s);
    }
    qb.push(")");
    push_region(&mut qb);
    let (certified_sni, certified_iso, certified_any): (i64, i64, i64) =
        qb.build_query_as().fetch_one(pool).await.db()?;
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT count(*), COALESCE(sum(meets_threshold), 0), CAST(avg(score_permille) AS INTEGER) FROM (
             SELECT a.score_permille, a.meets_threshold,
                 row_number() OVER (PARTITION BY a.enterprise_id ORDER BY a.completed_at DESC, a.id DESC) AS n
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id
             WHERE a.status = 'completed'",
    );
    push_region(&mut qb);
    qb.push(") WHERE n = 1");
    let (assessed, ready, readiness_avg_permille): (i64, i64, Option<i64>) =
        qb.build_query_as().fetch_one(pool).await.db()?;
    Ok(Coverage { certified_sni, certified_iso, certified_any, assessed, ready, readiness_avg_permille })
}

#[async_trait]
impl InsightStore for SqliteStore {
    async fn rollup(&self, q: &RollupQuery) -> Result<Vec<RollupRow>> {
        rollup(self.pool(), q).await
    }

    async fn rebuild_rollups(&self) -> Result<u64> {
        rebuild(self)
    }

    async fn years_with_data(&self) -> Result<Vec<i32>> {
        sqlx::query_scalar("SELECT DISTINCT year FROM insight_rollup_province WHERE units > 0 ORDER BY year")
            .fetch_all(self.pool())
            .await
            .db()
    }

    async fn coverage(&self, region: Option<&str>) -> Result<Coverage> {
        coverage(self.pool(), region).await
    }
}
