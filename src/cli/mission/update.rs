//! `cmos mission update`: change any field of a mission, and optionally its status.

use clap::Args;

use super::SpecArgs;
use crate::cli::output::Printer;
use crate::cli::parse;
use crate::error::Result;
use crate::model::Status;
use crate::ops::Workspace;
use crate::ops::mission::{self as ops, MissionUpdate};

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// [default: this worktree's session's mission, else its active mission]
    id: Option<String>,
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
    /// Remove the mission's complexity.
    #[arg(long, conflicts_with = "complexity")]
    no_complexity: bool,
    /// Move to this status, by the same rules as start, complete, drop, defer. (The original
    /// CMOS set any status; cmos keeps the lifecycle's moves, so that the history, the time
    /// spent and the next mission stay true: a move it refuses names the ones it allows.)
    #[arg(long, value_parser = parse::status)]
    status: Option<Status>,
}

pub(super) fn run(ws: &Workspace, args: UpdateArgs, printer: &Printer) -> Result<()> {
    let scoped = ws.mission_or_active(args.id.as_deref())?;
    let (fields, metadata) = args.spec.into_fields(args.name)?;
    let request = MissionUpdate {
        fields,
        metadata,
        status: args.status,
        append_notes: args.append_notes,
        add_success_criteria: args.add_success_criterion,
        add_deliverables: args.add_deliverable,
        no_sprint: args.no_sprint,
        no_rank: args.no_rank,
        no_estimate: args.no_estimate,
        no_complexity: args.no_complexity,
        ..MissionUpdate::default()
    };
    let fields = !request.is_empty();
    // Fields and status change in one operation: one commit, one outcome, all or nothing.
    let outcome = ops::update(ws, &scoped.id, request)?.scoped(&scoped, "mission");
    printer.outcome(&outcome, |u, st| {
        let m = &u.mission;
        let mut out = String::new();
        if fields || u.to.is_none() {
            out.push_str(&format!("Updated mission {}\n", st.bold(&m.id)));
        }
        if let (Some(from), Some(to)) = (u.from, u.to) {
            out.push_str(&format!(
                "Mission {} ({}): {from} → {}\n",
                st.bold(&m.id),
                m.name,
                st.status(to, 0)
            ));
        }
        out
    });
    Ok(())
}
