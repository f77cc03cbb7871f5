//! One object read from the repository's packs, its pack index read only where the lookup
//! lands.
//!
//! gix loads a pack's index on the first lookup in it, and loading one checks the index's size
//! by reading every entry of its offset table: four bytes per object of the repository, the
//! project's own history included. In a clone of 100,000 missions that was 0.7 million
//! instructions and half a millisecond in every command that read a record from a pack; with a
//! pack of 2,000,000 other objects beside it, `mission show` went from 5.9 to 7.9 ms. Here an
//! index is read with positioned reads: its fan-out table, the few ids a binary search visits,
//! and the one offset it finds. Everything this lookup does not find, or does not read cleanly
//! (an index of another version, a base in another pack, a damaged entry), is left to gix,
//! which reads it as before and reports what is wrong.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use gix::ObjectId;
use gix::odb::pack::data;
use gix::odb::pack::data::decode::{entry, header};

/// An object read from a pack: its kind and content.
pub struct Found {
    pub kind: gix::object::Kind,
    pub data: Vec<u8>,
}

/// What a lookup read, when it found the object: the object, or only its size when that is
/// over the caller's limit (nothing of that size is allocated).
pub enum Lookup {
    Found(Found),
    TooLarge { kind: gix::object::Kind, size: u64 },
}

/// How many objects a process reads this way before it leaves the rest to gix: a command that
/// reads many objects pays gix's index check once and then looks objects up in memory, where
/// this lookup makes a few system calls each.
const MOST_LOOKUPS: usize = 256;

/// Object `id` from the packs of `objects` (a repository's objects directory), None when this
/// lookup cannot answer (the caller then asks gix): the object is in no pack this process saw,
/// or past the first `MOST_LOOKUPS`. `max_size` bounds what is allocated. Loose files are
/// looked for first, by `one_object`.
pub fn find(objects: &Path, hash: gix::hash::Kind, id: &ObjectId, max_size: u64) -> Option<Lookup> {
    let packs = packs(objects, hash);
    let before = packs.lookups.fetch_add(1, Ordering::Relaxed);
    if before >= MOST_LOOKUPS {
        if before == MOST_LOOKUPS {
            close(objects);
        }
        return None;
    }
    for index in &packs.indexes {
        if let Some(offset) = index.offset_of(id) {
            return read_at(index, offset, hash, max_size);
        }
    }
    None
}

/// The packs of one objects directory as this process first saw them.
struct Packs {
    indexes: Vec<Index>,
    /// Lookups so far, bounded by `MOST_LOOKUPS`.
    lookups: AtomicUsize,
}

/// The packs of each objects directory this process looked objects up in.
static OPENED: Mutex<Vec<(PathBuf, Arc<Packs>)>> = Mutex::new(Vec::new());

/// The version-2 pack indexes of `objects`, opened once per process: a pack written after that
/// is not seen here, and its objects are read through gix. An index deleted meanwhile (by
/// git's `gc`) stays readable through its open file.
fn packs(objects: &Path, hash: gix::hash::Kind) -> Arc<Packs> {
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, found)) = opened.iter().find(|(dir, _)| dir == objects) {
        return found.clone();
    }
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(objects.join("pack")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "idx")
                && let Some(index) = Index::open(&path, hash)
            {
                found.push(index);
            }
        }
    }
    let packs = Arc::new(Packs {
        indexes: found,
        lookups: AtomicUsize::new(0),
    });
    opened.push((objects.to_path_buf(), packs.clone()));
    packs
}

/// Lets go of the indexes and packs of `objects` once their lookups are spent: a long-running
/// process (`cmos mcp`, the board) would otherwise keep files git's `gc` deleted on disk until
/// it exits. A lookup under way on another thread keeps its own until it ends.
fn close(objects: &Path) {
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, packs)) = opened.iter_mut().find(|(dir, _)| dir == objects) {
        *packs = Arc::new(Packs {
            indexes: Vec::new(),
            lookups: AtomicUsize::new(MOST_LOOKUPS + 1),
        });
    }
}

/// The start of a version-2 index: a signature, the version, then 256 cumulative counts.
const SIGNATURE: [u8; 4] = [0xff, b't', b'O', b'c'];
const FAN_OUT_AT: u64 = 8;
const IDS_AT: u64 = FAN_OUT_AT + 256 * 4;
/// A bucket of ids up to this size is read whole (a repository of 800,000 objects has buckets
/// of about 3,000 ids); a larger one is searched one id per read.
const MOST_BUCKET_BYTES: usize = 64 << 10;

/// One open pack index.
struct Index {
    file: File,
    pack: PathBuf,
    /// The pack's data, opened on the first object read from it.
    data: OnceLock<Option<data::File>>,
    fan_out: Box<[u32; 256]>,
    hash_len: u64,
    /// The number of objects, and the file's length, checked to hold every table.
    objects: u64,
    len: u64,
}

