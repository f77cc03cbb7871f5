//! The local cache of mission files `verify` found sound, `<common-dir>/cmos/verified`: each
//! file's summary keyed by its blob id. A blob id names its content, so an entry can never
//! stand for a file that changed (a changed or damaged file has another id and is read and
//! checked again), and verify stays as truthful as a full read while reading only what is new
//! since the last run. Only files with no problem at all are kept: a file with a problem is
//! read on every run, so its problem is reported on every run.
//!
//! The file is local and anyone with access to the repository can change it, so it is checked
//! before use (header, size, checksum, decoding) and ignored when anything is off. Failing to
//! read or write it is never an error. It keeps only the files of the last tree verified.
//!
//! Layout: a header line (the cache version and cmos's), an FNV-1a checksum of the rest
//! (8 bytes), then postcard's form of the list of (blob id bytes, summary).

use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::hashtable::HashMap;

use crate::index::MissionEntry;
use crate::model::fnv1a;

/// Changed whenever the stored shape changes (`MissionEntry` included); a file with another
/// header is ignored.
const HEADER: &str = concat!(
    "cmos verified missions 1 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

/// A cache file larger than this is not read (a few million missions).
const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Where the cache of the repository whose index cache is `index_cache` lives: beside it.
pub fn path_beside(index_cache: &Path) -> PathBuf {
    index_cache.with_file_name("verified")
}

/// The summaries of the sound files, by blob id; empty when there is no usable cache. The map
/// hashes a blob id by its first bytes (gix's table for object ids): they are already a hash,
/// and the default hasher's cost showed at 100,000 missions.
pub fn load(path: &Path) -> HashMap<ObjectId, MissionEntry> {
    read(path).unwrap_or_default()
}

fn read(path: &Path) -> Option<HashMap<ObjectId, MissionEntry>> {
    if std::fs::metadata(path).ok()?.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(HEADER.as_bytes())?;
    let (sum, rest) = body.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != fnv1a(rest) {
        return None;
    }
    let entries: Vec<(&[u8], MissionEntry)> = postcard::from_bytes(rest).ok()?;
    let mut known = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for (id, entry) in entries {
        known.insert(ObjectId::try_from(id).ok()?, entry);
    }
    Some(known)
}

/// Replaces the cache with `entries`, atomically.
pub fn save(path: &Path, entries: &[(ObjectId, &MissionEntry)]) {
    let listed: Vec<(&[u8], &MissionEntry)> = entries
        .iter()
        .map(|(id, entry)| (id.as_bytes(), *entry))
        .collect();
    let Ok(rest) = postcard::to_allocvec(&listed) else {
        return;
    };
    let sum = fnv1a(&rest);
    let _ = crate::store::local::replace_with(path, |out| {
        out.write_all(HEADER.as_bytes())?;
        out.write_all(&sum.to_le_bytes())?;
        out.write_all(&rest)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn entry(id: &str) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 7,
            name: format!("Mission {id}"),
            status: Status::Queued,
            sprint: None,
            rank: None,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    #[test]
    fn entries_come_back_by_blob_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verified");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        save(&path, &[(blob, &entry("B1"))]);
        let cached = load(&path);
        assert_eq!(cached.len(), 1);
        assert_eq!(cached[&blob].id, "B1");
    }

    #[test]
    fn a_flipped_bit_truncation_or_other_header_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("verified");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        save(&path, &[(blob, &entry("B1"))]);
        let good = std::fs::read(&path).unwrap();
        for at in [HEADER.len() + 2, good.len() - 3, good.len() / 2] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(load(&path).is_empty(), "a flip at {at} went unseen");
        }
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert!(load(&path).is_empty());
        std::fs::write(&path, b"cmos verified missions 0\n").unwrap();
        assert!(load(&path).is_empty());
    }
}
