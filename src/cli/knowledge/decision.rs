//! `cmos decision ...`: decisions and their rationale.

use clap::Subcommand;

use super::{FilterArgs, print_added, print_hits, print_show, render_list};
use crate::cli::command_context::CommandContext;
use crate::error::Result;
use crate::model::ItemKind;
use crate::ops::knowledge::{self as ops, ListFilter, NewItem};

// `cmos decision`: its help is on `cli::Command::Decision`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum DecisionCommand {
    /// Record a decision.
    Add {
        /// What was decided, in one line.
        title: String,
        /// Why: the options weighed and the reason for this one.
        #[arg(long)]
        rationale: String,
        #[arg(long)]
        mission: Option<String>,
        /// A free grouping, e.g. architecture, process, tooling.
        #[arg(long)]
        category: Option<String>,
        /// The decision this one replaces; it is marked Superseded.
        #[arg(long, value_name = "ID")]
        supersedes: Option<String>,
    },
    /// List decisions in force, newest first; `by-sprint SPRINT` lists a sprint's.
    #[command(visible_aliases = ["ls", "by-sprint"])]
    List {
        /// Only decisions made in this sprint (its id, original id or title), as --sprint.
        #[arg(value_name = "SPRINT", conflicts_with = "sprint")]
        in_sprint: Option<String>,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, visible_alias = "domain")]
        category: Option<String>,
        /// Only decisions made in this sprint (its id, original id or title).
        #[arg(long)]
        sprint: Option<String>,
        /// Show at most this many.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    Show {
        id: String,
    },
    /// Find decisions (superseded ones too) by words of their title, rationale or category.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Only decisions of this category.
        #[arg(long, visible_alias = "domain")]
        category: Option<String>,
    },
    /// Archive decisions that no longer matter, without replacing them (several in one commit).
    Archive {
        #[arg(required = true, num_args = 1.., value_name = "ID")]
        ids: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Decisions that may be stale, scored by age in sprints, with what to do (read-only).
    Review(super::review::ReviewArgs),
    /// Confirm a decision still holds: a review leaves it alone for the threshold's span.
    Reaffirm(super::review::ReaffirmArgs),
}

pub fn run(ctx: &CommandContext, cmd: DecisionCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    let kind = ItemKind::Decision;
    match cmd {
        DecisionCommand::Add {
            title,
            rationale,
            mission,
            category,
            supersedes,
        } => {
            let request = NewItem {
                text: title,
                rationale: Some(rationale),
                category,
                mission,
                supersedes,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        DecisionCommand::List {
            in_sprint,
            filter,
            category,
            sprint,
            limit,
        } => {
            let filter = ListFilter {
                category,
                sprint: sprint.or(in_sprint),
                require_sprint: true,
                ..filter.filter()
            };
            let mut outcome = ops::list(ws, kind, &filter)?;
            if let Some(limit) = limit {
                outcome.data.truncate(limit);
            }
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        DecisionCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        DecisionCommand::Search {
            query,
            limit,
            category: None,
        } => print_hits(printer, ops::search(ws, kind, &query.join(" "), limit)?),
        DecisionCommand::Search {
            query,
            limit,
            category: Some(category),
        } => {
            // Ranked over every decision, then cut to the category, so the limit counts
            // the category's hits.
            let mut outcome = ops::search(ws, kind, &query.join(" "), usize::MAX)?;
            outcome
                .data
                .retain(|h| ops::in_category(&h.item, category.trim()));
            outcome.data.truncate(limit);
            print_hits(printer, outcome)
        }
        DecisionCommand::Archive { ids, note } => {
            super::review::archive(printer, ws, kind, &ids, note.as_deref())?
        }
        DecisionCommand::Review(args) => return super::review::review(ctx, kind, args),
        DecisionCommand::Reaffirm(args) => return super::review::reaffirm(ctx, kind, args),
    }
    Ok(())
}
