//! The process graph on the branch (`.cmos/process.toml`): show it, check a replacement, set
//! it. A branch without one uses the built-in default; the first move of the state machine
//! writes the default down (`fsm`). The rules of a graph are in `lifecycle::process`.

pub mod fsm;
pub mod requests;
pub mod run;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::lifecycle::process::{self, Graph, Row};
use crate::store::Tx;

/// A graph and where it comes from.
#[derive(Debug, Serialize)]
pub struct ProcessView {
    /// `branch` (the project's own file) or `default` (none on the branch yet).
    pub source: &'static str,
    pub path: &'static str,
    pub initial: String,
    pub states: Vec<String>,
    pub rows: Vec<Row>,
    /// The file's text (the default's for `default`).
    pub text: String,
    /// Whether this command changed the graph.
    pub changed: bool,
}

/// The graph of a branch: its file, or the default when it has none. A file that does not
/// pass the checks is `Corrupt` with its path and line.
pub(crate) fn graph_of(bytes: Option<&[u8]>) -> Result<(Graph, &'static str)> {
    match bytes {
        None => Ok((Graph::default_graph(), "default")),
        Some(bytes) => process::parse(layout::PROCESS, bytes)
            .map(|g| (g, "branch"))
            .map_err(Error::Corrupt),
    }
}

/// The graph in force as of a write.
pub(crate) fn graph_in(tx: &Tx<'_>) -> Result<(Graph, &'static str)> {
    graph_of(tx.file(layout::PROCESS)?.as_deref())
}

fn view(graph: Graph, source: &'static str, text: String, changed: bool) -> ProcessView {
    ProcessView {
        source,
        path: layout::PROCESS,
        initial: graph.initial().to_string(),
        states: graph.states().into_iter().map(str::to_string).collect(),
        rows: graph.rows,
        text,
        changed,
    }
}

/// What is wrong with the process files of `commit`, for `verify`: a graph that does not
/// pass its checks (with the row's line) and state files that do not read.
pub(crate) fn problems_at(
    ws: &Workspace,
    commit: crate::store::CommitId,
) -> Result<Vec<crate::error::FileProblem>> {
    let mut problems = Vec::new();
    if let Some(bytes) = ws.store().file_at(commit, layout::PROCESS)?
        && let Err(problem) = process::parse(layout::PROCESS, &bytes)
    {
        problems.push(problem);
    }
    problems.extend(fsm::state_problems(ws, commit)?);
    Ok(problems)
}

/// The graph in force on the branch tip.
pub fn show(ws: &Workspace) -> Result<Outcome<ProcessView>> {
    let snapshot = ws.snapshot()?;
    let bytes = ws.store().branch_file(&snapshot, layout::PROCESS)?;
    let (graph, source) = graph_of(bytes.as_deref())?;
    let text = match &bytes {
        Some(b) => String::from_utf8_lossy(b).into_owned(),
        None => process::DEFAULT_GRAPH.to_string(),
    };
    Ok(Outcome::read(view(graph, source, text, false), &snapshot))
}

/// Checks a graph: `file` (its name and bytes) when given, else the branch's. A graph that
/// does not pass is an error naming the row, as `set` would refuse it.
pub fn check(ws: &Workspace, file: Option<(&str, &[u8])>) -> Result<Outcome<ProcessView>> {
    let Some((name, bytes)) = file else {
        return show(ws);
    };
    let graph = process::parse(name, bytes).map_err(|p| Error::InvalidInput(p.to_string()))?;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let outcome = Outcome::about(view(graph, "file", text, false), ws);
    Ok(outcome)
}

/// Replaces the branch's graph with `bytes` (read from `name`), checked first; the project's
/// current state must be a state of the new graph. Unchanged text makes no commit.
pub fn set(ws: &Workspace, name: &str, bytes: &[u8]) -> Result<Outcome<ProcessView>> {
    let graph = process::parse(name, bytes).map_err(|p| Error::InvalidInput(p.to_string()))?;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let written = ws.store().write("process.set", |tx| {
        tx.meta().project()?;
        if tx.file(layout::PROCESS)?.as_deref() == Some(bytes) {
            return Ok(false);
        }
        if let Some(state) = fsm::recorded(tx)? {
            process::check_keeps_state(&graph, &state.state)?;
        }
        tx.put_file(layout::PROCESS, bytes.to_vec());
        tx.record("process.set", "process", None, None, None);
        tx.set_subject("process set");
        Ok(true)
    })?;
    let changed = written.value;
    Ok(Outcome::from_digest(
        view(graph, "branch", text, changed),
        &written.meta,
        &written.digest,
    ))
}
