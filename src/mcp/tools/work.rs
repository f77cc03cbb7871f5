//! Tools for planned work: missions, their lifecycle and links, sprints, status.

use schemars::JsonSchema;
use serde::Deserialize;
#[cfg(test)]
use serde::Serialize;

use super::{Limit, Reply, Tool, ToolArgs, page, parsed, reply, tool};
use crate::error::{Error, Result};
use crate::lifecycle::checks::Selection;
use crate::model::{Complexity, DepType, Minutes, Pattern, SprintStatus, Status};
use crate::ops::checks;
use crate::ops::gate::{self, Promotion, Validation};
use crate::ops::init::{self, InitRequest};
use crate::ops::metadata::{self, Metadata};
use crate::ops::mission::{self, AddOptions, MissionFields, MissionUpdate};
use crate::ops::sprint::{self, SprintFields};
use crate::ops::{Workspace, status, transition};

pub static TOOLS: [Tool; 21] = [
    tool::<ProjectInit>(),
    tool::<MissionStatus>(),
    tool::<MissionNext>(),
    tool::<MissionList>(),
    tool::<MissionShow>(),
    tool::<MissionAdd>(),
    tool::<MissionUpdateArgs>(),
    tool::<MissionStart>(),
    tool::<MissionComplete>(),
    tool::<MissionApprove>(),
    tool::<MissionReject>(),
    tool::<MissionBlock>(),
    tool::<MissionUnblock>(),
    tool::<MissionDrop>(),
    tool::<MissionDefer>(),
    tool::<MissionDepends>(),
    tool::<MissionUndepends>(),
    tool::<SprintList>(),
    tool::<SprintShow>(),
    tool::<SprintAdd>(),
    tool::<SprintUpdate>(),
];

/// Start a cmos project in this repository (the cmos branch), optionally with a first sprint
/// made current; in a clone of a project that has one, joins it instead. Idempotent.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct ProjectInit {
    /// The project's name [default: the repository's directory name].
    project_name: Option<String>,
    /// What the project is.
    description: Option<String>,
    /// A first sprint's id, e.g. S1.
    sprint_id: Option<String>,
    /// The first sprint's title (with sprintId).
    sprint_title: Option<String>,
    /// The first sprint as the original gave it: {id, title}.
    #[schemars(extend("x-original" = true))]
    initial_sprint: Option<InitialSprint>,
}

/// The original's `initialSprint` of `cmos_project_init`.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct InitialSprint {
    /// The sprint's id.
    id: String,
    /// Its title.
    title: Option<String>,
}

impl ToolArgs for ProjectInit {
    const NAME: &'static str = "cmos_project_init";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let (given_id, given_title) = match self.initial_sprint {
            Some(s) => (Some(s.id), s.title),
            None => (None, None),
        };
        let sprint_id = self.sprint_id.or(given_id);
        let sprint_title = self.sprint_title.or(given_title);
        let sprint = match (sprint_id, sprint_title) {
            (Some(id), title) => Some((id.clone(), title.unwrap_or(id))),
            (None, Some(_)) => {
                return Err(Error::InvalidInput("sprintTitle needs a sprintId".into()));
            }
            (None, None) => None,
        };
        let request = InitRequest {
            name: self.project_name,
            description: self.description,
            sprint,
        };
        reply(init::init(ws, request)?)
    }
}

/// The work queue at a glance: project, current sprint and its progress, missions In
/// Progress, Current and Blocked, and the next mission with the reason. Start here when you
/// need to know what to work on.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionStatus {
    /// List the Blocked missions [default: true].
    #[schemars(extend("x-original" = true))]
    include_blocked: Option<bool>,
    /// How many Queued missions to list, 1 to 50 [default: 5].
    #[schemars(extend("x-original" = true), range(min = 1, max = 50))]
    queued_limit: Option<u8>,
}

