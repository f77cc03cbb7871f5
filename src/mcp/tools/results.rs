//! The original CMOS's result fields, added to what each tool returns: `missionId`,
//! `previousStatus`, `currentStatus` and `startedAt` beside cmos's `mission`, `from`, `to`
//! and `at`, so prompts and scripts written for the original read the fields they know. One
//! mapping per tool, from the operation's outcome and the call's arguments: a field cmos
//! already has keeps its value (cmos's own agents rely on it), nothing is recomputed or
//! written here. The consolidated tools' actions are granular tools, so they gain the same
//! fields.

use serde_json::{Map, Value, json};

use super::Reply;

/// A tool's mapping: the call's arguments and the data to add to.
type Mapping = fn(&Map<String, Value>, &mut Value);

/// The mapping of each tool that has one.
const MAPPINGS: &[(&str, Mapping)] = &[
    ("cmos_mission_status", mission_status),
    ("cmos_mission_list", mission_list),
    ("cmos_mission_show", mission_record),
    ("cmos_mission_add", |a, d| {
        mission_record(a, d);
        let message = format!("Mission {} added", d["id"].as_str().unwrap_or_default());
        put(d, "message", Value::from(message));
    }),
    ("cmos_mission_update", mission_record),
    ("cmos_mission_start", |a, d| {
        transition(a, d, "started", "startedAt")
    }),
    ("cmos_mission_complete", |a, d| match d["to"].as_str() {
        // The confidence gate kept it In Progress: waiting for review, not completed.
        Some("In Progress") => transition(a, d, "waits for review", "validatedAt"),
        _ => transition(a, d, "completed", "completedAt"),
    }),
    ("cmos_mission_block", |a, d| {
        transition(a, d, "blocked", "blockedAt");
        echo(a, d, "reason");
        echo(a, d, "blockers");
    }),
    ("cmos_mission_unblock", |a, d| {
        transition(a, d, "unblocked", "unblockedAt");
        echo(a, d, "resolution");
    }),
    ("cmos_mission_drop", |a, d| {
        transition(a, d, "dropped", "droppedAt")
    }),
    ("cmos_mission_defer", |a, d| {
        transition(a, d, "deferred", "deferredAt")
    }),
    ("cmos_mission_depends", depends),
    ("cmos_mission_undepends", depends),
    ("cmos_sprint_list", sprint_list),
    ("cmos_sprint_show", sprint_record),
    ("cmos_sprint_add", |a, d| {
        sprint_record(a, d);
        let message = format!("Sprint {} added", d["id"].as_str().unwrap_or_default());
        put(d, "message", Value::from(message));
    }),
    ("cmos_sprint_update", sprint_record),
    ("cmos_session_start", session_start),
    ("cmos_session_capture", session_capture),
    ("cmos_session_complete", session_complete),
    ("cmos_session_list", session_list),
    ("cmos_session_show", session_record),
    ("cmos_session_search", each_record),
    ("cmos_context_snapshot", snapshot),
    ("cmos_context_history", context_history),
    ("cmos_decisions_list", decisions_list),
    ("cmos_decisions_search", decisions_search),
    ("cmos_decisions_show", decision),
    ("cmos_decisions_record", decision),
    ("cmos_learnings_list", |a, d| page_as(a, d, "learnings")),
    ("cmos_next_steps", |a, d| page_as(a, d, "nextSteps")),
    ("cmos_constraints", |a, d| page_as(a, d, "constraints")),
    ("cmos_project_init", project_init),
    ("cmos_agent_onboard", onboard),
];

/// Adds the original's fields of tool `tool` to its reply's data.
pub fn add(tool: &str, arguments: &Map<String, Value>, reply: &mut Reply) {
    if let Some((_, mapping)) = MAPPINGS.iter().find(|(name, _)| *name == tool) {
        mapping(arguments, &mut reply.data);
    }
    // Onboarding's session is the one the instructions of every result name.
    if tool == "cmos_agent_onboard" {
        let session = match &reply.instructions.context.active_session {
            Some(s) => json!({
                "id": s.id,
                "type": s.kind,
                "title": s.title,
                "startedAt": s.started_at,
                "captureCount": s.captures,
            }),
            None => Value::Null,
        };
        put(&mut reply.data, "activeSession", session);
    }
}

