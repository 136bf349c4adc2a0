//! The in-file duplicate check: has this NIB and data year appeared earlier
//! in the file, and in which row?
//!
//! Exact for any row order, in memory that grows with the distinct NIBs of
//! the file, not with its rows: per NIB one 8-byte slot (the NIB and a bit
//! per data year) and the 4-byte row where the NIB first appeared, in an
//! open-addressing table (linear probing, between 3/8 and 3/4 full): 16 to
//! 32 bytes per enterprise, 96 MB for the 4.4 million enterprises of a
//! national file however many years each has. (The earlier
//! `(NIB, year) → row` map took about 16 bytes per row and peaked at 1.8 GB
//! on a national file of 31 million rows.) An exact answer for an unsorted
//! file needs a record of every NIB seen: grouping cannot be assumed, a file
//! concatenated from yearly exports repeats every NIB once a year.
//!
//! The row of the first occurrence is known without storing it per row when
//! - it is in the current run of consecutive rows of the NIB, or
//! - it was in the NIB's first run, that run was regular (consecutive row
//!   numbers, years ascending — how the generator and the export write an
//!   enterprise) and no later run added a year: the row is then the run's
//!   first row plus the number of its years before this one.
//!
//! Otherwise (a NIB spread over the file in irregular pieces) the repeat is
//! still found and the reason says "earlier in the file" without a row.
//!
//! A slot is `(nib + 1) << 20 | years`, with bit `i` for the year
//! `base + i`: NIBs have 13 digits (below 2^44) and the 20 most recent data
//! years fit the rest. Other years (data years start in 2000) go to a small
//! exact map beside the table.

use std::collections::HashMap;

/// Years with a bit in the slot.
const YEAR_BITS: u32 = 20;
const YEAR_MASK: u64 = (1 << YEAR_BITS) - 1;
const MIN_CAPACITY: usize = 1 << 12;
/// In `first`: a later run added a year, ranks no longer give rows.
const MIXED: u32 = 1 << 31;
/// In `first`: the row is not known (irregular first run, or beyond 2^31).
const UNKNOWN: u32 = 0;

/// Whether a row repeats an earlier NIB and data year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    First,
    /// A repeat; the row of the first occurrence when it is known.
    Repeat(Option<u64>),
}

/// The current run of consecutive rows of one NIB.
#[derive(Default)]
struct Run {
    nib: Option<u64>,
    /// The NIB had not appeared before this run.
    first: bool,
    rows: Vec<(i32, u64)>,
}

pub(super) struct Seen {
    slots: Vec<u64>,
    /// Per slot: the row of the NIB's first run, with [`MIXED`].
    first: Vec<u32>,
    used: usize,
    /// Year of bit 0.
    base: i32,
    /// NIB-years without a bit, with their rows.
    outside: HashMap<(u64, i32), u64>,
    run: Run,
}

