//! YAML in and out: documents parsed by yaml-rust2 into JSON values, and JSON values written
//! as block-style YAML the way PyYAML's `safe_dump` lays it out (keys in order, sequences at
//! their key's indentation, strings quoted only when they would read as something else).

use serde_json::{Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

use crate::error::{Error, Result};

/// Every document of `text`, or where the YAML is wrong.
pub fn parse(text: &str, what: &str) -> Result<Vec<Value>> {
    let documents = YamlLoader::load_from_str(text).map_err(|e| {
        Error::InvalidInput(format!(
            "{what} is not valid YAML: line {}, column {}: {}; nothing was imported",
            e.marker().line(),
            e.marker().col() + 1,
            e.info()
        ))
    })?;
    Ok(documents.iter().map(to_json).collect())
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.clone()), Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect::<Map<String, Value>>(),
        ),
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Value::Null,
    }
}

fn key_text(key: &Yaml) -> String {
    match key {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => "null".into(),
        other => format!("{other:?}"),
    }
}

/// `documents` as a YAML stream, separated by `---`.
pub fn write_documents(documents: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_node(&mut out, doc, 0);
    }
    out
}

fn write_node(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, indent, false),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, indent, false),
        scalar => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

/// A mapping; with `inline_first` its first key continues a `- ` already written.
fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize, inline_first: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if !(inline_first && i == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&string_text(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2, false);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_seq(out, items, indent, false);
            }
            scalar => {
                out.push(' ');
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if !(inline_first && i == 0) {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2, true),
            scalar => {
                out.push_str(&scalar_text(scalar));
                out.push('\n');
            }
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_text(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// A string plain when it reads back as the same string, single-quoted when it would read as
/// something else, double-quoted when it holds line breaks or control characters.
fn string_text(s: &str) -> String {
    if s.chars().any(|c| c.is_control()) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    if is_plain_safe(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let lower = s.to_lowercase();
    let special = [
        "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
    ];
    if special.contains(&lower.as_str()) {
        return false;
    }
    // Numbers, dates and times read as something other than a string.
    let number = s.replace('_', "");
    let looks_numeric = number.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || (s.starts_with(|c: char| c.is_ascii_digit()) && super::values::timestamp(s).is_some())
        || (s.contains(':') && s.chars().all(|c| c.is_ascii_digit() || c == ':'));
    !(looks_numeric || lower == ".inf" || lower == ".nan" || lower == "-.inf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_yaml_reads_back_the_same() {
        let doc = serde_json::json!({
            "name": "Planning.SprintPlan.v1",
            "version": "0.0.0",
            "number_like": "1.5",
            "date_like": "2025-11-07",
            "when": "2025-11-07T22:09:07Z",
            "title": "Sprint 1: Phase 1",
            "quote": "don't",
            "multi": "a\nb",
            "empty": "",
            "flag": "yes",
            "n": 4,
            "none": null,
            "list": [{"id": "B1", "tags": ["x", "y"]}, "plain", []],
            "nested": {"deep": {"deeper": [1, 2]}},
        });
        let text = write_documents(&[doc.clone(), serde_json::json!({"second": true})]);
        assert!(text.contains("when: '2025-11-07T22:09:07Z'"), "{text}");
        assert!(text.contains("title: 'Sprint 1: Phase 1'"), "{text}");
        assert!(text.contains("version: 0.0.0\n"), "{text}");
        assert!(text.contains("number_like: '1.5'"), "{text}");
        assert!(text.contains("date_like: '2025-11-07'"), "{text}");
        assert!(text.contains("list:\n- id: B1\n  tags:\n  - x\n"), "{text}");
        let back = parse(&text, "test").unwrap();
        assert_eq!(back, vec![doc, serde_json::json!({"second": true})]);
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse("a: [1, 2\nb: c\n", "backlog.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("backlog.yaml is not valid YAML: line"),
            "{err}"
        );
    }
}
