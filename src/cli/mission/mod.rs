//! `cmos mission ...`: add, list, show, next; `update` and the status changes and links
//! (`moves`) have their own files.

mod audit;
mod edit;
pub(crate) mod fallback;
mod list;
mod moves;
mod update;

use clap::{Args, Subcommand, ValueEnum};

use super::command_context::CommandContext;
use super::parse;
use super::render::{render_next, render_show};
use crate::error::{Error, Result};
use crate::model::{Complexity, Minutes, Pattern, Status};
use crate::ops::audit::Scope;
use crate::ops::metadata::{self, Metadata};
use crate::ops::mission::{self as ops, MissionFields};
use moves::MoveCommand;

// `cmos mission`: its help is on `cli::Command::Mission`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MissionCommand {
    /// Add a mission: `cmos mission add [ID] NAME`. Without ID one is generated.
    Add(AddArgs),
    /// List missions in next-mission order.
    #[command(visible_aliases = ["ls", "status"])]
    List {
        /// Only missions of this sprint.
        #[arg(long)]
        sprint: Option<String>,
        /// Only missions with this status (queued, current, in-progress, blocked, ...).
        #[arg(long, value_parser = parse::status)]
        status: Option<Status>,
        /// Show at most this many; the JSON then has `next_cursor`, where the next page starts.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Start after this place: the `next_cursor` of the page before.
        #[arg(long, value_name = "CURSOR")]
        after: Option<String>,
    },
    /// Show a mission in full: spec, links, blocker and history.
    Show {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        /// As it was at this revision of the cmos branch (`cmos~3`, a commit).
        #[arg(long, value_name = "REV")]
        at: Option<String>,
        /// full (everything) or compact (id, name, status, sprint and objective).
        #[arg(long, value_enum, default_value = "full")]
        format: ShowFormat,
    },
    /// Change any field of a mission.
    Update(update::UpdateArgs),
    /// Edit a mission's fields in your editor ($VISUAL, $EDITOR, vi) as a TOML form, or with
    /// -n/-s/-p/--notes without one; applied as one update.
    Edit(edit::EditArgs),
    /// Check the missions' consistency: statuses against their timestamps and blockers,
    /// links and sprints that do not exist (exit 6 when an error is found).
    Verify,
    /// Open missions that lack an objective, success criteria, deliverables or a sprint.
    Incomplete,
    /// Per sprint: statuses, the active and next mission, and every finding of verify and
    /// incomplete; an active sprint with open work and none under way (exit 6 on an error).
    Audit {
        /// Only this sprint (its id, original id or title).
        sprint: Option<String>,
    },
    /// The one mission to work on now, and why.
    Next {
        /// And start it.
        #[arg(long)]
        start: bool,
    },
    /// Bring in the missions of an original backlog.yaml, as one commit (cmosctl's
    /// sync-backlog; the same as `cmos import backlog FILE`). Missions the branch already has
    /// are left as they are: the branch, not the file, is the record.
    SyncBacklog {
        /// The backlog file.
        #[arg(
            short = 's',
            long = "source",
            value_name = "FILE",
            default_value = "cmos/missions/backlog.yaml"
        )]
        source: std::path::PathBuf,
    },
    /// Add or update missions from Mission Protocol YAML files (as `cmos db export-missions`
    /// writes them), as one commit; folders are searched for .yaml and .yml files.
    Register {
        /// Mission files, or folders to search for them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<std::path::PathBuf>,
    },
    /// Record a step up the escalation ladder (retry, pattern threshold, fallback to linear
    /// execution, human review) with its reason: `cmos mission fallback ID --tier 3 --reason R`.
    Fallback(fallback::FallbackArgs),
    #[command(flatten)]
    Move(MoveCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Full,
    Compact,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// [ID] NAME [SPRINT]: an optional id (e.g. B1.2), the name, and the sprint as the
    /// original `cmosctl mission add ID NAME SPRINT` gave it (the same as --sprint).
    #[arg(num_args = 1..=3, required = true, value_names = ["ID", "NAME", "SPRINT"])]
    words: Vec<String>,
    #[command(flatten)]
    spec: SpecArgs,
    /// Add it in this status: queued (default), current, in-progress, completed, dropped or
    /// deferred, in any case and in the original's spellings (planned is queued). It gets
    /// there by the lifecycle's moves, in the same commit; blocked needs a reason, so block
    /// it after adding it.
    #[arg(short = 's', long, value_parser = parse::status)]
    status: Option<Status>,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Sprint to put it in [default: the current sprint].
    #[arg(long)]
    sprint: Option<String>,
    /// What the mission must achieve.
    #[arg(long, visible_alias = "description")]
    objective: Option<String>,
    /// Background an agent needs to start.
    #[arg(long)]
    context: Option<String>,
    /// A success criterion (repeat for several; on update, replaces the list).
    #[arg(
        long = "success-criterion",
        visible_alias = "success",
        value_name = "TEXT"
    )]
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
    /// How demanding the work is: simple, standard or complex. `mission next` carries the
    /// model hint policy routes it to (see `cmos policy get routing.complex`).
    #[arg(long, value_name = "C", value_parser = parse::parsed::<Complexity>)]
    complexity: Option<Complexity>,
    /// The orchestration pattern for the work: none, rsip, delegation or boomerang (one per
    /// mission; see `cmos mission fallback` for the escalation ladder).
    #[arg(long, value_name = "P", value_parser = parse::parsed::<Pattern>)]
    pattern: Option<Pattern>,
    /// Why that pattern (kept with it).
    #[arg(long, value_name = "TEXT")]
    pattern_rationale: Option<String>,
    /// The original CMOS's metadata, a JSON object: description (or objective), context,
    /// notes, successCriteria and deliverables set those fields (the flags win); every other
    /// key is kept on the mission (shown by `mission show`, written back by `export`). On
    /// update, its keys are merged into what the mission keeps.
    #[arg(long, value_name = "JSON")]
    metadata: Option<String>,
}

