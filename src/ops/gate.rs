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

/// The gate's thresholds from the policies in force on the branch tip, and the warning to
/// give when the policy file cannot be used (the defaults decide then, and people must know).
fn rules(ws: &Workspace) -> Result<(GateRules, Option<String>)> {
    let read = policy::read(&ws.snapshot()?)?;
    let v = &read.policies.validation;
    let rules = GateRules {
        auto_approve_min: v.auto_approve_min,
        needs_review_min: v.needs_review_min,
        allow_self_approval: v.allow_self_approval,
        require_scores: v.require_scores,
    };
    Ok((rules, read.warning()))
}

/// `outcome` with the unusable policy file's warning, when there is one.
pub(super) fn warn_unusable<T>(outcome: Outcome<T>, unusable: Option<String>) -> Outcome<T> {
    match unusable {
        Some(warning) => outcome.warn(warning),
        None => outcome,
    }
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
    let (rules, unusable) = rules(ws)?;
    gate::check_score_given(id, score, &rules)?;
    // Work that fell back waits for a person whatever its score.
    if let Some(held) = super::fallback::hold_for_review(ws, id, notes, score, &evidence, &rules)? {
        return Ok(held);
    }
    let Some(score) = score else {
        return unscored(ws, id, notes, promotion, &evidence);
    };
    let outcome = match gate::verdict(score, &rules) {
        Verdict::AutoApprove => {
            let stamp = |tx: &mut Tx<'_>, m: &mut Mission| {
                gate::check_gate_open(m)?;
                record_score(tx, m, Some(score), &evidence);
                m.approval_state = Some(ApprovalState::AutoApproved);
                Ok(())
            };
            complete_stamped(ws, id, notes, promotion, &stamp)?
        }
        Verdict::NeedsReview => {
            let outcome = hold(ws, id, notes, score, &evidence, &rules)?;
            outcome
                .warn_then(
                    format!(
                        "mission {id} waits for review: its validation score {score} is below the auto-approval threshold {}, so a person (not the one who scored it) must approve or reject it before it counts as done",
                        rules.auto_approve_min
                    ),
                    Action::new(Op::MissionApprove).with(Input::MissionId, id),
                )
                .suggest(Action::new(Op::MissionApprove).with(Input::MissionId, id))
        }
        Verdict::Refuse => {
            hold(ws, id, notes, score, &evidence, &rules)?;
            return Err(gate::gate_refusal(id, score, &rules));
        }
    };
    Ok(warn_unusable(outcome, unusable))
}

/// A completion without a score: what it was before the gate, with the evidence given (the
/// results of local checks) kept on the mission.
fn unscored(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
    evidence: &[String],
) -> Result<Outcome<TransitionOutcome>> {
    if !evidence.is_empty() {
        return unscored_with_evidence(ws, id, notes, promotion, evidence);
    }
    match promotion {
        Promotion::Start => transition::complete_and_start_next(ws, id, notes),
        Promotion::Current => transition::complete(ws, id, notes, true),
        Promotion::None => transition::complete(ws, id, notes, false),
    }
}

/// A completion without a score whose evidence is put on the mission in the same commit.
fn unscored_with_evidence(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
    evidence: &[String],
) -> Result<Outcome<TransitionOutcome>> {
    let stamp = |tx: &mut Tx<'_>, m: &mut Mission| {
        m.evidence = evidence.to_vec();
        m.validated_by = Some(tx.agent().to_string());
        m.validated_at = Some(tx.now());
        Ok(())
    };
    complete_stamped(ws, id, notes, promotion, &stamp)
}

/// Completes mission `id` with `stamp` writing the gate's record in the same commit, and
/// follows it as `promotion` says.
fn complete_stamped(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
    stamp: Stamp<'_>,
) -> Result<Outcome<TransitionOutcome>> {
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
        stamp,
    )
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
    let held = match gate::verdict(score, rules) {
        Verdict::Refuse => Held {
            state: ApprovalState::RejectedByGate,
            reason: Some(gate::refusal_reason(score, rules)),
            subject: format!("{score} {}", ApprovalState::RejectedByGate),
            score: Some(score),
            evidence,
        },
        _ => Held {
            state: ApprovalState::NeedsReview,
            reason: None,
            subject: format!("{score} {}", ApprovalState::NeedsReview),
            score: Some(score),
            evidence,
        },
    };
    hold_completion(ws, id, notes, held)
}

