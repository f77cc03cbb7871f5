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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Meta;
    use crate::model::{Project, Sprint, SprintStatus, Timestamp};

    fn entry(id: &str, status: Status, sprint: &str) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 0,
            name: format!("mission {id}"),
            status,
            sprint: Some(sprint.into()),
            rank: None,
            depends: vec![],
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    fn index(missions: Vec<MissionEntry>) -> Index {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().expect("a time");
        let meta = Meta {
            project: Some(Project {
                id: "p".into(),
                name: "p".into(),
                description: None,
                current_sprint: Some("S1".into()),
                created_at: t,
                extra: Default::default(),
            }),
            ..Default::default()
        };
        let mut index = Index::new(meta, Default::default());
        for id in ["S1", "S2"] {
            index.sprints.insert(
                id.into(),
                Sprint {
                    id: id.into(),
                    uid: format!("uid-{id}"),
                    title: id.into(),
                    focus: None,
                    status: SprintStatus::Active,
                    start: None,
                    end: None,
                    created_at: t,
                    updated_at: t,
                    completed_at: None,
                    extra: Default::default(),
                },
            );
        }
        for m in missions {
            index.missions.insert(m.id.clone(), m);
        }
        index
    }

    fn column_of_card<'a>(k: &'a Kanban, id: &str) -> &'a str {
        let found: Vec<&str> = k
            .columns
            .iter()
            .filter(|c| c.cards.iter().any(|card| card.id == id))
            .map(|c| c.key)
            .collect();
        assert_eq!(found.len(), 1, "{id} is on the board once: {found:?}");
        found[0]
    }

    #[test]
    fn each_mission_of_the_sprint_sits_in_one_column_by_the_rules_of_next() {
        let mut waits = entry("Q2", Status::Queued, "S1");
        waits.depends = vec![("Q1".into(), DepType::Requires)];
        let mut current_waits = entry("C1", Status::Current, "S1");
        current_waits.depends = vec![("GONE".into(), DepType::Requires)];
        let mut review = entry("R1", Status::InProgress, "S1");
        review.awaiting_review = true;
        let mut blocked = entry("B1", Status::Blocked, "S1");
        blocked.blocked_reason = Some("needs a key".into());
        let index = index(vec![
            entry("Q1", Status::Queued, "S1"),
            waits,
            current_waits,
            review,
            blocked,
            entry("D1", Status::Completed, "S1"),
            entry("F1", Status::Deferred, "S1"),
            entry("X1", Status::Dropped, "S1"),
            entry("O1", Status::Queued, "S2"),
        ]);
        let k = kanban(&index, None).expect("the current sprint's board");
        assert_eq!(k.total, 8, "S2's mission is not on S1's board");
        for (id, column) in [
            ("Q1", "ready"),
            ("Q2", "waiting"),
            ("C1", "current"),
            ("R1", "in_progress"),
            ("B1", "blocked"),
            ("D1", "completed"),
            ("F1", "deferred"),
            ("X1", "dropped"),
        ] {
            assert_eq!(column_of_card(&k, id), column, "{id}");
        }
        let card = |id: &str| {
            k.columns
                .iter()
                .flat_map(|c| &c.cards)
                .find(|c| c.id == id)
                .expect("on the board")
        };
        assert_eq!(card("Q2").waiting, ["requires Q1 (Queued)"]);
        assert_eq!(card("C1").waiting, ["requires GONE (missing)"]);
        assert!(!card("C1").ready && card("Q1").ready);
        assert!(!card("R1").ready && card("R1").awaiting_review);
        assert_eq!(card("B1").waiting, ["blocked: needs a key"]);
        assert!(k.columns.iter().all(|c| c.count == c.cards.len()));
        let other = kanban(&index, Some("S2")).expect("S2's board");
        assert_eq!(column_of_card(&other, "O1"), "ready");
        assert!(kanban(&index, Some("S9")).is_err(), "an unknown sprint");
    }
}
