//! Conformance stories of the readiness store (see `conformance.rs`).