/// A completion that did not complete the mission: the state it waits in, the score (if any)
/// and evidence that came with it, why it is held, and the commit subject's tail.
pub(super) struct Held<'a> {
    pub state: ApprovalState,
    pub score: Option<f64>,
    pub evidence: &'a [String],
    /// The review note, and the first paragraph of the event's note.
    pub reason: Option<String>,
    pub subject: String,
}

/// Keeps mission `id` In Progress with its completion held as `held` says: the score, its
/// evidence and who gave them, the state and the reason on the mission, and a
/// `mission.validation` event noting the reason and the caller's `notes`. One commit. Every
/// completion that is held (a score in the review range or below it, a failed check, work
/// that fell back) is written here.
pub(super) fn hold_completion(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    held: Held<'_>,
) -> Result<Outcome<TransitionOutcome>> {
    let notes = clean_text("notes", notes)?;
    let written = ws.store().write("mission.validate", |tx| {
        let mut mission = tx.mission(id)?;
        gate::check_gate_open(&mission)?;
        record_score(tx, &mut mission, held.score, held.evidence);
        mission.approval_state = Some(held.state);
        mission.review_note = held.reason.clone();
        mission.updated_at = tx.now();
        tx.put_mission(&mission)?;
        let note = [held.reason.clone(), notes.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n\n");
        tx.record(
            "mission.validation",
            id,
            None,
            Some(held.state.to_string()),
            (!note.is_empty()).then_some(note),
        );
        tx.set_subject(format!("mission validate {id}: {}", held.subject));
        Ok(TransitionOutcome {
            mission: MissionBrief::from(&tx.require(id)?),
            from: mission.status,
            to: mission.status,
            promoted: None,
            at: tx.now(),
            estimate: None,
            approval_state: Some(held.state),
            validation_score: held.score,
        })
    })?;
    Ok(written.into_outcome())
}

/// Puts the score (if any), its evidence and who gave them on the mission; a new score
/// replaces the last one and clears an earlier review.
fn record_score(tx: &Tx<'_>, mission: &mut Mission, score: Option<f64>, evidence: &[String]) {
    mission.validation_score = score;
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
    let (rules, unusable) = rules(ws)?;
    let note = clean_text("note", note)?;
    let stamp = |tx: &mut Tx<'_>, m: &mut Mission| {
        gate::check_awaiting_review(m, "approve")?;
        gate::check_approver(m, tx.agent(), &rules)?;
        crate::lifecycle::fallback::check_human_approver(m, tx.agent())?;
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
    let outcome = transition::run_stamped(
        ws,
        "approve",
        id,
        Status::Completed,
        detail,
        Some(Status::Current),
        stamp,
    )?;
    Ok(warn_unusable(outcome, unusable))
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

/// What a session closes with through the gate: its state, score and evidence, and the
/// unusable policy file's warning when the defaults decided the state.
pub(super) struct SessionGate {
    pub state: ValidationState,
    pub score: f64,
    pub evidence: Vec<String>,
    pub unusable_policy: Option<String>,
}

/// The score, gate state and evidence a session closes with, checked; None without a score.
pub(super) fn session_validation(
    ws: &Workspace,
    validation: &Validation,
) -> Result<Option<SessionGate>> {
    let Some(score) = validation.score.map(gate::check_score).transpose()? else {
        return Ok(None);
    };
    let evidence = clean_items("evidence", &validation.evidence)?;
    let (rules, unusable_policy) = rules(ws)?;
    Ok(Some(SessionGate {
        state: gate::session_state(score, &rules),
        score,
        evidence,
        unusable_policy,
    }))
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
