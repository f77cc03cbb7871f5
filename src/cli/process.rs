//! `cmos process show|set|check` (the process graph) and `cmos fsm show|step` (where the
//! project is in it).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::command_context::CommandContext;
use super::output::{Style, table};
use crate::error::{Error, Result};
use crate::lifecycle::process::{MAX_GRAPH_BYTES, SuggestedAction};
use crate::model::text::{escape_line, escape_text};
use crate::ops::process::fsm::{self, FsmView};
use crate::ops::process::requests::{self, Request};
use crate::ops::process::run;
use crate::ops::process::{self as ops, ProcessView};

// `cmos process`: its help is on `cli::Command::Process`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ProcessCommand {
    /// Show the graph in force (the project's, or the default when it has none).
    Show,
    /// Replace the project's graph with FILE, checked first.
    Set { file: PathBuf },
    /// Check FILE (or the project's graph) without changing anything.
    Check { file: Option<PathBuf> },
}

// `cmos fsm`: its help is on `cli::Command::Fsm`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum FsmCommand {
    /// Show the state, the events it accepts and the suggested action.
    Show,
    /// Take an event by hand (operations emit theirs themselves).
    Step {
        /// The event, e.g. sprint_review_done.
        #[arg(long)]
        event: String,
    },
    /// Run the state's local action (select_next_mission, kb_index, export_backlog,
    /// notify_blocker).
    Run,
    /// List the requests for remote actions waiting for their output.
    Pending,
    /// Record the output of a request as a fact and close the request.
    Done {
        /// The request id, as `cmos fsm pending` lists it.
        id: String,
        /// The file holding the output ("-" reads stdin).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
}

/// Reads a graph file someone hands in, bounded like the branch's.
fn read_graph(path: &Path) -> Result<(String, Vec<u8>)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read the graph file {name}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_GRAPH_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::InvalidInput(format!("cannot read the graph file {name}: {e}")))?;
    Ok((name, bytes))
}

pub fn run(ctx: &CommandContext, cmd: ProcessCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let outcome = match cmd {
        ProcessCommand::Show => ops::show(ws)?,
        ProcessCommand::Set { file } => {
            let (name, bytes) = read_graph(&file)?;
            ops::set(ws, &name, &bytes)?
        }
        ProcessCommand::Check { file } => {
            let file = file.as_deref().map(read_graph).transpose()?;
            ops::check(ws, file.as_ref().map(|(n, b)| (n.as_str(), b.as_slice())))?
        }
    };
    printer.outcome(&outcome, render_graph);
    Ok(())
}

pub fn run_fsm(ctx: &CommandContext, cmd: FsmCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let outcome = match cmd {
        FsmCommand::Show => fsm::show(ws)?,
        FsmCommand::Step { event } => fsm::step(ws, &event)?,
        FsmCommand::Run => {
            let outcome = run::run(ws)?;
            printer.outcome(&outcome, |r, st| {
                format!(
                    "Ran {} (state {})\n{}\n",
                    st.bold(&action_line(&r.action)),
                    escape_line(&r.state),
                    escape_text(&serde_json::to_string_pretty(&r.result).unwrap_or_default())
                )
            });
            return Ok(());
        }
        FsmCommand::Pending => {
            let outcome = requests::pending(ws)?;
            printer.outcome(&outcome, |l, st| render_pending(l, st));
            return Ok(());
        }
        FsmCommand::Done { id, output } => {
            let text = read_output(&output)?;
            let outcome = requests::done(ws, &id, &text)?;
            printer.outcome(&outcome, |d, st| {
                format!(
                    "Request {} done: fact {}\n",
                    escape_line(&d.request),
                    st.bold(&d.fact.id)
                )
            });
            return Ok(());
        }
    };
    printer.outcome(&outcome, render_fsm);
    Ok(())
}

/// The output of a remote action, from a file or stdin; the fact's own limit applies after.
fn read_output(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        return super::input::text_or_stdin("-".into());
    }
    let name = path.display();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(1024 * 1024).read_to_end(&mut bytes))
        .map_err(|e| Error::InvalidInput(format!("cannot read the output file {name}: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::InvalidInput(format!("the output file {name} is not UTF-8 text")))
}

fn render_pending(list: &[Request], style: &Style) -> String {
    if list.is_empty() {
        return "No pending requests.\n".into();
    }
    let mut rows = vec![vec![
        "ID".into(),
        "AT".into(),
        "STATE".into(),
        "ACTION".into(),
    ]];
    for r in list {
        rows.push(vec![
            escape_line(&r.id).into_owned(),
            r.at.to_string(),
            escape_line(&r.state).into_owned(),
            action_line(&r.action),
        ]);
    }
    let mut out = table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    );
    // What each request carries is for the agent that answers it (--json has it whole).
    for r in list {
        if let Some(attached) = &r.attached {
            out.push_str(&format!(
                "{} carries {} knowledge snippet(s) for \"{}\" and {} tokens of memory\n",
                escape_line(&r.id),
                attached.knowledge.len(),
                escape_line(&attached.query),
                attached.memory.budget.used,
            ));
        }
    }
    out
}

/// An action on one line: `local select_next_mission`, `remote mission_protocol protocol=…`.
pub fn action_line(action: &SuggestedAction) -> String {
    let mut line = format!("{} {}", action.action_type, action.action_ref);
    for (key, value) in &action.params {
        line.push_str(&format!(" {key}={value}"));
    }
    escape_line(&line).into_owned()
}

fn render_graph(view: &ProcessView, style: &Style) -> String {
    let mut out = match (view.source, view.changed) {
        ("default", _) => format!(
            "The default process graph (the project has no {} yet)\n",
            view.path
        ),
        ("file", _) => "The graph is valid\n".to_string(),
        (_, true) => format!("Set the process graph ({})\n", view.path),
        _ => format!("The process graph ({})\n", view.path),
    };
    out.push_str(&format!(
        "Starts at {}\n\n",
        style.bold(&escape_line(&view.initial))
    ));
    let mut rows = vec![vec![
        "STATE".into(),
        "EVENT".into(),
        "NEXT".into(),
        "ACTION".into(),
    ]];
    for row in &view.rows {
        rows.push(vec![
            escape_line(&row.state).into_owned(),
            escape_line(&row.event).into_owned(),
            escape_line(&row.next).into_owned(),
            row.action().map_or("-".into(), |a| action_line(&a)),
        ]);
    }
    out.push_str(&table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    ));
    out
}

fn render_fsm(view: &FsmView, style: &Style) -> String {
    let mut out = String::new();
    if let Some(moved) = &view.moved {
        out.push_str(&format!(
            "{} -{}-> {}\n",
            escape_line(&moved.from),
            escape_line(&moved.event),
            style.bold(&escape_line(&moved.to))
        ));
    }
    out.push_str(&format!(
        "State: {}\n",
        style.bold(&escape_line(&view.state))
    ));
    out.push_str(&format!(
        "Accepts: {}\n",
        if view.accepted.is_empty() {
            "-".to_string()
        } else {
            escape_line(&view.accepted.join(", ")).into_owned()
        }
    ));
    out.push_str(&format!(
        "Suggested action: {}\n",
        view.action.as_ref().map_or("-".into(), action_line)
    ));
    if view.moved.is_none() && !view.history.is_empty() {
        out.push_str("\nHistory:\n");
        for e in &view.history {
            out.push_str(&format!(
                "  {}  {} -{}-> {}  ({})\n",
                e.at,
                escape_line(&e.from),
                escape_line(&e.event),
                escape_line(&e.to),
                escape_line(&e.by)
            ));
        }
    }
    out
}
