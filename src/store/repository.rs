//! What cmos asks about the project's own repository (not the cmos branch): its git config,
//! its branches, the hooks directory, the ignore rules, and the commits a merge brought in.
//!
//! Config and branches are read through gix, from the configuration loaded when the store
//! opened (the same files, environment and precedence as git, `GIT_CONFIG_GLOBAL` included).
//! The hooks directory and the ignore rules are asked of the `git` program instead: git is
//! what runs the hooks and honours the ignore files, so its answer is the right one by
//! definition (`core.hooksPath` relative to the work tree, `~`, worktrees; the user's
//! excludes file, negations), and gix would need its attribute and exclude features for a
//! copy of those rules.

use std::path::PathBuf;

use super::{CommitId, ProjectCommit, Store, git_program};
use crate::error::{Error, Result};

impl Store {
    /// A git config value (`cmos.ref`, `branch.main.remote`), None when unset or empty.
    pub(super) fn config_string(&self, key: &str) -> Option<String> {
        config_string(&self.repo, key)
    }

    /// A boolean git config value (`cmos.syncOnPush`): false when unset or not a boolean,
    /// which is how every cmos switch is opt-in.
    pub fn config_flag(&self, key: &str) -> bool {
        self.repo.config_snapshot().boolean(key).unwrap_or(false)
    }

    /// The branch HEAD is on (`main`, `feature/x`), None when detached.
    pub fn current_branch(&self) -> Option<String> {
        let name = self.repo.head_name().ok()??;
        Some(name.shorten().to_string()).filter(|n| !n.is_empty())
    }

    /// The project's default branch: `cmos.defaultBranch`, else what `origin/HEAD` points at,
    /// else `init.defaultBranch`, else `main`.
    pub fn default_branch(&self) -> String {
        self.config_string("cmos.defaultBranch")
            .or_else(|| self.origin_head())
            .or_else(|| self.config_string("init.defaultBranch"))
            .unwrap_or_else(|| "main".into())
    }

    /// The branch `refs/remotes/origin/HEAD` points at, without `origin/`.
    fn origin_head(&self) -> Option<String> {
        let reference = self
            .repo
            .try_find_reference("refs/remotes/origin/HEAD")
            .ok()??;
        let target = reference.target();
        let name = target.try_name()?.as_bstr().to_string();
        name.strip_prefix("refs/remotes/origin/")
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    }

    /// The hooks directory git runs hooks from (`core.hooksPath` when set, else `hooks` in
    /// the git directory), as an absolute path.
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        git_program::hooks_dir(self.git_dir()).map_err(|why| {
            Error::Git(format!(
                "git could not say where the hooks directory is: {}",
                why.0
            ))
        })
    }

    /// Which of `paths` (relative to the work tree) git ignores (.gitignore, info/exclude,
    /// the user's excludes), in order; none in a bare repository.
    pub fn ignored(&self, paths: &[String]) -> Vec<bool> {
        match self.work_tree() {
            Some(root) => git_program::ignored(&root, paths),
            None => vec![false; paths.len()],
        }
    }

    /// The project's commits reachable from `to` and not from `from` (`ORIG_HEAD`, `HEAD`),
    /// newest first; none when either does not name a commit.
    pub fn project_commits(&self, from: &str, to: &str) -> Result<Vec<ProjectCommit>> {
        git_program::revisions(self.git_dir(), &format!("{from}..{to}"))
            .iter()
            .filter_map(|hex| CommitId::from_hex(hex))
            .map(|id| self.project_commit(&id.to_string()))
            .collect()
    }
}

/// A git config value of `repo`, None when unset or empty.
pub(super) fn config_string(repo: &gix::Repository, key: &str) -> Option<String> {
    repo.config_snapshot()
        .string(key)
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
}

/// An object of the cmos branch, read through `find` (None: not found), looked up once more
/// when it is not found. git's own `gc` and `prune-packed` (which cmos starts in the
/// background, see `packing`) delete loose objects once a new pack holds them; a lookup that
/// saw the loose file and then failed to open it is answered "not found" by gix without a
/// look at the packs. The second lookup no longer sees the loose file, so gix refreshes its
/// list of packs and finds the object in the new one.
pub(super) fn found_again<T>(
    mut find: impl FnMut() -> Result<Option<T>, gix::Error>,
) -> Result<Option<T>, gix::Error> {
    match find()? {
        Some(found) => Ok(Some(found)),
        None => find(),
    }
}
