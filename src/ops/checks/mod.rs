//! Checkpoints before completion: the checks configured in local git config (`config`), run
//! by hand (`list`, `run`) or by a mission's completion (`complete`), which runs the ones
//! whose paths the mission's commits touched, records each result as evidence on the
//! mission, and refuses the completion or sends it to review when one fails, as the
//! validation policy says. Which checks run and what a failure does are rules in
//! `lifecycle::checks`; running a command is `runner`.
//!
//! Checks run before anything is written and outside the write lock: a completion that a
//! check refuses writes nothing.

mod complete;
pub mod config;
pub mod runner;

use std::path::PathBuf;

use serde::Serialize;

pub use complete::{Checked, complete};
pub use config::Check;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::lifecycle::checks::{Coverage, Selection, select};

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub command: String,
    pub passed: bool,
    /// passed, failed or timed_out.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub timeout_secs: u64,
    /// The last bytes of its output (stdout and stderr together), safe for a terminal.
    pub output_tail: String,
    /// How many bytes it wrote in all.
    pub output_bytes: u64,
}

impl CheckResult {
    fn new(check: &Check, ran: runner::Ran) -> CheckResult {
        let result = match (ran.passed(), ran.timed_out) {
            (true, _) => "passed",
            (false, true) => "timed_out",
            (false, false) => "failed",
        };
        CheckResult {
            name: check.name.clone(),
            command: check.command.clone(),
            passed: ran.passed(),
            result,
            exit_code: ran.exit_code,
            duration_ms: u64::try_from(ran.duration.as_millis()).unwrap_or(u64::MAX),
            timeout_secs: check.timeout_secs,
            output_tail: ran.tail,
            output_bytes: ran.output_bytes,
        }
    }

    /// One line: the name, how it ended, how long it took.
    pub fn summary(&self) -> String {
        let secs = self.duration_ms as f64 / 1000.0;
        let how = match (self.result, self.exit_code) {
            ("passed", _) => "passed".to_string(),
            ("timed_out", _) => format!("timed out after {} s and was killed", self.timeout_secs),
            (_, Some(code)) => format!("failed with exit code {code}"),
            (_, None) => "was ended by a signal".to_string(),
        };
        format!("check {} {how} ({secs:.2} s)", self.name)
    }

    /// What the mission's evidence records: the summary and the output's tail. Not the
    /// command: it is local configuration, and may hold what should not be pushed.
    pub fn evidence(&self) -> String {
        let mut text = self.summary();
        if !self.output_tail.is_empty() {
            text.push('\n');
            text.push_str(&self.output_tail);
        }
        text
    }
}

/// The checks configured for this repository.
pub fn list(ws: &Workspace) -> Result<Outcome<Vec<Check>>> {
    let checks = config::configured(ws.store())?;
    Ok(Outcome::about(checks, ws))
}

/// What `run` gives: each result and whether all passed.
#[derive(Debug, Serialize)]
pub struct CheckRun {
    pub passed: bool,
    pub results: Vec<CheckResult>,
}

/// Runs the checks named (all of them when none is named) now, in the work tree; writes
/// nothing.
pub fn run(ws: &Workspace, names: &[String]) -> Result<Outcome<CheckRun>> {
    let checks = config::configured(ws.store())?;
    let selection = match names.is_empty() {
        true => Selection::All,
        false => Selection::Named(names.to_vec()),
    };
    let chosen = chosen(&checks, &selection, &[])?;
    let results = run_all(ws, &chosen)?;
    let passed = results.iter().all(|r| r.passed);
    let mut outcome = Outcome::about(CheckRun { passed, results }, ws);
    if checks.is_empty() {
        outcome = outcome.warn(
            "no check is configured: a check is a name, a command and the paths it covers, set in this repository's git config (cmos.check.NAME.command, cmos.check.NAME.paths, cmos.check.NAME.timeout)",
        );
    }
    Ok(outcome)
}

/// The checks of `checks` that `selection` picks for `touched`, in the configured order.
fn chosen<'a>(
    checks: &'a [Check],
    selection: &Selection,
    touched: &[String],
) -> Result<Vec<&'a Check>> {
    let coverage: Vec<Coverage<'_>> = checks
        .iter()
        .map(|c| Coverage {
            name: &c.name,
            paths: &c.globs,
        })
        .collect();
    let names = select(&coverage, selection, touched)?;
    Ok(checks.iter().filter(|c| names.contains(&c.name)).collect())
}

/// Runs `checks` one after another at the top of the work tree.
fn run_all(ws: &Workspace, checks: &[&Check]) -> Result<Vec<CheckResult>> {
    if checks.is_empty() {
        return Ok(Vec::new());
    }
    let dir = work_tree(ws)?;
    checks
        .iter()
        .map(|check| {
            let ran = runner::run(&check.command, &dir, check.timeout())?;
            Ok(CheckResult::new(check, ran))
        })
        .collect()
}

fn work_tree(ws: &Workspace) -> Result<PathBuf> {
    ws.store().work_tree().ok_or_else(|| {
        Error::InvalidInput(
            "checks run in a work tree, and this repository has none (it is bare)".into(),
        )
    })
}
