//! Rollups (see `naikkelas_store::insight` and migrations/0060_insight.sql,
//! whose triggers keep the cells up to date on every write). This file reads
//! the cells and rebuilds them: on `migrate` after the schema change, at the
//! end of a bulk load (which skipped the triggers), and on demand.

use crate::{Db, SqliteStore};
use async_trait::async_trait;
use naikkelas_store::insight::*;
use naikkelas_store::{Result, StoreError};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

/// The `meta` key the migration sets so that `migrate` fills the cells.
const STALE_KEY: &str = "insight_rollups_stale";

/// Before a rebuild: fill the levels of rows written during a bulk load,
/// mark the rebuild (the provincial triggers stand aside) and empty both tables.
const REBUILD_START: &[&str] = &[
    "UPDATE figures SET quality_level = (SELECT e.quality_level FROM enterprises e WHERE e.id = figures.enterprise_id)
     WHERE quality_level = ''",
    "INSERT INTO meta (key, value) VALUES ('insight_rebuild', '1') ON CONFLICT (key) DO NOTHING",
    "DELETE FROM insight_rollup",
    "DELETE FROM insight_rollup_province",
];

/// After the regency cells are written: their provincial sums.
const REBUILD_END: &[&str] = &[
    "INSERT INTO insight_rollup_province
     SELECT year, province_code, kbli_division, size_class, quality_level, sum(units), sum(workers),
         sum(investment_idr), sum(production_idr), sum(export_usd_cents), sum(exporters), sum(upgraded)
     FROM insight_rollup GROUP BY 1, 2, 3, 4, 5",
    "DELETE FROM meta WHERE key IN ('insight_rebuild', 'insight_rollups_stale')",
];

const HAS_TABLE: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'insight_rollup'";

fn rank(size: &[u8]) -> u8 {
    match size {
        b"kecil" => 1,
        b"menengah" => 2,
        b"besar" => 3,
        _ => 0,
    }
}

/// The division of the first code of a stored KBLI list (`["10391", …]`),
/// as the triggers' `substr(json_extract(kbli, '$[0]'), 1, 2)`.
fn division_of(kbli: &[u8]) -> String {
    match kbli {
        [b'[', b'"', a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
            String::from_utf8_lossy(&[*a, *b]).into_owned()
        }
        _ => String::new(),
    }
}

/// A cell's key while summing: year, regency (index), division, size, level.
type Key = (i32, u32, String, String, String);

/// Recomputes every cell in the caller's transaction: one pass over the
/// enterprises with their figures in primary-key order, summed in memory (a
/// few hundred thousand cells at national scale) — several times faster than
/// SQLite's GROUP BY, which sorts every row first. Does nothing on a database
/// the insight migration has not reached yet (`migrate` finishes a killed
/// bulk load before migrating). Returns the cells written.
pub(crate) fn rebuild_on(conn: &rusqlite::Connection) -> Result<u64> {
    use rusqlite::OptionalExtension;
    let err = |e: rusqlite::Error| StoreError::backend(e);
    let has: Option<i64> = conn.query_row(HAS_TABLE, [], |r| r.get(0)).optional().map_err(err)?;
    if has.is_none() {
        return Ok(0);
    }
    for sql in REBUILD_START {
        conn.execute(sql, []).map_err(err)?;
    }
    let mut regencies: Vec<(String, String)> = Vec::new();
    let mut cells: std::collections::HashMap<Key, [i64; 7]> = std::collections::HashMap::new();
    {
        let mut s = conn
            .prepare(
                "SELECT e.id, e.province_code, e.regency_code, e.kbli, f.year, f.size_class, f.quality_level,
                     f.workers, f.investment_idr, f.production_idr, f.export_usd_cents
                 FROM enterprises e JOIN figures f ON f.enterprise_id = e.id
                 ORDER BY e.id, f.year",
            )
            .map_err(err)?;
        let mut rows = s.query([]).map_err(err)?;
        // The enterprise being read (id, regency index, division) and its
        // previous row (year, size rank, level).
        let mut current: Option<(i64, u32, String)> = None;
        let mut previous: Option<(i32, u8, Vec<u8>)> = None;
        while let Some(r) = rows.next().map_err(err)? {
            let id: i64 = r.get(0).map_err(err)?;
            if current.as_ref().is_none_or(|c| c.0 != id) {
                let province: String = r.get(1).map_err(err)?;
                let regency: String = r.get(2).map_err(err)?;
                let division = division_of(r.get_ref(3).map_err(err)?.as_bytes().map_err(StoreError::backend)?);
                let index = match regencies.iter().rposition(|x| x.1 == regency) {
                    Some(i) => i as u32,
                    None => {
                        regencies.push((province, regency));
                        (regencies.len() - 1) as u32
                    }
                };
                current = Some((id, index, division));
                previous = None;
            }
            let (_, regency, division) = current.as_ref().expect("set above");
            let year: i32 = r.get(4).map_err(err)?;
            let size = r.get_ref(5).map_err(err)?.as_bytes().map_err(StoreError::backend)?;
            let level = r.get_ref(6).map_err(err)?.as_bytes().map_err(StoreError::backend)?;
            let upgraded = match &previous {
                Some((y, s, l)) => *y == year - 1 && (rank(size) > *s || level > l.as_slice()),
                None => false,
            };
            let export: i64 = r.get(10).map_err(err)?;
            let m: [i64; 7] = [
                1,
                r.get(7).map_err(err)?,
                r.get(8).map_err(err)?,
                r.get(9).map_err(err)?,
                export,
                i64::from(export > 0),
                i64::from(upgraded),
            ];
            let key = (
                year,
                *regency,
                division.clone(),
                String::from_utf8_lossy(size).into_owned(),
                String::from_utf8_lossy(level).into_owned(),
            );
            let cell = cells.entry(key).or_insert([0; 7]);
            for (c, v) in cell.iter_mut().zip(m) {
                *c += v;
            }
            previous = Some((year, rank(size), level.to_vec()));
        }
    }
    let mut insert = conn
        .prepare("INSERT INTO insight_rollup VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
        .map_err(err)?;
    for ((year, regency, division, size, level), m) in &cells {
        let (province, regency) = &regencies[*regency as usize];
        insert
            .execute(rusqlite::params![
                year, province, regency, division, size, level, m[0], m[1], m[2], m[3], m[4], m[5], m[6]
            ])
            .map_err(err)?;
    }
    for sql in REBUILD_END {
        conn.execute(sql, []).map_err(err)?;
    }
    Ok(cells.len() as u64)
}

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

/// [`rebuild_on`] in its own write transaction on the bulk connection.
fn rebuild(store: &SqliteStore) -> Result<u64> {
    store.with_bulk(|conn, _| {
        let tx =
            conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(StoreError::backend)?;
        let cells = rebuild_on(&tx)?;
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
