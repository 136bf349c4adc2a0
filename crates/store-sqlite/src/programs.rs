//! Facilitation programmes on SQLite. Every write runs in one
//! `BEGIN IMMEDIATE` transaction, which holds the database's write lock
//! from its first statement: the ledger totals read to check an approval or
//! disbursement cannot change before its entry is written, so concurrent
//! approvals are serialised and cannot together overspend.
//!
//! The PostgreSQL twin (`store-postgres/src/programs.rs`) has the same
//! statements with `$n` placeholders and row locks (`FOR UPDATE`).

use crate::audit;
use crate::registry::corrupt;
use crate::SqliteStore;
use async_trait::async_trait;
use naikkelas_core::audit::AuditRecord;
use naikkelas_core::programs::enrolment::{self, Deciders};
use naikkelas_core::programs::ledger::{self as rules, ApprovalLimits};
use naikkelas_core::programs::{
    EnrolmentEvent, EnrolmentState, EntryKind, LedgerTotals, MachineOrigin, ProgramDraft, ProgramKind, Purchase,
};
use naikkelas_core::{FieldError, Nib, RegionCode, Rupiah, Scope};
use naikkelas_store::programs::*;
use naikkelas_store::{AuditContext, Result, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use time::Date;

/// The row lock of the PostgreSQL twin; SQLite's write lock covers it.
const LOCK: &str = "";

fn d(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

/// A second live enrolment that raced past the check meets the unique index.
fn enrol_err(e: sqlx::Error) -> StoreError {
    if e.as_database_error().is_some_and(|x| x.is_unique_violation()) {
        return StoreError::Conflict(FieldError::new("nib", "eligibility.already_enrolled"));
    }
    StoreError::backend(e)
}

fn refused(e: FieldError) -> StoreError {
    StoreError::Conflict(e)
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain records always serialise")
}

fn rec(a: &AuditContext, action: &str, entity: &str, id: i64, before: Option<String>, after: String) -> AuditRecord {
    AuditRecord {
        at: a.at_text(),
        actor: a.actor.clone(),
        action: action.into(),
        entity_type: entity.into(),
        entity_id: id.to_string(),
        before,
        after: Some(after),
    }
}

fn parse_day(s: &str) -> Result<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).map_err(|_| corrupt("date", s))
}

fn region(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(|_| corrupt("region code", s))
}

fn rupiah(v: i64) -> Result<Rupiah> {
    Rupiah::new(v, "amount").map_err(|_| corrupt("amount", v))
}

const PROGRAM_COLUMNS: &str = "SELECT id, year, kind, name, owner_unit, budget, quota, starts_on, ends_on, \
     eligibility, benefit, created_at, created_by FROM programs";

fn program_from(r: &SqliteRow, allocations: Vec<AllocationRecord>) -> Result<ProgramRecord> {
    let kind: String = r.try_get("kind").map_err(d)?;
    let eligibility: String = r.try_get("eligibility").map_err(d)?;
    let benefit: String = r.try_get("benefit").map_err(d)?;
    let quota: Option<i64> = r.try_get("quota").map_err(d)?;
    let year: i64 = r.try_get("year").map_err(d)?;
    Ok(ProgramRecord {
        id: r.try_get("id").map_err(d)?,
        year: i32::try_from(year).map_err(|_| corrupt("year", year))?,
        kind: ProgramKind::parse(&kind).ok_or_else(|| corrupt("programme kind", &kind))?,
        name: r.try_get("name").map_err(d)?,
        owner_unit: r.try_get("owner_unit").map_err(d)?,
        budget: rupiah(r.try_get("budget").map_err(d)?)?,
        quota: quota.map(|q| u32::try_from(q).map_err(|_| corrupt("quota", q))).transpose()?,
        starts_on: parse_day(&r.try_get::<String, _>("starts_on").map_err(d)?)?,
        ends_on: parse_day(&r.try_get::<String, _>("ends_on").map_err(d)?)?,
        eligibility: serde_json::from_str(&eligibility).map_err(|_| corrupt("eligibility", &eligibility))?,
        benefit: serde_json::from_str(&benefit).map_err(|_| corrupt("benefit", &benefit))?,
        allocations,
        created_at: r.try_get("created_at").map_err(d)?,
        created_by: r.try_get("created_by").map_err(d)?,
    })
}

