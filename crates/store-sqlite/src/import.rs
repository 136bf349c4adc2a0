//! Bulk upsert for imports.
//!
//! Shape of one call: read every enterprise and figure the batch touches in
//! a few `IN (…)` queries, decide each row's outcome in memory (in input
//! order, so a later row sees what an earlier one did), then write the
//! changes with multi-row statements of fixed size, which the connection's
//! statement cache prepares once. There is no per-row round trip.
//!
//! Audit: one entry per call (action `import`, entity type
//! `enterprise_batch`) whose `after` lists the counts and the NIBs that
//! changed, rather than one entry per row. A national import of millions
//! of rows would otherwise multiply the log, and the serial hash chain
//! would become the import's bottleneck; the per-row detail is in the
//! import report, and every later edit of an enterprise is audited per
//! enterprise as usual.

use crate::audit::{self, json};
use crate::figures::for_enterprises;
use crate::registry::{kbli_json, name_key, profile_from_row, search_body, ENTERPRISE_COLUMNS};
use crate::Db;
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::reference::KBLI_VERSION;
use naikkelas_core::FieldError;
use naikkelas_store::{AuditContext, ImportRow, Result, RowOutcome};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the batch knows about one enterprise, as stored plus its changes.
struct Entry {
    id: i64,
    profile: EnterpriseProfile,
    /// Year → (values, final).
    figures: BTreeMap<i32, (YearlyFigures, bool)>,
    is_new: bool,
    profile_changed: bool,
    /// Years whose values this batch writes.
    dirty_years: Vec<i32>,
}

/// Rows per multi-row statement; with ≤ 22 columns this stays under
/// SQLite's 32 766 bound parameters.
const CHUNK: usize = 1000;
const LOOKUP_CHUNK: usize = 500;

pub(crate) async fn import(
    conn: &mut SqliteConnection,
    rows: &[ImportRow],
    audit: &AuditContext,
) -> Result<Vec<RowOutcome>> {
    let at = audit.at_text();
    let mut entries = load(conn, rows).await?;
    let mut next_id: i64 =
        sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM enterprises").fetch_one(&mut *conn).await.db()?;
    // Enterprises in first-seen order, so ids and writes follow the file.
    let mut order: Vec<String> = Vec::new();
    let mut in_order: HashSet<String> = HashSet::new();
    let mut seen: HashSet<(&str, i32)> = HashSet::with_capacity(rows.len());
    let mut outcomes = Vec::with_capacity(rows.len());
    let (mut inserted, mut updated, mut unchanged, mut rejected) = (0usize, 0usize, 0usize, 0usize);

    for row in rows {
        let nib = row.profile.nib.as_str();
        let year = row.figures.year;
        if !seen.insert((nib, year)) {
            outcomes.push(RowOutcome::Rejected(
                FieldError::new("nib", "row.duplicate").with("value", nib).with("year", year),
            ));
            rejected += 1;
            continue;
        }
        let e = entries.entry(nib.to_string()).or_insert_with(|| {
            let id = next_id;
            next_id += 1;
            Entry {
                id,
                profile: row.profile.clone(),
                figures: BTreeMap::new(),
                is_new: true,
                profile_changed: false,
                dirty_years: Vec::new(),
            }
        });
        let stored = e.figures.get(&year);
        if let Some((values, true)) = stored {
            if *values != row.figures {
                outcomes.push(RowOutcome::Rejected(FieldError::new("tahun_data", "figures.final").with("value", year)));
                rejected += 1;
                continue;
            }
        }
        let new_year = stored.is_none();
        let figures_changed = stored.is_some_and(|(v, _)| *v != row.figures);
        // A later row's profile wins, also for an enterprise this batch
        // creates; only for a stored one is it an update.
        let profile_changed = e.profile != row.profile;
        if profile_changed {
            e.profile = row.profile.clone();
            e.profile_changed = !e.is_new;
        }
        if new_year || figures_changed {
            e.figures.insert(year, (row.figures.clone(), false));
            if !e.dirty_years.contains(&year) {
                e.dirty_years.push(year);
            }
        }
        if (e.is_new || e.profile_changed || !e.dirty_years.is_empty()) && in_order.insert(nib.to_string()) {
            order.push(nib.to_string());
        }
        outcomes.push(if new_year {
            inserted += 1;
            RowOutcome::Inserted
        } else if profile_changed || figures_changed {
            updated += 1;
            RowOutcome::Updated
        } else {
            unchanged += 1;
            RowOutcome::Unchanged
        });
    }

    let changed: Vec<&Entry> = order.iter().map(|n| &entries[n]).collect();
    write(conn, &changed, &at).await?;

    let after = serde_json::json!({
        "inserted": inserted,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected,
        "changed_nibs": order,
    });
    let (first, last) = (rows[0].row, rows[rows.len() - 1].row);
    let rec = audit::record(
        audit,
        "import",
        "enterprise_batch",
        &format!("rows {first}-{last}"),
        None,
        Some(after.to_string()),
    );
    audit::append(conn, rec).await?;
    Ok(outcomes)
}

