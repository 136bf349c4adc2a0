//! Bulk upsert for imports.
//!
//! This path runs on a dedicated `rusqlite` connection to the same file
//! (see [`crate::connect::bulk`]), not on the sqlx pool: sqlx decodes rows
//! one at a time through its worker thread, which held imports to some
//! 50 000 rows/s, while prepared statements executed in place run an order
//! of magnitude faster. Both drivers link the same `libsqlite3-sys`.
//!
//! Shape of one call, all in one `BEGIN IMMEDIATE` transaction: walk the
//! rows in input order; the first time a NIB appears, one indexed lookup
//! fetches the stored profile columns (compared with the row as stored
//! text, without decoding them into a profile) and one fetches the stored
//! figures. Each row's outcome is decided in memory, so a later row sees
//! what an earlier one did. Then every enterprise the batch changed is
//! written once with cached prepared statements: its profile (with KBLI
//! rows and search entry) only when the profile is new or changed, the
//! `latest_*` columns always, and the years it changed.
//!
//! Audit: one entry per call (action `import`, entity type
//! `enterprise_batch`) whose `after` lists the counts and the NIBs that
//! changed, rather than one entry per row. A national import of millions
//! of rows would otherwise multiply the log, and the serial hash chain
//! would become the import's bottleneck; the per-row detail is in the
//! import report, and every later edit of an enterprise is audited per
//! enterprise as usual.

use crate::audit::json;
use crate::registry::{kbli_json, name_key, search_body};
use naikkelas_core::audit::{AuditRecord, GENESIS};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::reference::KBLI_VERSION;
use naikkelas_core::{FieldError, Rupiah, UsdCents};
use naikkelas_store::{AuditContext, ImportRow, Result, RowOutcome, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::borrow::Cow;
use std::collections::HashMap;

/// `?` for rusqlite results, like [`crate::Db`] for sqlx.
trait Bulk<T> {
    fn bulk(self) -> Result<T>;
}

impl<T> Bulk<T> for rusqlite::Result<T> {
    fn bulk(self) -> Result<T> {
        self.map_err(StoreError::backend)
    }
}

/// One stored or imported year of one enterprise.
struct Year<'a> {
    values: Cow<'a, YearlyFigures>,
    finalised: bool,
    /// A row of this batch named this year (a second one is a duplicate).
    seen: bool,
    /// This batch writes the values.
    dirty: bool,
}

/// What the batch knows about one enterprise, as stored plus its changes.
struct Entry<'a> {
    id: i64,
    is_new: bool,
    /// The profile as of the last applied row; `None` while it is still the
    /// stored one (never decoded: see `first`).
    current: Option<&'a EnterpriseProfile>,
    /// The first row's profile and whether the stored columns equal it.
    first: (&'a EnterpriseProfile, bool),
    profile_changed: bool,
    years: Vec<Year<'a>>,
    in_order: bool,
}

const FIND_ENTERPRISE: &str = "SELECT id, name, owner_name, address, regency_code, district_code, founded_year, \
     phone, email, kbli, products, commodities FROM enterprises WHERE nib = ?1";
const FIND_PROFILE: &str = "SELECT id, name, owner_name, address, regency_code, district_code, founded_year, \
     phone, email, kbli, products, commodities FROM enterprises WHERE id = ?1";
const FIND_FIGURES: &str = "SELECT year, workers, investment_idr, production_idr, export_usd_cents, capacity, \
     capacity_unit, finalised_at IS NOT NULL FROM figures WHERE enterprise_id = ?1";

pub(crate) fn import(conn: &mut Connection, rows: &[ImportRow], audit: &AuditContext) -> Result<Vec<RowOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).bulk()?;
    let out = import_in(&tx, rows, audit)?;
    tx.commit().bulk()?;
    Ok(out)
}