async fn allocations(conn: &mut SqliteConnection, program_id: i64) -> Result<Vec<AllocationRecord>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT region_code, amount FROM program_allocations WHERE program_id = ? \
         ORDER BY length(region_code), region_code",
    )
    .bind(program_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(d)?;
    rows.into_iter().map(|(r, a)| Ok(AllocationRecord { region: region(&r)?, amount: rupiah(a)? })).collect()
}

const ENROLMENT_COLUMNS: &str = "SELECT x.id, x.program_id, p.name AS program_name, p.kind AS program_kind, \
     p.year AS program_year, e.nib, e.name AS business_name, x.regency_code, x.allocation_region, x.status, \
     x.machine_price, x.machine_origin, x.requested_amount, x.note, x.applied_at, x.applied_by, x.verified_at, \
     x.verified_by, x.verified_by_user, x.decided_at, x.decided_by, x.rejection_reason, x.certification_id, \
     CAST((SELECT COALESCE(SUM(l.amount), 0) FROM program_ledger l \
           WHERE l.enrolment_id = x.id AND l.kind = 'approval') AS BIGINT) AS approved_total, \
     CAST((SELECT COALESCE(SUM(l.amount), 0) FROM program_ledger l \
           WHERE l.enrolment_id = x.id AND l.kind = 'disbursement') AS BIGINT) AS disbursed_total \
     FROM program_enrolments x JOIN programs p ON p.id = x.program_id JOIN enterprises e ON e.id = x.enterprise_id";

fn enrolment_from(r: &SqliteRow) -> Result<EnrolmentRecord> {
    let kind: String = r.try_get("program_kind").map_err(d)?;
    let status: String = r.try_get("status").map_err(d)?;
    let nib: String = r.try_get("nib").map_err(d)?;
    let price: Option<i64> = r.try_get("machine_price").map_err(d)?;
    let origin: Option<String> = r.try_get("machine_origin").map_err(d)?;
    let purchase = match (price, origin) {
        (Some(p), Some(o)) => Some(Purchase {
            price: rupiah(p)?,
            origin: MachineOrigin::parse(&o).ok_or_else(|| corrupt("machine origin", &o))?,
        }),
        _ => None,
    };
    let year: i64 = r.try_get("program_year").map_err(d)?;
    Ok(EnrolmentRecord {
        id: r.try_get("id").map_err(d)?,
        program_id: r.try_get("program_id").map_err(d)?,
        program_name: r.try_get("program_name").map_err(d)?,
        program_kind: ProgramKind::parse(&kind).ok_or_else(|| corrupt("programme kind", &kind))?,
        program_year: i32::try_from(year).map_err(|_| corrupt("year", year))?,
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        business_name: r.try_get("business_name").map_err(d)?,
        regency_code: r.try_get("regency_code").map_err(d)?,
        allocation_region: r.try_get("allocation_region").map_err(d)?,
        state: EnrolmentState::parse(&status).ok_or_else(|| corrupt("enrolment status", &status))?,
        purchase,
        requested: rupiah(r.try_get("requested_amount").map_err(d)?)?,
        note: r.try_get("note").map_err(d)?,
        applied_at: r.try_get("applied_at").map_err(d)?,
        applied_by: r.try_get("applied_by").map_err(d)?,
        verified_at: r.try_get("verified_at").map_err(d)?,
        verified_by: r.try_get("verified_by").map_err(d)?,
        verified_by_user: r.try_get("verified_by_user").map_err(d)?,
        decided_at: r.try_get("decided_at").map_err(d)?,
        decided_by: r.try_get("decided_by").map_err(d)?,
        rejection_reason: r.try_get("rejection_reason").map_err(d)?,
        certification_id: r.try_get("certification_id").map_err(d)?,
        totals: LedgerTotals {
            approved: r.try_get("approved_total").map_err(d)?,
            disbursed: r.try_get("disbursed_total").map_err(d)?,
        },
        entries: Vec::new(),
    })
}

