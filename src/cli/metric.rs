//! `cmos metric add|list`: what sessions and missions cost and yielded.

use clap::{Args, Subcommand};

use super::command_context::CommandContext;
use super::output::or_dash;
use crate::error::Result;
use crate::model::Metric;
use crate::ops::metrics::{self, Measures};

// `cmos metric`: its help is on `cli::Command::Metric`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum MetricCommand {
    /// Record a metric (at least one measure) for a session and/or a mission.
    Add {
        /// [default: the session open in this worktree]
        #[arg(long)]
        session: Option<String>,
        /// [default: the session's mission, else this worktree's active mission]
        #[arg(long)]
        mission: Option<String>,
        #[command(flatten)]
        measures: MeasureArgs,
    },
    /// Metrics recorded, newest first.
    List {
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        mission: Option<String>,
        /// At most this many [default: 50].
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

// The measures of a metric, on `metric add` and `session complete`.
#[derive(Debug, Clone, Default, Args)]
pub struct MeasureArgs {
    /// Tokens read by the model.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
    pub tokens_in: Option<u64>,
    /// Tokens written by the model.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
    pub tokens_out: Option<u64>,
    /// Time the work took, in milliseconds.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
    pub latency_ms: Option<u64>,
    /// Changes or answers accepted.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
    pub accepted: Option<u64>,
    /// Defects found in the work.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
    pub defects: Option<u64>,
    /// The model that did the work.
    #[arg(long, value_name = "NAME")]
    pub model: Option<String>,
}

impl MeasureArgs {
    pub fn measures(&self) -> Measures {
        Measures {
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms: self.latency_ms,
            accepted: self.accepted,
            defects: self.defects,
            model: self.model.clone(),
        }
    }

    /// Whether any measure or the model was given.
    pub fn given(&self) -> bool {
        !self.measures().is_empty() || self.model.is_some()
    }
}

/// A measure: a whole number, 0 or more (said plainly for a negative or a fraction).
fn count(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    text.parse::<u64>().map_err(|_| {
        let why = if text.starts_with('-') {
            "a measure cannot be negative"
        } else {
            "not a whole number"
        };
        format!("{why}: give a whole number, 0 or more")
    })
}

pub fn run(ctx: &CommandContext, cmd: MetricCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    match cmd {
        MetricCommand::Add {
            session,
            mission,
            measures,
        } => {
            let outcome = metrics::add(
                ws,
                session.as_deref(),
                mission.as_deref(),
                &measures.measures(),
            )?;
            printer.outcome(&outcome, |m, st| {
                format!("Recorded metric for {}\n", st.bold(&about(m)))
            });
        }
        MetricCommand::List {
            session,
            mission,
            limit,
        } => {
            let outcome = metrics::list(ws, session.as_deref(), mission.as_deref(), limit)?;
            printer.outcome(&outcome, |list, _| {
                if list.is_empty() {
                    return "No metrics.\n".to_string();
                }
                list.iter().map(line).collect()
            });
        }
    }
    Ok(())
}

/// What a metric is about: `session ps-1, mission B1`.
fn about(m: &Metric) -> String {
    let parts: Vec<String> = [("session", &m.session), ("mission", &m.mission)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    parts.join(", ")
}

fn line(m: &Metric) -> String {
    let n = |v: Option<u64>| or_dash(v.map(|v| v.to_string()).as_deref());
    format!(
        "{}  {}  in {}  out {}  {} ms  accepted {}  defects {}  {}\n",
        m.at,
        about(m),
        n(m.tokens_in),
        n(m.tokens_out),
        n(m.latency_ms),
        n(m.accepted),
        n(m.defects),
        or_dash(m.model.as_deref()),
    )
}
