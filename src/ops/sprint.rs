//! Sprint operations: add, list, show, update, activate, complete.

use serde::Serialize;

use super::{MissionBrief, Outcome, Workspace};
use crate::error::{Error, Result};
use crate::index::StatusCounts;
use crate::lifecycle;
use crate::model::{
    Date, Minutes, Mission, Sprint, SprintStatus, TimeSpent, Timestamp, clean_name, clean_text,
    new_uid, validate_id,
};
use crate::next::Input;
use crate::store::Tx;

/// Fields of a sprint a user can set; None leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct SprintFields {
    pub title: Option<String>,
    pub focus: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A sprint with its live mission counts.
#[derive(Debug, Serialize)]
pub struct SprintView {
    #[serde(flatten)]
    pub sprint: Sprint,
    pub current: bool,
    pub counts: StatusCounts,
    /// Completed missions as a share of all missions that were not dropped, 0–100.
    pub progress: u8,
}

#[derive(Debug, Serialize)]
pub struct SprintDetail {
    #[serde(flatten)]
    pub view: SprintView,
    /// The sprint's missions in the order of work.
    pub missions: Vec<MissionBrief>,
    pub time: SprintTime,
}

/// A sprint's estimates against the time its missions took.
#[derive(Debug, Default, Serialize)]
pub struct SprintTime {
    /// The sum of the estimates of the missions that have one.
    pub estimate: Option<Minutes>,
    pub estimated_missions: usize,
    /// Time all the sprint's missions spent In Progress and Blocked.
    #[serde(flatten)]
    pub spent: TimeSpent,
    /// The estimated missions' time In Progress as a percentage of their estimates.
    pub percent_of_estimate: Option<u64>,
}

impl SprintTime {
    fn of<'m>(missions: impl IntoIterator<Item = &'m Mission>, now: Timestamp) -> SprintTime {
        let mut time = SprintTime::default();
        let (mut estimated, mut worked_on_estimated) = (0, 0);
        for mission in missions {
            let spent = mission.time_spent(now);
            time.spent.worked.0 += spent.worked.0;
            time.spent.blocked.0 += spent.blocked.0;
            if let Some(estimate) = mission.estimate {
                time.estimated_missions += 1;
                estimated += estimate.0;
                worked_on_estimated += spent.worked.0;
            }
        }
        if time.estimated_missions > 0 {
            time.estimate = Some(Minutes(estimated));
            time.percent_of_estimate =
                (estimated > 0).then(|| worked_on_estimated * 100 / estimated);
        }
        time
    }
}

pub fn progress(counts: &StatusCounts) -> u8 {
    let dropped = counts.get(crate::model::Status::Dropped);
    let denominator = counts.total.saturating_sub(dropped);
    if denominator == 0 {
        return 0;
    }
    (counts.get(crate::model::Status::Completed) * 100 / denominator) as u8
}

fn view(sprint: &Sprint, counts: StatusCounts, current: Option<&str>) -> SprintView {
    SprintView {
        current: current == Some(sprint.id.as_str()),
        progress: progress(&counts),
        counts,
        sprint: sprint.clone(),
    }
}

fn parse_dates(fields: &SprintFields) -> Result<(Option<Date>, Option<Date>)> {
    let start = fields
        .start
        .as_deref()
        .map(str::parse::<Date>)
        .transpose()?;
    let end = fields.end.as_deref().map(str::parse::<Date>).transpose()?;
    Ok((start, end))
}

pub fn add(ws: &Workspace, id: &str, fields: SprintFields) -> Result<Outcome<Sprint>> {
    validate_id("sprint", id)?;
    let title = clean_name("sprint title", fields.title.as_deref().unwrap_or(""))?;
    let focus = clean_text("focus", fields.focus.as_deref())?;
    let (start, end) = parse_dates(&fields)?;
    let written = ws.store().write("sprint.add", |tx| {
        tx.meta().project()?;
        let mut sprint = new_planned(id, &title, tx.now());
        sprint.focus = focus.clone();
        sprint.start = start;
        sprint.end = end;
        insert_in(tx, &sprint)?;
        tx.set_subject(format!("sprint add {id}"));
        Ok(sprint)
    })?;
    Ok(written.into_outcome())
}

/// A Planned sprint with nothing but an id and a title.
fn new_planned(id: &str, title: &str, now: Timestamp) -> Sprint {
    Sprint {
        id: id.to_string(),
        uid: new_uid(),
        title: title.to_string(),
        focus: None,
        status: SprintStatus::Planned,
        start: None,
        end: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        extra: Default::default(),
    }
}

