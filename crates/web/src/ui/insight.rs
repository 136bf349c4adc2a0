//! Dashboard pages: the national or regional dashboard (tables first, charts
//! drawn by `/assets/insight.js` with ECharts from the JSON the API serves,
//! so the numbers stay readable without script), its XLSX and PDF exports,
//! the province boundaries for the map, and the public open-data page.

use super::{base, render};
use crate::api::insight::{open_data_limiter, parse_year};
use crate::api::readiness::percent;
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::{LoggedIn, MaybeSession};
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use minijinja::Value;
use naikkelas_app::i18n::{self, t, Lang};
use naikkelas_app::insight::{dashboard_xlsx, open_data_csv, Dashboard, MapMetric, SUPPRESS_BELOW};
use naikkelas_app::{AppError, Service};
use naikkelas_report::dashboard::{DashboardReport, Section};
use serde::Deserialize;

/// The province boundaries (data/provinces.geojson, see data/SOURCES.md).
const PROVINCES_GEOJSON: &str = include_str!("../../../../data/provinces.geojson");

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    pub region: Option<String>,
    pub year: Option<String>,
    pub metric: Option<String>,
}

fn share(lang: Lang, permille: i64) -> String {
    percent(lang, Some(permille.clamp(0, 1000) as u32)).unwrap_or_default()
}

fn place_name(lang: Lang, d: &Dashboard) -> String {
    d.region.as_ref().map_or_else(|| t(lang, "insight.nation").to_string(), |r| r.name.clone())
}

fn growth(lang: Lang, d: &Dashboard) -> Option<String> {
    d.units_growth_permille.map(|g| {
        let sign = if g >= 0 { "+" } else { "−" };
        format!("{sign}{}", percent(lang, Some(g.unsigned_abs().min(u32::MAX as u64) as u32)).unwrap_or_default())
    })
}

async fn load(
    st: &AppState,
    s: &naikkelas_app::auth::Session,
    q: &DashboardQuery,
    lang: Lang,
) -> Result<(Dashboard, MapMetric), PageError> {
    let year = parse_year(q.year.as_deref()).page(lang)?;
    let metric = Service::parse_metric(q.metric.as_deref()).page(lang)?;
    let d = st.svc.dashboard(&s.actor, q.region.as_deref(), year).await.page(lang)?;
    Ok((d, metric))
}

fn query_of(d: &Dashboard) -> String {
    match &d.region {
        Some(r) => format!("region={}&year={}", r.code, d.year),
        None => format!("year={}", d.year),
    }
}

pub async fn dashboard(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let (d, metric) = load(&st, &s, &q, lang).await?;
    let metrics: Vec<Value> = MapMetric::ALL
        .iter()
        .map(|m| minijinja::context! { key => m.key(), label => t(lang, &m.label_key()) })
        .collect();
    let mut children: Vec<_> = d.children.iter().map(|c| (metric.of(&c.measures), c)).collect();
    children.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.place.code.cmp(&b.1.place.code)));
    let children: Vec<Value> = children
        .into_iter()
        .map(|(value, c)| {
            minijinja::context! { code => c.place.code.clone(), name => c.place.name.clone(), value => value,
            units => c.measures.units, workers => c.measures.workers }
        })
        .collect();
    let divisions: Vec<Value> = d
        .by_division
        .iter()
        .map(|r| {
            minijinja::context! { division => r.division.clone(), name => r.name(lang), units => r.measures.units,
            workers => r.measures.workers, production => r.measures.production_idr, exports => r.measures.export_usd_cents }
        })
        .collect();
    let list_url = match &d.region {
        Some(r) if r.code.len() == 2 => format!("/enterprises?province={}&year={}", r.code, d.year),
        Some(r) => format!("/enterprises?province={}&regency={}&year={}", &r.code[..2], r.code, d.year),
        None => format!("/enterprises?year={}", d.year),
    };
    let trend_labels = serde_json::json!({
        "units": t(lang, "insight.metric.units"),
        "workers": t(lang, "insight.metric.workers"),
        "upgraded": t(lang, "insight.metric.upgraded"),
    })
    .to_string();
    let ctx = minijinja::context! {
        d => Value::from_serialize(&d),
        place_name => place_name(lang, &d),
        metrics => metrics,
        metric => metric.key(),
        metric_label => t(lang, &metric.label_key()),
        query => query_of(&d),
        list_url => list_url,
        growth => growth(lang, &d),
        sni_share => share(lang, d.certified_sni_permille),
        iso_share => share(lang, d.certified_iso_permille),
        assessed_share => share(lang, d.assessed_permille),
        readiness => d.coverage.readiness_avg_permille.map(|p| share(lang, p)),
        absorption => d.budget.absorption_permille.map(|p| share(lang, p)),
        children => children,
        divisions => divisions,
        trend_labels => trend_labels,
    };
    Ok(render(&st, "insight/dashboard.html", lang, base(Some(&s), "/insight"), ctx).into_response())
}

fn file_name(d: &Dashboard, ext: &str) -> String {
    let area = d.region.as_ref().map_or("nasional".to_string(), |r| r.code.replace('.', ""));
    format!("attachment; filename=\"dasbor-ikm-{area}-{}.{ext}\"", d.year)
}