/// Sets `key` unless cmos already has a field of that name.
fn put(data: &mut Value, key: &str, value: Value) {
    if let Value::Object(map) = data {
        map.entry(key).or_insert(value);
    }
}

/// The argument `key` echoed as the original's result did (a block's reason).
fn echo(arguments: &Map<String, Value>, data: &mut Value, key: &str) {
    if let Some(value) = arguments.get(key).filter(|v| !v.is_null()) {
        put(data, key, value.clone());
    }
}

/// `snake_case` as `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// A record with the original's spellings of its fields: each `snake_case` field also as
/// `camelCase`, and the sprint (or session) it names as `sprintId` (`sessionId`).
fn record(data: &mut Value) {
    let Value::Object(map) = data else {
        return;
    };
    let snake: Vec<(String, Value)> = map
        .iter()
        .filter(|(k, _)| k.contains('_'))
        .map(|(k, v)| (camel(k), v.clone()))
        .collect();
    for (key, value) in snake {
        map.entry(key).or_insert(value);
    }
    for (ours, theirs) in [("sprint", "sprintId"), ("session", "sessionId")] {
        if let Some(value) = map.get(ours).filter(|v| v.is_string()).cloned() {
            map.entry(theirs).or_insert(value);
        }
    }
}

/// The list a tool returns: a page's `items`, or the data itself.
fn items(data: &mut Value) -> Option<&mut Vec<Value>> {
    match data {
        Value::Array(items) => Some(items),
        Value::Object(map) => map.get_mut("items").and_then(Value::as_array_mut),
        _ => None,
    }
}

fn each_record(_: &Map<String, Value>, data: &mut Value) {
    for item in items(data).into_iter().flatten() {
        record(item);
        // A search hit holds its record under `item`.
        if let Some(inner) = item.get_mut("item") {
            record(inner);
        }
    }
}

/// A page in the original's words: the items under `key`, and the page it is.
fn page_as(arguments: &Map<String, Value>, data: &mut Value, key: &str) {
    each_record(arguments, data);
    // A tool that pages for one action answers the others with one record.
    if data.get("items").is_none() {
        record(data);
        return;
    }
    let list = items(data).cloned().unwrap_or_default();
    let total = data["total"].as_u64().unwrap_or(list.len() as u64);
    let size = arguments
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(20)
        .max(1);
    // A list whose cursor is a place (the missions) says how many rows came before it.
    let start = data["offset"].as_u64().unwrap_or_else(|| {
        arguments
            .get("cursor")
            .and_then(Value::as_str)
            .and_then(|c| c.parse::<u64>().ok())
            .unwrap_or(0)
    });
    put(data, key, Value::Array(list));
    put(
        data,
        "pagination",
        json!({
            "page": start / size + 1,
            "pageSize": size,
            "total": total,
            "totalPages": total.div_ceil(size),
        }),
    );
}

fn mission_record(_: &Map<String, Value>, data: &mut Value) {
    record(data);
    let id = data["id"].clone();
    put(data, "missionId", id);
}

fn mission_list(arguments: &Map<String, Value>, data: &mut Value) {
    page_as(arguments, data, "missions");
}

