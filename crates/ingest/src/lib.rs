//! Spreadsheet import and export for naikkelas, and the synthetic data
//! generator.
//!
//! - [`columns`]: canonical import columns (DESIGN.md §5), aliases, header
//!   matching.
//! - [`reader`]: streaming CSV and XLSX readers yielding [`reader::RawRow`]s
//!   numbered as the spreadsheet shows them.
//! - [`rows`]: a raw row through the core rules into a [`rows::ValidRow`].
//! - [`writer`]: CSV and XLSX writers (exports, errors files, generator).
//! - [`generator`]: deterministic, calibrated synthetic registry data.
//!
//! This crate knows nothing about storage; the application layer feeds
//! validated rows to the store in batches.

pub mod columns;
pub mod generator;
pub mod reader;
pub mod rows;
pub mod writer;

pub use columns::{HeaderMap, CANONICAL, GENERATED_COLUMNS};
pub use generator::{generate_to_file, GenRow, Generator, GeneratorConfig};
pub use reader::{Format, RawRow, ReadError, SheetReader};
pub use rows::{validate_row, validate_row_in_place, ValidRow};
pub use writer::{Cell, CsvWriter, SheetWriter, XlsxWriter};
