//! `/api/v1/regions` and `/api/v1/kbli`: the reference catalogue (public).

use super::dto::{KbliOut, Region};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParams {
    /// Children of this code: provinces when absent, regencies of a province, districts of a regency.
    pub parent: Option<String>,
}

/// Kemendagri regions: provinces, or the children of `parent`.
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", params(RegionParams), security(()),
    responses((status = 200, body = Vec<Region>)))]
pub async fn regions(State(st): State<AppState>, Query(p): Query<RegionParams>) -> Json<Vec<Region>> {
    let r = st.svc.reference();
    let parent = p.parent.as_deref().map(str::trim).unwrap_or("");
    let out = match parent.len() {
        0 => r
            .provinces
            .values()
            .map(|p| Region { code: p.code.clone(), name: p.name.clone(), level: "province".into(), parent: None })
            .collect(),
        2 => r
            .regencies_of(parent)
            .map(|g| Region {
                code: g.code.clone(),
                name: g.name.clone(),
                level: "regency".into(),
                parent: Some(g.province_code.clone()),
            })
            .collect(),
        _ => r
            .districts_of(parent)
            .into_iter()
            .map(|d| Region {
                code: d.code.clone(),
                name: d.name.clone(),
                level: "district".into(),
                parent: Some(d.regency_code.clone()),
            })
            .collect(),
    };
    Json(out)
}

/// KBLI 2020 section C: the 24 divisions and 476 five-digit classes.
#[utoipa::path(get, path = "/api/v1/kbli", tag = "reference", security(()),
    responses((status = 200, body = Vec<KbliOut>)))]
pub async fn kbli(State(st): State<AppState>) -> Json<Vec<KbliOut>> {
    Json(
        st.svc
            .reference()
            .kbli
            .values()
            .map(|k| KbliOut {
                code: k.code.clone(),
                level: k.level.clone(),
                division: k.division.clone(),
                name_id: k.name_id.clone(),
                name_en: k.name_en.clone(),
                version: k.version.clone(),
            })
            .collect(),
    )
}
