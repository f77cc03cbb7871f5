//! Remote actions of the process graph: a move whose action is remote writes a request
//! (`fsm.request` in the activity log) that an outside tool or agent picks up; its output
//! comes back as a fact (`fsm.done` closes the request). Both are log lines, so requests
//! and answers from several clones merge as a union. cmos never sends anything anywhere and
//! never runs what a request names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::lifecycle::process::{self, SuggestedAction};
use crate::model::{Event, Item, ItemKind, Timestamp, new_short_id};
use crate::ops::context::Context;
use crate::ops::kb::KbHit;
use crate::ops::knowledge::clean_item_text;
use crate::ops::{Outcome, Warning, Workspace};
use crate::store::{Snapshot, Tx};

const REQUEST: &str = "fsm.request";
const DONE: &str = "fsm.done";

/// A request for a remote action, waiting for its output.
#[derive(Debug, Serialize)]
pub struct Request {
    pub id: String,
    pub at: Timestamp,
    pub by: String,
    /// The state the move led to, and the event that made it.
    pub state: String,
    pub event: String,
    pub action: SuggestedAction,
    /// What the one who answers needs, gathered when the request is listed (`pending`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached: Option<Attached>,
}

/// What a request carries for the one who answers it: the project's working memory cut to
/// a budget (sprint, missions in play, blockers, constraints, decisions, the last handover)
/// and the knowledge-base snippets that best match what it asks.
#[derive(Debug, Serialize)]
pub struct Attached {
    /// What the snippets were searched for: the protocol and the current sprint.
    pub query: String,
    /// The best matches among the project's documents and records, at most
    /// `KNOWLEDGE_LIMIT`.
    pub knowledge: Vec<KbHit>,
    /// The working memory, at most `MEMORY_BUDGET` tokens.
    pub memory: Context,
}

/// Knowledge-base snippets attached to a request.
pub const KNOWLEDGE_LIMIT: usize = 5;
/// Tokens of working memory attached to a request (estimated as the context counts them).
pub const MEMORY_BUDGET: usize = 1500;

/// What `done` recorded.
#[derive(Debug, Serialize)]
pub struct Done {
    pub request: String,
    pub fact: Item,
}

/// Writes a request for `action` within the write of the move to `state`.
pub(crate) fn open(tx: &mut Tx<'_>, state: &str, event: &str, action: &SuggestedAction) {
    let mut extra = serde_json::Map::new();
    extra.insert("state".into(), state.into());
    extra.insert("event".into(), event.into());
    extra.insert(
        "action".into(),
        serde_json::to_value(action).unwrap_or_default(),
    );
    let id = new_short_id("rq");
    tx.record_with(REQUEST, &id, Some(action.action_ref.clone()), extra);
}

fn request_of(event: &Event) -> Option<Request> {
    let text = |key: &str| event.extra.get(key)?.as_str().map(str::to_string);
    let action: SuggestedAction =
        serde_json::from_value(event.extra.get("action")?.clone()).ok()?;
    Some(Request {
        id: event.target.clone(),
        at: event.at,
        by: event.agent.clone(),
        state: text("state")?,
        event: text("event")?,
        action,
        attached: None,
    })
}

/// Requests and the ids of those answered, as of `snapshot`.
fn requests(ws: &Workspace, snapshot: &Snapshot<'_>) -> Result<(Vec<Request>, BTreeSet<String>)> {
    // Requests are rare among the log's lines: a local cache keeps each shard's, so only the
    // shards written since the last read are opened.
    let epoch = Timestamp::from_millis(0);
    let events = ws
        .store()
        .events_of_kinds(snapshot, (epoch, None), &[REQUEST, DONE])?;
    let done = events
        .iter()
        .filter(|e| e.kind == DONE)
        .map(|e| e.target.clone())
        .collect();
    let mut seen = BTreeMap::new();
    for request in events
        .iter()
        .filter(|e| e.kind == REQUEST)
        .filter_map(request_of)
    {
        seen.entry(request.id.clone()).or_insert(request);
    }
    let mut all: Vec<Request> = seen.into_values().collect();
    all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    Ok((all, done))
}

