//! Importers for the peer tools' files: Beads (`issues.jsonl`, `bd export`), Backlog.md (one
//! Markdown file per task with YAML front matter) and task-master (`tasks.json`). Each maps
//! to missions, sprints and links the way the original CMOS's data does, through the same
//! mapper, so the same notes and `legacy` tables come out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::legacy::{Mapper, Row};
use super::{Batch, Notes, values, yaml};
use crate::error::{Error, Result};
use crate::model::{ItemKind, Minutes, Mission, Timestamp};

/// The mapper for a peer's batch; times the source lacks fall back to its earliest one.
/// The mapper of a source, whose fallback time is the earliest creation in `rows` (read
/// once, never copied: a source of 100,000 rows is held once).
fn mapper<'n, 'r>(
    notes: &'n mut Notes,
    rows: impl IntoIterator<Item = &'r Row>,
    format: &'static str,
) -> Mapper<'n> {
    let fallback = rows
        .into_iter()
        .flat_map(|r| ["created_at", "created_date", "createdAt"].map(|k| values::text(r.get(k))))
        .flatten()
        .filter_map(|t| values::timestamp(&t).map(|(t, _)| t))
        .min()
        .unwrap_or_else(Timestamp::now);
    Mapper {
        notes,
        fallback,
        format,
    }
}

/// Renames `from` keys of `row` to the names the mapper reads, mapping status words first.
fn renamed(row: &Row, names: &[(&str, &str)]) -> Row {
    let mut out = Row::new();
    for (key, value) in row {
        let key = names
            .iter()
            .find(|(from, _)| from == key)
            .map_or(key.as_str(), |(_, to)| to);
        out.insert(key.to_string(), value.clone());
    }
    out
}

/// A status word of a peer in cmos's words, noting the mapping; unknown words are kept.
fn peer_status(
    notes: &mut Notes,
    tool: &str,
    raw: &str,
    id: &str,
    table: &[(&str, &str)],
) -> String {
    let folded = raw.to_lowercase().replace(['_', ' '], "-");
    match table.iter().find(|(from, _)| *from == folded) {
        Some((_, to)) => {
            notes.mapped(format!("{tool} status {raw:?} → {to}"), id);
            to.to_string()
        }
        None => raw.to_string(),
    }
}

/// Beads: one issue per JSON line, with its dependencies inside.
pub fn beads(path: &Path) -> Result<Batch> {
    let bytes = super::read_file(path)?;
    let mut batch = Batch::new("beads", path);
    let mut notes = std::mem::take(&mut batch.notes);
    let (records, unparsed) = super::sessions_log::json_lines(&bytes, &mut notes);
    if records.is_empty() && !unparsed.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} is not JSON Lines: line {} is not a JSON object; the beads import reads .beads/issues.jsonl or the output of `bd export`",
            path.display(),
            unparsed[0].0
        )));
    }
    if let Some((line, _, _)) = records
        .iter()
        .find(|(_, _, r)| r.get("id").is_none() || r.get("title").is_none())
    {
        return Err(Error::InvalidInput(format!(
            "{} line {line} has no `id` and `title`: this is JSON Lines, but not Beads issues",
            path.display()
        )));
    }
    batch.keep_unparsed(&mut notes, &unparsed);
    let rows: Vec<Row> = records.into_iter().map(|(_, _, r)| r).collect();
    let mut m = mapper(&mut notes, &rows, "beads");
    let statuses = [
        ("open", "Queued"),
        ("in-progress", "In Progress"),
        ("blocked", "Blocked"),
        ("deferred", "Deferred"),
        ("closed", "Completed"),
        ("tombstone", "Dropped"),
    ];
    // Taken one by one, so each issue's fields are freed once its mission is made.
    for row in rows {
        let id = values::text(row.get("id")).unwrap_or_default();
        let mut r = renamed(
            &row,
            &[
                ("title", "name"),
                ("description", "objective"),
                ("design", "context"),
                ("closed_at", "completed_at"),
            ],
        );
        let raw = values::text(row.get("status")).unwrap_or_else(|| "open".into());
        r.insert(
            "status".into(),
            peer_status(m.notes, "beads", &raw, &id, &statuses).into(),
        );
        if let Some(criteria) = values::text(row.get("acceptance_criteria")) {
            r.insert("success_criteria".into(), checklist(&criteria).into());
            r.remove("acceptance_criteria");
        }
        let deps = r.remove("dependencies");
        let minutes = r.remove("estimated_minutes").and_then(|v| v.as_u64());
        let Some(mut mission) = m.mission(&r, None, &[]) else {
            continue;
        };
        mission.estimate = minutes.map(Minutes);
        for dep in deps
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let on = values::text(dep.get("depends_on_id").or(dep.get("id")));
            if let Some(on) = on
                && let Some(link) = m.link(&mission.id, &on, values::text(dep.get("type")))
            {
                batch.links.push(link);
            }
        }
        batch.missions.push(mission);
    }
    batch.notes = notes;
    Ok(batch)
}

