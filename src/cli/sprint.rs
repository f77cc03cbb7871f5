//! `cmos sprint ...`: add, list, show (and its burndown), update, activate, complete, retro,
//! carry-forward, analytics.

mod analytics;
mod burndown;
mod carry_forward;
mod close_out;
mod retro;

use clap::{Args, Subcommand};

use super::command_context::CommandContext;
use super::output::{Style, or_dash, table};
use super::parse;
use super::render::mission_table;
use crate::error::Result;
use crate::model::{Sprint, SprintStatus, Status};
use crate::ops::sprint::{self as ops, SprintDetail, SprintFields, SprintView};

// `cmos sprint`: its help is on `cli::Command::Sprint`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum SprintCommand {
    /// Add a sprint (Planned until activated).
    Add {
        /// Sprint id, e.g. S1 or sprint-03.
        id: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// List sprints in plan order with live mission counts.
    #[command(visible_alias = "ls")]
    List {
        /// Only sprints with this status (planned, active, completed).
        #[arg(long, value_parser = parse::sprint_status)]
        status: Option<SprintStatus>,
    },
    /// Show a sprint, its counts by status and its missions.
    Show {
        id: String,
        /// Show its burndown instead: scope, done and remaining per day, with the ideal line
        /// when the sprint has dates (with --json, the burndown's data).
        #[arg(long)]
        burndown: bool,
    },
    /// Change a sprint's title, focus or dates.
    Update {
        id: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Make a sprint the project's current sprint.
    Activate { id: String },
    /// Close a sprint; refused while missions in it are still open unless --force.
    Complete {
        id: String,
        /// Close it even though some missions are still open.
        #[arg(long)]
        force: bool,
        /// Close it out in the same commit: record its retrospective (.cmos/retros/ID.md and
        /// a snapshot of the branch before the close) and archive its decisions and learnings
        /// that are not evergreen, listing each. `cmos undo` takes it all back. A sprint
        /// completed without it is closed out as it is, once.
        #[arg(long)]
        retro: bool,
    },
    /// Look back on a sprint: what was done, how fast, what carries forward (read-only).
    ///
    /// Cycle times, the completion rate over owned missions (Deferred and Dropped ones are
    /// parked, counted apart), the sprint's decisions, learnings and sessions, the Blocked and
    /// unfinished missions and open next steps it leaves, and a commit-ready summary.
    Retro {
        /// The sprint: its id, the original's id or its title.
        id: String,
    },
    /// Move a sprint's open work to another sprint, in one commit.
    ///
    /// Open missions (Queued, Current, In Progress, Blocked) and open next steps move; their
    /// status and history are kept. Work waiting for review stays in the sprint where it was
    /// done, and parked (Deferred, Dropped) missions stay where they were parked: both are listed
    /// with the reason.
    CarryForward(carry_forward::CarryForwardArgs),
    /// Trends over the newest Active and Completed sprints (read-only).
    ///
    /// Per sprint (oldest first) the owned total, completed, blocked, parked, completion rate,
    /// average cycle time, decisions, learnings and sessions, counted as `sprint retro` counts
    /// them; velocity over Completed sprints, trends (first half against second) and
    /// highlights.
    Analytics {
        /// How many of the newest sprints to look at (1 to 100).
        #[arg(long, default_value_t = crate::ops::analytics::DEFAULT_LIMIT)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
pub struct FieldArgs {
    /// Title (required when adding).
    #[arg(long)]
    title: Option<String>,
    /// What the sprint is about.
    #[arg(long)]
    focus: Option<String>,
    /// Start date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    start: Option<String>,
    /// End date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    end: Option<String>,
}

impl From<FieldArgs> for SprintFields {
    fn from(a: FieldArgs) -> Self {
        SprintFields {
            title: a.title,
            focus: a.focus,
            start: a.start,
            end: a.end,
        }
    }
}

pub fn run(ctx: &CommandContext, cmd: SprintCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    match cmd {
        SprintCommand::Add { id, fields } => {
            let outcome = ops::add(ws, &id, fields.into())?;
            printer.outcome(&outcome, |s, st| {
                format!("Added sprint {} ({})\n", st.bold(&s.id), s.title)
            });
        }
        SprintCommand::List { status } => {
            let outcome = ops::list(ws, status)?;
            printer.outcome(&outcome, |views, style| render_list(views, style));
        }
        SprintCommand::Show { id, burndown: true } => {
            let outcome = crate::ops::burndown::burndown(ws, Some(&id))?;
            printer.outcome(&outcome, burndown::render);
        }
        SprintCommand::Show { id, .. } => {
            let outcome = ops::show(ws, &id)?;
            printer.outcome(&outcome, render_show);
        }
        SprintCommand::Update { id, fields } => {
            let outcome = ops::update(ws, &id, fields.into(), None, false)?;
            printer.outcome(&outcome, |s, st| {
                format!("Updated sprint {}\n", st.bold(&s.id))
            });
        }
        SprintCommand::Activate { id } => {
            let outcome = ops::activate(ws, &id)?;
            printer.outcome(&outcome, |s, st| {
                format!("Sprint {} is now current\n", st.bold(&s.id))
            });
        }
        SprintCommand::Complete {
            id,
            force,
            retro: true,
        } => {
            let outcome = crate::ops::close_out::close(ws, &id, force)?;
            printer.outcome(&outcome, close_out::render);
        }
        SprintCommand::Complete { id, force, .. } => {
            let outcome = ops::complete(ws, &id, force)?;
            printer.outcome(&outcome, |s, st| {
                format!("Completed sprint {}\n", st.bold(&s.id))
            });
        }
        SprintCommand::Retro { id } => {
            printer.outcome(&crate::ops::retro::retro(ws, &id)?, retro::render);
        }
        SprintCommand::CarryForward(a) => {
            let outcome = crate::ops::carry_forward::carry_forward(ws, &a.id, &a.to, a.dry_run)?;
            printer.outcome(&outcome, carry_forward::render);
        }
        SprintCommand::Analytics { limit } => {
            let outcome = crate::ops::analytics::analytics(ws, limit)?;
            printer.outcome(&outcome, analytics::render);
        }
    }
    Ok(())
}

fn dates(s: &Sprint) -> String {
    match (s.start, s.end) {
        (None, None) => "-".into(),
        (start, end) => format!(
            "{} → {}",
            start.map_or("?".into(), |d| d.to_string()),
            end.map_or("?".into(), |d| d.to_string())
        ),
    }
}

fn render_list(views: &[SprintView], style: &Style) -> String {
    if views.is_empty() {
        return "No sprints yet. Add one with `cmos sprint add ID --title TITLE`.\n".into();
    }
    let mut rows = vec![vec![
        String::new(),
        "ID".into(),
        "STATUS".into(),
        "DONE".into(),
        "OPEN".into(),
        "DATES".into(),
        "TITLE".into(),
    ]];
    for v in views {
        let open = v.counts.total - v.counts.get(Status::Completed) - v.counts.get(Status::Dropped);
        rows.push(vec![
            if v.current { "*".into() } else { String::new() },
            v.sprint.id.clone(),
            v.sprint.status.to_string(),
            format!(
                "{}/{} {}%",
                v.counts.get(Status::Completed),
                v.counts.total,
                v.progress
            ),
            open.to_string(),
            dates(&v.sprint),
            v.sprint.title.clone(),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

fn render_show(d: &SprintDetail, style: &Style) -> String {
    let s = &d.view.sprint;
    let mut out = format!(
        "{} {}{}\n",
        style.bold(&s.id),
        s.title,
        if d.view.current {
            style.green("  (current)")
        } else {
            String::new()
        }
    );
    let rows = vec![
        vec!["Status".into(), s.status.to_string()],
        vec!["Focus".into(), or_dash(s.focus.as_deref())],
        vec!["Dates".into(), dates(s)],
        vec![
            "Progress".into(),
            format!(
                "{}% ({} of {} completed)",
                d.view.progress,
                d.view.counts.get(Status::Completed),
                d.view.counts.total
            ),
        ],
        vec!["Time".into(), super::render::sprint_time(&d.time)],
    ];
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter(|st| d.view.counts.get(**st) > 0)
        .map(|st| format!("{} {}", d.view.counts.get(*st), st))
        .collect();
    if !counts.is_empty() {
        out.push_str(&format!(
            "{}  {}\n",
            style.dim("Counts  "),
            counts.join(", ")
        ));
    }
    out.push('\n');
    out.push_str(&mission_table(&d.missions, style));
    out
}
