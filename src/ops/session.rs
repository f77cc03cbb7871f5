//! Session operations: start, capture, complete, list, show. The session record is on the
//! branch; which session this worktree works in is local state under the git directory.
//! The rules of sessions are in `lifecycle::sessions`.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::index::Meta;
use crate::lifecycle;
use crate::model::{
    Capture, CaptureCategory, Item, ItemKind, MAX_NAME_LEN, Session, SessionStatus, SessionType,
    Timestamp, clean_items, clean_name, clean_text, new_short_id, new_uid, quote,
};
use crate::next::{Action, Input, Op};

/// The longest capture, in bytes: enough for a page of notes, not for a pasted log file.
pub const MAX_CAPTURE_LEN: usize = 16 * 1024;

/// What `session start` asks for.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub kind: SessionType,
    pub title: String,
    pub sprint: Option<String>,
    pub mission: Option<String>,
    /// Close an open session of this worktree as abandoned instead of refusing.
    pub force: bool,
}

#[derive(Debug, Serialize)]
pub struct Started {
    pub session: Session,
    /// The session `--force` closed as abandoned.
    pub abandoned: Option<String>,
}

/// A session in one line, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct SessionBrief {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: SessionType,
    pub title: String,
    pub status: SessionStatus,
    pub agent: String,
    /// The sprint's id, or the name the session gave a sprint not added yet.
    pub sprint: Option<String>,
    /// True while `sprint` names a sprint that is not added yet.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sprint_planned: bool,
    /// The mission the session works on, when it named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    pub started_at: Timestamp,
    pub captures: usize,
}

impl SessionBrief {
    fn of(meta: &Meta, s: &Session) -> Self {
        let (sprint, sprint_planned) = linked_sprint(meta, s.sprint.as_deref());
        SessionBrief {
            id: s.id.clone(),
            kind: s.kind,
            title: s.title.clone(),
            status: s.status,
            agent: s.agent.clone(),
            sprint,
            sprint_planned,
            mission: s.mission.clone(),
            started_at: s.started_at,
            captures: s.captures.len(),
        }
    }
}

/// A session may name a sprint before it is added (planning comes first): it keeps the name
/// as given, and the link resolves once a sprint of that id, original id or title exists.
/// Returns the sprint's id where it resolves, else the name, and whether it is still planned.
fn linked_sprint(meta: &Meta, stored: Option<&str>) -> (Option<String>, bool) {
    match stored {
        None => (None, false),
        Some(name) => match meta.find_sprint(name) {
            Ok(Some(sprint)) => (Some(sprint.id.clone()), false),
            // Ambiguous now: keep what the session said rather than guess.
            Ok(None) | Err(_) => (Some(name.to_string()), true),
        },
    }
}

