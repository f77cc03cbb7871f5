//! One line of the append-only metrics log: what a session or a mission cost and yielded.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// The measures of one piece of work, kept forever in a per-writer shard under
/// `.cmos/metrics/`, so agents adding metrics at once in different clones never conflict.
/// The session's type and the sprint are copied in when the metric is written, so a report
/// reads the metrics log alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub uid: String,
    pub at: Timestamp,
    /// Who recorded it.
    pub agent: String,
    /// Which clone or worktree wrote it.
    pub writer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The type of the session (build, review, ...) when the metric was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    /// The sprint of the session or mission when the metric was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_out: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Changes or answers accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<u64>,
    /// Defects found in the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defects: Option<u64>,
    /// The model that did the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}
