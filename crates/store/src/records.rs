//! Records that cross the store boundary.

use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::permit::Permit;
use naikkelas_core::{FieldError, Kbli, Nib, QualityLevel, RegionCode, Role, Scope, SizeClass};
use serde::Serialize;
use time::OffsetDateTime;

/// Who is writing, and when. Every store write records it in the audit log
/// in the same transaction.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor: String,
    pub at: OffsetDateTime,
}

impl AuditContext {
    pub fn new(actor: impl Into<String>, at: OffsetDateTime) -> Self {
        Self { actor: actor.into(), at }
    }
    /// RFC 3339 text of `at`, as stored in the audit log.
    pub fn at_text(&self) -> String {
        rfc3339(self.at)
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC timestamp always formats")
}

/// One year of figures as stored, with what was derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiguresRecord {
    #[serde(flatten)]
    pub figures: YearlyFigures,
    pub size_class: SizeClass,
    pub finalised_at: Option<String>,
    pub finalised_by: Option<String>,
    /// Number of corrections after finalisation.
    pub corrections: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermitRecord {
    pub id: i64,
    #[serde(flatten)]
    pub permit: Permit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterpriseRecord {
    pub profile: EnterpriseProfile,
    /// Ascending by year.
    pub figures: Vec<FiguresRecord>,
    pub permits: Vec<PermitRecord>,
    /// As stored at the last write; the service recomputes it for display.
    pub quality_level: QualityLevel,
    /// Increments on every profile change (optimistic locking).
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl EnterpriseRecord {
    pub fn latest_figures(&self) -> Option<&FiguresRecord> {
        self.figures.last()
    }
}

/// Filters of the registry list. `scope` is set by the service from the
/// acting user and is always applied.
#[derive(Debug, Clone)]
pub struct EnterpriseQuery {
    pub scope: Scope,
    pub province: Option<String>,
    pub regency: Option<RegionCode>,
    /// Two-digit KBLI division.
    pub division: Option<String>,
    pub kbli: Option<Kbli>,
    /// Size class of the latest year, or of `year` when given.
    pub size_class: Option<SizeClass>,
    /// Only enterprises with figures for this year.
    pub year: Option<i32>,
    pub quality_level: Option<QualityLevel>,
    /// Case-insensitive partial match on name, NIB or product.
    pub text: Option<String>,
    pub limit: u32,
    /// Opaque keyset cursor from a previous page.
    pub cursor: Option<String>,
}

impl EnterpriseQuery {
    pub fn in_scope(scope: Scope) -> Self {
        Self {
            scope,
            province: None,
            regency: None,
            division: None,
            kbli: None,
            size_class: None,
            year: None,
            quality_level: None,
            text: None,
            limit: 50,
            cursor: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterpriseSummary {
    pub nib: Nib,
    pub name: String,
    pub province_code: String,
    pub regency_code: String,
    pub kbli: Vec<String>,
    pub products: Vec<String>,
    /// Year of the figures the size class comes from.
    pub year: Option<i32>,
    pub workers: Option<i64>,
    pub size_class: Option<SizeClass>,
    pub quality_level: QualityLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterprisePage {
    pub items: Vec<EnterpriseSummary>,
    pub next_cursor: Option<String>,
    pub total: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    pub province: Vec<(String, i64)>,
    pub regency: Vec<(String, i64)>,
    pub division: Vec<(String, i64)>,
    pub size_class: Vec<(String, i64)>,
    pub year: Vec<(i32, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FigureRevision {
    pub year: i32,
    /// The values before the correction.
    pub previous: YearlyFigures,
    pub reason: String,
    pub corrected_by: String,
    pub corrected_at: String,
}

/// One validated import row.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Row number as the spreadsheet shows it (header = 1).
    pub row: u64,
    pub profile: EnterpriseProfile,
    pub figures: YearlyFigures,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Inserted,
    Updated,
    Unchanged,
    Rejected(FieldError),
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub enterprise: Option<Nib>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub region: Option<RegionCode>,
    pub enterprise: Option<Nib>,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the cookie value; the value itself is never stored.
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: i64,
    pub name: String,
    /// SHA-256 of the token; the token itself is shown once and never stored.
    pub token_hash: String,
}