/// Acceptance criteria or a checklist as one criterion per item.
fn checklist(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let l = l.trim().trim_start_matches(['-', '*']).trim_start();
            let l = l
                .strip_prefix("[ ]")
                .or(l.strip_prefix("[x]"))
                .or(l.strip_prefix("[X]"))
                .unwrap_or(l)
                .trim_start();
            // Backlog.md numbers its criteria: `#1 text`.
            match l.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start()
                    .to_string(),
                _ => l.to_string(),
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Backlog.md: the task files of a `backlog/` directory (tasks, drafts, completed and archived
/// tasks), milestones as sprints, and decision records as decisions.
pub fn backlog_md(path: &Path) -> Result<Batch> {
    let root = if path.join("backlog").is_dir() {
        path.join("backlog")
    } else {
        path.to_path_buf()
    };
    let mut walked = super::Notes::default();
    let files: Vec<(String, PathBuf)> = super::files_under(&root, &mut walked)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".md"))
        .filter(|(rel, _)| {
            [
                "tasks/",
                "drafts/",
                "completed/",
                "archive/tasks/",
                "decisions/",
            ]
            .iter()
            .any(|d| rel.starts_with(d))
        })
        .collect();
    if files.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} holds no Backlog.md task files: name the project's backlog/ directory (with tasks/*.md)",
            path.display()
        )));
    }
    let mut batch = Batch::new("backlog-md", &root);
    let mut notes = std::mem::take(&mut batch.notes);
    notes.absorb(walked);
    let mut parsed = Vec::new();
    for (rel, file) in &files {
        let text = String::from_utf8_lossy(&super::read_file(file)?).into_owned();
        match front_matter(&text) {
            Ok((fields, body)) => parsed.push((rel.clone(), fields, body)),
            Err(why) => notes.skipped(format!("file without readable front matter ({why})"), rel),
        }
    }
    let mut m = mapper(&mut notes, parsed.iter().map(|(_, f, _)| f), "backlog-md");
    let statuses = [
        ("to-do", "Queued"),
        ("todo", "Queued"),
        ("in-progress", "In Progress"),
        ("done", "Completed"),
    ];
    let mut milestones: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Taken one by one, so each file's fields are freed once its mission is made.
    for (rel, fields, body) in parsed {
        if rel.starts_with("decisions/") {
            let title = values::text(fields.get("title")).unwrap_or_else(|| rel.clone());
            let mut row = fields.clone();
            row.remove("title");
            row.insert("rationale".into(), body.trim().to_string().into());
            if let Some(date) = row.remove("date") {
                row.insert("created_at".into(), date);
            }
            batch
                .items
                .push(m.item(ItemKind::Decision, title, &row, &["id"]));
            continue;
        }
        let id = values::text(fields.get("id")).unwrap_or_default();
        let mut r = renamed(
            &fields,
            &[
                ("title", "name"),
                ("created_date", "created_at"),
                ("updated_date", "updated_at"),
            ],
        );
        let raw = values::text(fields.get("status")).unwrap_or_else(|| "To Do".into());
        r.insert(
            "status".into(),
            peer_status(m.notes, "Backlog.md", &raw, &id, &statuses).into(),
        );
        let sections = sections(&body);
        if let Some(d) = sections.get("description") {
            r.insert("objective".into(), d.clone().into());
        }
        if let Some(plan) = sections.get("implementation plan") {
            r.insert("context".into(), plan.clone().into());
        }
        if let Some(ac) = sections.get("acceptance criteria") {
            r.insert("success_criteria".into(), checklist(ac).into());
        }
        let notes_text: Vec<&String> = ["implementation notes", "final summary"]
            .iter()
            .filter_map(|k| sections.get(*k))
            .collect();
        if !notes_text.is_empty() {
            r.insert(
                "notes".into(),
                notes_text
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n")
                    .into(),
            );
        }
        r.insert("body".into(), body.into());
        r.insert("file".into(), rel.clone().into());
        if rel.starts_with("drafts/") {
            r.insert("draft".into(), true.into());
        }
        let deps = r.remove("dependencies");
        let ordinal = r.remove("ordinal").and_then(|v| v.as_i64());
        let milestone = values::text(r.get("milestone"));
        let Some(mut mission) = m.mission(&r, None, &[]) else {
            continue;
        };
        mission.rank = ordinal;
        if let Some(ms) = milestone.and_then(|ms| Some((m.id("sprint", &ms)?, ms))) {
            mission.sprint = Some(ms.0.clone());
            milestones
                .entry(ms.1)
                .or_default()
                .push(mission.status.to_string());
        }
        for on in values::strings(deps.as_ref()) {
            if let Some(link) = m.link(&mission.id, &on, Some("depends_on".into())) {
                batch.links.push(link);
            }
        }
        if let Some(parent) =
            values::text(fields.get("parent")).or(values::text(fields.get("parent_task_id")))
            && let Some(link) = m.link(&mission.id, &parent, Some("parent".into()))
        {
            batch.links.push(link);
        }
        // A project of 100,000 tasks: each table is packed as its mission is made.
        batch.extras.push(&mut batch.missions, mission);
    }
    // Files are listed by name (task-10 before task-2); Backlog.md's own order is by id.
    batch.extras.sort(&mut batch.missions, |a, b| {
        crate::lifecycle::natural_cmp(&a.id, &b.id)
    });
    for (title, statuses) in milestones {
        let done = statuses.iter().all(|s| s == "Completed");
        let row: Row = json!({"id": title, "title": title, "status": if done { "Completed" } else { "Active" }})
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(sprint) = m.sprint(&row) {
            batch.sprints.push(sprint);
        }
    }
    batch.notes = notes;
    Ok(batch)
}

