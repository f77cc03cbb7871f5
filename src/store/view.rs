//! The state a write starts from when the cache describes the tip: the meta records, the
//! digest and the first open missions of each status at once, the other missions one bucket at
//! a time, and this write's changes on top. A write that changes a few missions reads a few
//! buckets and re-encodes a few, whatever the size of the project.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use gix::ObjectId;

use super::cache::{
    self, Bucket, Buckets, Cached, DigestFile, EntryWithDependents, MetaFile, StoredRef, Waiting,
};
use crate::digest::{Digest, LISTED, LISTED_STATUSES};
use crate::index::{Index, Meta, MissionEntry};
use crate::lifecycle::{self, Next, OrderContext, OrderKey, Prerequisites, Unmet, Windows};
use crate::model::{DepType, Sprint, Status};

/// A write's view of the tip. A bucket that fails to decode reads as missing missions here;
/// `Tx::entry` notices and switches to the whole index, and the cache of a write that could
/// not be updated in place is left for the next command to rebuild.
pub struct View {
    meta: Arc<Meta>,
    digest: Arc<Digest>,
    buckets: Buckets,
    /// Buckets read so far, by number (their directories decoded, their entries not).
    read: RefCell<HashMap<usize, Rc<Bucket>>>,
    /// Summaries the cached digest holds (the first missions of each status, the next one):
    /// the ones a new digest asks for first, found without decoding their buckets.
    known: HashMap<String, MissionEntry>,
    /// Summaries this write changed or added.
    changed: BTreeMap<String, MissionEntry>,
    /// The first open missions of each status, in the order of work, with the changes applied.
    windows: Windows,
    /// Set when a question ran past the end of a window that does not hold every mission of
    /// its status: the answer may be wrong, and the write must use the whole index.
    ran_dry: Cell<bool>,
    /// Where each sprint stands in the order of work: worked out when a question needs it (a
    /// write that changes no mission never does).
    context: OnceCell<OrderContext>,
    /// Whether this write changed the meta records (which are then cached anew).
    meta_changed: bool,
    /// The unmet prerequisites the write this one started from worked out, by waiting mission.
    waiting: Waiting,
    /// Missions a changed mission has or had a `blocks` link to: what they wait on may have
    /// changed, so their remembered answers are not reused.
    blocked_by_changed: HashSet<String>,
    /// The answers about waiting missions this write used, remembered for the next write.
    used: RefCell<Waiting>,
}

