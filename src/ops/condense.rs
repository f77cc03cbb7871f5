//! The context's condensation: trims what `context` and `onboard` load, phase by phase while
//! the context is above its target, without deleting anything from the branch. Next steps
//! done with a Completed mission are closed (a status change, kept in the log); completed
//! sprints older than the newest three are loaded as one summary line each (a window kept
//! in `.cmos/context.toml`). One commit, or none for a dry run.

use std::collections::HashSet;

use serde::Serialize;

use super::context::{Shape, fit, gather, windowed};
use super::context_windows::{self as file, Condensed, File, Windows};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::lifecycle;
use crate::model::{ItemKind, ItemStatus, Status};
use crate::store::Snapshot;

/// The default target, in tokens: the original's 60% of a 100 KB context, at 4 characters a
/// token.
pub const DEFAULT_TARGET_TOKENS: usize = 15_000;
const MIN_TARGET_TOKENS: usize = 100;
const MAX_TARGET_TOKENS: usize = 1_000_000;
/// Completed sprints kept in detail.
pub const SPRINT_DETAIL: u32 = 3;

#[derive(Debug, Serialize)]
pub struct Condensation {
    pub target_tokens: usize,
    /// The context's size before and after, estimated as `context` estimates it.
    pub before_tokens: usize,
    pub after_tokens: usize,
    pub target_met: bool,
    pub dry_run: bool,
    /// What each phase did (or would do), in order; a phase runs only while the context is
    /// still above the target.
    pub phases: Vec<PhaseReport>,
    /// The next steps closed as Done.
    pub closed: Vec<ClosedStep>,
    /// The windows context loads after the condensation.
    pub windows: Windows,
    /// Whether anything was (or would be) written.
    pub changed: bool,
}

#[derive(Debug, Serialize)]
pub struct PhaseReport {
    /// The section it trims: next_steps, last_session, earlier_sprints.
    pub section: &'static str,
    pub action: String,
    pub tokens_before: usize,
    pub tokens_after: usize,
}

#[derive(Debug, Serialize)]
pub struct ClosedStep {
    pub id: String,
    pub text: String,
    /// The Completed mission it belonged to or named.
    pub mission: String,
}

/// The size of the context `shape` loads at `snapshot`, in estimated tokens.
fn size(ws: &Workspace, snapshot: &Snapshot<'_>, shape: &Shape) -> Result<usize> {
    let (sections, project, _) = gather(ws, snapshot, shape, false)?;
    Ok(fit(project, sections, None).budget.used)
}

