//! A sprint's close-out: in the one commit that completes the sprint, its retrospective is
//! recorded (a Markdown file on the branch and a snapshot naming the commit before the
//! close, the undo handle), and its decisions and learnings that are not evergreen are
//! archived, each with a note, every archived id returned (never silently).

use serde::Serialize;

use super::retro::{self, Kpis, Retro, RetroItem};
use super::{Outcome, Workspace};
use crate::error::{Error, FileProblem, Result};
use crate::format::layout;
use crate::lifecycle;
use crate::model::text::{escape_line, escape_text, one_line};
use crate::model::{Item, ItemKind, ItemStatus, Sprint, new_short_id, validate_id};
use crate::store::{CommitId, Snapshot, Tx};

/// What a close-out did.
#[derive(Debug, Serialize)]
pub struct CloseOut {
    /// The sprint, Completed.
    pub sprint: Sprint,
    /// The snapshot naming the branch as it was just before the close.
    pub snapshot: Item,
    /// Where the retrospective was recorded on the branch.
    pub retro_file: String,
    /// Every record the close archived.
    pub archived: Vec<Closed>,
    /// The sprint's Active records kept because they are evergreen.
    pub kept_evergreen: Vec<Closed>,
    pub kpis: Kpis,
    /// The retrospective's commit-ready summary.
    pub summary: String,
}

/// A decision or learning the close archived or kept.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    pub kind: ItemKind,
    pub id: String,
    pub text: String,
}

/// Completes sprint `id` (by the rules of a plain completion, `force` included) and closes
/// it out, in one commit; a sprint completed earlier without its close-out is closed out as
/// it is.
pub fn close(ws: &Workspace, id: &str, force: bool) -> Result<Outcome<CloseOut>> {
    let mut snapshot = ws.snapshot()?;
    let written = ws.store().write("sprint.complete", |tx| {
        let base = tx.base().ok_or(Error::NotInitialized)?;
        let mut sprint = tx.meta().resolve_sprint(id)?.clone();
        // The sprint's id names a file on the branch: it must be a sound id.
        validate_id("sprint", &sprint.id).map_err(|e| {
            Error::Corrupt(FileProblem {
                path: layout::sprint_path(&sprint.id),
                line: None,
                column: None,
                message: e.to_string(),
            })
        })?;
        let retro_file = layout::retro_path(&sprint.id);
        let recorded = tx.exists(&retro_file)?.then_some(retro_file.as_str());
        if lifecycle::check_close_out(&sprint, recorded)? {
            super::sprint::complete_in(tx, &mut sprint, force)?;
        }
        at_base(ws, &mut snapshot, base)?;
        let before = &snapshot;
        let gathered = retro::gather(ws, before, sprint.clone())?;
        let retro = gathered.data;
        // The retrospective's own advisories (sessions of no sprint) go with the close-out.
        let mut notes: Vec<String> = gathered.warnings.into_iter().map(|w| w.text).collect();
        notes.extend(unreadable_lines(
            ws,
            before,
            &lifecycle::CLOSED_WITH_SPRINT,
        )?);
        let (archived, kept_evergreen) = archive(tx, &retro, &sprint.id)?;
        let now = tx.now();
        let kind = ItemKind::Snapshot;
        let source = format!("close-out of sprint {}", sprint.id);
        let mut handle = Item::new(
            kind,
            new_short_id(kind.id_prefix()),
            source.clone(),
            tx.agent(),
            now,
        );
        handle.commit = Some(base.to_string());
        handle.sprint = Some(sprint.id.clone());
        tx.record("context.snapshot", &handle.id, None, None, Some(source));
        tx.put_item(handle.clone());
        let text = markdown(&retro, base, &handle, &archived, &kept_evergreen);
        tx.put_file(&retro_file, text.into_bytes());
        tx.set_subject(format!(
            "sprint complete {} with its retrospective, {} archived",
            sprint.id,
            archived.len()
        ));
        let closed = CloseOut {
            sprint,
            snapshot: handle,
            retro_file,
            archived,
            kept_evergreen,
            kpis: retro.kpis,
            summary: retro.summary,
        };
        Ok((closed, notes))
    })?;
    let (closed, notes) = written.value;
    let mut outcome = Outcome::from_digest(closed, &written.meta, &written.digest);
    for note in notes {
        if !outcome.warnings.iter().any(|w| w.text == note) {
            outcome = outcome.warn(note);
        }
    }
    if !outcome.data.archived.is_empty() {
        let ids: Vec<&str> = outcome
            .data
            .archived
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        let text = format!(
            "archived {} record(s) of sprint {}: {}",
            ids.len(),
            outcome.data.sprint.id,
            ids.join(", ")
        );
        outcome = outcome.warn(text);
    }
    Ok(outcome)
}

