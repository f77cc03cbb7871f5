//! Every rule about statuses and dependencies, in one place: the transition table, the order
//! of work, readiness, promotion, dependency cycles and sprint closing.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::error::{Error, Result};
use crate::index::{Index, Meta};
use crate::model::{
    Blocker, DepType, Mission, Sprint, SprintStatus, Status, Timestamp, Transition,
};
use crate::next::Input;

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
        // A path after → … → before means the new edge before → after closes a cycle.
        if let Some(path) = precedence_path(index, after, before, (from, to)) {
            return Err(Error::InvalidDependency(format!(
                "{from} {kind} {to} would close a cycle: {} → {after} (each must finish before the next)",
                path.join(" → "),
            )));
        }
    }
    Ok(existing)
}

/// A chain of "finishes before" links from `start` to `goal`, ignoring the link `skip`
/// (the one being replaced), if there is one.
fn precedence_path(
    index: &Index,
    start: &str,
    goal: &str,
    skip: (&str, &str),
) -> Option<Vec<String>> {
    let mut after: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            if (m.id.as_str(), on.as_str()) == skip {
                continue;
            }
            match kind {
                DepType::Requires => after.entry(on.as_str()).or_default().push(&m.id),
                DepType::Blocks => after.entry(m.id.as_str()).or_default().push(on),
                _ => {}
            }
        }
    }
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == goal {
            let mut path = vec![goal.to_string()];
            let mut at = goal;
            while let Some(p) = parent.get(at) {
                path.push(p.to_string());
                at = p;
            }
            path.reverse();
            return Some(path);
        }
        for next in after.get(node).into_iter().flatten() {
            if seen.insert(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The sprint that activating `id` sends back to Planned: the current sprint, if it is
/// another one and still Active. There is one current sprint at a time.
pub fn sprint_replaced_by<'a>(meta: &'a Meta, id: &str) -> Option<&'a Sprint> {
    let previous = meta.project.as_ref()?.current_sprint.as_deref()?;
    let sprint = meta.sprints.get(previous)?;
    (previous != id && sprint.status == SprintStatus::Active).then_some(sprint)
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

mod cycles;
mod direction;
mod queue;

pub use cycles::{Closer, Precedence, cycle_closers};
pub use direction::{Facts, Oriented, Reading, Written, completed_before_prerequisites, orient};
pub use queue::*;

#[cfg(test)]
mod tests;
