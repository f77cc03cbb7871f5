//! `cmos undo`: reverts this writer's last operation as a new commit. Record files go back
//! to how they were before it, except fields changed since by later operations; logs are
//! append-only, so what it appended stays, and items it added or changed get a newer version
//! that takes the change back.

use gix::ObjectId;
use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::{codec, layout};
use crate::merge::Conflict;
use crate::model::{Event, Item, ItemKind, ItemStatus, Timestamp, new_uid};
use crate::store::{LogEntry, LogFilter};

#[derive(Debug, Serialize)]
pub struct Undone {
    /// The operation taken back.
    pub undone: LogEntry,
    pub commit: String,
    /// Items whose change was taken back by a newer version.
    pub retracted: Vec<String>,
    /// Fields changed since by later operations, which keep their newer values.
    pub kept_later: Vec<Conflict>,
}

/// How far back `undo` looks for this writer's last operation.
const LOOK_BACK: usize = 1000;

pub fn undo(ws: &Workspace) -> Result<Outcome<Undone>> {
    let store = ws.store();
    let writer = store.writer()?;
    let filter = LogFilter {
        limit: LOOK_BACK,
        ..LogFilter::default()
    };
    let last = store
        .log(&filter)?
        .into_iter()
        .find(|e| e.writer.as_deref() == Some(writer.as_str()))
        .ok_or_else(|| {
            Error::Refused(format!(
                "this clone or worktree made none of the last {LOOK_BACK} operations: there is nothing of its own to undo"
            ))
        })?;
    if last.op == "init" || last.op == "sync.merge" {
        return Err(Error::Refused(format!(
            "the last operation of this worktree was {} ({}), which cannot be undone",
            last.op, last.summary
        )));
    }
    let commit = ObjectId::from_hex(last.commit.as_bytes())
        .map_err(|e| Error::Git(format!("bad commit id {}: {e}", last.commit)))?;
    let now = Timestamp::now();
    let (retractions, retracted) = retractions(ws, commit, now)?;
    let mut extra = Vec::new();
    let month = now.as_datetime().format("%Y-%m").to_string();
    let shard = |log: &str| {
        format!(
            "{}/{writer}-undo-{}.jsonl",
            layout::log_month_dir(log, &month),
            crate::model::text::short_hash(&last.commit)
        )
    };
    let mut by_log: std::collections::BTreeMap<&str, Vec<u8>> = Default::default();
    for item in &retractions {
        by_log
            .entry(item.kind.log_dir())
            .or_default()
            .extend(codec::json_line(item));
    }
    let event = Event {
        uid: new_uid(),
        at: now,
        agent: store.agent().to_string(),
        writer: writer.clone(),
        kind: "undo".into(),
        target: last.commit.clone(),
        from: None,
        to: None,
        note: Some(last.summary.clone()),
        extra: Default::default(),
    };
    by_log
        .entry(layout::EVENTS)
        .or_default()
        .extend(codec::json_line(&event));
    for (log, bytes) in by_log {
        extra.push((shard(log), bytes));
    }
    let subject = format!("undo: {}", last.summary);
    let merged = store.revert(commit, &extra, &subject)?;
    let snapshot = ws.snapshot()?;
    let undone = Undone {
        commit: merged.commit.to_string(),
        undone: last,
        retracted,
        kept_later: merged.conflicts,
    };
    Ok(Outcome::read(undone, &snapshot))
}

/// Newer versions that take back what `commit` did to items: an item it added is archived,
/// an item it changed gets its earlier version back.
fn retractions(
    ws: &Workspace,
    commit: ObjectId,
    now: Timestamp,
) -> Result<(Vec<Item>, Vec<String>)> {
    let store = ws.store();
    let after = store.tree_at(commit)?;
    let parent = store.commit_id(&format!("{commit}^")).ok();
    let before = match parent {
        Some(p) => Some(store.tree_at(p)?),
        None => None,
    };
    let tip = store.snapshot()?;
    let mut out = Vec::new();
    let mut ids = Vec::new();
    for kind in ItemKind::ALL {
        let (current, _) = store.items(&tip, *kind)?;
        let (then, _) = match before {
            Some(tree) => store.items_in(tree, *kind)?,
            None => (Vec::new(), Vec::new()),
        };
        let (now_items, _) = store.items_in(after, *kind)?;
        for item in now_items {
            let earlier = then.iter().find(|i| i.id == item.id);
            let changed_since = current.iter().find(|i| i.id == item.id) != Some(&item);
            // Unchanged by the operation, or changed again since: later changes stay.
            if earlier == Some(&item) || changed_since {
                continue;
            }
            let mut version = match earlier {
                Some(earlier) => earlier.revised(now),
                None => {
                    let mut gone = item.revised(now);
                    gone.status = ItemStatus::Archived;
                    gone
                }
            };
            version.note = Some("undone".into());
            ids.push(version.id.clone());
            out.push(version);
        }
    }
    Ok((out, ids))
}
