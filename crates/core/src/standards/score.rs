//! Scoring a readiness self-assessment against a standard.
//!
//! Rules (documented for users on the assessment page):
//! - Each item is answered **ya** (full credit), **sebagian** (half),
//!   **tidak** (none) or **tidak berlaku** (not applicable: left out of both
//!   the earned and the possible points).
//! - A clause's score is Σ weight × credit ÷ Σ weight over its applicable
//!   items; the overall score is the same over all applicable items. Scores
//!   are kept in per mille (integer tenths of a percent), rounded **down**, so
//!   79.99 % never shows as 80 %.
//! - A **tidak** on a critical item caps the overall score at
//!   [`CRITICAL_CAP_PERMILLE`] (79 %), just below the L2 threshold
//!   [`READY_THRESHOLD_PERMILLE`] (80 %): no amount of good answers elsewhere
//!   makes an enterprise "siap sertifikasi" while a critical requirement is
//!   missing.
//! - Gaps are the items not answered "ya"; they rank critical first, then by
//!   weight × shortfall (shortfall 1 for tidak, ½ for sebagian), then in
//!   catalogue order.
//! - An enterprise is ready (L2) when the latest completed assessment meets the
//!   threshold and no critical gap of it is still open in the action plan.

use super::{top_of, Standard};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// L2 "siap sertifikasi" threshold: 80 % (DESIGN.md §3).
pub const READY_THRESHOLD_PERMILLE: u32 = 800;
/// The overall score when a critical item is answered "tidak": 79 %.
pub const CRITICAL_CAP_PERMILLE: u32 = 790;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Ya,
    Sebagian,
    Tidak,
    TidakBerlaku,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Ya, Answer::Sebagian, Answer::Tidak, Answer::TidakBerlaku];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Ya => "ya",
            Answer::Sebagian => "sebagian",
            Answer::Tidak => "tidak",
            Answer::TidakBerlaku => "tidak_berlaku",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        let s = s.trim().to_lowercase().replace([' ', '-'], "_");
        match s.as_str() {
            "ya" | "yes" | "1" => Some(Answer::Ya),
            "sebagian" | "partly" | "partial" | "0.5" => Some(Answer::Sebagian),
            "tidak" | "no" | "0" => Some(Answer::Tidak),
            "tidak_berlaku" | "na" | "n/a" | "not_applicable" => Some(Answer::TidakBerlaku),
            _ => None,
        }
    }

    /// Credit in halves (ya 2, sebagian 1, tidak 0); `None` when excluded.
    pub fn credit_halves(self) -> Option<u32> {
        match self {
            Answer::Ya => Some(2),
            Answer::Sebagian => Some(1),
            Answer::Tidak => Some(0),
            Answer::TidakBerlaku => None,
        }
    }
}

/// Points of one part of the standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseScore {
    /// Top-level clause id.
    pub clause: String,
    pub title_id: String,
    pub title_en: String,
    pub earned_halves: u32,
    pub possible_halves: u32,
    /// `None` when every item is unanswered or not applicable.
    pub permille: Option<u32>,
    pub items: usize,
    pub answered: usize,
}

/// An item not answered "ya".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub item_id: String,
    pub clause: String,
    pub weight: u8,
    pub critical: bool,
    pub answer: Answer,
    /// 2 for tidak, 1 for sebagian.
    pub shortfall_halves: u32,
    /// weight × shortfall, in halves.
    pub priority: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreSheet {
    pub clauses: Vec<ClauseScore>,
    /// After the critical cap; `None` when nothing applicable was answered.
    pub overall_permille: Option<u32>,
    pub uncapped_permille: Option<u32>,
    /// A critical item is answered "tidak".
    pub capped: bool,
    pub gaps: Vec<Gap>,
    pub answered: usize,
    pub total: usize,
}

fn permille(earned: u32, possible: u32) -> Option<u32> {
    (possible > 0).then(|| earned * 1000 / possible)
}

