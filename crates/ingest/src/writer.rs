//! CSV and XLSX writers for exports, generated files and `--errors` files.
//!
//! Both write row by row: the CSV writer through a buffer, the XLSX writer
//! with `rust_xlsxwriter`'s constant-memory mode (each row is flushed to a
//! temporary file as soon as the next one starts), so memory stays flat.

use rust_xlsxwriter::{Workbook, XlsxError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An XLSX sheet has 1,048,576 rows; one is the header.
pub const XLSX_MAX_DATA_ROWS: u64 = 1_048_575;

/// One cell to write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    /// US dollar cents, written as dollars (`1250.05`; a number in XLSX).
    Cents(i64),
    Empty,
}

impl Cell<'_> {
    /// The text form (CSV, and the reader's view of the cell).
    pub fn render(&self) -> String {
        match self {
            Cell::Text(s) => s.to_string(),
            Cell::Int(v) => v.to_string(),
            Cell::Cents(c) => naikkelas_core::UsdCents::new_unchecked(*c).dollars_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A destination for rows; the first row written is the header.
pub trait SheetWriter {
    fn write_row(&mut self, cells: &[Cell<'_>]) -> io::Result<()>;
    /// Flushes and closes; the file is complete only after this.
    fn finish(self: Box<Self>) -> io::Result<()>;
    /// Data rows written so far (the header not counted).
    fn rows_written(&self) -> u64;
}

/// CSV with a chosen delimiter, optional UTF-8 BOM, LF line ends; fields
/// are quoted when needed.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    rows: u64,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, delimiter: u8, bom: bool) -> Self {
        if bom {
            // A failure here shows again on the first row write.
            let _ = out.write_all("\u{feff}".as_bytes());
        }
        let inner = csv::WriterBuilder::new().delimiter(delimiter).flexible(true).from_writer(out);
        Self { inner, rows: 0 }
    }
}

fn csv_err(e: csv::Error) -> io::Error {
    io::Error::other(e.to_string())
}

impl<W: Write> SheetWriter for CsvWriter<W> {
    fn write_row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        self.inner.write_record(cells.iter().map(|c| c.render())).map_err(csv_err)?;
        self.rows += 1;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.inner.flush()?;
        Ok(())
    }
    fn rows_written(&self) -> u64 {
        self.rows.saturating_sub(1)
    }
}

/// XLSX, one worksheet, constant memory. Text cells are strings, numbers
/// are numeric cells.
pub struct XlsxWriter {
    workbook: Workbook,
    path: PathBuf,
    row: u32,
}

fn xlsx_err(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl XlsxWriter {
    pub fn create(path: &Path, sheet_name: &str) -> io::Result<Self> {
        let mut workbook = Workbook::new();
        let ws = workbook.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
        ws.set_name(sheet_name).map_err(xlsx_err)?;
        // Fail early when the destination cannot be written.
        std::fs::File::create(path)?;
        Ok(Self { workbook, path: path.to_path_buf(), row: 0 })
    }
}

impl SheetWriter for XlsxWriter {
    fn write_row(&mut self, cells: &[Cell<'_>]) -> io::Result<()> {
        if self.row as u64 > XLSX_MAX_DATA_ROWS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("an XLSX sheet holds at most {XLSX_MAX_DATA_ROWS} data rows; use CSV"),
            ));
        }
        let ws = self.workbook.worksheet_from_index(0).map_err(xlsx_err)?;
        for (col, c) in cells.iter().enumerate() {
            let col = col as u16;
            match c {
                Cell::Text("") => {}
                Cell::Text(s) => {
                    ws.write_string(self.row, col, *s).map_err(xlsx_err)?;
                }
                Cell::Int(v) => {
                    ws.write_number(self.row, col, *v as f64).map_err(xlsx_err)?;
                }
                Cell::Cents(c) => {
                    ws.write_number(self.row, col, *c as f64 / 100.0).map_err(xlsx_err)?;
                }
                Cell::Empty => {}
            }
        }
        self.row += 1;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.workbook.save(&self.path).map_err(xlsx_err)
    }
    fn rows_written(&self) -> u64 {
        (self.row as u64).saturating_sub(1)
    }
}
