//! The project's own history (not the cmos branch): the commits the hooks log, revisions as
//! git resolves them, and where facts pinned to files look to see whether those files changed
//! since.

use super::{CommitId, FileVersion, Store, git_program};
use crate::error::{Error, Result};

impl Store {
    /// The commit `rev` names in this repository (`HEAD`, `main~2`, a short hash, a tag), as
    /// git resolves it.
    pub fn resolve_commit(&self, rev: &str) -> Result<CommitId> {
        git_program::resolve_commit(self.repo.git_dir(), rev)
            .and_then(|hex| CommitId::from_hex(&hex))
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "{rev:?} names no commit of this repository; pass a commit, branch or tag"
                ))
            })
    }

    /// The commit HEAD points at, None in a repository with no commit yet.
    pub fn head_commit(&self) -> Option<CommitId> {
        self.repo.head_id().ok().map(|id| CommitId(id.detach()))
    }

    /// The version of each of `paths` in `commit` (full hex, as a fact stores it), None
    /// where the path is not a file there.
    pub fn file_ids_at(&self, commit: &str, paths: &[String]) -> Result<Vec<Option<FileVersion>>> {
        let id = CommitId::from_hex(commit).ok_or_else(|| {
            Error::InvalidInput(format!("{commit:?} is not the full id of a commit"))
        })?;
        let git =
            |e: &dyn std::fmt::Display| Error::Git(format!("cannot read commit {commit}: {e}"));
        let tree = self
            .repo
            .find_commit(id.0)
            .map_err(|e| git(&e))?
            .tree()
            .map_err(|e| git(&e))?;
        paths
            .iter()
            .map(|path| {
                let entry = tree.lookup_entry_by_path(path).map_err(|e| git(&e))?;
                Ok(entry
                    .filter(|e| e.mode().is_blob())
                    .map(|e| FileVersion(e.object_id())))
            })
            .collect()
    }
}

/// A commit of the project (not of the cmos branch), as hooks log it.
#[derive(Debug, Clone)]
pub struct ProjectCommit {
    pub hash: CommitId,
    /// The whole message, byte for byte.
    pub message: Vec<u8>,
    /// Files changed against the first parent (all files of a root commit).
    pub files: Vec<String>,
}

impl ProjectCommit {
    pub fn subject(&self) -> String {
        String::from_utf8_lossy(&self.message)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// The values of trailer `key` (`Cmos-Mission`), case-insensitively, in message order.
    pub fn trailer(&self, key: &str) -> Vec<String> {
        let prefix = format!("{}:", key.to_ascii_lowercase());
        String::from_utf8_lossy(&self.message)
            .lines()
            .filter_map(|line| {
                let lower = line.to_ascii_lowercase();
                lower
                    .starts_with(&prefix)
                    .then(|| line[prefix.len()..].trim().to_string())
            })
            .filter(|v| !v.is_empty())
            .collect()
    }
}

impl Store {
    /// The project's commit `rev` (HEAD by default) with its message and changed files.
    pub fn project_commit(&self, rev: &str) -> Result<ProjectCommit> {
        let hash = self.resolve_commit(rev)?;
        let git = |e: &dyn std::fmt::Display| Error::Git(format!("cannot read commit {hash}: {e}"));
        let commit = self.repo.find_commit(hash.0).map_err(|e| git(&e))?;
        let message = commit.message_raw_sloppy().to_vec();
        let tree = commit.tree_id().map_err(|e| git(&e))?.detach();
        let parent_tree = match commit.parent_ids().next() {
            Some(parent) => Some(self.tree_of(parent.detach())?),
            None => None,
        };
        let files = super::load::project_changed_files(&self.repo, parent_tree, Some(tree))?
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        Ok(ProjectCommit {
            hash,
            message,
            files,
        })
    }
}
