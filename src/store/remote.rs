//! Sharing the branch with a remote, for `cmos sync`: which remote, what it has, what the two
//! sides share, and pushing with a lease. The network goes through the `git` program (see
//! `git_program`); the answers come back as commit ids.

use gix::refs::transaction::PreviousValue;

use super::git_program::{self, Push};
use super::{CommitId, Store};
use crate::error::Result;

/// What a remote has of the cmos branch, after a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteBranch {
    /// The remote could not be reached; why, in git's words.
    Unreachable(String),
    /// The remote has no cmos branch yet.
    Absent,
    /// The remote's branch, fetched: its commits are now in this repository.
    At(CommitId),
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Done,
    /// The remote branch moved since it was fetched: fetch, merge and try again.
    Stale,
    /// Why, in git's words.
    Failed(String),
}

impl Store {
    /// The remote the branch is shared through: `branch.<cmos branch>.remote`, else `origin`
    /// if it exists, else the only remote; None when that does not single one out.
    pub fn default_remote(&self) -> Option<String> {
        let key = format!("branch.{}.remote", self.short_branch());
        if let Some(configured) = self.config_string(&key) {
            return Some(configured);
        }
        let names: Vec<String> = self
            .repo
            .remote_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        if names.iter().any(|n| n == "origin") {
            return Some("origin".into());
        }
        match names.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        }
    }

    /// Fetches `remote`'s cmos branch into its tracking ref (`refs/remotes/<remote>/cmos`) and
    /// says where it is.
    pub fn fetch(&self, remote: &str) -> Result<RemoteBranch> {
        self.fetch_branch(remote, &self.branch(), &self.tracking_ref(remote))
    }

    /// Fetches `remote`'s branch `branch` (a full ref) into `tracking` and says where it is.
    pub(super) fn fetch_branch(
        &self,
        remote: &str,
        branch: &str,
        tracking: &str,
    ) -> Result<RemoteBranch> {
        let git_dir = self.git_dir();
        match git_program::remote_branch(git_dir, remote, branch) {
            Err(why) => return Ok(RemoteBranch::Unreachable(why.0)),
            Ok(None) => return Ok(RemoteBranch::Absent),
            Ok(Some(_)) => {}
        }
        if let Err(why) = git_program::fetch(git_dir, remote, branch, tracking) {
            return Ok(RemoteBranch::Unreachable(why.0));
        }
        Ok(match self.ref_id(tracking)? {
            Some(id) => RemoteBranch::At(CommitId(id)),
            // Deleted on the remote between the two calls: as if it never was.
            None => RemoteBranch::Absent,
        })
    }

    /// The best common ancestor of two commits, None if they share no history.
    pub fn merge_base(&self, a: CommitId, b: CommitId) -> Option<CommitId> {
        git_program::merge_base(self.git_dir(), &a.to_string(), &b.to_string())
            .and_then(|hex| CommitId::from_hex(&hex))
    }

    /// The subjects of the operations `to` has and `from` has not (all of `to`'s without
    /// `from`), newest first.
    pub fn subjects(&self, from: Option<CommitId>, to: CommitId) -> Vec<String> {
        let from = from.map(|f| f.to_string());
        git_program::subjects(self.git_dir(), from.as_deref(), &to.to_string())
    }

    /// Pushes `commit` to `remote`'s cmos branch, only if that branch is still at `expected`
    /// (None: it must not exist yet). Once pushed, the tracking ref records where the remote
    /// now is, as a fetch would.
    pub fn push(&self, remote: &str, commit: CommitId, expected: Option<CommitId>) -> Pushed {
        let (git_dir, branch) = (self.git_dir(), self.branch());
        let expected = expected.map(|e| e.to_string());
        let pushed = git_program::push(
            git_dir,
            remote,
            &branch,
            &commit.to_string(),
            expected.as_deref(),
        );
        match pushed {
            Push::Done => {
                // The remote is where the push put it: recorded here rather than asked for
                // again, which would cost another connection to the remote. Only a record: the
                // next sync fetches anyway.
                let tracking = self.tracking_ref(remote);
                let _ = self.repo.reference(
                    tracking.as_str(),
                    commit.0,
                    PreviousValue::Any,
                    format!("sync: pushed to {remote}"),
                );
                Pushed::Done
            }
            Push::Stale => Pushed::Stale,
            Push::Failed(why) => Pushed::Failed(why.0),
        }
    }

    /// Moves the branch from `from` to `to` (a fast-forward), if it is still at `from`.
    pub fn fast_forward(
        &self,
        from: Option<CommitId>,
        to: CommitId,
        message: &str,
    ) -> Result<bool> {
        self.check_commit(to, true)?;
        self.compare_and_swap(from.map(|f| f.0), to.0, message)
    }

    /// The branch's name without `refs/heads/`, e.g. `cmos`.
    pub(super) fn short_branch(&self) -> String {
        let full = self.branch();
        full.strip_prefix("refs/heads/")
            .unwrap_or(&full)
            .to_string()
    }

    /// Where a fetch of `remote`'s branch is kept: `refs/remotes/<remote>/<branch>`.
    fn tracking_ref(&self, remote: &str) -> String {
        format!("refs/remotes/{remote}/{}", self.short_branch())
    }

    /// The git directory of this worktree, for the `git` program.
    pub(super) fn git_dir(&self) -> &std::path::Path {
        self.repo.git_dir()
    }
}