impl Index {
    fn open(path: &Path, hash: gix::hash::Kind) -> Option<Index> {
        let file = File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut start = [0u8; IDS_AT as usize];
        read_exact_at(&file, &mut start, 0)?;
        if start[..4] != SIGNATURE || start[4..8] != 2u32.to_be_bytes() {
            return None;
        }
        let mut fan_out = Box::new([0u32; 256]);
        for (i, count) in fan_out.iter_mut().enumerate() {
            let at = FAN_OUT_AT as usize + i * 4;
            *count = u32::from_be_bytes(start[at..at + 4].try_into().ok()?);
        }
        if fan_out.windows(2).any(|w| w[0] > w[1]) {
            return None;
        }
        let objects = u64::from(fan_out[255]);
        let hash_len = hash.len_in_bytes() as u64;
        // Ids, checksums and 32-bit offsets for every object, then the two trailing hashes.
        if len < IDS_AT + objects * (hash_len + 8) + 2 * hash_len {
            return None;
        }
        Some(Index {
            file,
            pack: path.with_extension("pack"),
            data: OnceLock::new(),
            fan_out,
            hash_len,
            objects,
            len,
        })
    }

    /// Where object `id` starts in the pack, if this index lists it.
    fn offset_of(&self, id: &ObjectId) -> Option<u64> {
        let first = usize::from(id.as_bytes()[0]);
        let mut low = if first == 0 {
            0
        } else {
            self.fan_out[first - 1]
        };
        let mut high = self.fan_out[first];
        let width = self.hash_len as usize;
        // Most buckets of ids sharing a first byte fit one small read.
        let bucket_bytes = (high - low) as usize * width;
        if bucket_bytes <= MOST_BUCKET_BYTES {
            let mut bucket = vec![0u8; bucket_bytes];
            read_exact_at(
                &self.file,
                &mut bucket,
                IDS_AT + u64::from(low) * self.hash_len,
            )?;
            let (mut from, mut to) = (0, bucket.len() / width);
            while from < to {
                let middle = from + (to - from) / 2;
                match bucket[middle * width..][..width].cmp(id.as_bytes()) {
                    std::cmp::Ordering::Less => from = middle + 1,
                    std::cmp::Ordering::Greater => to = middle,
                    std::cmp::Ordering::Equal => {
                        return self.offset_at(u64::from(low) + middle as u64);
                    }
                }
            }
            return None;
        }
        let mut listed = vec![0u8; width];
        while low < high {
            let middle = low + (high - low) / 2;
            read_exact_at(
                &self.file,
                &mut listed,
                IDS_AT + u64::from(middle) * self.hash_len,
            )?;
            match listed.as_slice().cmp(id.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return self.offset_at(u64::from(middle)),
            }
        }
        None
    }

    /// The pack offset of the object listed `n`th: a 32-bit entry, or with its top bit set, the
    /// place of a 64-bit one in the table after them.
    fn offset_at(&self, n: u64) -> Option<u64> {
        let offsets_at = IDS_AT + self.objects * (self.hash_len + 4);
        let mut small = [0u8; 4];
        read_exact_at(&self.file, &mut small, offsets_at + n * 4)?;
        let small = u32::from_be_bytes(small);
        if small & (1 << 31) == 0 {
            return Some(u64::from(small));
        }
        let large_at = offsets_at + self.objects * 4 + u64::from(small & !(1 << 31)) * 8;
        if large_at + 8 > self.len - 2 * self.hash_len {
            return None;
        }
        let mut large = [0u8; 8];
        read_exact_at(&self.file, &mut large, large_at)?;
        Some(u64::from_be_bytes(large))
    }
}

/// The object at `offset` of the pack beside `index`, its delta bases looked up in the same
/// pack; None where anything does not read cleanly.
fn read_at(index: &Index, offset: u64, hash: gix::hash::Kind, max_size: u64) -> Option<Lookup> {
    let pack = index
        .data
        .get_or_init(|| data::File::at(&index.pack, hash).ok())
        .as_ref()?;
    let at = |id: &gix::hash::oid| {
        let offset = index.offset_of(&id.to_owned())?;
        pack.entry(offset).ok()
    };
    super::one_object::with_inflate(|inflate| decode(pack, offset, inflate, &at, max_size))
}

/// The object at `offset` of `pack`, its bases found by `at`, inflated by `inflate`.
fn decode(
    pack: &data::File,
    offset: u64,
    inflate: &mut gix::zlib::Inflate,
    at: &dyn Fn(&gix::hash::oid) -> Option<data::Entry>,
    max_size: u64,
) -> Option<Lookup> {
    let entry = pack.entry(offset).ok()?;
    let resolve_header = |id: &gix::hash::oid| Ok(at(id).map(header::ResolvedBase::InPack));
    let outcome = pack
        .decode_header(entry.clone(), inflate, &resolve_header)
        .ok()?;
    if outcome.object_size > max_size {
        return Some(Lookup::TooLarge {
            kind: outcome.kind,
            size: outcome.object_size,
        });
    }
    let resolve =
        |id: &gix::hash::oid, _: &mut Vec<u8>| Ok(at(id).map(entry::ResolvedBase::InPack));
    let mut data = Vec::new();
    let decoded = pack
        .decode_entry(
            entry,
            &mut data,
            inflate,
            &resolve,
            &mut gix::odb::pack::cache::Never,
        )
        .ok()?;
    Some(Lookup::Found(Found {
        kind: decoded.kind,
        data,
    }))
}

/// Fills `buf` from `at` in `file`; None on a short file or a failed read.
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> Option<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, at).ok()
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let read =
                std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], at + done as u64)
                    .ok()?;
            if read == 0 {
                return None;
            }
            done += read;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests;
