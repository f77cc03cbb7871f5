//! `cmos sync` and `cmos conflicts`.

use clap::Args;

use super::output::{Printer, Style};
use crate::error::Result;
use crate::model::Event;
use crate::ops::Workspace;
use crate::ops::sync::{self as ops, SyncOutcome};

// `cmos sync`: its help is on `cli::Command::Sync`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// [default: the branch's upstream remote, else origin]
    remote: Option<String>,
    /// Show what would come in and go out, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Merge the remote's cmos branch even if it shares no history with this clone's
    /// (another project's init): both projects' records end up on one branch.
    #[arg(long)]
    allow_unrelated: bool,
}

// `cmos conflicts`: its help is on `cli::Command::Conflicts`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct ConflictsArgs {
    /// Only the conflicts of this record.
    id: Option<String>,
}

pub fn run(ws: &Workspace, args: SyncArgs, printer: &Printer) -> Result<()> {
    let request = ops::SyncRequest {
        remote: args.remote,
        dry_run: args.dry_run,
        allow_unrelated: args.allow_unrelated,
    };
    let outcome = ops::sync(ws, &request)?;
    printer.outcome(&outcome, render_sync);
    Ok(())
}

pub fn run_conflicts(ws: &Workspace, args: ConflictsArgs, printer: &Printer) -> Result<()> {
    let outcome = ops::conflicts(ws, args.id.as_deref())?;
    printer.outcome(&outcome, |events, st| render_conflicts(events, st));
    Ok(())
}

fn render_sync(s: &SyncOutcome, style: &Style) -> String {
    if s.offline {
        return format!("{} is offline; nothing changed\n", s.remote);
    }
    let mut out = format!("{}: {}\n", style.bold(&s.remote), s.result);
    if s.retries > 0 {
        out.push_str(&format!(
            "retried {} time(s): other clones pushed first; waited {:.1} s in all between tries\n",
            s.retries,
            s.waited_ms as f64 / 1000.0
        ));
    }
    let list = |out: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            out.push_str(&format!("{title} ({}):\n", items.len()));
            for item in items.iter().take(20) {
                out.push_str(&format!("  {item}\n"));
            }
            if items.len() > 20 {
                out.push_str(&format!("  … {} more\n", items.len() - 20));
            }
        }
    };
    list(&mut out, "incoming", &s.incoming);
    list(&mut out, "outgoing", &s.outgoing);
    for c in &s.conflicts {
        out.push_str(&format!(
            "conflict {} {}: kept {:?}, recorded {:?}\n",
            c.target, c.field, c.kept, c.lost
        ));
    }
    out
}

pub fn render_conflicts(events: &[Event], style: &Style) -> String {
    if events.is_empty() {
        return "No conflicts.\n".into();
    }
    let mut out = String::new();
    for e in events {
        let field = |k: &str| {
            e.extra
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string()
        };
        out.push_str(&format!(
            "{}  {} {}: kept {:?}, lost {:?}\n",
            style.dim(&e.at.to_string()),
            e.target,
            field("field"),
            field("kept"),
            field("lost")
        ));
    }
    out
}
