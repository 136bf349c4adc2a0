//! Import orchestration: read, validate, check scope, write in batches.
//!
//! Pipeline: a blocking reader thread streams rows from the file (or the
//! generator), validates each with the core rules (the same as the UI and
//! the API), applies the actor's region scope and the in-file duplicate
//! check, and hands batches of valid rows over a bounded channel; the async
//! side writes each batch with one `Store::import_batch` call (one
//! transaction), counts the outcomes and writes the errors file. Parsing and
//! database writes overlap, and at most a few batches are in memory.
//!
//! Crash safety: a batch is one transaction, so a killed import loses at
//! most the batch in flight; re-running the same file upserts by NIB and
//! data year, so nothing is duplicated and finished rows come back as
//! `unchanged`.
//!
//! Reporting choices:
//! - one `rejected` entry per rejected row: its first fault in column order
//!   (`column` is the canonical column name, `null` for a row-level fault);
//!   the errors file's reason column lists every fault of the row;
//! - the summary keeps the first [`MAX_REPORTED`] rejected rows; the errors
//!   file has all of them; `rejected_rows` counts all;
//! - an unknown column is listed once in `unknown_columns` (and ignored);
//! - `--dry-run` reports `valid` (rows that would be written) and writes
//!   nothing; inserted/updated/unchanged stay 0 because telling them apart
//!   needs the database.
//! - The in-file duplicate check ([`seen`]) keeps 12 bytes per distinct
//!   NIB — the one structure that grows with the file, with its
//!   enterprises rather than its rows. Generated data skips it (unique by
//!   construction).

use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::Service;
use naikkelas_core::{Actor, FieldError, Scope, ValidationErrors};
use naikkelas_ingest::columns::{HeaderMap, GENERATED_COLUMNS};
use naikkelas_ingest::reader::{Format, RawRow, ReadError, RowIssue, SheetReader, SourceLayout};
use naikkelas_ingest::writer::{Cell, CsvWriter, SheetWriter, XlsxWriter};
use naikkelas_ingest::{Generator, GeneratorConfig};
use naikkelas_store::{ImportRow, RowOutcome};
use seen::{Seen, Verdict};
use serde::Serialize;
use std::path::{Path, PathBuf};

mod seen;

/// Rejected rows kept in the summary; the errors file has all of them.
pub const MAX_REPORTED: usize = 10_000;

/// Default rows per `import_batch` call (one transaction each).
pub const DEFAULT_BATCH: usize = 10_000;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Write rejected rows (original values plus a reason column) here, in
    /// the input's format.
    pub errors_out: Option<PathBuf>,
    /// XLSX sheet name; the first sheet otherwise.
    pub sheet: Option<String>,
    /// Language of the reasons.
    pub lang: Lang,
    /// Rows per transaction.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self { dry_run: false, errors_out: None, sheet: None, lang: Lang::Id, batch_size: DEFAULT_BATCH }
    }
}

/// One rejected row as the `--json` summary shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// Row number as the spreadsheet shows it (header = 1).
    pub row: u64,
    /// Canonical column name; `None` (JSON `null`) for a row-level fault.
    pub column: Option<String>,
    pub reason: String,
}

/// The result of an import. Serialises to the DESIGN.md §5 contract
/// `{"inserted", "updated", "unchanged", "rejected"}`; the other keys appear
/// only when they say something (unknown columns, a truncated list, a dry
/// run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// The first [`MAX_REPORTED`] rejected rows, in file order.
    pub rejected: Vec<RejectedRow>,
    /// Headers that matched no column (ignored).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_columns: Vec<String>,
    /// Required columns the header lacks. The file is still processed (its
    /// rows are rejected for the missing values), as the contract asks for
    /// a readable file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_columns: Vec<String>,
    /// More rows were rejected than `rejected` lists.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rejected_truncated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Dry run: rows that passed every check and would be written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<u64>,
    /// Data rows read (blank rows not counted).
    #[serde(skip)]
    pub rows_read: u64,
    /// All rejected rows, including those beyond the list.
    #[serde(skip)]
    pub rejected_rows: u64,
}