impl ToolArgs for MissionStatus {
    const NAME: &'static str = "cmos_mission_status";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let view = status::status(ws)?;
        // The original's queue also lists what comes after the next mission.
        // Only the first few: read from the cache's windows, not by listing every mission.
        let limit = usize::from(self.queued_limit.unwrap_or(5));
        let query = mission::ListQuery {
            status: Some(Status::Queued),
            limit: Some(limit),
            ..Default::default()
        };
        let mut queued = Vec::with_capacity(limit);
        mission::list_rows(ws, &query, &mut |_, m| {
            queued.push(m);
            Ok(())
        })?;
        let mut reply = reply(view)?;
        reply.data["queued"] = serde_json::to_value(queued)
            .map_err(|e| Error::io("cannot encode a result", e.into()))?;
        if self.include_blocked == Some(false) {
            reply.data["blocked"] = serde_json::Value::Null;
        }
        Ok(reply)
    }
}

/// The one mission to work on now, why, and which missions were skipped because their
/// prerequisites are not completed.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct MissionNext {}

impl ToolArgs for MissionNext {
    const NAME: &'static str = "cmos_mission_next";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(mission::next(ws)?)
    }
}

/// Missions in next-mission order (In Progress, Current, Queued; current sprint first),
/// optionally of one sprint or status. Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionList {
    /// Only missions of this sprint.
    sprint_id: Option<String>,
    /// Only missions in this status.
    status: Option<Status>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

impl ToolArgs for MissionList {
    const NAME: &'static str = "cmos_mission_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        // A page is selected where the missions are read, after the cursor's place: not the
        // whole list ordered, then cut.
        // A cursor of this server is a place; a number counts rows (the original's `page`).
        let cursor = self.cursor.as_deref();
        let skip = cursor.and_then(|c| c.parse::<usize>().ok());
        let after = match (cursor, skip) {
            (Some(c), None) => Some(c.parse::<mission::Cursor>()?),
            _ => None,
        };
        let query = mission::ListQuery {
            sprint: self.sprint_id.as_deref(),
            status: self.status,
            after: after.as_ref(),
            skip: skip.unwrap_or(0),
            limit: Some(Limit::or(self.limit, 20)),
        };
        let mut items = Vec::new();
        let listed = mission::list_rows(ws, &query, &mut |_, m| {
            items.push(m);
            Ok(())
        })?;
        let data = serde_json::json!({
            "items": items,
            "total": listed.data.total,
            "offset": listed.data.offset,
            "nextCursor": listed.data.next_cursor,
        });
        Ok(crate::ops::Outcome {
            data,
            warnings: listed.warnings,
            instructions: listed.instructions,
        })
    }
}

/// One mission in full: objective, context, success criteria, deliverables, notes, links
/// both ways, what it waits on, blocker, estimate against time spent, transition history and
/// merge conflicts.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionShow {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
}

impl ToolArgs for MissionShow {
    const NAME: &'static str = "cmos_mission_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        reply(mission::show(ws, &id.id)?.scoped(&id, "mission"))
    }
}

/// Add a mission (Queued) to a sprint (default: the current sprint). Without missionId an id
/// like m-4k7wq2xz9d is generated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionAdd {
    /// A human id such as B1.2; letters, digits, . _ -.
    mission_id: Option<String>,
    /// A one-line name, at most 200 characters.
    name: String,
    /// The sprint [default: the current sprint].
    sprint_id: Option<String>,
    /// What the mission achieves.
    objective: Option<String>,
    /// Background an agent needs to start.
    context: Option<String>,
    /// How to tell it is done.
    success_criteria: Option<Vec<String>>,
    /// What it produces.
    deliverables: Option<Vec<String>>,
    /// Free-form notes.
    notes: Option<String>,
    /// Order within the sprint: lower first.
    rank: Option<i64>,
    /// Expected time In Progress: 45m, 2h, 1.5h, 2h30m, 1d.
    estimate: Option<String>,
    /// simple, standard or complex: policy routes it to a model hint.
    // Listed by the granular tool only: the consolidated listing's token budget is tight.
    #[schemars(extend("x-original" = true))]
    complexity: Option<Complexity>,
    /// The orchestration pattern: none, rsip, delegation or boomerang.
    #[schemars(extend("x-original" = true))]
    pattern: Option<Pattern>,
    /// Why that pattern.
    #[schemars(extend("x-original" = true))]
    pattern_rationale: Option<String>,
    /// The status to add it in [default: Queued]; it gets there by the lifecycle's moves.
    #[schemars(extend("x-original" = true))]
    status: Option<Status>,
    #[serde(flatten)]
    original: OriginalExtras,
}

