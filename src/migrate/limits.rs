//! The CLI's rules for names and texts (one line, no control characters, bounded lengths;
//! see `model::text`), applied to every imported record. A source written by another tool is
//! cleaned: escape sequences and control characters are removed, a name too long is cut (its
//! whole text kept in `legacy.<field>` while that is of a bounded size), a text too long is
//! cut; each change is a note of the report naming the record. A dump is refused instead:
//! it is a copy of a branch, and cmos never wrote such a record.

use super::{Batch, Notes};
use crate::error::{Error, Result};
use crate::model::{MAX_NAME_LEN, MAX_TEXT_LEN, clean_items, clean_name, clean_text};

/// Cleans every name and text of `batch`, noting each record changed.
pub fn clean(batch: &mut Batch) {
    let notes = &mut batch.notes;
    if let Some(project) = &mut batch.project {
        let legacy = &mut project.extra;
        name(notes, "project", "project name", &mut project.name, legacy);
        text(notes, "project", "description", &mut project.description);
    }
    for s in &mut batch.sprints {
        name(notes, &s.id, "sprint title", &mut s.title, &mut s.extra);
        text(notes, &s.id, "focus", &mut s.focus);
    }
    for m in &mut batch.missions {
        let id = &m.id;
        name(notes, id, "mission name", &mut m.name, &mut m.extra);
        text(notes, id, "objective", &mut m.objective);
        text(notes, id, "context", &mut m.context);
        text(notes, id, "notes", &mut m.notes);
        items(notes, id, "success criterion", &mut m.success_criteria);
        items(notes, id, "deliverable", &mut m.deliverables);
        if let Some(b) = &mut m.blocked {
            required_text(notes, id, "block reason", &mut b.reason);
            items(notes, id, "block need", &mut b.needs);
        }
        for t in &mut m.transitions {
            text(notes, id, "transition note", &mut t.note);
        }
        text(notes, id, "pattern rationale", &mut m.pattern_rationale);
        for e in &mut m.escalations {
            required_text(notes, id, "escalation reason", &mut e.reason);
        }
    }
    for s in &mut batch.sessions {
        let id = &s.id;
        name(notes, id, "session title", &mut s.title, &mut s.extra);
        text(notes, id, "summary", &mut s.summary);
        items(notes, id, "next step", &mut s.next_steps);
        for c in &mut s.captures {
            required_text(notes, id, "capture", &mut c.text);
        }
    }
    for i in &mut batch.items {
        let id = &i.id;
        required_text(notes, id, &format!("{} text", i.kind.as_str()), &mut i.text);
        text(notes, id, "rationale", &mut i.rationale);
    }
}

/// Refuses a dump whose records break the rules, naming the record's file and the field.
pub fn check_dump(batch: &Batch, file_of: impl Fn(&str, &str) -> String) -> Result<()> {
    let refuse = |kind: &str, id: &str, e: Error| -> Error {
        let why = match e {
            Error::InvalidInput(why) => why,
            other => other.to_string(),
        };
        Error::InvalidInput(format!(
            "{}: {why}; cmos never writes such a record, so the dump was changed by hand or by another tool; nothing was imported",
            file_of(kind, id)
        ))
    };
    let same_name = |field: &str, value: &str| -> Result<()> {
        if clean_name(field, value)? != value {
            return Err(Error::InvalidInput(format!(
                "the {field} has spaces at its ends"
            )));
        }
        Ok(())
    };
    let same_text = |field: &str, value: Option<&str>| clean_text(field, value).map(|_| ());
    let same_items = |field: &str, list: &[String]| clean_items(field, list).map(|_| ());
    if let Some(p) = &batch.project {
        same_name("project name", &p.name)
            .and_then(|()| same_text("description", p.description.as_deref()))
            .map_err(|e| refuse("project", "", e))?;
    }
    for s in &batch.sprints {
        same_name("sprint title", &s.title)
            .and_then(|()| same_text("focus", s.focus.as_deref()))
            .map_err(|e| refuse("sprint", &s.id, e))?;
    }
    for m in &batch.missions {
        same_name("mission name", &m.name)
            .and_then(|()| same_text("objective", m.objective.as_deref()))
            .and_then(|()| same_text("context", m.context.as_deref()))
            .and_then(|()| same_text("notes", m.notes.as_deref()))
            .and_then(|()| same_items("success criterion", &m.success_criteria))
            .and_then(|()| same_items("deliverable", &m.deliverables))
            .and_then(|()| {
                m.transitions
                    .iter()
                    .try_for_each(|t| same_text("transition note", t.note.as_deref()))
            })
            .and_then(|()| same_text("pattern rationale", m.pattern_rationale.as_deref()))
            .and_then(|()| {
                m.escalations
                    .iter()
                    .try_for_each(|e| same_text("escalation reason", Some(&e.reason)))
            })
            .map_err(|e| refuse("mission", &m.id, e))?;
    }
    for s in &batch.sessions {
        same_name("session title", &s.title)
            .and_then(|()| same_text("summary", s.summary.as_deref()))
            .and_then(|()| same_items("next step", &s.next_steps))
            .and_then(|()| {
                s.captures
                    .iter()
                    .try_for_each(|c| same_text("capture", Some(&c.text)))
            })
            .map_err(|e| refuse("session", &s.id, e))?;
    }
    Ok(())
}