/// Writes a new sprint within a write; refused if its id is taken.
fn insert_in(tx: &mut Tx<'_>, sprint: &Sprint) -> Result<()> {
    let id = sprint.id.as_str();
    if tx.meta().sprints.find(id).is_some() || tx.sprint_file(id)?.is_some() {
        return Err(Error::AlreadyExists {
            kind: "sprint",
            id: id.to_string(),
        });
    }
    lifecycle::check_sprint_dates(sprint)?;
    tx.put_sprint(sprint)?;
    tx.record(
        "sprint.created",
        id,
        None,
        Some(sprint.status.to_string()),
        Some(sprint.title.clone()),
    );
    Ok(())
}

/// The sprint `name` names within a write, added as Planned when there is none yet (a
/// mission planned into a sprint before the sprint itself): its title is the name, its id
/// the name made an id (as an import makes one). The bool says whether it was added.
pub(crate) fn named_or_added(tx: &mut Tx<'_>, name: &str) -> Result<(String, bool)> {
    if let Some(sprint) = tx.meta().find_sprint(name)? {
        return Ok((sprint.id.clone(), false));
    }
    let title = clean_name("sprint title", name)?;
    let id = crate::migrate::values::record_id("sprint", &title).ok_or_else(|| {
        Error::InvalidInput(format!(
            "no sprint is named {title:?}, and no sprint id can be made of the name: add the sprint first"
        ))
    })?;
    if let Some(taken) = tx.meta().sprints.get(&id) {
        return Err(Error::InvalidInput(format!(
            "no sprint is named {title:?}, and the id it would get, {id}, is taken by sprint {id} ({:?}): name that sprint by its id, or add the new sprint with an id of its own first",
            taken.title
        )));
    }
    insert_in(tx, &new_planned(&id, &title, tx.now()))?;
    Ok((id, true))
}

pub fn list(ws: &Workspace, status: Option<SprintStatus>) -> Result<Outcome<Vec<SprintView>>> {
    let snapshot = ws.snapshot()?;
    let meta = &snapshot.meta;
    let current = meta.project()?.current_sprint.as_deref();
    let views = meta
        .sprints_in_order()
        .into_iter()
        .filter(|s| status.is_none_or(|st| s.status == st))
        .map(|s| view(s, snapshot.digest.sprint(&s.id), current))
        .collect();
    Ok(Outcome::read(views, &snapshot))
}

pub fn show(ws: &Workspace, id: &str) -> Result<Outcome<SprintDetail>> {
    let snapshot = ws.snapshot()?;
    let sprint = snapshot.meta.resolve_sprint(id)?;
    let id = sprint.id.as_str();
    let current = snapshot.meta.project()?.current_sprint.as_deref();
    let index = snapshot.index()?;
    let missions: Vec<MissionBrief> = lifecycle::work_order(index)
        .into_iter()
        .filter(|m| m.sprint.as_deref() == Some(id))
        .map(MissionBrief::from)
        .collect();
    let records = missions
        .iter()
        .map(|m| ws.store().mission(&snapshot, &m.id))
        .collect::<Result<Vec<Mission>>>()?;
    let detail = SprintDetail {
        time: SprintTime::of(&records, Timestamp::now()),
        view: view(sprint, snapshot.digest.sprint(id), current),
        missions,
    };
    Ok(Outcome::read(detail, &snapshot))
}

/// Changes a sprint's fields and, with `status`, its status too (Active activates it,
/// Completed completes it by the same rules as `activate` and `complete`), in one commit:
/// a refused status change writes nothing, not even the fields. `force` completes a sprint
/// whose missions are still open, as `complete` does.
pub fn update(
    ws: &Workspace,
    id: &str,
    fields: SprintFields,
    status: Option<SprintStatus>,
    force: bool,
) -> Result<Outcome<Sprint>> {
    if fields.title.is_none()
        && fields.focus.is_none()
        && fields.start.is_none()
        && fields.end.is_none()
        && status.is_none()
    {
        return Err(Error::InvalidInput(format!(
            "nothing to update for sprint {id}: give a new title, focus, start or end date"
        ))
        .needs(&[Input::Title, Input::Focus, Input::StartDate, Input::EndDate]));
    }
    let title = fields
        .title
        .as_deref()
        .map(|t| clean_name("sprint title", t))
        .transpose()?;
    let focus = fields
        .focus
        .as_deref()
        .map(|f| clean_text("focus", Some(f)))
        .transpose()?;
    let (start, end) = parse_dates(&fields)?;
    let written = ws.store().write("sprint.update", |tx| {
        let mut sprint = tx.meta().resolve_sprint(id)?.clone();
        let id = sprint.id.clone();
        let before = sprint.clone();
        if let Some(title) = &title {
            sprint.title = title.clone();
        }
        if let Some(focus) = &focus {
            sprint.focus = focus.clone();
        }
        sprint.start = start.or(sprint.start);
        sprint.end = end.or(sprint.end);
        lifecycle::check_sprint_dates(&sprint)?;
        let mut subject = format!("sprint update {id}");
        if sprint != before {
            sprint.updated_at = tx.now();
            tx.put_sprint(&sprint)?;
            tx.record("sprint.updated", &id, None, None, None);
        }
        if let Some(to) = status {
            lifecycle::check_sprint_status(&sprint, to)?;
            let moved = match to {
                SprintStatus::Active => activate_in(tx, &mut sprint)?.then_some("activate"),
                SprintStatus::Completed => {
                    complete_in(tx, &mut sprint, force)?;
                    Some("complete")
                }
                SprintStatus::Planned => None,
            };
            if let Some(verb) = moved {
                subject.push_str(&format!(", {verb}"));
            }
        }
        tx.set_subject(subject);
        Ok(sprint)
    })?;
    Ok(written.into_outcome())
}

