//! Export of the registry to CSV and XLSX, in the import format.
//!
//! One row per enterprise and data year, with the columns of
//! [`naikkelas_ingest::GENERATED_COLUMNS`] (the canonical import columns plus
//! `kode_kecamatan`, `komoditas`, `kapasitas`, `satuan_kapasitas`), so an
//! exported file imports again with zero changes. An enterprise without any
//! figures is not exported: the import rules require a data year, workers
//! and investment, so such a row could not round-trip. With a `year` filter
//! only that year's rows are written. Several KBLI codes (and products,
//! commodities) are joined with ", ". The actor's scope always applies.

use crate::error::{AppError, AppResult};
use crate::registry::ListFilters;
use crate::service::Service;
use naikkelas_core::audit::AuditRecord;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::{Actor, FieldError, Nib, Scope};
use naikkelas_ingest::writer::{Cell, CsvWriter, SheetWriter, XlsxWriter, XLSX_MAX_DATA_ROWS};
use naikkelas_ingest::GENERATED_COLUMNS;
use std::path::Path;

/// Enterprises fetched per `export_page` call.
const PAGE: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
    /// By the file's extension: `.xlsx` → XLSX, otherwise CSV.
    pub fn from_path(p: &Path) -> ExportFormat {
        match naikkelas_ingest::Format::from_path(p) {
            naikkelas_ingest::Format::Xlsx => ExportFormat::Xlsx,
            naikkelas_ingest::Format::Csv => ExportFormat::Csv,
        }
    }
}

fn write_err(path: &Path, e: std::io::Error) -> AppError {
    AppError::field(FieldError::new("file", "file.unwritable").with("value", format!("{}: {e}", path.display())))
}

impl Service {
    /// Writes the enterprises the actor may see, filtered, to `path`.
    /// Returns the number of data rows written.
    pub async fn export_enterprises(
        &self,
        actor: &Actor,
        filters: &ListFilters,
        format: ExportFormat,
        path: &Path,
    ) -> AppResult<u64> {
        let scope = actor.registry_scope();
        if scope == Scope::Nothing {
            return Err(AppError::Forbidden);
        }
        let mut q = filters.into_query(self, scope)?;
        q.cursor = None;
        let only_year = q.year;
        let mut w: Box<dyn SheetWriter + Send> = match format {
            ExportFormat::Csv => {
                let f = std::fs::File::create(path).map_err(|e| write_err(path, e))?;
                Box::new(CsvWriter::new(std::io::BufWriter::with_capacity(1 << 16, f), b',', false))
            }
            ExportFormat::Xlsx => Box::new(XlsxWriter::create(path, "IKM").map_err(|e| write_err(path, e))?),
        };
        let header: Vec<Cell<'_>> = GENERATED_COLUMNS.iter().map(|c| Cell::Text(c)).collect();
        w.write_row(&header).map_err(|e| write_err(path, e))?;
        let mut after: Option<Nib> = None;
        let mut n: u64 = 0;
        loop {
            let page = self.store().export_page(&q, after.as_ref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.profile.nib.clone());
            for rec in &page {
                let d = EnterpriseDraft::from(&rec.profile);
                for f in rec.figures.iter().map(|f| &f.figures) {
                    if only_year.is_some_and(|y| y != f.year) {
                        continue;
                    }
                    if format == ExportFormat::Xlsx && n >= XLSX_MAX_DATA_ROWS {
                        return Err(AppError::field(
                            FieldError::new("format", "export.xlsx_too_large").with("max", XLSX_MAX_DATA_ROWS),
                        ));
                    }
                    let cents = f.export.cents();
                    let row = [
                        Cell::Text(&d.nib),
                        Cell::Text(&d.name),
                        Cell::Text(&d.owner_name),
                        Cell::Text(&d.address),
                        Cell::Text(&d.regency_code),
                        Cell::Text(&d.kbli),
                        Cell::Text(&d.products),
                        rec.profile.founded_year.map(|y| Cell::Int(y as i64)).unwrap_or(Cell::Empty),
                        Cell::Int(f.year as i64),
                        Cell::Int(f.workers),
                        Cell::Int(f.investment.get()),
                        Cell::Int(f.production.get()),
                        if cents % 100 == 0 { Cell::Int(cents / 100) } else { Cell::Cents(cents) },
                        Cell::Text(&d.phone),
                        Cell::Text(&d.email),
                        Cell::Text(&d.district_code),
                        Cell::Text(&d.commodities),
                        f.capacity.map(Cell::Int).unwrap_or(Cell::Empty),
                        Cell::Text(f.capacity_unit.as_deref().unwrap_or("")),
                    ];
                    w.write_row(&row).map_err(|e| write_err(path, e))?;
                    n += 1;
                }
            }
            if (page.len() as u32) < PAGE {
                break;
            }
        }
        w.finish().map_err(|e| write_err(path, e))?;
        let filters_json = serde_json::json!({
            "format": match format { ExportFormat::Csv => "csv", ExportFormat::Xlsx => "xlsx" },
            "province": filters.province, "regency": filters.regency, "division": filters.division,
            "kbli": filters.kbli, "size_class": filters.size_class, "year": filters.year,
            "quality_level": filters.quality_level, "q": filters.q, "rows": n,
        });
        let audit = self.audit_ctx(actor);
        self.store()
            .append_audit(AuditRecord {
                at: audit.at_text(),
                actor: audit.actor.clone(),
                action: "export".into(),
                entity_type: "registry".into(),
                entity_id: "enterprises".into(),
                before: None,
                after: Some(filters_json.to_string()),
            })
            .await?;
        Ok(n)
    }
}
