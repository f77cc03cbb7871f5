//! `cmos merge`: merge another cmos branch (a team's) into this clone's.

use clap::Args;

use super::output::{Printer, Style};
use crate::error::Result;
use crate::ops::Workspace;
use crate::ops::merge_branch::{self as ops, MergeOutcome};

// `cmos merge`: its help is on `cli::Command::Merge`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The branch to merge: a local branch (cmos-team-a), a remote-tracking one
    /// (origin/cmos-team-a) or a full ref; with --remote, that remote's branch.
    branch: String,
    /// Fetch the branch from this remote first, then merge it.
    #[arg(long, value_name = "REMOTE")]
    remote: Option<String>,
    /// Show what would come in and which fields would conflict, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Merge the branch even if it shares no history with this clone's (another project's
    /// init): both projects' records end up on one branch.
    #[arg(long)]
    allow_unrelated: bool,
}

pub fn run(ws: &Workspace, args: MergeArgs, printer: &Printer) -> Result<()> {
    let request = ops::MergeRequest {
        branch: args.branch,
        remote: args.remote,
        dry_run: args.dry_run,
        allow_unrelated: args.allow_unrelated,
    };
    let outcome = ops::merge_branch(ws, &request)?;
    printer.outcome(&outcome, render);
    Ok(())
}

fn render(m: &MergeOutcome, style: &Style) -> String {
    let mut out = format!("{} into {}: {}\n", style.bold(&m.source), m.into, m.result);
    if let Some(commit) = &m.commit {
        out.push_str(&format!("merge commit {commit}\n"));
    }
    if !m.incoming.is_empty() {
        out.push_str(&format!("incoming ({}):\n", m.incoming.len()));
        for item in m.incoming.iter().take(20) {
            out.push_str(&format!("  {item}\n"));
        }
        if m.incoming.len() > 20 {
            out.push_str(&format!("  … {} more\n", m.incoming.len() - 20));
        }
    }
    for c in &m.conflicts {
        out.push_str(&format!(
            "conflict {} {}: kept {:?}, recorded {:?}\n",
            c.target, c.field, c.kept, c.lost
        ));
    }
    out
}