/// The work queue as the original's cmos_mission_status gave it.
fn mission_status(_: &Map<String, Value>, data: &mut Value) {
    let count = |key: &str, data: &Value| data[key].as_array().map_or(0, Vec::len);
    let sprint = &data["current_sprint"];
    let active_sprint = match sprint.is_object() {
        true => json!({
            "id": sprint["id"],
            "title": sprint["title"],
            "focus": sprint["focus"],
            "status": sprint["status"],
            "totalMissions": sprint["counts"]["total"],
            "completedMissions": sprint["counts"]["by_status"]["Completed"].as_u64().unwrap_or(0),
        }),
        false => Value::Null,
    };
    let in_progress = data["in_progress"].clone();
    let next_action = match (&data["next"]["id"], &data["next_reason"]) {
        (Value::String(id), Value::String(why)) => format!("{id}: {why}"),
        (Value::String(id), _) => id.clone(),
        _ => "no mission is ready: add one or unblock one".to_string(),
    };
    let summary = json!({
        "activeCount": count("in_progress", data) + count("current", data),
        "queuedCount": data["totals"]["by_status"]["Queued"].as_u64().unwrap_or(0),
        "blockedCount": count("blocked", data),
        "nextAction": next_action,
    });
    put(data, "activeSprint", active_sprint);
    put(data, "inProgress", in_progress);
    put(data, "summary", summary);
}

/// A status change as the original reported it: the mission, both statuses, when, and a
/// sentence.
fn transition(_: &Map<String, Value>, data: &mut Value, verb: &str, when: &str) {
    let id = data["mission"]["id"].clone();
    let (from, to) = (data["from"].clone(), data["to"].clone());
    let message = format!(
        "Mission {} {verb}: {} → {}",
        id.as_str().unwrap_or_default(),
        from.as_str().unwrap_or_default(),
        to.as_str().unwrap_or_default()
    );
    let at = data["at"].clone();
    put(data, "missionId", id);
    put(data, "previousStatus", from);
    put(data, "currentStatus", to);
    put(data, when, at);
    put(data, "message", Value::from(message));
    if let Some(next) = data["promoted"]["id"].as_str().map(str::to_string) {
        put(data, "promotedMissionId", Value::from(next));
    }
}

fn depends(_: &Map<String, Value>, data: &mut Value) {
    let (from, to) = (data["from"].clone(), data["to"].clone());
    let message = format!(
        "{} {} {}",
        from.as_str().unwrap_or_default(),
        data["type"].as_str().unwrap_or("-/-"),
        to.as_str().unwrap_or_default()
    );
    put(data, "fromId", from);
    put(data, "toId", to);
    put(data, "message", Value::from(message));
}

/// A sprint's counts as the original's missionCounts.
fn mission_counts(sprint: &Value) -> Value {
    let by = &sprint["counts"]["by_status"];
    let n = |status: &str| by[status].as_u64().unwrap_or(0);
    json!({
        "total": sprint["counts"]["total"].as_u64().unwrap_or(0),
        "completed": n("Completed"),
        "blocked": n("Blocked"),
        "active": n("In Progress") + n("Current"),
    })
}

fn sprint_record(_: &Map<String, Value>, data: &mut Value) {
    record(data);
    let id = data["id"].clone();
    put(data, "sprintId", id);
    if data.get("counts").is_some() {
        let counts = mission_counts(data);
        put(data, "missionCounts", counts);
    }
    if let Some(missions) = data.get_mut("missions").and_then(Value::as_array_mut) {
        missions.iter_mut().for_each(record);
    }
}

fn sprint_list(arguments: &Map<String, Value>, data: &mut Value) {
    for sprint in items(data).into_iter().flatten() {
        sprint_record(arguments, sprint);
    }
    page_as(arguments, data, "sprints");
}

fn session_record(_: &Map<String, Value>, data: &mut Value) {
    record(data);
    let id = data["id"].clone();
    put(data, "sessionId", id);
}

