//! Streaming spreadsheet readers.
//!
//! [`SheetReader::open`] reads the header row, then yields data rows one at
//! a time as [`RawRow`]s: the row number as a spreadsheet shows it (header =
//! row 1) and the cells as text. Blank rows are skipped and yield nothing,
//! but they still count toward the numbers of the rows after them, as in the
//! spreadsheet (a blank line 5 makes the next row 6).

mod csv_reader;
mod xlsx_reader;

pub use csv_reader::{sniff_delimiter, CsvRows};
pub use xlsx_reader::{render_float, XlsxRows};

use std::path::Path;

/// One data row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// Row number as the spreadsheet shows it; the header is row 1.
    pub row: u64,
    pub cells: Vec<String>,
}

impl RawRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `.xlsx`/`.xlsm` → XLSX; anything else → CSV.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("xlsx" | "xlsm") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// Why a file (not a row) cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the file has no header row")]
    NoHeader,
    #[error("the header row is not valid UTF-8")]
    HeaderEncoding,
    #[error("missing required columns: {0}")]
    MissingColumns(String),
    #[error("not a readable XLSX workbook: {0}")]
    Xlsx(String),
    #[error("no sheet named {0:?} (sheets: {1})")]
    NoSuchSheet(String, String),
    #[error("CSV error at line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// A row-level problem found while reading (the row is still numbered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowIssue {
    /// Bytes that are not UTF-8; the cells are decoded lossily.
    Encoding,
}

/// How the source was laid out, so an errors file can mirror it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLayout {
    pub format: Format,
    pub delimiter: u8,
    pub bom: bool,
    pub sheet: Option<String>,
}

enum Inner {
    Csv(Box<CsvRows>),
    Xlsx(XlsxRows),
}

/// A header plus a stream of data rows from a CSV or XLSX file.
pub struct SheetReader {
    headers: Vec<String>,
    layout: SourceLayout,
    inner: Inner,
}

impl SheetReader {
    /// Opens `path` (format by extension, or by content: a ZIP signature
    /// means XLSX). `sheet` picks an XLSX sheet by name; the first otherwise.
    pub fn open(path: &Path, sheet: Option<&str>) -> Result<SheetReader, ReadError> {
        let io = |source| ReadError::Io { path: path.display().to_string(), source };
        let mut format = Format::from_path(path);
        if format == Format::Csv {
            use std::io::Read;
            let mut magic = [0u8; 4];
            let mut f = std::fs::File::open(path).map_err(io)?;
            let n = f.read(&mut magic).map_err(io)?;
            if n == 4 && magic == *b"PK\x03\x04" {
                format = Format::Xlsx;
            }
        }
        match format {
            Format::Csv => {
                let file = std::fs::File::open(path).map_err(io)?;
                let (rows, headers) = CsvRows::new(file)?;
                let layout = SourceLayout { format, delimiter: rows.delimiter(), bom: rows.had_bom(), sheet: None };
                Ok(SheetReader { headers, layout, inner: Inner::Csv(Box::new(rows)) })
            }
            Format::Xlsx => {
                let (rows, headers, sheet) = XlsxRows::open(path, sheet)?;
                let layout = SourceLayout { format, delimiter: b',', bom: false, sheet: Some(sheet) };
                Ok(SheetReader { headers, layout, inner: Inner::Xlsx(rows) })
            }
        }
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// A function telling how many bytes of the input were consumed (CSV
    /// only), for progress and ETA.
    pub fn byte_counter(&self) -> Option<Box<dyn Fn() -> u64 + Send>> {
        match &self.inner {
            Inner::Csv(r) => {
                let c = r.byte_counter();
                Some(Box::new(move || c.load(std::sync::atomic::Ordering::Relaxed)))
            }
            Inner::Xlsx(_) => None,
        }
    }

    pub fn layout(&self) -> &SourceLayout {
        &self.layout
    }

    /// The next non-blank data row, with any row-level issue.
    pub fn next_row(&mut self) -> Option<Result<(RawRow, Option<RowIssue>), ReadError>> {
        match &mut self.inner {
            Inner::Csv(r) => r.next_row(),
            Inner::Xlsx(r) => r.next().map(|r| r.map(|x| (x, None))),
        }
    }
}

impl Iterator for SheetReader {
    type Item = Result<RawRow, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().map(|r| r.map(|(row, _)| row))
    }
}
