//! Reads behind the naik-kelas analyses: transitions between consecutive
//! years, the enterprises that moved, and programme-impact cohorts.
//!
//! Reached through [`crate::Store::analysis`]. Everything here reads the
//! yearly figures (`figures.size_class`, `figures.quality_level` of year t
//! and t + 1); the arithmetic on the counts (matrices, estimates) is in
//! `naikkelas_core::insight`. Like every read, the caller has already
//! decided what the actor may see and passes the resulting region: `None`
//! is the whole nation. Figures rows whose level is still pending (`''`,
//! see the insight migration) count nowhere.

use crate::Result;
use async_trait::async_trait;
use naikkelas_core::insight::impact::CohortCell;
use naikkelas_core::insight::transitions::{Direction, Ladder};
use naikkelas_core::{Nib, RegionCode};
use serde::Serialize;

/// Enterprises that went from rung `from` in year t to rung `to` in t + 1,
/// with the rungs as stored (`kecil`, `L2`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionCell {
    pub from: String,
    pub to: String,
    pub count: u64,
}

/// Which movers to list: up or down (`Same` lists those who stayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoverQuery {
    pub region: Option<RegionCode>,
    pub ladder: Ladder,
    /// Year t; the move is to t + 1.
    pub year: i32,
    pub direction: Direction,
    /// Keyset: enterprises with a NIB after this one.
    pub after: Option<Nib>,
    pub limit: u32,
}

/// One enterprise that moved, with what it moved between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mover {
    pub nib: Nib,
    pub name: String,
    pub regency: RegionCode,
    pub kbli_division: String,
    pub from: String,
    pub to: String,
}

/// A page of movers in NIB order; `next` continues after the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoverPage {
    pub items: Vec<Mover>,
    pub next: Option<Nib>,
}

/// Who the impact estimate compares, and after how many years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortQuery {
    pub program_id: i64,
    pub region: Option<RegionCode>,
    /// h ≥ 1: the outcome is the class in start year + h.
    pub horizon: u8,
}

#[async_trait]
pub trait AnalysisStore: Send + Sync {
    /// Counts per (rung in `year`, rung in `year + 1`) of the enterprises in
    /// `region` with figures in both years, in rung order.
    async fn transitions(&self, region: Option<&RegionCode>, ladder: Ladder, year: i32) -> Result<Vec<TransitionCell>>;

    /// The enterprises behind the counts, one page at a time.
    async fn movers(&self, q: &MoverQuery) -> Result<MoverPage>;

    /// Years t such that the registry holds figures for both t and t + 1,
    /// ascending (the years a transition matrix can be asked for).
    async fn transition_years(&self) -> Result<Vec<i32>>;

    /// Cohort cells for programme impact (see
    /// `naikkelas_core::insight::impact` for the method): participants are
    /// the enterprises with an approved enrolment in the programme, starting
    /// in the year of their first approval; comparison units are all other
    /// enterprises with figures in a participant start year. Only units with
    /// figures in both the start year and start + horizon count; the stratum
    /// is read from the start year's figures and the primary KBLI code.
    async fn impact_cohort(&self, q: &CohortQuery) -> Result<Vec<CohortCell>>;
}
