//! `/api/v1/enterprises`: list, read, create, update, delete, figures.

use super::dto::*;
use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;

/// A JSON body that failed to parse becomes a problem document too.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, s: &S) -> Result<Self, Self::Rejection> {
        let lang = crate::lang::detect(req.uri(), req.headers());
        match Json::<T>::from_request(req, s).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(e) => Err(ApiError::new(
                naikkelas_app::AppError::field(
                    naikkelas_core::FieldError::new("body", "body.invalid").with("value", e.body_text()),
                ),
                lang,
            )),
        }
    }
}

/// List the registry in the caller's scope.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "registry", params(ListParams),
    responses((status = 200, body = EnterpriseList), (status = 401, body = Problem), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 422, body = Problem)))]
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<ListParams>,
) -> Result<Json<EnterpriseList>, ApiError> {
    let page = st.svc.list_enterprises(&actor, &p.filters()).await.api(lang)?;
    Ok(Json(page.into()))
}

/// Counts per filter value for the same filters as the list.
#[utoipa::path(get, path = "/api/v1/facets/enterprises", tag = "registry", params(ListParams),
    responses((status = 200, body = FacetsOut), (status = 401, body = Problem), (status = 403, body = Problem, description = "Your role has no access to this"), (status = 422, body = Problem)))]
pub async fn facets(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<ListParams>,
) -> Result<Json<FacetsOut>, ApiError> {
    Ok(Json(st.svc.enterprise_facets(&actor, &p.filters()).await.api(lang)?.into()))
}

/// One enterprise with its yearly figures and permits.
#[utoipa::path(get, path = "/api/v1/enterprises/{nib}", tag = "registry", params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 200, body = EnterpriseDetail), (status = 404, body = Problem, description = "Unknown or outside your scope")))]
pub async fn get(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
) -> Result<Json<EnterpriseDetail>, ApiError> {
    let v = st.svc.enterprise_view(&actor, &nib).await.api(lang)?;
    Ok(Json((&v).into()))
}

/// Register an enterprise (officers within their region, admins), optionally with one year of figures.
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "registry", request_body = EnterpriseInput,
    responses((status = 201, body = EnterpriseDetail), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Body(input): Body<EnterpriseInput>,
) -> Result<(StatusCode, Json<EnterpriseDetail>), ApiError> {
    // Validate figures before anything is written, so a bad body writes nothing.
    if let Some(f) = &input.figures {
        f.draft().validate(st.svc.this_year()).map_err(naikkelas_app::AppError::from).api(lang)?;
    }
    let p = st.svc.register_enterprise(&actor, &input.draft()).await.api(lang)?;
    if let Some(f) = &input.figures {
        st.svc.record_figures(&actor, p.nib.as_str(), &f.draft()).await.api(lang)?;
    }
    let v = st.svc.enterprise_view(&actor, p.nib.as_str()).await.api(lang)?;
    Ok((StatusCode::CREATED, Json((&v).into())))
}

/// Replace an enterprise's profile. Send `version` to refuse concurrent edits (409).
#[utoipa::path(put, path = "/api/v1/enterprises/{nib}", tag = "registry", request_body = EnterpriseInput,
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 200, body = EnterpriseDetail), (status = 403, body = Problem, description = "Your role may not change the registry"), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
    Body(input): Body<EnterpriseInput>,
) -> Result<Json<EnterpriseDetail>, ApiError> {
    st.svc.update_enterprise(&actor, &nib, &input.draft(), input.version).await.api(lang)?;
    let v = st.svc.enterprise_view(&actor, &nib).await.api(lang)?;
    Ok(Json((&v).into()))
}

/// Delete an enterprise (administrators only).
#[utoipa::path(delete, path = "/api/v1/enterprises/{nib}", tag = "registry",
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 204), (status = 404, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "The enterprise has a programme facilitation history (`enterprise.has_programs`)")))]
pub async fn delete(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
) -> Result<StatusCode, ApiError> {
    st.svc.delete_enterprise(&actor, &nib).await.api(lang)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record (or replace) one year's figures. A finalised year answers 422 with `figures.final`.
#[utoipa::path(post, path = "/api/v1/enterprises/{nib}/figures", tag = "registry", request_body = FiguresInput,
    params(("nib" = String, Path, description = "13-digit NIB")),
    responses((status = 200, body = EnterpriseDetail), (status = 403, body = Problem, description = "Your role may not change the registry"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_figures(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(nib): Path<String>,
    Body(input): Body<FiguresInput>,
) -> Result<Json<EnterpriseDetail>, ApiError> {
    st.svc.record_figures(&actor, &nib, &input.draft()).await.api(lang)?;
    let v = st.svc.enterprise_view(&actor, &nib).await.api(lang)?;
    Ok(Json((&v).into()))
}
