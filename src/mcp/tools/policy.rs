//! The policy tool: the thresholds orchestration reads, as `cmos policy` shows and sets them.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, required, tool};
use crate::error::Result;
use crate::ops::{Workspace, policy};

pub static TOOLS: [Tool; 1] = [tool::<Policy>()];

/// What `cmos_policy` does.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum PolicyAction {
    List,
    Get,
    Set,
    Unset,
}

/// Policies kept on the branch: validation thresholds (validation.auto_approve_min,
/// needs_review_min, allow_self_approval, require_scores, failed_check), limits (limits.tool_cap,
/// loop_window_secs, loop_warn_at, loop_refuse_at), model routing (routing.simple,
/// standard, complex) and review.stale_sprints. list and get say where each value comes from (default, or who set it
/// and when); set and unset are one commit each, checked first.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// [default: list]
    action: Option<PolicyAction>,
    /// The policy key, e.g. limits.tool_cap (get, set, unset).
    key: Option<String>,
    /// The new value as text (set): a score from 0 to 1, true or false, a whole number, a
    /// window such as 10m or 600s, or a model name.
    value: Option<String>,
}

impl ToolArgs for Policy {
    const NAME: &'static str = "cmos_policy";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        match self.action.unwrap_or(PolicyAction::List) {
            PolicyAction::List => reply(policy::list(ws)?),
            PolicyAction::Get => reply(policy::get(ws, &required(self.key, "key")?)?),
            PolicyAction::Set => {
                let key = required(self.key, "key")?;
                let value = required(self.value, "value")?;
                reply(policy::set(ws, &key, &value)?)
            }
            PolicyAction::Unset => reply(policy::unset(ws, &required(self.key, "key")?)?),
        }
    }
}
