//! Bulk import: one transaction per batch, set-based writes.
//!
//! Each batch reads the current state of its NIBs in two queries, decides
//! every row's outcome in memory (in input order, so a later row sees an
//! earlier one), then writes only what changed. New rows (enterprises, their
//! KBLI codes, new years) go in by binary `COPY`, which costs the server a
//! fraction of an `INSERT … ON CONFLICT`: enterprise ids are taken from the
//! sequence first, and each row carries what the rollup triggers would
//! otherwise look up row by row (a new year's quality level, a new
//! enterprise's rollup division). Stored rows that changed are updated with
//! one `UNNEST` statement per table. Rows that change nothing write nothing,
//! which is what makes a re-run of the same file a no-op. A large load
//! switches to the bulk-load mode ([`crate::bulk`]) in the transaction of its
//! first batch that pays.
//!
//! A NIB or year that another writer inserts after the batch found it
//! missing makes the `COPY` fail on the unique key (or deadlock against that
//! writer): the batch is rolled back and run again, and then sees the row as
//! stored.

use crate::registry::{figures_of, name_key, profile_of, search_text, PROFILE_COLUMNS};
use crate::{audit, bulk, db};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::quality::QualityLevel;
use naikkelas_core::{FieldError, Nib};
use naikkelas_store::{AuditContext, ImportRow, Result, RowOutcome, StoreError};
use sqlx::postgres::PgCopyIn;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use time::OffsetDateTime;

/// Tries of a batch that keeps losing races to other writers. Each retry
/// sees the rows the winner wrote, so a second try almost always succeeds.
const ATTEMPTS: usize = 3;

/// Why one try of a batch failed.
enum Failure {
    /// A unique key taken by another writer, or a deadlock with one.
    Raced(sqlx::Error),
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        // unique_violation, deadlock_detected
        let raced = e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "23505" || c == "40P01");
        if raced {
            Failure::Raced(e)
        } else {
            Failure::Store(db(e))
        }
    }
}

type Attempt<T> = std::result::Result<T, Failure>;

pub(crate) async fn import_batch(
    pool: &PgPool,
    mode: &Mutex<bulk::Mode>,
    rows: &[ImportRow],
    ctx: &AuditContext,
) -> Result<Vec<RowOutcome>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut tries = 1;
    loop {
        match try_batch(pool, mode, rows, ctx).await {
            Ok(outcomes) => return Ok(outcomes),
            Err(Failure::Raced(e)) if tries < ATTEMPTS => {
                tracing::debug!(error = %e, "an import batch raced another writer; running it again");
                tries += 1;
            }
            Err(Failure::Raced(e)) => return Err(db(e)),
            Err(Failure::Store(e)) => return Err(e),
        }
    }
}

