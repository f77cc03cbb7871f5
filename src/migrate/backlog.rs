//! backlog.yaml, the original CMOS's plan file: two YAML documents, a header and
//! `domainFields` with sprints, their missions and the dependencies. Both flavours the
//! original read (its own exports and hand-written mission files) are imported; the export
//! writes the first flavour, as `db export backlog` did.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::legacy::{Mapper, Row};
use super::{Batch, values, yaml};
use crate::error::{Error, Result};
use crate::model::{DepType, Mission, Sprint, Status, Timestamp};

pub fn read(path: &Path) -> Result<Batch> {
    let bytes = super::read_file(path)?;
    let text = String::from_utf8(bytes.clone()).map_err(|_| {
        Error::InvalidInput(format!(
            "{} is not text (not UTF-8): is it a backlog.yaml?",
            path.display()
        ))
    })?;
    let documents = yaml::parse(&text, &path.display().to_string())?;
    let Some(fields) = documents.iter().find_map(|d| d.get("domainFields")) else {
        return Err(Error::InvalidInput(format!(
            "{} has no `domainFields` document: it is YAML, but not a CMOS backlog.yaml (export one with the original's `db export backlog`)",
            path.display()
        )));
    };
    let mut batch = Batch::new("backlog", path);
    let mut notes = std::mem::take(&mut batch.notes);
    let fallback = documents
        .iter()
        .find_map(|d| values::text(d.get("generatedAt")))
        .and_then(|t| values::timestamp(&t).map(|(t, _)| t))
        .or_else(|| earliest(fields))
        .unwrap_or_else(Timestamp::now);
    let mut mapper = Mapper {
        notes: &mut notes,
        fallback,
        format: "backlog",
    };
    for (i, doc) in documents.iter().enumerate() {
        if doc.get("domainFields").is_none() && !doc.is_null() {
            mapper.notes.skipped("header document (describes the export, not the project), kept in the verbatim copy", &format!("document {}", i + 1));
        } else if let Some(map) = doc.as_object() {
            for key in map.keys().filter(|k| *k != "domainFields") {
                mapper.notes.kept_raw(format!("mission-file field `{key}`, kept in the verbatim copy under .cmos/legacy/backlog/"), key);
            }
        }
    }
    let sprints = fields
        .get("sprints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for entry in &sprints {
        let Some(row) = entry.as_object() else {
            mapper
                .notes
                .skipped("sprint entry that is not a mapping", &entry.to_string());
            continue;
        };
        let Some(sprint) = mapper.sprint(row) else {
            continue;
        };
        for mission in row
            .get("missions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add_mission(&mut mapper, &mut batch, mission, Some(sprint.id.clone()));
        }
        batch.sprints.push(sprint);
    }
    for mission in fields
        .get("unassignedMissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add_mission(&mut mapper, &mut batch, mission, None);
    }
    // The mission entries' own `dependencies` say which way they point; this list does not.
    let listed = batch.links.len();
    for dep in fields
        .get("missionDependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(from), Some(to)) = (values::text(dep.get("from")), values::text(dep.get("to")))
        else {
            mapper
                .notes
                .skipped("dependency without both `from` and `to`", &dep.to_string());
            continue;
        };
        if let Some(link) = mapper.link(&from, &to, values::text(dep.get("type"))) {
            batch.links.push(link);
        }
    }
    super::legacy::orient_links(&batch.missions, &mut batch.links[listed..], mapper.notes);
    let prompts = fields
        .pointer("/promptMapping/prompts")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if prompts > 0 {
        mapper.notes.kept_raw(
            "promptMapping prompts, kept in the verbatim copy under .cmos/legacy/backlog/",
            &format!("{prompts} prompts"),
        );
    }
    let name = batch.source_name.clone();
    batch.keep_file(&name, bytes);
    batch.notes = notes;
    Ok(batch)
}