impl ScoreSheet {
    /// The overall score reaches the L2 threshold.
    pub fn meets_threshold(&self) -> bool {
        self.overall_permille.is_some_and(|p| p >= READY_THRESHOLD_PERMILLE)
    }

    pub fn critical_gaps(&self) -> usize {
        self.gaps.iter().filter(|g| g.critical).count()
    }

    pub fn complete(&self) -> bool {
        self.answered == self.total
    }
}

/// Scores `answers` (by item id) against `standard`. Answers to items that
/// are not in the standard are ignored here; the use case refuses them
/// before they are stored.
pub fn score(standard: &Standard, answers: &BTreeMap<String, Answer>) -> ScoreSheet {
    let mut clauses: Vec<ClauseScore> = standard
        .top_clauses()
        .map(|c| ClauseScore {
            clause: c.id.clone(),
            title_id: c.title_id.clone(),
            title_en: c.title_en.clone(),
            earned_halves: 0,
            possible_halves: 0,
            permille: None,
            items: 0,
            answered: 0,
        })
        .collect();
    let (mut earned, mut possible, mut answered, mut capped) = (0u32, 0u32, 0usize, false);
    let mut gaps = Vec::new();
    for (position, item) in standard.items.iter().enumerate() {
        let top = top_of(&item.clause);
        let Some(c) = clauses.iter_mut().find(|c| c.clause == top) else { continue };
        c.items += 1;
        let Some(&a) = answers.get(&item.id) else { continue };
        c.answered += 1;
        answered += 1;
        let Some(credit) = a.credit_halves() else { continue };
        let w = u32::from(item.weight);
        c.earned_halves += w * credit;
        c.possible_halves += w * 2;
        earned += w * credit;
        possible += w * 2;
        if a == Answer::Tidak && item.critical {
            capped = true;
        }
        if credit < 2 {
            let shortfall = 2 - credit;
            gaps.push((
                position,
                Gap {
                    item_id: item.id.clone(),
                    clause: item.clause.clone(),
                    weight: item.weight,
                    critical: item.critical,
                    answer: a,
                    shortfall_halves: shortfall,
                    priority: w * shortfall,
                },
            ));
        }
    }
    for c in &mut clauses {
        c.permille = permille(c.earned_halves, c.possible_halves);
    }
    gaps.sort_by(|(pa, a), (pb, b)| b.critical.cmp(&a.critical).then(b.priority.cmp(&a.priority)).then(pa.cmp(pb)));
    let uncapped = permille(earned, possible);
    let overall = uncapped.map(|p| if capped { p.min(CRITICAL_CAP_PERMILLE) } else { p });
    ScoreSheet {
        clauses,
        overall_permille: overall,
        uncapped_permille: uncapped,
        capped,
        gaps: gaps.into_iter().map(|(_, g)| g).collect(),
        answered,
        total: standard.items.len(),
    }
}

/// Per-clause change between two assessments of the same standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseDelta {
    pub clause: String,
    pub previous: Option<u32>,
    pub current: Option<u32>,
    /// current − previous, in per mille, when both exist.
    pub change: Option<i64>,
}

pub fn compare(previous: &ScoreSheet, current: &ScoreSheet) -> Vec<ClauseDelta> {
    current
        .clauses
        .iter()
        .map(|c| {
            let prev = previous.clauses.iter().find(|p| p.clause == c.clause).and_then(|p| p.permille);
            ClauseDelta {
                clause: c.clause.clone(),
                previous: prev,
                current: c.permille,
                change: prev.zip(c.permille).map(|(p, n)| i64::from(n) - i64::from(p)),
            }
        })
        .collect()
}

/// Readiness bands of the region view.
pub const BANDS: [&str; 4] = ["lt50", "50_69", "70_79", "ge80"];

pub fn band(permille: u32) -> &'static str {
    match permille {
        0..=499 => "lt50",
        500..=699 => "50_69",
        700..=799 => "70_79",
        _ => "ge80",
    }
}

