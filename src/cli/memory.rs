//! `cmos memory list`: everything the project remembers, in one table.

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::{Style, or_dash, table};
use super::parse::parsed;
use crate::error::Result;
use crate::model::text::first_line_cut;
use crate::ops::memory::{self as ops, Memory, MemoryFilter, MemoryKind};

// `cmos memory`: its help is on `cli::Command::Memory`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MemoryCommand {
    /// Decisions, learnings, constraints and facts in force, open next steps and the context
    /// notes sessions captured, newest first, with their kind.
    #[command(visible_alias = "ls")]
    List {
        /// decision, learning, constraint, fact, note or next-step.
        #[arg(long, value_name = "K", value_parser = parsed::<MemoryKind>)]
        kind: Option<MemoryKind>,
        /// Only what belongs to this sprint (its id, original id or title): an item's own
        /// sprint, else its mission's, else its session's.
        #[arg(long)]
        sprint: Option<String>,
        /// Show at most this many.
        #[arg(short = 'l', long, value_name = "N")]
        limit: Option<usize>,
    },
}

pub fn run(ctx: &CommandContext, cmd: MemoryCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let MemoryCommand::List {
        kind,
        sprint,
        limit,
    } = cmd;
    let filter = MemoryFilter {
        kind,
        sprint,
        limit,
    };
    let outcome = ops::list(ws, &filter)?;
    printer.outcome(&outcome, |m, st| render(m, st));
    Ok(())
}

fn render(memories: &[Memory], style: &Style) -> String {
    if memories.is_empty() {
        return "Nothing remembered yet.\n".into();
    }
    let mut rows = vec![
        ["KIND", "ID", "AT", "SPRINT", "TEXT"]
            .map(String::from)
            .to_vec(),
    ];
    for m in memories {
        rows.push(vec![
            m.kind.to_string(),
            m.id.clone(),
            m.at.as_datetime().format("%Y-%m-%d").to_string(),
            or_dash(m.sprint.as_deref()),
            first_line_cut(&m.text, 80),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}
