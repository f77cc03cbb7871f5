//! `status` (where the project stands) and `log` (what happened, from the branch's commits).

use serde::Serialize;

use super::sprint::{SprintView, progress};
use super::{MissionBrief, Outcome, Workspace};
use crate::error::Result;
use crate::index::{MissionEntry, StatusCounts};
use crate::model::Project;
use crate::store::{LogEntry, LogFilter};

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
    /// Where the project is in its process graph, and the suggested action.
    pub process: Option<super::process::fsm::ProcessReminder>,
}

#[derive(Debug, Serialize)]
pub struct BlockedBrief {
    #[serde(flatten)]
    pub mission: MissionBrief,
    pub reason: Option<String>,
}

pub fn status(ws: &Workspace) -> Result<Outcome<StatusView>> {
    let snapshot = ws.store().snapshot()?;
    let (meta, digest) = (&snapshot.meta, &snapshot.digest);
    let briefs = |list: &[MissionEntry]| list.iter().map(MissionBrief::from).collect();
    let view = StatusView {
        project: meta.project()?.clone(),
        branch: ws.store().branch(),
        current_sprint: meta.current_sprint().map(|s| {
            let counts = digest.sprint(&s.id);
            SprintView {
                current: true,
                progress: progress(&counts),
                counts,
                sprint: s.clone(),
            }
        }),
        totals: digest.totals,
        in_progress: briefs(&digest.in_progress),
        current: briefs(&digest.current),
        blocked: digest
            .blocked
            .iter()
            .map(|m| BlockedBrief {
                mission: MissionBrief::from(m),
                reason: m.blocked_reason.clone(),
            })
            .collect(),
        next: digest.next.as_ref().map(MissionBrief::from),
        next_reason: digest.next_reason.clone(),
        process: super::process::fsm::reminder(ws),
    };
    let outcome = Outcome::read(view, &snapshot);
    let outcome = super::gate::review_warnings(outcome, &snapshot.digest);
    Ok(super::fallback::warnings(outcome, &snapshot.digest))
}

/// The branch's operations, newest first, as `filter` asks; `mission` keeps those that
/// changed that mission.
pub fn log(
    ws: &Workspace,
    mut filter: LogFilter,
    mission: Option<&str>,
) -> Result<Outcome<Vec<LogEntry>>> {
    let snapshot = ws.store().snapshot()?;
    if let Some(id) = mission {
        crate::model::validate_id("mission", id)?;
        filter.path = Some(crate::format::layout::mission_path(id));
    }
    let entries = ws.store().log(&filter)?;
    Ok(Outcome::read(entries, &snapshot))
}
