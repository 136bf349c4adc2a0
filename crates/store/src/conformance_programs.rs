//! Conformance stories of the programme store (see `conformance`): the
//! enrolment flow, the ledger's money rules, absorption against a
//! hand-computed example, and concurrent approvals that must not overspend.

use crate::conformance::{ctx, nib, profile, region};
use crate::programs::*;
use crate::{Store, StoreError};
use naikkelas_core::programs::benefit::MachineRates;
use naikkelas_core::programs::{
    Benefit, Eligibility, EnrolmentState, EntryKind, MachineOrigin, ProgramDraft, ProgramKind, Purchase,
};
use naikkelas_core::{Rupiah, Scope};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use time::macros::date;

fn rp(v: i64) -> Rupiah {
    Rupiah::new_unchecked(v)
}

fn machines(budget: i64) -> ProgramDraft {
    ProgramDraft {
        year: 2025,
        kind: ProgramKind::RestrukturisasiMesin,
        name: "Restrukturisasi Mesin 2025".into(),
        owner_unit: "Direktorat Jenderal IKMA".into(),
        budget: rp(budget),
        quota: None,
        starts_on: date!(2025 - 02 - 01),
        ends_on: date!(2025 - 11 - 30),
        eligibility: Eligibility::default(),
        benefit: Benefit::MachinePrice(MachineRates {
            domestic_permille: 400,
            imported_permille: 200,
            min: rp(5_000_000),
            max: rp(300_000_000),
        }),
    }
}

fn enrolment(program_id: i64, n: u64, price: i64) -> NewEnrolment {
    let purchase = Purchase { price: rp(price), origin: MachineOrigin::Domestic };
    NewEnrolment { program_id, nib: nib(n), purchase: Some(purchase), requested: rp(price * 4 / 10), note: None }
}

const OFFICER_A: Decider = Decider { user_id: 11 };
const OFFICER_B: Decider = Decider { user_id: 12 };

fn code<T: std::fmt::Debug>(r: crate::Result<T>) -> String {
    match r {
        Err(StoreError::Conflict(e)) => e.code,
        other => panic!("expected a refusal naming its rule, got {other:?}"),
    }
}

