//! Metrics of sessions and missions (tokens, latency, accepted work, defects) and the
//! reports that roll them up per mission and per session type, with the estimate accuracy
//! of the missions completed in the period and what the confidence gate and the escalation
//! ladder decided.
//!
//! Metrics are append-only lines in per-writer shards (`.cmos/metrics/`), so two agents
//! adding metrics in different clones at once merge by sync without a conflict.

mod outcomes;
mod rollup;

pub use outcomes::GateOutcomes;

use serde::Serialize;

use super::mission::TimeReport;
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{Date, Metric, Minutes, Mission, Status, Timestamp, clean_name};
use crate::store::{MetricRef, Snapshot, Tx};

/// The measures of one metric as a caller gives them; at least one must be set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measures {
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub latency_ms: Option<u64>,
    pub accepted: Option<u64>,
    pub defects: Option<u64>,
    /// The model that did the work.
    pub model: Option<String>,
}

impl Measures {
    /// Whether any measure is given (a model name alone measures nothing).
    pub fn is_empty(&self) -> bool {
        self.tokens_in.is_none()
            && self.tokens_out.is_none()
            && self.latency_ms.is_none()
            && self.accepted.is_none()
            && self.defects.is_none()
    }

    /// Checks the measures, and the model name if there is one.
    fn checked(&self) -> Result<Measures> {
        if self.is_empty() {
            return Err(Error::InvalidInput(
                "a metric needs at least one measure: tokens in, tokens out, latency in milliseconds, accepted or defects".into(),
            ));
        }
        let model = match &self.model {
            Some(name) => Some(clean_name("model name", name)?),
            None => None,
        };
        Ok(Measures {
            model,
            ..self.clone()
        })
    }
}

/// Stages a metric for `session` and/or `mission` in `tx`: both must exist; the session's
/// type and the sprint are copied onto the metric so reports read the metrics log alone.
pub(crate) fn stage(
    tx: &mut Tx<'_>,
    session: Option<&str>,
    mission: Option<&str>,
    measures: &Measures,
) -> Result<Metric> {
    let measures = measures.checked()?;
    let session = match session {
        Some(id) => Some(tx.session(id)?),
        None => None,
    };
    let mission = match mission.or(session.as_ref().and_then(|s| s.mission.as_deref())) {
        Some(id) => Some(tx.require(id)?),
        None => None,
    };
    let sprint = session
        .as_ref()
        .and_then(|s| s.sprint.clone())
        .or_else(|| mission.as_ref().and_then(|m| m.sprint.clone()));
    let metric = Metric {
        uid: String::new(),
        at: tx.now(),
        agent: String::new(),
        writer: String::new(),
        session: session.as_ref().map(|s| s.id.clone()),
        session_type: session.as_ref().map(|s| s.kind.as_str().to_string()),
        mission: mission.map(|m| m.id),
        sprint,
        tokens_in: measures.tokens_in,
        tokens_out: measures.tokens_out,
        latency_ms: measures.latency_ms,
        accepted: measures.accepted,
        defects: measures.defects,
        model: measures.model,
    };
    // Returned as recorded: with the uid, agent and writer the write gives it.
    Ok(tx.put_metric(metric))
}

/// Records a metric, one commit. Without a session, the session open in this worktree;
/// without a mission, the session's mission, else this worktree's active mission. A metric
/// with neither is refused.
pub fn add(
    ws: &Workspace,
    session: Option<&str>,
    mission: Option<&str>,
    measures: &Measures,
) -> Result<Outcome<Metric>> {
    measures.checked()?;
    let session = match session {
        Some(id) => Some(id.to_string()),
        None => super::session::open_session(ws)?,
    };
    let mission = match (mission, &session) {
        (Some(id), _) => Some(id.to_string()),
        // The session's own mission is filled in when the metric is staged.
        (None, Some(_)) => None,
        (None, None) => ws.mission_or_active(None).ok().map(|s| s.id),
    };
    if session.is_none() && mission.is_none() {
        return Err(Error::InvalidInput(
            "a metric belongs to a session or a mission, and none is in context: no session is open in this worktree and no mission is active here; name one".into(),
        ));
    }
    let written = ws.store().write("metric.add", |tx| {
        let metric = stage(tx, session.as_deref(), mission.as_deref(), measures)?;
        let on = metric
            .session
            .clone()
            .or(metric.mission.clone())
            .unwrap_or_default();
        tx.set_subject(format!("metric add {on}"));
        Ok(metric)
    })?;
    Ok(written.into_outcome())
}

