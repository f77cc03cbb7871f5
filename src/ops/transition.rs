//! Status changes of missions: start, complete (with promotion), block, unblock, drop, defer.

use serde::Serialize;

use super::{MissionBrief, Outcome, Workspace};
use crate::error::Result;
use crate::lifecycle::{self, MoveDetail, Unmet};
use crate::model::{ApprovalState, Mission, Status, Timestamp, clean_items, clean_text};
use crate::store::Tx;

#[derive(Debug, Serialize)]
pub struct TransitionOutcome {
    pub mission: MissionBrief,
    pub from: Status,
    pub to: Status,
    /// The mission that completing this one promoted to Current (or started).
    pub promoted: Option<MissionBrief>,
    /// When the move was made.
    pub at: Timestamp,
    /// A completed mission's time against its estimate, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<super::mission::TimeReport>,
    /// Where the confidence gate left the mission, when a score came with the completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_state: Option<ApprovalState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_score: Option<f64>,
}

/// Changes to the moved mission made in the same commit as its move (the gate's record),
/// after the rules it checks.
pub(super) type Stamp<'a> = &'a dyn Fn(&mut Tx<'_>, &mut Mission) -> Result<()>;

fn no_stamp(_: &mut Tx<'_>, _: &mut Mission) -> Result<()> {
    Ok(())
}

/// Moves one mission and records it; the rules live in `lifecycle`.
fn move_mission(
    tx: &mut Tx<'_>,
    id: &str,
    to: Status,
    detail: MoveDetail,
    stamp: Stamp<'_>,
) -> Result<(Status, Mission)> {
    let mut mission = tx.mission(id)?;
    stamp(tx, &mut mission)?;
    let note = detail.note.clone();
    let from = lifecycle::apply_transition(&mut mission, to, tx.now(), tx.agent(), detail)?;
    tx.put_mission(&mission)?;
    record_move(tx, id, from, to, note);
    Ok((from, mission))
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
    promote_to: Option<Status>,
) -> Result<Outcome<TransitionOutcome>> {
    run_stamped(ws, verb, id, to, detail, promote_to, &no_stamp)
}

/// A move of `id` (and the promotion that may follow), with `stamp` applied to the moved
/// mission in the same commit.
pub(super) fn run_stamped(
    ws: &Workspace,
    verb: &str,
    id: &str,
    to: Status,
    detail: MoveDetail,
    promote_to: Option<Status>,
    stamp: Stamp<'_>,
) -> Result<Outcome<TransitionOutcome>> {
    let op = format!("mission.{verb}");
    let written = ws.store().write(&op, |tx| {
        if verb == "unblock" {
            lifecycle::check_unblock(id, tx.require(id)?.status, to)?;
        }
        let mut detail = detail.clone();
        // A completion says how far off the estimate was, in the history and the outcome.
        let estimate = match to {
            Status::Completed => super::metrics::estimate_check(&tx.mission(id)?, tx.now()),
            _ => None,
        };
        if let Some((_, said)) = &estimate {
            detail.note = Some(match detail.note.take() {
                Some(note) => format!("{note}\n{said}"),
                None => said.clone(),
            });
        }
        let (from, moved) = move_mission(tx, id, to, detail, stamp)?;
        // The process graph's event for this move, in this same commit (never a failure).
        let fired = super::process::fsm::emit_for_mission(tx, id, from, moved.status);
        let mut promoted = None;
        let candidate = match promote_to.filter(|_| to == Status::Completed) {
            Some(_) => tx.promotion_candidate()?,
            None => None,
        };
        if let (Some(next), Some(promote_to)) = (candidate, promote_to) {
            let note = Some(format!("promoted after {id} was completed"));
            let detail = MoveDetail {
                note,
                needs: vec![],
            };
            move_mission(tx, &next.id, promote_to, detail, &no_stamp)?;
            promoted = Some(MissionBrief::from(&tx.require(&next.id)?));
        }
        let mut subject = format!("mission {verb} {id}");
        if let Some(next) = &promoted {
            let verb = match next.status {
                Status::InProgress => "start",
                _ => "promote",
            };
            subject.push_str(&format!(", {verb} {}", next.id));
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
            estimate: estimate.map(|(report, _)| report),
            approval_state: moved.approval_state,
            validation_score: moved.validation_score,
        };
        Ok((outcome, waiting, fired))
    })?;
    let (outcome, waiting, fired) = written.value;
    let started = outcome
        .promoted
        .as_ref()
        .filter(|p| p.status == Status::InProgress)
        .map(|p| p.id.clone());
    let outcome = Outcome::from_digest(outcome, &written.meta, &written.digest);
    let outcome = after_move(ws, id, to, waiting, outcome)?;
    let outcome = super::process::run::fired(ws, fired.as_ref(), outcome)?;
    // The promoted mission was started: it is this worktree's active mission now.
    if let Some(started) = started {
        follow_active_mission(ws, &started, Status::InProgress)?;
    }
    Ok(outcome)
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

pub(super) fn note(text: Option<&str>, field: &str) -> Result<MoveDetail> {
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
        None,
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
        promote.then_some(Status::Current),
    )
}

/// Completes a mission and starts the next ready Queued mission at once (the original CMOS's
/// `complete --immediate`): the completion, the promotion and the start are one commit.
pub fn complete_and_start_next(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "complete",
        id,
        Status::Completed,
        note(notes, "notes")?,
        Some(Status::InProgress),
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
    run(ws, "block", id, Status::Blocked, detail, None)
}

/// Unblocks to In Progress (the default) or Current, recording the resolution.
pub fn unblock(
    ws: &Workspace,
    id: &str,
    resolution: Option<&str>,
    to: Status,
) -> Result<Outcome<TransitionOutcome>> {
    lifecycle::check_unblock_target(to)?;
    run(ws, "unblock", id, to, note(resolution, "resolution")?, None)
}

pub fn drop(ws: &Workspace, id: &str, reason: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "drop",
        id,
        Status::Dropped,
        note(reason, "reason")?,
        None,
    )
}

pub fn defer(ws: &Workspace, id: &str, reason: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    run(
        ws,
        "defer",
        id,
        Status::Deferred,
        note(reason, "reason")?,
        None,
    )
}

/// Moves a mission to `to` by name, with no note. Blocking needs a reason, so it goes
/// through `block`. (`mission::update` changes a status together with fields.)
pub fn set_status(ws: &Workspace, id: &str, to: Status) -> Result<Outcome<TransitionOutcome>> {
    lifecycle::check_plain_move(id, to)?;
    run(ws, "status", id, to, MoveDetail::default(), None)
}
