//! The project record (`.cmos/project.toml`) and the format marker (`.cmos/format.toml`).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// The major format version this cmos writes; a newer major is refused on read.
pub const FORMAT_MAJOR: u32 = 1;
/// The minor format version: additions an older reader can safely ignore.
pub const FORMAT_MINOR: u32 = 0;

/// `.cmos/format.toml`: how to read the rest of the branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Format {
    pub major: u32,
    pub minor: u32,
    #[serde(flatten)]
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
    #[serde(flatten)]
    pub extra: toml::Table,
}
