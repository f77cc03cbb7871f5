//! Canonical text forms: TOML for records, JSON Lines for logs, and precise parse errors.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, FileProblem, Result};

/// Serializes a record to canonical TOML: fixed field order, trailing newline, so that writing
/// an unchanged record reproduces its bytes.
pub fn to_toml<T: Serialize>(record: &T) -> Result<Vec<u8>> {
    let mut text = toml::to_string(record)
        .map_err(|e| Error::InvalidInput(format!("cannot store this record as TOML: {e}")))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text.into_bytes())
}

/// Parses a record, reporting failures with the file's path, line and column.
pub fn from_toml<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, FileProblem> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(bytes, e.valid_up_to());
        problem(path, Some((line, column)), "the file is not valid UTF-8")
    })?;
    // The plain form cmos writes reads several times faster by hand; the rest, and every
    // error message, comes from the toml crate.
    if let Some(record) = super::plain_toml::from_str(text) {
        return Ok(record);
    }
    toml::from_str(text).map_err(|e| {
        let position = e.span().map(|span| line_column(bytes, span.start));
        problem(path, position, e.message().trim())
    })
}

/// One log record (an event, an item version) as one JSON line, newline included.
pub fn json_line<T: Serialize>(record: &T) -> Vec<u8> {
    // Log records are strings, numbers and JSON maps: serializing them cannot fail.
    let mut line = serde_json::to_vec(record).expect("log records serialize to JSON");
    line.push(b'\n');
    line
}

/// Parses a log shard; a bad line is reported and skipped, never fatal to the others.
pub fn parse_lines<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> (Vec<T>, Vec<FileProblem>) {
    let mut records = Vec::new();
    let problems = for_each_line(path, bytes, |_, record| records.push(record));
    (records, problems)
}

/// Hands each record of a log shard to `each` with its 1-based line, and returns the problems
/// of the lines that do not parse (skipped, never fatal to the others).
pub fn for_each_line<T: DeserializeOwned>(
    path: &str,
    bytes: &[u8],
    mut each: impl FnMut(usize, T),
) -> Vec<FileProblem> {
    let mut problems = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(record) => each(n + 1, record),
            Err(e) => problems.push(problem(path, Some((n + 1, e.column())), &e.to_string())),
        }
    }
    problems
}

fn problem(path: &str, position: Option<(usize, usize)>, message: &str) -> FileProblem {
    FileProblem {
        path: path.to_string(),
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        message: message.lines().next().unwrap_or("unreadable").to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Mission, Status, Timestamp};

    fn sample() -> Mission {
        let t: Timestamp = "2026-11-24T09:30:00Z".parse().unwrap();
        Mission {
            id: "B1".into(),
            uid: "01jdx".into(),
            name: "Build \"it\"".into(),
            status: Status::InProgress,
            sprint: Some("S1".into()),
            rank: Some(3),
            estimate: None,
            complexity: None,
            objective: Some("line one\nline two".into()),
            context: None,
            success_criteria: vec!["works".into()],
            deliverables: vec![],
            notes: None,
            created_at: t,
            updated_at: t,
            started_at: Some(t),
            completed_at: None,
            blocked: None,
            depends: vec![],
            transitions: vec![],
            extra: toml::Table::new(),
            ..Mission::new("B1", "01jdx", "", t)
        }
    }

    #[test]
    fn rewriting_an_unchanged_record_changes_no_byte() {
        let first = to_toml(&sample()).unwrap();
        let parsed: Mission = from_toml("m.toml", &first).unwrap();
        assert_eq!(parsed, sample());
        assert_eq!(to_toml(&parsed).unwrap(), first);
    }

    #[test]
    fn complexity_is_written_only_when_set() {
        let plain = String::from_utf8(to_toml(&sample()).unwrap()).unwrap();
        assert!(!plain.contains("complexity"), "{plain}");
        let mut complex = sample();
        complex.complexity = Some(crate::model::Complexity::Complex);
        let text = to_toml(&complex).unwrap();
        assert!(String::from_utf8_lossy(&text).contains("complexity = \"complex\"\n"));
        assert_eq!(from_toml::<Mission>("m.toml", &text).unwrap(), complex);
    }

    #[test]
    fn unknown_fields_survive_a_rewrite() {
        let mut text = String::from_utf8(to_toml(&sample()).unwrap()).unwrap();
        text = text.replace("status = ", "owner = \"ana\"\nstatus = ");
        text.push_str("\n[review]\nby = \"bo\"\nscore = 3\n");
        let parsed: Mission = from_toml("m.toml", text.as_bytes()).unwrap();
        let rewritten = String::from_utf8(to_toml(&parsed).unwrap()).unwrap();
        assert!(rewritten.contains("owner = \"ana\""), "{rewritten}");
        assert!(
            rewritten.contains("[review]\nby = \"bo\"\nscore = 3"),
            "{rewritten}"
        );
        let again: Mission = from_toml("m.toml", rewritten.as_bytes()).unwrap();
        assert_eq!(to_toml(&again).unwrap(), rewritten.into_bytes());
    }

    #[test]
    fn parse_errors_name_line_and_column() {
        let p = from_toml::<Mission>(".cmos/missions/B1.toml", b"id = \"B1\"\nname = = 3\n")
            .unwrap_err();
        assert_eq!(
            (p.path.as_str(), p.line, p.column),
            (".cmos/missions/B1.toml", Some(2), Some(8))
        );
    }

    #[test]
    fn a_bad_log_line_does_not_hide_the_others() {
        let good = br#"{"uid":"u","at":"2026-11-24T09:30:00Z","agent":"a","writer":"w","kind":"k","target":"t"}"#;
        let mut bytes = good.to_vec();
        bytes.extend_from_slice(b"\nnot json\n");
        bytes.extend_from_slice(good);
        let (events, problems) = parse_lines::<Event>("e.jsonl", &bytes);
        assert_eq!(events.len(), 2);
        assert_eq!(problems[0].line, Some(2));
    }
}
