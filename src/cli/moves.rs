//! `cmos mission start|complete|block|unblock|drop|defer|depends|undepend`.

use clap::Subcommand;

use super::mission::parse_status;
use super::output::{Printer, Style};
use crate::error::Result;
use crate::model::{DepType, Status};
use crate::ops::Workspace;
use crate::ops::mission::{self as links, LinkOutcome};
use crate::ops::transition::{self as ops, TransitionOutcome};

#[derive(Debug, Subcommand)]
pub enum MoveCommand {
    /// Start a mission (Queued or Current → In Progress).
    Start {
        id: String,
        /// A note for the history.
        #[arg(long)]
        notes: Option<String>,
    },
    /// Complete a mission; the next ready Queued mission becomes Current.
    Complete {
        id: String,
        /// What was done, for the history.
        #[arg(long)]
        notes: Option<String>,
        /// Do not promote the next mission to Current.
        #[arg(long)]
        no_promote: bool,
    },
    /// Block a mission, saying why and what it needs.
    Block {
        id: String,
        /// Why it cannot go on.
        #[arg(long)]
        reason: String,
        /// Something it needs (repeat for several).
        #[arg(long = "needs", value_name = "WHAT")]
        needs: Vec<String>,
    },
    /// Unblock a mission, recording how the blocker was resolved.
    Unblock {
        id: String,
        /// How the blocker was resolved.
        #[arg(long)]
        resolution: Option<String>,
        /// Where it goes: in-progress (default) or current.
        #[arg(long, value_parser = parse_status, default_value = "in-progress")]
        to: Status,
    },
    /// Drop a mission for good.
    Drop {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Put a mission aside; it can be queued again later.
    Defer {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Link two missions: FROM requires|blocks|relates|informs TO.
    Depends {
        from: String,
        to: String,
        /// requires: FROM needs TO completed first; blocks: TO needs FROM completed first.
        #[arg(long = "type", value_name = "TYPE", default_value = "requires", value_parser = parse_dep)]
        kind: DepType,
    },
    /// Remove the link from FROM to TO.
    Undepend { from: String, to: String },
}

fn parse_dep(text: &str) -> std::result::Result<DepType, String> {
    text.parse().map_err(|e: crate::Error| e.to_string())
}

pub fn run(ws: &Workspace, cmd: MoveCommand, printer: &Printer) -> Result<()> {
    let outcome = match cmd {
        MoveCommand::Start { id, notes } => ops::start(ws, &id, notes.as_deref())?,
        MoveCommand::Complete {
            id,
            notes,
            no_promote,
        } => ops::complete(ws, &id, notes.as_deref(), !no_promote)?,
        MoveCommand::Block { id, reason, needs } => ops::block(ws, &id, &reason, &needs)?,
        MoveCommand::Unblock { id, resolution, to } => {
            ops::unblock(ws, &id, resolution.as_deref(), to)?
        }
        MoveCommand::Drop { id, reason } => ops::drop(ws, &id, reason.as_deref())?,
        MoveCommand::Defer { id, reason } => ops::defer(ws, &id, reason.as_deref())?,
        MoveCommand::Depends { from, to, kind } => {
            let outcome = links::depends(ws, &from, &to, kind)?;
            printer.outcome(&outcome, render_link);
            return Ok(());
        }
        MoveCommand::Undepend { from, to } => {
            let outcome = links::undepend(ws, &from, &to)?;
            printer.outcome(&outcome, |l, st| {
                format!(
                    "Removed link {} {} {}\n",
                    st.bold(&l.from),
                    l.kind,
                    st.bold(&l.to)
                )
            });
            return Ok(());
        }
    };
    printer.outcome(&outcome, render_move);
    Ok(())
}

pub fn render_move(t: &TransitionOutcome, style: &Style) -> String {
    let mut out = format!(
        "Mission {} ({}): {} → {}\n",
        style.bold(&t.mission.id),
        t.mission.name,
        t.from,
        style.status(t.to, 0)
    );
    if let Some(p) = &t.promoted {
        out.push_str(&format!(
            "Promoted {} ({}) to {}\n",
            style.bold(&p.id),
            p.name,
            style.status(p.status, 0)
        ));
    }
    out
}

fn render_link(l: &LinkOutcome, style: &Style) -> String {
    let mut out = format!(
        "Linked {} {} {}\n",
        style.bold(&l.from),
        l.kind,
        style.bold(&l.to)
    );
    if let Some(old) = l.replaced {
        out.push_str(&format!("(replaces the earlier link of type {old})\n"));
    }
    out
}
