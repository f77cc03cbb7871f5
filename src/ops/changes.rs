//! What changed in a record between two versions of its file, field by field, as diffs and
//! histories show it: short values side by side, long texts as a unified diff.

use serde::Serialize;

use crate::store::layout;

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
    Some(
        similar::TextDiff::from_lines(&before, &after)
            .unified_diff()
            .header(&format!("{field} (before)"), &format!("{field} (after)"))
            .to_string(),
    )
}
