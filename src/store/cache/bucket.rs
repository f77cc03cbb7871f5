//! One bucket of cached missions. A directory of ids and statuses comes before the entries, so
//! finding a mission decodes its entry alone and asking for a status decodes no entry: a
//! write that looks up the prerequisites of a few dozen open missions reads a byte or a few
//! hundred from each bucket instead of decoding every mission in it.
//!
//! Layout: postcard's `Vec<(id, status, length of the entry)>` in id order, then each entry
//! (postcard's `(summary, links pointing at it)`) in the same order.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::index::MissionEntry;
use crate::model::{DepType, Status};

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

/// The same, when only the summary is wanted: the links are not read at all.
#[derive(Deserialize)]
struct EntryOnly {
    entry: MissionEntry,
}

/// A mission and the links from other missions to it.
pub type EntryWithDependents = (MissionEntry, Vec<(String, DepType)>);

/// A link into a bucket: the mission it points at, the mission it is from, and its type.
pub type IncomingLink<'a> = (&'a str, &'a str, DepType);

/// The missions of one bucket in id order, each with the links that point at it (in the
/// order `encode` wants them); links to a mission not among them are passed over.
pub fn joined<'a>(
    mut missions: Vec<&'a MissionEntry>,
    mut links: Vec<IncomingLink<'a>>,
) -> Vec<StoredRef<'a>> {
    missions.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    links.sort_unstable();
    let mut links = links.into_iter().peekable();
    (missions.into_iter())
        .map(|entry| {
            while links
                .next_if(|(to, _, _)| *to < entry.id.as_str())
                .is_some()
            {}
            let mut dependents = Vec::new();
            while let Some((_, from, kind)) = links.next_if(|(to, _, _)| *to == entry.id) {
                dependents.push((from, kind));
            }
            StoredRef { entry, dependents }
        })
        .collect()
}

/// About the size of an encoded summary without links: room made for them up front.
const ENTRY_BYTES: usize = 64;

/// Encodes one bucket: its missions in id order, each with the links pointing at it (sorted,
/// so that equal buckets encode to equal bytes and an unchanged bucket keeps its file).
pub fn encode(stored: Vec<StoredRef<'_>>) -> Option<Vec<u8>> {
    let (stored, entries) = encoded_apart(stored)?;
    let places = stored.iter().zip(&entries.places);
    let directory = places.map(|(s, place)| (s.entry.id.as_str(), s.entry.status, place.clone()));
    assemble(directory, |place| &entries.bytes[place])
}

/// Entries encoded one after the other into one buffer, and where each is in it. (A buffer
/// of its own for each, grown as it was written and then copied into the bucket, took a
/// sixth of the cache thread's samples for 100,000 missions.)
struct Encoded {
    bytes: Vec<u8>,
    places: Vec<Range<usize>>,
}

/// `stored` in id order, each with its links sorted, and their entries encoded.
fn encoded_apart(mut stored: Vec<StoredRef<'_>>) -> Option<(Vec<StoredRef<'_>>, Encoded)> {
    stored.sort_by(|a, b| a.entry.id.cmp(&b.entry.id));
    for s in &mut stored {
        s.dependents.sort();
    }
    let mut bytes = Vec::with_capacity(stored.len() * ENTRY_BYTES);
    let mut places = Vec::with_capacity(stored.len());
    for s in &stored {
        let start = bytes.len();
        bytes = postcard::to_extend(s, bytes).ok()?;
        places.push(start..bytes.len());
    }
    Some((stored, Encoded { bytes, places }))
}

/// A bucket's bytes from its directory in id order, each entry given by where `bytes_of` finds
/// it: the directory of (id, status, length), then the entries.
fn assemble<'b, P>(
    directory: impl ExactSizeIterator<Item = (&'b str, Status, P)>,
    bytes_of: impl Fn(P) -> &'b [u8],
) -> Option<Vec<u8>> {
    let mut listed = Vec::with_capacity(directory.len());
    let mut entries: Vec<&[u8]> = Vec::with_capacity(directory.len());
    for (id, status, place) in directory {
        let bytes = bytes_of(place);
        listed.push((id, status, u32::try_from(bytes.len()).ok()?));
        entries.push(bytes);
    }
    let mut out = postcard::to_allocvec(&listed).ok()?;
    out.reserve(entries.iter().map(|e| e.len()).sum());
    for entry in entries {
        out.extend_from_slice(entry);
    }
    Some(out)
}

/// Where an entry of a spliced bucket is: among the old bucket's bytes, or the fresh ones.
enum Spliced {
    Kept(Range<usize>),
    Fresh(Range<usize>),
}

