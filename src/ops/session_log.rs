//! The activity log of the original `cmosctl`: `session log` notes that something started,
//! finished, got blocked or was committed, as one event on the branch, without moving a
//! mission (cmosctl's log only recorded). Entries are numbered oldest first, the way
//! cmosctl's row ids were, so `session show N` finds one; the entries the commit hook and an
//! import of SESSIONS.jsonl wrote are in the same numbering.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::lifecycle;
use crate::model::text::one_line_cut;
use crate::model::{Event, Timestamp, clean_text, quote, validate_id};

/// What a `session log` line says happened; cmosctl's four actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogType {
    Start,
    Complete,
    Blocked,
    Commit,
}

impl LogType {
    pub const ALL: [LogType; 4] = [
        LogType::Start,
        LogType::Complete,
        LogType::Blocked,
        LogType::Commit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Start => "start",
            LogType::Complete => "complete",
            LogType::Blocked => "blocked",
            LogType::Commit => "commit",
        }
    }

    /// The status cmosctl wrote beside each action in SESSIONS.jsonl.
    pub fn status(self) -> &'static str {
        match self {
            LogType::Start => "in_progress",
            LogType::Complete => "completed",
            LogType::Blocked => "blocked",
            LogType::Commit => "commit",
        }
    }
}

impl fmt::Display for LogType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let word = s.trim().to_lowercase();
        // `block` is how the later generations spelled the action.
        let word = if word == "block" { "blocked" } else { &word };
        LogType::ALL
            .into_iter()
            .find(|t| t.as_str() == word)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown log type {}: use start, complete, blocked or commit",
                    quote(s)
                ))
            })
    }
}

/// What `session log` asks for.
#[derive(Debug, Clone)]
pub struct LogRequest {
    pub kind: LogType,
    /// The mission it is about; must exist.
    pub mission: Option<String>,
    pub summary: String,
    /// Free text kept with the entry; for a commit, a JSON object `{"hash": …}` names the
    /// commit (cmosctl's hook passed it that way); without one the project's HEAD is logged.
    pub details: Option<String>,
}

/// One entry of the activity log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Its number, counting every entry oldest first: what `show` takes.
    pub n: usize,
    pub uid: String,
    pub at: Timestamp,
    pub agent: String,
    /// start, complete, blocked, commit (or the action an imported line named).
    pub action: String,
    pub status: Option<String>,
    pub mission: Option<String>,
    pub session: Option<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    /// The project commit a commit entry records.
    pub commit: Option<String>,
}

/// The event kinds of entries `session log` writes for start, complete and blocked.
const LOG_PREFIX: &str = "log.";

