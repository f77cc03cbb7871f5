//! The loop guard as the writing operations use it (`lifecycle::check_repeat` holds the
//! rule): the policy's window and counts, and the ways out of a loop as actions each
//! front-end names its own way (close the session, block the mission).

use super::Outcome;
use super::policy::Limits;
use crate::lifecycle::{LoopLimits, Repeat};
use crate::next::{Action, Input, Op};

/// The loop limits of the policy.
pub(crate) fn limits(limits: &Limits) -> LoopLimits {
    LoopLimits {
        window_secs: limits.loop_window_secs,
        warn_at: limits.loop_warn_at,
        refuse_at: limits.loop_refuse_at,
    }
}

/// What to do instead of repeating: close the session, block the mission.
pub(crate) fn ways_out(session: Option<&str>, mission: Option<&str>) -> Vec<Action> {
    let mut actions = Vec::new();
    if let Some(session) = session {
        actions.push(
            Action::new(Op::SessionComplete)
                .with(Input::SessionId, session)
                .needs(Input::Summary),
        );
    }
    if let Some(mission) = mission {
        actions.push(
            Action::new(Op::MissionBlock)
                .with(Input::MissionId, mission)
                .needs(Input::Reason),
        );
    }
    actions
}

/// `outcome` with the guard's warning, if it gave one, and its ways out suggested.
pub(crate) fn warned<T>(
    mut outcome: Outcome<T>,
    repeat: Repeat,
    ways_out: &[Action],
) -> Outcome<T> {
    if let Repeat::Warn { text, .. } = repeat {
        match ways_out.first() {
            Some(action) => outcome = outcome.warn_then(text, action.clone()),
            None => outcome = outcome.warn(text),
        }
        for action in ways_out.iter().rev() {
            outcome = outcome.suggest(action.clone());
        }
    }
    outcome
}
