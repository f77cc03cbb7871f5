//! Named points in the branch's history (`context snapshot`), their list, and what changed
//! between two of them: missions, sprints and sessions field by field, items by status, and
//! the project notes as a text diff.

use serde::Serialize;

use super::changes::{RecordChange, record_change};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::model::{Item, ItemKind, ItemStatus, clean_name, new_short_id};
use crate::store::CommitId;

/// Names the branch as it is now.
///
/// `session` names the session it was taken in (the original kept it with the snapshot); it
/// must exist.
pub fn snapshot(ws: &Workspace, source: &str, session: Option<&str>) -> Result<Outcome<Item>> {
    let source = clean_name("snapshot source", source)?;
    let written = ws.store().write("context.snapshot", |tx| {
        let session = match session.map(str::trim) {
            Some(id) => Some(tx.session(id)?.id),
            None => None,
        };
        let base = tx.base().ok_or(Error::NotInitialized)?;
        let kind = ItemKind::Snapshot;
        let mut item = Item::new(
            kind,
            new_short_id(kind.id_prefix()),
            source.clone(),
            tx.agent(),
            tx.now(),
        );
        item.commit = Some(base.to_string());
        item.session = session;
        tx.record(
            "context.snapshot",
            &item.id,
            None,
            None,
            Some(source.clone()),
        );
        tx.set_subject(format!("context snapshot {}", item.id));
        tx.put_item(item.clone());
        Ok(item)
    })?;
    Ok(written.into_outcome())
}

/// The named points, newest first.
pub fn history(ws: &Workspace) -> Result<Outcome<Vec<Item>>> {
    let snapshot = ws.snapshot()?;
    let (mut items, _) = ws.store().items(&snapshot, ItemKind::Snapshot)?;
    items.reverse();
    Ok(Outcome::read(items, &snapshot))
}

/// One end of a comparison.
#[derive(Debug, Serialize)]
pub struct Point {
    /// What was asked for: a snapshot id, a revision, or `now`.
    pub name: String,
    pub commit: String,
    /// The snapshot's source, when the point is a snapshot.
    pub source: Option<String>,
}

/// What changed between two points.
#[derive(Debug, Serialize)]
pub struct ContextDiff {
    pub from: Point,
    pub to: Point,
    pub missions: Vec<RecordChange>,
    pub sprints: Vec<RecordChange>,
    pub sessions: Vec<RecordChange>,
    /// Decisions, facts, learnings, constraints and next steps added or changed in status.
    pub items: Vec<ItemChange>,
    /// A unified diff of the project notes, when they changed.
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ItemChange {
    pub kind: ItemKind,
    pub id: String,
    pub text: String,
    /// None when the item is new.
    pub from: Option<ItemStatus>,
    pub to: ItemStatus,
}

/// Compares two points: snapshot ids, or revisions of the branch (`cmos~3`, a commit); `to`
/// defaults to the tip.
pub fn diff(ws: &Workspace, from: &str, to: Option<&str>) -> Result<Outcome<ContextDiff>> {
    let snapshot = ws.snapshot()?;
    let (named, _) = ws.store().items(&snapshot, ItemKind::Snapshot)?;
    let from = point(ws, &named, from)?;
    let to = match to {
        Some(to) => point(ws, &named, to)?,
        None => (
            Point {
                name: "now".into(),
                commit: snapshot.commit.to_string(),
                source: None,
            },
            snapshot.commit,
        ),
    };
    let store = ws.store();
    let (old, new) = (from.1, to.1);
    let records = |dir: &str| -> Result<Vec<RecordChange>> {
        let mut changes = Vec::new();
        for (path, before, after) in store.changed_between(old, new, dir)? {
            if let Some(change) = record_change(&path, before.as_deref(), after.as_deref()) {
                changes.push(change);
            }
        }
        changes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(changes)
    };
    let mut items = Vec::new();
    for kind in [
        ItemKind::Decision,
        ItemKind::Constraint,
        ItemKind::Learning,
        ItemKind::Fact,
        ItemKind::NextStep,
    ] {
        let (before, _) = store.items_at(old, kind)?;
        let (after, _) = store.items_at(new, kind)?;
        let was: std::collections::HashMap<&str, ItemStatus> =
            before.iter().map(|i| (i.id.as_str(), i.status)).collect();
        for item in after {
            let from = was.get(item.id.as_str()).copied();
            if from != Some(item.status) {
                items.push(ItemChange {
                    kind,
                    id: item.id,
                    text: item.text.lines().next().unwrap_or_default().to_string(),
                    from,
                    to: item.status,
                });
            }
        }
    }
    let notes_of = |commit| -> Result<String> {
        Ok(store
            .file_at(commit, layout::NOTES)?
            .map_or(String::new(), |b| String::from_utf8_lossy(&b).into_owned()))
    };
    let (notes_before, notes_after) = (notes_of(old)?, notes_of(new)?);
    let notes = (notes_before != notes_after).then(|| {
        super::changes::unified_diff(&notes_before, &notes_after, &from.0.name, &to.0.name)
    });
    let result = ContextDiff {
        missions: records(layout::MISSIONS)?,
        sprints: records(layout::SPRINTS)?,
        sessions: records(layout::SESSIONS)?,
        items,
        notes,
        from: from.0,
        to: to.0,
    };
    Ok(Outcome::read(result, &snapshot))
}

/// A snapshot id or a revision, as a point and its commit.
fn point(ws: &Workspace, named: &[Item], name: &str) -> Result<(Point, CommitId)> {
    if let Some(item) = named.iter().find(|i| i.id == name) {
        let commit = item.commit.clone().unwrap_or_default();
        let id = CommitId::from_hex(&commit).ok_or_else(|| {
            Error::Corrupt(crate::error::FileProblem {
                path: ".cmos/snapshots".into(),
                line: None,
                column: None,
                message: format!("snapshot {name} names no valid commit ({commit:?})"),
            })
        })?;
        let point = Point {
            name: name.to_string(),
            commit,
            source: Some(item.text.clone()),
        };
        return Ok((point, id));
    }
    let id = ws
        .store()
        .resolve_commit(name)
        .map_err(|_| Error::NotFound {
            kind: "snapshot",
            id: name.to_string(),
        })?;
    let point = Point {
        name: name.to_string(),
        commit: id.to_string(),
        source: None,
    };
    Ok((point, id))
}
