//! The money rules of the programme ledger.
//!
//! Approvals and disbursements are ledger entries that are never edited or
//! deleted; a correction is a reversing entry of the opposite sign. The
//! store evaluates these rules inside the write transaction that appends the
//! entry, after locking the programme (PostgreSQL `SELECT … FOR UPDATE`,
//! SQLite `BEGIN IMMEDIATE`), so the totals it passes in cannot change
//! before the entry is written:
//!
//! - approvals never exceed the programme's budget, nor the allocation of
//!   the region the enrolment draws on, nor the quota of beneficiaries;
//! - disbursements to an enrolment never exceed its approved amount, and only
//!   approved enrolments receive money;
//! - a reversal cannot take the approved amount below what was disbursed.

use super::enrolment::EnrolmentState;
use crate::money::Rupiah;
use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Approval,
    Disbursement,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Approval => "approval",
            EntryKind::Disbursement => "disbursement",
        }
    }
    pub fn parse(s: &str) -> Option<EntryKind> {
        match s {
            "approval" => Some(EntryKind::Approval),
            "disbursement" => Some(EntryKind::Disbursement),
            _ => None,
        }
    }
}

/// Sums of signed ledger amounts (reversals are negative), in rupiah.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LedgerTotals {
    pub approved: i64,
    pub disbursed: i64,
}

/// The limits an approval is checked against, read under the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalLimits {
    pub budget: Rupiah,
    /// Approved so far in the whole programme.
    pub programme_approved: i64,
    /// The region's allocation and what is approved in it so far, when the
    /// programme has allocations.
    pub allocation: Option<(Rupiah, i64)>,
    pub quota: Option<u32>,
    /// Enrolments approved so far (beneficiaries).
    pub beneficiaries: i64,
}

fn positive(amount: i64, field: &str) -> Result<(), FieldError> {
    if amount <= 0 {
        return Err(FieldError::new(field, "ledger.amount_positive").with("value", amount));
    }
    Ok(())
}

/// An approval of `amount` for an enrolment whose benefit is `requested`.
pub fn check_approval(l: &ApprovalLimits, amount: i64, requested: Rupiah) -> Result<(), FieldError> {
    positive(amount, "amount")?;
    if amount > requested.get() {
        return Err(FieldError::new("amount", "ledger.above_benefit").with("max", requested));
    }
    let left = l.budget.get() - l.programme_approved;
    if amount > left {
        return Err(FieldError::new("amount", "ledger.budget_exceeded")
            .with("budget", l.budget)
            .with("left", Rupiah::new_unchecked(left.max(0))));
    }
    if let Some((alloc, used)) = l.allocation {
        let left = alloc.get() - used;
        if amount > left {
            return Err(FieldError::new("amount", "ledger.allocation_exceeded")
                .with("allocation", alloc)
                .with("left", Rupiah::new_unchecked(left.max(0))));
        }
    }
    if let Some(q) = l.quota {
        if l.beneficiaries >= i64::from(q) {
            return Err(FieldError::new("amount", "ledger.quota_reached").with("quota", q));
        }
    }
    Ok(())
}

/// A disbursement of `amount` to an enrolment in `state` with `totals`.
pub fn check_disbursement(state: EnrolmentState, totals: LedgerTotals, amount: i64) -> Result<(), FieldError> {
    positive(amount, "amount")?;
    if state != EnrolmentState::Approved {
        return Err(FieldError::new("amount", "ledger.not_approved").with("status", state.as_str()));
    }
    let left = totals.approved - totals.disbursed;
    if amount > left {
        return Err(FieldError::new("amount", "ledger.above_approved").with("left", Rupiah::new_unchecked(left.max(0))));
    }
    Ok(())
}

/// A reversal of an entry of `kind` and `amount` (positive) given the
/// enrolment's current totals.
pub fn check_reversal(kind: EntryKind, amount: i64, totals: LedgerTotals) -> Result<(), FieldError> {
    if amount <= 0 {
        return Err(FieldError::new("entry", "ledger.reversal_of_reversal"));
    }
    if kind == EntryKind::Approval && totals.approved - amount < totals.disbursed {
        return Err(FieldError::new("entry", "ledger.reversal_below_disbursed")
            .with("disbursed", Rupiah::new_unchecked(totals.disbursed)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp(v: i64) -> Rupiah {
        Rupiah::new_unchecked(v)
    }

    fn limits() -> ApprovalLimits {
        ApprovalLimits {
            budget: rp(100),
            programme_approved: 60,
            allocation: Some((rp(50), 30)),
            quota: Some(3),
            beneficiaries: 2,
        }
    }

    #[test]
    fn approvals_respect_budget_allocation_quota_and_benefit() {
        assert!(check_approval(&limits(), 20, rp(20)).is_ok());
        assert_eq!(check_approval(&limits(), 0, rp(20)).unwrap_err().code, "ledger.amount_positive");
        assert_eq!(check_approval(&limits(), -5, rp(20)).unwrap_err().code, "ledger.amount_positive");
        assert_eq!(check_approval(&limits(), 21, rp(20)).unwrap_err().code, "ledger.above_benefit");
        let tight = ApprovalLimits { programme_approved: 90, ..limits() };
        assert_eq!(check_approval(&tight, 20, rp(20)).unwrap_err().code, "ledger.budget_exceeded");
        let region = ApprovalLimits { allocation: Some((rp(50), 40)), ..limits() };
        assert_eq!(check_approval(&region, 20, rp(20)).unwrap_err().code, "ledger.allocation_exceeded");
        let full = ApprovalLimits { beneficiaries: 3, ..limits() };
        assert_eq!(check_approval(&full, 1, rp(20)).unwrap_err().code, "ledger.quota_reached");
        // Exactly the budget left is allowed.
        let exact = ApprovalLimits { allocation: None, quota: None, ..limits() };
        assert!(check_approval(&exact, 40, rp(40)).is_ok());
    }

    #[test]
    fn disbursements_need_an_approval_and_stay_under_it() {
        let t = LedgerTotals { approved: 100, disbursed: 70 };
        assert!(check_disbursement(EnrolmentState::Approved, t, 30).is_ok());
        assert_eq!(check_disbursement(EnrolmentState::Approved, t, 31).unwrap_err().code, "ledger.above_approved");
        assert_eq!(check_disbursement(EnrolmentState::Rejected, t, 1).unwrap_err().code, "ledger.not_approved");
        assert_eq!(check_disbursement(EnrolmentState::Verified, t, 1).unwrap_err().code, "ledger.not_approved");
    }

    #[test]
    fn reversals_cannot_strand_disbursed_money() {
        let t = LedgerTotals { approved: 100, disbursed: 70 };
        assert!(check_reversal(EntryKind::Approval, 30, t).is_ok());
        assert_eq!(check_reversal(EntryKind::Approval, 31, t).unwrap_err().code, "ledger.reversal_below_disbursed");
        assert!(check_reversal(EntryKind::Disbursement, 70, t).is_ok());
        assert_eq!(check_reversal(EntryKind::Disbursement, -70, t).unwrap_err().code, "ledger.reversal_of_reversal");
    }
}
