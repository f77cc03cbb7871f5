//! `fsm run`: carries out the current state's local action. The action is one of four names
//! cmos knows (the graph refuses any other), each an operation cmos already has; nothing
//! from the branch is run as a command, and a row's params never name a path cmos writes.

use serde::Serialize;

use crate::error::Result;
use crate::lifecycle::process::{self, SuggestedAction};
use crate::next::{Action, Op};
use crate::ops::migrate::{self, Export};
use crate::ops::{MissionBrief, Outcome, Workspace, kb};

/// What running the action gave.
#[derive(Debug, Serialize)]
pub struct Ran {
    pub state: String,
    pub action: SuggestedAction,
    /// The action's own result: the next mission, the blocked missions, the index figures,
    /// the backlog's text.
    pub result: serde_json::Value,
}

fn json(value: impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// Runs the suggested action of the state the project is in; a remote one (or none) is
/// refused with what to do instead.
pub fn run(ws: &Workspace) -> Result<Outcome<Ran>> {
    let shown = super::fsm::show(ws)?.data;
    let action = process::check_runnable(&shown.state, shown.action.as_ref())?.clone();
    let snapshot = ws.snapshot()?;
    let mut warnings = Vec::new();
    let mut then = None;
    let result = match action.action_ref.as_str() {
        "select_next_mission" => {
            let next = snapshot.digest.next.as_ref().map(MissionBrief::from);
            then = next
                .as_ref()
                .map(|m| Action::new(Op::MissionStart).with(crate::next::Input::MissionId, &m.id));
            serde_json::json!({"next": json(&next), "reason": snapshot.digest.next_reason})
        }
        "notify_blocker" => {
            let blocked: Vec<serde_json::Value> = snapshot
                .digest
                .blocked
                .iter()
                .map(|m| {
                    let reason = m.blocked_reason.as_deref().unwrap_or("no reason recorded");
                    warnings.push(format!("mission {} ({}) is Blocked: {reason}", m.id, m.name));
                    serde_json::json!({"mission": json(MissionBrief::from(m)), "reason": m.blocked_reason})
                })
                .collect();
            if blocked.is_empty() {
                warnings.push("no mission is Blocked any more: the blocker may be resolved".into());
            }
            serde_json::json!({"blocked": blocked})
        }
        "kb_index" => json(kb::index(ws, &[])?.data),
        "export_backlog" => json(migrate::export(ws, Export::Backlog, None, false)?.data),
        // The graph's checks allow no other local action.
        other => serde_json::json!({"unknown": other}),
    };
    let ran = Ran {
        state: shown.state,
        action,
        result,
    };
    let mut outcome = Outcome::read(ran, &snapshot);
    for w in warnings {
        outcome = outcome.warn(w);
    }
    Ok(match then {
        Some(action) => outcome.suggest(action),
        None => outcome,
    })
}
