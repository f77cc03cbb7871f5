//! What changed in a record between two versions of its file, field by field, as diffs and
//! histories show it: short values side by side, long texts as a unified diff.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::DiffOp;
use similar::udiff::UnifiedHunkHeader;

use crate::format::layout;
use crate::merge::text::{Limit, line_ops};

#[derive(Debug, Serialize)]
pub struct RecordChange {
    pub id: String,
    /// added, removed or changed.
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A unified diff of the two values, when either is long or spans lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// Fields that change on every write and say nothing a reader of the diff needs.
const NOISE: [&str; 3] = ["updated_at", "uid", "transitions"];

/// The change of one record file, field by field; None when nothing visible changed.
pub fn record_change(
    path: &str,
    before: Option<&[u8]>,
    after: Option<&[u8]>,
) -> Option<RecordChange> {
    let name = path.rsplit('/').next()?;
    let id = layout::record_id(name)?.to_string();
    let parse = |bytes: Option<&[u8]>| -> Option<toml::Table> {
        toml::from_str(std::str::from_utf8(bytes?).ok()?).ok()
    };
    let (old, new) = (parse(before), parse(after));
    let change = match (&old, &new) {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        (Some(_), Some(_)) => "changed",
        (None, None) => return None,
    };
    let empty = toml::Table::new();
    let (old, new) = (
        old.as_ref().unwrap_or(&empty),
        new.as_ref().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let fields: Vec<FieldChange> = keys
        .into_iter()
        .filter(|k| !NOISE.contains(&k.as_str()))
        .filter(|k| old.get(*k) != new.get(*k))
        .filter(|_| change == "changed" || change == "added")
        .map(|k| FieldChange {
            field: k.clone(),
            from: old.get(k).map(show_value),
            to: new.get(k).map(show_value),
            diff: text_diff(k, old.get(k), new.get(k)),
        })
        .collect();
    (change != "changed" || !fields.is_empty()).then_some(RecordChange { id, change, fields })
}

/// A field's value in a line: strings as they are, lists and tables by size, cut to 120
/// characters.
fn show_value(value: &toml::Value) -> String {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => match items.first() {
            Some(toml::Value::String(_)) | None => items
                .iter()
                .filter_map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            Some(_) => format!("{} entries", items.len()),
        },
        toml::Value::Table(table) => format!("{} fields", table.len()),
        other => other.to_string(),
    };
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 120 {
        return line;
    }
    format!("{}…", line.chars().take(119).collect::<String>())
}

/// A unified diff of a text field whose old or new value is long or spans lines.
fn text_diff(field: &str, old: Option<&toml::Value>, new: Option<&toml::Value>) -> Option<String> {
    let text = |v: Option<&toml::Value>| v.and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (before, after) = (text(old), text(new));
    let long = |t: &str| t.contains('\n') || t.chars().count() > 120;
    if !(long(&before) || long(&after)) {
        return None;
    }
    let lines = |t: String| {
        if t.ends_with('\n') {
            t
        } else {
            format!("{t}\n")
        }
    };
    let (before, after) = (lines(before), lines(after));
    Some(unified_diff(
        &before,
        &after,
        &format!("{field} (before)"),
        &format!("{field} (after)"),
    ))
}

/// How long one diff shown to a reader may take: texts from the branch can be large and
/// differ everywhere; past this, what is left is shown as removed and added.
const DIFF_TIME: Duration = Duration::from_millis(500);

/// Lines of context around each change.
const CONTEXT_LINES: usize = 3;

/// A unified diff of two texts by lines, headed `--- from` and `+++ to`; empty when they are
/// the same. Always a valid diff of the two, bounded in time (`DIFF_TIME`).
pub fn unified_diff(before: &str, after: &str, from: &str, to: &str) -> String {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let deadline = Limit::Deadline(Instant::now() + DIFF_TIME);
    // A deadline never refuses: only a line limit does.
    let ops = line_ops(&old, &new, deadline).unwrap_or_default();
    let mut out = String::new();
    for hunk in similar::group_diff_ops(ops, CONTEXT_LINES) {
        if hunk.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(&format!("--- {from}\n+++ {to}\n"));
        }
        out.push_str(&format!("{}\n", UnifiedHunkHeader::new(&hunk)));
        for op in &hunk {
            let (old_lines, new_lines) = (&old[op.old_range()], &new[op.new_range()]);
            match op {
                DiffOp::Equal { .. } => push_lines(&mut out, ' ', old_lines),
                _ => {
                    push_lines(&mut out, '-', old_lines);
                    push_lines(&mut out, '+', new_lines);
                }
            }
        }
    }
    out
}

fn push_lines(out: &mut String, tag: char, lines: &[&str]) {
    for line in lines {
        out.push(tag);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_reads_as_similar_wrote_it() {
        for (old, new) in [
            ("one\ntwo\nthree\n", "one\n2\nthree\nfour\n"),
            (
                "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
                "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\n",
            ),
            ("", "new\n"),
            ("no newline", "no newline\nnow\n"),
        ] {
            let ours = unified_diff(old, new, "x", "y");
            let theirs = similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .header("x", "y")
                .to_string();
            assert_eq!(ours, theirs, "{old:?} -> {new:?}");
        }
        assert_eq!(unified_diff("same\n", "same\n", "x", "y"), "");
    }
}
