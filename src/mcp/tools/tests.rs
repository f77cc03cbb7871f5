//! The published schemas against the structs that read the arguments, for every tool: what
//! the schema lists is what serde reads (and nothing more), the required lists agree, and the
//! checks refuse wrong types and unknown words with errors naming the argument.

use serde_json::{Map, Value, json};

use super::schema::COMMON;
use super::{Tool, all, args};
use crate::error::Error;

/// A valid value for `schema`: the first allowed word, the least allowed number, and every
/// property of an object.
fn sample(schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("string") => match schema["enum"].as_array() {
            Some(words) => words[0].clone(),
            None => json!("x"),
        },
        Some("integer") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(true),
        Some("number") => json!(0.5),
        Some("array") => json!([sample(&schema["items"])]),
        Some("object") => Value::Object(
            properties(schema)
                .map(|(key, property)| (key.clone(), sample(property)))
                .collect(),
        ),
        other => panic!("a schema of type {other:?}: {schema}"),
    }
}

/// The properties of an object schema, the common ones (which no struct reads) aside.
fn properties(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !COMMON.contains(&key.as_str()))
}

fn required(schema: &Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .expect("every schema lists what it requires")
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect()
}

/// Only the required properties of the sample.
fn minimal(tool: &Tool) -> Map<String, Value> {
    let schema = tool.input_schema();
    let Value::Object(full) = sample(schema) else {
        unreachable!("an input schema is an object")
    };
    let needed = required(schema);
    full.into_iter()
        .filter(|(key, _)| needed.contains(&key.as_str()))
        .collect()
}

fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

fn read(tool: &Tool, arguments: Value) -> Result<(Map<String, Value>, Vec<String>), Error> {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object")
    };
    let mut warnings = Vec::new();
    args::read(tool.name, tool.input_schema(), &arguments, &mut warnings)
        .map(|read| (read, warnings))
}

/// Every (name, schema) of a tool's parameters, nested ones (`fields.name`) included.
fn parameters(tool: &Tool) -> Vec<(String, Value)> {
    fn walk(schema: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
        for (key, property) in properties(schema) {
            let name = format!("{prefix}{key}");
            if property["type"] == "object" {
                walk(property, &format!("{name}."), out);
            }
            out.push((name, property.clone()));
        }
    }
    let mut out = Vec::new();
    walk(tool.input_schema(), "", &mut out);
    out
}

/// `arguments` (the minimal ones) with `value` at `name`, nested or not.
fn with(tool: &Tool, name: &str, value: Value) -> Value {
    let mut arguments = Value::Object(minimal(tool));
    let mut at = &mut arguments;
    let mut parts = name.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            at[part] = value;
            break;
        }
        if !at[part].is_object() {
            at[part] = json!({});
        }
        at = &mut at[part];
    }
    arguments
}

#[test]
fn every_property_a_schema_publishes_is_read_by_the_struct_and_nothing_else() {
    for tool in all() {
        let full = sample(tool.input_schema());
        let (read, warnings) = read(tool, full.clone())
            .unwrap_or_else(|e| panic!("{}: its own sample is refused: {e}", tool.name));
        assert!(warnings.is_empty(), "{}: {warnings:?}", tool.name);
        assert_eq!(Value::Object(read), full, "{}: read as given", tool.name);
        let decoded = (tool.decode)(full.clone())
            .unwrap_or_else(|e| panic!("{}: serde refuses the sample: {e}", tool.name));
        assert_eq!(
            without_nulls(decoded),
            full,
            "{}: the struct holds every property of the schema, and only those",
            tool.name
        );
    }
}

#[test]
fn every_schema_requires_exactly_what_its_struct_requires() {
    for tool in all() {
        let minimal = minimal(tool);
        (tool.decode)(Value::Object(minimal.clone()))
            .unwrap_or_else(|e| panic!("{}: the struct needs more than required: {e}", tool.name));
        for key in required(tool.input_schema()) {
            let mut missing = minimal.clone();
            missing.remove(key);
            assert!(
                (tool.decode)(Value::Object(missing.clone())).is_err(),
                "{}: the schema requires {key}, the struct does not",
                tool.name
            );
            let err = read(tool, Value::Object(missing)).unwrap_err();
            assert_eq!(err.to_string(), format!("argument {key} is required"));
        }
    }
}

