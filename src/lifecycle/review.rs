//! The staleness rule of decisions and learnings: how old a record is in sprints, how stale
//! that makes it against the threshold, what to suggest, and which records may be reaffirmed.
//!
//! A record's age is the current sprint's place in the plan minus its own sprint's; a record
//! of no sprint ages on the wall clock, one sprint per 14 days. Score = min(age / threshold,
//! 1). A record is a candidate from half the threshold on. Evergreen records are never
//! candidates; a reaffirmed one is not for threshold × 14 days after it was reaffirmed.

use crate::error::{Error, Result};
use crate::model::{Item, ItemKind, ItemStatus, Timestamp};

/// Days of wall-clock time a sprint stands for, for records of no sprint.
pub const DAYS_PER_SPRINT: i64 = 14;
/// From this score on a record comes up for review.
pub const CANDIDATE_SCORE: f64 = 0.5;
/// From this score on a record without evidence is suggested for archiving.
pub const ARCHIVE_SCORE: f64 = 0.8;

/// What a review suggests for a stale record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggestion {
    /// It has grounds (linked work, the original's evidence, or it replaced an older
    /// decision): confirm it still holds and reaffirm it.
    Confirm,
    /// Read it again and decide.
    Review,
    /// Old and without grounds: archive it.
    Archive,
}

/// How a record's age was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgedBy {
    /// Sprints of the plan between its sprint and the current one.
    Sprints,
    /// Its age on the wall clock, one sprint per 14 days (a record of no sprint).
    WallClock,
}

/// What the rule reads of one record.
#[derive(Debug, Clone, Copy)]
pub struct Aging {
    /// Its sprint's place in the plan, when it belongs to a known sprint.
    pub sprint_position: Option<usize>,
    /// The current sprint's place in the plan, when there is one.
    pub current_position: Option<usize>,
    pub created_at: Timestamp,
    pub reviewed_at: Option<Timestamp>,
    pub evergreen: bool,
    /// It is linked to work or carries the original's evidence.
    pub evidence: bool,
    /// It replaced an older decision.
    pub supersedes: bool,
}

/// The verdict on a stale record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stale {
    pub age: u64,
    pub aged_by: AgedBy,
    /// min(age / threshold, 1), to 2 decimals.
    pub score: f64,
    pub suggestion: Suggestion,
}

/// Whether a record is stale against `threshold` sprints at `now`, and what to suggest;
/// None when it is not a candidate (evergreen, reaffirmed recently, or young).
pub fn staleness(r: &Aging, threshold: u32, now: Timestamp) -> Option<Stale> {
    if r.evergreen {
        return None;
    }
    let threshold = u64::from(threshold.max(1));
    let days = |since: Timestamp| ((now.unix_seconds() - since.unix_seconds()) / 86_400).max(0);
    if let Some(reviewed) = r.reviewed_at
        && (days(reviewed) as u64) < threshold * DAYS_PER_SPRINT as u64
    {
        return None;
    }
    let (age, aged_by) = match (r.sprint_position, r.current_position) {
        (Some(own), Some(current)) => (current.saturating_sub(own) as u64, AgedBy::Sprints),
        // No current sprint: nothing has moved on from the record's sprint.
        (Some(_), None) => (0, AgedBy::Sprints),
        (None, _) => (
            days(r.created_at) as u64 / DAYS_PER_SPRINT as u64,
            AgedBy::WallClock,
        ),
    };
    let score = (age as f64 / threshold as f64).min(1.0);
    let score = (score * 100.0).round() / 100.0;
    if score < CANDIDATE_SCORE {
        return None;
    }
    let suggestion = if r.evidence || r.supersedes {
        Suggestion::Confirm
    } else if score >= ARCHIVE_SCORE {
        Suggestion::Archive
    } else {
        Suggestion::Review
    };
    Some(Stale {
        age,
        aged_by,
        score,
        suggestion,
    })
}

/// The kinds a review covers: decisions and learnings.
pub fn check_review_kind(kind: ItemKind) -> Result<()> {
    match kind {
        ItemKind::Decision | ItemKind::Learning => Ok(()),
        other => Err(Error::InvalidInput(format!(
            "only decisions and learnings are reviewed for staleness, not a {other}"
        ))),
    }
}