/// Metrics of a session or mission (every metric without either), newest first, at most
/// `limit`. Unreadable lines are skipped with a warning.
pub fn list(
    ws: &Workspace,
    session: Option<&str>,
    mission: Option<&str>,
    limit: usize,
) -> Result<Outcome<Vec<Metric>>> {
    let snapshot = ws.snapshot()?;
    let (log, problems) = ws.store().metric_log(&snapshot, None)?;
    let mut chosen: Vec<MetricRef<'_>> = log
        .iter()
        .filter(|m| session.is_none_or(|s| m.session == Some(s)))
        .filter(|m| mission.is_none_or(|id| m.mission == Some(id)))
        .collect();
    chosen.sort_by(|a, b| (b.at_seconds, b.uid).cmp(&(a.at_seconds, a.uid)));
    let metrics: Vec<Metric> = chosen.iter().take(limit).map(|m| m.to_metric()).collect();
    Ok(warn_unreadable(
        Outcome::read(metrics, &snapshot),
        &problems,
    ))
}

/// Says which lines of the metrics log were skipped (the first few; verify lists them all).
fn warn_unreadable<T>(
    mut outcome: Outcome<T>,
    problems: &[crate::error::FileProblem],
) -> Outcome<T> {
    for problem in problems.iter().take(20) {
        outcome = outcome.warn(format!("unreadable metric, skipped: {problem}"));
    }
    if problems.len() > 20 {
        outcome = outcome.warn_then(
            format!(
                "{} more unreadable metrics skipped; checking the branch lists them all",
                problems.len() - 20
            ),
            crate::next::Action::new(crate::next::Op::Verify),
        );
    }
    outcome
}

/// Which metrics a report covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Period {
    /// Metrics recorded since a day (the last seven days without one).
    Since(Option<Date>),
    /// Metrics of a sprint: written in it, or about one of its missions.
    Sprint(String),
}

/// Count, mean and median of one measure over the metrics that have it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stat {
    pub count: usize,
    pub total: u128,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

impl Stat {
    fn of(mut values: Vec<u64>) -> Stat {
        Stat::of_slice(&mut values)
    }

    /// The same, reordering `values`.
    fn of_slice(values: &mut [u64]) -> Stat {
        if values.is_empty() {
            return Stat::default();
        }
        let n = values.len();
        let total: u128 = values.iter().map(|v| u128::from(*v)).sum();
        // The middle value(s) without sorting everything: a report over 200,000 metrics
        // takes fifteen medians.
        let (below, middle, _) = values.select_nth_unstable(n / 2);
        let middle = *middle as f64;
        let median = match below.iter().max() {
            Some(lower) if n.is_multiple_of(2) => (*lower as f64 + middle) / 2.0,
            _ => middle,
        };
        Stat {
            count: n,
            total,
            mean: Some(total as f64 / n as f64),
            median: Some(median),
        }
    }
}

/// The roll-up of one group of metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rollup {
    /// The mission id or session type; `(none)` for metrics without one.
    pub key: String,
    /// Metrics in the group.
    pub metrics: usize,
    pub tokens_in: Stat,
    pub tokens_out: Stat,
    pub latency_ms: Stat,
    pub accepted: Stat,
    pub defects: Stat,
}

/// How one completed mission's time compared with its estimate.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateCheck {
    pub mission: String,
    #[serde(flatten)]
    pub time: TimeReport,
}

/// Estimate accuracy over the completed missions of the period that had an estimate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EstimateAccuracy {
    pub missions: Vec<EstimateCheck>,
    /// Mean and median of actual time as a percentage of the estimate (100 is on target).
    pub percent_of_estimate: Stat,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `weekly` or `sprint`.
    pub kind: &'static str,
    /// The first moment covered (weekly reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// The sprint covered (sprint reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    pub total: Rollup,
    pub by_mission: Vec<Rollup>,
    pub by_session_type: Vec<Rollup>,
    pub estimates: EstimateAccuracy,
    /// What the confidence gate and the escalation ladder decided in the period.
    pub validation: GateOutcomes,
}

/// The roll-up of the metrics of a period. Lines of the log that do not parse are skipped
/// with a warning (`cmos verify` names them by path and line).
pub fn report(ws: &Workspace, period: &Period) -> Result<Outcome<Report>> {
    let snapshot = ws.snapshot()?;
    let store = ws.store();
    let (since, sprint) = match period {
        Period::Since(day) => {
            let since = match day {
                Some(day) => day.start(),
                None => {
                    Timestamp::from_millis((Timestamp::now().unix_seconds() - 7 * 24 * 3600) * 1000)
                }
            };
            (Some(since), None)
        }
        Period::Sprint(name) => match snapshot.meta.find_sprint(name)? {
            Some(found) => (None, Some(found.id.clone())),
            None => return Err(snapshot.meta.missing("sprint", name)),
        },
    };
    let first_month = since.map(|t| t.as_datetime().format("%Y-%m").to_string());
    let (log, problems) = store.metric_log(&snapshot, first_month.as_deref())?;
    let index = snapshot.index()?;
    let in_sprint = |id: &str| {
        let sprint = sprint.as_deref();
        index
            .missions
            .get(id)
            .is_some_and(|e| e.sprint.as_deref() == sprint)
    };
    let keep = match (&since, &sprint) {
        (_, Some(sprint)) => rollup::Keep::Sprint(sprint, &in_sprint),
        (since, None) => rollup::Keep::Since(since.map_or(i64::MIN, |t| t.unix_seconds())),
    };
    let rolled = rollup::rollups(&log, &keep);
    let missions = decided_missions(ws, &snapshot, sprint.as_deref())?;
    let estimates = estimate_accuracy(&missions, since);
    let data = Report {
        kind: if sprint.is_some() { "sprint" } else { "weekly" },
        since,
        sprint,
        total: rolled.total,
        by_mission: rolled.by_mission,
        by_session_type: rolled.by_session_type,
        estimates,
        validation: outcomes::tally(missions.iter(), since),
    };
    Ok(warn_unreadable(Outcome::read(data, &snapshot), &problems))
}

