//! The checks tool: the checks configured in this repository's git config, listed or run by
//! hand, as `cmos check list|run` does. Completing a mission runs them too (its `checks`
//! parameter).

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::ops::{Workspace, checks};

pub static TOOLS: [Tool; 1] = [tool::<CheckTool>()];

/// What `cmos_check` does.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum CheckAction {
    List,
    Run,
}

/// Local checks (a name, a shell command, the paths it covers, a time limit), configured in
/// this repository's git config by a person, never on the branch. list shows them; run runs
/// them now (all, or those named) and gives pass or fail, duration and the end of each
/// output, recording nothing. Completing a mission runs those its commits touched.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct CheckTool {
    /// [default: list]
    action: Option<CheckAction>,
    /// The checks to run (run) [default: all].
    names: Option<Vec<String>>,
}

impl ToolArgs for CheckTool {
    const NAME: &'static str = "cmos_check";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        match self.action.unwrap_or(CheckAction::List) {
            CheckAction::List => reply(checks::list(ws)?),
            CheckAction::Run => reply(checks::run(ws, &self.names.unwrap_or_default())?),
        }
    }
}
