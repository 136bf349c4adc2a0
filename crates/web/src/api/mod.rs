//! The JSON API under `/api/v1`. Routes and the OpenAPI document come from
//! the same declarations (`utoipa-axum`), so the document cannot drift.

pub mod analysis;
pub mod certification;
mod conventions;
pub mod dto;
pub mod enterprises;
pub mod insight;
pub mod linkage;
pub mod programs;
pub mod readiness;
pub mod reference;

use crate::state::AppState;
use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "naikkelas API",
        description = "Registry of Indonesian small and medium industries (IKM): enterprises, yearly figures, reference data. \
Authenticate with `Authorization: Bearer <token>` (`naikkelas token create USERNAME`). Errors are RFC 9457 problem documents; \
anything outside the caller's region answers 404.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags((name = "analysis", description = "Leading sectors (LQ, DLQ, shift-share, Klassen), naik-kelas transitions and programme impact"), (name = "registry", description = "Enterprises and their yearly figures"), (name = "reference", description = "Regions and KBLI"), (name = "certification", description = "Certification lifecycle and the public certificate check"), (name = "readiness", description = "Standards catalogue, readiness self-assessments, gap reports and action plans"), (name = "linkage", description = "Sourcing requests by large industry, ranked certified suppliers, contacts and supply; the public directory of certified IKM"), (name = "insight", description = "Dashboards from the rollups, the province map, regency rankings and public open data"), (name = "programs", description = "Facilitation programmes, budgets, enrolments and the disbursement ledger"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The API routes and the OpenAPI document built from them.
pub fn routes() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(enterprises::list, enterprises::create))
        .routes(routes!(enterprises::get, enterprises::update, enterprises::delete))
        .routes(routes!(enterprises::record_figures))
        .routes(routes!(enterprises::facets))
        .routes(routes!(certification::list, certification::apply))
        .routes(routes!(certification::pipeline))
        .routes(routes!(certification::get))
        .routes(routes!(certification::event))
        .routes(routes!(certification::bodies, certification::add_body))
        .routes(routes!(certification::verify))
        .routes(routes!(certification::verify_qr))
        .routes(routes!(certification::public_key))
        .routes(routes!(linkage::profile, linkage::save_profile))
        .routes(routes!(linkage::list, linkage::create))
        .routes(routes!(linkage::get, linkage::update))
        .routes(routes!(linkage::matches))
        .routes(routes!(linkage::express_interest))
        .routes(routes!(linkage::interests))
        .routes(routes!(linkage::interest))
        .routes(routes!(linkage::answer))
        .routes(routes!(linkage::supply))
        .routes(routes!(linkage::directory))
        .routes(routes!(reference::regions))
        .routes(routes!(insight::dashboard))
        .routes(routes!(insight::map))
        .routes(routes!(insight::regencies))
        .routes(routes!(insight::open_data))
        .routes(routes!(reference::kbli))
        .routes(routes!(readiness::standards))
        .routes(routes!(readiness::standard))
        .routes(routes!(readiness::suggestions))
        .routes(routes!(readiness::list, readiness::start))
        .routes(routes!(readiness::get))
        .routes(routes!(readiness::answer))
        .routes(routes!(readiness::complete))
        .routes(routes!(readiness::update_action))
        .routes(routes!(readiness::region))
        .routes(routes!(analysis::leading_sectors))
        .routes(routes!(analysis::transitions))
        .routes(routes!(analysis::movers))
        .routes(routes!(analysis::impact))
        .routes(routes!(programs::list, programs::create))
        .routes(routes!(programs::absorption))
        .routes(routes!(programs::get))
        .routes(routes!(programs::allocate))
        .routes(routes!(programs::eligibility))
        .routes(routes!(programs::enrol))
        .routes(routes!(programs::beneficiaries))
        .routes(routes!(programs::enrolment))
        .routes(routes!(programs::verify))
        .routes(routes!(programs::approve))
        .routes(routes!(programs::reject))
        .routes(routes!(programs::disburse))
        .routes(routes!(programs::reverse))
        .routes(routes!(programs::link))
        .split_for_parts()
}

pub fn openapi_json() -> serde_json::Value {
    let mut doc = serde_json::to_value(routes().1).expect("the OpenAPI document serialises");
    conventions::apply(&mut doc);
    doc
}

pub async fn openapi_handler() -> Json<serde_json::Value> {
    Json(openapi_json())
}
