//! What the frequent read commands need (counts, the missions in progress, current and
//! blocked, and the next mission), derived from the index once per branch tip and cached with
//! it, so `status`, `mission next` and every response's instructions cost the same at 10,000
//! missions as at 100. Pure data; computed only through the rules of `lifecycle`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::index::{Index, MissionEntry, StatusCounts, WidthCounts};
use crate::lifecycle::{Next, Queue, Skipped, Unmet};
use crate::model::Status;

/// How many missions of each status the digest keeps; the rest are only counted.
pub const LISTED: usize = 20;

/// The statuses whose first missions the digest lists.
pub const LISTED_STATUSES: [Status; 3] = [Status::InProgress, Status::Current, Status::Blocked];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub totals: StatusCounts,
    /// Counts per sprint id; missions without a sprint are only in the totals.
    pub sprint_counts: BTreeMap<String, StatusCounts>,
    /// The first missions of each status, in the order of work.
    pub in_progress: Vec<MissionEntry>,
    pub current: Vec<MissionEntry>,
    pub blocked: Vec<MissionEntry>,
    /// The one mission to work on now, and why (or why there is none).
    pub next: Option<MissionEntry>,
    pub next_reason: String,
    pub skipped: Vec<Skipped>,
    pub skipped_total: usize,
    /// The widths of `mission list`'s cells, by status (the cache's form only).
    #[serde(skip)]
    pub widths: WidthCounts,
}

impl Digest {
    pub fn of(index: &Index) -> Digest {
        Self::of_queue(index, &Queue::new(index))
    }

    /// The digest of `index`, reusing a queue the caller already built.
    pub fn of_queue(index: &Index, queue: &Queue<'_>) -> Digest {
        Self::of_queue_and_waiting(index, queue).0
    }

    /// [`Digest::of_queue`], and the unmet prerequisites of the missions its next mission was
    /// chosen over (see [`Queue::next_and_waiting`]).
    pub fn of_queue_and_waiting(
        index: &Index,
        queue: &Queue<'_>,
    ) -> (Digest, BTreeMap<String, Vec<Unmet>>) {
        let mut totals = StatusCounts::default();
        let mut sprint_counts: BTreeMap<String, StatusCounts> = BTreeMap::new();
        let widths = WidthCounts::of_all(index.missions.values());
        for m in index.missions.values() {
            totals.add(m.status);
            if let Some(sprint) = &m.sprint {
                sprint_counts
                    .entry(sprint.clone())
                    .or_default()
                    .add(m.status);
            }
        }
        let first = |status: Status| -> Vec<MissionEntry> {
            queue
                .in_order(|m| m.status == status)
                .take(LISTED)
                .cloned()
                .collect()
        };
        let (next, waiting) = queue.next_and_waiting();
        let digest = Self::assemble((totals, widths), sprint_counts, first, next);
        (digest, waiting)
    }

    /// Puts a digest together from its parts; `first` gives the first missions of a status
    /// in the order of work. Every way of computing a digest ends here.
    pub fn assemble(
        (totals, widths): (StatusCounts, WidthCounts),
        sprint_counts: BTreeMap<String, StatusCounts>,
        mut first: impl FnMut(Status) -> Vec<MissionEntry>,
        next: Next,
    ) -> Digest {
        Digest {
            totals,
            sprint_counts,
            in_progress: first(Status::InProgress),
            current: first(Status::Current),
            blocked: first(Status::Blocked),
            next: next.mission,
            next_reason: next.reason,
            skipped: next.skipped,
            skipped_total: next.skipped_total,
            widths,
        }
    }

    /// Live counts for one sprint.
    pub fn sprint(&self, id: &str) -> StatusCounts {
        self.sprint_counts.get(id).cloned().unwrap_or_default()
    }
}
