//! `cmos history`, `cmos diff`, `cmos verify`, `cmos undo`: reviewing and repairing the
//! branch's history.

use clap::Args;

use super::output::{Printer, Style};
use crate::error::Result;
use crate::model::text::short_hash;
use crate::ops::history::{self, MissionChange};
use crate::ops::undo::{self, Undone};
use crate::ops::verify::{self, Verified};
use crate::ops::{Workspace, snapshots};

// `cmos history`: its help is on `cli::Command::History`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// [default: this worktree's session's mission, else its active mission]
    mission: Option<String>,
    #[arg(
        short = 'n',
        long = "max-count",
        default_value_t = 50,
        value_name = "N"
    )]
    limit: usize,
}

// `cmos diff`: its help is on `cli::Command::Diff`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    from: String,
    /// [default: the tip]
    to: Option<String>,
}

// `cmos verify`: its help is on `cli::Command::Verify`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The branch or revision to check, e.g. a pull request's branch [default: the cmos branch].
    #[arg(long = "ref", value_name = "REF")]
    reference: Option<String>,
}

pub fn run_history(ws: &Workspace, args: HistoryArgs, printer: &Printer) -> Result<()> {
    let scoped = ws.mission_or_active(args.mission.as_deref())?;
    let outcome = history::mission_history(ws, &scoped.id, args.limit)?.scoped(&scoped, "mission");
    printer.outcome(&outcome, |changes, st| render_history(changes, st));
    Ok(())
}

pub fn run_diff(ws: &Workspace, args: DiffArgs, printer: &Printer) -> Result<()> {
    let outcome = snapshots::diff(ws, &args.from, args.to.as_deref())?;
    printer.outcome(&outcome, super::context::render_diff);
    Ok(())
}

pub fn run_verify(ws: &Workspace, args: VerifyArgs, printer: &Printer) -> Result<()> {
    let outcome = verify::verify(ws, args.reference.as_deref())?;
    printer.outcome(&outcome, |v: &Verified, st| {
        format!(
            "{} at {}: no problems\n",
            st.bold(&v.reference),
            short_hash(&v.commit)
        )
    });
    Ok(())
}

pub fn run_undo(ws: &Workspace, printer: &Printer) -> Result<()> {
    let outcome = undo::undo(ws)?;
    printer.outcome(&outcome, |u: &Undone, st| {
        let mut out = format!(
            "Undid {} ({})\n",
            st.bold(&u.undone.summary),
            u.undone.commit.short()
        );
        for id in &u.retracted {
            out.push_str(&format!("  took back the change to {id}\n"));
        }
        for c in &u.kept_later {
            out.push_str(&format!(
                "  kept {} {} = {:?}: changed again since\n",
                c.target, c.field, c.kept
            ));
        }
        out
    });
    Ok(())
}

fn render_history(changes: &[MissionChange], style: &Style) -> String {
    let mut out = String::new();
    for c in changes {
        out.push_str(&format!(
            "{} {} {} ({})\n",
            style.dim(&c.entry.at.to_string()),
            style.bold(&c.entry.summary),
            style.dim(&c.entry.commit.short()),
            c.entry.agent
        ));
        for f in &c.fields {
            match &f.diff {
                Some(diff) => {
                    out.push_str(&format!("    {}:\n", f.field));
                    for line in diff.lines().skip(2) {
                        out.push_str(&format!("      {line}\n"));
                    }
                }
                None => out.push_str(&format!(
                    "    {}: {} → {}\n",
                    f.field,
                    f.from.as_deref().unwrap_or("-"),
                    f.to.as_deref().unwrap_or("-")
                )),
            }
        }
    }
    out
}
