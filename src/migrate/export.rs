//! The branch as the original CMOS's files: backlog.yaml, SESSIONS.jsonl and the two context
//! documents, generated from the records (which the export operation reads from one snapshot)
//! so that the same branch always gives the same bytes.

use serde_json::{Map, Value, json};

use super::{backlog, contexts, sessions_log};
use crate::model::{Event, Item, ItemKind, ItemStatus, Mission, Project, Session, Sprint, Status};

/// The item logs an export writes out, in the order it reads them.
pub const ITEM_KINDS: [ItemKind; 5] = [
    ItemKind::Decision,
    ItemKind::Learning,
    ItemKind::Constraint,
    ItemKind::Fact,
    ItemKind::NextStep,
];

/// Where an import of a database keeps the original's prompt mappings.
const PROMPTS: &str = ".cmos/legacy/cmos-sqlite/prompt_mappings.jsonl";

/// The branch files an export reads besides the records: what an import kept of the
/// original's context documents and prompt mappings.
pub fn kept_paths() -> Vec<String> {
    vec![
        contexts::legacy_path("project_context"),
        contexts::legacy_path("master_context"),
        PROMPTS.to_string(),
    ]
}

/// What an export reads from one snapshot of the branch, gathered by the caller.
#[derive(Debug, Default)]
pub struct Records {
    pub project: Option<Project>,
    pub sprints: Vec<Sprint>,
    pub missions: Vec<Mission>,
    pub sessions: Vec<Session>,
    /// The items of [`ITEM_KINDS`], in that order.
    pub items: Vec<Item>,
    pub events: Vec<Event>,
    /// The project notes file, when the branch has one.
    pub notes: Option<Vec<u8>>,
    /// The files of [`kept_paths`] the branch has, by path.
    pub kept: Vec<(String, Vec<u8>)>,
}

/// Everything an export writes from, in the order it writes it.
pub struct State {
    pub project: Option<Project>,
    pub sprints: Vec<Sprint>,
    pub missions: Vec<Mission>,
    pub sessions: Vec<Session>,
    pub items: Vec<Item>,
    pub events: Vec<Event>,
    /// Context documents an import kept, by name.
    pub kept_contexts: Vec<(String, Value)>,
    /// Prompt mappings an import of a database kept.
    pub prompts: Vec<Value>,
    /// The project notes.
    pub notes: Option<String>,
}

impl State {
    pub fn new(records: Records) -> State {
        let Records {
            project,
            sprints,
            mut missions,
            mut sessions,
            items,
            events,
            notes,
            kept,
        } = records;
        missions.sort_by(|a, b| a.id.cmp(&b.id));
        sessions.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        let file = |path: &str| kept.iter().find(|(p, _)| p == path).map(|(_, b)| b);
        let mut kept_contexts = Vec::new();
        for name in ["project_context", "master_context"] {
            if let Some(bytes) = file(&contexts::legacy_path(name))
                && let Ok(doc @ Value::Object(_)) = serde_json::from_slice::<Value>(bytes)
            {
                kept_contexts.push((name.to_string(), doc));
            }
        }
        let prompts = file(PROMPTS)
            .map(|bytes| {
                String::from_utf8_lossy(bytes)
                    .lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .map(|row| json!({"prompt": row.get("prompt"), "agentBehavior": row.get("behavior")}))
                    .collect()
            })
            .unwrap_or_default();
        let notes = notes
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .filter(|n| !n.is_empty());
        State {
            project,
            sprints,
            missions,
            sessions,
            items,
            events,
            kept_contexts,
            prompts,
            notes,
        }
    }

    pub fn backlog(&self) -> String {
        backlog::export(&self.sprints, &self.missions, self.prompts.clone())
    }

    pub fn sessions_jsonl(&self) -> String {
        sessions_log::export(&self.events)
    }