impl ImportSummary {
    /// Human-readable notes about the file (unknown and missing columns),
    /// translated.
    pub fn warnings(&self, lang: Lang) -> Vec<String> {
        let mut w: Vec<String> = self
            .unknown_columns
            .iter()
            .map(|c| i18n::reason(lang, &FieldError::new("", "column.unknown").with("value", c)))
            .collect();
        if !self.missing_columns.is_empty() {
            let e = FieldError::new("file", "file.missing_columns").with("value", self.missing_columns.join(", "));
            w.push(i18n::reason(lang, &e));
        }
        w
    }
}

/// Progress reports, after each batch and at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Bytes of the input consumed and its size, when known (CSV).
    pub bytes_read: Option<u64>,
    pub bytes_total: Option<u64>,
    /// Rows the source will yield in total, when known (generated data).
    pub rows_total: Option<u64>,
    pub done: bool,
}

/// A row stream for [`Service::import_rows`].
pub type RowStream = Box<dyn Iterator<Item = Result<(RawRow, Option<RowIssue>), ReadError>> + Send>;

// --- file errors -------------------------------------------------------------

fn file_error(e: ReadError) -> AppError {
    let fe = match &e {
        ReadError::MissingColumns(cols) => FieldError::new("file", "file.missing_columns").with("value", cols),
        ReadError::NoHeader => FieldError::new("file", "file.no_header"),
        ReadError::NoSuchSheet(name, sheets) => {
            FieldError::new("file", "file.no_sheet").with("value", name).with("sheets", sheets)
        }
        other => FieldError::new("file", "file.unreadable").with("value", other.to_string()),
    };
    AppError::Invalid(ValidationErrors(vec![fe]))
}

fn write_error(path: &Path, e: std::io::Error) -> AppError {
    AppError::field(FieldError::new("file", "file.unwritable").with("value", format!("{}: {e}", path.display())))
}

// --- the producer (blocking thread) --------------------------------------------

struct Rejection {
    row: u64,
    /// All faults, the first in column order first.
    errors: Vec<FieldError>,
    cells: Vec<String>,
}

#[derive(Default)]
struct Batch {
    rows: Vec<ImportRow>,
    /// Original cells of `rows`, when an errors file is wanted (the store can
    /// still reject a row, e.g. a finalised year).
    cells: Vec<Vec<String>>,
    rejections: Vec<Rejection>,
    rows_read: u64,
    bytes_read: Option<u64>,
}

enum Msg {
    Batch(Batch),
    Failed(ReadError),
}

struct ProducerCfg {
    map: HeaderMap,
    scope: Scope,
    batch_size: usize,
    keep_cells: bool,
    track_duplicates: bool,
    this_year: i32,
}

fn produce(
    svc: Service,
    cfg: ProducerCfg,
    mut rows: RowStream,
    bytes: Option<Box<dyn Fn() -> u64 + Send>>,
    tx: tokio::sync::mpsc::Sender<Msg>,
) {
    let reference = svc.reference();
    let mut seen = Seen::new(cfg.this_year);
    let mut batch = Batch::default();
    let send = |b: Batch| tx.blocking_send(Msg::Batch(b)).is_ok();
    loop {
        let next = rows.next();
        let Some(item) = next else { break };
        let (mut raw, issue) = match item {
            Ok(x) => x,
            Err(e) => {
                let _ = tx.blocking_send(Msg::Failed(e));
                return;
            }
        };
        batch.rows_read += 1;
        let reject = |errors: Vec<FieldError>, raw: RawRow| Rejection { row: raw.row, errors, cells: raw.cells };
        if issue == Some(RowIssue::Encoding) {
            batch.rejections.push(reject(vec![FieldError::new("", "row.encoding")], raw));
        } else {
            match naikkelas_ingest::validate_row_in_place(&cfg.map, &mut raw, reference, cfg.this_year) {
                Err(errors) => batch.rejections.push(reject(errors, raw)),
                Ok(v) => {
                    let verdict = if cfg.track_duplicates {
                        seen.check(v.profile.nib.as_str(), v.figures.year, raw.row)
                    } else {
                        Verdict::First
                    };
                    if let Verdict::Repeat(first) = verdict {
                        let e = match first {
                            Some(first) => FieldError::new("", "row.duplicate").with("first_row", first),
                            None => FieldError::new("", "row.duplicate_earlier"),
                        };
                        let e = e.with("nib", &v.profile.nib).with("year", v.figures.year);
                        batch.rejections.push(reject(vec![e], raw));
                    } else if !cfg.scope.permits(&v.profile.regency, &v.profile.nib) {
                        let e =
                            FieldError::new("kode_wilayah", "scope.outside_region").with("value", &v.profile.regency);
                        batch.rejections.push(reject(vec![e], raw));
                    } else {
                        batch.rows.push(ImportRow { row: v.row, profile: v.profile, figures: v.figures });
                        if cfg.keep_cells {
                            batch.cells.push(raw.cells);
                        }
                    }
                }
            }
        }
        if batch.rows.len() >= cfg.batch_size || batch.rejections.len() >= cfg.batch_size {
            batch.bytes_read = bytes.as_ref().map(|f| f());
            if !send(std::mem::take(&mut batch)) {
                return;
            }
        }
    }
    batch.bytes_read = bytes.as_ref().map(|f| f());
    let _ = send(batch);
}

