//! Merging another clone's branch into ours: both sides' changes since the merge base,
//! combined file by file by `crate::merge`, written as a merge commit and moved in by
//! compare-and-swap like any other write.

use std::collections::HashMap;

use gix::ObjectId;
use gix::objs::tree::EntryKind;

use super::trees::{self, Leaf};
use super::{CommitId, Store, TreeId, load};
use crate::error::{Error, FileProblem, Result};
use crate::merge::{self, Conflict, Sides};
use crate::model::Timestamp;

/// What a merge produced.
#[derive(Debug)]
pub struct Merged {
    pub commit: CommitId,
    pub conflicts: Vec<Conflict>,
}

impl Store {
    /// The commit time of `commit`, as a timestamp.
    fn commit_time(&self, commit: ObjectId) -> Result<Timestamp> {
        let commit = self
            .repo
            .find_commit(commit)
            .map_err(|e| Error::git("cannot read a commit of the cmos branch", e))?;
        let seconds = commit
            .time()
            .map_err(|e| Error::git("cannot read a commit's time", e))?
            .seconds;
        Ok(Timestamp::from_millis(seconds * 1000))
    }

    /// The tree that combines `ours` and `theirs` since `base` (None: no common history).
    /// The result does not depend on which side is ours.
    pub fn merge_trees(
        &self,
        base: Option<CommitId>,
        ours: CommitId,
        theirs: CommitId,
        when: Timestamp,
    ) -> Result<(TreeId, Vec<Conflict>)> {
        let (tree, conflicts) = self.combine(base.map(|b| b.0), ours.0, theirs.0, when, false)?;
        // The tree is handed out: store it now (writes are kept in memory, see `loose`).
        let stored = super::loose::persist(&self.repo)?;
        self.note_unpacked(&stored);
        Ok((TreeId(tree), conflicts))
    }

    /// `merge_trees`, or with `keep_logs` a revert: logs are append-only, so theirs (the
    /// state before the reverted operation) never takes lines out of them.
    fn combine(
        &self,
        base: Option<ObjectId>,
        ours: ObjectId,
        theirs: ObjectId,
        when: Timestamp,
        keep_logs: bool,
    ) -> Result<(ObjectId, Vec<Conflict>)> {
        let repo = &self.repo;
        let empty = ObjectId::empty_tree(repo.object_hash());
        let base_tree = match base {
            Some(commit) => self.tree_of(commit)?,
            None => empty,
        };
        let (our_tree, their_tree) = (self.tree_of(ours)?, self.tree_of(theirs)?);
        let base_commit = base.unwrap_or(ours);
        let ours_changed: HashMap<String, Option<ObjectId>> = self
            .strict_changes(base_tree, our_tree, base_commit, ours)?
            .into_iter()
            .collect();
        let theirs_changed = self.strict_changes(base_tree, their_tree, base_commit, theirs)?;
        let git = |e: gix::Error| Error::git("cannot write the merged tree", e);
        let mut editor = repo.edit_tree(our_tree).map_err(git)?;
        let mut conflicts = Vec::new();
        let read = |blob: Option<ObjectId>, path: &str| -> Result<Option<Vec<u8>>> {
            blob.map(|b| load::read_blob(repo, b, path)).transpose()
        };
        // Records a merge moves aside are written last, over what either side had there.
        let mut moved_aside: HashMap<String, ObjectId> = HashMap::new();
        let mut theirs_only = Vec::new();
        let mut edited: Vec<String> = Vec::new();
        for (path, theirs_blob) in theirs_changed {
            if keep_logs && path.ends_with(".jsonl") {
                continue;
            }
            let merged = match ours_changed.get(&path) {
                None => {
                    theirs_only.push((path, theirs_blob));
                    continue;
                }
                Some(ours_blob) if *ours_blob == theirs_blob => continue,
                Some(ours_blob) => {
                    let base_bytes = super::tx::read_path(repo, base_tree, &path)?;
                    let (a, b) = (read(*ours_blob, &path)?, read(theirs_blob, &path)?);
                    merge::merge_file(
                        &path,
                        Sides {
                            base: base_bytes.as_deref(),
                            ours: a.as_deref(),
                            theirs: b.as_deref(),
                        },
                    )
                }
            };
            let blob = match &merged.content {
                Some(bytes) => Some(repo.write_blob(bytes).map_err(git)?.detach()),
                None => None,
            };
            apply(&mut editor, &path, blob).map_err(git)?;
            edited.push(path.clone());
            let mut conflicts_here = merged.conflicts;
            for also in &merged.also {
                // The moved record may be there already (an earlier merge moved it): merge
                // with what each side has, against the record's own base.
                let mut content = also.content.clone();
                let mut known = false;
                for tree in [our_tree, their_tree] {
                    let Some(existing) = super::tx::read_path(repo, tree, &also.path)? else {
                        continue;
                    };
                    known = true;
                    if existing == content {
                        continue;
                    }
                    let again = merge::merge_file(
                        &also.path,
                        Sides {
                            base: also.base.as_deref(),
                            ours: Some(&content),
                            theirs: Some(&existing),
                        },
                    );
                    conflicts_here.extend(again.conflicts);
                    content = again.content.unwrap_or(content);
                }
                if known {
                    // Reported when it was first moved aside.
                    conflicts_here.retain(|c| !(c.field == "id" && c.path == path));
                }
                let blob = repo.write_blob(&content).map_err(git)?.detach();
                moved_aside.insert(also.path.clone(), blob);
            }
            conflicts.extend(conflicts_here);
        }
        for (path, blob) in theirs_only {
            if !moved_aside.contains_key(&path) {
                apply(&mut editor, &path, blob).map_err(git)?;
                edited.push(path);
            }
        }
        for (path, blob) in moved_aside {
            apply(&mut editor, &path, Some(blob)).map_err(git)?;
            edited.push(path);
        }
        if let Some((path, bytes)) = merge::conflict_shard(&conflicts, when) {
            let blob = repo.write_blob(&bytes).map_err(git)?.detach();
            apply(&mut editor, &path, Some(blob)).map_err(git)?;
            edited.push(path);
        }
        self.check_edits(our_tree, ours, &edited)?;
        let tree = editor.write().map_err(git)?.detach();
        Ok((tree, conflicts))
    }