fn session_start(arguments: &Map<String, Value>, data: &mut Value) {
    let session = data["session"].clone();
    let tagged = !arguments.contains_key("sprintId") && session["sprint"].is_string();
    let message = format!(
        "Session {} started{}",
        session["id"].as_str().unwrap_or_default(),
        match (&session["sprint"], tagged) {
            (Value::String(sprint), true) => format!(" (tagged with the active sprint {sprint})"),
            _ => String::new(),
        }
    );
    for (theirs, ours) in [
        ("sessionId", "id"),
        ("type", "type"),
        ("title", "title"),
        ("startedAt", "started_at"),
        ("agent", "agent"),
        ("sprintId", "sprint"),
    ] {
        put(data, theirs, session[ours].clone());
    }
    put(data, "sprintAutoTagged", Value::Bool(tagged));
    put(data, "message", Value::from(message));
}

fn session_capture(_: &Map<String, Value>, data: &mut Value) {
    let capture = data["capture"].clone();
    let session = data["session"].clone();
    let count = data["captures"].clone();
    let message = format!(
        "Captured {} in session {}",
        capture["category"].as_str().unwrap_or_default(),
        session.as_str().unwrap_or_default()
    );
    put(data, "sessionId", session);
    put(data, "category", capture["category"].clone());
    put(data, "content", capture["text"].clone());
    put(data, "timestamp", capture["at"].clone());
    put(data, "captureCount", count);
    put(data, "recordId", data["record"].clone());
    put(data, "message", Value::from(message));
}

fn session_complete(arguments: &Map<String, Value>, data: &mut Value) {
    session_record(arguments, data);
    let captures = data["captures"].as_array().cloned().unwrap_or_default();
    let mut by_category = Map::new();
    for capture in &captures {
        let category = capture["category"].as_str().unwrap_or("other").to_string();
        let n = by_category
            .get(&category)
            .and_then(Value::as_u64)
            .unwrap_or(0);
        by_category.insert(category, Value::from(n + 1));
    }
    let minutes = |key: &str| {
        data[key]
            .as_str()
            .and_then(|t| t.parse::<crate::model::Timestamp>().ok())
    };
    let duration = match (minutes("started_at"), minutes("completed_at")) {
        (Some(start), Some(end)) => {
            Value::from((end.unix_seconds() - start.unix_seconds()).max(0) / 60)
        }
        _ => Value::Null,
    };
    let count = |category: &str| by_category.get(category).cloned().unwrap_or(Value::from(0));
    let (decisions, constraints) = (count("decision"), count("constraint"));
    let next_steps = data["next_steps"].as_array().map_or(0, Vec::len);
    let message = format!(
        "Session {} completed with {} captures",
        data["id"].as_str().unwrap_or_default(),
        captures.len()
    );
    put(data, "captureCount", Value::from(captures.len()));
    put(data, "capturesByCategory", Value::Object(by_category));
    put(data, "durationMinutes", duration);
    put(data, "nextStepsExtracted", Value::from(next_steps));
    put(data, "decisionsExtracted", decisions);
    put(data, "constraintsExtracted", constraints);
    put(data, "message", Value::from(message));
}

fn session_list(arguments: &Map<String, Value>, data: &mut Value) {
    for session in items(data).into_iter().flatten() {
        session_record(arguments, session);
    }
    page_as(arguments, data, "sessions");
}

fn snapshot(arguments: &Map<String, Value>, data: &mut Value) {
    record(data);
    put(data, "snapshotId", data["id"].clone());
    put(data, "source", data["text"].clone());
    echo(arguments, data, "contextType");
}

fn context_history(arguments: &Map<String, Value>, data: &mut Value) {
    for item in items(data).into_iter().flatten() {
        snapshot(&Map::new(), item);
    }
    page_as(arguments, data, "snapshots");
}

/// A decision with the original's names: its text as `decision`, its category as `domain`.
fn decision(_: &Map<String, Value>, data: &mut Value) {
    record(data);
    put(data, "decisionId", data["id"].clone());
    put(data, "decision", data["text"].clone());
    put(data, "domain", data["category"].clone());
}

fn decisions_list(arguments: &Map<String, Value>, data: &mut Value) {
    for item in items(data).into_iter().flatten() {
        decision(arguments, item);
    }
    page_as(arguments, data, "decisions");
}

