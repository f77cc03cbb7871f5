//! A mission's completion with its checks: the checks run first, outside the write lock;
//! their results become evidence given to the confidence gate; a failure refuses the
//! completion (nothing written) or holds the mission for review, as the policy says.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{CheckResult, chosen, config, run_all};
use crate::error::Result;
use crate::lifecycle::checks::{OnFailure, Selection, check_failures};
use crate::lifecycle::gate::{self as gate_rules, GateRules, Verdict};
use crate::model::{ApprovalState, Mission, Status};
use crate::next::{Action, Input, Op};
use crate::ops::gate::{self, Promotion, Validation};
use crate::ops::transition::TransitionOutcome;
use crate::ops::{Outcome, Workspace, history, policy};
use crate::store::Snapshot;

/// Most commits whose files are asked of git; past that the files the hooks logged are used.
const MAX_COMMITS_READ: usize = 500;

/// A completion and the checks that ran before it.
#[derive(Debug, Serialize)]
pub struct Checked {
    #[serde(flatten)]
    pub completion: TransitionOutcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckResult>,
}

/// Completes mission `id` as `gate::complete` does, after running the checks `selection`
/// picks. Every result is added to the evidence. When one fails, the validation policy's
/// `failed_check` decides: refuse (nothing is written, the error names the failures) or
/// review (the mission waits for a person, with the results as its evidence).
pub fn complete(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    promotion: Promotion,
    validation: &Validation,
    selection: &Selection,
) -> Result<Outcome<Checked>> {
    let snapshot = ws.snapshot()?;
    let mission = ws.store().mission(&snapshot, id)?;
    // Refuse a completion that could not happen before spending minutes on its checks.
    crate::lifecycle::check_transition(&mission.id, mission.status, Status::Completed)?;
    let policies = policy::effective(&snapshot)?;
    let rules = GateRules {
        auto_approve_min: policies.validation.auto_approve_min,
        needs_review_min: policies.validation.needs_review_min,
        allow_self_approval: policies.validation.allow_self_approval,
        require_scores: policies.validation.require_scores,
    };
    // A bad or missing score is refused before the checks run, not after.
    let score = validation.score.map(gate_rules::check_score).transpose()?;
    gate_rules::check_score_given(id, score, &rules)?;
    let (results, warning) = match selection {
        Selection::None => (Vec::new(), None),
        _ => {
            let checks = config::configured(ws.store())?;
            let touched = match selection {
                Selection::Touched if !checks.is_empty() => touched_paths(ws, &snapshot, &mission)?,
                _ => Vec::new(),
            };
            let picked = chosen(&checks, selection, &touched)?;
            let warning =
                (picked.is_empty() && !checks.is_empty() && *selection == Selection::Touched)
                    .then(|| untouched_warning(id, touched.len()));
            drop(snapshot);
            (run_all(ws, &picked)?, warning)
        }
    };
    let failed: Vec<&CheckResult> = results.iter().filter(|r| !r.passed).collect();
    let on_failure = policies.validation.failed_check;
    let summaries: Vec<String> = failed.iter().map(|r| r.summary()).collect();
    check_failures(id, &summaries, &tails(&failed), on_failure)?;
    let mut evidence = validation.evidence.clone();
    evidence.extend(results.iter().map(CheckResult::evidence));
    let validation = Validation {
        score: validation.score,
        evidence,
    };
    let held_back = !failed.is_empty()
        && on_failure == OnFailure::Review
        && score.map(|s| gate_rules::verdict(s, &rules)) != Some(Verdict::Refuse);
    let outcome = if held_back {
        let reason = format!("held for review: {}", summaries.join("; "));
        review(ws, id, notes, &validation, &reason)?.warn_then(
            format!(
                "mission {id} waits for review: {}, and the project's validation policy sends work whose checks fail to a person, who approves or rejects it",
                summaries.join("; ")
            ),
            Action::new(Op::MissionApprove).with(Input::MissionId, id),
        )
    } else {
        gate::complete(ws, id, notes, promotion, &validation)?
    };
    let outcome = match warning {
        Some((text, action)) => outcome.warn_then(text, action),
        None => outcome,
    };
    Ok(Outcome {
        data: Checked {
            completion: outcome.data,
            checks: results,
        },
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    })
}

/// The last lines of each failed check's output, for the refusal.
fn tails(failed: &[&CheckResult]) -> String {
    failed
        .iter()
        .filter(|r| !r.output_tail.is_empty())
        .map(|r| {
            let lines: Vec<&str> = r.output_tail.lines().collect();
            let last = &lines[lines.len().saturating_sub(10)..];
            format!("{} output (last lines):\n{}", r.name, last.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn untouched_warning(id: &str, touched: usize) -> (String, Action) {
    let text = if touched == 0 {
        format!(
            "no check ran: no commit of the project was logged against mission {id}, so no path was touched; choose the checks to run (all, or by name) to run them anyway"
        )
    } else {
        format!(
            "no check ran: none of the configured checks covers the {touched} path(s) mission {id}'s commits touched"
        )
    };
    let action = Action::new(Op::MissionComplete)
        .with(Input::MissionId, id)
        .with(Input::Checks, "all");
    (text, action)
}

/// The paths the commits logged against `mission` changed, each against its first parent,
/// as git has them (the files the hook logged when the commit is not in this repository).
fn touched_paths(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    mission: &Mission,
) -> Result<Vec<String>> {
    let commits = history::mission_commits(ws, snapshot, mission)?;
    let mut paths = BTreeSet::new();
    for (n, commit) in commits.iter().enumerate() {
        let hex = commit.hash.len() == 40 && commit.hash.bytes().all(|b| b.is_ascii_hexdigit());
        let from_git = (hex && n < MAX_COMMITS_READ)
            .then(|| ws.store().project_commit(&commit.hash).ok())
            .flatten();
        match from_git {
            Some(found) => paths.extend(found.files),
            None => paths.extend(commit.files.iter().cloned()),
        }
    }
    Ok(paths.into_iter().collect())
}

/// Holds mission `id` In Progress, waiting for a person, with the evidence and the reason a
/// failed check gave: the review state the gate gives a score in its review range. One commit.
fn review(
    ws: &Workspace,
    id: &str,
    notes: Option<&str>,
    validation: &Validation,
    reason: &str,
) -> Result<Outcome<TransitionOutcome>> {
    let evidence = crate::model::clean_items("evidence", &validation.evidence)?;
    let score = validation.score.map(gate_rules::check_score).transpose()?;
    let held = gate::Held {
        state: ApprovalState::NeedsReview,
        score,
        evidence: &evidence,
        reason: Some(reason.to_string()),
        subject: "checks failed, needs review".into(),
    };
    gate::hold_completion(ws, id, notes, held)
}