async fn try_batch(
    pool: &PgPool,
    mode: &Mutex<bulk::Mode>,
    rows: &[ImportRow],
    ctx: &AuditContext,
) -> Attempt<Vec<RowOutcome>> {
    let (active, announced) = {
        let m = mode.lock().unwrap_or_else(|p| p.into_inner());
        (m.active, m.announced)
    };
    let mut tx = pool.begin().await?;
    let stored_ids: i64 =
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM enterprises").fetch_one(&mut *tx).await?;
    let stored = Stored::read(&mut tx, rows).await?;
    let plan = Plan::new(rows, &stored);
    let entered = match announced {
        Some((expected, seen)) if !active => {
            let remaining = expected.saturating_sub(seen + rows.len() as u64);
            let inserted = plan.outcomes.iter().filter(|o| matches!(o, RowOutcome::Inserted)).count();
            bulk::pays(rows.len(), inserted, plan.new.len(), stored_ids, remaining)
        }
        _ => false,
    };
    if entered {
        bulk::enter(&mut tx).await?;
    }
    if active || entered {
        bulk::relax_commit(&mut tx).await?;
    }
    plan.write(&mut tx, ctx).await?;
    let outcomes = plan.outcomes;
    let count = |f: fn(&RowOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    // One entry per batch, as the SQLite backend writes it: per-row entries
    // would make the serial chain the bottleneck of a national import.
    let summary = serde_json::json!({
        "inserted": count(|o| matches!(o, RowOutcome::Inserted)),
        "updated": count(|o| matches!(o, RowOutcome::Updated)),
        "unchanged": count(|o| matches!(o, RowOutcome::Unchanged)),
        "rejected": count(|o| matches!(o, RowOutcome::Rejected(_))),
        "changed_nibs": plan.changed,
    });
    let entity_id = format!("rows {}-{}", rows[0].row, rows[rows.len() - 1].row);
    audit::record(&mut tx, ctx, "import", "enterprise_batch", &entity_id, None, Some(summary.to_string())).await?;
    tx.commit().await?;
    // Only once committed: a rolled-back batch changed no schema.
    let mut m = mode.lock().unwrap_or_else(|p| p.into_inner());
    m.active |= entered;
    if let Some((_, seen)) = &mut m.announced {
        *seen += rows.len() as u64;
    }
    Ok(outcomes)
}

/// What the database holds of the batch's NIBs, locked.
struct Stored {
    /// (id, quality level, profile)
    enterprises: Vec<(i64, String, EnterpriseProfile)>,
    /// (enterprise id, figures, finalised)
    years: Vec<(i64, YearlyFigures, bool)>,
}

impl Stored {
    async fn read(conn: &mut PgConnection, rows: &[ImportRow]) -> Attempt<Stored> {
        let mut nibs: Vec<&str> = rows.iter().map(|r| r.profile.nib.as_str()).collect();
        // The years of one NIB usually follow each other: fewer to sort.
        nibs.dedup();
        nibs.sort_unstable();
        nibs.dedup();
        // Locked in NIB order, so two overlapping imports cannot deadlock.
        let sql =
            format!("SELECT {PROFILE_COLUMNS} FROM enterprises e WHERE e.nib = ANY($1) ORDER BY e.nib FOR UPDATE OF e");
        let mut enterprises = Vec::new();
        for row in sqlx::query(&sql).bind(&nibs).fetch_all(&mut *conn).await? {
            let (id, profile) = profile_of(&row)?;
            enterprises.push((id, row.get::<String, _>(13), profile));
        }
        // By the ids just locked, so the plan is an index scan of the primary
        // key whatever the statistics say (during a load they lag far behind
        // the table); and no query at all when every NIB is new.
        let years = if enterprises.is_empty() {
            Vec::new()
        } else {
            sqlx::query(
                "SELECT f.enterprise_id, f.year, f.workers, f.investment_idr, f.production_idr, \
                 f.export_usd_cents, f.capacity, f.capacity_unit, f.finalised_at IS NOT NULL FROM figures f \
                 WHERE f.enterprise_id = ANY($1)",
            )
            .bind(enterprises.iter().map(|(id, _, _)| *id).collect::<Vec<i64>>())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| (row.get::<i64, _>(0), figures_of(row, 1), row.get::<bool, _>(8)))
            .collect()
        };
        Ok(Stored { enterprises, years })
    }
}

/// A NIB as a number, the plan's map key (13 digits, as `Nib` guarantees).
fn nib_key(nib: &Nib) -> u64 {
    nib.as_str().bytes().fold(0u64, |k, b| k.wrapping_mul(10).wrapping_add(u64::from(b.wrapping_sub(b'0'))))
}

/// Hashes the plan's numeric keys with a seeded mixer: SipHash of the NIB
/// text took more time than the rest of planning a batch, while the server
/// waited. The seed is random, so a file cannot be crafted to collide.
#[derive(Clone, Copy)]
struct Keyed(u64);

