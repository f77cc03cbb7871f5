//! Tools for sharing and review: sync, verify, the log, a mission's history, diffs.

use super::work::MISSION_ID;
use super::{Kind, Tool, opt, reply, req};
use crate::ops::{history, kb, research, snapshots, status, sync, verify};
use crate::store::LogFilter;

pub static TOOLS: &[Tool] = &[
    Tool {
        name: "cmos_kb_search",
        description: "Full-text search (BM25) over the project's markdown documents and every record on the branch (missions, sessions and captures, decisions, facts, learnings, constraints, next steps). Each hit names its file and lines or its record, with the matched words marked.",
        params: &[
            req("query", Kind::Str, "Words to find."),
            opt(
                "limit",
                Kind::Int,
                "At most this many hits, 1 to 100 [default: 10].",
            ),
            opt(
                "kind",
                Kind::OneOf(&[
                    "doc",
                    "mission",
                    "session",
                    "decision",
                    "fact",
                    "learning",
                    "constraint",
                    "next-step",
                ]),
                "Only this kind.",
            ),
        ],
        run: |ws, a| {
            let limit = a.count("limit", 10, 100)?;
            reply(kb::search(
                ws,
                &a.required("query")?,
                limit,
                a.str("kind")?.as_deref(),
            )?)
        },
    },
    Tool {
        name: "cmos_research_export",
        description: "The Markdown report of a research mission: overview, brief, research questions, success criteria, deliverables, key findings, session timeline, metadata. Refuses an incomplete mission unless allowIncomplete.",
        params: &[
            MISSION_ID,
            opt(
                "allowIncomplete",
                Kind::Bool,
                "Report a mission that is not Completed yet.",
            ),
        ],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let report = research::export(ws, &id.id, None, false, a.flag("allowIncomplete")?)?;
            reply(report.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_sync",
        description: "Fetch the remote's cmos branch, merge it with this clone's, push the result. Offline, says so and keeps local state. dryRun shows what would come in and go out.",
        params: &[
            opt(
                "remote",
                Kind::Str,
                "[default: the branch's upstream remote, else origin]",
            ),
            opt(
                "dryRun",
                Kind::Bool,
                "Change nothing; report incoming and outgoing operations.",
            ),
            opt(
                "allowUnrelated",
                Kind::Bool,
                "Merge a remote branch that shares no history with this clone's (another project's init).",
            ),
        ],
        run: |ws, a| {
            let request = sync::SyncRequest {
                remote: a.str("remote")?,
                dry_run: a.flag("dryRun")?,
                allow_unrelated: a.flag("allowUnrelated")?,
            };
            reply(sync::sync(ws, &request)?)
        },
    },
    Tool {
        name: "cmos_verify",
        description: "Check the branch (or another ref, e.g. a pull request's): schema, ids, dangling links, cycles, duplicates, log lines. Problems come as an error listing each with path and line.",
        params: &[opt(
            "ref",
            Kind::Str,
            "The branch or revision to check [default: the cmos branch].",
        )],
        run: |ws, a| reply(verify::verify(ws, a.str("ref")?.as_deref())?),
    },
    Tool {
        name: "cmos_log",
        description: "The branch's operations, newest first, optionally of one mission or agent or since a time.",
        params: &[
            opt(
                "missionId",
                Kind::Str,
                "Only operations that changed this mission.",
            ),
            opt("agent", Kind::Str, "Only operations by this agent."),
            opt("since", Kind::Str, "RFC 3339 time."),
            opt(
                "limit",
                Kind::Int,
                "At most this many, 1 to 100 [default: 20].",
            ),
        ],
        run: |ws, a| {
            let filter = LogFilter {
                limit: a.count("limit", 20, 100)?,
                agent: a.str("agent")?,
                since: a.parsed("since")?,
                path: None,
            };
            reply(status::log(ws, filter, a.str("missionId")?.as_deref())?)
        },
    },
    Tool {
        name: "cmos_history",
        description: "Every change to one mission, field by field, newest first; long texts as unified diffs.",
        params: &[
            MISSION_ID,
            opt(
                "limit",
                Kind::Int,
                "At most this many changes, 1 to 100 [default: 20].",
            ),
        ],
        run: |ws, a| {
            let id = ws.mission_or_active(a.str("missionId")?.as_deref())?;
            let changes = history::mission_history(ws, &id.id, a.count("limit", 20, 100)?)?;
            reply(changes.scoped(&id, "mission"))
        },
    },
    Tool {
        name: "cmos_diff",
        description: "What changed between two revisions of the branch or named snapshots: missions, sprints and sessions field by field, decisions and other records by status, the project notes.",
        params: &[
            req(
                "from",
                Kind::Str,
                "A snapshot id or a revision such as cmos~5.",
            ),
            opt("to", Kind::Str, "[default: now]"),
        ],
        run: |ws, a| {
            reply(snapshots::diff(
                ws,
                &a.required("from")?,
                a.str("to")?.as_deref(),
            )?)
        },
    },
];
