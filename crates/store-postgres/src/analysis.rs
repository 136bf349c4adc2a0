//! Naik-kelas transitions, movers and programme-impact cohorts (see
//! `naikkelas_store::analysis`): joins of a year's figures with the next
//! year's (or start + horizon's) on the figures primary key. Reads go to
//! the read pool: an analysis may lag a replica by a moment.

use crate::{corrupt, db, PgStore};
use async_trait::async_trait;
use naikkelas_core::insight::impact::{CohortCell, Stratum};
use naikkelas_core::insight::transitions::{Direction, Ladder};
use naikkelas_core::{Nib, QualityLevel, RegionCode, SizeClass};
use naikkelas_store::analysis::sql::{column, moved_up, rank, region_column};
use naikkelas_store::analysis::*;
use naikkelas_store::Result;
use sqlx::{Postgres, QueryBuilder, Row};

fn push_region(qb: &mut QueryBuilder<'_, Postgres>, region: Option<&RegionCode>) {
    if let Some(r) = region {
        qb.push(format!(" AND {} = ", region_column(r))).push_bind(r.as_str().to_string());
    }
}

#[async_trait]
impl AnalysisStore for PgStore {
    async fn transitions(&self, region: Option<&RegionCode>, ladder: Ladder, year: i32) -> Result<Vec<TransitionCell>> {
        let c = column(ladder);
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT a.{c} AS from_rung, b.{c} AS to_rung, COUNT(*) AS n
             FROM figures a JOIN figures b ON b.enterprise_id = a.enterprise_id AND b.year = a.year + 1
             JOIN enterprises e ON e.id = a.enterprise_id
             WHERE a.quality_level <> '' AND b.quality_level <> '' AND a.year = "
        ));
        qb.push_bind(year);
        push_region(&mut qb, region);
        qb.push(format!(" GROUP BY a.{c}, b.{c} ORDER BY {}, {}", rank(ladder, "a"), rank(ladder, "b")));
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get("n").map_err(db)?;
                Ok(TransitionCell {
                    from: r.try_get("from_rung").map_err(db)?,
                    to: r.try_get("to_rung").map_err(db)?,
                    count: n as u64,
                })
            })
            .collect()
    }

    async fn movers(&self, q: &MoverQuery) -> Result<MoverPage> {
        let c = column(q.ladder);
        let op = match q.direction {
            Direction::Up => ">",
            Direction::Same => "=",
            Direction::Down => "<",
        };
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT e.nib, e.name, e.regency_code,
                    COALESCE((SELECT k.division FROM enterprise_kbli k WHERE k.enterprise_id = e.id ORDER BY k.position LIMIT 1), '')
                        AS division,
                    a.{c} AS from_rung, b.{c} AS to_rung
             FROM figures a JOIN figures b ON b.enterprise_id = a.enterprise_id AND b.year = a.year + 1
             JOIN enterprises e ON e.id = a.enterprise_id
             WHERE a.quality_level <> '' AND b.quality_level <> '' AND {} {op} {} AND a.year = ",
            rank(q.ladder, "b"),
            rank(q.ladder, "a"),
        ));
        qb.push_bind(q.year);
        push_region(&mut qb, q.region.as_ref());
        if let Some(after) = &q.after {
            qb.push(" AND e.nib > ").push_bind(after.as_str().to_string());
        }
        qb.push(" ORDER BY e.nib LIMIT ").push_bind(i64::from(q.limit) + 1);
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        let mut items = rows
            .iter()
            .map(|r| {
                let nib: String = r.try_get("nib").map_err(db)?;
                let regency: String = r.try_get("regency_code").map_err(db)?;
                Ok(Mover {
                    nib: Nib::parse(&nib).map_err(|e| corrupt("NIB", e))?,
                    name: r.try_get("name").map_err(db)?,
                    regency: RegionCode::parse(&regency).map_err(|e| corrupt("regency", e))?,
                    kbli_division: r.try_get("division").map_err(db)?,
                    from: r.try_get("from_rung").map_err(db)?,
                    to: r.try_get("to_rung").map_err(db)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = if items.len() > q.limit as usize {
            items.truncate(q.limit as usize);
            items.last().map(|m| m.nib.clone())
        } else {
            None
        };
        Ok(MoverPage { items, next })
    }

    async fn transition_years(&self) -> Result<Vec<i32>> {
        let years: Vec<i32> = sqlx::query_scalar(
            // From the provincial rollup cells (a few thousand rows), not
            // a scan of the figures.
            "SELECT DISTINCT y.year FROM insight_rollup_province y
             WHERE y.units > 0 AND EXISTS (SELECT 1 FROM insight_rollup_province n WHERE n.year = y.year + 1 AND n.units > 0)
             ORDER BY y.year",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(years)
    }

    async fn impact_cohort(&self, q: &CohortQuery) -> Result<Vec<CohortCell>> {
        // Participants start in the year their enrolment was first approved.
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
            "WITH part AS (
                 SELECT enterprise_id, MIN(CAST(substr(decided_at, 1, 4) AS INTEGER)) AS start_year
                 FROM program_enrolments
                 WHERE status = 'approved' AND decided_at IS NOT NULL AND program_id = ",
        );
        qb.push_bind(q.program_id);
        qb.push(format!(
            " GROUP BY enterprise_id),
             starts AS (SELECT DISTINCT start_year FROM part)
             SELECT CAST(a.year AS BIGINT) AS year, e.province_code,
                    COALESCE((SELECT k.division FROM enterprise_kbli k WHERE k.enterprise_id = e.id ORDER BY k.position LIMIT 1), '')
                        AS division,
                    a.size_class, a.quality_level, p.enterprise_id IS NOT NULL AS participant,
                    COUNT(*) AS observed, SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS moved_up
             FROM figures a
             JOIN starts s ON s.start_year = a.year
             JOIN figures b ON b.enterprise_id = a.enterprise_id AND b.year = a.year + ",
            moved_up("a", "b")
        ));
        qb.push_bind(i64::from(q.horizon));
        qb.push(
            " JOIN enterprises e ON e.id = a.enterprise_id
              LEFT JOIN part p ON p.enterprise_id = a.enterprise_id
              WHERE a.quality_level <> '' AND b.quality_level <> ''
                AND (p.enterprise_id IS NULL OR p.start_year = a.year)",
        );
        push_region(&mut qb, q.region.as_ref());
        qb.push(" GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6");
        let rows = qb.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                let size: String = r.try_get("size_class").map_err(db)?;
                let level: String = r.try_get("quality_level").map_err(db)?;
                let year: i64 = r.try_get("year").map_err(db)?;
                let observed: i64 = r.try_get("observed").map_err(db)?;
                let up: i64 = r.try_get("moved_up").map_err(db)?;
                Ok(CohortCell {
                    stratum: Stratum {
                        start_year: year as i32,
                        province: r.try_get("province_code").map_err(db)?,
                        kbli_division: r.try_get("division").map_err(db)?,
                        size_class: SizeClass::parse(&size).ok_or_else(|| corrupt("size class", &size))?,
                        level: QualityLevel::parse(&level).ok_or_else(|| corrupt("quality level", &level))?,
                    },
                    participant: r.try_get("participant").map_err(db)?,
                    observed: observed as u64,
                    moved_up: up as u64,
                })
            })
            .collect()
    }
}