fn add_mission(mapper: &mut Mapper<'_>, batch: &mut Batch, entry: &Value, sprint: Option<String>) {
    let Some(row) = entry.as_object() else {
        mapper
            .notes
            .skipped("mission entry that is not a mapping", &entry.to_string());
        return;
    };
    // G0 files list a mission's dependencies inside it.
    let mut row: Row = row.clone();
    if let Some(deps) = row.get("dependencies").cloned().filter(|d| d.is_array()) {
        let from = values::text(row.get("id")).unwrap_or_default();
        for to in values::strings(Some(&deps)) {
            if let Some(link) = mapper.link(&from, &to, Some("depends_on".into())) {
                batch.links.push(link);
            }
        }
        row.remove("dependencies");
    }
    if let Some(mission) = mapper.mission(&row, sprint, &[]) {
        batch.missions.push(mission);
    }
}

fn earliest(fields: &Value) -> Option<Timestamp> {
    let mut found = Vec::new();
    collect_times(fields, &mut found);
    found.into_iter().min()
}

fn collect_times(value: &Value, found: &mut Vec<Timestamp>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if (key.ends_with("_at") || key.ends_with("Date"))
                    && let Some((t, _)) = v.as_str().and_then(values::timestamp)
                {
                    found.push(t);
                }
                collect_times(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_times(v, found)),
        _ => {}
    }
}

