//! `cmos fact ...`: facts, optionally pinned to files so they can be flagged stale.

use clap::Subcommand;

use super::{FilterArgs, one_line, print_added, print_closed, print_show};
use crate::cli::command_context::CommandContext;
use crate::cli::input::text_or_stdin;
use crate::cli::output::{Style, or_dash, table};
use crate::error::Result;
use crate::model::{ItemKind, ItemStatus};
use crate::ops::knowledge::{self as ops, FactView, ListFilter, NewItem};

// `cmos fact`: its help is on `cli::Command::Fact`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum FactCommand {
    /// Record a fact (`-` reads it from standard input).
    Add {
        text: String,
        /// What the fact is about, e.g. api, build, data.
        #[arg(long, value_name = "K")]
        kind: String,
        /// A file the fact describes (repeat for several); it goes stale when one changes.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<String>,
        /// The commit the files are pinned at [default: HEAD].
        #[arg(long, value_name = "REV")]
        commit: Option<String>,
        #[arg(long)]
        mission: Option<String>,
    },
    /// List facts in force, newest first, with whether their files changed since.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Only facts whose pinned files changed since their commit.
        #[arg(long)]
        stale: bool,
        #[arg(long, value_name = "K")]
        kind: Option<String>,
    },
    Show {
        id: String,
    },
    /// Archive a fact that is no longer true.
    Archive {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

pub fn run(ctx: &CommandContext, cmd: FactCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    let kind = ItemKind::Fact;
    match cmd {
        FactCommand::Add {
            text,
            kind: category,
            files,
            commit,
            mission,
        } => {
            let request = NewItem {
                text: text_or_stdin(text)?,
                category: Some(category),
                files,
                commit,
                mission,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        FactCommand::List {
            filter,
            stale,
            kind: category,
        } => {
            let filter = ListFilter {
                category,
                ..filter.filter()
            };
            let outcome = ops::facts(ws, &filter, stale)?;
            printer.outcome(&outcome, |facts, st| render_facts(facts, st));
        }
        FactCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        FactCommand::Archive { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Archived, note.as_deref())?,
        ),
    }
    Ok(())
}

fn render_facts(facts: &[FactView], style: &Style) -> String {
    if facts.is_empty() {
        return "No facts.\n".into();
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "KIND".into(),
        "STALE".into(),
        "TEXT".into(),
    ]];
    for f in facts {
        rows.push(vec![
            f.item.id.clone(),
            or_dash(f.item.category.as_deref()),
            if f.stale {
                format!("stale: {}", f.changed_files.join(", "))
            } else {
                "-".into()
            },
            one_line(&f.item.text, 80),
        ]);
    }
    table(&rows, |r, c, cell| match (r, c) {
        (0, _) => style.dim(&cell),
        (_, 2) if cell.starts_with("stale") => style.yellow(&cell),
        _ => cell,
    })
}
