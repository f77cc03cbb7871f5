//! The local cache of parsed metrics shards, `<common-dir>/cmos/metrics-cache`: each shard's
//! compact form (see `shard`) keyed by the shard's blob id. A blob id names its content, so
//! an entry can never describe a shard that changed: a changed shard has another id and is
//! parsed again. The file is local and anyone with access to the repository can change it, so
//! it is checked before use (header, size, checksum, every entry in bounds) and ignored, then
//! rebuilt, when anything is off. Failing to read or write it is never an error.
//!
//! Layout: a header line (the cache version and cmos's), a checksum of the rest, the number
//! of entries, each entry's blob id (hex) and length, then the entries' bytes in that order.
//! The file keeps only the shards of the last tree read, so it stays as large as the log.

use std::collections::HashMap;
use std::path::Path;

use gix::ObjectId;

use super::shard::Shard;

/// Changed whenever the stored shape changes; a file with another header is ignored.
const HEADER: &str = concat!(
    "cmos metrics cache 1 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

/// A cache file larger than this is not read (about ten million metrics).
const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// A cache file that passed its checks, entries decoded on demand.
pub struct Cached {
    bytes: Vec<u8>,
    entries: HashMap<ObjectId, (usize, usize)>,
}

impl Cached {
    /// The parsed shard of `blob`, if the cache has it and it decodes.
    pub fn shard(&self, blob: &ObjectId) -> Option<Shard> {
        Shard::decode(self.raw(blob)?)
    }

    /// The stored bytes of the entry of `blob`, to copy into a new file unchanged.
    pub fn raw(&self, blob: &ObjectId) -> Option<&[u8]> {
        let (start, end) = *self.entries.get(blob)?;
        self.bytes.get(start..end)
    }

    /// Whether the cache holds an entry for a blob not in `live` (which has no duplicates).
    pub fn holds_other_than(&self, live: &[ObjectId]) -> bool {
        self.entries.len()
            > live
                .iter()
                .filter(|b| self.entries.contains_key(*b))
                .count()
    }
}

/// The cache at `path`, if it exists, is of this version and passes every check.
pub fn load(path: &Path) -> Option<Cached> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(HEADER.as_bytes())?;
    let (sum, rest) = body.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != checksum(rest) {
        return None;
    }
    let mut at = HEADER.len() + 8;
    let count = read_u64(&bytes, &mut at)?;
    let mut lengths = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let id_len = usize::from(*bytes.get(at)?);
        let id = ObjectId::from_hex(bytes.get(at + 1..at + 1 + id_len)?).ok()?;
        at += 1 + id_len;
        lengths.push((id, read_u64(&bytes, &mut at)?));
    }
    let mut entries = HashMap::with_capacity(lengths.len());
    for (id, len) in lengths {
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        entries.insert(id, (at, end));
        at = end;
    }
    (at == bytes.len()).then_some(Cached { bytes, entries })
}

/// Replaces the cache with `entries` (blob id, encoded shard), atomically.
pub fn save(path: &Path, entries: &[(ObjectId, &[u8])]) {
    let mut rest = Vec::new();
    rest.extend((entries.len() as u64).to_le_bytes());
    for (id, bytes) in entries {
        let hex = id.to_string();
        rest.push(hex.len() as u8);
        rest.extend(hex.as_bytes());
        rest.extend((bytes.len() as u64).to_le_bytes());
    }
    for (_, bytes) in entries {
        rest.extend(*bytes);
    }
    let sum = checksum(&rest);
    let _ = crate::store::local::replace_with(path, |out| {
        out.write_all(HEADER.as_bytes())?;
        out.write_all(&sum.to_le_bytes())?;
        out.write_all(&rest)
    });
}

fn read_u64(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let (word, _) = bytes.get(*at..)?.split_first_chunk::<8>()?;
    *at += 8;
    Some(u64::from_le_bytes(*word))
}

/// A checksum that catches a damaged or truncated file (not a forged one: the file is the
/// user's own), eight bytes at a time so a ten-megabyte cache costs a few milliseconds.
fn checksum(bytes: &[u8]) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        hash = (hash ^ word).wrapping_mul(MULTIPLIER).rotate_left(29);
    }
    for byte in words.remainder() {
        hash = (hash ^ u64::from(*byte))
            .wrapping_mul(MULTIPLIER)
            .rotate_left(29);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard() -> Shard {
        let line = r#"{"uid":"u1","at":"2026-11-30T00:00:00Z","agent":"a","writer":"w","mission":"B1","tokens_in":3}"#;
        Shard::parse(format!("{line}\nnot json\n").as_bytes())
    }

    #[test]
    fn a_shard_survives_the_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics-cache");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        let encoded = shard().encode().unwrap();
        save(&path, &[(blob, &encoded)]);
        let cached = load(&path).expect("the cache loads");
        assert_eq!(cached.shard(&blob), Some(shard()));
        assert!(!cached.holds_other_than(&[blob]));
        assert!(cached.holds_other_than(&[]));
        let other = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        assert!(cached.shard(&other).is_none());
    }

    #[test]
    fn a_flipped_bit_truncation_or_other_header_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics-cache");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        save(&path, &[(blob, &shard().encode().unwrap())]);
        let good = std::fs::read(&path).unwrap();
        for at in [HEADER.len() + 2, good.len() - 3, good.len() / 2] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(load(&path).is_none(), "a flip at {at} went unseen");
        }
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert!(load(&path).is_none());
        let other = [
            b"cmos metrics cache 0 (cmos 0.0.0)\n",
            &good[HEADER.len()..],
        ]
        .concat();
        std::fs::write(&path, other).unwrap();
        assert!(load(&path).is_none());
    }
}
