//! A value worked out from the files of one `.cmos/<dir>/` directory, kept in a local cache
//! keyed by the names and blob ids of those files. While none of them changes, a command
//! reads one small file instead of every file in the directory: the process graph's state is
//! worked out from one file per clone that ever moved it, and every write that emits an event
//! and every MCP response asks for it.
//!
//! One file may be left out of the key and the value (a clone's own file, which its own
//! writes change every time): the caller reads that one itself.

use gix::ObjectId;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CommitId, PathBytes, Store, checked, load};
use crate::error::Result;
use crate::store::Tx;

/// Largest cache file read back.
const MAX_BYTES: u64 = 4 << 20;

/// What a memo is worked out from: a directory, a file in it to leave out, and a bound on how
/// many files are read (over it, the value is worked out from None).
pub struct DirQuery<'a> {
    /// The directory under `.cmos/`.
    pub dir: &'a str,
    /// A file's full path (`.cmos/<dir>/<name>`) that neither the key nor the value covers.
    pub leave_out: Option<&'a str>,
    pub limit: usize,
    /// The cache's name, unique to the kind of value.
    pub name: &'a str,
}

impl Store {
    /// `work_out` of the files of `query.dir` at `commit`, from the cache when they have not
    /// changed since it was worked out last.
    pub fn dir_memo_at<T: Serialize + DeserializeOwned>(
        &self,
        commit: CommitId,
        query: &DirQuery<'_>,
        work_out: impl FnOnce(Option<PathBytes>) -> T,
    ) -> Result<T> {
        self.dir_memo(self.tree_of(commit.0)?, query, work_out)
    }

    fn dir_memo<T: Serialize + DeserializeOwned>(
        &self,
        tree: ObjectId,
        query: &DirQuery<'_>,
        work_out: impl FnOnce(Option<PathBytes>) -> T,
    ) -> Result<T> {
        let listed: Vec<(String, ObjectId)> = load::dir_files(&self.repo, tree, query.dir)?
            .into_iter()
            .filter(|(path, _)| Some(path.as_str()) != query.leave_out)
            .collect();
        let key = key_of(&listed);
        let path = self.local.shared_dir.join(format!("memo-{}", query.name));
        let version = format!("cmos dir memo 1 {}", query.name);
        if let Some(key) = &key
            && let Some(body) = checked::read(&path, &version, MAX_BYTES)
            && let Some((stored, json)) = body.split_once('\n')
            && stored == key
            && let Ok(value) = serde_json::from_str(json)
        {
            return Ok(value);
        }
        let files = match listed.len() > query.limit {
            true => None,
            false => Some(self.read_listed(listed)?),
        };
        let value = work_out(files);
        if let Some(key) = key
            && let Ok(json) = serde_json::to_string(&value)
        {
            checked::write(&path, &version, &format!("{key}\n{json}"));
        }
        Ok(value)
    }

    /// The bytes of each listed file, by path.
    pub(super) fn read_listed(&self, listed: Vec<(String, ObjectId)>) -> Result<PathBytes> {
        listed
            .into_iter()
            .map(|(path, blob)| Ok((path.clone(), load::read_blob(&self.repo, blob, &path)?)))
            .collect()
    }
}

impl Tx<'_> {
    /// [`Store::dir_memo_at`] as of this write: the files this write staged in the directory
    /// (other than the one left out) are not in any cache, so the value is worked out afresh.
    pub fn dir_memo<T: Serialize + DeserializeOwned>(
        &self,
        query: &DirQuery<'_>,
        work_out: impl FnOnce(Option<PathBytes>) -> T,
    ) -> Result<T> {
        let prefix = format!("{}/{}/", crate::format::layout::ROOT, query.dir);
        let staged_here = self.staged_paths().any(|path| {
            path.strip_prefix(&prefix)
                .is_some_and(|name| !name.contains('/'))
                && Some(path) != query.leave_out
        });
        if !staged_here {
            return self.store().dir_memo(self.base_tree(), query, work_out);
        }
        let files: PathBytes = self
            .dir_files(query.dir)?
            .into_iter()
            .filter(|(path, _)| Some(path.as_str()) != query.leave_out)
            .collect();
        Ok(work_out((files.len() <= query.limit).then_some(files)))
    }
}

/// The key of a listing: a hash of every name and blob id in it, strong enough that no file
/// on the branch can be named to make another listing's key. None if it cannot be made.
fn key_of(listed: &[(String, ObjectId)]) -> Option<String> {
    let mut text = Vec::with_capacity(listed.len() * 64);
    for (path, blob) in listed {
        text.extend_from_slice(path.as_bytes());
        text.push(0);
        text.extend_from_slice(blob.as_bytes());
    }
    let hash = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, &text);
    hash.ok().map(|id| id.to_string())
}