fn import_in(conn: &Connection, rows: &[ImportRow], audit: &AuditContext) -> Result<Vec<RowOutcome>> {
    let at = audit.at_text();
    let mut next_id: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM enterprises", [], |r| r.get(0)).bulk()?;
    let mut find = conn.prepare_cached(FIND_ENTERPRISE).bulk()?;
    let mut find_figures = conn.prepare_cached(FIND_FIGURES).bulk()?;

    let mut index: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut entries: Vec<Entry> = Vec::with_capacity(rows.len());
    // Enterprises in the order they first changed, as the audit lists them.
    let mut order: Vec<usize> = Vec::new();
    let mut outcomes = Vec::with_capacity(rows.len());
    let (mut inserted, mut updated, mut unchanged, mut rejected) = (0usize, 0usize, 0usize, 0usize);

    for row in rows {
        let nib = row.profile.nib.as_str();
        let year = row.figures.year;
        let i = match index.get(nib) {
            Some(&i) => i,
            None => {
                let stored = find
                    .query_row([nib], |r| Ok((r.get::<_, i64>(0)?, stored_profile_equals(r, &row.profile)?)))
                    .optional()
                    .bulk()?;
                let entry = match stored {
                    Some((id, same)) => Entry {
                        id,
                        is_new: false,
                        current: None,
                        first: (&row.profile, same),
                        profile_changed: false,
                        years: stored_years(&mut find_figures, id)?,
                        in_order: false,
                    },
                    None => {
                        next_id += 1;
                        Entry {
                            id: next_id - 1,
                            is_new: true,
                            current: Some(&row.profile),
                            first: (&row.profile, true),
                            profile_changed: false,
                            years: Vec::new(),
                            in_order: false,
                        }
                    }
                };
                entries.push(entry);
                index.insert(nib, entries.len() - 1);
                entries.len() - 1
            }
        };
        let e = &mut entries[i];

        let stored = e.years.iter_mut().position(|y| y.values.year == year);
        if let Some(y) = stored.map(|s| &mut e.years[s]) {
            if y.seen {
                outcomes.push(RowOutcome::Rejected(
                    FieldError::new("nib", "row.duplicate").with("value", nib).with("year", year),
                ));
                rejected += 1;
                continue;
            }
            y.seen = true;
            if y.finalised && *y.values != row.figures {
                outcomes.push(RowOutcome::Rejected(FieldError::new("tahun_data", "figures.final").with("value", year)));
                rejected += 1;
                continue;
            }
        }
        let new_year = stored.is_none();
        let figures_changed = stored.is_some_and(|s| *e.years[s].values != row.figures);
        // A later row's profile wins, also for an enterprise this batch
        // creates; only for a stored one is it an update.
        let profile_changed = match e.current {
            Some(p) => *p != row.profile,
            None if std::ptr::eq(e.first.0, &row.profile) || *e.first.0 == row.profile => !e.first.1,
            None => !conn
                .prepare_cached(FIND_PROFILE)
                .and_then(|mut s| s.query_row([e.id], |r| stored_profile_equals(r, &row.profile)))
                .bulk()?,
        };
        e.current = Some(&row.profile);
        if profile_changed {
            e.profile_changed = !e.is_new;
        }
        match stored {
            None => {
                e.years.push(Year { values: Cow::Borrowed(&row.figures), finalised: false, seen: true, dirty: true })
            }
            Some(s) if figures_changed => {
                let y = &mut e.years[s];
                y.values = Cow::Borrowed(&row.figures);
                y.finalised = false;
                y.dirty = true;
            }
            Some(_) => {}
        }
        if !e.in_order && (e.is_new || e.profile_changed || e.years.iter().any(|y| y.dirty)) {
            e.in_order = true;
            order.push(i);
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
    drop(find);
    drop(find_figures);

    write(conn, &entries, &order, &at)?;

    let changed_nibs: Vec<&str> =
        order.iter().map(|&i| entries[i].current.expect("a changed entry has a row").nib.as_str()).collect();
    let after = serde_json::json!({
        "inserted": inserted,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected,
        "changed_nibs": changed_nibs,
    });
    let (first, last) = (rows[0].row, rows[rows.len() - 1].row);
    let rec = crate::audit::record(
        audit,
        "import",
        "enterprise_batch",
        &format!("rows {first}-{last}"),
        None,
        Some(after.to_string()),
    );
    append_audit(conn, rec)?;
    Ok(outcomes)
}

fn text_eq(v: ValueRef<'_>, s: &str) -> bool {
    matches!(v, ValueRef::Text(t) if t == s.as_bytes())
}

fn opt_text_eq(v: ValueRef<'_>, s: Option<&str>) -> bool {
    match (v, s) {
        (ValueRef::Null, None) => true,
        (v, Some(s)) => text_eq(v, s),
        _ => false,
    }
}

/// Whether the profile columns of `r` (selected as in [`FIND_ENTERPRISE`])
/// hold exactly what writing `p` would store. Compared as stored text, so
/// nothing is parsed or allocated but the row's JSON lists.
fn stored_profile_equals(r: &rusqlite::Row<'_>, p: &EnterpriseProfile) -> rusqlite::Result<bool> {
    let founded = match (r.get_ref(6)?, p.founded_year) {
        (ValueRef::Null, None) => true,
        (ValueRef::Integer(a), Some(b)) => a == i64::from(b),
        _ => false,
    };
    Ok(founded
        && text_eq(r.get_ref(1)?, &p.name)
        && text_eq(r.get_ref(2)?, &p.owner_name)
        && text_eq(r.get_ref(3)?, &p.address)
        && text_eq(r.get_ref(4)?, p.regency.as_str())
        && opt_text_eq(r.get_ref(5)?, p.district.as_ref().map(|d| d.as_str()))
        && opt_text_eq(r.get_ref(7)?, p.phone.as_deref())
        && opt_text_eq(r.get_ref(8)?, p.email.as_deref())
        && text_eq(r.get_ref(9)?, &kbli_json(p))
        && text_eq(r.get_ref(10)?, &json(&p.products))
        && text_eq(r.get_ref(11)?, &json(&p.commodities)))
}

fn stored_years<'a>(stmt: &mut rusqlite::CachedStatement<'_>, id: i64) -> Result<Vec<Year<'a>>> {
    let mut rows = stmt.query([id]).bulk()?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().bulk()? {
        let values = YearlyFigures {
            year: r.get(0).bulk()?,
            workers: r.get(1).bulk()?,
            investment: Rupiah::new_unchecked(r.get(2).bulk()?),
            production: Rupiah::new_unchecked(r.get(3).bulk()?),
            export: UsdCents::new_unchecked(r.get(4).bulk()?),
            capacity: r.get(5).bulk()?,
            capacity_unit: r.get(6).bulk()?,
        };
        out.push(Year { values: Cow::Owned(values), finalised: r.get(7).bulk()?, seen: false, dirty: false });
    }
    Ok(out)
}

