//! `cmos verify`: the whole branch checked, for people and for CI.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};

#[derive(Debug, Serialize)]
pub struct Verified {
    pub reference: String,
    pub commit: String,
}

/// Checks the branch (or `reference`, any revision); Err(Invalid) lists every problem, and
/// what is odd but allowed comes as warnings.
pub fn verify(ws: &Workspace, reference: Option<&str>) -> Result<Outcome<Verified>> {
    let store = ws.store();
    let (name, commit) = match reference {
        Some(rev) => (rev.to_string(), store.resolve_commit(rev)?),
        None => (store.branch(), store.tip()?.ok_or(Error::NotInitialized)?),
    };
    let (mut problems, warnings) = store.verify_report(commit)?;
    // The policy file is checked here, where its rules live, rather than in the store.
    if let Some(bytes) = store.file_at(commit, super::policy::PATH)? {
        problems.extend(super::policy::check(&bytes));
    }
    if let Some(bytes) = store.file_at(commit, super::context_windows::PATH)?
        && let Err(problem) = super::context_windows::parse(&bytes)
    {
        problems.push(problem);
    }
    problems.extend(super::process::problems_at(ws, commit)?);
    if !problems.is_empty() {
        return Err(Error::Invalid {
            reference: name,
            problems,
        });
    }
    let verified = Verified {
        reference: name,
        commit: commit.to_string(),
    };
    Ok(warnings
        .into_iter()
        .fold(Outcome::about(verified, ws), |outcome, w| {
            outcome.warn(w.to_string())
        }))
}
