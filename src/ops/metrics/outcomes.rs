//! What the confidence gate and the escalation ladder decided over a report's period: how
//! many completions were auto-approved, held for review, refused, approved or sent back by a
//! person, and how often work climbed the ladder.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ApprovalState, HUMAN_REVIEW_TIER, Mission, Timestamp};

/// The gate's and the ladder's decisions over a period, counted per mission's latest state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GateOutcomes {
    /// Missions whose score reached the auto-approval threshold.
    pub auto_approved: usize,
    /// Missions a person approved.
    pub approved: usize,
    /// Missions whose score waits for a person's review.
    pub needs_review: usize,
    /// Missions whose score the gate refused (below the review range).
    pub refused: usize,
    /// Missions a person sent back to work.
    pub rejected: usize,
    /// Escalations recorded in the period, by tier (1 retry .. 4 human review).
    pub escalations_by_tier: BTreeMap<u8, usize>,
    /// Missions that fell back (tier 3 or above) in the period, by id.
    pub fallbacks: Vec<String>,
}

impl GateOutcomes {
    /// True when nothing was scored or escalated in the period.
    pub fn is_empty(&self) -> bool {
        self == &GateOutcomes::default()
    }
}

/// Counts the decisions on `missions` made at or after `since` (every decision without one).
/// A mission counts once, in the state the gate last left it in; each escalation counts.
pub fn tally<'m>(
    missions: impl Iterator<Item = &'m Mission>,
    since: Option<Timestamp>,
) -> GateOutcomes {
    let in_period = |at: Option<Timestamp>| since.is_none_or(|s| at.is_some_and(|at| at >= s));
    let mut out = GateOutcomes::default();
    for m in missions {
        if let Some(state) = m.approval_state {
            let (decided, count) = match state {
                ApprovalState::AutoApproved => (m.validated_at, &mut out.auto_approved),
                ApprovalState::NeedsReview => (m.validated_at, &mut out.needs_review),
                ApprovalState::RejectedByGate => (m.validated_at, &mut out.refused),
                ApprovalState::Approved => (m.approved_at, &mut out.approved),
                ApprovalState::Rejected => (m.rejected_at, &mut out.rejected),
            };
            if in_period(decided) {
                *count += 1;
            }
        }
        let mut fell_back = false;
        for e in m.escalations.iter().filter(|e| in_period(Some(e.at))) {
            *out.escalations_by_tier.entry(e.tier).or_default() += 1;
            fell_back |= e.tier >= HUMAN_REVIEW_TIER;
        }
        // A fallback imported from the original carries the flag without a dated escalation.
        if fell_back || (since.is_none() && m.fallback_triggered) {
            out.fallbacks.push(m.id.clone());
        }
    }
    out.fallbacks.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Escalation;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    fn mission(id: &str, state: Option<ApprovalState>, decided: i64) -> Mission {
        let mut m = Mission::new(id, "u", "Work", at(0));
        m.approval_state = state;
        m.validated_at = Some(at(decided));
        m.approved_at = Some(at(decided));
        m.rejected_at = Some(at(decided));
        m
    }

    #[test]
    fn decisions_before_the_period_are_not_counted() {
        let mut fell_back = mission("B4", None, 0);
        fell_back.escalations = [(1, 50), (3, 200)]
            .into_iter()
            .map(|(tier, secs)| Escalation {
                at: at(secs),
                tier,
                reason: "r".into(),
                by: "a".into(),
                extra: Default::default(),
            })
            .collect();
        let missions = [
            mission("B1", Some(ApprovalState::AutoApproved), 150),
            mission("B2", Some(ApprovalState::NeedsReview), 50),
            mission("B3", Some(ApprovalState::Rejected), 300),
            fell_back,
        ];
        let week = tally(missions.iter(), Some(at(100)));
        assert_eq!(
            (week.auto_approved, week.needs_review, week.rejected),
            (1, 0, 1)
        );
        assert_eq!(week.escalations_by_tier, BTreeMap::from([(3, 1)]));
        assert_eq!(week.fallbacks, ["B4"]);
        let all = tally(missions.iter(), None);
        assert_eq!(all.needs_review, 1);
        assert_eq!(all.escalations_by_tier, BTreeMap::from([(1, 1), (3, 1)]));
        assert!(tally([].iter(), None).is_empty());
    }
}
