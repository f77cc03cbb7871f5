//! The context reminder of every response: which session and mission this worktree works
//! in, and for how long, so an agent that lost its context knows where it was.

use serde::Serialize;

use super::{Instructions, Workspace};
use crate::model::{Minutes, Session, SessionStatus, SessionType, Status, Timestamp};
use crate::next::{Action, Input, Op};

/// This worktree's open session.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveSession {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: SessionType,
    pub title: String,
    pub started_at: Timestamp,
    pub elapsed: Minutes,
    pub captures: usize,
}

/// The mission this worktree works on.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveMission {
    pub id: String,
    pub name: String,
    pub status: Status,
    /// Time In Progress so far.
    pub worked: Minutes,
}

impl Workspace {
    /// Adds this worktree's active session and mission to `instructions`, with what to do
    /// about them. Pointers to records that are gone or closed are left out.
    pub fn remind(&self, instructions: &mut Instructions) {
        let now = Timestamp::now();
        let session = self
            .store
            .active_session()
            .and_then(|id| self.store.session_at_tip(&id).ok())
            .filter(|s| s.status == SessionStatus::Active);
        let mission = self
            .store
            .active_mission()
            .and_then(|id| self.store.mission_at_tip(&id).ok())
            .filter(|m| !m.status.is_final());
        if let Some(s) = &session {
            let active = active_session(s, now);
            instructions.next_actions.push(format!(
                "Session {} ({}) has been open for {}: capture decisions, learnings and next steps as they happen; close it with a summary when the work stops.",
                active.id, active.title, active.elapsed
            ));
            instructions.suggested.push(
                Action::new(Op::SessionComplete)
                    .needs(Input::Summary)
                    .needs(Input::NextStep),
            );
            instructions.context.active_session = Some(active);
        }
        instructions.context.process = super::process::fsm::reminder(self);
        if let Some(m) = mission {
            let worked = m.time_spent(now).worked;
            if let Some(said) = super::metrics::past_estimate(&m, now) {
                instructions.next_actions.push(said);
                instructions
                    .suggested
                    .push(Action::new(Op::MissionUpdate).with(Input::MissionId, &m.id));
            }
            if m.status == Status::Blocked {
                instructions.next_actions.push(format!(
                    "Your active mission {} is Blocked: resolve the blocker, then unblock it.",
                    m.id
                ));
                instructions
                    .suggested
                    .push(Action::new(Op::MissionUnblock).with(Input::MissionId, &m.id));
            }
            instructions.context.active_mission = Some(ActiveMission {
                id: m.id,
                name: m.name,
                status: m.status,
                worked,
            });
        }
    }
}

fn active_session(s: &Session, now: Timestamp) -> ActiveSession {
    ActiveSession {
        id: s.id.clone(),
        kind: s.kind,
        title: s.title.clone(),
        started_at: s.started_at,
        elapsed: Minutes::between(s.started_at, now),
        captures: s.captures.len(),
    }
}
