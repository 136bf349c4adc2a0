//! All routes of the application in one place.

use crate::state::AppState;
use crate::{api, assets, metrics, security, ui};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;

pub fn router(state: AppState) -> Router {
    let (api_routes, _) = api::routes();
    let pages = Router::new()
        .route("/", get(ui::home::home))
        .route("/login", get(ui::login::form).post(ui::login::submit))
        .route("/logout", post(ui::login::logout))
        .route("/lang/{code}", get(ui::login::switch_lang))
        .route("/enterprises", get(ui::enterprises::list).post(ui::enterprises::create))
        .route("/enterprises/new", get(ui::enterprises::new_form))
        .route("/enterprises/export.{ext}", get(ui::enterprises::export))
        .route("/enterprises/{nib}", get(ui::enterprises::show))
        .route("/enterprises/{nib}/edit", get(ui::enterprises::edit_form).post(ui::enterprises::update))
        .route("/enterprises/{nib}/delete", post(ui::enterprises::delete))
        .route("/enterprises/{nib}/figures", post(ui::figures::record))
        .route("/enterprises/{nib}/figures/{year}/finalise", post(ui::figures::finalise))
        .route("/enterprises/{nib}/figures/{year}/correct", post(ui::figures::correct))
        .route("/enterprises/{nib}/permits", post(ui::figures::add_permit))
        .route("/enterprises/{nib}/permits/{id}/delete", post(ui::figures::remove_permit))
        .route("/users", get(ui::users::list).post(ui::users::create))
        .route("/imports", post(ui::imports::upload))
        .route("/imports/new", get(ui::imports::new_form))
        .route("/imports/{id}", get(ui::imports::show))
        .route("/imports/{id}/errors", get(ui::imports::errors_file))
        .route("/standards", get(ui::readiness::catalogue))
        .route("/readiness", get(ui::readiness::region))
        .route("/analysis/leading-sectors", get(ui::analysis::leading))
        .route("/analysis/leading-sectors.xlsx", get(ui::analysis::leading_xlsx))
        .route("/analysis/transitions", get(ui::analysis::transitions))
        .route("/analysis/programs/{id}/impact", get(ui::analysis::impact))
        .route("/enterprises/{nib}/readiness", get(ui::readiness::enterprise).post(ui::readiness::start))
        .route("/assessments/{id}", get(ui::readiness::show))
        .route("/assessments/{id}/answers", post(ui::readiness::save_answers))
        .route("/assessments/{id}/actions/{action_id}", post(ui::readiness::update_action))
        .route("/assessments/{id}/report.pdf", get(ui::readiness::report_pdf))
        .route("/api/docs", get(ui::home::api_docs))
        .route("/certifications", get(ui::certification::list).post(ui::certification::apply))
        .route("/certifications/pipeline", get(ui::certification::pipeline))
        .route("/certifications/pipeline.csv", get(ui::certification::pipeline_csv))
        .route("/certifications/{id}", get(ui::certification::show))
        .route("/certifications/{id}/events", post(ui::certification::event))
        .route("/certifications/{id}/certificate", get(ui::certification::certificate))
        .route("/sourcing", get(ui::linkage::list).post(ui::linkage::create))
        .route("/sourcing/profile", get(ui::linkage::profile).post(ui::linkage::save_profile))
        .route("/sourcing/{id}", get(ui::linkage::show))
        .route("/sourcing/{id}/status", post(ui::linkage::set_status))
        .route("/sourcing/{id}/interests", post(ui::linkage::express_interest))
        .route("/sourcing/interests/{id}", get(ui::linkage::interest))
        .route("/sourcing/interests/{id}/answer", post(ui::linkage::answer))
        .route("/sourcing/interests/{id}/supply", post(ui::linkage::supply))
        .route("/direktori", get(ui::linkage::directory))
        .route("/programs", get(ui::programs::list).post(ui::programs::create))
        .route("/programs/{id}", get(ui::programs::show))
        .route("/programs/{id}/allocations", post(ui::programs::allocate))
        .route("/programs/{id}/enrolments", post(ui::programs::enrol))
        .route("/programs/{id}/beneficiaries.{ext}", get(ui::programs::beneficiaries))
        .route("/enrolments/{id}", get(ui::programs::enrolment))
        .route("/enrolments/{id}/{action}", post(ui::programs::step))
        .route("/v", get(ui::certification::search))
        .route("/insight", get(ui::insight::dashboard))
        .route("/insight/export.xlsx", get(ui::insight::export_xlsx))
        .route("/insight/export.pdf", get(ui::insight::export_pdf))
        .route("/insight/provinces.geojson", get(ui::insight::provinces_geojson))
        .route("/open-data", get(ui::insight::open_data_page))
        .route("/open-data/insight.csv", get(ui::insight::open_data_csv_file))
        .route("/v/{number}", get(ui::certification::verify_page));
    // The empty handler `bench/verify.sh` compares the verify endpoint against.
    let pages = if std::env::var("NAIKKELAS_BENCH_ROUTES").as_deref() == Ok("1") {
        pages.route("/bench/empty", get(|| async { "" }))
    } else {
        pages
    };
    Router::new()
        .merge(pages)
        .merge(api_routes)
        .route("/api/v1/openapi.json", get(api::openapi_handler))
        .route("/assets/{*path}", get(assets::serve))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_handler))
        .fallback(ui::home::not_found)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(64 * 1024 * 1024))
        .with_state(state)
}

async fn healthz(State(st): State<AppState>) -> impl IntoResponse {
    match st.svc.store().ping().await {
        Ok(()) => {
            (StatusCode::OK, axum::Json(serde_json::json!({"status": "ok", "database": st.svc.store().backend()})))
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({"status": "unavailable"})))
        }
    }
}

async fn metrics_handler(State(st): State<AppState>) -> impl IntoResponse {
    match &st.metrics {
        Some(h) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], h.render()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
