//! Tools for the process graph and the project's state in it.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::ops::Workspace;
use crate::ops::process::{self, fsm, requests};

pub static TOOLS: [Tool; 7] = [
    tool::<FsmShow>(),
    tool::<FsmStep>(),
    tool::<FsmRun>(),
    tool::<FsmPending>(),
    tool::<FsmDone>(),
    tool::<ProcessShow>(),
    tool::<ProcessSet>(),
];

/// Where the project is in its process graph: the state, the events it accepts, the
/// suggested action ({action_type: local|remote, action_ref, params}) and the latest moves.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FsmShow {}

impl ToolArgs for FsmShow {
    const NAME: &'static str = "cmos_fsm_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(fsm::show(ws)?)
    }
}

/// Take an event of the process graph by hand (completing, blocking and unblocking missions
/// and activating a sprint emit theirs already). Refused, naming the accepted events, when
/// the state does not accept it.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FsmStep {
    /// The event, e.g. sprint_review_done.
    event: String,
}

impl ToolArgs for FsmStep {
    const NAME: &'static str = "cmos_fsm_step";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(fsm::step(ws, &self.event)?)
    }
}

/// Run the current state's local action (select_next_mission, kb_index, export_backlog,
/// notify_blocker) and return its result. A remote action is refused: it is a pending
/// request.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FsmRun {}

impl ToolArgs for FsmRun {
    const NAME: &'static str = "cmos_fsm_run";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(process::run::run(ws)?)
    }
}

/// The requests for remote actions (mission_protocol sprint_planning or sprint_report)
/// waiting for an outside agent's output, oldest first, each with the knowledge-base
/// snippets and working memory it needs attached.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FsmPending {}

impl ToolArgs for FsmPending {
    const NAME: &'static str = "cmos_fsm_pending";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(requests::pending(ws)?)
    }
}

/// Record the output of a pending request as a fact of the project and close the request.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct FsmDone {
    /// The request id, as the pending requests list it.
    request_id: String,
    /// The output's text.
    output: String,
}

impl ToolArgs for FsmDone {
    const NAME: &'static str = "cmos_fsm_done";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(requests::done(ws, &self.request_id, &self.output)?)
    }
}

/// The process graph in force: one row per transition (state, event, next, action_type,
/// action_ref, params), the project's own or the default.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct ProcessShow {}

impl ToolArgs for ProcessShow {
    const NAME: &'static str = "cmos_process_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(process::show(ws)?)
    }
}

/// Replace the project's process graph with a TOML text of [[transition]] rows, checked
/// first (duplicate rows, unreachable states, unknown actions or target states are refused
/// with the row's line). checkOnly checks it without writing.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ProcessSet {
    /// The graph file's text.
    graph: String,
    /// Check the graph and change nothing.
    check_only: Option<bool>,
}

impl ToolArgs for ProcessSet {
    const NAME: &'static str = "cmos_process_set";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let bytes = self.graph.as_bytes();
        if self.check_only.unwrap_or(false) {
            return reply(process::check(ws, Some(("graph", bytes)))?);
        }
        reply(process::set(ws, "graph", bytes)?)
    }
}