    /// Merges the commit `theirs` into the branch: a merge commit on top of the tip, moved in
    /// by compare-and-swap (redone if the tip moved meanwhile). `base` is their merge base.
    pub fn merge_into_branch(
        &self,
        theirs: CommitId,
        base: Option<CommitId>,
        subject: &str,
    ) -> Result<Merged> {
        self.check_commit(theirs, true)?;
        let (theirs, base) = (theirs.0, base.map(|b| b.0));
        for _ in 0..super::MAX_ATTEMPTS {
            let ours = self.tip_id()?.ok_or(Error::NotInitialized)?;
            let when = self.commit_time(ours)?.max(self.commit_time(theirs)?);
            let (tree, conflicts) = self.combine(base, ours, theirs, when, false)?;
            let writer = self.local.writer_id()?;
            let commit = self.commit_object(
                tree,
                &[ours, theirs],
                subject,
                "sync.merge",
                &writer,
                Timestamp::now(),
            )?;
            if self.compare_and_swap(Some(ours), commit, subject)? {
                return Ok(Merged {
                    commit: CommitId(commit),
                    conflicts,
                });
            }
        }
        Err(Error::Conflict(
            "the cmos branch kept moving while merging; run the sync again".into(),
        ))
    }

    /// Reverts the operation `commit` on top of the tip: a three-way merge of the tip with
    /// the commit's parent against the commit itself, so later changes to the same fields
    /// stay, plus `extra` files (retractions of what the operation appended to logs).
    pub fn revert(
        &self,
        commit: CommitId,
        extra: &[(String, Vec<u8>)],
        subject: &str,
    ) -> Result<Merged> {
        let commit = commit.0;
        let parent = self
            .repo
            .find_commit(commit)
            .map_err(|e| Error::git("cannot read the operation to undo", e))?
            .parent_ids()
            .next()
            .map(|p| p.detach())
            .ok_or_else(|| {
                Error::Refused("the first commit of the branch (init) cannot be undone".into())
            })?;
        let git = |e: gix::Error| Error::git("cannot write the reverted tree", e);
        for _ in 0..super::MAX_ATTEMPTS {
            let tip = self.tip_id()?.ok_or(Error::NotInitialized)?;
            let (tree, conflicts) =
                self.combine(Some(commit), tip, parent, Timestamp::now(), true)?;
            let mut editor = self.repo.edit_tree(tree).map_err(git)?;
            self.check_edits(tree, tip, extra.iter().map(|(p, _)| p))?;
            for (path, bytes) in extra {
                let blob = self.repo.write_blob(bytes).map_err(git)?.detach();
                apply(&mut editor, path, Some(blob)).map_err(git)?;
            }
            let tree = editor.write().map_err(git)?.detach();
            let writer = self.local.writer_id()?;
            let new =
                self.commit_object(tree, &[tip], subject, "undo", &writer, Timestamp::now())?;
            if self.compare_and_swap(Some(tip), new, subject)? {
                return Ok(Merged {
                    commit: CommitId(new),
                    conflicts,
                });
            }
        }
        Err(Error::Conflict(
            "the cmos branch kept moving during undo; run it again".into(),
        ))
    }

