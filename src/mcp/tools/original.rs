//! Granular tools of the original CMOS (its "G3" set) that cmos had no tool of that name for:
//! each is the original's name and parameters over an operation cmos already has (the
//! branch check and status for `cmos_db_health`, the backlog export for
//! `cmos_backlog_export`), so prompts written for the original find them.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;
use serde_json::{Value, json};

use super::{Reply, Tool, ToolArgs, reply, tool};
use crate::error::Result;
use crate::migrate::yaml;
use crate::ops::migrate::{self, Export};
use crate::ops::{Outcome, Workspace, status, verify};

pub static TOOLS: [Tool; 2] = [tool::<DbHealth>(), tool::<BacklogExport>()];

/// Is the project's memory sound? Checks the cmos branch (schema, ids, links, log) and counts
/// its missions by status. Problems come as an error listing each one; the original's SQLite
/// figures (WAL mode, file size) have no meaning for a git branch and are not given.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct DbHealth {}

impl ToolArgs for DbHealth {
    const NAME: &'static str = "cmos_db_health";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let checked = verify::verify(ws, None)?;
        let view = status::status(ws)?;
        let data = json!({
            "connected": true,
            "branch": checked.data.reference,
            "commit": checked.data.commit,
            "version": env!("CARGO_PKG_VERSION"),
            "project": view.data.project.name,
            "missionCount": view.data.totals.total,
            "missionsByStatus": view.data.totals.by_status,
        });
        Ok(Outcome {
            data,
            warnings: checked.warnings,
            instructions: view.instructions,
        })
    }
}

/// How `cmos_backlog_export` writes the backlog.
#[derive(Clone, Copy, Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum BacklogFormat {
    #[default]
    Yaml,
    Json,
}

/// The whole backlog (every sprint with its missions, in full) as the original's backlog.yaml,
/// or as JSON. Returns {format, content, sprintCount, missionCount}.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct BacklogExport {
    /// yaml or json [default: yaml].
    format: Option<BacklogFormat>,
}

impl ToolArgs for BacklogExport {
    const NAME: &'static str = "cmos_backlog_export";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let exported = migrate::export(ws, Export::Backlog, None, false)?;
        let text = exported.data.text.clone().unwrap_or_default();
        // The counts come from the exported document itself, so they describe what was sent:
        // its second document holds the plan (sprints with their missions, then missions of
        // no sprint), which is also the JSON form.
        let plan = yaml::parse(&text, "the exported backlog")?
            .into_iter()
            .find_map(|doc| doc.get("domainFields").cloned())
            .unwrap_or(Value::Null);
        let sprints = plan.get("sprints").and_then(Value::as_array);
        let sprint_count = sprints.map_or(0, Vec::len);
        let in_sprints: usize = sprints
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("missions").and_then(Value::as_array))
            .map(Vec::len)
            .sum();
        let unassigned = plan
            .get("unassignedMissions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let mission_count = in_sprints + unassigned;
        let (format, content) = match self.format.unwrap_or_default() {
            BacklogFormat::Yaml => ("yaml", Value::from(text)),
            BacklogFormat::Json => ("json", plan),
        };
        reply(Outcome {
            data: json!({
                "format": format,
                "content": content,
                "sprintCount": sprint_count,
                "missionCount": mission_count,
            }),
            warnings: exported.warnings,
            instructions: exported.instructions,
        })
    }
}