fn decisions_search(arguments: &Map<String, Value>, data: &mut Value) {
    for hit in items(data).into_iter().flatten() {
        if let Some(item) = hit.get_mut("item") {
            decision(arguments, item);
        }
    }
}

fn project_init(_: &Map<String, Value>, data: &mut Value) {
    let project = data["project"].clone();
    put(data, "isNewProject", data["created"].clone());
    put(data, "projectId", project["id"].clone());
    put(data, "projectName", project["name"].clone());
    put(data, "databasePath", data["branch"].clone());
    if data["created"] == true && data["sprint"].is_string() {
        put(data, "sprintCreated", data["sprint"].clone());
    }
}

/// The original's onboarding fields, read off cmos's sections.
fn onboard(_: &Map<String, Value>, data: &mut Value) {
    let sections: Vec<Value> = data["sections"].as_array().cloned().unwrap_or_default();
    let entries = |name: &str| -> Vec<Value> {
        sections
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["entries"].as_array().cloned())
            .unwrap_or_default()
    };
    let missions = |names: &[&str], status: &str| -> Vec<Value> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for name in names {
            for entry in entries(name) {
                if entry["id"].is_string() && !seen.contains(&entry["id"]) {
                    seen.push(entry["id"].clone());
                    out.push(json!({"id": entry["id"], "name": entry["text"], "status": status}));
                }
            }
        }
        out
    };
    let pending = [
        missions(&["in_progress"], "In Progress"),
        missions(&["next"], "Next"),
    ]
    .concat();
    let blocked = missions(&["blocked"], "Blocked");
    let decisions: Vec<Value> = entries("decisions")
        .into_iter()
        .map(|e| json!({"id": e["id"], "decision": e["text"]}))
        .collect();
    let next_steps: Vec<Value> = entries("next_steps")
        .into_iter()
        .map(|e| e["text"].clone())
        .collect();
    let suggested: Vec<Value> = entries("suggested_actions")
        .into_iter()
        .enumerate()
        .map(|(n, e)| {
            let text = e["text"].as_str().unwrap_or_default();
            // The tool call a suggestion names sits between backquotes.
            let command = text.split('`').nth(1).map(str::to_string);
            json!({"action": text, "command": command, "priority": n + 1})
        })
        .collect();
    let sprint = entries("project")
        .into_iter()
        .find(|e| e["id"].is_string())
        .map_or(
            Value::Null,
            |e| json!({"id": e["id"], "summary": e["text"]}),
        );
    let project = data["project"].clone();
    put(data, "currentSprint", sprint);
    put(data, "pendingMissions", Value::Array(pending));
    put(data, "blockedMissions", Value::Array(blocked));
    put(data, "recentDecisions", Value::Array(decisions));
    put(data, "nextSteps", Value::Array(next_steps));
    put(data, "suggestedActions", Value::Array(suggested));
    if project.is_string() {
        put(data, "projectName", project);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_fields_gain_camel_case_copies_and_cmos_fields_keep_their_values() {
        let mut data = json!({"id": "B1", "sprint": "S1", "started_at": "t", "sprintId": "mine"});
        mission_record(&Map::new(), &mut data);
        assert_eq!(data["startedAt"], "t");
        assert_eq!(data["missionId"], "B1");
        assert_eq!(
            data["sprintId"], "mine",
            "a field cmos has is never replaced"
        );
        assert_eq!(data["started_at"], "t");
    }

    #[test]
    fn a_page_reads_as_the_original_pagination() {
        let mut data = json!({"items": [{"id": "a"}], "total": 45, "nextCursor": "40"});
        let arguments = json!({"limit": 20, "cursor": "20"});
        page_as(arguments.as_object().unwrap(), &mut data, "sessions");
        assert_eq!(
            data["pagination"],
            json!({"page": 2, "pageSize": 20, "total": 45, "totalPages": 3})
        );
        assert_eq!(data["sessions"][0]["id"], "a");
    }
}
