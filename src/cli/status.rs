//! `cmos status` and `cmos log`.

use clap::Args;
use serde::Serialize;

use super::command_context::CommandContext;
use super::output::{Style, table};
use crate::error::Result;
use crate::model::Status;
use crate::ops::MissionBrief;
use crate::ops::status::{self as ops, StatusView};
use crate::store::LogEntry;

// `cmos status`: its help is on `cli::Command::Status`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Also list the most recent operations (5 unless --recent says otherwise).
    #[arg(short, long)]
    verbose: bool,
    /// List this many of the most recent operations.
    #[arg(long, value_name = "N")]
    recent: Option<usize>,
    /// cmosctl's backlog file for sprint details: not needed, as the sprints are on the
    /// branch (a warning says how to bring in the file's sprints if they are not).
    #[arg(long, value_name = "PATH")]
    pub backlog: Option<std::path::PathBuf>,
}

/// `status` with the recent operations `-v`/`--recent` asked for, as one result.
#[derive(Debug, Serialize)]
struct StatusWithRecent {
    #[serde(flatten)]
    status: StatusView,
    recent: Vec<LogEntry>,
}

/// The branch's history, one line per operation (time, agent, operation).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many operations to show, newest first.
    #[arg(
        short = 'n',
        long = "max-count",
        default_value_t = 20,
        value_name = "N"
    )]
    pub limit: usize,
    /// Only operations that changed this mission.
    #[arg(long)]
    pub mission: Option<String>,
    /// Only operations by this agent.
    #[arg(long)]
    pub agent: Option<String>,
    /// Only operations since: RFC 3339, a date (2026-11-01), or a span back from now (3h, 2d).
    #[arg(long, value_parser = super::parse::since)]
    pub since: Option<crate::model::Timestamp>,
}

pub fn run_status(ctx: &CommandContext, args: StatusArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let mut outcome = ops::status(ws)?;
    if let Some(path) = &args.backlog {
        outcome = outcome.warn(super::original::backlog_not_needed(path));
    }
    let recent = match (args.verbose, args.recent) {
        (_, Some(n)) => n,
        (true, None) => 5,
        (false, None) => {
            printer.outcome(&outcome, render_status);
            return Ok(());
        }
    };
    let filter = crate::store::LogFilter {
        limit: recent,
        agent: None,
        since: None,
        path: None,
    };
    let log = ops::log(ws, filter, None)?;
    let outcome = crate::ops::Outcome {
        data: StatusWithRecent {
            status: outcome.data,
            recent: log.data,
        },
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    };
    printer.outcome(&outcome, |v, style| {
        let mut out = render_status(&v.status, style);
        out.push_str(&format!("\n{}\n", style.bold("Recent")));
        out.push_str(&render_log(&v.recent, style));
        out
    });
    Ok(())
}

pub fn run_log(ctx: &CommandContext, args: LogArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let filter = crate::store::LogFilter {
        limit: args.limit,
        agent: args.agent,
        since: args.since,
        path: None,
    };
    let outcome = ops::log(ws, filter, args.mission.as_deref())?;
    printer.outcome(&outcome, |entries, style| render_log(entries, style));
    Ok(())
}

fn line(style: &Style, m: &MissionBrief) -> String {
    format!("  {}  {}", style.bold(&m.id), m.name)
}

fn render_status(v: &StatusView, style: &Style) -> String {
    let mut out = format!("{} {}\n", style.bold("Project"), v.project.name);
    if let Some(d) = &v.project.description {
        out.push_str(&format!("{}\n", style.dim(d)));
    }
    match &v.current_sprint {
        Some(s) => out.push_str(&format!(
            "{} {} {}: {}% ({} of {} completed, {} blocked)\n",
            style.bold("Sprint "),
            s.sprint.id,
            s.sprint.title,
            s.progress,
            s.counts.get(Status::Completed),
            s.counts.total,
            s.counts.get(Status::Blocked),
        )),
        None => out.push_str(&format!("{} none current\n", style.bold("Sprint "))),
    }
    out.push_str(&format!(
        "{} {} missions: {} in progress, {} current, {} queued, {} blocked, {} completed\n",
        style.bold("Totals "),
        v.totals.total,
        v.totals.get(Status::InProgress),
        v.totals.get(Status::Current),
        v.totals.get(Status::Queued),
        v.totals.get(Status::Blocked),
        v.totals.get(Status::Completed),
    ));
    if let Some(p) = &v.process {
        let action = p.suggested_action.as_ref().map_or(String::new(), |a| {
            format!(" (suggested: {})", super::process::action_line(a))
        });
        out.push_str(&format!(
            "{} {}{action}\n",
            style.bold("Process"),
            crate::model::text::escape_line(&p.state)
        ));
    }
    let groups = [("In progress", &v.in_progress), ("Current", &v.current)];
    for (title, missions) in groups {
        if !missions.is_empty() {
            out.push_str(&format!("\n{}\n", style.bold(title)));
            for m in missions {
                out.push_str(&line(style, m));
                out.push('\n');
            }
        }
    }
    if !v.blocked.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Blocked")));
        for b in &v.blocked {
            out.push_str(&line(style, &b.mission));
            if let Some(reason) = &b.reason {
                out.push_str(&format!("  {}", style.red(&format!("({reason})"))));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("\n{} ", style.bold("Next")));
    match &v.next {
        Some(m) => out.push_str(&format!(
            "{} {}: {}\n",
            style.bold(&m.id),
            m.name,
            v.next_reason
        )),
        None => out.push_str(&format!("nothing: {}\n", v.next_reason)),
    }
    out
}

pub(super) fn render_log(entries: &[LogEntry], style: &Style) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| vec![e.at.to_string(), e.agent.clone(), e.summary.clone()])
        .collect();
    table(&rows, |_, c, cell| match c {
        0 => style.dim(&cell),
        1 => style.cyan(&cell),
        _ => cell,
    })
}