/// Applied → verified → approved (by someone else) → disbursed, each an audit
/// entry; every money rule refuses with its code; absorption matches a
/// hand-computed example.
pub async fn story_programme_enrolment_ledger_and_absorption(s: &dyn Store) {
    let c = ctx("kemenperin");
    for (n, name, reg) in
        [(201, "Bengkel Las Samarinda", "64.72"), (202, "Mebel Balikpapan", "64.71"), (203, "Tenun Tarakan", "65.71")]
    {
        s.register_enterprise(&profile(n, name, reg, &["16101"], &["mebel"]), &c).await.unwrap();
    }
    let ps = s.programs();
    let pid = ps.create_program(&machines(200_000_000), &c).await.unwrap();
    ps.set_allocation(pid, &region("64.72"), rp(100_000_000), &c).await.unwrap();
    ps.set_allocation(pid, &region("64.71"), rp(60_000_000), &c).await.unwrap();
    assert_eq!(code(ps.set_allocation(pid, &region("64"), rp(1), &c).await), "allocation.overlap");
    assert_eq!(code(ps.set_allocation(pid, &region("65"), rp(40_000_001), &c).await), "allocation.over_budget");
    let p = ps.program(pid).await.unwrap().unwrap();
    assert_eq!((p.budget, p.allocations.len(), p.benefit), (rp(200_000_000), 2, machines(1).benefit));
    assert_eq!(p.allocation_for(&region("64.72")).map(|a| a.amount), Some(rp(100_000_000)));
    assert_eq!(ps.programs(Some(2025)).await.unwrap().len(), 1);
    assert!(ps.programs(Some(2024)).await.unwrap().is_empty());

    // Tarakan lies outside every allocation.
    assert_eq!(code(ps.enrol(&enrolment(pid, 203, 50_000_000), OFFICER_A, &c).await), "eligibility.no_allocation");
    // Samarinda: Rp200 jt domestic machine, 40 % = Rp80 jt.
    let smd = ps.enrol(&enrolment(pid, 201, 200_000_000), OFFICER_A, &ctx("petugas.a")).await.unwrap();
    assert_eq!(code(ps.enrol(&enrolment(pid, 201, 1_000_000), OFFICER_A, &c).await), "eligibility.already_enrolled");
    let bpn = ps.enrol(&enrolment(pid, 202, 100_000_000), OFFICER_B, &ctx("petugas.b")).await.unwrap();

    assert_eq!(code(ps.approve(smd, OFFICER_B, rp(80_000_000), &c).await), "enrolment.illegal_transition");
    ps.verify(smd, OFFICER_A, &ctx("petugas.a")).await.unwrap();
    assert_eq!(code(ps.approve(smd, OFFICER_A, rp(80_000_000), &c).await), "enrolment.maker_checker");
    assert_eq!(code(ps.approve(smd, OFFICER_B, rp(80_000_001), &c).await), "ledger.above_benefit");
    assert_eq!(code(ps.approve(smd, OFFICER_B, rp(0), &c).await), "ledger.amount_positive");
    let approval = ps.approve(smd, OFFICER_B, rp(80_000_000), &ctx("petugas.b")).await.unwrap();
    assert_eq!(code(ps.disburse(smd, rp(80_000_001), None, &c).await), "ledger.above_approved");
    ps.disburse(smd, rp(50_000_000), Some("SP2D 001"), &c).await.unwrap();
    // Reversing the approval would strand the money already paid.
    assert_eq!(code(ps.reverse(smd, approval, "salah input", &c).await), "ledger.reversal_below_disbursed");
    let wrong = ps.disburse(smd, rp(30_000_000), Some("SP2D 002"), &c).await.unwrap();
    let undo = ps.reverse(smd, wrong, "rekening salah", &c).await.unwrap();
    assert_eq!(code(ps.reverse(smd, wrong, "lagi", &c).await), "ledger.already_reversed");
    assert_eq!(code(ps.reverse(smd, undo, "lagi", &c).await), "ledger.reversal_of_reversal");
    ps.disburse(smd, rp(10_000_000), Some("SP2D 003"), &c).await.unwrap();

    // Balikpapan: Rp40 jt requested, allocation Rp60 jt, rejected with a reason.
    ps.verify(bpn, OFFICER_B, &c).await.unwrap();
    assert_eq!(code(ps.reject(bpn, OFFICER_A, "  ", &c).await), "enrolment.reason_required");
    ps.reject(bpn, OFFICER_A, "Mesin bukan baru", &c).await.unwrap();
    assert_eq!(code(ps.disburse(bpn, rp(1), None, &c).await), "ledger.not_approved");
    assert_eq!(code(ps.approve(bpn, OFFICER_B, rp(1), &c).await), "enrolment.illegal_transition");
    // A rejected enterprise may apply again.
    let again = ps.enrol(&enrolment(pid, 202, 100_000_000), OFFICER_B, &c).await.unwrap();

    let e = ps.enrolment(smd).await.unwrap().unwrap();
    assert_eq!(e.state, EnrolmentState::Approved);
    assert_eq!((e.totals.approved, e.totals.disbursed), (80_000_000, 60_000_000));
    assert_eq!(e.allocation_region.as_deref(), Some("64.72"));
    assert_eq!(e.verified_by.as_deref(), Some("petugas.a"));
    assert_eq!(e.decided_by.as_deref(), Some("petugas.b"));
    let kinds: Vec<(EntryKind, i64, Option<i64>)> = e.entries.iter().map(|x| (x.kind, x.amount, x.reverses)).collect();
    assert_eq!(
        kinds,
        [
            (EntryKind::Approval, 80_000_000, None),
            (EntryKind::Disbursement, 50_000_000, None),
            (EntryKind::Disbursement, 30_000_000, None),
            (EntryKind::Disbursement, -30_000_000, Some(wrong)),
            (EntryKind::Disbursement, 10_000_000, None),
        ]
    );
    let r = ps.enrolment(bpn).await.unwrap().unwrap();
    assert_eq!((r.state, r.rejection_reason.as_deref()), (EnrolmentState::Rejected, Some("Mesin bukan baru")));
    assert_eq!(ps.ledger(pid).await.unwrap().len(), 5);

    // Lists respect scope.
    let all = ps.enrolments(&EnrolmentQuery::in_scope(Scope::National)).await.unwrap();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [again, bpn, smd]);
    let mine = ps.enrolments(&EnrolmentQuery::in_scope(Scope::Region(region("64.72")))).await.unwrap();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [smd]);
    let owner = ps.enrolments(&EnrolmentQuery::in_scope(Scope::Enterprise(nib(202)))).await.unwrap();
    assert_eq!(owner.len(), 2);
    let approved =
        EnrolmentQuery { state: Some(EnrolmentState::Approved), ..EnrolmentQuery::in_scope(Scope::National) };
    assert_eq!(ps.enrolments(&approved).await.unwrap().len(), 1);

    // Hand-computed: budget 200 jt, approved 80 jt, disbursed 50 + 30 − 30 + 10
    // = 60 jt, absorption 60/200 = 300 ‰; Samarinda 60/100 = 600 ‰;
    // Balikpapan nothing approved.
    let rows = ps.absorption(Some(2025), &Scope::National).await.unwrap();
    let fig = |reg: Option<&str>| {
        let r = rows.iter().find(|r| r.region.as_ref().map(|x| x.as_str()) == reg).expect("row");
        (r.figures.budget.get(), r.figures.approved, r.figures.disbursed, r.figures.beneficiaries)
    };
    assert_eq!(rows.len(), 3);
    assert_eq!(fig(None), (200_000_000, 80_000_000, 60_000_000, 1));
    assert_eq!(fig(Some("64.72")), (100_000_000, 80_000_000, 60_000_000, 1));
    assert_eq!(fig(Some("64.71")), (60_000_000, 0, 0, 0));
    assert_eq!(rows[0].figures.absorption_permille(), 300);
    let smd_rows = ps.absorption(None, &Scope::Region(region("64.72"))).await.unwrap();
    assert_eq!(smd_rows.len(), 1);
    assert_eq!(smd_rows[0].figures.absorption_permille(), 600);
    let kaltim = ps.absorption(Some(2025), &Scope::Region(region("64"))).await.unwrap();
    assert_eq!(kaltim.len(), 2);
    assert!(ps.absorption(Some(2024), &Scope::National).await.unwrap().is_empty());

    // An allocation cannot fall below what is approved in it.
    assert_eq!(code(ps.set_allocation(pid, &region("64.72"), rp(79_999_999), &c).await), "allocation.below_approved");

    // Every change is in the audit log.
    let log = s.audit_for_entity("program_enrolment", &smd.to_string(), 50).await.unwrap();
    let mut actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    actions.reverse();
    assert_eq!(actions, ["enrol", "verify", "approve", "disburse", "disburse", "reverse", "disburse"], "{log:?}");
    let plog = s.audit_for_entity("program", &pid.to_string(), 10).await.unwrap();
    assert_eq!(plog.len(), 3);
}

