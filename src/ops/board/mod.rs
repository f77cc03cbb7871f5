//! The board's views as data: the kanban of a sprint, the timeline, a mission's page and the
//! project's summary. The live board (`crate::board`) serves them as JSON and the static
//! export renders them as HTML, so both show the same thing.

pub mod kanban;
pub mod page;
pub mod timeline;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{FileProblem, Result};
use crate::index::Meta;
use crate::model::{Date, Sprint, SprintStatus};

pub use kanban::{Card, Column, Kanban, kanban};
pub use page::{MissionPage, mission_page};
pub use timeline::{Timeline, TimelineEntry, timeline};

/// A sprint as the board names it.
#[derive(Debug, Clone, Serialize)]
pub struct SprintBrief {
    pub id: String,
    pub title: String,
    pub status: SprintStatus,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

impl From<&Sprint> for SprintBrief {
    fn from(s: &Sprint) -> Self {
        SprintBrief {
            id: s.id.clone(),
            title: s.title.clone(),
            status: s.status,
            start: s.start,
            end: s.end,
        }
    }
}

/// A record on the branch that could not be read, where it is and why.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl From<&FileProblem> for Problem {
    fn from(p: &FileProblem) -> Self {
        Problem {
            path: p.path.clone(),
            line: p.line,
            message: p.message.clone(),
        }
    }
}

/// What the board shows around every view: the project, its sprints in plan order, and the
/// records that could not be read (shown, while the rest still works).
#[derive(Debug, Clone, Serialize)]
pub struct BoardMeta {
    pub project: String,
    pub current_sprint: Option<String>,
    pub sprints: Vec<SprintBrief>,
    pub problems: Vec<Problem>,
}

/// The summary of `meta`'s project.
pub fn board_meta(meta: &Meta) -> BoardMeta {
    BoardMeta {
        project: meta
            .project
            .as_ref()
            .map_or_else(String::new, |p| p.name.clone()),
        current_sprint: meta.current_sprint().map(|s| s.id.clone()),
        sprints: meta
            .sprints_in_order()
            .into_iter()
            .map(SprintBrief::from)
            .collect(),
        problems: meta.problems.values().map(Problem::from).collect(),
    }
}

/// The board's summary of the branch tip.
pub fn meta(ws: &Workspace) -> Result<Outcome<BoardMeta>> {
    let snapshot = ws.snapshot()?;
    Ok(Outcome::read(board_meta(&snapshot.meta), &snapshot))
}
