//! The missions' upkeep checks behind `mission verify`, `mission incomplete` and `mission
//! audit`: what a mission lacks, what contradicts its status, links to missions that do not
//! exist, and active sprints with open work but nothing under way. Read-only; the report is
//! data that the CLI renders and the MCP server can return as it is.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::Result;
use crate::index::Index;
use crate::model::{Mission, SprintStatus, Status};

/// How much a finding matters: errors make a check fail, warnings are worth a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of finding, with the original cmosctl's words for the first four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A field an open mission should have is empty.
    MissingField,
    /// A field holds a value that cannot be right.
    InvalidValue,
    /// Two fields disagree (a status and its timestamps).
    Inconsistent,
    /// Missions disagree with each other.
    Conflict,
    /// A link to a mission that does not exist.
    DanglingLink,
    /// An active sprint with open missions and none Current or In Progress.
    NoActiveMission,
}

/// One finding, about a mission or (with `mission` None) a sprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub severity: Severity,
    pub kind: IssueKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    /// The field it is about: `objective`, `success_criteria`, `depends`, `status`, ...
    pub field: &'static str,
    pub message: String,
}

/// A sprint's missions at a glance, as the original's audit printed them.
#[derive(Debug, Clone, Serialize)]
pub struct SprintAudit {
    /// None for the missions in no sprint.
    pub id: Option<String>,
    pub title: Option<String>,
    pub status: Option<SprintStatus>,
    pub missions: usize,
    pub by_status: BTreeMap<String, usize>,
    /// The In Progress mission, else the Current one.
    pub active: Option<String>,
    /// The first Queued mission in the order of work.
    pub next_queued: Option<String>,
    pub issues: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The sprint audited, None for all.
    pub sprint: Option<String>,
    pub missions: usize,
    pub errors: usize,
    pub warnings: usize,
    /// True when no finding is an error.
    pub clean: bool,
    pub sprints: Vec<SprintAudit>,
    pub issues: Vec<Issue>,
}

/// Which findings a command wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `mission verify`: what contradicts itself (statuses, timestamps, blockers, links).
    Consistency,
    /// `mission incomplete`: what open missions lack.
    Completeness,
    /// `mission audit`: everything, and the sprints.
    All,
}

/// Checks the missions (of one sprint, named by id, original id or title, or of all).
pub fn audit(ws: &Workspace, sprint: Option<&str>, scope: Scope) -> Result<Outcome<Audit>> {
    let snapshot = ws.snapshot()?;
    let sprint = match sprint {
        Some(name) => Some(snapshot.meta.resolve_sprint(name)?.id.clone()),
        None => None,
    };
    let index = snapshot.index()?;
    let order = crate::lifecycle::work_order(index);
    let mut missions = Vec::new();
    for entry in order
        .iter()
        .filter(|m| sprint.is_none() || m.sprint == sprint)
    {
        missions.push(ws.store().mission(&snapshot, &entry.id)?);
    }
    let mut issues = Vec::new();
    for m in &missions {
        if scope != Scope::Consistency {
            issues.extend(missing_fields(m));
        }
        if scope != Scope::Completeness {
            issues.extend(inconsistencies(m, index));
        }
    }
    if scope != Scope::Completeness {
        // The lifecycle's own check of links read backwards, not a second copy of it.
        for (id, why) in crate::lifecycle::completed_before_prerequisites(index) {
            let m = missions.iter().find(|m| m.id == id);
            if let Some(m) = m {
                issues.push(issue(
                    m,
                    Severity::Warning,
                    IssueKind::Conflict,
                    "depends",
                    why,
                ));
            }
        }
    }
    let sprints = sprint_summaries(index, &missions, sprint.as_deref());
    if scope == Scope::All {
        for s in &sprints {
            issues.extend(no_active_mission(s));
        }
    }
    let sprints = if scope == Scope::All {
        count_issues(sprints, &issues)
    } else {
        Vec::new()
    };
    let errors = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .count();
    let audit = Audit {
        sprint,
        missions: missions.len(),
        warnings: issues.len() - errors,
        errors,
        clean: errors == 0,
        sprints,
        issues,
    };
    Ok(Outcome::read(audit, &snapshot))
}

fn issue(
    m: &Mission,
    severity: Severity,
    kind: IssueKind,
    field: &'static str,
    message: String,
) -> Issue {
    Issue {
        severity,
        kind,
        mission: Some(m.id.clone()),
        sprint: m.sprint.clone(),
        field,
        message,
    }
}

/// Whether a mission is still to be done: what it lacks still matters.
fn open(m: &Mission) -> bool {
    !matches!(m.status, Status::Completed | Status::Dropped)
}

/// What an open mission lacks for an agent to start it: an objective, success criteria,
/// deliverables (errors), a sprint (a warning: cmos allows missions outside sprints).
pub fn missing_fields(m: &Mission) -> Vec<Issue> {
    if !open(m) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let missing = |field: &'static str, what: &str| {
        issue(
            m,
            Severity::Error,
            IssueKind::MissingField,
            field,
            format!("has no {what}"),
        )
    };
    if m.objective.as_deref().is_none_or(|o| o.trim().is_empty()) {
        found.push(missing("objective", "objective"));
    }
    if m.success_criteria.is_empty() {
        found.push(missing("success_criteria", "success criteria"));
    }
    if m.deliverables.is_empty() {
        found.push(missing("deliverables", "deliverables"));
    }
    if m.sprint.is_none() {
        found.push(issue(
            m,
            Severity::Warning,
            IssueKind::MissingField,
            "sprint",
            "is in no sprint".into(),
        ));
    }
    found
}