/// The original CMOS's mission metadata, reference documents and domain fields: cmos has no
/// field for them, so they are kept on the mission as the `--metadata` of the CLI keeps them.
#[derive(Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct OriginalExtras {
    /// Documents the mission refers to (paths, URLs, tracelab:// references); kept.
    #[schemars(extend("x-original" = true))]
    reference_docs: Option<Vec<String>>,
    /// Fields of the mission's domain; kept.
    #[schemars(extend("x-original" = true))]
    domain_fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// Any other keys; description, objective, context, notes, successCriteria and
    /// deliverables set those fields.
    #[schemars(extend("x-original" = true))]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

impl OriginalExtras {
    /// These, each one not given taken from `other`.
    fn or(self, other: OriginalExtras) -> OriginalExtras {
        OriginalExtras {
            reference_docs: self.reference_docs.or(other.reference_docs),
            domain_fields: self.domain_fields.or(other.domain_fields),
            metadata: self.metadata.or(other.metadata),
        }
    }

    /// All of them as one metadata object, checked as the CLI's `--metadata` is.
    fn metadata(self) -> Result<Option<Metadata>> {
        let mut map = self.metadata.unwrap_or_default();
        if let Some(docs) = self.reference_docs {
            map.insert("referenceDocs".into(), docs.into());
        }
        if let Some(fields) = self.domain_fields {
            map.insert("domainFields".into(), serde_json::Value::Object(fields));
        }
        if map.is_empty() {
            return Ok(None);
        }
        metadata::from_object(map).map(Some)
    }
}

impl ToolArgs for MissionAdd {
    const NAME: &'static str = "cmos_mission_add";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let fields = MissionFields {
            name: Some(self.name),
            sprint: self.sprint_id,
            objective: self.objective,
            context: self.context,
            notes: self.notes,
            success_criteria: self.success_criteria.filter(|l| !l.is_empty()),
            deliverables: self.deliverables.filter(|l| !l.is_empty()),
            rank: self.rank,
            estimate: parsed::<Minutes>("estimate", self.estimate.as_deref())?,
            complexity: self.complexity,
            pattern: self.pattern,
            pattern_rationale: self.pattern_rationale,
        };
        let options = AddOptions {
            status: self.status,
            metadata: self.original.metadata()?,
        };
        reply(mission::add_as(
            ws,
            self.mission_id.as_deref(),
            fields,
            options,
        )?)
    }
}

/// Change a mission's fields (name, objective, context, notes, success criteria,
/// deliverables, sprint, rank, estimate) and optionally its status (by the lifecycle rules).
/// Give them in `fields` or at the top level.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionUpdateArgs {
    /// The mission to change [default: the mission of this worktree's open session, else the mission this worktree
    /// started last and has not finished].
    mission_id: Option<String>,
    /// The changes as one object; a field given here wins over the same one at the top
    /// level.
    fields: Option<MissionChanges>,
    #[serde(flatten)]
    top: MissionChanges,
}

/// What `cmos_mission_update` may change.
#[derive(Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionChanges {
    /// New name.
    name: Option<String>,
    /// New objective.
    objective: Option<String>,
    /// New context.
    context: Option<String>,
    /// New notes (replaces them).
    notes: Option<String>,
    /// Replaces the success criteria.
    success_criteria: Option<Vec<String>>,
    /// Replaces the deliverables.
    deliverables: Option<Vec<String>>,
    /// Move to this sprint.
    sprint_id: Option<String>,
    /// New rank.
    rank: Option<i64>,
    /// New estimate, e.g. 2h.
    estimate: Option<String>,
    /// New complexity: simple, standard or complex.
    #[schemars(extend("x-original" = true))]
    complexity: Option<Complexity>,
    /// New orchestration pattern: none, rsip, delegation or boomerang.
    #[schemars(extend("x-original" = true))]
    pattern: Option<Pattern>,
    /// Why that pattern.
    #[schemars(extend("x-original" = true))]
    pattern_rationale: Option<String>,
    /// Move to this status by the same rules as start, complete, drop, defer.
    status: Option<Status>,
    #[serde(flatten)]
    original: OriginalExtras,
}

