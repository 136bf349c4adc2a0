//! Bulk import: one transaction per batch, set-based writes.
//!
//! Each batch reads the current state of its NIBs in two queries, decides
//! every row's outcome in memory (in input order, so a later row sees an
//! earlier one), then writes only what changed with one `UNNEST` statement
//! per table. Rows that change nothing write nothing, which is what makes a
//! re-run of the same file a no-op. A large load switches to the bulk-load
//! mode ([`crate::bulk`]) in the transaction of its first batch that pays.

use crate::registry::{figures_of, name_key, profile_of, search_text, PROFILE_COLUMNS};
use crate::{audit, bulk, db};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::FieldError;
use naikkelas_store::{AuditContext, ImportRow, Result, RowOutcome};
use sqlx::{PgConnection, PgPool, Row};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

struct Enterprise {
    id: Option<i64>,
    profile: EnterpriseProfile,
    dirty: bool,
}

struct Year {
    figures: YearlyFigures,
    finalised: bool,
    dirty: bool,
}

pub(crate) async fn import_batch(
    pool: &PgPool,
    mode: &Mutex<bulk::Mode>,
    rows: &[ImportRow],
    ctx: &AuditContext,
) -> Result<Vec<RowOutcome>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (active, announced) = {
        let m = mode.lock().unwrap_or_else(|p| p.into_inner());
        (m.active, m.announced)
    };
    let mut tx = pool.begin().await.map_err(db)?;
    let stored: i64 =
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM enterprises").fetch_one(&mut *tx).await.map_err(db)?;
    let (outcomes, changed_nibs, entered) = merge(&mut tx, rows, ctx, |new_enterprises, inserted| match announced {
        Some((expected, seen)) if !active => {
            let remaining = expected.saturating_sub(seen + rows.len() as u64);
            bulk::pays(rows.len(), inserted, new_enterprises, stored, remaining)
        }
        _ => false,
    })
    .await?;
    if active || entered {
        bulk::relax_commit(&mut tx).await?;
    }
    let count = |f: fn(&RowOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    // One entry per batch, as the SQLite backend writes it: per-row entries
    // would make the serial chain the bottleneck of a national import.
    let summary = serde_json::json!({
        "inserted": count(|o| matches!(o, RowOutcome::Inserted)),
        "updated": count(|o| matches!(o, RowOutcome::Updated)),
        "unchanged": count(|o| matches!(o, RowOutcome::Unchanged)),
        "rejected": count(|o| matches!(o, RowOutcome::Rejected(_))),
        "changed_nibs": changed_nibs,
    });
    let entity_id = format!("rows {}-{}", rows[0].row, rows[rows.len() - 1].row);
    audit::record(&mut tx, ctx, "import", "enterprise_batch", &entity_id, None, Some(summary.to_string())).await?;
    tx.commit().await.map_err(db)?;
    // Only once committed: a rolled-back batch changed no schema.
    let mut m = mode.lock().unwrap_or_else(|p| p.into_inner());
    m.active |= entered;
    if let Some((_, seen)) = &mut m.announced {
        *seen += rows.len() as u64;
    }
    Ok(outcomes)
}

