//! Conformance stories of the readiness store (see `conformance.rs`; the
//! stories are re-exported there so the `conformance_tests!` macro finds them).

use crate::conformance::{ctx, profile};
use crate::readiness::{ActionStatus, ActionUpdate, AnswerInput, AssessmentStatus, Completion, NewAction};
use crate::{standards_data, Store, StoreError};
use naikkelas_core::standards::score::{score, Answer};
use naikkelas_core::{QualityLevel, Scope};
use std::collections::BTreeMap;
use time::macros::date;

fn ans(item: &str, a: Answer) -> AnswerInput {
    AnswerInput { item_id: item.to_string(), answer: a, evidence: Some(format!("bukti {item}")) }
}

pub async fn story_catalogue_is_loaded_with_its_stamp(s: &dyn Store) {
    let shipped = standards_data::shipped().unwrap();
    let r = s.readiness();
    assert_eq!(r.catalogue_version().await.unwrap().as_deref(), Some(shipped.version.as_str()));
    let all = r.standards().await.unwrap();
    assert_eq!(all.len(), shipped.standards.len());
    // Management systems first, then products by code.
    assert_eq!(all[0].code, "iso-22000-2018");
    assert_eq!(all[1].code, "iso-9001-2015");
    let iso = r.standard("iso-9001-2015").await.unwrap().unwrap();
    assert_eq!(&iso, &shipped.standards["iso-9001-2015"]);
    assert!(r.standard("sni-0000-0000").await.unwrap().is_none());
    // Migrating again with the same stamp changes nothing.
    s.migrate().await.unwrap();
    assert_eq!(r.standards().await.unwrap().len(), shipped.standards.len());
}

/// Answers every item: critical ones `critical`, the rest `rest`.
fn answers_for(std: &naikkelas_core::standards::Standard, critical: Answer, rest: Answer) -> Vec<AnswerInput> {
    std.items.iter().map(|i| ans(&i.id, if i.critical { critical } else { rest })).collect()
}

fn completion_of(std: &naikkelas_core::standards::Standard, answers: &[AnswerInput]) -> Completion {
    let map: BTreeMap<String, Answer> = answers.iter().map(|a| (a.item_id.clone(), a.answer)).collect();
    let sheet = score(std, &map);
    Completion {
        score_permille: sheet.overall_permille,
        meets_threshold: sheet.meets_threshold(),
        actions: sheet
            .gaps
            .iter()
            .map(|g| NewAction {
                item_id: g.item_id.clone(),
                critical: g.critical,
                priority: g.priority,
                owner: "Pemilik 601".into(),
                due_date: Some(date!(2026 - 04 - 01)),
            })
            .collect(),
    }
}