impl View {
    /// The view of a cache, or None if its ordered keys cannot be read.
    pub fn new(cached: Cached) -> Option<View> {
        let windows = cached.missions.windows()?;
        let waiting = cached.missions.waiting();
        let digest = &cached.digest;
        let listed = [&digest.in_progress, &digest.current, &digest.blocked];
        let known = listed
            .into_iter()
            .flatten()
            .chain(&digest.next)
            .map(|m| (m.id.clone(), m.clone()))
            .collect();
        Some(View {
            known,
            context: OnceCell::new(),
            meta: cached.meta,
            digest: cached.digest,
            buckets: cached.missions,
            read: RefCell::new(HashMap::new()),
            changed: BTreeMap::new(),
            windows,
            ran_dry: Cell::new(false),
            meta_changed: false,
            waiting,
            blocked_by_changed: HashSet::new(),
            used: RefCell::new(Waiting::new()),
        })
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The meta records, without copying them (a thousand sprints take a while to copy).
    pub fn into_meta(self) -> Arc<Meta> {
        self.meta
    }

    fn bucket(&self, b: usize) -> Option<Rc<Bucket>> {
        if let Some(found) = self.read.borrow().get(&b) {
            return Some(found.clone());
        }
        let bucket = Rc::new(self.buckets.bucket(b)?);
        self.read.borrow_mut().insert(b, bucket.clone());
        Some(bucket)
    }

    fn bucket_of(&self, id: &str) -> Option<Rc<Bucket>> {
        self.bucket(cache::bucket_of(id, self.buckets.count()))
    }

    /// The summary and dependents of `id` as the cache has them, before this write.
    /// The outer None means the cache is damaged.
    fn original(&self, id: &str) -> Option<Option<EntryWithDependents>> {
        self.bucket_of(id)?.get(id)
    }

    /// The summary of `id` with this write's changes. The outer None means the cache is
    /// damaged and the write must read the whole index instead.
    pub fn entry(&self, id: &str) -> Option<Option<MissionEntry>> {
        if let Some(m) = self.changed.get(id).or_else(|| self.known.get(id)) {
            return Some(Some(m.clone()));
        }
        Some(self.original(id)?.map(|(m, _)| m))
    }

    /// The links pointing at `id`, with this write's changes.
    fn dependents(&self, id: &str) -> Option<Vec<(String, DepType)>> {
        let original = self.original(id)?.map(|(_, d)| d).unwrap_or_default();
        Some(self.with_changed_links(id, original))
    }

    /// `original`, the links that pointed at `id` before this write, with this write's
    /// changes: the links of a changed mission are its new ones.
    fn with_changed_links(
        &self,
        id: &str,
        original: Vec<(String, DepType)>,
    ) -> Vec<(String, DepType)> {
        let mut links: Vec<(String, DepType)> = original
            .into_iter()
            .filter(|(from, _)| !self.changed.contains_key(from))
            .collect();
        for m in self.changed.values() {
            links.extend(
                m.depends
                    .iter()
                    .filter(|(on, _)| on == id)
                    .map(|(_, k)| (m.id.clone(), *k)),
            );
        }
        links.sort();
        links
    }

    /// Records a new or changed summary: counts, order and overlay follow. None if the cache
    /// turned out to be damaged.
    pub fn put(&mut self, entry: MissionEntry) -> Option<()> {
        let old = self.entry(&entry.id)?;
        let blocks = |m: &MissionEntry| {
            m.depends
                .iter()
                .filter(|(_, kind)| *kind == DepType::Blocks)
                .map(|(on, _)| on.clone())
                .collect::<Vec<_>>()
        };
        self.blocked_by_changed.extend(old.iter().flat_map(blocks));
        self.blocked_by_changed.extend(blocks(&entry));
        // The digest is shared with this process's later reads of the tip: copied once here.
        let digest = Arc::make_mut(&mut self.digest);
        if let Some(old) = old {
            digest.totals.remove(old.status);
            if let Some(sprint) = &old.sprint {
                let counts = digest.sprint_counts.entry(sprint.clone()).or_default();
                counts.remove(old.status);
                if counts.total == 0 {
                    digest.sprint_counts.remove(sprint);
                }
            }
            digest.widths.remove(&old);
            self.windows.remove(old.status, &old.id);
        }
        digest.totals.add(entry.status);
        digest.widths.add(&entry);
        if let Some(sprint) = &entry.sprint {
            digest
                .sprint_counts
                .entry(sprint.clone())
                .or_default()
                .add(entry.status);
        }
        if !entry.status.is_final() {
            let key = self.key(&entry);
            self.windows.insert(key, entry.id.clone());
        }
        self.changed.insert(entry.id.clone(), entry);
        Some(())
    }

    /// Adds or changes a sprint. None (and nothing changed) when that would reorder the
    /// missions, which only the whole index can do.
    pub fn put_sprint(&mut self, sprint: Sprint) -> Option<()> {
        let mut meta = Meta::clone(&self.meta);
        let (id, was_at) = (sprint.id.clone(), meta.sprints.position(&sprint.id));
        let count = meta.sprints.count();
        meta.upsert_sprint(sprint);
        let now_at = meta.sprints.position(&id)?;
        let map: Option<Vec<u32>> = match was_at {
            // A sprint that keeps its place moves no other.
            Some(was) if was == now_at => Some(Vec::new()),
            Some(_) => None,
            // A new sprint no mission names moves the ones after it one place on.
            None if !self.names_sprint(&id) => Some(
                (0..count as u32)
                    .map(|p| if p < now_at { p } else { p + 1 })
                    .collect(),
            ),
            None => None,
        };
        let Some(map) = map else {
            return self.set_meta(meta);
        };
        self.windows.remap_positions(&map);
        // Worked out from the meta records before this write, if ever: not any more.
        self.context = OnceCell::new();
        self.meta = Arc::new(meta);
        self.meta_changed = true;
        Some(())
    }

    /// Whether missions name sprint `id`, by the counts.
    fn names_sprint(&self, id: &str) -> bool {
        self.digest
            .sprint_counts
            .get(id)
            .is_some_and(|c| c.total > 0)
    }

    /// Replaces the meta records. None (and nothing changed) when the new ones would reorder
    /// the missions: another current sprint, sprints reordered, or a sprint added that
    /// missions already name.
    pub fn set_meta(&mut self, meta: Meta) -> Option<()> {
        let context = OrderContext::new(&meta);
        if self
            .context()
            .added_sprints(&context)
            .any(|id| self.names_sprint(id))
        {
            return None;
        }
        let map = self.context().positions_in(&context)?;
        self.windows.remap_positions(&map);
        self.context = OnceCell::from(context);
        self.meta = Arc::new(meta);
        self.meta_changed = true;
        Some(())
    }

    /// Where `m` goes in the order of work. Its sprint's place in plan order is counted from
    /// the meta records, which decodes no sprint: ordering them all is for sprint writes.
    fn key(&self, m: &MissionEntry) -> OrderKey {
        let current = self.meta.project.as_ref();
        let current = current.and_then(|p| p.current_sprint.as_deref());
        lifecycle::key_with(m, current, |s| self.meta.sprints.position(s))
    }

    /// Where each sprint stands in the order of work.
    fn context(&self) -> &OrderContext {
        self.context.get_or_init(|| OrderContext::new(&self.meta))
    }

    /// Whether sprint `id` has missions that are not finished, by the counts.
    pub fn has_open_in(&self, sprint: &str) -> bool {
        self.digest
            .sprint(sprint)
            .by_status()
            .any(|(status, _)| status.is_open())
    }

    /// Open missions of the given statuses, in the order of work. Running past the end of a
    /// window that does not hold every mission of its status marks the view as run dry.
    fn in_order<'v>(&'v self, statuses: &'v [Status]) -> impl Iterator<Item = MissionEntry> + 'v {
        statuses.iter().flat_map(move |status| {
            let (ids, complete) = self.windows.of(*status);
            let dry = (!complete).then_some(()).into_iter().filter_map(move |()| {
                self.ran_dry.set(true);
                None
            });
            ids.filter_map(|id| self.entry(id).flatten()).chain(dry)
        })
    }

    /// An answer computed from the windows, or None if they did not reach far enough.
    fn answer<T>(&self, compute: impl FnOnce() -> T) -> Option<T> {
        self.ran_dry.set(false);
        let value = compute();
        (!self.ran_dry.get()).then_some(value)
    }

    fn count(&self, status: Status) -> usize {
        self.digest.totals.get(status)
    }

    fn next(&self) -> Next {
        let open = self.in_order(&[Status::InProgress, Status::Current, Status::Queued]);
        let current = self
            .meta
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.as_deref());
        lifecycle::pick_next(current, open, self, self.count(Status::Blocked))
    }

