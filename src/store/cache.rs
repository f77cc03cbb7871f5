//! The index cache under `<common-dir>/cmos/index/`, keyed by the tree it was built from, so a
//! command reads a few small files instead of every record. Any failure just means a rebuild.
//!
//! The mission summaries, with the links pointing at them, are split into buckets by a hash
//! of the mission id (postcard's compact binary form); each bucket is a file named by the hash
//! of its content (see `objects`). Buckets are grouped, about as many groups as buckets per
//! group: a group's fanout file names its buckets. The manifest, `head`, holds the tree id,
//! the digest, the first missions of each open status in the order of work, and names the
//! meta records' file, the chunks of the counts per sprint (`sprint_counts`) and every fanout
//! file (meta records and digest in the compact form of `compact`).
//!
//! A write re-encodes the buckets it touched, then their groups' fanout files, then replaces
//! the manifest (a temporary file renamed into place): it reads and writes what it touched,
//! whatever the size of the project. A reader sees one manifest, old or new, and every file
//! it names is immutable; files no manifest names are collected a group at a time.

pub(in crate::store) mod bucket;
mod chunks;
mod compact;
mod objects;
mod sprint_counts;

pub use bucket::{Bucket, EntryWithDependents, StoredRef, splice as splice_bucket};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use gix::ObjectId;

use crate::digest::Digest;
use crate::index::{Index, Meta, MissionEntry, Missions, PlanKey, SprintSource, Sprints};
use crate::lifecycle::{Unmet, Windows};
use crate::model::{Sprint, fnv1a};
use chunks::Held;
use objects::{Objects, Ref};

