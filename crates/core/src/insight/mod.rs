//! Regional analysis formulas (DOMAIN.md §8) and the naik-kelas measures
//! (DESIGN.md §3): pure arithmetic over numbers the store has already
//! aggregated. Nothing here reads data or knows about scopes.
//!
//! - [`ratio`]: a quotient that is either a finite number or "not defined"
//!   with the reason, so a zero denominator can never leak out as ∞ or NaN;
//! - [`lq`]: the static location quotient;
//! - [`dynamic_lq`]: the dynamic LQ and the SLQ/DLQ matrix;
//! - [`shift_share`]: classic shift-share and the Esteban-Marquillas extension;
//! - [`klassen`]: the Klassen typology, sector approach;
//! - [`leading`]: all of the above for every sector of a region at once;
//! - [`transitions`]: size-class and quality-level matrices from year t to t+1;
//! - [`impact`]: programme impact by exact matching on strata.

pub mod dynamic_lq;
pub mod impact;
pub mod klassen;
pub mod leading;
pub mod lq;
pub mod ratio;
pub mod shift_share;
pub mod transitions;

pub use ratio::{Ratio, Undefined};