/// What contradicts itself: a status against its timestamps or blocker, links and sprints
/// that do not exist.
pub fn inconsistencies(m: &Mission, index: &Index) -> Vec<Issue> {
    let mut found = Vec::new();
    match (m.status, m.completed_at) {
        (Status::Completed, None) => found.push(issue(
            m,
            Severity::Error,
            IssueKind::Inconsistent,
            "completed_at",
            "is Completed but has no completion time".into(),
        )),
        (status, Some(_)) if status != Status::Completed => found.push(issue(
            m,
            Severity::Warning,
            IssueKind::Inconsistent,
            "completed_at",
            format!("is {status} but has a completion time (it was completed, then reopened?)"),
        )),
        _ => {}
    }
    let blocked_reason = m
        .blocked
        .as_ref()
        .is_some_and(|b| !b.reason.trim().is_empty());
    if m.status == Status::Blocked && !blocked_reason {
        found.push(issue(
            m,
            Severity::Error,
            IssueKind::MissingField,
            "blocked",
            "is Blocked without a reason".into(),
        ));
    }
    for dep in &m.depends {
        if !index.missions.contains_key(dep.on.as_str()) {
            found.push(issue(
                m,
                Severity::Error,
                IssueKind::DanglingLink,
                "depends",
                format!("links to mission {}, which does not exist", dep.on),
            ));
        }
    }
    if let Some(sprint) = &m.sprint
        && !index.meta.sprints.contains_key(sprint)
    {
        found.push(issue(
            m,
            Severity::Error,
            IssueKind::InvalidValue,
            "sprint",
            format!("belongs to sprint {sprint}, which does not exist"),
        ));
    }
    found
}

/// The sprints of `missions` in the sprints' order, the missions in no sprint last; with
/// `only`, that one sprint even when it has no missions.
fn sprint_summaries(index: &Index, missions: &[Mission], only: Option<&str>) -> Vec<SprintAudit> {
    let mut ids: Vec<Option<String>> = index
        .meta
        .sprints_in_order()
        .into_iter()
        .map(|s| Some(s.id.clone()))
        .filter(|id| only.is_none() || id.as_deref() == only)
        .collect();
    ids.push(None);
    ids.into_iter()
        .filter_map(|id| {
            let of: Vec<&Mission> = missions.iter().filter(|m| m.sprint == id).collect();
            if of.is_empty() && (id.is_none() || only.is_none()) {
                return None;
            }
            let sprint = id.as_deref().and_then(|s| index.meta.sprints.get(s));
            let mut by_status = BTreeMap::new();
            for m in &of {
                *by_status.entry(m.status.to_string()).or_insert(0) += 1;
            }
            let first = |status: Status| of.iter().find(|m| m.status == status);
            Some(SprintAudit {
                title: sprint.map(|s| s.title.clone()),
                status: sprint.map(|s| s.status),
                missions: of.len(),
                by_status,
                active: first(Status::InProgress)
                    .or_else(|| first(Status::Current))
                    .map(|m| m.id.clone()),
                next_queued: first(Status::Queued).map(|m| m.id.clone()),
                issues: 0,
                id,
            })
        })
        .collect()
}

/// An active sprint with open missions and none Current or In Progress: work is planned and
/// nobody is on it. Planned and completed sprints are not expected to have any under way.
fn no_active_mission(s: &SprintAudit) -> Option<Issue> {
    let open = s
        .by_status
        .iter()
        .filter(|(status, _)| matches!(status.as_str(), "Queued" | "Blocked" | "Current"))
        .map(|(_, n)| n)
        .sum::<usize>();
    if s.status != Some(SprintStatus::Active) || s.active.is_some() || open == 0 {
        return None;
    }
    Some(Issue {
        severity: Severity::Error,
        kind: IssueKind::NoActiveMission,
        mission: None,
        sprint: s.id.clone(),
        field: "status",
        message: format!(
            "is active with {open} open mission(s) and none Current or In Progress{}",
            s.next_queued
                .as_deref()
                .map_or(String::new(), |n| format!(": start {n}"))
        ),
    })
}

fn count_issues(mut sprints: Vec<SprintAudit>, issues: &[Issue]) -> Vec<SprintAudit> {
    for s in &mut sprints {
        s.issues = issues.iter().filter(|i| i.sprint == s.id).count();
    }
    sprints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DepType, Dependency, Timestamp};

    fn mission(status: Status) -> Mission {
        let now = Timestamp::now();
        Mission {
            status,
            sprint: Some("S1".into()),
            objective: Some("o".into()),
            success_criteria: vec!["c".into()],
            deliverables: vec!["d".into()],
            ..Mission::new("A", "u", "n", now)
        }
    }

    #[test]
    fn an_open_mission_without_objective_criteria_or_deliverables_lacks_three_fields() {
        let mut m = mission(Status::Queued);
        assert!(missing_fields(&m).is_empty());
        m.objective = None;
        m.success_criteria.clear();
        m.deliverables.clear();
        let fields: Vec<_> = missing_fields(&m).iter().map(|i| i.field).collect();
        assert_eq!(fields, ["objective", "success_criteria", "deliverables"]);
        m.status = Status::Completed;
        assert!(missing_fields(&m).is_empty(), "finished work is history");
    }

    #[test]
    fn dangling_links_and_status_contradictions_are_found() {
        let index = Index::new(Default::default(), Default::default());
        let mut m = mission(Status::Blocked);
        m.sprint = None;
        m.depends.push(Dependency {
            on: "GONE".into(),
            kind: DepType::Requires,
            extra: Default::default(),
        });
        let kinds: Vec<_> = inconsistencies(&m, &index).iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [IssueKind::MissingField, IssueKind::DanglingLink]);
        let m = mission(Status::Completed);
        let found = inconsistencies(&m, &index);
        assert!(found.iter().any(|i| i.field == "completed_at"));
    }
}