    /// The promotion candidate (which may be none), or None if the windows cannot tell.
    pub fn promotion_candidate(&self) -> Option<Option<MissionEntry>> {
        self.answer(|| {
            let queued = self.in_order(&[Status::Queued]);
            lifecycle::promote_from(self.count(Status::Current), queued, self)
        })
    }

    /// Whether this write changed what the digest is made of: the missions and the meta
    /// records.
    fn changes_digest(&self) -> bool {
        !self.changed.is_empty() || self.meta_changed
    }

    /// The digest of the tip this write produces, or None if the windows cannot tell. The
    /// counts per sprint move into it (a thousand sprints take a while to copy), so the view
    /// answers no more questions about sprints afterwards; it can still be saved.
    pub fn take_digest(&mut self) -> Option<Arc<Digest>> {
        if !self.changes_digest() {
            // The digest is made of the missions and the meta records alone: a write that
            // changed neither (a capture, a decision) has the digest it started from.
            return Some(self.digest.clone());
        }
        // Only answers worked out after every change of the write are kept for the next one:
        // one found earlier (choosing a mission to promote) may predate a later change.
        self.used.borrow_mut().clear();
        let (mut lists, next) = self.answer(|| {
            let first = |status: Status| (status, self.in_order(&[status]).take(LISTED).collect());
            let lists: HashMap<Status, Vec<MissionEntry>> = LISTED_STATUSES.map(first).into();
            (lists, self.next())
        })?;
        let digest = Arc::make_mut(&mut self.digest);
        let counts = (digest.totals, std::mem::take(&mut digest.widths));
        let sprints = std::mem::take(&mut digest.sprint_counts);
        let first = |status| lists.remove(&status).unwrap_or_default();
        Some(Arc::new(Digest::assemble(counts, sprints, first, next)))
    }

    /// Every mission with this write's changes, for operations that need the whole index,
    /// and the cached buckets, whose untouched ones can still be copied.
    pub fn into_index(self) -> Option<(Index, Buckets)> {
        let mut missions = self.buckets.all()?;
        for (id, m) in self.changed {
            missions.insert(id, m);
        }
        Some((
            Index::new(Arc::unwrap_or_clone(self.meta), missions),
            self.buckets,
        ))
    }

