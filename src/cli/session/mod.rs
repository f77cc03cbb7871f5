//! `cmos session ...`: start, capture, complete, list, show, search, resume; how sessions
//! look as text is in `render`; the original cmosctl's activity log (`session log`) in `log`.

mod log;
mod render;

use clap::Subcommand;

use super::command_context::CommandContext;
use super::input::text_or_stdin;
use super::parse::{self, parsed};
use crate::error::Result;
use crate::model::{CaptureCategory, SessionStatus, SessionType, Timestamp};
use crate::ops::session::{self as ops, SessionBrief, StartRequest};
use crate::ops::session_log::{self, LogRequest, LogType};
use render::{render_list, render_resume, render_show};

// `cmos session`: its help is on `cli::Command::Session`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum SessionCommand {
    /// Start a session in this worktree (one at a time).
    Start {
        /// planning, onboarding, review, research, check-in, build or custom.
        #[arg(long = "type", value_name = "TYPE", value_parser = parsed::<SessionType>)]
        kind: SessionType,
        #[arg(long)]
        title: String,
        /// Sprint it belongs to [default: the current sprint].
        #[arg(long)]
        sprint: Option<String>,
        /// Mission it works on.
        #[arg(long)]
        mission: Option<String>,
        /// Close a session still open in this worktree as abandoned.
        #[arg(long)]
        force: bool,
    },
    /// Note a decision, learning, constraint, context, next-step or blocker.
    Capture {
        #[arg(value_parser = parsed::<CaptureCategory>)]
        category: CaptureCategory,
        /// The text, or `-` to read it from standard input (no shell quoting needed).
        text: String,
        /// The mission it concerns.
        #[arg(long)]
        mission: Option<String>,
        /// Where it came from or applies (kept with the text, as a second paragraph).
        #[arg(long, value_name = "TEXT")]
        context: Option<String>,
        /// The session to note it in [default: this worktree's open session].
        #[arg(long)]
        session: Option<String>,
    },
    /// Close the open session with a summary and the next steps.
    Complete {
        #[arg(long)]
        summary: Option<String>,
        /// A next step for whoever comes next (repeat for several).
        #[arg(long = "next-step", visible_alias = "next-steps", value_name = "TEXT")]
        next_steps: Vec<String>,
        /// The session to close [default: this worktree's open session].
        #[arg(long)]
        session: Option<String>,
        /// Close it even without a summary.
        #[arg(long)]
        force: bool,
        /// The session's metrics, recorded in the same commit.
        #[command(flatten)]
        measures: super::metric::MeasureArgs,
        /// How sure you are that the session's work meets its criteria, 0 to 1; the session
        /// keeps it with the gate's state (auto_approved, needs_review, human_required).
        #[arg(long, value_name = "SCORE", value_parser = crate::cli::parse::validation_score, allow_hyphen_values = true)]
        validation_score: Option<f64>,
        /// What backs the score (repeat for several).
        #[arg(long, value_name = "TEXT", requires = "validation_score")]
        evidence: Vec<String>,
    },
    /// Note in the activity log that work started, completed, got blocked or was committed
    /// (the original cmosctl's log). It moves no mission; `session list --log` lists the
    /// entries and `session show N` shows one.
    Log {
        /// start, complete, blocked or commit. A commit entry records the project's HEAD (or
        /// the commit `--details '{"hash": "…"}'` names) like the post-commit hook does.
        #[arg(short = 't', long = "type", value_name = "TYPE", value_parser = parsed::<LogType>)]
        kind: LogType,
        /// The mission it is about [default for a commit: the active mission].
        #[arg(short = 'm', long)]
        mission: Option<String>,
        /// What happened, in a line.
        #[arg(short = 's', long)]
        summary: String,
        /// Who did it, for this entry [default: --agent, $CMOS_AGENT, else git user.name].
        #[arg(short = 'a', value_name = "NAME")]
        by: Option<String>,
        /// More about it, kept as written (text or JSON).
        #[arg(short = 'd', long)]
        details: Option<String>,
    },
    /// List sessions, newest first (with --log: the activity log's entries).
    #[command(visible_alias = "ls")]
    List {
        #[arg(long = "type", value_name = "TYPE", value_parser = parsed::<SessionType>)]
        kind: Option<SessionType>,
        /// Only sessions (or log entries) about this mission.
        #[arg(short = 'm', long)]
        mission: Option<String>,
        /// List the activity log instead: what `session log` and the commit hook recorded,
        /// numbered for `session show N` (cmosctl's `session list`).
        #[arg(long, conflicts_with_all = ["kind", "sprint", "since", "status"])]
        log: bool,
        #[arg(long)]
        sprint: Option<String>,
        /// Only sessions started at or after this time: RFC 3339, a date (2026-11-01), or a
        /// span back from now (3h, 2d).
        #[arg(long, value_parser = parse::since)]
        since: Option<Timestamp>,
        /// Only sessions with this status: active, completed or abandoned.
        #[arg(long, value_parser = parsed::<SessionStatus>)]
        status: Option<SessionStatus>,
        /// Show at most this many.
        #[arg(short = 'l', long, value_name = "N")]
        limit: Option<usize>,
    },
    /// Show a session with its captures, or entry N of the activity log.
    Show {
        /// A session id, or a number N for the log entry `session log` reported [default:
        /// this worktree's session, else the most recent one]
        id: Option<String>,
    },
    /// Find sessions by words of their title, summary, next steps or captures.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only sessions with a capture of this category holding every word of the query.
        #[arg(long, value_parser = parsed::<CaptureCategory>)]
        category: Option<CaptureCategory>,
    },
    /// Everything needed to carry on after losing context: the session, its mission, open
    /// next steps, last actions and what to do now.
    Resume {
        /// [default: this worktree's session, else the most recent one]
        id: Option<String>,
    },
    /// The same as `cmos onboard`: the original CMOS spelled it `session onboard`.
    Onboard(super::context::ShapeArgs),
}

