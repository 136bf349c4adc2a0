//! XLSX: the first sheet or a named one, streamed cell by cell on a reader
//! thread (calamine's cell reader borrows the workbook, so the thread owns
//! both) and handed over in chunks through a bounded channel.
//!
//! Numeric cells become text without float artefacts: whole numbers as
//! integers (`750000000.0` → `750000000`), others in the shortest form that
//! reads back to the same value (`1250.05`). Date cells become ISO dates
//! (`2024-03-01`, or `2024-03-01T08:30:00` with a time).

use super::{RawRow, ReadError};
use calamine::{DataRef, Reader, Xlsx};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

const CHUNK: usize = 1024;

/// Rows of one sheet after its header.
pub struct XlsxRows {
    rx: Receiver<Result<Vec<RawRow>, ReadError>>,
    chunk: std::vec::IntoIter<RawRow>,
    done: bool,
}

/// A float cell as text: integers without `.0`, others shortest round-trip.
pub fn render_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn excel_serial_to_iso(serial: f64, is_1904: bool) -> String {
    let base = if is_1904 { time::macros::date!(1904 - 01 - 01) } else { time::macros::date!(1899 - 12 - 30) };
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let Some(date) = base.checked_add(time::Duration::days(days)) else {
        return render_float(serial);
    };
    if secs == 0 {
        format!("{date}")
    } else {
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        format!("{date}T{h:02}:{m:02}:{s:02}")
    }
}

fn render(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => render_float(*f),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => {
            if d.is_datetime() {
                excel_serial_to_iso(d.as_f64(), false)
            } else {
                render_float(d.as_f64())
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

impl XlsxRows {
    /// Opens the workbook, reads the header on the calling thread's behalf
    /// and streams the rest. Returns the rows, the header and the sheet name.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<(XlsxRows, Vec<String>, String), ReadError> {
        let mut wb: Xlsx<_> = calamine::open_workbook(path).map_err(|e| match e {
            calamine::XlsxError::Io(source) => ReadError::Io { path: path.display().to_string(), source },
            other => ReadError::Xlsx(other.to_string()),
        })?;
        let names = wb.sheet_names();
        let name = match sheet {
            Some(s) => names
                .iter()
                .find(|n| n.as_str() == s)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(s)))
                .cloned()
                .ok_or_else(|| ReadError::NoSuchSheet(s.to_string(), names.join(", ")))?,
            None => names.first().cloned().ok_or(ReadError::NoHeader)?,
        };
        let (tx, rx) = sync_channel::<Result<Vec<RawRow>, ReadError>>(16);
        let sheet_name = name.clone();
        std::thread::Builder::new()
            .name("xlsx-reader".into())
            .spawn(move || {
                // A panic inside the workbook parser (a malformed file) must not
                // end the stream as if the sheet were complete: it becomes an
                // error (found by fuzzing: an arithmetic overflow in calamine).
                let failed = tx.clone();
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    let mut cells = match wb.worksheet_cells_reader(&sheet_name) {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = tx.send(Err(ReadError::Xlsx(e.to_string())));
                            return;
                        }
                    };
                    let mut chunk = Vec::with_capacity(CHUNK);
                    let mut cur: Option<RawRow> = None;
                    let flush = |r: RawRow, chunk: &mut Vec<RawRow>| {
                        if !r.is_blank() {
                            chunk.push(r);
                        }
                    };
                    loop {
                        match cells.next_cell() {
                            Ok(Some(c)) => {
                                let (r, col) = c.get_position();
                                let row = r as u64 + 1;
                                // A sheet lists its rows in ascending order (ECMA-376);
                                // out of order, one row would be split in two and
                                // numbered twice (found by fuzzing).
                                if let Some(x) = cur.as_ref().filter(|x| row < x.row) {
                                    let e = format!("row {row} appears after row {}: the rows are out of order", x.row);
                                    let _ = tx.send(Err(ReadError::Xlsx(e)));
                                    return;
                                }
                                if cur.as_ref().is_some_and(|x| x.row != row) {
                                    flush(cur.take().expect("checked"), &mut chunk);
                                    if chunk.len() >= CHUNK && tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                                        return;
                                    }
                                }
                                let x = cur.get_or_insert_with(|| RawRow { row, cells: Vec::new() });
                                let col = col as usize;
                                let text = render(c.get_value());
                                if col >= x.cells.len() {
                                    if text.is_empty() {
                                        continue;
                                    }
                                    x.cells.resize(col + 1, String::new());
                                }
                                x.cells[col] = text;
                            }
                            Ok(None) => break,
                            Err(e) => {
                                let _ = tx.send(Err(ReadError::Xlsx(e.to_string())));
                                return;
                            }
                        }
                    }
                    if let Some(r) = cur.take() {
                        flush(r, &mut chunk);
                    }
                    if !chunk.is_empty() {
                        let _ = tx.send(Ok(chunk));
                    }
                }));
                if read.is_err() {
                    let _ = failed.send(Err(ReadError::Xlsx("the sheet could not be parsed".into())));
                }
            })
            .map_err(|e| ReadError::Io { path: path.display().to_string(), source: e })?;
        let mut rows = XlsxRows { rx, chunk: Vec::new().into_iter(), done: false };
        let header = match rows.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(e),
            None => return Err(ReadError::NoHeader),
        };
        Ok((rows, header.cells, name))
    }
}

impl Iterator for XlsxRows {
    type Item = Result<RawRow, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.chunk.next() {
                return Some(Ok(r));
            }
            if self.done {
                return None;
            }
            match self.rx.recv() {
                Ok(Ok(c)) => self.chunk = c.into_iter(),
                Ok(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Err(_) => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_without_artefacts() {
        assert_eq!(render_float(750000000.0), "750000000");
        assert_eq!(render_float(1250.05), "1250.05");
        assert_eq!(render_float(2024.0), "2024");
        assert_eq!(render_float(0.1), "0.1");
        assert_eq!(render_float(-3.0), "-3");
        assert_eq!(render_float(2100000000000.0), "2100000000000");
    }

    #[test]
    fn serial_dates_become_iso() {
        assert_eq!(excel_serial_to_iso(45352.0, false), "2024-03-01");
        assert_eq!(excel_serial_to_iso(45352.5, false), "2024-03-01T12:00:00");
    }
}