fn write(conn: &Connection, entries: &[Entry], order: &[usize], at: &str) -> Result<()> {
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO enterprises (id, nib, name, name_key, owner_name, address, province_code, regency_code,
                 district_code, founded_year, phone, email, kbli, products, commodities, quality_level,
                 latest_year, latest_size_class, latest_workers, version, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 'L0', ?16, ?17, ?18, 1,
                 ?19, ?19)",
        )
        .bulk()?;
    // The version moves only when the profile changed, not for new figures.
    let mut update_profile = conn
        .prepare_cached(
            "UPDATE enterprises SET name = ?2, name_key = ?3, owner_name = ?4, address = ?5, province_code = ?6,
                 regency_code = ?7, district_code = ?8, founded_year = ?9, phone = ?10, email = ?11, kbli = ?12,
                 products = ?13, commodities = ?14, latest_year = ?15, latest_size_class = ?16,
                 latest_workers = ?17, version = version + 1, updated_at = ?18
             WHERE id = ?1",
        )
        .bulk()?;
    let mut update_latest = conn
        .prepare_cached(
            "UPDATE enterprises SET latest_year = ?2, latest_size_class = ?3, latest_workers = ?4, updated_at = ?5
             WHERE id = ?1",
        )
        .bulk()?;
    let mut delete_kbli = conn.prepare_cached("DELETE FROM enterprise_kbli WHERE enterprise_id = ?1").bulk()?;
    let mut insert_kbli = conn
        .prepare_cached(
            "INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bulk()?;
    let mut delete_search = conn.prepare_cached("DELETE FROM enterprise_search WHERE rowid = ?1").bulk()?;
    let mut insert_search =
        conn.prepare_cached("INSERT INTO enterprise_search (rowid, body) VALUES (?1, ?2)").bulk()?;
    let mut upsert_figures = conn
        .prepare_cached(
            "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents,
                 capacity, capacity_unit, size_class)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (enterprise_id, year) DO UPDATE SET workers = excluded.workers,
                 investment_idr = excluded.investment_idr, production_idr = excluded.production_idr,
                 export_usd_cents = excluded.export_usd_cents, capacity = excluded.capacity,
                 capacity_unit = excluded.capacity_unit, size_class = excluded.size_class",
        )
        .bulk()?;

    for e in order.iter().map(|&i| &entries[i]) {
        let p = e.current.expect("a changed entry has a row");
        let latest = e.years.iter().map(|y| &*y.values).max_by_key(|f| f.year);
        let (latest_year, latest_size, latest_workers) =
            (latest.map(|f| f.year), latest.map(|f| f.size_class().as_str()), latest.map(|f| f.workers));
        let reprofiled = e.is_new || e.profile_changed;
        if e.is_new {
            insert
                .execute(params![
                    e.id,
                    p.nib.as_str(),
                    p.name,
                    name_key(&p.name),
                    p.owner_name,
                    p.address,
                    p.province_code(),
                    p.regency.as_str(),
                    p.district.as_ref().map(|d| d.as_str()),
                    p.founded_year,
                    p.phone,
                    p.email,
                    kbli_json(p),
                    json(&p.products),
                    json(&p.commodities),
                    latest_year,
                    latest_size,
                    latest_workers,
                    at,
                ])
                .bulk()?;
        } else if e.profile_changed {
            update_profile
                .execute(params![
                    e.id,
                    p.name,
                    name_key(&p.name),
                    p.owner_name,
                    p.address,
                    p.province_code(),
                    p.regency.as_str(),
                    p.district.as_ref().map(|d| d.as_str()),
                    p.founded_year,
                    p.phone,
                    p.email,
                    kbli_json(p),
                    json(&p.products),
                    json(&p.commodities),
                    latest_year,
                    latest_size,
                    latest_workers,
                    at,
                ])
                .bulk()?;
            delete_kbli.execute([e.id]).bulk()?;
            delete_search.execute([e.id]).bulk()?;
        } else {
            update_latest.execute(params![e.id, latest_year, latest_size, latest_workers, at]).bulk()?;
        }
        if reprofiled {
            // KBLI rows and the search entry follow the profile.
            for (i, k) in p.kbli.iter().enumerate() {
                insert_kbli.execute(params![e.id, i as i64, k.as_str(), KBLI_VERSION, k.division()]).bulk()?;
            }
            insert_search.execute(params![e.id, search_body(p)]).bulk()?;
        }
        for f in e.years.iter().filter(|y| y.dirty).map(|y| &*y.values) {
            upsert_figures
                .execute(params![
                    e.id,
                    f.year,
                    f.workers,
                    f.investment.get(),
                    f.production.get(),
                    f.export.cents(),
                    f.capacity,
                    f.capacity_unit,
                    f.size_class().as_str(),
                ])
                .bulk()?;
        }
    }
    Ok(())
}

/// The bulk connection's copy of [`crate::audit::append`]: chains `r` to
/// the last entry inside the caller's write transaction.
fn append_audit(conn: &Connection, r: AuditRecord) -> Result<()> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .bulk()?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let e = r.chain(seq, &prev);
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, entity_type, entity_id, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![e.seq, e.at, e.actor, e.action, e.entity_type, e.entity_id, e.before, e.after, e.prev_hash, e.hash],
    )
    .bulk()?;
    Ok(())
}
