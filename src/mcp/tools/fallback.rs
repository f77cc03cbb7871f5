//! The escalation tool: a step up the operations guide's ladder, recorded on a mission.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::lifecycle::fallback::Tier;
use crate::ops::{Workspace, fallback};

pub static TOOLS: [Tool; 1] = [tool::<MissionFallback>()];

/// Record an escalation on a mission: tier 1 retry, 2 pattern threshold reached, 3 fallback
/// to linear execution (marks it fallbackTriggered), 4 human review. From tier 3, completing
/// the mission sends it for review whatever its score, and only a person who did not work on
/// it can approve it.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionFallback {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// 1 to 4.
    tier: i64,
    /// What failed, and what was tried.
    reason: String,
}

impl ToolArgs for MissionFallback {
    const NAME: &'static str = "cmos_mission_fallback";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let tier = Tier::from_number(self.tier)?;
        let outcome = fallback::record(ws, &id.id, tier, Some(&self.reason))?;
        reply(outcome.scoped(&id, "mission"))
    }
}
