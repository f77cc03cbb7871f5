//! Confidence-gated completion: a completion that comes with a validation score is
//! approved at once, waits for a person, or is refused, as the validation policy says; a
//! person then approves or rejects the work that waits. The rules are in
//! `lifecycle::gate`; each operation here is one commit.

use super::transition::{self, Stamp, TransitionOutcome};
use super::{MissionBrief, Outcome, Workspace, policy};
use crate::error::{Error, Result};
use crate::lifecycle::MoveDetail;
use crate::lifecycle::gate::{self, GateRules, Verdict};
use crate::model::{ApprovalState, Mission, Status, ValidationState, clean_items, clean_text};
use crate::next::{Action, Input, Op};
use crate::store::Tx;

/// A score and what backs it, as given with a completion.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    /// 0 to 1; None keeps the completion as it was before scores (unless policy requires one).
    pub score: Option<f64>,
    pub evidence: Vec<String>,
}

/// How a completion is followed: by promoting the next mission to Current, by starting it,
/// or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promotion {
    Current,
    Start,
    None,
}

/// The gate's thresholds from the policies in force on the branch tip.
fn rules(ws: &Workspace) -> Result<GateRules> {
    let v = policy::effective(&ws.snapshot()?)?.validation;
    Ok(GateRules {
        auto_approve_min: v.auto_approve_min,
        needs_review_min: v.needs_review_min,
        allow_self_approval: v.allow_self_approval,
        require_scores: v.require_scores,
    })
}

/// Completes mission `id`, through the confidence gate when a score is given: at or above
/// the auto-approval threshold it is Completed (auto-approved) and the next mission is
/// promoted as `promotion` says; in the review range it stays In Progress and waits for a
/// person; below it the completion is refused, and the score and the reason stay on the
/// mission.
pub fn complete(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
    validation: &Validation,
) -> Result<Outcome<TransitionOutcome>> {
    let score = validation.score.map(gate::check_score).transpose()?;
    let evidence = clean_items("evidence", &validation.evidence)?;
    let rules = rules(ws)?;
    gate::check_score_given(id, score, &rules)?;
    let Some(score) = score else {
        return unscored(ws, id, notes, promotion);
    };
    match gate::verdict(score, &rules) {
        Verdict::AutoApprove => {
            let stamp = |tx: &mut Tx<'_>, m: &mut Mission| {
                gate::check_gate_open(m)?;
                record_score(tx, m, score, &evidence);
                m.approval_state = Some(ApprovalState::AutoApproved);
                Ok(())
            };
            let promote_to = match promotion {
                Promotion::Current => Some(Status::Current),
                Promotion::Start => Some(Status::InProgress),
                Promotion::None => None,
            };
            let detail = transition::note(notes, "notes")?;
            transition::run_stamped(
                ws,
                "complete",
                id,
                Status::Completed,
                detail,
                promote_to,
                &stamp,
            )
        }
        Verdict::NeedsReview => {
            let outcome = hold(ws, id, notes, score, &evidence, &rules)?;
            Ok(outcome
                .warn_then(
                    format!(
                        "mission {id} waits for review: its validation score {score} is below the auto-approval threshold {}, so a person (not the one who scored it) must approve or reject it before it counts as done",
                        rules.auto_approve_min
                    ),
                    Action::new(Op::MissionApprove).with(Input::MissionId, id),
                )
                .suggest(Action::new(Op::MissionApprove).with(Input::MissionId, id)))
        }
        Verdict::Refuse => {
            hold(ws, id, notes, score, &evidence, &rules)?;
            Err(gate::gate_refusal(id, score, &rules))
        }
    }
}

/// A completion without a score: what it was before the gate.
fn unscored(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
) -> Result<Outcome<TransitionOutcome>> {
    match promotion {
        Promotion::Start => transition::complete_and_start_next(ws, id, notes),
        Promotion::Current => transition::complete(ws, id, notes, true),
        Promotion::None => transition::complete(ws, id, notes, false),
    }
}

