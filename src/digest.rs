//! What the frequent read commands need (counts, the missions in progress, current and
//! blocked, and the next mission), derived from the index once per branch tip and cached with
//! it, so `status`, `mission next` and every response's instructions cost the same at 10,000
//! missions as at 100. Pure data; computed only through the rules of `lifecycle`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::index::{Index, MissionEntry, StatusCounts};
use crate::lifecycle::{Queue, Skipped};
use crate::model::Status;

/// How many missions of each status the digest keeps; the rest are only counted.
pub const LISTED: usize = 20;

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
}

impl Digest {
    pub fn of(index: &Index) -> Digest {
        Self::of_queue(index, &Queue::new(index))
    }

    /// The digest from a queue the caller already computed.
    pub fn of_queue(index: &Index, queue: &Queue<'_>) -> Digest {
        let mut digest = Digest::default();
        for m in index.missions.values() {
            digest.totals.add(m.status);
            if let Some(sprint) = &m.sprint {
                digest
                    .sprint_counts
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
        digest.in_progress = first(Status::InProgress);
        digest.current = first(Status::Current);
        digest.blocked = first(Status::Blocked);
        let next = queue.next();
        digest.next = next.mission.cloned();
        digest.next_reason = next.reason;
        digest.skipped = next.skipped;
        digest.skipped_total = next.skipped_total;
        digest
    }

    /// Live counts for one sprint.
    pub fn sprint(&self, id: &str) -> StatusCounts {
        self.sprint_counts.get(id).cloned().unwrap_or_default()
    }
}
