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
use crate::bulk;
use crate::registry::{kbli_json, name_key, search_body};
use naikkelas_core::audit::{AuditRecord, GENESIS};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::reference::KBLI_VERSION;
use naikkelas_core::{FieldError, Rupiah, SizeClass, UsdCents};
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
    /// The stored row's size class; `None` for a year this batch adds.
    stored: Option<Option<SizeClass>>,
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
    /// The stored `latest_size_class`, to leave its index alone when the
    /// newest year's class does not move.
    latest_size: Option<SizeClass>,
    /// The stored quality level ('L0' for a new enterprise), which a new
    /// year of its figures records.
    level: String,
    in_order: bool,
}

/// An enterprise with all its years, one result row per year (or one with
/// a NULL year): columns 0–11 are [`FIND_PROFILE`]'s, 12 the stored
/// `latest_size_class`, 13–21 one year, 22 the stored quality level.
const FIND_ENTERPRISE: &str = "SELECT e.id, e.name, e.owner_name, e.address, e.regency_code, e.district_code, \
     e.founded_year, e.phone, e.email, e.kbli, e.products, e.commodities, e.latest_size_class, f.year, f.workers, \
     f.investment_idr, f.production_idr, f.export_usd_cents, f.capacity, f.capacity_unit, f.size_class, \
     f.finalised_at IS NOT NULL, e.quality_level \
     FROM enterprises e LEFT JOIN figures f ON f.enterprise_id = e.id WHERE e.nib = ?1";
const FIND_PROFILE: &str = "SELECT id, name, owner_name, address, regency_code, district_code, founded_year, \
     phone, email, kbli, products, commodities FROM enterprises WHERE id = ?1";

pub(crate) fn import(
    conn: &mut Connection,
    rows: &[ImportRow],
    audit: &AuditContext,
    mode: &mut bulk::Mode,
) -> Result<Vec<RowOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).bulk()?;
    let (out, entered) = import_in(&tx, rows, audit, mode)?;
    tx.commit().bulk()?;
    // Only once committed: a rolled-back batch dropped nothing.
    if entered.is_some() {
        mode.active = entered;
        conn.pragma_update(None, "wal_autocheckpoint", bulk::BULK_AUTOCHECKPOINT).bulk()?;
    }
    if let Some((_, seen)) = &mut mode.announced {
        *seen += rows.len() as u64;
    }
    Ok(out)
}

/// The batch's outcomes, and the flagged id if the batch entered the bulk
/// mode ([`bulk`]).
fn import_in(
    conn: &Connection,
    rows: &[ImportRow],
    audit: &AuditContext,
    mode: &bulk::Mode,
) -> Result<(Vec<RowOutcome>, Option<i64>)> {
    let at = audit.at_text();
    let mut next_id: i64 =
        conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM enterprises", [], |r| r.get(0)).bulk()?;
    let stored_max = next_id - 1;
    let mut find = conn.prepare_cached(FIND_ENTERPRISE).bulk()?;
    // Scratch space for the JSON lists a comparison needs.
    let mut buf = Vec::new();

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
                let entry = match lookup(&mut find, &mut buf, &row.profile)? {
                    Some(stored) => stored,
                    None => {
                        next_id += 1;
                        Entry {
                            id: next_id - 1,
                            is_new: true,
                            current: Some(&row.profile),
                            first: (&row.profile, true),
                            profile_changed: false,
                            years: Vec::new(),
                            latest_size: None,
                            level: "L0".to_string(),
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
                .and_then(|mut s| s.query_row([e.id], |r| stored_profile_equals(r, &row.profile, &mut buf)))
                .bulk()?,
        };
        e.current = Some(&row.profile);
        if profile_changed {
            e.profile_changed = !e.is_new;
        }
        match stored {
            None => e.years.push(Year {
                values: Cow::Borrowed(&row.figures),
                stored: None,
                finalised: false,
                seen: true,
                dirty: true,
            }),
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

    // In the bulk mode, new enterprises get their search entries when the
    // load ends; the flag says so in this same transaction.
    let mut entered = None;
    let defer_search = match (mode.active, mode.announced) {
        (Some(watermark), _) => {
            bulk::flag(conn, watermark)?;
            true
        }
        (None, Some((expected, seen))) => {
            let new_enterprises = entries.iter().filter(|e| e.is_new).count();
            let remaining = expected.saturating_sub(seen + rows.len() as u64);
            let pays = bulk::pays(rows.len(), inserted, new_enterprises, stored_max, remaining);
            if pays {
                bulk::enter(conn, stored_max)?;
                entered = Some(stored_max);
            }
            pays
        }
        (None, None) => false,
    };
    write(conn, &entries, &order, &at, defer_search)?;

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
    Ok((outcomes, entered))
}

fn text_eq(v: ValueRef<'_>, s: &str) -> bool {
    bytes_eq(v, s.as_bytes())
}

fn opt_text_eq(v: ValueRef<'_>, s: Option<&str>) -> bool {
    match (v, s) {
        (ValueRef::Null, None) => true,
        (v, Some(s)) => text_eq(v, s),
        _ => false,
    }
}

/// Whether the profile columns of `r` (selected as in [`FIND_PROFILE`])
/// hold exactly what writing `p` would store. Compared as stored text, so
/// nothing is parsed; the JSON lists are written into `buf`.
fn stored_profile_equals(r: &rusqlite::Row<'_>, p: &EnterpriseProfile, buf: &mut Vec<u8>) -> rusqlite::Result<bool> {
    let founded = match (r.get_ref(6)?, p.founded_year) {
        (ValueRef::Null, None) => true,
        (ValueRef::Integer(a), Some(b)) => a == i64::from(b),
        _ => false,
    };
    let same = founded
        && text_eq(r.get_ref(1)?, &p.name)
        && text_eq(r.get_ref(2)?, &p.owner_name)
        && text_eq(r.get_ref(3)?, &p.address)
        && text_eq(r.get_ref(4)?, p.regency.as_str())
        && opt_text_eq(r.get_ref(5)?, p.district.as_ref().map(|d| d.as_str()))
        && opt_text_eq(r.get_ref(7)?, p.phone.as_deref())
        && opt_text_eq(r.get_ref(8)?, p.email.as_deref());
    Ok(same
        && bytes_eq(r.get_ref(9)?, kbli_json_into(buf, p))
        && bytes_eq(r.get_ref(10)?, json_into(buf, &p.products))
        && bytes_eq(r.get_ref(11)?, json_into(buf, &p.commodities)))
}

fn bytes_eq(v: ValueRef<'_>, b: &[u8]) -> bool {
    matches!(v, ValueRef::Text(t) if t == b)
}

/// [`kbli_json`] without allocating: the codes are five ASCII digits, so
/// no character needs escaping.
fn kbli_json_into<'b>(buf: &'b mut Vec<u8>, p: &EnterpriseProfile) -> &'b [u8] {
    buf.clear();
    buf.push(b'[');
    for (i, k) in p.kbli.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'"');
        buf.extend_from_slice(k.as_str().as_bytes());
        buf.push(b'"');
    }
    buf.push(b']');
    buf
}