/// The requests waiting for their output, oldest first, each with the memory and knowledge
/// it needs attached.
pub fn pending(ws: &Workspace) -> Result<Outcome<Vec<Request>>> {
    let snapshot = ws.snapshot()?;
    let (all, done) = requests(ws, &snapshot)?;
    let mut open: Vec<Request> = all.into_iter().filter(|r| !done.contains(&r.id)).collect();
    let mut warnings = Vec::new();
    if !open.is_empty() {
        let sprint = snapshot
            .meta
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.as_ref())
            .and_then(|id| snapshot.meta.sprints.get(id))
            .map(|s| format!("{} {} {}", s.id, s.title, s.focus.as_deref().unwrap_or("")));
        for request in &mut open {
            let (attached, said) = attach(ws, request, sprint.as_deref())?;
            request.attached = Some(attached);
            warnings.extend(said);
        }
    }
    let mut outcome = Outcome::read(open, &snapshot);
    outcome.warnings.extend(warnings);
    Ok(outcome)
}

/// The memory and knowledge `request` needs, and warnings from gathering them (a search
/// that could not run leaves the knowledge empty rather than hiding the request).
fn attach(
    ws: &Workspace,
    request: &Request,
    sprint: Option<&str>,
) -> Result<(Attached, Vec<Warning>)> {
    let asked = request
        .action
        .params
        .get("protocol")
        .unwrap_or(&request.action.action_ref)
        .replace('_', " ");
    let query = format!("{asked} {}", sprint.unwrap_or(""))
        .trim()
        .to_string();
    let mut warnings = Vec::new();
    let knowledge = match crate::ops::kb::search(ws, &query, KNOWLEDGE_LIMIT, None) {
        Ok(found) => {
            warnings.extend(found.warnings);
            found.data
        }
        Err(e) => {
            warnings.push(Warning::from(format!(
                "no knowledge-base snippets attached to request {}: {e}",
                request.id
            )));
            Vec::new()
        }
    };
    let memory = crate::ops::context::context(ws, Some(MEMORY_BUDGET))?.data;
    Ok((
        Attached {
            query,
            knowledge,
            memory,
        },
        warnings,
    ))
}

/// Records `output` (the text an outside agent produced) as a fact of the request and closes
/// it, in one commit. A request already answered is refused.
pub fn done(ws: &Workspace, id: &str, output: &str) -> Result<Outcome<Done>> {
    let text = clean_item_text(ItemKind::Fact, output)?;
    let snapshot = ws.snapshot()?;
    let (all, answered) = requests(ws, &snapshot)?;
    let request = all
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::NotFound {
            kind: "request",
            id: id.to_string(),
        })?;
    process::check_request_open(id, answered.contains(id))?;
    drop(snapshot);
    let written = ws.store().write("fsm.done", |tx| {
        let mut fact = Item::new(
            ItemKind::Fact,
            new_short_id(ItemKind::Fact.id_prefix()),
            text.clone(),
            tx.agent(),
            tx.now(),
        );
        let protocol = request.action.params.get("protocol");
        fact.category = Some(match protocol {
            Some(p) => format!("{}:{p}", request.action.action_ref),
            None => request.action.action_ref.clone(),
        });
        fact.sprint = tx
            .meta()
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.clone());
        tx.record(
            "fact.added",
            &fact.id,
            None,
            None,
            Some(crate::model::text::first_line(&text).to_string()),
        );
        tx.record(DONE, id, None, None, Some(fact.id.clone()));
        tx.put_item(fact.clone());
        tx.set_subject(format!("fsm done {id}: fact {}", fact.id));
        Ok(Done {
            request: id.to_string(),
            fact,
        })
    })?;
    Ok(written.into_outcome())
}
