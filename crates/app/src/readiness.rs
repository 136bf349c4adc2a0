//! Readiness self-assessment use cases: which standard applies, assessments
//! against a standard, gaps and the action plan, the region view.
//!
//! Who may do what:
//! - read an assessment: anyone who may read the enterprise (owner, officer
//!   in scope, ministry, admin); outside scope is `NotFound`;
//! - start, answer, complete, edit the action plan: the owner of the
//!   enterprise, the officer of its region, an administrator;
//! - the region view: officers (their region), ministry and admin (national).
//!
//! The scoring rules are in `naikkelas_core::standards::score`.

use crate::error::{AppError, AppResult};
use crate::service::Service;
use naikkelas_core::standards::score::{self, Answer, ClauseDelta, ScoreSheet};
use naikkelas_core::standards::{Standard, StandardKind};
use naikkelas_core::{Actor, FieldError, Role, Scope, ValidationErrors};
use naikkelas_store::readiness::{
    ActionStatus, ActionUpdate, AnswerInput, AssessmentRecord, AssessmentStatus, AssessmentSummary, Completion,
    NewAction,
};
use naikkelas_store::EnterpriseRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Longest evidence note kept.
pub const EVIDENCE_MAX: usize = 1000;

/// A standard offered to an enterprise, applicable ones first.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub code: String,
    pub number: String,
    pub title_id: String,
    pub title_en: String,
    pub kind: StandardKind,
    pub mandatory: bool,
    /// Where the applicability mapping comes from, when it applies.
    pub applies_because: Option<String>,
    pub items: usize,
}

/// One answer as typed or sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AnswerDraft {
    pub item_id: String,
    pub answer: String,
    #[serde(default)]
    pub evidence: Option<String>,
}

/// An edit of one action as typed or sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ActionDraft {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub due_date: String,
    pub status: String,
}

/// An assessment as its page and the API show it.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub record: AssessmentRecord,
    pub standard: Standard,
    pub enterprise: EnterpriseRecord,
    pub sheet: ScoreSheet,
    /// The previous completed assessment of the same standard, and the
    /// per-clause comparison with it.
    pub previous: Option<(AssessmentSummary, Vec<ClauseDelta>)>,
    pub can_edit: bool,
}

impl AssessmentView {
    pub fn answers(&self) -> BTreeMap<String, Answer> {
        self.record.answers.iter().map(|a| (a.item_id.clone(), a.answer)).collect()
    }
}

/// Per standard, for the region view.
#[derive(Debug, Clone, Serialize)]
pub struct StandardPicture {
    pub code: String,
    pub number: String,
    pub title_id: String,
    pub title_en: String,
    pub assessed: usize,
    pub ready: usize,
    /// Count per band of [`score::BANDS`], in that order.
    pub bands: Vec<(String, usize)>,
    /// Most frequent gaps: item id, its question, how many enterprises.
    pub top_gaps: Vec<GapCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapCount {
    pub item_id: String,
    pub clause: String,
    pub question_id: String,
    pub question_en: String,
    pub critical: bool,
    pub enterprises: usize,
}

fn answers_of(r: &AssessmentRecord) -> BTreeMap<String, Answer> {
    r.answers.iter().map(|a| (a.item_id.clone(), a.answer)).collect()
}

impl Service {
    /// The whole catalogue (public: standards are not personal data).
    pub async fn standards(&self) -> AppResult<Vec<Standard>> {
        Ok(self.store().readiness().standards().await?)
    }

    pub async fn standard(&self, code: &str) -> AppResult<Standard> {
        self.store().readiness().standard(code).await?.ok_or(AppError::NotFound)
    }

    async fn assessable(&self, actor: &Actor, nib: &str) -> AppResult<EnterpriseRecord> {
        let rec = self.readable_enterprise(actor, nib).await?;
        if !actor.can_edit_enterprise(&rec.profile.regency, &rec.profile.nib) {
            return Err(AppError::Forbidden);
        }
        Ok(rec)
    }

    /// Standards for an enterprise: mandatory SNI that apply by KBLI or
    /// product, then applicable management systems, then the rest.
    pub async fn suggested_standards(&self, actor: &Actor, nib: &str) -> AppResult<Vec<Suggestion>> {
        let rec = self.readable_enterprise(actor, nib).await?;
        let kbli: Vec<&str> = rec.profile.kbli.iter().map(|k| k.as_str()).collect();
        let products: Vec<&str> = rec.profile.products.iter().map(String::as_str).collect();
        let mut out: Vec<Suggestion> = self
            .standards()
            .await?
            .into_iter()
            .map(|s| Suggestion {
                applies_because: s.applies_to(&kbli, &products).map(str::to_string),
                code: s.code,
                number: s.number,
                title_id: s.title_id,
                title_en: s.title_en,
                kind: s.kind,
                mandatory: s.mandatory,
                items: s.items.len(),
            })
            .collect();
        let rank = |s: &Suggestion| match (s.applies_because.is_some(), s.mandatory) {
            (true, true) => 0,
            (true, false) => 1,
            (false, false) => 2,
            (false, true) => 3,
        };
        out.sort_by_key(|s| rank(s));
        Ok(out)
    }

