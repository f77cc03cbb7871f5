//! Reading the loose values of other tools' files: timestamps in many forms, ids that cmos
//! would not accept, JSON values that have to live in TOML records.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::model::{Timestamp, fnv1a, validate_id};

/// How faithfully a timestamp was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Already in cmos's form (RFC 3339, whole seconds): nothing to keep.
    Exact,
    /// Another well-formed form (no zone, a space, fractions, a bare date, epoch numbers),
    /// read as UTC; the original text is worth keeping.
    Converted,
    /// Malformed, but a date and time could be read from its start.
    Salvaged,
}

/// Reads a timestamp as the original tools wrote them: RFC 3339, ISO without zone (read as
/// UTC), `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM` (Backlog.md), a bare date, or milliseconds since the epoch.
pub fn timestamp(text: &str) -> Option<(Timestamp, Reading)> {
    let text = text.trim();
    if let Ok(exact) = text.parse::<Timestamp>() {
        let reading = if exact.to_string() == text {
            Reading::Exact
        } else {
            Reading::Converted
        };
        return Some((exact, reading));
    }
    if let Some(t) = naive(text) {
        return Some((t, Reading::Converted));
    }
    if let Ok(millis) = text.parse::<i64>()
        && millis > 100_000_000_000
    {
        return Some((Timestamp::from_millis(millis), Reading::Converted));
    }
    // `2025-11-01T03:14:16.NZ`: keep the part that makes sense.
    let prefix = text.get(..19)?;
    naive(prefix).map(|t| (t, Reading::Salvaged))
}

fn naive(text: &str) -> Option<Timestamp> {
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        // Backlog.md's own form (`created_date: '2025-11-01 10:00'`).
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Timestamp::from_millis(t.and_utc().timestamp_millis()));
        }
    }
    // A zone other than Z, without seconds' fraction parsing trouble: `+0000`.
    if let Ok(t) = chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z") {
        return Some(Timestamp::from_millis(t.timestamp_millis()));
    }
    let midnight = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?;
    Some(Timestamp::from_millis(
        midnight.and_utc().timestamp_millis(),
    ))
}

/// The text of a value: strings as they are, numbers and booleans written out, null as None.
pub fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A list of strings from a JSON array, a JSON text holding one, or a single string.
pub fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
            _ if s.trim().is_empty() => Vec::new(),
            _ => vec![s.clone()],
        },
        Some(other) => text(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A JSON value stored in a text column (`metadata`, `captures`), or the text itself.
pub fn embedded_json(value: Option<&Value>) -> Option<Value> {
    match value? {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(parsed @ (Value::Object(_) | Value::Array(_))) => Some(parsed),
            _ => Some(Value::String(s.clone())),
        },
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A JSON value as TOML, for the `legacy` table of a record. TOML has no null, so nulls are
/// left out of tables; a null inside an array becomes an empty string to keep positions.
pub fn to_toml(value: &Value) -> Option<toml::Value> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(items) => toml::Value::Array(
            items
                .iter()
                .map(|v| to_toml(v).unwrap_or_else(|| toml::Value::String(String::new())))
                .collect(),
        ),
        Value::Object(map) => toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), to_toml(v)?)))
                .collect(),
        ),
    })
}

/// A TOML value as JSON, for exports.
pub fn from_toml(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(from_toml).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), from_toml(v))).collect())
        }
    }
}

/// The id cmos stores for a foreign id: the same when valid, else with each unusable
/// character replaced by `-` (`Sprint 1` is `Sprint-1`).
pub fn record_id(kind: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    if validate_id(kind, raw).is_ok() {
        return Some(raw.to_string());
    }
    let mut cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while cleaned.contains("..") {
        cleaned = cleaned.replace("..", ".");
    }
    let cleaned = cleaned.trim_matches(|c| matches!(c, '.' | '-' | '_'));
    if cleaned.is_empty() {
        return None;
    }
    let id: String = cleaned.chars().take(crate::model::MAX_ID_LEN).collect();
    validate_id(kind, &id).ok().map(|_| id)
}

/// A short, stable id for an item with this text, so the same decision met in two sources
/// (the database and a context file) is one item.
pub fn content_id(prefix: &str, key: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut value = fnv1a(key.trim().as_bytes());
    let mut out = format!("{prefix}-");
    for _ in 0..10 {
        out.push(ALPHABET[(value & 31) as usize] as char);
        value >>= 5;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_the_forms_the_original_wrote() {
        let read = |s: &str| timestamp(s).map(|(t, r)| (t.to_string(), r));
        assert_eq!(
            read("2025-11-07T22:09:07Z"),
            Some(("2025-11-07T22:09:07Z".into(), Reading::Exact))
        );
        assert_eq!(
            read("2025-11-07T11:09:51.103910"),
            Some(("2025-11-07T11:09:51Z".into(), Reading::Converted))
        );
        assert_eq!(
            read("2025-11-08 17:41:52"),
            Some(("2025-11-08T17:41:52Z".into(), Reading::Converted))
        );
        assert_eq!(
            read("2025-11-13T17:26:08.720203+00:00"),
            Some(("2025-11-13T17:26:08Z".into(), Reading::Converted))
        );
        assert_eq!(
            read("2025-11-01T03:14:16.NZ"),
            Some(("2025-11-01T03:14:16Z".into(), Reading::Salvaged))
        );
        assert_eq!(
            read("2025-11-13"),
            Some(("2025-11-13T00:00:00Z".into(), Reading::Converted))
        );
        assert_eq!(
            read("1731000000000"),
            Some(("2024-11-07T17:20:00Z".into(), Reading::Converted))
        );
        assert_eq!(read("template"), None);
        assert_eq!(read(""), None);
    }

    #[test]
    fn backlog_md_dates_with_minutes_are_read_not_kept_raw() {
        // Backlog.md writes `created_date: '2025-11-01 10:00'`; every imported task used to
        // lose its creation time to the legacy table.
        assert_eq!(
            timestamp("2025-11-01 10:00").map(|(t, r)| (t.to_string(), r)),
            Some(("2025-11-01T10:00:00Z".into(), Reading::Converted))
        );
        assert_eq!(timestamp("2025-11-01 10:"), None);
    }

    #[test]
    fn foreign_ids_become_valid_ids() {
        assert_eq!(
            record_id("mission", "B1.1_core").as_deref(),
            Some("B1.1_core")
        );
        assert_eq!(record_id("sprint", "Sprint 1").as_deref(), Some("Sprint-1"));
        assert_eq!(
            record_id("mission", "Sprint 1: setup").as_deref(),
            Some("Sprint-1--setup")
        );
        assert_eq!(record_id("mission", "  "), None);
    }

    #[test]
    fn lists_from_every_shape() {
        let v = serde_json::json!(["a", "b"]);
        assert_eq!(strings(Some(&v)), ["a", "b"]);
        let embedded = Value::String("[\"x\"]".into());
        assert_eq!(strings(Some(&embedded)), ["x"]);
        let prose = Value::String("See the plan".into());
        assert_eq!(strings(Some(&prose)), ["See the plan"]);
    }
}
