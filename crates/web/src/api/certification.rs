//! Certification API: applications and lifecycle steps (logged in), the
//! pipeline, and the public check (`/api/v1/verify/{number}`, the QR
//! payload check and `/.well-known/naikkelas-key`).

use super::enterprises::Body;
use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use naikkelas_app::auth::RateLimiter;
use naikkelas_app::certification::{ApplicationDraft, BodyDraft, CertificationView, EventInput, VerifyView};
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::AppError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use utoipa::{IntoParams, ToSchema};

/// Public checks allowed per client per minute (`NAIKKELAS_VERIFY_PER_MINUTE`, default 120).
pub fn verify_limiter() -> &'static RateLimiter {
    static L: OnceLock<RateLimiter> = OnceLock::new();
    L.get_or_init(|| {
        let max = std::env::var("NAIKKELAS_VERIFY_PER_MINUTE").ok().and_then(|v| v.parse().ok()).unwrap_or(120);
        RateLimiter::new(max, std::time::Duration::from_secs(60))
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOut {
    #[schema(example = "NK-SNI-2026-000001")]
    pub number: String,
    /// `active`, `suspended`, `withdrawn` or `expired`, computed for today.
    pub status: String,
    pub business_name: String,
    pub nib: String,
    #[schema(example = "64.72")]
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    #[schema(example = "SNI 2983:2014")]
    pub standard: String,
    pub standard_title: String,
    /// `sni_type5` or `iso`.
    pub scheme: String,
    /// Products or sites covered.
    pub scope: String,
    pub certification_body: String,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
    /// Why it is suspended or withdrawn.
    pub reason: Option<String>,
    /// Present when a QR payload was sent (`?p=`): whether its signature is valid and matches this certificate.
    pub payload_valid: Option<bool>,
}

impl From<VerifyView> for VerifyOut {
    fn from(v: VerifyView) -> Self {
        Self {
            number: v.number,
            status: v.status.as_str().into(),
            business_name: v.business_name,
            nib: v.nib,
            regency_code: v.regency_code,
            regency: v.regency,
            province: v.province,
            standard: v.standard,
            standard_title: v.standard_title,
            scheme: v.scheme.as_str().into(),
            scope: v.scope,
            certification_body: v.body,
            issued_on: v.issued_on.map(|d| d.to_string()),
            valid_until: v.expires_on.map(|d| d.to_string()),
            reason: v.reason,
            payload_valid: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VerifyParams {
    /// The signed payload from the QR code.
    pub p: Option<String>,
}

fn bad_request(e: AppError, lang: Lang) -> Response {
    let AppError::Invalid(v) = &e else { return ApiError::new(e, lang).into_response() };
    let errors: Vec<crate::error::ProblemField> =
        v.0.iter()
            .map(|f| crate::error::ProblemField {
                field: f.field.clone(),
                code: f.code.clone(),
                message: i18n::reason(lang, f),
            })
            .collect();
    let p = Problem {
        type_: "https://naikkelas.kemenperin.go.id/problems/invalid".into(),
        title: i18n::t(lang, "error.invalid").into(),
        status: 400,
        detail: errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        errors,
    };
    let mut res = (StatusCode::BAD_REQUEST, Json(p)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res
}

/// Checks a payload against a certificate: signature valid and the claims name it.
pub async fn payload_matches(st: &AppState, payload: &str, v: &VerifyView) -> bool {
    match st.svc.check_payload(payload).await {
        Ok(c) => c.number.as_str() == v.number && c.nib.as_str() == v.nib,
        Err(_) => false,
    }
}

/// Public check of a certificate by number: live status, business name and
/// regency, standard, scope, validity. No personal data. Rate-limited per
/// client; send `If-None-Match` with the last `ETag` to get 304.
#[utoipa::path(get, path = "/api/v1/verify/{number}", tag = "certification", security(()),
    params(("number" = String, Path, description = "Certificate number, e.g. NK-SNI-2026-000001"), VerifyParams),
    responses((status = 200, body = VerifyOut), (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, body = Problem, description = "Malformed number"), (status = 404, body = Problem),
        (status = 429, body = Problem)))]
pub async fn verify(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
    Path(number): Path<String>,
    Query(q): Query<VerifyParams>,
    headers: HeaderMap,
) -> Response {
    if let Err(e) = verify_limiter().check(&ip) {
        return ApiError::new(e, lang).into_response();
    }
    let v = match st.svc.verify_certificate(&number).await {
        Ok(v) => v,
        Err(e @ AppError::Invalid(_)) => return bad_request(e, lang),
        Err(e) => return ApiError::new(e, lang).into_response(),
    };
    let payload_valid = match q.p.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(payload_matches(&st, p, &v).await),
        None => None,
    };
    let out = VerifyOut { payload_valid, ..VerifyOut::from(v) };
    let body = serde_json::to_vec(&out).expect("serialises");
    let etag = format!("\"{}\"", hex_prefix(&body));
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    // Cacheable, but always revalidated: a suspension shows at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    res
}

fn hex_prefix(b: &[u8]) -> String {
    Sha256::digest(b).iter().take(16).map(|x| format!("{x:02x}")).collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyOut {
    #[schema(example = "Ed25519")]
    pub algorithm: String,
    /// base64url of the 32-byte public key in force.
    pub public_key: String,
    /// First 16 hex digits of the key's SHA-256, as named in payloads.
    pub key_id: String,
    /// Earlier public keys (after rotations), base64url.
    pub retired: Vec<String>,
}

/// The installation's public key for checking QR payloads offline.
#[utoipa::path(get, path = "/.well-known/naikkelas-key", tag = "certification", security(()),
    responses((status = 200, body = KeyOut)))]
pub async fn public_key(State(st): State<AppState>, UserLang(lang): UserLang) -> Result<Json<KeyOut>, ApiError> {
    let k = st.svc.public_keys().await.api(lang)?;
    Ok(Json(KeyOut { algorithm: k.algorithm.into(), public_key: k.current, key_id: k.key_id, retired: k.retired }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PayloadIn {
    pub payload: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimsOut {
    pub number: String,
    pub nib: String,
    pub standard: String,
    pub issued_on: String,
    pub valid_until: String,
    pub key_id: String,
}

/// Checks a signed QR payload (signature and key); a tampered payload answers 422.
#[utoipa::path(post, path = "/api/v1/verify-qr", tag = "certification", security(()), request_body = PayloadIn,
    responses((status = 200, body = ClaimsOut), (status = 422, body = Problem),
        (status = 429, body = Problem, description = "Too many checks from this client in a minute")))]
pub async fn verify_qr(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
    Body(input): Body<PayloadIn>,
) -> Result<Json<ClaimsOut>, ApiError> {
    verify_limiter().check(&ip).api(lang)?;
    let c = st.svc.check_payload(&input.payload).await.api(lang)?;
    Ok(Json(ClaimsOut {
        number: c.number.to_string(),
        nib: c.nib.to_string(),
        standard: c.standard,
        issued_on: c.issued_on.to_string(),
        valid_until: c.expires_on.to_string(),
        key_id: c.key_id,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    pub id: i64,
    /// `major`, `minor` or `observation`.
    pub grade: String,
    pub clause: String,
    pub description: String,
    pub open: bool,
    pub corrective_action: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub at: String,
    pub actor: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationOut {
    pub id: i64,
    pub nib: String,
    pub business_name: String,
    pub regency_code: String,
    /// Body code.
    pub body: String,
    pub body_name: String,
    pub standard: String,
    pub standard_title: String,
    pub scheme: String,
    pub scope: String,
    pub applied_on: String,
    /// Lifecycle state (`applied` … `expired`).
    pub state: String,
    /// Certificate status today, once granted.
    pub status: Option<String>,
    pub number: Option<String>,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
    pub surveillance_due_on: Option<String>,
    pub testing_passed: Option<bool>,
    pub reason: Option<String>,
    pub version: i64,
    /// Steps the caller may take now.
    pub allowed_events: Vec<String>,
    pub findings: Vec<FindingOut>,
    pub history: Vec<EventOut>,
}

impl From<CertificationView> for CertificationOut {
    fn from(v: CertificationView) -> Self {
        let r = v.record;
        let s = r.status;
        let d = |x: Option<time::Date>| x.map(|d| d.to_string());
        Self {
            id: r.id,
            nib: r.nib.to_string(),
            business_name: r.business_name,
            regency_code: r.regency_code,
            body: r.body_code,
            body_name: r.body_name,
            standard: r.standard_code,
            standard_title: r.standard_title,
            scheme: r.scheme.as_str().into(),
            scope: r.scope,
            applied_on: r.applied_on.to_string(),
            state: s.state.as_str().into(),
            status: v.live.map(|l| l.as_str().into()),
            number: s.number.map(|n| n.to_string()),
            issued_on: d(s.issued_on),
            valid_until: d(s.expires_on),
            surveillance_due_on: d(s.surveillance_due_on),
            testing_passed: s.testing_passed,
            reason: s.reason,
            version: r.version,
            allowed_events: v.allowed.iter().map(|e| e.as_str().to_string()).collect(),
            findings: r
                .findings
                .into_iter()
                .map(|f| FindingOut {
                    id: f.id,
                    grade: f.grade.as_str().into(),
                    open: f.is_open(),
                    clause: f.clause,
                    description: f.description,
                    corrective_action: f.corrective_action,
                    evidence: f.evidence,
                })
                .collect(),
            history: r
                .events
                .into_iter()
                .map(|e| EventOut {
                    at: e.at,
                    actor: e.actor,
                    event: e.event,
                    from_state: e.from_state.map(|s| s.as_str().into()),
                    to_state: e.to_state.as_str().into(),
                    note: e.note,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicationIn {
    #[schema(example = "6472000000001")]
    pub nib: String,
    /// Body code, e.g. `LSPRO-SMD`.
    pub body: String,
    #[schema(example = "SNI 2983:2014")]
    pub standard: String,
    /// Products or sites to be covered.
    pub scope: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EventIn {
    /// `start_review`, `start_stage1`, `complete_stage1`, `complete_stage2`, `record_finding`, `close_finding`,
    /// `record_test`, `grant`, `refuse`, `start_surveillance`, `complete_surveillance`, `start_renewal`, `renew`,
    /// `suspend`, `reinstate`, `withdraw`.
    pub event: String,
    pub note: Option<String>,
    pub grade: Option<String>,
    pub clause: Option<String>,
    pub description: Option<String>,
    pub finding_id: Option<i64>,
    pub corrective_action: Option<String>,
    pub evidence: Option<String>,
    pub passed: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// Only this lifecycle state.
    pub state: Option<String>,
}

/// Applications and certificates the caller follows (own enterprise, region, or body).
#[utoipa::path(get, path = "/api/v1/certifications", tag = "certification", params(ListParams),
    responses((status = 200, body = [CertificationOut]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<CertificationOut>>, ApiError> {
    let list = st.svc.certifications(&actor, p.state.as_deref()).await.api(lang)?;
    Ok(Json(list.into_iter().map(CertificationOut::from).collect()))
}

/// Apply for certification (owners for their enterprise, officers in their region).
#[utoipa::path(post, path = "/api/v1/certifications", tag = "certification", request_body = ApplicationIn,
    responses((status = 201, body = CertificationOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn apply(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(input): Body<ApplicationIn>,
) -> Result<(StatusCode, Json<CertificationOut>), ApiError> {
    let d = ApplicationDraft { nib: input.nib, body: input.body, standard: input.standard, scope: input.scope };
    let id = st.svc.apply_for_certification(&actor, &d).await.api(lang)?;
    let v = st.svc.certification_view(&actor, id).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// One certification with findings and history.
#[utoipa::path(get, path = "/api/v1/certifications/{id}", tag = "certification", params(("id" = i64, Path)),
    responses((status = 200, body = CertificationOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<CertificationOut>, ApiError> {
    Ok(Json(st.svc.certification_view(&actor, id).await.api(lang)?.into()))
}

/// One lifecycle step by a certifier of the certification's body. Illegal steps and decisions with
/// open major findings answer 422 naming the reason.
#[utoipa::path(post, path = "/api/v1/certifications/{id}/events", tag = "certification", params(("id" = i64, Path)),
    request_body = EventIn,
    responses((status = 200, body = CertificationOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn event(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(i): Body<EventIn>,
) -> Result<Json<CertificationOut>, ApiError> {
    let input = EventInput {
        event: i.event,
        note: i.note,
        grade: i.grade,
        clause: i.clause,
        description: i.description,
        finding_id: i.finding_id,
        corrective_action: i.corrective_action,
        evidence: i.evidence,
        passed: i.passed,
    };
    Ok(Json(st.svc.certification_event(&actor, id, &input).await.api(lang)?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateCount {
    pub state: String,
    pub count: i64,
    pub mean_days: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueOut {
    pub id: i64,
    pub number: Option<String>,
    pub business_name: String,
    pub regency_code: String,
    pub standard: String,
    /// `surveillance` or `expiry`.
    pub kind: String,
    pub due_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineOut {
    pub states: Vec<StateCount>,
    /// Surveillance or expiry within 90 days.
    pub due: Vec<DueOut>,
}

/// The certification pipeline in the caller's scope: counts, time in each state, what falls due.
#[utoipa::path(get, path = "/api/v1/certifications/pipeline", tag = "certification",
    responses((status = 200, body = PipelineOut), (status = 403, body = Problem)))]
pub async fn pipeline(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
) -> Result<Json<PipelineOut>, ApiError> {
    let p = st.svc.certification_pipeline(&actor).await.api(lang)?;
    Ok(Json(pipeline_out(p)))
}

pub fn pipeline_out(p: naikkelas_app::certification::Pipeline) -> PipelineOut {
    PipelineOut {
        states: p
            .counts
            .iter()
            .map(|(s, n)| StateCount {
                state: s.as_str().into(),
                count: *n,
                mean_days: p.mean_days.iter().find(|(x, _)| x == s).map(|(_, d)| (d * 10.0).round() / 10.0),
            })
            .collect(),
        due: p
            .due
            .into_iter()
            .map(|d| DueOut {
                id: d.id,
                number: d.number,
                business_name: d.business_name,
                regency_code: d.regency_code,
                standard: d.standard,
                kind: d.kind.into(),
                due_on: d.due_on.to_string(),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `lspro` or `lssm`.
    pub kind: String,
    pub kan_number: String,
    pub scope: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BodyIn {
    pub code: String,
    pub name: String,
    /// `lspro` (SNI products) or `lssm` (ISO management systems).
    pub kind: String,
    pub kan_number: String,
    /// Standard codes of the accreditation scope.
    pub scope: Vec<String>,
}

/// Certification bodies (public register).
#[utoipa::path(get, path = "/api/v1/certification-bodies", tag = "certification", security(()),
    responses((status = 200, body = [BodyOut])))]
pub async fn bodies(State(st): State<AppState>, UserLang(lang): UserLang) -> Result<Json<Vec<BodyOut>>, ApiError> {
    let b = st.svc.certification_bodies().await.api(lang)?;
    Ok(Json(
        b.into_iter()
            .map(|b| BodyOut {
                id: b.id,
                code: b.code,
                name: b.name,
                kind: b.kind.as_str().into(),
                kan_number: b.kan_number,
                scope: b.scope,
            })
            .collect(),
    ))
}

/// Register a certification body (administrators).
#[utoipa::path(post, path = "/api/v1/certification-bodies", tag = "certification", request_body = BodyIn,
    responses((status = 201, body = Object), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_body(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(b): Body<BodyIn>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let d = BodyDraft { code: b.code, name: b.name, kind: b.kind, kan_number: b.kan_number, scope: b.scope.join(",") };
    let id = st.svc.add_certification_body(&actor, &d).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}