    pub async fn enterprise_assessments(&self, actor: &Actor, nib: &str) -> AppResult<Vec<AssessmentSummary>> {
        let rec = self.readable_enterprise(actor, nib).await?;
        Ok(self.store().readiness().assessments_of(&rec.profile.nib).await?)
    }

    /// Starts an assessment, or resumes the one of the same standard still in progress.
    pub async fn start_assessment(&self, actor: &Actor, nib: &str, standard: &str) -> AppResult<i64> {
        let rec = self.assessable(actor, nib).await?;
        let std =
            self.store().readiness().standard(standard).await?.ok_or_else(|| {
                AppError::field(FieldError::new("standard", "standard.unknown").with("value", standard))
            })?;
        let open = self
            .store()
            .readiness()
            .assessments_of(&rec.profile.nib)
            .await?
            .into_iter()
            .find(|a| a.standard == std.code && a.status == AssessmentStatus::InProgress);
        if let Some(open) = open {
            return Ok(open.id);
        }
        Ok(self.store().readiness().start_assessment(&rec.profile.nib, &std, &self.audit_ctx(actor)).await?)
    }

    /// The assessment if the actor may read its enterprise; otherwise `NotFound`.
    async fn readable_assessment(&self, actor: &Actor, id: i64) -> AppResult<(AssessmentRecord, EnterpriseRecord)> {
        let a = self.store().readiness().assessment(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can_read_enterprise(&a.regency, &a.nib) {
            return Err(AppError::NotFound);
        }
        let e = self.readable_enterprise(actor, a.nib.as_str()).await?;
        Ok((a, e))
    }

    async fn editable_assessment(&self, actor: &Actor, id: i64) -> AppResult<(AssessmentRecord, Standard)> {
        let (a, e) = self.readable_assessment(actor, id).await?;
        if !actor.can_edit_enterprise(&e.profile.regency, &e.profile.nib) {
            return Err(AppError::Forbidden);
        }
        let std = self.standard(&a.standard).await?;
        Ok((a, std))
    }

    pub async fn assessment_view(&self, actor: &Actor, id: i64) -> AppResult<AssessmentView> {
        let (record, enterprise) = self.readable_assessment(actor, id).await?;
        let standard = self.standard(&record.standard).await?;
        let sheet = score::score(&standard, &answers_of(&record));
        let previous = match self
            .store()
            .readiness()
            .assessments_of(&record.nib)
            .await?
            .into_iter()
            .find(|s| s.standard == record.standard && s.status == AssessmentStatus::Completed && s.id < record.id)
        {
            Some(p) => {
                let prev = self.store().readiness().assessment(p.id).await?.ok_or(AppError::NotFound)?;
                let prev_sheet = score::score(&standard, &answers_of(&prev));
                Some((p, score::compare(&prev_sheet, &sheet)))
            }
            None => None,
        };
        let can_edit = actor.can_edit_enterprise(&enterprise.profile.regency, &enterprise.profile.nib);
        Ok(AssessmentView { record, standard, enterprise, sheet, previous, can_edit })
    }

    /// Saves answers (progress). Each must name an item of the assessment's
    /// standard and a value of the scale; otherwise nothing is saved.
    pub async fn answer(&self, actor: &Actor, id: i64, drafts: &[AnswerDraft]) -> AppResult<()> {
        let (a, std) = self.editable_assessment(actor, id).await?;
        if a.status == AssessmentStatus::Completed {
            return Err(AppError::field(FieldError::new("assessment", "assessment.completed")));
        }
        let mut errs = ValidationErrors::default();
        let mut inputs = Vec::with_capacity(drafts.len());
        for d in drafts {
            let item = d.item_id.trim();
            if std.item(item).is_none() {
                errs.push(
                    FieldError::new("item_id", "assessment.unknown_item")
                        .with("value", item)
                        .with("standard", &std.number),
                );
                continue;
            }
            let Some(answer) = Answer::parse(&d.answer) else {
                errs.push(
                    FieldError::new("answer", "assessment.bad_answer").with("value", &d.answer).with("item", item),
                );
                continue;
            };
            let evidence = d.evidence.as_deref().map(str::trim).filter(|e| !e.is_empty());
            if evidence.is_some_and(|e| e.chars().count() > EVIDENCE_MAX) {
                errs.push(FieldError::new("evidence", "assessment.evidence_long").with("max", EVIDENCE_MAX));
                continue;
            }
            inputs.push(AnswerInput { item_id: item.to_string(), answer, evidence: evidence.map(str::to_string) });
        }
        if !errs.is_empty() {
            return Err(errs.into());
        }
        if inputs.is_empty() {
            return Ok(());
        }
        Ok(self.store().readiness().save_answers(id, &inputs, &self.audit_ctx(actor)).await?)
    }

    /// Completes the assessment: every item must be answered. Scores it and
    /// generates the action plan from the ranked gaps.
    pub async fn complete_assessment(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let (a, std) = self.editable_assessment(actor, id).await?;
        if a.status == AssessmentStatus::Completed {
            return Err(AppError::field(FieldError::new("assessment", "assessment.completed")));
        }
        let sheet = score::score(&std, &answers_of(&a));
        if !sheet.complete() {
            return Err(AppError::field(
                FieldError::new("assessment", "assessment.incomplete").with("n", sheet.total - sheet.answered),
            ));
        }
        let today = self.now().date();
        let owner = self.readable_enterprise(actor, a.nib.as_str()).await?.profile.owner_name;
        let actions = sheet
            .gaps
            .iter()
            .map(|g| NewAction {
                item_id: g.item_id.clone(),
                critical: g.critical,
                priority: g.priority,
                owner: owner.clone(),
                due_date: today.checked_add(time::Duration::days(score::suggested_due_days(g))),
            })
            .collect();
        let c =
            Completion { score_permille: sheet.overall_permille, meets_threshold: sheet.meets_threshold(), actions };
        Ok(self.store().readiness().complete_assessment(id, &c, &self.audit_ctx(actor)).await?)
    }

    pub async fn update_action(&self, actor: &Actor, id: i64, action_id: i64, d: &ActionDraft) -> AppResult<()> {
        let (a, _) = self.editable_assessment(actor, id).await?;
        if !a.actions.iter().any(|x| x.id == action_id) {
            return Err(AppError::NotFound);
        }
        let mut errs = ValidationErrors::default();
        let status = errs.take(
            ActionStatus::parse(&d.status)
                .ok_or_else(|| FieldError::new("status", "action.bad_status").with("value", &d.status)),
        );
        let due = errs.take(crate::registry::parse_date(&d.due_date, "due_date"));
        let owner = d.owner.split_whitespace().collect::<Vec<_>>().join(" ");
        if owner.chars().count() > 200 {
            errs.push(FieldError::new("owner", "action.owner_long").with("max", 200));
        }
        let text = d.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        if text.as_ref().is_some_and(|t| t.chars().count() > EVIDENCE_MAX) {
            errs.push(FieldError::new("text", "assessment.evidence_long").with("max", EVIDENCE_MAX));
        }
        if !errs.is_empty() {
            return Err(errs.into());
        }
        let u = ActionUpdate { text, owner, due_date: due.flatten(), status: status.expect("checked") };
        Ok(self.store().readiness().update_action(id, action_id, &u, &self.audit_ctx(actor)).await?)
    }

    /// Per standard within the actor's scope: how many enterprises were
    /// assessed, the readiness distribution and the most frequent gaps.
    pub async fn region_readiness(&self, actor: &Actor) -> AppResult<Vec<StandardPicture>> {
        if !matches!(actor.role, Role::Admin | Role::Ministry | Role::Officer) {
            return Err(AppError::Forbidden);
        }
        let scope = actor.registry_scope();
        if scope == Scope::Nothing {
            return Err(AppError::Forbidden);
        }
        let latest = self.store().readiness().latest_in_scope(&scope).await?;
        let mut by_standard: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for l in latest {
            by_standard.entry(l.standard.clone()).or_default().push(l);
        }
        let mut out = Vec::new();
        for std in self.standards().await? {
            let Some(rows) = by_standard.remove(&std.code) else { continue };
            let mut bands: Vec<(String, usize)> = score::BANDS.iter().map(|b| (b.to_string(), 0)).collect();
            let mut gaps: HashMap<&str, usize> = HashMap::new();
            let mut ready = 0;
            for r in &rows {
                if let Some(p) = r.score_permille {
                    let b = score::band(p);
                    if let Some(x) = bands.iter_mut().find(|(name, _)| name == b) {
                        x.1 += 1;
                    }
                    if p >= score::READY_THRESHOLD_PERMILLE {
                        ready += 1;
                    }
                }
                for g in &r.gap_items {
                    *gaps.entry(g.as_str()).or_default() += 1;
                }
            }
            let mut top: Vec<GapCount> = gaps
                .into_iter()
                .filter_map(|(id, n)| {
                    std.item(id).map(|i| GapCount {
                        item_id: i.id.clone(),
                        clause: i.clause.clone(),
                        question_id: i.question_id.clone(),
                        question_en: i.question_en.clone(),
                        critical: i.critical,
                        enterprises: n,
                    })
                })
                .collect();
            top.sort_by(|a, b| {
                b.enterprises.cmp(&a.enterprises).then(b.critical.cmp(&a.critical)).then(a.item_id.cmp(&b.item_id))
            });
            top.truncate(10);
            out.push(StandardPicture {
                code: std.code.clone(),
                number: std.number.clone(),
                title_id: std.title_id.clone(),
                title_en: std.title_en.clone(),
                assessed: rows.len(),
                ready,
                bands,
                top_gaps: top,
            });
        }
        Ok(out)
    }
}
