//! Mission operations that are not status changes: add, list, show, update, links, next.

use serde::Serialize;

use super::metadata::{self, Metadata};
use super::{MissionBrief, Outcome, Workspace, transition};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::lifecycle::{self, MoveDetail, Skipped, Unmet};
use crate::model::{
    Complexity, DepType, Dependency, Minutes, Mission, Pattern, Status, TimeSpent, Timestamp,
    clean_items, clean_name, clean_text, new_short_id, new_uid, validate_id,
};
use crate::next::Input;
use crate::store::Tx;

mod list;
pub use list::{Columns, Cursor, ListQuery, Listed, list_rows};

/// The content fields of a mission; None leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct MissionFields {
    pub name: Option<String>,
    pub sprint: Option<String>,
    pub objective: Option<String>,
    pub context: Option<String>,
    pub notes: Option<String>,
    /// Replaces the list when Some.
    pub success_criteria: Option<Vec<String>>,
    /// Replaces the list when Some.
    pub deliverables: Option<Vec<String>>,
    pub rank: Option<i64>,
    pub estimate: Option<Minutes>,
    /// How demanding the work is; policy maps it to a model hint.
    pub complexity: Option<Complexity>,
    /// The orchestration pattern chosen for the work (none, rsip, delegation, boomerang).
    pub pattern: Option<Pattern>,
    /// Why that pattern.
    pub pattern_rationale: Option<String>,
}

/// What `mission update` may change besides the content fields: lists, removals, and the
/// status, all in one commit.
#[derive(Debug, Default, Clone)]
pub struct MissionUpdate {
    pub fields: MissionFields,
    /// Moves the mission to this status, by the rules of the transition table.
    pub status: Option<Status>,
    pub append_notes: Option<String>,
    pub add_success_criteria: Vec<String>,
    pub add_deliverables: Vec<String>,
    /// Removes the mission from its sprint.
    pub no_sprint: bool,
    /// Removes the mission's rank.
    pub no_rank: bool,
    /// Removes the mission's estimate.
    pub no_estimate: bool,
    /// Removes the mission's complexity.
    pub no_complexity: bool,
    /// The original CMOS's metadata: its known keys set fields the request leaves unset, the
    /// rest is merged into what the mission keeps.
    pub metadata: Option<Metadata>,
    /// Clears the objective, the context, the notes.
    pub no_objective: bool,
    pub no_context: bool,
    pub no_notes: bool,
    /// The mission as the user saw it: the update is refused (Conflict) when the branch
    /// holds anything else by the time it is written, so an edit never undoes another's.
    pub expect: Option<Box<Mission>>,
}

/// What `add_as` takes besides the content fields.
#[derive(Debug, Default, Clone)]
pub struct AddOptions {
    /// The status to add the mission in (Queued when None); it gets there by the moves of the
    /// transition table, in the same commit.
    pub status: Option<Status>,
    /// The original CMOS's metadata, as for an update.
    pub metadata: Option<Metadata>,
}

impl MissionFields {
    /// These fields, with the ones left unset taken from `other`.
    fn or(self, other: &MissionFields) -> MissionFields {
        MissionFields {
            name: self.name.or_else(|| other.name.clone()),
            sprint: self.sprint.or_else(|| other.sprint.clone()),
            objective: self.objective.or_else(|| other.objective.clone()),
            context: self.context.or_else(|| other.context.clone()),
            notes: self.notes.or_else(|| other.notes.clone()),
            success_criteria: self
                .success_criteria
                .or_else(|| other.success_criteria.clone()),
            deliverables: self.deliverables.or_else(|| other.deliverables.clone()),
            rank: self.rank.or(other.rank),
            estimate: self.estimate.or(other.estimate),
            complexity: self.complexity.or(other.complexity),
            pattern: self.pattern.or(other.pattern),
            pattern_rationale: self
                .pattern_rationale
                .or_else(|| other.pattern_rationale.clone()),
        }
    }
}

