//! Use-cases shared by every front-end: a typed request in, a serializable outcome out.
//! Operations never print; the CLI and the MCP server render what they return.

pub mod agents;
pub mod analytics;
pub mod audit;
pub mod board;
pub mod burndown;
pub mod carry_forward;
pub mod changes;
pub mod checks;
pub mod close_out;
pub mod condense;
pub mod context;
pub mod context_view;
pub mod context_windows;
pub mod depgraph;
pub mod envelope;
pub mod fallback;
pub mod gate;
pub mod history;
pub mod hook_run;
pub mod hooks;
pub mod init;
pub mod kb;
pub mod knowledge;
mod loop_guard;
pub mod marked;
pub mod memory;
pub mod merge_branch;
pub mod metadata;
pub mod metrics;
pub mod migrate;
pub mod mission;
pub mod mission_files;
pub mod mission_form;
pub mod notes;
pub mod policy;
pub mod process;
mod reminder;
pub mod research;
pub mod retro;
pub mod review;
mod scope;
pub mod session;
pub mod session_log;
pub mod snapshots;
pub mod sprint;
pub mod status;
pub mod sync;
pub mod transition;
pub mod undo;
pub mod validate;
pub mod validate_docs;
pub mod verify;

use std::path::Path;

use serde::Serialize;

use crate::digest::Digest;
use crate::error::Result;
use crate::index::{Meta, MissionEntry};
use crate::model::Status;
use crate::next::{Action, Input, Op};
use crate::store::{Snapshot, Store, Written};
pub use reminder::{ActiveMission, ActiveSession};
pub use scope::{ScopeSource, Scoped};

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

    /// The same project with `agent` acting, for one operation.
    pub fn acting_as(&self, agent: &str) -> Workspace {
        Workspace {
            store: self.store.acting_as(agent),
        }
    }

    fn snapshot(&self) -> Result<Snapshot<'_>> {
        self.store.snapshot()
    }
}

/// What every operation returns: its data, warnings, and what to do next.
#[derive(Debug, Serialize)]
pub struct Outcome<T> {
    pub data: T,
    pub warnings: Vec<Warning>,
    pub instructions: Instructions,
}

/// Something the user should know about an operation that went through, in domain words,
/// with the action that deals with it, which each front-end names its own way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub then: Option<Action>,
}

impl From<String> for Warning {
    fn from(text: String) -> Warning {
        Warning { text, then: None }
    }
}

impl From<&str> for Warning {
    fn from(text: &str) -> Warning {
        Warning::from(text.to_string())
    }
}

impl<T> Outcome<T> {
    /// Wraps `data` with the warnings and instructions of a tip whose digest is known.
    pub fn from_digest(data: T, meta: &Meta, digest: &Digest) -> Self {
        Outcome {
            data,
            warnings: meta.warnings().into_iter().map(Warning::from).collect(),
            instructions: Instructions::from_digest(meta, digest),
        }
    }

    /// For a read: the snapshot carries the digest.
    pub fn read(data: T, snapshot: &Snapshot<'_>) -> Self {
        Self::from_digest(data, &snapshot.meta, &snapshot.digest)
    }

    /// Wraps `data` with the project's instructions when the branch can be read, else none:
    /// for commands that work whether or not there is a project (hooks, verify, sync).
    pub fn about(data: T, ws: &Workspace) -> Self {
        match ws.snapshot() {
            Ok(snapshot) => Self::read(data, &snapshot),
            Err(_) => Outcome {
                data,
                warnings: Vec::new(),
                instructions: Instructions::default(),
            },
        }
    }

    pub fn warn(mut self, warning: impl Into<Warning>) -> Self {
        self.warnings.push(warning.into());
        self
    }

    /// Warns with `text` and the action that deals with it.
    pub fn warn_then(self, text: impl Into<String>, action: Action) -> Self {
        self.warn(Warning {
            text: text.into(),
            then: Some(action),
        })
    }

    /// Puts `action` first among the suggested ones: what this operation leads to comes
    /// before the project's general next step.
    pub fn suggest(mut self, action: Action) -> Self {
        self.instructions.suggested.insert(0, action);
        self
    }
}

impl<T> Written<T> {
    /// The write's value as an outcome, with the new tip's digest for the instructions.
    pub fn into_outcome(self) -> Outcome<T> {
        Outcome::from_digest(self.value, &self.meta, &self.digest)
    }
}