/// Changed whenever the cached shape changes; a cache with another header is ignored.
const HEADER: &str = concat!(
    "cmos index cache 21 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

/// About this many missions share a bucket: a write that changes one mission re-encodes and
/// writes this many (a few kilobytes).
const BUCKET_SIZE: usize = 64;

/// How many buckets `missions` missions get. A write keeps the count it found while that stays
/// within a factor of two of the ideal, so it can copy the buckets it did not touch.
pub fn bucket_count(missions: usize, previous: Option<usize>) -> usize {
    let ideal = (missions / BUCKET_SIZE).max(1);
    match previous {
        Some(p) if p >= ideal / 2 && p <= ideal * 2 => p,
        _ => ideal,
    }
}

/// About this many sprints share a chunk of the meta records: a write that adds or changes a
/// sprint re-encodes one chunk, not every sprint of the project.
const SPRINT_CHUNK: usize = 128;

/// The manifest's name in the cache directory.
const HEAD: &str = "head";
/// The shelf of the meta records' files; the buckets and fanout files of group `g` are on
/// shelf [`group_shelf`].
const META_SHELF: &str = "meta";

/// The shelf of group `g`.
fn group_shelf(g: usize) -> String {
    format!("g{g:03}")
}

/// How many groups `buckets` buckets form: about as many as buckets per group, so neither the
/// manifest nor a fanout file grows faster than the square root of the project.
pub fn group_count(buckets: usize) -> usize {
    let mut groups = 1;
    while groups * groups < buckets {
        groups += 1;
    }
    groups
}

/// How many buckets a group holds (the last may hold fewer).
fn group_span(buckets: usize) -> usize {
    buckets.div_ceil(group_count(buckets)).max(1)
}

/// A cache that matched the header: the small parts decoded, the missions not yet.
pub struct Cached {
    pub tree: ObjectId,
    pub meta: Arc<Meta>,
    pub digest: Arc<Digest>,
    pub missions: Buckets,
}

/// The unmet prerequisites of the open missions a write found waiting, by mission: the next
/// write reuses each answer while nothing it depends on changed, instead of looking up every
/// prerequisite of every waiting mission again.
pub type Waiting = BTreeMap<String, Vec<Unmet>>;

/// The digest of a cache, as a write that keeps it or changes it needs it.
struct KeptDigest {
    /// Encoded without its counts per sprint: a write that keeps the digest it started from
    /// writes these bytes again instead of encoding it.
    encoded: Vec<u8>,
    /// The chunks of the counts per sprint.
    counts: Vec<sprint_counts::Chunk>,
    /// As read, its counts per sprint from `counts`: what a write compares its own counts
    /// with, chunk by chunk.
    parsed: Arc<Digest>,
}

/// The missions of a cache, read and decoded on demand, a bucket at a time.
pub struct Buckets {
    objects: Objects,
    /// How many buckets the missions are split into.
    count: usize,
    /// The fanout file of each group.
    groups: Vec<Ref>,
    /// Fanout files read so far: the buckets of each group (None if it cannot be read).
    fanouts: Vec<OnceLock<Option<Vec<Ref>>>>,
    /// The digest as cached.
    digest: Box<KeptDigest>,
    /// The encoded windows of the open missions.
    windows: Vec<u8>,
    /// The encoded answers about waiting missions the last write worked out ([`Waiting`]).
    waiting: Vec<u8>,
    /// The file of the meta records.
    meta: Ref,
}

impl Buckets {
    /// Every mission, or None if a bucket is damaged or missing.
    pub fn all(&self) -> Option<Missions> {
        let expected = self.count * BUCKET_SIZE * 5 / 4;
        let mut missions = Missions::with_capacity_and_hasher(expected, Default::default());
        for b in 0..self.count {
            for entry in self.bucket(b)?.summaries() {
                let entry = entry?;
                missions.insert(entry.id.clone(), entry);
            }
        }
        Some(missions)
    }

    /// One mission and its dependents: Some(None) if there is no such mission, None if the
    /// cache is damaged.
    pub fn get(&self, id: &str) -> Option<Option<EntryWithDependents>> {
        self.bucket(bucket_of(id, self.count))?.get(id)
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// The buckets of group `g`, read once.
    fn fanout(&self, g: usize) -> Option<&Vec<Ref>> {
        let cell = self.fanouts.get(g)?;
        cell.get_or_init(|| {
            let bytes = self.objects.read(&group_shelf(g), *self.groups.get(g)?)?;
            objects::decode_refs(&bytes)
        })
        .as_ref()
    }

    /// The file of bucket `b`, as the manifest names it.
    fn bucket_ref(&self, b: usize) -> Option<(usize, Ref)> {
        let span = group_span(self.count);
        let g = b / span;
        Some((g, *self.fanout(g)?.get(b - g * span)?))
    }

    /// Bucket `b` with its directory read, or None if it is missing or damaged.
    pub fn bucket(&self, b: usize) -> Option<Bucket> {
        let (g, r) = self.bucket_ref(b)?;
        Bucket::parse(self.objects.read(&group_shelf(g), r)?)
    }

    /// The first open missions of each status, in the order of work.
    pub fn windows(&self) -> Option<Windows> {
        postcard::from_bytes(&self.windows).ok()
    }

    /// The prerequisites the last write found unmet, by waiting mission; empty if unreadable.
    pub fn waiting(&self) -> Waiting {
        postcard::from_bytes(&self.waiting).unwrap_or_default()
    }
}

/// The bucket of mission `id` among `buckets`.
pub fn bucket_of(id: &str, buckets: usize) -> usize {
    (fnv1a(id.as_bytes()) % buckets.max(1) as u64) as usize
}

/// Reads a length-prefixed section at `*at`, moving past it.
fn section<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = u64::from_le_bytes(bytes.get(*at..*at + 8)?.try_into().ok()?) as usize;
    let body = bytes.get(*at + 8..(*at + 8).checked_add(len)?)?;
    *at += 8 + len;
    Some(body)
}

fn number(bytes: &[u8], at: &mut usize) -> Option<usize> {
    let n = u64::from_le_bytes(bytes.get(*at..*at + 8)?.try_into().ok()?);
    *at += 8;
    usize::try_from(n).ok()
}

/// The tree the cache in `dir` was made from, read from the manifest alone.
pub fn tree(dir: &Path) -> Option<ObjectId> {
    manifest_tree(&std::fs::read(dir.join(HEAD)).ok()?).map(|(tree, _)| tree)
}

/// The tree a manifest names, if it has this version's header, and where the rest starts.
fn manifest_tree(bytes: &[u8]) -> Option<(ObjectId, usize)> {
    let rest = bytes.strip_prefix(HEADER.as_bytes())?;
    let newline = rest.iter().position(|b| *b == b'\n')?;
    let tree = ObjectId::from_hex(&rest[..newline]).ok()?;
    Some((tree, HEADER.len() + newline + 1))
}

/// The cache in directory `dir`, if its manifest has this version's header and the files it
/// names for the meta records are there.
pub fn load(dir: &Path) -> Option<Cached> {
    let bytes = std::fs::read(dir.join(HEAD)).ok()?;
    let (tree, mut at) = manifest_tree(&bytes)?;
    let meta_ref = Ref::decode(bytes.get(at..at + Ref::SIZE)?)?;
    at += Ref::SIZE;
    let digest_bytes = section(&bytes, &mut at)?;
    let windows = section(&bytes, &mut at)?.to_vec();
    let waiting = section(&bytes, &mut at)?.to_vec();
    let counts = sprint_counts::decode_list(section(&bytes, &mut at)?)?;
    let count = number(&bytes, &mut at)?;
    let groups = objects::decode_refs(bytes.get(at..)?)?;
    if count == 0 || groups.len() != group_count(count) {
        return None;
    }
    let objects = Objects::new(dir);
    let digest = parsed_digest(&objects, tree, digest_bytes, &counts)?;
    let digest_bytes = digest_bytes.to_vec();
    let meta = parsed_meta(&objects, meta_ref)?.meta.clone();
    Some(Cached {
        tree,
        meta,
        digest: digest.clone(),
        missions: Buckets {
            objects,
            count,
            fanouts: groups.iter().map(|_| OnceLock::new()).collect(),
            groups,
            digest: Box::new(KeptDigest {
                encoded: digest_bytes,
                counts,
                parsed: digest,
            }),
            windows,
            waiting,
            meta: meta_ref,
        },
    })
}

/// The meta records and digest last parsed by this process, shared rather than parsed again:
/// one command may read the tip several times (a completion: its checks, the gate, the
/// fallback, the process graph, the write), and parsing a thousand sprints costs more than
/// the rest of such a read. A meta file never changes (it is named by its content), so its
/// directory and name identify it; a digest is a function of the tree it describes, so the
/// cache's directory and that tree identify it.
type Memo<K, V> = Mutex<Option<(K, Arc<V>)>>;

static PARSED_META: Memo<(PathBuf, Ref), MetaParts> = Mutex::new(None);
static PARSED_DIGEST: Memo<(PathBuf, ObjectId), Digest> = Mutex::new(None);

/// The meta records as cached: one file for the project, the format and the problems, which
/// names the chunks the sprints are split into. A chunk holds the sprints of a range of ids,
/// in id order, and the chunks are in order too, so the sprints are read back sorted.
struct MetaParts {
    meta: Arc<Meta>,
    /// What the sprints of `meta` are read from, which a write compares its own with.
    sprints: Arc<CachedSprints>,
    chunks: Vec<Ref>,
    /// How many sprints each chunk holds.
    sizes: Vec<usize>,
}

fn parsed_meta(objects: &Objects, r: Ref) -> Option<Arc<MetaParts>> {
    let key = (objects.dir().to_path_buf(), r);
    remembered(&PARSED_META, key, || {
        let (mut meta, names) = compact::decode(&objects.read(META_SHELF, r)?)?;
        let chunks = objects::decode_refs(&names)?;
        let sprints = Arc::new(CachedSprints::read(objects, &chunks)?);
        let sizes = sprints.sizes();
        meta.sprints = Sprints::lazy(sprints.clone());
        Some(MetaParts {
            meta: Arc::new(meta),
            sprints,
            chunks,
            sizes,
        })
    })
}

/// The sprints of cached meta records, as [`Sprints`] reads them: the chunks are checked when
/// read, decoded whole when the map is first used, one at a time for a lookup, and never for
/// a sprint's place in plan order, which the check keeps the fields of.
struct CachedSprints {
    chunks: Vec<Vec<u8>>,
    /// Every sprint in id order (each chunk holds a range of ids, in order): its chunk and
    /// what plan order compares.
    plan: Vec<(usize, compact::PlanFields)>,
    /// How many sprints come before each chunk.
    before: Vec<usize>,
    /// Chunks decoded for a lookup.
    decoded: Vec<OnceLock<Vec<Sprint>>>,
}

impl CachedSprints {
    fn read(objects: &Objects, names: &[Ref]) -> Option<CachedSprints> {
        let mut sprints = CachedSprints {
            chunks: Vec::with_capacity(names.len()),
            plan: Vec::new(),
            before: Vec::with_capacity(names.len()),
            decoded: Vec::with_capacity(names.len()),
        };
        for (c, name) in names.iter().enumerate() {
            let chunk = objects.read(META_SHELF, *name)?;
            let fields = compact::check_sprints(&chunk)?;
            sprints.before.push(sprints.plan.len());
            sprints.plan.extend(fields.into_iter().map(|f| (c, f)));
            sprints.chunks.push(chunk);
            sprints.decoded.push(OnceLock::new());
        }
        Some(sprints)
    }

    /// How many sprints each chunk holds.
    fn sizes(&self) -> Vec<usize> {
        let ends = self.before.iter().skip(1).copied().chain([self.plan.len()]);
        ends.zip(&self.before)
            .map(|(end, start)| end - start)
            .collect()
    }

    /// What plan order compares of the `i`th sprint in id order.
    fn key_at(&self, i: usize) -> PlanKey<'_> {
        let (c, fields) = &self.plan[i];
        PlanKey {
            start: fields.start,
            created: fields.created,
            // Checked as UTF-8 when the chunk was read.
            id: std::str::from_utf8(&self.chunks[*c][fields.id.clone()]).unwrap_or_default(),
        }
    }

    /// Where sprint `id` is in id order.
    fn index_of(&self, id: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.plan.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.key_at(middle).id.cmp(id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// The first id of chunk `c` (every chunk a cache holds has sprints).
    fn first_id(&self, c: usize) -> Option<&str> {
        let first = *self.before.get(c)?;
        (first < self.plan.len() && self.plan[first].0 == c).then(|| self.key_at(first).id)
    }

    /// The sprints of chunk `c`, decoded once.
    fn chunk(&self, c: usize) -> &[Sprint] {
        self.decoded[c].get_or_init(|| {
            let sprints = Self::decode(&self.chunks[c]);
            sprints.into_iter().map(|(_, s)| s).collect()
        })
    }

    fn decode(chunk: &[u8]) -> Vec<(String, Sprint)> {
        let mut sprints = Vec::new();
        let decoded = compact::decode_sprints(chunk, &mut sprints);
        assert!(decoded, "a sprint chunk decodes once it has been checked");
        sprints
    }
}

impl SprintSource for CachedSprints {
    fn all(&self) -> BTreeMap<String, Sprint> {
        // In id order already: the map is built without sorting again.
        self.chunks.iter().flat_map(|c| Self::decode(c)).collect()
    }

    fn count(&self) -> usize {
        self.plan.len()
    }

    fn find(&self, id: &str) -> Option<&Sprint> {
        let i = self.index_of(id)?;
        let c = self.plan[i].0;
        self.chunk(c).get(i - self.before[c])
    }

    fn key(&self, id: &str) -> Option<PlanKey<'_>> {
        Some(self.key_at(self.index_of(id)?))
    }

    fn count_before(&self, key: &PlanKey<'_>, skip: &dyn Fn(&str) -> bool) -> usize {
        (0..self.plan.len())
            .map(|i| self.key_at(i))
            .filter(|k| k < key && !skip(k.id))
            .count()
    }
}

/// Writes the meta records of `meta` and returns the files they are made of, the one that
/// names the others first. The sprints are split as in `base` (the cached meta records a
/// write started from): a chunk whose sprints are all as they were is kept, any other is
/// written again, in pieces of [`SPRINT_CHUNK`] once it holds twice that. The files it stops
/// naming are added to `replaced`.
fn write_meta(
    objects: &Objects,
    meta: &Meta,
    base: Option<Ref>,
    replaced: &mut Vec<(String, Ref)>,
) -> Option<Vec<Ref>> {
    let base = base.and_then(|r| Some((r, parsed_meta(objects, r)?)));
    let over_base = base.as_ref().and_then(|(_, parts)| {
        let source: Arc<dyn SprintSource> = parts.sprints.clone();
        let changed = meta.sprints.changes_over(&source)?;
        (!parts.chunks.is_empty()).then(|| (&**parts, changed))
    });
    let mut refs = match over_base {
        Some((parts, changed)) => chunks_with_upserts(objects, parts, changed)?,
        None => chunks_compared(objects, meta, base.as_ref().map(|(_, parts)| &**parts))?,
    };
    let r = objects.write(
        META_SHELF,
        &compact::encode(meta, &objects::encode_refs(&refs))?,
    )?;
    if let Some((old, parts)) = &base
        && *old != r
    {
        replaced.push((META_SHELF.to_string(), *old));
        for chunk in parts.chunks.iter().filter(|c| !refs.contains(c)) {
            replaced.push((META_SHELF.to_string(), *chunk));
        }
    }
    refs.insert(0, r);
    Some(refs)
}

/// The chunks of `base` with the sprints of `changed` upserted, when those are the only
/// changes (a write of a sprint or two): a chunk none of them falls in is kept without
/// decoding it, and only the chunks they fall in are decoded and written again.
fn chunks_with_upserts(
    objects: &Objects,
    base: &MetaParts,
    changed: &BTreeMap<String, Sprint>,
) -> Option<Vec<Ref>> {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let source = &base.sprints;
    let mut refs = Vec::with_capacity(base.chunks.len() + 1);
    for (c, file) in base.chunks.iter().enumerate() {
        // Chunk c holds the ids from its first (any, for the first chunk) to the next's first.
        let low = match c {
            0 => Unbounded,
            _ => Included(source.first_id(c)?),
        };
        let high = match c + 1 < base.chunks.len() {
            true => Excluded(source.first_id(c + 1)?),
            false => Unbounded,
        };
        let mut upserts = changed
            .range::<str, _>((low, high))
            .map(|(_, s)| s)
            .peekable();
        if upserts.peek().is_none() {
            refs.push(*file);
            continue;
        }
        // Both in id order: merged, an upserted sprint taking the place of the one it replaces.
        let mut merged: Vec<&Sprint> = Vec::with_capacity(base.sizes[c] + changed.len());
        let mut held = source.chunk(c).iter().peekable();
        loop {
            let next = match (held.peek(), upserts.peek()) {
                (Some(h), Some(u)) => match h.id.cmp(&u.id) {
                    std::cmp::Ordering::Less => held.next(),
                    std::cmp::Ordering::Equal => {
                        held.next();
                        upserts.next()
                    }
                    std::cmp::Ordering::Greater => upserts.next(),
                },
                (Some(_), None) => held.next(),
                (None, Some(_)) => upserts.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        write_chunk(objects, &merged, &mut refs)?;
    }
    Some(refs)
}

/// The chunks of `meta`'s sprints, split as in `base`: a chunk whose sprints are all as they
/// were is kept, any other is written again.
fn chunks_compared(objects: &Objects, meta: &Meta, base: Option<&MetaParts>) -> Option<Vec<Ref>> {
    let mut held: Vec<Held<'_, &Sprint>> = Vec::new();
    if let Some(parts) = base {
        let mut old = parts.meta.sprints.values();
        for (c, size) in parts.sizes.iter().enumerate() {
            let items: Vec<&Sprint> = old.by_ref().take(*size).collect();
            let start = items.first().map(|s| s.id.as_str());
            // An empty chunk (a project without sprints) bounds nothing.
            if c == 0 || start.is_some() {
                held.push(Held {
                    start: (c > 0).then_some(start).flatten(),
                    items,
                    file: parts.chunks[c],
                });
            }
        }
    }
    let now = meta.sprints.values().map(|s| (s.id.as_str(), s));
    let files = chunks::rechunk(&held, now, SPRINT_CHUNK, |piece| {
        write_sprints(objects, piece)
    })?;
    Some(files.into_iter().map(|(_, file)| file).collect())
}

/// Writes the sprints of one chunk, in pieces of [`SPRINT_CHUNK`] once it holds twice that;
/// a chunk left empty goes (a project without sprints has no chunk).
fn write_chunk(objects: &Objects, sprints: &[&Sprint], refs: &mut Vec<Ref>) -> Option<()> {
    for piece in chunks::pieces(sprints, SPRINT_CHUNK) {
        refs.push(write_sprints(objects, piece)?);
    }
    Some(())
}

fn write_sprints(objects: &Objects, sprints: &[&Sprint]) -> Option<Ref> {
    let bytes = compact::encode_sprints(sprints.iter().copied())?;
    objects.write(META_SHELF, &bytes)
}

fn parsed_digest(
    objects: &Objects,
    tree: ObjectId,
    bytes: &[u8],
    counts: &[sprint_counts::Chunk],
) -> Option<Arc<Digest>> {
    remembered(&PARSED_DIGEST, (objects.dir().to_path_buf(), tree), || {
        compact::decode_digest(bytes, sprint_counts::read(objects, counts)?)
    })
}

/// Notes the digest a write just cached for `tree`, so the reads that follow the write in
/// this process share it instead of parsing it back.
pub fn remember_digest(dir: &Path, tree: ObjectId, digest: Arc<Digest>) {
    if let Ok(mut memo) = PARSED_DIGEST.lock() {
        *memo = Some(((dir.to_path_buf(), tree), digest));
    }
}

/// Drops the meta records and digest this process keeps, so the next read parses what the
/// cache holds on disk. Only tests need it: they check the bytes a write left behind, which
/// the kept values would otherwise stand in for.
pub fn forget_parsed() {
    if let Ok(mut memo) = PARSED_META.lock() {
        *memo = None;
    }
    if let Ok(mut memo) = PARSED_DIGEST.lock() {
        *memo = None;
    }
}

/// The value kept for `key`, else parsed and kept in place of the one before.
fn remembered<K: PartialEq, V>(
    memo: &Memo<K, V>,
    key: K,
    parse: impl FnOnce() -> Option<V>,
) -> Option<Arc<V>> {
    let mut memo = memo.lock().ok()?;
    if let Some((k, kept)) = memo.as_ref()
        && *k == key
    {
        return Some(kept.clone());
    }
    let value = Arc::new(parse()?);
    *memo = Some((key, value.clone()));
    Some(value)
}

/// Buckets of the cache a write started from, reusable as they are where no mission in them
/// (or linked to them) changed: a write then re-encodes a few buckets, not the whole cache.
pub struct Reuse<'a> {
    pub buckets: &'a Buckets,
    /// Ids of the missions whose summaries or links to them changed.
    pub changed: &'a HashSet<String>,
}

/// Below this many missions to encode, a second thread costs more than it saves.
pub const MIN_PARALLEL_ENTRIES: usize = 8_192;

/// Encodes the buckets, on two threads when there are many missions (every bucket of a
/// 100,000-mission index, which a first read of a clone or a verify writes, took 0.5 billion
/// instructions on one). None when one does not encode.
fn encode_buckets(buckets: Vec<(usize, Bucketed<'_>)>) -> Option<BTreeMap<usize, Vec<u8>>> {
    let entries: usize = buckets
        .iter()
        .map(|(_, (missions, _))| missions.len())
        .sum();
    let encoded = in_halves(buckets, entries >= MIN_PARALLEL_ENTRIES, |part| {
        part.into_iter()
            .map(|(b, (missions, links))| {
                Some((b, bucket::encode(bucket::joined(missions, links))?))
            })
            .collect()
    })?;
    Some(encoded.into_iter().collect())
}

/// One bucket's missions and the links that point at them, as yet unjoined.
type Bucketed<'a> = (Vec<&'a MissionEntry>, Vec<bucket::IncomingLink<'a>>);

/// Below this many bucket files to write, a second thread costs more than it saves.
const MIN_PARALLEL_WRITES: usize = 64;

/// Writes the files of the `fresh` buckets (`span` to a group) and names each, on two threads
/// when there are many: a first verify of 100,000 missions writes 1,600, six system calls
/// each, and they were the last thing it waited for.
fn write_buckets(
    objects: &Objects,
    fresh: &BTreeMap<usize, Vec<u8>>,
    span: usize,
) -> Option<HashMap<usize, Ref>> {
    let fresh: Vec<(&usize, &Vec<u8>)> = fresh.iter().collect();
    let parallel = fresh.len() >= MIN_PARALLEL_WRITES;
    let written = in_halves(fresh, parallel, |part| {
        (part.into_iter())
            .map(|(&b, bytes)| Some((b, objects.write(&group_shelf(b / span), bytes)?)))
            .collect()
    })?;
    Some(written.into_iter().collect())
}

/// `work` done on all of `items`: on this thread, or when `parallel` (and there is a second
/// core) on each half of them side by side. None when any part is None.
fn in_halves<T: Send, R: Send>(
    mut items: Vec<T>,
    parallel: bool,
    work: impl Fn(Vec<T>) -> Option<Vec<R>> + Sync,
) -> Option<Vec<R>> {
    // Asked only when it matters: a write's few buckets never ask (a system call each).
    if !parallel || !std::thread::available_parallelism().is_ok_and(|n| n.get() > 1) {
        return work(items);
    }
    let second = items.split_off(items.len() / 2);
    let (mine, helpers) = std::thread::scope(|scope| {
        let helper = scope.spawn(|| work(second));
        let mine = work(items);
        let helpers = helper
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (mine, helpers)
    });
    let mut all = mine?;
    all.extend(helpers?);
    Some(all)
}

/// Caches the full `index` of `tree`, keeping the buckets of `reuse` that nothing changed:
/// the two steps in a row, as the tests take them (`store` works out the digest beside the
/// first).
#[cfg(test)]
pub fn save_index(
    dir: &Path,
    tree: ObjectId,
    index: &Index,
    digest: &Digest,
    windows: &Windows,
    reuse: Option<Reuse<'_>>,
) {
    if let Some(buckets) = encode_index(index, reuse) {
        write_index(dir, tree, index, digest, windows, &Waiting::new(), &buckets);
    }
}

/// The buckets a save of an index writes, encoded, and those it keeps: most of the work of
/// saving, and it needs neither the digest nor the windows (which can be worked out beside it).
pub struct EncodedIndex<'a> {
    count: usize,
    base: Option<&'a Buckets>,
    fresh: BTreeMap<usize, Vec<u8>>,
}

impl EncodedIndex<'_> {
    /// Every bucket's bytes in order, when every bucket was encoded (none reused).
    pub fn every_bucket(&self) -> Option<Vec<&[u8]>> {
        (self.base.is_none() && self.fresh.len() == self.count)
            .then(|| self.fresh.values().map(Vec::as_slice).collect())
    }
}

/// Encodes the buckets of `index` that `reuse` does not have as they are. None when one does
/// not encode (nothing is cached then).
pub fn encode_index<'a>(index: &Index, reuse: Option<Reuse<'a>>) -> Option<EncodedIndex<'a>> {
    let count = bucket_count(
        index.missions.len(),
        reuse.as_ref().map(|r| r.buckets.count),
    );
    let reuse = reuse.filter(|r| r.buckets.count == count);
    let dirty: Vec<bool> = match &reuse {
        Some(r) => {
            let mut dirty = vec![false; count];
            for id in r.changed {
                dirty[bucket_of(id, count)] = true;
            }
            dirty
        }
        None => vec![true; count],
    };
    // Each dirty bucket's missions, and the links that point into it: joined by id where
    // the bucket is encoded, on two threads (a map of every mission's dependents, built here
    // on one, was a sixth of the cache thread's time at 100,000 missions).
    let mut fresh: Vec<Bucketed<'_>> = (0..count).map(|_| Default::default()).collect();
    for m in index.missions.values() {
        let bucket = bucket_of(&m.id, count);
        if dirty[bucket] {
            fresh[bucket].0.push(m);
        }
        for (on, kind) in &m.depends {
            let bucket = bucket_of(on, count);
            if dirty[bucket] {
                fresh[bucket].1.push((on, &m.id, *kind));
            }
        }
    }
    let dirty_buckets: Vec<(usize, Bucketed<'_>)> = fresh
        .into_iter()
        .enumerate()
        .filter(|(b, _)| dirty[*b])
        .collect();
    Some(EncodedIndex {
        count,
        base: reuse.map(|r| r.buckets),
        fresh: encode_buckets(dirty_buckets)?,
    })
}

