//! `/api/v1/standards`, `/api/v1/assessments`, `/api/v1/readiness`: the
//! standards catalogue, readiness self-assessments (answers, completion,
//! action plan) and the region view. The assessment document is also the
//! gap report's data (the PDF at `/assessments/{id}/report.pdf` prints it).

use super::enterprises::Body;
use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::readiness::{ActionDraft, AnswerDraft, AssessmentView, StandardPicture, Suggestion};
use naikkelas_core::standards::score::{self, percent_text};
use naikkelas_core::standards::{Standard, StandardKind};
use naikkelas_store::readiness::{ActionStatus, AssessmentSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn pick(lang: Lang, id: &str, en: &str) -> String {
    if lang == Lang::En { en } else { id }.to_string()
}

/// `79,5 %` in Indonesian, `79.5 %` in English.
pub fn percent(lang: Lang, permille: Option<u32>) -> Option<String> {
    permille.map(|p| percent_text(p, if lang == Lang::En { '.' } else { ',' }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardSummary {
    #[schema(example = "sni-2983-2014")]
    pub code: String,
    /// `management_system` or `product`.
    pub kind: String,
    #[schema(example = "SNI 2983:2014")]
    pub number: String,
    pub title: String,
    pub mandatory: bool,
    /// The regulation that makes the SNI mandatory.
    pub regulation: Option<String>,
    /// ISO/IEC 17067 scheme type (`1b`, `5`).
    pub scheme: Option<String>,
    pub validity_years: Option<u8>,
    pub items: usize,
    pub critical_items: usize,
    pub sources: Vec<String>,
    /// Catalogue revision of this entry.
    pub revision: String,
}

impl StandardSummary {
    pub fn of(s: &Standard, lang: Lang) -> Self {
        Self {
            code: s.code.clone(),
            kind: s.kind.as_str().to_string(),
            number: s.number.clone(),
            title: pick(lang, &s.title_id, &s.title_en),
            mandatory: s.mandatory,
            regulation: s.regulation.clone(),
            scheme: s.scheme.clone(),
            validity_years: s.validity_years,
            items: s.items.len(),
            critical_items: s.items.iter().filter(|i| i.critical).count(),
            sources: s.sources.clone(),
            revision: s.revision.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseOut {
    pub id: String,
    pub title: String,
    /// From general knowledge (†); to be checked against the standard.
    pub unverified: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    pub id: String,
    pub clause: String,
    pub question: String,
    pub suggested_action: String,
    /// 1–3.
    pub weight: u8,
    pub critical: bool,
    pub unverified: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicabilityOut {
    pub kbli: Vec<String>,
    pub keywords: Vec<String>,
    pub source: String,
}

/// One catalogue entry in full. The summary's fields are repeated rather
/// than flattened in: there `items` is a count, here the list (flattened,
/// the document had `items` twice; found by schemathesis).
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardDetail {
    pub code: String,
    /// `management_system` or `product`.
    pub kind: String,
    pub number: String,
    pub title: String,
    pub mandatory: bool,
    pub regulation: Option<String>,
    pub scheme: Option<String>,
    pub validity_years: Option<u8>,
    pub critical_items: usize,
    pub sources: Vec<String>,
    pub revision: String,
    pub note: Option<String>,
    pub applicability: Vec<ApplicabilityOut>,
    pub clauses: Vec<ClauseOut>,
    pub items: Vec<ItemOut>,
}

impl StandardDetail {
    fn of(s: &Standard, lang: Lang) -> Self {
        let StandardSummary {
            code,
            kind,
            number,
            title,
            mandatory,
            regulation,
            scheme,
            validity_years,
            items: _,
            critical_items,
            sources,
            revision,
        } = StandardSummary::of(s, lang);
        Self {
            code,
            kind,
            number,
            title,
            mandatory,
            regulation,
            scheme,
            validity_years,
            critical_items,
            sources,
            revision,
            note: if lang == Lang::En { s.note_en.clone() } else { s.note_id.clone() },
            applicability: s
                .applicability
                .iter()
                .map(|a| ApplicabilityOut {
                    kbli: a.kbli.clone(),
                    keywords: a.keywords.clone(),
                    source: a.source.clone(),
                })
                .collect(),
            clauses: s
                .clauses
                .iter()
                .map(|c| ClauseOut {
                    id: c.id.clone(),
                    title: pick(lang, &c.title_id, &c.title_en),
                    unverified: c.unverified,
                })
                .collect(),
            items: s
                .items
                .iter()
                .map(|i| ItemOut {
                    id: i.id.clone(),
                    clause: i.clause.clone(),
                    question: pick(lang, &i.question_id, &i.question_en),
                    suggested_action: pick(lang, &i.action_id, &i.action_en),
                    weight: i.weight,
                    critical: i.critical,
                    unverified: i.unverified,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionOut {
    pub code: String,
    pub number: String,
    pub title: String,
    pub kind: String,
    pub mandatory: bool,
    /// Source of the applicability mapping when the standard applies to this
    /// enterprise (by KBLI or product); null when it is only offered.
    pub applies_because: Option<String>,
    pub items: usize,
}

impl SuggestionOut {
    pub fn of(s: &Suggestion, lang: Lang) -> Self {
        Self {
            code: s.code.clone(),
            number: s.number.clone(),
            title: pick(lang, &s.title_id, &s.title_en),
            kind: match s.kind {
                StandardKind::ManagementSystem => "management_system",
                StandardKind::Product => "product",
            }
            .to_string(),
            mandatory: s.mandatory,
            applies_because: s.applies_because.clone(),
            items: s.items,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentSummaryOut {
    pub id: i64,
    pub standard: String,
    /// `in_progress` or `completed`.
    pub status: String,
    pub started_at: String,
    pub completed_at: Option<String>,
    /// Overall score in per mille (800 = 80 %).
    pub score_permille: Option<u32>,
    pub score: Option<String>,
    pub meets_threshold: bool,
    pub answered: i64,
}

impl AssessmentSummaryOut {
    pub fn of(a: &AssessmentSummary, lang: Lang) -> Self {
        Self {
            id: a.id,
            standard: a.standard.clone(),
            status: a.status.as_str().to_string(),
            started_at: a.started_at.clone(),
            completed_at: a.completed_at.clone(),
            score_permille: a.score_permille,
            score: percent(lang, a.score_permille),
            meets_threshold: a.meets_threshold,
            answered: a.answered,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreOut {
    /// Overall score in per mille after the critical cap; null when nothing applicable was answered.
    pub overall_permille: Option<u32>,
    pub overall: Option<String>,
    pub uncapped_permille: Option<u32>,
    /// A critical item is answered "tidak": the score is capped at 790 (79 %).
    pub capped: bool,
    /// 800: the L2 "siap sertifikasi" threshold.
    pub threshold_permille: u32,
    pub meets_threshold: bool,
    /// Meets the threshold and no critical gap is open in the action plan.
    pub ready: bool,
    pub answered: usize,
    pub total: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseScoreOut {
    pub clause: String,
    pub title: String,
    pub permille: Option<u32>,
    pub percent: Option<String>,
    pub items: usize,
    pub answered: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    pub item_id: String,
    pub clause: String,
    pub question: String,
    pub weight: u8,
    pub critical: bool,
    pub unverified: bool,
    /// `ya`, `sebagian`, `tidak`, `tidak_berlaku`, or null when not answered yet.
    pub answer: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapOut {
    pub rank: usize,
    pub item_id: String,
    pub clause: String,
    pub question: String,
    pub answer: String,
    pub weight: u8,
    pub critical: bool,
    /// weight × shortfall, in halves (tidak = 2, sebagian = 1).
    pub priority: u32,
    pub suggested_action: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOut {
    pub id: i64,
    pub item_id: String,
    pub critical: bool,
    /// The action text: the edited one, or the catalogue's suggestion.
    pub text: String,
    pub edited: bool,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `open`, `in_progress` or `done`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClauseDeltaOut {
    pub clause: String,
    pub title: String,
    pub previous: Option<u32>,
    pub current: Option<u32>,
    pub previous_percent: Option<String>,
    pub current_percent: Option<String>,
    /// current − previous in per mille.
    pub change: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousOut {
    pub id: i64,
    pub completed_at: Option<String>,
    pub score_permille: Option<u32>,
    pub score: Option<String>,
    pub clauses: Vec<ClauseDeltaOut>,
}

/// An assessment with its scores, ranked gaps and action plan: the data of the gap report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: i64,
    pub nib: String,
    pub enterprise: String,
    pub regency_code: String,
    pub regency: String,
    pub standard: StandardSummary,
    pub standard_revision: String,
    /// `in_progress` or `completed`.
    pub status: String,
    pub started_by: String,
    pub started_at: String,
    pub completed_at: Option<String>,
    pub score: ScoreOut,
    pub clauses: Vec<ClauseScoreOut>,
    pub items: Vec<AnswerOut>,
    /// Critical first, then weight × shortfall.
    pub gaps: Vec<GapOut>,
    pub actions: Vec<ActionOut>,
    /// The previous completed assessment of the same standard, per clause.
    pub previous: Option<PreviousOut>,
    pub can_edit: bool,
}

impl AssessmentOut {
    pub fn of(v: &AssessmentView, lang: Lang, regency_name: &str) -> Self {
        let s = &v.standard;
        let answers: std::collections::HashMap<&str, &naikkelas_store::readiness::AnswerRecord> =
            v.record.answers.iter().map(|a| (a.item_id.as_str(), a)).collect();
        let title_of =
            |clause: &str| s.clause(clause).map(|c| pick(lang, &c.title_id, &c.title_en)).unwrap_or_default();
        let open_critical = v.record.actions.iter().any(|a| a.critical && a.status != ActionStatus::Done);
        let completed = v.record.status == naikkelas_store::readiness::AssessmentStatus::Completed;
        Self {
            id: v.record.id,
            nib: v.record.nib.to_string(),
            enterprise: v.enterprise.profile.name.clone(),
            regency_code: v.record.regency.to_string(),
            regency: regency_name.to_string(),
            standard: StandardSummary::of(s, lang),
            standard_revision: v.record.standard_revision.clone(),
            status: v.record.status.as_str().to_string(),
            started_by: v.record.started_by.clone(),
            started_at: v.record.started_at.clone(),
            completed_at: v.record.completed_at.clone(),
            score: ScoreOut {
                overall_permille: v.sheet.overall_permille,
                overall: percent(lang, v.sheet.overall_permille),
                uncapped_permille: v.sheet.uncapped_permille,
                capped: v.sheet.capped,
                threshold_permille: score::READY_THRESHOLD_PERMILLE,
                meets_threshold: v.sheet.meets_threshold(),
                ready: completed && v.sheet.meets_threshold() && !open_critical,
                answered: v.sheet.answered,
                total: v.sheet.total,
            },
            clauses: v
                .sheet
                .clauses
                .iter()
                .map(|c| ClauseScoreOut {
                    clause: c.clause.clone(),
                    title: pick(lang, &c.title_id, &c.title_en),
                    permille: c.permille,
                    percent: percent(lang, c.permille),
                    items: c.items,
                    answered: c.answered,
                })
                .collect(),
            items: s
                .items
                .iter()
                .map(|i| {
                    let a = answers.get(i.id.as_str());
                    AnswerOut {
                        item_id: i.id.clone(),
                        clause: i.clause.clone(),
                        question: pick(lang, &i.question_id, &i.question_en),
                        weight: i.weight,
                        critical: i.critical,
                        unverified: i.unverified,
                        answer: a.map(|a| a.answer.as_str().to_string()),
                        evidence: a.and_then(|a| a.evidence.clone()),
                    }
                })
                .collect(),
            gaps: v
                .sheet
                .gaps
                .iter()
                .enumerate()
                .map(|(n, g)| {
                    let item = s.item(&g.item_id);
                    GapOut {
                        rank: n + 1,
                        item_id: g.item_id.clone(),
                        clause: g.clause.clone(),
                        question: item.map(|i| pick(lang, &i.question_id, &i.question_en)).unwrap_or_default(),
                        answer: g.answer.as_str().to_string(),
                        weight: g.weight,
                        critical: g.critical,
                        priority: g.priority,
                        suggested_action: item.map(|i| pick(lang, &i.action_id, &i.action_en)).unwrap_or_default(),
                    }
                })
                .collect(),
            actions: v
                .record
                .actions
                .iter()
                .map(|a| {
                    let suggested =
                        s.item(&a.item_id).map(|i| pick(lang, &i.action_id, &i.action_en)).unwrap_or_default();
                    ActionOut {
                        id: a.id,
                        item_id: a.item_id.clone(),
                        critical: a.critical,
                        edited: a.text.is_some(),
                        text: a.text.clone().unwrap_or(suggested),
                        owner: a.owner.clone(),
                        due_date: a.due_date.map(|d| d.to_string()),
                        status: a.status.as_str().to_string(),
                    }
                })
                .collect(),
            previous: v.previous.as_ref().map(|(p, deltas)| PreviousOut {
                id: p.id,
                completed_at: p.completed_at.clone(),
                score_permille: p.score_permille,
                score: percent(lang, p.score_permille),
                clauses: deltas
                    .iter()
                    .map(|d| ClauseDeltaOut {
                        clause: d.clause.clone(),
                        title: title_of(&d.clause),
                        previous: d.previous,
                        current: d.current,
                        previous_percent: percent(lang, d.previous),
                        current_percent: percent(lang, d.current),
                        change: d.change,
                    })
                    .collect(),
            }),
            can_edit: v.can_edit,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BandOut {
    /// `lt50`, `50_69`, `70_79`, `ge80`.
    pub band: String,
    pub label: String,
    pub enterprises: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapCountOut {
    pub item_id: String,
    pub clause: String,
    pub question: String,
    pub critical: bool,
    pub enterprises: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StandardPictureOut {
    pub code: String,
    pub number: String,
    pub title: String,
    /// Enterprises with a completed assessment (the latest per enterprise counts).
    pub assessed: usize,
    /// Of those, scoring ≥ 80 %.
    pub at_threshold: usize,
    pub bands: Vec<BandOut>,
    pub top_gaps: Vec<GapCountOut>,
}

impl StandardPictureOut {
    pub fn of(p: &StandardPicture, lang: Lang) -> Self {
        Self {
            code: p.code.clone(),
            number: p.number.clone(),
            title: pick(lang, &p.title_id, &p.title_en),
            assessed: p.assessed,
            at_threshold: p.ready,
            bands: p
                .bands
                .iter()
                .map(|(b, n)| BandOut {
                    band: b.clone(),
                    label: i18n::t(lang, &format!("readiness.band.{b}")).to_string(),
                    enterprises: *n,
                })
                .collect(),
            top_gaps: p
                .top_gaps
                .iter()
                .map(|g| GapCountOut {
                    item_id: g.item_id.clone(),
                    clause: g.clause.clone(),
                    question: pick(lang, &g.question_id, &g.question_en),
                    critical: g.critical,
                    enterprises: g.enterprises,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartInput {
    /// Standard code from `/api/v1/standards`.
    #[schema(example = "sni-2983-2014")]
    pub standard: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerIn {
    pub item_id: String,
    /// `ya`, `sebagian`, `tidak` or `tidak_berlaku`.
    #[schema(example = "sebagian")]
    pub answer: String,
    pub evidence: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswersInput {
    pub answers: Vec<AnswerIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionInput {
    /// Replaces the suggested action text; empty keeps the suggestion.
    pub text: Option<String>,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub due_date: String,
    /// `open`, `in_progress` or `done`.
    pub status: String,
}

pub async fn assessment_out(
    st: &AppState,
    actor: &naikkelas_core::Actor,
    id: i64,
    lang: Lang,
) -> Result<AssessmentOut, ApiError> {
    let v = st.svc.assessment_view(actor, id).await.api(lang)?;
    let regency = st.svc.reference().region_name(v.record.regency.as_str()).unwrap_or("").to_string();
    Ok(AssessmentOut::of(&v, lang, &regency))
}

/// The standards catalogue (public).
#[utoipa::path(get, path = "/api/v1/standards", tag = "readiness", security(()),
    responses((status = 200, body = Vec<StandardSummary>)))]
pub async fn standards(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
) -> Result<Json<Vec<StandardSummary>>, ApiError> {
    let all = st.svc.standards().await.api(lang)?;
    Ok(Json(all.iter().map(|s| StandardSummary::of(s, lang)).collect()))
}

/// One standard with its requirement tree and check items (public).
#[utoipa::path(get, path = "/api/v1/standards/{code}", tag = "readiness", security(()),
    params(("code" = String, Path, description = "Standard code, e.g. iso-9001-2015")),
    responses((status = 200, body = StandardDetail), (status = 404, body = Problem)))]
pub async fn standard(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    Path(code): Path<String>,
) -> Result<Json<StandardDetail>, ApiError> {
    let s = st.svc.standard(&code).await.api(lang)?;
    Ok(Json(StandardDetail::of(&s, lang)))
}

/// Standards for an enterprise: mandatory SNI that apply by KBLI or product first, then management systems.
#[utoipa::path(get, path = "/api/v1/enterprises/{nib}/standards", tag = "readiness",
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 200, body = Vec<SuggestionOut>), (status = 404, body = Problem)))]
pub async fn suggestions(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
) -> Result<Json<Vec<SuggestionOut>>, ApiError> {
    let v = st.svc.suggested_standards(&actor, &nib).await.api(lang)?;
    Ok(Json(v.iter().map(|s| SuggestionOut::of(s, lang)).collect()))
}

/// Assessments of an enterprise, newest first.
#[utoipa::path(get, path = "/api/v1/enterprises/{nib}/assessments", tag = "readiness",
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 200, body = Vec<AssessmentSummaryOut>), (status = 404, body = Problem)))]
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
) -> Result<Json<Vec<AssessmentSummaryOut>>, ApiError> {
    let v = st.svc.enterprise_assessments(&actor, &nib).await.api(lang)?;
    Ok(Json(v.iter().map(|a| AssessmentSummaryOut::of(a, lang)).collect()))
}

/// Start an assessment against a standard (owner, officer in scope, admin); resumes the one in progress.
#[utoipa::path(post, path = "/api/v1/enterprises/{nib}/assessments", tag = "readiness", request_body = StartInput,
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 201, body = AssessmentOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn start(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
    Body(input): Body<StartInput>,
) -> Result<(StatusCode, Json<AssessmentOut>), ApiError> {
    let id = st.svc.start_assessment(&actor, &nib, &input.standard).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(assessment_out(&st, &actor, id, lang).await?)))
}

/// An assessment with scores per clause, ranked gaps, the action plan and the comparison with the previous one.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "readiness",
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentOut), (status = 404, body = Problem, description = "Unknown or outside your scope")))]
pub async fn get(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<AssessmentOut>, ApiError> {
    Ok(Json(assessment_out(&st, &actor, id, lang).await?))
}

/// Save answers (progress). Every item must belong to the assessment's standard and every answer be on the scale; otherwise nothing is saved.
#[utoipa::path(put, path = "/api/v1/assessments/{id}/answers", tag = "readiness", request_body = AnswersInput,
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(input): Body<AnswersInput>,
) -> Result<Json<AssessmentOut>, ApiError> {
    let drafts: Vec<AnswerDraft> = input
        .answers
        .into_iter()
        .map(|a| AnswerDraft { item_id: a.item_id, answer: a.answer, evidence: a.evidence })
        .collect();
    st.svc.answer(&actor, id, &drafts).await.api(lang)?;
    Ok(Json(assessment_out(&st, &actor, id, lang).await?))
}

/// Complete the assessment (every item answered): scores it and generates the action plan from the gaps.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/complete", tag = "readiness",
    params(("id" = i64, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn complete(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<AssessmentOut>, ApiError> {
    st.svc.complete_assessment(&actor, id).await.api(lang)?;
    Ok(Json(assessment_out(&st, &actor, id, lang).await?))
}

/// Edit one action of the plan (text, owner, due date, status). Closing the last critical action can make the enterprise L2.
#[utoipa::path(put, path = "/api/v1/assessments/{id}/actions/{action_id}", tag = "readiness", request_body = ActionInput,
    params(("id" = i64, Path, description = "Assessment id"), ("action_id" = i64, Path, description = "Action id")),
    responses((status = 200, body = AssessmentOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_action(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path((id, action_id)): Path<(i64, i64)>,
    Body(input): Body<ActionInput>,
) -> Result<Json<AssessmentOut>, ApiError> {
    let d = ActionDraft { text: input.text, owner: input.owner, due_date: input.due_date, status: input.status };
    st.svc.update_action(&actor, id, action_id, &d).await.api(lang)?;
    Ok(Json(assessment_out(&st, &actor, id, lang).await?))
}

/// Readiness in the caller's scope per standard: enterprises assessed, score bands, most frequent gaps.
#[utoipa::path(get, path = "/api/v1/readiness/region", tag = "readiness",
    responses((status = 200, body = Vec<StandardPictureOut>), (status = 403, body = Problem)))]
pub async fn region(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<StandardPictureOut>>, ApiError> {
    let v = st.svc.region_readiness(&actor).await.api(lang)?;
    Ok(Json(v.iter().map(|p| StandardPictureOut::of(p, lang)).collect()))
}
