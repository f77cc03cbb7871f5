//! Tools for what the project remembers: onboarding and context, sessions and captures,
//! decisions, facts, learnings, constraints and next steps.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::spellings::{Window, window};
use super::{Limit, Reply, Tool, ToolArgs, page, parsed, reply, required, tool};
use crate::error::{Error, Result};
use crate::mcp::names::McpNames;
use crate::model::{CaptureCategory, ItemKind, ItemStatus, SessionType, Timestamp, fold};
use crate::ops::knowledge::{self, ListFilter, NewItem};
use crate::ops::session::{self, StartRequest};
use crate::ops::{Workspace, context, snapshots};

pub static TOOLS: [Tool; 20] = [
    tool::<AgentOnboard>(),
    tool::<ContextView>(),
    tool::<ContextSnapshot>(),
    tool::<ContextHistory>(),
    tool::<SessionStart>(),
    tool::<SessionCapture>(),
    tool::<SessionComplete>(),
    tool::<SessionList>(),
    tool::<SessionShow>(),
    tool::<SessionResume>(),
    tool::<SessionSearch>(),
    tool::<DecisionsRecord>(),
    tool::<DecisionsList>(),
    tool::<DecisionsShow>(),
    tool::<DecisionsSearch>(),
    tool::<FactsAdd>(),
    tool::<FactsList>(),
    tool::<LearningsList>(),
    tool::<Constraints>(),
    tool::<NextSteps>(),
];

/// A token budget as the context operations take it: a negative one is none at all.
fn budget(budget: Option<i64>) -> Option<usize> {
    budget.map(|b| b.max(0) as usize)
}

/// Everything an agent starting cold needs, in one call: project, current sprint and
/// progress, this worktree's session and mission, missions in progress, next and blocked,
/// constraints, the last session's summary and next steps, open next steps, recent
/// decisions, project notes, and suggested actions. Call this first.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct AgentOnboard {
    /// Cut to about this many tokens (estimated as characters / 4) [default: no cut; sections
    /// hold 20 entries].
    budget: Option<i64>,
}

impl ToolArgs for AgentOnboard {
    const NAME: &'static str = "cmos_agent_onboard";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        self.run_named(ws, &McpNames::GRANULAR)
    }

    fn run_named(self, ws: &Workspace, names: &'static McpNames) -> Result<Reply> {
        let names = Some(names as &dyn crate::next::Names);
        reply(context::onboard_for(ws, budget(self.budget), names)?)
    }
}

/// The working memory, ranked and cut to a token budget: the same sections as onboarding
/// without the suggested actions. `markdown` in the data is ready to read.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct ContextView {
    /// Cut to about this many tokens (estimated as characters / 4) [default: no cut; sections
    /// hold 20 entries].
    budget: Option<i64>,
}

impl ToolArgs for ContextView {
    const NAME: &'static str = "cmos_context_view";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        self.run_named(ws, &McpNames::GRANULAR)
    }

    fn run_named(self, ws: &Workspace, names: &'static McpNames) -> Result<Reply> {
        let outcome = context::context(ws, budget(self.budget))?;
        let markdown = outcome.data.markdown_for(names);
        let mut reply = reply(outcome)?;
        reply.data["markdown"] = markdown.into();
        Ok(reply)
    }
}

/// Name the branch as it is now (e.g. "before the storage rewrite"), to compare with later.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ContextSnapshot {
    /// What this point is.
    source: String,
    /// The session it is taken in; kept with the snapshot.
    #[schemars(extend("x-original" = true))]
    session_id: Option<String>,
}

impl ToolArgs for ContextSnapshot {
    const NAME: &'static str = "cmos_context_snapshot";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(snapshots::snapshot(
            ws,
            &self.source,
            self.session_id.as_deref(),
        )?)
    }
}

/// The named snapshots, newest first. Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ContextHistory {
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
    #[serde(flatten)]
    window: Window,
}

impl ToolArgs for ContextHistory {
    const NAME: &'static str = "cmos_context_history";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let taken = self.window.keep(snapshots::history(ws)?, "created_at")?;
        page(taken, self.limit, self.cursor.as_deref())
    }
}

