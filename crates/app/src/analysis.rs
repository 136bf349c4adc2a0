//! Use cases of the regional analyses (issue #8 items 4–6): leading sectors
//! of a region against its reference area, naik-kelas transitions with the
//! enterprises that moved, and programme impact.
//!
//! Who may: `Actor::can_analyse` (core/access.rs) — ministry and admin for
//! any region or the nation, officers inside their own region, nobody else.
//! An officer asking about another region gets `NotFound`, as for records.
//!
//! The numbers come from the insight rollups (leading sectors) and the
//! analysis reads (transitions, cohorts); every formula is in
//! `naikkelas_core::insight` (DOMAIN.md §8). Bad input — an unknown region,
//! a year without data, an unknown metric — is a field error with its own
//! message, never an empty table that looks like zeros.

use crate::error::{AppError, AppResult};
use crate::i18n::{fill, t, Lang};
use crate::Service;
use naikkelas_core::insight::dynamic_lq::{Period, SectorPosition};
use naikkelas_core::insight::impact::{self, Impact};
use naikkelas_core::insight::klassen::KlassenQuadrant;
use naikkelas_core::insight::leading::{self, LeadingInput, SectorAnalysis, SectorSeries};
use naikkelas_core::insight::shift_share::ShiftShare;
use naikkelas_core::insight::transitions::{Direction, Ladder, TransitionMatrix};
use naikkelas_core::insight::{Ratio, Undefined};
use naikkelas_core::money::group_thousands;
use naikkelas_core::{Actor, FieldError, Nib, RegionCode, RegionLevel};
use naikkelas_store::analysis::{CohortQuery, MoverPage, MoverQuery};
use naikkelas_store::insight::{Dimension, Measures, RollupQuery};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a leading-sector analysis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Tenaga kerja.
    Workers,
    /// Nilai produksi (Rp).
    Production,
    /// Number of IKM with figures that year.
    Units,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::Workers, Metric::Production, Metric::Units];

    pub fn key(self) -> &'static str {
        match self {
            Metric::Workers => "workers",
            Metric::Production => "production",
            Metric::Units => "units",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.key() == s.trim())
    }

    fn of(self, m: &Measures) -> i64 {
        match self {
            Metric::Workers => m.workers,
            Metric::Production => m.production_idr,
            Metric::Units => m.units,
        }
    }
}

/// A region as shown: its code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRef {
    pub code: String,
    pub name: String,
}

