//! Use cases of the dashboards, the province map and the open data (issue #8
//! items 1–3, 7): every number comes from the rollups
//! (`naikkelas_store::insight`), never from a scan of the registry.
//!
//! Who may: `Actor::can_analyse` (core/access.rs) — ministry and admin for
//! the nation or any region, officers inside their own region; an officer
//! asking about another region gets `NotFound`, as for records. The open
//! data ([`Service::open_data`]) is public: aggregates by year, province and
//! KBLI division only, cells of fewer than [`SUPPRESS_BELOW`] units
//! suppressed (their measures could identify an enterprise).
//!
//! Bad input — a region that does not exist or is a district, a year
//! without figures, a metric that is not offered, a region without figures
//! in the year — is a field error with its own message, never an empty
//! chart that looks like zeros.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::Service;
use naikkelas_core::{Actor, FieldError, RegionCode, RegionLevel, Scope};
use naikkelas_store::insight::{Coverage, Dimension, Measures, RollupQuery, RollupRow};
use serde::Serialize;

/// Open-data cells with fewer units than this are suppressed: with one or
/// two enterprises, a cell's workers or exports are theirs.
pub const SUPPRESS_BELOW: i64 = 3;

/// What a map or ranking shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MapMetric {
    Units,
    Workers,
    Investment,
    Production,
    Exports,
    Exporters,
    Upgraded,
}

impl MapMetric {
    pub const ALL: [MapMetric; 7] = [
        MapMetric::Units,
        MapMetric::Workers,
        MapMetric::Investment,
        MapMetric::Production,
        MapMetric::Exports,
        MapMetric::Exporters,
        MapMetric::Upgraded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MapMetric::Units => "units",
            MapMetric::Workers => "workers",
            MapMetric::Investment => "investment",
            MapMetric::Production => "production",
            MapMetric::Exports => "exports",
            MapMetric::Exporters => "exporters",
            MapMetric::Upgraded => "upgraded",
        }
    }

    pub fn parse(s: &str) -> Option<MapMetric> {
        MapMetric::ALL.into_iter().find(|m| m.key() == s.trim())
    }

    /// The value of this metric in `m` (exports in US dollars, rounded down).
    pub fn of(self, m: &Measures) -> i64 {
        match self {
            MapMetric::Units => m.units,
            MapMetric::Workers => m.workers,
            MapMetric::Investment => m.investment_idr,
            MapMetric::Production => m.production_idr,
            MapMetric::Exports => m.export_usd_cents / 100,
            MapMetric::Exporters => m.exporters,
            MapMetric::Upgraded => m.upgraded,
        }
    }

    /// Translation key of the metric's name.
    pub fn label_key(self) -> String {
        format!("insight.metric.{}", self.key())
    }
}

/// A region with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearPoint {
    pub year: i32,
    pub measures: Measures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionRow {
    pub division: String,
    pub name_id: String,
    pub name_en: String,
    pub measures: Measures,
}

impl DivisionRow {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.name_id,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRow {
    pub place: Place,
    pub measures: Measures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassRow {
    /// A size class (`kecil` …) or a quality level (`L0` …).
    pub key: String,
    pub measures: Measures,
}

/// Programme money of the year in the dashboard's region.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub budget_idr: i64,
    pub approved_idr: i64,
    pub disbursed_idr: i64,
    pub beneficiaries: i64,
    /// Disbursed ÷ budget, per mille; `None` without a budget.
    pub absorption_permille: Option<i64>,
}

/// One dashboard: a region (or the nation) in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// `None`: the nation.
    pub region: Option<Place>,
    /// The enclosing areas, nation first, for the way back up.
    pub parents: Vec<Place>,
    pub year: i32,
    /// Years with figures anywhere, ascending (the year picker).
    pub years: Vec<i32>,
    pub totals: Measures,
    /// The year before, when the region has figures then.
    pub previous: Option<Measures>,
    /// Growth of the number of IKM on the year before, per mille.
    pub units_growth_permille: Option<i64>,
    pub trend: Vec<YearPoint>,
    pub by_division: Vec<DivisionRow>,
    pub by_size: Vec<ClassRow>,
    pub by_level: Vec<ClassRow>,
    /// Provinces (nation), regencies (province); empty for a regency.
    pub children: Vec<PlaceRow>,
    /// Certification and readiness now (not per year).
    pub coverage: Coverage,
    /// Share of this year's IKM holding a valid SNI / ISO certificate, per
    /// mille (certificates now over units of the year).
    pub certified_sni_permille: i64,
    pub certified_iso_permille: i64,
    pub assessed_permille: i64,
    pub budget: Budget,
}

