//! `cmos sync`: fetch the remote's cmos branch, merge it semantically with ours, and push the
//! result with a lease, looping while the remote moves. The store does the git part (the
//! network through the `git` program); offline, local state stays as it is and the outcome
//! says so.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::merge::Conflict;
use crate::next::{Action, Input, Op};
use crate::store::{CommitId, Pushed, RemoteBranch, Store};

/// How often a sync fetches and merges again because the remote moved during its push.
const MAX_ROUNDS: u32 = 20;

#[derive(Debug, Default, Serialize)]
pub struct SyncOutcome {
    pub remote: String,
    /// The remote could not be reached; nothing changed.
    pub offline: bool,
    /// Why, in git's words, when offline.
    pub offline_reason: Option<String>,
    pub dry_run: bool,
    /// Operations the remote had that this clone did not (commit subjects, newest first).
    pub incoming: Vec<String>,
    /// Operations this clone had that the remote did not.
    pub outgoing: Vec<String>,
    /// up-to-date, created, pushed, fast-forwarded, merged, or (dry run) what would happen.
    pub result: String,
    pub conflicts: Vec<Conflict>,
    /// How many fetch-merge-push rounds it took.
    pub rounds: u32,
}

/// What `cmos sync` asks for.
#[derive(Debug, Default, Clone)]
pub struct SyncRequest {
    /// The remote to sync with [default: the branch's upstream remote, else origin].
    pub remote: Option<String>,
    /// Report what would come in and go out; change nothing.
    pub dry_run: bool,
    /// Merge a remote branch that shares no history with ours (another project's init).
    pub allow_unrelated: bool,
}

pub fn sync(ws: &Workspace, request: &SyncRequest) -> Result<Outcome<SyncOutcome>> {
    let (remote, dry_run) = (request.remote.as_deref(), request.dry_run);
    let store = ws.store();
    let remote = match remote {
        Some(r) => r.to_string(),
        None => store.default_remote().ok_or_else(|| {
            Error::InvalidInput(
                "this repository has no remote to sync with: add one with `git remote add origin URL`, or name one".into(),
            )
            .needs(&[Input::Remote])
        })?,
    };
    let mut out = SyncOutcome {
        remote: remote.clone(),
        dry_run,
        ..SyncOutcome::default()
    };
    for round in 1..=MAX_ROUNDS {
        out.rounds = round;
        let theirs = match store.fetch(&remote)? {
            RemoteBranch::Unreachable(why) => return Ok(offline(ws, out, why)),
            RemoteBranch::Absent => None,
            RemoteBranch::At(tip) => Some(tip),
        };
        let ours = store.tip()?.ok_or(Error::NotInitialized)?;
        if let Some(t) = theirs {
            store.require_cmos_branch(t, &format!("{remote}'s {}", store.branch()))?;
        }
        let base = theirs.and_then(|t| store.merge_base(ours, t));
        out.incoming = match theirs {
            Some(t) => store.subjects(Some(ours), t),
            None => Vec::new(),
        };
        out.outgoing = store.subjects(theirs, ours);
        let plan = match (theirs, base) {
            (None, _) => Plan::Create,
            (Some(t), _) if t == ours => Plan::UpToDate,
            (Some(t), Some(b)) if b == t => Plan::Push,
            (Some(t), Some(b)) if b == ours => Plan::FastForward(t),
            (Some(t), base) => Plan::Merge(t, base),
        };
        if let Plan::Merge(t, None) = plan
            && !request.allow_unrelated
        {
            return Err(unrelated(store, &remote, ours, t));
        }
        if matches!(plan, Plan::Create | Plan::Push | Plan::Merge(..)) {
            // Never merge into or publish a branch whose marker was lost (other clones would
            // refuse it); a fast-forward to a good remote tip is how it gets repaired.
            store.require_cmos_branch(ours, &format!("this clone's {}", store.branch()))?;
            // Nor one holding a tree other clones would refuse (bad names, order, modes).
            store.check_commit(ours, false)?;
        }
        if dry_run {
            out.result = plan.describe().to_string();
            return Ok(finish(ws, out));
        }
        let pushed = match plan {
            Plan::UpToDate => {
                out.result = "up-to-date".into();
                return Ok(finish(ws, out));
            }
            Plan::FastForward(t) => {
                if !store.fast_forward(
                    Some(ours),
                    t,
                    &format!("cmos sync: fast-forward to {remote}"),
                )? {
                    continue;
                }
                out.result = "fast-forwarded".into();
                return Ok(finish(ws, out));
            }
            Plan::Create | Plan::Push => {
                out.result = if plan == Plan::Create {
                    "created"
                } else {
                    "pushed"
                }
                .into();
                store.push(&remote, ours, theirs)
            }
            Plan::Merge(t, base) => {
                let subject = format!("sync: merge {remote}");
                let merged = store.merge_into_branch(t, base, &subject)?;
                out.conflicts = merged.conflicts;
                out.result = "merged".into();
                store.push(&remote, merged.commit, Some(t))
            }
        };
        match pushed {
            Pushed::Done => return Ok(finish(ws, out)),
            Pushed::Stale => continue,
            Pushed::Failed(why) => {
                return Err(Error::Git(format!(
                    "could not push to {remote}: {why}; the merge is kept locally, sync again"
                ))
                .then(Action::new(Op::Sync).with(Input::Remote, &remote)));
            }
        }
    }
    Err(Error::Conflict(format!(
        "{remote} kept moving during {MAX_ROUNDS} rounds of sync; sync again"
    ))
    .then(Action::new(Op::Sync).with(Input::Remote, &remote)))
}

