//! The project record (`.cmos/project.toml`) and the format marker (`.cmos/format.toml`).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// The major format version this cmos writes; a newer major is refused on read. Format 2
/// spreads sprints over hash-named directories as format 1 did missions; this cmos reads
/// format 1 too, and a branch moves to 2 with the first sprint it stores that way.
pub const FORMAT_MAJOR: u32 = 2;
/// The first major format that spreads sprints over hash-named directories.
pub const SHARDED_SPRINTS: u32 = 2;
/// The minor format version: additions an older reader can safely ignore.
pub const FORMAT_MINOR: u32 = 0;

/// `.cmos/format.toml`: how to read the rest of the branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Format {
    pub major: u32,
    pub minor: u32,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            major: FORMAT_MAJOR,
            minor: FORMAT_MINOR,
            extra: toml::Table::new(),
        }
    }
}

/// The project's identity, its current sprint and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Project {
    /// A uid made at `cmos init`; it tells two unrelated projects apart.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The sprint `mission next` and `status` look at first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_sprint: Option<String>,
    pub created_at: Timestamp,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

super::unknown_keys::keeps_unknown_keys!(Format, Project);
