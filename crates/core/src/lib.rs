//! Domain types and rules of naikkelas.
//!
//! Nothing in this crate performs I/O, knows about HTTP or SQL, or is async.
//! Identifiers parse on construction ("parse, don't validate"): once a value
//! of type [`Nib`], [`Kbli`] or [`RegionCode`] exists, it is valid, and the
//! rest of the program never checks it again.

pub mod access;
pub mod audit;
pub mod certification;
pub mod enterprise;
pub mod figures;
pub mod ids;
pub mod insight;
pub mod linkage;
pub mod money;
pub mod permit;
pub mod programs;
pub mod quality;
pub mod reference;
pub mod size_class;
pub mod standards;
pub mod validation;

pub use access::{Actor, Role, Scope};
pub use ids::{Kbli, Nib, RegionCode, RegionLevel};
pub use money::{Rupiah, UsdCents};
pub use quality::QualityLevel;
pub use size_class::{BpsBand, Pp7Class, SizeClass};
pub use validation::{FieldError, ValidationErrors};