/// The stored state of every enterprise the batch names.
async fn load(conn: &mut SqliteConnection, rows: &[ImportRow]) -> Result<HashMap<String, Entry>> {
    let mut nibs: Vec<&str> = rows.iter().map(|r| r.profile.nib.as_str()).collect();
    nibs.sort_unstable();
    nibs.dedup();
    let mut entries = HashMap::new();
    let mut ids = Vec::new();
    for chunk in nibs.chunks(LOOKUP_CHUNK) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.nib IN "));
        qb.push_tuples(chunk, |mut b, n| {
            b.push_bind(n.to_string());
        });
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let id: i64 = r.try_get("id").db()?;
            let profile = profile_from_row(&r)?;
            ids.push(id);
            entries.insert(
                profile.nib.as_str().to_string(),
                Entry {
                    id,
                    profile,
                    figures: BTreeMap::new(),
                    is_new: false,
                    profile_changed: false,
                    dirty_years: Vec::new(),
                },
            );
        }
    }
    if !ids.is_empty() {
        let by_id: HashMap<i64, String> = entries.iter().map(|(n, e)| (e.id, n.clone())).collect();
        for (id, figures) in for_enterprises(conn, &ids).await? {
            let e = entries.get_mut(&by_id[&id]).expect("loaded above");
            e.figures = figures.into_iter().map(|f| (f.figures.year, (f.figures, f.finalised_at.is_some()))).collect();
        }
    }
    Ok(entries)
}

fn latest(e: &Entry) -> Option<&YearlyFigures> {
    e.figures.values().next_back().map(|(f, _)| f)
}

