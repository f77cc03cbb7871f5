//! The original CMOS's free-form mission metadata (a JSON object): its known keys become the
//! mission's named fields, the rest is kept on the mission under `legacy.metadata`, where the
//! importers keep the original's metadata too, so exports write it back.

use serde_json::{Map, Value};

use super::mission::MissionFields;
use crate::error::{Error, Result};
use crate::migrate::values;

/// The most metadata one mission takes, as JSON text: a brief, not a document store.
pub const MAX_BYTES: usize = 64 * 1024;
/// The deepest nesting of objects and arrays kept.
pub const MAX_DEPTH: usize = 16;

/// Where the kept keys live on a mission: `legacy.metadata`.
pub const LEGACY: &str = "legacy";
pub const KEPT: &str = "metadata";

/// Metadata read and checked: the named fields it sets and the keys kept as they are.
#[derive(Debug, Default, Clone)]
pub struct Metadata {
    /// objective, context, notes, success criteria and deliverables it names.
    pub fields: MissionFields,
    /// Every other key, as TOML (nulls are dropped: TOML has none).
    pub kept: toml::Table,
}

/// Keys that set a named field: (key, field). `description` is the original's objective.
const TEXT_KEYS: [(&str, &str); 4] = [
    ("description", "objective"),
    ("objective", "objective"),
    ("context", "context"),
    ("notes", "notes"),
];
const LIST_KEYS: [(&str, &str); 3] = [
    ("successCriteria", "success criteria"),
    ("success_criteria", "success criteria"),
    ("deliverables", "deliverables"),
];
/// Keys that set the orchestration pattern (one of its words) and its rationale.
const PATTERN_KEYS: [&str; 2] = ["pattern", "orchestrationPattern"];
const RATIONALE_KEYS: [&str; 2] = ["patternRationale", "pattern_rationale"];
/// Keys kept as they are, but only in the shape the original gave them.
const SHAPED_KEYS: [(&str, Shape); 4] = [
    ("referenceDocs", Shape::Strings),
    ("references", Shape::Strings),
    ("researchQuestions", Shape::Strings),
    ("domainFields", Shape::Object),
];

#[derive(Debug, Clone, Copy)]
enum Shape {
    Strings,
    Object,
}

