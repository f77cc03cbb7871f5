//! The project's own history (not the cmos branch): where facts pinned to files look to see
//! whether those files changed since.

use gix::ObjectId;

use super::Store;
use crate::error::{Error, Result};

impl Store {
    /// The full id of the commit `rev` names in this repository.
    pub fn resolve_commit(&self, rev: &str) -> Result<String> {
        crate::remote::resolve_commit(self.repo.git_dir(), rev).ok_or_else(|| {
            Error::InvalidInput(format!(
                "{rev:?} names no commit of this repository; pass a commit, branch or tag"
            ))
        })
    }

    /// The commit HEAD points at, None in a repository with no commit yet.
    pub fn head_commit(&self) -> Option<String> {
        self.repo.head_id().ok().map(|id| id.to_string())
    }

    /// The blob id of each of `paths` in `commit`, None where the path is not a file there.
    pub fn file_ids_at(&self, commit: &str, paths: &[String]) -> Result<Vec<Option<ObjectId>>> {
        let git =
            |e: &dyn std::fmt::Display| Error::Git(format!("cannot read commit {commit}: {e}"));
        let id = ObjectId::from_hex(commit.as_bytes()).map_err(|e| git(&e))?;
        let tree = self
            .repo
            .find_commit(id)
            .map_err(|e| git(&e))?
            .tree()
            .map_err(|e| git(&e))?;
        paths
            .iter()
            .map(|path| {
                let entry = tree.lookup_entry_by_path(path).map_err(|e| git(&e))?;
                Ok(entry.filter(|e| e.mode().is_blob()).map(|e| e.object_id()))
            })
            .collect()
    }
}