pub async fn story_assessment_saves_progress_completes_and_raises_the_level(s: &dyn Store) {
    let p = profile(601, "Kopi Mahakam", "64.72", &["10761"], &["kopi instan"]);
    s.register_enterprise(&p, &ctx("petugas")).await.unwrap();
    let r = s.readiness();
    let std = r.standard("sni-2983-2014").await.unwrap().unwrap();
    let id = r.start_assessment(&p.nib, &std, &ctx("pemilik")).await.unwrap();
    // A second open assessment of the same standard is refused.
    match r.start_assessment(&p.nib, &std, &ctx("pemilik")).await {
        Err(StoreError::Conflict(f)) => assert_eq!(f.code, "assessment.already_open"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Progress is saved and an answer can be changed.
    let first = std.items[0].id.clone();
    r.save_answers(id, &[ans(&first, Answer::Tidak)], &ctx("pemilik")).await.unwrap();
    r.save_answers(id, &[ans(&first, Answer::Sebagian)], &ctx("pemilik")).await.unwrap();
    let a = r.assessment(id).await.unwrap().unwrap();
    assert_eq!((a.status, a.answers.len()), (AssessmentStatus::InProgress, 1));
    assert_eq!((a.answers[0].answer, a.answers[0].evidence.as_deref()), (Answer::Sebagian, Some("bukti sni2983-A-1")));
    assert_eq!((a.nib.clone(), a.regency.as_str()), (p.nib.clone(), "64.72"));
    // Everything "ya" except one critical item "sebagian": ≥ 80 %, a critical gap open.
    let mut all = answers_for(&std, Answer::Ya, Answer::Ya);
    let crit = std.items.iter().position(|i| i.critical).unwrap();
    all[crit].answer = Answer::Sebagian;
    r.save_answers(id, &all, &ctx("pemilik")).await.unwrap();
    let c = completion_of(&std, &all);
    assert!(c.meets_threshold && c.actions.len() == 1 && c.actions[0].critical);
    r.complete_assessment(id, &c, &ctx("pemilik")).await.unwrap();
    let done = r.assessment(id).await.unwrap().unwrap();
    assert_eq!(done.status, AssessmentStatus::Completed);
    assert_eq!(done.score_permille, c.score_permille);
    assert_eq!(done.actions.len(), c.actions.len());
    assert_eq!(done.actions[0].status, ActionStatus::Open);
    assert_eq!(done.actions[0].due_date, Some(date!(2026 - 04 - 01)));
    // Open critical gaps: not ready yet.
    assert!(!r.assessment_ready(&p.nib).await.unwrap());
    assert_eq!(s.enterprise(&p.nib).await.unwrap().unwrap().quality_level, QualityLevel::L0);
    // A completed assessment takes no more answers and cannot complete twice.
    match r.save_answers(id, &[ans(&first, Answer::Ya)], &ctx("pemilik")).await {
        Err(StoreError::Conflict(f)) => assert_eq!(f.code, "assessment.completed"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(r.complete_assessment(id, &c, &ctx("pemilik")).await, Err(StoreError::Conflict(_))));
    // Closing every critical action makes the enterprise L2, and the stored level follows.
    for (i, act) in done.actions.iter().enumerate() {
        let u = ActionUpdate {
            text: (i == 0).then(|| "Kemasan aluminium foil".to_string()),
            owner: "Bu Sari".into(),
            due_date: None,
            status: ActionStatus::Done,
        };
        r.update_action(id, act.id, &u, &ctx("pemilik")).await.unwrap();
    }
    assert!(r.assessment_ready(&p.nib).await.unwrap());
    assert_eq!(s.enterprise(&p.nib).await.unwrap().unwrap().quality_level, QualityLevel::L2);
    let edited = r.assessment(id).await.unwrap().unwrap();
    assert_eq!(edited.actions[0].text.as_deref(), Some("Kemasan aluminium foil"));
    assert_eq!((edited.actions[0].owner.as_str(), edited.actions[0].due_date), ("Bu Sari", None));
    // Reopening one critical action drops it again.
    let reopen = ActionUpdate { text: None, owner: "Bu Sari".into(), due_date: None, status: ActionStatus::InProgress };
    r.update_action(id, done.actions[0].id, &reopen, &ctx("pemilik")).await.unwrap();
    assert_eq!(s.enterprise(&p.nib).await.unwrap().unwrap().quality_level, QualityLevel::L0);
    // An action of another assessment, or an unknown one, is not found.
    assert!(matches!(r.update_action(id, 999_999, &reopen, &ctx("x")).await, Err(StoreError::NotFound)));
    assert!(matches!(r.save_answers(999_999, &[], &ctx("x")).await, Err(StoreError::NotFound)));
    // Every write is in the audit log.
    let log = s.audit_for_entity("assessment", &id.to_string(), 100).await.unwrap();
    let mut actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    actions.dedup();
    assert_eq!(actions, ["update_action", "complete_assessment", "answer", "start_assessment"]);
    let summaries = r.assessments_of(&p.nib).await.unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].answered as usize, std.items.len());
}

pub async fn story_latest_assessment_decides_and_region_view_respects_scope(s: &dyn Store) {
    let smd = profile(611, "Garam Samarinda", "64.72", &["10774"], &["garam beryodium"]);
    let bpn = profile(612, "Garam Balikpapan", "64.71", &["10774"], &["garam"]);
    for p in [&smd, &bpn] {
        s.register_enterprise(p, &ctx("admin")).await.unwrap();
    }
    let r = s.readiness();
    let std = r.standard("sni-3556-2010").await.unwrap().unwrap();
    // Samarinda: first all "ya" (ready), then a reassessment with a critical "tidak" (capped).
    let first = r.start_assessment(&smd.nib, &std, &ctx("a")).await.unwrap();
    let good = answers_for(&std, Answer::Ya, Answer::Ya);
    r.save_answers(first, &good, &ctx("a")).await.unwrap();
    r.complete_assessment(first, &completion_of(&std, &good), &ctx("a")).await.unwrap();
    assert_eq!(s.enterprise(&smd.nib).await.unwrap().unwrap().quality_level, QualityLevel::L2);
    let second = r.start_assessment(&smd.nib, &std, &ctx("a")).await.unwrap();
    let bad = answers_for(&std, Answer::Tidak, Answer::Ya);
    r.save_answers(second, &bad, &ctx("a")).await.unwrap();
    let c = completion_of(&std, &bad);
    assert!(c.score_permille.unwrap() <= 790 && !c.meets_threshold);
    r.complete_assessment(second, &c, &ctx("a")).await.unwrap();
    assert!(!r.assessment_ready(&smd.nib).await.unwrap());
    assert_eq!(s.enterprise(&smd.nib).await.unwrap().unwrap().quality_level, QualityLevel::L0);
    // An in-progress assessment does not count.
    let third = r.start_assessment(&smd.nib, &std, &ctx("a")).await.unwrap();
    r.save_answers(third, &good, &ctx("a")).await.unwrap();
    assert!(!r.assessment_ready(&smd.nib).await.unwrap());
    // Balikpapan: one completed assessment.
    let b = r.start_assessment(&bpn.nib, &std, &ctx("a")).await.unwrap();
    r.save_answers(b, &good, &ctx("a")).await.unwrap();
    r.complete_assessment(b, &completion_of(&std, &good), &ctx("a")).await.unwrap();

    let national = r.latest_in_scope(&Scope::National).await.unwrap();
    assert_eq!(national.len(), 2);
    let mine = national.iter().find(|x| x.nib == smd.nib).unwrap();
    assert_eq!((mine.assessment_id, mine.score_permille), (second, c.score_permille));
    assert_eq!(mine.gap_items.len(), c.actions.len());
    assert_eq!(mine.gap_items[0], c.actions[0].item_id);
    let region = r.latest_in_scope(&Scope::Region(crate::conformance::region("64.72"))).await.unwrap();
    assert_eq!(region.iter().map(|x| x.nib.clone()).collect::<Vec<_>>(), vec![smd.nib.clone()]);
    let province = r.latest_in_scope(&Scope::Region(crate::conformance::region("64"))).await.unwrap();
    assert_eq!(province.len(), 2);
    assert!(r.latest_in_scope(&Scope::Nothing).await.unwrap().is_empty());
    assert_eq!(r.latest_in_scope(&Scope::Enterprise(bpn.nib.clone())).await.unwrap().len(), 1);
    // Deleting the enterprise removes its assessments.
    s.delete_enterprise(&bpn.nib, &ctx("admin")).await.unwrap();
    assert!(r.assessment(b).await.unwrap().is_none());
    assert_eq!(r.latest_in_scope(&Scope::National).await.unwrap().len(), 1);
}
