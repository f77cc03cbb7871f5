//! The order of work and readiness: which mission comes next, which one a completion
//! promotes, and what a mission still waits on. The rules work over any source of missions:
//! the full index, or the cached view a write uses so it never reads every mission.

pub use crate::model::natural_cmp;
use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

use crate::index::{IdHasher, Index, Meta, MissionEntry};
use crate::model::{DepType, Status};

use Status::*;

/// A prerequisite that is not Completed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmet {
    pub id: String,
    /// None when the link points at a mission that does not exist.
    pub status: Option<Status>,
    /// How the link was made: `requires` (from the waiting mission) or `blocks` (from this one).
    pub via: DepType,
}

/// What the rules need to know about other missions: their status, and who blocks whom.
pub trait Prerequisites {
    /// The status of mission `id`, or None if it does not exist.
    fn status_of(&self, id: &str) -> Option<Status>;
    /// The missions with a `blocks` link to `id`.
    fn blockers_of(&self, id: &str) -> Vec<String>;

    /// The prerequisites of `mission` that are not Completed.
    fn unmet(&self, mission: &MissionEntry) -> Vec<Unmet> {
        unmet_by_links(self, mission)
    }
}

/// [`Prerequisites::unmet`] worked out from the links and statuses `gates` knows, for an
/// implementation that remembers answers and works out the others.
pub fn unmet_by_links<P: Prerequisites + ?Sized>(gates: &P, mission: &MissionEntry) -> Vec<Unmet> {
    let blockers = gates.blockers_of(&mission.id);
    unmet_prerequisites(mission, blockers.iter().map(String::as_str), |id| {
        gates.status_of(id)
    })
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

/// Who must finish before whom, over the full index.
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
}

impl Prerequisites for Gates<'_> {
    fn status_of(&self, id: &str) -> Option<Status> {
        self.index.missions.get(id).map(|m| m.status)
    }

    fn blockers_of(&self, id: &str) -> Vec<String> {
        self.blocked_by
            .get(id)
            .into_iter()
            .flatten()
            .map(|b| b.to_string())
            .collect()
    }
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

/// Where a mission stands in the order of work, as integers (compared much faster than
/// strings); ties go to the mission id in natural order (see [`natural_cmp`]). Status,
/// current sprint first, sprint plan order, rank (unranked last), creation to the
/// millisecond: missions created in the same millisecond (an import gives many the same
/// time) follow their ids, not the random part of their uids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderKey {
    group: u64,
    rank: i64,
    created_ms: u64,
}

/// A place in the order of work: the key, then the id in natural order.
fn place_cmp(a: (&OrderKey, &str), b: (&OrderKey, &str)) -> Ordering {
    a.0.cmp(b.0).then_with(|| natural_cmp(a.1, b.1))
}

/// A mission in the heap of [`Queue::in_order`], ordered by its place.
#[derive(PartialEq, Eq)]
struct Slot<'a>(OrderKey, &'a str, usize);

impl Ord for Slot<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        place_cmp((&self.0, self.1), (&other.0, other.1)).then(self.2.cmp(&other.2))
    }
}

impl PartialOrd for Slot<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl OrderKey {
    /// The status this key sorts under.
    pub fn status(&self) -> Status {
        let order = (self.group >> 40) as u8;
        Status::ALL
            .iter()
            .copied()
            .find(|s| status_order(*s) == order)
            .unwrap_or(Dropped)
    }
}

/// What ordering needs from the meta records: the current sprint and the plan order.
pub struct OrderContext {
    current: Option<String>,
    positions: HashMap<String, u32, BuildHasherDefault<IdHasher>>,
}

impl OrderContext {
    pub fn new(meta: &Meta) -> Self {
        OrderContext {
            current: meta.project.as_ref().and_then(|p| p.current_sprint.clone()),
            positions: meta
                .sprints_in_order()
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.clone(), i as u32))
                .collect(),
        }
    }

    /// How the sprint positions of `self` map to those of `new`, when every mission keeps its
    /// place among the others: the same current sprint, and the sprints of `self` in the same
    /// order in `new` (a sprint added anywhere). None when the order of work itself changes.
    /// The caller checks that no mission names a sprint `new` adds.
    pub fn positions_in(&self, new: &OrderContext) -> Option<Vec<u32>> {
        if self.current != new.current {
            return None;
        }
        let mut map = vec![u32::MAX; self.positions.len()];
        for (id, &old) in &self.positions {
            *map.get_mut(old as usize)? = *new.positions.get(id)?;
        }
        map.windows(2).all(|w| w[0] < w[1]).then_some(map)
    }

    /// The sprints `new` has that `self` does not.
    pub fn added_sprints<'n>(&self, new: &'n OrderContext) -> impl Iterator<Item = &'n str> {
        new.positions
            .keys()
            .filter(|id| !self.positions.contains_key(*id))
            .map(String::as_str)
    }

    pub fn key(&self, m: &MissionEntry) -> OrderKey {
        key_with(m, self.current.as_deref(), |s| {
            self.positions.get(s).copied()
        })
    }
}