    /// Another cmos branch to merge into this one (a team's branch): `name` is a full ref,
    /// a local branch or a remote-tracking branch (`origin/cmos-team-a`), looked up in that
    /// order; with `remote`, it is that remote's branch, fetched first into
    /// `refs/remotes/<remote>/<name>`. Returns the ref that was found and its commit, refusing
    /// a name that is missing, this clone's own branch, or something other than a commit.
    pub fn other_branch(&self, name: &str, remote: Option<&str>) -> Result<(String, CommitId)> {
        let own = self.branch();
        let full = match remote {
            Some(remote) => {
                let branch = if name.starts_with("refs/") {
                    name.to_string()
                } else {
                    format!("refs/heads/{name}")
                };
                let short = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
                let tracking = format!("refs/remotes/{remote}/{short}");
                // Both go into a refspec: a name git would refuse (`:`, `..`, spaces, control
                // characters) is refused here, before it can change what is fetched where.
                for r in [&branch, &tracking] {
                    if gix::refs::FullName::try_from(r.as_str()).is_err() {
                        return Err(Error::InvalidInput(format!(
                            "{:?} is not a valid branch name: name a branch as git does (e.g. cmos-team-a) and a configured remote",
                            r.escape_debug().to_string()
                        )));
                    }
                }
                match self.fetch_branch(remote, &branch, &tracking)? {
                    super::RemoteBranch::At(_) => tracking,
                    super::RemoteBranch::Absent => {
                        return Err(Error::InvalidInput(format!(
                            "{remote} has no branch {branch}: name a branch the remote has (a team's cmos branch, e.g. cmos-team-a)"
                        )));
                    }
                    super::RemoteBranch::Unreachable(why) => {
                        return Err(Error::Git(format!(
                            "cannot fetch {branch} from {remote}: {why}; nothing was merged"
                        )));
                    }
                }
            }
            None => {
                let candidates = if name.starts_with("refs/") {
                    vec![name.to_string()]
                } else {
                    vec![format!("refs/heads/{name}"), format!("refs/remotes/{name}")]
                };
                let found = candidates
                    .iter()
                    .map(|c| Ok(self.ref_id(c)?.map(|_| c.clone())))
                    .find_map(Result::transpose)
                    .transpose()?;
                match found {
                    Some(full) => full,
                    None => {
                        return Err(Error::InvalidInput(format!(
                            "no branch {name:?} in this repository (looked for {}): name a local branch, a remote-tracking branch such as origin/cmos-team-a, or fetch it from its remote first",
                            candidates.join(", ")
                        )));
                    }
                }
            }
        };
        if full == own {
            return Err(Error::InvalidInput(format!(
                "{full} is this clone's own cmos branch: name another branch to merge into it"
            )));
        }
        let id = self.ref_id(&full)?.ok_or_else(|| {
            Error::Conflict(format!(
                "{full} was deleted while it was being read; try again"
            ))
        })?;
        if self.repo.find_commit(id).is_err() {
            return Err(Error::InvalidInput(format!(
                "{full} points at {id}, which is not a commit: only a cmos branch can be merged"
            )));
        }
        Ok((full, CommitId(id)))
    }

    /// This worktree's writer id.
    pub fn writer(&self) -> Result<String> {
        self.local.writer_id()
    }

    /// This worktree's writer id if it has written before (a read never makes one).
    pub fn writer_if_any(&self) -> Option<String> {
        match self.local.writer_id_candidate() {
            (id, true) => Some(id),
            (_, false) => None,
        }
    }

