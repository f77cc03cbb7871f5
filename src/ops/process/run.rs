//! `fsm run`: carries out the current state's local action. The action is one of four names
//! cmos knows (the graph refuses any other), each an operation cmos already has; nothing
//! from the branch is run as a command, and a row's params never name a path cmos writes.

use serde::Serialize;

use crate::error::Result;
use crate::lifecycle::process::{self, ActionType, SuggestedAction};
use crate::next::{Action, Op};
use crate::ops::migrate::{self, Export};
use crate::ops::{MissionBrief, Outcome, Workspace, kb};
use crate::store::Snapshot;

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
    let mut done = carry_out(ws, &snapshot, &action)?;
    let ran = Ran {
        state: shown.state,
        action,
        result: std::mem::take(&mut done.result),
    };
    Ok(done.said(Outcome::read(ran, &snapshot)))
}

/// Carries out the local action of a move an operation just made (its event fired): what
/// the action found is said on the operation's own outcome, so the agent hears of the
/// blocker or the next mission without a second call. `export_backlog`, whose result is the
/// whole backlog, is only pointed at.
pub(crate) fn fired<T>(
    ws: &Workspace,
    moved: Option<&super::fsm::Move>,
    outcome: Outcome<T>,
) -> Result<Outcome<T>> {
    let Some((moved, action)) = moved.and_then(|m| Some((m, m.action.as_ref()?))) else {
        return Ok(outcome);
    };
    if action.action_type != ActionType::Local {
        return Ok(outcome);
    }
    let mut outcome = outcome;
    let summary = if action.action_ref == "export_backlog" {
        "run the process's action to get the backlog's text".to_string()
    } else {
        let snapshot = ws.snapshot()?;
        let done = carry_out(ws, &snapshot, action)?;
        let summary = done.summary.clone();
        outcome = done.said(outcome);
        summary
    };
    outcome.instructions.next_actions.push(format!(
        "The project moved to {} on {}; its action {}: {summary}.",
        moved.to, moved.event, action.action_ref
    ));
    Ok(outcome)
}

/// What carrying out a local action gave: its result, what to say, what to do next.
struct Done {
    result: serde_json::Value,
    summary: String,
    warnings: Vec<String>,
    then: Option<Action>,
}

impl Done {
    /// `outcome` with the action's warnings and suggested next step.
    fn said<T>(self, mut outcome: Outcome<T>) -> Outcome<T> {
        for w in self.warnings {
            outcome = outcome.warn(w);
        }
        match self.then {
            Some(action) => outcome.suggest(action),
            None => outcome,
        }
    }
}

/// Carries out one local action through the operations cmos has.
fn carry_out(ws: &Workspace, snapshot: &Snapshot<'_>, action: &SuggestedAction) -> Result<Done> {
    let mut done = Done {
        result: serde_json::Value::Null,
        summary: String::new(),
        warnings: Vec::new(),
        then: None,
    };
    match action.action_ref.as_str() {
        "select_next_mission" => {
            let next = snapshot.digest.next.as_ref().map(MissionBrief::from);
            done.summary = match &next {
                Some(m) => format!("mission {} is next", m.id),
                None => format!("no mission is next ({})", snapshot.digest.next_reason),
            };
            done.then = next
                .as_ref()
                .map(|m| Action::new(Op::MissionStart).with(crate::next::Input::MissionId, &m.id));
            done.result =
                serde_json::json!({"next": json(&next), "reason": snapshot.digest.next_reason});
        }
        "notify_blocker" => {
            let blocked: Vec<serde_json::Value> = snapshot
                .digest
                .blocked
                .iter()
                .map(|m| {
                    let reason = m.blocked_reason.as_deref().unwrap_or("no reason recorded");
                    done.warnings
                        .push(format!("mission {} ({}) is Blocked: {reason}", m.id, m.name));
                    serde_json::json!({"mission": json(MissionBrief::from(m)), "reason": m.blocked_reason})
                })
                .collect();
            if blocked.is_empty() {
                done.warnings
                    .push("no mission is Blocked any more: the blocker may be resolved".into());
            }
            done.summary = format!("{} mission(s) Blocked", blocked.len());
            done.result = serde_json::json!({"blocked": blocked});
        }
        "kb_index" => {
            done.result = json(kb::index(ws, &[])?.data);
            done.summary = "the knowledge base is indexed".into();
        }
        "export_backlog" => {
            done.result = json(migrate::export(ws, Export::Backlog, None, false)?.data);
            done.summary = "the backlog is exported".into();
        }
        // The graph's checks allow no other local action.
        other => done.result = serde_json::json!({"unknown": other}),
    }
    Ok(done)
}
