//! Every rule about statuses and dependencies, in one place: the transition table, the order
//! of work, readiness, promotion, dependency cycles and sprint closing.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::{IdHasher, Index, Meta, MissionEntry};
use crate::model::{
    Blocker, DepType, Mission, Sprint, SprintStatus, Status, Timestamp, Transition,
};

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
        return Err(Error::InvalidInput(format!(
            "blocking mission {} needs a reason: pass --reason",
            mission.id
        )));
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

/// A prerequisite that is not Completed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmet {
    pub id: String,
    /// None when the link points at a mission that does not exist.
    pub status: Option<Status>,
    /// How the link was made: `requires` (from the waiting mission) or `blocks` (from this one).
    pub via: DepType,
}

/// Who must finish before whom, built once per command from the index.
pub struct Gates<'a> {
    index: &'a Index,
    blocked_by: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Gates<'a> {
    pub fn new(index: &'a Index) -> Self {
        let mut blocked_by: HashMap<&str, Vec<&str>> = HashMap::new();
        for m in index.missions.values() {
            for (on, kind) in &m.depends {
                if *kind == DepType::Blocks {
                    blocked_by
                        .entry(on.as_str())
                        .or_default()
                        .push(m.id.as_str());
                }
            }
        }
        Gates { index, blocked_by }
    }

    /// The prerequisites of `mission` that are not Completed.
    pub fn unmet(&self, mission: &MissionEntry) -> Vec<Unmet> {
        let blockers = self
            .blocked_by
            .get(mission.id.as_str())
            .into_iter()
            .flatten()
            .copied();
        unmet_prerequisites(mission, blockers, |id| {
            self.index.missions.get(id).map(|m| m.status)
        })
    }
}

/// The prerequisites of `mission` that are not Completed: the missions it requires, and those
/// in `blocked_by` (the missions with a `blocks` link to it). `status_of` looks one up; None
/// means the mission does not exist, which never counts as done.
pub fn unmet_prerequisites<'a>(
    mission: &'a MissionEntry,
    blocked_by: impl Iterator<Item = &'a str>,
    status_of: impl Fn(&str) -> Option<Status>,
) -> Vec<Unmet> {
    let required = mission
        .depends
        .iter()
        .filter(|(_, kind)| *kind == DepType::Requires)
        .map(|(on, _)| (on.as_str(), DepType::Requires));
    let blockers = blocked_by.map(|b| (b, DepType::Blocks));
    let mut unmet: Vec<Unmet> = required
        .chain(blockers)
        .filter_map(|(id, via)| {
            let status = status_of(id);
            (status != Some(Completed)).then(|| Unmet {
                id: id.to_string(),
                status,
                via,
            })
        })
        .collect();
    unmet.sort_by(|a, b| a.id.cmp(&b.id));
    unmet.dedup();
    unmet
}

/// Rank of a status in the order of work.
fn status_order(status: Status) -> u8 {
    match status {
        InProgress => 0,
        Current => 1,
        Queued => 2,
        Blocked => 3,
        Deferred => 4,
        Completed => 5,
        Dropped => 6,
    }
}

/// All missions in the order of work: In Progress, Current, Queued, then the rest; within a
/// status the current sprint first, then sprints in plan order, then rank, then creation.
pub fn work_order(index: &Index) -> Vec<&MissionEntry> {
    Queue::new(index).in_order(|_| true).collect()
}

/// Each sprint's place in plan order, looked up for every mission: hence the fast hash.
type SprintPositions<'a> = HashMap<&'a str, u32, BuildHasherDefault<IdHasher>>;

/// Where a mission stands in the order of work; smaller comes first.
type OrderKey<'a> = (u64, i64, u128, &'a str);

fn order_key<'a>(
    m: &'a MissionEntry,
    current: Option<&str>,
    position: &SprintPositions,
) -> OrderKey<'a> {
    let sprint = m.sprint.as_deref();
    let position = sprint
        .and_then(|s| position.get(s))
        .copied()
        .unwrap_or(u32::MAX);
    // Integers compare much faster than strings, and ordering runs on every write.
    let group = (u64::from(status_order(m.status)) << 40)
        | (u64::from(sprint.is_none() || sprint != current) << 32)
        | u64::from(position);
    (group, m.rank.unwrap_or(i64::MAX), m.created, m.id.as_str())
}

/// The order of work and the gates between missions, computed once per command and shared by
/// everything that asks what comes next. Missions are put in order lazily: finding the next
/// mission costs a heap over the candidates, not a sort of the whole project.
pub struct Queue<'a> {
    index: &'a Index,
    keyed: Vec<(OrderKey<'a>, &'a MissionEntry)>,
    gates: Gates<'a>,
}

