//! `cmos policy get|set|unset|list`: the thresholds orchestration reads.

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::{Style, table};
use crate::error::Result;
use crate::model::text::{escape_line, first_line_cut};
use crate::ops::policy::{self as ops, Changed, Shown, Source};

// `cmos policy`: its help is on `cli::Command::Policy`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum PolicyCommand {
    /// Every policy, its value and where it comes from (default, or who set it and when).
    #[command(visible_alias = "ls")]
    List,
    /// One policy's value and where it comes from.
    Get {
        /// The key, e.g. validation.auto_approve_min.
        key: String,
    },
    /// Set a policy, as one commit. Scores are 0 to 1; counts are whole numbers from 1;
    /// limits.loop_window_secs takes 600, 600s, 10m or 1h; routing values are model names.
    Set {
        /// The key, e.g. limits.tool_cap.
        key: String,
        /// The value, checked against the key and the other policies.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Return a policy to its default, as one commit.
    Unset {
        /// The key, e.g. routing.complex.
        key: String,
    },
}

pub fn run(ctx: &CommandContext, cmd: PolicyCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    match cmd {
        PolicyCommand::List => {
            printer.outcome(&ops::list(ws)?, |all, st| render_list(all, st));
        }
        PolicyCommand::Get { key } => {
            printer.outcome(&ops::get(ws, &key)?, |one, _| {
                format!("{} = {} ({})\n", one.key, one.value, source(one))
            });
        }
        PolicyCommand::Set { key, value } => {
            printer.outcome(&ops::set(ws, &key, &value)?, render_change);
        }
        PolicyCommand::Unset { key } => {
            printer.outcome(&ops::unset(ws, &key)?, render_change);
        }
    }
    Ok(())
}

/// `default`, or `set by NAME at TIME`.
fn source(shown: &Shown) -> String {
    match shown.source {
        Source::Default => "default".into(),
        Source::Set => {
            let by = shown.set_by.as_deref().unwrap_or("unknown");
            // Read from the branch: escaped before it reaches a terminal.
            let by = escape_line(&first_line_cut(by, 40)).into_owned();
            match shown.set_at {
                Some(at) => format!("set by {by} at {at}"),
                None => format!("set by {by}"),
            }
        }
    }
}

fn render_list(all: &[Shown], style: &Style) -> String {
    let mut rows = vec![["KEY", "VALUE", "SOURCE"].map(String::from).to_vec()];
    for shown in all {
        rows.push(vec![
            shown.key.to_string(),
            shown.value.to_string(),
            source(shown),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

fn render_change(changed: &Changed, _: &Style) -> String {
    let now = &changed.now;
    if !changed.changed {
        return format!("{} = {} ({}); unchanged\n", now.key, now.value, source(now));
    }
    format!(
        "{} = {} (was {}; {})\n",
        now.key,
        now.value,
        changed.previous,
        source(now)
    )
}
