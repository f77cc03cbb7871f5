//! `cmos decision|learning review` and `reaffirm`, and the archive of several records at once:
//! the upkeep of what the project decided and learned.

use clap::{Args, Subcommand};

use super::note::NoteCommand;
use crate::cli::command_context::CommandContext;
use crate::cli::output::{Printer, Style, table};
use crate::error::Result;
use crate::lifecycle::review::{AgedBy, Suggestion};
use crate::model::text::one_line_cut;
use crate::model::{Item, ItemKind, ItemStatus};
use crate::ops::Outcome;
use crate::ops::knowledge as knowledge_ops;
use crate::ops::review::{self as ops, Review};

/// How wide a record's text is in the review's table.
const TEXT_WIDTH: usize = 80;

// `review`'s arguments.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Sprints after which a record is fully stale [default: the policy review.stale_sprints,
    /// 20].
    #[arg(long, value_name = "N")]
    threshold: Option<u32>,
}

// `reaffirm`'s arguments.
#[derive(Debug, Args)]
pub struct ReaffirmArgs {
    id: String,
    /// Never flag it as stale again (and keep it when its sprint closes).
    #[arg(long)]
    evergreen: bool,
}

/// Learnings: the verbs every note has, and their upkeep.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum LearningCommand {
    #[command(flatten)]
    Note(NoteCommand),
    /// Learnings that may be stale, scored by age in sprints, with what to do (read-only).
    Review(ReviewArgs),
    /// Confirm a learning still holds: a review leaves it alone for the threshold's span.
    Reaffirm(ReaffirmArgs),
}

pub fn run_learning(ctx: &CommandContext, cmd: LearningCommand) -> Result<()> {
    match cmd {
        LearningCommand::Note(cmd) => super::note::run(ctx, ItemKind::Learning, cmd),
        LearningCommand::Review(args) => review(ctx, ItemKind::Learning, args),
        LearningCommand::Reaffirm(args) => reaffirm(ctx, ItemKind::Learning, args),
    }
}

pub fn review(ctx: &CommandContext, kind: ItemKind, args: ReviewArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    printer.outcome(&ops::review(ws, kind, args.threshold)?, render_review);
    Ok(())
}

pub fn reaffirm(ctx: &CommandContext, kind: ItemKind, args: ReaffirmArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let outcome = ops::reaffirm(ws, kind, &args.id, args.evergreen)?;
    printer.outcome(&outcome, |item, st| {
        format!(
            "Reaffirmed {} {}{}\n",
            item.kind,
            st.bold(&item.id),
            if item.evergreen { " (evergreen)" } else { "" }
        )
    });
    Ok(())
}

/// `archive ID...`: one id closes as it always did; several go in one commit.
pub fn archive(
    printer: &Printer,
    ws: &crate::ops::Workspace,
    kind: ItemKind,
    ids: &[String],
    note: Option<&str>,
) -> Result<()> {
    if let [id] = ids {
        let outcome = knowledge_ops::close(ws, kind, id, ItemStatus::Archived, note)?;
        super::print_closed(printer, outcome);
        return Ok(());
    }
    let outcome: Outcome<Vec<Item>> = ops::archive_all(ws, kind, ids, note)?;
    printer.outcome(&outcome, |items, st| {
        items
            .iter()
            .map(|i| format!("{} {} is now {}\n", i.kind, st.bold(&i.id), i.status))
            .collect()
    });
    Ok(())
}

fn suggestion(s: Suggestion) -> &'static str {
    match s {
        Suggestion::Confirm => "confirm",
        Suggestion::Review => "review",
        Suggestion::Archive => "archive",
    }
}

fn render_review(r: &Review, style: &Style) -> String {
    let plural = match r.kind {
        ItemKind::Decision => "decisions",
        _ => "learnings",
    };
    let mut out = format!(
        "Review of {} {plural}: threshold {} sprints, current sprint {}\n",
        r.active,
        r.threshold,
        r.current_sprint.as_deref().unwrap_or("none")
    );
    if r.evergreen + r.recently_reaffirmed > 0 {
        out.push_str(&format!(
            "Left out: {} evergreen, {} reaffirmed within {} days\n",
            r.evergreen,
            r.recently_reaffirmed,
            u64::from(r.threshold) * crate::lifecycle::review::DAYS_PER_SPRINT as u64
        ));
    }
    if r.candidates.is_empty() {
        out.push_str(&format!("\nNo stale {plural}.\n"));
        return out;
    }
    out.push('\n');
    let mut rows = vec![
        ["ID", "SCORE", "AGE", "SPRINT", "SUGGEST", "TEXT"]
            .map(String::from)
            .to_vec(),
    ];
    for c in &r.candidates {
        let age = match c.aged_by {
            AgedBy::Sprints => format!("{} sprints", c.age),
            AgedBy::WallClock => format!("{} sprints (clock)", c.age),
        };
        rows.push(vec![
            c.id.clone(),
            format!("{:.2}", c.score),
            age,
            c.sprint.clone().unwrap_or_else(|| "-".into()),
            suggestion(c.suggestion).into(),
            one_line_cut(&c.text, TEXT_WIDTH),
        ]);
    }
    out.push_str(&table(&rows, |row, _, cell| {
        if row == 0 { style.dim(&cell) } else { cell }
    }));
    if !r.archive.is_empty() {
        let noun = match r.kind {
            ItemKind::Decision => "decision",
            _ => "learning",
        };
        out.push_str(&format!(
            "\nArchive the {} suggested at once:\n  cmos {noun} archive {}\n",
            r.archive.len(),
            r.archive.join(" ")
        ));
    }
    if r.candidates
        .iter()
        .any(|c| c.suggestion == Suggestion::Confirm)
    {
        let noun = match r.kind {
            ItemKind::Decision => "decision",
            _ => "learning",
        };
        out.push_str(&format!(
            "\nConfirm one that still holds: cmos {noun} reaffirm ID [--evergreen]\n"
        ));
    }
    out
}