/// Raw request parameters, as typed: the use case validates them.
#[derive(Debug, Clone, Default)]
pub struct LeadingRequest {
    pub region: Option<String>,
    pub metric: Option<String>,
    pub base_year: Option<i32>,
    pub end_year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectorRow {
    /// KBLI division (golongan pokok), two digits.
    pub division: String,
    pub name_id: String,
    pub name_en: String,
    pub analysis: SectorAnalysis,
}

impl SectorRow {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.name_id,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadingReport {
    pub region: RegionRef,
    /// The province of a regency; `None` = the nation, for a province.
    pub reference: Option<RegionRef>,
    pub metric: Metric,
    pub period: Period,
    /// Years with figures, for the year pickers.
    pub years: Vec<i32>,
    pub rows: Vec<SectorRow>,
    pub region_total: [i64; 2],
    pub reference_total: [i64; 2],
}

impl LeadingReport {
    /// The row a summary leads with (see `leading::headline`).
    pub fn headline(&self) -> Option<&SectorRow> {
        let analyses: Vec<SectorAnalysis> = self.rows.iter().map(|r| r.analysis.clone()).collect();
        let h = leading::headline(&analyses)?;
        self.rows.iter().find(|r| r.division == h.sector)
    }
}

#[derive(Debug, Clone, Default)]
pub struct TransitionRequest {
    pub region: Option<String>,
    pub ladder: Option<String>,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionView {
    /// `None` = the nation.
    pub region: Option<RegionRef>,
    pub years: Vec<i32>,
    pub matrix: TransitionMatrix,
    pub up: u64,
    pub same: u64,
    pub down: u64,
}

#[derive(Debug, Clone, Default)]
pub struct MoversRequest {
    pub transition: TransitionRequest,
    pub direction: Option<String>,
    pub after: Option<String>,
    pub limit: Option<u32>,
}

/// Impact at one horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HorizonImpact {
    pub years: u8,
    pub impact: Impact,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactView {
    pub program_id: i64,
    pub program_name: String,
    pub program_year: i32,
    pub region: Option<RegionRef>,
    pub horizons: Vec<HorizonImpact>,
}

/// Horizons of the impact estimate: within one and two years.
pub const IMPACT_HORIZONS: [u8; 2] = [1, 2];
/// The most movers on one page.
pub const MAX_MOVERS_PAGE: u32 = 200;

impl Service {
    /// The region an analysis is about, checked: `raw` as typed (blank = the
    /// officer's own region, or the nation for ministry and admin).
    async fn analysis_region(&self, actor: &Actor, raw: Option<&str>) -> AppResult<Option<RegionCode>> {
        if !actor.can_analyse(actor.region.as_ref()) && !actor.can_analyse(None) {
            return Err(AppError::Forbidden);
        }
        let region = match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => actor.region.clone().filter(|_| !actor.can_analyse(None)),
            Some(s) => {
                let code = RegionCode::parse_field(s, "region").map_err(AppError::field)?;
                if code.level() == RegionLevel::District {
                    return Err(AppError::field(FieldError::new("region", "analysis.region_level").with("value", s)));
                }
                if !self.reference().region_exists(&code) {
                    return Err(AppError::field(FieldError::new("region", "region.unknown").with("value", s)));
                }
                Some(code)
            }
        };
        if !actor.can_analyse(region.as_ref()) {
            return Err(AppError::NotFound);
        }
        Ok(region)
    }

    fn region_ref(&self, code: &str) -> RegionRef {
        RegionRef { code: code.to_string(), name: self.reference().region_name(code).unwrap_or(code).to_string() }
    }

    /// Leading sectors of a regency against its province, or of a province
    /// against the nation, by KBLI division (DOMAIN.md §8).
    pub async fn leading_sectors(&self, actor: &Actor, req: &LeadingRequest) -> AppResult<LeadingReport> {
        let region = self
            .analysis_region(actor, req.region.as_deref())
            .await?
            .ok_or_else(|| AppError::field(FieldError::new("region", "analysis.region_required")))?;
        let metric = match req.metric.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Metric::Workers,
            Some(m) => Metric::parse(m).ok_or_else(|| {
                AppError::field(FieldError::new("metric", "analysis.metric_unknown").with("value", m))
            })?,
        };
        let years = self.store().insight().years_with_data().await?;
        let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
            return Err(AppError::field(FieldError::new("end_year", "analysis.no_data")));
        };
        for (field, y) in [("base_year", req.base_year), ("end_year", req.end_year)] {
            if let Some(y) = y.filter(|y| !years.contains(y)) {
                return Err(AppError::field(FieldError::new(field, "analysis.year_no_data").with("value", y)));
            }
        }
        let end = req.end_year.unwrap_or(last);
        let base = req.base_year.unwrap_or(first);
        let period = Period::new(base, end).ok_or_else(|| {
            AppError::field(FieldError::new("base_year", "analysis.period").with("base", base).with("end", end))
        })?;
        let reference = match region.level() {
            RegionLevel::Regency => Some(region.province().to_string()),
            _ => None,
        };
        let here = self.by_division(Some(region.as_str()), period, metric).await?;
        let wide = self.by_division(reference.as_deref(), period, metric).await?;
        let total = |m: &BTreeMap<String, [i64; 2]>| m.values().fold([0, 0], |a, v| [a[0] + v[0], a[1] + v[1]]);
        let region_total = total(&here);
        if region_total[1] == 0 {
            return Err(AppError::field(
                FieldError::new("region", "analysis.region_no_data").with("value", region.as_str()).with("year", end),
            ));
        }
        let sectors: Vec<SectorSeries> = here
            .iter()
            .filter(|(d, v)| !d.is_empty() && (v[0] != 0 || v[1] != 0))
            .map(|(d, v)| SectorSeries {
                sector: d.clone(),
                region: *v,
                reference: wide.get(d).copied().unwrap_or([0, 0]),
            })
            .collect();
        let input = LeadingInput { period, region_total, reference_total: total(&wide), sectors };
        let rows = leading::analyse(&input)
            .into_iter()
            .map(|a| {
                let entry = self.reference().kbli.get(&a.sector);
                SectorRow {
                    division: a.sector.clone(),
                    name_id: entry.map_or_else(|| a.sector.clone(), |e| e.name_id.clone()),
                    name_en: entry.map_or_else(|| a.sector.clone(), |e| e.name_en.clone()),
                    analysis: a,
                }
            })
            .collect();
        Ok(LeadingReport {
            region: self.region_ref(region.as_str()),
            reference: reference.as_deref().map(|c| self.region_ref(c)),
            metric,
            period,
            years,
            rows,
            region_total,
            reference_total: input.reference_total,
        })
    }

