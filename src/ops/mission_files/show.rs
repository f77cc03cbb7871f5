//! `db show backlog|current`: the plan as the original printed it, sprint by sprint, and the
//! work in hand.

use serde::Serialize;

use super::super::{Outcome, Workspace};
use crate::error::Result;
use crate::model::{Mission, SprintStatus, Status, Timestamp};

/// One mission line of the tree.
#[derive(Debug, Serialize)]
pub struct MissionLine {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub completed_at: Option<Timestamp>,
    pub notes: Option<String>,
}

impl From<&Mission> for MissionLine {
    fn from(m: &Mission) -> Self {
        MissionLine {
            id: m.id.clone(),
            name: m.name.clone(),
            status: m.status,
            completed_at: m.completed_at,
            notes: m.notes.clone(),
        }
    }
}

/// A sprint with its missions, by id.
#[derive(Debug, Serialize)]
pub struct SprintTree {
    pub id: String,
    pub title: String,
    pub status: SprintStatus,
    pub start: Option<String>,
    pub end: Option<String>,
    pub missions: Vec<MissionLine>,
}

/// The whole plan: sprints in order (start date, then creation), and missions of no known
/// sprint, which the original left out and cmos lists last.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub sprints: Vec<SprintTree>,
    pub unassigned: Vec<MissionLine>,
}

pub fn backlog(ws: &Workspace) -> Result<Outcome<Plan>> {
    let snapshot = ws.snapshot()?;
    let store = ws.store();
    let index = snapshot.index()?;
    let mut missions = Vec::with_capacity(index.missions.len());
    for id in index.missions.keys() {
        missions.push(store.mission(&snapshot, id)?);
    }
    missions.sort_by(|a, b| a.id.cmp(&b.id));
    let meta = &snapshot.meta;
    let sprints = meta
        .sprints_in_order()
        .into_iter()
        .map(|s| SprintTree {
            id: s.id.clone(),
            title: s.title.clone(),
            status: s.status,
            start: s.start.map(|d| d.to_string()),
            end: s.end.map(|d| d.to_string()),
            missions: missions
                .iter()
                .filter(|m| m.sprint.as_deref() == Some(s.id.as_str()))
                .map(MissionLine::from)
                .collect(),
        })
        .collect();
    let unassigned = missions
        .iter()
        .filter(|m| {
            m.sprint
                .as_ref()
                .is_none_or(|s| !meta.sprints.contains_key(s))
        })
        .map(MissionLine::from)
        .collect();
    Ok(Outcome::read(
        Plan {
            sprints,
            unassigned,
        },
        &snapshot,
    ))
}

/// The work in hand: the mission in this worktree's context, and every Current or In
/// Progress mission of the project.
#[derive(Debug, Serialize)]
pub struct Current {
    pub active_mission: Option<String>,
    pub missions: Vec<MissionLine>,
}

pub fn current(ws: &Workspace) -> Result<Outcome<Current>> {
    // No mission in context is an answer here, not an error.
    let active_mission = ws.mission_or_active(None).ok().map(|s| s.id);
    let snapshot = ws.snapshot()?;
    let index = snapshot.index()?;
    let mut missions = Vec::new();
    for (id, entry) in &index.missions {
        if matches!(entry.status, Status::Current | Status::InProgress) {
            missions.push(MissionLine::from(&ws.store().mission(&snapshot, id)?));
        }
    }
    missions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Outcome::read(
        Current {
            active_mission,
            missions,
        },
        &snapshot,
    ))
}