/// Polls every future until all are done: approvals in flight at the same
/// time, each on its own connection, without a runtime dependency here.
async fn join_all<T>(mut futs: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("every future finished")).collect()
}

/// Twelve approvals of Rp30 jt each race for a budget of Rp100 jt: exactly
/// three succeed, the rest are refused with the budget rule, and the ledger
/// never holds more than the budget.
pub async fn story_concurrent_approvals_never_overspend(s: &dyn Store) {
    let c = ctx("kemenperin");
    let ps = s.programs();
    let pid = ps.create_program(&machines(100_000_000), &c).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..12u64 {
        s.register_enterprise(&profile(300 + n, &format!("IKM {n}"), "64.72", &["16101"], &["mebel"]), &c)
            .await
            .unwrap();
        let id = ps.enrol(&enrolment(pid, 300 + n, 75_000_000), OFFICER_A, &c).await.unwrap();
        ps.verify(id, OFFICER_A, &c).await.unwrap();
        ids.push(id);
    }
    let futs: Vec<Pin<Box<dyn Future<Output = crate::Result<i64>> + Send + '_>>> = ids
        .iter()
        .map(|id| {
            let ctx = ctx("petugas.b");
            Box::pin(async move { ps.approve(*id, OFFICER_B, rp(30_000_000), &ctx).await })
                as Pin<Box<dyn Future<Output = _> + Send + '_>>
        })
        .collect();
    let results = join_all(futs).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 3, "{results:?}");
    for r in results.into_iter().filter(|r| r.is_err()) {
        assert_eq!(code(r), "ledger.budget_exceeded");
    }
    let approved: i64 =
        ps.ledger(pid).await.unwrap().iter().filter(|e| e.kind == EntryKind::Approval).map(|e| e.amount).sum();
    assert_eq!(approved, 90_000_000);
    let rows = ps.absorption(Some(2025), &Scope::National).await.unwrap();
    assert_eq!((rows[0].figures.approved, rows[0].figures.beneficiaries), (90_000_000, 3));
}
