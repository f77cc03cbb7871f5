//! `status` (where the project stands) and `log` (what happened, from the branch's commits).

use serde::Serialize;

use super::sprint::{SprintView, progress};
use super::{MissionBrief, Outcome, Workspace};
use crate::error::Result;
use crate::index::{MissionEntry, StatusCounts};
use crate::lifecycle::Queue;
use crate::model::{Project, Status};
use crate::store::LogEntry;

/// How many missions of each kind `status` lists before it only counts.
const LISTED: usize = 20;

#[derive(Debug, Serialize)]
pub struct StatusView {
    pub project: Project,
    pub branch: String,
    pub current_sprint: Option<SprintView>,
    pub totals: StatusCounts,
    pub in_progress: Vec<MissionBrief>,
    pub current: Vec<MissionBrief>,
    pub blocked: Vec<BlockedBrief>,
    pub next: Option<MissionBrief>,
    pub next_reason: String,
}

#[derive(Debug, Serialize)]
pub struct BlockedBrief {
    #[serde(flatten)]
    pub mission: MissionBrief,
    pub reason: Option<String>,
}

pub fn status(ws: &Workspace) -> Result<Outcome<StatusView>> {
    let snapshot = ws.store().snapshot()?;
    let index = &snapshot.index;
    let project = index.project()?.clone();
    let queue = Queue::new(index);
    let with_status = |status: Status| -> Vec<&MissionEntry> {
        queue
            .order()
            .iter()
            .copied()
            .filter(|m| m.status == status)
            .take(LISTED)
            .collect()
    };
    let current_sprint = index.current_sprint().map(|s| {
        let counts = index.counts(Some(&s.id));
        SprintView {
            current: true,
            progress: progress(&counts),
            counts,
            sprint: s.clone(),
        }
    });
    let next = queue.next();
    let view = StatusView {
        branch: ws.store().branch(),
        current_sprint,
        totals: index.counts(None),
        in_progress: with_status(Status::InProgress)
            .into_iter()
            .map(MissionBrief::from)
            .collect(),
        current: with_status(Status::Current)
            .into_iter()
            .map(MissionBrief::from)
            .collect(),
        blocked: with_status(Status::Blocked)
            .into_iter()
            .map(|m| BlockedBrief {
                mission: MissionBrief::from(m),
                reason: m.blocked_reason.clone(),
            })
            .collect(),
        next: next.mission.map(MissionBrief::from),
        next_reason: next.reason,
        project,
    };
    Ok(Outcome::with_queue(view, index, &queue))
}

/// The branch's last `limit` operations, newest first.
pub fn log(ws: &Workspace, limit: usize) -> Result<Outcome<Vec<LogEntry>>> {
    let snapshot = ws.store().snapshot()?;
    let entries = ws.store().log(limit)?;
    Ok(Outcome::new(entries, &snapshot.index))
}