impl MissionChanges {
    /// These changes, each one not given taken from `other`.
    fn or(self, other: MissionChanges) -> MissionChanges {
        let list = |mine: Option<Vec<String>>, theirs: Option<Vec<String>>| {
            mine.filter(|l| !l.is_empty())
                .or(theirs.filter(|l| !l.is_empty()))
        };
        MissionChanges {
            name: self.name.or(other.name),
            objective: self.objective.or(other.objective),
            context: self.context.or(other.context),
            notes: self.notes.or(other.notes),
            success_criteria: list(self.success_criteria, other.success_criteria),
            deliverables: list(self.deliverables, other.deliverables),
            sprint_id: self.sprint_id.or(other.sprint_id),
            rank: self.rank.or(other.rank),
            estimate: self.estimate.or(other.estimate),
            complexity: self.complexity.or(other.complexity),
            pattern: self.pattern.or(other.pattern),
            pattern_rationale: self.pattern_rationale.or(other.pattern_rationale),
            status: self.status.or(other.status),
            original: self.original.or(other.original),
        }
    }
}

impl ToolArgs for MissionUpdateArgs {
    const NAME: &'static str = "cmos_mission_update";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let scoped = ws.mission_or_active(self.mission_id.as_deref())?;
        let c = self.fields.unwrap_or_default().or(self.top);
        let update = MissionUpdate {
            fields: MissionFields {
                name: c.name,
                sprint: c.sprint_id,
                objective: c.objective,
                context: c.context,
                notes: c.notes,
                success_criteria: c.success_criteria,
                deliverables: c.deliverables,
                rank: c.rank,
                estimate: parsed::<Minutes>("estimate", c.estimate.as_deref())?,
                complexity: c.complexity,
                pattern: c.pattern,
                pattern_rationale: c.pattern_rationale,
            },
            status: c.status,
            metadata: c.original.metadata()?,
            ..MissionUpdate::default()
        };
        reply(mission::update(ws, &scoped.id, update)?.scoped(&scoped, "mission"))
    }
}

/// Start a mission: Queued or Current → In Progress. It becomes this worktree's active
/// mission, the default of the other mission tools.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionStart {
    /// The mission to start [default: the mission of this worktree's open session, else this
    /// worktree's active mission, else the next mission].
    mission_id: Option<String>,
    /// A note for the history.
    notes: Option<String>,
}

impl ToolArgs for MissionStart {
    const NAME: &'static str = "cmos_mission_start";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_to_start(self.mission_id.as_deref())?;
        let started = transition::start(ws, &id.id, self.notes.as_deref())?;
        reply(started.scoped(&id, "mission"))
    }
}

/// Complete a mission (In Progress → Completed) once its success criteria are met; the next
/// ready Queued mission is promoted to Current unless promote is false.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionComplete {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// What was done.
    notes: Option<String>,
    /// Promote the next mission to Current [default: true].
    promote: Option<bool>,
    /// 0-1; under 0.8 awaits approval, under 0.6 refused.
    validation_score: Option<f64>,
    /// What backs the score: test runs, reviews, links.
    #[schemars(extend("x-original" = true))]
    evidence: Option<Vec<String>>,
    /// Local checks to run first: ["all"], ["none"] or names [default: those whose paths
    /// the mission's commits touched].
    #[schemars(extend("x-original" = true))]
    checks: Option<Vec<String>>,
}

impl ToolArgs for MissionComplete {
    const NAME: &'static str = "cmos_mission_complete";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let promotion = match self.promote.unwrap_or(true) {
            true => Promotion::Current,
            false => Promotion::None,
        };
        let validation = Validation {
            score: self.validation_score,
            evidence: self.evidence.unwrap_or_default(),
        };
        let selection = Selection::from_words(&self.checks.unwrap_or_default());
        let notes = self.notes.as_deref();
        let outcome = checks::complete(ws, &id.id, notes, promotion, &validation, &selection)?;
        reply(outcome.scoped(&id, "mission"))
    }
}

