//! `cmos report weekly|sprint`: metrics rolled up per mission and per session type, with
//! estimate accuracy and what the confidence gate and the escalation ladder decided, as text,
//! Markdown or (with --json) the envelope.

use clap::{Args, Subcommand, ValueEnum};

use super::command_context::CommandContext;
use super::parse::parsed;
use crate::error::Result;
use crate::model::Date;
use crate::model::text::escape_line;
use crate::ops::metrics::{self, GateOutcomes, Period, Report, Rollup, Stat};

// `cmos report`: its help is on `cli::Command::Report`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ReportCommand {
    /// Metrics recorded since a day [default: the last seven days].
    Weekly {
        /// YYYY-MM-DD.
        #[arg(long, value_name = "DATE", value_parser = parsed::<Date>)]
        since: Option<Date>,
        #[command(flatten)]
        shape: ShapeArgs,
    },
    /// Metrics of a sprint: of its sessions and of its missions.
    Sprint {
        id: String,
        #[command(flatten)]
        shape: ShapeArgs,
    },
}

#[derive(Debug, Args)]
pub struct ShapeArgs {
    /// text or markdown (--json gives the envelope).
    #[arg(long, value_enum, default_value_t = Shape::Text)]
    format: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shape {
    Text,
    Markdown,
}

pub fn run(ctx: &CommandContext, cmd: ReportCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let (period, shape) = match cmd {
        ReportCommand::Weekly { since, shape } => (Period::Since(since), shape.format),
        ReportCommand::Sprint { id, shape } => (Period::Sprint(id), shape.format),
    };
    let outcome = metrics::report(ws, &period)?;
    printer.outcome(&outcome, |r, _| render(r, shape == Shape::Markdown));
    Ok(())
}

/// The report as aligned text, or as Markdown tables.
fn render(r: &Report, markdown: bool) -> String {
    let title = match (&r.sprint, &r.since) {
        (Some(sprint), _) => format!("Metrics of sprint {sprint}"),
        (None, Some(since)) => format!("Metrics since {since}"),
        (None, None) => "Metrics".to_string(),
    };
    let mut out = if markdown {
        format!("# {title}\n\n")
    } else {
        format!("{title}\n\n")
    };
    let mut rows = vec![r.total.clone()];
    rows.iter_mut().for_each(|t| t.key = "all".into());
    out += &section("By mission", &r.by_mission, markdown);
    out += &section("By session type", &r.by_session_type, markdown);
    out += &section("Total", &rows, markdown);
    out += &validation(&r.validation, markdown);
    let est = &r.estimates;
    let heading = "Estimate accuracy";
    out += &if markdown {
        format!("## {heading}\n\n")
    } else {
        format!("{heading}\n")
    };
    if est.missions.is_empty() {
        out += "No completed mission with an estimate in this period.\n";
        return out;
    }
    for check in &est.missions {
        let estimate = check
            .time
            .estimate
            .map(|e| e.to_string())
            .unwrap_or_default();
        let percent = check
            .time
            .percent_of_estimate
            .map_or("-".to_string(), |p| format!("{p}%"));
        let bullet = if markdown { "- " } else { "  " };
        out += &format!(
            "{bullet}{}: worked {} of {estimate} estimated ({percent})\n",
            check.mission, check.time.spent.worked
        );
    }
    out += &format!(
        "Actual time as a share of the estimate: mean {}%, median {}%\n",
        num(est.percent_of_estimate.mean),
        num(est.percent_of_estimate.median)
    );
    out
}

/// What the gate and the escalation ladder decided: one line of counts each.
fn validation(v: &GateOutcomes, markdown: bool) -> String {
    let heading = "Validation and escalation";
    let mut out = if markdown {
        format!("## {heading}\n\n")
    } else {
        format!("{heading}\n")
    };
    if v.is_empty() {
        return out + "No score or escalation in this period.\n\n";
    }
    let bullet = if markdown { "- " } else { "  " };
    out += &format!(
        "{bullet}gate: {} auto-approved, {} approved by a person, {} waiting for review, {} refused, {} sent back\n",
        v.auto_approved, v.approved, v.needs_review, v.refused, v.rejected
    );
    if !v.escalations_by_tier.is_empty() {
        let tiers: Vec<String> = v
            .escalations_by_tier
            .iter()
            .map(|(tier, n)| format!("tier {tier}: {n}"))
            .collect();
        out += &format!("{bullet}escalations: {}\n", tiers.join(", "));
    }
    if !v.fallbacks.is_empty() {
        // Ids come from the branch; they are checked ids, but never trust a terminal to them.
        let ids: Vec<_> = v.fallbacks.iter().map(|id| escape_line(id)).collect();
        out += &format!("{bullet}fell back: {}\n", ids.join(", "));
    }
    out + "\n"
}

fn section(heading: &str, rollups: &[Rollup], markdown: bool) -> String {
    let header = [
        "",
        "metrics",
        "tokens in",
        "tokens out",
        "latency ms",
        "accepted",
        "defects",
    ];
    let cells = |r: &Rollup| -> Vec<String> {
        let mut row = vec![r.key.clone(), r.metrics.to_string()];
        for s in [
            &r.tokens_in,
            &r.tokens_out,
            &r.latency_ms,
            &r.accepted,
            &r.defects,
        ] {
            row.push(mean_median(s));
        }
        row
    };
    let mut out = String::new();
    if markdown {
        out += &format!("## {heading}\n\n| {} |\n", header.join(" | "));
        out += &format!("|{}\n", "---|".repeat(header.len()));
        for r in rollups {
            // Keys come from the branch: a `|` would end the cell.
            let row: Vec<String> = cells(r).iter().map(|c| c.replace('|', "\\|")).collect();
            out += &format!("| {} |\n", row.join(" | "));
        }
        out += "\n";
        return out;
    }
    out += &format!("{heading}  (mean / median)\n");
    if rollups.is_empty() {
        out += "  no metrics\n\n";
        return out;
    }
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    rows.extend(rollups.iter().map(cells));
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out += &format!("  {}\n", line.join("  ").trim_end());
    }
    out += "\n";
    out
}

/// `mean / median` of a measure, `-` when no metric had it.
fn mean_median(s: &Stat) -> String {
    if s.count == 0 {
        return "-".into();
    }
    format!("{} / {}", num(s.mean), num(s.median))
}

/// A number with at most one decimal.
fn num(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}
