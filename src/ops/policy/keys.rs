//! The policy keys: what each one takes, how typed text and file values are checked, and
//! where each sits in `Policies`.

use std::fmt;

use serde::Serialize;

use super::Policies;
use crate::error::{Error, Result};
use crate::lifecycle::checks::OnFailure;

/// A value of a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Score(f64),
    Flag(bool),
    Count(u64),
    Name(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Score(s) => write!(f, "{s}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Count(n) => write!(f, "{n}"),
            Value::Name(s) => f.write_str(s),
        }
    }
}

impl Value {
    pub(super) fn to_toml(&self) -> toml::Value {
        match self {
            Value::Score(s) => toml::Value::Float(*s),
            Value::Flag(b) => toml::Value::Boolean(*b),
            Value::Count(n) => toml::Value::Integer(*n as i64),
            Value::Name(s) => toml::Value::String(s.clone()),
        }
    }
}

/// What kind of value a key takes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A number from 0 to 1.
    Score,
    Flag,
    /// A whole number from 1 to MAX_COUNT.
    Count,
    /// Seconds from 1 to a week; written as `600`, `600s`, `10m`, `1h`.
    Seconds,
    /// A model name.
    Model,
    /// One of a few words.
    Choice(&'static [&'static str]),
}

const MAX_COUNT: u64 = 1_000_000;
const MAX_WINDOW_SECS: u64 = 7 * 24 * 3600;
const MAX_MODEL_LEN: usize = 64;

/// One policy key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    kind: Kind,
}

/// Every key, in the order `list` shows them.
pub(super) const KEYS: [Key; 13] = [
    Key::new("validation.auto_approve_min", Kind::Score),
    Key::new("validation.needs_review_min", Kind::Score),
    Key::new("validation.allow_self_approval", Kind::Flag),
    Key::new("validation.require_scores", Kind::Flag),
    Key::new("validation.failed_check", Kind::Choice(&OnFailure::WORDS)),
    Key::new("limits.tool_cap", Kind::Count),
    Key::new("limits.loop_window_secs", Kind::Seconds),
    Key::new("limits.loop_warn_at", Kind::Count),
    Key::new("limits.loop_refuse_at", Kind::Count),
    Key::new("routing.simple", Kind::Model),
    Key::new("routing.standard", Kind::Model),
    Key::new("routing.complex", Kind::Model),
    Key::new("review.stale_sprints", Kind::Count),
];

pub(super) fn unknown_key(name: &str) -> String {
    let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    format!(
        "unknown policy key {name:?}: the keys are {}",
        known.join(", ")
    )
}

impl Key {
    const fn new(name: &'static str, kind: Kind) -> Key {
        Key { name, kind }
    }

    pub(super) fn find(name: &str) -> Option<Key> {
        KEYS.iter().copied().find(|k| k.name == name)
    }

    /// The key `name`, or an error naming the known keys.
    pub fn named(name: &str) -> Result<Key> {
        Key::find(name.trim()).ok_or_else(|| Error::InvalidInput(unknown_key(name)))
    }

