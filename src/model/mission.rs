//! A mission: one unit of build work, its specification, status, links and history.

use serde::{Deserialize, Serialize};

use super::{Complexity, DepType, Minutes, Status, Timestamp};

/// One file under `.cmos/missions/<xx>/`.
///
/// Field order here is the order in the file; `extra` keeps fields this version does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// Why a mission is blocked and what would unblock it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocker {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    pub since: Timestamp,
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// A typed link to another mission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub on: String,
    #[serde(rename = "type")]
    pub kind: DepType,
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// One status change: when, from what, to what, by whom, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub at: Timestamp,
    pub from: Status,
    pub to: Status,
    pub by: String,
    /// The reason for a block, drop or defer, the resolution of an unblock, or completion notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten)]
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
            extra: toml::Table::new(),
        }
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
