//! The branch's history read back from its commits: one entry per operation.

use gix::ObjectId;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Timestamp;

/// One operation as its commit recorded it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub commit: String,
    pub at: Timestamp,
    pub agent: String,
    /// The operation's name from the `Cmos-Op:` trailer, e.g. `mission.complete`.
    pub op: String,
    /// The commit's subject, e.g. `mission complete B1.1`.
    pub summary: String,
}

/// Walks first parents from `tip`, newest first, at most `limit` entries.
pub fn first_parent_log(
    repo: &gix::Repository,
    tip: ObjectId,
    limit: usize,
) -> Result<Vec<LogEntry>> {
    let mut entries = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        if entries.len() >= limit {
            break;
        }
        let commit = repo
            .find_commit(id)
            .map_err(|e| Error::git("cannot read the history of the cmos branch", e))?;
        let message = commit.message_raw_sloppy().to_string();
        let seconds = commit.time().map(|t| t.seconds).unwrap_or(0);
        let trailer = |key: &str| {
            message
                .lines()
                .rev()
                .find_map(|line| line.strip_prefix(key).map(|v| v.trim().to_string()))
        };
        entries.push(LogEntry {
            commit: id.to_string(),
            at: Timestamp::from_millis(seconds * 1000),
            agent: trailer("Cmos-Agent:").unwrap_or_else(|| {
                commit
                    .author()
                    .map(|a| a.name.to_string())
                    .unwrap_or_default()
            }),
            op: trailer("Cmos-Op:").unwrap_or_default(),
            summary: message.lines().next().unwrap_or_default().to_string(),
        });
        next = commit.parent_ids().next().map(|p| p.detach());
    }
    Ok(entries)
}
