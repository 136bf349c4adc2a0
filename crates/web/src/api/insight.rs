//! `/api/v1/insight/*`: dashboards, the province map and the regency ranking
//! (the JSON the dashboard charts draw), and `/api/v1/open-data/insight`,
//! the public aggregates with small cells suppressed.

use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Query, State};
use axum::Json;
use naikkelas_app::auth::RateLimiter;
use naikkelas_app::insight::{Dashboard, MapData, OpenCell, Ranking};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use utoipa::{IntoParams, ToSchema};

/// Open-data downloads allowed per client per minute (`NAIKKELAS_OPEN_DATA_PER_MINUTE`,
/// default 60), as the other public endpoints are limited.
pub fn open_data_limiter() -> &'static RateLimiter {
    static L: OnceLock<RateLimiter> = OnceLock::new();
    L.get_or_init(|| {
        let max = std::env::var("NAIKKELAS_OPEN_DATA_PER_MINUTE").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
        RateLimiter::new(max, std::time::Duration::from_secs(60))
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct DashboardParams {
    /// Province (`64`) or regency (`64.72`); blank: the nation, or the officer's region.
    pub region: Option<String>,
    /// Blank: the latest year with figures.
    pub year: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct MapParams {
    pub year: Option<String>,
    /// `units` (default), `workers`, `investment`, `production`, `exports` (USD), `exporters`, `upgraded`.
    pub metric: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RankingParams {
    /// Province code, e.g. `64`.
    pub province: Option<String>,
    pub year: Option<String>,
    pub metric: Option<String>,
}

/// A year as typed: blank is none, anything but a number is a field error.
pub fn parse_year(raw: Option<&str>) -> Result<Option<i32>, naikkelas_app::AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            naikkelas_app::AppError::field(
                naikkelas_core::FieldError::new("year", "insight.year_invalid").with("value", s),
            )
        }),
    }
}

/// Documents whose shape is the use case's own type, described in the
/// OpenAPI document as an object (their fields are those of the app types).
macro_rules! object_schema {
    ($($name:ident($inner:ty)),* $(,)?) => {$(
        #[derive(Debug, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new().into()
            }
        }
        impl ToSchema for $name {}
    )*};
}

object_schema!(DashboardOut(Dashboard), MapOut(MapData), RankingOut(Ranking));

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDataOut {
    /// Cells with fewer units than this have no measures.
    pub suppressed_below_units: i64,
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<OpenCell>,
}

/// The dashboard of a region (or the nation) in one year: IKM and growth, workers, production,
/// exports by KBLI division, size classes and quality levels, certification and readiness coverage,
/// programme budget absorption, the trend over the years and the areas one level down.
#[utoipa::path(get, path = "/api/v1/insight/dashboard", tag = "insight", params(DashboardParams),
    responses((status = 200, body = DashboardOut), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 404, body = Problem, description = "Region outside the caller's scope"),
        (status = 422, body = Problem, description = "Unknown region, district, year without figures, region without figures")))]
pub async fn dashboard(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(q): Query<DashboardParams>,
) -> Result<Json<DashboardOut>, ApiError> {
    let year = parse_year(q.year.as_deref()).api(lang)?;
    let d = st.svc.dashboard(&actor, q.region.as_deref(), year).await.api(lang)?;
    Ok(Json(DashboardOut(d)))
}

/// One value per province for the choropleth (national view: ministry and admin).
#[utoipa::path(get, path = "/api/v1/insight/map", tag = "insight", params(MapParams),
    responses((status = 200, body = MapOut), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 404, body = Problem, description = "The national map is outside your scope"), (status = 422, body = Problem, description = "Unknown metric or year without figures")))]
pub async fn map(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(q): Query<MapParams>,
) -> Result<Json<MapOut>, ApiError> {
    let year = parse_year(q.year.as_deref()).api(lang)?;
    Ok(Json(MapOut(st.svc.province_map(&actor, year, q.metric.as_deref()).await.api(lang)?)))
}

/// The regencies of a province ranked by a metric, highest first.
#[utoipa::path(get, path = "/api/v1/insight/regencies", tag = "insight", params(RankingParams),
    responses((status = 200, body = RankingOut), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn regencies(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(q): Query<RankingParams>,
) -> Result<Json<RankingOut>, ApiError> {
    let year = parse_year(q.year.as_deref()).api(lang)?;
    let province = q.province.as_deref().unwrap_or_default();
    let r = st.svc.regency_ranking(&actor, province, year, q.metric.as_deref()).await.api(lang)?;
    Ok(Json(RankingOut(r)))
}

/// Public aggregates by year, province and KBLI division: units, workers, production value (Rp),
/// exports (USD). No personal data; cells of fewer than three units are suppressed. Rate-limited per client.
#[utoipa::path(get, path = "/api/v1/open-data/insight", tag = "insight", security(()),
    responses((status = 200, body = OpenDataOut), (status = 429, body = Problem)))]
pub async fn open_data(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
) -> Result<Json<OpenDataOut>, ApiError> {
    open_data_limiter().check(&ip).api(lang)?;
    let cells = st.svc.open_data().await.api(lang)?;
    Ok(Json(OpenDataOut { suppressed_below_units: naikkelas_app::insight::SUPPRESS_BELOW, cells }))
}