/// Makes `id` the project's current sprint; the previous current sprint goes back to Planned.
pub fn activate(ws: &Workspace, id: &str) -> Result<Outcome<Sprint>> {
    let written = ws.store().write("sprint.activate", |tx| {
        let mut sprint = tx.meta().resolve_sprint(id)?.clone();
        let mut fired = None;
        if activate_in(tx, &mut sprint)? {
            // Making a sprint current approves its plan: the process graph's event.
            fired = super::process::fsm::emit(tx, "plan_approved");
            tx.set_subject(format!("sprint activate {}", sprint.id));
        }
        Ok((sprint, fired))
    })?;
    let (sprint, fired) = written.value;
    let outcome = Outcome::from_digest(sprint, &written.meta, &written.digest);
    super::process::run::fired(ws, fired.as_ref(), outcome)
}

/// Activates `sprint` within a write; false when it was the current sprint already.
fn activate_in(tx: &mut Tx<'_>, sprint: &mut Sprint) -> Result<bool> {
    lifecycle::check_sprint_activate(sprint)?;
    let id = sprint.id.clone();
    let mut project = tx.meta().project()?.clone();
    if project.current_sprint.as_deref() == Some(id.as_str())
        && sprint.status == SprintStatus::Active
    {
        return Ok(false);
    }
    let now = tx.now();
    if let Some(mut old) = lifecycle::sprint_replaced_by(tx.meta(), &id).cloned() {
        let previous = old.id.clone();
        old.status = SprintStatus::Planned;
        old.updated_at = now;
        tx.put_sprint(&old)?;
        tx.record(
            "sprint.status",
            &previous,
            Some("Active".into()),
            Some("Planned".into()),
            None,
        );
    }
    let from = sprint.status;
    sprint.status = SprintStatus::Active;
    sprint.updated_at = now;
    tx.put_sprint(sprint)?;
    project.current_sprint = Some(id.clone());
    tx.put_project(&project)?;
    tx.record(
        "sprint.activated",
        &id,
        Some(from.to_string()),
        Some("Active".into()),
        None,
    );
    Ok(true)
}

/// Closes a sprint; refused while it has open missions unless `force`.
pub fn complete(ws: &Workspace, id: &str, force: bool) -> Result<Outcome<Sprint>> {
    let written = ws.store().write("sprint.complete", |tx| {
        let mut sprint = tx.meta().resolve_sprint(id)?.clone();
        complete_in(tx, &mut sprint, force)?;
        tx.set_subject(format!("sprint complete {}", sprint.id));
        Ok(sprint)
    })?;
    Ok(written.into_outcome())
}

/// Completes `sprint` within a write, by the rules of `lifecycle`.
pub(super) fn complete_in(tx: &mut Tx<'_>, sprint: &mut Sprint, force: bool) -> Result<()> {
    lifecycle::check_sprint_complete(tx.index()?, sprint, force)?;
    let id = sprint.id.clone();
    let now = tx.now();
    let from = sprint.status;
    sprint.status = SprintStatus::Completed;
    sprint.completed_at = Some(now);
    sprint.updated_at = now;
    tx.put_sprint(sprint)?;
    let mut project = tx.meta().project()?.clone();
    if project.current_sprint.as_deref() == Some(id.as_str()) {
        project.current_sprint = None;
        tx.put_project(&project)?;
    }
    tx.record(
        "sprint.completed",
        &id,
        Some(from.to_string()),
        Some("Completed".into()),
        None,
    );
    Ok(())
}
