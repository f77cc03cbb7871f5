//! The only code that knows git. It opens the repository, reads the cmos branch into an
//! index, writes one commit per operation with compare-and-swap on the branch, reads its
//! history, merges and reverts, and shares it with remotes (fetch, push, merge base); it also
//! answers what cmos asks about the project's own repository: its commits, git config,
//! branches, hooks directory and ignore rules. gix does the reading and writing, the `git`
//! program (`git_program`, private to this module) the network and the few questions gix
//! does not answer here. Everything outside sees commit ids ([`CommitId`]), never a gix type.
//!
//! A write never touches HEAD, the index file or the working tree: objects go into the object
//! database and only `refs/heads/cmos` (or `cmos.ref`) moves.

mod cache;

mod gate;
mod git_program;
mod history;
mod ids;
mod kept_reads;

mod load;
mod local;
mod local_config;
mod locks;
mod loose;
mod merge;
mod metrics;
mod one_object;
mod pack_lookup;
mod pack_read;
mod packing;
mod pipeline;
mod project_files;
mod recent;
mod remote;
mod repository;
mod snapshot;
pub mod trees;
mod tx;
mod verify;
mod verify_text;
mod view;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gix::ObjectId;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::{FullName, Target};

/// Makes the next read of the cache parse it from disk (see `cache::forget_parsed`); for
/// tests of what a write leaves on disk.
#[doc(hidden)]
pub use cache::forget_parsed as forget_parsed_cache;
pub use gate::Marker;
pub use git_program::ACTIVE_ENV;
pub use history::{LogEntry, LogFilter};
pub use ids::{CommitId, FileVersion, TreeId};
pub use local::replace_file;
pub use local_config::ConfigSection;
pub use merge::Merged;
pub use metrics::{MetricLog, MetricRef, Numbered, Shard as MetricShard};
pub use project_files::ProjectCommit;
pub use recent::DirQuery;
pub use remote::{Pushed, RemoteBranch};
pub use snapshot::Snapshot;
use tx::State;
pub use tx::Tx;
use view::View;

use crate::digest::Digest;
use crate::error::{Error, FileProblem, Result};
use crate::format::{codec, layout};
use crate::index::{Index, Meta, MissionEntry};
use crate::lifecycle::Queue;
use crate::model::text::one_line;
use crate::model::{Item, ItemKind, Mission, Session};

/// One operation's change to a file: the operation, and the content before and after.
pub type Revision = (LogEntry, Option<Vec<u8>>, Option<Vec<u8>>);

/// The branch that holds the state unless `cmos.ref` says otherwise.
pub const DEFAULT_REF: &str = "refs/heads/cmos";

/// How often a writer that lost the race re-reads the tip and re-applies its operation.
const MAX_ATTEMPTS: u32 = 200;

/// Opens the repository containing `dir` as git would find it, with room for many more packs
/// than it has: gix sizes its table of pack indexes when it opens (32 by default) and fails
/// every read once the repository has more packs than that, which a store open for long (the
/// MCP server, the board) reached as fetches and cmos's incremental packing added packs
/// (git's `gc --auto` folds them together only past 50).
fn discover(dir: &Path) -> std::result::Result<gix::Repository, gix::Error> {
    gix::ThreadSafeRepository::discover_with_environment_overrides_opts(
        dir,
        Default::default(),
        trust_options(),
    )
    .map(Into::into)
}

/// How a repository is opened, whoever owns it.
fn trust_options() -> gix::sec::trust::Mapping<gix::open::Options> {
    let slots = gix::odb::store::init::Slots::AsNeededByDiskState {
        multiplier: 2.0,
        minimum: 512,
    };
    let mut trust = gix::sec::trust::Mapping::<gix::open::Options>::default();
    trust.full = trust.full.object_store_slots(slots);
    trust.reduced = trust.reduced.object_store_slots(slots);
    trust
}

/// How a thread that reads records beside the caller's (`pipeline`) opens a handle of its own
/// on the same repository: gix handles are not shared between threads.
pub(super) struct Reopen {
    git_dir: PathBuf,
    common_dir: PathBuf,
}

