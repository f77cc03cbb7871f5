//! Review: every change to one mission, field by field, a mission as it was at any commit
//! of the branch, and the commits of the project the hooks logged against a mission or a
//! session.

use serde::Serialize;

use super::changes::{FieldChange, record_change};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::{codec, layout};
use crate::model::text::{first_line, short_hash};
use crate::model::{Event, Mission, Session, Timestamp, validate_id};
use crate::store::{LogEntry, Snapshot};

/// One operation's change to a mission.
#[derive(Debug, Serialize)]
pub struct MissionChange {
    #[serde(flatten)]
    pub entry: LogEntry,
    /// added, removed or changed.
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

/// The changes to mission `id`, newest first, at most `limit`.
pub fn mission_history(
    ws: &Workspace,
    id: &str,
    limit: usize,
) -> Result<Outcome<Vec<MissionChange>>> {
    validate_id("mission", id)?;
    let snapshot = ws.snapshot()?;
    let path = layout::mission_path(id);
    let mut changes = Vec::new();
    for (entry, before, after) in ws.store().file_history(&path, limit)? {
        let change = record_change(&path, before.as_deref(), after.as_deref());
        let (change, fields) = match change {
            Some(c) => (c.change, c.fields),
            None => ("changed", Vec::new()),
        };
        changes.push(MissionChange {
            entry,
            change,
            fields,
        });
    }
    if changes.is_empty() {
        return Err(snapshot.meta.missing("mission", id));
    }
    Ok(Outcome::read(changes, &snapshot))
}

/// Mission `id` as it was at `rev`, a revision of the cmos branch (`cmos~3`, a commit, a tag).
pub fn mission_at(ws: &Workspace, id: &str, rev: &str) -> Result<Outcome<Mission>> {
    validate_id("mission", id)?;
    let snapshot = ws.snapshot()?;
    let commit = ws.store().resolve_commit(rev)?;
    let path = layout::mission_path(id);
    let bytes = ws
        .store()
        .file_at(commit, &path)?
        .ok_or_else(|| Error::NotFound {
            kind: "mission",
            id: format!("{id} (at {rev})"),
        })?;
    let mission: Mission = codec::from_toml(&path, &bytes).map_err(Error::Corrupt)?;
    Ok(Outcome::read(mission, &snapshot))
}

/// A commit of the project that the git hooks logged, as a reviewer of a mission or a
/// session reads it: which commit, what it said, what it touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedCommit {
    pub hash: String,
    /// The hash as people are shown it (`text::short_hash`).
    pub short: String,
    /// The first line of the commit message.
    pub subject: String,
    /// The files it changed (at most the 200 the hook lists).
    pub files: Vec<String>,
    /// How many files it changed, when that is more than `files` lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_total: Option<u64>,
    /// `commit`, or `merge` for the merge a `git pull` or `git merge` made.
    pub kind: &'static str,
    /// When the hook logged it.
    pub at: Timestamp,
    pub agent: String,
    /// The missions it was logged against (the active one and those its trailers name).
    pub missions: Vec<String>,
    /// The session open in the worktree when it was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// The kinds of event the hooks log for a commit of the project.
pub const COMMIT_EVENTS: [&str; 2] = ["git.commit", "git.merge"];

impl LoggedCommit {
    /// The commit a hook's event records, or None for another kind of event.
    pub fn from_event(event: &Event) -> Option<LoggedCommit> {
        let kind = match event.kind.as_str() {
            "git.commit" => "commit",
            "git.merge" => "merge",
            _ => return None,
        };
        let text = |key: &str| event.extra.get(key).and_then(|v| v.as_str());
        let hash = text("hash")?.to_string();
        let session = text("session").map(str::to_string);
        // With no mission active, the hook logs the commit against the session (or `-`).
        let on_mission = event.target != "-" && Some(&event.target) != session.as_ref();
        let files = event
            .extra
            .get("files")
            .and_then(|v| v.as_array())
            .map(|files| {
                let names = files.iter().filter_map(|f| f.as_str());
                names.map(str::to_string).collect()
            })
            .unwrap_or_default();
        let subject = match (&event.note, text("message")) {
            (Some(note), _) => note.clone(),
            (None, Some(message)) => first_line(message).to_string(),
            (None, None) => String::new(),
        };
        Some(LoggedCommit {
            short: short_hash(&hash).to_string(),
            hash,
            subject,
            files,
            files_total: event.extra.get("files_total").and_then(|v| v.as_u64()),
            kind,
            at: event.at,
            agent: event.agent.clone(),
            missions: on_mission
                .then(|| event.target.clone())
                .into_iter()
                .collect(),
            session,
        })
    }

