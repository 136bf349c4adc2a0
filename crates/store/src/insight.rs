//! Rollups: the registry's yearly figures pre-aggregated for dashboards.
//!
//! Reached through [`crate::Store::insight`]. Every enterprise counts once
//! per year it has figures, in one cell of year × province × regency × KBLI
//! division of its PRIMARY (first) KBLI code × size class of that year's
//! figures × quality level recorded for that year (`figures.quality_level`).
//!
//! The backends keep the cells up to date inside the transaction of every
//! write that moves a contribution (figures written, corrected or deleted;
//! an enterprise deleted or moved to another regency or primary KBLI
//! division; a level change, which the latest year's figures follow), so a
//! dashboard reads a few thousand cells instead of scanning the registry.
//! A bulk load skips that maintenance and rebuilds the cells when it ends;
//! [`InsightStore::rebuild_rollups`] recomputes them from scratch, and the
//! conformance suite checks both give the same cells.
//!
//! Certification and assessment coverage ([`Coverage`]) is counted from their
//! own (small) tables at query time: it is the state now, not per year.

use crate::Result;
use async_trait::async_trait;
use naikkelas_core::quality::QualityLevel;
use naikkelas_core::size_class::SizeClass;
use serde::{Deserialize, Serialize};

/// One dimension of a rollup cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Year,
    Province,
    Regency,
    KbliDivision,
    SizeClass,
    QualityLevel,
}

/// Which cells to sum and how to group them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupQuery {
    /// Region prefix: `None` = nation, `"64"` = province, `"64.72"` = regency.
    pub region: Option<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// Two digits, e.g. `"10"`.
    pub kbli_division: Option<String>,
    pub size_class: Option<SizeClass>,
    pub quality_level: Option<QualityLevel>,
    /// Dimensions to group by; measures are summed over the others.
    pub group_by: Vec<Dimension>,
}

/// Additive measures of a cell: summing cells gives the measures of their union.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// Enterprises with figures that year.
    pub units: i64,
    pub workers: i64,
    pub investment_idr: i64,
    pub production_idr: i64,
    pub export_usd_cents: i64,
    /// Units with exports above zero.
    pub exporters: i64,
    /// Units whose size class or quality level is higher than in their
    /// figures of the year before ("naik kelas", DESIGN.md §3); a unit
    /// without figures the year before does not count.
    pub upgraded: i64,
}

impl Measures {
    pub fn add(&mut self, o: &Measures) {
        self.units += o.units;
        self.workers += o.workers;
        self.investment_idr += o.investment_idr;
        self.production_idr += o.production_idr;
        self.export_usd_cents += o.export_usd_cents;
        self.exporters += o.exporters;
        self.upgraded += o.upgraded;
    }
}

/// One group of cells; the dimensions not grouped by are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupRow {
    pub year: Option<i32>,
    pub province: Option<String>,
    pub regency: Option<String>,
    pub kbli_division: Option<String>,
    pub size_class: Option<SizeClass>,
    pub quality_level: Option<QualityLevel>,
    pub measures: Measures,
}

/// Certification and readiness coverage of a region now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Enterprises holding a valid SNI product certificate (SPPT SNI).
    pub certified_sni: i64,
    /// Enterprises holding a valid management-system certificate (ISO).
    pub certified_iso: i64,
    /// Enterprises holding either.
    pub certified_any: i64,
    /// Enterprises with at least one completed readiness assessment.
    pub assessed: i64,
    /// Of those, how many whose latest completed assessment meets the L2 threshold.
    pub ready: i64,
    /// Mean score (per mille) of each assessed enterprise's latest completed
    /// assessment, rounded down; `None` when none is assessed.
    pub readiness_avg_permille: Option<i64>,
}

/// The certificate states in which a certificate is valid (DOMAIN.md §2:
/// a suspended certificate may not be used).
pub const VALID_CERTIFICATE_STATES: [&str; 3] = ["certified", "surveillance", "renewal"];

#[async_trait]
pub trait InsightStore: Send + Sync {
    /// Sums of the cells matching `q`, grouped by `q.group_by`, in the order
    /// of the group-by keys. Groups with no units are left out.
    async fn rollup(&self, q: &RollupQuery) -> Result<Vec<RollupRow>>;

    /// Recomputes every cell from the registry; returns the cells written.
    async fn rebuild_rollups(&self) -> Result<u64>;

    /// Years that have figures, ascending.
    async fn years_with_data(&self) -> Result<Vec<i32>>;

    /// Certification and readiness coverage of the enterprises registered in
    /// `region` (a prefix as in [`RollupQuery::region`]) now.
    async fn coverage(&self, region: Option<&str>) -> Result<Coverage>;
}

/// Splits a region prefix into (province, regency) filters.
pub fn region_filter(region: Option<&str>) -> (Option<&str>, Option<&str>) {
    match region {
        None => (None, None),
        Some(r) if r.len() <= 2 => (Some(r), None),
        Some(r) => (Some(&r[..2]), Some(r)),
    }
}

/// Builds a [`RollupRow`] from the grouped keys (`None` where not grouped).
/// Shared by the backends so both parse stored codes the same way.
pub fn parse_row(
    year: Option<i32>,
    province: Option<String>,
    regency: Option<String>,
    kbli_division: Option<String>,
    size_class: Option<&str>,
    quality_level: Option<&str>,
    measures: Measures,
) -> Result<RollupRow> {
    let size_class = size_class
        .map(|s| SizeClass::parse(s).ok_or_else(|| crate::StoreError::Backend(format!("size class {s:?} in a rollup"))))
        .transpose()?;
    let quality_level = quality_level
        .map(|s| {
            QualityLevel::parse(s).ok_or_else(|| crate::StoreError::Backend(format!("quality level {s:?} in a rollup")))
        })
        .transpose()?;
    Ok(RollupRow { year, province, regency, kbli_division, size_class, quality_level, measures })
}

/// Orders rows by the group-by keys, size classes and levels in rank order
/// (text order would put besar before kecil).
pub fn sort_rows(rows: &mut [RollupRow]) {
    rows.sort_by(|a, b| {
        (a.year, &a.province, &a.regency, &a.kbli_division, a.size_class, a.quality_level).cmp(&(
            b.year,
            &b.province,
            &b.regency,
            &b.kbli_division,
            b.size_class,
            b.quality_level,
        ))
    });
}
