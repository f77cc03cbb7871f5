//! The free-form project notes: one Markdown file on the branch, `.cmos/notes.md`, that
//! context shows to every agent.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::Result;
use crate::format::layout;
use crate::model::clean_text;
use crate::next::{Action, Input, Op};

#[derive(Debug, Serialize)]
pub struct Notes {
    /// The notes; empty when there are none.
    pub text: String,
    /// Whether this command changed them.
    pub changed: bool,
}

pub fn show(ws: &Workspace) -> Result<Outcome<Notes>> {
    let snapshot = ws.snapshot()?;
    let bytes = ws.store().branch_file(&snapshot, layout::NOTES)?;
    let text = bytes.map_or(String::new(), |b| String::from_utf8_lossy(&b).into_owned());
    let outcome = Outcome::read(
        Notes {
            text,
            changed: false,
        },
        &snapshot,
    );
    Ok(if outcome.data.text.is_empty() {
        outcome.warn_then(
            "there are no project notes yet; write them",
            Action::new(Op::NotesSet).needs(Input::Text),
        )
    } else {
        outcome
    })
}

/// Replaces the notes; empty text removes them. Unchanged notes make no commit.
pub fn set(ws: &Workspace, text: &str) -> Result<Outcome<Notes>> {
    let text = clean_text("project notes", Some(text))?
        .map(|t| format!("{t}\n"))
        .unwrap_or_default();
    let written = ws.store().write("notes.set", |tx| {
        let old = tx.file(layout::NOTES)?.unwrap_or_default();
        if old == text.as_bytes() {
            return Ok(false);
        }
        if text.is_empty() {
            tx.remove_file(layout::NOTES);
        } else {
            tx.put_file(layout::NOTES, text.clone().into_bytes());
        }
        tx.record("notes.updated", "notes", None, None, None);
        tx.set_subject("context notes set");
        Ok(true)
    })?;
    let changed = written.value;
    Ok(Outcome::from_digest(
        Notes {
            text: text.clone(),
            changed,
        },
        &written.meta,
        &written.digest,
    ))
}
