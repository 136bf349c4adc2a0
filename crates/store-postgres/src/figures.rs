//! Yearly figures: record, finalise, correct with a kept revision.

use crate::registry::{figures_of, lock_id};
use crate::{audit, db};
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::{FieldError, Nib};
use naikkelas_store::{rfc3339, AuditContext, FigureRevision, Result, StoreError};
use sqlx::{PgConnection, PgPool, Row};
use time::OffsetDateTime;

fn figures_json(f: &YearlyFigures) -> String {
    serde_json::to_string(f).expect("figures always serialise")
}

/// Keeps `latest_*` on `enterprises` equal to the newest year's figures, so
/// lists filter and show the latest size class without a subquery.
/// `at` also stamps `updated_at`; a data transfer passes `None` to keep it.
pub(crate) async fn refresh_latest(conn: &mut PgConnection, ids: &[i64], at: Option<OffsetDateTime>) -> Result<()> {
    sqlx::query(
        "UPDATE enterprises e SET latest_year = l.year, latest_workers = l.workers, \
         latest_size_class = l.size_class, updated_at = COALESCE($2, e.updated_at) \
         FROM (SELECT i.id, f.year, f.workers, f.size_class FROM UNNEST($1::bigint[]) AS i(id) \
               LEFT JOIN LATERAL (SELECT year, workers, size_class FROM figures \
                                  WHERE enterprise_id = i.id ORDER BY year DESC LIMIT 1) f ON TRUE) l \
         WHERE e.id = l.id",
    )
    .bind(ids)
    .bind(at)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The stored figures of one year and whether they are final.
async fn current(conn: &mut PgConnection, id: i64, year: i32) -> Result<Option<(YearlyFigures, bool)>> {
    let row = sqlx::query(
        "SELECT year, workers, investment_idr, production_idr, export_usd_cents, capacity, capacity_unit, \
         finalised_at IS NOT NULL FROM figures WHERE enterprise_id = $1 AND year = $2",
    )
    .bind(id)
    .bind(year)
    .fetch_optional(conn)
    .await
    .map_err(db)?;
    Ok(row.map(|r| (figures_of(&r, 0), r.get(7))))
}

async fn write(conn: &mut PgConnection, id: i64, f: &YearlyFigures) -> Result<()> {
    sqlx::query(
        "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents, \
         capacity, capacity_unit, size_class) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (enterprise_id, year) DO UPDATE SET workers = EXCLUDED.workers, \
         investment_idr = EXCLUDED.investment_idr, production_idr = EXCLUDED.production_idr, \
         export_usd_cents = EXCLUDED.export_usd_cents, capacity = EXCLUDED.capacity, \
         capacity_unit = EXCLUDED.capacity_unit, size_class = EXCLUDED.size_class",
    )
    .bind(id)
    .bind(f.year)
    .bind(f.workers)
    .bind(f.investment.get())
    .bind(f.production.get())
    .bind(f.export.cents())
    .bind(f.capacity)
    .bind(&f.capacity_unit)
    .bind(f.size_class().as_str())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn record(pool: &PgPool, nib: &Nib, f: &YearlyFigures, ctx: &AuditContext) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let id = lock_id(&mut tx, nib).await?;
    let before = current(&mut tx, id, f.year).await?;
    if let Some((_, true)) = before {
        return Err(StoreError::Finalised { year: f.year });
    }
    write(&mut tx, id, f).await?;
    refresh_latest(&mut tx, &[id], Some(ctx.at)).await?;
    // Exports in the latest year count towards L5 (DESIGN.md §3).
    crate::registry::refresh_quality(&mut tx, id, ctx).await?;
    let before = before.map(|(b, _)| figures_json(&b));
    audit::record(&mut tx, ctx, "record_figures", "enterprise", nib.as_str(), before, Some(figures_json(f))).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn finalise(pool: &PgPool, nib: &Nib, year: i32, ctx: &AuditContext) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let id = lock_id(&mut tx, nib).await?;
    match current(&mut tx, id, year).await? {
        None => return Err(StoreError::NotFound),
        // Finalising twice keeps the first instant and officer.
        Some((_, true)) => return Ok(()),
        Some((_, false)) => {}
    }
    sqlx::query("UPDATE figures SET finalised_at = $3, finalised_by = $4 WHERE enterprise_id = $1 AND year = $2")
        .bind(id)
        .bind(year)
        .bind(ctx.at)
        .bind(&ctx.actor)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let after = serde_json::json!({ "year": year, "finalised_by": ctx.actor }).to_string();
    audit::record(&mut tx, ctx, "finalise", "enterprise", nib.as_str(), None, Some(after)).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn correct(
    pool: &PgPool,
    nib: &Nib,
    f: &YearlyFigures,
    reason: &str,
    ctx: &AuditContext,
) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let id = lock_id(&mut tx, nib).await?;
    let previous = match current(&mut tx, id, f.year).await? {
        Some((prev, true)) => prev,
        _ => {
            return Err(StoreError::Conflict(FieldError::new("tahun_data", "figures.not_final").with("value", f.year)))
        }
    };
    sqlx::query(
        "INSERT INTO figure_revisions (enterprise_id, year, workers, investment_idr, production_idr, \
         export_usd_cents, capacity, capacity_unit, reason, corrected_by, corrected_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(previous.year)
    .bind(previous.workers)
    .bind(previous.investment.get())
    .bind(previous.production.get())
    .bind(previous.export.cents())
    .bind(previous.capacity)
    .bind(&previous.capacity_unit)
    .bind(reason)
    .bind(&ctx.actor)
    .bind(ctx.at)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    write(&mut tx, id, f).await?;
    sqlx::query("UPDATE figures SET corrections = corrections + 1 WHERE enterprise_id = $1 AND year = $2")
        .bind(id)
        .bind(f.year)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    refresh_latest(&mut tx, &[id], Some(ctx.at)).await?;
    // Exports in the latest year count towards L5 (DESIGN.md §3).
    crate::registry::refresh_quality(&mut tx, id, ctx).await?;
    let after = serde_json::json!({ "figures": f, "reason": reason }).to_string();
    audit::record(&mut tx, ctx, "correct", "enterprise", nib.as_str(), Some(figures_json(&previous)), Some(after))
        .await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn revisions(pool: &PgPool, nib: &Nib) -> Result<Vec<FigureRevision>> {
    let rows = sqlx::query(
        "SELECT r.year, r.workers, r.investment_idr, r.production_idr, r.export_usd_cents, r.capacity, \
         r.capacity_unit, r.reason, r.corrected_by, r.corrected_at \
         FROM figure_revisions r JOIN enterprises e ON e.id = r.enterprise_id WHERE e.nib = $1 ORDER BY r.id",
    )
    .bind(nib.as_str())
    .fetch_all(pool)
    .await
    .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| FigureRevision {
            year: r.get(0),
            previous: figures_of(r, 0),
            reason: r.get(7),
            corrected_by: r.get(8),
            corrected_at: rfc3339(r.get::<OffsetDateTime, _>(9)),
        })
        .collect())
}