impl MissionUpdate {
    /// True when the update changes no field (its status aside).
    pub fn is_empty(&self) -> bool {
        let f = &self.fields;
        f.name.is_none()
            && f.sprint.is_none()
            && f.objective.is_none()
            && f.context.is_none()
            && f.notes.is_none()
            && f.success_criteria.is_none()
            && f.deliverables.is_none()
            && f.rank.is_none()
            && f.estimate.is_none()
            && f.complexity.is_none()
            && f.pattern.is_none()
            && f.pattern_rationale.is_none()
            && self.append_notes.is_none()
            && self.add_success_criteria.is_empty()
            && self.add_deliverables.is_empty()
            && !self.no_sprint
            && !self.no_rank
            && !self.no_estimate
            && !self.no_complexity
            && self.metadata.as_ref().is_none_or(|m| m.kept.is_empty())
            && !self.no_objective
            && !self.no_context
            && !self.no_notes
    }
}

/// What an update did: the mission as written and, when it was asked to change the status,
/// the move it made (`from`, `to`).
#[derive(Debug, Serialize)]
pub struct Updated {
    #[serde(flatten)]
    pub mission: Mission,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Status>,
}

/// A mission with what the index knows about its links.
#[derive(Debug, Serialize)]
pub struct MissionDetail {
    #[serde(flatten)]
    pub mission: Mission,
    /// Links from other missions to this one: (from, type).
    pub dependents: Vec<(String, DepType)>,
    /// Prerequisites that are not Completed yet.
    pub waiting_on: Vec<Unmet>,
    pub sprint_title: Option<String>,
    /// Estimate against actual: time In Progress, pauses while Blocked left out.
    pub time: TimeReport,
    /// Fields of this mission that syncs found changed on both sides, and what was kept.
    pub conflicts: Vec<crate::model::Event>,
    /// The project's commits the hooks logged against this mission, oldest first.
    pub commits: Vec<super::history::LoggedCommit>,
}

/// A mission's or sprint's estimate against the time actually spent.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TimeReport {
    pub estimate: Option<Minutes>,
    #[serde(flatten)]
    pub spent: TimeSpent,
    /// Actual as a percentage of the estimate, when there is one.
    pub percent_of_estimate: Option<u64>,
}