impl Reopen {
    /// None when `repo` holds objects not yet stored (a write under way), which only its
    /// own handle can see.
    pub(super) fn of(repo: &gix::Repository) -> Option<Reopen> {
        (repo.objects.num_objects_in_memory() == 0).then(|| Reopen {
            git_dir: repo.git_dir().to_path_buf(),
            common_dir: repo.common_dir().to_path_buf(),
        })
    }

    /// A new handle, or None when the repository cannot be opened again as the same one.
    pub(super) fn open(&self) -> Option<gix::Repository> {
        let opened = gix::ThreadSafeRepository::open_with_environment_overrides(
            &self.git_dir,
            trust_options(),
        );
        let mut reader: gix::Repository = opened.ok()?.into();
        (reader.common_dir() == self.common_dir).then_some(())?;
        // A helper reads each blob once: a cache of whole objects would only copy every
        // blob into it (the pack cache keeps the delta bases that matter).
        reader.object_cache_size(None);
        set_pack_cache(&mut reader);
        Some(reader)
    }
}

/// The caches a command's handle reads with.
fn set_caches(repo: &mut gix::Repository) {
    // A write looks up several files by path, and each lookup walks the root, `.cmos` and
    // `missions` trees; the last holds one entry per mission, so keep decoded trees around.
    repo.object_cache_size_if_unset(8 * 1024 * 1024);
    set_pack_cache(repo);
}

/// The cache of decoded delta bases, which every handle reads packed blobs with.
fn set_pack_cache(repo: &mut gix::Repository) {
    // Packed blobs are stored as chains of deltas; without a cache of decoded bases every
    // read inflates its whole chain again (a verify of 100,000 missions inflated 3.7
    // objects per file). The cache is allocated as it fills, so a small command pays
    // nothing for it.
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            PACK_CACHE_BYTES,
        ))
    });
}

/// The most memory the decoded delta bases of packed objects may take.
const PACK_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// An open repository and where its cmos state lives.
pub struct Store {
    repo: gix::Repository,
    branch: FullName,
    local: local::LocalState,
    agent: String,
    identity: Identity,
}

/// Who signs commits, as git would resolve it; either part may be missing.
#[derive(Clone)]
struct Identity {
    name: Option<String>,
    email: Option<String>,
}

/// What a write produced: the operation's value, and the meta records and digest of the new
/// tip (what every response's instructions are made of).
pub struct Written<T> {
    pub value: T,
    pub meta: Arc<Meta>,
    pub digest: Arc<Digest>,
    /// The new commit, or None when the operation changed nothing.
    pub commit: Option<CommitId>,
}

impl Store {
    /// Opens the repository that contains `dir` (any subdirectory, linked worktree or bare
    /// repository). `agent` names who acts, for commits and events.
    pub fn open(dir: &Path, agent: Option<String>) -> Result<Store> {
        let mut repo = discover(dir).map_err(|_| {
            Error::NotARepository(format!("no git repository at or above {}", dir.display()))
        })?;
        let (branch_name, identity) = {
            let setting = |key: &str| repository::config_string(&repo, key);
            let env = |key: &str| std::env::var(key).ok().filter(|s| !s.is_empty());
            // git's order: environment, then committer.*, then user.*; EMAIL for the address.
            let name = env("GIT_COMMITTER_NAME")
                .or_else(|| setting("committer.name"))
                .or_else(|| setting("user.name"));
            let email = env("GIT_COMMITTER_EMAIL")
                .or_else(|| setting("committer.email"))
                .or_else(|| setting("user.email"))
                .or_else(|| env("EMAIL"));
            (setting("cmos.ref"), Identity { name, email })
        };
        let branch_name = branch_name.unwrap_or_else(|| DEFAULT_REF.to_string());
        let branch_name = if branch_name.starts_with("refs/") {
            branch_name
        } else {
            format!("refs/heads/{branch_name}")
        };
        let branch: FullName = branch_name.as_str().try_into().map_err(|_| {
            Error::InvalidInput(format!(
                "git config cmos.ref = {branch_name:?} is not a valid branch name"
            ))
        })?;
        let agent = agent
            .filter(|a| !a.trim().is_empty())
            .or_else(|| {
                std::env::var("CMOS_AGENT")
                    .ok()
                    .filter(|a| !a.trim().is_empty())
            })
            .or_else(|| identity.name.clone())
            .unwrap_or_else(|| "unknown".to_string());
        set_caches(&mut repo);
        // Objects a write makes stay in memory until the write stores them all at once
        // (`loose::persist`), before it moves the branch.
        repo.objects.enable_object_memory();
        let local = local::LocalState::new(repo.git_dir(), repo.common_dir());
        Ok(Store {
            repo,
            branch,
            local,
            agent: one_line(&agent),
            identity,
        })
    }

    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// The same store with `agent` acting: one MCP call may name who acts (the original
    /// CMOS's `agent` parameter) without changing who acts for the server's other calls.
    pub fn acting_as(&self, agent: &str) -> Store {
        Store {
            repo: self.repo.clone(),
            branch: self.branch.clone(),
            local: self.local.clone(),
            agent: one_line(agent),
            identity: self.identity.clone(),
        }
    }

