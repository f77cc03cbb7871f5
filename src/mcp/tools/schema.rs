//! The JSON Schema of a tool's arguments, derived from its arguments struct with schemars:
//! the one description of the parameters, which tools/list publishes and `args::read`
//! enforces. Also the schemas of the closed sets of words the tools take (statuses, types,
//! categories) and of page sizes.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

use crate::model::{CaptureCategory, Complexity, DepType, SessionType, SprintStatus, Status};

/// The mark (`#[schemars(extend("x-original" = true))]`) of a parameter kept for prompts
/// written for the original CMOS: the granular tool lists it, a consolidated tool accepts it
/// without listing it, so the default listing stays small.
pub const ORIGINAL: &str = "x-original";

/// `schema` without the properties marked [`ORIGINAL`], at any depth (an object parameter such
/// as an update's `fields` holds some too): what a consolidated tool lists.
pub fn without_original(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| match (key.as_str(), value) {
                    ("properties", Value::Object(properties)) => {
                        let kept = properties
                            .iter()
                            .filter(|(_, p)| p.get(ORIGINAL).is_none())
                            .map(|(k, p)| (k.clone(), without_original(p)))
                            .collect();
                        (key.clone(), Value::Object(kept))
                    }
                    _ => (key.clone(), without_original(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_original).collect()),
        other => other.clone(),
    }
}

/// Parameters every tool accepts and ignores.
pub const COMMON: [&str; 1] = ["projectRoot"];

/// What tools/list says about a tool, derived from its arguments struct.
pub struct Derived {
    /// The struct's doc comment.
    pub description: String,
    /// `{"type": "object", "properties": {...}, "required": [...]}`.
    pub input: Value,
}

/// The description and input schema of arguments `A`: every subschema inline (some clients
/// do not follow `$ref`), optional parameters typed as what they hold (a null is read as
/// absent, so it needs no mention), descriptions as flowing text, and the common parameters.
pub fn derive<A: JsonSchema>() -> Derived {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut root = generator.into_root_schema_for::<A>().to_value();
    tidy(&mut root);
    let description = match root.get("description") {
        Some(Value::String(d)) => d.clone(),
        _ => String::new(),
    };
    let mut properties = match root.get_mut("properties").map(Value::take) {
        Some(Value::Object(properties)) => properties,
        _ => Map::new(),
    };
    properties.insert(
        COMMON[0].into(),
        json!({"type": "string", "description": "Ignored: the server works on the repository it was started in (or --repo). Accepted so prompts written for the original CMOS keep working."}),
    );
    let required = match root.get_mut("required").map(Value::take) {
        Some(required @ Value::Array(_)) => required,
        _ => json!([]),
    };
    Derived {
        description,
        input: json!({"type": "object", "properties": properties, "required": required}),
    }
}

/// Rewrites what schemars derives into what tools/list publishes (see `derive`).
fn tidy(value: &mut Value) {
    let Value::Object(schema) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(tidy);
        }
        return;
    };
    schema.remove("title");
    // A number's storage width (`format: double`) is no concern of an agent.
    if schema
        .get("type")
        .is_some_and(|t| t == "number" || t == &json!(["number", "null"]))
    {
        schema.remove("format");
    }
    // A free-form object (a map of any values) says so by `type: object` alone.
    if schema.get("additionalProperties") == Some(&Value::Bool(true)) {
        schema.remove("additionalProperties");
    }
    // `Option<T>` is derived as "T or null"; the tools read a null as absent.
    if let Some(Value::Array(types)) = schema.get("type") {
        let kept: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
        if let [only] = kept[..] {
            let only = only.clone();
            schema.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(words)) = schema.get_mut("enum") {
        words.retain(|w| !w.is_null());
    }
    if let Some(Value::Array(choices)) = schema.get("anyOf") {
        let kept: Vec<Value> = choices
            .iter()
            .filter(|c| c.get("type").is_none_or(|t| t != "null"))
            .cloned()
            .collect();
        if let [Value::Object(only)] = &kept[..] {
            schema.remove("anyOf");
            for (key, value) in only {
                schema.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
    }
    if let Some(Value::String(text)) = schema.get_mut("description") {
        *text = flow(text);
    }
    for (key, child) in schema.iter_mut() {
        // The children of `properties` are named schemas; elsewhere any value may hold one.
        if key != "enum" && key != "description" {
            match child {
                Value::Object(named) if key == "properties" => named.values_mut().for_each(tidy),
                other => tidy(other),
            }
        }
    }
}

/// A doc comment as one paragraph per blank-line-separated block: the line breaks of the
/// source are not the reader's.
fn flow(text: &str) -> String {
    text.split("\n\n")
        .map(|block| {
            block
                .split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A string that is one of `words`.
fn one_of<'a>(words: impl IntoIterator<Item = &'a str>) -> Schema {
    let words: Vec<&str> = words.into_iter().collect();
    json_schema!({"type": "string", "enum": words})
}

/// The closed vocabularies of the model take the words they are stored and shown as.
macro_rules! vocabulary_schema {
    ($($ty:ident),+ $(,)?) => {$(
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                one_of($ty::ALL.iter().map($ty::as_str))
            }
        }
    )+};
}

vocabulary_schema!(
    Status,
    SprintStatus,
    DepType,
    SessionType,
    CaptureCategory,
    Complexity
);

/// How many items a page or a search gives: 1 to 100.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limit(usize);

impl Limit {
    pub const MAX: usize = 100;

    /// The limit given, else `default`.
    pub fn or(limit: Option<Limit>, default: usize) -> usize {
        limit.map_or(default, |l| l.0)
    }
}

impl JsonSchema for Limit {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Limit".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": 1, "maximum": Limit::MAX})
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        match usize::try_from(n) {
            Ok(n) if (1..=Limit::MAX).contains(&n) => Ok(Limit(n)),
            _ => Err(serde::de::Error::custom(format!(
                "must be between 1 and {}, not {n}",
                Limit::MAX
            ))),
        }
    }
}
