//! Rebuilding the rollup cells from the tables (migrations/0060_insight.sql
//! keeps them up to date on every write; a bulk load skips those triggers
//! and rebuilds at its end, as do `migrate` after the schema change and
//! `naikkelas rollups rebuild`).
//!
//! The rebuild is split in two so that the end of a bulk load can run the
//! expensive half on a second core: [`compute`] only reads (one pass over
//! the enterprises with their figures in primary-key order, summed in
//! memory: a few hundred thousand cells at national scale, several times
//! faster than SQLite's GROUP BY, which sorts every row first), and
//! [`write`] replaces the cells inside the caller's write transaction.
//! [`compute`] takes a figures row's level as the rebuild will store it (a
//! row written during a bulk load may still have none: it gets its
//! enterprise's), so the two halves may run on different connections as long
//! as nothing else writes in between — [`crate::bulk::finish`] checks that.

use naikkelas_store::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// Before the cells are written: fill the levels of rows written during a
/// bulk load, mark the rebuild (the provincial triggers stand aside) and
/// empty both tables.
const WRITE_START: &[&str] = &[
    "UPDATE figures SET quality_level = (SELECT e.quality_level FROM enterprises e WHERE e.id = figures.enterprise_id)
     WHERE quality_level = ''",
    "INSERT INTO meta (key, value) VALUES ('insight_rebuild', '1') ON CONFLICT (key) DO NOTHING",
    "DELETE FROM insight_rollup",
    "DELETE FROM insight_rollup_province",
];

/// After the regency cells are written: their provincial sums.
const WRITE_END: &[&str] = &[
    "INSERT INTO insight_rollup_province
     SELECT year, province_code, kbli_division, size_class, quality_level, sum(units), sum(workers),
         sum(investment_idr), sum(production_idr), sum(export_usd_cents), sum(exporters), sum(upgraded)
     FROM insight_rollup GROUP BY 1, 2, 3, 4, 5",
    "DELETE FROM meta WHERE key IN ('insight_rebuild', 'insight_rollups_stale')",
];

const HAS_TABLE: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'insight_rollup'";

/// Every figures row with what its cell needs, grouped by enterprise and in
/// year order (both primary keys), its level as [`WRITE_START`] fills it.
const READ: &str = "SELECT e.id, e.province_code, e.regency_code, e.kbli, f.year, f.size_class,
         CASE f.quality_level WHEN '' THEN e.quality_level ELSE f.quality_level END,
         f.workers, f.investment_idr, f.production_idr, f.export_usd_cents
     FROM enterprises e JOIN figures f ON f.enterprise_id = e.id
     ORDER BY e.id, f.year";

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

fn bytes(v: rusqlite::types::ValueRef<'_>) -> Result<&[u8]> {
    v.as_bytes().map_err(StoreError::backend)
}

fn rank(size: &[u8]) -> u8 {
    match size {
        b"kecil" => 1,
        b"menengah" => 2,
        b"besar" => 3,
        _ => 0,
    }
}