/// The key of `m` when the current sprint is `current` and `position` says where a sprint
/// stands in plan order; it is asked only for a mission in a sprint.
pub fn key_with(
    m: &MissionEntry,
    current: Option<&str>,
    position: impl FnOnce(&str) -> Option<u32>,
) -> OrderKey {
    let sprint = m.sprint.as_deref();
    let position = sprint.and_then(position).unwrap_or(u32::MAX);
    let elsewhere = sprint.is_none() || sprint != current;
    order_key(m, position, elsewhere)
}

fn order_key(m: &MissionEntry, sprint_position: u32, elsewhere: bool) -> OrderKey {
    OrderKey {
        group: (u64::from(status_order(m.status)) << 40)
            | (u64::from(elsewhere) << 32)
            | u64::from(sprint_position),
        rank: m.rank.unwrap_or(i64::MAX),
        // The first 48 of the key's 120 bits are the uid's milliseconds.
        created_ms: (m.created >> 72) as u64,
    }
}

/// How many missions of each open status a window keeps.
const WINDOW: usize = 256;

/// The statuses that have windows: those that are not final, in the order of work.
const OPEN: [Status; 5] = [InProgress, Current, Queued, Blocked, Deferred];

/// The first missions of each open status in the order of work, at most [`WINDOW`] per status,
/// kept up to date by writes: every mission of a status that is not in its window sorts after
/// the window's last one. A window that is `complete` holds every mission of its status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Windows {
    windows: Vec<Window>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Window {
    keys: Vec<(OrderKey, String)>,
    complete: bool,
}

impl Windows {
    /// The windows of `keys` (sorted in the order of work, at least the first `WINDOW` of
    /// each status), with how many open missions each status has.
    fn of_first(keys: Vec<(OrderKey, String)>, counts: [usize; OPEN.len()]) -> Windows {
        let mut windows: Vec<Window> = OPEN.iter().map(|_| Window::default()).collect();
        for (key, id) in keys {
            let Some(g) = OPEN.iter().position(|s| *s == key.status()) else {
                continue;
            };
            if windows[g].keys.len() < WINDOW {
                windows[g].keys.push((key, id));
            }
        }
        for (window, count) in windows.iter_mut().zip(counts) {
            window.complete = count <= WINDOW;
        }
        Windows { windows }
    }

    fn window(&mut self, key: &OrderKey) -> Option<&mut Window> {
        let g = OPEN.iter().position(|s| *s == key.status())?;
        self.windows.get_mut(g)
    }

    /// Adds an open mission; it stays out of a window it would sort after.
    pub fn insert(&mut self, key: OrderKey, id: String) {
        let Some(window) = self.window(&key) else {
            return;
        };
        let place = |(k, i): &(OrderKey, String)| place_cmp((k, i), (&key, &id));
        let inside = window.complete || window.keys.last().is_some_and(|last| place(last).is_gt());
        if inside {
            let at = window.keys.binary_search_by(place).unwrap_or_else(|at| at);
            window.keys.insert(at, (key, id));
        }
    }

    /// Moves every key to the sprint positions `map` gives (see [`OrderContext::positions_in`]):
    /// the order does not change, only the numbers that keep it.
    pub fn remap_positions(&mut self, map: &[u32]) {
        for window in &mut self.windows {
            for (key, _) in &mut window.keys {
                let position = (key.group & 0xffff_ffff) as usize;
                if let Some(&new) = map.get(position) {
                    key.group = (key.group & !0xffff_ffff) | u64::from(new);
                }
            }
        }
    }

    /// Removes a mission, if its window holds it.
    pub fn remove(&mut self, status: Status, id: &str) {
        let window = OPEN
            .iter()
            .position(|s| *s == status)
            .and_then(|g| self.windows.get_mut(g));
        // By id, not by key: a window holds a few hundred ids, and the key of the mission as
        // it was would need the order of the sprints.
        if let Some(window) = window
            && let Some(at) = window.keys.iter().position(|(_, i)| i == id)
        {
            window.keys.remove(at);
        }
    }

    /// The ids of the first `n` missions in the order of work, of `status` or of every status,
    /// or None when the windows do not reach that far (a window that stops short of its
    /// status's missions, or rows past the open statuses, which have no windows).
    pub fn first(&self, status: Option<Status>, n: usize) -> Option<Vec<&str>> {
        let (ids, whole) = self.prefix(status, n);
        (ids.len() == n || whole).then_some(ids)
    }

