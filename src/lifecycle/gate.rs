//! The confidence gate: what a validation score given with a completion decides (complete,
//! wait for a person, or refuse), and who may approve or send back work that waits.
//!
//! The thresholds come from the project's validation policy; these rules take them as plain
//! numbers so they stay pure and below the operations that read the policy.

use crate::error::{Error, Result};
use crate::model::{ApprovalState, Mission, Status, ValidationState};
use crate::next::{Action, Input, Op};

/// The thresholds of the gate and whether people may approve their own work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateRules {
    /// At or above: the work is approved at once.
    pub auto_approve_min: f64,
    /// At or above (and below `auto_approve_min`): the work waits for a person.
    pub needs_review_min: f64,
    pub allow_self_approval: bool,
    /// A completion without a score is refused.
    pub require_scores: bool,
}

/// What the gate decides for a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Completed, marked auto-approved.
    AutoApprove,
    /// Stays In Progress until a person approves or rejects it.
    NeedsReview,
    /// Refused; stays In Progress with the reason recorded.
    Refuse,
}

/// Refuses a score that is not a number from 0 to 1.
pub fn check_score(score: f64) -> Result<f64> {
    if score.is_finite() && (0.0..=1.0).contains(&score) {
        return Ok(score);
    }
    Err(Error::InvalidInput(format!(
        "a validation score is a number from 0 to 1 (for example 0.85), not {score}"
    ))
    .needs(&[Input::ValidationScore]))
}

/// Refuses a completion without a score when the policy requires one.
pub fn check_score_given(id: &str, score: Option<f64>, rules: &GateRules) -> Result<()> {
    if score.is_some() || !rules.require_scores {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "the project's validation policy requires a validation score to complete mission {id}: give one from 0 to 1 with the evidence behind it"
    ))
    .needs(&[Input::ValidationScore]))
}

/// Where `score` falls against the thresholds.
pub fn verdict(score: f64, rules: &GateRules) -> Verdict {
    if score >= rules.auto_approve_min {
        Verdict::AutoApprove
    } else if score >= rules.needs_review_min {
        Verdict::NeedsReview
    } else {
        Verdict::Refuse
    }
}

/// The state a session's work is in for `score`.
pub fn session_state(score: f64, rules: &GateRules) -> ValidationState {
    match verdict(score, rules) {
        Verdict::AutoApprove => ValidationState::AutoApproved,
        Verdict::NeedsReview => ValidationState::NeedsReview,
        Verdict::Refuse => ValidationState::HumanRequired,
    }
}

/// The reason a score below the review range gives, as recorded on the mission.
pub fn refusal_reason(score: f64, rules: &GateRules) -> String {
    format!(
        "validation score {score} is below the review threshold {}",
        rules.needs_review_min
    )
}

/// The refusal of a completion whose score is below the review range.
pub fn gate_refusal(id: &str, score: f64, rules: &GateRules) -> Error {
    Error::Refused(format!(
        "mission {id} was not completed: {}; it stays In Progress. Improve the work and complete it again with a new score, or block it and ask for help",
        refusal_reason(score, rules)
    ))
    .needs(&[Input::ValidationScore])
}

/// Refuses a completion with a score unless the mission is In Progress: the gate decides
/// on work that was started, and a mission waiting for review is decided by a person.
pub fn check_gate_open(mission: &Mission) -> Result<()> {
    if mission.approval_state == Some(ApprovalState::NeedsReview) {
        return Err(Error::Refused(format!(
            "mission {} already waits for a person to approve or reject its validation score {}",
            mission.id,
            score_text(mission.validation_score)
        ))
        .then(Action::new(Op::MissionApprove).with(Input::MissionId, &mission.id)));
    }
    crate::lifecycle::check_transition(&mission.id, mission.status, Status::Completed)
}

/// Refuses an approval or a rejection of a mission that does not wait for review.
pub fn check_awaiting_review(mission: &Mission, verb: &str) -> Result<()> {
    if mission.status == Status::InProgress
        && mission.approval_state == Some(ApprovalState::NeedsReview)
    {
        return Ok(());
    }
    let state = match mission.approval_state {
        Some(state) => format!("{} ({state})", mission.status),
        None => mission.status.to_string(),
    };
    Err(Error::Refused(format!(
        "mission {} does not wait for review, so there is nothing to {verb}: it is {state}. Work waits for review when it is completed with a validation score in the review range",
        mission.id
    ))
    .then(Action::new(Op::MissionShow).with(Input::MissionId, &mission.id)))
}

