//! `validate health`: the original's health check (is the store reachable, does it answer)
//! mapped onto the branch: it loads, its format is one this cmos reads, what it holds, what
//! `verify` finds, and whether this working tree's hooks are in place. Read-only.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Workspace, hooks};
use crate::error::Result;
use crate::model::{FORMAT_MAJOR, FORMAT_MINOR};

/// One check: its name, whether it passed, and what it found. A check that is only advice
/// (`required` false) never makes the project unhealthy.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub required: bool,
    pub detail: String,
}

/// What the branch holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub missions: usize,
    pub missions_by_status: BTreeMap<String, usize>,
    pub sprints: usize,
    pub sessions: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub branch: String,
    pub commit: Option<String>,
    /// The branch's format, `major.minor`, and the one this cmos writes.
    pub format: Option<String>,
    pub supported_format: String,
    pub counts: Counts,
    /// Problems and warnings `verify` finds at the tip.
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub checks: Vec<Check>,
    /// True when every required check passed.
    pub healthy: bool,
}

/// Runs every check; a failure of one is reported, not returned, so the others still run.
pub fn health(ws: &Workspace) -> Result<super::Outcome<Health>> {
    let store = ws.store();
    let mut checks = Vec::new();
    let mut health = Health {
        branch: store.branch(),
        commit: None,
        format: None,
        supported_format: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        counts: Counts::default(),
        problems: Vec::new(),
        warnings: Vec::new(),
        checks: Vec::new(),
        healthy: false,
    };
    let mut check = |name, ok, required, detail: String| {
        checks.push(Check {
            name,
            ok,
            required,
            detail,
        })
    };
    match ws.snapshot() {
        Err(e) => check("branch", false, true, format!("cannot be read: {e}")),
        Ok(snapshot) => {
            health.commit = Some(snapshot.commit.to_string());
            check(
                "branch",
                true,
                true,
                format!("{} loads at {}", health.branch, snapshot.commit.short()),
            );
            let format = snapshot.meta.format.as_ref();
            health.format = format.map(|f| format!("{}.{}", f.major, f.minor));
            match format {
                Some(f) if f.major <= FORMAT_MAJOR => check(
                    "format",
                    true,
                    true,
                    format!(
                        "format {}.{} (this cmos reads formats up to {FORMAT_MAJOR}.x)",
                        f.major, f.minor
                    ),
                ),
                Some(f) => check(
                    "format",
                    false,
                    true,
                    format!(
                        "format {}.{}: this cmos reads formats up to {FORMAT_MAJOR}.x",
                        f.major, f.minor
                    ),
                ),
                None => check("format", false, true, "no format record".into()),
            }
            match snapshot.index() {
                Ok(index) => {
                    let counts = &mut health.counts;
                    counts.missions = index.missions.len();
                    counts.sprints = index.meta.sprints.len();
                    for m in index.missions.values() {
                        *counts
                            .missions_by_status
                            .entry(m.status.to_string())
                            .or_insert(0) += 1;
                    }
                }
                Err(e) => check("missions", false, true, format!("cannot be read: {e}")),
            }
            match store.sessions(&snapshot) {
                Ok((sessions, _)) => health.counts.sessions = sessions.len(),
                Err(e) => check("sessions", false, true, format!("cannot be read: {e}")),
            }
            match store.verify_commit(snapshot.commit) {
                Ok(problems) => {
                    health.problems = problems.iter().map(|p| p.to_string()).collect();
                    let detail = match problems.first() {
                        None => "no problems".to_string(),
                        Some(first) => format!("{} problem(s); the first: {first}", problems.len()),
                    };
                    check("verify", problems.is_empty(), true, detail);
                }
                Err(e) => check("verify", false, true, format!("cannot run: {e}")),
            }
            if let Ok(warnings) = store.verify_warnings(snapshot.commit) {
                health.warnings = warnings.iter().map(|w| w.to_string()).collect();
            }
        }
    }
    match store.work_tree() {
        Some(dir) => check("working tree", true, false, dir.display().to_string()),
        None => check(
            "working tree",
            false,
            false,
            "none: a bare repository has no hooks or documents to check".into(),
        ),
    }
    match hooks::status(ws) {
        Ok(hooks) => {
            let hooks = hooks.data;
            let installed: Vec<&str> = hooks
                .hooks
                .iter()
                .filter(|h| h.installed)
                .map(|h| h.name.as_str())
                .collect();
            let detail = format!(
                "{} of {} installed in {}{}",
                installed.len(),
                hooks.hooks.len(),
                hooks.directory,
                if installed.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", installed.join(", "))
                }
            );
            check("hooks", installed.len() == hooks.hooks.len(), false, detail);
        }
        Err(e) => check("hooks", false, false, format!("cannot be read: {e}")),
    }
    health.healthy = checks.iter().all(|c| c.ok || !c.required);
    health.checks = checks;
    Ok(super::Outcome::about(health, ws))
}
