//! A mission's page on the board: the full record, its links both ways with the other
//! missions' status, its history of moves, the commits logged against it and its conflicts.

use serde::Serialize;

use crate::error::Result;
use crate::lifecycle::Unmet;
use crate::model::{DepType, Event, Mission, Status, Timestamp};
use crate::ops::history::LoggedCommit;
use crate::ops::mission::TimeReport;
use crate::ops::{Outcome, Workspace};

/// A link between this mission and another.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// `out`: this mission <kind> `id`; `in`: `id` <kind> this mission.
    pub direction: &'static str,
    pub kind: DepType,
    pub id: String,
    pub name: Option<String>,
    /// None when the other mission does not exist.
    pub status: Option<Status>,
}

/// One status change.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: Timestamp,
    pub from: Status,
    pub to: Status,
    pub by: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MissionPage {
    pub mission: Mission,
    pub sprint_title: Option<String>,
    pub links: Vec<Link>,
    pub waiting_on: Vec<Unmet>,
    pub history: Vec<HistoryEntry>,
    pub time: TimeReport,
    pub commits: Vec<LoggedCommit>,
    pub conflicts: Vec<Event>,
}

/// The page of mission `id` (the same record `mission show` reads).
pub fn mission_page(ws: &Workspace, id: &str) -> Result<Outcome<MissionPage>> {
    let shown = crate::ops::mission::show(ws, id)?;
    let detail = shown.data;
    let snapshot = ws.snapshot()?;
    let outgoing = detail
        .mission
        .depends
        .iter()
        .map(|d| ("out", d.kind, d.on.clone()));
    let incoming = detail
        .dependents
        .iter()
        .map(|(from, kind)| ("in", *kind, from.clone()));
    let mut links = Vec::new();
    for (direction, kind, other) in outgoing.chain(incoming) {
        let entry = snapshot.entry(&other)?.map(|(m, _)| m);
        links.push(Link {
            direction,
            kind,
            status: entry.as_ref().map(|m| m.status),
            name: entry.map(|m| m.name),
            id: other,
        });
    }
    let history = detail
        .mission
        .transitions
        .iter()
        .map(|t| HistoryEntry {
            at: t.at,
            from: t.from,
            to: t.to,
            by: t.by.clone(),
            note: t.note.clone(),
        })
        .collect();
    let page = MissionPage {
        sprint_title: detail.sprint_title,
        links,
        waiting_on: detail.waiting_on,
        history,
        time: detail.time,
        commits: detail.commits,
        conflicts: detail.conflicts,
        mission: detail.mission,
    };
    Ok(Outcome {
        data: page,
        warnings: shown.warnings,
        instructions: shown.instructions,
    })
}
