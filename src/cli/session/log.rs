//! `session log`, `session list --log`, `session show N`: the original cmosctl's activity
//! log, and how its entries look as text.

use crate::cli::command_context::CommandContext;
use crate::cli::output::{Printer, Style, or_dash, table};
use crate::error::Result;
use crate::model::text::{escape_line, one_line_cut};
use crate::ops::session_log::{self as ops, LogEntry, LogRequest};

/// `session log`: `-a NAME` acts as that agent for this one entry, as cmosctl's `--agent` did.
pub(super) fn run_log(ctx: &CommandContext, request: LogRequest, by: Option<String>) -> Result<()> {
    let acting;
    let ctx = match by.filter(|b| !b.trim().is_empty()) {
        Some(agent) => {
            acting = ctx.acting_as(agent);
            &acting
        }
        None => ctx,
    };
    let (ws, printer) = ctx.open()?;
    let outcome = ops::log(ws, &request)?;
    printer.outcome(&outcome, |e, st| {
        let about = e.mission.as_deref().or(e.session.as_deref());
        let about = about.map(|a| format!(" about {a}")).unwrap_or_default();
        format!(
            "Logged entry {} ({}){about}\n",
            st.bold(&e.n.to_string()),
            e.action
        )
    });
    Ok(())
}

pub(super) fn print_entries(printer: &Printer, outcome: &crate::ops::Outcome<Vec<LogEntry>>) {
    printer.outcome(outcome, |entries, st| render_entries(entries, st));
}

pub(super) fn print_entry(printer: &Printer, n: usize, ws: &crate::ops::Workspace) -> Result<()> {
    let outcome = ops::entry(ws, n)?;
    printer.outcome(&outcome, render_entry);
    Ok(())
}

fn render_entries(entries: &[LogEntry], style: &Style) -> String {
    if entries.is_empty() {
        return "No log entries. Add one with `cmos session log -t start -s TEXT`.\n".into();
    }
    let mut rows = vec![
        ["N", "AT", "MISSION", "ACTION", "AGENT", "SUMMARY"]
            .map(String::from)
            .to_vec(),
    ];
    for e in entries {
        rows.push(vec![
            e.n.to_string(),
            e.at.to_string(),
            or_dash(e.mission.as_deref()),
            e.action.clone(),
            e.agent.clone(),
            one_line_cut(e.summary.as_deref().unwrap_or("-"), 60),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

fn render_entry(e: &LogEntry, style: &Style) -> String {
    let rows = vec![
        vec!["Entry".to_string(), e.n.to_string()],
        vec!["At".into(), e.at.to_string()],
        vec!["Mission".into(), or_dash(e.mission.as_deref())],
        vec!["Action".into(), e.action.clone()],
        vec!["Status".into(), or_dash(e.status.as_deref())],
        vec!["Agent".into(), e.agent.clone()],
        vec!["Session".into(), or_dash(e.session.as_deref())],
        vec!["Commit".into(), or_dash(e.commit.as_deref())],
        vec![
            "Summary".into(),
            escape_line(e.summary.as_deref().unwrap_or("-")).into_owned(),
        ],
    ];
    let mut out = table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    );
    out.push_str(&format!("{}\n", style.bold("Details")));
    match &e.details {
        Some(details) => {
            for line in details.lines() {
                out.push_str(&escape_line(line));
                out.push('\n');
            }
        }
        None => out.push_str("-\n"),
    }
    out
}