/// The choropleth: one value per province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapData {
    pub year: i32,
    pub metric: MapMetric,
    pub values: Vec<PlaceValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceValue {
    pub code: String,
    pub name: String,
    pub value: i64,
}

/// The regencies of a province ranked by a metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranking {
    pub province: Place,
    pub year: i32,
    pub metric: MapMetric,
    /// Highest first; regencies without figures are left out.
    pub values: Vec<PlaceValue>,
}

/// One public cell: `None` measures when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCell {
    pub year: i32,
    pub province: String,
    pub province_name: String,
    pub kbli_division: String,
    pub suppressed: bool,
    pub units: Option<i64>,
    pub workers: Option<i64>,
    pub production_idr: Option<i64>,
    pub export_usd: Option<i64>,
}

fn permille(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        part.saturating_mul(1000) / whole
    }
}

fn field(name: &str, code: &str) -> FieldError {
    FieldError::new(name, code)
}

impl Service {
    /// The region a dashboard is about, checked: blank is the officer's own
    /// region, or the nation for ministry and admin.
    fn dashboard_region(&self, actor: &Actor, raw: Option<&str>) -> AppResult<Option<RegionCode>> {
        if !actor.can_analyse(None) && !actor.can_analyse(actor.region.as_ref()) {
            return Err(AppError::Forbidden);
        }
        let region = match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => actor.region.clone().filter(|_| !actor.can_analyse(None)),
            Some(s) => Some(self.checked_region(s)?),
        };
        if !actor.can_analyse(region.as_ref()) {
            return Err(AppError::NotFound);
        }
        Ok(region)
    }

    fn checked_region(&self, s: &str) -> AppResult<RegionCode> {
        let code = RegionCode::parse_field(s, "region").map_err(AppError::field)?;
        if code.level() == RegionLevel::District {
            return Err(AppError::field(field("region", "insight.region_level").with("value", s)));
        }
        if !self.reference().region_exists(&code) {
            return Err(AppError::field(field("region", "region.unknown").with("value", s)));
        }
        Ok(code)
    }

    fn place(&self, code: &str) -> Place {
        Place { code: code.to_string(), name: self.reference().region_name(code).unwrap_or(code).to_string() }
    }

    /// The year asked for, or the latest with figures; a year without
    /// figures is an error naming the years that have them.
    async fn dashboard_year(&self, year: Option<i32>) -> AppResult<(i32, Vec<i32>)> {
        let years = self.store().insight().years_with_data().await?;
        let Some(&latest) = years.last() else {
            return Err(AppError::field(field("year", "insight.no_data")));
        };
        match year {
            None => Ok((latest, years)),
            Some(y) if years.contains(&y) => Ok((y, years)),
            Some(y) => {
                let list = years.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
                Err(AppError::field(field("year", "insight.year_no_data").with("value", y).with("years", list)))
            }
        }
    }

    pub fn parse_metric(raw: Option<&str>) -> AppResult<MapMetric> {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(MapMetric::Units),
            Some(m) => MapMetric::parse(m)
                .ok_or_else(|| AppError::field(field("metric", "insight.metric_unknown").with("value", m))),
        }
    }

    async fn rollup(&self, q: RollupQuery) -> AppResult<Vec<RollupRow>> {
        Ok(self.store().insight().rollup(&q).await?)
    }

    /// The dashboard of `region` (blank: the actor's area) in `year` (blank:
    /// the latest year with figures).
    pub async fn dashboard(&self, actor: &Actor, region: Option<&str>, year: Option<i32>) -> AppResult<Dashboard> {
        let region = self.dashboard_region(actor, region)?;
        let (year, years) = self.dashboard_year(year).await?;
        let code = region.as_ref().map(|r| r.as_str().to_string());
        let base = RollupQuery { region: code.clone(), ..RollupQuery::default() };
        let in_year = RollupQuery { year_from: Some(year), year_to: Some(year), ..base.clone() };

        let trend: Vec<YearPoint> = self
            .rollup(RollupQuery { group_by: vec![Dimension::Year], ..base.clone() })
            .await?
            .into_iter()
            .filter_map(|r| Some(YearPoint { year: r.year?, measures: r.measures }))
            .collect();
        let Some(totals) = trend.iter().find(|p| p.year == year).map(|p| p.measures) else {
            let value = code.clone().unwrap_or_default();
            return Err(AppError::field(
                field("region", "insight.region_no_data").with("value", value).with("year", year),
            ));
        };
        let previous = trend.iter().find(|p| p.year == year - 1).map(|p| p.measures);
        let units_growth_permille =
            previous.filter(|p| p.units > 0).map(|p| (totals.units - p.units).saturating_mul(1000) / p.units);

        let reference = self.reference();
        let by_division = self
            .rollup(RollupQuery { group_by: vec![Dimension::KbliDivision], ..in_year.clone() })
            .await?
            .into_iter()
            .map(|r| {
                let division = r.kbli_division.unwrap_or_default();
                let entry = reference.divisions().find(|k| k.code == division);
                DivisionRow {
                    name_id: entry.map_or_else(String::new, |k| k.name_id.clone()),
                    name_en: entry.map_or_else(String::new, |k| k.name_en.clone()),
                    division,
                    measures: r.measures,
                }
            })
            .collect();
        let classes = self
            .rollup(RollupQuery { group_by: vec![Dimension::SizeClass, Dimension::QualityLevel], ..in_year.clone() })
            .await?;
        let mut by_size: Vec<ClassRow> = Vec::new();
        let mut by_level: Vec<ClassRow> = Vec::new();
        for r in &classes {
            for (list, key) in
                [(&mut by_size, r.size_class.map(|s| s.as_str())), (&mut by_level, r.quality_level.map(|l| l.as_str()))]
            {
                let Some(key) = key else { continue };
                match list.iter_mut().find(|c| c.key == key) {
                    Some(c) => c.measures.add(&r.measures),
                    None => list.push(ClassRow { key: key.to_string(), measures: r.measures }),
                }
            }
        }
        by_size.sort_by_key(|c| naikkelas_core::SizeClass::parse(&c.key).map(|s| s.rank()));
        by_level.sort_by(|a, b| a.key.cmp(&b.key));

        let child = match region.as_ref().map(|r| r.level()) {
            None => Some(Dimension::Province),
            Some(RegionLevel::Province) => Some(Dimension::Regency),
            _ => None,
        };
        let children = match child {
            None => Vec::new(),
            Some(d) => self
                .rollup(RollupQuery { group_by: vec![d], ..in_year.clone() })
                .await?
                .into_iter()
                .filter_map(|r| {
                    let code = if d == Dimension::Province { r.province? } else { r.regency? };
                    Some(PlaceRow { place: self.place(&code), measures: r.measures })
                })
                .collect(),
        };

        let coverage = self.store().insight().coverage(code.as_deref()).await?;
        let scope = match &region {
            None => Scope::National,
            Some(r) => Scope::Region(r.clone()),
        };
        let mut budget = Budget::default();
        for row in self.store().programs().absorption(Some(year), &scope).await? {
            // The nation sums whole programmes; a region its allocations.
            if row.region.is_some() != region.is_some() {
                continue;
            }
            budget.budget_idr += row.figures.budget.get();
            budget.approved_idr += row.figures.approved;
            budget.disbursed_idr += row.figures.disbursed;
            budget.beneficiaries += row.figures.beneficiaries;
        }
        if budget.budget_idr > 0 {
            budget.absorption_permille = Some(permille(budget.disbursed_idr, budget.budget_idr));
        }
        let mut parents = Vec::new();
        if let Some(r) = &region {
            if r.level() == RegionLevel::Regency {
                parents.push(self.place(r.province()));
            }
        }
        Ok(Dashboard {
            region: region.as_ref().map(|r| self.place(r.as_str())),
            parents,
            year,
            years,
            totals,
            previous,
            units_growth_permille,
            trend,
            by_division,
            by_size,
            by_level,
            children,
            certified_sni_permille: permille(coverage.certified_sni, totals.units),
            certified_iso_permille: permille(coverage.certified_iso, totals.units),
            assessed_permille: permille(coverage.assessed, totals.units),
            coverage,
            budget,
        })
    }

    /// One value per province for the choropleth. The national view: only
    /// for those who may see the nation.
    pub async fn province_map(&self, actor: &Actor, year: Option<i32>, metric: Option<&str>) -> AppResult<MapData> {
        if !actor.can_analyse(None) {
            return Err(if actor.can_analyse(actor.region.as_ref()) {
                AppError::NotFound
            } else {
                AppError::Forbidden
            });
        }
        let metric = Self::parse_metric(metric)?;
        let (year, _) = self.dashboard_year(year).await?;
        let rows = self
            .rollup(RollupQuery {
                year_from: Some(year),
                year_to: Some(year),
                group_by: vec![Dimension::Province],
                ..RollupQuery::default()
            })
            .await?;
        let values = rows
            .into_iter()
            .filter_map(|r| {
                let p = self.place(&r.province?);
                Some(PlaceValue { code: p.code, name: p.name, value: metric.of(&r.measures) })
            })
            .collect();
        Ok(MapData { year, metric, values })
    }

    /// The regencies of `province` ranked by `metric` in `year`.
    pub async fn regency_ranking(
        &self,
        actor: &Actor,
        province: &str,
        year: Option<i32>,
        metric: Option<&str>,
    ) -> AppResult<Ranking> {
        let region = self
            .dashboard_region(actor, Some(province))?
            .ok_or_else(|| AppError::field(field("province", "insight.province_required")))?;
        if region.level() != RegionLevel::Province {
            return Err(AppError::field(field("province", "insight.not_province").with("value", province)));
        }
        let metric = Self::parse_metric(metric)?;
        let (year, _) = self.dashboard_year(year).await?;
        let rows = self
            .rollup(RollupQuery {
                region: Some(region.as_str().to_string()),
                year_from: Some(year),
                year_to: Some(year),
                group_by: vec![Dimension::Regency],
                ..RollupQuery::default()
            })
            .await?;
        if rows.is_empty() {
            return Err(AppError::field(
                field("province", "insight.region_no_data").with("value", region.as_str()).with("year", year),
            ));
        }
        let mut values: Vec<PlaceValue> = rows
            .into_iter()
            .filter_map(|r| {
                let p = self.place(&r.regency?);
                Some(PlaceValue { code: p.code, name: p.name, value: metric.of(&r.measures) })
            })
            .collect();
        values.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.code.cmp(&b.code)));
        Ok(Ranking { province: self.place(region.as_str()), year, metric, values })
    }

    /// The public aggregates: every year × province × KBLI division, cells
    /// of fewer than [`SUPPRESS_BELOW`] units without their measures.
    pub async fn open_data(&self) -> AppResult<Vec<OpenCell>> {
        let rows = self
            .rollup(RollupQuery {
                group_by: vec![Dimension::Year, Dimension::Province, Dimension::KbliDivision],
                ..RollupQuery::default()
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let m = r.measures;
                let suppressed = m.units < SUPPRESS_BELOW;
                let keep = |v: i64| if suppressed { None } else { Some(v) };
                let province = r.province?;
                Some(OpenCell {
                    year: r.year?,
                    province_name: self.place(&province).name,
                    province,
                    kbli_division: r.kbli_division?,
                    suppressed,
                    units: keep(m.units),
                    workers: keep(m.workers),
                    production_idr: keep(m.production_idr),
                    export_usd: keep(m.export_usd_cents / 100),
                })
            })
            .collect())
    }

    /// Recomputes every rollup cell (the `rollups rebuild` command).
    pub async fn rebuild_rollups(&self, actor: &Actor) -> AppResult<u64> {
        if !actor.can_manage_users() {
            return Err(AppError::Forbidden);
        }
        Ok(self.store().insight().rebuild_rollups().await?)
    }
}