    pub(super) fn section(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(s, _)| s)
    }

    pub(super) fn field(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(_, f)| f)
    }

    /// The value `policies` have for this key.
    pub fn get(&self, p: &Policies) -> Value {
        match self.name {
            "validation.auto_approve_min" => Value::Score(p.validation.auto_approve_min),
            "validation.needs_review_min" => Value::Score(p.validation.needs_review_min),
            "validation.allow_self_approval" => Value::Flag(p.validation.allow_self_approval),
            "validation.require_scores" => Value::Flag(p.validation.require_scores),
            "validation.failed_check" => Value::Name(p.validation.failed_check.to_string()),
            "limits.tool_cap" => Value::Count(p.limits.tool_cap.into()),
            "limits.loop_window_secs" => Value::Count(p.limits.loop_window_secs),
            "limits.loop_warn_at" => Value::Count(p.limits.loop_warn_at.into()),
            "limits.loop_refuse_at" => Value::Count(p.limits.loop_refuse_at.into()),
            "routing.simple" => Value::Name(p.routing.simple.clone()),
            "routing.standard" => Value::Name(p.routing.standard.clone()),
            "review.stale_sprints" => Value::Count(p.review.stale_sprints.into()),
            _ => Value::Name(p.routing.complex.clone()),
        }
    }

    /// Sets this key in `policies` to `value` (already checked for this key).
    pub(super) fn apply(&self, p: &mut Policies, value: &Value) {
        let count = |v: &Value| match v {
            Value::Count(n) => u32::try_from(*n).unwrap_or(u32::MAX),
            _ => 0,
        };
        match (self.name, value) {
            ("validation.auto_approve_min", Value::Score(s)) => p.validation.auto_approve_min = *s,
            ("validation.needs_review_min", Value::Score(s)) => p.validation.needs_review_min = *s,
            ("validation.allow_self_approval", Value::Flag(b)) => {
                p.validation.allow_self_approval = *b
            }
            ("validation.require_scores", Value::Flag(b)) => p.validation.require_scores = *b,
            ("validation.failed_check", Value::Name(s)) => {
                p.validation.failed_check = OnFailure::parse(s).unwrap_or_default()
            }
            ("limits.tool_cap", v) => p.limits.tool_cap = count(v),
            ("limits.loop_window_secs", Value::Count(n)) => p.limits.loop_window_secs = *n,
            ("limits.loop_warn_at", v) => p.limits.loop_warn_at = count(v),
            ("limits.loop_refuse_at", v) => p.limits.loop_refuse_at = count(v),
            ("routing.simple", Value::Name(s)) => p.routing.simple = s.clone(),
            ("routing.standard", Value::Name(s)) => p.routing.standard = s.clone(),
            ("routing.complex", Value::Name(s)) => p.routing.complex = s.clone(),
            ("review.stale_sprints", v) => p.review.stale_sprints = count(v),
            _ => {}
        }
    }

    /// What a person typed for this key, checked.
    pub fn parse(&self, text: &str) -> Result<Value> {
        let text = text.trim();
        let bad = |why: String| Error::InvalidInput(format!("{}: {why}", self.name));
        match self.kind {
            Kind::Score => {
                let score: f64 = text
                    .parse()
                    .map_err(|_| bad(format!("{text:?} is not a number; give one from 0 to 1")))?;
                self.check_score(score).map_err(bad)
            }
            Kind::Flag => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(Value::Flag(true)),
                "false" | "no" | "off" | "0" => Ok(Value::Flag(false)),
                _ => Err(bad(format!("{text:?} is not true or false"))),
            },
            Kind::Count => {
                let n: u64 = text.parse().map_err(|_| {
                    bad(format!(
                        "{text:?} is not a whole number; give one from 1 to {MAX_COUNT}"
                    ))
                })?;
                self.check_count(n).map_err(bad)
            }
            Kind::Seconds => {
                let secs = seconds(text).ok_or_else(|| {
                    bad(format!(
                        "{text:?} is not a span of time; write seconds (600 or 600s) or minutes and hours (10m, 1h)"
                    ))
                })?;
                self.check_count(secs).map_err(bad)
            }
            Kind::Model => check_model(text).map_err(bad),
            Kind::Choice(words) => check_choice(words, text).map_err(bad),
        }
    }

    /// A value read from the file, checked as a typed one would be.
    pub(super) fn read_toml(&self, value: &toml::Value) -> std::result::Result<Value, String> {
        let wrong = |what: &str| format!("must be {what}, not {value}");
        match (self.kind, value) {
            (Kind::Score, toml::Value::Float(f)) => self.check_score(*f),
            (Kind::Score, toml::Value::Integer(i)) => self.check_score(*i as f64),
            (Kind::Score, _) => Err(wrong("a number from 0 to 1")),
            (Kind::Flag, toml::Value::Boolean(b)) => Ok(Value::Flag(*b)),
            (Kind::Flag, _) => Err(wrong("true or false")),
            (Kind::Count | Kind::Seconds, toml::Value::Integer(i)) => {
                let n = u64::try_from(*i).map_err(|_| wrong("a whole number of 1 or more"))?;
                self.check_count(n)
            }
            (Kind::Count | Kind::Seconds, _) => Err(wrong("a whole number")),
            (Kind::Model, toml::Value::String(s)) => check_model(s),
            (Kind::Model, _) => Err(wrong("a model name in quotes")),
            (Kind::Choice(words), toml::Value::String(s)) => check_choice(words, s),
            (Kind::Choice(words), _) => {
                Err(wrong(&format!("one of {} in quotes", words.join(", "))))
            }
        }
    }

    fn check_score(&self, score: f64) -> std::result::Result<Value, String> {
        if score.is_finite() && (0.0..=1.0).contains(&score) {
            Ok(Value::Score(score))
        } else {
            Err(format!("{score} is outside 0..1; a score is from 0 to 1"))
        }
    }

    fn check_count(&self, n: u64) -> std::result::Result<Value, String> {
        let max = if self.kind == Kind::Seconds {
            MAX_WINDOW_SECS
        } else {
            MAX_COUNT
        };
        if n == 0 {
            Err("0 is not allowed: the least is 1".into())
        } else if n > max {
            Err(format!("{n} is more than the most allowed, {max}"))
        } else {
            Ok(Value::Count(n))
        }
    }
}

/// Seconds in `600`, `600s`, `10m`, `1h`, `1h30m`.
fn seconds(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    if let Some(n) = text
        .strip_suffix('s')
        .and_then(|n| n.trim().parse::<u64>().ok())
    {
        return Some(n);
    }
    // A bare number was seconds above; everything else is minutes and up.
    text.parse::<crate::model::Minutes>()
        .ok()
        .map(|m| m.0.saturating_mul(60))
}

/// One of `words`.
fn check_choice(words: &[&str], text: &str) -> std::result::Result<Value, String> {
    match words.iter().find(|w| **w == text) {
        Some(word) => Ok(Value::Name(word.to_string())),
        None => Err(format!("{text:?} is not one of {}", words.join(", "))),
    }
}

/// A model name: a hint for whoever picks the model, never a command.
fn check_model(name: &str) -> std::result::Result<Value, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-:/@+".contains(c);
    if name.is_empty() || name.chars().count() > MAX_MODEL_LEN {
        return Err(format!(
            "a model name has 1 to {MAX_MODEL_LEN} characters, not {}",
            name.chars().count()
        ));
    }
    if !name.chars().all(allowed) {
        return Err(format!(
            "{name:?} is not a model name: use letters, digits and . _ - : / @ + only (a policy names a model, it never holds a command)"
        ));
    }
    Ok(Value::Name(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_people_write_them() {
        let key = Key::named("limits.loop_window_secs").unwrap();
        for (text, secs) in [("600", 600), ("600s", 600), ("10m", 600), ("1h", 3600)] {
            assert_eq!(key.parse(text).unwrap(), Value::Count(secs), "{text}");
        }
        for bad in ["", "soon", "0", "-5", "30d"] {
            assert!(key.parse(bad).is_err(), "{bad}");
        }
    }
}
