//! `cmos next-step ...`: next steps left for whoever comes next.

use clap::Subcommand;

use super::{FilterArgs, print_added, print_closed, print_show, render_list};
use crate::cli::command_context::CommandContext;
use crate::cli::input::text_or_stdin;
use crate::cli::output::or_dash;
use crate::error::Result;
use crate::model::{ItemKind, ItemStatus};
use crate::ops::knowledge::{self as ops, ListFilter, NewItem};

// `cmos nextstep`: its help is on `cli::Command::NextStep`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum NextStepCommand {
    /// Add a next step (`-` reads it from standard input).
    Add {
        text: String,
        #[arg(long)]
        mission: Option<String>,
        /// [default: the current sprint]
        #[arg(long)]
        sprint: Option<String>,
    },
    /// List open next steps, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        sprint: Option<String>,
    },
    Show {
        id: String,
    },
    /// Mark a next step done.
    Done {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Drop a next step nobody will do.
    Drop {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Carry an open next step to another sprint.
    Carry {
        id: String,
        #[arg(long)]
        sprint: String,
    },
}

pub fn run(ctx: &CommandContext, cmd: NextStepCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    let kind = ItemKind::NextStep;
    match cmd {
        NextStepCommand::Add {
            text,
            mission,
            sprint,
        } => {
            let request = NewItem {
                text: text_or_stdin(text)?,
                mission,
                sprint,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        NextStepCommand::List { filter, sprint } => {
            let filter = ListFilter {
                sprint,
                ..filter.filter()
            };
            let outcome = ops::list(ws, kind, &filter)?;
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        NextStepCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        NextStepCommand::Done { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Done, note.as_deref())?,
        ),
        NextStepCommand::Drop { id, reason } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Dropped, reason.as_deref())?,
        ),
        NextStepCommand::Carry { id, sprint } => {
            let outcome = ops::carry(ws, &id, &sprint)?;
            printer.outcome(&outcome, |item, st| {
                format!(
                    "Carried next step {} to sprint {}\n",
                    st.bold(&item.id),
                    or_dash(item.sprint.as_deref())
                )
            });
        }
    }
    Ok(())
}
