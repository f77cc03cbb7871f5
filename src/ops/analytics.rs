//! Sprint analytics, read-only: the figures of the newest Active and Completed sprints, one
//! retro each (`retro::build`, so a sprint's analytics and its retro never disagree), with
//! velocity, averages, trends over the window and highlights in words.

use serde::Serialize;

use super::retro::{self, Kpis, Sources};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{Sprint, SprintStatus};

/// How many sprints a report looks at unless asked otherwise.
pub const DEFAULT_LIMIT: usize = 10;
/// The most it looks at: each sprint is one retro.
pub const MAX_LIMIT: usize = 100;
/// A change of more than this share, in percent, is a trend; within it the series is stable.
const TREND_PERCENT: f64 = 10.0;

/// How the sprints were chosen and counted, said once in the report.
const COUNTING_RULE: &str = "Sprints that are Active or Completed, in plan order (start date, \
creation, then id with numbers compared as numbers); the newest are taken, shown oldest first. \
A sprint's total is its owned missions: Deferred and Dropped ones are parked, counted apart. \
Velocity is the mean of completed missions over Completed sprints only; the average cycle time \
is the mean of the sprints' averages; the overall completion rate is completed over owned, all \
sprints of the window together. A trend compares the mean of the window's first half with its \
second half (split at half the count, rounded down): more than 10% up is increasing, more than \
10% down decreasing, else stable.";

