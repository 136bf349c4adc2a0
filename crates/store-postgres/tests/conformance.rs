//! The shared story suite against PostgreSQL, plus backend-specific tests.
//! One test binary: one link step.

mod backend;
mod support;

naikkelas_store::conformance_tests!(match support::fresh().await {
    Some(db) => db,
    None => return,
});
