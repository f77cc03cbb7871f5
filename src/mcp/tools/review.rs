//! Tools for sharing and review: search, research reports, sync, verify, the log, a
//! mission's history, diffs.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Limit, Reply, Tool, ToolArgs, parsed, reply, tool};
use crate::error::Result;
use crate::model::Timestamp;
use crate::ops::{Workspace, history, kb, research, snapshots, status, sync, verify};
use crate::store::LogFilter;

pub static TOOLS: [Tool; 7] = [
    tool::<KbSearch>(),
    tool::<ResearchExport>(),
    tool::<Sync>(),
    tool::<Verify>(),
    tool::<Log>(),
    tool::<History>(),
    tool::<Diff>(),
];

/// What `cmos_kb_search` may keep: documents, or one kind of record.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "kebab-case")]
pub enum KbKind {
    Doc,
    Mission,
    Session,
    Decision,
    Fact,
    Learning,
    Constraint,
    NextStep,
}

impl KbKind {
    /// The kind as the knowledge base names it.
    fn as_str(self) -> &'static str {
        match self {
            KbKind::Doc => "doc",
            KbKind::Mission => "mission",
            KbKind::Session => "session",
            KbKind::Decision => "decision",
            KbKind::Fact => "fact",
            KbKind::Learning => "learning",
            KbKind::Constraint => "constraint",
            KbKind::NextStep => "next-step",
        }
    }
}

/// Full-text search (BM25) over the project's markdown documents and every record on the
/// branch (missions, sessions and captures, decisions, facts, learnings, constraints, next
/// steps). Each hit names its file and lines or its record, with the matched words marked.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct KbSearch {
    /// Words to find.
    query: String,
    /// At most this many hits, 1 to 100 [default: 10].
    limit: Option<Limit>,
    /// Only this kind.
    kind: Option<KbKind>,
}

impl ToolArgs for KbSearch {
    const NAME: &'static str = "cmos_kb_search";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let limit = Limit::or(self.limit, 10);
        let kind = self.kind.map(KbKind::as_str);
        reply(kb::search(ws, &self.query, limit, kind)?)
    }
}

/// The Markdown report of a research mission: overview, brief, research questions, success
/// criteria, deliverables, key findings, session timeline, metadata. Refuses an incomplete
/// mission unless allowIncomplete.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ResearchExport {
    /// The mission [default: the mission of this worktree's open session, else the mission this worktree
    /// started last and has not finished].
    mission_id: Option<String>,
    /// Report a mission that is not Completed yet.
    allow_incomplete: Option<bool>,
}

impl ToolArgs for ResearchExport {
    const NAME: &'static str = "cmos_research_export";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let allow_incomplete = self.allow_incomplete.unwrap_or(false);
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let report = research::export(ws, &id.id, None, false, allow_incomplete)?;
        reply(report.scoped(&id, "mission"))
    }
}

/// Fetch the remote's cmos branch, merge it with this clone's, push the result. Offline,
/// says so and keeps local state. dryRun shows what would come in and go out.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Sync {
    /// [default: the branch's upstream remote, else origin]
    remote: Option<String>,
    /// Change nothing; report incoming and outgoing operations.
    dry_run: Option<bool>,
    /// Merge a remote branch that shares no history with this clone's (another project's
    /// init).
    allow_unrelated: Option<bool>,
}

impl ToolArgs for Sync {
    const NAME: &'static str = "cmos_sync";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let request = sync::SyncRequest {
            remote: self.remote,
            dry_run: self.dry_run.unwrap_or(false),
            allow_unrelated: self.allow_unrelated.unwrap_or(false),
        };
        reply(sync::sync(ws, &request)?)
    }
}

/// Check the branch (or another ref, e.g. a pull request's): schema, ids, dangling links,
/// cycles, duplicates, log lines. Problems come as an error listing each with path and line.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct Verify {
    /// The branch or revision to check [default: the cmos branch].
    #[serde(rename = "ref")]
    reference: Option<String>,
}

impl ToolArgs for Verify {
    const NAME: &'static str = "cmos_verify";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        // The operation's own outcome, as `cmos verify` renders it: it needs no project
        // when it checks another ref.
        reply(verify::verify(ws, self.reference.as_deref())?)
    }
}

/// The branch's operations, newest first, optionally of one mission or agent or since a
/// time.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct Log {
    /// Only operations that changed this mission.
    mission_id: Option<String>,
    /// Only operations by this agent.
    agent: Option<String>,
    /// RFC 3339 time.
    since: Option<String>,
    /// At most this many, 1 to 100 [default: 20].
    limit: Option<Limit>,
}

impl ToolArgs for Log {
    const NAME: &'static str = "cmos_log";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let filter = LogFilter {
            limit: Limit::or(self.limit, 20),
            agent: self.agent,
            since: parsed::<Timestamp>("since", self.since.as_deref())?,
            path: None,
        };
        reply(status::log(ws, filter, self.mission_id.as_deref())?)
    }
}

/// Every change to one mission, field by field, newest first; long texts as unified diffs.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// The mission [default: the mission of this worktree's open session, else the mission this worktree
    /// started last and has not finished].
    mission_id: Option<String>,
    /// At most this many changes, 1 to 100 [default: 20].
    limit: Option<Limit>,
}

impl ToolArgs for History {
    const NAME: &'static str = "cmos_history";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let limit = Limit::or(self.limit, 20);
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let changes = history::mission_history(ws, &id.id, limit)?;
        reply(changes.scoped(&id, "mission"))
    }
}

/// What changed between two revisions of the branch or named snapshots: missions, sprints
/// and sessions field by field, decisions and other records by status, the project notes.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct Diff {
    /// A snapshot id or a revision such as cmos~5.
    from: String,
    /// [default: now]
    to: Option<String>,
}

impl ToolArgs for Diff {
    const NAME: &'static str = "cmos_diff";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(snapshots::diff(ws, &self.from, self.to.as_deref())?)
    }
}
