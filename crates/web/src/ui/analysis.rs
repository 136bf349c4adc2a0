//! Analysis pages for officials: leading sectors of a region (table, Klassen
//! quadrant chart as server-rendered SVG plus a quadrant table that needs no
//! script, summary, XLSX export), the naik-kelas transition matrix with the
//! enterprises that moved, and programme impact.
//!
//! A bad parameter (unknown region, year without data, unknown metric)
//! re-renders the form with the message in place of the results, so nothing
//! empty can be read as zeros.

use super::{base, field_errors, render};
use crate::api::analysis::{
    ImpactParams, LeadingParams, LeadingSectorsOut, MoversOut, ProgramImpactOut, TransitionMatrixOut, TransitionParams,
};
use crate::error::{url_escape, PageError, WithLang};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minijinja::Value;
use naikkelas_app::analysis::{self as an, LeadingReport, Metric};
use naikkelas_app::i18n::{t, Lang};
use naikkelas_app::AppError;
use naikkelas_core::insight::klassen::KlassenQuadrant;
use naikkelas_core::insight::transitions::Ladder;

/// Splits a use-case result into results or form errors; other errors end
/// the page.
fn or_form<T>(r: Result<T, AppError>, lang: Lang) -> Result<Result<T, Value>, PageError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(AppError::Invalid(e)) => Ok(Err(Value::from_serialize(field_errors(lang, &e)))),
        Err(e) => Err(PageError::new(e, lang)),
    }
}

/// Plot size of the Klassen chart, in SVG units.
const W: f64 = 520.0;
const H: f64 = 340.0;
const PAD: f64 = 40.0;

/// Points of the Klassen chart: x = growth in the region minus growth in the
/// reference area, y = end-year LQ; the axes cross at (0, 1), so the four
/// quadrants are the four corners.
fn klassen_points(lang: Lang, r: &LeadingReport) -> Vec<Value> {
    let pts: Vec<(&an::SectorRow, f64, f64)> = r
        .rows
        .iter()
        .filter_map(|row| {
            let a = &row.analysis;
            let dx = a.growth.sector_region.value()? - a.growth.sector_reference.value()?;
            Some((row, dx, a.lq_end.value()?))
        })
        .collect();
    let max_dx = pts.iter().map(|p| p.1.abs()).fold(0.01, f64::max);
    // LQ 1 sits in the middle; the farthest point sets the scale.
    let max_dy = pts.iter().map(|p| (p.2 - 1.0).abs()).fold(0.1, f64::max);
    pts.iter()
        .map(|(row, dx, lq)| {
            let x = W / 2.0 + dx / max_dx * (W / 2.0 - PAD);
            let y = H / 2.0 - (lq - 1.0) / max_dy * (H / 2.0 - PAD);
            minijinja::context! {
                x => format!("{x:.1}"), y => format!("{y:.1}"),
                division => row.division.clone(),
                title => format!("{} {} — LQ {}, {}", row.division, row.name(lang), an::decimal(lang, *lq, 2),
                    an::klassen_label(lang, row.analysis.klassen)),
            }
        })
        .collect()
}

/// Divisions per quadrant, the chart's content without the chart.
fn quadrant_table(lang: Lang, r: &LeadingReport) -> Vec<Value> {
    KlassenQuadrant::ALL
        .iter()
        .map(|q| {
            let rows: Vec<String> = r
                .rows
                .iter()
                .filter(|row| row.analysis.klassen == Some(*q))
                .map(|row| format!("{} {}", row.division, row.name(lang)))
                .collect();
            minijinja::context! { key => q.key(), label => an::klassen_label(lang, Some(*q)), rows => rows }
        })
        .collect()
}

