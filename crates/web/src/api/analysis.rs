//! `/api/v1/analysis/…`: leading sectors of a region (LQ, DLQ, shift-share,
//! Esteban-Marquillas, Klassen), naik-kelas transitions and the enterprises
//! that moved, programme impact. The pages under `/analysis` render the same
//! documents.
//!
//! A ratio is `{"value": 1.396559, "text": "1,40"}` or, when its denominator
//! is zero, `{"value": null, "text": "tidak terdefinisi", "not_defined":
//! "zero_reference_sector"}` — never ∞ or NaN.

use crate::error::{ApiError, Problem, WithLang};
use crate::lang::UserLang;
use crate::session::ApiActor;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use naikkelas_app::analysis::{
    self as an, ImpactView, LeadingReport, LeadingRequest, MoversRequest, TransitionRequest, TransitionView,
};
use naikkelas_app::i18n::{t, Lang};
use naikkelas_app::AppError;
use naikkelas_core::insight::impact::Impact;
use naikkelas_core::insight::Ratio;
use naikkelas_core::FieldError;
use naikkelas_store::analysis::MoverPage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Values in JSON keep six decimals: enough to check by hand, no float noise.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisRatio {
    /// `null` when not defined.
    pub value: Option<f64>,
    /// As shown, in the request language.
    pub text: String,
    /// Why there is no value: `zero_region_total`, `zero_reference_total`,
    /// `zero_reference_sector`, `zero_base`, `degenerate`.
    pub not_defined: Option<String>,
}

impl AnalysisRatio {
    fn of(lang: Lang, r: Ratio, digits: usize) -> Self {
        match r {
            Ratio::Defined(v) => {
                AnalysisRatio { value: Some(round6(v)), text: an::decimal(lang, v, digits), not_defined: None }
            }
            Ratio::NotDefined(why) => AnalysisRatio {
                value: None,
                text: t(lang, "analysis.not_defined").to_string(),
                not_defined: Some(why.key().to_string()),
            },
        }
    }

