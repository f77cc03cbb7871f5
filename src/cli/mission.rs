//! `cmos mission ...`: add, list, show, update, next; status changes and links are in `moves`.

use clap::{Args, Subcommand};

use super::moves::{self, MoveCommand};
use super::output::Printer;
use super::render::{mission_table, render_next, render_show};
use crate::error::{Error, Result};
use crate::model::{Minutes, Status};
use crate::ops::mission::{self as ops, MissionFields, MissionUpdate};
use crate::ops::{Workspace, transition};

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
        #[arg(long, value_parser = parse_status)]
        status: Option<Status>,
    },
    /// Show a mission in full: spec, links, blocker and history.
    Show {
        /// [default: this worktree's active mission]
        id: Option<String>,
        /// As it was at this revision of the cmos branch (`cmos~3`, a commit).
        #[arg(long, value_name = "REV")]
        at: Option<String>,
    },
    /// Change any field of a mission.
    Update(UpdateArgs),
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
    #[arg(long, value_name = "DURATION", value_parser = parse_minutes)]
    estimate: Option<Minutes>,
}

fn parse_minutes(text: &str) -> std::result::Result<Minutes, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

impl SpecArgs {
    fn into_fields(self, name: Option<String>) -> MissionFields {
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

#[derive(Debug, Args)]
pub struct UpdateArgs {
    id: String,
    /// New name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    spec: SpecArgs,
    /// Add a line to the notes.
    #[arg(long, value_name = "TEXT")]
    append_notes: Option<String>,
    /// Add one success criterion to the list.
    #[arg(long, value_name = "TEXT")]
    add_success_criterion: Vec<String>,
    /// Add one deliverable to the list.
    #[arg(long, value_name = "TEXT")]
    add_deliverable: Vec<String>,
    /// Take the mission out of its sprint.
    #[arg(long, conflicts_with = "sprint")]
    no_sprint: bool,
    /// Remove the mission's rank.
    #[arg(long, conflicts_with = "rank")]
    no_rank: bool,
    /// Remove the mission's estimate.
    #[arg(long, conflicts_with = "estimate")]
    no_estimate: bool,
    /// Move to this status, by the same rules as start, complete, drop, defer.
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
}

pub fn parse_status(text: &str) -> std::result::Result<Status, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

pub fn run(ws: &Workspace, cmd: MissionCommand, printer: &Printer) -> Result<()> {
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
        MissionCommand::Update(args) => update(ws, args, printer)?,
        MissionCommand::Next => {
            let outcome = ops::next(ws)?;
            printer.outcome(&outcome, render_next);
        }
        MissionCommand::Move(cmd) => moves::run(ws, cmd, printer)?,
    }
    Ok(())
}

fn update(ws: &Workspace, args: UpdateArgs, printer: &Printer) -> Result<()> {
    let status = args.status;
    let id = args.id.clone();
    let request = MissionUpdate {
        fields: args.spec.into_fields(args.name),
        append_notes: args.append_notes,
        add_success_criteria: args.add_success_criterion,
        add_deliverables: args.add_deliverable,
        no_sprint: args.no_sprint,
        no_rank: args.no_rank,
        no_estimate: args.no_estimate,
    };
    if !request.is_empty() || status.is_none() {
        let outcome = ops::update(ws, &id, request)?;
        printer.outcome(&outcome, |m, st| {
            format!("Updated mission {}\n", st.bold(&m.id))
        });
    }
    if let Some(status) = status {
        let outcome = transition::set_status(ws, &id, status)?;
        printer.outcome(&outcome, moves::render_move);
    }
    Ok(())
}
