//! Tools for planned work: missions, their lifecycle and links, sprints, status.

use super::{Args, CURSOR, Kind, LIMIT, Param, Tool, opt, page, reply, req};
use crate::error::Result;
use crate::model::{DepType, Minutes, SprintStatus, Status};
use crate::ops::init::{self, InitRequest};
use crate::ops::mission::{self, MissionFields, MissionUpdate};
use crate::ops::sprint::{self, SprintFields};
use crate::ops::{status, transition};

pub(super) const MISSION_ID: Param = opt(
    "missionId",
    Kind::Str,
    "The mission's id [default: the mission of this worktree's open session, else the mission this worktree started last and has not finished].",
);
const STATUSES: Kind = Kind::OneOf(&[
    "Queued",
    "Current",
    "In Progress",
    "Blocked",
    "Completed",
    "Dropped",
    "Deferred",
]);

pub static TOOLS: &[Tool] = &[
    Tool {
        name: "cmos_project_init",
        description: "Start a cmos project in this repository (the cmos branch), optionally with a first sprint made current; in a clone of a project that has one, joins it instead. Idempotent.",
        params: &[
            opt(
                "projectName",
                Kind::Str,
                "The project's name [default: the repository's directory name].",
            ),
            opt("description", Kind::Str, "What the project is."),
            opt("sprintId", Kind::Str, "A first sprint's id, e.g. S1."),
            opt(
                "sprintTitle",
                Kind::Str,
                "The first sprint's title (with sprintId).",
            ),
        ],
        run: |ws, a| {
            let sprint = match (a.str("sprintId")?, a.str("sprintTitle")?) {
                (Some(id), title) => Some((id.clone(), title.unwrap_or(id))),
                (None, Some(_)) => {
                    return Err(crate::error::Error::InvalidInput(
                        "sprintTitle needs a sprintId".into(),
                    ));
                }
                (None, None) => None,
            };
            let request = InitRequest {
                name: a.str("projectName")?,
                description: a.str("description")?,
                sprint,
            };
            reply(init::init(ws, request)?)
        },
    },
    Tool {
        name: "cmos_mission_status",
        description: "The work queue at a glance: project, current sprint and its progress, missions In Progress, Current and Blocked, and the next mission with the reason. Start here when you need to know what to work on.",
        params: &[],
        run: |ws, _| reply(status::status(ws)?),
    },
    Tool {
        name: "cmos_mission_next",
        description: "The one mission to work on now, why, and which missions were skipped because their prerequisites are not completed.",
        params: &[],
        run: |ws, _| reply(mission::next(ws)?),
    },
    Tool {
        name: "cmos_mission_list",
        description: "Missions in next-mission order (In Progress, Current, Queued; current sprint first), optionally of one sprint or status. Paginated.",
        params: &[
            opt("sprintId", Kind::Str, "Only missions of this sprint."),
            opt("status", STATUSES, "Only missions in this status."),
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| {
            let status = a.parsed::<Status>("status")?;
            page(mission::list(ws, a.str("sprintId")?.as_deref(), status)?, a)
        },
    },
    Tool {
        name: "cmos_mission_show",
        description: "One mission in full: objective, context, success criteria, deliverables, notes, links both ways, what it waits on, blocker, estimate against time spent, transition history and merge conflicts.",
        params: &[MISSION_ID],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            reply(mission::show(ws, &id.id)?.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_add",
        description: "Add a mission (Queued) to a sprint (default: the current sprint). Without missionId an id like m-4k7wq2xz9d is generated.",
        params: &[
            opt(
                "missionId",
                Kind::Str,
                "A human id such as B1.2; letters, digits, . _ -.",
            ),
            req(
                "name",
                Kind::Str,
                "A one-line name, at most 200 characters.",
            ),
            opt(
                "sprintId",
                Kind::Str,
                "The sprint [default: the current sprint].",
            ),
            opt("objective", Kind::Str, "What the mission achieves."),
            opt("context", Kind::Str, "Background an agent needs to start."),
            opt("successCriteria", Kind::List, "How to tell it is done."),
            opt("deliverables", Kind::List, "What it produces."),
            opt("notes", Kind::Str, "Free-form notes."),
            opt("rank", Kind::Int, "Order within the sprint: lower first."),
            opt(
                "estimate",
                Kind::Str,
                "Expected time In Progress: 45m, 2h, 1.5h, 2h30m, 1d.",
            ),
        ],
        run: |ws, a| {
            let fields = mission_fields(a, &None)?;
            let fields = MissionFields {
                name: Some(a.required("name")?),
                ..fields
            };
            reply(mission::add(ws, a.str("missionId")?.as_deref(), fields)?)
        },
    },
    Tool {
        name: "cmos_mission_update",
        description: "Change a mission's fields (name, objective, context, notes, success criteria, deliverables, sprint, rank, estimate) and optionally its status (by the lifecycle rules). Give them in `fields` or at the top level.",
        params: &[
            MISSION_ID,
            opt(
                "fields",
                Kind::Object,
                "name, objective, context, notes, successCriteria[], deliverables[], sprintId, rank, estimate, status.",
            ),
            opt("name", Kind::Str, "New name."),
            opt("objective", Kind::Str, "New objective."),
            opt("context", Kind::Str, "New context."),
            opt("notes", Kind::Str, "New notes (replaces them)."),
            opt(
                "successCriteria",
                Kind::List,
                "Replaces the success criteria.",
            ),
            opt("deliverables", Kind::List, "Replaces the deliverables."),
            opt("sprintId", Kind::Str, "Move to this sprint."),
            opt("rank", Kind::Int, "New rank."),
            opt("estimate", Kind::Str, "New estimate, e.g. 2h."),
            opt(
                "status",
                STATUSES,
                "Move to this status by the same rules as start, complete, drop, defer.",
            ),
        ],
        run: |ws, a| {
            let scoped = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let id = scoped.id.clone();
            let fields = a.object("fields")?;
            let update = MissionUpdate {
                fields: mission_fields(a, &fields)?,
                ..MissionUpdate::default()
            };
            let status = match &fields {
                Some(f) if f.str("status")?.is_some() => f.parsed::<Status>("status")?,
                _ => a.parsed::<Status>("status")?,
            };
            if let Some(status) = status {
                if !update.is_empty() {
                    mission::update(ws, &id, update)?;
                }
                return reply(transition::set_status(ws, &id, status)?.scoped(&scoped, "mission"));
            }
            reply(mission::update(ws, &id, update)?.scoped(&scoped, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_start",
        description: "Start a mission: Queued or Current → In Progress. It becomes this worktree's active mission, the default of the other mission tools.",
        params: &[
            opt(
                "missionId",
                Kind::Str,
                "The mission to start [default: the mission of this worktree's open session, else this worktree's active mission, else the next mission].",
            ),
            opt("notes", Kind::Str, "A note for the history."),
        ],
        run: |ws, a| {
            let id = ws.mission_to_start(a.str("missionId")?.as_deref())?;
            let started = transition::start(ws, &id.id, a.str("notes")?.as_deref())?;
            reply(started.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_complete",
        description: "Complete a mission (In Progress → Completed) once its success criteria are met; the next ready Queued mission is promoted to Current unless promote is false.",
        params: &[
            MISSION_ID,
            opt("notes", Kind::Str, "What was done."),
            opt(
                "promote",
                Kind::Bool,
                "Promote the next mission to Current [default: true].",
            ),
        ],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let promote = a.flag_or("promote", true)?;
            reply(
                transition::complete(ws, &id.id, a.str("notes")?.as_deref(), promote)?
                    .scoped(&id, "mission"),
            )
        },
    },
    Tool {
        name: "cmos_mission_block",
        description: "Block a mission (Current or In Progress → Blocked), saying why and what it needs.",
        params: &[
            MISSION_ID,
            req("reason", Kind::Str, "Why it cannot go on."),
            opt("blockers", Kind::List, "What it needs, one item each."),
        ],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let outcome =
                transition::block(ws, &id.id, &a.required("reason")?, &a.strings("blockers")?)?;
            reply(outcome.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_unblock",
        description: "Unblock a mission (Blocked → In Progress, or Current), recording how the blocker was resolved.",
        params: &[
            MISSION_ID,
            opt("resolution", Kind::Str, "How the blocker was resolved."),
            opt(
                "targetStatus",
                Kind::OneOf(&["In Progress", "Current"]),
                "Where it goes [default: In Progress].",
            ),
        ],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let to = a
                .parsed::<Status>("targetStatus")?
                .unwrap_or(Status::InProgress);
            let outcome = transition::unblock(ws, &id.id, a.str("resolution")?.as_deref(), to)?;
            reply(outcome.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_drop",
        description: "Drop a mission for good (final).",
        params: &[MISSION_ID, opt("reason", Kind::Str, "Why.")],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            reply(transition::drop(ws, &id.id, a.str("reason")?.as_deref())?.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_mission_defer",
        description: "Put a mission aside; it can be queued again later.",
        params: &[MISSION_ID, opt("reason", Kind::Str, "Why.")],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            reply(
                transition::defer(ws, &id.id, a.str("reason")?.as_deref())?.scoped(&id, "mission"),
            )
        },
    },
    Tool {
        name: "cmos_mission_depends",
        description: "Link two missions: fromId requires toId (toId first), blocks (fromId first), relates or informs (no gating). Cycles among requires/blocks are refused.",
        params: &[
            req("fromId", Kind::Str, "The mission the link starts at."),
            req("toId", Kind::Str, "The mission it points to."),
            opt(
                "type",
                Kind::OneOf(&["requires", "blocks", "relates", "informs"]),
                "[default: requires]",
            ),
        ],
        run: |ws, a| {
            let kind = a.parsed::<DepType>("type")?.unwrap_or(DepType::Requires);
            reply(mission::depends(
                ws,
                &a.required("fromId")?,
                &a.required("toId")?,
                kind,
            )?)
        },
    },
    Tool {
        name: "cmos_mission_undepends",
        description: "Remove the link from fromId to toId.",
        params: &[
            req("fromId", Kind::Str, "The mission the link starts at."),
            req("toId", Kind::Str, "The mission it points to."),
        ],
        run: |ws, a| {
            reply(mission::undepend(
                ws,
                &a.required("fromId")?,
                &a.required("toId")?,
            )?)
        },
    },
    Tool {
        name: "cmos_sprint_list",
        description: "Sprints in plan order with live mission counts and progress. Paginated.",
        params: &[
            opt(
                "status",
                Kind::OneOf(&["Planned", "Active", "Completed"]),
                "Only sprints in this status.",
            ),
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| page(sprint::list(ws, a.parsed::<SprintStatus>("status")?)?, a),
    },
    Tool {
        name: "cmos_sprint_show",
        description: "One sprint: focus, dates, progress, estimate against time spent, and its missions in work order.",
        params: &[req("sprintId", Kind::Str, "The sprint.")],
        run: |ws, a| reply(sprint::show(ws, &a.required("sprintId")?)?),
    },
    Tool {
        name: "cmos_sprint_add",
        description: "Add a sprint (Planned).",
        params: &[
            req("sprintId", Kind::Str, "A human id such as S3."),
            req("title", Kind::Str, "A one-line title."),
            opt("focus", Kind::Str, "What the sprint is about."),
            opt("startDate", Kind::Str, "YYYY-MM-DD."),
            opt("endDate", Kind::Str, "YYYY-MM-DD."),
        ],
        run: |ws, a| {
            let fields = sprint_fields(a, &None)?;
            reply(sprint::add(ws, &a.required("sprintId")?, fields)?)
        },
    },
    Tool {
        name: "cmos_sprint_update",
        description: "Change a sprint's title, focus or dates (in `fields` or at the top level); status Active makes it current, Completed closes it.",
        params: &[
            req("sprintId", Kind::Str, "The sprint."),
            opt(
                "fields",
                Kind::Object,
                "title, focus, startDate, endDate, status.",
            ),
            opt("title", Kind::Str, "New title."),
            opt("focus", Kind::Str, "New focus."),
            opt("startDate", Kind::Str, "YYYY-MM-DD."),
            opt("endDate", Kind::Str, "YYYY-MM-DD."),
            opt(
                "status",
                Kind::OneOf(&["Active", "Completed"]),
                "Activate or complete the sprint.",
            ),
        ],
        run: |ws, a| {
            let id = a.required("sprintId")?;
            let fields = a.object("fields")?;
            let status = match &fields {
                Some(f) if f.str("status")?.is_some() => f.parsed::<SprintStatus>("status")?,
                _ => a.parsed::<SprintStatus>("status")?,
            };
            let changes = sprint_fields(a, &fields)?;
            let has_changes = changes.title.is_some()
                || changes.focus.is_some()
                || changes.start.is_some()
                || changes.end.is_some();
            let mut last = None;
            if has_changes || status.is_none() {
                last = Some(reply(sprint::update(ws, &id, changes)?)?);
            }
            match status {
                Some(SprintStatus::Active) => reply(sprint::activate(ws, &id)?),
                Some(SprintStatus::Completed) => reply(sprint::complete(ws, &id, false)?),
                Some(SprintStatus::Planned) => Err(crate::error::Error::InvalidInput(
                    "a sprint cannot be set back to Planned; activate another sprint instead"
                        .into(),
                )),
                None => Ok(last.expect("updated above")),
            }
        },
    },
];

/// Mission fields from `fields.<name>` or top-level arguments.
fn mission_fields(a: &Args<'_>, fields: &Option<Args<'_>>) -> Result<MissionFields> {
    let list = |key: &str| -> Result<Option<Vec<String>>> {
        let items = match fields {
            Some(f) if f.strings(key).is_ok_and(|v| !v.is_empty()) => f.strings(key)?,
            _ => a.strings(key)?,
        };
        Ok((!items.is_empty()).then_some(items))
    };
    let estimate = a
        .field(fields, "estimate")?
        .map(|e| e.parse::<Minutes>())
        .transpose()?;
    let rank = match fields {
        Some(f) if f.int("rank")?.is_some() => f.int("rank")?,
        _ => a.int("rank")?,
    };
    Ok(MissionFields {
        name: a.field(fields, "name")?,
        sprint: a.field(fields, "sprintId")?,
        objective: a.field(fields, "objective")?,
        context: a.field(fields, "context")?,
        notes: a.field(fields, "notes")?,
        success_criteria: list("successCriteria")?,
        deliverables: list("deliverables")?,
        rank,
        estimate,
    })
}

fn sprint_fields(a: &Args<'_>, fields: &Option<Args<'_>>) -> Result<SprintFields> {
    Ok(SprintFields {
        title: a.field(fields, "title")?,
        focus: a.field(fields, "focus")?,
        start: a.field(fields, "startDate")?,
        end: a.field(fields, "endDate")?,
    })
}