/// The open session of this worktree, if its pointer names one that is still Active.
pub(crate) fn open_session(ws: &Workspace) -> Result<Option<String>> {
    let Some(id) = ws.store().active_session() else {
        return Ok(None);
    };
    let snapshot = ws.snapshot()?;
    match ws.store().session(&snapshot, &id) {
        Ok(session) if session.status == SessionStatus::Active => Ok(Some(id)),
        Ok(_) | Err(Error::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

pub fn start(ws: &Workspace, mut request: StartRequest) -> Result<Outcome<Started>> {
    let title = clean_name("session title", &request.title)?;
    request.sprint = request
        .sprint
        .as_deref()
        .map(|s| clean_name("sprint", s))
        .transpose()?;
    let open = open_session(ws)?;
    lifecycle::check_session_start(open.as_deref(), request.force)?;
    let written = ws.store().write("session.start", |tx| {
        let project = tx.meta().project()?.clone();
        // A sprint that exists is stored by its id; one not added yet by its name.
        let sprint = match &request.sprint {
            Some(name) => Some(match tx.meta().find_sprint(name)? {
                Some(sprint) => sprint.id.clone(),
                None => name.clone(),
            }),
            None => project.current_sprint,
        };
        if let Some(mission) = &request.mission {
            tx.require(mission)?;
        }
        let now = tx.now();
        if let Some(id) = &open {
            let mut old = tx.session(id)?;
            old.status = SessionStatus::Abandoned;
            old.completed_at = Some(now);
            tx.put_session(&old)?;
            tx.record(
                "session.abandoned",
                id,
                Some("Active".into()),
                Some("Abandoned".into()),
                None,
            );
        }
        let id = free_session_id(tx, now)?;
        let session = Session {
            id: id.clone(),
            uid: new_uid(),
            kind: request.kind,
            title: title.clone(),
            status: SessionStatus::Active,
            agent: tx.agent().to_string(),
            sprint,
            mission: request.mission.clone(),
            started_at: now,
            completed_at: None,
            summary: None,
            next_steps: Vec::new(),
            captures: Vec::new(),
            validation_state: None,
            validation_score: None,
            evidence: Vec::new(),
            extra: Default::default(),
        };
        tx.put_session(&session)?;
        tx.record(
            "session.started",
            &id,
            None,
            Some("Active".into()),
            Some(title.clone()),
        );
        tx.set_subject(format!("session start {id}"));
        Ok(session)
    })?;
    ws.store().set_active_session(Some(&written.value.id))?;
    let (sprint, planned) = linked_sprint(&written.meta, written.value.sprint.as_deref());
    let started = Started {
        abandoned: open,
        session: written.value,
    };
    let outcome = Outcome::from_digest(started, &written.meta, &written.digest);
    Ok(match sprint.filter(|_| planned) {
        Some(name) => outcome.warn(format!(
            "no sprint is named {name:?} yet: the session keeps the name, and links to the sprint once one of that id or title is added"
        )),
        None => outcome,
    })
}

/// A session id such as `ps-20261124-4k7wq2xz9d`: the day for people, random bits so that
/// clones that never talked never collide.
fn free_session_id(tx: &crate::store::Tx<'_>, now: Timestamp) -> Result<String> {
    let day = now.as_datetime().format("%Y%m%d").to_string();
    loop {
        let id = new_short_id(&format!("ps-{day}"));
        if !tx.exists(&layout::session_path(&id))? {
            return Ok(id);
        }
    }
}

/// Checks a capture's text: not empty, one page at most, no control characters.
pub fn clean_capture(text: &str) -> Result<String> {
    if text.len() > MAX_CAPTURE_LEN {
        return Err(Error::InvalidInput(format!(
            "the capture is {} bytes; the limit is {MAX_CAPTURE_LEN} bytes: capture the gist and point to where the rest lives",
            text.len()
        )));
    }
    clean_text("capture", Some(text))?
        .ok_or_else(|| Error::InvalidInput("the capture is empty: say what to remember".into()))
}

#[derive(Debug, Serialize)]
pub struct Captured {
    /// The decision, learning, constraint or next step the capture also created.
    pub record: Option<String>,
    pub session: String,
    pub capture: Capture,
    pub captures: usize,
}

/// Notes something in `session`, or in this worktree's open session.
pub fn capture(
    ws: &Workspace,
    session: Option<&str>,
    category: CaptureCategory,
    text: &str,
    mission: Option<&str>,
) -> Result<Outcome<Captured>> {
    capture_with(ws, session, category, text, mission, toml::Table::new())
}

/// `capture`, keeping `extra` on the capture record: what a front-end was given beyond the
/// text (the original CMOS's evidence and cited learnings), stored as it is.
pub fn capture_with(
    ws: &Workspace,
    session: Option<&str>,
    category: CaptureCategory,
    text: &str,
    mission: Option<&str>,
    extra: toml::Table,
) -> Result<Outcome<Captured>> {
    let text = clean_capture(text)?;
    // The output names the session, so an implicit one needs no warning.
    let id = ws.session_or_open(session)?.id;
    let head = ws.store().head_commit().map(|c| c.to_string());
    let limits = super::loop_guard::limits(&super::policy::effective(&ws.snapshot()?)?.limits);
    let what = format!("capture ({category})");
    let mut repeat = lifecycle::Repeat::Fine;
    let mut ways_out = Vec::new();
    let written = ws.store().write("session.capture", |tx| {
        let mut session = tx.session(&id)?;
        lifecycle::check_capture(&session)?;
        if let Some(mission) = mission {
            tx.require(mission)?;
        }
        // The same capture again in this session. The session record is read anyway; all
        // its captures are looked at (not only the newest), since a sync may have merged
        // another clone's captures after this one's.
        let now = tx.now();
        let new = lifecycle::Said {
            at: now,
            session: Some(&id),
            agent: tx.agent(),
            what: &what,
            text: &text,
        };
        let recent = session
            .captures
            .iter()
            .filter(|c| c.category == category)
            .map(|c| lifecycle::Said {
                at: c.at,
                session: Some(id.as_str()),
                agent: c.by.as_str(),
                what: what.as_str(),
                text: c.text.as_str(),
            });
        ways_out = super::loop_guard::ways_out(Some(&id), mission.or(session.mission.as_deref()));
        repeat = lifecycle::check_repeat(&new, recent, limits, &ways_out)?;
        let capture = Capture {
            at: tx.now(),
            category,
            text: text.clone(),
            by: tx.agent().to_string(),
            mission: mission.map(str::to_string),
            extra: extra.clone(),
        };
        session.captures.push(capture.clone());
        tx.put_session(&session)?;
        // The sprint by its id if it was added since the session named it.
        let sprint = linked_sprint(tx.meta(), session.sprint.as_deref()).0;
        let record = record_of(&capture, &session, tx.now(), head.as_deref()).map(|mut item| {
            item.sprint = sprint;
            let id = item.id.clone();
            tx.put_item(item);
            id
        });
        let first_line = crate::model::text::first_line(&text).to_string();
        tx.record(
            "session.capture",
            &id,
            None,
            Some(category.to_string()),
            Some(first_line),
        );
        tx.set_subject(format!("session capture {id} {category}"));
        Ok(Captured {
            record,
            session: id.clone(),
            captures: session.captures.len(),
            capture,
        })
    })?;
    Ok(super::loop_guard::warned(
        written.into_outcome(),
        repeat,
        &ways_out,
    ))
}

/// The record a capture also creates: decisions, learnings, constraints and next steps are
/// kept beyond the session, where context and lists find them.
fn record_of(
    capture: &Capture,
    session: &Session,
    now: Timestamp,
    head: Option<&str>,
) -> Option<Item> {
    let kind = lifecycle::capture_record_kind(capture.category)?;
    let id = new_short_id(kind.id_prefix());
    let mut item = if kind == ItemKind::Decision {
        // A decision is a title and a rationale: the first line, then the rest.
        let (title, rest) = capture.text.split_once('\n').unwrap_or((&capture.text, ""));
        let title: String = title.trim().chars().take(MAX_NAME_LEN).collect();
        let mut item = Item::new(kind, id, title, &capture.by, now);
        item.rationale = Some(rest.trim().to_string()).filter(|r| !r.is_empty());
        // Provenance: the project's commit the decision was made on.
        item.commit = head.map(str::to_string);
        item
    } else {
        Item::new(kind, id, capture.text.clone(), &capture.by, now)
    };
    item.session = Some(session.id.clone());
    item.mission = capture.mission.clone().or_else(|| session.mission.clone());
    item.sprint = session.sprint.clone();
    Some(item)
}

/// Closes `session` (or this worktree's open one) with a summary and next steps.
pub fn complete(
    ws: &Workspace,
    session: Option<&str>,
    summary: Option<&str>,
    next_steps: &[String],
    force: bool,
) -> Result<Outcome<Session>> {
    complete_with(
        ws,
        session,
        summary,
        next_steps,
        force,
        None,
        &super::gate::Validation::default(),
    )
}

/// Closes a session as `complete` does, recording its metrics (`measures`) in the same commit
/// and keeping the validation score given with it and where the confidence gate puts the
/// work (auto-approved, needs review, human required).
pub fn complete_with(
    ws: &Workspace,
    session: Option<&str>,
    summary: Option<&str>,
    next_steps: &[String],
    force: bool,
    measures: Option<&super::metrics::Measures>,
    validation: &super::gate::Validation,
) -> Result<Outcome<Session>> {
    let gated = super::gate::session_validation(ws, validation)?;
    let summary = clean_text("summary", summary)?;
    let next_steps = clean_items("next step", next_steps)?;
    lifecycle::check_summary(summary.is_some(), force)?;
    let id = ws.session_or_open(session)?.id;
    let written = ws.store().write("session.complete", |tx| {
        let mut session = tx.session(&id)?;
        lifecycle::check_session_complete(&session)?;
        session.status = SessionStatus::Completed;
        session.completed_at = Some(tx.now());
        session.summary = summary.clone();
        session.next_steps = next_steps.clone();
        if let Some(gate) = &gated {
            session.validation_state = Some(gate.state);
            session.validation_score = Some(gate.score);
            session.evidence = gate.evidence.clone();
        }
        tx.put_session(&session)?;
        if let Some(measures) = measures {
            super::metrics::stage(tx, Some(&id), None, measures)?;
        }
        let sprint = linked_sprint(tx.meta(), session.sprint.as_deref()).0;
        for step in &next_steps {
            let mut item = Item::new(
                ItemKind::NextStep,
                new_short_id(ItemKind::NextStep.id_prefix()),
                step.clone(),
                tx.agent(),
                tx.now(),
            );
            item.session = Some(id.clone());
            item.mission = session.mission.clone();
            item.sprint = sprint.clone();
            tx.put_item(item);
        }
        tx.record(
            "session.completed",
            &id,
            Some("Active".into()),
            Some("Completed".into()),
            summary.clone(),
        );
        tx.set_subject(format!("session complete {id}"));
        Ok(session)
    })?;
    if ws.store().active_session().as_deref() == Some(id.as_str()) {
        ws.store().set_active_session(None)?;
    }
    let empty = written.value.captures.is_empty();
    // The defaults decided the session's state when the policy file does not read: say so.
    let outcome = super::gate::warn_unusable(
        written.into_outcome(),
        gated.and_then(|gate| gate.unusable_policy),
    );
    Ok(if empty {
        outcome.warn(format!("session {id} closed without captures: decisions and learnings made in it are not recorded"))
    } else {
        outcome
    })
}

/// Sessions, newest first, optionally of one type or sprint, or started since a time.
pub fn list(
    ws: &Workspace,
    kind: Option<SessionType>,
    sprint: Option<&str>,
    since: Option<Timestamp>,
) -> Result<Outcome<Vec<SessionBrief>>> {
    let snapshot = ws.snapshot()?;
    let (mut sessions, problems) = ws.store().sessions(&snapshot)?;
    let in_sprint = sprint.map(|wanted| snapshot.meta.sprint_matcher(wanted));
    sessions.retain(|s| {
        kind.is_none_or(|k| s.kind == k)
            && in_sprint
                .as_ref()
                .is_none_or(|matches| matches(s.sprint.as_deref()))
            && since.is_none_or(|t| s.started_at >= t)
    });
    sessions.sort_by(|a, b| (b.started_at, &b.uid).cmp(&(a.started_at, &a.uid)));
    let briefs = sessions
        .iter()
        .map(|s| SessionBrief::of(&snapshot.meta, s))
        .collect();
    let mut outcome = Outcome::read(briefs, &snapshot);
    for problem in problems {
        outcome = outcome.warn(format!("unreadable file, skipped: {problem}"));
    }
    Ok(outcome)
}

/// A session with the project's commits made while it was open.
#[derive(Debug, Serialize)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: Session,
    /// True while the session's sprint names a sprint that is not added yet.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sprint_planned: bool,
    /// The commits the hooks logged in this session, oldest first.
    pub commits: Vec<super::history::LoggedCommit>,
}

pub fn show(ws: &Workspace, id: &str) -> Result<Outcome<SessionDetail>> {
    crate::model::validate_id("session", id)
        .map_err(|_| Error::InvalidInput(format!("invalid session id {}", quote(id))))?;
    let snapshot = ws.snapshot()?;
    let mut session = ws.store().session(&snapshot, id)?;
    let commits = super::history::session_commits(ws, &snapshot, &session)?;
    let sprint_planned;
    (session.sprint, sprint_planned) = linked_sprint(&snapshot.meta, session.sprint.as_deref());
    Ok(Outcome::read(
        SessionDetail {
            session,
            sprint_planned,
            commits,
        },
        &snapshot,
    ))
}

/// One session found by `session search`.
#[derive(Debug, Serialize)]
pub struct SessionHit {
    pub score: f32,
    #[serde(flatten)]
    pub session: SessionBrief,
    pub summary: Option<String>,
}

/// Sessions whose title, summary, next steps or captures contain every word of `query`,
/// best first (BM25).
pub fn search(ws: &Workspace, query: &str, limit: usize) -> Result<Outcome<Vec<SessionHit>>> {
    if crate::kb::engine::words(query).next().is_none() {
        return Err(Error::InvalidInput(
            "the query has no words to search for".into(),
        ));
    }
    let snapshot = ws.snapshot()?;
    let (sessions, _) = ws.store().sessions(&snapshot)?;
    let index = crate::kb::Index::new(sessions.iter().map(crate::kb::records::session).collect());
    let by_id: std::collections::HashMap<&str, &Session> =
        sessions.iter().map(|s| (s.id.as_str(), s)).collect();
    let hits = index
        .search_all(query, limit, |_| true)
        .into_iter()
        .filter_map(|hit| match &hit.document.source {
            crate::kb::Source::Record { id, .. } => {
                let s = by_id.get(id.as_str())?;
                Some(SessionHit {
                    score: hit.score,
                    session: SessionBrief::of(&snapshot.meta, s),
                    summary: s.summary.clone(),
                })
            }
            crate::kb::Source::File { .. } => None,
        })
        .collect();
    Ok(Outcome::read(hits, &snapshot))
}

/// Everything an agent needs to carry on with a session after losing its context.
#[derive(Debug, Serialize)]
pub struct Resume {
    pub session: Session,
    /// How long the session has been open (or lasted).
    pub elapsed: crate::model::Minutes,
    /// The mission the session works on, or this worktree's active mission.
    pub mission: Option<super::MissionBrief>,
    /// Next steps recorded in this session that are still open.
    pub open_next_steps: Vec<crate::model::Item>,
    /// The last things this session's agent did on the branch, oldest first.
    pub last_actions: Vec<crate::model::Event>,
    /// The project's commits made in this session, oldest first.
    pub commits: Vec<super::history::LoggedCommit>,
    /// What to do now, in order.
    pub suggested: Vec<String>,
}

/// How many of the session agent's latest events `resume` shows.
const RESUME_EVENTS: usize = 15;

/// The full context of `id`, or of this worktree's session (open, or the last one it had),
/// else of the most recent session of the project.
pub fn resume(ws: &Workspace, id: Option<&str>) -> Result<Outcome<Resume>> {
    let scoped = ws.session_or_recent(id)?;
    let id = scoped.id.clone();
    crate::model::validate_id("session", &id)?;
    let snapshot = ws.snapshot()?;
    let store = ws.store();
    let session = store.session(&snapshot, &id)?;
    let end = session.completed_at.unwrap_or_else(Timestamp::now);
    let mission_id = session.mission.clone().or_else(|| store.active_mission());
    let mission = match &mission_id {
        Some(m) => snapshot
            .entry(m)?
            .map(|(e, _)| super::MissionBrief::from(&e)),
        None => None,
    };
    // A session's next steps are written from its start on, so the months before it are
    // left unread, and of those only the shards that hold the session's steps are opened.
    let steps =
        store.session_items_since(&snapshot, ItemKind::NextStep, session.started_at, &id)?;
    let open_next_steps: Vec<Item> = steps
        .into_iter()
        .filter(|i| {
            i.session.as_deref() == Some(id.as_str())
                && i.status == crate::model::ItemStatus::Active
        })
        .collect();
    // The log read back from the session's end until the agent's last actions are known
    // (shards that end before the session starts are passed over unopened), and the commits
    // made in it from the cache of the log's commit lines: neither grows with the log.
    let span = (session.started_at, Some(end));
    let mut last_actions = Vec::new();
    store.events_newest_first_remembered(&snapshot, span, |e| {
        if e.agent == session.agent {
            last_actions.push(e);
        }
        last_actions.len() < RESUME_EVENTS
    })?;
    last_actions.reverse();
    let commits = commits_until(ws, &snapshot, &session, end)?;
    let suggested = resume_steps(&session, mission.as_ref(), &open_next_steps);
    let actions = resume_actions(&session, mission.as_ref());
    let resume = Resume {
        commits,
        elapsed: crate::model::Minutes::between(session.started_at, end),
        session,
        mission,
        open_next_steps,
        last_actions,
        suggested,
    };
    let outcome = Outcome::read(resume, &snapshot).scoped(&scoped, "session");
    Ok(actions.into_iter().rev().fold(outcome, Outcome::suggest))
}

/// The commits made in `session` from its start until `end` (its end, or now), oldest first,
/// from the cache of the log's commit lines (`events_of_kinds`).
fn commits_until(
    ws: &Workspace,
    snapshot: &crate::store::Snapshot<'_>,
    session: &Session,
    end: Timestamp,
) -> Result<Vec<super::history::LoggedCommit>> {
    use super::history::{COMMIT_EVENTS, logged_commits, made_in_session};
    let span = (session.started_at, Some(end));
    let mut events = ws.store().events_of_kinds(snapshot, span, &COMMIT_EVENTS)?;
    events.retain(|e| e.at <= end);
    Ok(logged_commits(&events, |e| made_in_session(e, &session.id)))
}

/// The actions behind the first steps of a resume, for the instructions.
fn resume_actions(session: &Session, mission: Option<&super::MissionBrief>) -> Vec<Action> {
    let mut out = vec![match session.status {
        SessionStatus::Active => Action::new(Op::SessionComplete)
            .needs(Input::Summary)
            .needs(Input::NextStep),
        _ => Action::new(Op::SessionStart)
            .needs(Input::SessionType)
            .needs(Input::Title),
    }];
    if let Some(m) = mission {
        let show = Action::new(Op::MissionShow).with(Input::MissionId, &m.id);
        match m.status {
            crate::model::Status::InProgress => {
                out.push(show);
                out.push(Action::new(Op::MissionComplete).with(Input::MissionId, &m.id));
            }
            crate::model::Status::Blocked => out.push(show),
            _ => {}
        }
    }
    out
}

fn resume_steps(
    session: &Session,
    mission: Option<&super::MissionBrief>,
    steps: &[Item],
) -> Vec<String> {
    let mut out = Vec::new();
    match session.status {
        SessionStatus::Active => out.push(format!(
            "Session {} is still open: carry on in it (captures go to it), and complete it with a summary when the work stops.",
            session.id
        )),
        _ => out.push(format!(
            "Session {} is {}: start a new session for new work.",
            session.id, session.status
        )),
    }
    if let Some(m) = mission {
        out.push(match m.status {
            crate::model::Status::InProgress => format!(
                "Mission {} ({}) is In Progress: check its success criteria, then complete it.",
                m.id, m.name
            ),
            crate::model::Status::Blocked => {
                format!("Mission {} is Blocked: show it to see why.", m.id)
            }
            status => format!("Mission {} is {status}.", m.id),
        });
    }
    for step in steps.iter().take(5) {
        out.push(format!("Open next step {}: {}", step.id, step.text));
    }
    if let Some(last) = session.captures.last() {
        out.push(format!(
            "The last capture was a {} at {}: {}",
            last.category,
            last.at,
            crate::model::text::first_line(&last.text)
        ));
    }
    out
}