    fn kept(&self, name: &str) -> Map<String, Value> {
        self.kept_contexts
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, doc)| doc.as_object().cloned())
            .unwrap_or_default()
    }

    fn active(&self, kind: ItemKind) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(move |i| i.kind == kind && i.status == ItemStatus::Active)
    }

    /// MASTER_CONTEXT.json: the durable memory, over what an import kept of the original.
    pub fn master_context(&self) -> String {
        let mut doc = self.kept("master_context");
        let mut identity = doc
            .get("project_identity")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(project) = &self.project {
            identity.insert("name".into(), project.name.clone().into());
            if let Some(d) = &project.description {
                identity.insert("description".into(), d.clone().into());
            }
        }
        doc.insert("project_identity".into(), Value::Object(identity));
        let decisions: Vec<Value> = self
            .active(ItemKind::Decision)
            .map(|d| {
                let mut entry = Map::new();
                entry.insert("decision".into(), d.text.clone().into());
                entry.insert("date".into(), d.created_at.to_string().into());
                if let Some(r) = &d.rationale {
                    entry.insert("rationale".into(), r.clone().into());
                }
                if let Some(m) = &d.mission {
                    entry.insert("mission_id".into(), m.clone().into());
                }
                entry.insert("id".into(), d.id.clone().into());
                Value::Object(entry)
            })
            .collect();
        doc.insert("decisions_made".into(), decisions.into());
        let texts = |kind| -> Value {
            self.active(kind)
                .map(|i| Value::from(i.text.clone()))
                .collect()
        };
        doc.insert("learnings".into(), texts(ItemKind::Learning));
        doc.insert("constraints".into(), texts(ItemKind::Constraint));
        let mut notes: Vec<Value> = self
            .active(ItemKind::Fact)
            .filter(|f| f.category.as_deref() == Some("context-note"))
            .map(|f| f.text.clone().into())
            .collect();
        if let Some(text) = &self.notes {
            notes.push(text.clone().into());
        }
        doc.insert("context_notes".into(), notes.into());
        let mut resume = doc
            .get("next_session_context")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        resume.insert("when_we_resume".into(), texts(ItemKind::NextStep));
        resume.insert("blockers".into(), self.blockers());
        doc.insert("next_session_context".into(), Value::Object(resume));
        doc.insert("sprint_completions".into(), self.sprint_completions());
        pretty(&Value::Object(doc))
    }

    fn blockers(&self) -> Value {
        self.missions
            .iter()
            .filter_map(|m| {
                let b = m.blocked.as_ref()?;
                Some(json!({"mission": m.id, "recorded_at": b.since.to_string(), "summary": m.name, "reason": b.reason, "needs": b.needs}))
            })
            .collect()
    }

    fn sprint_completions(&self) -> Value {
        self.sprints
            .iter()
            .filter_map(|s| {
                let done = s.completed_at?;
                let missions: Vec<&Mission> = self.missions.iter().filter(|m| m.sprint.as_deref() == Some(&s.id)).collect();
                let completed = missions.iter().filter(|m| m.status == Status::Completed).count();
                Some(json!({"sprint": s.id, "title": s.title, "completed_at": done.to_string(), "missions_completed": completed}))
            })
            .collect()
    }

    /// PROJECT_CONTEXT.json: the working memory, over what an import kept of the original.
    pub fn project_context(&self) -> String {
        let mut doc = self.kept("project_context");
        let mut memory = doc
            .get("working_memory")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let in_progress = self
            .missions
            .iter()
            .filter(|m| m.status == Status::InProgress)
            .min_by_key(|m| m.started_at);
        memory.insert(
            "active_mission".into(),
            in_progress.map(|m| m.id.clone()).into(),
        );
        memory.insert("session_count".into(), self.sessions.len().into());
        memory.insert(
            "last_session".into(),
            self.sessions
                .last()
                .map(|s| s.started_at.to_string())
                .into(),
        );
        let last_done = self
            .missions
            .iter()
            .filter(|m| m.status == Status::Completed)
            .max_by_key(|m| (m.completed_at, &m.id));
        memory.insert(
            "last_completed_mission".into(),
            last_done.map(|m| m.id.clone()).into(),
        );
        let blocked: Vec<Value> = self
            .missions
            .iter()
            .filter(|m| m.status == Status::Blocked)
            .map(|m| m.id.clone().into())
            .collect();
        memory.insert("blocked_missions".into(), blocked.into());
        let current = self.project.as_ref().and_then(|p| p.current_sprint.clone());
        memory.insert("current_sprint".into(), current.into());
        let recent: Vec<Value> = self
            .sessions
            .iter()
            .rev()
            .take(25)
            .map(|s| {
                json!({"id": s.id, "sprint_id": s.sprint, "type": s.kind.to_string(), "title": s.title,
                       "summary": s.summary, "completed_at": s.completed_at.map(|t| t.to_string()),
                       "capture_count": s.captures.len()})
            })
            .collect();
        memory.insert("recent_sessions".into(), recent.into());
        let steps: Vec<Value> = self
            .active(ItemKind::NextStep)
            .take(25)
            .map(|i| i.text.clone().into())
            .collect();
        memory.insert("next_steps".into(), steps.into());
        doc.insert("working_memory".into(), Value::Object(memory));
        if let Some(project) = &self.project {
            let mut about = doc
                .get("project")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            about.insert("name".into(), project.name.clone().into());
            about.insert("start_date".into(), project.created_at.to_string().into());
            doc.insert("project".into(), Value::Object(about));
        }
        pretty(&Value::Object(doc))
    }
}

/// JSON indented by two spaces, with a final newline, as the original wrote its documents.
fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