#[derive(Debug, Serialize)]
pub struct Analytics {
    pub window: Window,
    /// The sprints of the window, oldest first.
    pub sprints: Vec<SprintFigures>,
    /// Mean completed missions over the window's Completed sprints; None without any.
    pub velocity: Option<f64>,
    /// Mean of the per-sprint average cycle times that exist, in days.
    pub average_cycle_days: Option<f64>,
    /// round(completed / owned × 100) over the whole window; None when nothing is owned.
    pub completion_rate: Option<u8>,
    pub trends: Trends,
    /// What the figures say, in sentences.
    pub highlights: Vec<String>,
    pub counting_rule: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Window {
    /// The number of sprints asked for.
    pub requested: usize,
    /// The number of sprints in the report (fewer when the project has fewer).
    pub count: usize,
    pub oldest: Option<String>,
    pub newest: Option<String>,
}

/// One sprint's figures, as its retro counts them.
#[derive(Debug, Serialize)]
pub struct SprintFigures {
    pub id: String,
    pub title: String,
    pub status: SprintStatus,
    /// Owned missions: parked ones excluded.
    pub total: usize,
    pub completed: usize,
    pub blocked: usize,
    pub parked: usize,
    pub completion_rate: Option<u8>,
    pub average_cycle_days: Option<f64>,
    pub decisions: usize,
    pub learnings: usize,
    pub sessions: usize,
    pub linked_sessions: usize,
}

impl SprintFigures {
    fn of(sprint: &Sprint, k: &Kpis) -> Self {
        SprintFigures {
            id: sprint.id.clone(),
            title: sprint.title.clone(),
            status: sprint.status,
            total: k.owned,
            completed: k.completed,
            blocked: k.blocked,
            parked: k.parked,
            completion_rate: k.completion_rate,
            average_cycle_days: k.average_cycle_days,
            decisions: k.decisions,
            learnings: k.learnings,
            sessions: k.sessions,
            linked_sessions: k.linked_sessions,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Trends {
    /// Completed missions per sprint.
    pub velocity: Trend,
    pub completion_rate: Trend,
    /// Decisions recorded per sprint.
    pub decisions: Trend,
    /// Average cycle time per sprint (increasing is slower).
    pub cycle_time: Trend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increasing,
    Decreasing,
    Stable,
}

#[derive(Debug, Serialize)]
pub struct Trend {
    pub direction: Direction,
    /// (second − first) / first × 100, to 2 decimals; 100 when the first half is 0 and the
    /// second is not; None when a half has no value to average.
    pub change_percent: Option<f64>,
    /// The means of the two halves (None where a half has no value).
    pub first: Option<f64>,
    pub second: Option<f64>,
}

/// The analytics of the newest `limit` Active or Completed sprints.
pub fn analytics(ws: &Workspace, limit: usize) -> Result<Outcome<Analytics>> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::InvalidInput(format!(
            "the number of sprints must be between 1 and {MAX_LIMIT}, not {limit}"
        )));
    }
    let snapshot = ws.snapshot()?;
    let ran: Vec<&Sprint> = snapshot
        .meta
        .sprints_in_order()
        .into_iter()
        .filter(|s| matches!(s.status, SprintStatus::Active | SprintStatus::Completed))
        .collect();
    let window = &ran[ran.len().saturating_sub(limit)..];
    let sources = Sources::load(ws, &snapshot)?;
    let mut sprints = Vec::with_capacity(window.len());
    for sprint in window {
        let retro = retro::build(ws, &snapshot, &sources, (*sprint).clone())?;
        sprints.push(SprintFigures::of(sprint, &retro.kpis));
    }
    let report = report(limit, sprints);
    let mut outcome = Outcome::read(report, &snapshot);
    if sources.untagged_sessions > 0 {
        outcome = outcome.warn(retro::untagged_warning(sources.untagged_sessions));
    }
    Ok(outcome)
}

/// The aggregates, trends and highlights of figures already in order.
fn report(requested: usize, sprints: Vec<SprintFigures>) -> Analytics {
    let completed_sprints: Vec<f64> = sprints
        .iter()
        .filter(|s| s.status == SprintStatus::Completed)
        .map(|s| s.completed as f64)
        .collect();
    let cycles: Vec<f64> = sprints
        .iter()
        .filter_map(|s| s.average_cycle_days)
        .collect();
    let (completed, owned) = sprints
        .iter()
        .fold((0, 0), |(c, o), s| (c + s.completed, o + s.total));
    let series = |f: &dyn Fn(&SprintFigures) -> Option<f64>| -> Vec<Option<f64>> {
        sprints.iter().map(f).collect()
    };
    let trends = Trends {
        velocity: trend(&series(&|s| Some(s.completed as f64))),
        completion_rate: trend(&series(&|s| s.completion_rate.map(f64::from))),
        decisions: trend(&series(&|s| Some(s.decisions as f64))),
        cycle_time: trend(&series(&|s| s.average_cycle_days)),
    };
    let mut analytics = Analytics {
        window: Window {
            requested,
            count: sprints.len(),
            oldest: sprints.first().map(|s| s.id.clone()),
            newest: sprints.last().map(|s| s.id.clone()),
        },
        velocity: mean(&completed_sprints),
        average_cycle_days: mean(&cycles),
        completion_rate: (owned > 0)
            .then(|| (completed as f64 * 100.0 / owned as f64).round() as u8),
        trends,
        highlights: Vec::new(),
        counting_rule: COUNTING_RULE,
        sprints,
    };
    analytics.highlights = highlights(&analytics);
    analytics
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| round2(values.iter().sum::<f64>() / values.len() as f64))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The first half of `values` (split at floor(n/2)) against the second; a sprint without a
/// value (no owned mission, no cycle time) is left out of its half's mean.
pub fn trend(values: &[Option<f64>]) -> Trend {
    let stable = |first, second| Trend {
        direction: Direction::Stable,
        change_percent: None,
        first,
        second,
    };
    if values.len() < 2 {
        return stable(None, None);
    }
    let (a, b) = values.split_at(values.len() / 2);
    let half = |v: &[Option<f64>]| mean(&v.iter().flatten().copied().collect::<Vec<_>>());
    let (Some(first), Some(second)) = (half(a), half(b)) else {
        return stable(half(a), half(b));
    };
    let change = if first == 0.0 {
        // No base to compare with: any rise is a full rise, nothing at all is no change.
        if second == 0.0 { 0.0 } else { 100.0 }
    } else {
        round2((second - first) / first * 100.0)
    };
    let direction = if change > TREND_PERCENT {
        Direction::Increasing
    } else if change < -TREND_PERCENT {
        Direction::Decreasing
    } else {
        Direction::Stable
    };
    Trend {
        direction,
        change_percent: Some(change),
        first: Some(first),
        second: Some(second),
    }
}

fn signed(change: Option<f64>) -> String {
    change.map_or(String::new(), |c| format!(" ({c:+.0}%)"))
}

fn highlights(a: &Analytics) -> Vec<String> {
    let mut out = Vec::new();
    if a.sprints.is_empty() {
        out.push("No Active or Completed sprint yet: nothing to measure.".into());
        return out;
    }
    let t = &a.trends;
    match t.velocity.direction {
        Direction::Increasing => out.push(format!(
            "Velocity is up{}: more missions completed per sprint.",
            signed(t.velocity.change_percent)
        )),
        Direction::Decreasing => out.push(format!(
            "Velocity is down{}: fewer missions completed per sprint.",
            signed(t.velocity.change_percent)
        )),
        Direction::Stable => {}
    }
    match a.velocity {
        Some(v) => out.push(format!(
            "Average velocity: {v:.2} missions completed per Completed sprint."
        )),
        None => out.push("No Completed sprint in the window: velocity n/a.".into()),
    }
    match a.completion_rate {
        Some(rate) => out.push(format!(
            "Overall completion: {rate}% of owned missions{}.",
            match t.completion_rate.direction {
                Direction::Increasing => ", rising",
                Direction::Decreasing => ", falling",
                Direction::Stable => "",
            }
        )),
        None => out.push("No owned missions in the window: completion rate n/a.".into()),
    }
    match t.decisions.direction {
        Direction::Increasing => out.push(format!(
            "More decisions recorded per sprint{}.",
            signed(t.decisions.change_percent)
        )),
        Direction::Decreasing => out.push(format!(
            "Fewer decisions recorded per sprint{}: is the reasoning still captured?",
            signed(t.decisions.change_percent)
        )),
        Direction::Stable => {}
    }
    match t.cycle_time.direction {
        // A shorter cycle time is the better one.
        Direction::Decreasing => out.push(format!(
            "Cycle time is improving{}.",
            signed(t.cycle_time.change_percent)
        )),
        Direction::Increasing => out.push(format!(
            "Cycle time is worsening{}.",
            signed(t.cycle_time.change_percent)
        )),
        Direction::Stable => {}
    }
    if a.sprints.len() >= 3
        && let Some(peak) = a
            .sprints
            .iter()
            .filter(|s| s.completed > 0)
            // The first of equal peaks: max_by keeps the last, so compare in reverse order.
            .rev()
            .max_by_key(|s| s.completed)
    {
        out.push(format!(
            "Peak sprint: {} with {} completed.",
            peak.id,
            retro::plural(peak.completed, "mission", "missions")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().copied().map(Some).collect()
    }

    #[test]
    fn a_trend_compares_the_halves_split_at_half_the_count_rounded_down() {
        // n = 3: the first half is one sprint, the second two.
        let t = trend(&values(&[2.0, 2.0, 4.0]));
        assert_eq!((t.first, t.second), (Some(2.0), Some(3.0)));
        assert_eq!(t.change_percent, Some(50.0));
        assert_eq!(t.direction, Direction::Increasing);
        let down = trend(&values(&[4.0, 4.0, 2.0, 3.0]));
        assert_eq!(down.change_percent, Some(-37.5));
        assert_eq!(down.direction, Direction::Decreasing);
    }

    #[test]
    fn ten_percent_either_way_is_stable_and_zero_starts_count_as_a_hundred() {
        assert_eq!(
            trend(&values(&[10.0, 11.0])).direction,
            Direction::Stable,
            "+10% exactly is not more than 10%"
        );
        assert_eq!(trend(&values(&[10.0, 9.0])).direction, Direction::Stable);
        let from_zero = trend(&values(&[0.0, 3.0]));
        assert_eq!(from_zero.change_percent, Some(100.0));
        assert_eq!(from_zero.direction, Direction::Increasing);
        let zeros = trend(&values(&[0.0, 0.0]));
        assert_eq!(zeros.change_percent, Some(0.0));
        assert_eq!(zeros.direction, Direction::Stable);
    }

    #[test]
    fn fewer_than_two_sprints_or_an_empty_half_is_stable() {
        assert_eq!(trend(&values(&[5.0])).direction, Direction::Stable);
        assert_eq!(trend(&[]).direction, Direction::Stable);
        let gap = trend(&[None, Some(2.0)]);
        assert_eq!(
            (gap.direction, gap.change_percent),
            (Direction::Stable, None)
        );
    }
}