    /// The working tree of this worktree, None in a bare repository.
    pub fn work_tree(&self) -> Option<std::path::PathBuf> {
        self.repo.workdir().map(std::path::Path::to_path_buf)
    }

    /// Refuses `commit` if its tree holds anything cmos does not follow: a bad entry anywhere
    /// (see `trees`), or a file where a directory of records belongs. `remote` says where the
    /// commit comes from, for the advice of the error. Called before a commit is adopted,
    /// fast-forwarded to or merged, so a hostile tree never becomes this clone's state.
    pub fn check_commit(&self, commit: CommitId, remote: bool) -> Result<()> {
        let tree = self.tree_of(commit.0)?;
        match self.tree_faults(tree)?.into_iter().next() {
            None => Ok(()),
            Some(problem) => Err(Error::InvalidTree {
                commit: commit.to_string(),
                problem,
                remote,
            }),
        }
    }

    /// The bytes of the files on the branch tip (0 before the first write): what the original
    /// CMOS reported as the size of its database file.
    pub fn tip_bytes(&self) -> Result<u64> {
        let Some(tip) = self.tip_id()? else {
            return Ok(0);
        };
        let mut total = 0;
        for change in trees::diff(&self.repo, None, Some(self.tree_of(tip)?))? {
            if let Some(Leaf::File(blob)) = change.new {
                let header = super::repository::found_again(|| self.repo.try_find_header(blob))
                    .map_err(|e| Error::git("cannot read a file of the cmos branch", e))?
                    .ok_or_else(|| {
                        Error::Git(format!(
                            "{} on the cmos branch is object {blob}, which this repository does not have",
                            change.path
                        ))
                    })?;
                total += header.size();
            }
        }
        Ok(total)
    }

    /// Every bad entry of `tree`, and every record directory replaced by a file, by path.
    pub(super) fn tree_faults(&self, tree: ObjectId) -> Result<Vec<FileProblem>> {
        let mut faults = trees::faults(&self.repo, tree)?;
        faults.extend(load::layout_faults(&self.repo, tree)?);
        faults.sort_by(|a, b| a.path.cmp(&b.path));
        faults.dedup();
        Ok(faults)
    }

    /// The files that differ from `base` (a tree of commit `base_commit`) to `tree` (of
    /// `commit`), refusing a change that involves an entry cmos does not follow on either
    /// side: a merge would otherwise edit a tree through it.
    fn strict_changes(
        &self,
        base: ObjectId,
        tree: ObjectId,
        base_commit: ObjectId,
        commit: ObjectId,
    ) -> Result<Vec<(String, Option<ObjectId>)>> {
        let mut files = Vec::new();
        for change in trees::diff(&self.repo, Some(base), Some(tree))? {
            let (culprit, why) = match (change.old, change.new) {
                (_, Some(Leaf::Bad(why))) => (commit, why),
                (Some(Leaf::Bad(why)), _) => (base_commit, why),
                (_, Some(Leaf::File(blob))) => {
                    files.push((change.path, Some(blob)));
                    continue;
                }
                (_, None) => {
                    files.push((change.path, None));
                    continue;
                }
            };
            return Err(Error::InvalidTree {
                commit: culprit.to_string(),
                problem: trees::problem(&change.path, why),
                remote: false,
            });
        }
        Ok(files)
    }

    /// Refuses a merge or revert whose writes would rewrite a tree of `tree` (of `commit`)
    /// that holds a bad entry.
    fn check_edits<'p>(
        &self,
        tree: ObjectId,
        commit: ObjectId,
        paths: impl IntoIterator<Item = &'p String>,
    ) -> Result<()> {
        match trees::check_edits(&self.repo, tree, paths.into_iter().map(String::as_str))? {
            None => Ok(()),
            Some(problem) => Err(Error::InvalidTree {
                commit: commit.to_string(),
                problem,
                remote: false,
            }),
        }
    }
}

fn apply(
    editor: &mut gix::object::tree::Editor<'_>,
    path: &str,
    blob: Option<ObjectId>,
) -> std::result::Result<(), gix::Error> {
    match blob {
        Some(id) => editor.upsert(path, EntryKind::Blob, id).map(|_| ()),
        None => editor.remove(path).map(|_| ()),
    }
}