/// Open a session in this worktree (one at a time). Captures and completion go to it.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionStart {
    /// What kind of work.
    #[serde(rename = "type")]
    kind: SessionType,
    /// A one-line title.
    title: String,
    /// [default: the current sprint]
    sprint_id: Option<String>,
    /// The mission the session works on.
    mission_id: Option<String>,
    /// Close a session still open in this worktree as abandoned.
    force: Option<bool>,
}

impl ToolArgs for SessionStart {
    const NAME: &'static str = "cmos_session_start";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let request = StartRequest {
            kind: self.kind,
            title: self.title,
            sprint: self.sprint_id,
            mission: self.mission_id,
            force: self.force.unwrap_or(false),
        };
        reply(session::start(ws, request)?)
    }
}

/// Note something in the open session as it happens. A decision (first line: what; the
/// rest: why), constraint, learning or next-step also becomes a record that context and
/// lists show.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionCapture {
    /// What it is.
    category: CaptureCategory,
    /// The text, up to 16 KiB; multi-line is fine.
    content: String,
    /// The mission it concerns.
    mission_id: Option<String>,
    /// The session [default: this worktree's open session].
    session_id: Option<String>,
    /// Where it comes from, e.g. [{"type": "commit", "id": "4f2a9c1"}]; kept on the capture.
    #[schemars(extend("x-original" = true))]
    evidence: Option<Vec<Evidence>>,
    /// The learnings (ids) it relies on; kept on the capture.
    #[schemars(extend("x-original" = true))]
    cites_learning_ids: Option<Vec<String>>,
    /// A short note on the circumstances; kept on the capture.
    #[schemars(extend("x-original" = true))]
    context: Option<String>,
}

/// One piece of evidence for a capture (the original CMOS's `evidence[{type, id}]`).
#[derive(Deserialize, JsonSchema, serde::Serialize)]
pub struct Evidence {
    /// What it is: commit, file, url, mission, ...
    #[serde(rename = "type")]
    kind: String,
    /// Which one.
    id: String,
}

impl SessionCapture {
    /// What the capture keeps beyond its text, under the original's names.
    fn extra(&self) -> Result<toml::Table> {
        let mut extra = toml::Table::new();
        if let Some(evidence) = self.evidence.as_ref().filter(|e| !e.is_empty()) {
            extra.insert("evidence".into(), toml_of(evidence)?);
        }
        if let Some(cited) = self.cites_learning_ids.as_ref().filter(|c| !c.is_empty()) {
            extra.insert("cites_learning_ids".into(), toml_of(cited)?);
        }
        if let Some(context) = self.context.as_ref().filter(|c| !c.trim().is_empty()) {
            extra.insert("context".into(), toml::Value::String(context.clone()));
        }
        Ok(extra)
    }
}

/// A value as TOML, for what a capture keeps beyond its text.
fn toml_of<T: serde::Serialize>(value: &T) -> Result<toml::Value> {
    toml::Value::try_from(value)
        .map_err(|e| Error::InvalidInput(format!("cannot keep this on a capture: {e}")))
}

impl ToolArgs for SessionCapture {
    const NAME: &'static str = "cmos_session_capture";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let extra = self.extra()?;
        reply(session::capture_with(
            ws,
            self.session_id.as_deref(),
            self.category,
            &self.content,
            self.mission_id.as_deref(),
            extra,
        )?)
    }
}

/// Close the session with a summary of what happened and the next steps for whoever comes
/// next. Refuses without a summary unless force.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionComplete {
    /// What happened, for the next agent (needed unless force).
    summary: Option<String>,
    /// What to do next; each becomes an open next step.
    next_steps: Option<Vec<String>>,
    /// The session [default: this worktree's open session].
    session_id: Option<String>,
    /// Close even without a summary.
    force: Option<bool>,
    /// The session's metrics, recorded in the same commit.
    // Left out of the consolidated listing to keep it within its token budget; callable
    // there all the same, and listed with the granular tools.
    #[schemars(extend("x-original" = true))]
    metrics: Option<super::metrics::MetricFields>,
    /// Confidence 0-1.
    validation_score: Option<f64>,
    /// What backs the score.
    #[schemars(extend("x-original" = true))]
    evidence: Option<Vec<String>>,
}

