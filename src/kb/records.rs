//! The records on the branch as search documents: missions with their spec, sessions with
//! their captures, and decisions, facts, learnings, constraints and next steps.

use super::engine::{Document, Source};
use crate::model::{Item, ItemKind, Mission, Session};

pub fn mission(m: &Mission) -> Document {
    let mut text = vec![m.status.to_string()];
    text.extend(m.objective.clone());
    text.extend(m.context.clone());
    text.extend(m.success_criteria.iter().cloned());
    text.extend(m.deliverables.iter().cloned());
    text.extend(m.notes.clone());
    document("mission", &m.id, &m.name, text)
}

pub fn session(s: &Session) -> Document {
    let mut text: Vec<String> = s.summary.iter().cloned().collect();
    text.extend(s.next_steps.iter().cloned());
    text.extend(
        s.captures
            .iter()
            .map(|c| format!("{}: {}", c.category, c.text)),
    );
    document("session", &s.id, &s.title, text)
}

pub fn item(i: &Item) -> Document {
    let mut text = vec![i.text.clone()];
    text.extend(i.rationale.clone());
    text.extend(i.category.clone());
    text.extend(i.note.clone());
    let title = i.text.lines().next().unwrap_or_default();
    document(i.kind.as_str(), &i.id, title, text)
}

fn document(kind: &str, id: &str, title: &str, text: Vec<String>) -> Document {
    Document {
        source: Source::Record {
            kind: kind.to_string(),
            id: id.to_string(),
        },
        title: title.to_string(),
        text: text.join("\n"),
    }
}

/// The item logs a search covers (snapshots are points in history, not knowledge).
pub const SEARCHED_ITEMS: [ItemKind; 5] = [
    ItemKind::Decision,
    ItemKind::Fact,
    ItemKind::Learning,
    ItemKind::Constraint,
    ItemKind::NextStep,
];

/// Every record as a document: missions, then sessions, then items.
pub fn all(missions: &[Mission], sessions: &[Session], items: &[Item]) -> Vec<Document> {
    let mut documents: Vec<Document> = missions.iter().map(mission).collect();
    documents.extend(sessions.iter().map(session));
    documents.extend(items.iter().map(item));
    documents
}
