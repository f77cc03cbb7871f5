//! The escalation ladder of the operations guide: which tiers there are, what recording one
//! takes, and why work that fell back (tier 3) or asked for a person (tier 4) is completed
//! only by a person's approval.

use crate::error::{Error, Result};
use crate::model::{ApprovalState, HUMAN_REVIEW_TIER, Mission, Status};
use crate::next::{Action, Input, Op};

/// A rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// One automatic retry (a worker timed out, an evaluation failed, the network).
    Retry = 1,
    /// The pattern's limit was reached (rsip's iterations, two failed workers or steps).
    PatternThreshold = 2,
    /// The pattern was abandoned for linear execution: sets fallback_triggered.
    LinearFallback = 3,
    /// A person reviews the work before the mission is closed.
    HumanReview = 4,
}

impl Tier {
    pub const ALL: [Tier; 4] = [
        Tier::Retry,
        Tier::PatternThreshold,
        Tier::LinearFallback,
        Tier::HumanReview,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the tier means, as the guide names it.
    pub fn meaning(self) -> &'static str {
        match self {
            Tier::Retry => "retry",
            Tier::PatternThreshold => "pattern threshold reached",
            Tier::LinearFallback => "fallback to linear execution",
            Tier::HumanReview => "human review",
        }
    }

    /// The tier numbered `n`, refused with the ladder when there is none.
    pub fn from_number(n: i64) -> Result<Tier> {
        Tier::ALL
            .into_iter()
            .find(|t| i64::from(t.number()) == n)
            .ok_or_else(|| unknown(&n.to_string()))
    }

    /// Reads a tier from its number (1 to 4) or a word of its meaning: retry, threshold,
    /// fallback (or linear), human (or review).
    pub fn parse(text: &str) -> Result<Tier> {
        if let Ok(n) = text.trim().parse::<i64>() {
            return Tier::from_number(n);
        }
        let word = crate::model::fold(text);
        let tier = match word.as_str() {
            "retry" => Tier::Retry,
            "threshold" | "patternthreshold" => Tier::PatternThreshold,
            "fallback" | "linear" | "linearfallback" => Tier::LinearFallback,
            "human" | "review" | "humanreview" => Tier::HumanReview,
            _ => return Err(unknown(text)),
        };
        Ok(tier)
    }

    /// The ladder in one line: `1 (retry), 2 (...), ...`.
    pub fn ladder() -> String {
        Tier::ALL
            .iter()
            .map(|t| format!("{} ({})", t.number(), t.meaning()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::str::FromStr for Tier {
    type Err = Error;

    fn from_str(text: &str) -> Result<Tier> {
        Tier::parse(text)
    }
}

fn unknown(text: &str) -> Error {
    Error::InvalidInput(format!(
        "an escalation tier is one of {}, not {text:?}",
        Tier::ladder()
    ))
}

/// The reason an escalation is recorded with, refused when empty: the ladder's history is
/// only as useful as its reasons.
pub fn check_reason(id: &str, reason: Option<String>) -> Result<String> {
    reason.ok_or_else(|| {
        Error::InvalidInput(format!(
            "an escalation of mission {id} needs a reason: what failed, and what was tried"
        ))
        .needs(&[Input::Reason])
    })
}

/// The most escalations one mission keeps: a ladder climbed this often is a loop, and the
/// record stays bounded.
pub const MAX_ESCALATIONS: usize = 100;

/// Refuses an escalation on a mission whose work is over (Completed or Dropped), or one that
/// holds [`MAX_ESCALATIONS`] already.
pub fn check_escalation(mission: &Mission) -> Result<()> {
    if matches!(mission.status, Status::Completed | Status::Dropped) {
        return Err(Error::Refused(format!(
            "mission {} is {}: escalations are for work that is not finished",
            mission.id, mission.status
        ))
        .then(Action::new(Op::MissionShow).with(Input::MissionId, &mission.id)));
    }
    if mission.escalations.len() >= MAX_ESCALATIONS {
        return Err(Error::Refused(format!(
            "mission {} has {MAX_ESCALATIONS} escalations recorded, the most a mission keeps: the work is stuck; block the mission with the reason and ask a person for help",
            mission.id
        ))
        .then(
            Action::new(Op::MissionBlock)
                .with(Input::MissionId, &mission.id)
                .needs(Input::Reason),
        ));
    }
    Ok(())
}

/// What the loop guard calls an escalation of `tier` on mission `id`: two are the same when
/// this, the agent and the reason are.
pub fn repeat_what(id: &str, tier: u8) -> String {
    format!("escalation (tier {tier}) of mission {id}")
}

/// Refuses to complete a mission that needs a person's approval (it triggered a fallback or
/// asked for review) unless a person has just approved it: completing sends it for review.
pub fn check_completion(mission: &Mission) -> Result<()> {
    if !mission.needs_human_review() || mission.approval_state == Some(ApprovalState::Approved) {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "mission {} {}: a person must approve its completion. Complete it (with or without a validation score) to send it for review",
        mission.id,
        why_human(mission)
    ))
    .then(Action::new(Op::MissionComplete).with(Input::MissionId, &mission.id)))
}

/// Refuses an approval of a mission that needs a person by anyone who did its work: the one
/// who completed it and those who recorded its retries, thresholds and fallbacks. The
/// policy's self-approval does not apply: the ladder ends with a person.
pub fn check_human_approver(mission: &Mission, approver: &str) -> Result<()> {
    if !mission.needs_human_review() {
        return Ok(());
    }
    let completed_it = mission.validated_by.as_deref() == Some(approver);
    let escalated_it = mission
        .escalations
        .iter()
        .any(|e| e.tier < Tier::HumanReview.number() && e.by == approver);
    if !completed_it && !escalated_it {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "mission {} {}, so a person who did not work on it must approve it; {approver} {} it",
        mission.id,
        why_human(mission),
        if completed_it {
            "completed"
        } else {
            "escalated"
        },
    )))
}