// --- the errors file -------------------------------------------------------------

struct ErrorsFile {
    writer: Box<dyn SheetWriter + Send>,
    width: usize,
    path: PathBuf,
}

impl ErrorsFile {
    fn create(path: &Path, layout: &SourceLayout, headers: &[String], lang: Lang) -> AppResult<Self> {
        let mut writer: Box<dyn SheetWriter + Send> = match layout.format {
            Format::Xlsx => Box::new(
                XlsxWriter::create(path, layout.sheet.as_deref().unwrap_or("Sheet1"))
                    .map_err(|e| write_error(path, e))?,
            ),
            Format::Csv => {
                let f = std::fs::File::create(path).map_err(|e| write_error(path, e))?;
                Box::new(CsvWriter::new(std::io::BufWriter::new(f), layout.delimiter, layout.bom))
            }
        };
        let reason_header = match lang {
            Lang::Id => "alasan",
            Lang::En => "reason",
        };
        let mut cells: Vec<Cell<'_>> = headers.iter().map(|h| Cell::Text(h)).collect();
        cells.push(Cell::Text(reason_header));
        writer.write_row(&cells).map_err(|e| write_error(path, e))?;
        Ok(Self { writer, width: headers.len(), path: path.to_path_buf() })
    }

    fn write(&mut self, cells: &[String], reason: &str) -> AppResult<()> {
        let mut out: Vec<Cell<'_>> = cells.iter().take(self.width).map(|c| Cell::Text(c)).collect();
        out.resize(self.width, Cell::Text(""));
        out.push(Cell::Text(reason));
        self.writer.write_row(&out).map_err(|e| write_error(&self.path, e))
    }

    fn finish(self) -> AppResult<()> {
        let path = self.path.clone();
        self.writer.finish().map_err(|e| write_error(&path, e))
    }
}

