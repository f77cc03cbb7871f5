//! Every rule of the work, in one place: the mission transition table, the order of work,
//! readiness, promotion, dependency cycles, sprints here; decisions, facts, learnings,
//! constraints and next steps in `items`; sessions in `sessions`. Operations ask these
//! functions before they write; they never check a rule of their own (tests/rule_boundary.rs).

use crate::error::{Error, Result};
use crate::index::{Index, Meta};
use crate::model::{
    Blocker, DepType, Mission, Sprint, SprintStatus, Status, Timestamp, Transition,
};
use crate::next::{Action, Input, Op};

use Status::*;

/// The statuses a mission in `from` may move to.
pub fn valid_targets(from: Status) -> &'static [Status] {
    match from {
        Queued => &[Current, InProgress, Dropped, Deferred],
        Current => &[InProgress, Blocked, Dropped, Deferred],
        InProgress => &[Completed, Blocked, Dropped, Deferred],
        Blocked => &[InProgress, Current, Dropped, Deferred],
        Deferred => &[Queued, Current, Dropped],
        Completed | Dropped => &[],
    }
}

/// Refuses a move the table does not allow, naming the moves it does.
pub fn check_transition(id: &str, from: Status, to: Status) -> Result<()> {
    if valid_targets(from).contains(&to) {
        return Ok(());
    }
    let verb = match to {
        Queued => "be queued",
        Current => "become Current",
        InProgress if from == Blocked => "be unblocked",
        InProgress => "be started",
        Blocked => "be blocked",
        Completed => "be completed",
        Dropped => "be dropped",
        Deferred => "be deferred",
    };
    Err(Error::InvalidTransition {
        id: id.to_string(),
        from,
        to,
        verb,
        valid: valid_targets(from).to_vec(),
    })
}

/// Unblocking applies to Blocked missions only, even where the table would allow the move
/// (a Current mission can go In Progress, but that is a start, not an unblock).
pub fn check_unblock(id: &str, from: Status, to: Status) -> Result<()> {
    if from == Blocked {
        return check_transition(id, from, to);
    }
    Err(Error::InvalidTransition {
        id: id.to_string(),
        from,
        to,
        verb: "be unblocked",
        valid: valid_targets(from).to_vec(),
    })
}

/// Refuses an unblock to anything but Current or In Progress: unblocking resumes work.
pub fn check_unblock_target(to: Status) -> Result<()> {
    if matches!(to, InProgress | Current) {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "unblock moves a mission to Current or In Progress, not {to}"
    )))
}

/// What a status change carries besides its target.
#[derive(Debug, Clone, Default)]
pub struct MoveDetail {
    /// The reason (block, drop, defer), the resolution (unblock) or completion notes.
    pub note: Option<String>,
    /// What a blocked mission needs to go on.
    pub needs: Vec<String>,
}

/// Moves `mission` to `to` if the table allows it, keeping its record consistent: the
/// transition is appended, started_at is set on the first start only, completed_at on
/// completion, and the blocker is kept exactly while Blocked. Returns the previous status.
pub fn apply_transition(
    mission: &mut Mission,
    to: Status,
    at: Timestamp,
    by: &str,
    detail: MoveDetail,
) -> Result<Status> {
    let from = mission.status;
    check_transition(&mission.id, from, to)?;
    // The fallback's reason first: it says why a person must approve, where the gate's
    // refusal would only say that one must.
    if to == Completed {
        fallback::check_completion(mission)?;
    }
    gate::check_completion_passed_gate(mission, to)?;
    if to == Blocked && detail.note.is_none() {
        return Err(
            Error::InvalidInput(format!("blocking mission {} needs a reason", mission.id))
                .needs(&[Input::Reason]),
        );
    }
    mission.status = to;
    mission.updated_at = at;
    match to {
        InProgress => {
            mission.started_at.get_or_insert(at);
        }
        Completed => mission.completed_at = Some(at),
        _ => {}
    }
    mission.blocked = (to == Blocked).then(|| Blocker {
        reason: detail.note.clone().unwrap_or_default(),
        needs: detail.needs.clone(),
        since: at,
        extra: Default::default(),
    });
    mission.transitions.push(Transition {
        at,
        from,
        to,
        by: by.to_string(),
        note: detail.note,
        extra: Default::default(),
    });
    Ok(from)
}

/// Refuses a link to itself, to an unknown mission, or one that closes a cycle among the
/// ordering links (requires, blocks). Returns the type of an existing link it would replace.
pub fn check_dependency(
    index: &Index,
    from: &str,
    to: &str,
    kind: DepType,
) -> Result<Option<DepType>> {
    if from == to {
        return Err(Error::InvalidDependency(format!(
            "mission {from} cannot depend on itself"
        )));
    }
    let source = index.mission(from)?;
    index.mission(to)?;
    let existing = source
        .depends
        .iter()
        .find(|(on, _)| on == to)
        .map(|(_, k)| *k);
    if existing == Some(kind) {
        return Err(Error::AlreadyExists {
            kind: "dependency",
            id: format!("{from} {kind} {to}"),
        });
    }
    if kind.is_ordering() {
        let (before, after) = match kind {
            DepType::Requires => (to, from),
            _ => (from, to),
        };
        // The link it replaces does not count: a new type for the pair takes its place.
        let stored = ordering_links(index, Some((from, to)));
        if let Some(closer) = cycle_closers(&stored, &[(before, after)]).first() {
            return Err(Error::InvalidDependency(format!(
                "{from} {kind} {to} would close a cycle: {} → {after} (each must finish before the next)",
                closer.path.join(" → "),
            )));
        }
    }
    Ok(existing)
}