/// Why a mission needs a person, in a few words.
pub fn why_human(mission: &Mission) -> &'static str {
    if mission.fallback_triggered {
        "fell back to linear execution"
    } else {
        "asked for human review"
    }
}

/// Whether a new escalation of `tier` voids an earlier approval: from tier 3 a person must
/// look at the work again.
pub fn voids_approval(tier: Tier) -> bool {
    tier.number() >= HUMAN_REVIEW_TIER
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Escalation, Timestamp};

    fn escalated(tier: u8, by: &str) -> Mission {
        let mut m = Mission {
            status: Status::InProgress,
            ..Mission::new("B1", "u", "n", Timestamp::now())
        };
        m.fallback_triggered = tier == 3;
        m.escalations.push(Escalation {
            at: Timestamp::now(),
            tier,
            reason: "r".into(),
            by: by.into(),
            extra: Default::default(),
        });
        m
    }

    #[test]
    fn tiers_are_read_from_numbers_and_words() {
        assert_eq!(Tier::parse("1").unwrap(), Tier::Retry);
        assert_eq!(Tier::parse("Linear").unwrap(), Tier::LinearFallback);
        assert_eq!(Tier::parse("human-review").unwrap(), Tier::HumanReview);
        for bad in ["0", "5", "x", "", "-1", "99999999999999999999"] {
            let err = Tier::parse(bad).unwrap_err();
            assert!(matches!(err.kind(), Error::InvalidInput(_)), "{bad}");
            assert!(err.to_string().contains("3 (fallback to linear execution)"));
        }
    }

    #[test]
    fn only_tiers_three_and_four_need_a_person() {
        assert!(check_completion(&escalated(1, "a")).is_ok());
        assert!(check_completion(&escalated(2, "a")).is_ok());
        for tier in [3, 4] {
            let err = check_completion(&escalated(tier, "a")).unwrap_err();
            assert!(matches!(err.kind(), Error::Refused(_)), "{tier}");
        }
        let approved = Mission {
            approval_state: Some(ApprovalState::Approved),
            ..escalated(3, "a")
        };
        assert!(check_completion(&approved).is_ok());
    }

    #[test]
    fn those_who_did_the_work_may_not_approve_it() {
        let mut m = escalated(3, "agent");
        m.validated_by = Some("worker".into());
        assert!(check_human_approver(&m, "agent").is_err());
        assert!(check_human_approver(&m, "worker").is_err());
        assert!(check_human_approver(&m, "ana").is_ok());
        // Asking for review is not work on the mission: that person may approve it.
        let asked = escalated(4, "ana");
        assert!(check_human_approver(&asked, "ana").is_ok());
        // Without a fallback the gate's own rule applies, not this one.
        assert!(check_human_approver(&escalated(1, "agent"), "agent").is_ok());
    }

    #[test]
    fn a_mission_keeps_a_bounded_number_of_escalations() {
        let mut m = escalated(1, "a");
        let first = m.escalations[0].clone();
        m.escalations = vec![first; MAX_ESCALATIONS - 1];
        assert!(check_escalation(&m).is_ok());
        m.escalations.push(m.escalations[0].clone());
        let err = check_escalation(&m).unwrap_err();
        assert!(err.to_string().contains("100 escalations"), "{err}");
    }

    #[test]
    fn finished_work_is_not_escalated() {
        let done = Mission {
            status: Status::Completed,
            ..escalated(1, "a")
        };
        assert!(check_escalation(&done).is_err());
        assert!(check_escalation(&escalated(1, "a")).is_ok());
        assert!(check_reason("B1", None).is_err());
    }
}
