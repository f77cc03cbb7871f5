//! A sprint's burndown, read-only: per day, how many missions the sprint held (its scope),
//! how many were Completed and how many remained, drawn from the missions' transitions, with
//! the ideal line from the sprint's start to its end when it has both dates.
//!
//! Scope is the sprint's missions as the branch holds them now. A mission's status on a day
//! is the last transition before that day ended (its first transition's `from` before that,
//! from its creation on); Deferred and Dropped missions are parked and leave the scope while
//! they are. A mission's sprint on a day comes from the moves the event log records (a
//! carry-forward, a change of sprint by `mission update`): a mission carried out of the sprint
//! still counts on the days it was in it, and one carried in counts from the move. A change
//! made another way (a hand edit, `mission edit`) leaves no such event: the mission then
//! counts as the sprint's for every day.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{Date, Mission, Sprint, Status, Timestamp};
use crate::next::Input;

/// The most days a burndown draws: a year and a day. A longer sprint shows its latest days.
pub const MAX_DAYS: usize = 366;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Burndown {
    pub sprint: String,
    pub title: String,
    /// The sprint's dates (YYYY-MM-DD), when it has them.
    pub start: Option<Date>,
    pub end: Option<Date>,
    /// One entry per day, oldest first, from the sprint's start (else its first activity) to
    /// its completion (else today); empty before the sprint starts.
    pub days: Vec<BurnDay>,
    /// The ideal remaining work per day from the start (the scope then) to the end (none
    /// left); empty unless the sprint has both dates.
    pub ideal: Vec<IdealPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BurnDay {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    /// Missions of the sprint that existed and were not parked at the end of the day.
    pub scope: usize,
    /// Of those, the Completed ones.
    pub done: usize,
    pub remaining: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdealPoint {
    pub date: String,
    pub remaining: f64,
}

/// The burndown of the sprint `sprint` names (by id, the original's id or its title), or of
/// the current sprint.
pub fn burndown(ws: &Workspace, sprint: Option<&str>) -> Result<Outcome<Burndown>> {
    let snapshot = ws.snapshot()?;
    let sprint = match sprint {
        Some(name) => snapshot.meta.resolve_sprint(name)?,
        None => snapshot.meta.current_sprint().ok_or_else(|| {
            Error::InvalidInput(
                "there is no current sprint to draw a burndown of: name a sprint".into(),
            )
            .needs(&[Input::SprintId])
        })?,
    }
    .clone();
    let in_sprint = snapshot.meta.sprint_matcher(&sprint.id);
    let index = snapshot.index()?;
    // Moves between sprints since the sprint began: the missions they took out of it count
    // on the days they were in it.
    let since = sprint
        .start
        .map_or(sprint.created_at, |d| d.start().min(sprint.created_at));
    let moves: Vec<SprintMove> = ws
        .store()
        .events_of_kinds(&snapshot, (since, None), &MOVE_EVENTS)?
        .into_iter()
        .map(|e| SprintMove {
            mission: e.target,
            at: e.at,
            from: e.from,
            to: e.to,
        })
        .filter(|m| in_sprint(m.from.as_deref()) || in_sprint(m.to.as_deref()))
        .collect();
    let mut ids: Vec<&str> = index
        .missions
        .values()
        .filter(|m| in_sprint(m.sprint.as_deref()))
        .map(|m| m.id.as_str())
        .chain(
            moves
                .iter()
                .filter(|m| index.missions.contains_key(m.mission.as_str()))
                .map(|m| m.mission.as_str()),
        )
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut missions = Vec::with_capacity(ids.len());
    for id in ids {
        missions.push(ws.store().mission(&snapshot, id)?);
    }
    let today = Timestamp::now().as_datetime().date_naive();
    let (chart, cut) = compute_with_moves(&sprint, &missions, &moves, &in_sprint, today);
    let mut outcome = Outcome::read(chart, &snapshot);
    if cut {
        outcome = outcome.warn(format!(
            "the sprint spans more than {MAX_DAYS} days: its latest {MAX_DAYS} are drawn"
        ));
    }
    Ok(outcome)
}

/// The events that move a mission between sprints, with the sprints as `from` and `to`.
pub const MOVE_EVENTS: [&str; 2] = ["mission.carried", "mission.sprint"];

/// A mission's move from one sprint to another, as the event log has it.
#[derive(Debug, Clone, PartialEq)]
pub struct SprintMove {
    pub mission: String,
    pub at: Timestamp,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The burndown of `sprint` over `missions` as of `today`, all of them the sprint's on every
/// day, and whether days were left out to keep within `MAX_DAYS`. Pure: the op reads the
/// records, this draws from them.
pub fn compute(sprint: &Sprint, missions: &[Mission], today: NaiveDate) -> (Burndown, bool) {
    compute_with_moves(sprint, missions, &[], &|_| true, today)
}

/// [`compute`] where a mission counts on the days it was in the sprint: its sprint now
/// (`is_this` tells whether a sprint field names this sprint), and before each of its
/// `moves`, the sprint that move took it from.
pub fn compute_with_moves(
    sprint: &Sprint,
    missions: &[Mission],
    moves: &[SprintMove],
    is_this: &dyn Fn(Option<&str>) -> bool,
    today: NaiveDate,
) -> (Burndown, bool) {
    let date = |t: Timestamp| t.as_datetime().date_naive();
    let start = sprint.start.map(|d| date(d.start()));
    let end = sprint.end.map(|d| date(d.start()));
    let first_activity = missions
        .iter()
        .flat_map(|m| std::iter::once(m.created_at).chain(m.transitions.iter().map(|t| t.at)))
        .min()
        .map(date);
    let first = start.or(first_activity).unwrap_or(date(sprint.created_at));
    let last = sprint.completed_at.map(date).unwrap_or(today).min(today);

    let mut days = Vec::new();
    let mut cut = false;
    if first <= last {
        let span = (last - first).num_days() as usize + 1;
        cut = span > MAX_DAYS;
        let from = if cut {
            last - Days::new(MAX_DAYS as u64 - 1)
        } else {
            first
        };
        let mut tracks: Vec<Track> = missions
            .iter()
            .map(|m| Track::new(m, moves, is_this))
            .collect();
        let mut day = from;
        while day <= last {
            // The state at the end of `day` is the state before the next day's midnight.
            let until = day
                .succ_opt()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp())
                .unwrap_or(i64::MAX);
            let (mut scope, mut done) = (0, 0);
            for track in &mut tracks {
                if !track.in_sprint_before(until) {
                    continue;
                }
                match track.status_before(until) {
                    Some(s) if parked(s) => {}
                    Some(s) => {
                        scope += 1;
                        done += usize::from(s == Status::Completed);
                    }
                    None => {}
                }
            }
            days.push(BurnDay {
                date: day.format("%Y-%m-%d").to_string(),
                scope,
                done,
                remaining: scope - done,
            });
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
    }

    let ideal = match (start, end) {
        (Some(start), Some(end)) if start <= end => {
            // The scope on the first day, or now when the sprint has not begun.
            let from = days
                .iter()
                .find(|d| d.date == start.format("%Y-%m-%d").to_string())
                .map(|d| d.scope)
                .unwrap_or_else(|| scope_now(missions, is_this)) as f64;
            ideal_line(start, end, from)
        }
        _ => Vec::new(),
    };
    let chart = Burndown {
        sprint: sprint.id.clone(),
        title: sprint.title.clone(),
        start: sprint.start,
        end: sprint.end,
        days,
        ideal,
    };
    (chart, cut)
}

/// Deferred and Dropped missions are parked: out of the sprint's scope while they are.
pub fn parked(status: Status) -> bool {
    matches!(status, Status::Deferred | Status::Dropped)
}

/// Missions of the sprint not parked now.
fn scope_now(missions: &[Mission], is_this: &dyn Fn(Option<&str>) -> bool) -> usize {
    missions
        .iter()
        .filter(|m| is_this(m.sprint.as_deref()) && !parked(m.status))
        .count()
}

/// A straight line from `from` on `start` to 0 on `end`, one point a day (at most
/// `MAX_DAYS`, the last of them always `end`).
fn ideal_line(start: NaiveDate, end: NaiveDate, from: f64) -> Vec<IdealPoint> {
    let span = (end - start).num_days().max(0) as u64;
    let step = span.div_ceil(MAX_DAYS as u64 - 1).max(1);
    let mut points = Vec::new();
    let mut offset = 0;
    loop {
        let offset_now = offset.min(span);
        let remaining = if span == 0 {
            0.0
        } else {
            from * (1.0 - offset_now as f64 / span as f64)
        };
        points.push(IdealPoint {
            date: (start + Days::new(offset_now))
                .format("%Y-%m-%d")
                .to_string(),
            remaining: (remaining * 100.0).round() / 100.0,
        });
        if offset_now == span {
            break;
        }
        offset += step;
    }
    points
}

/// One mission's status over time, read forward day by day.
struct Track {
    created: i64,
    initial: Status,
    transitions: Vec<(i64, Status)>,
    /// Transitions before the day being read: they only move forward.
    seen: usize,
    /// The mission's moves between sprints, by time: when, and whether it was in the sprint
    /// before that move.
    moves: Vec<(i64, bool)>,
    /// Whether it is in the sprint now, after its last move.
    now_in: bool,
    moves_seen: usize,
}

impl Track {
    fn new(m: &Mission, moves: &[SprintMove], is_this: &dyn Fn(Option<&str>) -> bool) -> Track {
        let mut own: Vec<(i64, bool)> = moves
            .iter()
            .filter(|mv| mv.mission == m.id)
            .map(|mv| (mv.at.unix_seconds(), is_this(mv.from.as_deref())))
            .collect();
        own.sort_by_key(|(at, _)| *at);
        let mut transitions: Vec<(i64, Status)> = m
            .transitions
            .iter()
            .map(|t| (t.at.unix_seconds(), t.to))
            .collect();
        // A merged branch may hold them out of order: time decides.
        transitions.sort_by_key(|(at, _)| *at);
        let initial = m
            .transitions
            .iter()
            .min_by_key(|t| t.at)
            .map_or(m.status, |t| t.from);
        Track {
            created: m.created_at.unix_seconds(),
            initial,
            transitions,
            seen: 0,
            moves: own,
            now_in: is_this(m.sprint.as_deref()),
            moves_seen: 0,
        }
    }

    /// Whether the mission was in the sprint before `until` (Unix seconds): the sprint the
    /// next move after it took it from, else its sprint now. Calls come with `until` growing.
    fn in_sprint_before(&mut self, until: i64) -> bool {
        while self
            .moves
            .get(self.moves_seen)
            .is_some_and(|(at, _)| *at < until)
        {
            self.moves_seen += 1;
        }
        self.moves
            .get(self.moves_seen)
            .map_or(self.now_in, |(_, was_in)| *was_in)
    }

    /// The status before `until` (Unix seconds); None when the mission did not exist yet.
    /// Calls must come with `until` growing.
    fn status_before(&mut self, until: i64) -> Option<Status> {
        while self
            .transitions
            .get(self.seen)
            .is_some_and(|(at, _)| *at < until)
        {
            self.seen += 1;
        }
        match self.seen {
            0 if self.created >= until => None,
            0 => Some(self.initial),
            n => Some(self.transitions[n - 1].1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SprintStatus, Transition};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn sprint(start: Option<&str>, end: Option<&str>) -> Sprint {
        let date = |d: &str| d.parse::<Date>().unwrap();
        Sprint {
            id: "S1".into(),
            uid: "u-S1".into(),
            title: "First".into(),
            focus: None,
            status: SprintStatus::Active,
            start: start.map(date),
            end: end.map(date),
            created_at: at("2026-11-01T08:00:00Z"),
            updated_at: at("2026-11-01T08:00:00Z"),
            completed_at: None,
            extra: Default::default(),
        }
    }

    /// A mission created at `created` that went through `moves` (time, to).
    fn mission(id: &str, created: &str, moves: &[(&str, Status)]) -> Mission {
        let mut m = Mission::new(id, format!("u-{id}"), id, at(created));
        let mut from = Status::Queued;
        for (when, to) in moves {
            m.transitions.push(Transition {
                at: at(when),
                from,
                to: *to,
                by: "t".into(),
                note: None,
                extra: Default::default(),
            });
            from = *to;
        }
        m.status = from;
        m
    }

    fn figures(b: &Burndown) -> Vec<(String, usize, usize, usize)> {
        let row = |d: &BurnDay| (d.date.clone(), d.scope, d.done, d.remaining);
        b.days.iter().map(row).collect()
    }

    /// The sprint of a mission on a day follows its moves: carried out on the 3rd, it counts
    /// on the 1st and 2nd only; carried in on the 2nd, from the 2nd on. A move named by the
    /// sprint's other spelling (`is_this`) counts too.
    #[test]
    fn a_mission_counts_on_the_days_it_was_in_the_sprint() {
        let mut out = mission("OUT", "2026-11-01T09:00:00Z", &[]);
        out.sprint = Some("S2".into());
        let mut came = mission("IN", "2026-10-20T09:00:00Z", &[]);
        came.sprint = Some("sprint-1".into());
        let mut stay = mission("STAY", "2026-11-01T09:00:00Z", &[]);
        stay.sprint = Some("S1".into());
        let moves = [
            SprintMove {
                mission: "OUT".into(),
                at: at("2026-11-03T10:00:00Z"),
                from: Some("S1".into()),
                to: Some("S2".into()),
            },
            SprintMove {
                mission: "IN".into(),
                at: at("2026-11-02T10:00:00Z"),
                from: Some("S0".into()),
                to: Some("sprint-1".into()),
            },
        ];
        let is_this = |s: Option<&str>| matches!(s, Some("S1" | "sprint-1"));
        let s = sprint(Some("2026-11-01"), Some("2026-11-04"));
        let (b, _) =
            compute_with_moves(&s, &[out, came, stay], &moves, &is_this, day("2026-11-04"));
        let scope: Vec<usize> = b.days.iter().map(|d| d.scope).collect();
        assert_eq!(scope, [2, 3, 2, 2], "{:?}", figures(&b));
    }

    #[test]
    fn each_day_counts_the_state_at_its_end() {
        let missions = [
            mission(
                "A",
                "2026-11-01T09:00:00Z",
                &[
                    ("2026-11-02T10:00:00Z", Status::InProgress),
                    ("2026-11-02T23:59:59Z", Status::Completed),
                ],
            ),
            mission(
                "B",
                "2026-11-01T09:00:00Z",
                &[("2026-11-04T00:00:00Z", Status::Completed)],
            ),
            // Added on the third day.
            mission("C", "2026-11-03T12:00:00Z", &[]),
        ];
        let s = sprint(Some("2026-11-01"), Some("2026-11-05"));
        let (b, cut) = compute(&s, &missions, day("2026-11-04"));
        assert!(!cut);
        let d = |date: &str, scope, done| (date.to_string(), scope, done, scope - done);
        assert_eq!(
            figures(&b),
            vec![
                d("2026-11-01", 2, 0),
                d("2026-11-02", 2, 1),
                d("2026-11-03", 3, 1),
                d("2026-11-04", 3, 2),
            ]
        );
        assert_eq!(b.start, s.start);
        // The ideal line starts from the scope of the first day and reaches 0 on the end.
        let ideal: Vec<f64> = b.ideal.iter().map(|p| p.remaining).collect();
        assert_eq!(ideal, vec![2.0, 1.5, 1.0, 0.5, 0.0]);
        assert_eq!(b.ideal.last().unwrap().date, "2026-11-05");
    }

    #[test]
    fn parked_missions_leave_the_scope_while_parked_and_come_back() {
        let missions = [mission(
            "A",
            "2026-11-01T09:00:00Z",
            &[
                ("2026-11-02T09:00:00Z", Status::Deferred),
                ("2026-11-03T09:00:00Z", Status::Queued),
            ],
        )];
        let (b, _) = compute(&sprint(None, None), &missions, day("2026-11-03"));
        let scope: Vec<usize> = b.days.iter().map(|d| d.scope).collect();
        assert_eq!(scope, vec![1, 0, 1]);
        assert!(b.ideal.is_empty(), "no dates, no ideal line");
    }

    #[test]
    fn without_dates_the_chart_runs_from_the_first_activity_to_today() {
        let missions = [mission("A", "2026-11-10T09:00:00Z", &[])];
        let (b, _) = compute(&sprint(None, None), &missions, day("2026-11-12"));
        assert_eq!(b.days.first().unwrap().date, "2026-11-10");
        assert_eq!(b.days.len(), 3);
    }

    #[test]
    fn a_completed_sprint_stops_at_its_completion_and_a_future_one_draws_nothing() {
        let missions = [mission("A", "2026-11-01T09:00:00Z", &[])];
        let mut s = sprint(Some("2026-11-01"), Some("2026-11-30"));
        s.completed_at = Some(at("2026-11-05T12:00:00Z"));
        let (b, _) = compute(&s, &missions, day("2026-12-20"));
        assert_eq!(b.days.last().unwrap().date, "2026-11-05");
        let future = sprint(Some("2027-01-01"), Some("2027-01-10"));
        let (b, _) = compute(&future, &missions, day("2026-12-20"));
        assert!(b.days.is_empty());
        // The ideal line still shows the plan, from the scope now.
        assert_eq!(b.ideal.first().unwrap().remaining, 1.0);
        assert_eq!(b.ideal.len(), 10);
    }

    #[test]
    fn a_sprint_longer_than_a_year_draws_its_latest_days_only() {
        let missions = [mission("A", "2020-01-01T09:00:00Z", &[])];
        let s = sprint(Some("2020-01-01"), Some("2030-01-01"));
        let (b, cut) = compute(&s, &missions, day("2026-11-30"));
        assert!(cut);
        assert_eq!(b.days.len(), MAX_DAYS);
        assert_eq!(b.days.last().unwrap().date, "2026-11-30");
        assert!(b.ideal.len() <= MAX_DAYS);
        assert_eq!(b.ideal.last().unwrap().date, "2030-01-01");
        assert_eq!(b.ideal.last().unwrap().remaining, 0.0);
    }

    #[test]
    fn transitions_out_of_order_are_read_by_time() {
        let mut m = mission(
            "A",
            "2026-11-01T09:00:00Z",
            &[
                ("2026-11-01T10:00:00Z", Status::InProgress),
                ("2026-11-02T10:00:00Z", Status::Completed),
            ],
        );
        m.transitions.reverse();
        let (b, _) = compute(&sprint(None, None), &[m], day("2026-11-02"));
        let done: Vec<usize> = b.days.iter().map(|d| d.done).collect();
        assert_eq!(done, vec![0, 1]);
    }

    #[test]
    fn dates_a_hand_edit_left_backwards_draw_no_ideal_line_and_far_times_stay_bounded() {
        let missions = [mission(
            "A",
            "0001-01-01T00:00:00Z",
            &[("9999-12-31T23:59:59Z", Status::Completed)],
        )];
        let s = sprint(Some("2026-11-10"), Some("2026-11-01"));
        let (b, _) = compute(&s, &missions, day("2026-11-12"));
        assert!(b.ideal.is_empty());
        assert_eq!(b.days.len(), 3);
        let undated = sprint(None, None);
        let (b, cut) = compute(&undated, &missions, day("2026-11-12"));
        assert!(cut);
        assert_eq!(b.days.len(), MAX_DAYS);
        assert!(b.days.iter().all(|d| d.done == 0 && d.scope == 1));
        let far = sprint(Some("0001-01-01"), Some("9999-12-31"));
        let (b, _) = compute(&far, &missions, day("2026-11-12"));
        assert!(b.ideal.len() <= MAX_DAYS, "{}", b.ideal.len());
    }
}