impl ToolArgs for SessionComplete {
    const NAME: &'static str = "cmos_session_complete";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let measures = self.metrics.map(|m| m.measures());
        let validation = crate::ops::gate::Validation {
            score: self.validation_score,
            evidence: self.evidence.unwrap_or_default(),
        };
        reply(session::complete_with(
            ws,
            self.session_id.as_deref(),
            self.summary.as_deref(),
            &self.next_steps.unwrap_or_default(),
            self.force.unwrap_or(false),
            measures.as_ref(),
            &validation,
        )?)
    }
}

/// Sessions, newest first, optionally of one type or sprint or since a time. Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionList {
    /// Only sessions of this type.
    #[serde(rename = "type")]
    kind: Option<SessionType>,
    /// Only sessions of this sprint.
    sprint_id: Option<String>,
    /// RFC 3339 time; only sessions started at or after it.
    since: Option<String>,
    /// RFC 3339 time; only sessions started at or before it.
    #[schemars(extend("x-original" = true))]
    until: Option<String>,
    /// Only sessions in this state (canceled: closed without a proper end).
    #[schemars(extend("x-original" = true))]
    status: Option<SessionState>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

/// The session states the original CMOS filtered on.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum SessionState {
    Active,
    Completed,
    Canceled,
}

impl ToolArgs for SessionList {
    const NAME: &'static str = "cmos_session_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let since = parsed::<Timestamp>("since", self.since.as_deref())?;
        let sessions = session::list(ws, self.kind, self.sprint_id.as_deref(), since)?;
        let mut sessions = window(sessions, "started_at", None, self.until.as_deref())?;
        if let Some(state) = self.status {
            // cmos calls a session closed without a proper end Abandoned.
            let wanted = match state {
                SessionState::Active => "Active",
                SessionState::Completed => "Completed",
                SessionState::Canceled => "Abandoned",
            };
            sessions.data.retain(|s| s["status"] == wanted);
        }
        page(sessions, self.limit, self.cursor.as_deref())
    }
}

/// One session with its captures, summary and next steps.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionShow {
    /// The session [default: this worktree's session, else the most recent].
    session_id: Option<String>,
}

impl ToolArgs for SessionShow {
    const NAME: &'static str = "cmos_session_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.session_or_recent(self.session_id.as_deref())?;
        reply(session::show(ws, &id.id)?.scoped(&id, "session"))
    }
}

/// After losing context (a crash, a new conversation): the session, its mission, open next
/// steps, the last actions on the branch and what to do now.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SessionResume {
    /// [default: this worktree's session, else the most recent]
    session_id: Option<String>,
}

impl ToolArgs for SessionResume {
    const NAME: &'static str = "cmos_session_resume";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(session::resume(ws, self.session_id.as_deref())?)
    }
}

/// Sessions whose title, summary, next steps or captures contain every word of the query,
/// best first.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct SessionSearch {
    /// Words to find.
    query: String,
    /// At most this many, 1 to 100 [default: 20].
    limit: Option<Limit>,
    #[serde(flatten)]
    window: Window,
}

impl ToolArgs for SessionSearch {
    const NAME: &'static str = "cmos_session_search";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let limit = Limit::or(self.limit, 20);
        if self.window.is_open() {
            return reply(session::search(ws, &self.query, limit)?);
        }
        // The window applies to every hit, then the limit to what it kept.
        let hits = session::search(ws, &self.query, usize::MAX)?;
        let mut kept = self.window.keep(hits, "started_at")?;
        kept.data.truncate(limit);
        reply(kept)
    }
}

/// The original's `domain` and `sprintId` on decisions: a decision's category and sprint.
fn keeps(item: &serde_json::Value, domain: Option<&str>, sprint: Option<&str>) -> bool {
    let same = |field: &str, wanted: Option<&str>| {
        wanted.is_none_or(|w| item[field].as_str().is_some_and(|v| fold(v) == fold(w)))
    };
    same("category", domain) && same("sprint", sprint)
}

/// `domain` given with `category`: the same filter twice, so they must agree.
fn category(category: Option<String>, domain: Option<String>) -> Result<Option<String>> {
    match (category, domain) {
        (Some(c), Some(d)) if fold(&c) != fold(&d) => Err(Error::InvalidInput(format!(
            "arguments category ({c:?}) and domain ({d:?}) name the same filter: give one"
        ))),
        (c, d) => Ok(c.or(d)),
    }
}