/// A one-line name: escape sequences and control characters out, cut to the longest name.
fn name(notes: &mut Notes, record: &str, field: &str, value: &mut String, extra: &mut toml::Table) {
    if clean_name(field, value).is_ok_and(|c| c == *value) {
        return;
    }
    let one_line: String = strip_controls(value, false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut cleaned = one_line.clone();
    if cleaned != value.trim() {
        notes.mapped(
            format!("{field} with control characters or line breaks: made one line without them"),
            record,
        );
    }
    if cleaned.chars().count() > MAX_NAME_LEN {
        let whole_kept = one_line.len() <= MAX_TEXT_LEN;
        cleaned = cut_chars(&one_line, MAX_NAME_LEN);
        if whole_kept {
            legacy(extra).insert(key(field), one_line.into());
        }
        notes.mapped(
            format!(
                "{field} longer than {MAX_NAME_LEN} characters: cut{}",
                if whole_kept {
                    format!(" (whole text kept in legacy.{})", key(field))
                } else {
                    format!(" (over {MAX_TEXT_LEN} bytes, the rest not kept)")
                }
            ),
            record,
        );
    }
    if cleaned.is_empty() {
        cleaned = record.to_string();
        notes.mapped(
            format!("{field} empty once cleaned: the id stands in"),
            record,
        );
    }
    *value = cleaned;
}

/// Free text: escape sequences and control characters (but line breaks and tabs) out, cut to
/// the longest text.
fn text(notes: &mut Notes, record: &str, field: &str, value: &mut Option<String>) {
    let Some(current) = value else {
        return;
    };
    if clean_text(field, Some(current)).is_ok() {
        return;
    }
    let mut cleaned = strip_controls(current, true);
    if cleaned.len() != current.len() {
        notes.mapped(
            format!("{field} with escape sequences or control characters: removed"),
            record,
        );
    }
    if cleaned.len() > MAX_TEXT_LEN {
        notes.mapped(
            format!("{field} longer than {MAX_TEXT_LEN} bytes: cut, the rest not imported"),
            record,
        );
        cleaned = cut_bytes(&cleaned, MAX_TEXT_LEN);
    }
    *value = Some(cleaned).filter(|t| !t.trim().is_empty());
}

fn required_text(notes: &mut Notes, record: &str, field: &str, value: &mut String) {
    let mut wrapped = Some(std::mem::take(value));
    text(notes, record, field, &mut wrapped);
    *value = wrapped.unwrap_or_default();
}

fn items(notes: &mut Notes, record: &str, field: &str, list: &mut Vec<String>) {
    for item in list.iter_mut() {
        required_text(notes, record, field, item);
    }
    list.retain(|i| !i.trim().is_empty());
}

/// `text` without terminal escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL or ESC \`,
/// and two-character ones) or other control characters; line breaks and tabs stay when
/// `keep_lines`, else become spaces.
pub fn strip_controls(text: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']' | 'P' | '_' | '^') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || c == '\u{9c}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\t' | '\r' if keep_lines => out.push(if c == '\r' { '\n' } else { c }),
            '\n' | '\t' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn cut_chars(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn cut_bytes(text: &str, max: usize) -> String {
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn key(field: &str) -> String {
    field.rsplit(' ').next().unwrap_or(field).to_string()
}

fn legacy(extra: &mut toml::Table) -> &mut toml::Table {
    let entry = extra
        .entry("legacy")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if !entry.is_table() {
        *entry = toml::Value::Table(toml::Table::new());
    }
    match entry {
        toml::Value::Table(t) => t,
        _ => unreachable!("made a table just above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_go_whole() {
        let title = "fix\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[1;32m\rB9  Completed";
        assert_eq!(strip_controls(title, false), "fix B9  Completed");
        assert_eq!(strip_controls("a\r\nb\u{7}", true), "a\nb");
    }

    #[test]
    fn a_huge_name_is_cut_and_kept_while_bounded() {
        let mut notes = Notes::default();
        let mut extra = toml::Table::new();
        let mut value = "word ".repeat(100);
        name(&mut notes, "m1", "mission name", &mut value, &mut extra);
        assert_eq!(value.chars().count(), MAX_NAME_LEN);
        assert!(value.ends_with('…'));
        assert!(extra["legacy"]["name"].as_str().unwrap().len() > 400);
        let mut value = "x".repeat(MAX_TEXT_LEN + 1);
        let mut extra = toml::Table::new();
        name(&mut notes, "m2", "mission name", &mut value, &mut extra);
        assert_eq!(value.chars().count(), MAX_NAME_LEN);
        assert!(extra.is_empty());
    }

    #[test]
    fn a_huge_text_is_cut_at_a_character() {
        let mut notes = Notes::default();
        let mut value = Some("é".repeat(MAX_TEXT_LEN));
        text(&mut notes, "m1", "notes", &mut value);
        let value = value.unwrap();
        assert!(value.len() <= MAX_TEXT_LEN && value.ends_with('…'));
    }
}