    /// A growth rate shown as a percentage.
    fn growth(lang: Lang, r: Ratio) -> Self {
        let mut out = AnalysisRatio::of(lang, r, 4);
        if let Ratio::Defined(v) = r {
            out.text = an::percent(lang, v);
        }
        out
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisRegion {
    #[schema(example = "64.72")]
    pub code: String,
    #[schema(example = "Kota Samarinda")]
    pub name: String,
}

impl From<&an::RegionRef> for AnalysisRegion {
    fn from(r: &an::RegionRef) -> Self {
        AnalysisRegion { code: r.code.clone(), name: r.name.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnalysisLabel {
    /// Stable key, e.g. `unggulan` or `advanced_fast_growing`.
    pub key: String,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KlassenOut {
    /// `I`…`IV` as drawn here (numbering differs between authors; `key` is the meaning).
    pub quadrant: String,
    pub key: String,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftShareOut {
    /// N: reference-area share.
    pub reference_share: f64,
    /// M: industry mix (proportional shift).
    pub industry_mix: f64,
    /// C: competitive effect (differential shift).
    pub competitive: f64,
    /// D = N + M + C.
    pub change: i64,
    /// The same, as shown.
    pub text: [String; 4],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EstebanMarquillasOut {
    /// E' = E_j · E_in / E_n.
    pub homothetic: AnalysisRatio,
    /// C' = E'(r_ij − r_in).
    pub competitive: AnalysisRatio,
    /// A = (E_ij − E')(r_ij − r_in).
    pub allocation: AnalysisRatio,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadingSectorOut {
    #[schema(example = "10")]
    pub division: String,
    #[schema(example = "Industri Makanan")]
    pub name: String,
    pub value_base: i64,
    pub value_end: i64,
    pub lq_base: AnalysisRatio,
    /// The static LQ (SLQ) of the end year.
    pub lq_end: AnalysisRatio,
    /// Compound average yearly growth of the division in the region.
    pub growth_region: AnalysisRatio,
    /// The same in the reference area.
    pub growth_reference: AnalysisRatio,
    pub dlq: AnalysisRatio,
    /// SLQ/DLQ matrix; `null` when a quotient is not defined.
    pub position: Option<AnalysisLabel>,
    pub klassen: Option<KlassenOut>,
    pub shift_share: Option<ShiftShareOut>,
    pub esteban_marquillas: Option<EstebanMarquillasOut>,
    /// Why the decompositions are missing.
    pub shift_share_not_defined: Option<String>,
    pub basis: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadingSectorsOut {
    pub region: AnalysisRegion,
    /// `null`: the nation.
    pub reference: Option<AnalysisRegion>,
    /// `workers`, `production` or `units`.
    pub metric: String,
    pub base_year: i32,
    pub end_year: i32,
    /// Years with figures, to choose from.
    pub years: Vec<i32>,
    pub region_total: [i64; 2],
    pub reference_total: [i64; 2],
    /// One plain-language paragraph in the request language.
    pub summary: String,
    pub sectors: Vec<LeadingSectorOut>,
}

impl LeadingSectorsOut {
    pub fn of(lang: Lang, r: &LeadingReport) -> Self {
        let sectors = r
            .rows
            .iter()
            .map(|row| {
                let a = &row.analysis;
                let num = |v: f64| an::decimal(lang, v, 2);
                LeadingSectorOut {
                    division: row.division.clone(),
                    name: row.name(lang).to_string(),
                    value_base: a.base.region,
                    value_end: a.end.region,
                    lq_base: AnalysisRatio::of(lang, a.lq_base, 2),
                    lq_end: AnalysisRatio::of(lang, a.lq_end, 2),
                    growth_region: AnalysisRatio::growth(lang, a.growth.sector_region),
                    growth_reference: AnalysisRatio::growth(lang, a.growth.sector_reference),
                    dlq: AnalysisRatio::of(lang, a.dlq, 2),
                    position: a.position.map(|p| AnalysisLabel {
                        key: p.key().to_string(),
                        label: an::position_label(lang, Some(p)).to_string(),
                    }),
                    klassen: a.klassen.map(|k| KlassenOut {
                        quadrant: k.number().to_string(),
                        key: k.key().to_string(),
                        label: an::klassen_label(lang, Some(k)).to_string(),
                    }),
                    shift_share: a.shift_share.ok().map(|s| ShiftShareOut {
                        reference_share: round6(s.reference_share),
                        industry_mix: round6(s.industry_mix),
                        competitive: round6(s.competitive),
                        change: s.change,
                        text: [num(s.reference_share), num(s.industry_mix), num(s.competitive), num(s.change as f64)],
                    }),
                    esteban_marquillas: a.esteban_marquillas.ok().map(|e| EstebanMarquillasOut {
                        homothetic: AnalysisRatio::of(lang, Ratio::Defined(e.homothetic), 2),
                        competitive: AnalysisRatio::of(lang, e.competitive, 2),
                        allocation: AnalysisRatio::of(lang, e.allocation, 2),
                    }),
                    shift_share_not_defined: a.shift_share.err().map(|w| w.key().to_string()),
                    basis: a.is_basis(),
                }
            })
            .collect();
        LeadingSectorsOut {
            region: (&r.region).into(),
            reference: r.reference.as_ref().map(Into::into),
            metric: r.metric.key().to_string(),
            base_year: r.period.base(),
            end_year: r.period.end(),
            years: r.years.clone(),
            region_total: r.region_total,
            reference_total: r.reference_total,
            summary: an::leading_summary(lang, r),
            sectors,
        }
    }
}

/// Years arrive as text so that `tahun=abc` is a field error, not a bare 400.
pub fn year(field: &str, raw: Option<&str>) -> Result<Option<i32>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i32>()
            .map(Some)
            .map_err(|_| AppError::field(FieldError::new(field, "year.format").with("value", s))),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadingParams {
    /// Province (`64`) or regency/city (`64.72`); officers default to their own.
    pub region: Option<String>,
    /// `workers` (default), `production` or `units`.
    pub metric: Option<String>,
    /// Default: the first year with figures.
    pub base_year: Option<String>,
    /// Default: the latest year with figures.
    pub end_year: Option<String>,
}

impl LeadingParams {
    pub fn request(&self) -> Result<LeadingRequest, AppError> {
        Ok(LeadingRequest {
            region: self.region.clone(),
            metric: self.metric.clone(),
            base_year: year("base_year", self.base_year.as_deref())?,
            end_year: year("end_year", self.end_year.as_deref())?,
        })
    }
}

/// Leading sectors of a region against its reference area (regency vs its province, province vs the nation), per KBLI division.
#[utoipa::path(get, path = "/api/v1/analysis/leading-sectors", tag = "analysis", params(LeadingParams),
    responses((status = 200, body = LeadingSectorsOut), (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn leading_sectors(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<LeadingParams>,
) -> Result<Json<LeadingSectorsOut>, ApiError> {
    let req = p.request().api(lang)?;
    let r = st.svc.leading_sectors(&actor, &req).await.api(lang)?;
    Ok(Json(LeadingSectorsOut::of(lang, &r)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransitionParams {
    /// Province or regency/city; officers default to their own, ministry to the nation.
    pub region: Option<String>,
    /// `size_class` (default) or `quality_level`.
    pub ladder: Option<String>,
    /// Year t (to t + 1); default: the latest pair.
    pub year: Option<String>,
    /// Movers: `up` (default), `down` or `same`.
    pub direction: Option<String>,
    /// Movers: `next_after` of the previous page.
    pub after: Option<String>,
    /// Movers: page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

impl TransitionParams {
    pub fn request(&self) -> Result<TransitionRequest, AppError> {
        Ok(TransitionRequest {
            region: self.region.clone(),
            ladder: self.ladder.clone(),
            year: year("year", self.year.as_deref())?,
        })
    }

    pub fn movers(&self) -> Result<MoversRequest, AppError> {
        Ok(MoversRequest {
            transition: self.request()?,
            direction: self.direction.clone(),
            after: self.after.clone(),
            limit: self.limit,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionMatrixOut {
    pub region: Option<AnalysisRegion>,
    /// `size_class` or `quality_level`.
    pub ladder: String,
    pub year: i32,
    pub next_year: i32,
    /// Years t with figures in t and t + 1.
    pub years: Vec<i32>,
    /// Rungs from the lowest (`kecil`… or `L0`…).
    pub rungs: Vec<String>,
    /// counts[from][to].
    pub counts: Vec<Vec<u64>>,
    pub up: u64,
    pub same: u64,
    pub down: u64,
    pub total: u64,
}

impl TransitionMatrixOut {
    pub fn of(v: &TransitionView) -> Self {
        TransitionMatrixOut {
            region: v.region.as_ref().map(Into::into),
            ladder: v.matrix.ladder.key().to_string(),
            year: v.matrix.year,
            next_year: v.matrix.year + 1,
            years: v.years.clone(),
            rungs: v.matrix.rungs.iter().map(|r| r.to_string()).collect(),
            counts: v.matrix.counts.clone(),
            up: v.up,
            same: v.same,
            down: v.down,
            total: v.matrix.total(),
        }
    }
}

/// The transition matrix (size class or quality level, year t → t + 1) in a region.
#[utoipa::path(get, path = "/api/v1/analysis/transitions", tag = "analysis", params(TransitionParams),
    responses((status = 200, body = TransitionMatrixOut), (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn transitions(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<TransitionParams>,
) -> Result<Json<TransitionMatrixOut>, ApiError> {
    let req = p.request().api(lang)?;
    let v = st.svc.transitions(&actor, &req).await.api(lang)?;
    Ok(Json(TransitionMatrixOut::of(&v)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoverOut {
    pub nib: String,
    pub name: String,
    pub regency: String,
    pub regency_name: String,
    pub kbli_division: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MoversOut {
    pub items: Vec<MoverOut>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next_after: Option<String>,
}

impl MoversOut {
    pub fn of(st: &AppState, page: &MoverPage) -> Self {
        MoversOut {
            items: page
                .items
                .iter()
                .map(|m| MoverOut {
                    nib: m.nib.to_string(),
                    name: m.name.clone(),
                    regency: m.regency.to_string(),
                    regency_name: st.svc.reference().region_name(m.regency.as_str()).unwrap_or_default().to_string(),
                    kbli_division: m.kbli_division.clone(),
                    from: m.from.clone(),
                    to: m.to.clone(),
                })
                .collect(),
            next_after: page.next.as_ref().map(|n| n.to_string()),
        }
    }
}

/// Enterprises that moved up (or down) between year t and t + 1, in NIB order (officials of the region only).
#[utoipa::path(get, path = "/api/v1/analysis/movers", tag = "analysis", params(TransitionParams),
    responses((status = 200, body = MoversOut), (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn movers(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Query(p): Query<TransitionParams>,
) -> Result<Json<MoversOut>, ApiError> {
    let req = p.movers().api(lang)?;
    let page = st.svc.movers(&actor, &req).await.api(lang)?;
    Ok(Json(MoversOut::of(&st, &page)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactEstimateOut {
    pub participant_share: f64,
    /// Comparison share reweighted to the participants' strata.
    pub comparison_share: f64,
    pub difference: f64,
    pub standard_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// As shown: participant share, comparison share, difference, interval.
    pub text: [String; 4],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactHorizonOut {
    /// Moved up within this many years of the start year.
    pub years: u8,
    pub participants: u64,
    pub participants_matched: u64,
    pub comparison_matched: u64,
    pub strata_used: u64,
    pub strata_dropped: u64,
    /// `null` when no participant had a comparison.
    pub estimate: Option<ImpactEstimateOut>,
}

impl ImpactHorizonOut {
    fn of(lang: Lang, years: u8, i: &Impact) -> Self {
        ImpactHorizonOut {
            years,
            participants: i.sample.participants,
            participants_matched: i.sample.participants_matched,
            comparison_matched: i.sample.comparison_matched,
            strata_used: i.sample.strata_used,
            strata_dropped: i.sample.strata_dropped,
            estimate: i.estimate.map(|e| ImpactEstimateOut {
                participant_share: round6(e.participant_share),
                comparison_share: round6(e.comparison_share),
                difference: round6(e.difference),
                standard_error: round6(e.standard_error),
                ci_low: round6(e.ci_low),
                ci_high: round6(e.ci_high),
                text: [
                    an::percent(lang, e.participant_share),
                    an::percent(lang, e.comparison_share),
                    an::percent(lang, e.difference),
                    format!("{} … {}", an::percent(lang, e.ci_low), an::percent(lang, e.ci_high)),
                ],
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramImpactOut {
    pub program_id: i64,
    pub program_name: String,
    pub program_year: i32,
    pub region: Option<AnalysisRegion>,
    /// Always `observational`: participants were not assigned at random.
    pub design: String,
    /// The label and caveat to show with the numbers.
    pub label: String,
    pub caveat: String,
    pub horizons: Vec<ImpactHorizonOut>,
}

impl ProgramImpactOut {
    pub fn of(lang: Lang, v: &ImpactView) -> Self {
        ProgramImpactOut {
            program_id: v.program_id,
            program_name: v.program_name.clone(),
            program_year: v.program_year,
            region: v.region.as_ref().map(Into::into),
            design: "observational".into(),
            label: t(lang, "analysis.impact.observational").to_string(),
            caveat: t(lang, "analysis.impact.caveat").to_string(),
            horizons: v.horizons.iter().map(|h| ImpactHorizonOut::of(lang, h.years, &h.impact)).collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImpactParams {
    /// Province or regency/city; officers default to their own, ministry to the nation.
    pub region: Option<String>,
}

/// Programme impact: share of participants that moved up a class within one and two years vs matched non-participants (observational estimate).
#[utoipa::path(get, path = "/api/v1/analysis/programs/{id}/impact", tag = "analysis",
    params(("id" = i64, Path, description = "Programme id"), ImpactParams),
    responses((status = 200, body = ProgramImpactOut), (status = 422, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn impact(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<ImpactParams>,
) -> Result<Json<ProgramImpactOut>, ApiError> {
    let v = st.svc.program_impact(&actor, id, p.region.as_deref()).await.api(lang)?;
    Ok(Json(ProgramImpactOut::of(lang, &v)))
}
