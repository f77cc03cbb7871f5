//! `cmos research export`: a research mission as a Markdown report.

use std::path::PathBuf;

use clap::Subcommand;

use super::command_context::CommandContext;
use crate::error::Result;
use crate::ops::research;

// `cmos research`: its help is on `cli::Command::Research`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ResearchCommand {
    /// Print (or write with --out) the Markdown report of a completed mission.
    Export {
        /// [default: this worktree's session's mission, else its active mission]
        mission: Option<String>,
        /// Write the report to this file instead of printing it.
        #[arg(long, visible_alias = "output", value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        overwrite: bool,
        /// Report a mission that is not Completed yet.
        #[arg(long)]
        allow_incomplete: bool,
    },
}

pub fn run(ctx: &CommandContext, cmd: ResearchCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let ResearchCommand::Export {
        mission,
        out,
        overwrite,
        allow_incomplete,
    } = cmd;
    let scoped = ws.mission_or_active(mission.as_deref())?;
    let outcome = research::export(ws, &scoped.id, out.as_deref(), overwrite, allow_incomplete)?
        .scoped(&scoped, "mission");
    printer.outcome(&outcome, |r, _| match &r.path {
        Some(path) => format!("Wrote the report of {} to {path}\n", r.mission),
        None => r.markdown.clone(),
    });
    Ok(())
}