fn query_string(p: &LeadingParams) -> String {
    [("region", &p.region), ("metric", &p.metric), ("base_year", &p.base_year), ("end_year", &p.end_year)]
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", url_escape(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// `/analysis/leading-sectors`
pub async fn leading(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(p): Query<LeadingParams>,
) -> Result<Response, PageError> {
    let result = match or_form(p.request(), lang)? {
        Ok(req) => or_form(st.svc.leading_sectors(&s.actor, &req).await, lang)?,
        Err(e) => Err(e),
    };
    let metrics: Vec<Value> = Metric::ALL
        .iter()
        .map(|m| minijinja::context! { key => m.key(), label => t(lang, &format!("analysis.metric.{}", m.key())) })
        .collect();
    let region = p.region.clone().or_else(|| s.actor.region.as_ref().map(|r| r.to_string()));
    let form = minijinja::context! {
        region => region, metric => p.metric.clone().unwrap_or_else(|| "workers".into()),
        base_year => p.base_year.clone(), end_year => p.end_year.clone(),
    };
    let ctx = match &result {
        Ok(r) => minijinja::context! {
            form => form, metrics => metrics,
            report => Value::from_serialize(LeadingSectorsOut::of(lang, r)),
            points => klassen_points(lang, r),
            quadrants => quadrant_table(lang, r),
            chart => minijinja::context! { w => W, h => H, cx => W / 2.0, cy => H / 2.0 },
            xlsx => format!("/analysis/leading-sectors.xlsx?{}", query_string(&p)),
        },
        Err(errors) => minijinja::context! { form => form, metrics => metrics, errors => errors.clone() },
    };
    Ok(render(&st, "analysis/leading.html", lang, base(Some(&s), "/analysis/leading-sectors"), ctx).into_response())
}

/// `/analysis/leading-sectors.xlsx`: the same table as a workbook.
pub async fn leading_xlsx(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(p): Query<LeadingParams>,
) -> Result<Response, PageError> {
    let req = p.request().page(lang)?;
    let r = st.svc.leading_sectors(&s.actor, &req).await.page(lang)?;
    let bytes = an::leading_xlsx(lang, &r).page(lang)?;
    let name = format!("sektor-unggulan-{}-{}-{}.xlsx", r.region.code, r.period.base(), r.period.end());
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `/analysis/transitions`: the matrix and the enterprises that moved.
pub async fn transitions(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(p): Query<TransitionParams>,
) -> Result<Response, PageError> {
    let ladders: Vec<Value> = Ladder::ALL
        .iter()
        .map(|l| minijinja::context! { key => l.key(), label => t(lang, &format!("analysis.ladder.{}", l.key())) })
        .collect();
    let direction = p.direction.clone().unwrap_or_else(|| "up".into());
    let form = minijinja::context! {
        region => p.region.clone().or_else(|| s.actor.region.as_ref().map(|r| r.to_string())),
        ladder => p.ladder.clone().unwrap_or_else(|| "size_class".into()),
        year => p.year.clone(), direction => direction.clone(),
    };
    let result = match or_form(p.request(), lang)? {
        Ok(req) => or_form(st.svc.transitions(&s.actor, &req).await, lang)?,
        Err(e) => Err(e),
    };
    let programs: Vec<Value> = st
        .svc
        .impact_programs(&s.actor)
        .await
        .page(lang)?
        .into_iter()
        .map(|(id, name, year)| minijinja::context! { id => id, name => name, year => year })
        .collect();
    let ctx = match result {
        Ok(v) => {
            let out = TransitionMatrixOut::of(&v);
            let movers = match or_form(p.movers(), lang)? {
                Ok(mut req) => {
                    // The movers of the matrix shown (its year and ladder).
                    req.transition.year = Some(out.year);
                    or_form(st.svc.movers(&s.actor, &req).await, lang)?
                }
                Err(e) => Err(e),
            };
            let (movers, errors) = match movers {
                Ok(page) => (Some(MoversOut::of(&st, &page)), None),
                Err(e) => (None, Some(e)),
            };
            let next = movers.as_ref().and_then(|m| m.next_after.clone()).map(|after| {
                let mut q = vec![
                    format!("ladder={}", out.ladder),
                    format!("year={}", out.year),
                    format!("direction={}", url_escape(&direction)),
                    format!("after={after}"),
                ];
                if let Some(r) = &p.region {
                    q.push(format!("region={}", url_escape(r)));
                }
                format!("/analysis/transitions?{}#movers", q.join("&"))
            });
            let rungs: Vec<String> = out
                .rungs
                .iter()
                .map(|r| match v.matrix.ladder {
                    Ladder::SizeClass => t(lang, &format!("size.{r}")).to_string(),
                    Ladder::QualityLevel => r.clone(),
                })
                .collect();
            let rows: Vec<Value> = out
                .counts
                .iter()
                .enumerate()
                .map(|(i, c)| minijinja::context! { label => rungs[i].clone(), counts => c.clone(), total => c.iter().sum::<u64>() })
                .collect();
            minijinja::context! {
                form => form, ladders => ladders, t_out => Value::from_serialize(&out), rungs => rungs, rows => rows,
                movers => movers.map(Value::from_serialize), next => next, errors => errors, programs => programs,
            }
        }
        Err(errors) => minijinja::context! { form => form, ladders => ladders, errors => errors, programs => programs },
    };
    Ok(render(&st, "analysis/transitions.html", lang, base(Some(&s), "/analysis/transitions"), ctx).into_response())
}

/// `/analysis/programs/{id}/impact`
pub async fn impact(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Query(p): Query<ImpactParams>,
) -> Result<Response, PageError> {
    let v = st.svc.program_impact(&s.actor, id, p.region.as_deref()).await.page(lang)?;
    let ctx = minijinja::context! { impact => Value::from_serialize(ProgramImpactOut::of(lang, &v)) };
    let path = format!("/analysis/programs/{id}/impact");
    Ok(render(&st, "analysis/impact.html", lang, base(Some(&s), &path), ctx).into_response())
}