impl SpecArgs {
    /// The fields to set, and the metadata read and checked before anything is written.
    pub(super) fn into_fields(
        self,
        name: Option<String>,
    ) -> Result<(MissionFields, Option<Metadata>)> {
        let metadata = self.metadata.as_deref().map(metadata::parse).transpose()?;
        let list = |v: Vec<String>| (!v.is_empty()).then_some(v);
        let fields = MissionFields {
            name,
            sprint: self.sprint,
            objective: self.objective,
            context: self.context,
            notes: self.notes,
            success_criteria: list(self.success_criteria),
            deliverables: list(self.deliverables),
            rank: self.rank,
            estimate: self.estimate,
            complexity: self.complexity,
            pattern: self.pattern,
            pattern_rationale: self.pattern_rationale,
        };
        Ok((fields, metadata))
    }
}

pub fn run(ctx: &CommandContext, cmd: MissionCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    match cmd {
        MissionCommand::Add(args) => {
            let mut words = args.words;
            let mut spec = args.spec;
            if words.len() == 3 {
                let sprint = words.pop();
                if spec.sprint.is_some() && spec.sprint != sprint {
                    return Err(Error::InvalidInput(
                        "two sprints given: name it once, as the third word or with --sprint"
                            .into(),
                    ));
                }
                spec.sprint = sprint;
            }
            let name = words.pop();
            let id = words.pop();
            let (fields, metadata) = spec.into_fields(name)?;
            let options = ops::AddOptions {
                status: args.status,
                metadata,
            };
            let outcome = ops::add_as(ws, id.as_deref(), fields, options)?;
            printer.outcome(&outcome, |m, st| {
                let status = match m.status {
                    Status::Queued => String::new(),
                    other => format!(" as {}", st.status(other, 0)),
                };
                format!(
                    "Added mission {} ({}){}{status}\n",
                    st.bold(&m.id),
                    m.name,
                    m.sprint
                        .as_deref()
                        .map_or(String::new(), |s| format!(" to sprint {s}"))
                )
            });
        }
        MissionCommand::List {
            sprint,
            status,
            limit,
            after,
        } => list::run(
            ws,
            printer,
            sprint.as_deref(),
            status,
            limit,
            after.as_deref(),
        )?,
        MissionCommand::Show {
            id, at: Some(rev), ..
        } => {
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
        MissionCommand::Show {
            id,
            at: None,
            format,
        } => {
            let scoped = ws.mission_or_active(id.as_deref())?;
            let outcome = ops::show(ws, &scoped.id)?.scoped(&scoped, "mission");
            match format {
                ShowFormat::Full => printer.outcome(&outcome, render_show),
                ShowFormat::Compact => printer.outcome(&outcome, render_compact),
            }
        }
        MissionCommand::Update(args) => update::run(ws, args, printer)?,
        MissionCommand::Edit(args) => edit::run(ws, args, printer)?,
        MissionCommand::Verify => audit::run(ctx, ws, printer, None, Scope::Consistency)?,
        MissionCommand::Incomplete => audit::run(ctx, ws, printer, None, Scope::Completeness)?,
        MissionCommand::Audit { sprint } => {
            audit::run(ctx, ws, printer, sprint.as_deref(), Scope::All)?
        }
        MissionCommand::Next { start } => {
            let outcome = ops::next(ws)?;
            match (start, &outcome.data.mission) {
                // The original started only a Current mission; one already In Progress is
                // shown as the mission to carry on with, not refused.
                (true, Some(next)) if next.status != crate::model::Status::InProgress => {
                    let scoped = ws.mission_to_start(Some(&next.id))?;
                    let started = crate::ops::transition::start(ws, &scoped.id, None)?;
                    printer.outcome(&started.scoped(&scoped, "mission"), moves::render_move);
                }
                _ => printer.outcome(&outcome, render_next),
            }
        }
        MissionCommand::SyncBacklog { source } => {
            let args = crate::cli::migrate::ImportArgs {
                format: crate::cli::migrate::ImportFormat(crate::migrate::Format::Backlog),
                paths: vec![source],
            };
            crate::cli::migrate::run_import(ws, args, printer)?;
        }
        MissionCommand::Register { paths } => super::db::register(ws, &paths, printer)?,
        MissionCommand::Fallback(args) => fallback::run(ws, args, printer)?,
        MissionCommand::Move(cmd) => moves::run(ws, cmd, printer)?,
    }
    Ok(())
}

/// `mission show --format compact`: who, where and what, in a few lines.
fn render_compact(d: &ops::MissionDetail, st: &crate::cli::output::Style) -> String {
    let m = &d.mission;
    let mut out = format!(
        "{} {} [{}]\n",
        st.bold(&m.id),
        m.name,
        st.status(m.status, 0)
    );
    if let Some(sprint) = &m.sprint {
        out.push_str(&format!("Sprint: {sprint}\n"));
    }
    if let Some(objective) = &m.objective {
        out.push_str(&format!("Objective: {objective}\n"));
    }
    out
}
