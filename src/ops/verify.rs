//! `cmos verify`: the whole branch checked, for people and for CI.

use serde::Serialize;

use super::Workspace;
use crate::error::{Error, Result};

#[derive(Debug, Serialize)]
pub struct Verified {
    pub reference: String,
    pub commit: String,
}

/// Checks the branch (or `reference`, any revision); Err(Invalid) lists every problem.
pub fn verify(ws: &Workspace, reference: Option<&str>) -> Result<Verified> {
    let store = ws.store();
    let (name, commit) = match reference {
        Some(rev) => (rev.to_string(), store.commit_id(rev)?),
        None => (store.branch(), store.tip()?.ok_or(Error::NotInitialized)?),
    };
    let problems = store.verify_commit(commit)?;
    if !problems.is_empty() {
        return Err(Error::Invalid {
            reference: name,
            problems,
        });
    }
    Ok(Verified {
        reference: name,
        commit: commit.to_string(),
    })
}