/// Condenses the context toward `target` tokens (else the default); `dry_run` reports what
/// would be done and writes nothing.
pub fn condense(
    ws: &Workspace,
    target: Option<usize>,
    dry_run: bool,
) -> Result<Outcome<Condensation>> {
    let target = target.unwrap_or(DEFAULT_TARGET_TOKENS);
    if !(MIN_TARGET_TOKENS..=MAX_TARGET_TOKENS).contains(&target) {
        return Err(Error::InvalidInput(format!(
            "the target must be from {MIN_TARGET_TOKENS} to {MAX_TARGET_TOKENS} tokens, not {target}"
        )));
    }
    let snapshot = ws.snapshot()?;
    let (mut shape, problem) = windowed(ws, &snapshot)?;
    let before = size(ws, &snapshot, &shape)?;
    let mut now = before;
    let mut phases = Vec::new();
    let mut closed = Vec::new();

    // 1. Next steps done with a Completed mission.
    if now > target {
        let index = snapshot.index()?;
        let completed = |id: &str| {
            index
                .missions
                .get(id)
                .is_some_and(|m| m.status == Status::Completed)
        };
        let (steps, _) = ws.store().items(&snapshot, ItemKind::NextStep)?;
        for step in steps.iter().filter(|s| s.status == ItemStatus::Active) {
            if let Some(mission) = lifecycle::condense::done_with_mission(step, &completed) {
                closed.push(ClosedStep {
                    id: step.id.clone(),
                    text: step.text.clone(),
                    mission,
                });
            }
        }
        shape.closed = closed.iter().map(|c| c.id.clone()).collect::<HashSet<_>>();
        let after = size(ws, &snapshot, &shape)?;
        phases.push(PhaseReport {
            section: "next_steps",
            action: if closed.is_empty() {
                "no open next step belongs to or names a Completed mission".into()
            } else {
                format!(
                    "{} open next step(s) of Completed missions closed as Done, kept in the log",
                    closed.len()
                )
            },
            tokens_before: now,
            tokens_after: after,
        });
        now = after;
    }

    // 2. Session history: context already loads the newest completed session's handover
    // only; older sessions stay on the branch and are never loaded.
    if now > target {
        phases.push(PhaseReport {
            section: "last_session",
            action: "already the newest session's handover only; older sessions stay on the branch, unloaded".into(),
            tokens_before: now,
            tokens_after: now,
        });
    }

    // 3. Completed sprints older than the newest three: one summary line each.
    if now > target {
        let keep = shape
            .windows
            .sprint_detail
            .map_or(SPRINT_DETAIL, |n| n.min(SPRINT_DETAIL));
        shape.windows.sprint_detail = Some(keep);
        let after = size(ws, &snapshot, &shape)?;
        let completed = snapshot
            .meta
            .sprints
            .values()
            .filter(|s| s.status == crate::model::SprintStatus::Completed)
            .count();
        let summarised = completed.saturating_sub(keep as usize);
        phases.push(PhaseReport {
            section: "earlier_sprints",
            action: if summarised == 0 {
                format!("no completed sprint older than the newest {keep}")
            } else {
                format!(
                    "{summarised} completed sprint(s) older than the newest {keep} loaded as one summary line each"
                )
            },
            tokens_before: now,
            tokens_after: after,
        });
        now = after;
    }

    let old: Windows = windowed(ws, &snapshot)?.0.windows;
    let changed = !closed.is_empty() || shape.windows != old;
    let windows = shape.windows;
    let data = Condensation {
        target_tokens: target,
        before_tokens: before,
        after_tokens: now,
        target_met: now <= target,
        dry_run,
        phases,
        closed,
        windows,
        changed,
    };
    let mut outcome = if dry_run || !changed {
        Outcome::read(data, &snapshot)
    } else {
        let steps: Vec<(String, String)> = data
            .closed
            .iter()
            .map(|c| (c.id.clone(), c.mission.clone()))
            .collect();
        let written = ws.store().write("context.condense", |tx| {
            for (id, mission) in &steps {
                let item = tx.item(ItemKind::NextStep, id)?;
                lifecycle::check_item_open(&item)?;
                let mut next = item.revised(tx.now());
                next.status = ItemStatus::Done;
                next.note = Some(format!("condensed: mission {mission} is Completed"));
                tx.record(
                    "next-step.status",
                    id,
                    Some(item.status.to_string()),
                    Some(ItemStatus::Done.to_string()),
                    next.note.clone(),
                );
                tx.put_item(next);
            }
            let record = File {
                windows,
                condensed: Some(Condensed {
                    at: tx.now(),
                    by: tx.agent().to_string(),
                    target_tokens: target as u64,
                }),
            };
            tx.put_file(file::PATH, file::render(&record).into_bytes());
            tx.set_subject(format!(
                "context condense: {} next step(s) done, {} completed sprint(s) in detail",
                steps.len(),
                windows.sprint_detail.unwrap_or(SPRINT_DETAIL)
            ));
            Ok(())
        })?;
        let written = written.into_outcome();
        Outcome {
            data,
            warnings: written.warnings,
            instructions: written.instructions,
        }
    };
    if let Some(problem) = problem {
        outcome = outcome.warn(problem);
    }
    Ok(outcome)
}
