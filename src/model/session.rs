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
    #[serde(flatten)]
    pub extra: toml::Table,
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