/// `kolom: alasan; kolom: alasan` for the errors file.
fn all_reasons(lang: Lang, errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            let r = i18n::reason(lang, e);
            if e.field.is_empty() {
                r
            } else {
                format!("{}: {r}", e.field)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

// --- the service ---------------------------------------------------------------------

impl Service {
    fn import_scope(&self, actor: &Actor) -> AppResult<Scope> {
        if actor.can_register() {
            Ok(actor.registry_scope())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Imports an enterprise file (CSV or XLSX). Errors only when the file
    /// itself cannot be read (or the actor may not import); rejected rows are
    /// in the summary.
    pub async fn import_file(
        &self,
        actor: &Actor,
        path: &Path,
        opts: &ImportOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> AppResult<ImportSummary> {
        self.import_scope(actor)?;
        let reader = SheetReader::open(path, opts.sheet.as_deref()).map_err(file_error)?;
        let headers = reader.headers().to_vec();
        let layout = reader.layout().clone();
        let total = std::fs::metadata(path).ok().map(|m| m.len()).filter(|_| layout.format == Format::Csv);
        let bytes = reader.byte_counter();
        let rows: RowStream = Box::new(ReaderRows(reader));
        if opts.dry_run {
            return self.import_stream(actor, headers, layout, rows, bytes, total, None, true, opts, progress).await;
        }
        // The store decides whether a bulk-load mode pays (about 200 bytes
        // per CSV row); it must be ended whatever the outcome.
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        self.store().begin_bulk_load(size / 200).await?;
        let result = self.import_stream(actor, headers, layout, rows, bytes, total, None, true, opts, progress).await;
        let ended = self.store().end_bulk_load().await;
        let summary = result?;
        ended?;
        Ok(summary)
    }

    /// Imports rows from any source whose first row was `headers` (matched
    /// like a file header). Rows are numbered by the caller.
    pub async fn import_rows(
        &self,
        actor: &Actor,
        headers: Vec<String>,
        rows: RowStream,
        opts: &ImportOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> AppResult<ImportSummary> {
        let layout = SourceLayout { format: Format::Csv, delimiter: b',', bom: false, sheet: None };
        self.import_stream(actor, headers, layout, rows, None, None, None, true, opts, progress).await
    }

    /// Generates synthetic data and imports it directly (the demo). Rows are
    /// numbered as in the generated file (header = 1).
    pub async fn import_generated(
        &self,
        actor: &Actor,
        cfg: GeneratorConfig,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> AppResult<ImportSummary> {
        let headers: Vec<String> = GENERATED_COLUMNS.iter().map(|s| s.to_string()).collect();
        let rows: RowStream =
            Box::new(Generator::new(cfg).enumerate().map(|(i, g)| Ok((g.to_raw(i as u64 + 2), None))));
        let layout = SourceLayout { format: Format::Csv, delimiter: b',', bom: false, sheet: None };
        let opts = ImportOptions::default();
        self.import_stream(actor, headers, layout, rows, None, None, None, false, &opts, progress).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_stream(
        &self,
        actor: &Actor,
        headers: Vec<String>,
        layout: SourceLayout,
        rows: RowStream,
        bytes: Option<Box<dyn Fn() -> u64 + Send>>,
        bytes_total: Option<u64>,
        rows_total: Option<u64>,
        track_duplicates: bool,
        opts: &ImportOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> AppResult<ImportSummary> {
        let scope = self.import_scope(actor)?;
        let producer_scope = scope.clone();
        let map = HeaderMap::new(&headers);
        let mut summary = ImportSummary {
            unknown_columns: map.unknown.clone(),
            missing_columns: map.missing_required().iter().map(|c| c.to_string()).collect(),
            dry_run: opts.dry_run,
            valid: opts.dry_run.then_some(0),
            ..Default::default()
        };
        let mut errors_file = match &opts.errors_out {
            Some(p) => Some(ErrorsFile::create(p, &layout, &headers, opts.lang)?),
            None => None,
        };
        let cfg = ProducerCfg {
            map,
            scope: producer_scope,
            batch_size: opts.batch_size.max(1),
            keep_cells: errors_file.is_some(),
            track_duplicates,
            this_year: self.this_year(),
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(2);
        let svc = self.clone();
        let producer = tokio::task::spawn_blocking(move || produce(svc, cfg, rows, bytes, tx));
        let audit = self.audit_ctx(actor);
        let lang = opts.lang;
        let mut p = Progress { bytes_total, rows_total, ..Default::default() };

        let reject = |summary: &mut ImportSummary,
                      errors_file: &mut Option<ErrorsFile>,
                      row: u64,
                      errors: &[FieldError],
                      cells: &[String]|
         -> AppResult<()> {
            summary.rejected_rows += 1;
            if summary.rejected.len() < MAX_REPORTED {
                let first = &errors[0];
                summary.rejected.push(RejectedRow {
                    row,
                    column: (!first.field.is_empty()).then(|| first.field.clone()),
                    reason: i18n::reason(lang, first),
                });
            } else {
                summary.rejected_truncated = true;
            }
            if let Some(f) = errors_file.as_mut() {
                f.write(cells, &all_reasons(lang, errors))?;
            }
            Ok(())
        };

        let mut failure = None;
        while let Some(msg) = rx.recv().await {
            let batch = match msg {
                Msg::Batch(b) => b,
                Msg::Failed(e) => {
                    failure = Some(e);
                    break;
                }
            };
            summary.rows_read += batch.rows_read;
            // Report rejections and write in file order: validation
            // rejections of this batch come before the store's verdicts on
            // its valid rows only when they precede them; keep it simple and
            // merge by row number.
            let mut pending: Vec<(u64, Vec<FieldError>, Vec<String>)> =
                batch.rejections.into_iter().map(|r| (r.row, r.errors, r.cells)).collect();
            let mut batch_rows = batch.rows;
            let mut batch_cells = batch.cells;
            if matches!(scope, Scope::Region(_)) && !batch_rows.is_empty() {
                // An officer may not take over an enterprise registered
                // elsewhere by importing its NIB with a code of their region.
                let (mut rows, mut cells) = (Vec::with_capacity(batch_rows.len()), Vec::new());
                let mut cells_iter = batch_cells.into_iter();
                for r in batch_rows {
                    let c = cells_iter.next();
                    let existing = self.store().enterprise(&r.profile.nib).await?;
                    match existing {
                        Some(e) if !actor.can_edit_enterprise(&e.profile.regency, &e.profile.nib) => {
                            let err = FieldError::new("kode_wilayah", "scope.outside_region")
                                .with("value", &e.profile.regency);
                            pending.push((r.row, vec![err], c.unwrap_or_default()));
                        }
                        _ => {
                            rows.push(r);
                            cells.extend(c);
                        }
                    }
                }
                batch_rows = rows;
                batch_cells = cells;
            }
            if opts.dry_run {
                *summary.valid.get_or_insert(0) += batch_rows.len() as u64;
            } else if !batch_rows.is_empty() {
                let outcomes = self.store().import_batch(&batch_rows, &audit).await?;
                for (i, o) in outcomes.into_iter().enumerate() {
                    match o {
                        RowOutcome::Inserted => summary.inserted += 1,
                        RowOutcome::Updated => summary.updated += 1,
                        RowOutcome::Unchanged => summary.unchanged += 1,
                        RowOutcome::Rejected(e) => {
                            let cells = batch_cells.get(i).cloned().unwrap_or_default();
                            pending.push((batch_rows[i].row, vec![e], cells));
                        }
                    }
                }
            }
            pending.sort_by_key(|(row, _, _)| *row);
            for (row, errors, cells) in &pending {
                reject(&mut summary, &mut errors_file, *row, errors, cells)?;
            }
            p.rows_read = summary.rows_read;
            p.inserted = summary.inserted;
            p.updated = summary.updated;
            p.unchanged = summary.unchanged;
            p.rejected = summary.rejected_rows;
            p.bytes_read = batch.bytes_read;
            progress(p);
        }
        drop(rx);
        let _ = producer.await;
        if let Some(e) = failure {
            if let Some(f) = errors_file.take() {
                let _ = f.finish();
            }
            return Err(file_error(e));
        }
        if let Some(f) = errors_file.take() {
            f.finish()?;
        }
        p.done = true;
        progress(p);
        Ok(summary)
    }
}

/// Adapts a [`SheetReader`] to a [`RowStream`].
struct ReaderRows(SheetReader);

impl Iterator for ReaderRows {
    type Item = Result<(RawRow, Option<RowIssue>), ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_row()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_serialises_to_the_contract() {
        let s = ImportSummary {
            inserted: 2,
            rejected: vec![
                RejectedRow { row: 3, column: Some("nib".into()), reason: "x".into() },
                RejectedRow { row: 5, column: None, reason: "y".into() },
            ],
            rows_read: 9,
            rejected_rows: 2,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"inserted":2,"updated":0,"unchanged":0,"rejected":[{"row":3,"column":"nib","reason":"x"},{"row":5,"column":null,"reason":"y"}]}"#
        );
    }
}