/// The YAML front matter of a Markdown file and the body after it.
fn front_matter(text: &str) -> std::result::Result<(Row, String), String> {
    let rest = text
        .strip_prefix("---")
        .ok_or("it does not start with ---")?;
    let end = rest
        .find("\n---")
        .ok_or("the front matter is not closed by ---")?;
    let (head, body) = rest.split_at(end);
    let body = body
        .trim_start_matches("\n---")
        .trim_start_matches('\n')
        .to_string();
    let docs = yaml::read(head).map_err(|e| e.to_string())?;
    match docs.into_iter().next() {
        Some(Value::Object(map)) => Ok((map, body)),
        _ => Err("the front matter is not a mapping".into()),
    }
}

/// The `## Heading` sections of a task body, by lower-case heading, without Backlog.md's
/// section markers.
fn sections(body: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in body.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            current = Some(heading.trim().to_lowercase());
            continue;
        }
        if line.trim_start().starts_with("<!--") {
            continue;
        }
        if let Some(name) = &current {
            let text = out.entry(name.clone()).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// task-master: tagged task lists (or the older single list), tasks and their subtasks.
pub fn task_master(path: &Path) -> Result<Batch> {
    let bytes = super::read_file(path)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
        Error::InvalidInput(format!(
            "{} is not JSON ({e}); the task-master import reads .taskmaster/tasks/tasks.json",
            path.display()
        ))
    })?;
    let tags: Vec<(String, Value)> = match &doc {
        Value::Object(map) if map.get("tasks").is_some_and(Value::is_array) => {
            vec![("master".into(), doc.clone())]
        }
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| v.get("tasks").is_some_and(Value::is_array))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Vec::new(),
    };
    if tags.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} is JSON but not a task-master tasks.json: no `tasks` list, at the top or under a tag",
            path.display()
        )));
    }
    let mut batch = Batch::new("task-master", path);
    let mut notes = std::mem::take(&mut batch.notes);
    let mut m = mapper(&mut notes, &[], "task-master");
    if let Ok(meta) = std::fs::metadata(path)
        && let Ok(modified) = meta.modified()
        && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        // task-master records no times; the file's own time is the best there is.
        m.fallback = m
            .fallback
            .min(Timestamp::from_millis(since.as_millis() as i64));
    }
    let statuses = [
        ("pending", "Queued"),
        ("in-progress", "In Progress"),
        ("review", "In Progress"),
        ("done", "Completed"),
        ("deferred", "Deferred"),
        ("cancelled", "Dropped"),
        ("blocked", "Blocked"),
    ];
    for (tag, list) in &tags {
        let prefix = if tag == "master" {
            "tm".to_string()
        } else {
            format!("tm-{tag}")
        };
        let sprint_row: Row = json!({
            "id": prefix, "title": format!("task-master tag {tag}"),
            "focus": list.pointer("/metadata/description"), "status": "Active",
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        let sprint = m.sprint(&sprint_row);
        let sprint_id = sprint.as_ref().map(|s| s.id.clone());
        let mut all_done = true;
        for task in list
            .get("tasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(row) = task.as_object() else {
                continue;
            };
            let id = format!(
                "{prefix}-{}",
                values::text(row.get("id")).unwrap_or_default()
            );
            let mission = tm_task(
                &mut m,
                &mut batch,
                row,
                &id,
                &prefix,
                None,
                &statuses,
                sprint_id.clone(),
            );
            if let Some(mission) = mission {
                all_done &= mission.status.is_final();
                batch.missions.push(mission);
            }
            for sub in row
                .get("subtasks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(sub) = sub.as_object() else { continue };
                let sub_id = format!("{id}.{}", values::text(sub.get("id")).unwrap_or_default());
                if let Some(mission) = tm_task(
                    &mut m,
                    &mut batch,
                    sub,
                    &sub_id,
                    &prefix,
                    Some(&id),
                    &statuses,
                    sprint_id.clone(),
                ) {
                    batch.missions.push(mission);
                }
            }
        }
        if let Some(mut sprint) = sprint {
            if all_done {
                sprint.status = crate::model::SprintStatus::Completed;
                sprint.completed_at = Some(sprint.updated_at);
            }
            batch.sprints.push(sprint);
        }
    }
    batch.notes = notes;
    Ok(batch)
}

