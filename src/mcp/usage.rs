//! The tool-call cap of one server session (one MCP connection): every tools/call counts
//! (initialize, ping and tools/list do not), from 90% of the policy's `limits.tool_cap` each
//! result warns, and past it calls are refused, except those that wind the work down. Every
//! tool result carries `usage: {calls, cap}`.
//!
//! The count is per connection, not per cmos session: the cap guards an agent's conversation
//! against running away, and starting a new cmos session is itself a tool call, so counting
//! per cmos session would let a looping agent reset its own count.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::lifecycle::{self, Budget};
use crate::next::{Action, Input, Op};
use crate::ops::Workspace;

/// The tool calls made in one server session.
#[derive(Debug, Default)]
pub struct Calls {
    made: u32,
    cap: Option<u32>,
}

/// What the cap says about one call, before it runs.
pub struct Counted {
    pub calls: u32,
    pub cap: u32,
    /// Near the cap: a warning for the result.
    pub warning: Option<String>,
}

impl Calls {
    /// Counts a call of tool `name` and checks it against the cap; past the cap it is
    /// refused, unless it closes the session or blocks the mission.
    pub fn count(
        &mut self,
        ws: &Workspace,
        name: &str,
        arguments: &Map<String, Value>,
    ) -> (Counted, Result<()>) {
        self.made = self.made.saturating_add(1);
        let cap = *self.cap.get_or_insert_with(|| tool_cap(ws));
        let mut counted = Counted {
            calls: self.made,
            cap,
            warning: None,
        };
        let checked = match lifecycle::check_tool_calls(self.made, cap, &[]) {
            Ok(Budget::Fine) => Ok(()),
            Ok(Budget::Warn(text)) => {
                counted.warning = Some(text);
                Ok(())
            }
            Err(_) if winds_down(name, arguments) => Ok(()),
            // The ways out are read only when needed: the open session and mission.
            Err(err) => Err(ways_out(ws).into_iter().fold(err, Error::then)),
        };
        (counted, checked)
    }
}

impl Counted {
    /// Puts the count and any warning into a tool result's envelope.
    pub fn mark(&self, envelope: &mut Value) {
        if let Some(map) = envelope.as_object_mut() {
            map.insert(
                "usage".into(),
                json!({"calls": self.calls, "cap": self.cap}),
            );
            if let Some(text) = &self.warning
                && let Some(Value::Array(warnings)) = map.get_mut("warnings")
            {
                warnings.push(text.clone().into());
            }
        }
    }
}

/// The cap in force: the branch's policy (its default when the project cannot be read yet).
fn tool_cap(ws: &Workspace) -> u32 {
    ws.store()
        .snapshot()
        .and_then(|snapshot| crate::ops::policy::effective(&snapshot))
        .map(|p| p.limits.tool_cap)
        .unwrap_or_else(|_| crate::ops::policy::Limits::default().tool_cap)
}

/// Close the open session, block the active mission.
fn ways_out(ws: &Workspace) -> Vec<Action> {
    let store = ws.store();
    let mut actions = Vec::new();
    if let Some(session) = store.active_session() {
        actions.push(
            Action::new(Op::SessionComplete)
                .with(Input::SessionId, session)
                .needs(Input::Summary),
        );
    }
    if let Some(mission) = store.active_mission() {
        actions.push(
            Action::new(Op::MissionBlock)
                .with(Input::MissionId, mission)
                .needs(Input::Reason),
        );
    }
    actions
}

/// True for the calls the refusal tells the agent to make: closing the session, blocking
/// the mission (granular, or the consolidated tools' `complete` and `block` actions).
fn winds_down(name: &str, arguments: &Map<String, Value>) -> bool {
    let action = arguments.get("action").and_then(Value::as_str);
    matches!(
        (name, action),
        ("cmos_session_complete" | "cmos_mission_block", _)
            | ("cmos_session", Some("complete"))
            | ("cmos_mission_transition", Some("block"))
    )
}
