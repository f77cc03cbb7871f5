//! `cmos learning ...` and `cmos constraint ...`: the same verbs over two kinds of note.

use clap::Subcommand;

use super::{FilterArgs, print_added, print_hits, print_show, render_list};
use crate::cli::command_context::CommandContext;
use crate::cli::input::text_or_stdin;
use crate::error::Result;
use crate::model::ItemKind;
use crate::ops::knowledge::{self as ops, NewItem};

/// Learnings or constraints: add, list, show, search, archive.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum NoteCommand {
    /// Record one (`-` reads the text from standard input).
    Add {
        text: String,
        #[arg(long)]
        mission: Option<String>,
    },
    /// List the ones in force, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
    },
    Show {
        id: String,
    },
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Archive ones that no longer apply (several in one commit); they stay in the history.
    Archive {
        #[arg(required = true, num_args = 1.., value_name = "ID")]
        ids: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
}

/// `cmos learning ...` and `cmos constraint ...`.
pub fn run(ctx: &CommandContext, kind: ItemKind, cmd: NoteCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    match cmd {
        NoteCommand::Add { text, mission } => {
            let request = NewItem {
                text: text_or_stdin(text)?,
                mission,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        NoteCommand::List { filter } => {
            let outcome = ops::list(ws, kind, &filter.filter())?;
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        NoteCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        NoteCommand::Search { query, limit } => {
            print_hits(printer, ops::search(ws, kind, &query.join(" "), limit)?)
        }
        NoteCommand::Archive { ids, note } => {
            super::review::archive(printer, ws, kind, &ids, note.as_deref())?
        }
    }
    Ok(())
}
