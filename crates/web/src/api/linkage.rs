//! Linkage API: buyer profile, sourcing requests with ranked and explained
//! matches, interests and supply (`/api/v1/sourcing/…`, logged in), and the
//! public directory of certified IKM (`/api/v1/directory`, rate-limited, no
//! personal data).

use super::enterprises::Body;
use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use naikkelas_app::auth::RateLimiter;
use naikkelas_app::linkage::{DirectoryFilters, DirectoryItem, InterestView, MatchView, RequestView, SupplyDraft};
use naikkelas_core::linkage::matching::Reason;
use naikkelas_core::linkage::{BuyerDraft, RequestDraft};
use naikkelas_store::linkage::{BuyerRecord, RequestRecord};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use utoipa::{IntoParams, ToSchema};

/// Directory pages allowed per client per minute (`NAIKKELAS_DIRECTORY_PER_MINUTE`, default 120),
/// as the public certificate check is limited.
pub fn directory_limiter() -> &'static RateLimiter {
    static L: OnceLock<RateLimiter> = OnceLock::new();
    L.get_or_init(|| {
        let max = std::env::var("NAIKKELAS_DIRECTORY_PER_MINUTE").ok().and_then(|v| v.parse().ok()).unwrap_or(120);
        RateLimiter::new(max, std::time::Duration::from_secs(60))
    })
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ProfileIo {
    #[schema(example = "PT Pangan Nusantara Tbk")]
    pub company_name: String,
    #[schema(example = "industri makanan dan minuman")]
    pub industry: String,
    /// Province code of the head office, e.g. `31`.
    pub province_code: String,
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
}