impl Keyed {
    fn new() -> Keyed {
        Keyed(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl BuildHasher for Keyed {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    /// The finaliser of SplitMix64 over the state and the value.
    fn write_u64(&mut self, v: u64) {
        let mut z = self.0 ^ v;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.0 = z ^ (z >> 31);
    }

    fn write_i32(&mut self, v: i32) {
        self.write_u64(u64::from(v as u32));
    }

    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// An enterprise of the batch, as stored or as the batch leaves it.
struct Enterprise<'a> {
    id: Option<i64>,
    /// A new one's place in [`Plan::new`].
    slot: usize,
    /// The quality level a new year of it takes.
    level: &'a str,
    profile: &'a EnterpriseProfile,
    /// Its profile is to be written.
    dirty: bool,
    /// In [`Plan::changed`].
    changed: bool,
    /// One of its years is to be written.
    figures_dirty: bool,
    /// Its latest year, stored or written.
    latest: Option<&'a YearlyFigures>,
}

/// One year of an enterprise of the batch.
struct Year<'a> {
    figures: &'a YearlyFigures,
    stored: bool,
    finalised: bool,
    dirty: bool,
    /// A row of this batch had it (a second one is a duplicate).
    seen: bool,
}

/// Every row's outcome and what the batch writes.
struct Plan<'a> {
    outcomes: Vec<RowOutcome>,
    /// The NIBs that changed, in the order of their first change.
    changed: Vec<&'a str>,
    enterprises: HashMap<u64, Enterprise<'a>, Keyed>,
    /// New enterprises in input order (their ids follow it).
    new: Vec<u64>,
    years: HashMap<(u64, i32), Year<'a>, Keyed>,
}

impl<'a> Plan<'a> {
    fn new(rows: &'a [ImportRow], stored: &'a Stored) -> Plan<'a> {
        let keyed = Keyed::new();
        let mut enterprises = HashMap::with_capacity_and_hasher(rows.len(), keyed);
        let mut nib_of: HashMap<i64, u64, Keyed> = HashMap::with_capacity_and_hasher(stored.enterprises.len(), keyed);
        for (id, level, profile) in &stored.enterprises {
            let nib = nib_key(&profile.nib);
            nib_of.insert(*id, nib);
            let e = Enterprise {
                id: Some(*id),
                slot: 0,
                level,
                profile,
                dirty: false,
                changed: false,
                figures_dirty: false,
                latest: None,
            };
            enterprises.insert(nib, e);
        }
        let mut years = HashMap::with_capacity_and_hasher(stored.years.len() + rows.len(), keyed);
        for (id, figures, finalised) in &stored.years {
            let year = Year { figures, stored: true, finalised: *finalised, dirty: false, seen: false };
            years.insert((nib_of[id], figures.year), year);
        }

        let mut outcomes = Vec::with_capacity(rows.len());
        let mut changed = Vec::new();
        let mut new = Vec::new();
        for r in rows {
            let nib = nib_key(&r.profile.nib);
            let key = (nib, r.figures.year);
            let mut year = years.get_mut(&key);
            if let Some(y) = &mut year {
                if y.seen {
                    let e = FieldError::new("nib", "row.duplicate").with("value", &r.profile.nib);
                    outcomes.push(RowOutcome::Rejected(e));
                    continue;
                }
                y.seen = true;
            }
            let figures_change = year.as_ref().is_none_or(|y| *y.figures != r.figures);
            if figures_change && year.as_ref().is_some_and(|y| y.finalised) {
                outcomes.push(RowOutcome::Rejected(
                    FieldError::new("tahun_data", "figures.final").with("value", r.figures.year),
                ));
                continue;
            }
            let ent = enterprises.get_mut(&nib);
            let profile_change = ent.as_ref().is_none_or(|e| *e.profile != r.profile);
            outcomes.push(match (year.is_some(), figures_change || profile_change) {
                (false, _) => RowOutcome::Inserted,
                (true, true) => RowOutcome::Updated,
                (true, false) => RowOutcome::Unchanged,
            });
            match ent {
                Some(e) => {
                    if (profile_change || figures_change) && !e.changed {
                        e.changed = true;
                        changed.push(r.profile.nib.as_str());
                    }
                    if profile_change {
                        e.profile = &r.profile;
                        e.dirty = true;
                    }
                    e.figures_dirty |= figures_change;
                }
                None => {
                    changed.push(r.profile.nib.as_str());
                    let e = Enterprise {
                        id: None,
                        slot: new.len(),
                        level: QualityLevel::L0.as_str(),
                        profile: &r.profile,
                        dirty: true,
                        changed: true,
                        figures_dirty: figures_change,
                        latest: None,
                    };
                    new.push(nib);
                    enterprises.insert(nib, e);
                }
            }
            if figures_change {
                match year {
                    Some(y) => {
                        y.figures = &r.figures;
                        y.dirty = true;
                    }
                    None => {
                        let y = Year { figures: &r.figures, stored: false, finalised: false, dirty: true, seen: true };
                        years.insert(key, y);
                    }
                }
            }
        }
        // Every stored year of the batch's NIBs is in `years`, so the latest
        // figures are known here and go in with the profile: a second UPDATE
        // would rewrite each new row (and its trigram entries) once more.
        for ((nib, year), y) in &years {
            let e = enterprises.get_mut(nib).expect("every year's enterprise is in the plan");
            if e.latest.is_none_or(|l| *year > l.year) {
                e.latest = Some(y.figures);
            }
        }
        Plan { outcomes, changed, enterprises, new, years }
    }