impl<'a> Queue<'a> {
    pub fn new(index: &'a Index) -> Self {
        let current = index
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.as_deref());
        let position: SprintPositions = index
            .sprints_in_order()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i as u32))
            .collect();
        let keyed = index
            .missions
            .values()
            .map(|m| (order_key(m, current, &position), m))
            .collect();
        Queue {
            index,
            keyed,
            gates: Gates::new(index),
        }
    }

    /// The missions that pass `filter`, in the order of work, ordered as they are taken.
    pub fn in_order(
        &self,
        filter: impl Fn(&MissionEntry) -> bool,
    ) -> impl Iterator<Item = &'a MissionEntry> + '_ {
        let mut heap: BinaryHeap<Reverse<(OrderKey<'a>, usize)>> = self
            .keyed
            .iter()
            .enumerate()
            .filter(|(_, (_, m))| filter(m))
            .map(|(i, (key, _))| Reverse((*key, i)))
            .collect();
        std::iter::from_fn(move || heap.pop().map(|Reverse((_, i))| self.keyed[i].1))
    }

    /// The prerequisites of `mission` that are not Completed.
    pub fn unmet(&self, mission: &MissionEntry) -> Vec<Unmet> {
        self.gates.unmet(mission)
    }

    /// The next mission to work on; see [`next`].
    pub fn next(&self) -> Next<'a> {
        let open = self.in_order(|m| matches!(m.status, InProgress | Current | Queued));
        pick_next(self.index, open, &self.gates)
    }

    /// The mission that completing another should promote; see [`promotion_candidate`].
    pub fn promotion_candidate(&self) -> Option<&'a MissionEntry> {
        if self.keyed.iter().any(|(_, m)| m.status == Current) {
            return None;
        }
        self.in_order(|m| m.status == Queued)
            .find(|m| self.gates.unmet(m).is_empty())
    }
}

/// A mission passed over by `next` because it still waits on others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub id: String,
    pub status: Status,
    pub waiting_on: Vec<Unmet>,
}

/// The one mission to work on now, and why; or why there is none.
#[derive(Debug, Clone)]
pub struct Next<'a> {
    pub mission: Option<&'a MissionEntry>,
    pub reason: String,
    /// The first few missions passed over because they wait on others.
    pub skipped: Vec<Skipped>,
    pub skipped_total: usize,
}

/// How many passed-over missions `next` reports; the rest are only counted.
const SKIPPED_SHOWN: usize = 5;

/// Picks the next mission: In Progress, then Current, then Queued, in the order of work,
/// skipping missions whose prerequisites are not Completed.
pub fn next(index: &Index) -> Next<'_> {
    Queue::new(index).next()
}

fn pick_next<'a>(
    index: &'a Index,
    open: impl Iterator<Item = &'a MissionEntry>,
    gates: &Gates<'a>,
) -> Next<'a> {
    let current = index
        .project
        .as_ref()
        .and_then(|p| p.current_sprint.as_deref());
    let mut result = Next {
        mission: None,
        reason: String::new(),
        skipped: Vec::new(),
        skipped_total: 0,
    };
    for m in open {
        let unmet = gates.unmet(m);
        if !unmet.is_empty() {
            result.skipped_total += 1;
            if result.skipped.len() < SKIPPED_SHOWN {
                result.skipped.push(Skipped {
                    id: m.id.clone(),
                    status: m.status,
                    waiting_on: unmet,
                });
            }
            continue;
        }
        let place = match (m.sprint.as_deref(), current) {
            (Some(s), Some(c)) if s == c => format!(" in the current sprint {s}"),
            (Some(s), _) => format!(" in sprint {s}"),
            (None, _) => String::new(),
        };
        result.reason = match m.status {
            InProgress => {
                format!("it is already In Progress{place}: finish it before starting another")
            }
            Current => format!("it is Current{place}, with every prerequisite completed"),
            _ => format!(
                "it is the first ready Queued mission{place}{}",
                if m.rank.is_some() { " by rank" } else { "" }
            ),
        };
        result.mission = Some(m);
        return result;
    }
    let blocked = index
        .missions
        .values()
        .filter(|m| m.status == Blocked)
        .count();
    result.reason = if result.skipped_total > 0 {
        format!(
            "every open mission waits on prerequisites ({} waiting)",
            result.skipped_total
        )
    } else if blocked > 0 {
        format!("no mission is ready; {blocked} are Blocked")
    } else {
        "there are no open missions".to_string()
    };
    result
}

/// The mission that completing another should promote to Current: the first ready Queued
/// mission in the order of work. None while a mission is already Current, so the queue never
/// holds two "next" missions at once.
pub fn promotion_candidate(index: &Index) -> Option<&MissionEntry> {
    Queue::new(index).promotion_candidate()
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
        "sprint {} still has {} open mission(s): {}{}; complete, drop or defer them, move them to another sprint, or pass --force",
        sprint.id,
        open.len(),
        shown.join(", "),
        if open.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    )))
}

#[cfg(test)]
mod tests;