/// `bucket` with `fresh` (missions with the links into them) in place of its entries of the
/// same ids, or beside them, and every other entry copied as it is: the bytes `encode` makes
/// of the whole, for the price of encoding the fresh ones alone. A write touches a mission
/// or two of a bucket; decoding and encoding the rest of it was most of saving the cache.
pub fn splice(bucket: &Bucket, fresh: Vec<StoredRef<'_>>) -> Option<Vec<u8>> {
    let (fresh, encoded) = encoded_apart(fresh)?;
    let mut new = fresh.iter().zip(&encoded.places).peekable();
    let mut old = bucket.slots.iter().peekable();
    // The two lists merged by id; a fresh entry replaces an old one of its id.
    let mut directory: Vec<(&str, Status, Spliced)> =
        Vec::with_capacity(bucket.slots.len() + fresh.len());
    loop {
        let old_id = old.peek().map(|slot| &bucket.bytes[slot.id.clone()]);
        let new_id = new.peek().map(|(s, _)| s.entry.id.as_bytes());
        let old_first = match (old_id, new_id) {
            (None, None) => break,
            (Some(o), Some(n)) => o < n,
            (old_only, _) => old_only.is_some(),
        };
        if old_first {
            let slot = old.next()?;
            let id = std::str::from_utf8(&bucket.bytes[slot.id.clone()]).ok()?;
            directory.push((id, slot.status, Spliced::Kept(slot.entry.clone())));
        } else {
            if old_id == new_id {
                old.next();
            }
            let (s, place) = new.next()?;
            let entry = Spliced::Fresh(place.clone());
            directory.push((s.entry.id.as_str(), s.entry.status, entry));
        }
    }
    assemble(directory.into_iter(), |at| match at {
        Spliced::Kept(place) => &bucket.bytes[place],
        Spliced::Fresh(place) => &encoded.bytes[place],
    })
}

/// Where one mission is in a bucket's bytes.
struct Slot {
    id: Range<usize>,
    status: Status,
    entry: Range<usize>,
}

/// A bucket read from its file: the directory decoded, the entries as they are.
pub struct Bucket {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

/// Reads the directory of a bucket's `bytes`. None unless the ids are in strict order and
/// the entries fill the rest of the bytes exactly.
fn slots(bytes: &[u8]) -> Option<Vec<Slot>> {
    let (directory, rest): (Vec<(&str, Status, u32)>, &[u8]) =
        postcard::take_from_bytes(bytes).ok()?;
    let base = bytes.as_ptr() as usize;
    let mut at = bytes.len() - rest.len();
    let mut slots = Vec::with_capacity(directory.len());
    let mut previous: Option<&str> = None;
    for (id, status, len) in directory {
        if previous.is_some_and(|p| p >= id) {
            return None;
        }
        previous = Some(id);
        // The id borrows from `bytes`: its place there is its distance from the start.
        let start = id.as_ptr() as usize - base;
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        slots.push(Slot {
            id: start..start + id.len(),
            status,
            entry: at..end,
        });
        at = end;
    }
    (at == bytes.len()).then_some(slots)
}

/// The summary of the entry at `range` of a bucket's bytes, its links left unread.
fn summary_at(bytes: &[u8], range: Range<usize>) -> Option<MissionEntry> {
    let only: EntryOnly = postcard::from_bytes(bytes.get(range)?).ok()?;
    Some(only.entry)
}

/// Every mission's summary in a bucket's `bytes` (as `encode` made them), each None if it
/// does not decode; None if the bucket does not: `Bucket::summaries` over borrowed bytes.
pub fn summaries_of(bytes: &[u8]) -> Option<impl Iterator<Item = Option<MissionEntry>> + '_> {
    let slots = slots(bytes)?;
    Some((slots.into_iter()).map(|slot| summary_at(bytes, slot.entry)))
}

impl Bucket {
    /// Reads the directory of `bytes` (see `slots`).
    pub fn parse(bytes: Vec<u8>) -> Option<Bucket> {
        let slots = slots(&bytes)?;
        Some(Bucket { bytes, slots })
    }

    fn slot(&self, id: &str) -> Option<&Slot> {
        let found = self
            .slots
            .binary_search_by(|s| self.bytes[s.id.clone()].cmp(id.as_bytes()));
        found.ok().map(|i| &self.slots[i])
    }

    /// The status of mission `id`, or None if the bucket has no such mission.
    pub fn status(&self, id: &str) -> Option<Status> {
        self.slot(id).map(|s| s.status)
    }

    /// Mission `id` and its dependents: Some(None) if there is no such mission, None if its
    /// entry does not decode.
    pub fn get(&self, id: &str) -> Option<Option<EntryWithDependents>> {
        match self.slot(id) {
            Some(slot) => self.decode(slot).map(Some),
            None => Some(None),
        }
    }

