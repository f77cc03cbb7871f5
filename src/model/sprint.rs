//! A sprint: a group of missions with a title, a focus, a status and dates.

use serde::{Deserialize, Serialize};

use super::{Date, SprintStatus, Timestamp};

/// One file under `.cmos/sprints/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Sprint {
    pub id: String,
    pub uid: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    pub status: SprintStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Date>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(flatten, skip_deserializing)]
    pub extra: toml::Table,
}

super::unknown_keys::keeps_unknown_keys!(Sprint);