/// splitmix64: NIBs are decimal numbers, often sequential.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Seen {
    /// `newest_year` is the latest data year a valid row can carry.
    pub(super) fn new(newest_year: i32) -> Seen {
        Seen {
            slots: vec![0; MIN_CAPACITY],
            first: vec![UNKNOWN; MIN_CAPACITY],
            used: 0,
            base: newest_year - YEAR_BITS as i32 + 1,
            outside: HashMap::new(),
            run: Run::default(),
        }
    }

    /// Records the row's NIB (13 digits) and year; says whether they were
    /// already recorded.
    pub(super) fn check(&mut self, nib: &str, year: i32, row: u64) -> Verdict {
        let Ok(n) = nib.parse::<u64>() else {
            // Validated NIBs are digits; anything else is not tracked.
            return Verdict::First;
        };
        let (i, new_nib) = self.slot_of(n);
        if self.run.nib != Some(n) {
            self.run = Run { nib: Some(n), first: new_nib, rows: std::mem::take(&mut self.run.rows) };
            self.run.rows.clear();
            if new_nib {
                self.first[i] = u32::try_from(row).ok().filter(|r| *r < MIXED).unwrap_or(UNKNOWN);
            }
        }
        let in_window = year >= self.base && year - self.base < YEAR_BITS as i32;
        if self.run.first {
            // Ranks give rows only for consecutive rows with ascending years
            // inside the window.
            let regular = match self.run.rows.last() {
                Some(&(y, r)) => r + 1 == row && y < year,
                None => true,
            };
            if !regular || !in_window {
                self.first[i] = UNKNOWN;
            }
        }
        let repeat = if in_window {
            let bit = 1u64 << (year - self.base);
            let repeat = self.slots[i] & bit != 0;
            self.slots[i] |= bit;
            if repeat {
                self.first_row(i, bit)
            } else {
                None
            }
        } else {
            match self.outside.get(&(n, year)) {
                Some(&r) => Some(Some(r)),
                None => {
                    self.outside.insert((n, year), row);
                    None
                }
            }
        };
        match repeat {
            None => {
                if !self.run.first {
                    self.first[i] |= MIXED;
                }
                self.run.rows.push((year, row));
                Verdict::First
            }
            Some(known) => {
                let in_run = self.run.rows.iter().find(|(y, _)| *y == year).map(|(_, r)| *r);
                Verdict::Repeat(in_run.or(known))
            }
        }
    }

    /// The row of the year `bit` of slot `i` from its first run, if ranks
    /// give it.
    fn first_row(&self, i: usize, bit: u64) -> Option<Option<u64>> {
        let f = self.first[i];
        if f == UNKNOWN || f & MIXED != 0 {
            return Some(None);
        }
        let rank = (self.slots[i] & YEAR_MASK & (bit - 1)).count_ones();
        Some(Some(u64::from(f) + u64::from(rank)))
    }

    /// The slot of NIB `n`, claimed if new (then `true`).
    fn slot_of(&mut self, n: u64) -> (usize, bool) {
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let key = (n + 1) << YEAR_BITS;
        let i = self.find(key);
        if self.slots[i] != 0 {
            return (i, false);
        }
        self.slots[i] = key;
        self.used += 1;
        (i, true)
    }

    /// The slot holding `key` (years masked off), or the empty slot where it
    /// belongs.
    fn find(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = mix(key >> YEAR_BITS) as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 || s & !YEAR_MASK == key {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let slots = std::mem::replace(&mut self.slots, vec![0; len]);
        let first = std::mem::replace(&mut self.first, vec![UNKNOWN; len]);
        for (s, f) in slots.into_iter().zip(first).filter(|(s, _)| *s != 0) {
            let i = self.find(s & !YEAR_MASK);
            self.slots[i] = s;
            self.first[i] = f;
        }
    }

    /// Bytes held by the table, for the notes above.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.slots.len() * 12
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_in_a_run_name_the_first_row() {
        let mut s = Seen::new(2026);
        assert_eq!(s.check("1234567890123", 2024, 2), Verdict::First);
        assert_eq!(s.check("1234567890123", 2025, 3), Verdict::First);
        assert_eq!(s.check("1234567890123", 2024, 4), Verdict::Repeat(Some(2)));
        assert_eq!(s.check("1234567890124", 2024, 5), Verdict::First);
    }

    #[test]
    fn repeats_after_other_nibs_name_the_row_of_a_regular_first_run() {
        let mut s = Seen::new(2026);
        for (row, year) in [(2, 2022), (3, 2023), (4, 2024)] {
            assert_eq!(s.check("1234567890123", year, row), Verdict::First);
        }
        assert_eq!(s.check("2234567890123", 2024, 5), Verdict::First);
        assert_eq!(s.check("1234567890123", 2023, 6), Verdict::Repeat(Some(3)));
        assert_eq!(s.check("1234567890123", 2024, 7), Verdict::Repeat(Some(4)));
        // A later run adds a year: repeats are still found, rows no longer.
        assert_eq!(s.check("1234567890123", 2021, 8), Verdict::First);
        assert_eq!(s.check("2234567890123", 2024, 9), Verdict::Repeat(Some(5)));
        assert_eq!(s.check("1234567890123", 2022, 10), Verdict::Repeat(None));
        assert_eq!(s.check("1234567890123", 2021, 11), Verdict::Repeat(None));
    }

    #[test]
    fn an_irregular_first_run_loses_only_the_row() {
        let mut s = Seen::new(2026);
        assert_eq!(s.check("1234567890123", 2024, 2), Verdict::First);
        assert_eq!(s.check("1234567890123", 2023, 3), Verdict::First);
        assert_eq!(s.check("2234567890123", 2024, 4), Verdict::First);
        assert_eq!(s.check("1234567890123", 2024, 5), Verdict::Repeat(None));
    }

    #[test]
    fn repeats_after_other_nibs_are_found_without_a_row() {
        let mut s = Seen::new(2026);
        // Year-major order: every NIB comes back once a year (its later
        // runs add years, so rows are no longer derived).
        for year in [2024, 2025] {
            for i in 0..10_000u64 {
                let nib = (1_000_000_000_000 + i * 7_919).to_string();
                assert_eq!(s.check(&nib, year, i), Verdict::First, "{nib} {year}");
            }
        }
        assert_eq!(s.check("1000000000000", 2025, 99_999), Verdict::Repeat(None));
        assert_eq!(s.check("1000000000000", 2023, 100_000), Verdict::First);
    }

    #[test]
    fn years_before_the_window_and_the_extreme_nibs_are_exact() {
        let mut s = Seen::new(2026);
        assert_eq!(s.check("9999999999999", 2000, 2), Verdict::First);
        assert_eq!(s.check("9999999999999", 2026, 3), Verdict::First);
        assert_eq!(s.check("9999999999999", 2000, 4), Verdict::Repeat(Some(2)));
        assert_eq!(s.check("9999999999999", 2026, 5), Verdict::Repeat(Some(3)));
        assert_eq!(s.check("0000000000000", 2026, 6), Verdict::First);
        assert_eq!(s.check("0000000000000", 2026, 7), Verdict::Repeat(Some(6)));
        // Out of the run: years outside the window keep their rows; the
        // others are still found, without the row (the first run held a
        // year outside the window, so ranks say nothing).
        assert_eq!(s.check("9999999999999", 2000, 8), Verdict::Repeat(Some(2)));
        assert_eq!(s.check("9999999999999", 2026, 9), Verdict::Repeat(None));
    }

    #[test]
    fn memory_grows_with_nibs_not_rows() {
        let mut s = Seen::new(2026);
        for i in 0..100_000u64 {
            for year in 2017..=2026 {
                s.check(&(1_000_000_000_000 + i).to_string(), year, i);
            }
        }
        // 100,000 NIBs × 10 years: at most 4 slots of 12 bytes per NIB.
        assert!(s.bytes() <= 100_000 * 48, "{} bytes", s.bytes());
    }
}
