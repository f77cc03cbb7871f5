//! The sprint retrospective tool: `cmos sprint retro` over MCP, read-only.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::ops::{Workspace, retro};

pub static TOOLS: [Tool; 1] = [tool::<SprintRetro>()];

/// A sprint's retrospective, read-only: its missions with cycle times, the completion rate
/// over owned missions (Deferred and Dropped are parked, counted apart), average cycle time,
/// its decisions, learnings and sessions (with the missions each touched), what carries
/// forward (Blocked and unfinished missions, open next steps) and a commit-ready summary.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintRetro {
    /// The sprint.
    sprint_id: String,
}

impl ToolArgs for SprintRetro {
    const NAME: &'static str = "cmos_sprint_retro";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(retro::retro(ws, &self.sprint_id)?)
    }
}
