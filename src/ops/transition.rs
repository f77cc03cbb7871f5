//! Status changes of missions: start, complete (with promotion), block, unblock, drop, defer.

use serde::Serialize;

use super::{MissionBrief, Outcome, Workspace};
use crate::error::Result;
use crate::lifecycle::{self, MoveDetail, Unmet};
use crate::model::{Status, Timestamp, clean_items, clean_text};
use crate::store::Tx;

#[derive(Debug, Serialize)]
pub struct TransitionOutcome {
    pub mission: MissionBrief,
    pub from: Status,
    pub to: Status,
    /// The mission that completing this one promoted to Current.
    pub promoted: Option<MissionBrief>,
    /// When the move was made.
    pub at: Timestamp,
}

/// Moves one mission and records it; the rules live in `lifecycle`.
fn move_mission(tx: &mut Tx<'_>, id: &str, to: Status, detail: MoveDetail) -> Result<Status> {
    let mut mission = tx.mission(id)?;
    let note = detail.note.clone();
    let from = lifecycle::apply_transition(&mut mission, to, tx.now(), tx.agent(), detail)?;
    tx.put_mission(&mission)?;
    record_move(tx, id, from, to, note);
    Ok(from)
}

/// The event of a status change, in the activity log.
pub(super) fn record_move(
    tx: &mut Tx<'_>,
    id: &str,
    from: Status,
    to: Status,
    note: Option<String>,
) {
    tx.record(
        "mission.transition",
        id,
        Some(from.to_string()),
        Some(to.to_string()),
        note,
    );
}

fn run(
    ws: &Workspace,
    verb: &str,
    id: &str,
    to: Status,
    detail: MoveDetail,
    promote: bool,
) -> Result<Outcome<TransitionOutcome>> {
    let op = format!("mission.{verb}");
    let written = ws.store().write(&op, |tx| {
        if verb == "unblock" {
            lifecycle::check_unblock(id, tx.require(id)?.status, to)?;
        }
        let from = move_mission(tx, id, to, detail.clone())?;
        let mut promoted = None;
        let candidate = match promote && to == Status::Completed {
            true => tx.promotion_candidate()?,
            false => None,
        };
        if let Some(next) = candidate {
            let note = Some(format!("promoted after {id} was completed"));
            let detail = MoveDetail {
                note,
                needs: vec![],
            };
            move_mission(tx, &next.id, Status::Current, detail)?;
            promoted = Some(MissionBrief::from(&tx.require(&next.id)?));
        }
        let mut subject = format!("mission {verb} {id}");
        if let Some(next) = &promoted {
            subject.push_str(&format!(", promote {}", next.id));
        }
        tx.set_subject(subject);
        let entry = tx.require(id)?;
        // Starting work that still waits on others is allowed, but worth a warning.
        let waiting = if to == Status::InProgress {
            tx.unmet(&entry)?
        } else {
            Vec::new()
        };
        let outcome = TransitionOutcome {
            mission: MissionBrief::from(&entry),
            from,
            to,
            promoted,
            at: tx.now(),
        };
        Ok((outcome, waiting))
    })?;
    let (outcome, waiting) = written.value;
    let outcome = Outcome::from_digest(outcome, &written.meta, &written.digest);
    after_move(ws, id, to, waiting, outcome)
}

/// What follows a status change once it is written: this worktree's active mission follows
/// it, and starting work that still waits on others is allowed but worth a warning.
pub(super) fn after_move<T>(
    ws: &Workspace,
    id: &str,
    to: Status,
    waiting: Vec<Unmet>,
    mut outcome: Outcome<T>,
) -> Result<Outcome<T>> {
    follow_active_mission(ws, id, to)?;
    for unmet in waiting {
        let status = unmet
            .status
            .map_or("missing".to_string(), |s| s.to_string());
        // A `blocks` link is made from the mission that must finish first, so from this
        // side it reads the other way round.
        let relation = match unmet.via {
            crate::model::DepType::Blocks => "is blocked by".to_string(),
            via => via.to_string(),
        };
        outcome = outcome.warn(format!("{id} {relation} {}, which is {status}", unmet.id));
    }
    Ok(outcome)
}

/// Keeps this worktree's active mission in step: starting a mission makes it the active one;
/// finishing or putting aside the active one clears it (blocking keeps it: work resumes there).
fn follow_active_mission(ws: &Workspace, id: &str, to: Status) -> Result<()> {
    let store = ws.store();
    match to {
        Status::InProgress => store.set_active_mission(Some(id)),
        Status::Completed | Status::Dropped | Status::Deferred | Status::Queued
            if store.active_mission().as_deref() == Some(id) =>
        {
            store.set_active_mission(None)
        }
        _ => Ok(()),
    }
}

fn note(text: Option<&str>, field: &str) -> Result<MoveDetail> {
    Ok(MoveDetail {
        note: clean_text(field, text)?,
        needs: Vec::new(),
    })
}

pub fn start(ws: &Workspace, id: &str, notes: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "start",
        id,
        Status::InProgress,
        note(notes, "notes")?,
        false,
    )
}

/// Completes a mission; unless `promote` is false, the next ready Queued mission becomes
/// Current (when no mission is Current already).
pub fn complete(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promote: bool,
) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "complete",
        id,
        Status::Completed,
        note(notes, "notes")?,
        promote,
    )
}

pub fn block(
    ws: &Workspace,
    id: &str,
    reason: &str,
    needs: &[String],
) -> Result<Outcome<TransitionOutcome>> {
    let detail = MoveDetail {
        note: clean_text("reason", Some(reason))?,
        needs: clean_items("need", needs)?,
    };
    run(ws, "block", id, Status::Blocked, detail, false)
}

/// Unblocks to In Progress (the default) or Current, recording the resolution.
pub fn unblock(
    ws: &Workspace,
    id: &str,
    resolution: Option<&str>,
    to: Status,
) -> Result<Outcome<TransitionOutcome>> {
    lifecycle::check_unblock_target(to)?;
    run(
        ws,
        "unblock",
        id,
        to,
        note(resolution, "resolution")?,
        false,
    )
}

pub fn drop(ws: &Workspace, id: &str, reason: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "drop",
        id,
        Status::Dropped,
        note(reason, "reason")?,
        false,
    )
}

pub fn defer(ws: &Workspace, id: &str, reason: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "defer",
        id,
        Status::Deferred,
        note(reason, "reason")?,
        false,
    )
}

/// Moves a mission to `to` by name, with no note. Blocking needs a reason, so it goes
/// through `block`. (`mission::update` changes a status together with fields.)
pub fn set_status(ws: &Workspace, id: &str, to: Status) -> Result<Outcome<TransitionOutcome>> {
    lifecycle::check_plain_move(id, to)?;
    run(ws, "status", id, to, MoveDetail::default(), false)
}
