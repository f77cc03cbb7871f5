//! A sprint's carry-forward: its open missions and open next steps moved to another sprint
//! in one commit, each reported (what moved, what stayed and why). What is selected is the
//! retrospective's carry-forward (`retro::gather`); what may move is `lifecycle::carry`.

use serde::Serialize;

use super::{Outcome, Workspace, close_out, knowledge, retro};
use crate::error::{Error, Result};
use crate::lifecycle::{self, MissionCarry};
use crate::model::{ItemKind, Sprint};
use crate::store::Snapshot;

/// What a carry-forward did, or would do.
#[derive(Debug, Serialize)]
pub struct CarryReport {
    /// The sprint the work leaves and the one it goes to (ids).
    pub from: String,
    pub to: String,
    /// True when nothing was written: the report says what a carry-forward would do.
    pub dry_run: bool,
    /// How many items moved (or would move), and how many stay.
    pub moved: usize,
    pub stayed: usize,
    /// The sprint's missions in the order of work, then its open next steps oldest first.
    pub items: Vec<CarriedItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarriedKind {
    Mission,
    NextStep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarryAction {
    Moved,
    /// What a dry run reports for an item a carry-forward would move.
    WouldMove,
    Stayed,
}

/// One mission or next step of the sprint.
#[derive(Debug, Serialize)]
pub struct CarriedItem {
    pub kind: CarriedKind,
    pub id: String,
    /// A mission's name, a next step's text.
    pub name: String,
    /// Its status (unchanged by a carry-forward).
    pub status: String,
    pub from: String,
    pub to: String,
    pub action: CarryAction,
    /// Why it stays; None when it moves.
    pub reason: Option<String>,
}

/// Moves the open work of sprint `from` to sprint `to` (each by id, the original's id or
/// title) in one commit; with `dry_run`, reports the same and writes nothing.
pub fn carry_forward(
    ws: &Workspace,
    from: &str,
    to: &str,
    dry_run: bool,
) -> Result<Outcome<CarryReport>> {
    let mut snapshot = ws.snapshot()?;
    let (source, target) = sprints(&snapshot, from, to)?;
    if dry_run {
        let report = plan(ws, &snapshot, &source, &target, CarryAction::WouldMove)?;
        let mut outcome = Outcome::read(report, &snapshot);
        for problem in close_out::unreadable_lines(ws, &snapshot, &[ItemKind::NextStep])? {
            outcome = outcome.warn(problem);
        }
        return Ok(outcome);
    }
    let written = ws.store().write("sprint.carry-forward", |tx| {
        // The branch may have moved since it was read: plan against the write's own base.
        let base = tx.base().ok_or(Error::NotInitialized)?;
        close_out::at_base(ws, &mut snapshot, base)?;
        let at = &snapshot;
        let (source, target) = sprints(at, from, to)?;
        let report = plan(ws, at, &source, &target, CarryAction::Moved)?;
        let now = tx.now();
        for item in report
            .items
            .iter()
            .filter(|i| i.action == CarryAction::Moved)
        {
            match item.kind {
                CarriedKind::Mission => {
                    let mut mission = tx.mission(&item.id)?;
                    let was = mission.sprint.replace(target.id.clone());
                    mission.updated_at = now;
                    tx.put_mission(&mission)?;
                    tx.record(
                        "mission.carried",
                        &item.id,
                        was,
                        Some(target.id.clone()),
                        None,
                    );
                }
                CarriedKind::NextStep => {
                    let step = tx.item(ItemKind::NextStep, &item.id)?;
                    knowledge::carry_in(tx, &step, &target.id)?;
                }
            }
        }
        tx.set_subject(format!(
            "sprint carry-forward {} {} ({} moved)",
            source.id, target.id, report.moved
        ));
        let unreadable = close_out::unreadable_lines(ws, at, &[ItemKind::NextStep])?;
        Ok((report, unreadable))
    })?;
    let (report, unreadable) = written.value;
    let mut outcome = Outcome::from_digest(report, &written.meta, &written.digest);
    for problem in unreadable {
        outcome = outcome.warn(problem);
    }
    Ok(outcome)
}

/// The two sprints, resolved and checked.
fn sprints(snapshot: &Snapshot<'_>, from: &str, to: &str) -> Result<(Sprint, Sprint)> {
    let source = snapshot.meta.resolve_sprint(from)?.clone();
    let target = snapshot.meta.resolve_sprint(to)?.clone();
    lifecycle::check_carry_forward(&source, &target)?;
    Ok((source, target))
}

/// What carrying `source`'s work to `target` does, each moving item marked `moving`;
/// refused when nothing would move.
fn plan(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    source: &Sprint,
    target: &Sprint,
    moving: CarryAction,
) -> Result<CarryReport> {
    let retro = retro::gather(ws, snapshot, source.clone())?.data;
    let index = snapshot.index()?;
    let mut items = Vec::new();
    for m in &retro.missions {
        let awaiting = index.missions.get(&m.id).is_some_and(|e| e.awaiting_review);
        let rule = lifecycle::mission_carry(m.status, awaiting);
        if rule == MissionCarry::Done {
            continue;
        }
        items.push(CarriedItem {
            kind: CarriedKind::Mission,
            id: m.id.clone(),
            name: m.name.clone(),
            status: m.status.to_string(),
            from: source.id.clone(),
            to: target.id.clone(),
            action: match rule {
                MissionCarry::Move => moving,
                _ => CarryAction::Stayed,
            },
            reason: rule.reason(m.status),
        });
    }
    for step in &retro.carry_forward.next_steps {
        items.push(CarriedItem {
            kind: CarriedKind::NextStep,
            id: step.id.clone(),
            name: step.text.clone(),
            status: step.status.to_string(),
            from: source.id.clone(),
            to: target.id.clone(),
            action: moving,
            reason: None,
        });
    }
    let moved = items.iter().filter(|i| i.action == moving).count();
    let stayed = items.len() - moved;
    lifecycle::check_something_to_carry(&source.id, moved, stayed)?;
    Ok(CarryReport {
        from: source.id.clone(),
        to: target.id.clone(),
        dry_run: moving == CarryAction::WouldMove,
        moved,
        stayed,
        items,
    })
}