/// The plan as backlog.yaml: the original's header, then sprints (by start date, then id)
/// with their missions (by id), the dependencies, and prompt mappings. Missions without a
/// sprint, which the original left out, are listed under `unassignedMissions`.
pub fn export(sprints: &[Sprint], missions: &[Mission], prompts: Vec<Value>) -> String {
    let generated = missions
        .iter()
        .map(|m| m.updated_at)
        .chain(sprints.iter().map(|s| s.updated_at))
        .max();
    let header = json!({
        "name": "Planning.SprintPlan.v1",
        "version": "0.0.0",
        "displayName": "CMOS Backlog Export",
        "description": "Backlog export generated from the CMOS SQLite database.",
        "author": "CMOS",
        "schema": "./schemas/SprintPlan.v1.json",
        "generatedAt": generated.map(|t| t.to_string()),
    });
    let mut by_sprint: BTreeMap<Option<&str>, Vec<&Mission>> = BTreeMap::new();
    for mission in missions {
        by_sprint
            .entry(mission.sprint.as_deref())
            .or_default()
            .push(mission);
    }
    for list in by_sprint.values_mut() {
        list.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let mut ordered: Vec<&Sprint> = sprints.iter().collect();
    ordered.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    let sprint_entries: Vec<Value> = ordered
        .iter()
        .map(|sprint| {
            let list = by_sprint
                .get(&Some(sprint.id.as_str()))
                .cloned()
                .unwrap_or_default();
            let legacy = legacy_of(&sprint.extra);
            let mut entry = Map::new();
            entry.insert("sprintId".into(), sprint.id.clone().into());
            entry.insert("title".into(), sprint.title.clone().into());
            entry.insert("focus".into(), sprint.focus.clone().into());
            entry.insert("status".into(), sprint.status.to_string().into());
            entry.insert(
                "startDate".into(),
                legacy
                    .get("start_date")
                    .cloned()
                    .unwrap_or_else(|| sprint.start.map(|d| d.to_string()).into()),
            );
            entry.insert(
                "endDate".into(),
                legacy
                    .get("end_date")
                    .cloned()
                    .unwrap_or_else(|| sprint.end.map(|d| d.to_string()).into()),
            );
            entry.insert("totalMissions".into(), list.len().into());
            let completed = list
                .iter()
                .filter(|m| m.status == Status::Completed)
                .count();
            entry.insert("completedMissions".into(), completed.into());
            entry.insert(
                "missions".into(),
                list.iter().map(|m| mission_entry(m)).collect(),
            );
            Value::Object(entry)
        })
        .collect();
    let known: std::collections::HashSet<&str> = sprints.iter().map(|s| s.id.as_str()).collect();
    let unassigned: Vec<Value> = missions
        .iter()
        .filter(|m| m.sprint.as_deref().is_none_or(|s| !known.contains(s)))
        .map(mission_entry)
        .collect();
    let mut dependencies = Vec::new();
    let mut sorted: Vec<&Mission> = missions.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for mission in sorted {
        for dep in &mission.depends {
            let kind = dep
                .extra
                .get("legacy_type")
                .and_then(toml::Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| dep.kind.to_string());
            // The original lists the dependent mission first.
            let (from, to) = match dep.kind {
                DepType::Blocks => (dep.on.clone(), mission.id.clone()),
                _ => (mission.id.clone(), dep.on.clone()),
            };
            dependencies.push(json!({"from": from, "to": to, "type": kind}));
        }
    }
    let mut fields = Map::new();
    fields.insert("type".into(), "Planning.SprintPlan.v1".into());
    fields.insert("sprints".into(), sprint_entries.into());
    if !unassigned.is_empty() {
        fields.insert("unassignedMissions".into(), unassigned.into());
    }
    fields.insert("missionDependencies".into(), dependencies.into());
    fields.insert("promptMapping".into(), json!({"prompts": prompts}));
    yaml::write_documents(&[header, json!({"domainFields": fields})])
}

fn legacy_of(extra: &toml::Table) -> Map<String, Value> {
    match extra.get("legacy").map(values::from_toml) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// One mission as the original's export wrote it: `metadata` holds what the original kept
/// there, with cmos's own fields filled in where it had none.
fn mission_entry(mission: &Mission) -> Value {
    let legacy = legacy_of(&mission.extra);
    let mut metadata = match legacy.get("metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    // Fill in cmos's fields where the original's metadata has none under any of its names.
    let mut fill = |keys: &[&str], value: Value| {
        let empty = value.is_null() || value == json!([]);
        if !empty && !keys.iter().any(|k| metadata.contains_key(*k)) {
            metadata.insert(keys[0].into(), value);
        }
    };
    fill(
        &["description", "objective"],
        mission.objective.clone().into(),
    );
    fill(&["context"], mission.context.clone().into());
    fill(
        &["successCriteria", "success_criteria"],
        mission.success_criteria.clone().into(),
    );
    fill(&["deliverables"], mission.deliverables.clone().into());
    fill(
        &["started_at"],
        mission.started_at.map(|t| t.to_string()).into(),
    );
    fill(
        &["completed_at"],
        mission.completed_at.map(|t| t.to_string()).into(),
    );
    fill(
        &["pattern", "orchestrationPattern"],
        mission.pattern.map(|p| p.to_string()).into(),
    );
    fill(
        &["patternRationale", "pattern_rationale"],
        mission.pattern_rationale.clone().into(),
    );
    if mission.fallback_triggered {
        fill(&["fallbackTriggered", "fallback_triggered"], true.into());
    }
    if let Some(blocked) = &mission.blocked {
        fill(&["blocked_at"], blocked.since.to_string().into());
        fill(&["blocked_reason"], blocked.reason.clone().into());
        fill(&["blocked_needs"], blocked.needs.clone().into());
    }
    let mut entry = Map::new();
    entry.insert("id".into(), mission.id.clone().into());
    entry.insert("name".into(), mission.name.clone().into());
    entry.insert("status".into(), mission.status.to_string().into());
    if let Some(done) = legacy
        .get("completed_at")
        .cloned()
        .or_else(|| mission.completed_at.map(|t| t.to_string().into()))
    {
        entry.insert("completed_at".into(), done);
    }
    if let Some(notes) = &mission.notes {
        entry.insert("notes".into(), notes.clone().into());
    }
    if !metadata.is_empty() {
        entry.insert("metadata".into(), Value::Object(metadata));
    }
    Value::Object(entry)
}
