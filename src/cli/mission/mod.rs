//! `cmos mission ...`: add, list, show, next; `update` and the status changes and links
//! (`moves`) have their own files.

mod moves;
mod update;

use clap::{Args, Subcommand};

use super::command_context::CommandContext;
use super::parse;
use super::render::{mission_table, render_next, render_show};
use crate::error::Result;
use crate::model::{Minutes, Status};
use crate::ops::mission::{self as ops, MissionFields};
use moves::MoveCommand;

/// Plan, track and finish missions.
#[derive(Debug, Subcommand)]
pub enum MissionCommand {
    /// Add a mission: `cmos mission add [ID] NAME`. Without ID one is generated.
    Add(AddArgs),
    /// List missions in next-mission order.
    #[command(visible_alias = "ls")]
    List {
        /// Only missions of this sprint.
        #[arg(long)]
        sprint: Option<String>,
        /// Only missions with this status (queued, current, in-progress, blocked, ...).
        #[arg(long, value_parser = parse::status)]
        status: Option<Status>,
    },
    /// Show a mission in full: spec, links, blocker and history.
    Show {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        /// As it was at this revision of the cmos branch (`cmos~3`, a commit).
        #[arg(long, value_name = "REV")]
        at: Option<String>,
    },
    /// Change any field of a mission.
    Update(update::UpdateArgs),
    /// The one mission to work on now, and why.
    Next,
    #[command(flatten)]
    Move(MoveCommand),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// [ID] NAME: an optional id (e.g. B1.2), then the name.
    #[arg(num_args = 1..=2, required = true, value_names = ["ID", "NAME"])]
    words: Vec<String>,
    #[command(flatten)]
    spec: SpecArgs,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Sprint to put it in [default: the current sprint].
    #[arg(long)]
    sprint: Option<String>,
    /// What the mission must achieve.
    #[arg(long)]
    objective: Option<String>,
    /// Background an agent needs to start.
    #[arg(long)]
    context: Option<String>,
    /// A success criterion (repeat for several; on update, replaces the list).
    #[arg(long = "success-criterion", value_name = "TEXT")]
    success_criteria: Vec<String>,
    /// A deliverable (repeat for several; on update, replaces the list).
    #[arg(long = "deliverable", value_name = "TEXT")]
    deliverables: Vec<String>,
    /// Free-form notes (on update, replaces them; see --append-notes).
    #[arg(long)]
    notes: Option<String>,
    /// Order within the sprint: lower comes first; unranked missions follow.
    #[arg(long, allow_negative_numbers = true)]
    rank: Option<i64>,
    /// Expected time In Progress, e.g. 45m, 2h, 1.5h, 2h30m, 1d (24 hours).
    #[arg(long, value_name = "DURATION", value_parser = parse::minutes)]
    estimate: Option<Minutes>,
}

impl SpecArgs {
    pub(super) fn into_fields(self, name: Option<String>) -> MissionFields {
        let list = |v: Vec<String>| (!v.is_empty()).then_some(v);
        MissionFields {
            name,
            sprint: self.sprint,
            objective: self.objective,
            context: self.context,
            notes: self.notes,
            success_criteria: list(self.success_criteria),
            deliverables: list(self.deliverables),
            rank: self.rank,
            estimate: self.estimate,
        }
    }
}

pub fn run(ctx: &CommandContext, cmd: MissionCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    match cmd {
        MissionCommand::Add(args) => {
            let mut words = args.words;
            let name = words.pop();
            let id = words.pop();
            let outcome = ops::add(ws, id.as_deref(), args.spec.into_fields(name))?;
            printer.outcome(&outcome, |m, st| {
                format!(
                    "Added mission {} ({}){}\n",
                    st.bold(&m.id),
                    m.name,
                    m.sprint
                        .as_deref()
                        .map_or(String::new(), |s| format!(" to sprint {s}"))
                )
            });
        }
        MissionCommand::List { sprint, status } => {
            let outcome = ops::list(ws, sprint.as_deref(), status)?;
            printer.outcome(&outcome, |missions, st| mission_table(missions, st));
        }
        MissionCommand::Show { id, at: Some(rev) } => {
            let scoped = ws.mission_or_active(id.as_deref())?;
            let outcome = crate::ops::history::mission_at(ws, &scoped.id, &rev)?;
            printer.outcome(&outcome.scoped(&scoped, "mission"), |m, st| {
                let detail = ops::MissionDetail {
                    mission: m.clone(),
                    dependents: Vec::new(),
                    waiting_on: Vec::new(),
                    sprint_title: None,
                    time: ops::TimeReport::new(
                        m.estimate,
                        m.time_spent(crate::model::Timestamp::now()),
                    ),
                    conflicts: Vec::new(),
                    commits: Vec::new(),
                };
                format!("(at {rev})\n{}", render_show(&detail, st))
            });
        }
        MissionCommand::Show { id, at: None } => {
            let scoped = ws.mission_or_active(id.as_deref())?;
            let outcome = ops::show(ws, &scoped.id)?.scoped(&scoped, "mission");
            printer.outcome(&outcome, render_show);
        }
        MissionCommand::Update(args) => update::run(ws, args, printer)?,
        MissionCommand::Next => {
            let outcome = ops::next(ws)?;
            printer.outcome(&outcome, render_next);
        }
        MissionCommand::Move(cmd) => moves::run(ws, cmd, printer)?,
    }
    Ok(())
}