/// Reads metadata given as JSON text. Refuses text that is not a JSON object, one larger than
/// [`MAX_BYTES`] or nested deeper than [`MAX_DEPTH`], and a known key of the wrong type.
pub fn parse(text: &str) -> Result<Metadata> {
    if text.len() > MAX_BYTES {
        return Err(Error::InvalidInput(format!(
            "mission metadata is {} bytes; at most {MAX_BYTES} are kept: put long texts in the \
             mission's notes or in a document the mission points at",
            text.len()
        )));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::InvalidInput(format!(
            "mission metadata is not JSON ({e}): give a JSON object, such as \
             {{\"description\": \"...\", \"owner\": \"ana\"}}"
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(Error::InvalidInput(format!(
            "mission metadata must be a JSON object of keys and values, not {}",
            kind(&value)
        )));
    };
    if depth(&Value::Object(map.clone())) > MAX_DEPTH {
        return Err(Error::InvalidInput(format!(
            "mission metadata is nested more than {MAX_DEPTH} levels deep: flatten it"
        )));
    }
    read(map)
}

/// Reads metadata given as a JSON object (an MCP call's), with the bounds of [`parse`].
pub fn from_object(map: Map<String, Value>) -> Result<Metadata> {
    parse(&Value::Object(map).to_string())
}

fn read(map: Map<String, Value>) -> Result<Metadata> {
    let mut meta = Metadata::default();
    for (key, value) in map {
        if let Some((_, field)) = TEXT_KEYS.iter().find(|(k, _)| *k == key) {
            let Value::String(text) = value else {
                return Err(wrong_type(&key, "a string", &value));
            };
            let slot = match *field {
                "objective" => &mut meta.fields.objective,
                "context" => &mut meta.fields.context,
                _ => &mut meta.fields.notes,
            };
            if slot.is_some() && *field == "objective" {
                return Err(Error::InvalidInput(
                    "mission metadata gives both description and objective: they are the same \
                     field, give one"
                        .into(),
                ));
            }
            *slot = Some(text);
        } else if let Some((_, field)) = LIST_KEYS.iter().find(|(k, _)| *k == key) {
            let items = strings(&key, &value)?;
            let slot = match *field {
                "deliverables" => &mut meta.fields.deliverables,
                _ => &mut meta.fields.success_criteria,
            };
            if slot.is_some() {
                return Err(Error::InvalidInput(
                    "mission metadata gives both successCriteria and success_criteria: they are \
                     the same field, give one"
                        .into(),
                ));
            }
            *slot = Some(items);
        } else if PATTERN_KEYS.contains(&key.as_str()) {
            let Value::String(word) = value else {
                return Err(wrong_type(&key, "a string", &value));
            };
            meta.fields.pattern = Some(word.parse()?);
        } else if RATIONALE_KEYS.contains(&key.as_str()) {
            let Value::String(text) = value else {
                return Err(wrong_type(&key, "a string", &value));
            };
            meta.fields.pattern_rationale = Some(text);
        } else {
            if let Some((_, shape)) = SHAPED_KEYS.iter().find(|(k, _)| *k == key) {
                match shape {
                    Shape::Strings => {
                        strings(&key, &value)?;
                    }
                    Shape::Object if !value.is_object() => {
                        return Err(wrong_type(&key, "an object", &value));
                    }
                    Shape::Object => {}
                }
            }
            if let Some(v) = values::to_toml(&value) {
                meta.kept.insert(key, v);
            }
        }
    }
    Ok(meta)
}

/// Merges kept keys into a mission's `extra`, key by key, as the original merged an update's
/// metadata into what the mission had. Returns whether anything changed.
pub fn keep(extra: &mut toml::Table, kept: &toml::Table) -> bool {
    if kept.is_empty() {
        return false;
    }
    let legacy = extra
        .entry(LEGACY)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(legacy) = legacy.as_table_mut() else {
        return false;
    };
    let stored = legacy
        .entry(KEPT)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    // An imported mission may hold its metadata as text (it was not an object): the new keys
    // take its place, the text stays in the verbatim copy of the import.
    if !stored.is_table() {
        *stored = toml::Value::Table(toml::Table::new());
    }
    let table = stored.as_table_mut().expect("a table");
    let before = table.clone();
    for (k, v) in kept {
        table.insert(k.clone(), v.clone());
    }
    *table != before
}

/// The kept metadata of a mission, if it has any.
pub fn kept_of(extra: &toml::Table) -> Option<&toml::Table> {
    extra.get(LEGACY)?.get(KEPT)?.as_table()
}

fn strings(key: &str, value: &Value) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(wrong_type(key, "a list of strings", value));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(wrong_type(key, "a list of strings", other)),
        })
        .collect()
}

fn wrong_type(key: &str, wanted: &str, got: &Value) -> Error {
    Error::InvalidInput(format!(
        "mission metadata key {key:?} must be {wanted}, not {}",
        kind(got)
    ))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_become_fields_and_the_rest_is_kept() {
        let m =
            parse(r#"{"description":"d","successCriteria":["a"],"owner":"ana","n":null}"#).unwrap();
        assert_eq!(m.fields.objective.as_deref(), Some("d"));
        assert_eq!(m.fields.success_criteria, Some(vec!["a".to_string()]));
        assert_eq!(m.kept.get("owner").and_then(|v| v.as_str()), Some("ana"));
        assert!(!m.kept.contains_key("n"));
    }

    #[test]
    fn the_original_pattern_keys_set_the_pattern_and_its_rationale() {
        let m =
            parse(r#"{"pattern":"RSIP","patternRationale":"converges","fallbackTriggered":true}"#)
                .unwrap();
        assert_eq!(m.fields.pattern, Some(crate::model::Pattern::Rsip));
        assert_eq!(m.fields.pattern_rationale.as_deref(), Some("converges"));
        assert!(m.kept.contains_key("fallbackTriggered"));
        let e = parse(r#"{"pattern":"swarm"}"#).unwrap_err().to_string();
        assert!(e.contains("none, rsip, delegation, boomerang"), "{e}");
    }

    #[test]
    fn bad_metadata_is_refused_saying_what_was_wrong() {
        let cases = [
            ("not json", "not JSON"),
            ("[1]", "JSON object"),
            (r#"{"deliverables":"one"}"#, "list of strings"),
            (r#"{"description":3}"#, "must be a string"),
            (r#"{"domainFields":[]}"#, "an object"),
            (r#"{"description":"a","objective":"b"}"#, "give one"),
        ];
        for (text, says) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
        let deep = format!("{}{}", "[".repeat(20), "]".repeat(20));
        let e = parse(&format!(r#"{{"x":{deep}}}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nested"), "{e}");
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_BYTES));
        assert!(parse(&big).unwrap_err().to_string().contains("bytes"));
    }
}