    /// How many files the commit changed.
    pub fn file_count(&self) -> u64 {
        self.files_total.unwrap_or(self.files.len() as u64)
    }
}

/// The commits the events that `keep` accepts record, oldest first, one entry per commit (a
/// commit logged against two missions is two events).
pub fn logged_commits(events: &[Event], keep: impl Fn(&Event) -> bool) -> Vec<LoggedCommit> {
    let mut commits: Vec<LoggedCommit> = Vec::new();
    for event in events.iter().filter(|e| keep(e)) {
        let Some(commit) = LoggedCommit::from_event(event) else {
            continue;
        };
        match commits
            .iter_mut()
            .find(|c| c.hash == commit.hash && c.kind == commit.kind)
        {
            Some(seen) => {
                for mission in commit.missions {
                    if !seen.missions.contains(&mission) {
                        seen.missions.push(mission);
                    }
                }
            }
            None => commits.push(commit),
        }
    }
    commits
}

/// The commits logged against `mission` while it was worked on, from its start to its
/// completion, oldest first; none for a mission never started. The event log is sharded by
/// month and writer, not by mission, so the span bounds what is read: a mission's page stays
/// as cheap as it was at 10,000 missions and 200,000 events. (A commit whose `Cmos-Mission:`
/// trailer names a mission before it starts is in the log, not on the page.)
pub fn mission_commits(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    mission: &Mission,
) -> Result<Vec<LoggedCommit>> {
    let Some(started) = mission.started_at else {
        return Ok(Vec::new());
    };
    let span = (started, mission.completed_at);
    let events = ws.store().events_of_kinds(snapshot, span, &COMMIT_EVENTS)?;
    Ok(logged_commits(&events, |e| e.target == mission.id))
}

/// The commits made while `session` was open in its worktree, oldest first.
pub fn session_commits(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    session: &Session,
) -> Result<Vec<LoggedCommit>> {
    let span = (session.started_at, session.completed_at);
    let events = ws.store().events_of_kinds(snapshot, span, &COMMIT_EVENTS)?;
    Ok(logged_commits(&events, |e| made_in_session(e, &session.id)))
}

/// Whether `event` was logged while session `id` was open (the hook names it), or against it.
pub fn made_in_session(event: &Event, id: &str) -> bool {
    event.target == id || event.extra.get("session").and_then(|v| v.as_str()) == Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(target: &str, extra: serde_json::Value) -> Event {
        let serde_json::Value::Object(extra) = extra else {
            panic!("extra is an object")
        };
        Event {
            uid: "u".into(),
            at: "2026-11-24T09:30:00Z".parse().unwrap(),
            agent: "ada".into(),
            writer: "w".into(),
            kind: "git.commit".into(),
            target: target.into(),
            from: None,
            to: None,
            note: Some("Fix the parser".into()),
            extra,
        }
    }

    #[test]
    fn a_commit_logged_against_two_missions_is_one_commit_of_both() {
        let extra =
            serde_json::json!({"hash": "d34e021929cf0123", "files": ["a.rs"], "session": "s1"});
        let events = [event("B1", extra.clone()), event("B2", extra)];
        let commits = logged_commits(&events, |_| true);
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].short, "d34e021929cf");
        assert_eq!(commits[0].subject, "Fix the parser");
        assert_eq!(commits[0].missions, ["B1", "B2"]);
        assert_eq!(commits[0].session.as_deref(), Some("s1"));
    }

    #[test]
    fn a_commit_logged_against_the_session_alone_names_no_mission() {
        let extra =
            serde_json::json!({"hash": "abc", "files": [], "session": "s1", "files_total": 300});
        let commit = LoggedCommit::from_event(&event("s1", extra)).unwrap();
        assert!(commit.missions.is_empty());
        assert_eq!(commit.file_count(), 300);
    }
}
