//! Persistence of the linkage capability (issue 9): buyer profiles,
//! sourcing requests, the candidates for one, interests and their outcome,
//! supply relationships, and the public directory of certified IKM.
//!
//! Conventions (pinned by `conformance_linkage`):
//! - every write is one transaction with its audit entry: entity types
//!   `buyer_profile` (id = user id), `sourcing_request`, `sourcing_interest`
//!   and `supply` (id = row id as text).
//! - candidates and the directory start from the certificates that are
//!   active on the day given ([`ActiveCertificate`]), which are few, and
//!   never scan the registry (DESIGN.md §6: national scale).
//! - recording a supply re-derives the supplier's stored quality level in
//!   the same transaction (L5, DESIGN.md §3).

use crate::records::AuditContext;
use crate::Result;
use async_trait::async_trait;
use naikkelas_core::certification::Scheme;
use naikkelas_core::linkage::{BuyerProfile, InterestStatus, RequestStatus, SourcingRequest};
use naikkelas_core::{Kbli, Nib, RegionCode, Scope};
use serde::Serialize;
use std::collections::HashMap;
use time::Date;

/// Certificate states that hold a live certificate unless dates say otherwise
/// (`core::certification::schedule::live_status`): `certified` is active
/// until its surveillance is overdue or it expires; `surveillance` and
/// `renewal` (audit under way) until expiry.
pub const LIVE_STATES: [&str; 3] = ["certified", "surveillance", "renewal"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuyerRecord {
    pub user_id: i64,
    pub username: String,
    pub profile: BuyerProfile,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub id: i64,
    pub buyer_user_id: i64,
    /// The buyer's company name, when a profile exists.
    pub buyer_company: Option<String>,
    pub request: SourcingRequest,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub buyer_user_id: Option<i64>,
    pub status: Option<RequestStatus>,
    pub limit: u32,
}

/// A certificate active on the query's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveCertificate {
    pub number: String,
    pub standard_code: String,
    pub scheme: Scheme,
    #[serde(serialize_with = "naikkelas_core::linkage::day::serialize")]
    pub expires_on: Date,
}