/// Guidance for an agent that may have lost its context: where things stand and what to run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Instructions {
    /// What to do, in domain words.
    pub next_actions: Vec<String>,
    /// How, typed: the envelope shows them as `suggested_commands`, CLI commands for the CLI
    /// and tool calls for the MCP server.
    pub suggested: Vec<Action>,
    pub context: InstructionContext,
}

/// The reminder part of the instructions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InstructionContext {
    pub project: Option<String>,
    pub current_sprint: Option<String>,
    /// Missions In Progress.
    pub active_missions: Vec<String>,
    pub next_mission: Option<String>,
    pub blocked_missions: usize,
    /// Open missions that triggered a fallback or asked for review: only a person's approval
    /// completes them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs_human: Vec<String>,
    /// This worktree's open session, and how long it has been open.
    pub active_session: Option<reminder::ActiveSession>,
    /// The mission this worktree works on, and its time In Progress.
    pub active_mission: Option<reminder::ActiveMission>,
    /// Where the project is in its process graph, and what that suggests doing.
    pub process: Option<process::fsm::ProcessReminder>,
}

impl Instructions {
    pub fn from_digest(meta: &Meta, digest: &Digest) -> Self {
        let mut out = Instructions::default();
        let Some(project) = &meta.project else {
            out.next_actions
                .push("Initialise a cmos project in this repository.".into());
            out.suggested.push(Action::new(Op::Init).needs(Input::Name));
            return out;
        };
        out.context.project = Some(project.name.clone());
        out.context.current_sprint = project.current_sprint.clone();
        out.context.active_missions = digest.in_progress.iter().map(|m| m.id.clone()).collect();
        out.context.blocked_missions = digest.totals.get(Status::Blocked);
        let next = digest.next.as_ref();
        out.context.next_mission = next.map(|m| m.id.clone());
        // Work waiting for review is never the next mission, but a person must hear of it.
        for m in digest.in_progress.iter().filter(|m| m.awaiting_review) {
            out.next_actions.push(format!(
                "Mission {} ({}) waits for review: a person other than the one who scored it must approve or reject it; it is not done until then.",
                m.id, m.name
            ));
            out.suggested
                .push(Action::new(Op::MissionApprove).with(Input::MissionId, &m.id));
        }
        match next {
            Some(m) if m.status == Status::InProgress => {
                out.next_actions.push(format!(
                    "Continue mission {} ({}); complete it when its success criteria are met.",
                    m.id, m.name
                ));
                out.suggested
                    .push(Action::new(Op::MissionShow).with(Input::MissionId, &m.id));
                out.suggested
                    .push(Action::new(Op::MissionComplete).with(Input::MissionId, &m.id));
            }
            Some(m) => {
                out.next_actions
                    .push(format!("Start mission {} ({}).", m.id, m.name));
                out.suggested
                    .push(Action::new(Op::MissionStart).with(Input::MissionId, &m.id));
            }
            None if digest.totals.total == 0 => {
                out.next_actions.push("Plan work: add a mission.".into());
                out.suggested
                    .push(Action::new(Op::MissionAdd).needs(Input::Name));
            }
            // Only a person's review holds the work up: unblocking is not the way on.
            None if !digest.skipped.is_empty()
                && digest.skipped_total == digest.skipped.len()
                && digest.skipped.iter().all(|s| s.awaiting_review) =>
            {
                out.next_actions.push(
                    "Nothing else is ready until a person reviews the waiting work: add new work, or close the session.".into(),
                );
            }
            None => {
                out.next_actions
                    .push("No mission is ready: unblock one, or add new work.".into());
                out.suggested.push(
                    Action::new(Op::MissionList).with(Input::Status, Status::Blocked.as_str()),
                );
            }
        }
        fallback::flag(&mut out, digest);
        if out.context.blocked_missions > 0 {
            out.next_actions.push(format!(
                "{} mission(s) are Blocked; resolve a blocker when you can.",
                out.context.blocked_missions
            ));
        }
        if project.current_sprint.is_none() && !meta.sprints.is_empty() {
            out.next_actions
                .push("No sprint is current: activate one.".into());
            out.suggested
                .push(Action::new(Op::SprintActivate).needs(Input::SprintId));
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
