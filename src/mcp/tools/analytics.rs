//! The sprint analytics tool: `cmos sprint analytics` over MCP, read-only.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Limit, Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::ops::{Workspace, analytics};

pub static TOOLS: [Tool; 1] = [tool::<SprintAnalytics>()];

/// Trends over the newest Active and Completed sprints, read-only, oldest first: per sprint the
/// owned total (parked Deferred and Dropped missions apart), completed, blocked, completion
/// rate, average cycle time, decisions, learnings and sessions, counted as the sprint retro
/// counts them; velocity (mean completed over Completed sprints), the average cycle time, the
/// overall completion rate, trends (first half of the window against the second; within 10%
/// is stable), highlights, the window used and the counting rule.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintAnalytics {
    /// How many of the newest sprints to look at (default 10).
    limit: Option<Limit>,
}

impl ToolArgs for SprintAnalytics {
    const NAME: &'static str = "cmos_sprint_analytics";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let limit = Limit::or(self.limit, analytics::DEFAULT_LIMIT);
        reply(analytics::analytics(ws, limit)?)
    }
}
