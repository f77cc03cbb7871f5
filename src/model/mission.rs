//! A mission: one unit of build work, its specification, status, links and history.

use serde::{Deserialize, Serialize};

use super::{Complexity, DepType, Minutes, Pattern, Status, Timestamp};

/// One file under `.cmos/missions/<xx>/`.
///
/// Field order here is the order in the file; `extra` keeps fields this version does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Mission {
    pub id: String,
    pub uid: String,
    pub name: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    /// Lower ranks come first within a sprint; unranked missions follow in creation order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i64>,
    /// How long the work is expected to take, in wall-clock time In Progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Minutes>,
    /// How demanding the work is; policy maps it to a model hint. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<Complexity>,
    /// The orchestration pattern chosen for the work, and why. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Pattern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_rationale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub success_criteria: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliverables: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When the mission first went In Progress; a restart keeps the first time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// Present while the mission is Blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocker>,
    /// Links from this mission to others (`this <type> on`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<Dependency>,
    /// Every status change, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<Transition>,
    /// Where the confidence gate left the last completion that came with a score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_state: Option<ApprovalState>,
    /// The last validation score given with a completion, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_score: Option<f64>,
    /// What backs the score (test runs, reviews, links), as given with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Who gave the score: the one who may not approve their own work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<Timestamp>,
    /// Who approved the work that waited for review, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<Timestamp>,
    /// Who sent it back, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_at: Option<Timestamp>,
    /// Why the gate or a reviewer decided as it did: the gate's threshold, the approval's
    /// note, the rejection's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
    /// The work fell back to linear execution (escalation tier 3): a person must approve its
    /// completion. The original's `fallbackTriggered`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback_triggered: bool,
    /// Every step up the escalation ladder, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

/// One step up the escalation ladder: 1 retry, 2 the pattern's threshold reached, 3 fallback
/// to linear execution, 4 human review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Escalation {
    pub at: Timestamp,
    pub tier: u8,
    pub reason: String,
    pub by: String,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

/// The tier from which a person must approve a mission's completion.
pub const HUMAN_REVIEW_TIER: u8 = 3;

/// Where the confidence gate left a mission's completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    /// The score reached the policy's auto-approval threshold: Completed.
    AutoApproved,
    /// The score is in the review range: In Progress until a person approves or rejects it.
    NeedsReview,
    /// The score was below the review range: the completion was refused.
    RejectedByGate,
    /// A person approved it: Completed.
    Approved,
    /// A person sent it back: In Progress.
    Rejected,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::AutoApproved => "auto_approved",
            ApprovalState::NeedsReview => "needs_review",
            ApprovalState::RejectedByGate => "rejected_by_gate",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
        }
    }
}

impl std::fmt::Display for ApprovalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a mission is blocked and what would unblock it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Blocker {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    pub since: Timestamp,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

/// A typed link to another mission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Dependency {
    pub on: String,
    #[serde(rename = "type")]
    pub kind: DepType,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

/// One status change: when, from what, to what, by whom, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Transition {
    pub at: Timestamp,
    pub from: Status,
    pub to: Status,
    pub by: String,
    /// The reason for a block, drop or defer, the resolution of an unblock, or completion notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

/// Where a mission's time went, from its transitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TimeSpent {
    /// Time In Progress: the actual to compare with the estimate.
    pub worked: Minutes,
    /// Time Blocked after work started: the pauses left out of `worked`.
    pub blocked: Minutes,
}

impl Mission {
    /// A Queued mission with only its ids, name and creation time, every other field empty:
    /// builders fill in the rest with struct update syntax (`..Mission::new(...)`).
    pub fn new(
        id: impl Into<String>,
        uid: impl Into<String>,
        name: impl Into<String>,
        now: Timestamp,
    ) -> Mission {
        Mission {
            id: id.into(),
            uid: uid.into(),
            name: name.into(),
            status: Status::Queued,
            sprint: None,
            rank: None,
            estimate: None,
            complexity: None,
            pattern: None,
            pattern_rationale: None,
            objective: None,
            context: None,
            success_criteria: Vec::new(),
            deliverables: Vec::new(),
            notes: None,
            created_at: now,
            updated_at: now,
            started_at: None,
            completed_at: None,
            blocked: None,
            depends: Vec::new(),
            transitions: Vec::new(),
            approval_state: None,
            validation_score: None,
            evidence: Vec::new(),
            validated_by: None,
            validated_at: None,
            approved_by: None,
            approved_at: None,
            rejected_by: None,
            rejected_at: None,
            review_note: None,
            fallback_triggered: false,
            escalations: Vec::new(),
            extra: toml::Table::new(),
        }
    }

    /// Whether the work triggered a fallback (tier 3) or asked for a person's review (tier
    /// 4): its completion then waits for a person's approval.
    pub fn needs_human_review(&self) -> bool {
        self.fallback_triggered || self.escalations.iter().any(|e| e.tier >= HUMAN_REVIEW_TIER)
    }

    /// The time this mission spent In Progress and Blocked, counting an open stretch up to
    /// `now`.
    pub fn time_spent(&self, now: Timestamp) -> TimeSpent {
        let mut spent = TimeSpent::default();
        let mut since: Option<(Status, Timestamp)> = None;
        let mut add = |status: Status, from: Timestamp, to: Timestamp| match status {
            Status::InProgress => spent.worked.0 += Minutes::between(from, to).0,
            Status::Blocked => spent.blocked.0 += Minutes::between(from, to).0,
            _ => {}
        };
        for t in &self.transitions {
            if let Some((status, from)) = since.take() {
                add(status, from, t.at);
            }
            since = Some((t.to, t.at));
        }
        if let Some((status, from)) = since {
            add(status, from, now);
        }
        spent
    }
}

super::unknown_keys::keeps_unknown_keys!(Mission, Escalation, Blocker, Dependency, Transition);