    fn decode(&self, slot: &Slot) -> Option<EntryWithDependents> {
        let stored: Stored<'_> = postcard::from_bytes(&self.bytes[slot.entry.clone()]).ok()?;
        let dependents = stored
            .dependents
            .iter()
            .map(|(from, kind)| (from.to_string(), *kind))
            .collect();
        Some((stored.entry, dependents))
    }

    /// Every mission with its dependents, or None if an entry does not decode.
    #[cfg(test)]
    pub fn entries(&self) -> Option<Vec<EntryWithDependents>> {
        self.slots.iter().map(|slot| self.decode(slot)).collect()
    }

    /// Every mission's summary without its links, or None if an entry does not decode.
    pub fn summaries(&self) -> impl Iterator<Item = Option<MissionEntry>> + '_ {
        (self.slots.iter()).map(|slot| summary_at(&self.bytes, slot.entry.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, status: Status) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 0,
            name: format!("Mission {id}"),
            status,
            sprint: Some("S1".into()),
            rank: None,
            depends: vec![("M0".into(), DepType::Requires)],
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    /// Joining a bucket's missions with the links into it gives each mission exactly the
    /// links that name it, sorted, and the missions in id order, whatever order both come
    /// in: links to missions elsewhere, repeated links and links from a mission to itself
    /// included.
    #[test]
    fn joined_missions_hold_exactly_the_links_that_name_them() {
        let ids = ["M3", "M10", "A", "M1", "Z", "M2"];
        let missions: Vec<MissionEntry> = ids.iter().map(|id| entry(id, Status::Queued)).collect();
        let kinds = [DepType::Blocks, DepType::Requires, DepType::Blocks];
        let mut links: Vec<IncomingLink<'_>> = Vec::new();
        for (n, from) in ids.iter().enumerate() {
            for (k, to) in ids.iter().chain(&["elsewhere", "M", "M30"]).enumerate() {
                if (n * 7 + k * 3) % 4 != 0 {
                    links.push((to, from, kinds[(n + k) % 3]));
                }
            }
        }
        links.push(("M1", "A", DepType::Blocks));
        links.push(("M1", "A", DepType::Blocks));
        links.reverse();
        let stored = joined(missions.iter().rev().collect(), links.clone());
        let mut sorted_ids: Vec<&str> = ids.to_vec();
        sorted_ids.sort();
        let got: Vec<&str> = stored.iter().map(|s| s.entry.id.as_str()).collect();
        assert_eq!(got, sorted_ids);
        for stored in &stored {
            let mut expected: Vec<(&str, DepType)> = (links.iter())
                .filter(|(to, _, _)| *to == stored.entry.id)
                .map(|&(_, from, kind)| (from, kind))
                .collect();
            expected.sort();
            assert_eq!(stored.dependents, expected, "{}", stored.entry.id);
        }
        assert!(joined(Vec::new(), links).is_empty());
    }

    fn encoded(missions: &[MissionEntry]) -> Vec<u8> {
        let stored = missions
            .iter()
            .map(|m| StoredRef {
                entry: m,
                dependents: vec![("Z9", DepType::Blocks), ("A1", DepType::Requires)],
            })
            .collect();
        encode(stored).unwrap()
    }

    #[test]
    fn a_lookup_finds_each_mission_and_its_status_and_nothing_else() {
        let missions: Vec<MissionEntry> = (0..70)
            .rev()
            .map(|i| entry(&format!("M{i}"), Status::ALL[i % Status::ALL.len()]))
            .collect();
        let bucket = Bucket::parse(encoded(&missions)).unwrap();
        for m in &missions {
            assert_eq!(bucket.status(&m.id), Some(m.status));
            let (found, links) = bucket.get(&m.id).unwrap().unwrap();
            assert_eq!(found, *m);
            // Sorted on the way in.
            assert_eq!(
                links,
                vec![
                    ("A1".into(), DepType::Requires),
                    ("Z9".into(), DepType::Blocks)
                ]
            );
        }
        assert_eq!(bucket.status("M70"), None);
        assert!(bucket.get("M").unwrap().is_none());
        let all = bucket.entries().unwrap();
        assert_eq!(all.len(), 70);
        assert!(all.windows(2).all(|w| w[0].0.id < w[1].0.id));
        let summaries: Option<Vec<MissionEntry>> = bucket.summaries().collect();
        assert_eq!(summaries.unwrap().len(), 70);
    }

    /// The layout the module states, byte for byte: the directory, then each entry's own
    /// postcard form, in id order (caches written before and after keep the same files).
    #[test]
    fn a_bucket_is_its_directory_then_its_entries() {
        let missions: Vec<MissionEntry> = ["M2", "M10", "M1"]
            .iter()
            .map(|id| entry(id, Status::Queued))
            .collect();
        let mut sorted: Vec<&MissionEntry> = missions.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let links = vec![("A1", DepType::Requires), ("Z9", DepType::Blocks)];
        let each: Vec<Vec<u8>> = (sorted.iter())
            .map(|m| {
                let stored = StoredRef {
                    entry: m,
                    dependents: links.clone(),
                };
                postcard::to_allocvec(&stored).unwrap()
            })
            .collect();
        let directory: Vec<(&str, Status, u32)> = (sorted.iter().zip(&each))
            .map(|(m, bytes)| (m.id.as_str(), m.status, bytes.len() as u32))
            .collect();
        let mut expected = postcard::to_allocvec(&directory).unwrap();
        each.iter()
            .for_each(|bytes| expected.extend_from_slice(bytes));
        assert_eq!(encoded(&missions), expected);
    }

    #[test]
    fn an_empty_bucket_reads_as_empty() {
        let bucket = Bucket::parse(encode(Vec::new()).unwrap()).unwrap();
        assert_eq!(bucket.status("M1"), None);
        assert_eq!(bucket.entries().unwrap().len(), 0);
    }

    #[test]
    fn damaged_buckets_are_refused_or_read_as_damaged() {
        let missions = [entry("A", Status::Queued), entry("B", Status::Completed)];
        let good = encoded(&missions);
        // Cut short, or with bytes after the last entry: the lengths no longer add up.
        for n in 0..good.len() {
            assert!(Bucket::parse(good[..n].to_vec()).is_none(), "cut at {n}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(Bucket::parse(longer).is_none());
        // Ids out of order would make the lookup miss missions that are there.
        let swapped = [entry("B", Status::Queued), entry("A", Status::Completed)];
        let stored = swapped
            .iter()
            .map(|m| StoredRef {
                entry: m,
                dependents: Vec::new(),
            })
            .collect::<Vec<_>>();
        let entries: Vec<Vec<u8>> = stored
            .iter()
            .map(|s| postcard::to_allocvec(s).unwrap())
            .collect();
        let directory: Vec<(&str, Status, u32)> = swapped
            .iter()
            .zip(&entries)
            .map(|(m, e)| (m.id.as_str(), m.status, e.len() as u32))
            .collect();
        let mut unordered = postcard::to_allocvec(&directory).unwrap();
        unordered.extend(entries.concat());
        assert!(Bucket::parse(unordered).is_none());
        // An entry whose bytes are garbage is found but does not decode.
        let mut garbled = good.clone();
        let last = garbled.len() - 1;
        garbled[last] = 0xff;
        let bucket = Bucket::parse(garbled).unwrap();
        assert!(bucket.get("B").is_none());
        assert!(bucket.entries().is_none());
        assert_eq!(bucket.status("A"), Some(Status::Queued));
    }

    /// A bucket spliced with fresh entries (replacing some, adding others, in any order)
    /// is byte for byte the bucket `encode` makes of the whole.
    mod spliced {
        use super::*;
        use proptest::prelude::*;

        fn stored_of(entries: &[(MissionEntry, Vec<(String, DepType)>)]) -> Vec<StoredRef<'_>> {
            (entries.iter())
                .map(|(m, links)| StoredRef {
                    entry: m,
                    dependents: links.iter().map(|(f, k)| (f.as_str(), *k)).collect(),
                })
                .collect()
        }

        fn mission(n: u8, version: u8) -> (MissionEntry, Vec<(String, DepType)>) {
            let mut m = entry(&format!("M{n}"), Status::Queued);
            m.name = format!("Mission {n} v{version}");
            m.rank = version.is_multiple_of(3).then_some(i64::from(version));
            m.status =
                [Status::Queued, Status::Completed, Status::Blocked][usize::from(version % 3)];
            let links = (0..version % 4)
                .map(|k| (format!("L{}", (n ^ k) % 5), DepType::Blocks))
                .collect();
            (m, links)
        }

        proptest! {
            #[test]
            fn splicing_gives_the_bytes_of_encoding_the_whole(
                old in proptest::collection::btree_map(0u8..40, 0u8..8, 0..30),
                fresh in proptest::collection::btree_map(0u8..40, 8u8..16, 0..10),
                reverse in any::<bool>(),
            ) {
                let before: Vec<_> = old.iter().map(|(&n, &v)| mission(n, v)).collect();
                let bucket = Bucket::parse(encode(stored_of(&before)).unwrap()).unwrap();
                let mut new: Vec<_> = fresh.iter().map(|(&n, &v)| mission(n, v)).collect();
                if reverse {
                    new.reverse();
                }
                let mut whole = old.clone();
                whole.extend(&fresh);
                let after: Vec<_> = whole.iter().map(|(&n, &v)| mission(n, v)).collect();
                prop_assert_eq!(
                    splice(&bucket, stored_of(&new)).unwrap(),
                    encode(stored_of(&after)).unwrap()
                );
            }
        }
    }
}