    /// The full name of the branch that holds the state.
    pub fn branch(&self) -> String {
        self.branch.as_bstr().to_string()
    }

    /// This worktree's private directory under the git directory.
    pub fn local_dir(&self) -> &Path {
        &self.local.worktree_dir
    }

    /// The git directory of the repository (shared by all worktrees).
    pub fn common_dir(&self) -> PathBuf {
        self.repo.common_dir().to_path_buf()
    }

    /// The branch tip. When the branch does not exist yet but a remote has one (a fresh
    /// clone), the remote's tip is adopted so the clone never starts a second history.
    pub fn tip(&self) -> Result<Option<CommitId>> {
        Ok(self.tip_id()?.map(CommitId))
    }

    fn tip_id(&self) -> Result<Option<ObjectId>> {
        if let Some(id) = self.ref_id(self.branch.as_bstr().to_string().as_str())? {
            return Ok(Some(id));
        }
        let Some((remote, remote_tip)) = self.remote_tip()? else {
            return Ok(None);
        };
        self.require_cmos_branch(CommitId(remote_tip), &format!("{remote}'s cmos branch"))?;
        // A hostile tree must not become this clone's state (see `trees`).
        self.check_commit(CommitId(remote_tip), true)?;
        // Losing this race means another process adopted (or wrote) first: read theirs.
        self.compare_and_swap(None, remote_tip, "cmos: adopt the remote's cmos branch")?;
        self.ref_id(self.branch.as_bstr().to_string().as_str())
    }

    fn ref_id(&self, name: &str) -> Result<Option<ObjectId>> {
        let reference = self
            .repo
            .try_find_reference(name)
            .map_err(|e| Error::git(&format!("cannot read {name}"), e))?;
        match reference {
            None => Ok(None),
            Some(mut r) => r
                .peel_to_id()
                .map(|id| Some(id.detach()))
                .map_err(|e| Error::git(&format!("cannot resolve {name}"), e)),
        }
    }

    /// The cmos branch of a remote and the remote's name, `origin` first, then the others by
    /// name.
    fn remote_tip(&self) -> Result<Option<(String, ObjectId)>> {
        let short = self
            .branch
            .as_bstr()
            .to_string()
            .strip_prefix("refs/heads/")
            .map(str::to_string);
        let Some(short) = short else { return Ok(None) };
        let mut remotes: Vec<String> = self
            .repo
            .remote_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        remotes.sort_by_key(|name| (name != "origin", name.clone()));
        for remote in remotes {
            if let Some(id) = self.ref_id(&format!("refs/remotes/{remote}/{short}"))? {
                return Ok(Some((remote, id)));
            }
        }
        Ok(None)
    }

