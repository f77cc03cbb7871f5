//! The board's timeline: sessions, decisions and learnings, newest first, each with the
//! missions it touched.

use serde::Serialize;

use crate::error::Result;
use crate::model::text::one_line_cut;
use crate::model::{ItemKind, ItemStatus, Timestamp};
use crate::ops::{Outcome, Workspace};

/// How many entries a timeline holds when the caller does not say, and at most.
pub const DEFAULT_LIMIT: usize = 200;
pub const MAX_LIMIT: usize = 2_000;

/// How long an entry's title is, in characters.
const TITLE_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// `session`, `decision` or `learning`.
    pub kind: &'static str,
    pub id: String,
    pub at: Timestamp,
    pub title: String,
    pub by: String,
    pub missions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub sprint: Option<String>,
    pub entries: Vec<TimelineEntry>,
    /// How many entries there were before the limit.
    pub total: usize,
}

/// The timeline of the project, or of one sprint (its sessions, and the items whose sprint
/// is it, by the same reading `sprint retro` uses), newest first, at most `limit` entries.
pub fn timeline(
    ws: &Workspace,
    sprint: Option<&str>,
    limit: Option<usize>,
) -> Result<Outcome<Timeline>> {
    let snapshot = ws.snapshot()?;
    let sprint = match sprint {
        Some(name) => Some(snapshot.meta.resolve_sprint(name)?.id.clone()),
        None => None,
    };
    let in_scope = |s: Option<&str>| sprint.is_none() || s == sprint.as_deref();
    let mut entries = Vec::new();
    let (sessions, _) = ws.store().sessions(&snapshot)?;
    for s in sessions.iter().filter(|s| in_scope(s.sprint.as_deref())) {
        let mut missions: Vec<String> = Vec::new();
        for m in s
            .mission
            .iter()
            .chain(s.captures.iter().filter_map(|c| c.mission.as_ref()))
        {
            if !missions.contains(m) {
                missions.push(m.clone());
            }
        }
        entries.push(TimelineEntry {
            kind: "session",
            id: s.id.clone(),
            at: s.started_at,
            title: one_line_cut(&s.title, TITLE_CHARS),
            by: s.agent.clone(),
            missions,
        });
    }
    for (kind, word) in [
        (ItemKind::Decision, "decision"),
        (ItemKind::Learning, "learning"),
    ] {
        let (items, _) = ws.store().items(&snapshot, kind)?;
        let sprints = crate::ops::knowledge::item_sprints(ws, &snapshot, &items)?;
        for (item, item_sprint) in items.iter().zip(sprints) {
            if item.status == ItemStatus::Archived || !in_scope(item_sprint.as_deref()) {
                continue;
            }
            entries.push(TimelineEntry {
                kind: word,
                id: item.id.clone(),
                at: item.created_at,
                title: one_line_cut(&item.text, TITLE_CHARS),
                by: item.by.clone(),
                missions: item.mission.iter().cloned().collect(),
            });
        }
    }
    entries.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    let total = entries.len();
    entries.truncate(limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT));
    Ok(Outcome::read(
        Timeline {
            sprint,
            entries,
            total,
        },
        &snapshot,
    ))
}
