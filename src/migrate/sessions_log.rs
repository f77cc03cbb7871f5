//! SESSIONS.jsonl, the original CMOS's append-only session log: imported as events that keep
//! each line whole, and written back from the event log.

use std::path::Path;

use serde_json::{Map, Value};

use super::legacy::{Mapper, Row};
use super::{Batch, values};
use crate::error::{Error, Result};
use crate::model::{Event, Timestamp};

pub fn read(path: &Path) -> Result<Batch> {
    let bytes = super::read_file(path)?;
    let mut batch = Batch::new("sessions", path);
    let mut notes = std::mem::take(&mut batch.notes);
    let (records, unparsed) = json_lines(&bytes, &mut notes);
    if records.is_empty() && !unparsed.is_empty() {
        let (line, _) = &unparsed[0];
        return Err(Error::InvalidInput(format!(
            "{} is not JSON Lines: line {line} is not a JSON object, and no line is; the sessions import reads the original CMOS's SESSIONS.jsonl",
            path.display()
        )));
    }
    batch.keep_unparsed(&mut notes, &unparsed);
    let fallback = records
        .iter()
        .filter_map(|(_, _, r)| values::text(r.get("ts").or(r.get("timestamp"))))
        .filter_map(|t| values::timestamp(&t).map(|(t, _)| t))
        .min()
        .unwrap_or_else(Timestamp::now);
    let mut mapper = Mapper {
        notes: &mut notes,
        fallback,
        format: "sessions",
    };
    let mut previous = None;
    for (_, raw, row) in &records {
        if let Some((event, _)) = mapper.event(row, raw, previous) {
            previous = Some(event.at);
            batch.events.push(event);
        }
    }
    batch.notes = notes;
    Ok(batch)
}

/// A JSON Lines file's objects as (line number, the text to keep, the object), and the lines
/// that are not JSON objects. A line of several objects written without newlines between
/// them is split, each kept as its own JSON text.
pub(super) type Lines = (Vec<(usize, String, Row)>, Vec<(usize, String)>);

pub(super) fn json_lines(bytes: &[u8], notes: &mut super::Notes) -> Lines {
    let text = String::from_utf8_lossy(bytes);
    let mut records = Vec::new();
    let mut unparsed = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut objects = Vec::new();
        let mut whole = true;
        for value in serde_json::Deserializer::from_str(line).into_iter::<Value>() {
            match value {
                Ok(Value::Object(map)) => objects.push(map),
                _ => {
                    whole = false;
                    break;
                }
            }
        }
        if !whole || objects.is_empty() {
            unparsed.push((n + 1, line.to_string()));
            continue;
        }
        let several = objects.len() > 1;
        if several {
            notes.mapped(
                "line holding several JSON objects, split into one record each",
                &format!("line {}", n + 1),
            );
        }
        for object in objects {
            // A line of one object is kept exactly as written.
            let raw = if several {
                Value::Object(object.clone()).to_string()
            } else {
                line.to_string()
            };
            records.push((n + 1, raw, object));
        }
    }
    (records, unparsed)
}

/// The event log as SESSIONS.jsonl: imported lines as they were, and cmos's own mission
/// transitions and session steps in the original's shape, oldest first.
pub fn export(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        if let Some(Value::String(raw)) = event.extra.get("raw") {
            out.push_str(raw);
            out.push('\n');
            continue;
        }
        let Some(line) = native_line(event) else {
            continue;
        };
        out.push_str(&Value::Object(line).to_string());
        out.push('\n');
    }
    out
}

/// A cmos event in the original's `{ts, agent, mission, action, status, summary}` shape.
fn native_line(event: &Event) -> Option<Map<String, Value>> {
    let (action, status) = match event.kind.as_str() {
        "mission.transition" => match event.to.as_deref()? {
            "In Progress" => ("start", "in_progress"),
            "Completed" => ("complete", "completed"),
            "Blocked" => ("blocked", "blocked"),
            "Dropped" => ("drop", "dropped"),
            "Deferred" => ("defer", "deferred"),
            "Queued" => ("requeue", "queued"),
            "Current" => ("promote", "current"),
            _ => return None,
        },
        "mission.created" => ("create", "queued"),
        "session.started" => ("session_start", "active"),
        "session.completed" => ("session_complete", "completed"),
        "session.capture" => ("capture", "captured"),
        "commit" | "mission.commit" => ("commit", "commit"),
        _ => return None,
    };
    let mut line = Map::new();
    line.insert("ts".into(), event.at.to_string().into());
    line.insert("agent".into(), event.agent.clone().into());
    line.insert("mission".into(), event.target.clone().into());
    line.insert("action".into(), action.into());
    line.insert("status".into(), status.into());
    line.insert(
        "summary".into(),
        event
            .note
            .clone()
            .unwrap_or_else(|| format!("{} {}", event.kind, event.target))
            .into(),
    );
    Some(line)
}
