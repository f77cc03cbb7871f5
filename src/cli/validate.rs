//! `cmos validate health | docs`: the original CMOS's checks of the project, mapped onto the
//! branch and the working tree. Each prints its report and exits 6 (as `cmos verify`) when it
//! finds a problem.

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::Style;
use crate::error::{Error, Result};
use crate::model::text::escape_line;
use crate::ops::validate::{self, Health};
use crate::ops::validate_docs::{self, DocStatus, DocsReport};

// `cmos validate`: its help is on `cli::Command::Validate`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ValidateCommand {
    /// The branch loads, its format, what it holds, what verify finds, the hooks.
    Health,
    /// Every document path the missions, context notes and README point at exists in the
    /// working tree (paths are resolved only inside it).
    Docs,
}

pub fn run(ctx: &CommandContext, cmd: ValidateCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let clean = match cmd {
        ValidateCommand::Health => {
            let outcome = validate::health(ws)?;
            printer.outcome(&outcome, render_health);
            outcome.data.healthy
        }
        ValidateCommand::Docs => {
            let outcome = validate_docs::docs(ws)?;
            printer.outcome(&outcome, render_docs);
            outcome.data.clean
        }
    };
    if !clean {
        // The code `cmos verify` exits with when it finds problems.
        ctx.exit_with(
            Error::Invalid {
                reference: String::new(),
                problems: Vec::new(),
            }
            .exit_code(),
        );
    }
    Ok(())
}

fn render_health(h: &Health, st: &Style) -> String {
    let mut out = String::new();
    for c in &h.checks {
        let mark = match (c.ok, c.required) {
            (true, _) => st.green("ok  "),
            (false, true) => st.red("FAIL"),
            (false, false) => st.yellow("warn"),
        };
        out.push_str(&format!(
            "{mark} {:<13} {}\n",
            c.name,
            escape_line(&c.detail)
        ));
    }
    let c = &h.counts;
    let by_status: Vec<String> = c
        .missions_by_status
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    out.push_str(&format!(
        "     {:<13} {} missions ({}), {} sprints, {} sessions\n",
        "counts",
        c.missions,
        if by_status.is_empty() {
            "none".into()
        } else {
            by_status.join(", ")
        },
        c.sprints,
        c.sessions
    ));
    for p in h.problems.iter().take(20) {
        out.push_str(&format!("  {}\n", escape_line(p)));
    }
    out.push_str(if h.healthy {
        "Healthy.\n"
    } else {
        "Not healthy: see the failed checks above.\n"
    });
    out
}

fn render_docs(r: &DocsReport, st: &Style) -> String {
    let mut out = String::new();
    for d in r
        .references
        .iter()
        .filter(|d| d.status != DocStatus::Exists)
    {
        let why = match d.status {
            DocStatus::Missing => "missing",
            DocStatus::Absolute => "absolute: outside the working tree",
            DocStatus::Escapes => "climbs out of the working tree",
            DocStatus::LinkOutside => "a link on the way points out of the working tree",
            DocStatus::Exists => "exists",
        };
        out.push_str(&format!(
            "{} {} ({}): {why}\n",
            st.red("problem"),
            escape_line(&d.path),
            escape_line(&d.source)
        ));
    }
    if r.skipped > 0 {
        out.push_str(&format!("{} more references not checked\n", r.skipped));
    }
    out.push_str(&format!(
        "{} document reference(s) checked, {} problem(s)\n",
        r.checked, r.problems
    ));
    out
}
