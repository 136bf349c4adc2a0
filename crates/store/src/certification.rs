//! Persistence of the certification capability: bodies, certifier
//! membership, applications through certificates, findings, the event
//! history, the public lookup and the installation's signing key.
//!
//! Conventions (pinned by `conformance_certification`):
//! - every write is one transaction with its audit entry; transitions use
//!   entity type `certification`, the id as text, and the event name as the
//!   action (`apply`, `start_review`, … `expire`), `before`/`after` holding
//!   the status fields; bodies use `certification_body`, certifier
//!   membership `user` with action `assign_body`.
//! - every transition is also a row of the certification's history.
//! - dates travel as [`time::Date`] and are stored as `YYYY-MM-DD` text.
//! - [`EventWrite::expected_version`] must match, else `StaleVersion`: two
//!   certifiers deciding at once cannot both win.

use crate::records::AuditContext;
use crate::Result;
use async_trait::async_trait;
use naikkelas_core::certification::{BodyKind, CertificateNumber, Event, FindingGrade, Scheme, State};
use naikkelas_core::{Nib, Scope};
use serde::Serialize;
use time::Date;

/// A standard that can be certified, with its validity (data, not a constant:
/// DOMAIN.md §2c sets SPPT SNI validity product by product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardRecord {
    pub code: String,
    pub title: String,
    pub scheme: Scheme,
    pub validity_months: i32,
    /// Where the validity comes from (regulation or scheme rule).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBody {
    pub code: String,
    pub name: String,
    pub kind: BodyKind,
    /// KAN accreditation number, e.g. `LSPr-012-IDN`.
    pub kan_number: String,
    /// Standard codes the accreditation covers.
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: BodyKind,
    pub kan_number: String,
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub nib: Nib,
    pub body_id: i64,
    pub standard_code: String,
    pub scheme: Scheme,
    /// Products or sites covered.
    pub scope: String,
    pub applied_on: Date,
}

/// The part of a certification that transitions change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertStatus {
    pub state: State,
    pub number: Option<CertificateNumber>,
    pub decided_on: Option<Date>,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub last_surveillance_on: Option<Date>,
    pub surveillance_due_on: Option<Date>,
    /// SNI type 5: latest laboratory result.
    pub testing_passed: Option<bool>,
    /// Why it was suspended, withdrawn or refused.
    pub reason: Option<String>,
}

