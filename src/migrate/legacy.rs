//! The original CMOS's records (rows of its database, entries of its backlog.yaml, lines of
//! SESSIONS.jsonl) as cmos records: every value mapped where cmos has a field for it, kept
//! verbatim in the record's `legacy` table where it has not, and noted either way.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::values::{self, Reading};
use super::{Link, Notes};
use crate::model::{
    Blocker, Capture, CaptureCategory, DepType, Event, Item, ItemKind, ItemStatus, Mission,
    Pattern, Session, SessionStatus, SessionType, Sprint, SprintStatus, Status, Timestamp,
    Transition, derived_uid,
};

/// Who the records say did something when the source does not say.
const UNKNOWN_AGENT: &str = "unknown";

/// One row or entry of the source, by column name.
pub type Row = Map<String, Value>;

/// What the events of the source say about one mission's status, oldest first.
#[derive(Debug, Clone)]
pub struct Step {
    pub at: Timestamp,
    pub to: Status,
    pub by: String,
    pub note: Option<String>,
}

/// Maps rows to records, collecting notes on the way.
pub struct Mapper<'n> {
    pub notes: &'n mut Notes,
    /// Stands in for a time the source does not give: the earliest time the source gives.
    pub fallback: Timestamp,
    /// The format name, kept on events as their source.
    pub format: &'static str,
}

/// The fields of `row` that are not in `known`, for the record's `legacy` table, each noted.
fn leftovers(
    notes: &mut Notes,
    what: &str,
    record: &str,
    row: &Row,
    known: &[&str],
) -> toml::Table {
    let mut legacy = toml::Table::new();
    for (key, value) in row {
        if known.contains(&key.as_str()) || value.is_null() {
            continue;
        }
        if let Some(v) = values::to_toml(value) {
            notes.kept_raw(
                format!("{what} field `{key}`, kept in legacy.{key}"),
                record,
            );
            legacy.insert(key.clone(), v);
        }
    }
    legacy
}

fn field<'r>(row: &'r Row, names: &[&str]) -> Option<&'r Value> {
    names
        .iter()
        .filter_map(|n| row.get(*n))
        .find(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
}

fn put_legacy(extra: &mut toml::Table, legacy: toml::Table) {
    if !legacy.is_empty() {
        extra.insert("legacy".into(), toml::Value::Table(legacy));
    }
}

