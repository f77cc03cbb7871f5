//! Reading the metrics log of a branch tip. A metric line comes from whoever can push to the
//! branch: it is checked on load as on write (ids, the model's name), and a line that fails
//! is reported by path and line and skipped.
//!
//! Parsing is what a report over a large log costs (200,000 metrics are 55 MB of JSON), so
//! each shard's parsed form is kept in a local cache keyed by the shard's blob id (`cache`):
//! a report parses only the shards that changed since the last read.

mod cache;
mod shard;

use std::collections::HashMap;

use gix::ObjectId;

pub use shard::{MetricRef, Numbered, Shard};

use super::{Snapshot, Store, load};
use crate::error::{FileProblem, Result};
use crate::format::layout;
use crate::model::Metric;

/// The metrics of a branch tip, as parsed shards.
#[derive(Debug, Default)]
pub struct MetricLog {
    shards: Vec<Shard>,
}

impl MetricLog {
    /// Every metric, in shard order (a roll-up needs no order; a listing sorts).
    pub fn iter(&self) -> impl Iterator<Item = MetricRef<'_>> + '_ {
        self.shards.iter().flat_map(Shard::iter)
    }

    /// A log of these shards (for tests and tools that parse shards themselves).
    pub fn from_shards(shards: Vec<Shard>) -> MetricLog {
        MetricLog { shards }
    }

    /// The parsed shards, in shard order.
    pub fn shards(&self) -> &[Shard] {
        &self.shards
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(Shard::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Store {
    /// Every metric at `snapshot` from the months since `since_month` (`yyyy-mm`, every month
    /// without it), with a problem for each line that does not parse, in shard order.
    pub fn metrics(
        &self,
        snapshot: &Snapshot<'_>,
        since_month: Option<&str>,
    ) -> Result<(Vec<Metric>, Vec<FileProblem>)> {
        let (log, problems) = self.metric_log(snapshot, since_month)?;
        Ok((log.iter().map(|m| m.to_metric()).collect(), problems))
    }

    /// The same, without copying each metric out of its shard: what a roll-up reads.
    pub fn metric_log(
        &self,
        snapshot: &Snapshot<'_>,
        since_month: Option<&str>,
    ) -> Result<(MetricLog, Vec<FileProblem>)> {
        let shards = load::log_shards(&self.repo, snapshot.tree, layout::METRICS)?;
        let path = self.local.shared_dir.join("metrics-cache");
        let cached = cache::load(&path);
        let (mut log, mut problems) = (MetricLog::default(), Vec::new());
        let mut parsed: HashMap<ObjectId, Vec<u8>> = HashMap::new();
        for (path, blob) in &shards {
            let month = path.rsplit('/').nth(1).unwrap_or_default();
            if since_month.is_some_and(|first| month < first) {
                continue;
            }
            let shard = match cached.as_ref().and_then(|c| c.shard(blob)) {
                Some(shard) => shard,
                None => {
                    let shard = Shard::parse(&load::read_blob(&self.repo, *blob, path)?);
                    parsed.extend(shard.encode().map(|bytes| (*blob, bytes)));
                    shard
                }
            };
            problems.extend(shard.problems_at(path));
            log.shards.push(shard);
        }
        // Two shards with the same content are one blob, cached once.
        let mut live: Vec<ObjectId> = shards.iter().map(|(_, blob)| *blob).collect();
        live.sort_unstable();
        live.dedup();
        let stale = cached.as_ref().is_some_and(|c| c.holds_other_than(&live));
        if !parsed.is_empty() || stale {
            // Keep every shard of this tree the cache has or this read parsed, nothing else.
            let mut entries: Vec<(ObjectId, &[u8])> = Vec::with_capacity(live.len());
            for blob in live {
                let fresh = parsed.get(&blob).map(Vec::as_slice);
                let kept = fresh.or_else(|| cached.as_ref().and_then(|c| c.raw(&blob)));
                entries.extend(kept.map(|bytes| (blob, bytes)));
            }
            cache::save(&path, &entries);
        }
        Ok((log, problems))
    }
}

/// The metrics of one shard, and a problem for each line that does not parse or holds what
/// a write would refuse.
pub(super) fn parse_metrics(path: &str, bytes: &[u8]) -> (Vec<Metric>, Vec<FileProblem>) {
    let shard = Shard::parse(bytes);
    let metrics = shard.iter().map(|m| m.to_metric()).collect();
    (metrics, shard.problems_at(path).collect())
}
