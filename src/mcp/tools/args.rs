//! Tool arguments checked against the tool's published schema before its struct reads them.
//! A value of the wrong type, out of range or not one of its allowed words gets an error that
//! names the argument and says what was expected; a missing required one is named; one the
//! schema does not list is dropped with a warning. So what a tool accepts is exactly what
//! tools/list says, and an agent learns what to fix from the error alone.

use serde_json::{Map, Value};

use super::schema::COMMON;
use crate::error::{Error, Result};
use crate::model::fold;

/// The arguments of a call to `tool` as its struct reads them: checked against `schema`,
/// nulls read as absent, allowed words in their canonical spelling, a single string given
/// for a list read as a list of one. Arguments the schema does not know go to `warnings`.
pub fn read(
    tool: &str,
    schema: &Value,
    arguments: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<Map<String, Value>> {
    object(tool, schema, arguments, "", warnings)
}

/// The properties of one object; `prefix` names where it sits (`fields.`).
fn object(
    tool: &str,
    schema: &Value,
    given: &Map<String, Value>,
    prefix: &str,
    warnings: &mut Vec<String>,
) -> Result<Map<String, Value>> {
    let properties = schema.get("properties").and_then(Value::as_object);
    let mut read = Map::new();
    for (key, value) in given {
        let name = format!("{prefix}{key}");
        if value.is_null() {
            continue;
        }
        match properties.and_then(|p| p.get(key)) {
            Some(property) if !(prefix.is_empty() && COMMON.contains(&key.as_str())) => {
                read.insert(key.clone(), check(tool, property, value, &name, warnings)?);
            }
            Some(_) => {}
            None => warnings.push(match super::spellings::why_ignored(key) {
                Some(why) => {
                    format!("argument {name} (the original CMOS's) is ignored by {tool}: {why}")
                }
                _ => format!("argument {name} is not a parameter of {tool} and was ignored"),
            }),
        }
    }
    let required = schema.get("required").and_then(Value::as_array);
    for key in required.into_iter().flatten().filter_map(Value::as_str) {
        if !read.contains_key(key) {
            return Err(Error::InvalidInput(format!(
                "argument {prefix}{key} is required"
            )));
        }
    }
    Ok(read)
}

/// One value against its schema; the value as the struct reads it.
fn check(
    tool: &str,
    schema: &Value,
    value: &Value,
    name: &str,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let wrong = || wrong(name, &expected(schema), value);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let Value::String(text) = value else {
                return Err(wrong());
            };
            match schema.get("enum").and_then(Value::as_array) {
                Some(words) => word(words, text).ok_or_else(wrong),
                None => Ok(value.clone()),
            }
        }
        Some("integer") => {
            let n = value.as_i64().ok_or_else(wrong)?;
            let min = schema.get("minimum").and_then(Value::as_i64);
            let max = schema.get("maximum").and_then(Value::as_i64);
            if min.is_some_and(|min| n < min) || max.is_some_and(|max| n > max) {
                return Err(Error::InvalidInput(format!(
                    "argument {name} must be {}, not {n}",
                    range(min, max)
                )));
            }
            Ok(value.clone())
        }
        Some("number") if value.is_number() => Ok(value.clone()),
        Some("number") => Err(wrong()),
        Some("boolean") if value.is_boolean() => Ok(value.clone()),
        Some("boolean") => Err(wrong()),
        Some("array") => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            let given = match value {
                // Agents often give one item without the list around it.
                Value::String(_) => std::slice::from_ref(value),
                Value::Array(given) => given.as_slice(),
                _ => return Err(wrong()),
            };
            let read = given
                .iter()
                .map(|item| {
                    check(tool, items, item, name, warnings)
                        .map_err(|_| self::wrong(name, &expected(schema), item))
                })
                .collect::<Result<Vec<Value>>>()?;
            Ok(Value::Array(read))
        }
        Some("object") => match value {
            Value::Object(given) => {
                object(tool, schema, given, &format!("{name}."), warnings).map(Value::Object)
            }
            _ => Err(wrong()),
        },
        // A schema without a type constrains nothing.
        _ => Ok(value.clone()),
    }
}

/// The allowed word `text` names, compared as the model's vocabularies compare words (case,
/// spaces, `-` and `_` aside), in its canonical spelling.
fn word(words: &[Value], text: &str) -> Option<Value> {
    let exact = words.iter().find(|w| w.as_str() == Some(text));
    exact
        .or_else(|| {
            let folded = fold(text);
            words
                .iter()
                .find(|w| w.as_str().is_some_and(|w| fold(w) == folded))
        })
        .cloned()
}

/// What a schema asks for, in words: "a string", "one of list, archive", "a list of strings".
fn expected(schema: &Value) -> String {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => match schema.get("enum").and_then(Value::as_array) {
            Some(words) => {
                let words: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
                format!("one of {}", words.join(", "))
            }
            None => "a string".into(),
        },
        Some("integer") => "a whole number".into(),
        Some("number") => "a number".into(),
        Some("boolean") => "true or false".into(),
        Some("array") => match schema.get("items").and_then(|i| i.get("type")) {
            Some(t) if t == "string" => "a list of strings".into(),
            Some(t) if t == "integer" => "a list of whole numbers".into(),
            _ => "a list".into(),
        },
        Some("object") => "an object".into(),
        _ => "a value".into(),
    }
}

fn range(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => "a whole number".into(),
    }
}

fn wrong(name: &str, expected: &str, got: &Value) -> Error {
    Error::InvalidInput(format!("argument {name} must be {expected}, not {got}"))
}
