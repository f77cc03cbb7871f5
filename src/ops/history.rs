//! Review: every change to one mission, field by field, and a mission as it was at any
//! commit of the branch.

use serde::Serialize;

use super::changes::{FieldChange, record_change};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::{codec, layout};
use crate::model::{Mission, validate_id};
use crate::store::LogEntry;

/// One operation's change to a mission.
#[derive(Debug, Serialize)]
pub struct MissionChange {
    #[serde(flatten)]
    pub entry: LogEntry,
    /// added, removed or changed.
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

/// The changes to mission `id`, newest first, at most `limit`.
pub fn mission_history(
    ws: &Workspace,
    id: &str,
    limit: usize,
) -> Result<Outcome<Vec<MissionChange>>> {
    validate_id("mission", id)?;
    let snapshot = ws.snapshot()?;
    let path = layout::mission_path(id);
    let mut changes = Vec::new();
    for (entry, before, after) in ws.store().file_history(&path, limit)? {
        let change = record_change(&path, before.as_deref(), after.as_deref());
        let (change, fields) = match change {
            Some(c) => (c.change, c.fields),
            None => ("changed", Vec::new()),
        };
        changes.push(MissionChange {
            entry,
            change,
            fields,
        });
    }
    if changes.is_empty() {
        return Err(snapshot.meta.missing("mission", id));
    }
    Ok(Outcome::read(changes, &snapshot))
}

/// Mission `id` as it was at `rev`, a revision of the cmos branch (`cmos~3`, a commit, a tag).
pub fn mission_at(ws: &Workspace, id: &str, rev: &str) -> Result<Outcome<Mission>> {
    validate_id("mission", id)?;
    let snapshot = ws.snapshot()?;
    let commit = ws.store().resolve_commit(rev)?;
    let path = layout::mission_path(id);
    let bytes = ws
        .store()
        .file_at(commit, &path)?
        .ok_or_else(|| Error::NotFound {
            kind: "mission",
            id: format!("{id} (at {rev})"),
        })?;
    let mission: Mission = codec::from_toml(&path, &bytes).map_err(Error::Corrupt)?;
    Ok(Outcome::read(mission, &snapshot))
}