/// Applies the batch; returns each row's outcome, the NIBs that changed (in
/// the order of their first change) and whether it entered the bulk-load
/// mode, which it does before writing when `enter(new enterprises, new
/// years)` says so.
async fn merge(
    conn: &mut PgConnection,
    rows: &[ImportRow],
    ctx: &AuditContext,
    enter: impl FnOnce(usize, usize) -> bool,
) -> Result<(Vec<RowOutcome>, Vec<String>, bool)> {
    let mut nibs: Vec<String> = rows.iter().map(|r| r.profile.nib.to_string()).collect();
    nibs.sort_unstable();
    nibs.dedup();

    // Locked in NIB order, so two overlapping imports cannot deadlock.
    let sql =
        format!("SELECT {PROFILE_COLUMNS} FROM enterprises e WHERE e.nib = ANY($1) ORDER BY e.nib FOR UPDATE OF e");
    let mut ents: HashMap<String, Enterprise> = HashMap::with_capacity(nibs.len());
    for row in sqlx::query(&sql).bind(&nibs).fetch_all(&mut *conn).await.map_err(db)? {
        let (id, profile) = profile_of(&row)?;
        ents.insert(profile.nib.to_string(), Enterprise { id: Some(id), profile, dirty: false });
    }
    // By the ids just locked, so the plan is an index scan of the primary
    // key whatever the statistics say (during a load they lag far behind
    // the table); and no query at all when every NIB is new.
    let nib_of: HashMap<i64, &str> = ents.iter().map(|(nib, e)| (e.id.expect("stored"), nib.as_str())).collect();
    let figs_rows = if ents.is_empty() {
        Vec::new()
    } else {
        sqlx::query(
            "SELECT f.enterprise_id, f.year, f.workers, f.investment_idr, f.production_idr, f.export_usd_cents, \
             f.capacity, f.capacity_unit, f.finalised_at IS NOT NULL FROM figures f \
             WHERE f.enterprise_id = ANY($1)",
        )
        .bind(nib_of.keys().copied().collect::<Vec<i64>>())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
    };
    let mut years: HashMap<(String, i32), Year> = HashMap::with_capacity(figs_rows.len() + rows.len());
    for row in &figs_rows {
        let f = figures_of(row, 1);
        let nib = nib_of[&row.get::<i64, _>(0)].to_string();
        years.insert((nib, f.year), Year { figures: f, finalised: row.get(8), dirty: false });
    }

    let mut outcomes = Vec::with_capacity(rows.len());
    let mut changed: Vec<String> = Vec::new();
    let mut changed_set: HashSet<&str> = HashSet::new();
    let mut seen: HashSet<(&str, i32)> = HashSet::with_capacity(rows.len());
    for r in rows {
        let nib = r.profile.nib.as_str();
        if !seen.insert((nib, r.figures.year)) {
            outcomes.push(RowOutcome::Rejected(FieldError::new("nib", "row.duplicate").with("value", nib)));
            continue;
        }
        let key = (nib.to_string(), r.figures.year);
        let year = years.get(&key);
        let figures_change = year.is_none_or(|y| y.figures != r.figures);
        if figures_change && year.is_some_and(|y| y.finalised) {
            outcomes.push(RowOutcome::Rejected(
                FieldError::new("tahun_data", "figures.final").with("value", r.figures.year),
            ));
            continue;
        }
        let ent = ents.get(nib);
        let profile_change = ent.is_none_or(|e| e.profile != r.profile);
        outcomes.push(match (year.is_some(), figures_change || profile_change) {
            (false, _) => RowOutcome::Inserted,
            (true, true) => RowOutcome::Updated,
            (true, false) => RowOutcome::Unchanged,
        });
        if (profile_change || figures_change) && changed_set.insert(nib) {
            changed.push(nib.to_string());
        }
        if profile_change {
            let id = ent.and_then(|e| e.id);
            ents.insert(nib.to_string(), Enterprise { id, profile: r.profile.clone(), dirty: true });
        }
        if figures_change {
            let finalised = year.is_some_and(|y| y.finalised);
            years.insert(key, Year { figures: r.figures.clone(), finalised, dirty: true });
        }
    }

    // Every stored year of the batch's NIBs is in `years`, so the latest
    // figures are known here and go in with the profile: a second UPDATE
    // would rewrite each new row (and its trigram entries) once more.
    let mut latest: HashMap<&str, &YearlyFigures> = HashMap::new();
    for ((nib, year), y) in &years {
        let slot = latest.entry(nib.as_str()).or_insert(&y.figures);
        if *year > slot.year {
            *slot = &y.figures;
        }
    }
    let inserted = outcomes.iter().filter(|o| matches!(o, RowOutcome::Inserted)).count();
    let new_enterprises = ents.values().filter(|e| e.id.is_none()).count();
    let entered = enter(new_enterprises, inserted);
    if entered {
        bulk::enter(conn).await?;
    }
    write_enterprises(conn, &mut ents, &latest, ctx).await?;
    let dirty_years: Vec<(i64, &YearlyFigures)> = years
        .iter()
        .filter(|(_, y)| y.dirty)
        .map(|((nib, _), y)| (ents[nib.as_str()].id.expect("written above"), &y.figures))
        .collect();
    write_figures(conn, &dirty_years).await?;
    // Enterprises whose figures changed but whose profile did not.
    let mut figure_only: Vec<(i64, &YearlyFigures)> = Vec::new();
    let mut seen_ids = HashSet::new();
    for ((nib, _), y) in &years {
        let e = &ents[nib.as_str()];
        if y.dirty && !e.dirty && seen_ids.insert(nib.as_str()) {
            figure_only.push((e.id.expect("stored"), latest[nib.as_str()]));
        }
    }
    write_latest(conn, &figure_only, ctx).await?;
    Ok((outcomes, changed, entered))
}