impl Mapper<'_> {
    /// A timestamp field; an inexact reading keeps the original text in `legacy`.
    fn time(
        &mut self,
        record: &str,
        name: &str,
        value: Option<&Value>,
        legacy: &mut toml::Table,
    ) -> Option<Timestamp> {
        let text = values::text(value)?;
        match values::timestamp(&text) {
            Some((t, Reading::Exact)) => Some(t),
            Some((t, Reading::Converted)) => {
                self.notes.mapped(
                    "timestamp in another form read as UTC (original kept in legacy)",
                    record,
                );
                legacy.insert(name.to_string(), text.into());
                Some(t)
            }
            Some((t, Reading::Salvaged)) => {
                self.notes.mapped(
                    format!("malformed timestamp read from its start, e.g. {text:?} (original kept in legacy)"),
                    record,
                );
                legacy.insert(name.to_string(), text.into());
                Some(t)
            }
            None => {
                self.notes.kept_raw(
                    format!("unreadable timestamp, e.g. {text:?}, kept in legacy"),
                    record,
                );
                legacy.insert(name.to_string(), text.into());
                None
            }
        }
    }

    /// A status-like word mapped into `T`, noting spellings that differ from cmos's.
    fn word<T: std::str::FromStr + std::fmt::Display>(
        &mut self,
        what: &str,
        record: &str,
        raw: &str,
        legacy: &mut toml::Table,
    ) -> Option<T> {
        match raw.parse::<T>() {
            Ok(v) => {
                if v.to_string() != raw {
                    self.notes.mapped(format!("{what} {raw:?} → {v}"), record);
                }
                Some(v)
            }
            Err(_) => {
                legacy.insert(what.replace(' ', "_"), raw.into());
                None
            }
        }
    }

    pub fn sprint(&mut self, row: &Row) -> Option<Sprint> {
        let raw_id = values::text(field(row, &["id", "sprintId", "sprint_id"]))?;
        let id = self.id("sprint", &raw_id)?;
        let mut legacy = leftovers(
            self.notes,
            "sprint",
            &id,
            row,
            &[
                "id",
                "sprintId",
                "sprint_id",
                "title",
                "name",
                "focus",
                "status",
                "start_date",
                "startDate",
                "end_date",
                "endDate",
                "missions",
            ],
        );
        if id != raw_id {
            legacy.insert("id".into(), raw_id.into());
        }
        let raw_status = values::text(row.get("status")).unwrap_or_else(|| "Planned".into());
        let status = match self.word::<SprintStatus>("sprint status", &id, &raw_status, &mut legacy)
        {
            Some(s) => s,
            None => {
                let terminal = ["archived", "failed", "dropped", "reverted", "closed"];
                let status = if terminal.contains(&raw_status.to_lowercase().as_str()) {
                    SprintStatus::Completed
                } else {
                    SprintStatus::Planned
                };
                self.notes.mapped(
                    format!("sprint status {raw_status:?} → {status} (original kept in legacy)"),
                    &id,
                );
                status
            }
        };
        let start = self.time(
            &id,
            "start_date",
            field(row, &["start_date", "startDate"]),
            &mut legacy,
        );
        let end = self.time(
            &id,
            "end_date",
            field(row, &["end_date", "endDate"]),
            &mut legacy,
        );
        let created_at = start.or(end).unwrap_or(self.fallback);
        Some(Sprint {
            uid: derived_uid(
                created_at.unix_seconds() * 1000,
                format!("sprint:{id}").as_bytes(),
            ),
            title: values::text(field(row, &["title", "name"])).unwrap_or_else(|| id.clone()),
            focus: values::text(row.get("focus")),
            status,
            start: start.map(day),
            end: end.map(day),
            created_at,
            updated_at: end.unwrap_or(created_at).max(created_at),
            completed_at: (status == SprintStatus::Completed).then(|| end.unwrap_or(created_at)),
            extra: legacy_table(legacy),
            id,
        })
    }

    /// A mission from a row of `missions` or an entry of backlog.yaml; `steps` are what the
    /// source's events say about it.
    pub fn mission(
        &mut self,
        row: &Row,
        sprint: Option<String>,
        steps: &[Step],
    ) -> Option<Mission> {
        let raw_id = values::text(row.get("id"))?;
        let id = self.id("mission", &raw_id)?;
        let known = [
            "id",
            "sprint_id",
            "sprintId",
            "name",
            "status",
            "completed_at",
            "completedAt",
            "notes",
            "objective",
            "context",
            "success_criteria",
            "successCriteria",
            "deliverables",
            "created_at",
            "started_at",
            "updated_at",
            "metadata",
        ];
        let mut legacy = leftovers(self.notes, "mission", &id, row, &known);
        if id != raw_id {
            legacy.insert("id".into(), raw_id.into());
        }
        let metadata = values::embedded_json(row.get("metadata"));
        let meta = match &metadata {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        if let Some(v) = metadata.as_ref().and_then(values::to_toml) {
            self.notes
                .kept_raw("mission metadata, kept whole in legacy.metadata", &id);
            legacy.insert("metadata".into(), v);
        }
        let raw_status = values::text(row.get("status")).unwrap_or_else(|| "Queued".into());
        let status = match self.word::<Status>("mission status", &id, &raw_status, &mut legacy) {
            Some(s) => s,
            None => {
                self.notes.kept_raw(
                    format!("mission status {raw_status:?} has no cmos equivalent: imported as Queued, original in legacy.mission_status"),
                    &id,
                );
                Status::Queued
            }
        };
        let started_at = self
            .time(
                &id,
                "started_at",
                field(row, &["started_at"]).or(meta.get("started_at")),
                &mut legacy,
            )
            .or_else(|| {
                steps
                    .iter()
                    .find(|s| s.to == Status::InProgress)
                    .map(|s| s.at)
            });
        let completed_at = self.time(
            &id,
            "completed_at",
            field(row, &["completed_at", "completedAt"]).or(meta.get("completed_at")),
            &mut legacy,
        );
        let created = self.time(&id, "created_at", row.get("created_at"), &mut legacy);
        let updated = self.time(&id, "updated_at", row.get("updated_at"), &mut legacy);
        let known_times: Vec<Timestamp> = steps
            .iter()
            .map(|s| s.at)
            .chain(started_at)
            .chain(completed_at)
            .collect();
        let created_at = created
            .or_else(|| known_times.iter().min().copied())
            .unwrap_or(self.fallback);
        let updated_at = updated
            .or_else(|| known_times.iter().max().copied())
            .unwrap_or(created_at)
            .max(created_at);
        let transitions = transitions(status, steps, updated_at);
        let blocked = (status == Status::Blocked).then(|| {
            let last = steps.iter().rev().find(|s| s.to == Status::Blocked);
            Blocker {
                reason: values::text(meta.get("blocked_reason"))
                    .or_else(|| last.and_then(|s| s.note.clone()))
                    .unwrap_or_else(|| "blocked in the original CMOS; no reason recorded".into()),
                needs: values::strings(meta.get("blocked_needs")),
                since: values::text(meta.get("blocked_at"))
                    .and_then(|t| values::timestamp(&t))
                    .map(|(t, _)| t)
                    .or(last.map(|s| s.at))
                    .unwrap_or(updated_at),
                extra: Default::default(),
            }
        });
        let list = |names: &[&str]| {
            values::strings(field(row, names).or_else(|| names.iter().find_map(|n| meta.get(*n))))
        };
        let orchestration = self.orchestration(&id, &meta, &mut legacy);
        Some(Mission {
            uid: derived_uid(
                created_at.unix_seconds() * 1000,
                format!("mission:{id}").as_bytes(),
            ),
            name: values::text(row.get("name")).unwrap_or_else(|| id.clone()),
            status,
            sprint,
            rank: None,
            estimate: None,
            complexity: None,
            objective: values::text(
                field(row, &["objective"])
                    .or(meta.get("objective"))
                    .or(meta.get("description")),
            ),
            context: values::text(field(row, &["context"]).or(meta.get("context"))),
            success_criteria: list(&["success_criteria", "successCriteria"]),
            deliverables: list(&["deliverables"]),
            notes: values::text(row.get("notes")),
            created_at,
            updated_at,
            started_at: started_at.filter(|_| status != Status::Queued || !steps.is_empty()),
            completed_at: completed_at
                .filter(|_| status == Status::Completed)
                .or((status == Status::Completed).then_some(updated_at)),
            blocked,
            depends: Vec::new(),
            transitions,
            extra: legacy_table(legacy),
            pattern: orchestration.0,
            pattern_rationale: orchestration.1,
            fallback_triggered: orchestration.2,
            ..Mission::new(id, "", "", created_at)
        })
    }

    /// The orchestration pattern, its rationale and whether the work fell back, from the
    /// original's mission metadata (`pattern`, `patternRationale`, `fallbackTriggered`, in
    /// either spelling). A pattern cmos does not know is kept as `legacy.mission_pattern`.
    fn orchestration(
        &mut self,
        id: &str,
        meta: &Map<String, Value>,
        legacy: &mut toml::Table,
    ) -> (Option<Pattern>, Option<String>, bool) {
        let get = |names: &[&str]| names.iter().find_map(|n| meta.get(*n));
        let pattern = values::text(get(&["pattern", "orchestrationPattern"])).and_then(|raw| {
            let pattern = self.word::<Pattern>("mission pattern", id, &raw, legacy);
            if pattern.is_none() {
                self.notes.kept_raw(
                    format!("mission pattern {raw:?} has no cmos equivalent: kept in legacy.mission_pattern"),
                    id,
                );
            }
            pattern
        });
        let rationale = values::text(get(&["patternRationale", "pattern_rationale"]));
        let fallback = matches!(
            get(&["fallbackTriggered", "fallback_triggered"]),
            Some(Value::Bool(true))
        );
        (pattern, rationale, fallback)
    }

    /// A dependency as the original stored it: the first mission depends on the second,
    /// whatever the type's wording (`blocks`, `depends_on`, `sequential` all mean that).
    pub fn link(&mut self, from: &str, to: &str, raw_type: Option<String>) -> Option<Link> {
        let (from, to) = (self.id("mission", from)?, self.id("mission", to)?);
        let raw_type = raw_type.unwrap_or_else(|| "Blocks".into());
        let folded: String = raw_type
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        let kind = match folded.as_str() {
            "requires" | "dependson" | "blocks" | "sequential" | "blockedby" | "after" => {
                DepType::Requires
            }
            "relates" | "related" | "relatesto" => DepType::Relates,
            f if f.contains("inform") || f == "enables" => DepType::Informs,
            _ => DepType::Relates,
        };
        let mut extra = toml::Table::new();
        if raw_type != kind.as_str() {
            let known = kind != DepType::Relates || folded.starts_with("relate");
            if known {
                self.notes.mapped(
                    format!("dependency type {raw_type:?} → {kind} (original kept as legacy_type)"),
                    &format!("{from} → {to}"),
                );
            } else {
                self.notes.kept_raw(
                    format!("dependency type {raw_type:?} has no cmos equivalent: linked as relates, original kept as legacy_type"),
                    &format!("{from} → {to}"),
                );
            }
            extra.insert("legacy_type".into(), raw_type.clone().into());
        }
        Some(Link {
            from,
            to,
            kind,
            raw_type,
            extra,
        })
    }

    /// One line of SESSIONS.jsonl or row of `session_events` as an event of the log. `raw` is
    /// the original line, kept whole; `previous` stands in for a missing time.
    pub fn event(
        &mut self,
        row: &Row,
        raw: &str,
        previous: Option<Timestamp>,
    ) -> Option<(Event, Option<Step>)> {
        let target_raw = values::text(field(
            row,
            &["mission", "session", "session_id", "mission_id"],
        ));
        let label = target_raw.clone().unwrap_or_else(|| "event".into());
        let mut legacy = toml::Table::new();
        let at = match self.time(
            &label,
            "ts",
            field(row, &["ts", "timestamp", "date", "created_at"]),
            &mut legacy,
        ) {
            Some(t) => t,
            None => {
                self.notes.mapped(
                    "event without a readable time placed at the time of the event before it",
                    &label,
                );
                previous.unwrap_or(self.fallback)
            }
        };
        let action = values::text(field(row, &["action", "type"]));
        let status = values::text(row.get("status"));
        let agent = values::text(field(row, &["agent", "ai_model"])).unwrap_or_else(|| {
            self.notes
                .mapped("event without an agent attributed to \"unknown\"", &label);
            UNKNOWN_AGENT.into()
        });
        let target = target_raw
            .as_deref()
            .and_then(|t| self.id("mission", t))
            .unwrap_or_default();
        let canonical = serde_json::from_str::<Value>(raw)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| raw.to_string());
        let mut extra = Map::new();
        extra.insert("source".into(), self.format.into());
        if let Some(a) = &action {
            extra.insert("action".into(), a.clone().into());
        }
        if let Some(s) = &status {
            extra.insert("status".into(), s.clone().into());
        }
        if let Some(hint) = values::text(row.get("next_hint")) {
            extra.insert("next_hint".into(), hint.into());
        }
        extra.insert("raw".into(), raw.into());
        let word = action
            .clone()
            .or(status.clone())
            .unwrap_or_else(|| "note".into());
        let kind = format!(
            "legacy.{}",
            word.to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        );
        let summary = values::text(field(row, &["summary", "message", "description"]));
        let step = action
            .as_deref()
            .and_then(step_status)
            .or_else(|| status.as_deref().and_then(step_status))
            .map(|to| Step {
                at,
                to,
                by: agent.clone(),
                note: summary.clone(),
            });
        let event = Event {
            uid: derived_uid(at.unix_seconds() * 1000, canonical.as_bytes()),
            at,
            agent,
            writer: "import".into(),
            kind,
            target,
            from: None,
            to: None,
            note: summary,
            extra,
        };
        Some((event, step))
    }

    /// A row of the `sessions` table (cmos 2.0 and later).
    pub fn session(&mut self, row: &Row) -> Option<Session> {
        let raw_id = values::text(row.get("id"))?;
        let id = self.id("session", &raw_id)?;
        let known = [
            "id",
            "type",
            "title",
            "sprint_id",
            "started_at",
            "completed_at",
            "agent",
            "status",
            "summary",
            "captures",
            "next_steps",
        ];
        let mut legacy = leftovers(self.notes, "session", &id, row, &known);
        let raw_type = values::text(row.get("type")).unwrap_or_else(|| "custom".into());
        let kind = self
            .word::<SessionType>("session type", &id, &raw_type, &mut legacy)
            .unwrap_or_else(|| {
                self.notes.kept_raw(
                    format!("session type {raw_type:?} imported as custom, original in legacy"),
                    &id,
                );
                SessionType::Custom
            });
        let raw_status = values::text(row.get("status")).unwrap_or_else(|| "completed".into());
        let status = self
            .word::<SessionStatus>("session status", &id, &raw_status, &mut legacy)
            .unwrap_or_else(|| {
                self.notes.kept_raw(
                    format!(
                        "session status {raw_status:?} imported as Completed, original in legacy"
                    ),
                    &id,
                );
                SessionStatus::Completed
            });
        let started_at = self
            .time(&id, "started_at", row.get("started_at"), &mut legacy)
            .unwrap_or(self.fallback);
        let completed_at = self.time(&id, "completed_at", row.get("completed_at"), &mut legacy);
        let agent = values::text(row.get("agent")).unwrap_or_else(|| UNKNOWN_AGENT.into());
        let mut captures = Vec::new();
        if let Some(Value::Array(list)) = values::embedded_json(row.get("captures")) {
            for capture in list {
                captures.push(self.capture(&id, &capture, started_at, &agent));
            }
        }
        Some(Session {
            uid: derived_uid(
                started_at.unix_seconds() * 1000,
                format!("session:{id}").as_bytes(),
            ),
            kind,
            title: values::text(row.get("title")).unwrap_or_else(|| id.clone()),
            status,
            agent,
            sprint: values::text(row.get("sprint_id")).and_then(|s| self.id("sprint", &s)),
            mission: None,
            started_at,
            completed_at,
            summary: values::text(row.get("summary")),
            next_steps: values::strings(row.get("next_steps")),
            captures,
            validation_state: None,
            validation_score: None,
            evidence: Vec::new(),
            extra: legacy_table(legacy),
            id,
        })
    }

    fn capture(
        &mut self,
        session: &str,
        value: &Value,
        default_at: Timestamp,
        agent: &str,
    ) -> Capture {
        let empty = Map::new();
        let row = value.as_object().unwrap_or(&empty);
        let text = match value {
            Value::String(s) => s.clone(),
            _ => values::text(field(row, &["content", "text", "summary", "note"]))
                .unwrap_or_else(|| value.to_string()),
        };
        let mut legacy = toml::Table::new();
        let at = self
            .time(
                session,
                "timestamp",
                field(row, &["timestamp", "captured_at", "at", "ts"]),
                &mut legacy,
            )
            .unwrap_or(default_at);
        let raw_category = values::text(row.get("category")).unwrap_or_else(|| "context".into());
        let category = self
            .word::<CaptureCategory>("capture category", session, &raw_category, &mut legacy)
            .unwrap_or(CaptureCategory::Context);
        for (key, v) in row {
            let used = [
                "content",
                "text",
                "summary",
                "note",
                "timestamp",
                "captured_at",
                "at",
                "ts",
                "category",
                "agent",
                "mission",
            ];
            if !used.contains(&key.as_str())
                && let Some(v) = values::to_toml(v)
            {
                legacy.insert(key.clone(), v);
            }
        }
        Capture {
            at,
            category,
            text,
            by: values::text(row.get("agent")).unwrap_or_else(|| agent.to_string()),
            mission: values::text(row.get("mission")).and_then(|m| self.id("mission", &m)),
            extra: legacy_table(legacy),
        }
    }

    /// An item (decision, learning, constraint, next step) whose text is `text`, with the
    /// other fields of `row`. Its id comes from its kind and text, so the same decision found
    /// in two sources is one item.
    pub fn item(&mut self, kind: ItemKind, text: String, row: &Row, known: &[&str]) -> Item {
        let id = values::content_id(kind.id_prefix(), &format!("{}:{}", kind.as_str(), text));
        let mut used = vec![
            "created_at",
            "status",
            "category",
            "mission_id",
            "session_id",
            "author_session_id",
            "sprint_id",
            "date",
            "rationale",
            "resolved_at",
            "archived_at",
            "evergreen",
            "last_reviewed_at",
        ];
        used.extend_from_slice(known);
        let mut legacy = Map::new();
        for (key, value) in row {
            if !used.contains(&key.as_str()) && !value.is_null() {
                self.notes.kept_raw(
                    format!("{} field `{key}`, kept in legacy.{key}", kind.as_str()),
                    &id,
                );
                legacy.insert(key.clone(), value.clone());
            }
        }
        let mut times = toml::Table::new();
        let created_at = self
            .time(
                &id,
                "created_at",
                field(row, &["created_at", "date"]),
                &mut times,
            )
            .unwrap_or(self.fallback);
        let resolved = self.time(
            &id,
            "resolved_at",
            field(row, &["resolved_at", "archived_at"]),
            &mut times,
        );
        // The original's review marks (learnings and, later, decisions): 0/1 in SQLite.
        let reviewed_at = self.time(
            &id,
            "last_reviewed_at",
            row.get("last_reviewed_at"),
            &mut times,
        );
        let evergreen = match row.get("evergreen") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
            Some(Value::String(s)) => matches!(s.trim(), "1" | "true" | "TRUE" | "True"),
            _ => false,
        };
        for (k, v) in times {
            legacy.insert(k, values::from_toml(&v));
        }
        let raw_status = values::text(row.get("status"));
        let status = match raw_status.as_deref().map(str::to_lowercase).as_deref() {
            None | Some("active" | "pending" | "open" | "carried") => ItemStatus::Active,
            Some("superseded") => ItemStatus::Superseded,
            Some("archived" | "expired") => ItemStatus::Archived,
            Some("completed" | "done") => ItemStatus::Done,
            Some("dropped" | "cancelled" | "canceled") => ItemStatus::Dropped,
            Some(other) => {
                self.notes.kept_raw(
                    format!(
                        "{} status {other:?} imported as Active, original in legacy.status",
                        kind.as_str()
                    ),
                    &id,
                );
                legacy.insert("status".into(), other.into());
                ItemStatus::Active
            }
        };
        if let Some(raw) = &raw_status
            && !raw.eq_ignore_ascii_case(status.as_str())
            && !legacy.contains_key("status")
        {
            self.notes
                .mapped(format!("{} status {raw:?} → {status}", kind.as_str()), &id);
            legacy.insert("status".into(), raw.clone().into());
        }
        let id_text = |v: Option<&Value>| values::text(v);
        let mut item = Item::new(kind, id.clone(), text, UNKNOWN_AGENT, created_at);
        item.uid = derived_uid(created_at.unix_seconds() * 1000, id.as_bytes());
        item.status = status;
        item.updated_at = resolved.unwrap_or(created_at).max(created_at);
        item.category = id_text(row.get("category"));
        item.rationale = id_text(row.get("rationale"));
        item.mission = id_text(row.get("mission_id")).and_then(|m| self.id("mission", &m));
        item.session = id_text(field(row, &["author_session_id", "session_id"]));
        item.sprint = id_text(row.get("sprint_id"));
        item.evergreen = evergreen;
        item.reviewed_at = reviewed_at;
        item.by = self.format.to_string();
        if !legacy.is_empty() {
            item.extra.insert("legacy".into(), Value::Object(legacy));
        }
        item
    }

    /// The cmos id for a source id, noting when it had to change.
    pub fn id(&mut self, kind: &str, raw: &str) -> Option<String> {
        match values::record_id(kind, raw) {
            Some(id) if id == raw => Some(id),
            Some(id) => {
                self.notes.mapped(format!("{kind} id with characters cmos ids do not use, renamed (original kept in legacy.id)"), &id);
                Some(id)
            }
            None => {
                self.notes
                    .skipped(format!("{kind} without a usable id"), raw);
                None
            }
        }
    }
}