#[allow(clippy::too_many_arguments)]
fn tm_task(
    m: &mut Mapper<'_>,
    batch: &mut Batch,
    row: &Map<String, Value>,
    id: &str,
    prefix: &str,
    parent: Option<&str>,
    statuses: &[(&str, &str)],
    sprint: Option<String>,
) -> Option<Mission> {
    let mut r = renamed(
        row,
        &[
            ("title", "name"),
            ("description", "objective"),
            ("details", "context"),
        ],
    );
    r.insert("id".into(), id.into());
    r.insert(
        "legacy_id".into(),
        row.get("id").cloned().unwrap_or(Value::Null),
    );
    let raw = values::text(row.get("status")).unwrap_or_else(|| "pending".into());
    r.insert(
        "status".into(),
        peer_status(m.notes, "task-master", &raw, id, statuses).into(),
    );
    if let Some(strategy) = r.remove("testStrategy") {
        r.insert("success_criteria".into(), Value::Array(vec![strategy]));
    }
    let deps = r.remove("dependencies");
    r.remove("subtasks");
    let mission = m.mission(&r, sprint, &[])?;
    for dep in deps
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = values::text(Some(dep)).unwrap_or_default();
        // A subtask's plain number names a sibling; `12.3` names a subtask of task 12.
        let on = match parent {
            Some(parent) if !text.contains('.') => format!("{parent}.{text}"),
            _ => format!("{prefix}-{text}"),
        };
        if let Some(link) = m.link(&mission.id, &on, Some("depends_on".into())) {
            batch.links.push(link);
        }
    }
    if let Some(parent) = parent
        && let Some(link) = m.link(&mission.id, parent, Some("subtask of".into()))
    {
        batch.links.push(link);
    }
    Some(mission)
}
