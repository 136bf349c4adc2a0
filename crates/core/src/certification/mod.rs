//! Certification: SNI product certification (SPPT SNI, ISO/IEC 17065 by an
//! LSPro) and management-system certification (ISO 9001, ISO 22000 …,
//! ISO/IEC 17021-1 by an LSSM). DOMAIN.md §2 and §3c.
//!
//! - [`number`]: the validated certificate number.
//! - [`body`]: certification bodies and the scheme a standard is certified under.
//! - [`lifecycle`]: the state machine; every illegal transition is refused with a reason.
//! - [`schedule`]: validity, surveillance dates and the live status computed from dates.
//! - [`payload`]: the text of the signed QR payload (the signature itself is made in `naikkelas-app`).

pub mod body;
pub mod lifecycle;
pub mod number;
pub mod payload;
pub mod schedule;

pub use body::{BodyKind, Scheme};
pub use lifecycle::{Event, Facts, FindingGrade, Refusal, State};
pub use number::CertificateNumber;
pub use payload::QrClaims;
pub use schedule::LiveStatus;