/// Default days until an action is due: critical gaps first.
pub fn suggested_due_days(g: &Gap) -> i64 {
    if g.critical {
        30
    } else if g.weight >= 3 {
        60
    } else {
        90
    }
}

/// `79,5 %` / `79.5 %`.
pub fn percent_text(permille: u32, decimal: char) -> String {
    format!("{}{decimal}{} %", permille / 10, permille % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::Standard;

    fn standard(items: &[(&str, &str, u8, bool)]) -> Standard {
        let mut text = String::from(
            "code = \"t\"\nkind = \"product\"\nnumber = \"T\"\ntitle_id = \"T\"\ntitle_en = \"T\"\nrevision = \"1\"\nsources = [\"s\"]\n",
        );
        for c in ["A", "A.1", "B"] {
            text.push_str(&format!("[[clause]]\nid = \"{c}\"\ntitle_id = \"{c}\"\ntitle_en = \"{c}\"\n"));
        }
        for (id, clause, w, crit) in items {
            text.push_str(&format!(
                "[[item]]\nid = \"{id}\"\nclause = \"{clause}\"\nweight = {w}\ncritical = {crit}\nquestion_id = \"q\"\nquestion_en = \"q\"\naction_id = \"a\"\naction_en = \"a\"\n"
            ));
        }
        Standard::parse("t.toml", &text).unwrap()
    }

    fn answers(a: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
        a.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn answers_parse_from_both_languages_and_refuse_anything_else() {
        assert_eq!(Answer::parse("Tidak berlaku"), Some(Answer::TidakBerlaku));
        assert_eq!(Answer::parse("sebagian"), Some(Answer::Sebagian));
        assert_eq!(Answer::parse("yes"), Some(Answer::Ya));
        assert_eq!(Answer::parse("2"), None);
        assert_eq!(Answer::parse("maybe"), None);
    }

    #[test]
    fn weighted_scores_per_clause_and_overall() {
        let s = standard(&[("a1", "A.1", 3, false), ("a2", "A", 1, false), ("b1", "B", 2, false)]);
        let sheet = score(&s, &answers(&[("a1", Answer::Ya), ("a2", Answer::Tidak), ("b1", Answer::Sebagian)]));
        // A: (3×2 + 1×0) / (4×2) = 75 %; B: 1×2... (2×1)/(2×2) = 50 %; overall (6+0+2)/(12) = 66.6 %.
        assert_eq!(sheet.clauses[0].permille, Some(750));
        assert_eq!(sheet.clauses[1].permille, Some(500));
        assert_eq!(sheet.overall_permille, Some(666));
        assert!(!sheet.capped);
        assert_eq!(sheet.answered, 3);
    }

    #[test]
    fn not_applicable_is_left_out_not_counted_as_zero() {
        let s = standard(&[("a1", "A", 2, false), ("b1", "B", 2, false)]);
        let sheet = score(&s, &answers(&[("a1", Answer::Ya), ("b1", Answer::TidakBerlaku)]));
        assert_eq!(sheet.overall_permille, Some(1000));
        assert_eq!(sheet.clauses[1].permille, None);
        assert!(sheet.gaps.is_empty());
        // Everything not applicable: no score at all, and not ready.
        let sheet = score(&s, &answers(&[("a1", Answer::TidakBerlaku), ("b1", Answer::TidakBerlaku)]));
        assert_eq!(sheet.overall_permille, None);
        assert!(!sheet.meets_threshold());
    }

    #[test]
    fn exactly_eighty_percent_is_ready_and_just_below_is_not() {
        // 5 items of weight 1: 4 ya + 1 tidak = 80.0 %.
        let s = standard(&[
            ("a1", "A", 1, false),
            ("a2", "A", 1, false),
            ("a3", "A", 1, false),
            ("a4", "A", 1, false),
            ("b1", "B", 1, false),
        ]);
        let mut a = answers(&[
            ("a1", Answer::Ya),
            ("a2", Answer::Ya),
            ("a3", Answer::Ya),
            ("a4", Answer::Ya),
            ("b1", Answer::Tidak),
        ]);
        assert_eq!(score(&s, &a).overall_permille, Some(800));
        assert!(score(&s, &a).meets_threshold());
        // 4 ya + 1 sebagian + … weight mix to land at 79.x: rounding is down.
        let s2 = standard(&[("a1", "A", 3, false), ("a2", "A", 3, false), ("b1", "B", 1, false)]);
        let a2 = answers(&[("a1", Answer::Ya), ("a2", Answer::Sebagian), ("b1", Answer::Ya)]);
        // (6 + 3 + 2) / 14 = 78.57 % → 785.
        assert_eq!(score(&s2, &a2).overall_permille, Some(785));
        assert!(!score(&s2, &a2).meets_threshold());
        a.insert("b1".into(), Answer::Sebagian);
        assert_eq!(score(&s, &a).overall_permille, Some(900));
    }

    #[test]
    fn a_tidak_on_a_critical_item_caps_below_the_threshold() {
        let mut items: Vec<(String, &str, u8, bool)> = (0..19).map(|i| (format!("a{i}"), "A", 3, false)).collect();
        items.push(("crit".into(), "B", 1, true));
        let refs: Vec<(&str, &str, u8, bool)> = items.iter().map(|(a, b, c, d)| (a.as_str(), *b, *c, *d)).collect();
        let s = standard(&refs);
        let mut a: BTreeMap<String, Answer> = items.iter().map(|(id, ..)| (id.clone(), Answer::Ya)).collect();
        a.insert("crit".into(), Answer::Tidak);
        let sheet = score(&s, &a);
        assert_eq!(sheet.uncapped_permille, Some(982));
        assert_eq!(sheet.overall_permille, Some(CRITICAL_CAP_PERMILLE));
        assert!(sheet.capped && !sheet.meets_threshold());
        // Sebagian on a critical item does not cap, but stays a critical gap.
        a.insert("crit".into(), Answer::Sebagian);
        let sheet = score(&s, &a);
        assert!(!sheet.capped && sheet.meets_threshold());
        assert_eq!(sheet.critical_gaps(), 1);
        // A critical item that does not apply neither caps nor counts.
        a.insert("crit".into(), Answer::TidakBerlaku);
        assert_eq!(score(&s, &a).overall_permille, Some(1000));
    }

    #[test]
    fn gaps_rank_critical_first_then_weight_times_shortfall() {
        let s = standard(&[
            ("light", "A", 1, false),
            ("heavy_half", "A", 3, false),
            ("heavy_none", "A", 3, false),
            ("crit_half", "B", 1, true),
            ("fine", "B", 3, false),
        ]);
        let sheet = score(
            &s,
            &answers(&[
                ("light", Answer::Tidak),
                ("heavy_half", Answer::Sebagian),
                ("heavy_none", Answer::Tidak),
                ("crit_half", Answer::Sebagian),
                ("fine", Answer::Ya),
            ]),
        );
        let order: Vec<&str> = sheet.gaps.iter().map(|g| g.item_id.as_str()).collect();
        assert_eq!(order, ["crit_half", "heavy_none", "heavy_half", "light"]);
        assert_eq!(sheet.gaps[1].priority, 6);
    }

    #[test]
    fn unanswered_items_are_not_scored_and_comparison_is_per_clause() {
        let s = standard(&[("a1", "A", 1, false), ("b1", "B", 1, false)]);
        let before = score(&s, &answers(&[("a1", Answer::Tidak), ("b1", Answer::Sebagian)]));
        let after = score(&s, &answers(&[("a1", Answer::Ya)]));
        assert!(!after.complete());
        let d = compare(&before, &after);
        assert_eq!(d[0].change, Some(1000));
        assert_eq!((d[1].previous, d[1].current, d[1].change), (Some(500), None, None));
        assert_eq!(band(799), "70_79");
        assert_eq!(band(800), "ge80");
        assert_eq!(percent_text(795, ','), "79,5 %");
    }
}