    /// Writes the plan: enterprises, their KBLI codes, figures, then the
    /// latest figures of enterprises whose profile stayed as it was. The
    /// rows of one `COPY` are encoded while the server takes the one before.
    async fn write(&self, conn: &mut PgConnection, ctx: &AuditContext) -> Attempt<()> {
        let new_ids = allocate_ids(conn, self.new.len()).await?;
        let id_of = |e: &Enterprise| e.id.unwrap_or_else(|| new_ids[e.slot]);
        let new: Vec<(i64, &Enterprise)> =
            self.new.iter().map(|nib| &self.enterprises[nib]).map(|e| (id_of(e), e)).collect();
        let copy = copy_enterprises(&new, ctx.at).start(conn, COPY_ENTERPRISES).await?;
        let updated: Vec<(i64, &Enterprise)> =
            self.enterprises.values().filter(|e| e.dirty && e.id.is_some()).map(|e| (id_of(e), e)).collect();
        let kbli = copy_kbli(&[&new, &updated]);
        let mut inserted: Vec<(i64, &YearlyFigures, &str)> = Vec::new();
        let mut changed: Vec<(i64, &YearlyFigures)> = Vec::new();
        for ((nib, _), y) in self.years.iter().filter(|(_, y)| y.dirty) {
            let e = &self.enterprises[nib];
            if y.stored {
                changed.push((id_of(e), y.figures));
            } else {
                inserted.push((id_of(e), y.figures, e.level));
            }
        }
        // In key order, as a first load's rows then lie in the table and
        // its primary key.
        inserted.sort_unstable_by_key(|(id, f, _)| (*id, f.year));
        let figures = copy_figures(&inserted);
        end_copy(copy).await?;

        update_enterprises(conn, &updated, ctx.at).await?;
        if !updated.is_empty() {
            sqlx::query("DELETE FROM enterprise_kbli WHERE enterprise_id = ANY($1)")
                .bind(updated.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
                .execute(&mut *conn)
                .await?;
        }
        end_copy(kbli.start(conn, COPY_KBLI).await?).await?;
        update_figures(conn, &changed).await?;
        end_copy(figures.start(conn, COPY_FIGURES).await?).await?;
        // Enterprises whose figures changed but whose profile did not.
        let figure_only: Vec<(i64, &YearlyFigures)> = self
            .enterprises
            .values()
            .filter(|e| e.figures_dirty && !e.dirty)
            .map(|e| (id_of(e), e.latest.expect("a written year")))
            .collect();
        write_latest(conn, &figure_only, ctx).await?;
        Ok(())
    }
}

/// `n` enterprise ids from the table's sequence, ascending.
async fn allocate_ids(conn: &mut PgConnection, n: usize) -> Attempt<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    // The sequence's name once, not per id (the call is not constant-folded).
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('enterprises', 'id')::regclass AS seq) \
         SELECT nextval(s.seq) FROM s, generate_series(1, $1)",
    )
    .bind(n as i64)
    .fetch_all(&mut *conn)
    .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// The division under which the rollups count an enterprise: that of its
/// first KBLI code (migration 20260301000060).
fn insight_division(p: &EnterpriseProfile) -> &str {
    p.kbli.first().map_or("", |k| k.division())
}

