//! `cmos session ...`: start, capture, complete, list, show.

use std::io::Read;

use clap::Subcommand;

use super::output::{Printer, Style, or_dash, table};
use crate::error::{Error, Result};
use crate::model::text::escape_line;
use crate::model::{CaptureCategory, Minutes, SessionType, Timestamp};
use crate::ops::Workspace;
use crate::ops::history::LoggedCommit;
use crate::ops::session::{
    self as ops, MAX_CAPTURE_LEN, Resume, SessionBrief, SessionDetail, StartRequest,
};

/// Work in sessions and note what matters as you go.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Start a session in this worktree (one at a time).
    Start {
        /// planning, onboarding, review, research, check-in, build or custom.
        #[arg(long = "type", value_name = "TYPE", value_parser = parse::<SessionType>)]
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
        #[arg(value_parser = parse::<CaptureCategory>)]
        category: CaptureCategory,
        /// The text, or `-` to read it from standard input (no shell quoting needed).
        text: String,
        /// The mission it concerns.
        #[arg(long)]
        mission: Option<String>,
        /// The session to note it in [default: this worktree's open session].
        #[arg(long)]
        session: Option<String>,
    },
    /// Close the open session with a summary and the next steps.
    Complete {
        #[arg(long)]
        summary: Option<String>,
        /// A next step for whoever comes next (repeat for several).
        #[arg(long = "next-step", value_name = "TEXT")]
        next_steps: Vec<String>,
        /// The session to close [default: this worktree's open session].
        #[arg(long)]
        session: Option<String>,
        /// Close it even without a summary.
        #[arg(long)]
        force: bool,
    },
    /// List sessions, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[arg(long = "type", value_name = "TYPE", value_parser = parse::<SessionType>)]
        kind: Option<SessionType>,
        #[arg(long)]
        sprint: Option<String>,
        /// Only sessions started at or after this time: RFC 3339, a date (2026-11-01), or a
        /// span back from now (3h, 2d).
        #[arg(long, value_parser = parse_since)]
        since: Option<Timestamp>,
    },
    /// Show a session with its captures.
    Show { id: String },
    /// Find sessions by words of their title, summary, next steps or captures.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Everything needed to carry on after losing context: the session, its mission, open
    /// next steps, last actions and what to do now.
    Resume {
        /// [default: this worktree's session, else the most recent one]
        id: Option<String>,
    },
}

pub(super) fn parse<T: std::str::FromStr<Err = Error>>(
    text: &str,
) -> std::result::Result<T, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

/// A moment as people give it: a timestamp, a date (midnight UTC), or a span ago.
pub(super) fn parse_since(text: &str) -> std::result::Result<Timestamp, String> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(date) = text.parse::<crate::model::Date>() {
        return Ok(date.start());
    }
    match text.parse::<crate::model::Minutes>() {
        Ok(ago) => Ok(Timestamp::from_millis(
            (Timestamp::now().unix_seconds() - ago.0 as i64 * 60) * 1000,
        )),
        Err(_) => Err(format!(
            "invalid time {text:?}: use RFC 3339 (2026-11-24T09:30:00Z), a date (2026-11-24) or a span back from now (3h, 2d)"
        )),
    }
}

/// The capture text: the argument, or standard input for `-`.
pub(super) fn capture_text(text: String) -> Result<String> {
    if text != "-" {
        return Ok(text);
    }
    let mut bytes = Vec::new();
    // One byte past the limit is enough to say it is too long, without reading it all.
    std::io::stdin()
        .take(MAX_CAPTURE_LEN as u64 * 4 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read standard input", e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::InvalidInput(format!(
            "standard input is not valid UTF-8 (byte {}); send text",
            e.utf8_error().valid_up_to()
        ))
    })
}

pub fn run(ws: &Workspace, cmd: SessionCommand, printer: &Printer) -> Result<()> {
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
            session,
        } => {
            let text = capture_text(text)?;
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
        } => {
            let outcome = ops::complete(
                ws,
                session.as_deref(),
                summary.as_deref(),
                &next_steps,
                force,
            )?;
            printer.outcome(&outcome, |s, st| {
                format!("Completed session {}\n", st.bold(&s.id))
            });
        }
        SessionCommand::List {
            kind,
            sprint,
            since,
        } => {
            let outcome = ops::list(ws, kind, sprint.as_deref(), since)?;
            printer.outcome(&outcome, |sessions, st| render_list(sessions, st));
        }
        SessionCommand::Show { id } => {
            let outcome = ops::show(ws, &id)?;
            printer.outcome(&outcome, render_show);
        }
        SessionCommand::Search { query, limit } => {
            let outcome = ops::search(ws, &query.join(" "), limit)?;
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
    }
    Ok(())
}