/// [`json`] into a reused buffer.
fn json_into<'b>(buf: &'b mut Vec<u8>, v: &[String]) -> &'b [u8] {
    buf.clear();
    serde_json::to_writer(&mut *buf, v).expect("a list of strings always serialises");
    buf
}

fn size_class_of(v: ValueRef<'_>) -> Option<SizeClass> {
    match v {
        ValueRef::Text(t) => SizeClass::ALL.into_iter().find(|c| c.as_str().as_bytes() == t),
        _ => None,
    }
}

/// The stored enterprise with this row's NIB and all its years, or `None`.
fn lookup<'a>(
    find: &mut rusqlite::CachedStatement<'_>,
    buf: &mut Vec<u8>,
    p: &'a EnterpriseProfile,
) -> Result<Option<Entry<'a>>> {
    let mut rows = find.query([p.nib.as_str()]).bulk()?;
    let Some(r) = rows.next().bulk()? else { return Ok(None) };
    let mut e = Entry {
        id: r.get(0).bulk()?,
        is_new: false,
        current: None,
        first: (p, stored_profile_equals(r, p, buf).bulk()?),
        profile_changed: false,
        years: Vec::new(),
        latest_size: size_class_of(r.get_ref(12).bulk()?),
        level: r.get(22).bulk()?,
        in_order: false,
    };
    let mut next = Some(r);
    while let Some(r) = next {
        if let Some(year) = r.get::<_, Option<i32>>(13).bulk()? {
            let values = YearlyFigures {
                year,
                workers: r.get(14).bulk()?,
                investment: Rupiah::new_unchecked(r.get(15).bulk()?),
                production: Rupiah::new_unchecked(r.get(16).bulk()?),
                export: UsdCents::new_unchecked(r.get(17).bulk()?),
                capacity: r.get(18).bulk()?,
                capacity_unit: r.get(19).bulk()?,
            };
            e.years.push(Year {
                values: Cow::Owned(values),
                stored: Some(size_class_of(r.get_ref(20).bulk()?)),
                finalised: r.get(21).bulk()?,
                seen: false,
                dirty: false,
            });
        }
        next = rows.next().bulk()?;
    }
    Ok(Some(e))
}

