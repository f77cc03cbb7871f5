//! `cmos check list|run`: the checks configured in this repository's git config, listed or
//! run by hand. `mission complete` runs them too (see `--checks`).

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::{Style, table};
use crate::error::{Error, Result};
use crate::model::text::escape_line;
use crate::ops::checks::{self as ops, Check, CheckResult, CheckRun};

// `cmos check`: its help is on `cli::Command::Check`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CheckCommand {
    /// The configured checks: name, command, paths and time limit.
    #[command(visible_alias = "ls")]
    List,
    /// Run checks now (all, or those named) and show pass or fail, how long each took and
    /// the end of its output; exits 6 when one fails. Nothing is recorded.
    Run {
        /// Checks to run [default: all].
        names: Vec<String>,
    },
}

pub fn run(ctx: &CommandContext, cmd: CheckCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    match cmd {
        CheckCommand::List => printer.outcome(&ops::list(ws)?, |all, st| render_list(all, st)),
        CheckCommand::Run { names } => {
            let outcome = ops::run(ws, &names)?;
            printer.outcome(&outcome, render_run);
            if !outcome.data.passed {
                ctx.exit_with(
                    Error::Invalid {
                        reference: String::new(),
                        problems: Vec::new(),
                    }
                    .exit_code(),
                );
            }
        }
    }
    Ok(())
}

fn render_list(checks: &[Check], _style: &Style) -> String {
    if checks.is_empty() {
        return "No checks are configured (git config cmos.check.NAME.command COMMAND).\n".into();
    }
    let mut rows = vec![
        ["NAME", "TIMEOUT", "PATHS", "COMMAND"]
            .map(String::from)
            .to_vec(),
    ];
    for check in checks {
        let paths = match check.paths.is_empty() {
            true => "(every path)".to_string(),
            false => check.paths.join(" "),
        };
        rows.push(vec![
            check.name.clone(),
            format!("{}s", check.timeout_secs),
            paths,
            check.command.clone(),
        ]);
    }
    table(&rows, |_, _, cell| cell)
}

fn render_run(run: &CheckRun, style: &Style) -> String {
    render_results(&run.results, style)
}

/// Each result: a line saying how it went, then the end of its output when it failed.
pub fn render_results(results: &[CheckResult], style: &Style) -> String {
    let mut out = String::new();
    for result in results {
        let mark = match result.passed {
            true => style.green("PASS"),
            false => style.red("FAIL"),
        };
        out.push_str(&format!("{mark} {}\n", escape_line(&result.summary())));
        if !result.passed && !result.output_tail.is_empty() {
            // Already made safe for a terminal when it was captured.
            for line in result.output_tail.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out
}