/// Refuses an approval by the one who gave the score, unless the policy allows it.
pub fn check_approver(mission: &Mission, approver: &str, rules: &GateRules) -> Result<()> {
    let submitter = mission.validated_by.as_deref().unwrap_or_default();
    if rules.allow_self_approval || submitter != approver {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{approver} gave mission {}'s validation score and may not approve their own work: another agent or a person approves it (or the project's validation policy allows self-approval)",
        mission.id
    )))
}

fn score_text(score: Option<f64>) -> String {
    score.map_or("(none)".into(), |s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::model::Timestamp;

    const RULES: GateRules = GateRules {
        auto_approve_min: 0.80,
        needs_review_min: 0.60,
        allow_self_approval: false,
        require_scores: false,
    };

    fn waiting(by: &str) -> Mission {
        Mission {
            status: Status::InProgress,
            approval_state: Some(ApprovalState::NeedsReview),
            validation_score: Some(0.72),
            validated_by: Some(by.into()),
            ..Mission::new("B1", "u", "n", Timestamp::now())
        }
    }

    #[test]
    fn verdict_splits_at_the_thresholds() {
        assert_eq!(verdict(0.85, &RULES), Verdict::AutoApprove);
        assert_eq!(verdict(0.80, &RULES), Verdict::AutoApprove);
        assert_eq!(verdict(0.72, &RULES), Verdict::NeedsReview);
        assert_eq!(verdict(0.60, &RULES), Verdict::NeedsReview);
        assert_eq!(verdict(0.41, &RULES), Verdict::Refuse);
        assert_eq!(session_state(0.41, &RULES), ValidationState::HumanRequired);
        assert_eq!(session_state(0.72, &RULES), ValidationState::NeedsReview);
        assert_eq!(session_state(0.9, &RULES), ValidationState::AutoApproved);
    }

    #[test]
    fn scores_outside_zero_to_one_are_refused() {
        for bad in [1.5, -0.1, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(check_score(bad).unwrap_err().kind(), Error::InvalidInput(_)),
                "{bad}"
            );
        }
        assert_eq!(check_score(0.0).unwrap(), 0.0);
        assert_eq!(check_score(1.0).unwrap(), 1.0);
    }

    #[test]
    fn a_score_is_required_only_when_the_policy_says_so() {
        assert!(check_score_given("B1", None, &RULES).is_ok());
        let strict = GateRules {
            require_scores: true,
            ..RULES
        };
        let err = check_score_given("B1", None, &strict).unwrap_err();
        assert!(matches!(err.kind(), Error::Refused(_)));
        assert!(check_score_given("B1", Some(0.9), &strict).is_ok());
    }

    #[test]
    fn the_refusal_names_the_score_and_the_threshold() {
        let text = gate_refusal("B1", 0.41, &RULES).to_string();
        assert!(text.contains("0.41") && text.contains("0.6"), "{text}");
    }

    #[test]
    fn only_waiting_missions_are_approved_or_rejected() {
        assert!(check_awaiting_review(&waiting("a"), "approve").is_ok());
        let done = Mission {
            status: Status::Completed,
            approval_state: Some(ApprovalState::AutoApproved),
            ..waiting("a")
        };
        let err = check_awaiting_review(&done, "approve").unwrap_err();
        assert!(err.to_string().contains("auto_approved"), "{err}");
        let plain = Mission::new("B2", "u", "n", Timestamp::now());
        assert!(check_awaiting_review(&plain, "reject").is_err());
    }

    #[test]
    fn the_submitter_may_not_approve_their_own_work_unless_allowed() {
        let err = check_approver(&waiting("alice"), "alice", &RULES).unwrap_err();
        assert!(
            err.to_string().contains("another agent or a person"),
            "{err}"
        );
        assert!(check_approver(&waiting("alice"), "bob", &RULES).is_ok());
        let lenient = GateRules {
            allow_self_approval: true,
            ..RULES
        };
        assert!(check_approver(&waiting("alice"), "alice", &lenient).is_ok());
    }

    #[test]
    fn a_mission_waiting_for_review_is_not_scored_again() {
        let err = check_gate_open(&waiting("a")).unwrap_err();
        assert!(matches!(err.kind(), Error::Refused(_)));
        let queued = Mission::new("B2", "u", "n", Timestamp::now());
        assert!(matches!(
            check_gate_open(&queued),
            Err(Error::InvalidTransition { .. })
        ));
    }
}