/// Record a decision and its rationale; with supersedes, the older decision is marked
/// Superseded.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct DecisionsRecord {
    /// What was decided, in one line.
    decision: String,
    /// Why: the options weighed and the reason.
    rationale: String,
    /// The mission it belongs to.
    mission_id: Option<String>,
    /// A grouping, e.g. architecture.
    category: Option<String>,
    /// The id of the decision this one replaces.
    supersedes: Option<String>,
}

impl ToolArgs for DecisionsRecord {
    const NAME: &'static str = "cmos_decisions_record";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let request = NewItem {
            text: self.decision,
            rationale: Some(self.rationale),
            mission: self.mission_id,
            category: self.category,
            supersedes: self.supersedes,
            ..NewItem::default()
        };
        reply(knowledge::add(ws, ItemKind::Decision, request)?)
    }
}

/// Decisions in force, newest first (all of them with all=true). Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct DecisionsList {
    /// Only this category.
    category: Option<String>,
    /// Only this mission's.
    mission_id: Option<String>,
    /// Include superseded, archived, done and dropped ones.
    all: Option<bool>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
    /// The original's name for category.
    #[schemars(extend("x-original" = true))]
    domain: Option<String>,
    /// Only this sprint's.
    #[schemars(extend("x-original" = true))]
    sprint_id: Option<String>,
    #[serde(flatten)]
    window: Window,
}

impl ToolArgs for DecisionsList {
    const NAME: &'static str = "cmos_decisions_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let filter = ListFilter {
            all: self.all.unwrap_or(false),
            mission: self.mission_id,
            category: category(self.category, self.domain)?,
            sprint: self.sprint_id,
            ..ListFilter::default()
        };
        let items = knowledge::list(ws, ItemKind::Decision, &filter)?;
        let items = self.window.keep(items, "created_at")?;
        page(items, self.limit, self.cursor.as_deref())
    }
}

/// One decision with its rationale, provenance and what it supersedes or was superseded by.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct DecisionsShow {
    /// The decision.
    decision_id: String,
}

impl ToolArgs for DecisionsShow {
    const NAME: &'static str = "cmos_decisions_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(knowledge::show(ws, ItemKind::Decision, &self.decision_id)?)
    }
}

/// Decisions (superseded ones too) whose title, rationale or category contain every word of
/// the query.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct DecisionsSearch {
    /// Words to find.
    query: String,
    /// At most this many, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// Only this category (the original's domain).
    #[schemars(extend("x-original" = true))]
    domain: Option<String>,
    /// Only this sprint's.
    #[schemars(extend("x-original" = true))]
    sprint_id: Option<String>,
}

impl ToolArgs for DecisionsSearch {
    const NAME: &'static str = "cmos_decisions_search";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let limit = Limit::or(self.limit, 20);
        let (domain, sprint) = (self.domain.as_deref(), self.sprint_id.as_deref());
        if domain.is_none() && sprint.is_none() {
            return reply(knowledge::search(
                ws,
                ItemKind::Decision,
                &self.query,
                limit,
            )?);
        }
        // The filters apply to every hit, then the limit to what they kept.
        let hits = knowledge::search(ws, ItemKind::Decision, &self.query, usize::MAX)?;
        let mut kept = window(hits, "created_at", None, None)?;
        kept.data.retain(|hit| keeps(&hit["item"], domain, sprint));
        kept.data.truncate(limit);
        reply(kept)
    }
}

/// Record a fact; pinned to files (at HEAD, or commit), it is flagged stale once they change.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FactsAdd {
    /// What the fact is about, e.g. api, build.
    kind: String,
    /// The fact.
    text: String,
    /// Files it describes, from the repository root.
    files: Option<Vec<String>>,
    /// The commit the files are pinned at [default: HEAD].
    commit: Option<String>,
}

impl ToolArgs for FactsAdd {
    const NAME: &'static str = "cmos_facts_add";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let request = NewItem {
            text: self.text,
            category: Some(self.kind),
            files: self.files.unwrap_or_default(),
            commit: self.commit,
            ..NewItem::default()
        };
        reply(knowledge::add(ws, ItemKind::Fact, request)?)
    }
}