/// The status an event's action or status word moves a mission to.
fn step_status(word: &str) -> Option<Status> {
    Some(
        match word.to_lowercase().replace(['-', ' '], "_").as_str() {
            "start" | "started" | "in_progress" | "unblock" | "resume" => Status::InProgress,
            "complete" | "completed" | "mission_complete" => Status::Completed,
            "blocked" | "block" => Status::Blocked,
            "drop" | "dropped" => Status::Dropped,
            "defer" | "deferred" => Status::Deferred,
            _ => return None,
        },
    )
}

/// The status changes the events show, ending in the mission's recorded status.
fn transitions(status: Status, steps: &[Step], updated_at: Timestamp) -> Vec<Transition> {
    let mut out: Vec<Transition> = Vec::new();
    let mut current = Status::Queued;
    for step in steps {
        if step.to == current {
            continue;
        }
        out.push(Transition {
            at: step.at,
            from: current,
            to: step.to,
            by: step.by.clone(),
            note: step.note.clone(),
            extra: Default::default(),
        });
        current = step.to;
    }
    if current != status {
        let at = out.last().map_or(updated_at, |t| t.at.max(updated_at));
        out.push(Transition {
            at,
            from: current,
            to: status,
            by: "import".into(),
            note: Some("the status the original CMOS recorded".into()),
            extra: Default::default(),
        });
    }
    out
}

