//! One line of the append-only activity log.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Something that happened, kept forever in a per-writer shard under `.cmos/events/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Event {
    pub uid: String,
    pub at: Timestamp,
    /// Who did it: the agent or person named by `--agent`, `CMOS_AGENT` or git.
    pub agent: String,
    /// Which clone or worktree wrote it.
    pub writer: String,
    /// What happened, e.g. `mission.transition`, `mission.created`, `sprint.updated`.
    pub kind: String,
    /// The id of the record it happened to.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten, skip_deserializing)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

super::unknown_keys::keeps_unknown_keys!(Event);
