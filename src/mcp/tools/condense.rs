//! The context condensation tool: `cmos context condense` over MCP.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::{Error, Result};
use crate::ops::{Workspace, condense};

pub static TOOLS: [Tool; 1] = [tool::<ContextCondense>()];

/// Trim what the context and onboarding load, toward a target size, deleting nothing from
/// the branch: phase by phase while still above the target, open next steps of Completed
/// missions are closed as Done (kept in the log), and completed sprints older than the newest
/// three are loaded as one summary line each (a window kept in .cmos/context.toml). One
/// commit; the reply gives the tokens before and after, what each phase did, and whether the
/// target was met.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ContextCondense {
    /// The size to reach, in estimated tokens (characters / 4) [default: 15000].
    target_tokens: Option<i64>,
    /// Report what would be done and write nothing [default: false].
    #[serde(default)]
    dry_run: bool,
}

impl ToolArgs for ContextCondense {
    const NAME: &'static str = "cmos_context_condense";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let target = match self.target_tokens {
            None => None,
            Some(t) => Some(usize::try_from(t).map_err(|_| {
                Error::InvalidInput(format!("the target must be a number of tokens, not {t}"))
            })?),
        };
        reply(condense::condense(ws, target, self.dry_run)?)
    }
}