fn render_list(sessions: &[SessionBrief], style: &Style) -> String {
    if sessions.is_empty() {
        return "No sessions.\n".into();
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "TYPE".into(),
        "STATUS".into(),
        "STARTED".into(),
        "NOTES".into(),
        "TITLE".into(),
    ]];
    for s in sessions {
        rows.push(vec![
            s.id.clone(),
            s.kind.to_string(),
            s.status.to_string(),
            s.started_at.to_string(),
            s.captures.to_string(),
            s.title.clone(),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

fn render_show(detail: &SessionDetail, style: &Style) -> String {
    let s = &detail.session;
    let mut out = format!("{} {}\n", style.bold(&s.id), style.bold(&s.title));
    let rows = vec![
        vec!["Type".into(), s.kind.to_string()],
        vec!["Status".into(), s.status.to_string()],
        vec!["Agent".into(), s.agent.clone()],
        vec!["Sprint".into(), or_dash(s.sprint.as_deref())],
        vec!["Mission".into(), or_dash(s.mission.as_deref())],
        vec!["Started".into(), s.started_at.to_string()],
        vec![
            "Completed".into(),
            s.completed_at.map_or("-".into(), |t| t.to_string()),
        ],
        vec![
            "Duration".into(),
            match s.completed_at {
                Some(end) => Minutes::between(s.started_at, end).to_string(),
                None => format!(
                    "{} so far",
                    Minutes::between(s.started_at, Timestamp::now())
                ),
            },
        ],
    ];
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    if let Some(summary) = &s.summary {
        out.push_str(&format!("\n{}\n{summary}\n", style.bold("Summary")));
    }
    if !s.next_steps.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Next steps")));
        for step in &s.next_steps {
            out.push_str(&format!("- {step}\n"));
        }
    }
    if !s.captures.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Captures")));
        for c in &s.captures {
            out.push_str(&format!(
                "{}  {:<10}  {}\n",
                style.dim(&c.at.to_string()),
                c.category.to_string(),
                c.text.replace('\n', "\n    ")
            ));
        }
    }
    if !detail.commits.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Commits")));
        out.push_str(&super::render::commit_list(&detail.commits, style));
    }
    out
}

fn render_resume(r: &Resume, style: &Style) -> String {
    let s = &r.session;
    let span = if s.status == crate::model::SessionStatus::Active {
        format!("open for {}", r.elapsed)
    } else {
        format!("lasted {}", r.elapsed)
    };
    let mut out = format!(
        "{} {} ({} session, {}, {span})\n",
        style.bold(&s.id),
        style.bold(&s.title),
        s.kind,
        s.status,
    );
    if let Some(m) = &r.mission {
        out.push_str(&format!("Mission {} ({}): {}\n", m.id, m.name, m.status));
    }
    if let Some(summary) = &s.summary {
        out.push_str(&format!("\n{}\n{summary}\n", style.bold("Summary")));
    }
    let recent = s.captures.len().saturating_sub(10);
    if !s.captures.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Latest captures")));
        for c in &s.captures[recent..] {
            out.push_str(&format!(
                "{}  {:<10}  {}\n",
                style.dim(&c.at.to_string()),
                c.category.to_string(),
                c.text.replace('\n', "\n    ")
            ));
        }
    }
    if !r.last_actions.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Last actions")));
        for e in &r.last_actions {
            let change = match (&e.from, &e.to) {
                (Some(from), Some(to)) => format!(" {from} → {to}"),
                (None, Some(to)) => format!(" {to}"),
                _ => String::new(),
            };
            // A commit reads by its hash and subject; its target is the mission or session.
            let what = match LoggedCommit::from_event(e) {
                Some(c) => format!("{} {}", c.short, escape_line(&c.subject)),
                None => e.target.clone(),
            };
            out.push_str(&format!(
                "{}  {} {what}{change}\n",
                style.dim(&e.at.to_string()),
                e.kind,
            ));
        }
    }
    if !r.commits.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Commits")));
        out.push_str(&super::render::commit_list(&r.commits, style));
    }
    out.push_str(&format!("\n{}\n", style.bold("What to do now")));
    for step in &r.suggested {
        out.push_str(&format!("- {step}\n"));
    }
    out
}
