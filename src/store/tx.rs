//! One operation's changes: records staged against a base tree, then written as one commit
//! whose tree reuses every unchanged subtree.

use std::collections::{BTreeMap, HashSet};

use gix::ObjectId;
use gix::objs::tree::EntryKind;

use super::cache::Buckets;
use super::view::View;
use super::{Store, load, loose, trees};
use crate::error::{Error, Result};
use crate::format::codec::{from_toml, json_line, to_toml};
use crate::format::layout;
use crate::index::{Index, Meta, MissionEntry};
use crate::lifecycle::{self, Gates, Prerequisites, Unmet};
use crate::model::{
    Event, Format, Item, ItemKind, Metric, Mission, Project, SHARDED_SPRINTS, Session, Sprint,
    Timestamp, new_uid,
};

/// What a write knows of the tip it starts from: the whole index, or the cached view that
/// reads missions one bucket at a time. Operations that need every mission (dependency
/// cycles, closing a sprint) or change the meta records turn a view into the whole index.
pub(super) enum State {
    Full {
        index: Box<Index>,
        /// The cache of the base tree, whose untouched buckets can be copied.
        reuse: Option<Buckets>,
    },
    View(Box<View>),
}

/// The changes of one operation, applied to the state as they are staged, so later steps of
/// the same operation see earlier ones.
pub struct Tx<'s> {
    store: &'s Store,
    /// The commit this operation builds on; None for the first commit of the branch.
    base: Option<ObjectId>,
    tree: ObjectId,
    state: State,
    staged: BTreeMap<String, Option<Vec<u8>>>,
    /// Missions whose summaries, or the links pointing at them, this operation changed.
    changed_missions: HashSet<String>,
    events: Vec<Event>,
    /// Item versions to append to their logs.
    items: Vec<Item>,
    /// Metrics to append to the metrics log.
    metrics: Vec<Metric>,
    subject: String,
    writer: &'s str,
    now: Timestamp,
}

impl<'s> Tx<'s> {
    pub(super) fn new(
        store: &'s Store,
        base: Option<ObjectId>,
        tree: ObjectId,
        state: State,
        writer: &'s str,
    ) -> Self {
        Tx {
            store,
            base,
            tree,
            state,
            staged: BTreeMap::new(),
            changed_missions: HashSet::new(),
            events: Vec::new(),
            items: Vec::new(),
            metrics: Vec::new(),
            subject: String::new(),
            writer,
            now: Timestamp::now(),
        }
    }

    /// The project, sprints and unreadable files, with this operation's changes.
    pub fn meta(&self) -> &Meta {
        match &self.state {
            State::Full { index, .. } => &index.meta,
            State::View(view) => view.meta(),
        }
    }

    /// Every mission, with this operation's changes. Reads the whole index if this write
    /// had only the cached view so far.
    pub fn index(&mut self) -> Result<&Index> {
        if let State::View(_) = self.state {
            let State::View(view) = std::mem::replace(
                &mut self.state,
                State::Full {
                    index: Box::default(),
                    reuse: None,
                },
            ) else {
                unreachable!("checked just above")
            };
            self.state = self
                .store
                .full_state(self.tree, *view, &self.staged_missions()?)?;
        }
        match &self.state {
            State::Full { index, .. } => Ok(index),
            State::View(_) => unreachable!("a view was just turned into the full index"),
        }
    }

    /// The summaries this operation staged so far, to re-apply after reading the whole index.
    fn staged_missions(&self) -> Result<Vec<MissionEntry>> {
        let mut entries = Vec::new();
        for (path, content) in &self.staged {
            if let (Some(bytes), true) = (content, path.starts_with(".cmos/missions/")) {
                entries.push(MissionEntry::from(
                    &from_toml::<Mission>(path, bytes).map_err(Error::Corrupt)?,
                ));
            }
        }
        Ok(entries)
    }

    /// The summary of mission `id`, with this operation's changes.
    pub fn entry(&mut self, id: &str) -> Result<Option<MissionEntry>> {
        if let State::View(view) = &self.state {
            match view.entry(id) {
                Some(found) => return Ok(found),
                // The cache is damaged: read the whole index instead.
                None => {
                    self.index()?;
                }
            }
        }
        Ok(self.index()?.missions.get(id).cloned())
    }