/// Writes the buckets `encode_index` made, with the rest of the cache of `index`: its digest,
/// the windows of the order of work, and the unmet prerequisites of the missions the digest's
/// next mission was chosen over (so that the next write need not work them out again).
pub fn write_index(
    dir: &Path,
    tree: ObjectId,
    index: &Index,
    digest: &Digest,
    windows: &Windows,
    waiting: &Waiting,
    buckets: &EncodedIndex<'_>,
) {
    write(
        dir,
        tree,
        MetaFile::Changed(&index.meta),
        DigestFile::Changed(digest),
        windows,
        waiting,
        buckets.count,
        buckets.base,
        &buckets.fresh,
    );
}

/// The meta records a write caches: those of the cache it started from, or changed ones.
pub enum MetaFile<'a> {
    Same(&'a Buckets),
    Changed(&'a Meta),
}

/// The digest a write caches: that of the cache it started from, kept as it was encoded, or
/// another one.
pub enum DigestFile<'a> {
    Same(&'a Buckets),
    Changed(&'a Digest),
}

/// Writes the buckets in `fresh` (by number), keeps every other bucket of `base` (which must
/// have `count` buckets when given; without it, `fresh` holds every bucket), then replaces the
/// manifest. Failing to cache is not an error: the next command rebuilds. False if nothing was
/// cached.
#[allow(clippy::too_many_arguments)]
pub fn write(
    dir: &Path,
    tree: ObjectId,
    meta: MetaFile<'_>,
    digest: DigestFile<'_>,
    windows: &Windows,
    waiting: &Waiting,
    count: usize,
    base: Option<&Buckets>,
    fresh: &BTreeMap<usize, Vec<u8>>,
) -> bool {
    write_manifest(
        dir, tree, meta, digest, windows, waiting, count, base, fresh,
    )
    .is_some()
}

#[allow(clippy::too_many_arguments)]
fn write_manifest(
    dir: &Path,
    tree: ObjectId,
    meta: MetaFile<'_>,
    digest: DigestFile<'_>,
    windows: &Windows,
    waiting: &Waiting,
    count: usize,
    base: Option<&Buckets>,
    fresh: &BTreeMap<usize, Vec<u8>>,
) -> Option<()> {
    let objects = Objects::new(dir);
    // The meta records and the counts per sprint are kept apart from the buckets: a new
    // bucket count keeps them.
    let meta_base = base.map(|b| b.meta);
    let counts_base = base.map(|b| (&b.digest.counts[..], &b.digest.parsed.sprint_counts));
    let base = base.filter(|b| b.count == count);
    let span = group_span(count);
    let written = write_buckets(&objects, fresh, span)?;
    let mut groups = Vec::with_capacity(group_count(count));
    // Files this manifest stops naming: marked as used now, so that readers of the manifest
    // it replaces have the grace period to finish.
    let mut replaced: Vec<(String, Ref)> = Vec::new();
    for g in 0..group_count(count) {
        let shelf = group_shelf(g);
        let members = g * span..((g + 1) * span).min(count);
        let touched = fresh.range(members.clone()).next().is_some();
        if let Some(base) = base
            && !touched
        {
            groups.push(base.groups[g]);
            continue;
        }
        let previous = match base {
            Some(base) => Some(base.fanout(g)?.clone()),
            None => None,
        };
        let mut refs = Vec::with_capacity(members.len());
        for (i, b) in members.enumerate() {
            match (written.get(&b), &previous) {
                (Some(&r), previous) => {
                    if let Some(old) = previous.as_ref().and_then(|p| p.get(i)) {
                        replaced.push((shelf.clone(), *old));
                    }
                    refs.push(r);
                }
                (None, Some(previous)) => refs.push(*previous.get(i)?),
                (None, None) => return None,
            }
        }
        if let Some(base) = base {
            replaced.push((shelf.clone(), base.groups[g]));
        }
        groups.push(objects.write(&shelf, &objects::encode_refs(&refs))?);
    }
    let meta_files = match meta {
        MetaFile::Same(buckets) => {
            let mut files = parsed_meta(&objects, buckets.meta)?.chunks.clone();
            files.insert(0, buckets.meta);
            files
        }
        MetaFile::Changed(meta) => write_meta(&objects, meta, meta_base, &mut replaced)?,
    };
    let meta_ref = meta_files[0];
    let (digest, counts) = match digest {
        DigestFile::Same(buckets) => (
            buckets.digest.encoded.clone(),
            buckets.digest.counts.clone(),
        ),
        DigestFile::Changed(digest) => (
            compact::encode_digest(digest)?,
            sprint_counts::write(&objects, &digest.sprint_counts, counts_base, &mut replaced)?,
        ),
    };
    let windows = postcard::to_allocvec(windows).ok()?;
    let waiting = postcard::to_allocvec(waiting).ok()?;
    for (shelf, r) in &replaced {
        objects.touch(shelf, *r);
    }
    let mut head = Vec::with_capacity(HEADER.len() + digest.len() + windows.len() + 256);
    head.extend_from_slice(HEADER.as_bytes());
    head.extend_from_slice(tree.to_string().as_bytes());
    head.push(b'\n');
    meta_ref.encode(&mut head);
    let counts_list = sprint_counts::encode_list(&counts);
    for part in [&digest, &windows, &waiting, &counts_list] {
        head.extend_from_slice(&(part.len() as u64).to_le_bytes());
        head.extend_from_slice(part);
    }
    head.extend_from_slice(&(count as u64).to_le_bytes());
    head.extend_from_slice(&objects::encode_refs(&groups));
    super::local::replace_file(&dir.join(HEAD), &head).ok()?;
    let count_files: Vec<Ref> = counts.iter().map(|c| c.file).collect();
    collect_some(&objects, &groups, &meta_files, &count_files);
    Some(())
}

/// Collects the old files of one shelf, chosen at random, so the cache's garbage stays
/// bounded at a bounded cost per write: one directory listing and one fanout file.
fn collect_some(objects: &Objects, groups: &[Ref], meta_files: &[Ref], count_files: &[Ref]) {
    let shelves = objects.shelves();
    if shelves.is_empty() {
        return;
    }
    let [a, b] = crate::model::random_bytes::<2>();
    let shelf = &shelves[usize::from(u16::from_le_bytes([a, b])) % shelves.len()];
    let live: Vec<Ref> = if shelf == META_SHELF {
        meta_files.to_vec()
    } else if shelf == sprint_counts::SHELF {
        count_files.to_vec()
    } else {
        let group = shelf
            .strip_prefix('g')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|g| *g < groups.len());
        match group {
            Some(g) => {
                let Some(fanout) = objects.read(shelf, groups[g]) else {
                    return;
                };
                let Some(mut live) = objects::decode_refs(&fanout) else {
                    return;
                };
                live.push(groups[g]);
                live
            }
            // A group of an earlier bucket count: nothing in it is named any more.
            None => Vec::new(),
        }
    };
    objects.collect(shelf, &live);
    if live.is_empty() {
        objects.remove_shelf_if_empty(shelf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FileProblem;
    use crate::index::MissionEntry;
    use crate::model::DepType;
    use crate::model::Status;

    fn entry(id: &str, depends: Vec<(String, DepType)>) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 0,
            name: "Name".into(),
            status: Status::Blocked,
            sprint: Some("S1".into()),
            rank: Some(-3),
            depends,
            blocked_reason: Some("why".into()),
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    #[test]
    fn an_index_survives_the_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let mut index = Index::default();
        index.upsert_mission(entry("M0", vec![]));
        for i in 1..100 {
            let blocks_m0 = vec![("M0".into(), DepType::Blocks)];
            index.upsert_mission(entry(&format!("M{i}"), blocks_m0));
        }
        let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let digest = Digest::of(&index);
        save_index(&path, tree, &index, &digest, &Windows::default(), None);
        let cached = load(&path).expect("the cache loads");
        assert_eq!(cached.tree, tree);
        assert_eq!(*cached.digest, digest);
        assert_eq!(cached.missions.all().unwrap(), index.missions);
        let (m0, dependents) = cached.missions.get("M0").unwrap().unwrap();
        assert_eq!(m0, index.missions["M0"]);
        assert_eq!(dependents.len(), 99);
        assert!(cached.missions.get("nope").unwrap().is_none());

        // A write that changed M5 re-encodes its bucket and copies the others.
        index.missions.get_mut("M5").unwrap().status = Status::Completed;
        let changed: HashSet<String> = ["M5".to_string(), "M0".to_string()].into();
        let reuse = Reuse {
            buckets: &cached.missions,
            changed: &changed,
        };
        save_index(
            &path,
            tree,
            &index,
            &Digest::of(&index),
            &Windows::default(),
            Some(reuse),
        );
        let again = load(&path).expect("the cache loads");
        assert_eq!(again.missions.all().unwrap(), index.missions);
        assert_eq!(again.missions.get("M0").unwrap().unwrap().1.len(), 99);
    }

    /// Meta records holding a sprint for each of `ids`, all titled `title`.
    fn meta_of(ids: impl IntoIterator<Item = String>, title: &str) -> Meta {
        let mut meta = Meta::default();
        for id in ids {
            meta.sprints.insert(id.clone(), sprint(&id, title));
        }
        meta
    }

    fn sprint(id: &str, title: &str) -> Sprint {
        let at: crate::model::Timestamp = "2026-11-24T09:30:00Z".parse().unwrap();
        Sprint {
            id: id.into(),
            uid: format!("u-{id}"),
            title: title.into(),
            focus: None,
            status: crate::model::SprintStatus::Planned,
            start: None,
            end: None,
            created_at: at,
            updated_at: at,
            completed_at: None,
            extra: toml::Table::new(),
        }
    }

    /// The meta records a reader of `r` parses are `meta`.
    fn same_meta(objects: &Objects, r: Ref, meta: &Meta) {
        let parsed = parsed_meta(objects, r).expect("the meta records parse");
        assert_eq!(parsed.meta.sprints, meta.sprints);
        assert_eq!(parsed.meta.problems, meta.problems);
        assert_eq!(parsed.meta.format, meta.format);
    }

    #[test]
    fn a_change_to_one_sprint_re_encodes_its_chunk_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        let id = |i: usize| format!("S{i:04}");
        let mut meta = meta_of((0..600).map(id), "Planned work");
        let mut replaced = Vec::new();
        let first = write_meta(&objects, &meta, None, &mut replaced).unwrap();
        // Chunks of the chunk size, in id order.
        assert_eq!(first.len(), 1 + 600usize.div_ceil(SPRINT_CHUNK));
        same_meta(&objects, first[0], &meta);
        let rewritten = |before: &[Ref], after: &[Ref]| -> Vec<usize> {
            assert_eq!(before.len(), after.len());
            (1..after.len())
                .filter(|c| after[*c] != before[*c])
                .collect()
        };

        // One sprint renamed in the middle and one added at the end: their chunks only.
        meta.sprints.get_mut(&id(300)).unwrap().title = "Renamed".into();
        meta.sprints.insert(id(600), sprint(&id(600), "New"));
        let split = write_meta(&objects, &meta, Some(first[0]), &mut replaced).unwrap();
        assert_eq!(
            rewritten(&first, &split),
            vec![1 + 300 / SPRINT_CHUNK, first.len() - 1]
        );
        same_meta(&objects, split[0], &meta);
        assert_eq!(replaced.len(), 3, "the old meta file and two chunks");
        // A sprint added before every other one goes into the first chunk.
        meta.sprints.insert("A".into(), sprint("A", "First of all"));
        let next = write_meta(&objects, &meta, Some(split[0]), &mut replaced).unwrap();
        assert_eq!(rewritten(&split, &next), vec![1]);
        same_meta(&objects, next[0], &meta);

        // Meta records changed elsewhere (a problem noted) keep every chunk.
        meta.problems.insert(
            "x".into(),
            FileProblem {
                path: "x".into(),
                line: None,
                column: None,
                message: "bad".into(),
            },
        );
        let third = write_meta(&objects, &meta, Some(next[0]), &mut replaced).unwrap();
        assert_ne!(third[0], next[0]);
        assert_eq!(third[1..], next[1..]);
        same_meta(&objects, third[0], &meta);
        // Every sprint removed: no chunk at all, and none read back.
        meta.sprints.clear();
        let empty = write_meta(&objects, &meta, Some(third[0]), &mut replaced).unwrap();
        assert_eq!(empty.len(), 1);
        same_meta(&objects, empty[0], &meta);
        // A chunk gone missing means no meta records, never a partial list of sprints.
        std::fs::remove_file(dir.path().join(META_SHELF).join(third[1].name())).unwrap();
        forget_parsed();
        assert!(parsed_meta(&objects, third[0]).is_none());
    }

    #[test]
    fn sprints_are_decoded_on_first_read_and_a_damaged_chunk_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        let meta = meta_of((0..300).map(|i| format!("S{i:03}")), "Planned work");
        let files = write_meta(&objects, &meta, None, &mut Vec::new()).unwrap();
        forget_parsed();
        let parsed = parsed_meta(&objects, files[0]).expect("the meta records parse");
        assert!(
            !parsed.meta.sprints.is_decoded(),
            "nothing asked for a sprint yet"
        );
        assert_eq!(parsed.sizes.iter().sum::<usize>(), 300);
        assert_eq!(parsed.meta.sprints["S150"].title, "Planned work");
        assert!(parsed.meta.sprints.is_decoded());
        assert_eq!(parsed.meta.sprints, meta.sprints);

        // A chunk of the right size whose text is not UTF-8: no meta records (the cache is
        // rebuilt from the branch), never a failure when a sprint is first read.
        let path = dir.path().join(META_SHELF).join(files[2].name());
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(12)
            .position(|w| w == b"Planned work")
            .unwrap();
        bytes[at..at + 12].fill(0xff);
        std::fs::write(&path, &bytes).unwrap();
        forget_parsed();
        assert!(parsed_meta(&objects, files[0]).is_none());
    }

    #[test]
    fn a_chunk_that_grows_to_twice_the_size_is_split_and_the_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        let mut meta = meta_of((0..300).map(|i| format!("S{i:04}")), "Planned");
        let mut replaced = Vec::new();
        let mut files = write_meta(&objects, &meta, None, &mut replaced).unwrap();
        let before = files.clone();
        // Sprints that sort before all others, added one write at a time, all land in the
        // first chunk until it holds twice the chunk size.
        for i in 0..2 * SPRINT_CHUNK {
            let id = format!("A{i:04}");
            meta.sprints.insert(id.clone(), sprint(&id, "Early"));
            files = write_meta(&objects, &meta, Some(files[0]), &mut replaced).unwrap();
        }
        same_meta(&objects, files[0], &meta);
        assert_eq!(
            files.len(),
            before.len() + 2,
            "the first chunk became three"
        );
        assert_eq!(
            files[4..],
            before[2..],
            "the later chunks were never rewritten"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Sprints with any ids, start dates and creation times (ties included): each one the
        /// cache finds is the sprint, its position is its place in plan order, an id it does
        /// not hold is not found, and none of that decodes the sprints whole.
        #[test]
        fn one_sprint_and_its_place_read_as_the_decoded_sprints_say(
            sprints in proptest::collection::btree_map(
                "[a-zA-Z0-9._-]{1,12}",
                (proptest::option::of(700_000i32..700_040), 0i64..4),
                0..400,
            ),
            absent in "[a-z]{13,14}",
        ) {
            let dir = tempfile::tempdir().unwrap();
            let objects = Objects::new(dir.path());
            let mut meta = Meta::default();
            for (id, (start, created)) in &sprints {
                let mut s = sprint(id, "Planned");
                s.start = start.and_then(crate::model::Date::from_days_from_ce);
                s.created_at = crate::model::Timestamp::from_millis(1_700_000_000_000 + created * 1000);
                meta.sprints.insert(id.clone(), s);
            }
            let files = write_meta(&objects, &meta, None, &mut Vec::new()).unwrap();
            forget_parsed();
            let parsed = parsed_meta(&objects, files[0]).unwrap();
            let cached = &parsed.meta.sprints;
            let order: Vec<&str> = meta.sprints_in_order().iter().map(|s| s.id.as_str()).collect();
            for (id, sprint) in meta.sprints.iter() {
                proptest::prop_assert_eq!(cached.find(id), Some(sprint));
                let place = order.iter().position(|o| o == id).map(|p| p as u32);
                proptest::prop_assert_eq!(cached.position(id), place);
            }
            proptest::prop_assert!(cached.find(&absent).is_none());
            proptest::prop_assert!(cached.position(&absent).is_none());
            proptest::prop_assert!(!cached.is_decoded());
            // Decoded, the map answers the same.
            proptest::prop_assert_eq!(cached.len(), meta.sprints.len());
            for id in meta.sprints.keys() {
                proptest::prop_assert_eq!(cached.position(id), meta.sprints.position(id));
            }
        }

        /// Sprints added and changed over cached ones are written into exactly the chunks the
        /// same sprints decoded would be: the chunks they miss kept, a chunk that grows to
        /// twice the size split, and none of it decoding the sprints whole.
        #[test]
        fn upserts_over_cached_sprints_write_the_chunks_decoded_sprints_would(
            first in 1usize..700,
            upserts in proptest::collection::vec((0usize..1_000, proptest::bool::ANY), 1..300),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let objects = Objects::new(dir.path());
            let id = |n: usize| format!("S{n:04}");
            let meta = meta_of((0..first).map(|n| id(n * 7 % 1_000)), "Planned");
            let files = write_meta(&objects, &meta, None, &mut Vec::new()).unwrap();
            forget_parsed();
            let parts = parsed_meta(&objects, files[0]).unwrap();
            let mut over = Meta::clone(&parts.meta);
            for (n, renamed) in upserts {
                over.upsert_sprint(sprint(&id(n), if renamed { "Renamed" } else { "Planned" }));
            }
            let source: Arc<dyn SprintSource> = parts.sprints.clone();
            let changed = over.sprints.changes_over(&source).expect("upserts over the source");
            let fast = chunks_with_upserts(&objects, &parts, changed).unwrap();
            proptest::prop_assert!(!over.sprints.is_decoded() && !parts.meta.sprints.is_decoded());
            let mut decoded = over.clone();
            let _ = &mut *decoded.sprints;
            proptest::prop_assert!(decoded.sprints.changes_over(&source).is_none());
            let slow = chunks_compared(&objects, &decoded, Some(&parts)).unwrap();
            proptest::prop_assert_eq!(&fast, &slow);
            let kept = fast.iter().filter(|r| parts.chunks.contains(r)).count();
            proptest::prop_assert!(kept + changed.len() >= parts.chunks.len(), "a chunk no upsert falls in is kept");
        }

        /// Whatever a run of writes does to the sprints (adds in clusters, renames, removals),
        /// each write's chunks read back as its sprints, stay in id order, and none is empty or
        /// holds twice the chunk size; a chunk none of whose sprints changed is kept.
        #[test]
        fn sprint_chunks_follow_every_write(
            first in 0usize..700,
            writes in proptest::collection::vec(
                (0u8..3, 0usize..1_000, 1usize..150),
                1..8,
            ),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let objects = Objects::new(dir.path());
            let id = |n: usize| format!("S{n:04}");
            let mut meta = meta_of((0..first).map(|n| id(n * 7 % 1_000)), "Planned");
            let mut replaced = Vec::new();
            let mut files = write_meta(&objects, &meta, None, &mut replaced).unwrap();
            for (kind, at, count) in writes {
                let before = parsed_meta(&objects, files[0]).unwrap();
                let ids: Vec<String> = (at..at + count).map(id).collect();
                for n in &ids {
                    match kind {
                        0 => {
                            meta.sprints.insert(n.clone(), sprint(n, "Added"));
                        }
                        1 => {
                            if let Some(s) = meta.sprints.get_mut(n) {
                                s.title = format!("Renamed {n}");
                            }
                        }
                        _ => {
                            meta.sprints.remove(n);
                        }
                    }
                }
                files = write_meta(&objects, &meta, Some(files[0]), &mut replaced).unwrap();
                let after = parsed_meta(&objects, files[0]).unwrap();
                proptest::prop_assert_eq!(&after.meta.sprints, &meta.sprints);
                let mut start = 0;
                for (c, size) in after.sizes.iter().enumerate() {
                    proptest::prop_assert!(*size > 0 && *size < 2 * SPRINT_CHUNK, "chunk {} holds {}", c, size);
                    // A chunk the write kept holds exactly what it held.
                    if let Some(b) = before.chunks.iter().position(|r| *r == after.chunks[c]) {
                        let held: usize = before.sizes[..b].iter().sum();
                        let was: Vec<_> = before.meta.sprints.values().skip(held).take(before.sizes[b]).collect();
                        let now: Vec<_> = after.meta.sprints.values().skip(start).take(*size).collect();
                        proptest::prop_assert_eq!(was, now);
                    }
                    start += size;
                }
            }
        }
    }

    #[test]
    fn a_damaged_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let mut index = Index::default();
        index.upsert_mission(entry("A", vec![]));
        let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        save_index(
            &path,
            tree,
            &index,
            &Digest::of(&index),
            &Windows::default(),
            None,
        );
        assert!(load(&path).unwrap().missions.all().is_some());
        let head = path.join(HEAD);
        let mut bytes = std::fs::read(&head).unwrap();
        bytes.truncate(bytes.len() - 1);
        std::fs::write(&head, &bytes).unwrap();
        assert!(load(&path).is_none(), "a torn manifest");
        std::fs::write(&head, b"cmos index cache 1\n").unwrap();
        assert!(load(&path).is_none(), "another version");
        // A manifest naming a file that is gone: the cache loads, the missions do not.
        save_index(
            &path,
            tree,
            &index,
            &Digest::of(&index),
            &Windows::default(),
            None,
        );
        for shelf in std::fs::read_dir(&path).unwrap().flatten() {
            if shelf.file_name().to_str().unwrap().starts_with('g') {
                std::fs::remove_dir_all(shelf.path()).unwrap();
            }
        }
        let cached = load(&path).expect("the manifest and meta records are there");
        assert!(cached.missions.all().is_none());
        assert!(cached.missions.get("A").is_none());
    }

    /// A writer killed midway leaves its files cut at their content names (they are written
    /// in place) and no manifest naming them: the next save of that index writes them whole,
    /// and the cache reads back.
    #[test]
    fn files_a_killed_writer_left_cut_are_written_whole_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let mut index = Index::default();
        for i in 0..300 {
            index.upsert_mission(entry(&format!("M{i}"), vec![]));
        }
        let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let save = || {
            let digest = Digest::of(&index);
            save_index(&path, tree, &index, &digest, &Windows::default(), None);
        };
        save();
        let mut cut = 0;
        let shelves = std::fs::read_dir(&path).unwrap().flatten();
        for shelf in shelves.filter(|s| s.path().is_dir()) {
            for file in std::fs::read_dir(shelf.path()).unwrap().flatten() {
                let bytes = std::fs::read(file.path()).unwrap();
                std::fs::write(file.path(), &bytes[..bytes.len() / 2]).unwrap();
                cut += 1;
            }
        }
        assert!(cut > 4, "buckets, fanout files and meta records: {cut}");
        std::fs::remove_file(path.join(HEAD)).unwrap();
        assert!(load(&path).is_none());
        save();
        let cached = load(&path).expect("the cache loads");
        assert_eq!(cached.missions.all().unwrap(), index.missions);
    }

    #[test]
    fn collecting_keeps_every_file_a_manifest_names_the_counts_per_sprint_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let mut index = Index::default();
        for i in 0..300 {
            let mut m = entry(&format!("M{i}"), vec![]);
            m.sprint = Some(format!("S{i:03}"));
            index.upsert_mission(m);
        }
        let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        let digest = Digest::of(&index);
        save_index(&path, tree, &index, &digest, &Windows::default(), None);
        let cached = load(&path).unwrap();
        let b = &cached.missions;
        assert!(
            b.digest.counts.len() >= 2,
            "the counts of 300 sprints are in chunks"
        );
        let counts: Vec<Ref> = b.digest.counts.iter().map(|c| c.file).collect();
        let mut meta_files = parsed_meta(&b.objects, b.meta).unwrap().chunks.clone();
        meta_files.insert(0, b.meta);
        // Every file old enough to collect, were it not named.
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for file in walkdir::WalkDir::new(&path).into_iter().flatten() {
            if file.file_type().is_file() {
                let f = std::fs::OpenOptions::new().write(true).open(file.path());
                f.unwrap().set_modified(long_ago).unwrap();
            }
        }
        for _ in 0..100 {
            collect_some(&b.objects, &b.groups, &meta_files, &counts);
        }
        forget_parsed();
        let again = load(&path).expect("nothing the manifest names was collected");
        assert_eq!(*again.digest, digest);
        assert_eq!(again.missions.all().unwrap(), index.missions);
    }
}