/// Approve a mission whose validation score waits for review: it is Completed and the next
/// ready mission promoted. The agent that gave the score may not approve it unless the
/// project's validation policy allows self-approval.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionApprove {
    /// The mission's id.
    mission_id: String,
    /// Why it is good enough.
    notes: Option<String>,
}

impl ToolArgs for MissionApprove {
    const NAME: &'static str = "cmos_mission_approve";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(Some(&self.mission_id))?;
        reply(gate::approve(ws, &id.id, self.notes.as_deref())?.scoped(&id, "mission"))
    }
}

/// Send a mission whose validation score waits for review back to work: it stays In
/// Progress, marked rejected with the reason.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionReject {
    /// The mission's id.
    mission_id: String,
    /// What must change before it is completed again.
    reason: String,
}

impl ToolArgs for MissionReject {
    const NAME: &'static str = "cmos_mission_reject";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(Some(&self.mission_id))?;
        reply(gate::reject(ws, &id.id, &self.reason)?.scoped(&id, "mission"))
    }
}

/// Block a mission (Current or In Progress → Blocked), saying why and what it needs.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionBlock {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// Why it cannot go on.
    reason: String,
    /// What it needs, one item each.
    blockers: Option<Vec<String>>,
}

impl ToolArgs for MissionBlock {
    const NAME: &'static str = "cmos_mission_block";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let blockers = self.blockers.unwrap_or_default();
        let outcome = transition::block(ws, &id.id, &self.reason, &blockers)?;
        reply(outcome.scoped(&id, "mission"))
    }
}

/// Where an unblocked mission goes.
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub enum UnblockTo {
    #[serde(rename = "In Progress")]
    InProgress,
    Current,
}

/// Unblock a mission (Blocked → In Progress, or Current), recording how the blocker was
/// resolved.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionUnblock {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// How the blocker was resolved.
    resolution: Option<String>,
    /// Where it goes [default: In Progress].
    target_status: Option<UnblockTo>,
}

impl ToolArgs for MissionUnblock {
    const NAME: &'static str = "cmos_mission_unblock";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let to = match self.target_status {
            None | Some(UnblockTo::InProgress) => Status::InProgress,
            Some(UnblockTo::Current) => Status::Current,
        };
        let outcome = transition::unblock(ws, &id.id, self.resolution.as_deref(), to)?;
        reply(outcome.scoped(&id, "mission"))
    }
}

/// Drop a mission for good (final).
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionDrop {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// Why.
    reason: Option<String>,
}

impl ToolArgs for MissionDrop {
    const NAME: &'static str = "cmos_mission_drop";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let outcome = transition::drop(ws, &id.id, self.reason.as_deref())?;
        reply(outcome.scoped(&id, "mission"))
    }
}

/// Put a mission aside; it can be queued again later.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionDefer {
    /// The mission's id [default: the mission of this worktree's open session, else the
    /// mission this worktree started last and has not finished].
    mission_id: Option<String>,
    /// Why.
    reason: Option<String>,
}

impl ToolArgs for MissionDefer {
    const NAME: &'static str = "cmos_mission_defer";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = ws.mission_or_active(self.mission_id.as_deref())?;
        let outcome = transition::defer(ws, &id.id, self.reason.as_deref())?;
        reply(outcome.scoped(&id, "mission"))
    }
}

/// Link two missions: fromId requires toId (toId first), blocks (fromId first), relates or
/// informs (no gating). Cycles among requires/blocks are refused.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionDepends {
    /// The mission the link starts at.
    from_id: String,
    /// The mission it points to.
    to_id: String,
    /// [default: requires]
    #[serde(rename = "type")]
    kind: Option<DepType>,
}

impl ToolArgs for MissionDepends {
    const NAME: &'static str = "cmos_mission_depends";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let kind = self.kind.unwrap_or(DepType::Requires);
        reply(mission::depends(ws, &self.from_id, &self.to_id, kind)?)
    }
}

/// Remove the link from fromId to toId.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct MissionUndepends {
    /// The mission the link starts at.
    from_id: String,
    /// The mission it points to.
    to_id: String,
}

