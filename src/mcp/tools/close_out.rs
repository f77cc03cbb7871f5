//! The sprint close-out tools that write: `cmos sprint carry-forward` and
//! `cmos sprint complete --retro` over MCP, as granular tools.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::ops::{Workspace, carry_forward, close_out, sprint};

pub static TOOLS: [Tool; 2] = [tool::<SprintCarryForward>(), tool::<SprintClose>()];

/// Move a sprint's open work to another sprint in one commit: open missions (Queued,
/// Current, In Progress, Blocked) and open next steps. Work waiting for review and parked
/// (Deferred, Dropped) missions stay, each reported with the reason. dryRun reports the same
/// and writes nothing. Refused into the same sprint, into a Completed one, or when nothing
/// would move.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintCarryForward {
    /// The sprint whose work moves.
    sprint_id: String,
    /// The sprint it moves to (Planned or Active).
    to: String,
    /// Report only, write nothing [default: false].
    dry_run: Option<bool>,
}

impl ToolArgs for SprintCarryForward {
    const NAME: &'static str = "cmos_sprint_carry_forward";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let dry_run = self.dry_run.unwrap_or(false);
        reply(carry_forward::carry_forward(
            ws,
            &self.sprint_id,
            &self.to,
            dry_run,
        )?)
    }
}

/// Complete a sprint. With retro, close it out in the same commit: record its
/// retrospective (a Markdown file on the branch and a snapshot of the branch before the
/// close) and archive its Active decisions and learnings that are not evergreen, every
/// archived id listed; undo takes it all back. A sprint completed earlier is closed out as
/// it is, once. force completes it with missions still open.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintClose {
    /// The sprint.
    sprint_id: String,
    /// Record the retrospective and archive what is not evergreen [default: false].
    retro: Option<bool>,
    /// Complete it although missions are still open [default: false].
    force: Option<bool>,
}

impl ToolArgs for SprintClose {
    const NAME: &'static str = "cmos_sprint_close";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let force = self.force.unwrap_or(false);
        if self.retro.unwrap_or(false) {
            reply(close_out::close(ws, &self.sprint_id, force)?)
        } else {
            reply(sprint::complete(ws, &self.sprint_id, force)?)
        }
    }
}
