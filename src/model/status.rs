//! The closed vocabularies: statuses, types and categories, each with its lenient spellings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::model::item::{ItemKind, ItemStatus};
use crate::model::session::{CaptureCategory, SessionStatus, SessionType};

/// Normalises user spelling: `In Progress`, `in-progress`, `in_progress` and `inprogress` are one word.
pub fn fold(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a name from text without first copying it into a String.
struct NameVisitor<T>(std::marker::PhantomData<T>);

impl<T: FromStr<Err = Error>> serde::de::Visitor<'_> for NameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// Implements Display, FromStr (lenient) and serde (as the display name) for a closed enum.
macro_rules! vocabulary {
    ($ty:ident, $what:literal, [$($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl $ty {
            /// Every value, in the order people expect to read them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The canonical name, as stored and shown.
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                // Stored files use the canonical names: match those without allocating.
                $(
                    if s == $name {
                        return Ok($ty::$variant);
                    }
                )+
                let folded = fold(s);
                $(
                    if folded == fold($name) $(|| folded == fold($alias))* {
                        return Ok($ty::$variant);
                    }
                )+
                let names: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                Err(Error::InvalidInput(format!(
                    "unknown {} {:?}: use one of {}", $what, s, names.join(", ")
                )))
            }
        }

        /// Text formats (TOML, JSON) get the name; binary ones (the index cache) one byte.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.serialize_str(self.as_str())
                } else {
                    let position = $ty::ALL.iter().position(|v| v == self).unwrap_or(0);
                    s.serialize_u8(position as u8)
                }
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                if d.is_human_readable() {
                    d.deserialize_str(NameVisitor::<$ty>(std::marker::PhantomData))
                } else {
                    let position = u8::deserialize(d)?;
                    $ty::ALL.get(usize::from(position)).copied().ok_or_else(|| {
                        serde::de::Error::custom(format!("no {} number {position}", $what))
                    })
                }
            }
        }
    };
}

/// Where a mission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Queued,
    Current,
    InProgress,
    Blocked,
    Completed,
    Dropped,
    Deferred,
}

vocabulary!(Status, "mission status", [
    Queued => "Queued" | "planned" | "todo" | "pending",
    Current => "Current" | "next",
    InProgress => "In Progress" | "active" | "started" | "doing",
    Blocked => "Blocked",
    Completed => "Completed" | "done" | "complete",
    Dropped => "Dropped" | "cancelled" | "canceled",
    Deferred => "Deferred",
]);

impl Status {
    /// Still to be done or being done: counts against a sprint's progress.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Queued | Status::Current | Status::InProgress | Status::Blocked
        )
    }

    /// No transition leaves this status.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Dropped)
    }
}

/// Where a sprint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SprintStatus {
    Planned,
    Active,
    Completed,
}

vocabulary!(SprintStatus, "sprint status", [
    Planned => "Planned" | "queued" | "planning",
    Active => "Active" | "current" | "in progress",
    Completed => "Completed" | "done",
]);

/// How one mission relates to another (`FROM <type> TO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DepType {
    /// FROM needs TO completed before it is ready.
    Requires,
    /// FROM must be completed before TO is ready.
    Blocks,
    /// A loose link, for people reading.
    Relates,
    /// FROM's outcome feeds TO, without gating it.
    Informs,
}

vocabulary!(DepType, "dependency type", [
    Requires => "requires" | "depends_on" | "depends on" | "dependson",
    Blocks => "blocks",
    Relates => "relates" | "related",
    Informs => "informs",
]);

impl DepType {
    /// Whether this kind of link orders work, and so must stay free of cycles.
    pub fn is_ordering(self) -> bool {
        matches!(self, DepType::Requires | DepType::Blocks)
    }
}

/// How demanding a mission is: policy maps each to a model hint (`routing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Complexity {
    Simple,
    Standard,
    Complex,
}

vocabulary!(Complexity, "complexity", [
    Simple => "simple" | "low" | "easy",
    Standard => "standard" | "medium" | "normal",
    Complex => "complex" | "high" | "hard",
]);

vocabulary!(SessionType, "session type", [
    Planning => "planning",
    Onboarding => "onboarding",
    Review => "review",
    Research => "research",
    CheckIn => "check-in" | "checkin",
    Build => "build",
    Custom => "custom",
]);

vocabulary!(SessionStatus, "session status", [
    Active => "Active",
    Completed => "Completed",
    Abandoned => "Abandoned" | "canceled" | "cancelled",
]);

vocabulary!(CaptureCategory, "capture category", [
    Decision => "decision",
    Learning => "learning",
    Constraint => "constraint",
    Context => "context",
    NextStep => "next-step" | "next",
    Blocker => "blocker",
]);

vocabulary!(ItemKind, "item kind", [
    Decision => "decision",
    Fact => "fact",
    Learning => "learning",
    Constraint => "constraint",
    NextStep => "next-step" | "next",
    Snapshot => "snapshot",
]);

vocabulary!(ItemStatus, "item status", [
    Active => "Active" | "open",
    Superseded => "Superseded",
    Archived => "Archived",
    Done => "Done" | "completed",
    Dropped => "Dropped" | "cancelled" | "canceled",
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_accept_common_spellings() {
        for s in ["In Progress", "in-progress", "in_progress", "INPROGRESS"] {
            assert_eq!(s.parse::<Status>().unwrap(), Status::InProgress);
        }
        assert_eq!("done".parse::<Status>().unwrap(), Status::Completed);
        let err = "finished-ish".parse::<Status>().unwrap_err();
        assert!(err.to_string().contains("Queued, Current, In Progress"));
    }

    #[test]
    fn dep_types_round_trip() {
        for t in DepType::ALL {
            assert_eq!(t.as_str().parse::<DepType>().unwrap(), *t);
        }
    }
}
