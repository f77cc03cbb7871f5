//! `memory list`: everything the project remembers in one list, newest first: decisions,
//! learnings, constraints and facts in force, open next steps, and the context notes
//! sessions captured (the original CMOS's context_notes).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::{CaptureCategory, ItemKind, ItemStatus, Timestamp, quote};

/// The kinds of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemoryKind {
    Decision,
    Learning,
    Constraint,
    Fact,
    Note,
    NextStep,
}

impl MemoryKind {
    pub const ALL: [MemoryKind; 6] = [
        MemoryKind::Decision,
        MemoryKind::Learning,
        MemoryKind::Constraint,
        MemoryKind::Fact,
        MemoryKind::Note,
        MemoryKind::NextStep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemoryKind::Decision => "decision",
            MemoryKind::Learning => "learning",
            MemoryKind::Constraint => "constraint",
            MemoryKind::Fact => "fact",
            MemoryKind::Note => "note",
            MemoryKind::NextStep => "next-step",
        }
    }

    /// The item log it is kept in; notes live in sessions.
    fn item_kind(self) -> Option<ItemKind> {
        match self {
            MemoryKind::Decision => Some(ItemKind::Decision),
            MemoryKind::Learning => Some(ItemKind::Learning),
            MemoryKind::Constraint => Some(ItemKind::Constraint),
            MemoryKind::Fact => Some(ItemKind::Fact),
            MemoryKind::NextStep => Some(ItemKind::NextStep),
            MemoryKind::Note => None,
        }
    }
}

impl fmt::Display for MemoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MemoryKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let word = s.trim().to_lowercase().replace('_', "-");
        // The original's plural names (decisions, learnings, context_notes, next_steps).
        let word = word.strip_suffix('s').unwrap_or(&word);
        let word = match word {
            "context-note" | "context" => "note",
            "next-step" | "nextstep" => "next-step",
            other => other,
        };
        MemoryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == word)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown kind of memory {}: use decision, learning, constraint, fact, note or next-step",
                    quote(s)
                ))
            })
    }
}

/// One thing the project remembers.
#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    pub kind: MemoryKind,
    /// The record's id; a note is named by its session.
    pub id: String,
    pub at: Timestamp,
    pub text: String,
    pub by: String,
    pub sprint: Option<String>,
    pub mission: Option<String>,
    pub session: Option<String>,
}

/// What `memory list` keeps.
#[derive(Debug, Clone, Default)]
pub struct MemoryFilter {
    pub kind: Option<MemoryKind>,
    /// A sprint by id, original id or title.
    pub sprint: Option<String>,
    pub limit: Option<usize>,
}

/// Everything remembered that `filter` keeps, newest first.
pub fn list(ws: &Workspace, filter: &MemoryFilter) -> Result<Outcome<Vec<Memory>>> {
    let snapshot = ws.snapshot()?;
    let kinds: Vec<MemoryKind> = match filter.kind {
        Some(kind) => vec![kind],
        None => MemoryKind::ALL.to_vec(),
    };
    let mut all: Vec<Memory> = Vec::new();
    for kind in &kinds {
        let Some(item_kind) = kind.item_kind() else {
            continue;
        };
        let (mut items, _) = ws.store().items(&snapshot, item_kind)?;
        items.retain(|i| i.status == ItemStatus::Active);
        let sprints = super::knowledge::item_sprints(ws, &snapshot, &items)?;
        all.extend(items.into_iter().zip(sprints).map(|(i, sprint)| Memory {
            kind: *kind,
            id: i.id,
            at: i.created_at,
            text: i.text,
            by: i.by,
            sprint,
            mission: i.mission,
            session: i.session,
        }));
    }
    if kinds.contains(&MemoryKind::Note) {
        for session in ws.store().sessions(&snapshot)?.0 {
            let notes = session
                .captures
                .iter()
                .filter(|c| c.category == CaptureCategory::Context);
            all.extend(notes.map(|c| Memory {
                kind: MemoryKind::Note,
                id: session.id.clone(),
                at: c.at,
                text: c.text.clone(),
                by: c.by.clone(),
                sprint: session.sprint.clone(),
                mission: c.mission.clone().or_else(|| session.mission.clone()),
                session: Some(session.id.clone()),
            }));
        }
    }
    if let Some(wanted) = filter.sprint.as_deref() {
        let matches = snapshot.meta.sprint_matcher(wanted);
        all.retain(|m| matches(m.sprint.as_deref()));
        if all.is_empty() && snapshot.meta.find_sprint(wanted)?.is_none() {
            return Err(snapshot.meta.missing("sprint", wanted.trim()));
        }
    }
    all.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    if let Some(limit) = filter.limit {
        all.truncate(limit);
    }
    Ok(Outcome::read(all, &snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_kinds_read_singular_plural_and_the_original_names() {
        assert_eq!(
            "decisions".parse::<MemoryKind>().unwrap(),
            MemoryKind::Decision
        );
        assert_eq!(
            "next_steps".parse::<MemoryKind>().unwrap(),
            MemoryKind::NextStep
        );
        assert_eq!(
            "context_notes".parse::<MemoryKind>().unwrap(),
            MemoryKind::Note
        );
        assert_eq!("Fact".parse::<MemoryKind>().unwrap(), MemoryKind::Fact);
        let err = "wishes".parse::<MemoryKind>().unwrap_err().to_string();
        assert!(err.contains("unknown kind of memory \"wishes\""), "{err}");
    }
}