    /// The metric per KBLI division in the base and end years of `region`
    /// (`None` = nation).
    async fn by_division(
        &self,
        region: Option<&str>,
        period: Period,
        metric: Metric,
    ) -> AppResult<BTreeMap<String, [i64; 2]>> {
        let mut out: BTreeMap<String, [i64; 2]> = BTreeMap::new();
        for (i, year) in [period.base(), period.end()].into_iter().enumerate() {
            let q = RollupQuery {
                region: region.map(str::to_string),
                year_from: Some(year),
                year_to: Some(year),
                group_by: vec![Dimension::KbliDivision],
                ..Default::default()
            };
            for row in self.store().insight().rollup(&q).await? {
                out.entry(row.kbli_division.unwrap_or_default()).or_default()[i] += metric.of(&row.measures);
            }
        }
        Ok(out)
    }

    /// The transition matrix of a ladder from `year` to the next, in a
    /// region (default: the actor's) or the nation.
    pub async fn transitions(&self, actor: &Actor, req: &TransitionRequest) -> AppResult<TransitionView> {
        let (region, ladder, year, years) = self.transition_params(actor, req).await?;
        let cells = self.store().analysis().transitions(region.as_ref(), ladder, year).await?;
        let matrix =
            TransitionMatrix::from_cells(ladder, year, cells.iter().map(|c| (c.from.as_str(), c.to.as_str(), c.count)))
                .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(TransitionView {
            region: region.as_ref().map(|r| self.region_ref(r.as_str())),
            years,
            up: matrix.count(Direction::Up),
            same: matrix.count(Direction::Same),
            down: matrix.count(Direction::Down),
            matrix,
        })
    }