    /// Caches the state after this write as the index of `tree`: the buckets this write
    /// touched are re-encoded, the others copied. False if it cannot (the bucket count would
    /// have to change, or the cache is damaged) and the caller should cache the full index.
    pub fn save(
        &self,
        path: &Path,
        tree: ObjectId,
        digest: &Digest,
        touched: &HashSet<String>,
    ) -> bool {
        let count = self.buckets.count();
        let missions = self.digest.totals.total;
        if cache::bucket_count(missions, Some(count)) != count {
            return false;
        }
        // In each bucket the write touched, the missions it touched (changed, or linked to or
        // from by a changed one) are encoded again; every other entry is copied as it was.
        let mut touched_in: HashMap<usize, Vec<&str>> = HashMap::new();
        for id in touched {
            let b = cache::bucket_of(id, count);
            touched_in.entry(b).or_default().push(id);
        }
        let mut encoded = BTreeMap::new();
        for (b, ids) in touched_in {
            let Some(bucket) = self.bucket(b) else {
                return false;
            };
            let mut fresh: Vec<EntryWithDependents> = Vec::with_capacity(ids.len());
            for id in ids {
                let (original, links) = match bucket.get(id) {
                    None => return false,
                    Some(Some((m, links))) => (Some(m), links),
                    Some(None) => (None, Vec::new()),
                };
                // A link to a mission there is not (nor is now) leaves nothing to store.
                let Some(m) = self.changed.get(id).cloned().or(original) else {
                    continue;
                };
                fresh.push((m, self.with_changed_links(id, links)));
            }
            let stored = (fresh.iter())
                .map(|(m, links)| StoredRef {
                    entry: m,
                    dependents: links.iter().map(|(f, k)| (f.as_str(), *k)).collect(),
                })
                .collect();
            match cache::splice_bucket(&bucket, stored) {
                Some(bytes) => encoded.insert(b, bytes),
                None => return false,
            };
        }
        let meta = match self.meta_changed {
            true => MetaFile::Changed(&self.meta),
            false => MetaFile::Same(&self.buckets),
        };
        // `take_digest` hands back the very digest the view started from when nothing it is
        // made of changed: its encoding is in the cache already.
        let digest = match std::ptr::eq(digest, Arc::as_ptr(&self.digest)) && !self.changes_digest()
        {
            true => DigestFile::Same(&self.buckets),
            false => DigestFile::Changed(digest),
        };
        cache::write(
            path,
            tree,
            meta,
            digest,
            &self.windows,
            &self.waiting_to_keep(),
            count,
            Some(&self.buckets),
            &encoded,
        )
    }

    /// The answers about waiting missions to cache with this write: those it used, or all it
    /// started from when it changed nothing they could depend on (it then asked no question).
    fn waiting_to_keep(&self) -> Waiting {
        match self.changed.is_empty() && !self.meta_changed {
            true => self.waiting.clone(),
            false => self.used.borrow().clone(),
        }
    }

    /// The remembered answer for `mission` if nothing it could wait on changed in this write:
    /// not the mission, not a mission it links to, and no `blocks` link to it.
    fn still_waiting(&self, mission: &MissionEntry) -> Option<Vec<Unmet>> {
        let unmet = self.waiting.get(&mission.id)?;
        let changed = |id: &str| self.changed.contains_key(id);
        let touched = changed(&mission.id)
            || self.blocked_by_changed.contains(&mission.id)
            || mission.depends.iter().any(|(on, _)| changed(on));
        (!touched).then(|| unmet.clone())
    }
}

impl Prerequisites for View {
    /// From the bucket's directory: no entry is decoded for it.
    fn status_of(&self, id: &str) -> Option<Status> {
        match self.changed.get(id).or_else(|| self.known.get(id)) {
            Some(m) => Some(m.status),
            None => self.bucket_of(id)?.status(id),
        }
    }

    /// Remembered from the write before while nothing it depends on changed; the answers
    /// about waiting missions are kept for the next write.
    fn unmet(&self, mission: &MissionEntry) -> Vec<Unmet> {
        let unmet = self
            .still_waiting(mission)
            .unwrap_or_else(|| lifecycle::unmet_by_links(self, mission));
        if !unmet.is_empty() {
            self.used
                .borrow_mut()
                .insert(mission.id.clone(), unmet.clone());
        }
        unmet
    }

    fn blockers_of(&self, id: &str) -> Vec<String> {
        self.dependents(id)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, kind)| *kind == DepType::Blocks)
            .map(|(from, _)| from)
            .collect()
    }
}
