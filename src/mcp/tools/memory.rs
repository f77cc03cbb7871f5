//! Tools for what the project remembers: onboarding and context, sessions and captures,
//! decisions, facts, learnings, constraints and next steps.

use super::{Args, CURSOR, Kind, LIMIT, Param, Reply, Tool, opt, page, reply, req};
use crate::error::Result;
use crate::model::{CaptureCategory, ItemKind, ItemStatus, SessionType, Timestamp};
use crate::ops::knowledge::{self, ListFilter, NewItem};
use crate::ops::session::{self, StartRequest};
use crate::ops::{Workspace, context, snapshots};

const BUDGET: Param = opt(
    "budget",
    Kind::Int,
    "Cut to about this many tokens (estimated as characters / 4) [default: no cut; sections hold 20 entries].",
);
const ALL: Param = opt(
    "all",
    Kind::Bool,
    "Include superseded, archived, done and dropped ones.",
);
const SESSION_ID: Param = opt(
    "sessionId",
    Kind::Str,
    "The session [default: this worktree's open session].",
);

pub static TOOLS: &[Tool] = &[
    Tool {
        name: "cmos_agent_onboard",
        description: "Everything an agent starting cold needs, in one call: project, current sprint and progress, this worktree's session and mission, missions in progress, next and blocked, constraints, the last session's summary and next steps, open next steps, recent decisions, project notes, and suggested actions. Call this first.",
        params: &[BUDGET],
        run: |ws, a| reply(context::onboard(ws, budget(a)?)?),
    },
    Tool {
        name: "cmos_context_view",
        description: "The working memory, ranked and cut to a token budget: the same sections as onboarding without the suggested actions. `markdown` in the data is ready to read.",
        params: &[BUDGET],
        run: |ws, a| {
            let outcome = context::context(ws, budget(a)?)?;
            let markdown = outcome.data.markdown();
            let mut reply = reply(outcome)?;
            reply.data["markdown"] = markdown.into();
            Ok(reply)
        },
    },
    Tool {
        name: "cmos_context_snapshot",
        description: "Name the branch as it is now (e.g. \"before the storage rewrite\"), to compare with later.",
        params: &[req("source", Kind::Str, "What this point is.")],
        run: |ws, a| reply(snapshots::snapshot(ws, &a.required("source")?)?),
    },
    Tool {
        name: "cmos_context_history",
        description: "The named snapshots, newest first. Paginated.",
        params: &[LIMIT, CURSOR],
        run: |ws, a| page(snapshots::history(ws)?, a),
    },
    Tool {
        name: "cmos_session_start",
        description: "Open a session in this worktree (one at a time). Captures and completion go to it.",
        params: &[
            req(
                "type",
                Kind::OneOf(&[
                    "planning",
                    "onboarding",
                    "review",
                    "research",
                    "check-in",
                    "build",
                    "custom",
                ]),
                "What kind of work.",
            ),
            req("title", Kind::Str, "A one-line title."),
            opt("sprintId", Kind::Str, "[default: the current sprint]"),
            opt("missionId", Kind::Str, "The mission the session works on."),
            opt(
                "force",
                Kind::Bool,
                "Close a session still open in this worktree as abandoned.",
            ),
        ],
        run: |ws, a| {
            let request = StartRequest {
                kind: a.required("type")?.parse::<SessionType>()?,
                title: a.required("title")?,
                sprint: a.str("sprintId")?,
                mission: a.str("missionId")?,
                force: a.flag("force")?,
            };
            reply(session::start(ws, request)?)
        },
    },
    Tool {
        name: "cmos_session_capture",
        description: "Note something in the open session as it happens. A decision (first line: what; the rest: why), constraint, learning or next-step also becomes a record that context and lists show.",
        params: &[
            req(
                "category",
                Kind::OneOf(&[
                    "decision",
                    "learning",
                    "constraint",
                    "context",
                    "next-step",
                    "blocker",
                ]),
                "What it is.",
            ),
            req(
                "content",
                Kind::Str,
                "The text, up to 16 KiB; multi-line is fine.",
            ),
            opt("missionId", Kind::Str, "The mission it concerns."),
            SESSION_ID,
        ],
        run: |ws, a| {
            let category = a.required("category")?.parse::<CaptureCategory>()?;
            let outcome = session::capture(
                ws,
                a.str("sessionId")?.as_deref(),
                category,
                &a.required("content")?,
                a.str("missionId")?.as_deref(),
            )?;
            reply(outcome)
        },
    },
    Tool {
        name: "cmos_session_complete",
        description: "Close the session with a summary of what happened and the next steps for whoever comes next. Refuses without a summary unless force.",
        params: &[
            req("summary", Kind::Str, "What happened, for the next agent."),
            opt(
                "nextSteps",
                Kind::List,
                "What to do next; each becomes an open next step.",
            ),
            SESSION_ID,
            opt("force", Kind::Bool, "Close even without a summary."),
        ],
        run: |ws, a| {
            let outcome = session::complete(
                ws,
                a.str("sessionId")?.as_deref(),
                a.str("summary")?.as_deref(),
                &a.strings("nextSteps")?,
                a.flag("force")?,
            )?;
            reply(outcome)
        },
    },
    Tool {
        name: "cmos_session_list",
        description: "Sessions, newest first, optionally of one type or sprint or since a time. Paginated.",
        params: &[
            opt(
                "type",
                Kind::Str,
                "planning, onboarding, review, research, check-in, build or custom.",
            ),
            opt("sprintId", Kind::Str, "Only sessions of this sprint."),
            opt(
                "since",
                Kind::Str,
                "RFC 3339 time; only sessions started at or after it.",
            ),
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| {
            let kind = a.parsed::<SessionType>("type")?;
            let since = a.parsed::<Timestamp>("since")?;
            page(
                session::list(ws, kind, a.str("sprintId")?.as_deref(), since)?,
                a,
            )
        },
    },
    Tool {
        name: "cmos_session_show",
        description: "One session with its captures, summary and next steps.",
        params: &[opt(
            "sessionId",
            Kind::Str,
            "[default: this worktree's session, else the most recent]",
        )],
        run: |ws, a| {
            let id = ws.session_or_recent(a.str("sessionId")?.as_deref())?;
            reply(session::show(ws, &id.id)?.scoped(&id, "session"))
        },
    },
    Tool {
        name: "cmos_session_resume",
        description: "After losing context (a crash, a new conversation): the session, its mission, open next steps, the last actions on the branch and what to do now.",
        params: &[opt(
            "sessionId",
            Kind::Str,
            "[default: this worktree's session, else the most recent]",
        )],
        run: |ws, a| reply(session::resume(ws, a.str("sessionId")?.as_deref())?),
    },
    Tool {
        name: "cmos_session_search",
        description: "Sessions whose title, summary, next steps or captures contain every word of the query, best first.",
        params: &[req("query", Kind::Str, "Words to find."), LIMIT],
        run: |ws, a| {
            reply(session::search(
                ws,
                &a.required("query")?,
                a.count("limit", 20, 100)?,
            )?)
        },
    },
    Tool {
        name: "cmos_decisions_record",
        description: "Record a decision and its rationale; with supersedes, the older decision is marked Superseded.",
        params: &[
            req("decision", Kind::Str, "What was decided, in one line."),
            req(
                "rationale",
                Kind::Str,
                "Why: the options weighed and the reason.",
            ),
            opt("missionId", Kind::Str, "The mission it belongs to."),
            opt("category", Kind::Str, "A grouping, e.g. architecture."),
            opt(
                "supersedes",
                Kind::Str,
                "The id of the decision this one replaces.",
            ),
        ],
        run: |ws, a| {
            let request = NewItem {
                text: a.required("decision")?,
                rationale: Some(a.required("rationale")?),
                mission: a.str("missionId")?,
                category: a.str("category")?,
                supersedes: a.str("supersedes")?,
                ..NewItem::default()
            };
            reply(knowledge::add(ws, ItemKind::Decision, request)?)
        },
    },
    Tool {
        name: "cmos_decisions_list",
        description: "Decisions in force, newest first (all of them with all=true). Paginated.",
        params: &[
            opt("category", Kind::Str, "Only this category."),
            opt("missionId", Kind::Str, "Only this mission's."),
            ALL,
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| list(ws, a, ItemKind::Decision),
    },
    Tool {
        name: "cmos_decisions_show",
        description: "One decision with its rationale, provenance and what it supersedes or was superseded by.",
        params: &[req("decisionId", Kind::Str, "The decision.")],
        run: |ws, a| {
            reply(knowledge::show(
                ws,
                ItemKind::Decision,
                &a.required("decisionId")?,
            )?)
        },
    },
    Tool {
        name: "cmos_decisions_search",
        description: "Decisions (superseded ones too) whose title, rationale or category contain every word of the query.",
        params: &[req("query", Kind::Str, "Words to find."), LIMIT],
        run: |ws, a| search(ws, a, ItemKind::Decision),
    },
    Tool {
        name: "cmos_facts_add",
        description: "Record a fact; pinned to files (at HEAD, or commit), it is flagged stale once they change.",
        params: &[
            req(
                "kind",
                Kind::Str,
                "What the fact is about, e.g. api, build.",
            ),
            req("text", Kind::Str, "The fact."),
            opt(
                "files",
                Kind::List,
                "Files it describes, from the repository root.",
            ),
            opt(
                "commit",
                Kind::Str,
                "The commit the files are pinned at [default: HEAD].",
            ),
        ],
        run: |ws, a| {
            let request = NewItem {
                text: a.required("text")?,
                category: Some(a.required("kind")?),
                files: a.strings("files")?,
                commit: a.str("commit")?,
                ..NewItem::default()
            };
            reply(knowledge::add(ws, ItemKind::Fact, request)?)
        },
    },
    Tool {
        name: "cmos_facts_list",
        description: "Facts in force with whether their pinned files changed since (stale). Paginated.",
        params: &[
            opt("stale", Kind::Bool, "Only stale facts."),
            ALL,
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| page(knowledge::facts(ws, &filter(a)?, a.flag("stale")?)?, a),
    },
    Tool {
        name: "cmos_learnings_list",
        description: "Learnings in force, newest first. Paginated.",
        params: &[
            opt("missionId", Kind::Str, "Only this mission's."),
            ALL,
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| list(ws, a, ItemKind::Learning),
    },
    Tool {
        name: "cmos_constraints",
        description: "Constraints in force (rules the work must respect), newest first; archive one with action=archive.",
        params: &[
            opt(
                "action",
                Kind::OneOf(&["list", "archive"]),
                "[default: list]",
            ),
            opt("constraintId", Kind::Str, "The constraint to archive."),
            ALL,
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| match a.str("action")?.as_deref() {
            Some("archive") => reply(knowledge::close(
                ws,
                ItemKind::Constraint,
                &a.required("constraintId")?,
                ItemStatus::Archived,
                None,
            )?),
            _ => list(ws, a, ItemKind::Constraint),
        },
    },
    Tool {
        name: "cmos_next_steps",
        description: "Open next steps, newest first; mark one done or dropped, or carry it to another sprint.",
        params: &[
            opt(
                "action",
                Kind::OneOf(&["list", "complete", "drop", "carry"]),
                "[default: list]",
            ),
            opt("nextStepId", Kind::Str, "The next step to act on."),
            opt("carryToSprint", Kind::Str, "The sprint to carry it to."),
            opt("sprintId", Kind::Str, "List only this sprint's."),
            ALL,
            LIMIT,
            CURSOR,
        ],
        run: |ws, a| {
            let kind = ItemKind::NextStep;
            match a.str("action")?.as_deref() {
                Some("complete") => reply(knowledge::close(
                    ws,
                    kind,
                    &a.required("nextStepId")?,
                    ItemStatus::Done,
                    None,
                )?),
                Some("drop") => reply(knowledge::close(
                    ws,
                    kind,
                    &a.required("nextStepId")?,
                    ItemStatus::Dropped,
                    None,
                )?),
                Some("carry") => reply(knowledge::carry(
                    ws,
                    &a.required("nextStepId")?,
                    &a.required("carryToSprint")?,
                )?),
                _ => {
                    let filter = ListFilter {
                        sprint: a.str("sprintId")?,
                        ..filter(a)?
                    };
                    page(knowledge::list(ws, kind, &filter)?, a)
                }
            }
        },
    },
];

fn budget(a: &Args<'_>) -> Result<Option<usize>> {
    Ok(a.int("budget")?.map(|b| b.max(0) as usize))
}

fn filter(a: &Args<'_>) -> Result<ListFilter> {
    Ok(ListFilter {
        all: a.flag("all")?,
        mission: a.str("missionId")?,
        category: a.str("category")?,
        ..ListFilter::default()
    })
}

fn list(ws: &Workspace, a: &Args<'_>, kind: ItemKind) -> Result<Reply> {
    page(knowledge::list(ws, kind, &filter(a)?)?, a)
}

fn search(ws: &Workspace, a: &Args<'_>, kind: ItemKind) -> Result<Reply> {
    reply(knowledge::search(
        ws,
        kind,
        &a.required("query")?,
        a.count("limit", 20, 100)?,
    )?)
}