    async fn transition_params(
        &self,
        actor: &Actor,
        req: &TransitionRequest,
    ) -> AppResult<(Option<RegionCode>, Ladder, i32, Vec<i32>)> {
        let region = self.analysis_region(actor, req.region.as_deref()).await?;
        let ladder = match req.ladder.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ladder::SizeClass,
            Some(l) => Ladder::parse(l).ok_or_else(|| {
                AppError::field(FieldError::new("ladder", "analysis.ladder_unknown").with("value", l))
            })?,
        };
        let years = self.store().analysis().transition_years().await?;
        let year = match req.year {
            Some(y) if years.contains(&y) => y,
            Some(y) => {
                return Err(AppError::field(FieldError::new("year", "analysis.year_no_pair").with("value", y)));
            }
            None => *years.last().ok_or_else(|| AppError::field(FieldError::new("year", "analysis.no_pairs")))?,
        };
        Ok((region, ladder, year, years))
    }

    /// The enterprises that moved up (or down) between `year` and the next:
    /// names, so only for those who may analyse the region.
    pub async fn movers(&self, actor: &Actor, req: &MoversRequest) -> AppResult<MoverPage> {
        let (region, ladder, year, _) = self.transition_params(actor, &req.transition).await?;
        let direction = match req.direction.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Direction::Up,
            Some(d) => Direction::parse(d).ok_or_else(|| {
                AppError::field(FieldError::new("direction", "analysis.direction_unknown").with("value", d))
            })?,
        };
        let after = match req.after.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(a) => Some(Nib::parse(a).map_err(|e| AppError::field(FieldError { field: "after".into(), ..e }))?),
        };
        let q = MoverQuery {
            region,
            ladder,
            year,
            direction,
            after,
            limit: req.limit.unwrap_or(50).clamp(1, MAX_MOVERS_PAGE),
        };
        Ok(self.store().analysis().movers(&q).await?)
    }

    /// The programmes whose impact the actor may look at, newest first (the
    /// cohorts themselves stay inside the actor's region).
    pub async fn impact_programs(&self, actor: &Actor) -> AppResult<Vec<(i64, String, i32)>> {
        self.analysis_region(actor, None).await?;
        let all = self.store().programs().programs(None).await?;
        Ok(all.into_iter().map(|p| (p.id, p.name, p.year)).collect())
    }

    /// Programme impact: the share of participants that moved up within one
    /// and two years against matched non-participants (see
    /// `naikkelas_core::insight::impact`). An observational estimate.
    pub async fn program_impact(&self, actor: &Actor, program_id: i64, region: Option<&str>) -> AppResult<ImpactView> {
        let region = self.analysis_region(actor, region).await?;
        let program = self.store().programs().program(program_id).await?.ok_or(AppError::NotFound)?;
        let mut horizons = Vec::new();
        for years in IMPACT_HORIZONS {
            let q = CohortQuery { program_id, region: region.clone(), horizon: years };
            let cells = self.store().analysis().impact_cohort(&q).await?;
            horizons.push(HorizonImpact { years, impact: impact::estimate(cells) });
        }
        Ok(ImpactView {
            program_id,
            program_name: program.name,
            program_year: program.year,
            region: region.as_ref().map(|r| self.region_ref(r.as_str())),
            horizons,
        })
    }
}

// ----- presentation helpers shared by pages, the API and the export -----

/// A decimal number the way the language writes it: `1.234,56` in
/// Indonesian, `1,234.56` in English.
pub fn decimal(lang: Lang, v: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (group, point) = match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    };
    let int: i64 = int.parse().unwrap_or(0);
    // Rounding can turn -0.001 into "0.00": no minus sign then.
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_thousands(int, group));
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A ratio with `digits` decimals, or "tidak terdefinisi" / "not defined".
pub fn ratio(lang: Lang, r: Ratio, digits: usize) -> String {
    match r {
        Ratio::Defined(v) => decimal(lang, v, digits),
        Ratio::NotDefined(_) => t(lang, "analysis.not_defined").to_string(),
    }
}

/// A share as a percentage, `45,0 %`.
pub fn percent(lang: Lang, share: f64) -> String {
    format!("{} %", decimal(lang, share * 100.0, 1))
}

pub fn position_label(lang: Lang, p: Option<SectorPosition>) -> &'static str {
    match p {
        Some(p) => t(lang, &format!("analysis.position.{}", p.key())),
        None => t(lang, "analysis.not_defined"),
    }
}

pub fn klassen_label(lang: Lang, k: Option<KlassenQuadrant>) -> &'static str {
    match k {
        Some(k) => t(lang, &format!("analysis.klassen.{}", k.key())),
        None => t(lang, "analysis.not_defined"),
    }
}

