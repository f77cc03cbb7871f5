//! `cmos mission start|complete|approve|reject|block|unblock|drop|defer|depends|undepend`.

use clap::Subcommand;

use crate::cli::check::render_results;
use crate::cli::output::{Printer, Style};
use crate::cli::parse;
use crate::error::Result;
use crate::lifecycle::checks::Selection;
use crate::model::{ApprovalState, DepType, Status};
use crate::ops::Workspace;
use crate::ops::checks;
use crate::ops::gate::{self, Promotion, Validation};
use crate::ops::mission::{self as links, LinkOutcome};
use crate::ops::transition::{self as ops, TransitionOutcome};

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MoveCommand {
    /// Start a mission (Queued or Current → In Progress).
    Start {
        /// [default: this worktree's session's mission, else its active mission, else the
        /// next mission]
        id: Option<String>,
        /// A note for the history.
        #[arg(long, visible_alias = "summary")]
        notes: Option<String>,
    },
    /// Complete a mission; the next ready Queued mission becomes Current.
    Complete {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        /// What was done, for the history.
        #[arg(short = 'n', long)]
        notes: Option<String>,
        /// A one-line summary, put before the notes in the history.
        #[arg(long)]
        summary: Option<String>,
        /// A hint for whoever comes next, put after the notes in the history.
        #[arg(long, value_name = "TEXT")]
        next_hint: Option<String>,
        /// Do not promote the next mission to Current.
        #[arg(long)]
        no_promote: bool,
        /// Start the promoted mission at once (In Progress rather than Current), in the same
        /// commit.
        #[arg(long, conflicts_with = "no_promote")]
        immediate: bool,
        /// How sure you are that the work meets its success criteria, 0 to 1. At or above the
        /// policy's auto-approval threshold (0.80) the mission is Completed; in the review
        /// range (0.60 to 0.80) it waits for a person to approve it; below, the completion is
        /// refused.
        #[arg(long, value_name = "SCORE", value_parser = parse::validation_score, allow_hyphen_values = true)]
        validation_score: Option<f64>,
        /// What backs the score: a test run, a review, a link (repeat for several).
        #[arg(long, value_name = "TEXT", requires = "validation_score")]
        evidence: Vec<String>,
        /// Which local checks run first (see `cmos check`): all, none, or names [default:
        /// those whose paths the mission's commits touched]. Each result is recorded as
        /// evidence; a failed check refuses the completion (or, by the policy
        /// validation.failed_check, sends it to review).
        #[arg(long, value_name = "NAME", num_args = 1.., value_delimiter = ',')]
        checks: Vec<String>,
    },
    /// Approve a mission that waits for review after a completion with a validation score:
    /// it is Completed and the next ready mission promoted. The one who gave the score may not
    /// approve it, unless the project's validation policy allows self-approval.
    Approve {
        id: String,
        /// Why it is good enough, for the history.
        #[arg(short = 'n', long)]
        note: Option<String>,
    },
    /// Send a mission that waits for review back to work: it stays In Progress, marked
    /// rejected with the reason.
    Reject {
        id: String,
        /// What must change before it is completed again.
        #[arg(short = 'r', long)]
        reason: String,
    },
    /// Block a mission, saying why and what it needs.
    Block {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        /// Why it cannot go on.
        #[arg(short = 'r', long)]
        reason: String,
        /// Something it needs (repeat for several).
        #[arg(long = "needs", visible_alias = "need", value_name = "WHAT")]
        needs: Vec<String>,
        /// A one-line summary, put before the reason (`SUMMARY: REASON`).
        #[arg(long)]
        summary: Option<String>,
        /// A hint for whoever comes next, put after the reason (`REASON (next: HINT)`).
        #[arg(long, value_name = "TEXT")]
        next_hint: Option<String>,
    },
    /// Unblock a mission, recording how the blocker was resolved.
    Unblock {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        /// How the blocker was resolved.
        #[arg(long)]
        resolution: Option<String>,
        /// Where it goes: in-progress (default) or current.
        #[arg(long, value_parser = parse::status, default_value = "in-progress")]
        to: Status,
    },
    /// Drop a mission for good.
    Drop {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Put a mission aside; it can be queued again later.
    Defer {
        /// [default: this worktree's session's mission, else its active mission]
        id: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Link two missions: FROM blocks|requires|relates|informs TO. Without --type, FROM
    /// blocks TO, as in the original CMOS: `mission depends B1 B2` means B2 waits for B1.
    Depends {
        from: String,
        to: String,
        /// blocks (default): TO waits for FROM to be completed; requires: FROM waits for TO;
        /// relates, informs: no order. The original's words are understood in any case
        /// (Blocks, sequential, Requires, depends_on, Enables, Relates, Informs).
        #[arg(long = "type", value_name = "TYPE", default_value = "blocks", value_parser = parse::dep_type)]
        kind: DepType,
    },
    /// Remove the link from FROM to TO.
    Undepend { from: String, to: String },
}

pub fn run(ws: &Workspace, cmd: MoveCommand, printer: &Printer) -> Result<()> {
    let scope = |id: Option<String>| ws.mission_or_active(id.as_deref());
    let (outcome, scoped) = match cmd {
        MoveCommand::Start { id, notes } => {
            let scoped = ws.mission_to_start(id.as_deref())?;
            (ops::start(ws, &scoped.id, notes.as_deref())?, scoped)
        }
        MoveCommand::Complete {
            id,
            notes,
            summary,
            next_hint,
            no_promote,
            immediate,
            validation_score,
            evidence,
            checks,
        } => {
            let scoped = scope(id)?;
            let next_hint = next_hint.map(|hint| format!("Next: {hint}"));
            let notes = joined([summary, notes, next_hint]);
            let promotion = match (immediate, no_promote) {
                (true, _) => Promotion::Start,
                (false, true) => Promotion::None,
                (false, false) => Promotion::Current,
            };
            let validation = Validation {
                score: validation_score,
                evidence,
            };
            let selection = Selection::from_words(&checks);
            let outcome = checks::complete(
                ws,
                &scoped.id,
                notes.as_deref(),
                promotion,
                &validation,
                &selection,
            )?;
            let outcome = match outcome.data.completion.to {
                // Promotion waits while a mission is Current: say what to start.
                Status::Completed if immediate && outcome.data.completion.promoted.is_none() => {
                    outcome.warn(
                        "no Queued mission was started: one is Current already, or none is \
                         ready; `cmos mission next --start` starts the next one",
                    )
                }
                _ => outcome,
            };
            printer.outcome(&outcome.scoped(&scoped, "mission"), |c, st| {
                render_results(&c.checks, st) + &render_move(&c.completion, st)
            });
            return Ok(());
        }
        MoveCommand::Approve { id, note } => {
            let scoped = scope(Some(id))?;
            (gate::approve(ws, &scoped.id, note.as_deref())?, scoped)
        }
        MoveCommand::Reject { id, reason } => {
            let scoped = scope(Some(id))?;
            (gate::reject(ws, &scoped.id, &reason)?, scoped)
        }
        MoveCommand::Block {
            id,
            reason,
            needs,
            summary,
            next_hint,
        } => {
            let scoped = scope(id)?;
            // One line, as the reason shows in lists and status.
            let mut reason = match summary.filter(|s| !s.trim().is_empty()) {
                Some(summary) => format!("{summary}: {reason}"),
                None => reason,
            };
            if let Some(hint) = next_hint.filter(|h| !h.trim().is_empty()) {
                reason = format!("{reason} (next: {hint})");
            }
            (ops::block(ws, &scoped.id, &reason, &needs)?, scoped)
        }
        MoveCommand::Unblock { id, resolution, to } => {
            let scoped = scope(id)?;
            let outcome = ops::unblock(ws, &scoped.id, resolution.as_deref(), to)?;
            (outcome, scoped)
        }
        MoveCommand::Drop { id, reason } => {
            let scoped = scope(id)?;
            (ops::drop(ws, &scoped.id, reason.as_deref())?, scoped)
        }
        MoveCommand::Defer { id, reason } => {
            let scoped = scope(id)?;
            (ops::defer(ws, &scoped.id, reason.as_deref())?, scoped)
        }
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
    printer.outcome(&outcome.scoped(&scoped, "mission"), render_move);
    Ok(())
}

/// The original CMOS took a summary, notes and a hint apart; cmos keeps one text for the
/// history, so the given parts go into it in that order, a paragraph each.
fn joined<const N: usize>(parts: [Option<String>; N]) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

pub fn render_move(t: &TransitionOutcome, style: &Style) -> String {
    if let Some(state) = t.approval_state
        && t.from == t.to
    {
        let what = match state {
            ApprovalState::NeedsReview => "waits for review",
            ApprovalState::Rejected => "was sent back to work",
            _ => "stays as it was",
        };
        // A failed check, or a fallback, holds work for review without a score.
        let score = t
            .validation_score
            .map_or(String::new(), |s| format!("validation score {s}, "));
        return format!(
            "Mission {} ({}) {what}: {score}{} ({state})\n",
            style.bold(&t.mission.id),
            t.mission.name,
            style.status(t.to, 0)
        );
    }
    let mut out = format!(
        "Mission {} ({}): {} → {}\n",
        style.bold(&t.mission.id),
        t.mission.name,
        t.from,
        style.status(t.to, 0)
    );
    if let (Some(state), Some(score)) = (t.approval_state, t.validation_score) {
        out.push_str(&format!("Validation score {score}: {state}\n"));
    }
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
    // Say which mission waits, so the direction of the link is never in doubt.
    let waits = match l.kind {
        DepType::Blocks => format!(": {} waits for {}", l.to, l.from),
        DepType::Requires => format!(": {} waits for {}", l.from, l.to),
        _ => String::new(),
    };
    let mut out = format!(
        "Linked {} {} {}{waits}\n",
        style.bold(&l.from),
        l.kind,
        style.bold(&l.to)
    );
    if let Some(old) = l.replaced {
        out.push_str(&format!("(replaces the earlier link of type {old})\n"));
    }
    out
}