    /// Reads the tip, or says the project is not initialised. Only the small parts are read
    /// now when the cache is current; missions are decoded when asked for.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        let commit = self.tip_id()?.ok_or(Error::NotInitialized)?;
        let tree = self.tree_of(commit)?;
        let snapshot = match cache::load(&self.local.cache_path()) {
            Some(cached) if cached.tree == tree => Snapshot::cached(self, commit, cached),
            cached => {
                let index = self.refresh(tree, cached.as_ref())?;
                let digest = cache_index(&self.local.cache_path(), Some(tree), &index, None);
                Snapshot::built(self, commit, tree, index, digest)
            }
        };
        snapshot.meta.project()?;
        Ok(snapshot)
    }

    /// The branch as it was at `commit`, read from that commit's tree alone: the cache holds
    /// the tip and is neither read nor written. What `context view --as-of` reads.
    pub fn snapshot_at(&self, commit: CommitId) -> Result<Snapshot<'_>> {
        let tree = self.tree_of(commit.0)?;
        let index = self.rebuild(tree)?;
        let digest = cache_index(&self.local.cache_path(), None, &index, None);
        let snapshot = Snapshot::built(self, commit.0, tree, index, digest);
        snapshot.meta.project()?;
        Ok(snapshot)
    }

    /// The full index of `tree`, rebuilt from the tree alone.
    fn rebuild(&self, tree: ObjectId) -> Result<Index> {
        load::index_of(&self.repo, tree, None)
    }

    fn tree_of(&self, commit: ObjectId) -> Result<ObjectId> {
        // Looked up once more when not found, as every branch read is (`found_again`).
        let git = |e| Error::git("cannot read the tip of the cmos branch", e);
        let commit = repository::found_again(|| self.repo.try_find_object(commit))
            .map_err(git)?
            .ok_or_else(|| {
                Error::Git(format!(
                    "the cmos branch points at commit {commit}, which this repository does not have"
                ))
            })?
            .try_into_commit()
            .map_err(git)?;
        commit
            .tree_id()
            .map(|id| id.detach())
            .map_err(|e| Error::git("cannot read the tree of the cmos branch", e))
    }

    /// The full index of `tree`, from a cache of it or of an earlier tree (refreshed from a
    /// tree diff), else built from the tree.
    fn refresh(&self, tree: ObjectId, cached: Option<&cache::Cached>) -> Result<Index> {
        let Some(cached) = cached else {
            return self.rebuild(tree);
        };
        let Some(missions) = cached.missions.all() else {
            return self.rebuild(tree);
        };
        let index = Index::new(Meta::clone(&cached.meta), missions);
        if cached.tree == tree {
            return Ok(index);
        }
        load::index_of(&self.repo, tree, Some((cached.tree, index)))
    }

    /// The full record of one mission at a snapshot.
    pub fn mission(&self, snapshot: &Snapshot<'_>, id: &str) -> Result<Mission> {
        let path = layout::mission_path(id);
        let Some(bytes) = tx::read_path(&self.repo, snapshot.tree, &path)? else {
            return Err(snapshot.meta.missing("mission", id));
        };
        codec::from_toml(&path, &bytes).map_err(Error::Corrupt)
    }

    /// A session record at a snapshot.
    pub fn session(&self, snapshot: &Snapshot<'_>, id: &str) -> Result<Session> {
        let path = layout::session_path(id);
        let Some(bytes) = tx::read_path(&self.repo, snapshot.tree, &path)? else {
            return Err(Error::NotFound {
                kind: "session",
                id: id.to_string(),
            });
        };
        tx::parsed_session(&path, bytes)
    }

    /// Every session record at a snapshot, with the files that failed to parse.
    pub fn sessions(&self, snapshot: &Snapshot<'_>) -> Result<(Vec<Session>, Vec<FileProblem>)> {
        load::sessions(&self.repo, snapshot.tree)
    }

    /// Every item of one log at a snapshot (the newest version of each), with the lines that
    /// failed to parse.
    pub fn items(
        &self,
        snapshot: &Snapshot<'_>,
        kind: ItemKind,
    ) -> Result<(Vec<Item>, Vec<FileProblem>)> {
        self.items_in(snapshot.tree, kind)
    }

    /// The file at `path` of the cmos branch at a snapshot, if there is one.
    pub fn branch_file(&self, snapshot: &Snapshot<'_>, path: &str) -> Result<Option<Vec<u8>>> {
        self.file_in(snapshot.tree, path)
    }

    /// A session as the branch tip has it, read without the index.
    pub fn session_at_tip(&self, id: &str) -> Result<Session> {
        self.record_at_tip(&layout::session_path(id), "session", id)
    }

    /// A mission as the branch tip has it, read without the index.
    pub fn mission_at_tip(&self, id: &str) -> Result<Mission> {
        self.record_at_tip(&layout::mission_path(id), "mission", id)
    }

    fn record_at_tip<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        kind: &'static str,
        id: &str,
    ) -> Result<T> {
        let commit = self.tip_id()?.ok_or(Error::NotInitialized)?;
        let tree = self.tree_of(commit)?;
        let bytes = tx::read_path(&self.repo, tree, path)?.ok_or_else(|| Error::NotFound {
            kind,
            id: id.to_string(),
        })?;
        codec::from_toml(path, &bytes).map_err(Error::Corrupt)
    }

    /// This worktree's active mission, if any.
    pub fn active_mission(&self) -> Option<String> {
        self.local.active_mission()
    }

    /// Records (or clears) this worktree's active mission.
    pub fn set_active_mission(&self, id: Option<&str>) -> Result<()> {
        self.local.set_active_mission(id)
    }

    /// This worktree's active session, if any.
    pub fn active_session(&self) -> Option<String> {
        self.local.active_session()
    }

    /// Records (or clears) this worktree's active session.
    pub fn set_active_session(&self, id: Option<&str>) -> Result<()> {
        self.local.set_active_session(id)
    }

    /// Runs `apply` against the tip and commits what it staged, as one commit. When another
    /// writer moved the branch first, re-reads the new tip and runs `apply` again.
    pub fn write<T>(
        &self,
        op: &str,
        apply: impl FnMut(&mut Tx<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        self.write_gated(op, false, apply)
    }

    /// [`Store::write`] for the one operation that may write while the format marker is
    /// missing or unreadable: putting it back (`init` on a damaged branch).
    pub fn write_restoring_marker<T>(
        &self,
        op: &str,
        apply: impl FnMut(&mut Tx<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        self.write_gated(op, true, apply)
    }

    fn write_gated<T>(
        &self,
        op: &str,
        restoring_marker: bool,
        apply: impl FnMut(&mut Tx<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        trees::decoding_whole_trees(|| self.write_attempts(op, restoring_marker, apply))
    }

    fn write_attempts<T>(
        &self,
        op: &str,
        restoring_marker: bool,
        mut apply: impl FnMut(&mut Tx<'_>) -> Result<T>,
    ) -> Result<Written<T>> {
        // The writer id is only read here; a new one is kept once a commit lands, so a
        // refused command leaves nothing behind under the git directory.
        let (mut writer, mut kept) = self.local.writer_id_candidate();
        let mut pause = Duration::from_millis(1);
        for _ in 0..MAX_ATTEMPTS {
            let tip = self.tip_id()?;
            let (tree, state) = self.write_state(tip)?;
            let mut tx = Tx::new(self, tip, tree, state, &writer);
            if tip.is_some() {
                gate::check_writable(tx.meta(), restoring_marker)?;
            }
            let value = apply(&mut tx)?;
            if tx.is_empty() {
                let (meta, digest) = self.finish(tx, tree, None);
                return Ok(Written {
                    value,
                    meta,
                    digest,
                    commit: None,
                });
            }
            if !kept {
                // Racing first writes of one worktree agree on the id that was kept first.
                let stored = self.local.keep_writer_id(&writer)?;
                kept = true;
                if stored != writer {
                    drop(tx);
                    writer = stored;
                    continue;
                }
            }
            let (commit, new_tree) = tx.commit(tip, op)?;
            if self.compare_and_swap(tip, commit, op)? {
                let (meta, digest) = self.finish(tx, tree, Some(new_tree));
                self.pack_now_and_then();
                return Ok(Written {
                    value,
                    meta,
                    digest,
                    commit: Some(CommitId(commit)),
                });
            }
            self.clear_stale_locks();
            std::thread::sleep(jitter(pause));
            pause = (pause * 2).min(Duration::from_millis(40));
        }
        let lock = self.ref_lock();
        Err(Error::Conflict(if lock.exists() {
            format!(
                "the cmos branch stayed locked; if no cmos or git process is running, remove the stale lock {}",
                lock.display()
            )
        } else {
            format!("the cmos branch kept moving; gave up after {MAX_ATTEMPTS} attempts")
        }))
    }

    /// What a write starts from: the cached view when the cache describes the tip, else the
    /// whole index (refreshed from the cache of an older tip, or built from the tree).
    fn write_state(&self, tip: Option<ObjectId>) -> Result<(ObjectId, State)> {
        let Some(commit) = tip else {
            let empty = ObjectId::empty_tree(self.repo.object_hash());
            return Ok((
                empty,
                State::Full {
                    index: Box::default(),
                    reuse: None,
                },
            ));
        };
        let tree = self.tree_of(commit)?;
        let state = match cache::load(&self.local.cache_path()) {
            Some(cached) if cached.tree == tree => match View::new(cached) {
                Some(view) => State::View(Box::new(view)),
                None => State::Full {
                    index: Box::new(self.rebuild(tree)?),
                    reuse: None,
                },
            },
            // A cache of another tree (or none): refresh the whole index from it.
            other => State::Full {
                index: Box::new(self.refresh(tree, other.as_ref())?),
                reuse: None,
            },
        };
        Ok((tree, state))
    }

    /// Turns a write's view into the whole index, re-applying `staged` summaries if the cache
    /// cannot be read and the index must be rebuilt from `tree`.
    fn full_state(&self, tree: ObjectId, view: View, staged: &[MissionEntry]) -> Result<State> {
        if let Some((index, buckets)) = view.into_index() {
            return Ok(State::Full {
                index: Box::new(index),
                reuse: Some(buckets),
            });
        }
        let mut index = self.rebuild(tree)?;
        for entry in staged {
            index.upsert_mission(entry.clone());
        }
        Ok(State::Full {
            index: Box::new(index),
            reuse: None,
        })
    }

    /// The meta records and digest after a write on `base`, cached as the index of `new_tree`
    /// when the write committed.
    fn finish(
        &self,
        tx: Tx<'_>,
        base: ObjectId,
        new_tree: Option<ObjectId>,
    ) -> (Arc<Meta>, Arc<Digest>) {
        let (state, changed) = tx.into_state();
        let path = self.local.cache_path();
        match state {
            State::View(mut view) => {
                if let Some(digest) = view.take_digest()
                    && new_tree.is_none_or(|tree| view.save(&path, tree, &digest, &changed))
                {
                    if let Some(tree) = new_tree {
                        cache::remember_digest(&path, tree, digest.clone());
                    }
                    return (view.into_meta(), digest);
                }
                // The windows did not reach far enough, or the cache could not be updated in
                // place: use the whole index, rebuilt from the tree if the cache is damaged.
                // The write itself is done by now, so a failure here must not report it failed.
                let meta = view.meta().clone();
                let (index, reuse) = match view.into_index() {
                    Some((index, buckets)) => (index, Some(buckets)),
                    None => match self.rebuild(new_tree.unwrap_or(base)) {
                        Ok(index) => (index, None),
                        Err(_) => return (Arc::new(meta), Arc::default()),
                    },
                };
                let reuse = reuse.as_ref().map(|b| (b, &changed));
                let digest = cache_index(&path, new_tree, &index, reuse);
                (Arc::new(index.into_meta()), digest)
            }
            State::Full { index, reuse } => {
                let reuse = reuse.as_ref().map(|b| (b, &changed));
                let digest = cache_index(&path, new_tree, &index, reuse);
                (Arc::new(index.into_meta()), digest)
            }
        }
    }

    /// Where this clone caches the index of the branch.
    pub(super) fn index_cache_path(&self) -> PathBuf {
        self.local.cache_path()
    }

    /// Whether `commit` is the tip of the branch.
    pub(super) fn is_tip(&self, commit: CommitId) -> Result<bool> {
        Ok(self.tip_id()? == Some(commit.0))
    }

    /// The lock file git and gix take while they move the branch.
    fn ref_lock(&self) -> PathBuf {
        self.repo
            .common_dir()
            .join(format!("{}.lock", self.branch.as_bstr()))
    }

    /// Removes lock files left by a process that died while moving the branch (a SIGKILL
    /// cannot be cleaned up after), when their owner is provably gone: without this, one
    /// crash would block every later write until someone deleted the file by hand, and
    /// removing a live owner's lock (a slow `git update-ref`, `git gc` packing refs) would
    /// make that owner fail.
    fn clear_stale_locks(&self) {
        locks::remove_if_orphaned(&self.local.shared_dir, &self.ref_lock());
    }

    /// Moves the branch from `expected` to `new` if nobody moved it meanwhile. False when
    /// another writer won the race or holds the lock.
    fn compare_and_swap(
        &self,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<bool> {
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: one_line(message).into(),
                },
                expected: match expected {
                    Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
                    None => PreviousValue::MustNotExist,
                },
                new: Target::Object(new),
            },
            name: self.branch.clone(),
            deref: false,
        };
        let signature = self.signature();
        let mut time = gix::date::parse::TimeBuf::default();
        // Say which commit this writer will put in the lock, so that if it is killed while
        // it holds the lock, the next writer can prove the lock orphaned.
        let _owner =
            locks::Owner::record(&self.local.shared_dir, &self.ref_lock(), &new.to_string());
        // Waiting is done by the caller's retry loop, so a held lock fails at once.
        let fail = gix::lock::acquire::Fail::Immediately;
        let prepared = self.repo.refs.transaction().prepare([edit], fail, fail);
        let transaction = match prepared {
            Ok(transaction) => transaction,
            Err(e) if e.is_conflict() || e.is_retryable() || e.can_retry() => return Ok(false),
            Err(e) => return Err(Error::git("cannot move the cmos branch", e)),
        };
        match transaction.commit(Some(signature.to_ref(&mut time))) {
            Ok(_) => Ok(true),
            Err(e) if e.is_conflict() || e.is_retryable() || e.can_retry() => Ok(false),
            Err(e) => Err(Error::git("cannot move the cmos branch", e)),
        }
    }

    /// Writes a commit of the branch: `subject`, then the trailers tools read back.
    fn commit_object(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        subject: &str,
        op: &str,
        writer: &str,
        now: crate::model::Timestamp,
    ) -> Result<ObjectId> {
        let message = format!(
            "{}\n\nCmos-Op: {}\nCmos-Agent: {}\nCmos-Writer: {}\n",
            one_line(subject),
            one_line(op),
            self.agent,
            writer
        );
        let mut signature = self.signature();
        signature.time.seconds = now.unix_seconds();
        let commit = gix::objs::Commit {
            tree,
            parents: parents.iter().copied().collect(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: message.into(),
            extra_headers: Vec::new(),
        };
        // Kept in memory without asking whether it exists (see `loose::keep_blob`).
        let id = gix::objs::Write::write(&self.repo.objects, &commit)
            .map_err(|e| Error::git("cannot write a commit", e))?;
        // The commit and the objects it names were kept in memory (see `loose`): store them
        // all now, before any branch can point at them.
        let stored = loose::persist(&self.repo)?;
        self.note_unpacked(&stored);
        Ok(id)
    }

    /// The git identity when configured, else a fixed fallback: a machine without
    /// `user.name` must still be able to write.
    fn signature(&self) -> gix::actor::Signature {
        // As git does, a missing half of the identity makes the whole identity the fallback.
        let (name, email) = match (&self.identity.name, &self.identity.email) {
            (Some(name), Some(email)) => (name.as_str(), email.as_str()),
            _ => ("cmos", "cmos@localhost"),
        };
        gix::actor::Signature {
            name: name.into(),
            email: email.into(),
            time: gix::date::Time {
                seconds: crate::model::Timestamp::now().unix_seconds(),
                offset: 0,
            },
        }
    }

    /// The branch's history, newest first: one entry per operation, as `filter` asks.
    pub fn log(&self, filter: &LogFilter) -> Result<Vec<LogEntry>> {
        match self.tip_id()? {
            None => Err(Error::NotInitialized),
            Some(tip) => history::first_parent_log(&self.repo, tip, filter),
        }
    }

    /// The operations that changed the file at `path`, newest first, with its content
    /// before and after each.
    pub fn file_history(&self, path: &str, limit: usize) -> Result<Vec<Revision>> {
        let tip = self.tip_id()?.ok_or(Error::NotInitialized)?;
        let filter = LogFilter {
            limit,
            path: Some(path.to_string()),
            ..LogFilter::default()
        };
        let read = |blob: Option<ObjectId>| {
            blob.map(|b| load::read_blob(&self.repo, b, path))
                .transpose()
        };
        history::walk(&self.repo, tip, &filter)?
            .into_iter()
            .map(|c| Ok((c.entry, read(c.before)?, read(c.after)?)))
            .collect()
    }
}

/// A pause around `base`, randomised so racing writers spread out.
fn jitter(base: Duration) -> Duration {
    let [r] = crate::model::random_bytes::<1>();
    base + base * u32::from(r) / 128
}

/// What a scoped thread answered; its panic goes on here.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Runs `alongside` while the buckets of `index` (the whole index of `tree`) are encoded on
/// other threads, when `keep` asks for them or `path` names an index cache that does not hold
/// `tree` yet; then `then` with `alongside`'s answer and the buckets, while the cache is
/// written from those same buckets on other threads. Verify checks the rest of the branch
/// alongside and keeps a copy of the buckets as its own cache: encoding 100,000 missions once
/// instead of twice was a tenth of a first verify. The digest is worked out beside the
/// buckets, as `cache_index` does.
pub(super) fn sharing_buckets<A, R>(
    path: Option<&Path>,
    keep: bool,
    tree: ObjectId,
    index: &Index,
    alongside: impl FnOnce() -> A,
    then: impl FnOnce(A, Option<&cache::EncodedIndex<'_>>) -> R,
) -> R {
    let path = path.filter(|path| cache::tree(path) != Some(tree));
    if path.is_none() && !keep {
        return then(alongside(), None);
    }
    let summarize = || {
        let queue = Queue::new(index);
        let (digest, waiting) = Digest::of_queue_and_waiting(index, &queue);
        (Arc::new(digest), queue.windows(), waiting)
    };
    let parallel = index.missions.len() >= cache::MIN_PARALLEL_ENTRIES;
    std::thread::scope(|scope| {
        let summary = (path.is_some() && parallel).then(|| scope.spawn(summarize));
        let (answer, buckets) = match parallel {
            true => {
                let encoder = scope.spawn(|| cache::encode_index(index, None));
                let answer = alongside();
                (answer, joined(encoder))
            }
            false => (alongside(), cache::encode_index(index, None)),
        };
        let (Some(path), Some(encoded)) = (path, &buckets) else {
            return then(answer, buckets.as_ref());
        };
        let summary = summary.map(joined);
        let write = move || {
            let (digest, windows, waiting) = summary.unwrap_or_else(summarize);
            cache::write_index(path, tree, index, &digest, &windows, &waiting, encoded);
            cache::remember_digest(path, tree, digest);
        };
        if !parallel {
            write();
            return then(answer, buckets.as_ref());
        }
        std::thread::scope(|writing| {
            writing.spawn(write);
            then(answer, buckets.as_ref())
        })
    })
}

/// Computes the digest of a whole index and caches both for `tree`, if any. The digest (with
/// the windows of the order of work) and the buckets need only the index: for a large one
/// they are worked out side by side, the digest on a helper thread.
fn cache_index(
    path: &Path,
    tree: Option<ObjectId>,
    index: &Index,
    reuse: Option<(&cache::Buckets, &HashSet<String>)>,
) -> Arc<Digest> {
    let summarize = || {
        let queue = Queue::new(index);
        let (digest, waiting) = Digest::of_queue_and_waiting(index, &queue);
        (Arc::new(digest), queue.windows(), waiting)
    };
    let Some(tree) = tree else {
        return summarize().0;
    };
    let reuse = reuse.map(|(buckets, changed)| cache::Reuse { buckets, changed });
    let ((digest, windows, waiting), buckets) =
        match index.missions.len() >= cache::MIN_PARALLEL_ENTRIES {
            true => std::thread::scope(|scope| {
                let helper = scope.spawn(summarize);
                let buckets = cache::encode_index(index, reuse);
                let summary = helper
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (summary, buckets)
            }),
            false => (summarize(), cache::encode_index(index, reuse)),
        };
    if let Some(buckets) = buckets {
        cache::write_index(path, tree, index, &digest, &windows, &waiting, &buckets);
    }
    cache::remember_digest(path, tree, digest.clone());
    digest
}

#[cfg(test)]
mod tests;
