//! Export of the registry to CSV and XLSX.
//! (Being written; see naikkelas-ingest.)