    /// The summary of mission `id`, or why there is none.
    pub fn require(&mut self, id: &str) -> Result<MissionEntry> {
        match self.entry(id)? {
            Some(m) => Ok(m),
            None => Err(self.meta().missing("mission", id)),
        }
    }

    /// The prerequisites of `mission` that are not Completed yet.
    pub fn unmet(&mut self, mission: &MissionEntry) -> Result<Vec<Unmet>> {
        if let State::View(view) = &self.state {
            return Ok(view.unmet(mission));
        }
        Ok(Gates::new(self.index()?).unmet(mission))
    }

    /// The mission that completing another should promote to Current, by the rules of
    /// `lifecycle`, from whichever state this write has.
    pub fn promotion_candidate(&mut self) -> Result<Option<MissionEntry>> {
        if let State::View(view) = &self.state
            && let Some(answer) = view.promotion_candidate()
        {
            return Ok(answer);
        }
        // The view's windows did not reach far enough (or there is no view): ask the index.
        Ok(lifecycle::promotion_candidate(self.index()?))
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The commit this operation builds on: the branch as it was just before.
    pub fn base(&self) -> Option<super::CommitId> {
        self.base.map(super::CommitId)
    }

    /// Whether the branch already has content this write builds on.
    pub fn has_history(&self) -> bool {
        !self.tree.is_empty_tree()
    }

    /// This clone's writer id: names its log shards and its per-writer files.
    pub fn writer(&self) -> &str {
        self.writer
    }

    pub fn agent(&self) -> &str {
        self.store.agent()
    }

    /// The first line of the commit message, e.g. `mission complete B1.1`.
    pub fn set_subject(&mut self, subject: impl Into<String>) {
        self.subject = subject.into();
    }

    /// The store this write goes to, for the store's own caches.
    pub(in crate::store) fn store(&self) -> &'s Store {
        self.store
    }

    /// The tree this write started from.
    pub(in crate::store) fn base_tree(&self) -> ObjectId {
        self.tree
    }

    /// The paths this write staged so far.
    pub(in crate::store) fn staged_paths(&self) -> impl Iterator<Item = &str> {
        self.staged.keys().map(String::as_str)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.staged.is_empty()
            && self.events.is_empty()
            && self.items.is_empty()
            && self.metrics.is_empty()
    }

    pub(super) fn into_state(self) -> (State, HashSet<String>) {
        (self.state, self.changed_missions)
    }

    /// The full record of a mission, including changes staged by this operation.
    pub fn mission(&mut self, id: &str) -> Result<Mission> {
        self.require(id)?;
        let path = layout::mission_path(id);
        let bytes = self.file(&path)?.ok_or_else(|| Error::NotFound {
            kind: "mission",
            id: id.to_string(),
        })?;
        from_toml(&path, &bytes).map_err(Error::Corrupt)
    }

    /// A session record, including changes staged by this operation.
    pub fn session(&self, id: &str) -> Result<Session> {
        let path = layout::session_path(id);
        let bytes = self.file(&path)?.ok_or_else(|| Error::NotFound {
            kind: "session",
            id: id.to_string(),
        })?;
        parsed_session(&path, bytes)
    }

    pub fn put_session(&mut self, session: &Session) -> Result<()> {
        self.stage(layout::session_path(&session.id), to_toml(session)?);
        Ok(())
    }

    /// Whether anything (even an unreadable file) is stored at `path` as of this operation:
    /// looked up in the tree, not read.
    pub fn exists(&self, path: &str) -> Result<bool> {
        if let Some(staged) = self.staged.get(path) {
            return Ok(staged.is_some());
        }
        Ok(trees::blob_at(&self.store.repo, self.tree, path)?.is_some())
    }

    pub fn put_mission(&mut self, mission: &Mission) -> Result<()> {
        let entry = MissionEntry::from(mission);
        let old_links = self.entry(&mission.id)?.map(|m| m.depends);
        for (on, _) in old_links.iter().flatten().chain(&entry.depends) {
            self.changed_missions.insert(on.clone());
        }
        self.changed_missions.insert(mission.id.clone());
        self.stage(layout::mission_path(&mission.id), to_toml(mission)?);
        if let State::View(view) = &mut self.state
            && view.put(entry.clone()).is_some()
        {
            return Ok(());
        }
        self.full_mut()?.upsert_mission(entry);
        Ok(())
    }