async fn write(conn: &mut SqliteConnection, changed: &[&Entry], at: &str) -> Result<()> {
    let new: Vec<&Entry> = changed.iter().copied().filter(|e| e.is_new).collect();
    let existing: Vec<&Entry> = changed.iter().copied().filter(|e| !e.is_new).collect();

    for chunk in new.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO enterprises (id, nib, name, name_key, owner_name, address, province_code, regency_code,
                 district_code, founded_year, phone, email, kbli, products, commodities, quality_level,
                 latest_year, latest_size_class, latest_workers, version, created_at, updated_at) ",
        );
        qb.push_values(chunk, |mut b, e| {
            let p = &e.profile;
            let l = latest(e);
            b.push_bind(e.id)
                .push_bind(p.nib.as_str())
                .push_bind(p.name.as_str())
                .push_bind(name_key(&p.name))
                .push_bind(p.owner_name.as_str())
                .push_bind(p.address.as_str())
                .push_bind(p.province_code())
                .push_bind(p.regency.as_str())
                .push_bind(p.district.as_ref().map(|d| d.as_str()))
                .push_bind(p.founded_year)
                .push_bind(p.phone.as_deref())
                .push_bind(p.email.as_deref())
                .push_bind(kbli_json(p))
                .push_bind(json(&p.products))
                .push_bind(json(&p.commodities))
                .push_bind("L0")
                .push_bind(l.map(|f| f.year))
                .push_bind(l.map(|f| f.size_class().as_str()))
                .push_bind(l.map(|f| f.workers))
                .push_bind(1i64)
                .push_bind(at)
                .push_bind(at);
        });
        qb.build().execute(&mut *conn).await.db()?;
    }

    // One multi-row UPDATE … FROM (VALUES …) per chunk; the version moves
    // only when the profile changed, not for new figures.
    for chunk in existing.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE enterprises SET name = v.column2, name_key = v.column3,
             owner_name = v.column4, address = v.column5, province_code = v.column6, regency_code = v.column7,
             district_code = v.column8, founded_year = v.column9, phone = v.column10, email = v.column11,
             kbli = v.column12, products = v.column13, commodities = v.column14, latest_year = v.column15,
             latest_size_class = v.column16, latest_workers = v.column17,
             version = enterprises.version + v.column18, updated_at = v.column19
             FROM (",
        );
        qb.push_values(chunk, |mut b, e| {
            let p = &e.profile;
            let l = latest(e);
            b.push_bind(e.id)
                .push_bind(p.name.as_str())
                .push_bind(name_key(&p.name))
                .push_bind(p.owner_name.as_str())
                .push_bind(p.address.as_str())
                .push_bind(p.province_code())
                .push_bind(p.regency.as_str())
                .push_bind(p.district.as_ref().map(|d| d.as_str()))
                .push_bind(p.founded_year)
                .push_bind(p.phone.as_deref())
                .push_bind(p.email.as_deref())
                .push_bind(kbli_json(p))
                .push_bind(json(&p.products))
                .push_bind(json(&p.commodities))
                .push_bind(l.map(|f| f.year))
                .push_bind(l.map(|f| f.size_class().as_str()))
                .push_bind(l.map(|f| f.workers))
                .push_bind(i64::from(e.profile_changed))
                .push_bind(at);
        });
        qb.push(") AS v WHERE enterprises.id = v.column1");
        qb.build().execute(&mut *conn).await.db()?;
    }

    // KBLI rows and search entries follow the profile.
    let reprofiled: Vec<&Entry> = changed.iter().copied().filter(|e| e.is_new || e.profile_changed).collect();
    let stale: Vec<i64> = reprofiled.iter().filter(|e| !e.is_new).map(|e| e.id).collect();
    for chunk in stale.chunks(CHUNK) {
        for table in
            ["DELETE FROM enterprise_kbli WHERE enterprise_id IN ", "DELETE FROM enterprise_search WHERE rowid IN "]
        {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(table);
            qb.push_tuples(chunk, |mut b, id| {
                b.push_bind(*id);
            });
            qb.build().execute(&mut *conn).await.db()?;
        }
    }
    let kbli: Vec<(i64, usize, &naikkelas_core::Kbli)> =
        reprofiled.iter().flat_map(|e| e.profile.kbli.iter().enumerate().map(move |(i, k)| (e.id, i, k))).collect();
    for chunk in kbli.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) ",
        );
        qb.push_values(chunk, |mut b, (id, i, k)| {
            b.push_bind(*id).push_bind(*i as i64).push_bind(k.as_str()).push_bind(KBLI_VERSION).push_bind(k.division());
        });
        qb.build().execute(&mut *conn).await.db()?;
    }
    for chunk in reprofiled.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO enterprise_search (rowid, body) ");
        qb.push_values(chunk, |mut b, e| {
            b.push_bind(e.id).push_bind(search_body(&e.profile));
        });
        qb.build().execute(&mut *conn).await.db()?;
    }

    let figures: Vec<(i64, &YearlyFigures)> =
        changed.iter().flat_map(|e| e.dirty_years.iter().map(move |y| (e.id, &e.figures[y].0))).collect();
    for chunk in figures.chunks(CHUNK) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents,
                 capacity, capacity_unit, size_class) ",
        );
        qb.push_values(chunk, |mut b, (id, f)| {
            b.push_bind(*id)
                .push_bind(f.year)
                .push_bind(f.workers)
                .push_bind(f.investment.get())
                .push_bind(f.production.get())
                .push_bind(f.export.cents())
                .push_bind(f.capacity)
                .push_bind(f.capacity_unit.as_deref())
                .push_bind(f.size_class().as_str());
        });
        // `WHERE true` lets SQLite parse ON CONFLICT after a VALUES list.
        qb.push(
            " ON CONFLICT (enterprise_id, year) DO UPDATE SET workers = excluded.workers,
                 investment_idr = excluded.investment_idr, production_idr = excluded.production_idr,
                 export_usd_cents = excluded.export_usd_cents, capacity = excluded.capacity,
                 capacity_unit = excluded.capacity_unit, size_class = excluded.size_class",
        );
        qb.build().execute(&mut *conn).await.db()?;
    }
    Ok(())
}
