//! Escalations of the operations guide: a mission records each step up the ladder (retry,
//! pattern threshold, fallback to linear execution, human review), and a mission that fell
//! back or asked for a person is completed only by a person's approval: completing it sends
//! it for review whatever its score. The rules are in `lifecycle::fallback`.

use serde::Serialize;

use super::transition::TransitionOutcome;
use super::{Instructions, MissionBrief, Outcome, Workspace, loop_guard};
use crate::digest::Digest;
use crate::error::Result;
use crate::lifecycle::fallback::{self, Tier};
use crate::lifecycle::gate::{self, GateRules, Verdict};
use crate::lifecycle::{self, Said};
use crate::model::{ApprovalState, Escalation, clean_text};
use crate::next::{Action, Input, Op};

/// What recording an escalation did.
#[derive(Debug, Serialize)]
pub struct Escalated {
    pub mission: MissionBrief,
    /// The escalation just recorded.
    pub escalation: Escalation,
    /// What its tier means.
    pub meaning: &'static str,
    /// How many the mission has now.
    pub escalations: usize,
    pub fallback_triggered: bool,
    /// Its completion now waits for a person's approval.
    pub needs_human_review: bool,
}

/// Records an escalation of `tier` on mission `id`, with the reason, who and when, as one
/// commit. Tier 3 marks the mission fallback_triggered; from tier 3 an earlier approval no
/// longer counts, and completing the mission sends it for review.
pub fn record(
    ws: &Workspace,
    id: &str,
    tier: Tier,
    reason: Option<&str>,
) -> Result<Outcome<Escalated>> {
    let reason = fallback::check_reason(id, clean_text("reason", reason)?)?;
    let limits = loop_guard::limits(&super::policy::effective(&ws.snapshot()?)?.limits);
    let ways_out = loop_guard::ways_out(None, Some(id));
    let written = ws.store().write("mission.fallback", |tx| {
        let mut mission = tx.mission(id)?;
        fallback::check_escalation(&mission)?;
        // The same escalation again by the same agent within the window is a loop.
        let what = fallback::repeat_what(id, tier.number());
        let whats: Vec<String> = mission
            .escalations
            .iter()
            .map(|e| fallback::repeat_what(id, e.tier))
            .collect();
        let said = |at, agent, what, text| Said {
            at,
            session: None,
            agent,
            what,
            text,
        };
        let recent = (mission.escalations.iter().zip(&whats))
            .map(|(e, what)| said(e.at, e.by.as_str(), what.as_str(), e.reason.as_str()));
        let new = said(tx.now(), tx.agent(), &what, &reason);
        let repeat = lifecycle::check_repeat(&new, recent, limits, &ways_out)?;
        let escalation = Escalation {
            at: tx.now(),
            tier: tier.number(),
            reason: reason.clone(),
            by: tx.agent().to_string(),
            extra: Default::default(),
        };
        mission.escalations.push(escalation.clone());
        if tier == Tier::LinearFallback {
            mission.fallback_triggered = true;
        }
        if fallback::voids_approval(tier)
            && matches!(
                mission.approval_state,
                Some(ApprovalState::Approved | ApprovalState::AutoApproved)
            )
        {
            mission.approval_state = None;
        }
        mission.updated_at = tx.now();
        tx.put_mission(&mission)?;
        tx.record(
            "mission.escalated",
            id,
            None,
            Some(format!("tier {}", tier.number())),
            Some(reason.clone()),
        );
        tx.set_subject(format!(
            "mission fallback {id}: tier {} ({})",
            tier.number(),
            tier.meaning()
        ));
        let escalated = Escalated {
            mission: MissionBrief::from(&tx.require(id)?),
            escalation,
            meaning: tier.meaning(),
            escalations: mission.escalations.len(),
            fallback_triggered: mission.fallback_triggered,
            needs_human_review: mission.needs_human_review(),
        };
        Ok((escalated, repeat))
    })?;
    let (escalated, repeat) = written.value;
    let needs_human = escalated.needs_human_review;
    let outcome = Outcome::from_digest(escalated, &written.meta, &written.digest);
    let outcome = loop_guard::warned(outcome, repeat, &ways_out);
    Ok(match needs_human {
        true => outcome.warn_then(
            format!(
                "mission {id} now needs a person: completing it sends it for review, and only a person who did not work on it can approve it"
            ),
            Action::new(Op::MissionComplete).with(Input::MissionId, id),
        ),
        false => outcome,
    })
}

/// A completion of a mission that needs a person: it stays In Progress and waits for review,
/// with the score (if any), the evidence and who completed it, as one commit. None when the
/// mission does not need a person, or when its score is below the review range (the gate
/// refuses that as it refuses any other).
pub(super) fn hold_for_review(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    score: Option<f64>,
    evidence: &[String],
    rules: &GateRules,
) -> Result<Option<Outcome<TransitionOutcome>>> {
    if score.is_some_and(|s| gate::verdict(s, rules) == Verdict::Refuse) {
        return Ok(None);
    }
    let snapshot = ws.snapshot()?;
    let mission = ws.store().mission(&snapshot, id)?;
    if !mission.needs_human_review() {
        return Ok(None);
    }
    let why = fallback::why_human(&mission);
    let held = super::gate::Held {
        state: ApprovalState::NeedsReview,
        score,
        evidence,
        reason: Some(format!("{why}: waits for a person's approval")),
        subject: format!("needs_review ({why})"),
    };
    let written = super::gate::hold_completion(ws, id, notes, held)?;
    let approve = Action::new(Op::MissionApprove).with(Input::MissionId, id);
    Ok(Some(
        written
            .warn_then(
                format!(
                    "mission {id} waits for review: it triggered a fallback, so a person who did not work on it must approve it before it counts as done"
                ),
                approve.clone(),
            )
            .suggest(approve),
    ))
}

/// The open missions (In Progress, Current, Blocked) that need a person, from the digest.
fn flagged(digest: &Digest) -> impl Iterator<Item = &crate::index::MissionEntry> {
    digest
        .in_progress
        .iter()
        .chain(&digest.current)
        .chain(&digest.blocked)
        .filter(|m| m.needs_human)
}

/// Flags in every response's instructions each open mission that fell back or asked for
/// review and does not wait for review yet (those that do are flagged by the gate).
pub(super) fn flag(out: &mut Instructions, digest: &Digest) {
    for m in flagged(digest) {
        out.context.needs_human.push(m.id.clone());
        if !m.awaiting_review {
            out.next_actions.push(format!(
                "Mission {} ({}) triggered a fallback: a person must approve its completion; completing it sends it for review.",
                m.id, m.name
            ));
        }
    }
}

/// Warns, in `status`, of each open mission that triggered a fallback and does not wait for
/// review yet.
pub fn warnings<T>(mut outcome: Outcome<T>, digest: &Digest) -> Outcome<T> {
    for m in flagged(digest).filter(|m| !m.awaiting_review) {
        outcome = outcome.warn_then(
            format!(
                "mission {} triggered a fallback: it is completed only when a person who did not work on it approves it",
                m.id
            ),
            Action::new(Op::MissionShow).with(Input::MissionId, &m.id),
        );
    }
    outcome
}