    /// The whole index, for a change that needs it (meta records order every mission).
    fn full_mut(&mut self) -> Result<&mut Index> {
        self.index()?;
        match &mut self.state {
            State::Full { index, .. } => Ok(index),
            State::View(_) => unreachable!("index() reads the whole index"),
        }
    }

    /// The file sprint `id` is stored in, if any: where format 2 puts it, else where format 1
    /// kept it (the order the index reads them in).
    pub fn sprint_file(&self, id: &str) -> Result<Option<String>> {
        for path in layout::sprint_paths(id) {
            if self.exists(&path)? {
                return Ok(Some(path));
            }
        }
        Ok(None)
    }

    /// Adds or changes a sprint. The cached view takes it unless it reorders the missions.
    /// A sprint is rewritten in the file it is in; a new one goes where format 2 puts it, and
    /// the branch's format marker says 2 from then on (a reader of format 1 would not find
    /// it).
    pub fn put_sprint(&mut self, sprint: &Sprint) -> Result<()> {
        let path = match self.sprint_file(&sprint.id)? {
            Some(path) => path,
            None => {
                self.require_format_major(SHARDED_SPRINTS)?;
                layout::sprint_path(&sprint.id)
            }
        };
        self.stage(path, to_toml(sprint)?);
        if let State::View(view) = &mut self.state
            && view.put_sprint(sprint.clone()).is_some()
        {
            return Ok(());
        }
        self.full_mut()?.upsert_sprint(sprint.clone());
        Ok(())
    }

    pub fn put_project(&mut self, project: &Project) -> Result<()> {
        self.stage(layout::PROJECT.to_string(), to_toml(project)?);
        if let State::View(view) = &mut self.state {
            let mut meta = view.meta().clone();
            meta.set_project(project.clone());
            if view.set_meta(meta).is_some() {
                return Ok(());
            }
        }
        self.full_mut()?.set_project(project.clone());
        Ok(())
    }

    /// Raises the branch's format marker to `major` if it says less. A branch without a
    /// marker is left as it is: it is not cmos's (`gate` refuses to write there).
    fn require_format_major(&mut self, major: u32) -> Result<()> {
        let Some(format) = self.meta().format.as_ref().filter(|f| f.major < major) else {
            return Ok(());
        };
        let raised = Format {
            major,
            minor: 0,
            extra: format.extra.clone(),
        };
        self.put_format(&raised)
    }

    pub fn put_format(&mut self, format: &Format) -> Result<()> {
        self.stage(layout::FORMAT.to_string(), to_toml(format)?);
        if let State::View(view) = &mut self.state {
            let mut meta = view.meta().clone();
            meta.format = Some(format.clone());
            if view.set_meta(meta).is_some() {
                return Ok(());
            }
        }
        self.full_mut()?.format = Some(format.clone());
        Ok(())
    }

    /// Whether sprint `id` still has missions that are not finished, with this operation's
    /// changes: from the counts when the write has the cached view, without reading every
    /// mission.
    pub fn has_open_in_sprint(&mut self, id: &str) -> Result<bool> {
        if let State::View(view) = &self.state {
            return Ok(view.has_open_in(id));
        }
        Ok(self
            .index()?
            .missions
            .values()
            .any(|m| m.sprint.as_deref() == Some(id) && m.status.is_open()))
    }

    /// Stages a file that is not a record, such as the branch's README.
    pub fn put_file(&mut self, path: &str, bytes: Vec<u8>) {
        self.stage(path.to_string(), bytes);
    }

    /// Removes a file that is not a record, such as the project notes.
    pub fn remove_file(&mut self, path: &str) {
        self.staged.insert(path.to_string(), None);
    }

    fn stage(&mut self, path: String, bytes: Vec<u8>) {
        self.staged.insert(path, Some(bytes));
    }

    /// Appends an event to this writer's log shard when the operation commits.
    pub fn record(
        &mut self,
        kind: &str,
        target: &str,
        from: Option<String>,
        to: Option<String>,
        note: Option<String>,
    ) {
        self.events.push(Event {
            uid: new_uid(),
            at: self.now,
            agent: self.store.agent().to_string(),
            writer: self.writer.to_string(),
            kind: kind.to_string(),
            target: target.to_string(),
            from,
            to,
            note,
            extra: Default::default(),
        });
    }

