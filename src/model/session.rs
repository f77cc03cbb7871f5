//! A session: one stretch of work by one agent or person, with what it noted along the way.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// What kind of work a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionType {
    Planning,
    Onboarding,
    Review,
    Research,
    CheckIn,
    Build,
    Custom,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SessionStatus {
    Active,
    Completed,
    /// Closed without a proper end, e.g. replaced by `session start --force`.
    Abandoned,
}

/// What a capture records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaptureCategory {
    Decision,
    Learning,
    Constraint,
    Context,
    NextStep,
    Blocker,
}

/// One file under `.cmos/sessions/<xx>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub uid: String,
    #[serde(rename = "type")]
    pub kind: SessionType,
    pub title: String,
    pub status: SessionStatus,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    /// What was noted, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captures: Vec<Capture>,
    /// Where the confidence gate put the work, when the session closed with a score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_state: Option<ValidationState>,
    /// The validation score the session closed with, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_score: Option<f64>,
    /// What backs the score, as given with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// Where the confidence gate put a session's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationState {
    /// At or above the policy's auto-approval threshold.
    AutoApproved,
    /// In the review range: a person should look at it.
    NeedsReview,
    /// Below the review range: a person must take it over.
    HumanRequired,
}

/// Something noted during a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub at: Timestamp,
    pub category: CaptureCategory,
    pub text: String,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    #[serde(flatten)]
    pub extra: toml::Table,
}