    /// The ids of the first missions in the order of work, of `status` or of every status, as
    /// far as the windows know them and at most `n`; and whether they are every such mission.
    /// They stop early (or are none) where a window stops short of its status's missions, or
    /// where the open statuses end and rows of final ones (which have no windows) may follow.
    pub fn prefix(&self, status: Option<Status>, n: usize) -> (Vec<&str>, bool) {
        let mut ids = Vec::with_capacity(n.min(WINDOW));
        for (g, open) in OPEN.iter().enumerate() {
            if status.is_some_and(|s| s != *open) {
                continue;
            }
            let Some(window) = self.windows.get(g) else {
                return (ids, false);
            };
            ids.extend(
                window
                    .keys
                    .iter()
                    .take(n - ids.len())
                    .map(|(_, id)| id.as_str()),
            );
            if ids.len() == n || !window.complete {
                return (ids, false);
            }
        }
        // Every open mission is in `ids`; what follows (Completed, Dropped) has no window.
        let whole = status.is_some_and(|s| OPEN.contains(&s));
        (ids, whole)
    }

    /// The ids of the missions of `status` that the window holds, in order, and whether
    /// they are all of them.
    pub fn of(&self, status: Status) -> (impl Iterator<Item = &str>, bool) {
        let window = OPEN
            .iter()
            .position(|s| *s == status)
            .and_then(|g| self.windows.get(g));
        let complete = window.is_none_or(|w| w.complete);
        (
            window
                .into_iter()
                .flat_map(|w| w.keys.iter().map(|(_, id)| id.as_str())),
            complete,
        )
    }
}

/// All missions in the order of work: In Progress, Current, Queued, then the rest.
pub fn work_order(index: &Index) -> Vec<&MissionEntry> {
    Queue::new(index).in_order(|_| true).collect()
}

/// The order of work and the gates over the full index, computed once per command. Missions
/// are put in order lazily: finding the next one costs a heap over the candidates, not a sort
/// of the whole project.
pub struct Queue<'a> {
    index: &'a Index,
    keyed: Vec<(OrderKey, &'a MissionEntry)>,
    gates: Gates<'a>,
}

impl<'a> Queue<'a> {
    pub fn new(index: &'a Index) -> Self {
        let context = OrderContext::new(index);
        let keyed = index
            .missions
            .values()
            .map(|m| (context.key(m), m))
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
        let mut heap: BinaryHeap<Reverse<Slot<'_>>> = self
            .keyed
            .iter()
            .enumerate()
            .filter(|(_, (_, m))| filter(m))
            .map(|(i, (key, m))| Reverse(Slot(*key, m.id.as_str(), i)))
            .collect();
        std::iter::from_fn(move || heap.pop().map(|Reverse(Slot(_, _, i))| self.keyed[i].1))
    }

    /// The first open missions of each status, in order: what the cache keeps so a write can
    /// find the next mission without reading them all.
    pub fn windows(&self) -> Windows {
        // Only the first `WINDOW` of each status are kept: each status's first ones are
        // selected, and only they sorted (sorting 100,000 keys took 0.2 billion instructions).
        let mut groups: Vec<Vec<(OrderKey, &str)>> = OPEN.iter().map(|_| Vec::new()).collect();
        for (key, m) in &self.keyed {
            if let Some(g) = OPEN.iter().position(|s| *s == key.status()) {
                groups[g].push((*key, &m.id));
            }
        }
        let mut keys = Vec::new();
        let mut counts = [0usize; OPEN.len()];
        for (group, count) in groups.iter_mut().zip(&mut counts) {
            *count = group.len();
            let cmp =
                |(k, i): &(OrderKey, &str), (l, j): &(OrderKey, &str)| place_cmp((k, i), (l, j));
            if group.len() > WINDOW {
                group.select_nth_unstable_by(WINDOW, cmp);
                group.truncate(WINDOW);
            }
            group.sort_unstable_by(cmp);
            keys.extend(group.iter().map(|(key, id)| (*key, id.to_string())));
        }
        Windows::of_first(keys, counts)
    }

    /// The next mission to work on; see [`pick_next`].
    pub fn next(&self) -> Next {
        self.next_with(&self.gates)
    }

    /// [`Queue::next`], and the unmet prerequisites of each mission it passed over, by id:
    /// what a cache keeps so that the next write skips them without reading their links.
    pub fn next_and_waiting(&self) -> (Next, BTreeMap<String, Vec<Unmet>>) {
        let recording = Recording {
            inner: &self.gates,
            answers: RefCell::new(BTreeMap::new()),
        };
        let next = self.next_with(&recording);
        (next, recording.answers.into_inner())
    }

