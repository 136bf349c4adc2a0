//! Yearly figures: record, finalise, correct with a kept revision.

use crate::audit::{self, json};
use crate::registry::{corrupt, id_of};
use crate::Db;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::{FieldError, Nib, Rupiah, SizeClass, UsdCents};
use naikkelas_store::{AuditContext, FigureRevision, FiguresRecord, Result, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;

pub(crate) const FIGURE_COLUMNS: &str = "enterprise_id, year, workers, investment_idr, production_idr, \
     export_usd_cents, capacity, capacity_unit, size_class, finalised_at, finalised_by, corrections";

pub(crate) fn values_from_row(r: &SqliteRow) -> Result<YearlyFigures> {
    Ok(YearlyFigures {
        year: r.try_get("year").db()?,
        workers: r.try_get("workers").db()?,
        investment: Rupiah::new_unchecked(r.try_get("investment_idr").db()?),
        production: Rupiah::new_unchecked(r.try_get("production_idr").db()?),
        export: UsdCents::new_unchecked(r.try_get("export_usd_cents").db()?),
        capacity: r.try_get("capacity").db()?,
        capacity_unit: r.try_get("capacity_unit").db()?,
    })
}

pub(crate) fn size_from(text: &str) -> Result<SizeClass> {
    SizeClass::parse(text).ok_or_else(|| corrupt("size class", text))
}

pub(crate) fn record_from_row(r: &SqliteRow) -> Result<FiguresRecord> {
    let size: String = r.try_get("size_class").db()?;
    Ok(FiguresRecord {
        figures: values_from_row(r)?,
        size_class: size_from(&size)?,
        finalised_at: r.try_get("finalised_at").db()?,
        finalised_by: r.try_get("finalised_by").db()?,
        corrections: r.try_get("corrections").db()?,
    })
}

/// All figures of the given enterprises, ascending by year.
pub(crate) async fn for_enterprises(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<FiguresRecord>>> {
    let mut out: HashMap<i64, Vec<FiguresRecord>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {FIGURE_COLUMNS} FROM figures WHERE enterprise_id IN "));
        qb.push_tuples(chunk, |mut b, id| {
            b.push_bind(*id);
        });
        qb.push(" ORDER BY enterprise_id, year");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            out.entry(r.try_get("enterprise_id").db()?).or_default().push(record_from_row(&r)?);
        }
    }
    Ok(out)
}

async fn year_row(conn: &mut SqliteConnection, id: i64, year: i32) -> Result<Option<FiguresRecord>> {
    let sql = format!("SELECT {FIGURE_COLUMNS} FROM figures WHERE enterprise_id = ? AND year = ?");
    let row = sqlx::query(&sql).bind(id).bind(year).fetch_optional(&mut *conn).await.db()?;
    row.as_ref().map(record_from_row).transpose()
}

