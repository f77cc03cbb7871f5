//! Tool arguments read from a JSON object, with errors that name the argument and say what
//! was expected.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The arguments of one tool call.
pub struct Args<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Args<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Args { map }
    }

    fn wrong(key: &str, expected: &str, got: &Value) -> Error {
        Error::InvalidInput(format!("argument {key} must be {expected}, not {got}"))
    }

    pub fn str(&self, key: &str) -> Result<Option<String>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Self::wrong(key, "a string", other)),
        }
    }

    pub fn required(&self, key: &str) -> Result<String> {
        self.str(key)?
            .ok_or_else(|| Error::InvalidInput(format!("argument {key} is required")))
    }

    pub fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(Self::wrong(key, "a list of strings", other)),
                })
                .collect(),
            Some(other) => Err(Self::wrong(key, "a list of strings", other)),
        }
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Self::wrong(key, "a whole number", &Value::Number(n.clone()))),
            Some(other) => Err(Self::wrong(key, "a whole number", other)),
        }
    }

    pub fn count(&self, key: &str, default: usize, max: usize) -> Result<usize> {
        match self.int(key)? {
            None => Ok(default),
            Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
            Some(n) => Err(Error::InvalidInput(format!(
                "argument {key} must be between 1 and {max}, not {n}"
            ))),
        }
    }

    pub fn flag(&self, key: &str) -> Result<bool> {
        self.flag_or(key, false)
    }

    /// A boolean argument, `default` when absent.
    pub fn flag_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(Self::wrong(key, "true or false", other)),
        }
    }

    /// A nested object of fields (`fields` of the update tools), as arguments.
    pub fn object(&self, key: &str) -> Result<Option<Args<'a>>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Args { map })),
            Some(other) => Err(Self::wrong(key, "an object", other)),
        }
    }

    /// A string from `fields.key`, else from `key` at the top level.
    pub fn field(&self, fields: &Option<Args<'_>>, key: &str) -> Result<Option<String>> {
        match fields {
            Some(f) if f.map.contains_key(key) => f.str(key),
            _ => self.str(key),
        }
    }

    /// The argument names given that `known` does not list.
    pub fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// Parses a string argument with `FromStr` (statuses, types, durations).
    pub fn parsed<T: std::str::FromStr<Err = Error>>(&self, key: &str) -> Result<Option<T>> {
        self.str(key)?.map(|s| s.parse()).transpose()
    }
}