/// Appends one entry to the activity log, as one commit of the branch.
pub fn log(ws: &Workspace, request: &LogRequest) -> Result<Outcome<LogEntry>> {
    let summary = clean_text("summary", Some(&request.summary))?.ok_or_else(|| {
        Error::InvalidInput("the summary must not be empty: say what happened".into())
    })?;
    let details = clean_text("details", request.details.as_deref())?;
    let mission = match request.mission.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => {
            validate_id("mission", id)?;
            Some(id.to_string())
        }
        _ => None,
    };
    let store = ws.store();
    let session = store.active_session();
    let mut extra = Map::new();
    let (kind, target) = if request.kind == LogType::Commit {
        let commit = logged_commit(ws, details.as_deref())?;
        extra = super::hook_run::commit_fields(&commit, session.as_deref());
        // The hook logs against the active mission; so does a commit logged by hand.
        let target = mission.clone().or_else(|| store.active_mission());
        ("git.commit".to_string(), target)
    } else {
        extra.insert("action".into(), request.kind.as_str().into());
        extra.insert("status".into(), request.kind.status().into());
        if let Some(session) = &session {
            extra.insert("session".into(), session.clone().into());
        }
        (format!("{LOG_PREFIX}{}", request.kind), mission.clone())
    };
    if let Some(details) = &details {
        extra.insert("details".into(), details.clone().into());
    }
    let target = target
        .or_else(|| session.clone())
        .unwrap_or_else(|| "-".into());
    let subject = one_line_cut(
        &format!("session log {} {target}: {summary}", request.kind),
        100,
    );
    // The same line again by this agent in this session within the window is a loop; only
    // the window's entries of this kind are read.
    let snapshot = ws.snapshot()?;
    let limits = super::loop_guard::limits(&super::policy::effective(&snapshot)?.limits);
    let now = Timestamp::now();
    let since = lifecycle::window_start(now, limits.window_secs);
    let recent = store.latest_events_of_kinds(&snapshot, since, &[kind.as_str()])?;
    let recent: Vec<Repeated> = recent
        .iter()
        .map(|e| {
            Repeated::of(
                e.at,
                &e.agent,
                &e.kind,
                &e.target,
                e.note.as_deref(),
                &e.extra,
            )
        })
        .collect();
    let new = Repeated::of(now, store.agent(), &kind, &target, Some(&summary), &extra);
    let ways_out = super::loop_guard::ways_out(session.as_deref(), mission.as_deref());
    let repeat = lifecycle::check_repeat(
        &new.said(),
        recent.iter().map(Repeated::said),
        limits,
        &ways_out,
    )?;
    let written = store.write("session.log", |tx| {
        if let Some(id) = &mission {
            tx.mission(id)?;
        }
        tx.record_with(&kind, &target, Some(summary.clone()), extra.clone());
        tx.set_subject(subject.clone());
        Ok(())
    })?;
    let outcome = written.into_outcome();
    // The entry's number counts what the branch holds now, this entry included.
    let snapshot = ws.snapshot()?;
    let entries = all_entries(ws, &snapshot)?;
    let entry = entries
        .into_iter()
        .rev()
        .find(|e| {
            e.summary.as_deref() == Some(summary.as_str())
                && e.agent == store.agent()
                && e.mission.as_deref().is_none_or(|m| m == target)
        })
        .ok_or_else(|| Error::Git("the entry just logged is not on the branch".into()))?;
    let outcome = Outcome {
        data: entry,
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    };
    Ok(super::loop_guard::warned(outcome, repeat, &ways_out))
}

/// A log line as the loop guard compares it: who, in which session, which action about
/// what, and what it said (the summary, the details, the commit).
struct Repeated {
    at: Timestamp,
    agent: String,
    session: Option<String>,
    what: String,
    text: String,
}

impl Repeated {
    fn of(
        at: Timestamp,
        agent: &str,
        kind: &str,
        target: &str,
        note: Option<&str>,
        extra: &Map<String, Value>,
    ) -> Repeated {
        let field = |key: &str| extra.get(key).and_then(Value::as_str).unwrap_or_default();
        let action = kind.strip_prefix(LOG_PREFIX).unwrap_or("commit");
        Repeated {
            at,
            agent: agent.to_string(),
            session: extra
                .get("session")
                .and_then(Value::as_str)
                .map(str::to_string),
            what: format!("session log line ({action} {target})"),
            text: [note.unwrap_or_default(), field("details"), field("hash")].join("\n"),
        }
    }

    fn said(&self) -> lifecycle::Said<'_> {
        lifecycle::Said {
            at: self.at,
            session: self.session.as_deref(),
            agent: &self.agent,
            what: &self.what,
            text: &self.text,
        }
    }
}

/// The commit a commit entry records: the one the details name as `{"hash": …}`, else HEAD.
fn logged_commit(ws: &Workspace, details: Option<&str>) -> Result<crate::store::ProjectCommit> {
    let named = details
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|v| v.get("hash").and_then(Value::as_str).map(str::to_string));
    let rev = named.clone().unwrap_or_else(|| "HEAD".into());
    ws.store().project_commit(&rev).map_err(|_| match named {
        Some(hash) => Error::InvalidInput(format!(
            "the details name commit {}, which this repository does not have; fetch it, or leave the hash out to log HEAD",
            quote(&hash)
        )),
        None => Error::InvalidInput(
            "there is no commit to log: this repository has no commits yet; commit first".into(),
        ),
    })
}

