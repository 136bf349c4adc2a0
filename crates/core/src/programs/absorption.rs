//! Budget absorption (*penyerapan anggaran*), a KPI Kemenperin reports
//! (DOMAIN.md §9): money disbursed as a share of the budget.

use crate::money::Rupiah;
use serde::Serialize;

/// Budget, approvals and disbursements of a programme or one region of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Absorption {
    pub budget: Rupiah,
    pub approved: i64,
    pub disbursed: i64,
    pub beneficiaries: i64,
}

impl Absorption {
    /// Disbursed ÷ budget in per mille, rounded down; 0 for a zero budget.
    pub fn absorption_permille(&self) -> u32 {
        ratio(self.disbursed, self.budget.get())
    }
    /// Approved ÷ budget in per mille (commitment), rounded down.
    pub fn committed_permille(&self) -> u32 {
        ratio(self.approved, self.budget.get())
    }
}

fn ratio(part: i64, whole: i64) -> u32 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    u32::try_from(i128::from(part) * 1000 / i128::from(whole)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorption_is_disbursed_over_budget() {
        let a = Absorption {
            budget: Rupiah::new_unchecked(6_500_000_000),
            approved: 3_250_000_000,
            disbursed: 1_300_000_000,
            beneficiaries: 12,
        };
        assert_eq!(a.absorption_permille(), 200);
        assert_eq!(a.committed_permille(), 500);
        // 1/3 rounds down to 333 ‰.
        let third = Absorption { budget: Rupiah::new_unchecked(3), approved: 1, disbursed: 1, beneficiaries: 1 };
        assert_eq!(third.absorption_permille(), 333);
        assert_eq!(Absorption::default().absorption_permille(), 0);
    }
}
