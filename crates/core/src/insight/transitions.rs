//! Naik-kelas transition matrices (DESIGN.md §3): how many enterprises
//! went from each rung of a ladder in year t to each rung in year t + 1.
//! Moving up is naik kelas; the diagonal stayed; below it moved down.

use crate::quality::QualityLevel;
use crate::size_class::SizeClass;
use serde::Serialize;

/// The two ladders an enterprise can climb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ladder {
    /// Permenperin 64/2016 size class: kecil < menengah < besar.
    SizeClass,
    /// The quality ladder L0 < … < L5.
    QualityLevel,
}

impl Ladder {
    pub const ALL: [Ladder; 2] = [Ladder::SizeClass, Ladder::QualityLevel];

    pub fn key(self) -> &'static str {
        match self {
            Ladder::SizeClass => "size_class",
            Ladder::QualityLevel => "quality_level",
        }
    }

    pub fn parse(s: &str) -> Option<Ladder> {
        Ladder::ALL.into_iter().find(|l| l.key() == s.trim())
    }

    /// The rungs from the lowest, as stored (`kecil`, `L0`, …).
    pub fn rungs(self) -> Vec<&'static str> {
        match self {
            Ladder::SizeClass => SizeClass::ALL.iter().map(|c| c.as_str()).collect(),
            Ladder::QualityLevel => QualityLevel::ALL.iter().map(|l| l.as_str()).collect(),
        }
    }

    /// The rank of a stored rung; `None` for a value of neither ladder.
    pub fn rank(self, rung: &str) -> Option<usize> {
        match self {
            Ladder::SizeClass => SizeClass::parse(rung).map(|c| c.rank() as usize),
            Ladder::QualityLevel => QualityLevel::parse(rung).map(|l| l.rank() as usize),
        }
    }
}

/// Up, down or the same rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Same,
    Down,
}

impl Direction {
    pub fn of(from_rank: usize, to_rank: usize) -> Direction {
        match to_rank.cmp(&from_rank) {
            std::cmp::Ordering::Greater => Direction::Up,
            std::cmp::Ordering::Equal => Direction::Same,
            std::cmp::Ordering::Less => Direction::Down,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Same => "same",
            Direction::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::Up, Direction::Same, Direction::Down].into_iter().find(|d| d.key() == s.trim())
    }
}

/// Counts from rung (row) to rung (column), square over the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransitionMatrix {
    pub ladder: Ladder,
    /// The year t; the columns are year t + 1.
    pub year: i32,
    pub rungs: Vec<&'static str>,
    pub counts: Vec<Vec<u64>>,
}

/// An unknown rung: the store held a value of neither ladder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a rung of the {1:?} ladder")]
pub struct UnknownRung(pub String, pub Ladder);

impl TransitionMatrix {
    /// Builds the matrix from `(from, to, count)` cells as stored; the same
    /// pair may come more than once (it adds up).
    pub fn from_cells<'a>(
        ladder: Ladder,
        year: i32,
        cells: impl IntoIterator<Item = (&'a str, &'a str, u64)>,
    ) -> Result<TransitionMatrix, UnknownRung> {
        let rungs = ladder.rungs();
        let mut counts = vec![vec![0u64; rungs.len()]; rungs.len()];
        for (from, to, n) in cells {
            let f = ladder.rank(from).ok_or_else(|| UnknownRung(from.to_string(), ladder))?;
            let t = ladder.rank(to).ok_or_else(|| UnknownRung(to.to_string(), ladder))?;
            counts[f][t] += n;
        }
        Ok(TransitionMatrix { ladder, year, rungs, counts })
    }

    pub fn count(&self, d: Direction) -> u64 {
        let mut n = 0;
        for (f, row) in self.counts.iter().enumerate() {
            for (t, c) in row.iter().enumerate() {
                if Direction::of(f, t) == d {
                    n += c;
                }
            }
        }
        n
    }

    /// Enterprises with figures in both years.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn row_total(&self, from: usize) -> u64 {
        self.counts[from].iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_by_direction() {
        // 2023 → 2024: 5 kecil stayed, 2 kecil → menengah, 1 menengah → kecil,
        // 1 menengah → besar, 3 menengah stayed.
        let m = TransitionMatrix::from_cells(
            Ladder::SizeClass,
            2023,
            [("kecil", "kecil", 5), ("kecil", "menengah", 2), ("menengah", "kecil", 1), ("menengah", "besar", 1)]
                .into_iter()
                .chain([("menengah", "menengah", 3)]),
        )
        .unwrap();
        assert_eq!(m.counts, vec![vec![5, 2, 0], vec![1, 3, 1], vec![0, 0, 0]]);
        assert_eq!((m.count(Direction::Up), m.count(Direction::Same), m.count(Direction::Down)), (3, 8, 1));
        assert_eq!((m.total(), m.row_total(1)), (12, 5));
        assert_eq!(
            TransitionMatrix::from_cells(Ladder::QualityLevel, 2023, [("L0", "L9", 1)]),
            Err(UnknownRung("L9".into(), Ladder::QualityLevel))
        );
        let q = TransitionMatrix::from_cells(Ladder::QualityLevel, 2023, [("L1", "L3", 4), ("L5", "L0", 1)]).unwrap();
        assert_eq!((q.count(Direction::Up), q.count(Direction::Down), q.rungs.len()), (4, 1, 6));
        assert_eq!(Ladder::parse("quality_level"), Some(Ladder::QualityLevel));
        assert_eq!(Direction::parse("down"), Some(Direction::Down));
    }

    proptest! {
        #[test]
        fn directions_partition_the_total(cells in proptest::collection::vec((0usize..6, 0usize..6, 0u64..1000), 0..40)) {
            let rungs = Ladder::QualityLevel.rungs();
            let m = TransitionMatrix::from_cells(
                Ladder::QualityLevel, 2020, cells.iter().map(|&(f, t, n)| (rungs[f], rungs[t], n)),
            ).unwrap();
            let sum = m.count(Direction::Up) + m.count(Direction::Same) + m.count(Direction::Down);
            prop_assert_eq!(sum, m.total());
            prop_assert_eq!(m.total(), cells.iter().map(|c| c.2).sum::<u64>());
        }
    }
}