/// The division of the first code of a stored KBLI list (`["10391", …]`),
/// as the triggers' `substr(json_extract(kbli, '$[0]'), 1, 2)`.
fn division_of(kbli: &[u8]) -> &[u8] {
    match kbli {
        [b'[', b'"', a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => &kbli[2..4],
        _ => b"",
    }
}

/// The distinct texts of one column, each named by its position: a cell key
/// of small numbers hashes and compares without touching a string.
#[derive(Default)]
struct Texts(Vec<Vec<u8>>);

impl Texts {
    /// Linear: divisions, size classes and levels have a few dozen values
    /// at most, and a division is looked up once per enterprise.
    fn id(&mut self, text: &[u8]) -> u16 {
        match self.0.iter().position(|t| t == text) {
            Some(i) => i as u16,
            None => {
                self.0.push(text.to_vec());
                (self.0.len() - 1) as u16
            }
        }
    }

    fn text(&self, id: u16) -> std::result::Result<&str, StoreError> {
        std::str::from_utf8(&self.0[id as usize]).map_err(StoreError::backend)
    }
}

/// A cell's key while summing: year, regency, division, size, level (the
/// last four by their ids).
type Key = (i32, u32, u16, u16, u16);

/// The measures of one cell: units, workers, investment, production,
/// exports, exporters, upgraded.
type Sums = [i64; 7];

/// Every cell of a rebuild, summed and not yet written.
pub(crate) struct Cells {
    /// (province, regency) by regency id.
    regencies: Vec<(String, String)>,
    divisions: Texts,
    sizes: Texts,
    levels: Texts,
    sums: HashMap<Key, Sums>,
}

/// Sums every cell from the tables as `conn` sees them; `None` on a database
/// the insight migration has not reached yet (`migrate` finishes a killed
/// bulk load before migrating).
pub(crate) fn compute(conn: &Connection) -> Result<Option<Cells>> {
    let has: Option<i64> = conn.query_row(HAS_TABLE, [], |r| r.get(0)).optional().map_err(err)?;
    if has.is_none() {
        return Ok(None);
    }
    let mut cells = Cells {
        regencies: Vec::new(),
        divisions: Texts::default(),
        sizes: Texts::default(),
        levels: Texts::default(),
        sums: HashMap::new(),
    };
    let mut regency_ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut s = conn.prepare(READ).map_err(err)?;
    let mut rows = s.query([]).map_err(err)?;
    // The enterprise being read (id, regency, division) and its previous
    // row (year, size rank, level).
    let mut current: Option<(i64, u32, u16)> = None;
    let mut previous: Option<(i32, u8, Vec<u8>)> = None;
    while let Some(r) = rows.next().map_err(err)? {
        let id: i64 = r.get(0).map_err(err)?;
        let (regency, division) = match current {
            Some((c, regency, division)) if c == id => (regency, division),
            _ => {
                let code = bytes(r.get_ref(2).map_err(err)?)?;
                let regency = match regency_ids.get(code) {
                    Some(&i) => i,
                    None => {
                        let province: String = r.get(1).map_err(err)?;
                        let code = std::str::from_utf8(code).map_err(StoreError::backend)?.to_string();
                        cells.regencies.push((province, code.clone()));
                        let i = (cells.regencies.len() - 1) as u32;
                        regency_ids.insert(code.into_bytes(), i);
                        i
                    }
                };
                let division = cells.divisions.id(division_of(bytes(r.get_ref(3).map_err(err)?)?));
                current = Some((id, regency, division));
                previous = None;
                (regency, division)
            }
        };
        let year: i32 = r.get(4).map_err(err)?;
        let size = bytes(r.get_ref(5).map_err(err)?)?;
        let level = bytes(r.get_ref(6).map_err(err)?)?;
        let upgraded = match &previous {
            Some((y, s, l)) => *y == year - 1 && (rank(size) > *s || level > l.as_slice()),
            None => false,
        };
        let export: i64 = r.get(10).map_err(err)?;
        let m: Sums = [
            1,
            r.get(7).map_err(err)?,
            r.get(8).map_err(err)?,
            r.get(9).map_err(err)?,
            export,
            i64::from(export > 0),
            i64::from(upgraded),
        ];
        let key = (year, regency, division, cells.sizes.id(size), cells.levels.id(level));
        let cell = cells.sums.entry(key).or_insert([0; 7]);
        for (c, v) in cell.iter_mut().zip(m) {
            *c += v;
        }
        match &mut previous {
            Some(p) => {
                p.0 = year;
                p.1 = rank(size);
                p.2.clear();
                p.2.extend_from_slice(level);
            }
            None => previous = Some((year, rank(size), level.to_vec())),
        }
    }
    Ok(Some(cells))
}

/// Replaces every cell with `cells` in the caller's write transaction.
/// Returns the cells written.
pub(crate) fn write(conn: &Connection, cells: &Cells) -> Result<u64> {
    for sql in WRITE_START {
        conn.execute(sql, []).map_err(err)?;
    }
    let mut insert = conn
        .prepare("INSERT INTO insight_rollup VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")
        .map_err(err)?;
    for (&(year, regency, division, size, level), m) in &cells.sums {
        let (province, regency) = &cells.regencies[regency as usize];
        insert
            .execute(rusqlite::params![
                year,
                province,
                regency,
                cells.divisions.text(division)?,
                cells.sizes.text(size)?,
                cells.levels.text(level)?,
                m[0],
                m[1],
                m[2],
                m[3],
                m[4],
                m[5],
                m[6]
            ])
            .map_err(err)?;
    }
    for sql in WRITE_END {
        conn.execute(sql, []).map_err(err)?;
    }
    Ok(cells.sums.len() as u64)
}

/// Both halves on one connection, in the caller's write transaction.
/// Returns the cells written (0 without the insight migration).
pub(crate) fn rebuild_on(conn: &Connection) -> Result<u64> {
    match compute(conn)? {
        Some(cells) => write(conn, &cells),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_division_is_the_first_codes_two_digits() {
        assert_eq!(division_of(br#"["10391","10392"]"#), b"10");
        assert_eq!(division_of(b"[]"), b"");
        assert_eq!(division_of(br#"["x1"]"#), b"");
    }

    #[test]
    fn texts_keep_one_id_per_distinct_value() {
        let mut t = Texts::default();
        let (a, b) = (t.id(b"kecil"), t.id(b"besar"));
        assert_eq!(t.id(b"kecil"), a);
        assert_ne!(a, b);
        assert_eq!(t.text(b).unwrap(), "besar");
    }
}
