//! A sprint's retrospective, read-only: its missions with cycle times, the completion rate
//! over owned missions, its decisions, learnings and sessions, what carries forward, and a
//! commit-ready summary.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::Result;
use crate::model::text::{first_line_cut, one_line};
use crate::model::{
    Item, ItemKind, ItemStatus, Minutes, Mission, SessionStatus, Sprint, Status, Timestamp,
};
use crate::{lifecycle, store::Snapshot};

/// The longest key deliverable the summary's table shows, in characters.
const DELIVERABLE_LEN: usize = 120;

/// Everything a sprint's close-out looks back on.
#[derive(Debug, Serialize)]
pub struct Retro {
    pub sprint: Sprint,
    /// The sprint's missions in the order of work.
    pub missions: Vec<RetroMission>,
    pub kpis: Kpis,
    /// The sprint's decisions and learnings, oldest first, whatever their status now.
    pub decisions: Vec<RetroItem>,
    pub learnings: Vec<RetroItem>,
    /// The sprint's sessions by start time, each with the missions it touched.
    pub sessions: Vec<RetroSession>,
    pub carry_forward: CarryForward,
    /// A few lines to paste into a commit message or a pull request.
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct RetroMission {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub notes: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// Completed minus started, in days to 2 decimals; None unless Completed with both times.
    pub cycle_days: Option<f64>,
    /// Time In Progress and Blocked, from the transitions.
    pub worked: Minutes,
    pub blocked: Minutes,
    /// The sessions of the sprint that touched it.
    pub sessions: Vec<String>,
}

/// The sprint's figures. Deferred and Dropped missions are parked: not owned, counted apart.
#[derive(Debug, Default, Serialize)]
pub struct Kpis {
    /// Every mission of the sprint, parked ones included.
    pub missions: usize,
    /// Missions the sprint owns: all but the parked ones.
    pub owned: usize,
    pub completed: usize,
    pub blocked: usize,
    /// Owned missions neither Completed nor Blocked.
    pub unfinished: usize,
    pub parked: usize,
    pub deferred: usize,
    pub dropped: usize,
    /// round(completed / owned × 100); None when the sprint owns no mission.
    pub completion_rate: Option<u8>,
    /// The mean cycle time of the completed missions that have one, in days to 2 decimals.
    pub average_cycle_days: Option<f64>,
    pub decisions: usize,
    pub learnings: usize,
    pub sessions: usize,
    /// Sessions that touched at least one mission.
    pub linked_sessions: usize,
    /// Sessions of no sprint at all: not counted in any retro.
    pub untagged_sessions: usize,
}

#[derive(Debug, Serialize)]
pub struct RetroItem {
    pub id: String,
    pub text: String,
    pub status: ItemStatus,
    pub created_at: Timestamp,
    pub by: String,
    pub mission: Option<String>,
    pub session: Option<String>,
}

impl From<&Item> for RetroItem {
    fn from(i: &Item) -> Self {
        RetroItem {
            id: i.id.clone(),
            text: i.text.clone(),
            status: i.status,
            created_at: i.created_at,
            by: i.by.clone(),
            mission: i.mission.clone(),
            session: i.session.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RetroSession {
    pub id: String,
    pub title: String,
    pub agent: String,
    pub status: SessionStatus,
    pub started_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    /// The missions it worked on, noted captures about, or linked records to, first seen first.
    pub missions: Vec<String>,
}

/// What the next sprint inherits.
#[derive(Debug, Default, Serialize)]
pub struct CarryForward {
    pub blocked: Vec<Carried>,
    pub unfinished: Vec<Carried>,
    /// The sprint's next steps still open.
    pub next_steps: Vec<RetroItem>,
}

#[derive(Debug, Serialize)]
pub struct Carried {
    pub id: String,
    pub name: String,
    pub status: Status,
    /// Why it is blocked (else its notes' first line); None when nothing says.
    pub details: Option<String>,
}

/// The retrospective of the sprint `id` names (by id, the original's id or title).
pub fn retro(ws: &Workspace, sprint: &str) -> Result<Outcome<Retro>> {
    let snapshot = ws.snapshot()?;
    let sprint = snapshot.meta.resolve_sprint(sprint)?.clone();
    gather(ws, &snapshot, sprint)
}

/// The retrospective of `sprint` as `snapshot` has it; the sprint record is the one shown
/// (a close-out passes the sprint as it is once completed).
pub fn gather(ws: &Workspace, snapshot: &Snapshot<'_>, sprint: Sprint) -> Result<Outcome<Retro>> {
    let sources = Sources::load(ws, snapshot)?;
    let retro = build(ws, snapshot, &sources, sprint)?;
    let mut outcome = Outcome::read(retro, snapshot);
    if sources.untagged_sessions > 0 {
        outcome = outcome.warn(untagged_warning(sources.untagged_sessions));
    }
    Ok(outcome)
}

/// What a retro that leaves untagged sessions out says about them.
pub fn untagged_warning(untagged: usize) -> String {
    format!(
        "{untagged} session(s) belong to no sprint and are not counted in any sprint's retrospective"
    )
}

/// The records every sprint's retro reads, read once from a snapshot, so that a report over
/// many sprints (analytics) counts exactly as each sprint's retro does.
pub struct Sources {
    /// Each decision, learning and next step with its sprint (`knowledge::item_sprints`).
    decisions: Vec<(Item, Option<String>)>,
    learnings: Vec<(Item, Option<String>)>,
    next_steps: Vec<(Item, Option<String>)>,
    /// Every session by start time.
    sessions: Vec<crate::model::Session>,
    /// Sessions of no sprint at all: not counted in any retro.
    pub untagged_sessions: usize,
}

impl Sources {
    pub fn load(ws: &Workspace, snapshot: &Snapshot<'_>) -> Result<Sources> {
        let (mut sessions, _) = ws.store().sessions(snapshot)?;
        sessions.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        Ok(Sources {
            decisions: with_sprints(ws, snapshot, ItemKind::Decision)?,
            learnings: with_sprints(ws, snapshot, ItemKind::Learning)?,
            next_steps: with_sprints(ws, snapshot, ItemKind::NextStep)?,
            untagged_sessions: sessions.iter().filter(|s| s.sprint.is_none()).count(),
            sessions,
        })
    }
}

/// The retrospective of `sprint` at `snapshot`, from `sources` read at the same snapshot.
pub fn build(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    sources: &Sources,
    sprint: Sprint,
) -> Result<Retro> {
    let in_sprint = snapshot.meta.sprint_matcher(&sprint.id);
    let index = snapshot.index()?;
    let now = Timestamp::now();

    let mut records = Vec::new();
    for entry in lifecycle::work_order(index) {
        if in_sprint(entry.sprint.as_deref()) {
            records.push(ws.store().mission(snapshot, &entry.id)?);
        }
    }

    let of_sprint = |items: &[(Item, Option<String>)]| -> Vec<Item> {
        items
            .iter()
            .filter(|(_, sprint)| in_sprint(sprint.as_deref()))
            .map(|(item, _)| item.clone())
            .collect()
    };
    let (decisions, learnings, next_steps) = (
        of_sprint(&sources.decisions),
        of_sprint(&sources.learnings),
        of_sprint(&sources.next_steps),
    );
    let linked: Vec<&Item> = decisions
        .iter()
        .chain(&learnings)
        .chain(&next_steps)
        .collect();

    let untagged_sessions = sources.untagged_sessions;
    let sessions: Vec<RetroSession> = sources
        .sessions
        .iter()
        .filter(|s| in_sprint(s.sprint.as_deref()))
        .map(|s| {
            let mut missions: Vec<String> = Vec::new();
            let touched = s
                .mission
                .iter()
                .chain(s.captures.iter().filter_map(|c| c.mission.as_ref()))
                .chain(linked.iter().filter_map(|i| {
                    (i.session.as_deref() == Some(s.id.as_str()))
                        .then_some(i.mission.as_ref())
                        .flatten()
                }));
            for m in touched {
                if !missions.contains(m) {
                    missions.push(m.clone());
                }
            }
            RetroSession {
                id: s.id.clone(),
                title: s.title.clone(),
                agent: s.agent.clone(),
                status: s.status,
                started_at: s.started_at,
                completed_at: s.completed_at,
                missions,
            }
        })
        .collect();

    let missions: Vec<RetroMission> = records.iter().map(|m| mission(m, &sessions, now)).collect();
    let kpis = kpis(
        &missions,
        &decisions,
        &learnings,
        &sessions,
        untagged_sessions,
    );
    let carry_forward = CarryForward {
        blocked: carried(&records, |s| s == Status::Blocked),
        unfinished: carried(&records, |s| s.is_open() && s != Status::Blocked),
        next_steps: next_steps
            .iter()
            .filter(|i| i.status == ItemStatus::Active)
            .map(RetroItem::from)
            .collect(),
    };
    let mut retro = Retro {
        summary: String::new(),
        sprint,
        missions,
        kpis,
        decisions: decisions.iter().map(RetroItem::from).collect(),
        learnings: learnings.iter().map(RetroItem::from).collect(),
        sessions,
        carry_forward,
    };
    retro.summary = summary(&retro, &records);
    Ok(retro)
}

/// The items of `kind`, oldest first, each with its sprint (its own, else its mission's or
/// session's).
fn with_sprints(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    kind: ItemKind,
) -> Result<Vec<(Item, Option<String>)>> {
    let (items, _) = ws.store().items(snapshot, kind)?;
    let sprints = super::knowledge::item_sprints(ws, snapshot, &items)?;
    Ok(items.into_iter().zip(sprints).collect())
}

/// When the work started and was completed: the record's times, else its transitions' (a
/// mission imported without them).
fn times(m: &Mission) -> (Option<Timestamp>, Option<Timestamp>) {
    let started = m.started_at.or_else(|| {
        m.transitions
            .iter()
            .find(|t| t.to == Status::InProgress)
            .map(|t| t.at)
    });
    let completed = m.completed_at.or_else(|| {
        m.transitions
            .iter()
            .rev()
            .find(|t| t.to == Status::Completed)
            .map(|t| t.at)
    });
    (started, completed)
}

/// Days between two moments to 2 decimals; None when the branch says it ended first.
fn days_between(from: Timestamp, to: Timestamp) -> Option<f64> {
    let seconds = to.unix_seconds() - from.unix_seconds();
    (seconds >= 0).then(|| round2(seconds as f64 / 86_400.0))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn mission(m: &Mission, sessions: &[RetroSession], now: Timestamp) -> RetroMission {
    let (started_at, completed_at) = times(m);
    let cycle_days = match (m.status, started_at, completed_at) {
        (Status::Completed, Some(s), Some(c)) => days_between(s, c),
        _ => None,
    };
    let spent = m.time_spent(now);
    RetroMission {
        id: m.id.clone(),
        name: m.name.clone(),
        status: m.status,
        notes: m.notes.clone(),
        started_at,
        completed_at,
        cycle_days,
        worked: spent.worked,
        blocked: spent.blocked,
        sessions: sessions
            .iter()
            .filter(|s| s.missions.contains(&m.id))
            .map(|s| s.id.clone())
            .collect(),
    }
}

fn kpis(
    missions: &[RetroMission],
    decisions: &[Item],
    learnings: &[Item],
    sessions: &[RetroSession],
    untagged_sessions: usize,
) -> Kpis {
    let count = |status: Status| missions.iter().filter(|m| m.status == status).count();
    let (deferred, dropped) = (count(Status::Deferred), count(Status::Dropped));
    let parked = deferred + dropped;
    let owned = missions.len() - parked;
    let completed = count(Status::Completed);
    let blocked = count(Status::Blocked);
    let cycles: Vec<f64> = missions.iter().filter_map(|m| m.cycle_days).collect();
    Kpis {
        missions: missions.len(),
        owned,
        completed,
        blocked,
        unfinished: owned - completed - blocked,
        parked,
        deferred,
        dropped,
        // No owned mission: no rate at all, rather than a 0% that reads as a failed sprint.
        completion_rate: (owned > 0)
            .then(|| (completed as f64 * 100.0 / owned as f64).round() as u8),
        average_cycle_days: (!cycles.is_empty())
            .then(|| round2(cycles.iter().sum::<f64>() / cycles.len() as f64)),
        decisions: decisions.len(),
        learnings: learnings.len(),
        sessions: sessions.len(),
        linked_sessions: sessions.iter().filter(|s| !s.missions.is_empty()).count(),
        untagged_sessions,
    }
}

fn carried(records: &[Mission], keep: impl Fn(Status) -> bool) -> Vec<Carried> {
    records
        .iter()
        .filter(|m| keep(m.status))
        .map(|m| Carried {
            id: m.id.clone(),
            name: m.name.clone(),
            status: m.status,
            details: m
                .blocked
                .as_ref()
                .map(|b| one_line(&b.reason))
                .or_else(|| first_text_line(m.notes.as_deref()))
                .filter(|d| !d.is_empty()),
        })
        .collect()
}

/// The first non-empty line of `text`, on one line and cut to the summary's width.
fn first_text_line(text: Option<&str>) -> Option<String> {
    let line = text?.lines().find(|l| !l.trim().is_empty())?;
    Some(first_line_cut(&one_line(line), DELIVERABLE_LEN))
}

/// What a completed mission delivered, in one line: its notes, else what its completion
/// said, else its first deliverable.
fn key_deliverable(m: &Mission) -> String {
    let completion_note = m
        .transitions
        .iter()
        .rev()
        .find(|t| t.to == Status::Completed)
        .and_then(|t| t.note.as_deref());
    first_text_line(m.notes.as_deref())
        .or_else(|| first_text_line(completion_note))
        .or_else(|| first_text_line(m.deliverables.first().map(String::as_str)))
        .unwrap_or_else(|| "-".into())
}

/// A Markdown table cell: one line, its pipes escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// `n` and the noun that fits it.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The commit-ready summary. Its header counts owned missions, as the figures do: parked
/// missions are neither done nor owed.
fn summary(r: &Retro, records: &[Mission]) -> String {
    let k = &r.kpis;
    let mut out = format!(
        "Sprint {}: {} — {} ({}/{})\n",
        r.sprint.id,
        one_line(&r.sprint.title),
        r.sprint.status,
        k.completed,
        k.owned
    );
    let done: Vec<&Mission> = records
        .iter()
        .filter(|m| m.status == Status::Completed)
        .collect();
    if !done.is_empty() {
        out.push_str("\n| Mission | Name | Key deliverable |\n|---|---|---|\n");
        for m in done {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(&m.id),
                cell(&m.name),
                cell(&key_deliverable(m))
            ));
        }
    }
    let rate = match k.completion_rate {
        Some(rate) => format!(
            "{} of {} completed ({rate}%)",
            k.completed,
            plural(k.owned, "owned mission", "owned missions")
        ),
        None => "no owned missions (completion rate n/a)".into(),
    };
    let cycle = match k.average_cycle_days {
        Some(days) => format!("average cycle time {days:.2} days"),
        None => "no cycle time".into(),
    };
    out.push_str(&format!(
        "\n{rate}; {} parked ({} deferred, {} dropped); {cycle}; {}, {}, {} ({} linked to missions).\n",
        k.parked,
        k.deferred,
        k.dropped,
        plural(k.decisions, "decision", "decisions"),
        plural(k.learnings, "learning", "learnings"),
        plural(k.sessions, "session", "sessions"),
        k.linked_sessions
    ));
    let cf = &r.carry_forward;
    if !(cf.blocked.is_empty() && cf.unfinished.is_empty() && cf.next_steps.is_empty()) {
        out.push_str("\nCarry forward:\n");
        for m in &cf.blocked {
            let details = m.details.as_deref().unwrap_or("no details");
            out.push_str(&format!("- {}: {} — {details}\n", m.id, one_line(&m.name)));
        }
        for m in &cf.unfinished {
            out.push_str(&format!(
                "- {}: {} ({})\n",
                m.id,
                one_line(&m.name),
                m.status
            ));
        }
        for step in &cf.next_steps {
            out.push_str(&format!(
                "- next step {}: {}\n",
                step.id,
                one_line(&step.text)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn brief(status: Status, cycle: Option<f64>) -> RetroMission {
        RetroMission {
            id: "M".into(),
            name: "m".into(),
            status,
            notes: None,
            started_at: None,
            completed_at: None,
            cycle_days: cycle,
            worked: Minutes(0),
            blocked: Minutes(0),
            sessions: Vec::new(),
        }
    }

    #[test]
    fn cycle_days_round_to_two_decimals_and_refuse_an_end_before_the_start() {
        let start = at("2026-11-01T00:00:00Z");
        assert_eq!(days_between(start, at("2026-11-02T08:00:00Z")), Some(1.33));
        assert_eq!(days_between(start, start), Some(0.0));
        assert_eq!(days_between(at("2026-11-02T00:00:00Z"), start), None);
    }

    #[test]
    fn parked_missions_are_not_owned_and_no_owned_mission_has_no_rate() {
        let parked = [brief(Status::Deferred, None), brief(Status::Dropped, None)];
        let k = kpis(&parked, &[], &[], &[], 0);
        assert_eq!((k.owned, k.parked, k.completion_rate), (0, 2, None));
        let none = kpis(&[], &[], &[], &[], 0);
        assert_eq!((none.owned, none.completion_rate), (0, None));
        let mixed = [
            brief(Status::Completed, Some(1.0)),
            brief(Status::Completed, Some(2.5)),
            brief(Status::Blocked, None),
            brief(Status::Dropped, None),
        ];
        let k = kpis(&mixed, &[], &[], &[], 0);
        assert_eq!(
            (k.owned, k.completed, k.blocked, k.unfinished),
            (3, 2, 1, 0)
        );
        assert_eq!(k.completion_rate, Some(67));
        assert_eq!(k.average_cycle_days, Some(1.75));
    }
}
