//! Persistence of facilitation programmes: programmes with their rules and
//! regional allocations, enrolments, and the append-only money ledger.
//!
//! Conventions (pinned by `conformance_programs`):
//! - every write is one transaction with its audit entry: entity type
//!   `program` (id as text) for `create` and `set_allocation`, entity type
//!   `program_enrolment` (id as text) for `enrol`, `verify`, `approve`,
//!   `reject`, `disburse`, `reverse` and `attach_certification`.
//! - ledger rows are only ever inserted (triggers refuse UPDATE and DELETE);
//!   a correction is a reversing row with the negated amount that names the
//!   row it reverses, at most once.
//! - the money rules of `naikkelas_core::programs::ledger` are evaluated
//!   inside the write transaction after the programme is locked
//!   (PostgreSQL `SELECT … FOR UPDATE` on the programme row, then the
//!   enrolment row; SQLite holds the database write lock from
//!   `BEGIN IMMEDIATE`), so concurrent approvals cannot together overspend.
//!   A refusal is `StoreError::Conflict` carrying the rule code
//!   (`ledger.budget_exceeded`, `enrolment.maker_checker`, …).
//! - an enrolment draws on the most specific allocation whose region contains
//!   the enterprise's regency (`allocation_region`); a programme with
//!   allocations refuses an enterprise outside all of them
//!   (`eligibility.no_allocation`).