/// Which enterprises may supply: an active certificate for every standard
/// in `standards` (or any active certificate when it is empty) and, when
/// given, the KBLI class among their activities.
#[derive(Debug, Clone)]
pub struct CandidateQuery {
    pub standards: Vec<String>,
    pub kbli: Option<Kbli>,
    pub today: Date,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateRecord {
    pub nib: Nib,
    pub name: String,
    pub regency: RegionCode,
    pub products: Vec<String>,
    pub quality_level: String,
    /// Every active certificate of the enterprise, by standard code.
    pub certificates: Vec<ActiveCertificate>,
    /// Capacity per year and its unit from the latest figures.
    pub capacity: Option<i64>,
    pub capacity_unit: Option<String>,
    /// Latest completed readiness assessment, per mille.
    pub readiness_permille: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInterest {
    pub request_id: i64,
    pub nib: Nib,
    pub message: String,
}

/// What the buyer may see once the supplier accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierContact {
    pub owner_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplyRecord {
    pub id: i64,
    pub interest_id: i64,
    #[serde(serialize_with = "naikkelas_core::linkage::day::serialize")]
    pub started_on: Date,
    pub note: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestRecord {
    pub id: i64,
    pub request_id: i64,
    pub request_title: String,
    pub buyer_user_id: i64,
    pub buyer_company: Option<String>,
    pub nib: Nib,
    pub business_name: String,
    pub regency: RegionCode,
    pub message: String,
    pub status: InterestStatus,
    pub created_at: String,
    pub decided_at: Option<String>,
    /// Always loaded; the service shows it only when the status reveals it.
    pub contact: SupplierContact,
    pub supply: Option<SupplyRecord>,
}

/// Interests by request, supplier or buyer; `scope` is applied to the supplier.
#[derive(Debug, Clone)]
pub struct InterestQuery {
    pub request_id: Option<i64>,
    pub nib: Option<Nib>,
    pub buyer_user_id: Option<i64>,
    pub scope: Scope,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupply {
    pub interest_id: i64,
    pub started_on: Date,
    pub note: String,
}

/// The public directory's filters: product words (business name or
/// products), a standard held, a province or regency.
#[derive(Debug, Clone)]
pub struct DirectoryQuery {
    pub q: Option<String>,
    pub standard: Option<String>,
    pub region: Option<RegionCode>,
    pub today: Date,
    pub limit: u32,
    pub offset: u32,
}

/// One certified IKM as the public sees it: no NIB, owner, address, phone or e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryEntry {
    pub name: String,
    pub regency: RegionCode,
    pub products: Vec<String>,
    pub certificates: Vec<ActiveCertificate>,
}

/// Groups active certificates per enterprise row id and keeps the
/// enterprises holding one for every required standard (any one when none
/// is required). Shared by both backends so the hard filter is the same.
pub fn holders_of_all(
    rows: Vec<(i64, ActiveCertificate)>,
    required: &[String],
) -> HashMap<i64, Vec<ActiveCertificate>> {
    let mut by: HashMap<i64, Vec<ActiveCertificate>> = HashMap::new();
    for (id, c) in rows {
        by.entry(id).or_default().push(c);
    }
    by.retain(|_, certs| required.iter().all(|s| certs.iter().any(|c| &c.standard_code == s)));
    for certs in by.values_mut() {
        certs.sort_by(|a, b| a.standard_code.cmp(&b.standard_code).then_with(|| a.number.cmp(&b.number)));
    }
    by
}

#[async_trait]
pub trait LinkageStore: Send + Sync {
    async fn buyer_profile(&self, user_id: i64) -> Result<Option<BuyerRecord>>;
    /// Creates or replaces the profile of a buyer account.
    async fn save_buyer_profile(&self, user_id: i64, p: &BuyerProfile, audit: &AuditContext) -> Result<()>;

    async fn create_request(&self, buyer_user_id: i64, r: &SourcingRequest, audit: &AuditContext) -> Result<i64>;
    /// Replaces a request; with `expected_version`, a concurrent edit is `StaleVersion`.
    async fn update_request(
        &self,
        id: i64,
        r: &SourcingRequest,
        expected_version: Option<i64>,
        audit: &AuditContext,
    ) -> Result<()>;
    async fn request(&self, id: i64) -> Result<Option<RequestRecord>>;
    /// Newest first.
    async fn list_requests(&self, q: &RequestQuery) -> Result<Vec<RequestRecord>>;

    /// The enterprises passing the hard filters, in no particular order
    /// (ranking is the service's, with the pure score of core).
    async fn candidates(&self, q: &CandidateQuery) -> Result<Vec<CandidateRecord>>;

    /// Records the buyer's message to a supplier (status `pending`). A
    /// second interest of the same request in the same supplier is
    /// `Conflict` on field `nib`; an unknown NIB or request is `NotFound`.
    async fn create_interest(&self, n: &NewInterest, audit: &AuditContext) -> Result<i64>;
    async fn interest(&self, id: i64) -> Result<Option<InterestRecord>>;
    /// Newest first.
    async fn interests(&self, q: &InterestQuery) -> Result<Vec<InterestRecord>>;
    /// The supplier's answer; only a pending interest changes (else `StaleVersion`).
    async fn decide_interest(&self, id: i64, status: InterestStatus, audit: &AuditContext) -> Result<()>;
    /// Records a supply on an interest; one per interest (`Conflict` on
    /// `interest`). Refreshes the supplier's stored quality level.
    async fn record_supply(&self, s: &NewSupply, audit: &AuditContext) -> Result<i64>;

    /// One page of the public directory, by business name.
    async fn directory(&self, q: &DirectoryQuery) -> Result<Vec<DirectoryEntry>>;
}
