//! Reading the metrics log of a branch tip. A metric line comes from whoever can push to the
//! branch: it is checked on load as on write (ids, the model's name), and a line that fails
//! is reported by path and line and skipped.

use super::{Snapshot, Store, load};
use crate::error::{FileProblem, Result};
use crate::format::layout;
use crate::model::{MAX_NAME_LEN, Metric, validate_id};

impl Store {
    /// Every metric at `snapshot` from the months since `since_month` (`yyyy-mm`, every month
    /// without it), with a problem for each line that does not parse, in shard order (a
    /// roll-up needs no order; a listing sorts what it keeps).
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
            let (lines, bad) = parse_metrics(&path, &bytes);
            metrics.extend(lines);
            problems.extend(bad);
        }
        Ok((metrics, problems))
    }
}

/// The metrics of one shard, and a problem for each line that does not parse or holds what
/// a write would refuse.
pub(super) fn parse_metrics(path: &str, bytes: &[u8]) -> (Vec<Metric>, Vec<FileProblem>) {
    let (mut metrics, mut problems) = (Vec::new(), Vec::new());
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = |message: String| FileProblem {
            path: path.to_string(),
            line: Some(n + 1),
            column: None,
            message,
        };
        match serde_json::from_slice::<Metric>(line) {
            Ok(metric) => match refused(&metric) {
                None => metrics.push(metric),
                Some(why) => problems.push(problem(why)),
            },
            Err(e) => problems.push(FileProblem {
                column: Some(e.column()),
                ..problem(e.to_string())
            }),
        }
    }
    (metrics, problems)
}

/// Why a write would have refused `metric`, if it would.
fn refused(metric: &Metric) -> Option<String> {
    for (kind, id) in [("session", &metric.session), ("mission", &metric.mission)] {
        if let Some(id) = id
            && let Err(e) = validate_id(kind, id)
        {
            return Some(e.to_string());
        }
    }
    // A sprint may be kept by its name (as imported sessions keep it).
    let names = [
        ("sprint", &metric.sprint),
        ("session type", &metric.session_type),
        ("model name", &metric.model),
    ];
    for (what, name) in names {
        let name = name.as_deref().unwrap_or_default();
        if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Some(format!(
                "the {what} must be one line of at most {MAX_NAME_LEN} characters"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metric_line_with_a_bad_id_or_model_is_a_problem_at_its_line() {
        let good = r#"{"uid":"u1","at":"2026-11-30T00:00:00Z","agent":"a","writer":"w","mission":"B1","tokens_in":3}"#;
        let bad_id = good.replace("\"B1\"", "\"../x\"");
        let bad_model = good.replace("\"tokens_in\":3", "\"model\":\"a\\u001b[2Jb\"");
        let text = format!("{good}\n{bad_id}\n\n{bad_model}\nnot json\n");
        let (metrics, problems) = parse_metrics("p.jsonl", text.as_bytes());
        assert_eq!(metrics.len(), 1);
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(4), Some(5)], "{problems:?}");
        assert!(problems[0].message.contains("mission"), "{problems:?}");
        assert!(problems[1].message.contains("model name"), "{problems:?}");
    }
}