/// Facts in force with whether their pinned files changed since (stale). Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct FactsList {
    /// Only stale facts.
    stale: Option<bool>,
    /// Include superseded, archived, done and dropped ones.
    all: Option<bool>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

impl ToolArgs for FactsList {
    const NAME: &'static str = "cmos_facts_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let filter = ListFilter {
            all: self.all.unwrap_or(false),
            ..ListFilter::default()
        };
        let facts = knowledge::facts(ws, &filter, self.stale.unwrap_or(false))?;
        page(facts, self.limit, self.cursor.as_deref())
    }
}

/// Learnings in force, newest first. Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct LearningsList {
    /// Only this mission's.
    mission_id: Option<String>,
    /// Include superseded, archived, done and dropped ones.
    all: Option<bool>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
    /// Only this category.
    #[schemars(extend("x-original" = true))]
    category: Option<String>,
    /// Only this sprint's.
    #[schemars(extend("x-original" = true))]
    sprint_id: Option<String>,
    #[serde(flatten)]
    window: Window,
}

impl ToolArgs for LearningsList {
    const NAME: &'static str = "cmos_learnings_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let filter = ListFilter {
            all: self.all.unwrap_or(false),
            mission: self.mission_id,
            category: self.category,
            sprint: self.sprint_id,
            ..ListFilter::default()
        };
        let items = knowledge::list(ws, ItemKind::Learning, &filter)?;
        let items = self.window.keep(items, "created_at")?;
        page(items, self.limit, self.cursor.as_deref())
    }
}

/// What `cmos_constraints` does.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum ConstraintAction {
    List,
    Archive,
}

/// Constraints in force (rules the work must respect), newest first; archive one with
/// action=archive.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Constraints {
    /// [default: list]
    action: Option<ConstraintAction>,
    /// The constraint to archive.
    constraint_id: Option<String>,
    /// Include superseded, archived, done and dropped ones.
    all: Option<bool>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

impl ToolArgs for Constraints {
    const NAME: &'static str = "cmos_constraints";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let kind = ItemKind::Constraint;
        match self.action.unwrap_or(ConstraintAction::List) {
            ConstraintAction::Archive => {
                let id = required(self.constraint_id, "constraintId")?;
                reply(knowledge::close(ws, kind, &id, ItemStatus::Archived, None)?)
            }
            ConstraintAction::List => {
                let filter = ListFilter {
                    all: self.all.unwrap_or(false),
                    ..ListFilter::default()
                };
                let items = knowledge::list(ws, kind, &filter)?;
                page(items, self.limit, self.cursor.as_deref())
            }
        }
    }
}

/// What `cmos_next_steps` does.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "lowercase")]
pub enum NextStepAction {
    List,
    Complete,
    Drop,
    Carry,
}

/// Open next steps, newest first; mark one done or dropped, or carry it to another sprint.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct NextSteps {
    /// [default: list]
    action: Option<NextStepAction>,
    /// The next step to act on.
    next_step_id: Option<String>,
    /// The sprint to carry it to.
    carry_to_sprint: Option<String>,
    /// List only this sprint's.
    sprint_id: Option<String>,
    /// Include superseded, archived, done and dropped ones.
    all: Option<bool>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

impl ToolArgs for NextSteps {
    const NAME: &'static str = "cmos_next_steps";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let kind = ItemKind::NextStep;
        let close = |status| -> Result<Reply> {
            let id = required(self.next_step_id.clone(), "nextStepId")?;
            reply(knowledge::close(ws, kind, &id, status, None)?)
        };
        match self.action.unwrap_or(NextStepAction::List) {
            NextStepAction::Complete => close(ItemStatus::Done),
            NextStepAction::Drop => close(ItemStatus::Dropped),
            NextStepAction::Carry => {
                let id = required(self.next_step_id, "nextStepId")?;
                let sprint = required(self.carry_to_sprint, "carryToSprint")?;
                reply(knowledge::carry(ws, &id, &sprint)?)
            }
            NextStepAction::List => {
                let filter = ListFilter {
                    all: self.all.unwrap_or(false),
                    sprint: self.sprint_id,
                    ..ListFilter::default()
                };
                let items = knowledge::list(ws, kind, &filter)?;
                page(items, self.limit, self.cursor.as_deref())
            }
        }
    }
}
