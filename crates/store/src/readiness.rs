//! Persistence of the standards catalogue and readiness self-assessments.
//!
//! Reached through [`crate::Store::readiness`]. Like the registry, the store
//! does not decide who may do what (the service does) and every write records
//! its audit entry in the same transaction: entity type `assessment`, the
//! assessment id as entity id, actions `start_assessment`, `answer`,
//! `complete_assessment`, `update_action`. Completing an assessment and
//! changing an action also re-derive the enterprise's stored quality level
//! (L2 "siap sertifikasi", see `naikkelas_core::standards::score`).

use crate::{AuditContext, Result};
use async_trait::async_trait;
use naikkelas_core::standards::score::Answer;
use naikkelas_core::standards::Standard;
use naikkelas_core::{FieldError, Nib, RegionCode, Scope};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    InProgress,
    Completed,
}

impl AssessmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::InProgress => "in_progress",
            AssessmentStatus::Completed => "completed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_progress" => Some(Self::InProgress),
            "completed" => Some(Self::Completed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [ActionStatus::Open, ActionStatus::InProgress, ActionStatus::Done];
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// One answer as given: the use case has checked that the item belongs to
/// the assessment's standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerInput {
    pub item_id: String,
    pub answer: Answer,
    /// What shows it (a document, a photo, a record); optional.
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerRecord {
    pub item_id: String,
    pub answer: Answer,
    pub evidence: Option<String>,
    pub answered_by: String,
    pub answered_at: String,
}

/// An action of the plan, generated from a gap at completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAction {
    pub item_id: String,
    pub critical: bool,
    /// weight × shortfall in halves (ranking key).
    pub priority: u32,
    pub owner: String,
    pub due_date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    pub id: i64,
    pub item_id: String,
    pub critical: bool,
    pub priority: u32,
    /// Replaces the catalogue's suggested text when set.
    pub text: Option<String>,
    pub owner: String,
    pub due_date: Option<Date>,
    pub status: ActionStatus,
    pub updated_at: String,
}

/// An edit of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionUpdate {
    pub text: Option<String>,
    pub owner: String,
    pub due_date: Option<Date>,
    pub status: ActionStatus,
}

/// What the service computed when an assessment is completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    pub score_permille: Option<u32>,
    /// The overall score reaches the L2 threshold (computed in core).
    pub meets_threshold: bool,
    /// In plan order (critical first, then priority).
    pub actions: Vec<NewAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentRecord {
    pub id: i64,
    pub nib: Nib,
    pub regency: RegionCode,
    pub standard: String,
    /// The catalogue revision of the standard when the assessment started.
    pub standard_revision: String,
    pub status: AssessmentStatus,
    pub started_by: String,
    pub started_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    pub score_permille: Option<u32>,
    pub meets_threshold: bool,
    pub answers: Vec<AnswerRecord>,
    /// In plan order.
    pub actions: Vec<ActionRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentSummary {
    pub id: i64,
    pub standard: String,
    pub status: AssessmentStatus,
    pub started_at: String,
    pub completed_at: Option<String>,
    pub score_permille: Option<u32>,
    pub meets_threshold: bool,
    pub answered: i64,
}

/// The latest completed assessment of one enterprise for one standard, for
/// the region view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestAssessment {
    pub assessment_id: i64,
    pub nib: Nib,
    pub regency: RegionCode,
    pub standard: String,
    pub score_permille: Option<u32>,
    /// Item ids of its gaps (its action plan).
    pub gap_items: Vec<String>,
}

/// Refusal of a write to a completed assessment.
pub fn completed_error() -> crate::StoreError {
    crate::StoreError::Conflict(FieldError::new("assessment", "assessment.completed"))
}

/// Refusal of a second open assessment for the same enterprise and standard.
pub fn already_open_error(id: i64) -> crate::StoreError {
    crate::StoreError::Conflict(FieldError::new("standard", "assessment.already_open").with("id", id))
}

#[async_trait]
pub trait ReadinessStore: Send + Sync {
    /// The loaded catalogue, in catalogue order (management systems, then products by code).
    async fn standards(&self) -> Result<Vec<Standard>>;
    async fn standard(&self, code: &str) -> Result<Option<Standard>>;
    /// The version stamp of the loaded catalogue.
    async fn catalogue_version(&self) -> Result<Option<String>>;

    /// Starts an assessment. An assessment of the same enterprise and standard
    /// still in progress is a `Conflict` (`assessment.already_open`); unknown
    /// NIB is `NotFound`.
    async fn start_assessment(&self, nib: &Nib, standard: &Standard, audit: &AuditContext) -> Result<i64>;
    async fn assessment(&self, id: i64) -> Result<Option<AssessmentRecord>>;
    /// Newest first.
    async fn assessments_of(&self, nib: &Nib) -> Result<Vec<AssessmentSummary>>;
    /// Records or replaces answers (progress is saved as the user goes). A
    /// completed assessment is a `Conflict` (`assessment.completed`).
    async fn save_answers(&self, id: i64, answers: &[AnswerInput], audit: &AuditContext) -> Result<()>;
    /// Completes an in-progress assessment with its score and action plan and
    /// re-derives the enterprise's stored quality level.
    async fn complete_assessment(&self, id: i64, c: &Completion, audit: &AuditContext) -> Result<()>;
    /// Edits one action of a completed assessment's plan; re-derives the
    /// stored quality level (closing the last critical gap can make L2).
    async fn update_action(
        &self,
        assessment_id: i64,
        action_id: i64,
        u: &ActionUpdate,
        audit: &AuditContext,
    ) -> Result<()>;
    /// L2 input: for some standard, the enterprise's latest completed
    /// assessment meets the threshold and none of its critical actions is open.
    async fn assessment_ready(&self, nib: &Nib) -> Result<bool>;
    /// The latest completed assessment per enterprise and standard within
    /// `scope` (`Scope::Nothing` yields nothing).
    async fn latest_in_scope(&self, scope: &Scope) -> Result<Vec<LatestAssessment>>;
}