use crate::records::AuditContext;
use crate::Result;
use async_trait::async_trait;
use naikkelas_core::programs::{
    Absorption, Benefit, Eligibility, EnrolmentState, EntryKind, LedgerTotals, ProgramDraft, ProgramKind, Purchase,
};
use naikkelas_core::{Nib, RegionCode, Rupiah, Scope};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationRecord {
    pub region: RegionCode,
    pub amount: Rupiah,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramRecord {
    pub id: i64,
    pub year: i32,
    pub kind: ProgramKind,
    pub name: String,
    pub owner_unit: String,
    pub budget: Rupiah,
    pub quota: Option<u32>,
    pub starts_on: time::Date,
    pub ends_on: time::Date,
    pub eligibility: Eligibility,
    pub benefit: Benefit,
    /// Most general region first.
    pub allocations: Vec<AllocationRecord>,
    pub created_at: String,
    pub created_by: String,
}

impl ProgramRecord {
    /// The allocation an enterprise in `regency` draws on: the most specific
    /// one containing it.
    pub fn allocation_for(&self, regency: &RegionCode) -> Option<&AllocationRecord> {
        self.allocations.iter().filter(|a| a.region.contains(regency)).max_by_key(|a| a.region.as_str().len())
    }
}

impl From<&ProgramRecord> for ProgramDraft {
    fn from(p: &ProgramRecord) -> Self {
        ProgramDraft {
            year: p.year,
            kind: p.kind,
            name: p.name.clone(),
            owner_unit: p.owner_unit.clone(),
            budget: p.budget,
            quota: p.quota,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            eligibility: p.eligibility.clone(),
            benefit: p.benefit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    pub program_id: i64,
    pub nib: Nib,
    /// Machine restructuring: the machine bought.
    pub purchase: Option<Purchase>,
    /// The benefit computed from the programme's rule.
    pub requested: Rupiah,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub program_id: i64,
    pub enrolment_id: i64,
    pub kind: EntryKind,
    /// Signed: a reversal is negative.
    pub amount: i64,
    /// The entry this one reverses.
    pub reverses: Option<i64>,
    pub allocation_region: Option<String>,
    pub at: String,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnrolmentRecord {
    pub id: i64,
    pub program_id: i64,
    pub program_name: String,
    pub program_kind: ProgramKind,
    pub program_year: i32,
    pub nib: Nib,
    pub business_name: String,
    pub regency_code: String,
    pub allocation_region: Option<String>,
    pub state: EnrolmentState,
    pub purchase: Option<Purchase>,
    pub requested: Rupiah,
    pub note: Option<String>,
    pub applied_at: String,
    pub applied_by: String,
    pub verified_at: Option<String>,
    pub verified_by: Option<String>,
    pub verified_by_user: Option<i64>,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    pub rejection_reason: Option<String>,
    pub certification_id: Option<i64>,
    pub totals: LedgerTotals,
    /// Oldest first; empty in lists.
    pub entries: Vec<LedgerEntry>,
}

#[derive(Debug, Clone)]
pub struct EnrolmentQuery {
    /// Applied to the enterprise.
    pub scope: Scope,
    pub program_id: Option<i64>,
    pub state: Option<EnrolmentState>,
    pub limit: u32,
}

impl EnrolmentQuery {
    pub fn in_scope(scope: Scope) -> Self {
        Self { scope, program_id: None, state: None, limit: 10_000 }
    }
}

/// Budget, approvals, disbursements and beneficiaries of a programme
/// (`region` = `None`) or of one of its allocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbsorptionRow {
    pub program_id: i64,
    pub year: i32,
    pub kind: ProgramKind,
    pub name: String,
    pub region: Option<RegionCode>,
    #[serde(flatten)]
    pub figures: Absorption,
}

/// The user who takes a decision, for the maker–checker rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider {
    pub user_id: i64,
}

#[async_trait]
pub trait ProgramStore: Send + Sync {
    /// Records a validated programme; returns its id.
    async fn create_program(&self, d: &ProgramDraft, audit: &AuditContext) -> Result<i64>;
    /// Newest year first, then by name; with allocations.
    async fn programs(&self, year: Option<i32>) -> Result<Vec<ProgramRecord>>;
    async fn program(&self, id: i64) -> Result<Option<ProgramRecord>>;
    /// Sets (or replaces) the allocation of one province or regency. The sum
    /// of allocations never exceeds the budget (`allocation.over_budget`), an
    /// allocation never falls below what is approved in it
    /// (`allocation.below_approved`), and allocations do not nest
    /// (`allocation.overlap`).
    async fn set_allocation(
        &self,
        program_id: i64,
        region: &RegionCode,
        amount: Rupiah,
        audit: &AuditContext,
    ) -> Result<()>;

    /// Records an application (state `applied`). A live enrolment of the same
    /// enterprise in the programme is `Conflict` (`eligibility.already_enrolled`);
    /// unknown programme or NIB is `NotFound`.
    async fn enrol(&self, e: &NewEnrolment, by: Decider, audit: &AuditContext) -> Result<i64>;
    /// With its ledger entries.
    async fn enrolment(&self, id: i64) -> Result<Option<EnrolmentRecord>>;
    /// Newest first, without entries.
    async fn enrolments(&self, q: &EnrolmentQuery) -> Result<Vec<EnrolmentRecord>>;

    async fn verify(&self, id: i64, by: Decider, audit: &AuditContext) -> Result<()>;
    /// Approves `amount` (≤ the requested benefit): state `approved` and an
    /// approval entry, under the budget, allocation and quota rules.
    async fn approve(&self, id: i64, by: Decider, amount: Rupiah, audit: &AuditContext) -> Result<i64>;
    async fn reject(&self, id: i64, by: Decider, reason: &str, audit: &AuditContext) -> Result<()>;
    /// A disbursement entry, never more than approved and not yet disbursed.
    async fn disburse(&self, id: i64, amount: Rupiah, note: Option<&str>, audit: &AuditContext) -> Result<i64>;
    /// A reversing entry of entry `entry_id` (of enrolment `id`).
    async fn reverse(&self, id: i64, entry_id: i64, reason: &str, audit: &AuditContext) -> Result<i64>;
    /// Every entry of a programme, oldest first.
    async fn ledger(&self, program_id: i64) -> Result<Vec<LedgerEntry>>;
    /// Links (or unlinks) the certification application the subsidy paid for.
    /// The caller checks that it belongs to the same enterprise.
    async fn attach_certification(&self, id: i64, certification_id: Option<i64>, audit: &AuditContext) -> Result<()>;

    /// Per programme (of `year`, or all) a row for the whole programme and one
    /// per allocation. `Scope::National` sees every row; `Scope::Region`
    /// only allocation rows whose region overlaps it (containing or inside);
    /// other scopes nothing. For dashboards.
    async fn absorption(&self, year: Option<i32>, scope: &Scope) -> Result<Vec<AbsorptionRow>>;
}

/// Approved and disbursed sums and approved beneficiaries of one programme
/// and allocation region (`None`: enrolments of a programme without
/// allocations), as a backend aggregates them from the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSums {
    pub program_id: i64,
    pub allocation_region: Option<String>,
    pub approved: i64,
    pub disbursed: i64,
    pub beneficiaries: i64,
}

/// The rows of [`ProgramStore::absorption`] from the programmes and the sums
/// of their enrolments, so that both backends answer alike.
pub fn absorption_rows(programs: &[ProgramRecord], sums: &[RegionSums], scope: &Scope) -> Vec<AbsorptionRow> {
    let add = |mut a: Absorption, s: &RegionSums| {
        a.approved += s.approved;
        a.disbursed += s.disbursed;
        a.beneficiaries += s.beneficiaries;
        a
    };
    let mut out = Vec::new();
    for p in programs {
        let row = |region: Option<RegionCode>, figures: Absorption| AbsorptionRow {
            program_id: p.id,
            year: p.year,
            kind: p.kind,
            name: p.name.clone(),
            region,
            figures,
        };
        let mine = || sums.iter().filter(|s| s.program_id == p.id);
        if *scope == Scope::National {
            out.push(row(None, mine().fold(Absorption { budget: p.budget, ..Absorption::default() }, add)));
        }
        for alloc in &p.allocations {
            let visible = match scope {
                Scope::National => true,
                Scope::Region(r) => r.contains(&alloc.region) || alloc.region.contains(r),
                _ => false,
            };
            if visible {
                let f = mine()
                    .filter(|s| s.allocation_region.as_deref() == Some(alloc.region.as_str()))
                    .fold(Absorption { budget: alloc.amount, ..Absorption::default() }, add);
                out.push(row(Some(alloc.region.clone()), f));
            }
        }
    }
    out
}