impl From<BuyerRecord> for ProfileIo {
    fn from(b: BuyerRecord) -> Self {
        let p = b.profile;
        ProfileIo {
            company_name: p.company_name,
            industry: p.industry,
            province_code: p.province.to_string(),
            contact_name: p.contact_name,
            contact_phone: p.contact_phone,
            contact_email: p.contact_email,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RequestIn {
    #[schema(example = "Air minum dalam kemasan untuk kantin pabrik")]
    pub title: String,
    #[schema(example = "11051")]
    pub kbli: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Codes from the certification standards catalogue; an unknown code is refused.
    #[serde(default)]
    #[schema(example = json!(["SNI 3553:2015"]))]
    pub standards: Vec<String>,
    /// Minimum capacity per month, more than zero.
    #[schema(example = 40000)]
    pub min_capacity: i64,
    /// A unit the registry uses for capacity (`kg`, `ton`, `liter`, `m3`, `buah`, …).
    #[schema(example = "liter")]
    pub capacity_unit: String,
    /// Preferred province or regency codes; empty means anywhere.
    #[serde(default)]
    pub regions: Vec<String>,
    #[schema(example = "2027-01-31")]
    pub deadline: String,
    /// `open` (default) or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    /// For updates: the version read, so that a concurrent edit is refused (409).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl RequestIn {
    fn draft(&self) -> RequestDraft {
        RequestDraft {
            title: self.title.clone(),
            kbli: self.kbli.clone(),
            keywords: self.keywords.join(", "),
            standards: self.standards.join(", "),
            min_capacity: self.min_capacity.to_string(),
            capacity_unit: self.capacity_unit.clone(),
            regions: self.regions.join(", "),
            deadline: self.deadline.clone(),
            status: self.status.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub title: String,
    pub kbli: String,
    pub keywords: Vec<String>,
    pub standards: Vec<String>,
    pub min_monthly: i64,
    pub capacity_unit: String,
    pub regions: Vec<String>,
    pub deadline: String,
    /// `open` or `closed`.
    pub status: String,
    pub buyer_company: Option<String>,
    pub version: i64,
    pub created_at: String,
}

impl From<RequestRecord> for RequestOut {
    fn from(r: RequestRecord) -> Self {
        let q = r.request;
        RequestOut {
            id: r.id,
            title: q.title,
            kbli: q.kbli.to_string(),
            keywords: q.keywords,
            standards: q.standards,
            min_monthly: q.min_monthly.amount,
            capacity_unit: q.min_monthly.unit.as_str().into(),
            regions: q.regions.iter().map(|c| c.to_string()).collect(),
            deadline: q.deadline.to_string(),
            status: q.status.as_str().into(),
            buyer_company: r.buyer_company,
            version: r.version,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchCertificateOut {
    /// As named to buyers, e.g. `SPPT SNI 3553:2015`.
    pub standard: String,
    pub number: String,
    pub valid_until: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchScoreOut {
    /// Out of 1000: capacity (400) + distance (300) + quality level (200) + readiness (100).
    pub total: u32,
    pub capacity: u32,
    pub distance: u32,
    pub quality: u32,
    pub readiness: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchOut {
    pub nib: String,
    pub name: String,
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    pub products: Vec<String>,
    #[schema(example = "L3")]
    pub quality_level: String,
    pub score: MatchScoreOut,
    /// Monthly capacity in the request's unit, when reported in a compatible unit.
    pub monthly_capacity: Option<i64>,
    pub certificates: Vec<MatchCertificateOut>,
    /// The reasons in the caller's language, e.g. "SPPT SNI 3553:2015 aktif sampai 2027-03-01".
    pub explanation: Vec<String>,
    /// The buyer's contact with this supplier for the request: `pending`, `accepted`, `declined`.
    pub interest: Option<String>,
}

impl From<MatchView> for MatchOut {
    fn from(m: MatchView) -> Self {
        let certificates = m
            .reasons
            .iter()
            .filter_map(|r| match r {
                Reason::Certificate { standard, number, until } => Some(MatchCertificateOut {
                    standard: standard.clone(),
                    number: number.clone(),
                    valid_until: until.to_string(),
                }),
                _ => None,
            })
            .collect();
        MatchOut {
            nib: m.nib,
            name: m.name,
            regency_code: m.regency_code,
            regency: m.regency,
            province: m.province,
            products: m.products,
            quality_level: m.quality_level.as_str().into(),
            score: MatchScoreOut {
                total: m.score.total,
                capacity: m.score.capacity,
                distance: m.score.distance,
                quality: m.score.quality,
                readiness: m.score.readiness,
            },
            monthly_capacity: m.score.monthly_capacity,
            certificates,
            explanation: m.explanation,
            interest: m.interest.map(|i| i.as_str().into()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    pub owner_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplyOut {
    pub id: i64,
    pub started_on: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterestOut {
    pub id: i64,
    pub request_id: i64,
    pub request_title: String,
    pub buyer_company: Option<String>,
    pub nib: String,
    pub business_name: String,
    pub regency: String,
    pub message: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    /// The supplier's contact: present for the buyer only once the supplier accepted.
    pub contact: Option<ContactOut>,
    /// The buyer's contact, for the supplier contacted.
    pub buyer_contact: Option<ProfileIo>,
    pub supply: Option<SupplyOut>,
}

impl From<InterestView> for InterestOut {
    fn from(i: InterestView) -> Self {
        InterestOut {
            id: i.id,
            request_id: i.request_id,
            request_title: i.request_title,
            buyer_company: i.buyer_company,
            nib: i.nib,
            business_name: i.business_name,
            regency: i.regency,
            message: i.message,
            status: i.status.as_str().into(),
            created_at: i.created_at,
            decided_at: i.decided_at,
            contact: i.contact.map(|c| ContactOut { owner_name: c.owner_name, phone: c.phone, email: c.email }),
            buyer_contact: i.buyer_contact.map(|p| ProfileIo {
                company_name: p.company_name,
                industry: p.industry,
                province_code: p.province.to_string(),
                contact_name: p.contact_name,
                contact_phone: p.contact_phone,
                contact_email: p.contact_email,
            }),
            supply: i.supply.map(|s| SupplyOut { id: s.id, started_on: s.started_on.to_string(), note: s.note }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDetailOut {
    pub request: RequestOut,
    /// Ranked best first; officials see only those in their scope.
    pub matches: Vec<MatchOut>,
    pub interests: Vec<InterestOut>,
}

impl From<RequestView> for RequestDetailOut {
    fn from(v: RequestView) -> Self {
        RequestDetailOut {
            request: v.record.into(),
            matches: v.matches.into_iter().map(Into::into).collect(),
            interests: v.interests.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkageCreated {
    pub id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InterestIn {
    pub nib: String,
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InterestAnswerIn {
    /// `true` accepts (the buyer then sees the contact details), `false` declines.
    pub accept: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterestAnswerOut {
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplyIn {
    #[schema(example = "2026-12-01")]
    pub started_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DirectoryParams {
    /// Words in the product list or business name.
    pub q: Option<String>,
    /// A standard code, e.g. `SNI 3553:2015`.
    pub standard: Option<String>,
    /// A province (`64`) or regency (`64.72`) code.
    pub region: Option<String>,
    /// Page number from 0 (50 per page).
    pub page: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryCertificateOut {
    pub number: String,
    pub standard: String,
    /// `sni_type5` or `iso`.
    pub scheme: String,
    pub valid_until: String,
    /// The public verification page.
    pub verify_url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryItemOut {
    pub name: String,
    pub regency_code: String,
    pub regency: String,
    pub province: String,
    pub products: Vec<String>,
    pub certificates: Vec<DirectoryCertificateOut>,
}

impl From<DirectoryItem> for DirectoryItemOut {
    fn from(d: DirectoryItem) -> Self {
        DirectoryItemOut {
            name: d.name,
            regency_code: d.regency_code,
            regency: d.regency,
            province: d.province,
            products: d.products,
            certificates: d
                .certificates
                .into_iter()
                .map(|c| DirectoryCertificateOut {
                    verify_url: format!("/v/{}", c.number),
                    number: c.number,
                    standard: c.standard,
                    scheme: c.scheme.as_str().into(),
                    valid_until: c.expires_on.to_string(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryOut {
    pub items: Vec<DirectoryItemOut>,
}

/// The calling buyer's company profile (404 before it is filled in).
#[utoipa::path(get, path = "/api/v1/sourcing/profile", tag = "linkage",
    responses((status = 200, body = ProfileIo), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn profile(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
) -> Result<Json<ProfileIo>, ApiError> {
    let p = st.svc.buyer_profile(&actor).await.api(lang)?;
    let p = p.ok_or(naikkelas_app::AppError::NotFound).api(lang)?;
    Ok(Json(p.into()))
}

/// Create or replace the calling buyer's company profile.
#[utoipa::path(put, path = "/api/v1/sourcing/profile", tag = "linkage", request_body = ProfileIo,
    responses((status = 200, body = ProfileIo), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_profile(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(p): Body<ProfileIo>,
) -> Result<Json<ProfileIo>, ApiError> {
    let d = BuyerDraft {
        company_name: p.company_name,
        industry: p.industry,
        province_code: p.province_code,
        contact_name: p.contact_name,
        contact_phone: p.contact_phone.unwrap_or_default(),
        contact_email: p.contact_email.unwrap_or_default(),
    };
    st.svc.save_buyer_profile(&actor, &d).await.api(lang)?;
    profile(State(st), UserLang(lang), ApiActor(actor)).await
}

/// Sourcing requests: a buyer's own; all for administrators and the
/// ministry; open requests with a match or contact in their region for officers.
#[utoipa::path(get, path = "/api/v1/sourcing/requests", tag = "linkage",
    responses((status = 200, body = Vec<RequestOut>), (status = 403, body = Problem)))]
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<RequestOut>>, ApiError> {
    Ok(Json(st.svc.sourcing_requests(&actor).await.api(lang)?.into_iter().map(Into::into).collect()))
}

/// Post a sourcing request (buyers). Standards must be in the certification
/// catalogue; capacity positive in a registry unit; deadline not past.
#[utoipa::path(post, path = "/api/v1/sourcing/requests", tag = "linkage", request_body = RequestIn,
    responses((status = 201, body = LinkageCreated), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(input): Body<RequestIn>,
) -> Result<(StatusCode, Json<LinkageCreated>), ApiError> {
    let id = st.svc.post_sourcing_request(&actor, &input.draft()).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(LinkageCreated { id })))
}

/// One request with its ranked, explained matches and the contacts made.
#[utoipa::path(get, path = "/api/v1/sourcing/requests/{id}", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = RequestDetailOut), (status = 404, body = Problem, description = "Unknown or another buyer's")))]
pub async fn get(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<RequestDetailOut>, ApiError> {
    Ok(Json(st.svc.sourcing_request(&actor, lang, id).await.api(lang)?.into()))
}

/// Replace a request (its buyer only); `status: closed` closes it.
#[utoipa::path(put, path = "/api/v1/sourcing/requests/{id}", tag = "linkage", params(("id" = i64, Path)), request_body = RequestIn,
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(input): Body<RequestIn>,
) -> Result<StatusCode, ApiError> {
    st.svc.update_sourcing_request(&actor, id, &input.draft(), input.expected_version).await.api(lang)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ranked matches only: fast enough to call as the buyer types.
#[utoipa::path(get, path = "/api/v1/sourcing/requests/{id}/matches", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<MatchOut>), (status = 404, body = Problem)))]
pub async fn matches(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MatchOut>>, ApiError> {
    Ok(Json(st.svc.sourcing_matches(&actor, lang, id).await.api(lang)?.into_iter().map(Into::into).collect()))
}

/// Contact a matching supplier through the system (the request's buyer).
#[utoipa::path(post, path = "/api/v1/sourcing/requests/{id}/interests", tag = "linkage", params(("id" = i64, Path)), request_body = InterestIn,
    responses((status = 201, body = LinkageCreated), (status = 404, body = Problem, description = "Unknown request, another buyer's, or not a match"),
        (status = 422, body = Problem)))]
pub async fn express_interest(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(input): Body<InterestIn>,
) -> Result<(StatusCode, Json<LinkageCreated>), ApiError> {
    let id = st.svc.express_interest(&actor, id, &input.nib, &input.message).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(LinkageCreated { id })))
}

/// Contacts received by the calling owner's enterprise.
#[utoipa::path(get, path = "/api/v1/sourcing/interests", tag = "linkage",
    responses((status = 200, body = Vec<InterestOut>), (status = 403, body = Problem)))]
pub async fn interests(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<InterestOut>>, ApiError> {
    Ok(Json(st.svc.interests_received(&actor).await.api(lang)?.into_iter().map(Into::into).collect()))
}

/// One contact: for its buyer (contact details once accepted), the supplier's owner, or officials in scope.
#[utoipa::path(get, path = "/api/v1/sourcing/interests/{id}", tag = "linkage", params(("id" = i64, Path)),
    responses((status = 200, body = InterestOut), (status = 404, body = Problem)))]
pub async fn interest(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<InterestOut>, ApiError> {
    Ok(Json(st.svc.interest_view_for(&actor, id).await.api(lang)?.into()))
}

/// The supplier's owner accepts or declines, once.
#[utoipa::path(post, path = "/api/v1/sourcing/interests/{id}/answer", tag = "linkage", params(("id" = i64, Path)), request_body = InterestAnswerIn,
    responses((status = 200, body = InterestAnswerOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(input): Body<InterestAnswerIn>,
) -> Result<Json<InterestAnswerOut>, ApiError> {
    let s = st.svc.answer_interest(&actor, id, input.accept).await.api(lang)?;
    Ok(Json(InterestAnswerOut { status: s.as_str().into() }))
}

/// Record a supply relationship with an accepted supplier (the buyer); counts towards level L5.
#[utoipa::path(post, path = "/api/v1/sourcing/interests/{id}/supply", tag = "linkage", params(("id" = i64, Path)), request_body = SupplyIn,
    responses((status = 201, body = LinkageCreated), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn supply(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Body(input): Body<SupplyIn>,
) -> Result<(StatusCode, Json<LinkageCreated>), ApiError> {
    let d = SupplyDraft { started_on: input.started_on, note: input.note };
    let id = st.svc.record_supply(&actor, id, &d).await.api(lang)?;
    Ok((StatusCode::CREATED, Json(LinkageCreated { id })))
}

/// The public directory of certified IKM: business name, regency, products
/// and active certificates (with their verification pages); no personal data.
#[utoipa::path(get, path = "/api/v1/directory", tag = "linkage", security(()), params(DirectoryParams),
    responses((status = 200, body = DirectoryOut), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn directory(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
    Query(p): Query<DirectoryParams>,
) -> Result<Json<DirectoryOut>, ApiError> {
    directory_limiter().check(&ip).api(lang)?;
    let f = DirectoryFilters { q: p.q, standard: p.standard, region: p.region, page: p.page };
    let items = st.svc.directory(&f).await.api(lang)?;
    Ok(Json(DirectoryOut { items: items.into_iter().map(Into::into).collect() }))
}