/// Upserts every changed profile and replaces its KBLI links; fills in the
/// ids of new enterprises. Returns the ids written.
async fn write_enterprises(
    conn: &mut PgConnection,
    ents: &mut HashMap<String, Enterprise>,
    latest: &HashMap<&str, &YearlyFigures>,
    ctx: &AuditContext,
) -> Result<Vec<i64>> {
    let dirty: Vec<&EnterpriseProfile> = ents.values().filter(|e| e.dirty).map(|e| &e.profile).collect();
    if dirty.is_empty() {
        return Ok(Vec::new());
    }
    let last = |p: &EnterpriseProfile| latest.get(p.nib.as_str()).copied();
    let col = |f: &dyn Fn(&EnterpriseProfile) -> String| dirty.iter().map(|p| f(p)).collect::<Vec<String>>();
    let opt =
        |f: &dyn Fn(&EnterpriseProfile) -> Option<String>| dirty.iter().map(|p| f(p)).collect::<Vec<Option<String>>>();
    // Products and commodities travel as array literals: UNNEST cannot carry
    // ragged arrays (and parsing JSON per row cost more).
    let written = sqlx::query(
        "INSERT INTO enterprises (nib, name, owner_name, address, province_code, regency_code, district_code, \
         products, commodities, founded_year, phone, email, search_text, created_at, updated_at, name_key, \
         latest_year, latest_workers, latest_size_class) \
         SELECT t.nib, t.name, t.owner_name, t.address, t.province_code, t.regency_code, t.district_code, \
         t.products::text[], t.commodities::text[], \
         t.founded_year, t.phone, t.email, t.search_text, $14, $14, t.name_key, \
         t.latest_year, t.latest_workers, t.latest_size_class \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
                     $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[], $15::text[], \
                     $16::int[], $17::bigint[], $18::text[]) \
              AS t(nib, name, owner_name, address, province_code, regency_code, district_code, products, \
                   commodities, founded_year, phone, email, search_text, name_key, \
                   latest_year, latest_workers, latest_size_class) \
         ON CONFLICT (nib) DO UPDATE SET name = EXCLUDED.name, owner_name = EXCLUDED.owner_name, \
         address = EXCLUDED.address, province_code = EXCLUDED.province_code, regency_code = EXCLUDED.regency_code, \
         district_code = EXCLUDED.district_code, products = EXCLUDED.products, commodities = EXCLUDED.commodities, \
         founded_year = EXCLUDED.founded_year, phone = EXCLUDED.phone, email = EXCLUDED.email, \
         search_text = EXCLUDED.search_text, name_key = EXCLUDED.name_key, \
         latest_year = EXCLUDED.latest_year, latest_workers = EXCLUDED.latest_workers, \
         latest_size_class = EXCLUDED.latest_size_class, version = enterprises.version + 1, \
         updated_at = EXCLUDED.updated_at \
         RETURNING id, nib",
    )
    .bind(col(&|p| p.nib.to_string()))
    .bind(col(&|p| p.name.clone()))
    .bind(col(&|p| p.owner_name.clone()))
    .bind(col(&|p| p.address.clone()))
    .bind(col(&|p| p.province_code().to_string()))
    .bind(col(&|p| p.regency.to_string()))
    .bind(opt(&|p| p.district.as_ref().map(|d| d.to_string())))
    .bind(col(&|p| array_literal(&p.products)))
    .bind(col(&|p| array_literal(&p.commodities)))
    .bind(dirty.iter().map(|p| p.founded_year).collect::<Vec<Option<i32>>>())
    .bind(opt(&|p| p.phone.clone()))
    .bind(opt(&|p| p.email.clone()))
    .bind(col(&|p| search_text(p)))
    .bind(ctx.at)
    .bind(col(&|p| name_key(&p.name)))
    .bind(dirty.iter().map(|p| last(p).map(|f| f.year)).collect::<Vec<Option<i32>>>())
    .bind(dirty.iter().map(|p| last(p).map(|f| f.workers)).collect::<Vec<Option<i64>>>())
    .bind(dirty.iter().map(|p| last(p).map(|f| f.size_class().as_str().to_string())).collect::<Vec<Option<String>>>())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;

    let mut ids = Vec::with_capacity(written.len());
    let (mut k_ids, mut k_pos, mut k_codes, mut k_divs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in &written {
        let id: i64 = row.get(0);
        let nib: String = row.get(1);
        let e = ents.get_mut(&nib).expect("written from this map");
        e.id = Some(id);
        ids.push(id);
        for (i, k) in e.profile.kbli.iter().enumerate() {
            k_ids.push(id);
            k_pos.push(i as i32 + 1);
            k_codes.push(k.as_str().to_string());
            k_divs.push(k.division().to_string());
        }
    }
    sqlx::query("DELETE FROM enterprise_kbli WHERE enterprise_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query(
        "INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) \
         SELECT t.id, t.pos, t.code, $5, t.division FROM UNNEST($1::bigint[], $2::int[], $3::text[], $4::text[]) AS t(id, pos, code, division)",
    )
    .bind(k_ids)
    .bind(k_pos)
    .bind(k_codes)
    .bind(k_divs)
    .bind(naikkelas_core::reference::KBLI_VERSION)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(ids)
}

