//! Rollups (see `naikkelas_store::insight` and
//! migrations/20260301000060_insight.sql, whose triggers keep the cells up to
//! date on every write). This file reads the cells (from the read pool: a
//! dashboard tolerates replication lag) and rebuilds them.

use crate::{db, PgStore};
use async_trait::async_trait;
use naikkelas_store::insight::*;
use naikkelas_store::Result;
use sqlx::{Connection, PgConnection, PgPool, Postgres, QueryBuilder, Row};

/// The `meta` key the migration sets so that `migrate` fills the cells.
const STALE_KEY: &str = "insight_rollups_stale";

/// Serialises rebuilds (two nodes migrating at once).
const REBUILD_LOCK: i64 = 0x6e6b_696e_7300;

/// The rollup division of every enterprise, from its KBLI rows, where it
/// differs: the triggers keep it, but not while the bulk-load mode has them
/// disabled (the import writes it for the enterprises it inserts; another
/// writer's rows meanwhile may be behind). One pass over each table instead
/// of a lookup per enterprise.
const DIVISIONS: &str = "UPDATE enterprises e SET insight_division = d.division
     FROM (SELECT x.id, COALESCE(k.division, '') AS division FROM enterprises x
           LEFT JOIN (SELECT DISTINCT ON (enterprise_id) enterprise_id, division FROM enterprise_kbli
                      ORDER BY enterprise_id, position) k ON k.enterprise_id = x.id) d
     WHERE d.id = e.id AND e.insight_division IS DISTINCT FROM d.division";

/// Rebuilds every cell from the tables. The year before is the previous row
/// of the enterprise when it is exactly one year earlier.
const CELLS: &[&str] = &[
    // The planner cannot know that a million figures rows fall into some
    // 50,000 cells: it expects a group per row and sorts them all by six
    // text keys (4.3 s) instead of hashing them into the cells (2.2 s). The
    // window's order comes from the primary key of `figures` either way.
    "SET LOCAL enable_sort = off",
    "DELETE FROM insight_rollup",
    "DELETE FROM insight_rollup_province",
    "INSERT INTO insight_rollup
     SELECT f.year, e.province_code, e.regency_code, e.insight_division, f.size_class, f.quality_level,
         count(*), sum(f.workers), sum(f.investment_idr), sum(f.production_idr), sum(f.export_usd_cents),
         count(*) FILTER (WHERE f.export_usd_cents > 0), count(*) FILTER (WHERE f.up)
     FROM (SELECT enterprise_id, year, size_class, quality_level, workers, investment_idr, production_idr,
               export_usd_cents,
               COALESCE(lag(year) OVER w = year - 1
                   AND (insight_size_rank(size_class) > insight_size_rank(lag(size_class) OVER w)
                        OR quality_level > lag(quality_level) OVER w), false) AS up
           FROM figures WINDOW w AS (PARTITION BY enterprise_id ORDER BY year)) f
     JOIN enterprises e ON e.id = f.enterprise_id
     GROUP BY 1, 2, 3, 4, 5, 6",
    "INSERT INTO insight_rollup_province
     SELECT year, province_code, kbli_division, size_class, quality_level, sum(units), sum(workers),
         sum(investment_idr), sum(production_idr), sum(export_usd_cents), sum(exporters), sum(upgraded)
     FROM insight_rollup GROUP BY 1, 2, 3, 4, 5",
    "DELETE FROM meta WHERE key = 'insight_rollups_stale'",
];

/// Session settings of both transactions: these are scans of whole tables
/// run once, where compiling them (JIT, 0.5 s on a million figures) does not
/// pay, and the hash tables of a million rows should stay in memory.
const SETTINGS: &[&str] = &["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"];

