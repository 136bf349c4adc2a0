//! Programme API under `/api/v1/programs`: set-up and allocations (ministry,
//! administrators), enrolment, verification, maker–checker approval,
//! rejection, disbursements and reversals, the link to a certification,
//! absorption and beneficiaries. Amounts are whole rupiah given as JSON
//! numbers or text (`"Rp 80.000.000"`); fractions and negatives answer 422
//! naming the rule, as does every refused decision.

use super::enterprises::Body;
use crate::error::{ApiError, Problem, ProblemField, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use naikkelas_app::i18n;
use naikkelas_app::programs::{text_or_number, AllocationForm, EnrolForm, EnrolmentView, MoneyForm, ProgramForm};
use naikkelas_store::programs::{AbsorptionRow, EnrolmentRecord, LedgerEntry, ProgramRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    #[schema(example = "64.72")]
    pub region: String,
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramOut {
    pub id: i64,
    pub year: i32,
    /// `restrukturisasi_mesin`, `subsidi_sertifikasi_sni`, `subsidi_halal`, `pelatihan_pendampingan`, `promosi`, `digital`.
    pub kind: String,
    pub name: String,
    pub owner_unit: String,
    /// Rupiah.
    pub budget: i64,
    pub quota: Option<u32>,
    pub starts_on: String,
    pub ends_on: String,
    /// Size classes, KBLI prefixes, regions, readiness minimum, certificate rule, maximum investment, first time only.
    #[schema(value_type = Object)]
    pub eligibility: serde_json::Value,
    /// `{"type": "machine_price", domestic_permille, imported_permille, min, max}` or `{"type": "flat", amount}`.
    #[schema(value_type = Object)]
    pub benefit: serde_json::Value,
    pub allocations: Vec<AllocationOut>,
}

impl From<ProgramRecord> for ProgramOut {
    fn from(p: ProgramRecord) -> Self {
        ProgramOut {
            id: p.id,
            year: p.year,
            kind: p.kind.as_str().into(),
            eligibility: serde_json::to_value(&p.eligibility).unwrap_or_default(),
            benefit: serde_json::to_value(p.benefit).unwrap_or_default(),
            allocations: p
                .allocations
                .iter()
                .map(|a| AllocationOut { region: a.region.to_string(), amount: a.amount.get() })
                .collect(),
            name: p.name,
            owner_unit: p.owner_unit,
            budget: p.budget.get(),
            quota: p.quota,
            starts_on: p.starts_on.to_string(),
            ends_on: p.ends_on.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    /// `approval` or `disbursement`.
    pub kind: String,
    /// Rupiah; a reversal is negative.
    pub amount: i64,
    /// The entry this one reverses.
    pub reverses: Option<i64>,
    pub at: String,
    pub actor: String,
    pub note: Option<String>,
}

impl From<LedgerEntry> for EntryOut {
    fn from(e: LedgerEntry) -> Self {
        EntryOut {
            id: e.id,
            kind: e.kind.as_str().into(),
            amount: e.amount,
            reverses: e.reverses,
            at: e.at,
            actor: e.actor,
            note: e.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentOut {
    pub id: i64,
    pub program_id: i64,
    pub program_name: String,
    pub program_kind: String,
    pub program_year: i32,
    pub nib: String,
    pub business_name: String,
    pub regency_code: String,
    /// The allocation it draws on.
    pub allocation_region: Option<String>,
    /// `applied`, `verified`, `approved` or `rejected`.
    pub status: String,
    pub machine_price: Option<i64>,
    /// `domestic` or `imported`.
    pub machine_origin: Option<String>,
    /// The benefit computed from the programme's rule (rupiah).
    pub requested: i64,
    pub approved: i64,
    pub disbursed: i64,
    pub applied_at: String,
    pub applied_by: String,
    pub verified_at: Option<String>,
    pub verified_by: Option<String>,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    pub rejection_reason: Option<String>,
    pub certification_id: Option<i64>,
    pub note: Option<String>,
    /// Ledger entries, oldest first (only on a single enrolment).
    pub entries: Vec<EntryOut>,
}

impl From<EnrolmentRecord> for EnrolmentOut {
    fn from(r: EnrolmentRecord) -> Self {
        EnrolmentOut {
            id: r.id,
            program_id: r.program_id,
            program_name: r.program_name,
            program_kind: r.program_kind.as_str().into(),
            program_year: r.program_year,
            nib: r.nib.to_string(),
            business_name: r.business_name,
            regency_code: r.regency_code,
            allocation_region: r.allocation_region,
            status: r.state.as_str().into(),
            machine_price: r.purchase.map(|p| p.price.get()),
            machine_origin: r.purchase.map(|p| p.origin.as_str().into()),
            requested: r.requested.get(),
            approved: r.totals.approved,
            disbursed: r.totals.disbursed,
            applied_at: r.applied_at,
            applied_by: r.applied_by,
            verified_at: r.verified_at,
            verified_by: r.verified_by,
            decided_at: r.decided_at,
            decided_by: r.decided_by,
            rejection_reason: r.rejection_reason,
            certification_id: r.certification_id,
            note: r.note,
            entries: r.entries.into_iter().map(EntryOut::from).collect(),
        }
    }
}

impl From<EnrolmentView> for EnrolmentOut {
    fn from(v: EnrolmentView) -> Self {
        v.record.into()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbsorptionOut {
    pub program_id: i64,
    pub year: i32,
    pub kind: String,
    pub name: String,
    /// The allocation's province or regency; null for the whole programme.
    pub region: Option<String>,
    pub budget: i64,
    pub approved: i64,
    pub disbursed: i64,
    /// Disbursed ÷ budget, per mille (rounded down).
    pub absorption_permille: u32,
    /// Approved enrolments.
    pub beneficiaries: i64,
}

impl From<AbsorptionRow> for AbsorptionOut {
    fn from(r: AbsorptionRow) -> Self {
        AbsorptionOut {
            program_id: r.program_id,
            year: r.year,
            kind: r.kind.as_str().into(),
            name: r.name,
            region: r.region.map(|x| x.to_string()),
            budget: r.figures.budget.get(),
            approved: r.figures.approved,
            disbursed: r.figures.disbursed,
            absorption_permille: r.figures.absorption_permille(),
            beneficiaries: r.figures.beneficiaries,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDetailOut {
    pub program: ProgramOut,
    pub absorption: Vec<AbsorptionOut>,
    /// Enrolments in the caller's scope, newest first.
    pub enrolments: Vec<EnrolmentOut>,
}

/// A programme to set up. Amounts in rupiah (number or text), rates in percent, lists comma-separated.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProgramIn {
    #[schema(value_type = i32, example = 2025)]
    #[serde(deserialize_with = "text_or_number")]
    pub year: String,
    #[schema(example = "restrukturisasi_mesin")]
    pub kind: String,
    pub name: String,
    pub owner_unit: String,
    #[schema(value_type = i64, example = 6500000000i64)]
    #[serde(deserialize_with = "text_or_number")]
    pub budget: String,
    #[schema(value_type = Option<i64>)]
    #[serde(deserialize_with = "text_or_number")]
    pub quota: String,
    #[schema(example = "2025-02-01")]
    pub starts_on: String,
    #[schema(example = "2025-11-30")]
    pub ends_on: String,
    #[schema(example = "kecil, menengah")]
    pub size_classes: String,
    #[schema(example = "10, 11")]
    pub kbli_prefixes: String,
    #[schema(example = "64")]
    pub regions: String,
    #[schema(example = "sni-2983-2014")]
    pub readiness_standard: String,
    #[schema(value_type = Option<f64>, example = 80)]
    #[serde(deserialize_with = "text_or_number")]
    pub readiness_min: String,
    /// `any`, `holds` or `holds_none`.
    pub certificate: String,
    #[schema(value_type = Option<i64>)]
    #[serde(deserialize_with = "text_or_number")]
    pub max_investment: String,
    #[schema(value_type = Option<bool>)]
    #[serde(deserialize_with = "text_or_number")]
    pub first_time_only: String,
    /// Machine restructuring: percent of the price for domestic machines.
    #[schema(value_type = Option<f64>, example = 40)]
    #[serde(deserialize_with = "text_or_number")]
    pub domestic_rate: String,
    #[schema(value_type = Option<f64>, example = 20)]
    #[serde(deserialize_with = "text_or_number")]
    pub imported_rate: String,
    #[schema(value_type = Option<i64>, example = 5000000)]
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_min: String,
    #[schema(value_type = Option<i64>, example = 300000000)]
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_max: String,
    /// Other programmes: the flat amount per IKM.
    #[schema(value_type = Option<i64>, example = 8000000)]
    #[serde(deserialize_with = "text_or_number")]
    pub benefit_amount: String,
}

impl From<ProgramIn> for ProgramForm {
    fn from(i: ProgramIn) -> Self {
        ProgramForm {
            year: i.year,
            kind: i.kind,
            name: i.name,
            owner_unit: i.owner_unit,
            budget: i.budget,
            quota: i.quota,
            starts_on: i.starts_on,
            ends_on: i.ends_on,
            size_classes: i.size_classes,
            kbli_prefixes: i.kbli_prefixes,
            regions: i.regions,
            readiness_standard: i.readiness_standard,
            readiness_min: i.readiness_min,
            certificate: i.certificate,
            max_investment: i.max_investment,
            first_time_only: i.first_time_only,
            domestic_rate: i.domestic_rate,
            imported_rate: i.imported_rate,
            benefit_min: i.benefit_min,
            benefit_max: i.benefit_max,
            benefit_amount: i.benefit_amount,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AllocationIn {
    #[schema(example = "64.72")]
    pub region: String,
    #[schema(value_type = i64)]
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct EnrolIn {
    pub nib: String,
    /// Machine restructuring: the price paid for the new machine.
    #[schema(value_type = Option<i64>)]
    #[serde(deserialize_with = "text_or_number")]
    pub machine_price: String,
    /// `domestic` or `imported`.
    pub machine_origin: String,
    pub note: String,
}

/// An amount in rupiah (approval: optional, defaults to the computed benefit).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MoneyIn {
    #[schema(value_type = Option<i64>)]
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
    pub note: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReasonIn {
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReversalIn {
    pub entry_id: i64,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LinkIn {
    /// The certification application; null unlinks.
    pub certification_id: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct YearParams {
    pub year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NibParams {
    pub nib: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityOut {
    pub eligible: bool,
    /// Every unmet rule with its code (`eligibility.size_class`, …).
    pub unmet: Vec<ProblemField>,
}

/// Programmes, newest year first.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", params(YearParams),
    responses((status = 200, body = [ProgramOut]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<YearParams>,
) -> Result<Json<Vec<ProgramOut>>, ApiError> {
    Ok(Json(st.svc.programs(&actor, p.year).await.api(lang)?.into_iter().map(ProgramOut::from).collect()))
}

/// Sets up a programme (ministry, administrators).
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", request_body = ProgramIn,
    responses((status = 201, body = ProgramOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(input): Body<ProgramIn>,
) -> Result<(StatusCode, Json<ProgramOut>), ApiError> {
    let id = st.svc.create_program(&actor, &input.into()).await.api(lang)?;
    let v = st.svc.program_view(&actor, id).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(v.program.into())))
}

/// A programme with its absorption and the enrolments the caller may see.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = ProgramDetailOut), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 404, body = Problem)))]
pub async fn get(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<ProgramDetailOut>, ApiError> {
    let v = st.svc.program_view(&actor, id).await.api(lang)?;
    Ok(Json(ProgramDetailOut {
        program: v.program.into(),
        absorption: v.absorption.into_iter().map(AbsorptionOut::from).collect(),
        enrolments: v.enrolments.into_iter().map(EnrolmentOut::from).collect(),
    }))
}

/// Sets a province's or regency's allocation (ministry, administrators).
#[utoipa::path(post, path = "/api/v1/programs/{id}/allocations", tag = "programs", params(("id" = i64, Path)),
    request_body = AllocationIn,
    responses((status = 200, body = ProgramOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn allocate(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<AllocationIn>,
) -> Result<Json<ProgramOut>, ApiError> {
    st.svc.set_allocation(&actor, id, &AllocationForm { region: i.region, amount: i.amount }).await.api(lang)?;
    Ok(Json(st.svc.program_view(&actor, id).await.api(lang)?.program.into()))
}

/// Whether an enterprise meets the programme's rules, with every unmet one.
#[utoipa::path(get, path = "/api/v1/programs/{id}/eligibility", tag = "programs",
    params(("id" = i64, Path), NibParams),
    responses((status = 200, body = EligibilityOut), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 404, body = Problem)))]
pub async fn eligibility(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<NibParams>,
) -> Result<Json<EligibilityOut>, ApiError> {
    let unmet = st.svc.eligibility(&actor, id, &p.nib).await.api(lang)?;
    Ok(Json(EligibilityOut {
        eligible: unmet.is_empty(),
        unmet: unmet
            .iter()
            .map(|f| ProblemField { field: f.field.clone(), code: f.code.clone(), message: i18n::reason(lang, f) })
            .collect(),
    }))
}

/// Enrols an enterprise: its owner, an officer of its region or an administrator. An ineligible
/// enterprise answers 422 with every unmet rule.
#[utoipa::path(post, path = "/api/v1/programs/{id}/enrolments", tag = "programs", params(("id" = i64, Path)),
    request_body = EnrolIn,
    responses((status = 201, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn enrol(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<EnrolIn>,
) -> Result<(StatusCode, Json<EnrolmentOut>), ApiError> {
    let f = EnrolForm { nib: i.nib, machine_price: i.machine_price, machine_origin: i.machine_origin, note: i.note };
    let eid = st.svc.enrol(&actor, id, &f).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(st.svc.enrolment_view(&actor, eid).await.api(lang)?.into())))
}

/// Approved enrolments of a programme in the caller's scope.
#[utoipa::path(get, path = "/api/v1/programs/{id}/beneficiaries", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = [EnrolmentOut]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn beneficiaries(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EnrolmentOut>>, ApiError> {
    Ok(Json(st.svc.beneficiaries(&actor, id).await.api(lang)?.into_iter().map(EnrolmentOut::from).collect()))
}

/// Budget, approved, disbursed, absorption and beneficiaries per programme and allocation, in the caller's scope.
#[utoipa::path(get, path = "/api/v1/programs/absorption", tag = "programs", params(YearParams),
    responses((status = 200, body = [AbsorptionOut]), (status = 403, body = Problem)))]
pub async fn absorption(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<YearParams>,
) -> Result<Json<Vec<AbsorptionOut>>, ApiError> {
    Ok(Json(st.svc.absorption(&actor, p.year).await.api(lang)?.into_iter().map(AbsorptionOut::from).collect()))
}

/// One enrolment with its ledger entries.
#[utoipa::path(get, path = "/api/v1/programs/enrolments/{id}", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = EnrolmentOut), (status = 404, body = Problem)))]
pub async fn enrolment(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    Ok(Json(st.svc.enrolment_view(&actor, id).await.api(lang)?.into()))
}

async fn reply(
    st: &AppState,
    actor: &naikkelas_core::Actor,
    id: i64,
    lang: i18n::Lang,
) -> Result<Json<EnrolmentOut>, ApiError> {
    Ok(Json(st.svc.enrolment_view(actor, id).await.api(lang)?.into()))
}

/// Verification by an officer of the enterprise's region.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/verify", tag = "programs", params(("id" = i64, Path)),
    responses((status = 200, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn verify(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    st.svc.verify_enrolment(&actor, id).await.api(lang)?;
    reply(&st, &actor, id, lang).await
}

/// Approval by someone other than the verifier (`enrolment.maker_checker`), within the budget
/// (`ledger.budget_exceeded`), the region's allocation and the quota.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/approve", tag = "programs", params(("id" = i64, Path)),
    request_body = MoneyIn,
    responses((status = 200, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn approve(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<MoneyIn>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    st.svc.approve_enrolment(&actor, id, &MoneyForm { amount: i.amount, note: i.note }).await.api(lang)?;
    reply(&st, &actor, id, lang).await
}

/// Rejection with a reason.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/reject", tag = "programs", params(("id" = i64, Path)),
    request_body = ReasonIn,
    responses((status = 200, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn reject(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<ReasonIn>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    st.svc.reject_enrolment(&actor, id, &i.reason).await.api(lang)?;
    reply(&st, &actor, id, lang).await
}

/// A disbursement: only to an approved enrolment, never beyond what is approved.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/disbursements", tag = "programs",
    params(("id" = i64, Path)), request_body = MoneyIn,
    responses((status = 201, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn disburse(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<MoneyIn>,
) -> Result<(StatusCode, Json<EnrolmentOut>), ApiError> {
    st.svc.disburse(&actor, id, &MoneyForm { amount: i.amount, note: i.note }).await.api(lang)?;
    Ok((StatusCode::CREATED, reply(&st, &actor, id, lang).await?))
}

/// A reversing entry of an approval or disbursement (the ledger is never edited).
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/reversals", tag = "programs",
    params(("id" = i64, Path)), request_body = ReversalIn,
    responses((status = 201, body = EnrolmentOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn reverse(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<ReversalIn>,
) -> Result<(StatusCode, Json<EnrolmentOut>), ApiError> {
    st.svc.reverse_entry(&actor, id, i.entry_id, &i.reason).await.api(lang)?;
    Ok((StatusCode::CREATED, reply(&st, &actor, id, lang).await?))
}

/// Links an approved certification subsidy to the certification application it pays for.
#[utoipa::path(post, path = "/api/v1/programs/enrolments/{id}/certification", tag = "programs",
    params(("id" = i64, Path)), request_body = LinkIn,
    responses((status = 200, body = EnrolmentOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<LinkIn>,
) -> Result<Json<EnrolmentOut>, ApiError> {
    st.svc.link_certification(&actor, id, i.certification_id).await.api(lang)?;
    reply(&st, &actor, id, lang).await
}