/// The open data as CSV (comma, UTF-8, header row); suppressed cells empty.
pub fn open_data_csv(cells: &[OpenCell]) -> String {
    let mut out =
        String::from("year,province,province_name,kbli_division,suppressed,units,workers,production_idr,export_usd\n");
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for c in cells {
        let name = if c.province_name.contains([',', '"']) {
            format!("\"{}\"", c.province_name.replace('"', "\"\""))
        } else {
            c.province_name.clone()
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            c.year,
            c.province,
            name,
            c.kbli_division,
            c.suppressed,
            opt(c.units),
            opt(c.workers),
            opt(c.production_idr),
            opt(c.export_usd)
        ));
    }
    out
}

/// The dashboard as a workbook: key figures, the trend, KBLI divisions and
/// the areas one level down, one sheet each, numbers as numbers.
pub fn dashboard_xlsx(lang: Lang, d: &Dashboard) -> AppResult<Vec<u8>> {
    use crate::i18n::t;
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let place = d.region.as_ref().map_or_else(|| t(lang, "insight.nation").to_string(), |r| r.name.clone());
    let measure_cols = [
        "insight.metric.units",
        "insight.metric.workers",
        "insight.metric.investment",
        "insight.metric.production",
        "insight.metric.exports",
        "insight.metric.exporters",
        "insight.metric.upgraded",
    ];
    let values = |m: &Measures| -> [f64; 7] {
        [
            m.units as f64,
            m.workers as f64,
            m.investment_idr as f64,
            m.production_idr as f64,
            m.export_usd_cents as f64 / 100.0,
            m.exporters as f64,
            m.upgraded as f64,
        ]
    };
    {
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, "insight.xlsx.summary")).map_err(err)?;
        ws.write_string_with_format(0, 0, format!("{} · {} · {}", t(lang, "insight.title"), place, d.year), &bold)
            .map_err(err)?;
        let mut row = 2;
        for (k, v) in measure_cols.iter().zip(values(&d.totals)) {
            ws.write_string(row, 0, t(lang, k)).map_err(err)?;
            ws.write_number(row, 1, v).map_err(err)?;
            row += 1;
        }
        for (k, v) in [
            ("insight.certified_sni", d.coverage.certified_sni),
            ("insight.certified_iso", d.coverage.certified_iso),
            ("insight.assessed", d.coverage.assessed),
            ("insight.xlsx.budget", d.budget.budget_idr),
            ("insight.xlsx.disbursed", d.budget.disbursed_idr),
        ] {
            ws.write_string(row, 0, t(lang, k)).map_err(err)?;
            ws.write_number(row, 1, v as f64).map_err(err)?;
            row += 1;
        }
        ws.write_string(row + 1, 0, t(lang, "insight.coverage_note")).map_err(err)?;
        ws.set_column_width(0, 40).map_err(err)?;
    }
    let mut table = |name: &str, first: &str, rows: Vec<(String, Measures)>| -> AppResult<()> {
        let ws = wb.add_worksheet();
        ws.set_name(t(lang, name)).map_err(err)?;
        ws.write_string_with_format(0, 0, t(lang, first), &bold).map_err(err)?;
        for (c, h) in measure_cols.iter().enumerate() {
            ws.write_string_with_format(0, c as u16 + 1, t(lang, h), &bold).map_err(err)?;
        }
        for (i, (label, m)) in rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, label).map_err(err)?;
            for (c, v) in values(m).into_iter().enumerate() {
                ws.write_number(r, c as u16 + 1, v).map_err(err)?;
            }
        }
        ws.set_column_width(0, 36).map_err(err)?;
        Ok(())
    };
    table("insight.xlsx.trend", "insight.year", d.trend.iter().map(|p| (p.year.to_string(), p.measures)).collect())?;
    table(
        "insight.xlsx.divisions",
        "insight.division",
        d.by_division.iter().map(|r| (format!("{} {}", r.division, r.name(lang)), r.measures)).collect(),
    )?;
    if !d.children.is_empty() {
        table(
            "insight.xlsx.areas",
            "insight.area",
            d.children.iter().map(|c| (format!("{} {}", c.place.code, c.place.name), c.measures)).collect(),
        )?;
    }
    wb.save_to_buffer().map_err(err)
}
