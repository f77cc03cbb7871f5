//! Use-cases shared by every front-end: a typed request in, a serializable outcome out.
//! Operations never print; the CLI and the MCP server render what they return.

pub mod init;
pub mod mission;
pub mod sprint;
pub mod status;
pub mod transition;

use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::index::{Index, MissionEntry};
use crate::lifecycle::Queue;
use crate::model::Status;
use crate::store::{Snapshot, Store};

/// An opened project: the entry point of the library.
pub struct Workspace {
    store: Store,
}

impl Workspace {
    /// Opens the repository containing `dir`. `agent` names who acts; when None, cmos uses
    /// `CMOS_AGENT`, then git's `user.name`.
    pub fn open(dir: &Path, agent: Option<String>) -> Result<Self> {
        Ok(Workspace {
            store: Store::open(dir, agent)?,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn snapshot(&self) -> Result<Snapshot> {
        self.store.snapshot()
    }
}

/// What every operation returns: its data, warnings, and what to do next.
#[derive(Debug, Serialize)]
pub struct Outcome<T> {
    pub data: T,
    pub warnings: Vec<String>,
    pub instructions: Instructions,
}

impl<T> Outcome<T> {
    /// Wraps `data` with the warnings and instructions that `index` calls for.
    pub fn new(data: T, index: &Index) -> Self {
        Self::with_queue(data, index, &Queue::new(index))
    }

    /// Like [`Outcome::new`], reusing a queue the operation already computed.
    pub fn with_queue(data: T, index: &Index, queue: &Queue<'_>) -> Self {
        Outcome {
            data,
            warnings: index.warnings(),
            instructions: Instructions::from_queue(index, queue),
        }
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}

/// Guidance for an agent that may have lost its context: where things stand and what to run.
#[derive(Debug, Default, Serialize)]
pub struct Instructions {
    pub next_actions: Vec<String>,
    pub suggested_commands: Vec<String>,
    pub context: InstructionContext,
}

/// The reminder part of the instructions.
#[derive(Debug, Default, Serialize)]
pub struct InstructionContext {
    pub project: Option<String>,
    pub current_sprint: Option<String>,
    /// Missions In Progress.
    pub active_missions: Vec<String>,
    pub next_mission: Option<String>,
    pub blocked_missions: usize,
}

impl Instructions {
    pub fn from_index(index: &Index) -> Self {
        Self::from_queue(index, &Queue::new(index))
    }

    pub fn from_queue(index: &Index, queue: &Queue<'_>) -> Self {
        let mut out = Instructions::default();
        let Some(project) = &index.project else {
            out.next_actions
                .push("Initialise a cmos project in this repository.".into());
            out.suggested_commands.push("cmos init --name NAME".into());
            return out;
        };
        out.context.project = Some(project.name.clone());
        out.context.current_sprint = project.current_sprint.clone();
        out.context.active_missions = queue
            .order()
            .iter()
            .take_while(|m| m.status == Status::InProgress)
            .map(|m| m.id.clone())
            .collect();
        out.context.blocked_missions = queue
            .order()
            .iter()
            .filter(|m| m.status == Status::Blocked)
            .count();
        let next = queue.next().mission;
        out.context.next_mission = next.map(|m| m.id.clone());
        match next {
            Some(m) if m.status == Status::InProgress => {
                out.next_actions.push(format!(
                    "Continue mission {} ({}); complete it when its success criteria are met.",
                    m.id, m.name
                ));
                out.suggested_commands
                    .push(format!("cmos mission show {}", m.id));
                out.suggested_commands
                    .push(format!("cmos mission complete {}", m.id));
            }
            Some(m) => {
                out.next_actions
                    .push(format!("Start mission {} ({}).", m.id, m.name));
                out.suggested_commands
                    .push(format!("cmos mission start {}", m.id));
            }
            None if index.missions.is_empty() => {
                out.next_actions.push("Plan work: add a mission.".into());
                out.suggested_commands.push("cmos mission add NAME".into());
            }
            None => {
                out.next_actions
                    .push("No mission is ready: unblock one, or add new work.".into());
                out.suggested_commands
                    .push("cmos mission list --status blocked".into());
            }
        }
        if out.context.blocked_missions > 0 {
            out.next_actions.push(format!(
                "{} mission(s) are Blocked; resolve a blocker when you can.",
                out.context.blocked_missions
            ));
        }
        if project.current_sprint.is_none() && !index.sprints.is_empty() {
            out.next_actions
                .push("No sprint is current: activate one.".into());
            out.suggested_commands
                .push("cmos sprint activate SPRINT".into());
        }
        out
    }
}

/// A mission in one line: what lists show.
#[derive(Debug, Clone, Serialize)]
pub struct MissionBrief {
    pub id: String,
    pub name: String,
    pub status: Status,
    pub sprint: Option<String>,
    pub rank: Option<i64>,
}

impl From<&MissionEntry> for MissionBrief {
    fn from(m: &MissionEntry) -> Self {
        MissionBrief {
            id: m.id.clone(),
            name: m.name.clone(),
            status: m.status,
            sprint: m.sprint.clone(),
            rank: m.rank,
        }
    }
}