/// Makes `snapshot` the branch at `base`, the commit a write builds on, when the branch
/// moved since it was read (a write is re-run when it loses a race), so what the write
/// gathers is what it changes.
pub(super) fn at_base<'s>(
    ws: &'s Workspace,
    snapshot: &mut Snapshot<'s>,
    base: CommitId,
) -> Result<()> {
    if snapshot.commit != base {
        *snapshot = ws.store().snapshot_at(base)?;
    }
    Ok(())
}

/// A warning for each unreadable line of the logs of `kinds`: a record a close-out or a
/// carry-forward could not look at, said rather than skipped in silence.
pub(super) fn unreadable_lines(
    ws: &Workspace,
    snapshot: &Snapshot<'_>,
    kinds: &[ItemKind],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for kind in kinds {
        for problem in ws.store().items(snapshot, *kind)?.1 {
            out.push(format!(
                "an unreadable {kind} line was left as it is: {problem}"
            ));
        }
    }
    Ok(out)
}

/// Archives the sprint's Active decisions and learnings that are not evergreen, as the
/// write sees them; returns the archived and the kept ones.
fn archive(tx: &mut Tx<'_>, retro: &Retro, sprint: &str) -> Result<(Vec<Closed>, Vec<Closed>)> {
    let (mut archived, mut kept) = (Vec::new(), Vec::new());
    let note = lifecycle::close_out_note(sprint);
    for (kind, records) in [
        (ItemKind::Decision, &retro.decisions),
        (ItemKind::Learning, &retro.learnings),
    ] {
        for record in records.iter().filter(|r| r.status == ItemStatus::Active) {
            let item = tx.item(kind, &record.id)?;
            let closed = Closed {
                kind,
                id: item.id.clone(),
                text: item.text.clone(),
            };
            if !lifecycle::archived_at_close(&item) {
                if item.evergreen {
                    kept.push(closed);
                }
                continue;
            }
            let mut next = item.revised(tx.now());
            next.status = ItemStatus::Archived;
            next.note = Some(note.clone());
            tx.record(
                &format!("{kind}.status"),
                &item.id,
                Some(item.status.to_string()),
                Some(ItemStatus::Archived.to_string()),
                Some(note.clone()),
            );
            tx.put_item(next);
            archived.push(closed);
        }
    }
    Ok((archived, kept))
}

/// A table cell or list entry: one line, terminal controls written visibly (the file is
/// read with `git show` and in pull requests), its pipes escaped.
fn cell(text: &str) -> String {
    escape_line(&one_line(text)).replace('|', "\\|")
}

fn items(out: &mut String, title: &str, records: &[RetroItem]) {
    out.push_str(&format!("\n## {title}\n\n"));
    if records.is_empty() {
        out.push_str("None.\n");
    }
    for r in records {
        out.push_str(&format!("- {} ({}): {}\n", r.id, r.status, cell(&r.text)));
    }
}

fn closed(out: &mut String, title: &str, records: &[Closed]) {
    out.push_str(&format!("\n## {title}\n\n"));
    if records.is_empty() {
        out.push_str("None.\n");
    }
    for r in records {
        out.push_str(&format!("- {} {}: {}\n", r.kind, r.id, cell(&r.text)));
    }
}

/// The recorded retrospective: one fact a line, in a stable order, so two close-outs diff
/// line by line.
fn markdown(
    r: &Retro,
    before: CommitId,
    handle: &Item,
    archived: &[Closed],
    kept: &[Closed],
) -> String {
    let mut out = format!(
        "# Retrospective of sprint {}: {}\n\nClosed {} by {}. The branch before the close is commit {} (snapshot {}).\n\n## Summary\n\n",
        r.sprint.id,
        cell(&r.sprint.title),
        handle.created_at,
        cell(&handle.by),
        before,
        handle.id
    );
    out.push_str(&escape_text(&r.summary));
    out.push_str("\n## Missions\n\n");
    if r.missions.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str(
            "| Mission | Name | Status | Cycle (days) | Sessions |\n|---|---|---|---|---|\n",
        );
        for m in &r.missions {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&m.id),
                cell(&m.name),
                m.status,
                m.cycle_days.map_or("-".into(), |d| format!("{d:.2}")),
                cell(&m.sessions.join(", "))
            ));
        }
    }
    items(&mut out, "Decisions", &r.decisions);
    items(&mut out, "Learnings", &r.learnings);
    out.push_str("\n## Sessions\n\n");
    if r.sessions.is_empty() {
        out.push_str("None.\n");
    }
    for s in &r.sessions {
        let missions = if s.missions.is_empty() {
            "no mission".to_string()
        } else {
            s.missions.join(", ")
        };
        out.push_str(&format!(
            "- {} ({}, {}): {} — {}\n",
            s.id,
            cell(&s.agent),
            s.status,
            cell(&s.title),
            cell(&missions)
        ));
    }
    closed(&mut out, "Archived at the close", archived);
    closed(&mut out, "Kept (evergreen)", kept);
    out
}