/// Refuses to reaffirm a record that is no longer in force.
pub fn check_reaffirm(item: &Item) -> Result<()> {
    check_review_kind(item.kind)?;
    if item.status == ItemStatus::Active {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{} {} is {}; only an Active one can be reaffirmed",
        item.kind, item.id, item.status
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn aging(own: Option<usize>, current: Option<usize>) -> Aging {
        Aging {
            sprint_position: own,
            current_position: current,
            created_at: at("2026-01-01T00:00:00Z"),
            reviewed_at: None,
            evergreen: false,
            evidence: false,
            supersedes: false,
        }
    }

    #[test]
    fn age_in_sprints_scores_against_the_threshold_and_caps_at_one() {
        let now = at("2026-01-02T00:00:00Z");
        assert_eq!(staleness(&aging(Some(0), Some(9)), 20, now), None, "0.45");
        let half = staleness(&aging(Some(0), Some(10)), 20, now).unwrap();
        assert_eq!((half.age, half.score), (10, 0.5));
        assert_eq!(half.suggestion, Suggestion::Review);
        let archive = staleness(&aging(Some(2), Some(18)), 20, now).unwrap();
        assert_eq!(
            (archive.score, archive.suggestion),
            (0.8, Suggestion::Archive)
        );
        let old = staleness(&aging(Some(0), Some(50)), 20, now).unwrap();
        assert_eq!(old.score, 1.0);
        // A record of a later sprint than the current one is not old.
        assert_eq!(staleness(&aging(Some(5), Some(1)), 2, now), None);
    }

    #[test]
    fn a_record_of_no_sprint_ages_one_sprint_per_fourteen_days() {
        let r = aging(None, Some(3));
        // 55 days: 3 sprints of 14 days.
        let stale = staleness(&r, 4, at("2026-02-25T00:00:00Z")).unwrap();
        assert_eq!((stale.age, stale.aged_by), (3, AgedBy::WallClock));
        assert_eq!(stale.score, 0.75);
        assert_eq!(
            staleness(&r, 4, at("2026-01-27T00:00:00Z")),
            None,
            "1 sprint"
        );
    }

    #[test]
    fn evidence_or_a_supersession_is_confirmed_rather_than_archived() {
        let now = at("2026-01-02T00:00:00Z");
        let grounded = Aging {
            evidence: true,
            ..aging(Some(0), Some(20))
        };
        assert_eq!(
            staleness(&grounded, 20, now).unwrap().suggestion,
            Suggestion::Confirm
        );
        let replacing = Aging {
            supersedes: true,
            ..aging(Some(0), Some(20))
        };
        assert_eq!(
            staleness(&replacing, 20, now).unwrap().suggestion,
            Suggestion::Confirm
        );
    }

    #[test]
    fn evergreen_never_and_reaffirmed_not_within_threshold_times_fourteen_days() {
        let now = at("2026-06-01T00:00:00Z");
        let evergreen = Aging {
            evergreen: true,
            ..aging(Some(0), Some(99))
        };
        assert_eq!(staleness(&evergreen, 2, now), None);
        // Threshold 2: quiet for 28 days after the reaffirmation.
        let reviewed = Aging {
            reviewed_at: Some(at("2026-05-05T00:00:00Z")),
            ..aging(Some(0), Some(99))
        };
        assert_eq!(staleness(&reviewed, 2, now), None, "27 days");
        let later = at("2026-06-02T00:00:00Z");
        assert!(staleness(&reviewed, 2, later).is_some(), "28 days");
    }

    #[test]
    fn only_active_decisions_and_learnings_are_reaffirmed() {
        let t = at("2026-01-01T00:00:00Z");
        let mut item = Item::new(ItemKind::Learning, "l-1".into(), "x".into(), "a", t);
        assert!(check_reaffirm(&item).is_ok());
        item.status = ItemStatus::Archived;
        assert_eq!(check_reaffirm(&item).unwrap_err().code(), "refused");
        let fact = Item::new(ItemKind::Fact, "f-1".into(), "x".into(), "a", t);
        assert_eq!(check_reaffirm(&fact).unwrap_err().code(), "invalid_input");
    }
}
