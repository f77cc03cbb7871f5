//! `context view`: the context as the branch holds it now, or as it stood at a time, at a
//! session's completion, or at a named snapshot (the original CMOS's `--as-of` and
//! `--snapshot`), narrowed to a domain and a number of entries per section. The branch
//! keeps every state, so a past context is read from the commit of that moment, and the
//! view says which commit it read.

use serde::Serialize;

use super::context::{Context, SECTION_CAP, Shape, check_budget, fit, gather, outcome};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{Date, ItemKind, SessionStatus, Timestamp, quote, validate_id};
use crate::store::{CommitId, LogFilter, Snapshot};

/// What `context view` asks for.
#[derive(Debug, Clone, Default)]
pub struct ViewRequest {
    /// Cut to about this many tokens.
    pub budget: Option<usize>,
    /// A time (RFC 3339, or a date meaning its start, UTC) or a session id.
    pub as_of: Option<String>,
    /// A snapshot id, as `context snapshot` made it.
    pub snapshot: Option<String>,
    /// Only decisions, learnings, constraints and next steps of this category.
    pub domain: Option<String>,
    /// Entries per section [default: 20].
    pub recent_limit: Option<usize>,
}

/// Which state of the branch a context was read from, and the view's parameters.
#[derive(Debug, Clone, Serialize)]
pub struct ViewPoint {
    /// now, as_of, session or snapshot.
    pub read: &'static str,
    /// The commit of the cmos branch read.
    pub commit: String,
    /// When that commit was made.
    pub commit_at: Option<Timestamp>,
    /// In words: which commit was used and why.
    pub note: String,
    pub as_of: Option<String>,
    pub snapshot: Option<String>,
    pub domain: Option<String>,
    pub recent_limit: usize,
}

/// The context at the point the request names (the tip when it names none).
pub fn view(ws: &Workspace, request: &ViewRequest) -> Result<Outcome<Context>> {
    let cap = match request.recent_limit {
        Some(0) => {
            return Err(Error::InvalidInput(
                "the number of recent entries must be at least 1".into(),
            ));
        }
        Some(n) => n,
        None => SECTION_CAP,
    };
    let domain = request
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    let tip = ws.snapshot()?;
    let (read, commit, note) = point(ws, &tip, request)?;
    let past;
    let snapshot: &Snapshot<'_> = match commit {
        Some(commit) if commit != tip.commit => {
            past = ws.store().snapshot_at(commit)?;
            &past
        }
        _ => &tip,
    };
    // The windows of the state read: a past context as it was loaded then.
    let (windowed, problem) = super::context::windowed(ws, snapshot)?;
    let shape = Shape {
        cap,
        domain: domain.clone(),
        ..windowed
    };
    let (sections, project, instructions) = gather(ws, snapshot, &shape, read == "now")?;
    check_budget(&project, request.budget)?;
    let mut context = fit(project, sections, request.budget);
    context.view = Some(ViewPoint {
        read,
        commit: snapshot.commit.to_string(),
        commit_at: commit_time(ws, snapshot.commit, read == "now")?,
        note,
        as_of: request.as_of.clone(),
        snapshot: request.snapshot.clone(),
        domain,
        recent_limit: cap,
    });
    let outcome = outcome(context, instructions);
    Ok(match problem {
        Some(problem) => outcome.warn(problem),
        None => outcome,
    })
}

/// Which commit to read: (how it was chosen, the commit or None for the tip, in words).
fn point(
    ws: &Workspace,
    tip: &Snapshot<'_>,
    request: &ViewRequest,
) -> Result<(&'static str, Option<CommitId>, String)> {
    if let Some(name) = request.snapshot.as_deref().map(str::trim) {
        let (named, _) = ws.store().items(tip, ItemKind::Snapshot)?;
        let item = named
            .iter()
            .find(|i| i.id == name)
            .ok_or_else(|| Error::NotFound {
                kind: "snapshot",
                id: name.to_string(),
            })?;
        let commit = item
            .commit
            .as_deref()
            .and_then(CommitId::from_hex)
            .ok_or_else(|| {
                Error::InvalidInput(format!("snapshot {name} names no commit of the branch"))
            })?;
        let note = format!("snapshot {name} ({}), commit {}", item.text, commit.short());
        return Ok(("snapshot", Some(commit), note));
    }
    let Some(as_of) = request.as_of.as_deref().map(str::trim) else {
        return Ok(("now", None, "the branch as it is now".into()));
    };
    if let Some(at) = time(as_of) {
        let commit = commit_at_or_before(ws, at)?;
        let note = format!("the last commit at or before {at}: {}", commit.short());
        return Ok(("as_of", Some(commit), note));
    }
    let neither = || {
        Error::InvalidInput(format!(
            "{} is neither a time (RFC 3339 like 2026-11-24T09:30:00Z, or a date like 2026-11-24) nor a session of this project",
            quote(as_of)
        ))
    };
    validate_id("session", as_of).map_err(|_| neither())?;
    let session = match ws.store().session(tip, as_of) {
        Ok(session) => session,
        Err(Error::NotFound { .. }) => return Err(neither()),
        Err(e) => return Err(e),
    };
    match (session.status, session.completed_at) {
        (SessionStatus::Completed | SessionStatus::Abandoned, Some(at)) => {
            let commit = commit_at_or_before(ws, at)?;
            let note = format!(
                "session {} as it closed at {at}: commit {}",
                session.id,
                commit.short()
            );
            Ok(("session", Some(commit), note))
        }
        _ => Ok((
            "session",
            None,
            format!(
                "session {} is still open: the branch as it is now",
                session.id
            ),
        )),
    }
}

/// A time as the original took it: RFC 3339, or a date meaning its first instant (UTC).
fn time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>()
        .ok()
        .or_else(|| text.parse::<Date>().ok().map(|d| d.start()))
}

/// The newest commit of the branch (first parents) made at or before `at`.
fn commit_at_or_before(ws: &Workspace, at: Timestamp) -> Result<CommitId> {
    let all = LogFilter {
        limit: usize::MAX,
        ..LogFilter::default()
    };
    let log = ws.store().log(&all)?;
    if let Some(entry) = log.iter().find(|e| e.at <= at) {
        return Ok(entry.commit);
    }
    let first = log.last().map(|e| e.at.to_string()).unwrap_or_default();
    Err(Error::InvalidInput(format!(
        "{at} is before the project's memory began: its first commit is at {first}; ask for a later time"
    )))
}

/// When `commit` (on the branch's first-parent line) was made; the tip's is read alone,
/// so the everyday `cmos context` does not walk the history.
fn commit_time(ws: &Workspace, commit: CommitId, tip: bool) -> Result<Option<Timestamp>> {
    let all = LogFilter {
        limit: if tip { 1 } else { usize::MAX },
        ..LogFilter::default()
    };
    Ok(ws
        .store()
        .log(&all)?
        .into_iter()
        .find(|e| e.commit == commit)
        .map(|e| e.at))
}