#[test]
fn every_word_list_refuses_an_unknown_word_naming_the_argument_and_the_words() {
    let mut lists = 0;
    for tool in all() {
        for (name, property) in parameters(tool) {
            let Some(words) = property["enum"].as_array() else {
                continue;
            };
            lists += 1;
            let err = read(tool, with(tool, &name, json!("bogus"))).unwrap_err();
            assert_eq!(err.code(), "invalid_input");
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("argument {name} must be one of ")),
                "{}: {message}",
                tool.name
            );
            for word in words {
                assert!(message.contains(word.as_str().unwrap()), "{message}");
            }
            // A word in another case or with other separators is the same word.
            let word = words.last().unwrap().as_str().unwrap();
            let loose = word.to_uppercase().replace(' ', "_");
            let (read, _) = read(tool, with(tool, &name, json!(loose))).unwrap();
            let mut at = &Value::Object(read);
            for part in name.split('.') {
                at = &at[part];
            }
            assert_eq!(at, word, "{}: {name} {loose:?}", tool.name);
        }
    }
    assert!(lists >= 12, "{lists} word lists");
}

#[test]
fn every_argument_of_the_wrong_type_is_refused_naming_it_and_what_it_must_be() {
    for tool in all() {
        for (name, property) in parameters(tool) {
            let (wrong, expected) = match property["type"].as_str().unwrap() {
                "string" if property.get("enum").is_some() => (json!(5), "one of "),
                "string" => (json!(5), "a string"),
                "integer" => (json!("5"), "a whole number"),
                "number" => (json!("high"), "a number"),
                "boolean" => (json!("yes"), "true or false"),
                "array" if property["items"]["type"] == "object" => (json!(5), "a list"),
                "array" => (json!(5), "a list of strings"),
                "object" => (json!([]), "an object"),
                other => panic!("{}: {name} is of type {other}", tool.name),
            };
            let err = read(tool, with(tool, &name, wrong.clone())).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("argument {name} must be {expected}")),
                "{}: {err}",
                tool.name
            );
            assert!(
                err.to_string().ends_with(&format!(", not {wrong}")),
                "{err}"
            );
        }
    }
}

#[test]
fn unknown_arguments_are_dropped_with_a_warning_and_nulls_read_as_absent() {
    let tool = super::find("cmos_mission_update").unwrap();
    let (read, warnings) = read(
        tool,
        json!({"missionId": "A1", "bogus": 1, "projectRoot": "/x", "notes": null,
               "fields": {"name": "N", "colour": "red"}}),
    )
    .unwrap();
    assert_eq!(
        Value::Object(read),
        json!({"missionId": "A1", "fields": {"name": "N"}})
    );
    assert_eq!(
        warnings,
        [
            "argument bogus is not a parameter of cmos_mission_update and was ignored",
            "argument fields.colour is not a parameter of cmos_mission_update and was ignored",
        ]
    );
}

#[test]
fn limits_are_refused_outside_1_to_100_and_one_string_is_a_list_of_one() {
    let list = super::find("cmos_mission_list").unwrap();
    for n in [0, 101, -3] {
        let err = read(list, json!({"limit": n})).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("argument limit must be between 1 and 100, not {n}")
        );
    }
    let add = super::find("cmos_mission_add").unwrap();
    let (read, _) = read(add, json!({"name": "N", "deliverables": "one"})).unwrap();
    assert_eq!(read["deliverables"], json!(["one"]));
}

/// The keywords of a schema and its subschemas (the names of properties aside).
fn schema_keywords<'a>(schema: &'a Value, out: &mut Vec<&'a str>) {
    for (key, value) in schema.as_object().into_iter().flatten() {
        out.push(key);
        match key.as_str() {
            "properties" => value
                .as_object()
                .into_iter()
                .flatten()
                .for_each(|(_, property)| schema_keywords(property, out)),
            "items" => schema_keywords(value, out),
            _ => {}
        }
    }
}

#[test]
fn published_schemas_are_plain_inline_and_described() {
    for tool in all() {
        let mut keywords = Vec::new();
        schema_keywords(tool.input_schema(), &mut keywords);
        for absent in ["$ref", "$defs", "anyOf", "title", "additionalProperties"] {
            assert!(!keywords.contains(&absent), "{}: {absent}", tool.name);
        }
        for (name, property) in parameters(tool) {
            assert!(
                property["type"].is_string(),
                "{}: {name} has one type",
                tool.name
            );
        }
        assert!(tool.description().len() > 20, "{}", tool.name);
        assert!(!tool.description().contains('\n'), "{}", tool.name);
        for (name, property) in parameters(tool) {
            let description = property["description"].as_str();
            assert!(
                description.is_some_and(|d| !d.is_empty() && !d.contains('\n')),
                "{}: {name} is described in one line",
                tool.name
            );
        }
    }
}
