//! The kanban of a sprint: its missions in columns by status, with Queued work split into
//! Ready and Waiting by the rules `mission next` follows (`lifecycle::queue`), and the reason
//! each waiting mission waits.

use serde::Serialize;

use super::SprintBrief;
use crate::error::Result;
use crate::index::{Index, MissionEntry};
use crate::lifecycle::{Gates, Prerequisites, Queue, Unmet};
use crate::model::{DepType, Status};
use crate::ops::{Outcome, Workspace};

/// One column of the board, in board order. `key` is stable for programs; `label` is for
/// people; `status` is what a card dropped here moves to.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    pub status: Status,
    pub count: usize,
    pub cards: Vec<Card>,
}

/// A mission as the board shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub column: &'static str,
    pub priority: Option<i64>,
    pub sprint: Option<String>,
    /// Ready to work on, as `mission next` sees it: open, prerequisites completed, not
    /// waiting for a person's review.
    pub ready: bool,
    /// Why it cannot go on, in words.
    pub waiting: Vec<String>,
    /// The prerequisites that are not Completed yet.
    pub blocked_by: Vec<String>,
    pub needs_human: bool,
    pub awaiting_review: bool,
}

/// The board of one sprint (or of the missions in no sprint when the project has none).
#[derive(Debug, Clone, Serialize)]
pub struct Kanban {
    pub sprint: Option<SprintBrief>,
    pub columns: Vec<Column>,
    pub total: usize,
}

/// The columns in board order: (key, label, the status a card dropped there moves to).
const COLUMNS: [(&str, &str, Status); 8] = [
    ("waiting", "Waiting", Status::Queued),
    ("ready", "Ready", Status::Queued),
    ("current", "Current", Status::Current),
    ("in_progress", "In Progress", Status::InProgress),
    ("blocked", "Blocked", Status::Blocked),
    ("completed", "Completed", Status::Completed),
    ("deferred", "Deferred", Status::Deferred),
    ("dropped", "Dropped", Status::Dropped),
];

/// The column a mission sits in.
fn column_of(status: Status, ready: bool) -> &'static str {
    match status {
        Status::Queued if ready => "ready",
        Status::Queued => "waiting",
        Status::Current => "current",
        Status::InProgress => "in_progress",
        Status::Blocked => "blocked",
        Status::Completed => "completed",
        Status::Deferred => "deferred",
        Status::Dropped => "dropped",
    }
}

/// The kanban of `sprint` (a name `Meta::resolve_sprint` understands), else of the current
/// sprint, else of the missions that belong to no sprint.
pub fn kanban(index: &Index, sprint: Option<&str>) -> Result<Kanban> {
    let chosen = match sprint {
        Some(name) => Some(index.resolve_sprint(name)?),
        None => index.current_sprint(),
    };
    let wanted = chosen.map(|s| s.id.as_str());
    let queue = Queue::new(index);
    let gates = Gates::new(index);
    let mut columns: Vec<Column> = COLUMNS
        .iter()
        .map(|&(key, label, status)| Column {
            key,
            label,
            status,
            count: 0,
            cards: Vec::new(),
        })
        .collect();
    let mut total = 0;
    for m in queue.in_order(|m| m.sprint.as_deref() == wanted) {
        let card = card(m, &gates);
        total += 1;
        // Every card's column is one of COLUMNS (column_of returns only their keys).
        if let Some(column) = columns.iter_mut().find(|c| c.key == card.column) {
            column.count += 1;
            column.cards.push(card);
        }
    }
    Ok(Kanban {
        sprint: chosen.map(SprintBrief::from),
        columns,
        total,
    })
}

fn card(m: &MissionEntry, gates: &Gates<'_>) -> Card {
    let open = matches!(
        m.status,
        Status::Queued | Status::Current | Status::InProgress
    );
    let unmet = if open { gates.unmet(m) } else { Vec::new() };
    let ready = open && !m.awaiting_review && unmet.is_empty();
    let mut waiting: Vec<String> = unmet.iter().map(reason).collect();
    if m.awaiting_review {
        waiting.push("waits for a person to approve or reject its validation score".into());
    } else if m.needs_human && open {
        waiting.push("only a person's approval completes it".into());
    }
    if let (Status::Blocked, Some(why)) = (m.status, &m.blocked_reason) {
        waiting.push(format!("blocked: {why}"));
    }
    Card {
        id: m.id.clone(),
        name: m.name.clone(),
        status: m.status,
        column: column_of(m.status, ready),
        priority: m.rank,
        sprint: m.sprint.clone(),
        ready,
        waiting,
        blocked_by: unmet.into_iter().map(|u| u.id).collect(),
        needs_human: m.needs_human,
        awaiting_review: m.awaiting_review,
    }
}

/// Why an unmet prerequisite holds a mission back, in words.
fn reason(u: &Unmet) -> String {
    let status = u.status.map_or("missing".to_string(), |s| s.to_string());
    match u.via {
        DepType::Blocks => format!("is blocked by {} ({status})", u.id),
        via => format!("{via} {} ({status})", u.id),
    }
}

/// The kanban of the branch tip.
pub fn board(ws: &Workspace, sprint: Option<&str>) -> Result<Outcome<Kanban>> {
    let snapshot = ws.snapshot()?;
    let kanban = kanban(snapshot.index()?, sprint)?;
    Ok(Outcome::read(kanban, &snapshot))
}
