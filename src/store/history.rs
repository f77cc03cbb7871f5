//! The branch's history read back from its commits: one entry per operation, filtered by
//! agent, time or the record a commit changed.

use gix::ObjectId;
use serde::Serialize;

use super::CommitId;
use crate::error::{Error, Result};
use crate::model::Timestamp;

/// One operation as its commit recorded it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub commit: CommitId,
    pub at: Timestamp,
    pub agent: String,
    /// The operation's name from the `Cmos-Op:` trailer, e.g. `mission.complete`.
    pub op: String,
    /// The commit's subject, e.g. `mission complete B1.1`.
    pub summary: String,
    /// The writer (clone or worktree) from the `Cmos-Writer:` trailer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
}

/// Which operations a log shows.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub limit: usize,
    pub agent: Option<String>,
    /// Only operations at or after this time; the walk stops at the first older one.
    pub since: Option<Timestamp>,
    /// Only operations that changed the file at this path of the branch.
    pub path: Option<String>,
}

/// One operation that changed a file: the entry and the file's blob before and after.
pub struct FileChange {
    pub entry: LogEntry,
    pub before: Option<ObjectId>,
    pub after: Option<ObjectId>,
}

/// Walks first parents from `tip`, newest first, keeping what `filter` asks for.
pub fn first_parent_log(
    repo: &gix::Repository,
    tip: ObjectId,
    filter: &LogFilter,
) -> Result<Vec<LogEntry>> {
    Ok(walk(repo, tip, filter)?
        .into_iter()
        .map(|change| change.entry)
        .collect())
}

/// The operations that changed `filter.path`, newest first, with the blobs on either side.
pub fn walk(repo: &gix::Repository, tip: ObjectId, filter: &LogFilter) -> Result<Vec<FileChange>> {
    let git = |e: &dyn std::fmt::Display| {
        Error::Git(format!("cannot read the history of the cmos branch: {e}"))
    };
    let mut changes = Vec::new();
    let mut next = Some(tip);
    while let Some(id) = next {
        if changes.len() >= filter.limit {
            break;
        }
        let commit = repo.find_commit(id).map_err(|e| git(&e))?;
        let parent = commit.parent_ids().next().map(|p| p.detach());
        next = parent;
        let entry = entry_of(id, &commit);
        if filter.since.is_some_and(|since| entry.at < since) {
            break;
        }
        if filter.agent.as_ref().is_some_and(|a| &entry.agent != a) {
            continue;
        }
        let (before, after) = match &filter.path {
            Some(path) => {
                let after = blob_at(repo, Some(id), path)?;
                let before = blob_at(repo, parent, path)?;
                if before == after {
                    continue;
                }
                (before, after)
            }
            None => (None, None),
        };
        changes.push(FileChange {
            entry,
            before,
            after,
        });
    }
    Ok(changes)
}

fn entry_of(id: ObjectId, commit: &gix::Commit<'_>) -> LogEntry {
    let message = commit.message_raw_sloppy().to_string();
    let seconds = commit.time().map(|t| t.seconds).unwrap_or(0);
    let trailer = |key: &str| {
        message
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    LogEntry {
        commit: CommitId(id),
        at: Timestamp::from_millis(seconds * 1000),
        agent: trailer("Cmos-Agent:").unwrap_or_else(|| {
            commit
                .author()
                .map(|a| a.name.to_string())
                .unwrap_or_default()
        }),
        op: trailer("Cmos-Op:").unwrap_or_default(),
        summary: message.lines().next().unwrap_or_default().to_string(),
        writer: trailer("Cmos-Writer:"),
    }
}

/// The blob at `path` in `commit`'s tree, if there is one.
fn blob_at(
    repo: &gix::Repository,
    commit: Option<ObjectId>,
    path: &str,
) -> Result<Option<ObjectId>> {
    let Some(commit) = commit else {
        return Ok(None);
    };
    let git =
        |e: &dyn std::fmt::Display| Error::Git(format!("cannot read {path} in the history: {e}"));
    let tree = repo
        .find_commit(commit)
        .map_err(|e| git(&e))?
        .tree()
        .map_err(|e| git(&e))?;
    Ok(tree
        .lookup_entry_by_path(path)
        .map_err(|e| git(&e))?
        .filter(|e| e.mode().is_blob())
        .map(|e| e.object_id()))
}