/// The area a region is compared with, in running text ("provinsi", "nasional").
fn reference_words(lang: Lang, r: &LeadingReport) -> &'static str {
    t(
        lang,
        if r.reference.is_some() { "analysis.summary.reference_province" } else { "analysis.summary.reference_nation" },
    )
}

/// The plain-language summary of a leading-sector analysis, e.g. "Di Kota
/// Samarinda, industri makanan adalah sektor basis (LQ 1,42) dan tumbuh
/// lebih cepat dari provinsi." followed by how many divisions are basis.
pub fn leading_summary(lang: Lang, r: &LeadingReport) -> String {
    let metric = t(lang, &format!("analysis.metric.{}", r.metric.key()));
    let year = r.period.end().to_string();
    let mut params = vec![
        ("region".to_string(), r.region.name.clone()),
        ("reference".to_string(), reference_words(lang, r).to_string()),
        ("metric".to_string(), metric.to_lowercase()),
        ("year".to_string(), year),
    ];
    let first = match r.headline() {
        None => fill(t(lang, "analysis.summary.no_basis"), &params),
        Some(h) => {
            // KBLI division names are in title case; running text wants them lower.
            params.push(("sector".into(), h.name(lang).to_lowercase()));
            params.push(("lq".into(), ratio(lang, h.analysis.lq_end, 2)));
            let key = match h.analysis.grows_faster() {
                Some(true) => "analysis.summary.basis_faster",
                Some(false) => "analysis.summary.basis_slower",
                None => "analysis.summary.basis",
            };
            fill(t(lang, key), &params)
        }
    };
    let basis = r.rows.iter().filter(|x| x.analysis.is_basis()).count();
    params.push(("n".into(), basis.to_string()));
    params.push(("total".into(), r.rows.len().to_string()));
    format!("{first} {}", fill(t(lang, "analysis.summary.count"), &params))
}

enum Cell<'a> {
    Text(&'a str),
    Number(Ratio),
}