impl TimeReport {
    pub fn new(estimate: Option<Minutes>, spent: TimeSpent) -> TimeReport {
        TimeReport {
            estimate,
            spent,
            percent_of_estimate: estimate
                .filter(|e| e.0 > 0)
                .map(|e| spent.worked.0 * 100 / e.0),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NextOutcome {
    pub mission: Option<MissionBrief>,
    pub reason: String,
    /// The next mission's complexity, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complexity: Option<Complexity>,
    /// The model hint policy routes that complexity to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<String>,
    pub skipped: Vec<Skipped>,
    pub skipped_total: usize,
}

#[derive(Debug, Serialize)]
pub struct LinkOutcome {
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: DepType,
    /// The type of the link this one replaced, if any.
    pub replaced: Option<DepType>,
}

/// Checks and cleans every content field once, before any retry loop.
fn clean(fields: &MissionFields) -> Result<MissionFields> {
    // A sprint is named by its id, its original id or its title: the write resolves it.
    let sprint = fields
        .sprint
        .as_deref()
        .map(|s| clean_name("sprint", s))
        .transpose()?;
    Ok(MissionFields {
        name: fields
            .name
            .as_deref()
            .map(|n| clean_name("mission name", n))
            .transpose()?,
        sprint,
        objective: clean_text("objective", fields.objective.as_deref())?,
        context: clean_text("context", fields.context.as_deref())?,
        notes: clean_text("notes", fields.notes.as_deref())?,
        success_criteria: fields
            .success_criteria
            .as_deref()
            .map(|c| clean_items("success criterion", c))
            .transpose()?,
        deliverables: fields
            .deliverables
            .as_deref()
            .map(|d| clean_items("deliverable", d))
            .transpose()?,
        rank: fields.rank,
        estimate: fields.estimate,
        complexity: fields.complexity,
        pattern: fields.pattern,
        pattern_rationale: clean_text("pattern rationale", fields.pattern_rationale.as_deref())?,
    })
}

/// Adds a mission. Without an id one is generated; without a sprint the current sprint is used.
pub fn add(ws: &Workspace, id: Option<&str>, fields: MissionFields) -> Result<Outcome<Mission>> {
    add_as(ws, id, fields, AddOptions::default())
}

/// Adds a mission, in the status the options name and with their metadata, as one commit.
pub fn add_as(
    ws: &Workspace,
    id: Option<&str>,
    fields: MissionFields,
    options: AddOptions,
) -> Result<Outcome<Mission>> {
    if let Some(id) = id {
        validate_id("mission", id)?;
    }
    if fields.name.is_none() {
        return Err(Error::InvalidInput("a mission needs a name".into()));
    }
    let (fields, kept) = match &options.metadata {
        Some(meta) => (fields.or(&meta.fields), meta.kept.clone()),
        None => (fields, toml::Table::new()),
    };
    let fields = clean(&fields)?;
    let status = options.status.unwrap_or(Status::Queued);
    let path = lifecycle::arrival_path(status)?;
    let written = ws.store().write("mission.add", |tx| {
        let current = tx.meta().project()?.current_sprint.clone();
        let (sprint, added) = match &fields.sprint {
            Some(name) => {
                let (id, added) = super::sprint::named_or_added(tx, name)?;
                (Some(id), added.then_some(name))
            }
            None => (current, None),
        };
        if let (Some(sprint), None) = (&sprint, added) {
            tx.meta().sprint(sprint)?;
        }
        let id = match id {
            Some(id) => {
                if tx.entry(id)?.is_some() || tx.exists(&layout::mission_path(id))? {
                    return Err(Error::AlreadyExists {
                        kind: "mission",
                        id: id.to_string(),
                    });
                }
                id.to_string()
            }
            None => free_id(tx)?,
        };
        let now = tx.now();
        let name = fields.name.clone().unwrap_or_default();
        let mut mission = Mission {
            sprint,
            rank: fields.rank,
            estimate: fields.estimate,
            complexity: fields.complexity,
            pattern: fields.pattern,
            pattern_rationale: fields.pattern_rationale.clone(),
            objective: fields.objective.clone(),
            context: fields.context.clone(),
            success_criteria: fields.success_criteria.clone().unwrap_or_default(),
            deliverables: fields.deliverables.clone().unwrap_or_default(),
            notes: fields.notes.clone(),
            ..Mission::new(id.clone(), new_uid(), name, now)
        };
        metadata::keep(&mut mission.extra, &kept);
        tx.record(
            "mission.created",
            &id,
            None,
            Some("Queued".into()),
            Some(mission.name.clone()),
        );
        // Added in another status: the moves that take it there, in this same commit, each
        // noted as part of the add so the history says it was created so.
        let note = format!("added as {status}");
        for &to in path {
            let detail = MoveDetail {
                note: Some(note.clone()),
                needs: Vec::new(),
            };
            let from = lifecycle::apply_transition(&mut mission, to, now, tx.agent(), detail)?;
            transition::record_move(tx, &id, from, to, Some(note.clone()));
        }
        tx.put_mission(&mission)?;
        let mut subject = format!("mission add {id}");
        if status != Status::Queued {
            subject.push_str(&format!(" as {status}"));
        }
        tx.set_subject(subject);
        let added = added.map(|name| (name.clone(), mission.sprint.clone().unwrap_or_default()));
        let waiting = match status {
            Status::InProgress => {
                let entry = tx.require(&id)?;
                tx.unmet(&entry)?
            }
            _ => Vec::new(),
        };
        Ok((mission, added, waiting))
    })?;
    let (mission, added, waiting) = written.value;
    let id = mission.id.clone();
    let outcome = Outcome::from_digest(mission, &written.meta, &written.digest);
    let outcome = match added {
        Some((name, id)) => outcome.warn(format!(
            "no sprint was named {name:?}: added sprint {id} as Planned for this mission"
        )),
        None => outcome,
    };
    match status {
        Status::Queued => Ok(outcome),
        to => transition::after_move(ws, &id, to, waiting, outcome),
    }
}

/// A generated id that is not taken here; collisions with other clones are made unlikely by
/// the 50 random bits of the id itself.
fn free_id(tx: &mut Tx<'_>) -> Result<String> {
    loop {
        let id = new_short_id("m");
        if tx.entry(&id)?.is_none() && !tx.exists(&layout::mission_path(&id))? {
            return Ok(id);
        }
    }
}

/// Missions in the order of work, optionally of one sprint or status.
pub fn list(
    ws: &Workspace,
    sprint: Option<&str>,
    status: Option<Status>,
) -> Result<Outcome<Vec<MissionBrief>>> {
    let query = ListQuery {
        sprint,
        status,
        ..ListQuery::default()
    };
    let mut missions = Vec::new();
    let listed = list_rows(ws, &query, &mut |_, m| {
        missions.push(m);
        Ok(())
    })?;
    Ok(Outcome {
        data: missions,
        warnings: listed.warnings,
        instructions: listed.instructions,
    })
}

/// A mission in full, with its links both ways and what it still waits on. Reads the one
/// mission's summary and those of its prerequisites, never the whole index.
pub fn show(ws: &Workspace, id: &str) -> Result<Outcome<MissionDetail>> {
    let snapshot = ws.snapshot()?;
    let Some((entry, dependents)) = snapshot.entry(id)? else {
        return Err(snapshot.meta.missing("mission", id));
    };
    let mission = ws.store().mission(&snapshot, id)?;
    let mut statuses = std::collections::HashMap::new();
    for (other, _) in entry.depends.iter().chain(&dependents) {
        let status = snapshot.entry(other)?.map(|(m, _)| m.status);
        statuses.insert(other.clone(), status);
    }
    let blocked_by = dependents
        .iter()
        .filter(|(_, kind)| *kind == DepType::Blocks)
        .map(|(from, _)| from.as_str());
    let waiting_on = lifecycle::unmet_prerequisites(&entry, blocked_by, |other| {
        statuses.get(other).copied().flatten()
    });
    let mut conflicts = ws
        .store()
        .log_events(&snapshot, crate::format::layout::CONFLICTS)?;
    conflicts.retain(|e| e.target == id);
    let commits = super::history::mission_commits(ws, &snapshot, &mission)?;
    let detail = MissionDetail {
        conflicts,
        commits,
        time: TimeReport::new(mission.estimate, mission.time_spent(Timestamp::now())),
        waiting_on,
        dependents,
        sprint_title: mission
            .sprint
            .as_deref()
            .and_then(|s| snapshot.meta.sprints.get(s))
            .map(|s| s.title.clone()),
        mission,
    };
    Ok(Outcome::read(detail, &snapshot))
}

/// Changes a mission's fields and, with `status`, its status, in one commit: the whole
/// update is checked before anything is written, so a refused move writes no field either.
pub fn update(ws: &Workspace, id: &str, update: MissionUpdate) -> Result<Outcome<Updated>> {
    let (fields, kept) = match &update.metadata {
        Some(meta) => (update.fields.clone().or(&meta.fields), meta.kept.clone()),
        None => (update.fields.clone(), toml::Table::new()),
    };
    let f = clean(&fields)?;
    let append = clean_text("notes", update.append_notes.as_deref())?;
    let add_criteria = clean_items("success criterion", &update.add_success_criteria)?;
    let add_deliverables = clean_items("deliverable", &update.add_deliverables)?;
    let given = MissionUpdate {
        fields: f.clone(),
        ..update.clone()
    };
    if given.is_empty() && update.status.is_none() {
        return Err(Error::InvalidInput(format!(
            "nothing to update for mission {id}: give a field to change, such as its name, objective or notes"
        ))
        .needs(&[Input::Name, Input::Objective, Input::AppendNotes]));
    }
    if let Some(to) = update.status {
        lifecycle::check_plain_move(id, to)?;
    }
    let written = ws.store().write("mission.update", |tx| {
        let mut m = tx.mission(id)?;
        if let Some(expected) = &update.expect
            && **expected != m
        {
            return Err(Error::Conflict(format!(
                "mission {id} changed on the branch since it was read for this edit; \
                 nothing was written: read it again and redo the change"
            )));
        }
        let before = m.clone();
        if let Some(sprint) = &f.sprint {
            m.sprint = Some(tx.meta().resolve_sprint(sprint)?.id.clone());
        }
        if update.no_sprint {
            m.sprint = None;
        }
        if let Some(name) = &f.name {
            m.name = name.clone();
        }
        m.objective = f.objective.clone().or(m.objective);
        m.context = f.context.clone().or(m.context);
        m.notes = f.notes.clone().or(m.notes);
        for (clear, field) in [
            (update.no_objective, &mut m.objective),
            (update.no_context, &mut m.context),
            (update.no_notes, &mut m.notes),
        ] {
            if clear {
                *field = None;
            }
        }
        if let Some(more) = &append {
            m.notes = Some(match m.notes.take() {
                Some(notes) => format!("{notes}\n{more}"),
                None => more.clone(),
            });
        }
        if let Some(criteria) = &f.success_criteria {
            m.success_criteria = criteria.clone();
        }
        m.success_criteria.extend(add_criteria.iter().cloned());
        if let Some(deliverables) = &f.deliverables {
            m.deliverables = deliverables.clone();
        }
        m.deliverables.extend(add_deliverables.iter().cloned());
        metadata::keep(&mut m.extra, &kept);
        m.rank = if update.no_rank {
            None
        } else {
            f.rank.or(m.rank)
        };
        m.estimate = if update.no_estimate {
            None
        } else {
            f.estimate.or(m.estimate)
        };
        m.complexity = if update.no_complexity {
            None
        } else {
            f.complexity.or(m.complexity)
        };
        m.pattern = f.pattern.or(m.pattern);
        m.pattern_rationale = f.pattern_rationale.clone().or(m.pattern_rationale);
        let fields_changed = m != before;
        let now = tx.now();
        // Naming the status the mission already has is not a move: the original set it
        // without checks, and scripts repeat it alongside the fields they change.
        let moved = match update.status.filter(|to| *to != m.status) {
            Some(to) => {
                let detail = MoveDetail::default();
                let from = lifecycle::apply_transition(&mut m, to, now, tx.agent(), detail)?;
                Some((from, to))
            }
            None => None,
        };
        if m == before {
            return Ok((Updated::new(m, None), Vec::new()));
        }
        m.updated_at = now;
        tx.put_mission(&m)?;
        let mut subject = format!("mission update {id}");
        if fields_changed {
            tx.record("mission.updated", id, None, None, None);
        }
        // A change of sprint is also an event of its own, with both sprints, so a burndown
        // knows which days the mission was in which sprint.
        if m.sprint != before.sprint {
            tx.record(
                "mission.sprint",
                id,
                before.sprint.clone(),
                m.sprint.clone(),
                None,
            );
        }
        if let Some((from, to)) = moved {
            transition::record_move(tx, id, from, to, None);
            subject.push_str(&format!(", {from} → {to}"));
        }
        tx.set_subject(subject);
        // Starting work that still waits on others is allowed, but worth a warning.
        let waiting = match moved {
            Some((_, Status::InProgress)) => {
                let entry = tx.require(id)?;
                tx.unmet(&entry)?
            }
            _ => Vec::new(),
        };
        Ok((Updated::new(m, moved), waiting))
    })?;
    let (updated, waiting) = written.value;
    let moved = updated.to;
    let outcome = Outcome::from_digest(updated, &written.meta, &written.digest);
    match moved {
        Some(to) => transition::after_move(ws, id, to, waiting, outcome),
        None => Ok(outcome),
    }
}

impl Updated {
    fn new(mission: Mission, moved: Option<(Status, Status)>) -> Updated {
        Updated {
            mission,
            from: moved.map(|(from, _)| from),
            to: moved.map(|(_, to)| to),
        }
    }
}

/// Links `from` to `to`; a new type for an existing pair replaces the old one.
pub fn depends(
    ws: &Workspace,
    from: &str,
    to: &str,
    kind: DepType,
) -> Result<Outcome<LinkOutcome>> {
    let written = ws.store().write("mission.depends", |tx| {
        let replaced = lifecycle::check_dependency(tx.index()?, from, to, kind)?;
        let mut m = tx.mission(from)?;
        m.depends.retain(|d| d.on != to);
        m.depends.push(Dependency {
            on: to.to_string(),
            kind,
            extra: Default::default(),
        });
        m.updated_at = tx.now();
        tx.put_mission(&m)?;
        tx.record(
            "dependency.added",
            from,
            None,
            Some(to.to_string()),
            Some(kind.to_string()),
        );
        tx.set_subject(format!("mission depends {from} {kind} {to}"));
        Ok(replaced)
    })?;
    let outcome = LinkOutcome {
        from: from.to_string(),
        to: to.to_string(),
        kind,
        replaced: written.value,
    };
    Ok(Outcome::from_digest(
        outcome,
        &written.meta,
        &written.digest,
    ))
}

/// Removes the link from `from` to `to`, whatever its type.
pub fn undepend(ws: &Workspace, from: &str, to: &str) -> Result<Outcome<LinkOutcome>> {
    let written = ws.store().write("mission.undepend", |tx| {
        let mut m = tx.mission(from)?;
        let Some(pos) = m.depends.iter().position(|d| d.on == to) else {
            return Err(Error::NotFound {
                kind: "dependency",
                id: format!("{from} → {to}"),
            });
        };
        let removed = m.depends.remove(pos);
        m.updated_at = tx.now();
        tx.put_mission(&m)?;
        tx.record(
            "dependency.removed",
            from,
            Some(to.to_string()),
            None,
            Some(removed.kind.to_string()),
        );
        tx.set_subject(format!("mission undepend {from} {to}"));
        Ok(removed.kind)
    })?;
    let outcome = LinkOutcome {
        from: from.to_string(),
        to: to.to_string(),
        kind: written.value,
        replaced: None,
    };
    Ok(Outcome::from_digest(
        outcome,
        &written.meta,
        &written.digest,
    ))
}

/// The one mission to work on now, and why: read from the digest of the tip.
pub fn next(ws: &Workspace) -> Result<Outcome<NextOutcome>> {
    let snapshot = ws.snapshot()?;
    let digest = &snapshot.digest;
    // The complexity is on the record, not in the digest: one file read, for one mission.
    let complexity = match &digest.next {
        Some(next) => ws.store().mission(&snapshot, &next.id)?.complexity,
        None => None,
    };
    let policies = complexity
        .map(|_| super::policy::read(&snapshot))
        .transpose()?;
    let routing = complexity
        .zip(policies.as_ref())
        .map(|(c, p)| p.policies.routing.hint(c).to_string());
    let outcome = NextOutcome {
        mission: digest.next.as_ref().map(MissionBrief::from),
        reason: digest.next_reason.clone(),
        complexity,
        routing: routing.clone(),
        skipped: digest.skipped.clone(),
        skipped_total: digest.skipped_total,
    };
    let mut outcome = Outcome::read(outcome, &snapshot);
    if let (Some(next), Some(c), Some(hint)) = (&digest.next, complexity, routing) {
        // Right after the line that names the mission, so the hint reads with it.
        let at = outcome.instructions.next_actions.len().min(1);
        outcome.instructions.next_actions.insert(
            at,
            format!(
                "Mission {} is {c}: routing: {hint} (the model hint policy gives {c} work).",
                next.id
            ),
        );
    }
    if let Some(warning) = policies.as_ref().and_then(super::policy::Read::warning) {
        outcome = outcome.warn(warning);
    }
    Ok(super::gate::review_warnings(outcome, digest))
}
