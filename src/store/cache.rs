//! The index cache under `<common-dir>/cmos/`, keyed by the tree it was built from, so a
//! command reads one file instead of every record. Any failure just means a rebuild.
//!
//! Layout: a header line (the cache version), the tree id, the meta records (JSON, they carry
//! free-form TOML tables), the digest (JSON, small), the first missions of each open status in
//! the order of work, then the mission summaries with the links pointing at them, split into buckets
//! by a hash of the mission id (postcard's compact binary form). A command that needs one
//! mission decodes one bucket; only commands that need every mission decode them all.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::index::{Index, Meta, MissionEntry, Missions};
use crate::lifecycle::Windows;
use crate::model::{DepType, fnv1a};

/// Changed whenever the cached shape changes; a cache with another header is ignored.
const HEADER: &str = concat!(
    "cmos index cache 12 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

/// About this many missions share a bucket.
const BUCKET_SIZE: usize = 32;

/// How many buckets `missions` missions get. A write keeps the count it found while that stays
/// within a factor of two of the ideal, so it can copy the buckets it did not touch.
pub fn bucket_count(missions: usize, previous: Option<usize>) -> usize {
    let ideal = (missions / BUCKET_SIZE).max(1);
    match previous {
        Some(p) if p >= ideal / 2 && p <= ideal * 2 => p,
        _ => ideal,
    }
}

/// A mission summary and the links that point at it, as stored.
#[derive(Serialize)]
pub struct StoredRef<'a> {
    pub entry: &'a MissionEntry,
    pub dependents: Vec<(&'a str, DepType)>,
}

/// The same, read back without copying the dependents' ids.
#[derive(Deserialize)]
struct Stored<'a> {
    entry: MissionEntry,
    #[serde(borrow)]
    dependents: Vec<(&'a str, DepType)>,
}

/// The same, when only the summary is wanted: the dependents are read past, not kept.
#[derive(Deserialize)]
struct EntryOnly {
    entry: MissionEntry,
    #[serde(rename = "dependents")]
    _dependents: SkipLinks,
}

/// Reads past a list of links without allocating anything for it.
struct SkipLinks;

impl<'de> Deserialize<'de> for SkipLinks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SkipLinks;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of links")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<SkipLinks, A::Error> {
                while seq.next_element::<(&'de str, DepType)>()?.is_some() {}
                Ok(SkipLinks)
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// A cache file that matched the header: the small parts decoded, the missions not yet.
pub struct Cached {
    pub tree: ObjectId,
    pub meta: Meta,
    pub digest: Digest,
    pub missions: Buckets,
}

/// The mission sections of a cache file, decoded on demand.
pub struct Buckets {
    bytes: Vec<u8>,
    /// Where the windows of the open missions are in `bytes`.
    windows: (usize, usize),
    /// Where each bucket starts and ends in `bytes`.
    ranges: Vec<(usize, usize)>,
}

/// A mission and the links from other missions to it.
pub type EntryWithDependents = (MissionEntry, Vec<(String, DepType)>);

impl Buckets {
    /// Every mission, or None if the section is damaged.
    pub fn all(&self) -> Option<Missions> {
        let expected = self.ranges.len() * BUCKET_SIZE * 5 / 4;
        let mut missions = Missions::with_capacity_and_hasher(expected, Default::default());
        for (start, end) in &self.ranges {
            let entries: Vec<EntryOnly> =
                postcard::from_bytes(self.bytes.get(*start..*end)?).ok()?;
            for EntryOnly { entry, .. } in entries {
                missions.insert(entry.id.clone(), entry);
            }
        }
        Some(missions)
    }

    /// One mission and its dependents: Some(None) if there is no such mission, None if the
    /// section is damaged.
    pub fn get(&self, id: &str) -> Option<Option<EntryWithDependents>> {
        let entries = self.entries(bucket_of(id, self.ranges.len()))?;
        Some(entries.into_iter().find(|(m, _)| m.id == id))
    }

    fn bucket(&self, (start, end): (usize, usize)) -> Option<Vec<Stored<'_>>> {
        postcard::from_bytes(self.bytes.get(start..end)?).ok()
    }

    pub fn count(&self) -> usize {
        self.ranges.len()
    }

    /// Every mission of bucket `b` with its dependents, or None if the bucket is damaged.
    pub fn entries(&self, b: usize) -> Option<Vec<EntryWithDependents>> {
        let stored = self.bucket(*self.ranges.get(b)?)?;
        Some(
            stored
                .into_iter()
                .map(|s| {
                    let dependents = s
                        .dependents
                        .iter()
                        .map(|(f, k)| (f.to_string(), *k))
                        .collect();
                    (s.entry, dependents)
                })
                .collect(),
        )
    }

    /// The encoded bytes of bucket `b`, to copy into a new cache unchanged.
    pub fn raw(&self, b: usize) -> &[u8] {
        let (start, end) = self.ranges[b];
        &self.bytes[start..end]
    }

    /// The first open missions of each status, in the order of work.
    pub fn windows(&self) -> Option<Windows> {
        let (start, end) = self.windows;
        postcard::from_bytes(self.bytes.get(start..end)?).ok()
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

/// The cache, if one exists with this version's header.
pub fn load(path: &Path) -> Option<Cached> {
    let bytes = std::fs::read(path).ok()?;
    let mut at = HEADER.len();
    if !bytes.starts_with(HEADER.as_bytes()) {
        return None;
    }
    let newline = at + bytes[at..].iter().position(|b| *b == b'\n')?;
    let tree = ObjectId::from_hex(&bytes[at..newline]).ok()?;
    at = newline + 1;
    let meta: Meta = serde_json::from_slice(section(&bytes, &mut at)?).ok()?;
    let digest: Digest = serde_json::from_slice(section(&bytes, &mut at)?).ok()?;
    let keys_start = at + 8;
    section(&bytes, &mut at)?;
    let windows = (keys_start, at);
    let count = u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?) as usize;
    at += 8;
    let mut lengths = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        lengths.push(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?) as usize);
        at += 8;
    }
    let ranges = lengths
        .into_iter()
        .map(|len| {
            let range = (at, at + len);
            at += len;
            range
        })
        .collect();
    if at != bytes.len() {
        return None;
    }
    Some(Cached {
        tree,
        meta,
        digest,
        missions: Buckets {
            bytes,
            windows,
            ranges,
        },
    })
}