/// The leading-sector table as an XLSX workbook (one sheet, a header row,
/// one row per division; "not defined" as text, never a number).
pub fn leading_xlsx(lang: Lang, r: &LeadingReport) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "analysis.xlsx.sheet")).map_err(err)?;
    let bold = Format::new().set_bold();
    ws.write_string(0, 0, leading_summary(lang, r)).map_err(err)?;
    let headers = [
        "analysis.col.division",
        "analysis.col.name",
        "analysis.col.value_base",
        "analysis.col.value_end",
        "analysis.col.lq_base",
        "analysis.col.lq_end",
        "analysis.col.growth_region",
        "analysis.col.growth_reference",
        "analysis.col.dlq",
        "analysis.col.position",
        "analysis.col.klassen",
        "analysis.col.shift_n",
        "analysis.col.shift_m",
        "analysis.col.shift_c",
        "analysis.col.shift_d",
        "analysis.col.em_homothetic",
        "analysis.col.em_competitive",
        "analysis.col.em_allocation",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, t(lang, h), &bold).map_err(err)?;
    }
    let not_defined = t(lang, "analysis.not_defined");
    for (i, row) in r.rows.iter().enumerate() {
        let y = 3 + i as u32;
        let a = &row.analysis;
        let ss = a.shift_share.ok();
        let em = a.esteban_marquillas.ok();
        let missing = Ratio::NotDefined(Undefined::Degenerate);
        let of_ss = |f: fn(&ShiftShare) -> f64| ss.as_ref().map_or(missing, |s| Ratio::Defined(f(s)));
        let cells = [
            Cell::Text(&row.division),
            Cell::Text(row.name(lang)),
            Cell::Number(Ratio::Defined(a.base.region as f64)),
            Cell::Number(Ratio::Defined(a.end.region as f64)),
            Cell::Number(a.lq_base),
            Cell::Number(a.lq_end),
            Cell::Number(a.growth.sector_region),
            Cell::Number(a.growth.sector_reference),
            Cell::Number(a.dlq),
            Cell::Text(position_label(lang, a.position)),
            Cell::Text(klassen_label(lang, a.klassen)),
            Cell::Number(of_ss(|s| s.reference_share)),
            Cell::Number(of_ss(|s| s.industry_mix)),
            Cell::Number(of_ss(|s| s.competitive)),
            Cell::Number(of_ss(|s| s.change as f64)),
            Cell::Number(em.map_or(missing, |e| Ratio::Defined(e.homothetic))),
            Cell::Number(em.map_or(missing, |e| e.competitive)),
            Cell::Number(em.map_or(missing, |e| e.allocation)),
        ];
        for (c, cell) in cells.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(y, col, *s).map(|_| ()),
                Cell::Number(Ratio::Defined(v)) => ws.write_number(y, col, *v).map(|_| ()),
                Cell::Number(Ratio::NotDefined(_)) => ws.write_string(y, col, not_defined).map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_decimals_use_a_comma() {
        assert_eq!(decimal(Lang::Id, 1.4235, 2), "1,42");
        assert_eq!(decimal(Lang::En, 1.4235, 2), "1.42");
        assert_eq!(decimal(Lang::Id, -1234567.891, 1), "-1.234.567,9");
        assert_eq!(decimal(Lang::En, -1234567.891, 1), "-1,234,567.9");
        assert_eq!(decimal(Lang::Id, -0.0001, 2), "0,00");
        assert_eq!(percent(Lang::Id, 0.2127), "21,3 %");
        assert_eq!(ratio(Lang::Id, Ratio::NotDefined(Undefined::ZeroBase), 2), "tidak terdefinisi");
    }

    /// Regency A of the core worked example (DOMAIN.md §8 formulas):
    /// division 10 has LQ 1.396559 and grows faster than the province.
    fn worked_report() -> LeadingReport {
        let input = LeadingInput {
            period: Period::new(2022, 2024).unwrap(),
            region_total: [100, 119],
            reference_total: [300, 349],
            sectors: vec![
                SectorSeries { sector: "10".into(), region: [40, 60], reference: [100, 126] },
                SectorSeries { sector: "13".into(), region: [10, 11], reference: [100, 119] },
            ],
        };
        let rows = leading::analyse(&input)
            .into_iter()
            .map(|a| SectorRow {
                division: a.sector.clone(),
                name_id: if a.sector == "10" { "Industri Makanan" } else { "Industri Tekstil" }.into(),
                name_en: if a.sector == "10" { "Manufacture of food products" } else { "Manufacture of textiles" }
                    .into(),
                analysis: a,
            })
            .collect();
        LeadingReport {
            region: RegionRef { code: "64.72".into(), name: "Kota Samarinda".into() },
            reference: Some(RegionRef { code: "64".into(), name: "Kalimantan Timur".into() }),
            metric: Metric::Workers,
            period: input.period,
            years: vec![2022, 2024],
            rows,
            region_total: input.region_total,
            reference_total: input.reference_total,
        }
    }

    #[test]
    fn summary_in_both_languages() {
        let r = worked_report();
        assert_eq!(
            leading_summary(Lang::Id, &r),
            "Di Kota Samarinda, industri makanan adalah sektor basis (LQ 1,40) dan tumbuh lebih cepat dari provinsi. \
             1 dari 2 golongan pokok KBLI adalah sektor basis pada 2024 (ukuran: tenaga kerja)."
        );
        assert_eq!(
            leading_summary(Lang::En, &r),
            "In Kota Samarinda, manufacture of food products is a basis sector (LQ 1.40) and grows faster than the \
             province. 1 of 2 KBLI divisions are basis sectors in 2024 (measure: workers)."
        );
        let xlsx = leading_xlsx(Lang::Id, &r).unwrap();
        assert_eq!(&xlsx[..2], b"PK");
    }

    #[test]
    fn metrics_parse_by_key_only() {
        assert_eq!(Metric::parse("production"), Some(Metric::Production));
        assert_eq!(Metric::parse("omzet"), None);
    }
}
