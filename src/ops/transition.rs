//! Status changes of missions: start, complete (with promotion), block, unblock, drop, defer.

use serde::Serialize;

use super::{MissionBrief, Outcome, Workspace};
use crate::error::{Error, Result};
use crate::index::MissionEntry;
use crate::lifecycle::{self, MoveDetail, Prerequisites};
use crate::model::{Status, clean_items, clean_text};
use crate::store::Tx;

#[derive(Debug, Serialize)]
pub struct TransitionOutcome {
    pub mission: MissionBrief,
    pub from: Status,
    pub to: Status,
    /// The mission that completing this one promoted to Current.
    pub promoted: Option<MissionBrief>,
}

/// Moves one mission and records it; the rules live in `lifecycle`.
fn move_mission(tx: &mut Tx<'_>, id: &str, to: Status, detail: MoveDetail) -> Result<Status> {
    let mut mission = tx.mission(id)?;
    let note = detail.note.clone();
    let from = lifecycle::apply_transition(&mut mission, to, tx.now(), tx.agent(), detail)?;
    tx.put_mission(&mission)?;
    tx.record(
        "mission.transition",
        id,
        Some(from.to_string()),
        Some(to.to_string()),
        note,
    );
    Ok(from)
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
            lifecycle::check_unblock(id, tx.index().mission(id)?.status, to)?;
        }
        let from = move_mission(tx, id, to, detail.clone())?;
        let mut promoted = None;
        if promote && to == Status::Completed {
            let candidate = lifecycle::promotion_candidate(tx.index()).map(|m| m.id.clone());
            if let Some(next) = candidate {
                let note = Some(format!("promoted after {id} was completed"));
                move_mission(
                    tx,
                    &next,
                    Status::Current,
                    MoveDetail {
                        note,
                        needs: vec![],
                    },
                )?;
                promoted = Some(next);
            }
        }
        let mut subject = format!("mission {verb} {id}");
        if let Some(next) = &promoted {
            subject.push_str(&format!(", promote {next}"));
        }
        tx.set_subject(subject);
        Ok((from, promoted))
    })?;
    let (from, promoted) = written.value;
    let index = &written.index;
    let brief = |id: &str| index.mission(id).map(MissionBrief::from);
    let outcome = TransitionOutcome {
        mission: brief(id)?,
        from,
        to,
        promoted: promoted.as_deref().map(brief).transpose()?,
    };
    let mut outcome = Outcome::from_digest(outcome, &written.index.meta, &written.digest);
    if to == Status::InProgress {
        let entry: &MissionEntry = index.mission(id)?;
        for unmet in lifecycle::Gates::new(index).unmet(entry) {
            outcome = outcome.warn(format!(
                "{id} {} {}, which is {}",
                unmet.via,
                unmet.id,
                unmet
                    .status
                    .map_or("missing".to_string(), |s| s.to_string())
            ));
        }
    }
    Ok(outcome)
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
    if !matches!(to, Status::InProgress | Status::Current) {
        return Err(Error::InvalidInput(format!(
            "unblock moves a mission to Current or In Progress, not {to}"
        )));
    }
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

/// Moves a mission to `to` by name, as `mission update --status` does. Blocking needs a
/// reason, so it goes through `block`.
pub fn set_status(ws: &Workspace, id: &str, to: Status) -> Result<Outcome<TransitionOutcome>> {
    if to == Status::Blocked {
        return Err(Error::InvalidInput(format!(
            "blocking needs a reason: use `cmos mission block {id} --reason TEXT`"
        )));
    }
    run(ws, "status", id, to, MoveDetail::default(), false)
}