    fn next_with(&self, gates: &impl Prerequisites) -> Next {
        let open = self
            .in_order(|m| matches!(m.status, InProgress | Current | Queued))
            .cloned();
        let blocked = self
            .keyed
            .iter()
            .filter(|(_, m)| m.status == Blocked)
            .count();
        let current = self
            .index
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.as_deref());
        pick_next(current, open, gates, blocked)
    }

    /// The mission that completing another should promote; see [`promote_from`].
    pub fn promotion_candidate(&self) -> Option<MissionEntry> {
        let current = self
            .keyed
            .iter()
            .filter(|(_, m)| m.status == Current)
            .count();
        promote_from(
            current,
            self.in_order(|m| m.status == Queued).cloned(),
            &self.gates,
        )
    }
}

/// Prerequisites that remember every answer of `unmet` that found some.
struct Recording<'p, P> {
    inner: &'p P,
    answers: RefCell<BTreeMap<String, Vec<Unmet>>>,
}

impl<P: Prerequisites> Prerequisites for Recording<'_, P> {
    fn status_of(&self, id: &str) -> Option<Status> {
        self.inner.status_of(id)
    }

    fn blockers_of(&self, id: &str) -> Vec<String> {
        self.inner.blockers_of(id)
    }

    fn unmet(&self, mission: &MissionEntry) -> Vec<Unmet> {
        let unmet = self.inner.unmet(mission);
        if !unmet.is_empty() {
            let mut answers = self.answers.borrow_mut();
            answers.insert(mission.id.clone(), unmet.clone());
        }
        unmet
    }
}

/// A mission passed over by `next` because it still waits on others, or on a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub id: String,
    pub status: Status,
    pub waiting_on: Vec<Unmet>,
    /// Its validation score waits for a person to approve or reject it: no agent can move it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub awaiting_review: bool,
}

/// The one mission to work on now, and why; or why there is none.
#[derive(Debug, Clone)]
pub struct Next {
    pub mission: Option<MissionEntry>,
    pub reason: String,
    /// The first few missions passed over because they wait on others.
    pub skipped: Vec<Skipped>,
    pub skipped_total: usize,
}

/// How many passed-over missions `next` reports; the rest are only counted.
const SKIPPED_SHOWN: usize = 5;

/// The next mission of the full index.
pub fn next(index: &Index) -> Next {
    Queue::new(index).next()
}

/// Picks the next mission from `open` (In Progress, Current and Queued missions in the order
/// of work), skipping missions whose prerequisites are not Completed. `blocked` is how many
/// missions are Blocked, for the reason when nothing is ready.
pub fn pick_next(
    current_sprint: Option<&str>,
    open: impl Iterator<Item = MissionEntry>,
    gates: &impl Prerequisites,
    blocked: usize,
) -> Next {
    let mut result = Next {
        mission: None,
        reason: String::new(),
        skipped: Vec::new(),
        skipped_total: 0,
    };
    let mut in_review = 0;
    for m in open {
        // Work that waits for a person's review is passed over: only a person can move it, so
        // an agent that follows `next` goes on with other work instead of stalling on it.
        let unmet = if m.awaiting_review {
            in_review += 1;
            Vec::new()
        } else {
            gates.unmet(&m)
        };
        if m.awaiting_review || !unmet.is_empty() {
            result.skipped_total += 1;
            if result.skipped.len() < SKIPPED_SHOWN {
                result.skipped.push(Skipped {
                    id: m.id.clone(),
                    status: m.status,
                    waiting_on: unmet,
                    awaiting_review: m.awaiting_review,
                });
            }
            continue;
        }
        let place = match (m.sprint.as_deref(), current_sprint) {
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
    let on_prerequisites = result.skipped_total - in_review;
    result.reason = if in_review > 0 && on_prerequisites == 0 {
        format!(
            "every open mission waits for a person to approve or reject its validation score ({in_review} waiting)"
        )
    } else if in_review > 0 {
        format!(
            "every open mission waits: {in_review} for a person's review, {on_prerequisites} on prerequisites"
        )
    } else if result.skipped_total > 0 {
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

/// The mission that completing another promotes to Current: the first ready one of `queued`
/// (the Queued missions in the order of work). None while `current` missions are Current, so
/// the queue never holds two "next" missions at once.
pub fn promote_from(
    current: usize,
    mut queued: impl Iterator<Item = MissionEntry>,
    gates: &impl Prerequisites,
) -> Option<MissionEntry> {
    if current > 0 {
        return None;
    }
    queued.find(|m| gates.unmet(m).is_empty())
}

/// The promotion candidate of the full index.
pub fn promotion_candidate(index: &Index) -> Option<MissionEntry> {
    Queue::new(index).promotion_candidate()
}
