//! `cmos merge`: merge another cmos branch of this repository (a team's branch, or a remote's
//! after fetching it) into this clone's, with the semantic merge `cmos sync` uses. Nothing is
//! pushed: publishing the result is the next sync's job, so an integrator can merge several
//! team branches and push once.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::merge::Conflict;
use crate::model::Timestamp;
use crate::next::{Action, Op};
use crate::store::CommitId;

/// What `cmos merge` asks for.
#[derive(Debug, Default, Clone)]
pub struct MergeRequest {
    /// The branch to merge: a full ref, a local branch or a remote-tracking branch.
    pub branch: String,
    /// Fetch the branch from this remote first and merge what was fetched.
    pub remote: Option<String>,
    /// Report what would come in and which fields would conflict; change nothing.
    pub dry_run: bool,
    /// Merge a branch that shares no history with ours (another project's init).
    pub allow_unrelated: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct MergeOutcome {
    /// The ref that was merged, e.g. `refs/heads/cmos-team-a`.
    pub source: String,
    /// The commit of that ref that was merged.
    pub source_commit: String,
    /// This clone's cmos branch, which received the merge.
    pub into: String,
    pub dry_run: bool,
    /// up-to-date, fast-forwarded, merged, or (dry run) what would happen.
    pub result: String,
    /// The merge commit, when one was written.
    pub commit: Option<String>,
    /// Operations the other branch had that this one did not (commit subjects, newest first).
    pub incoming: Vec<String>,
    /// Fields changed on both sides: what was (or would be) kept and what recorded.
    pub conflicts: Vec<Conflict>,
}

pub fn merge_branch(ws: &Workspace, request: &MergeRequest) -> Result<Outcome<MergeOutcome>> {
    let store = ws.store();
    let ours = store.tip()?.ok_or(Error::NotInitialized)?;
    let (source, theirs) = store.other_branch(&request.branch, request.remote.as_deref())?;
    let mut out = MergeOutcome {
        source: source.clone(),
        source_commit: theirs.to_string(),
        into: store.branch(),
        dry_run: request.dry_run,
        ..MergeOutcome::default()
    };
    store.require_cmos_branch(theirs, &format!("branch {source}"))?;
    // A hostile tree must not become this clone's state (see `store::trees`).
    store.check_commit(theirs, false)?;
    let base = store.merge_base(ours, theirs);
    if base == Some(theirs) {
        // Everything on that branch is here already (merged before, or never moved on).
        out.result = "up-to-date".into();
        return Ok(Outcome::about(out, ws));
    }
    if base.is_none() && !request.allow_unrelated {
        return Err(unrelated(ws, &source, ours, theirs));
    }
    // Never merge into a branch other clones would refuse (see `cmos sync`).
    store.require_cmos_branch(ours, &format!("this clone's {}", store.branch()))?;
    store.check_commit(ours, false)?;
    out.incoming = store.subjects(Some(ours), theirs);
    let short = source.strip_prefix("refs/heads/").unwrap_or(&source);
    if base == Some(ours) {
        // Nothing here that the other branch lacks: move to it, as sync does, rather than
        // record a merge that changes nothing (two branches merging each other on a
        // schedule would otherwise add an empty merge commit to each at every turn).
        if request.dry_run {
            out.result = "would fast-forward".into();
            return Ok(Outcome::about(out, ws));
        }
        if store.fast_forward(
            Some(ours),
            theirs,
            &format!("merge: fast-forward to {short}"),
        )? {
            out.result = "fast-forwarded".into();
            return Ok(Outcome::about(out, ws));
        }
        // A write in this clone moved the branch meanwhile: merge below.
    }
    if request.dry_run {
        // The merged tree is computed (its objects are written but no ref points at them,
        // so git's gc removes them) to say which fields would conflict.
        let (_, conflicts) = store.merge_trees(base, ours, theirs, Timestamp::now())?;
        out.conflicts = conflicts;
        out.result = "would merge".into();
        return Ok(Outcome::about(out, ws));
    }
    let merged = store.merge_into_branch(theirs, base, &format!("merge {short}"))?;
    out.commit = Some(merged.commit.to_string());
    out.conflicts = merged.conflicts;
    out.result = "merged".into();
    let conflicts = out.conflicts.len();
    let outcome = Outcome::about(out, ws);
    Ok(if conflicts > 0 {
        outcome.warn_then(
            format!(
                "{conflicts} field(s) were changed on both branches; the later change was kept and the other recorded"
            ),
            Action::new(Op::Conflicts),
        )
    } else {
        outcome
    })
}

/// The refusal to merge a branch with no history in common with ours: it was started by
/// another `cmos init`, and merging would mix two projects' records.
fn unrelated(ws: &Workspace, source: &str, ours: CommitId, theirs: CommitId) -> Error {
    let store = ws.store();
    let name = |commit| {
        store
            .project_name_at(commit)
            .map_or_else(|| "a project".to_string(), |n| format!("project {n:?}"))
    };
    Error::Refused(format!(
        "{source} shares no history with this clone's {}: it holds {} and this clone holds {}, each started on its own. Nothing was merged. To combine both projects' records into one branch, merge again with unrelated histories allowed",
        store.branch(),
        name(theirs),
        name(ours)
    ))
}