    /// Appends an event with fields beyond the common ones (a commit's hash and files).
    pub fn record_with(
        &mut self,
        kind: &str,
        target: &str,
        note: Option<String>,
        extra: serde_json::Map<String, serde_json::Value>,
    ) {
        self.record(kind, target, None, None, note);
        if let Some(event) = self.events.last_mut() {
            event.extra = extra;
        }
    }

    /// Appends a version of an item (a new one, or a change to one) to its log.
    pub fn put_item(&mut self, item: Item) {
        self.items.push(item);
    }

    /// Appends a metric to this writer's metrics shard when the operation commits; its
    /// uid, time, agent and writer are this operation's. Returns it as it will be written.
    pub fn put_metric(&mut self, mut metric: Metric) -> Metric {
        metric.uid = new_uid();
        metric.at = self.now;
        metric.agent = self.store.agent().to_string();
        metric.writer = self.writer.to_string();
        self.metrics.push(metric.clone());
        metric
    }

    /// The items of one log as of this operation: the base tree's, then this operation's.
    pub fn items(&self, kind: ItemKind) -> Result<Vec<Item>> {
        let (mut versions, _unreadable) = load::item_versions(&self.store.repo, self.tree, kind)?;
        versions.extend(self.items.iter().filter(|i| i.kind == kind).cloned());
        Ok(crate::model::latest_versions(versions))
    }

