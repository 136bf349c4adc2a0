//! Import orchestration: read, validate, check scope, write in batches.
//! (Being written; see naikkelas-ingest.)