/// Re-derives the list columns from the newest year after any figures write.
pub(crate) async fn refresh_latest(conn: &mut SqliteConnection, id: i64, at: &str) -> Result<()> {
    sqlx::query(
        "UPDATE enterprises SET (latest_year, latest_size_class, latest_workers) =
             (SELECT year, size_class, workers FROM figures WHERE enterprise_id = ?1 ORDER BY year DESC LIMIT 1),
             updated_at = ?2
         WHERE id = ?1",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await
    .db()?;
    Ok(())
}

pub(crate) async fn record(
    conn: &mut SqliteConnection,
    nib: &Nib,
    f: &YearlyFigures,
    audit: &AuditContext,
) -> Result<()> {
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    let before = year_row(conn, id, f.year).await?;
    if before.as_ref().is_some_and(|b| b.finalised_at.is_some()) {
        return Err(StoreError::Finalised { year: f.year });
    }
    sqlx::query(
        "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents,
             capacity, capacity_unit, size_class)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (enterprise_id, year) DO UPDATE SET workers = excluded.workers,
             investment_idr = excluded.investment_idr, production_idr = excluded.production_idr,
             export_usd_cents = excluded.export_usd_cents, capacity = excluded.capacity,
             capacity_unit = excluded.capacity_unit, size_class = excluded.size_class",
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
    .execute(&mut *conn)
    .await
    .db()?;
    refresh_latest(conn, id, &audit.at_text()).await?;
    // Exports in the latest year count towards L5 (DESIGN.md §3).
    crate::registry::recompute_quality(conn, id, audit).await?;
    let before = before.map(|b| json(&b.figures));
    audit::append(conn, audit::record(audit, "record_figures", "enterprise", nib.as_str(), before, Some(json(f))))
        .await?;
    Ok(())
}

pub(crate) async fn finalise(conn: &mut SqliteConnection, nib: &Nib, year: i32, audit: &AuditContext) -> Result<()> {
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    let current = year_row(conn, id, year).await?.ok_or(StoreError::NotFound)?;
    if current.finalised_at.is_some() {
        // Finalising twice keeps the first date and officer.
        return Ok(());
    }
    sqlx::query("UPDATE figures SET finalised_at = ?, finalised_by = ? WHERE enterprise_id = ? AND year = ?")
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(id)
        .bind(year)
        .execute(&mut *conn)
        .await
        .db()?;
    let after = serde_json::json!({ "year": year, "finalised_by": audit.actor }).to_string();
    audit::append(conn, audit::record(audit, "finalise", "enterprise", nib.as_str(), None, Some(after))).await?;
    Ok(())
}

pub(crate) async fn correct(
    conn: &mut SqliteConnection,
    nib: &Nib,
    f: &YearlyFigures,
    reason: &str,
    audit: &AuditContext,
) -> Result<()> {
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    let current = year_row(conn, id, f.year).await?.ok_or(StoreError::NotFound)?;
    if current.finalised_at.is_none() {
        return Err(StoreError::Conflict(FieldError::new("tahun_data", "figures.not_final").with("value", f.year)));
    }
    let old = &current.figures;
    sqlx::query(
        "INSERT INTO figure_revisions (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents,
             capacity, capacity_unit, reason, corrected_by, corrected_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(old.year)
    .bind(old.workers)
    .bind(old.investment.get())
    .bind(old.production.get())
    .bind(old.export.cents())
    .bind(old.capacity)
    .bind(&old.capacity_unit)
    .bind(reason)
    .bind(&audit.actor)
    .bind(audit.at_text())
    .execute(&mut *conn)
    .await
    .db()?;
    sqlx::query(
        "UPDATE figures SET workers = ?, investment_idr = ?, production_idr = ?, export_usd_cents = ?, capacity = ?,
             capacity_unit = ?, size_class = ?, corrections = corrections + 1
         WHERE enterprise_id = ? AND year = ?",
    )
    .bind(f.workers)
    .bind(f.investment.get())
    .bind(f.production.get())
    .bind(f.export.cents())
    .bind(f.capacity)
    .bind(&f.capacity_unit)
    .bind(f.size_class().as_str())
    .bind(id)
    .bind(f.year)
    .execute(&mut *conn)
    .await
    .db()?;
    refresh_latest(conn, id, &audit.at_text()).await?;
    // Exports in the latest year count towards L5 (DESIGN.md §3).
    crate::registry::recompute_quality(conn, id, audit).await?;
    let after = serde_json::json!({ "figures": f, "reason": reason }).to_string();
    let rec = audit::record(audit, "correct", "enterprise", nib.as_str(), Some(json(old)), Some(after));
    audit::append(conn, rec).await?;
    Ok(())
}

pub(crate) async fn revisions(pool: &SqlitePool, nib: &Nib) -> Result<Vec<FigureRevision>> {
    let rows = sqlx::query(
        "SELECT r.year, r.workers, r.investment_idr, r.production_idr, r.export_usd_cents, r.capacity,
                r.capacity_unit, r.reason, r.corrected_by, r.corrected_at
         FROM figure_revisions r JOIN enterprises e ON e.id = r.enterprise_id
         WHERE e.nib = ? ORDER BY r.id",
    )
    .bind(nib.as_str())
    .fetch_all(pool)
    .await
    .db()?;
    rows.iter()
        .map(|r| {
            Ok(FigureRevision {
                year: r.try_get("year").db()?,
                previous: values_from_row(r)?,
                reason: r.try_get("reason").db()?,
                corrected_by: r.try_get("corrected_by").db()?,
                corrected_at: r.try_get("corrected_at").db()?,
            })
        })
        .collect()
}