/// The sprint that activating `id` sends back to Planned: the current sprint, if it is
/// another one and still Active. There is one current sprint at a time.
pub fn sprint_replaced_by<'a>(meta: &'a Meta, id: &str) -> Option<&'a Sprint> {
    let previous = meta.project.as_ref()?.current_sprint.as_deref()?;
    let sprint = meta.sprints.get(previous)?;
    (previous != id && sprint.status == SprintStatus::Active).then_some(sprint)
}

/// Refuses a research report of unfinished work, unless asked for (`allow_incomplete`).
pub fn check_report(id: &str, status: Status, allow_incomplete: bool) -> Result<()> {
    if status == Completed || allow_incomplete {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "mission {id} is {status}: a research report is of finished work; complete it first, or ask for a report of unfinished work"
    ))
    .needs(&[Input::AllowIncomplete])
    .then(Action::new(Op::MissionComplete).with(Input::MissionId, id)))
}

/// Refuses dates that end before they start.
pub fn check_sprint_dates(sprint: &Sprint) -> Result<()> {
    if let (Some(start), Some(end)) = (sprint.start, sprint.end)
        && end < start
    {
        return Err(Error::InvalidInput(format!(
            "sprint {} would end ({end}) before it starts ({start})",
            sprint.id
        )));
    }
    Ok(())
}

/// Refuses to send a sprint back to Planned: a sprint goes back to Planned only when another
/// one is activated (there is one current sprint at a time). Active and Completed are the
/// moves of activating and completing, checked by those rules.
pub fn check_sprint_status(sprint: &Sprint, to: SprintStatus) -> Result<()> {
    if to == SprintStatus::Planned && sprint.status != SprintStatus::Planned {
        return Err(Error::Refused(format!(
            "sprint {} is {}; a sprint cannot be set back to Planned: activate another sprint instead",
            sprint.id, sprint.status
        )));
    }
    Ok(())
}

/// Refuses a status change that needs more than its target: blocking needs a reason, so it
/// is not a plain change of status (as an update's status is).
pub fn check_plain_move(id: &str, to: Status) -> Result<()> {
    if to == Blocked {
        return Err(Error::InvalidInput(format!(
            "blocking mission {id} needs a reason: block it, saying why"
        ))
        .then(
            Action::new(Op::MissionBlock)
                .with(Input::MissionId, id)
                .needs(Input::Reason),
        ));
    }
    Ok(())
}

/// The moves a new mission makes, from Queued, to be added in status `to` (the original CMOS
/// added a mission in any status): each is a move of the table, so its history reads as if it
/// had been moved there at once. Blocking needs a reason, so a mission is not added Blocked.
pub fn arrival_path(to: Status) -> Result<&'static [Status]> {
    Ok(match to {
        Queued => &[],
        Current => &[Current],
        InProgress => &[InProgress],
        Completed => &[InProgress, Completed],
        Dropped => &[Dropped],
        Deferred => &[Deferred],
        Blocked => {
            return Err(Error::InvalidInput(
                "a mission cannot be added Blocked: blocking needs a reason. Add it, then block \
                 it, saying why"
                    .into(),
            ));
        }
    })
}

/// Refuses to activate a Completed sprint.
pub fn check_sprint_activate(sprint: &Sprint) -> Result<()> {
    if sprint.status == SprintStatus::Completed {
        return Err(Error::Refused(format!(
            "sprint {} is Completed; it cannot be activated again",
            sprint.id
        )));
    }
    Ok(())
}

/// Refuses to complete a sprint twice, or while it still has open missions (unless forced).
pub fn check_sprint_complete(index: &Index, sprint: &Sprint, force: bool) -> Result<()> {
    if sprint.status == SprintStatus::Completed {
        return Err(Error::Refused(format!(
            "sprint {} is already Completed",
            sprint.id
        )));
    }
    let mut open: Vec<&str> = index
        .missions
        .values()
        .filter(|m| m.sprint.as_deref() == Some(sprint.id.as_str()) && m.status.is_open())
        .map(|m| m.id.as_str())
        .collect();
    if open.is_empty() || force {
        return Ok(());
    }
    open.sort();
    let shown: Vec<&str> = open.iter().take(10).copied().collect();
    Err(Error::Refused(format!(
        "sprint {} still has {} open mission(s): {}{}; complete, drop or defer them, move them to another sprint, or close the sprint anyway",
        sprint.id,
        open.len(),
        shown.join(", "),
        if open.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    ))
    .needs(&[Input::Force]))
}

mod carry;
pub mod checks;
mod close_out;
pub mod condense;
mod cycles;
mod direction;
pub mod fallback;
pub mod gate;
mod items;
mod loops;
pub mod process;
mod queue;
pub mod review;
mod sessions;

pub use carry::*;
pub use close_out::*;
pub use cycles::{Closer, Precedence, cycle_closers, cycles, ordering_links};
pub use direction::{Facts, Oriented, Reading, Written, completed_before_prerequisites, orient};
pub use items::*;
pub use loops::*;
pub use queue::*;
pub use review::{check_reaffirm, check_review_kind};
pub use sessions::*;

#[cfg(test)]
mod tests;