const COPY_ENTERPRISES: &str = "COPY enterprises (id, nib, name, owner_name, address, province_code, \
     regency_code, district_code, products, commodities, founded_year, phone, email, search_text, created_at, \
     updated_at, name_key, latest_year, latest_workers, latest_size_class, insight_division) FROM STDIN (FORMAT binary)";

fn copy_enterprises(new: &[(i64, &Enterprise)], at: OffsetDateTime) -> CopyRows {
    let mut c = CopyRows::with_capacity(new.len() * 512);
    for (id, e) in new {
        let (p, last) = (e.profile, e.latest);
        c.row(21)
            .int8(*id)
            .text(p.nib.as_str())
            .text(&p.name)
            .text(&p.owner_name)
            .text(&p.address)
            .text(p.province_code())
            .text(p.regency.as_str())
            .opt_text(p.district.as_ref().map(|d| d.as_str()))
            .text_array(&p.products)
            .text_array(&p.commodities)
            .opt_int4(p.founded_year)
            .opt_text(p.phone.as_deref())
            .opt_text(p.email.as_deref())
            .text(&search_text(p))
            .timestamptz(at)
            .timestamptz(at)
            .text(&name_key(&p.name))
            .opt_int4(last.map(|f| f.year))
            .opt_int8(last.map(|f| f.workers))
            .opt_text(last.map(|f| f.size_class().as_str()))
            .text(insight_division(p));
    }
    c
}