/// The divisions first, in a transaction of their own, so that locking
/// `enterprises` for the update ends before the long read of the cells (the
/// bulk-load mode builds the indexes of `enterprises` meanwhile). Between
/// the two the triggers keep divisions and cells in step, and the cells are
/// then computed afresh anyway.
async fn rebuild(conn: &mut PgConnection) -> Result<u64> {
    for step in [&[DIVISIONS][..], CELLS] {
        let mut tx = conn.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(REBUILD_LOCK).execute(&mut *tx).await.map_err(db)?;
        for sql in SETTINGS.iter().chain(step) {
            sqlx::query(sql).execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
    }
    let cells: i64 =
        sqlx::query_scalar("SELECT count(*) FROM insight_rollup").fetch_one(&mut *conn).await.map_err(db)?;
    Ok(cells as u64)
}

/// Fills the cells when marked stale (by the migration that created them,
/// or by the bulk-load mode).
pub(crate) async fn rebuild_if_stale(pool: &PgPool) -> Result<()> {
    let mut conn = pool.acquire().await.map_err(db)?;
    rebuild_if_stale_on(&mut conn).await
}

/// [`rebuild_if_stale`] on a given connection.
pub(crate) async fn rebuild_if_stale_on(conn: &mut PgConnection) -> Result<()> {
    let stale: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(STALE_KEY)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    if stale.is_some() {
        rebuild(conn).await?;
    }
    Ok(())
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

async fn rollup(pool: &PgPool, q: &RollupQuery) -> Result<Vec<RollupRow>> {
    let (province, regency) = region_filter(q.region.as_deref());
    let fine = regency.is_some() || q.group_by.contains(&Dimension::Regency);
    let table = if fine { "insight_rollup" } else { "insight_rollup_province" };
    let mut group: Vec<Dimension> = q.group_by.clone();
    group.sort();
    group.dedup();
    let keys: Vec<&str> = group.iter().map(|d| column(*d)).collect();
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new("SELECT ");
    for k in &keys {
        qb.push(*k).push(", ");
    }
    qb.push(
        "sum(units)::bigint AS units, sum(workers)::bigint AS workers, \
         sum(investment_idr)::bigint AS investment_idr, sum(production_idr)::bigint AS production_idr, \
         sum(export_usd_cents)::bigint AS export_usd_cents, sum(exporters)::bigint AS exporters, \
         sum(upgraded)::bigint AS upgraded FROM ",
    );
    qb.push(table).push(" WHERE true");
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
    for r in qb.build().fetch_all(pool).await.map_err(db)? {
        let text = |d: Dimension| -> Result<Option<String>> {
            if group.contains(&d) {
                Ok(Some(r.try_get::<String, _>(column(d)).map_err(db)?))
            } else {
                Ok(None)
            }
        };
        let year = if group.contains(&Dimension::Year) { Some(r.try_get::<i32, _>("year").map_err(db)?) } else { None };
        let measures = Measures {
            units: r.try_get("units").map_err(db)?,
            workers: r.try_get("workers").map_err(db)?,
            investment_idr: r.try_get("investment_idr").map_err(db)?,
            production_idr: r.try_get("production_idr").map_err(db)?,
            export_usd_cents: r.try_get("export_usd_cents").map_err(db)?,
            exporters: r.try_get("exporters").map_err(db)?,
            upgraded: r.try_get("upgraded").map_err(db)?,
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

async fn coverage(pool: &PgPool, region: Option<&str>) -> Result<Coverage> {
    let (province, regency) = region_filter(region);
    let push_region = |qb: &mut QueryBuilder<Postgres>| {
        if let Some(p) = province {
            qb.push(" AND e.province_code = ").push_bind(p.to_string());
        }
        if let Some(r) = regency {
            qb.push(" AND e.regency_code = ").push_bind(r.to_string());
        }
    };
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT count(DISTINCT c.enterprise_id) FILTER (WHERE c.scheme = 'sni_type5'),
             count(DISTINCT c.enterprise_id) FILTER (WHERE c.scheme = 'iso'),
             count(DISTINCT c.enterprise_id)
         FROM certifications c JOIN enterprises e ON e.id = c.enterprise_id WHERE c.state = ANY(",
    );
    qb.push_bind(VALID_CERTIFICATE_STATES.iter().map(|s| s.to_string()).collect::<Vec<_>>()).push(")");
    push_region(&mut qb);
    let (certified_sni, certified_iso, certified_any): (i64, i64, i64) =
        qb.build_query_as().fetch_one(pool).await.map_err(db)?;
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT count(*), count(*) FILTER (WHERE meets_threshold), floor(avg(score_permille))::bigint FROM (
             SELECT DISTINCT ON (a.enterprise_id) a.score_permille, a.meets_threshold
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id
             WHERE a.status = 'completed'",
    );
    push_region(&mut qb);
    qb.push(" ORDER BY a.enterprise_id, a.completed_at DESC, a.id DESC) latest");
    let (assessed, ready, readiness_avg_permille): (i64, i64, Option<i64>) =
        qb.build_query_as().fetch_one(pool).await.map_err(db)?;
    Ok(Coverage { certified_sni, certified_iso, certified_any, assessed, ready, readiness_avg_permille })
}

#[async_trait]
impl InsightStore for PgStore {
    async fn rollup(&self, q: &RollupQuery) -> Result<Vec<RollupRow>> {
        rollup(&self.read, q).await
    }

    async fn rebuild_rollups(&self) -> Result<u64> {
        let mut conn = self.primary.acquire().await.map_err(db)?;
        rebuild(&mut conn).await
    }

    async fn years_with_data(&self) -> Result<Vec<i32>> {
        sqlx::query_scalar("SELECT DISTINCT year FROM insight_rollup_province WHERE units > 0 ORDER BY year")
            .fetch_all(&self.read)
            .await
            .map_err(db)
    }

    async fn coverage(&self, region: Option<&str>) -> Result<Coverage> {
        coverage(&self.read, region).await
    }
}