const ENTRY_COLUMNS: &str =
    "SELECT id, program_id, enrolment_id, kind, amount, reverses, allocation_region, at, actor, note FROM program_ledger";

fn entry_from(r: &SqliteRow) -> Result<LedgerEntry> {
    let kind: String = r.try_get("kind").map_err(d)?;
    Ok(LedgerEntry {
        id: r.try_get("id").map_err(d)?,
        program_id: r.try_get("program_id").map_err(d)?,
        enrolment_id: r.try_get("enrolment_id").map_err(d)?,
        kind: EntryKind::parse(&kind).ok_or_else(|| corrupt("ledger kind", &kind))?,
        amount: r.try_get("amount").map_err(d)?,
        reverses: r.try_get("reverses").map_err(d)?,
        allocation_region: r.try_get("allocation_region").map_err(d)?,
        at: r.try_get("at").map_err(d)?,
        actor: r.try_get("actor").map_err(d)?,
        note: r.try_get("note").map_err(d)?,
    })
}

/// The enrolment as it is now, inside the caller's transaction, after
/// locking its programme and then itself (the PostgreSQL lock order).
async fn locked_enrolment(conn: &mut SqliteConnection, id: i64) -> Result<EnrolmentRecord> {
    let program: Option<i64> = sqlx::query_scalar("SELECT program_id FROM program_enrolments WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(d)?;
    let program = program.ok_or(StoreError::NotFound)?;
    sqlx::query(&format!("SELECT id FROM programs WHERE id = ?{LOCK}"))
        .bind(program)
        .fetch_one(&mut *conn)
        .await
        .map_err(d)?;
    sqlx::query(&format!("SELECT id FROM program_enrolments WHERE id = ?{LOCK}"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .map_err(d)?;
    let r =
        sqlx::query(&format!("{ENROLMENT_COLUMNS} WHERE x.id = ?")).bind(id).fetch_one(&mut *conn).await.map_err(d)?;
    enrolment_from(&r)
}

async fn sum(conn: &mut SqliteConnection, sql: &str, program: i64, region: Option<&str>) -> Result<i64> {
    let mut q = sqlx::query_scalar(sql).bind(program);
    if let Some(r) = region {
        q = q.bind(r.to_string());
    }
    q.fetch_one(&mut *conn).await.map_err(d)
}

/// Budget, allocation and quota figures for an approval, read under the lock.
async fn approval_limits(conn: &mut SqliteConnection, e: &EnrolmentRecord) -> Result<ApprovalLimits> {
    let (budget, quota): (i64, Option<i64>) = sqlx::query_as("SELECT budget, quota FROM programs WHERE id = ?")
        .bind(e.program_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(d)?;
    let programme_approved = sum(
        conn,
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM program_ledger WHERE program_id = ? AND kind = 'approval'",
        e.program_id,
        None,
    )
    .await?;
    let beneficiaries = sum(
        conn,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM program_enrolments WHERE program_id = ? AND status = 'approved'",
        e.program_id,
        None,
    )
    .await?;
    let allocation = match &e.allocation_region {
        None => None,
        Some(r) => {
            let amount: i64 = sqlx::query_scalar(&format!(
                "SELECT amount FROM program_allocations WHERE program_id = ? AND region_code = ?{LOCK}"
            ))
            .bind(e.program_id)
            .bind(r)
            .fetch_one(&mut *conn)
            .await
            .map_err(d)?;
            let used = sum(
                conn,
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM program_ledger \
                 WHERE program_id = ? AND kind = 'approval' AND allocation_region = ?",
                e.program_id,
                Some(r),
            )
            .await?;
            Some((rupiah(amount)?, used))
        }
    };
    Ok(ApprovalLimits {
        budget: rupiah(budget)?,
        programme_approved,
        allocation,
        quota: quota.map(|q| u32::try_from(q).unwrap_or(u32::MAX)),
        beneficiaries,
    })
}

async fn append_entry(
    conn: &mut SqliteConnection,
    e: &EnrolmentRecord,
    kind: EntryKind,
    amount: i64,
    reverses: Option<i64>,
    note: Option<&str>,
    a: &AuditContext,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO program_ledger (program_id, enrolment_id, kind, amount, reverses, allocation_region, at, actor, \
         note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(e.program_id)
    .bind(e.id)
    .bind(kind.as_str())
    .bind(amount)
    .bind(reverses)
    .bind(e.allocation_region.as_deref())
    .bind(a.at_text())
    .bind(&a.actor)
    .bind(note)
    .fetch_one(&mut *conn)
    .await
    .map_err(d)
}

fn status_json(e: &EnrolmentRecord) -> String {
    json(&serde_json::json!({"status": e.state, "approved": e.totals.approved, "disbursed": e.totals.disbursed}))
}

#[async_trait]
impl ProgramStore for SqliteStore {
    async fn create_program(&self, p: &ProgramDraft, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO programs (year, kind, name, owner_unit, budget, quota, starts_on, ends_on, eligibility, \
             benefit, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(i64::from(p.year))
        .bind(p.kind.as_str())
        .bind(p.name.trim())
        .bind(p.owner_unit.trim())
        .bind(p.budget.get())
        .bind(p.quota.map(i64::from))
        .bind(p.starts_on.to_string())
        .bind(p.ends_on.to_string())
        .bind(json(&p.eligibility))
        .bind(json(&p.benefit))
        .bind(audit.at_text())
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(d)?;
        audit::append(&mut tx, rec(audit, "create", "program", id, None, json(p))).await?;
        tx.commit().await.map_err(d)?;
        Ok(id)
    }

    async fn programs(&self, year: Option<i32>) -> Result<Vec<ProgramRecord>> {
        let mut conn = self.pool().acquire().await.map_err(d)?;
        let rows = match year {
            Some(y) => sqlx::query(&format!("{PROGRAM_COLUMNS} WHERE year = ? ORDER BY year DESC, name, id"))
                .bind(i64::from(y))
                .fetch_all(&mut *conn)
                .await
                .map_err(d)?,
            None => sqlx::query(&format!("{PROGRAM_COLUMNS} ORDER BY year DESC, name, id"))
                .fetch_all(&mut *conn)
                .await
                .map_err(d)?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id").map_err(d)?;
            let alloc = allocations(&mut conn, id).await?;
            out.push(program_from(r, alloc)?);
        }
        Ok(out)
    }

    async fn program(&self, id: i64) -> Result<Option<ProgramRecord>> {
        let mut conn = self.pool().acquire().await.map_err(d)?;
        let Some(r) = sqlx::query(&format!("{PROGRAM_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(d)?
        else {
            return Ok(None);
        };
        let alloc = allocations(&mut conn, id).await?;
        program_from(&r, alloc).map(Some)
    }

    async fn set_allocation(
        &self,
        program_id: i64,
        region: &RegionCode,
        amount: Rupiah,
        audit: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let budget: Option<i64> = sqlx::query_scalar(&format!("SELECT budget FROM programs WHERE id = ?{LOCK}"))
            .bind(program_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(d)?;
        let budget = budget.ok_or(StoreError::NotFound)?;
        let current = allocations(&mut tx, program_id).await?;
        if current.iter().any(|a| a.region != *region && (a.region.contains(region) || region.contains(&a.region))) {
            return Err(refused(FieldError::new("region", "allocation.overlap").with("value", region)));
        }
        let before = current.iter().find(|a| a.region == *region).map(|a| a.amount.get());
        let others: i64 = current.iter().filter(|a| a.region != *region).map(|a| a.amount.get()).sum();
        if others + amount.get() > budget {
            return Err(refused(
                FieldError::new("amount", "allocation.over_budget")
                    .with("left", Rupiah::new_unchecked((budget - others).max(0))),
            ));
        }
        let used = sum(
            &mut tx,
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM program_ledger \
             WHERE program_id = ? AND kind = 'approval' AND allocation_region = ?",
            program_id,
            Some(region.as_str()),
        )
        .await?;
        if amount.get() < used {
            return Err(refused(
                FieldError::new("amount", "allocation.below_approved").with("approved", Rupiah::new_unchecked(used)),
            ));
        }
        sqlx::query(
            "INSERT INTO program_allocations (program_id, region_code, amount) VALUES (?, ?, ?) \
             ON CONFLICT (program_id, region_code) DO UPDATE SET amount = excluded.amount",
        )
        .bind(program_id)
        .bind(region.as_str())
        .bind(amount.get())
        .execute(&mut *tx)
        .await
        .map_err(d)?;
        let after = json(&serde_json::json!({"region": region, "amount": amount}));
        let before = before.map(|b| json(&serde_json::json!({"region": region, "amount": b})));
        audit::append(&mut tx, rec(audit, "set_allocation", "program", program_id, before, after)).await?;
        tx.commit().await.map_err(d)
    }

    async fn enrol(&self, n: &NewEnrolment, by: Decider, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let ent: Option<(i64, String)> = sqlx::query_as("SELECT id, regency_code FROM enterprises WHERE nib = ?")
            .bind(n.nib.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(d)?;
        let (enterprise_id, regency) = ent.ok_or(StoreError::NotFound)?;
        let exists: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM programs WHERE id = ?{LOCK}"))
            .bind(n.program_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(d)?;
        exists.ok_or(StoreError::NotFound)?;
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM program_enrolments WHERE program_id = ? AND enterprise_id = ? AND status <> 'rejected'",
        )
        .bind(n.program_id)
        .bind(enterprise_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(d)?;
        if let Some(other) = live {
            return Err(refused(FieldError::new("nib", "eligibility.already_enrolled").with("id", other)));
        }
        let alloc = allocations(&mut tx, n.program_id).await?;
        let reg = region(&regency)?;
        let allocation_region = if alloc.is_empty() {
            None
        } else {
            let a =
                alloc.iter().filter(|a| a.region.contains(&reg)).max_by_key(|a| a.region.as_str().len()).ok_or_else(
                    || refused(FieldError::new("eligibility", "eligibility.no_allocation").with("value", &reg)),
                )?;
            Some(a.region.to_string())
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO program_enrolments (program_id, enterprise_id, regency_code, allocation_region, status, \
             machine_price, machine_origin, requested_amount, note, applied_at, applied_by, applied_by_user, \
             updated_at) VALUES (?, ?, ?, ?, 'applied', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(n.program_id)
        .bind(enterprise_id)
        .bind(&regency)
        .bind(&allocation_region)
        .bind(n.purchase.map(|p| p.price.get()))
        .bind(n.purchase.map(|p| p.origin.as_str()))
        .bind(n.requested.get())
        .bind(n.note.as_deref())
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(by.user_id)
        .bind(audit.at_text())
        .fetch_one(&mut *tx)
        .await
        .map_err(enrol_err)?;
        let after = json(&serde_json::json!({
            "program_id": n.program_id, "nib": n.nib, "status": "applied", "requested": n.requested,
            "purchase": n.purchase, "allocation_region": allocation_region,
        }));
        audit::append(&mut tx, rec(audit, "enrol", "program_enrolment", id, None, after)).await?;
        tx.commit().await.map_err(d)?;
        Ok(id)
    }

    async fn enrolment(&self, id: i64) -> Result<Option<EnrolmentRecord>> {
        let mut conn = self.pool().acquire().await.map_err(d)?;
        let Some(r) = sqlx::query(&format!("{ENROLMENT_COLUMNS} WHERE x.id = ?"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(d)?
        else {
            return Ok(None);
        };
        let mut e = enrolment_from(&r)?;
        let rows = sqlx::query(&format!("{ENTRY_COLUMNS} WHERE enrolment_id = ? ORDER BY id"))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(d)?;
        e.entries = rows.iter().map(entry_from).collect::<Result<_>>()?;
        Ok(Some(e))
    }

    async fn enrolments(&self, q: &EnrolmentQuery) -> Result<Vec<EnrolmentRecord>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(ENROLMENT_COLUMNS);
        qb.push(" WHERE 1 = 1");
        match &q.scope {
            Scope::National => {}
            Scope::Region(r) => {
                qb.push(" AND (x.regency_code = ").push_bind(r.to_string());
                qb.push(" OR x.regency_code LIKE ").push_bind(format!("{r}.%")).push(")");
            }
            Scope::Enterprise(n) => {
                qb.push(" AND e.nib = ").push_bind(n.to_string());
            }
            Scope::Nothing => {
                qb.push(" AND 1 = 0");
            }
        }
        if let Some(p) = q.program_id {
            qb.push(" AND x.program_id = ").push_bind(p);
        }
        if let Some(s) = q.state {
            qb.push(" AND x.status = ").push_bind(s.as_str());
        }
        qb.push(" ORDER BY x.id DESC LIMIT ").push_bind(i64::from(q.limit.max(1)));
        let rows = qb.build().fetch_all(self.pool()).await.map_err(d)?;
        rows.iter().map(enrolment_from).collect()
    }

    async fn verify(&self, id: i64, by: Decider, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        let who = Deciders { verified_by: e.verified_by_user };
        let to = enrolment::next(e.state, EnrolmentEvent::Verify, who, by.user_id).map_err(refused)?;
        sqlx::query(
            "UPDATE program_enrolments SET status = ?, verified_at = ?, verified_by = ?, verified_by_user = ?, \
             updated_at = ? WHERE id = ?",
        )
        .bind(to.as_str())
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(by.user_id)
        .bind(audit.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(d)?;
        let after = json(&serde_json::json!({"status": to}));
        audit::append(&mut tx, rec(audit, "verify", "program_enrolment", id, Some(status_json(&e)), after)).await?;
        tx.commit().await.map_err(d)
    }

    async fn approve(&self, id: i64, by: Decider, amount: Rupiah, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        let who = Deciders { verified_by: e.verified_by_user };
        let to = enrolment::next(e.state, EnrolmentEvent::Approve, who, by.user_id).map_err(refused)?;
        let limits = approval_limits(&mut tx, &e).await?;
        rules::check_approval(&limits, amount.get(), e.requested).map_err(refused)?;
        sqlx::query(
            "UPDATE program_enrolments SET status = ?, decided_at = ?, decided_by = ?, decided_by_user = ?, \
             updated_at = ? WHERE id = ?",
        )
        .bind(to.as_str())
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(by.user_id)
        .bind(audit.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(d)?;
        let entry = append_entry(&mut tx, &e, EntryKind::Approval, amount.get(), None, None, audit).await?;
        let after = json(&serde_json::json!({"status": to, "approved": amount, "entry": entry}));
        audit::append(&mut tx, rec(audit, "approve", "program_enrolment", id, Some(status_json(&e)), after)).await?;
        tx.commit().await.map_err(d)?;
        Ok(entry)
    }

    async fn reject(&self, id: i64, by: Decider, reason: &str, audit: &AuditContext) -> Result<()> {
        enrolment::check_reason(reason).map_err(refused)?;
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        let who = Deciders { verified_by: e.verified_by_user };
        let to = enrolment::next(e.state, EnrolmentEvent::Reject, who, by.user_id).map_err(refused)?;
        sqlx::query(
            "UPDATE program_enrolments SET status = ?, decided_at = ?, decided_by = ?, decided_by_user = ?, \
             rejection_reason = ?, updated_at = ? WHERE id = ?",
        )
        .bind(to.as_str())
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(by.user_id)
        .bind(reason.trim())
        .bind(audit.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(d)?;
        let after = json(&serde_json::json!({"status": to, "reason": reason.trim()}));
        audit::append(&mut tx, rec(audit, "reject", "program_enrolment", id, Some(status_json(&e)), after)).await?;
        tx.commit().await.map_err(d)
    }

    async fn disburse(&self, id: i64, amount: Rupiah, note: Option<&str>, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        rules::check_disbursement(e.state, e.totals, amount.get()).map_err(refused)?;
        let entry = append_entry(&mut tx, &e, EntryKind::Disbursement, amount.get(), None, note, audit).await?;
        let after = json(&serde_json::json!({"disbursed": amount, "entry": entry, "note": note}));
        audit::append(&mut tx, rec(audit, "disburse", "program_enrolment", id, Some(status_json(&e)), after)).await?;
        tx.commit().await.map_err(d)?;
        Ok(entry)
    }

    async fn reverse(&self, id: i64, entry_id: i64, reason: &str, audit: &AuditContext) -> Result<i64> {
        enrolment::check_reason(reason).map_err(refused)?;
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        let row = sqlx::query(&format!("{ENTRY_COLUMNS} WHERE id = ? AND enrolment_id = ?"))
            .bind(entry_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(d)?
            .ok_or(StoreError::NotFound)?;
        let original = entry_from(&row)?;
        let reversed: Option<i64> = sqlx::query_scalar("SELECT id FROM program_ledger WHERE reverses = ?")
            .bind(entry_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(d)?;
        if reversed.is_some() {
            return Err(refused(FieldError::new("entry", "ledger.already_reversed")));
        }
        rules::check_reversal(original.kind, original.amount, e.totals).map_err(refused)?;
        let entry =
            append_entry(&mut tx, &e, original.kind, -original.amount, Some(entry_id), Some(reason.trim()), audit)
                .await?;
        let after = json(&serde_json::json!({"reverses": entry_id, "kind": original.kind, "amount": -original.amount,
            "entry": entry, "reason": reason.trim()}));
        audit::append(&mut tx, rec(audit, "reverse", "program_enrolment", id, Some(status_json(&e)), after)).await?;
        tx.commit().await.map_err(d)?;
        Ok(entry)
    }

    async fn ledger(&self, program_id: i64) -> Result<Vec<LedgerEntry>> {
        let rows = sqlx::query(&format!("{ENTRY_COLUMNS} WHERE program_id = ? ORDER BY id"))
            .bind(program_id)
            .fetch_all(self.pool())
            .await
            .map_err(d)?;
        rows.iter().map(entry_from).collect()
    }

    async fn attach_certification(&self, id: i64, certification_id: Option<i64>, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let e = locked_enrolment(&mut tx, id).await?;
        if let Some(c) = certification_id {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM certifications WHERE id = ?")
                .bind(c)
                .fetch_optional(&mut *tx)
                .await
                .map_err(d)?;
            exists.ok_or(StoreError::NotFound)?;
        }
        sqlx::query("UPDATE program_enrolments SET certification_id = ?, updated_at = ? WHERE id = ?")
            .bind(certification_id)
            .bind(audit.at_text())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(d)?;
        let before = Some(json(&serde_json::json!({"certification_id": e.certification_id})));
        let after = json(&serde_json::json!({"certification_id": certification_id}));
        audit::append(&mut tx, rec(audit, "attach_certification", "program_enrolment", id, before, after)).await?;
        tx.commit().await.map_err(d)
    }

    async fn absorption(&self, year: Option<i32>, scope: &Scope) -> Result<Vec<AbsorptionRow>> {
        let programs = self.programs(year).await?;
        // One statement: per programme and allocation region, approved and
        // disbursed sums and approved beneficiaries.
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT x.program_id, x.allocation_region, \
             CAST(COALESCE(SUM(CASE WHEN l.kind = 'approval' THEN l.amount END), 0) AS BIGINT) AS approved, \
             CAST(COALESCE(SUM(CASE WHEN l.kind = 'disbursement' THEN l.amount END), 0) AS BIGINT) AS disbursed, \
             CAST(COUNT(DISTINCT CASE WHEN x.status = 'approved' THEN x.id END) AS BIGINT) AS beneficiaries \
             FROM program_enrolments x JOIN programs p ON p.id = x.program_id \
             LEFT JOIN program_ledger l ON l.enrolment_id = x.id WHERE 1 = 1",
        );
        if let Some(y) = year {
            qb.push(" AND p.year = ").push_bind(i64::from(y));
        }
        qb.push(" GROUP BY x.program_id, x.allocation_region");
        let rows = qb.build().fetch_all(self.pool()).await.map_err(d)?;
        let mut sums = Vec::with_capacity(rows.len());
        for r in &rows {
            sums.push(RegionSums {
                program_id: r.try_get("program_id").map_err(d)?,
                allocation_region: r.try_get("allocation_region").map_err(d)?,
                approved: r.try_get("approved").map_err(d)?,
                disbursed: r.try_get("disbursed").map_err(d)?,
                beneficiaries: r.try_get("beneficiaries").map_err(d)?,
            });
        }
        Ok(absorption_rows(&programs, &sums, scope))
    }
}
