//! Reading the metrics log of a branch tip.

use super::{Snapshot, Store, load};
use crate::error::{FileProblem, Result};
use crate::format::{codec, layout};
use crate::model::Metric;

impl Store {
    /// Every metric at `snapshot` from the months since `since_month` (`yyyy-mm`, every month
    /// without it), with a problem for each line that does not parse, oldest first.
    pub fn metrics(
        &self,
        snapshot: &Snapshot<'_>,
        since_month: Option<&str>,
    ) -> Result<(Vec<Metric>, Vec<FileProblem>)> {
        let (mut metrics, mut problems) = (Vec::new(), Vec::new());
        for (path, blob) in load::log_shards(&self.repo, snapshot.tree, layout::METRICS)? {
            let month = path.rsplit('/').nth(1).unwrap_or_default();
            if since_month.is_some_and(|first| month < first) {
                continue;
            }
            let bytes = load::read_blob(&self.repo, blob)?;
            let (lines, bad) = codec::parse_lines::<Metric>(&path, &bytes);
            metrics.extend(lines);
            problems.extend(bad);
        }
        metrics.sort_by(|a: &Metric, b: &Metric| (a.at, &a.uid).cmp(&(b.at, &b.uid)));
        Ok((metrics, problems))
    }
}