/// Stored enterprises whose profile changed. Their rollup division stays:
/// the KBLI triggers move their cells and set it (or, in the bulk-load mode,
/// the rollup rebuild does).
async fn update_enterprises(
    conn: &mut PgConnection,
    rows: &[(i64, &Enterprise<'_>)],
    at: OffsetDateTime,
) -> Attempt<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let col =
        |f: &dyn Fn(&EnterpriseProfile) -> String| rows.iter().map(|(_, e)| f(e.profile)).collect::<Vec<String>>();
    let opt = |f: &dyn Fn(&EnterpriseProfile) -> Option<String>| {
        rows.iter().map(|(_, e)| f(e.profile)).collect::<Vec<Option<String>>>()
    };
    // Products and commodities travel as array literals: UNNEST cannot carry
    // ragged arrays (and parsing JSON per row cost more).
    sqlx::query(
        "UPDATE enterprises e SET name = t.name, owner_name = t.owner_name, address = t.address, \
         province_code = t.province_code, regency_code = t.regency_code, district_code = t.district_code, \
         products = t.products::text[], commodities = t.commodities::text[], founded_year = t.founded_year, \
         phone = t.phone, email = t.email, search_text = t.search_text, name_key = t.name_key, \
         latest_year = t.latest_year, latest_workers = t.latest_workers, latest_size_class = t.latest_size_class, \
         version = e.version + 1, updated_at = $18 \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
                     $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[], $14::text[], \
                     $15::int[], $16::bigint[], $17::text[]) \
              AS t(id, name, owner_name, address, province_code, regency_code, district_code, products, \
                   commodities, founded_year, phone, email, search_text, name_key, \
                   latest_year, latest_workers, latest_size_class) \
         WHERE e.id = t.id",
    )
    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
    .bind(col(&|p| p.name.clone()))
    .bind(col(&|p| p.owner_name.clone()))
    .bind(col(&|p| p.address.clone()))
    .bind(col(&|p| p.province_code().to_string()))
    .bind(col(&|p| p.regency.to_string()))
    .bind(opt(&|p| p.district.as_ref().map(|d| d.to_string())))
    .bind(col(&|p| array_literal(&p.products)))
    .bind(col(&|p| array_literal(&p.commodities)))
    .bind(rows.iter().map(|(_, e)| e.profile.founded_year).collect::<Vec<Option<i32>>>())
    .bind(opt(&|p| p.phone.clone()))
    .bind(opt(&|p| p.email.clone()))
    .bind(col(&|p| search_text(p)))
    .bind(col(&|p| name_key(&p.name)))
    .bind(rows.iter().map(|(_, e)| e.latest.map(|f| f.year)).collect::<Vec<Option<i32>>>())
    .bind(rows.iter().map(|(_, e)| e.latest.map(|f| f.workers)).collect::<Vec<Option<i64>>>())
    .bind(
        rows.iter()
            .map(|(_, e)| e.latest.map(|f| f.size_class().as_str().to_string()))
            .collect::<Vec<Option<String>>>(),
    )
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The KBLI codes of enterprises written by this batch (the stored ones'
/// old codes deleted before).
const COPY_KBLI: &str =
    "COPY enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) FROM STDIN (FORMAT binary)";

fn copy_kbli(enterprises: &[&[(i64, &Enterprise)]]) -> CopyRows {
    let mut c = CopyRows::with_capacity(enterprises.iter().map(|e| e.len()).sum::<usize>() * 64);
    for (id, e) in enterprises.iter().flat_map(|e| e.iter()) {
        for (i, k) in e.profile.kbli.iter().enumerate() {
            c.row(5)
                .int8(*id)
                .int4(i as i32 + 1)
                .text(k.as_str())
                .text(naikkelas_core::reference::KBLI_VERSION)
                .text(k.division());
        }
    }
    c
}

/// New years, each with the quality level of its enterprise, so the
/// rollups' BEFORE trigger has nothing to look up.
const COPY_FIGURES: &str = "COPY figures (enterprise_id, year, workers, investment_idr, production_idr, \
     export_usd_cents, capacity, capacity_unit, size_class, quality_level) FROM STDIN (FORMAT binary)";

fn copy_figures(years: &[(i64, &YearlyFigures, &str)]) -> CopyRows {
    let mut c = CopyRows::with_capacity(years.len() * 128);
    for (id, f, level) in years {
        c.row(10)
            .int8(*id)
            .int4(f.year)
            .int8(f.workers)
            .int8(f.investment.get())
            .int8(f.production.get())
            .int8(f.export.cents())
            .opt_int8(f.capacity)
            .opt_text(f.capacity_unit.as_deref())
            .text(f.size_class().as_str())
            .text(level);
    }
    c
}

/// Changed stored years; finalisation, correction counts and the quality
/// level stay as they are (a final year only reaches here with identical
/// values, rejected above).
async fn update_figures(conn: &mut PgConnection, years: &[(i64, &YearlyFigures)]) -> Attempt<()> {
    if years.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE figures f SET workers = t.workers, investment_idr = t.investment_idr, \
         production_idr = t.production_idr, export_usd_cents = t.export_usd_cents, capacity = t.capacity, \
         capacity_unit = t.capacity_unit, size_class = t.size_class \
         FROM UNNEST($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], \
                     $7::bigint[], $8::text[], $9::text[]) \
              AS t(enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents, capacity, \
                   capacity_unit, size_class) \
         WHERE f.enterprise_id = t.enterprise_id AND f.year = t.year",
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
    .await?;
    Ok(())
}

/// The latest figures of enterprises whose profile stayed as it was.
async fn write_latest(conn: &mut PgConnection, rows: &[(i64, &YearlyFigures)], ctx: &AuditContext) -> Attempt<()> {
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
    .await?;
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

/// Rows in PostgreSQL's binary `COPY` format: nothing to quote or escape,
/// nothing for the server to parse. Each field must have exactly the
/// column's type (int4, int8, text, text[], timestamptz).
struct CopyRows {
    buf: Vec<u8>,
    rows: usize,
}

/// `text`, the element type of a `text[]` column.
const TEXT_OID: u32 = 25;

impl CopyRows {
    fn with_capacity(bytes: usize) -> CopyRows {
        let mut buf = Vec::with_capacity(bytes + 21);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        buf.extend_from_slice(&0i32.to_be_bytes()); // header extension
        CopyRows { buf, rows: 0 }
    }

    fn row(&mut self, fields: i16) -> &mut CopyRows {
        self.rows += 1;
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn len(&mut self, n: usize) {
        self.buf.extend_from_slice(&(n as i32).to_be_bytes());
    }

    fn null(&mut self) -> &mut CopyRows {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn text(&mut self, s: &str) -> &mut CopyRows {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut CopyRows {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    fn int4(&mut self, v: i32) -> &mut CopyRows {
        self.len(4);
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    fn opt_int4(&mut self, v: Option<i32>) -> &mut CopyRows {
        match v {
            Some(v) => self.int4(v),
            None => self.null(),
        }
    }

    fn int8(&mut self, v: i64) -> &mut CopyRows {
        self.len(8);
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    fn opt_int8(&mut self, v: Option<i64>) -> &mut CopyRows {
        match v {
            Some(v) => self.int8(v),
            None => self.null(),
        }
    }

    /// A one-dimensional `text[]` without NULLs (an empty one has no
    /// dimension, as PostgreSQL writes `{}`).
    fn text_array(&mut self, v: &[String]) -> &mut CopyRows {
        let dims = if v.is_empty() { 0 } else { 1 };
        self.len(12 + dims * 8 + v.iter().map(|s| 4 + s.len()).sum::<usize>());
        self.buf.extend_from_slice(&(dims as i32).to_be_bytes());
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // no NULLs
        self.buf.extend_from_slice(&TEXT_OID.to_be_bytes());
        if dims == 1 {
            self.len(v.len());
            self.buf.extend_from_slice(&1i32.to_be_bytes()); // lower bound
            for s in v {
                self.len(s.len());
                self.buf.extend_from_slice(s.as_bytes());
            }
        }
        self
    }

    /// Microseconds since 2000-01-01 UTC, truncated as sqlx encodes a bound
    /// `OffsetDateTime`, so both paths store the same instant.
    fn timestamptz(&mut self, t: OffsetDateTime) -> &mut CopyRows {
        let micros = (t - time::macros::datetime!(2000-01-01 0:00 UTC)).whole_microseconds();
        self.int8(micros as i64)
    }

    /// Starts the `COPY` and sends the rows; the server takes them while
    /// the caller goes on until [`end_copy`]. Nothing when there are none.
    async fn start<'c>(
        mut self,
        conn: &'c mut PgConnection,
        statement: &str,
    ) -> Attempt<Option<PgCopyIn<&'c mut PgConnection>>> {
        if self.rows == 0 {
            return Ok(None);
        }
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        let mut copy = conn.copy_in_raw(statement).await?;
        if let Err(e) = copy.send(self.buf).await {
            // The connection is lost or out of step; the transaction is
            // rolled back whatever `abort` says.
            let _ = copy.abort("sending the rows failed").await;
            return Err(e.into());
        }
        Ok(Some(copy))
    }
}

/// Waits for the server to have taken a [`CopyRows::start`]ed `COPY`.
async fn end_copy(copy: Option<PgCopyIn<&mut PgConnection>>) -> Attempt<()> {
    if let Some(copy) = copy {
        copy.finish().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{array_literal, CopyRows};

    #[test]
    fn array_literals_quote_every_element() {
        assert_eq!(array_literal(&[]), "{}");
        let v = ["tahu, tempe".to_string(), "NULL".into(), r#"kata "ini" \ itu"#.into()];
        assert_eq!(array_literal(&v), r#"{"tahu, tempe","NULL","kata \"ini\" \\ itu"}"#);
    }

    #[test]
    fn binary_copy_rows_carry_lengths_and_nulls() {
        let mut c = CopyRows::with_capacity(0);
        c.row(3).int4(7).opt_text(None).text_array(&["ab".to_string()]);
        let body = &c.buf[19..];
        let expected: Vec<u8> = [
            &3i16.to_be_bytes()[..],
            &4i32.to_be_bytes(),
            &7i32.to_be_bytes(),
            &(-1i32).to_be_bytes(),
            &26i32.to_be_bytes(),
            &1i32.to_be_bytes(),
            &0i32.to_be_bytes(),
            &25u32.to_be_bytes(),
            &1i32.to_be_bytes(),
            &1i32.to_be_bytes(),
            &2i32.to_be_bytes(),
            b"ab",
        ]
        .concat();
        assert_eq!(body, &expected[..]);
    }
}