impl ToolArgs for MissionUndepends {
    const NAME: &'static str = "cmos_mission_undepends";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(mission::undepend(ws, &self.from_id, &self.to_id)?)
    }
}

/// Sprints in plan order with live mission counts and progress. Paginated.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintList {
    /// Only sprints in this status.
    status: Option<SprintStatus>,
    /// Items per page, 1 to 100 [default: 20].
    limit: Option<Limit>,
    /// The nextCursor of the previous page, to read on.
    cursor: Option<String>,
}

impl ToolArgs for SprintList {
    const NAME: &'static str = "cmos_sprint_list";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        page(
            sprint::list(ws, self.status)?,
            self.limit,
            self.cursor.as_deref(),
        )
    }
}

/// One sprint: focus, dates, progress, estimate against time spent, and its missions in work
/// order.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintShow {
    /// The sprint.
    sprint_id: String,
}

impl ToolArgs for SprintShow {
    const NAME: &'static str = "cmos_sprint_show";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        reply(sprint::show(ws, &self.sprint_id)?)
    }
}

/// Add a sprint (Planned).
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintAdd {
    /// A human id such as S3.
    sprint_id: String,
    /// A one-line title.
    title: String,
    /// What the sprint is about.
    focus: Option<String>,
    /// YYYY-MM-DD.
    start_date: Option<String>,
    /// YYYY-MM-DD.
    end_date: Option<String>,
}

impl ToolArgs for SprintAdd {
    const NAME: &'static str = "cmos_sprint_add";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let fields = SprintFields {
            title: Some(self.title),
            focus: self.focus,
            start: self.start_date,
            end: self.end_date,
        };
        reply(sprint::add(ws, &self.sprint_id, fields)?)
    }
}

/// Where `cmos_sprint_update` may move a sprint: a sprint is never set back to Planned
/// (activate another sprint instead).
#[derive(Clone, Copy, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub enum SprintMove {
    Active,
    Completed,
}

/// Change a sprint's title, focus or dates (in `fields` or at the top level); status Active
/// makes it current, Completed closes it.
#[derive(Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintUpdate {
    /// The sprint.
    sprint_id: String,
    /// The changes as one object; a field given here wins over the same one at the top
    /// level.
    fields: Option<SprintChanges>,
    #[serde(flatten)]
    top: SprintChanges,
    /// With status Completed: complete the sprint although missions are still open.
    force: Option<bool>,
}

/// What `cmos_sprint_update` may change.
#[derive(Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
#[serde(rename_all = "camelCase")]
pub struct SprintChanges {
    /// New title.
    title: Option<String>,
    /// New focus.
    focus: Option<String>,
    /// YYYY-MM-DD.
    start_date: Option<String>,
    /// YYYY-MM-DD.
    end_date: Option<String>,
    /// Activate or complete the sprint.
    status: Option<SprintMove>,
}

impl SprintChanges {
    /// These changes, each one not given taken from `other`.
    fn or(self, other: SprintChanges) -> SprintChanges {
        SprintChanges {
            title: self.title.or(other.title),
            focus: self.focus.or(other.focus),
            start_date: self.start_date.or(other.start_date),
            end_date: self.end_date.or(other.end_date),
            status: self.status.or(other.status),
        }
    }
}

impl ToolArgs for SprintUpdate {
    const NAME: &'static str = "cmos_sprint_update";

    fn run(self, ws: &Workspace) -> Result<Reply> {
        let id = self.sprint_id;
        let c = self.fields.unwrap_or_default().or(self.top);
        let changes = SprintFields {
            title: c.title,
            focus: c.focus,
            start: c.start_date,
            end: c.end_date,
        };
        // A sprint is never set back to Planned: the word is not one SprintMove takes, so
        // the call is refused by its schema before anything is written.
        let status = c.status.map(|to| match to {
            SprintMove::Active => SprintStatus::Active,
            SprintMove::Completed => SprintStatus::Completed,
        });
        reply(sprint::update(
            ws,
            &id,
            changes,
            status,
            self.force.unwrap_or(false),
        )?)
    }
}