    /// The newest version of item `id` of `kind`, or why there is none.
    pub fn item(&self, kind: ItemKind, id: &str) -> Result<Item> {
        self.items(kind)?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| Error::NotFound {
                kind: kind.as_str(),
                id: id.to_string(),
            })
    }

    /// The shards importers wrote to `log` (`<month>/import-*.jsonl`), as of this operation.
    pub fn import_shards(&self, log: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut shards = Vec::new();
        for (path, _) in load::log_shards(&self.store.repo, self.tree, log)? {
            let is_import = path
                .rsplit('/')
                .next()
                .is_some_and(|f| f.starts_with("import-"));
            if is_import && let Some(bytes) = self.file(&path)? {
                shards.push((path, bytes));
            }
        }
        Ok(shards)
    }

    /// The files directly in `.cmos/<dir>/` as of this operation, as (path, bytes).
    pub fn dir_files(&self, dir: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let prefix = format!("{}/{dir}/", crate::format::layout::ROOT);
        let mut files = std::collections::BTreeMap::new();
        for (path, blob) in load::dir_files(&self.store.repo, self.tree, dir)? {
            let bytes = load::read_blob(&self.store.repo, blob, &path)?;
            files.insert(path, Some(bytes));
        }
        for (path, bytes) in &self.staged {
            let name = path.strip_prefix(&prefix);
            if name.is_some_and(|n| !n.contains('/')) {
                files.insert(path.clone(), bytes.clone());
            }
        }
        Ok(files
            .into_iter()
            .filter_map(|(path, bytes)| Some((path, bytes?)))
            .collect())
    }

    /// The file at `path` as of this operation, if any.
    pub fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        if let Some(staged) = self.staged.get(path) {
            return Ok(staged.clone());
        }
        read_path(&self.store.repo, self.tree, path)
    }

    /// Writes the staged files and events as a tree and a commit on top of `parent`.
    pub(super) fn commit(
        &mut self,
        parent: Option<ObjectId>,
        op: &str,
    ) -> Result<(ObjectId, ObjectId)> {
        self.stage_logs()?;
        let repo = &self.store.repo;
        // The editor copies every other entry of each tree it rewrites: never let it copy an
        // entry cmos does not follow into a tree cmos wrote.
        if let Some(problem) =
            trees::check_edits(repo, self.tree, self.staged.keys().map(String::as_str))?
        {
            return Err(Error::InvalidTree {
                commit: self.base.map(|c| c.to_string()).unwrap_or_default(),
                problem,
                remote: false,
            });
        }
        // Every name the write puts in a tree is one cmos would accept reading it back.
        for path in self.staged.keys() {
            if let Some(why) = path
                .split('/')
                .find_map(|name| trees::check_name(name.as_bytes()))
            {
                return Err(Error::Git(format!("cannot write {path:?}: {why}")));
            }
        }
        let git = |e: gix::Error| Error::git("cannot write to the object database", e);
        let mut editor = repo.edit_tree(self.tree).map_err(git)?;
        // Each file's bytes are freed once stored (nothing reads the staged files after the
        // commit; a retry stages them again): an import of 100,000 missions held them twice
        // at its peak, here and in the object memory, 51 MB more.
        for (path, content) in std::mem::take(&mut self.staged) {
            match content {
                Some(bytes) => {
                    let blob = loose::keep_blob(repo, &bytes).map_err(git)?;
                    drop(bytes);
                    editor
                        .upsert(path.as_str(), EntryKind::Blob, blob)
                        .map_err(git)?;
                }
                None => {
                    editor.remove(path.as_str()).map_err(git)?;
                }
            }
        }
        let tree = loose::keep_trees(repo, editor).map_err(git)?;
        let subject = if self.subject.is_empty() {
            op
        } else {
            &self.subject
        };
        let parents: Vec<ObjectId> = parent.into_iter().collect();
        let id = self
            .store
            .commit_object(tree, &parents, subject, op, self.writer, self.now)?;
        Ok((id, tree))
    }

    /// Appends this operation's events and item versions to the writer's current shard of
    /// their log and month, rolling over to a new shard once it passes the size limit.
    fn stage_logs(&mut self) -> Result<()> {
        let mut by_shard: BTreeMap<(&str, String), Vec<u8>> = BTreeMap::new();
        let month = |at: Timestamp| at.as_datetime().format("%Y-%m").to_string();
        for event in std::mem::take(&mut self.events) {
            by_shard
                .entry((layout::EVENTS, month(event.at)))
                .or_default()
                .extend(json_line(&event));
        }
        for item in std::mem::take(&mut self.items) {
            by_shard
                .entry((item.kind.log_dir(), month(item.updated_at)))
                .or_default()
                .extend(json_line(&item));
        }
        for metric in std::mem::take(&mut self.metrics) {
            by_shard
                .entry((layout::METRICS, month(metric.at)))
                .or_default()
                .extend(json_line(&metric));
        }
        for ((log, month), lines) in by_shard {
            let dir = layout::log_month_dir(log, &month);
            let mut seq = self.last_shard(&dir)?.unwrap_or(1);
            let mut path = format!("{dir}/{}", layout::shard_name(self.writer, seq));
            let mut content = self.file(&path)?.unwrap_or_default();
            if !content.is_empty() && content.len() + lines.len() > layout::SHARD_LIMIT {
                seq += 1;
                path = format!("{dir}/{}", layout::shard_name(self.writer, seq));
                content.clear();
            }
            content.extend(lines);
            self.stage(path, content);
        }
        Ok(())
    }

    /// The highest shard number of this writer in a month directory.
    fn last_shard(&self, dir: &str) -> Result<Option<u32>> {
        let repo = &self.store.repo;
        let mut tree = self.tree;
        for name in dir.split('/') {
            match trees::subtree(repo, tree, name)? {
                Some(sub) => tree = sub,
                None => return Ok(None),
            }
        }
        Ok(match &*trees::read_shared(repo, tree)? {
            trees::Listing::Entries(entries) => entries
                .iter()
                .filter_map(|(name, _)| layout::shard_seq(name, self.writer))
                .max(),
            trees::Listing::Bad(_) => None,
        })
    }
}

/// The content of the file at `path` in `tree`, if there is one that cmos follows.
pub(super) fn read_path(
    repo: &gix::Repository,
    tree: ObjectId,
    path: &str,
) -> Result<Option<Vec<u8>>> {
    super::kept_reads::read_kept(tree, path, || match trees::blob_at(repo, tree, path)? {
        Some(blob) => load::read_blob(repo, blob, path).map(Some),
        None => Ok(None),
    })
}

/// The session record in `bytes`, the file at `path`. The last one parsed is kept: a capture
/// reads its session twice (to find the open session, then in the write), and a long
/// session's captures cost more to parse than the rest of the write.
pub(super) fn parsed_session(path: &str, bytes: Vec<u8>) -> Result<Session> {
    static LAST: std::sync::Mutex<Option<(String, Vec<u8>, Session)>> = std::sync::Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((at, read, session)) = last.as_ref()
        && at == path
        && *read == bytes
    {
        return Ok(session.clone());
    }
    let session: Session = from_toml(path, &bytes).map_err(Error::Corrupt)?;
    *last = Some((path.to_string(), bytes, session.clone()));
    Ok(session)
}

#[cfg(test)]
mod tests;
