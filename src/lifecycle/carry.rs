//! What a sprint's carry-forward may move to another sprint: its open missions and its open
//! next steps, and into which sprints. Work waiting for review and parked work stay.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Sprint, SprintStatus, Status};
use crate::next::{Action, Input, Op};

/// What a carry-forward does with one mission of the sprint it empties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissionCarry {
    /// Open work (Queued, Current, In Progress, Blocked): it moves, status and history kept.
    Move,
    /// Finished work waiting for a person's review: its work was done in this sprint, so the
    /// review's outcome belongs to it too. It stays, reported.
    AwaitingReview,
    /// Deferred or Dropped: parked, not owed by any sprint. It stays where it was parked,
    /// reported, and is planned into a sprint of its own when it is taken up again.
    Parked,
    /// Completed: nothing to carry, not reported.
    Done,
}

impl MissionCarry {
    /// Why a mission that stays is not carried, in domain words.
    pub fn reason(self, status: Status) -> Option<String> {
        match self {
            MissionCarry::Move | MissionCarry::Done => None,
            MissionCarry::AwaitingReview => Some(format!(
                "{status} and waiting for review: its work was done in this sprint, so it stays to be approved or sent back there"
            )),
            MissionCarry::Parked => Some(format!(
                "parked ({status}): no sprint owes it; it stays, and is planned into a sprint when it is taken up again"
            )),
        }
    }
}

/// The rule for one mission of a sprint being carried forward.
pub fn mission_carry(status: Status, awaiting_review: bool) -> MissionCarry {
    match status {
        Status::Completed => MissionCarry::Done,
        Status::Deferred | Status::Dropped => MissionCarry::Parked,
        _ if awaiting_review => MissionCarry::AwaitingReview,
        _ => MissionCarry::Move,
    }
}

/// Refuses to carry a sprint's work into itself or into a Completed sprint (which owes
/// nothing any more). A Completed source is fine: closing first and carrying after is usual.
pub fn check_carry_forward(from: &Sprint, to: &Sprint) -> Result<()> {
    if from.id == to.id {
        return Err(Error::InvalidInput(format!(
            "sprint {} cannot carry its work into itself: name another sprint to carry it to",
            from.id
        ))
        .then(Action::new(Op::SprintList)));
    }
    if to.status == SprintStatus::Completed {
        return Err(Error::Refused(format!(
            "sprint {} is Completed; work cannot be carried into it: carry it to a Planned or Active sprint, or add one",
            to.id
        ))
        .then(Action::new(Op::SprintList))
        .then(
            Action::new(Op::SprintAdd)
                .needs(Input::SprintId)
                .needs(Input::Title),
        ));
    }
    Ok(())
}

/// Refuses a carry-forward that would move nothing, saying what stays and why, so no empty
/// commit is written.
pub fn check_something_to_carry(from: &str, moving: usize, staying: usize) -> Result<()> {
    if moving > 0 {
        return Ok(());
    }
    let stays = match staying {
        0 => String::new(),
        1 => "; 1 mission stays (parked or waiting for review)".to_string(),
        n => format!("; {n} missions stay (parked or waiting for review)"),
    };
    Err(Error::Refused(format!(
        "sprint {from} has nothing to carry: no open mission and no open next step{stays}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn sprint(id: &str, status: SprintStatus) -> Sprint {
        let now = Timestamp::now();
        Sprint {
            id: id.into(),
            uid: "u".into(),
            title: id.into(),
            focus: None,
            status,
            start: None,
            end: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn open_work_moves_review_and_parked_work_stays_and_done_work_is_left() {
        for open in [
            Status::Queued,
            Status::Current,
            Status::InProgress,
            Status::Blocked,
        ] {
            assert_eq!(mission_carry(open, false), MissionCarry::Move, "{open}");
        }
        assert_eq!(
            mission_carry(Status::InProgress, true),
            MissionCarry::AwaitingReview
        );
        assert_eq!(mission_carry(Status::Deferred, false), MissionCarry::Parked);
        assert_eq!(mission_carry(Status::Dropped, true), MissionCarry::Parked);
        assert_eq!(mission_carry(Status::Completed, false), MissionCarry::Done);
        assert!(MissionCarry::Move.reason(Status::Queued).is_none());
        let why = MissionCarry::Parked.reason(Status::Deferred).unwrap();
        assert!(why.starts_with("parked (Deferred)"), "{why}");
    }

    #[test]
    fn carrying_into_itself_or_a_completed_sprint_is_refused() {
        let (s1, s2) = (
            sprint("S1", SprintStatus::Completed),
            sprint("S2", SprintStatus::Planned),
        );
        check_carry_forward(&s1, &s2).unwrap();
        let err = check_carry_forward(&s2, &s2).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let err = check_carry_forward(&s2, &s1).unwrap_err();
        assert_eq!(err.code(), "refused");
        assert!(err.to_string().contains("S1 is Completed"), "{err}");
    }

    #[test]
    fn nothing_to_carry_is_refused_saying_what_stays() {
        check_something_to_carry("S1", 1, 0).unwrap();
        let err = check_something_to_carry("S1", 0, 2).unwrap_err();
        assert_eq!(err.code(), "refused");
        assert_eq!(
            err.to_string(),
            "sprint S1 has nothing to carry: no open mission and no open next step; 2 missions stay (parked or waiting for review)"
        );
    }
}