/// Writes every changed enterprise once. Statements touch only what moved:
/// SQLite rewrites an index whenever its column is assigned, equal value or
/// not, so a size class that stays is left out of the `SET`, and the KBLI
/// rows and search entry (an FTS delete re-tokenises the old text) are
/// rewritten only when their source fields changed. With `defer_search`,
/// a new enterprise gets no search entry here ([`bulk::finish`] adds it).
/// A new year takes the enterprise's quality level at once (read with the
/// stored enterprise; 'L0' for a new one), so the end of a bulk load has no
/// pending levels to fill (an update of every new row, 10 s of a 1 M-row
/// load).
fn write(conn: &Connection, entries: &[Entry], order: &[usize], at: &str, defer_search: bool) -> Result<()> {
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO enterprises (id, nib, name, name_key, owner_name, address, province_code, regency_code,
                 district_code, founded_year, phone, email, kbli, products, commodities, quality_level,
                 latest_year, latest_size_class, latest_workers, version, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 'L0', ?16, ?17, ?18, 1,
                 ?19, ?19)",
        )
        .bulk()?;
    // What the side tables are made from, before the profile changes.
    let mut side_sources = conn.prepare_cached("SELECT name, kbli, products FROM enterprises WHERE id = ?1").bulk()?;
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
    let mut update_latest_same_class = conn
        .prepare_cached("UPDATE enterprises SET latest_year = ?2, latest_workers = ?3, updated_at = ?4 WHERE id = ?1")
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
    let mut insert_figures = conn
        .prepare_cached(
            "INSERT INTO figures (enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents,
                 capacity, capacity_unit, size_class, quality_level)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bulk()?;
    let mut update_figures = conn
        .prepare_cached(
            "UPDATE figures SET workers = ?3, investment_idr = ?4, production_idr = ?5, export_usd_cents = ?6,
                 capacity = ?7, capacity_unit = ?8, size_class = ?9
             WHERE enterprise_id = ?1 AND year = ?2",
        )
        .bulk()?;
    let mut update_figures_same_class = conn
        .prepare_cached(
            "UPDATE figures SET workers = ?3, investment_idr = ?4, production_idr = ?5, export_usd_cents = ?6,
                 capacity = ?7, capacity_unit = ?8
             WHERE enterprise_id = ?1 AND year = ?2",
        )
        .bulk()?;
    let mut buf = Vec::new();

    for e in order.iter().map(|&i| &entries[i]) {
        let p = e.current.expect("a changed entry has a row");
        let latest = e.years.iter().map(|y| &*y.values).max_by_key(|f| f.year);
        let (latest_year, latest_class, latest_workers) =
            (latest.map(|f| f.year), latest.map(|f| f.size_class()), latest.map(|f| f.workers));
        let latest_size = latest_class.map(SizeClass::as_str);
        // (KBLI rows, search entry) to write.
        let (kbli, search) = if e.is_new {
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
            (true, !defer_search)
        } else if e.profile_changed {
            let (kbli, search) = side_sources
                .query_row([e.id], |r| {
                    let kbli = !bytes_eq(r.get_ref(1)?, kbli_json_into(&mut buf, p));
                    let search =
                        !text_eq(r.get_ref(0)?, &p.name) || !bytes_eq(r.get_ref(2)?, json_into(&mut buf, &p.products));
                    Ok((kbli, search))
                })
                .bulk()?;
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
            if kbli {
                delete_kbli.execute([e.id]).bulk()?;
            }
            if search {
                delete_search.execute([e.id]).bulk()?;
            }
            (kbli, search)
        } else {
            if latest_class.is_some() && latest_class == e.latest_size {
                update_latest_same_class.execute(params![e.id, latest_year, latest_workers, at]).bulk()?;
            } else {
                update_latest.execute(params![e.id, latest_year, latest_size, latest_workers, at]).bulk()?;
            }
            (false, false)
        };
        // KBLI rows and the search entry follow the profile.
        if kbli {
            for (i, k) in p.kbli.iter().enumerate() {
                insert_kbli.execute(params![e.id, i as i64, k.as_str(), KBLI_VERSION, k.division()]).bulk()?;
            }
        }
        if search {
            insert_search.execute(params![e.id, search_body(p)]).bulk()?;
        }
        for y in e.years.iter().filter(|y| y.dirty) {
            let f = &*y.values;
            let class = f.size_class();
            let stmt = match y.stored {
                None => {
                    insert_figures
                        .execute(params![
                            e.id,
                            f.year,
                            f.workers,
                            f.investment.get(),
                            f.production.get(),
                            f.export.cents(),
                            f.capacity,
                            f.capacity_unit,
                            class.as_str(),
                            e.level,
                        ])
                        .bulk()?;
                    continue;
                }
                Some(stored) if stored == Some(class) => {
                    update_figures_same_class
                        .execute(params![
                            e.id,
                            f.year,
                            f.workers,
                            f.investment.get(),
                            f.production.get(),
                            f.export.cents(),
                            f.capacity,
                            f.capacity_unit,
                        ])
                        .bulk()?;
                    continue;
                }
                Some(_) => &mut update_figures,
            };
            stmt.execute(params![
                e.id,
                f.year,
                f.workers,
                f.investment.get(),
                f.production.get(),
                f.export.cents(),
                f.capacity,
                f.capacity_unit,
                class.as_str(),
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
