//! Test databases: see `naikkelas_store_postgres::testing`.

pub use naikkelas_store_postgres::testing::*;