/// The entries, newest first; `mission` keeps those about that mission.
pub fn entries(ws: &Workspace, mission: Option<&str>) -> Result<Outcome<Vec<LogEntry>>> {
    let snapshot = ws.snapshot()?;
    let mut entries = all_entries(ws, &snapshot)?;
    if let Some(id) = mission {
        let id = id.trim();
        entries.retain(|e| e.mission.as_deref() == Some(id));
    }
    entries.reverse();
    Ok(Outcome::read(entries, &snapshot))
}

/// Entry number `n` (1 is the oldest).
pub fn entry(ws: &Workspace, n: usize) -> Result<Outcome<LogEntry>> {
    let snapshot = ws.snapshot()?;
    let entries = all_entries(ws, &snapshot)?;
    let count = entries.len();
    let entry = n
        .checked_sub(1)
        .and_then(|i| entries.into_iter().nth(i))
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "there is no log entry {n}: the activity log has {count} entr{}, numbered from 1",
                if count == 1 { "y" } else { "ies" }
            ))
        })?;
    Ok(Outcome::read(entry, &snapshot))
}

/// Every entry, oldest first, numbered. Only the log's lines that can be entries are read,
/// through a local cache of each shard's (`Store::marked_events`), and only the entries are
/// kept: a long log of other events costs listing its shards, not reading or holding them.
fn all_entries(ws: &Workspace, snapshot: &crate::store::Snapshot<'_>) -> Result<Vec<LogEntry>> {
    let everything = (Timestamp::from_millis(0), None);
    let events = ws
        .store()
        .marked_events(snapshot, everything, &ENTRY_NEEDLES, "log-entries")?;
    let mut entries: Vec<LogEntry> = events.iter().filter_map(as_entry).collect();
    for (i, entry) in entries.iter_mut().enumerate() {
        entry.n = i + 1;
    }
    Ok(entries)
}

/// Text every line of an entry's kind holds (`as_entry` decides).
const ENTRY_NEEDLES: [&str; 4] = [LOG_PREFIX, "git.commit", "git.merge", "legacy."];

/// The entry an event is, if it is one: a `session log` line, a logged commit, or a line
/// imported from the original's SESSIONS.jsonl.
fn as_entry(event: &Event) -> Option<LogEntry> {
    let text = |key: &str| {
        event
            .extra
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let session = text("session");
    let (action, status, commit) = if let Some(action) = event.kind.strip_prefix(LOG_PREFIX) {
        (action.to_string(), text("status"), None)
    } else if matches!(event.kind.as_str(), "git.commit" | "git.merge") {
        (
            "commit".to_string(),
            Some("commit".to_string()),
            text("hash"),
        )
    } else if event.kind.starts_with("legacy.") && text("source").as_deref() == Some("sessions") {
        let action = text("action").unwrap_or_else(|| event.kind["legacy.".len()..].to_string());
        (action, text("status"), None)
    } else {
        return None;
    };
    // An entry about no mission is filed under the session, or `-`.
    let about_mission =
        !event.target.is_empty() && event.target != "-" && Some(&event.target) != session.as_ref();
    let details = text("details").or_else(|| {
        commit.as_ref().map(|hash| {
            let files = event.extra.get("files").cloned().unwrap_or_default();
            serde_json::json!({"hash": hash, "files": files}).to_string()
        })
    });
    Some(LogEntry {
        n: 0,
        uid: event.uid.clone(),
        at: event.at,
        agent: event.agent.clone(),
        action,
        status,
        mission: about_mission.then(|| event.target.clone()),
        session,
        summary: event.note.clone(),
        details,
        commit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_types_read_the_original_spellings() {
        assert_eq!("Start".parse::<LogType>().unwrap(), LogType::Start);
        assert_eq!(" blocked ".parse::<LogType>().unwrap(), LogType::Blocked);
        assert_eq!("block".parse::<LogType>().unwrap(), LogType::Blocked);
        let err = "finish".parse::<LogType>().unwrap_err().to_string();
        assert!(err.contains("unknown log type \"finish\""), "{err}");
        assert!(err.contains("start, complete, blocked or commit"), "{err}");
    }
}