pub async fn export_xlsx(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let (d, _) = load(&st, &s, &q, lang).await?;
    let bytes = dashboard_xlsx(lang, &d).page(lang)?;
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, file_name(&d, "xlsx"))], bytes)
        .into_response())
}

fn report_of(lang: Lang, d: &Dashboard) -> DashboardReport {
    let tr = |k: &str| t(lang, k).to_string();
    let num = |v: i64| i18n::number(lang, v);
    let money = |v: i64| i18n::money(lang, v);
    let usd = |c: i64| format!("US$ {}", naikkelas_core::UsdCents::new_unchecked(c).dollars_string());
    let m = &d.totals;
    let mut key_figures = vec![
        (
            tr("insight.metric.units"),
            match growth(lang, d) {
                Some(g) => format!("{} ({g} {})", num(m.units), tr("insight.vs_previous")),
                None => num(m.units),
            },
        ),
        (tr("insight.metric.workers"), num(m.workers)),
        (tr("insight.metric.production"), money(m.production_idr)),
        (tr("insight.metric.investment"), money(m.investment_idr)),
        (tr("insight.metric.exports"), usd(m.export_usd_cents)),
        (tr("insight.metric.exporters"), num(m.exporters)),
        (tr("insight.metric.upgraded"), num(m.upgraded)),
        (
            tr("insight.certified_sni"),
            format!("{} ({})", num(d.coverage.certified_sni), share(lang, d.certified_sni_permille)),
        ),
        (
            tr("insight.certified_iso"),
            format!("{} ({})", num(d.coverage.certified_iso), share(lang, d.certified_iso_permille)),
        ),
        (tr("insight.assessed"), format!("{} ({})", num(d.coverage.assessed), share(lang, d.assessed_permille))),
    ];
    if let Some(a) = d.budget.absorption_permille {
        key_figures.push((
            tr("insight.budget"),
            format!("{} ({} / {})", share(lang, a), money(d.budget.disbursed_idr), money(d.budget.budget_idr)),
        ));
    }
    let header = [
        tr("insight.metric.units"),
        tr("insight.metric.workers"),
        tr("insight.metric.production"),
        tr("insight.metric.exports"),
    ];
    let cells = |label: String, m: &naikkelas_store::insight::Measures| {
        (vec![label, num(m.units), num(m.workers), money(m.production_idr), usd(m.export_usd_cents)], m.units)
    };
    let with_first = |first: &str| {
        let mut h = vec![tr(first)];
        h.extend(header.iter().cloned());
        h
    };
    let mut sections = vec![
        Section {
            heading: tr("insight.trend"),
            header: with_first("insight.year"),
            rows: d.trend.iter().map(|p| cells(p.year.to_string(), &p.measures)).collect(),
        },
        Section {
            heading: tr("insight.by_division"),
            header: with_first("insight.division"),
            rows: d
                .by_division
                .iter()
                .map(|r| cells(format!("{} {}", r.division, r.name(lang)), &r.measures))
                .collect(),
        },
    ];
    if !d.children.is_empty() {
        let heading = if d.region.is_some() { "insight.regencies_ranked" } else { "insight.provinces" };
        let mut rows: Vec<_> = d.children.iter().map(|c| cells(c.place.name.clone(), &c.measures)).collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        sections.push(Section { heading: tr(heading), header: with_first("insight.area"), rows });
    }
    DashboardReport {
        title: format!("{} · {} · {}", tr("insight.title"), place_name(lang, d), d.year),
        meta: vec![(tr("insight.year"), d.year.to_string())],
        key_figures,
        sections,
        notes: vec![tr("insight.coverage_note")],
        footer: tr("insight.report_footer"),
    }
}

pub async fn export_pdf(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let (d, _) = load(&st, &s, &q, lang).await?;
    let doc = naikkelas_report::dashboard::document(&report_of(lang, &d));
    let bytes = tokio::task::spawn_blocking(move || naikkelas_report::render(&doc))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.to_string()), lang))?;
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, file_name(&d, "pdf"))],
        bytes,
    )
        .into_response())
}

/// The province boundaries of the map, cached like the other assets.
pub async fn provinces_geojson() -> Response {
    (
        [(header::CONTENT_TYPE, "application/geo+json"), (header::CACHE_CONTROL, "public, max-age=86400")],
        PROVINCES_GEOJSON,
    )
        .into_response()
}

fn suppression(lang: Lang) -> String {
    i18n::fill(t(lang, "insight.suppression"), &[("min".to_string(), SUPPRESS_BELOW.to_string())])
}

/// The public open-data page: what is offered and how small cells are hidden.
pub async fn open_data_page(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
) -> Result<Response, PageError> {
    let ctx = minijinja::context! { suppression => suppression(lang) };
    Ok(render(&st, "insight/open_data.html", lang, base(s.as_ref(), "/open-data"), ctx).into_response())
}

/// The public aggregates as CSV, rate-limited per client.
pub async fn open_data_csv_file(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    ClientIp(ip): ClientIp,
) -> Result<Response, PageError> {
    open_data_limiter().check(&ip).page(lang)?;
    let cells = st.svc.open_data().await.page(lang)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"naikkelas-ikm-agregat.csv\""),
        ],
        open_data_csv(&cells),
    )
        .into_response())
}