/// The missions a report looks at for estimates and the gate's decisions, read once: those
/// of the sprint, or (weekly) the Completed ones and those the index marks as scored or
/// escalated, whatever their status, in id order. Other records are never read.
fn decided_missions(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    sprint: Option<&str>,
) -> Result<Vec<Mission>> {
    let index = snapshot.index()?;
    let mut ids: Vec<&String> = index
        .missions
        .iter()
        .filter(|(_, e)| match sprint {
            Some(s) => e.sprint.as_deref() == Some(s),
            None => e.status == Status::Completed || e.decided,
        })
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    ids.into_iter()
        .map(|id| ws.store().mission(snapshot, id))
        .collect()
}

/// The completed missions of the period (of the sprint, or completed since `since`) that
/// had an estimate, and how far off it was.
fn estimate_accuracy(missions: &[Mission], since: Option<Timestamp>) -> EstimateAccuracy {
    let now = Timestamp::now();
    let missions: Vec<EstimateCheck> = missions
        .iter()
        .filter(|m| m.status == Status::Completed && m.estimate.is_some())
        .filter(|m| since.is_none_or(|t| m.completed_at.is_some_and(|c| c >= t)))
        .map(|m| EstimateCheck {
            mission: m.id.clone(),
            time: TimeReport::new(m.estimate, m.time_spent(now)),
        })
        .collect();
    let percents = missions
        .iter()
        .filter_map(|m| m.time.percent_of_estimate)
        .collect();
    EstimateAccuracy {
        missions,
        percent_of_estimate: Stat::of(percents),
    }
}

/// How a mission's time In Progress compares with its estimate, and the sentence that says
/// so; None without an estimate.
pub(crate) fn estimate_check(mission: &Mission, now: Timestamp) -> Option<(TimeReport, String)> {
    let estimate = mission.estimate?;
    let report = TimeReport::new(Some(estimate), mission.time_spent(now));
    let worked = report.spent.worked;
    let how = match report.percent_of_estimate {
        Some(p) if p > 100 => format!(
            "{p}% of the estimate, over by {}",
            Minutes(worked.0 - estimate.0)
        ),
        Some(p) => format!("{p}% of the estimate"),
        None => "no time was estimated".to_string(),
    };
    Some((
        report,
        format!("worked {worked} of {estimate} estimated ({how})"),
    ))
}

/// The sentence that tells the agent a mission In Progress has run past its estimate.
pub(crate) fn past_estimate(mission: &Mission, now: Timestamp) -> Option<String> {
    let estimate = mission.estimate?;
    let worked = mission.time_spent(now).worked;
    (mission.status == Status::InProgress && worked > estimate).then(|| {
        format!(
            "Mission {} has been In Progress for {worked}, past its estimate of {estimate}: re-estimate it (or split it) so the plan stays honest.",
            mission.id
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_gives_mean_and_median_of_odd_and_even_counts() {
        let odd = Stat::of(vec![5, 1, 3]);
        assert_eq!((odd.count, odd.total), (3, 9));
        assert_eq!((odd.mean, odd.median), (Some(3.0), Some(3.0)));
        let even = Stat::of(vec![4, 1, 10, 2]);
        assert_eq!(even.median, Some(3.0));
        assert_eq!(even.mean, Some(4.25));
        assert_eq!(Stat::of(Vec::new()), Stat::default());
    }

    proptest::proptest! {
        #[test]
        fn stat_median_is_the_middle_of_the_sorted_values(
            values in proptest::collection::vec(0u64..50, 1..40)
        ) {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let n = sorted.len();
            let expected = if n % 2 == 1 {
                sorted[n / 2] as f64
            } else {
                (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0
            };
            proptest::prop_assert_eq!(Stat::of(values).median, Some(expected));
        }
    }

    #[test]
    fn stat_total_does_not_overflow_on_huge_values() {
        let huge = Stat::of(vec![u64::MAX, u64::MAX]);
        assert_eq!(huge.total, 2 * u128::from(u64::MAX));
    }

    #[test]
    fn measures_without_a_measure_are_refused() {
        let only_model = Measures {
            model: Some("m".into()),
            ..Measures::default()
        };
        let err = only_model.checked().unwrap_err();
        assert!(err.to_string().contains("at least one measure"), "{err}");
    }
}