/// Keeps a mission In Progress with the score that did not complete it: waiting for review,
/// or refused by the gate with the reason. One commit.
fn hold(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    score: f64,
    evidence: &[String],
    rules: &GateRules,
) -> Result<Outcome<TransitionOutcome>> {
    let notes = clean_text("notes", notes)?;
    let verdict = gate::verdict(score, rules);
    let written = ws.store().write("mission.validate", |tx| {
        let mut mission = tx.mission(id)?;
        gate::check_gate_open(&mission)?;
        record_score(tx, &mut mission, score, evidence);
        let (state, reason) = match verdict {
            Verdict::Refuse => (
                ApprovalState::RejectedByGate,
                Some(gate::refusal_reason(score, rules)),
            ),
            _ => (ApprovalState::NeedsReview, None),
        };
        mission.approval_state = Some(state);
        mission.review_note = reason.clone();
        mission.updated_at = tx.now();
        tx.put_mission(&mission)?;
        let note = [reason, notes.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n\n");
        tx.record(
            "mission.validation",
            id,
            None,
            Some(state.to_string()),
            (!note.is_empty()).then_some(note),
        );
        tx.set_subject(format!("mission validate {id}: {score} {state}"));
        Ok(TransitionOutcome {
            mission: MissionBrief::from(&tx.require(id)?),
            from: mission.status,
            to: mission.status,
            promoted: None,
            at: tx.now(),
            estimate: None,
            approval_state: Some(state),
            validation_score: Some(score),
        })
    })?;
    Ok(written.into_outcome())
}

/// Puts the score, its evidence and who gave it on the mission; a new score replaces the
/// last one and clears an earlier review.
fn record_score(tx: &Tx<'_>, mission: &mut Mission, score: f64, evidence: &[String]) {
    mission.validation_score = Some(score);
    mission.evidence = evidence.to_vec();
    mission.validated_by = Some(tx.agent().to_string());
    mission.validated_at = Some(tx.now());
    mission.approved_by = None;
    mission.approved_at = None;
    mission.rejected_by = None;
    mission.rejected_at = None;
    mission.review_note = None;
}

/// Approves a mission that waits for review: it is Completed (and the next ready mission
/// promoted, as completing does), recording who approved it. The one who gave the score
/// may not approve it unless the policy allows self-approval.
pub fn approve(ws: &Workspace, id: &str, note: Option<&str>) -> Result<Outcome<TransitionOutcome>> {
    let rules = rules(ws)?;
    let note = clean_text("note", note)?;
    let stamp = |tx: &mut Tx<'_>, m: &mut Mission| {
        gate::check_awaiting_review(m, "approve")?;
        gate::check_approver(m, tx.agent(), &rules)?;
        m.approval_state = Some(ApprovalState::Approved);
        m.approved_by = Some(tx.agent().to_string());
        m.approved_at = Some(tx.now());
        m.review_note = note.clone();
        Ok(())
    };
    let detail = MoveDetail {
        note: Some(match &note {
            Some(note) => format!("approved: {note}"),
            None => "approved".into(),
        }),
        needs: Vec::new(),
    };
    let stamp: Stamp<'_> = &stamp;
    transition::run_stamped(
        ws,
        "approve",
        id,
        Status::Completed,
        detail,
        Some(Status::Current),
        stamp,
    )
}

/// Sends a mission that waits for review back to work: it stays In Progress, marked
/// rejected with the reason and who rejected it. One commit.
pub fn reject(ws: &Workspace, id: &str, reason: &str) -> Result<Outcome<TransitionOutcome>> {
    let Some(reason) = clean_text("reason", Some(reason))? else {
        return Err(
            Error::InvalidInput(format!("rejecting mission {id} needs a reason"))
                .needs(&[Input::Reason]),
        );
    };
    let written = ws.store().write("mission.reject", |tx| {
        let mut mission = tx.mission(id)?;
        gate::check_awaiting_review(&mission, "reject")?;
        mission.approval_state = Some(ApprovalState::Rejected);
        mission.rejected_by = Some(tx.agent().to_string());
        mission.rejected_at = Some(tx.now());
        mission.review_note = Some(reason.clone());
        mission.updated_at = tx.now();
        tx.put_mission(&mission)?;
        tx.record(
            "mission.validation",
            id,
            Some(ApprovalState::NeedsReview.to_string()),
            Some(ApprovalState::Rejected.to_string()),
            Some(reason.clone()),
        );
        tx.set_subject(format!("mission reject {id}"));
        Ok(TransitionOutcome {
            mission: MissionBrief::from(&tx.require(id)?),
            from: mission.status,
            to: mission.status,
            promoted: None,
            at: tx.now(),
            estimate: None,
            approval_state: mission.approval_state,
            validation_score: mission.validation_score,
        })
    })?;
    Ok(written
        .into_outcome()
        .suggest(Action::new(Op::MissionComplete).with(Input::MissionId, id)))
}

/// The score, gate state and evidence a session closes with, checked; None without a score.
pub(super) fn session_validation(
    ws: &Workspace,
    validation: &Validation,
) -> Result<Option<(ValidationState, f64, Vec<String>)>> {
    let Some(score) = validation.score.map(gate::check_score).transpose()? else {
        return Ok(None);
    };
    let evidence = clean_items("evidence", &validation.evidence)?;
    let state = gate::session_state(score, &rules(ws)?);
    Ok(Some((state, score, evidence)))
}

/// Warns, for each mission In Progress whose score waits for review, that a person must
/// approve or reject it: what `status` and the next mission show, so no one takes the work
/// for done or scores it again.
pub fn review_warnings<T>(mut outcome: Outcome<T>, digest: &crate::digest::Digest) -> Outcome<T> {
    for m in digest.in_progress.iter().filter(|m| m.awaiting_review) {
        outcome = outcome.warn_then(
            format!(
                "mission {} waits for review: a person other than the one who scored it must approve or reject it",
                m.id
            ),
            Action::new(Op::MissionApprove).with(Input::MissionId, &m.id),
        );
    }
    outcome
}
