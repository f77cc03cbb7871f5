//! `verify`'s text check: the names and texts on a branch judged by the rules the CLI writes
//! them with (`model::text`), since a collaborator's push or an older import may hold what
//! `cmos` itself would refuse: escape sequences in a name, a name of a thousand lines.

use gix::ObjectId;

use super::{Store, trees};
use crate::error::{FileProblem, Result};
use crate::format::layout;
use crate::index::Index;
use crate::model::text::{name_problem, text_problem};
use crate::model::{Item, Mission, Session};

/// A field of a record and how to judge it.
enum Field<'a> {
    /// One line: a name or title.
    Name(&'static str, &'a str),
    /// Free text that may span lines.
    Text(&'static str, &'a str),
}

impl Field<'_> {
    /// The problem with this field, named by its key, if it breaks its rule.
    fn problem(&self) -> Option<(&'static str, String)> {
        let (key, why) = match self {
            Field::Name(key, text) => (*key, name_problem(text)?),
            Field::Text(key, text) => (*key, text_problem(text)?),
        };
        Some((
            key,
            format!("the {} is not valid text: {why}", key.replace('_', " ")),
        ))
    }
}

/// Every name and text of the records of `tree` that the CLI would have refused, by path and
/// line (the line where the field's key is, when the file has it on one).
pub(super) fn check(
    store: &Store,
    tree: ObjectId,
    index: &Index,
    problems: &mut Vec<FileProblem>,
) -> Result<()> {
    let mut report = |path: &str, fields: Vec<Field<'_>>| -> Result<()> {
        let found: Vec<(&str, String)> = fields.iter().filter_map(Field::problem).collect();
        if found.is_empty() {
            return Ok(());
        }
        let bytes = store.file_in(tree, path)?.unwrap_or_default();
        for (key, message) in found {
            let line = key_line(&bytes, key);
            problems.push(FileProblem {
                path: path.to_string(),
                line,
                column: line.map(|_| 1),
                message,
            });
        }
        Ok(())
    };
    if let Some(project) = &index.meta.project {
        let mut fields = vec![Field::Name("name", &project.name)];
        fields.extend(
            project
                .description
                .as_deref()
                .map(|t| Field::Text("description", t)),
        );
        report(layout::PROJECT, fields)?;
    }
    for sprint in index.meta.sprints.values() {
        let mut fields = vec![Field::Name("title", &sprint.title)];
        fields.extend(sprint.focus.as_deref().map(|t| Field::Text("focus", t)));
        if fields.iter().all(|f| f.problem().is_none()) {
            continue;
        }
        // The file the sprint was read from: where format 2 puts it, else where 1 kept it.
        let [sharded, flat] = layout::sprint_paths(&sprint.id);
        let path = match trees::blob_at(&store.repo, tree, &sharded)? {
            Some(_) => sharded,
            None => flat,
        };
        report(&path, fields)?;
    }
    // Missions are judged as the index is built (`mission`), each file parsed once;
    // sessions a file at a time (`session`), with the problems of each kept by blob.
    // Item logs are judged with their lines (`item`), as each line is parsed.
    Ok(())
}

/// The names and texts of one mission that break the rules; the load calls this for every
/// mission it parses, with the file's bytes for the lines.
pub(super) fn mission(
    path: &str,
    bytes: &[u8],
    mission: &Mission,
    problems: &mut Vec<FileProblem>,
) {
    for (key, message) in mission_fields(mission).iter().filter_map(Field::problem) {
        let line = key_line(bytes, key);
        problems.push(FileProblem {
            path: path.to_string(),
            line,
            column: line.map(|_| 1),
            message,
        });
    }
}

/// The texts of one session that break the rules, with the file's bytes for the lines.
pub(super) fn session(path: &str, bytes: &[u8], session: &Session) -> Vec<FileProblem> {
    let mut fields = vec![Field::Name("title", &session.title)];
    fields.extend(
        session
            .summary
            .as_deref()
            .map(|t| Field::Text("summary", t)),
    );
    fields.extend(
        session
            .next_steps
            .iter()
            .map(|t| Field::Text("next_steps", t)),
    );
    fields.extend(
        session
            .captures
            .iter()
            .map(|c| Field::Text("text", &c.text)),
    );
    fields
        .iter()
        .filter_map(Field::problem)
        .map(|(key, message)| {
            let line = key_line(bytes, key);
            FileProblem {
                path: path.to_string(),
                line,
                column: line.map(|_| 1),
                message,
            }
        })
        .collect()
}

fn mission_fields(m: &Mission) -> Vec<Field<'_>> {
    // Room for every field at once (grown field by field, the list was reallocated for every
    // record a verify reads).
    let needs = m.blocked.as_ref().map_or(0, |b| 1 + b.needs.len());
    let mut fields =
        Vec::with_capacity(4 + m.success_criteria.len() + m.deliverables.len() + needs);
    fields.push(Field::Name("name", &m.name));
    for (key, text) in [
        ("objective", &m.objective),
        ("context", &m.context),
        ("notes", &m.notes),
    ] {
        fields.extend(text.as_deref().map(|t| Field::Text(key, t)));
    }
    fields.extend(
        m.success_criteria
            .iter()
            .map(|t| Field::Text("success_criteria", t)),
    );
    fields.extend(
        m.deliverables
            .iter()
            .map(|t| Field::Text("deliverables", t)),
    );
    if let Some(blocked) = &m.blocked {
        fields.push(Field::Text("reason", &blocked.reason));
        fields.extend(blocked.needs.iter().map(|t| Field::Text("needs", t)));
    }
    fields
}

/// The texts of the item on `line` of an item log that break the rules.
pub(super) fn item(path: &str, line: usize, item: &Item, problems: &mut Vec<FileProblem>) {
    let mut fields = vec![Field::Text("text", &item.text)];
    fields.extend(
        item.rationale
            .as_deref()
            .map(|t| Field::Text("rationale", t)),
    );
    fields.extend(item.note.as_deref().map(|t| Field::Text("note", t)));
    for (_, message) in fields.iter().filter_map(Field::problem) {
        problems.push(FileProblem {
            path: path.to_string(),
            line: Some(line),
            column: None,
            message: format!("item {}: {message}", item.id),
        });
    }
}

/// The 1-based line where `key = ...` is set in a TOML file.
fn key_line(bytes: &[u8], key: &str) -> Option<usize> {
    String::from_utf8_lossy(bytes)
        .lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_line() {
        let toml = b"id = \"B1\"\nname = \"x\"\nnotes = \"\"\"\na\"\"\"\n";
        assert_eq!(key_line(toml, "name"), Some(2));
        assert_eq!(key_line(toml, "notes"), Some(3));
        assert_eq!(key_line(toml, "objective"), None);
    }

    #[test]
    fn names_and_texts_are_judged_apart() {
        assert!(Field::Name("name", "a\nb").problem().is_some());
        assert!(Field::Text("notes", "a\nb").problem().is_none());
        let (key, message) = Field::Name("name", "fix\u{1b}[2J").problem().unwrap();
        assert_eq!(key, "name");
        assert!(message.contains("\\e"), "{message}");
    }
}