#[derive(Debug, PartialEq, Eq)]
enum Plan {
    UpToDate,
    Create,
    Push,
    FastForward(CommitId),
    Merge(CommitId, Option<CommitId>),
}

impl Plan {
    fn describe(&self) -> &'static str {
        match self {
            Plan::UpToDate => "up-to-date",
            Plan::Create => "would create the remote branch",
            Plan::Push => "would push",
            Plan::FastForward(_) => "would fast-forward",
            Plan::Merge(..) => "would merge, then push",
        }
    }
}

/// The refusal to merge a branch with no history in common with ours: it was started by
/// another `cmos init`, and merging would mix two projects' records.
fn unrelated(store: &Store, remote: &str, ours: CommitId, theirs: CommitId) -> Error {
    let name = |commit| {
        store
            .project_name_at(commit)
            .map_or_else(|| "a project".to_string(), |n| format!("project {n:?}"))
    };
    Error::Refused(format!(
        "{remote}'s {} shares no history with this clone's: it holds {} and this clone holds {}, each started on its own. Nothing was merged or pushed. To combine both projects' records into one branch, sync again with unrelated histories allowed; to join the remote's project instead, move this clone's branch aside (`git branch -m cmos cmos-local`) and run any cmos command to adopt the remote's",
        store.branch(),
        name(theirs),
        name(ours)
    ))
    .then(
        Action::new(Op::Sync)
            .with(Input::Remote, remote)
            .needs(Input::AllowUnrelated),
    )
}

fn offline(ws: &Workspace, mut out: SyncOutcome, why: String) -> Outcome<SyncOutcome> {
    out.offline = true;
    out.result = "offline".into();
    let warning = format!(
        "cannot reach {}: {why}; local state is kept, sync again when online",
        out.remote
    );
    out.offline_reason = Some(why);
    finish(ws, out).warn(warning)
}

fn finish(ws: &Workspace, out: SyncOutcome) -> Outcome<SyncOutcome> {
    let conflicts = out.conflicts.len();
    let outcome = Outcome::about(out, ws);
    if conflicts > 0 {
        outcome.warn_then(
            format!(
                "{conflicts} field(s) were changed on both sides; the later change was kept and the other recorded"
            ),
            Action::new(Op::Conflicts),
        )
    } else {
        outcome
    }
}

/// Conflicts that merges resolved, oldest first; only those of `target` when given.
pub fn conflicts(
    ws: &Workspace,
    target: Option<&str>,
) -> Result<Outcome<Vec<crate::model::Event>>> {
    let snapshot = ws.snapshot()?;
    let mut events = ws
        .store()
        .log_events(&snapshot, crate::format::layout::CONFLICTS)?;
    if let Some(target) = target {
        events.retain(|e| e.target == target);
    }
    Ok(Outcome::read(events, &snapshot))
}