/// Buckets of the cache a write started from, reusable as they are where no mission in them
/// (or linked to them) changed: a write then re-encodes a few buckets, not the whole cache.
pub struct Reuse<'a> {
    pub buckets: &'a Buckets,
    /// Ids of the missions whose summaries or links to them changed.
    pub changed: &'a HashSet<String>,
}

/// Encodes one bucket: its missions in id order, each with the links pointing at it.
pub fn encode_bucket(mut stored: Vec<StoredRef<'_>>) -> Option<Vec<u8>> {
    stored.sort_by(|a, b| a.entry.id.cmp(&b.entry.id));
    for s in &mut stored {
        s.dependents.sort();
    }
    postcard::to_allocvec(&stored).ok()
}

/// Caches the full `index` of `tree`, copying the buckets of `reuse` that nothing changed.
pub fn save_index(
    path: &Path,
    tree: ObjectId,
    index: &Index,
    digest: &Digest,
    windows: &Windows,
    reuse: Option<Reuse<'_>>,
) {
    let count = bucket_count(
        index.missions.len(),
        reuse.as_ref().map(|r| r.buckets.count()),
    );
    let reuse = reuse.filter(|r| r.buckets.count() == count);
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
    let mut dependents: HashMap<&str, Vec<(&str, DepType)>> = HashMap::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            if dirty[bucket_of(on, count)] {
                dependents.entry(on).or_default().push((&m.id, *kind));
            }
        }
    }
    let mut fresh: Vec<Vec<StoredRef<'_>>> = (0..count).map(|_| Vec::new()).collect();
    for m in index.missions.values() {
        let bucket = bucket_of(&m.id, count);
        if dirty[bucket] {
            let links = dependents.remove(m.id.as_str()).unwrap_or_default();
            fresh[bucket].push(StoredRef {
                entry: m,
                dependents: links,
            });
        }
    }
    let mut buckets: Vec<Cow<'_, [u8]>> = Vec::with_capacity(count);
    for (b, stored) in fresh.into_iter().enumerate() {
        match &reuse {
            Some(r) if !dirty[b] => buckets.push(r.buckets.raw(b).into()),
            _ => match encode_bucket(stored) {
                Some(bytes) => buckets.push(bytes.into()),
                None => return,
            },
        }
    }
    write(path, tree, &index.meta, digest, windows, &buckets);
}

/// Replaces the cache atomically. Failing to cache is not an error: the next command rebuilds.
pub fn write(
    path: &Path,
    tree: ObjectId,
    meta: &Meta,
    digest: &Digest,
    windows: &Windows,
    buckets: &[Cow<'_, [u8]>],
) {
    let parts = (
        serde_json::to_vec(meta),
        serde_json::to_vec(digest),
        postcard::to_allocvec(windows),
    );
    let (Ok(meta), Ok(digest), Ok(keys)) = parts else {
        return;
    };
    // Streamed to the file: at 10,000 missions the buckets are a megabyte not worth copying.
    let _ = super::local::replace_with(path, |out| {
        out.write_all(HEADER.as_bytes())?;
        out.write_all(tree.to_string().as_bytes())?;
        out.write_all(b"\n")?;
        for part in [&meta, &digest, &keys] {
            out.write_all(&(part.len() as u64).to_le_bytes())?;
            out.write_all(part)?;
        }
        out.write_all(&(buckets.len() as u64).to_le_bytes())?;
        for bucket in buckets {
            out.write_all(&(bucket.len() as u64).to_le_bytes())?;
        }
        for bucket in buckets {
            out.write_all(bucket)?;
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let path = dir.path().join("cache");
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
        assert_eq!(cached.digest, digest);
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

    #[test]
    fn a_damaged_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
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
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 1);
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(&path).is_none());
        std::fs::write(&path, b"cmos index cache 1\n").unwrap();
        assert!(load(&path).is_none());
    }
}