fn day(t: Timestamp) -> crate::model::Date {
    // A timestamp's text starts with its date, which always parses.
    t.to_string()[..10]
        .parse()
        .expect("a timestamp starts with its date")
}

fn legacy_table(legacy: toml::Table) -> toml::Table {
    let mut extra = toml::Table::new();
    put_legacy(&mut extra, legacy);
    extra
}

/// Reads the direction of each ordering link of `links` from the evidence of the missions
/// (see `lifecycle::orient`): a link the evidence reads prerequisite first is turned round.
/// Each link keeps how it was read and why (`read_as`, `evidence`), and the report lists the
/// links decided by their missions and those that followed the source's convention.
pub fn orient_links(missions: &[Mission], links: &mut [Link], notes: &mut Notes) {
    use crate::lifecycle::{Facts, Reading, orient};
    let facts: HashMap<&str, Facts<'_>> = missions
        .iter()
        .map(|m| {
            let f = Facts {
                id: &m.id,
                status: m.status,
                completed_at: m.completed_at,
                sprint: m.sprint.as_deref(),
            };
            (m.id.as_str(), f)
        })
        .collect();
    let judged: Vec<usize> = (0..links.len())
        .filter(|i| {
            let l = &links[*i];
            l.kind == DepType::Requires
                && facts.contains_key(l.from.as_str())
                && facts.contains_key(l.to.as_str())
        })
        .collect();
    let pairs: Vec<(Facts<'_>, Facts<'_>, bool)> = judged
        .iter()
        .map(|i| {
            let l = &links[*i];
            let folded: String = l
                .raw_type
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            let explicit = matches!(
                folded.as_str(),
                "requires" | "dependson" | "blockedby" | "after"
            );
            (facts[l.from.as_str()], facts[l.to.as_str()], explicit)
        })
        .collect();
    for (i, oriented) in judged.into_iter().zip(orient(&pairs)) {
        let link = &mut links[i];
        let written = format!("from {} to {}", link.from, link.to);
        let how = if oriented.decided {
            "by its missions"
        } else {
            "by the source's convention"
        };
        if oriented.reading == Reading::PrerequisiteFirst {
            std::mem::swap(&mut link.from, &mut link.to);
        }
        let what = format!(
            "dependency direction {} {how}: read {}",
            if oriented.decided {
                "decided"
            } else {
                "undecidable"
            },
            oriented.reading.as_str()
        );
        notes.mapped(
            what,
            &format!("{} requires {} ({})", link.from, link.to, oriented.evidence),
        );
        link.extra
            .insert("read_as".into(), oriented.reading.as_str().into());
        link.extra.insert(
            "evidence".into(),
            format!("{written}: {}", oriented.evidence).into(),
        );
    }
}

/// The events of `steps_by_mission` grouped by mission, oldest first.
pub fn group_steps(steps: Vec<(String, Step)>) -> BTreeMap<String, Vec<Step>> {
    let mut by_mission: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for (mission, step) in steps {
        by_mission.entry(mission).or_default().push(step);
    }
    for list in by_mission.values_mut() {
        list.sort_by_key(|s| s.at);
    }
    by_mission
}
