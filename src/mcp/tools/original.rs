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
use crate::model::ItemKind;
use crate::ops::knowledge::{self, ListFilter};
use crate::ops::migrate::{self, Export};
use crate::ops::{Outcome, Workspace, mission, session, snapshots, sprint, status, verify};
use crate::store::LogFilter;

pub static TOOLS: [Tool; 3] = [
    tool::<DbHealth>(),
    tool::<BacklogExport>(),
    tool::<ResolveReferences>(),
];

/// Is the project's memory sound? Checks the cmos branch (schema, ids, links, log) and counts
/// its records: missions by status, sprints, sessions, snapshots, and the last mission and
/// session activity, and the bytes of its files (the original's database file size).
/// Problems come as an error listing each one.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct DbHealth {}

impl ToolArgs for DbHealth {
    const NAME: &'static str = "cmos_db_health";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let checked = verify::verify(ws, None)?;
        let view = status::status(ws)?;
        let sessions = session::list(ws, None, None, None)?.data.len();
        let sprints = sprint::list(ws, None)?.data.len();
        let snapshots = snapshots::history(ws)?.data.len();
        // The original's tables are the branch's kinds of record here; those that hold any.
        let mut tables = vec![
            ("missions", view.data.totals.total),
            ("sprints", sprints),
            ("sessions", sessions),
            ("snapshots", snapshots),
        ];
        let all = ListFilter {
            all: true,
            ..ListFilter::default()
        };
        for kind in [
            ItemKind::Decision,
            ItemKind::Fact,
            ItemKind::Learning,
            ItemKind::Constraint,
            ItemKind::NextStep,
        ] {
            tables.push((kind.log_dir(), knowledge::list(ws, kind, &all)?.data.len()));
        }
        let tables: Vec<&str> = tables.iter().filter(|(_, n)| *n > 0).map(|t| t.0).collect();
        // The last activity of each kind is the newest operation of that kind in the log.
        let filter = LogFilter {
            limit: 500,
            agent: None,
            since: None,
            path: None,
        };
        let log = status::log(ws, filter, None)?.data;
        let last = |prefix: &str| {
            log.iter()
                .find(|entry| entry.op.starts_with(prefix))
                .map(|entry| entry.at.to_string())
        };
        let data = json!({
            "connected": true,
            "branch": checked.data.reference,
            "path": checked.data.reference,
            "commit": checked.data.commit,
            "version": env!("CARGO_PKG_VERSION"),
            "project": view.data.project.name,
            "tables": tables,
            "missionCount": view.data.totals.total,
            "missionsByStatus": view.data.totals.named(),
            "sprintCount": sprints,
            "sessionCount": sessions,
            "contextCount": snapshots,
            "lastMissionActivity": last("mission."),
            "lastSessionActivity": last("session."),
            "fileSizeBytes": ws.store().tip_bytes()?,
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
/// or as JSON. Returns {format, content, sprintCount, missionCount, sprintFilter}.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct BacklogExport {
    /// yaml or json [default: yaml].
    format: Option<BacklogFormat>,
    /// Only this sprint (by id or title) with its missions.
    #[schemars(extend("x-original" = true))]
    sprint_id: Option<String>,
}

impl ToolArgs for BacklogExport {
    const NAME: &'static str = "cmos_backlog_export";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let exported = migrate::export(ws, Export::Backlog, None, false)?;
        let text = exported.data.text.clone().unwrap_or_default();
        // The counts come from the exported document itself, so they describe what was sent:
        // its second document holds the plan (sprints with their missions, then missions of
        // no sprint), which is also the JSON form.
        let mut documents = yaml::parse(&text, "the exported backlog")?;
        if let Some(wanted) = self.sprint_id.as_deref() {
            for doc in &mut documents {
                if let Some(plan) = doc.get_mut("domainFields") {
                    only_sprint(plan, wanted)?;
                }
            }
        }
        let plan = documents
            .iter()
            .find_map(|doc| doc.get("domainFields").cloned())
            .unwrap_or(Value::Null);
        let text = match self.sprint_id {
            Some(_) => yaml::write_documents(&documents),
            None => text,
        };
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
                "sprintFilter": self.sprint_id,
            }),
            warnings: exported.warnings,
            instructions: exported.instructions,
        })
    }
}

/// Keeps only the sprint `wanted` (its id or title, any case) in an exported plan, and no
/// mission of no sprint; refuses a sprint the plan does not have.
fn only_sprint(plan: &mut Value, wanted: &str) -> Result<()> {
    let folded = crate::model::fold(wanted);
    let matches = |s: &Value| {
        ["sprintId", "title"].iter().any(|k| {
            s[*k]
                .as_str()
                .is_some_and(|v| crate::model::fold(v) == folded)
        })
    };
    let Some(Value::Array(sprints)) = plan.get_mut("sprints") else {
        return Ok(());
    };
    sprints.retain(matches);
    if sprints.is_empty() {
        return Err(crate::error::Error::NotFound {
            kind: "sprint",
            id: wanted.to_string(),
        });
    }
    if let Some(map) = plan.as_object_mut() {
        map.remove("unassignedMissions");
    }
    Ok(())
}

/// The reference documents of a mission imported from the original CMOS (its
/// reference_docs), sorted into TraceLab references, web addresses and local paths. Returns
/// {missionId, tracelabRefs[{type, resourceId, path}], localDocs[{path}], webUrls[]}.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ResolveReferences {
    /// The mission.
    mission_id: String,
}

impl ToolArgs for ResolveReferences {
    const NAME: &'static str = "cmos_resolve_references";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let shown = mission::show(ws, &self.mission_id)?;
        let references = crate::migrate::mission_file::references(&shown.data.mission);
        let (mut tracelab, mut local, mut web) = (Vec::new(), Vec::new(), Vec::new());
        for reference in references {
            if let Some(rest) = reference.strip_prefix("tracelab://") {
                let mut parts = rest.splitn(3, '/');
                let kind = parts.next().unwrap_or_default();
                let id = parts.next().unwrap_or_default();
                tracelab.push(json!({"type": kind, "resourceId": id, "path": parts.next()}));
            } else if reference.starts_with("http://") || reference.starts_with("https://") {
                web.push(Value::from(reference));
            } else {
                local.push(json!({"path": reference}));
            }
        }
        Ok(Outcome {
            data: json!({
                "missionId": self.mission_id,
                "tracelabRefs": tracelab,
                "localDocs": local,
                "webUrls": web,
            }),
            warnings: shown.warnings,
            instructions: shown.instructions,
        })
    }
}
