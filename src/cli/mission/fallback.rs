//! `cmos mission fallback`: record a step up the escalation ladder; and the rows `mission
//! show` gives a mission's pattern and escalations.

use clap::Args;

use crate::cli::output::{Printer, Style};
use crate::cli::parse;
use crate::error::Result;
use crate::lifecycle::fallback::Tier;
use crate::model::{Mission, text::escape_line};
use crate::ops::Workspace;
use crate::ops::fallback::{self, Escalated};

#[derive(Debug, Args)]
pub struct FallbackArgs {
    /// [default: this worktree's session's mission, else its active mission]
    id: Option<String>,
    /// The rung: 1 retry, 2 pattern threshold reached, 3 fallback to linear execution (marks
    /// the mission fallback_triggered), 4 human review. From 3, completing the mission sends
    /// it for review, and only a person who did not work on it can approve it.
    #[arg(long, value_name = "1..4", value_parser = parse::parsed::<Tier>, allow_hyphen_values = true)]
    tier: Tier,
    /// What failed, and what was tried.
    #[arg(short = 'r', long)]
    reason: String,
}

pub(super) fn run(ws: &Workspace, args: FallbackArgs, printer: &Printer) -> Result<()> {
    let scoped = ws.mission_or_active(args.id.as_deref())?;
    let outcome = fallback::record(ws, &scoped.id, args.tier, Some(&args.reason))?;
    printer.outcome(&outcome.scoped(&scoped, "mission"), render);
    Ok(())
}

fn render(e: &Escalated, style: &Style) -> String {
    let mut out = format!(
        "Mission {} ({}): escalation tier {} ({}) recorded, {} in all\n",
        style.bold(&e.mission.id),
        escape_line(&e.mission.name),
        e.escalation.tier,
        e.meaning,
        e.escalations
    );
    if e.needs_human_review {
        out.push_str("Its completion now waits for a person's approval.\n");
    }
    out
}

/// `mission show`'s rows for the pattern, a fallback and the escalations.
pub(crate) fn show_rows(m: &Mission) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    if let Some(pattern) = m.pattern {
        let why = m
            .pattern_rationale
            .as_deref()
            .map_or(String::new(), |r| format!(" ({})", escape_line(r)));
        rows.push(vec!["Pattern".into(), format!("{pattern}{why}")]);
    }
    if m.needs_human_review() {
        let why = crate::lifecycle::fallback::why_human(m);
        rows.push(vec![
            "Fallback".into(),
            format!("{why}: a person must approve its completion"),
        ]);
    }
    for e in &m.escalations {
        let meaning = Tier::from_number(e.tier.into()).map_or("unknown tier", Tier::meaning);
        rows.push(vec![
            "Escalation".into(),
            format!(
                "tier {} ({meaning}) at {} by {}: {}",
                e.tier,
                e.at,
                escape_line(&e.by),
                escape_line(&e.reason)
            ),
        ]);
    }
    rows
}