/// The latest figures of enterprises whose profile stayed as it was.
async fn write_latest(conn: &mut PgConnection, rows: &[(i64, &YearlyFigures)], ctx: &AuditContext) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE enterprises e SET latest_year = t.year, latest_workers = t.workers, \
         latest_size_class = t.size_class, updated_at = $5 \
         FROM UNNEST($1::bigint[], $2::int[], $3::bigint[], $4::text[]) AS t(id, year, workers, size_class) \
         WHERE e.id = t.id",
    )
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
    .bind(rows.iter().map(|(_, f)| f.year).collect::<Vec<i32>>())
    .bind(rows.iter().map(|(_, f)| f.workers).collect::<Vec<i64>>())
    .bind(rows.iter().map(|(_, f)| f.size_class().as_str().to_string()).collect::<Vec<String>>())
    .bind(ctx.at)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Upserts changed figures; finalisation and correction counts stay as they
/// are (a final year only reaches here with identical values rejected above).
/// A new year takes the enterprise's quality level here, in one join, which
/// the rollups' BEFORE trigger would otherwise look up row by row; a stored
/// year keeps its level.
async fn write_figures(conn: &mut PgConnection, years: &[(i64, &YearlyFigures)]) -> Result<()> {
    if years.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents, \
         capacity, capacity_unit, size_class, quality_level) \
         SELECT t.*, e.quality_level \
         FROM UNNEST($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], \
                     $7::bigint[], $8::text[], $9::text[]) \
              AS t(enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents, capacity, \
                   capacity_unit, size_class) \
         JOIN enterprises e ON e.id = t.enterprise_id \
         ON CONFLICT (enterprise_id, year) DO UPDATE SET workers = EXCLUDED.workers, \
         investment_idr = EXCLUDED.investment_idr, production_idr = EXCLUDED.production_idr, \
         export_usd_cents = EXCLUDED.export_usd_cents, capacity = EXCLUDED.capacity, \
         capacity_unit = EXCLUDED.capacity_unit, size_class = EXCLUDED.size_class",
    )
    .bind(years.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
    .bind(years.iter().map(|(_, f)| f.year).collect::<Vec<i32>>())
    .bind(years.iter().map(|(_, f)| f.workers).collect::<Vec<i64>>())
    .bind(years.iter().map(|(_, f)| f.investment.get()).collect::<Vec<i64>>())
    .bind(years.iter().map(|(_, f)| f.production.get()).collect::<Vec<i64>>())
    .bind(years.iter().map(|(_, f)| f.export.cents()).collect::<Vec<i64>>())
    .bind(years.iter().map(|(_, f)| f.capacity).collect::<Vec<Option<i64>>>())
    .bind(years.iter().map(|(_, f)| f.capacity_unit.clone()).collect::<Vec<Option<String>>>())
    .bind(years.iter().map(|(_, f)| f.size_class().as_str().to_string()).collect::<Vec<String>>())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// `v` as a PostgreSQL array literal (`{"a","b \"c\""}`), every element
/// quoted so that none reads as NULL or splits on a comma.
fn array_literal(v: &[String]) -> String {
    let mut out = String::with_capacity(2 + v.iter().map(|s| s.len() + 3).sum::<usize>());
    out.push('{');
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in s.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::array_literal;

    #[test]
    fn array_literals_quote_every_element() {
        assert_eq!(array_literal(&[]), "{}");
        let v = ["tahu, tempe".to_string(), "NULL".into(), r#"kata "ini" \ itu"#.into()];
        assert_eq!(array_literal(&v), r#"{"tahu, tempe","NULL","kata \"ini\" \\ itu"}"#);
    }
}