impl CertStatus {
    pub fn applied() -> Self {
        CertStatus {
            state: State::Applied,
            number: None,
            decided_on: None,
            issued_on: None,
            expires_on: None,
            last_surveillance_on: None,
            surveillance_due_on: None,
            testing_passed: None,
            reason: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRecord {
    pub id: i64,
    pub grade: FindingGrade,
    pub clause: String,
    pub description: String,
    pub raised_at: String,
    pub raised_by: String,
    pub corrective_action: Option<String>,
    pub evidence: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

impl FindingRecord {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
    /// How a refusal names it: `#id clause`.
    pub fn reference(&self) -> String {
        format!("#{} {}", self.id, self.clause)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub certification_id: i64,
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// `apply` or an [`Event`] name.
    pub event: String,
    pub from_state: Option<State>,
    pub to_state: State,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificationRecord {
    pub id: i64,
    pub nib: Nib,
    pub business_name: String,
    pub regency_code: String,
    pub body_id: i64,
    pub body_code: String,
    pub body_name: String,
    pub standard_code: String,
    pub standard_title: String,
    pub scheme: Scheme,
    pub scope: String,
    pub applied_on: Date,
    pub status: CertStatus,
    /// When the current state was entered (RFC 3339).
    pub state_since: String,
    pub version: i64,
    /// Oldest first; empty in lists.
    pub findings: Vec<FindingRecord>,
    /// Oldest first; empty in lists.
    pub events: Vec<EventRecord>,
}

impl CertificationRecord {
    pub fn open_major(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| f.is_open() && f.grade == FindingGrade::Major)
            .map(FindingRecord::reference)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFinding {
    pub grade: FindingGrade,
    pub clause: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingClosure {
    pub finding_id: i64,
    pub corrective_action: String,
    pub evidence: String,
}

/// One transition as the service decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventWrite {
    pub event: Event,
    pub expected_version: i64,
    /// The status after the event (the state before is the stored one).
    pub after: CertStatus,
    pub note: Option<String>,
    pub new_finding: Option<NewFinding>,
    pub close_finding: Option<FindingClosure>,
}

/// Which certifications a list shows; `scope` is applied to the enterprise.
#[derive(Debug, Clone)]
pub struct CertificationQuery {
    pub scope: Scope,
    pub body_id: Option<i64>,
    pub state: Option<State>,
    /// Only those holding a certificate that is not withdrawn or expired.
    pub live_only: bool,
    pub limit: u32,
}

impl CertificationQuery {
    pub fn in_scope(scope: Scope) -> Self {
        Self { scope, body_id: None, state: None, live_only: false, limit: 1000 }
    }
}

/// What the public check shows: no owner name, phone, e-mail or address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicCertificate {
    pub number: CertificateNumber,
    pub state: State,
    pub scheme: Scheme,
    pub standard_code: String,
    pub standard_title: String,
    pub scope: String,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub surveillance_due_on: Option<Date>,
    pub reason: Option<String>,
    pub nib: Nib,
    pub business_name: String,
    pub regency_code: String,
    pub body_name: String,
}

#[async_trait]
pub trait CertificationStore: Send + Sync {
    async fn standards(&self) -> Result<Vec<StandardRecord>>;

    /// A duplicate code is `Conflict` on field `code`.
    async fn create_body(&self, b: &NewBody, audit: &AuditContext) -> Result<i64>;
    async fn bodies(&self) -> Result<Vec<BodyRecord>>;

    /// Binds a certifier account to one body (replacing an earlier binding).
    async fn assign_certifier(&self, user_id: i64, body_id: i64, audit: &AuditContext) -> Result<()>;
    async fn certifier_body(&self, user_id: i64) -> Result<Option<i64>>;

    /// Records an application (state `applied`, event `apply`); unknown NIB,
    /// body or standard is `NotFound`.
    async fn apply(&self, a: &NewApplication, audit: &AuditContext) -> Result<i64>;

    /// The whole certification with findings and history.
    async fn certification(&self, id: i64) -> Result<Option<CertificationRecord>>;

    /// Newest application first, without findings and history.
    async fn list_certifications(&self, q: &CertificationQuery) -> Result<Vec<CertificationRecord>>;

    /// The history of every certification the query selects, for
    /// time-in-state figures; ordered by certification, then sequence.
    async fn events_in(&self, q: &CertificationQuery) -> Result<Vec<EventRecord>>;

    /// Applies one transition: status, history row, finding change and audit
    /// entry in one transaction. Returns the id of a new finding.
    async fn record_event(&self, id: i64, w: &EventWrite, audit: &AuditContext) -> Result<Option<i64>>;

    /// The public view of a certificate by its number (exact, normalised).
    async fn public_certificate(&self, number: &str) -> Result<Option<PublicCertificate>>;

    /// The installation's Ed25519 secret (hex) if one was created.
    async fn signing_key(&self) -> Result<Option<String>>;
    /// Stores `secret_hex` unless a key exists; returns the key in force,
    /// so two nodes starting at once agree on one key.
    async fn init_signing_key(&self, secret_hex: &str, audit: &AuditContext) -> Result<String>;
    /// Replaces the key, keeping the old public key (hex) among the retired
    /// ones so that certificates already printed still verify.
    async fn rotate_signing_key(&self, secret_hex: &str, retired_public_hex: &str, audit: &AuditContext) -> Result<()>;
    /// Public keys (hex) of earlier keys, oldest first.
    async fn retired_keys(&self) -> Result<Vec<String>>;
}
