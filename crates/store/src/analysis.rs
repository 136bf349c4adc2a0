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

/// SQL fragments both backends share: the stored rung columns of a ladder
/// and their order are one schema fact (the `figures` table), written once.
pub mod sql {
    use naikkelas_core::insight::transitions::Ladder;
    use naikkelas_core::{RegionCode, RegionLevel};

    /// The stored rung column of a ladder.
    pub fn column(ladder: Ladder) -> &'static str {
        match ladder {
            Ladder::SizeClass => "size_class",
            Ladder::QualityLevel => "quality_level",
        }
    }

    /// An SQL expression ordering a rung of figures row `alias`: size classes by
    /// their rank, levels L0–L5 as text (which sorts by rank).
    pub fn rank(ladder: Ladder, alias: &str) -> String {
        match ladder {
            Ladder::SizeClass => format!(
                "(CASE {alias}.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)"
            ),
            Ladder::QualityLevel => format!("{alias}.quality_level"),
        }
    }

    /// Naik kelas between figures rows `a` and `b`: a higher size class or level.
    pub fn moved_up(a: &str, b: &str) -> String {
        format!(
            "({} > {} OR {b}.quality_level > {a}.quality_level)",
            rank(Ladder::SizeClass, b),
            rank(Ladder::SizeClass, a)
        )
    }

    /// The column of enterprise `e` that holds a region of this code's level.
    pub fn region_column(r: &RegionCode) -> &'static str {
        match r.level() {
            RegionLevel::Province => "e.province_code",
            RegionLevel::Regency => "e.regency_code",
            RegionLevel::District => "e.district_code",
        }
    }
}