/// `session search --category`: the ranked hits whose session has a capture of `category`
/// holding every word of the query (the original searched captures of one category).
fn search_captures(
    ws: &crate::ops::Workspace,
    query: &str,
    category: CaptureCategory,
    limit: usize,
) -> Result<crate::ops::Outcome<Vec<ops::SessionHit>>> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut outcome = ops::search(ws, query, usize::MAX)?;
    let mut kept = Vec::new();
    for hit in std::mem::take(&mut outcome.data) {
        let session = ops::show(ws, &hit.session.id)?.data.session;
        let holds = session.captures.iter().any(|c| {
            let text = c.text.to_lowercase();
            c.category == category && words.iter().all(|w| text.contains(w.as_str()))
        });
        if holds {
            kept.push(hit);
        }
        if kept.len() == limit {
            break;
        }
    }
    outcome.data = kept;
    Ok(outcome)
}

pub fn run(ctx: &CommandContext, cmd: SessionCommand) -> Result<()> {
    let cmd = match cmd {
        SessionCommand::Onboard(shape) => return super::context::run_onboard(ctx, shape),
        SessionCommand::Log {
            kind,
            mission,
            summary,
            by,
            details,
        } => {
            let request = LogRequest {
                kind,
                mission,
                summary,
                details,
            };
            return log::run_log(ctx, request, by);
        }
        cmd => cmd,
    };
    let (ws, printer) = ctx.open()?;
    match cmd {
        SessionCommand::Start {
            kind,
            title,
            sprint,
            mission,
            force,
        } => {
            let request = StartRequest {
                kind,
                title,
                sprint,
                mission,
                force,
            };
            let outcome = ops::start(ws, request)?;
            printer.outcome(&outcome, |s, st| {
                let mut out = String::new();
                if let Some(old) = &s.abandoned {
                    out.push_str(&format!("Closed session {old} as abandoned\n"));
                }
                out.push_str(&format!(
                    "Started {} session {} ({})\n",
                    s.session.kind,
                    st.bold(&s.session.id),
                    s.session.title
                ));
                out
            });
        }
        SessionCommand::Capture {
            category,
            text,
            mission,
            context,
            session,
        } => {
            let mut text = text_or_stdin(text)?;
            if let Some(context) = context.filter(|c| !c.trim().is_empty()) {
                text = format!("{}\n\nContext: {context}", text.trim_end());
            }
            let outcome =
                ops::capture(ws, session.as_deref(), category, &text, mission.as_deref())?;
            printer.outcome(&outcome, |c, st| {
                format!(
                    "Noted {} in session {} ({} so far)\n",
                    c.capture.category,
                    st.bold(&c.session),
                    c.captures
                )
            });
        }
        SessionCommand::Complete {
            summary,
            next_steps,
            session,
            force,
            measures,
            validation_score,
            evidence,
        } => {
            let measures = measures.given().then(|| measures.measures());
            let validation = crate::ops::gate::Validation {
                score: validation_score,
                evidence,
            };
            let outcome = ops::complete_with(
                ws,
                session.as_deref(),
                summary.as_deref(),
                &next_steps,
                force,
                measures.as_ref(),
                &validation,
            )?;
            printer.outcome(&outcome, |s, st| {
                format!("Completed session {}\n", st.bold(&s.id))
            });
        }
        SessionCommand::List {
            log: true,
            mission,
            limit,
            ..
        } => {
            let mut outcome = session_log::entries(ws, mission.as_deref())?;
            if let Some(limit) = limit.filter(|l| *l > 0) {
                outcome.data.truncate(limit);
            }
            log::print_entries(&printer, &outcome);
        }
        SessionCommand::List {
            kind,
            mission,
            sprint,
            since,
            status,
            limit,
            log: false,
        } => {
            let mut outcome = ops::list(ws, kind, sprint.as_deref(), since)?;
            if let Some(mission) = mission.as_deref().map(str::trim) {
                outcome
                    .data
                    .retain(|s| s.mission.as_deref() == Some(mission));
            }
            if let Some(status) = status {
                outcome.data.retain(|s| s.status == status);
            }
            if let Some(limit) = limit {
                outcome.data.truncate(limit);
            }
            // cmosctl's `session list -m` listed its activity log: point there when the log
            // has entries about the mission, since those are what such a user looks for.
            let logged = match mission.as_deref() {
                Some(m) => session_log::entries(ws, Some(m))?.data.len(),
                None => 0,
            };
            printer.outcome(&outcome, |sessions, st| {
                let mut out = render_list(sessions, st);
                if let (Some(m), true) = (mission.as_deref(), logged > 0) {
                    out.push_str(&format!(
                        "{logged} activity log entries are about {m}: `cmos session list --log -m {m}` lists them\n"
                    ));
                }
                out
            });
        }
        SessionCommand::Show { id: Some(n) } if n.trim().parse::<usize>().is_ok() => {
            log::print_entry(&printer, n.trim().parse().unwrap_or_default(), ws)?;
        }
        SessionCommand::Show { id } => {
            let scoped = ws.session_or_recent(id.as_deref())?;
            let outcome = ops::show(ws, &scoped.id)?.scoped(&scoped, "session");
            printer.outcome(&outcome, render_show);
        }
        SessionCommand::Search {
            query,
            limit,
            category,
        } => {
            let query = query.join(" ");
            let outcome = match category {
                None => ops::search(ws, &query, limit)?,
                Some(category) => search_captures(ws, &query, category, limit)?,
            };
            printer.outcome(&outcome, |hits, st| {
                if hits.is_empty() {
                    return "Nothing found.\n".into();
                }
                let briefs: Vec<SessionBrief> = hits.iter().map(|h| h.session.clone()).collect();
                render_list(&briefs, st)
            });
        }
        SessionCommand::Resume { id } => {
            let outcome = ops::resume(ws, id.as_deref())?;
            printer.outcome(&outcome, render_resume);
        }
        SessionCommand::Onboard(_) | SessionCommand::Log { .. } => {
            unreachable!("handled before the project is opened")
        }
    }
    Ok(())
}
