//! The widths of the cells of `mission list`'s table, counted by status: with them the table is
//! laid out before its rows are read, so its first row is printed without reading the rest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MissionEntry;
use crate::model::Status;

/// The columns whose width follows the missions: id, sprint and rank (the status column's
/// follows the statuses, which the counts by status tell).
pub const VARYING: usize = 3;

/// The width in chars of the id, sprint and rank cells of `m`'s row ("-" when it has none).
pub fn cell_widths(m: &MissionEntry) -> [usize; VARYING] {
    let sprint = m.sprint.as_deref().map_or(1, |s| s.chars().count());
    let rank = m.rank.map_or(1, decimal_width);
    [m.id.chars().count(), sprint, rank]
}

/// How many chars `n` takes in decimal, its sign included (counted, not formatted: the
/// digest counts every mission's).
fn decimal_width(n: i64) -> usize {
    let digits = n
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |log| log as usize + 1);
    digits + usize::from(n < 0)
}

/// How many missions of each status have each width in each varying column. Kept exact by
/// every write (a count, not a maximum, so a removed mission takes its width with it), and
/// small: a project has a few widths per column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidthCounts {
    /// (status, column, width) to the number of missions.
    counts: BTreeMap<(Status, u8, u32), u32>,
}

impl WidthCounts {
    /// Counts the cells of `m`.
    pub fn add(&mut self, m: &MissionEntry) {
        for key in keys(m) {
            *self.counts.entry(key).or_default() += 1;
        }
    }

    /// Counts the cells of every mission of `missions`. They are tallied in an array by
    /// status, column and width, and only the tallies go into the map: an entry looked up in
    /// the map per cell took 520 instructions a mission, half of a digest of 100,000.
    pub fn of_all<'a>(missions: impl IntoIterator<Item = &'a MissionEntry>) -> WidthCounts {
        /// Widths below this are tallied in the array; wider cells go to the map at once.
        const TALLIED: usize = 64;
        let place = |status: Status, column: u8, width: u32| {
            ((status as usize * VARYING) + usize::from(column)) * TALLIED + width as usize
        };
        let mut tally = vec![0u32; Status::ALL.len() * VARYING * TALLIED];
        let mut counts = WidthCounts::default();
        for m in missions {
            for (status, column, width) in keys(m) {
                match (width as usize) < TALLIED {
                    true => tally[place(status, column, width)] += 1,
                    false => *counts.counts.entry((status, column, width)).or_default() += 1,
                }
            }
        }
        for &status in Status::ALL {
            for column in 0..VARYING as u8 {
                for width in 0..TALLIED as u32 {
                    let n = tally[place(status, column, width)];
                    if n > 0 {
                        counts.counts.insert((status, column, width), n);
                    }
                }
            }
        }
        counts
    }

    /// Takes the cells of `m` out of the counts.
    pub fn remove(&mut self, m: &MissionEntry) {
        for key in keys(m) {
            if let Some(n) = self.counts.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.counts.remove(&key);
                }
            }
        }
    }

    /// The widest cell of each varying column among the missions of `status` (of every
    /// status: None); 0 where there are none.
    pub fn widest(&self, status: Option<Status>) -> [usize; VARYING] {
        let mut widest = [0; VARYING];
        let wanted = self
            .counts
            .keys()
            .filter(|(s, _, _)| status.is_none_or(|wanted| *s == wanted));
        for (_, column, width) in wanted {
            let column = usize::from(*column);
            widest[column] = widest[column].max(*width as usize);
        }
        widest
    }
}

/// Where the cells of `m` are counted.
fn keys(m: &MissionEntry) -> impl Iterator<Item = (Status, u8, u32)> {
    let status = m.status;
    cell_widths(m)
        .into_iter()
        .zip(0u8..)
        .map(move |(width, column)| (status, column, u32::try_from(width).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, status: Status, sprint: Option<&str>, rank: Option<i64>) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 0,
            name: "n".into(),
            status,
            sprint: sprint.map(Into::into),
            rank,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    #[test]
    fn the_widest_cells_follow_the_missions_counted_and_their_status() {
        let long = entry(
            "mission-long-id",
            Status::Queued,
            Some("sprint-é"),
            Some(-120),
        );
        let short = entry("m-1", Status::Blocked, None, None);
        let mut counts = WidthCounts::default();
        assert_eq!(counts.widest(None), [0, 0, 0]);
        counts.add(&long);
        counts.add(&short);
        assert_eq!(counts.widest(None), [15, 8, 4], "chars, not bytes");
        assert_eq!(counts.widest(Some(Status::Blocked)), [3, 1, 1]);
        assert_eq!(counts.widest(Some(Status::Completed)), [0, 0, 0]);
        // Two missions of one width: the width stays until both are gone.
        let twin = entry("mission-long-id", Status::Queued, None, None);
        counts.add(&twin);
        counts.remove(&long);
        assert_eq!(counts.widest(Some(Status::Queued)), [15, 1, 1]);
        counts.remove(&twin);
        counts.remove(&short);
        assert_eq!(counts, WidthCounts::default());
    }

    #[test]
    fn counting_all_at_once_counts_as_one_by_one() {
        let long_id = "m".repeat(200);
        let mut missions = Vec::new();
        for (n, &status) in Status::ALL.iter().enumerate() {
            for width in [1, 2, 9, 63, 64, 65, 130] {
                let id = format!("{n}{}", "x".repeat(width - 1));
                missions.push(entry(&id, status, None, None));
                missions.push(entry(&id, status, Some("sprint-é"), Some(-(width as i64))));
            }
            missions.push(entry(
                &long_id,
                status,
                Some(&"s".repeat(70)),
                Some(i64::MIN),
            ));
        }
        // The tally is laid out by each status's place in the enum: every status has one.
        for (place, &status) in Status::ALL.iter().enumerate() {
            assert_eq!(status as usize, place, "{status:?}");
        }
        let mut one_by_one = WidthCounts::default();
        missions.iter().for_each(|m| one_by_one.add(m));
        assert_eq!(WidthCounts::of_all(&missions), one_by_one);
        assert_eq!(WidthCounts::of_all(&[]), WidthCounts::default());
    }

    #[test]
    fn a_rank_is_as_wide_as_its_decimal_text() {
        for n in [0, 1, 9, 10, -1, -10, 99, 100, i64::MAX, i64::MIN, -999_999] {
            assert_eq!(decimal_width(n), n.to_string().len(), "{n}");
        }
    }

    #[test]
    fn removing_what_was_never_counted_changes_nothing() {
        let mut counts = WidthCounts::default();
        counts.add(&entry("a", Status::Queued, None, None));
        let before = counts.clone();
        counts.remove(&entry("bb", Status::Queued, Some("S2"), Some(10)));
        assert_eq!(counts, before);
    }

    #[test]
    fn the_binary_form_round_trips() {
        let mut counts = WidthCounts::default();
        counts.add(&entry("task-1", Status::InProgress, Some("S1"), Some(3)));
        let bytes = postcard::to_allocvec(&counts).unwrap();
        assert_eq!(postcard::from_bytes::<WidthCounts>(&bytes).unwrap(), counts);
    }
}
