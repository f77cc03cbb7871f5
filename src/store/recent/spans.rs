//! The times each event shard spans (its first line's, its oldest and its newest), with a
//! local cache keyed by the shard's blob id, so that a read back to a time (`newest.rs`)
//! passes over a shard that ends before it, or finds where a month's shards begin, without
//! opening them. A blob id names its content, so an entry never describes a shard that
//! changed; a shard that grew is a new blob, read once.
//!
//! The cache, `<common-dir>/cmos/event-spans-cache`, is local and anyone with access to the
//! repository can change it, so it is checked (header, checksum, every line) and ignored
//! when anything is off; failing to read or write it is never an error.
//!
//! Layout: a header line (the cache version and a checksum of the rest), then a line
//! `<blob id> <first> <oldest> <newest>` (Unix seconds) per shard.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use crate::model::Timestamp;

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos event spans 1";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Entries kept at most; past it the file starts again from the shards of the last read.
const MAX_ENTRIES: usize = 100_000;

/// What a shard holds: the time of its first line, of its oldest and of its newest event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Span {
    pub first: Timestamp,
    pub oldest: Timestamp,
    pub newest: Timestamp,
}

impl Span {
    /// The span of a shard's events in file order; None for a shard with none.
    pub fn of(times: impl IntoIterator<Item = Timestamp>) -> Option<Span> {
        let mut times = times.into_iter();
        let first = times.next()?;
        let mut span = Span {
            first,
            oldest: first,
            newest: first,
        };
        for at in times {
            span.oldest = span.oldest.min(at);
            span.newest = span.newest.max(at);
        }
        Some(span)
    }
}

/// The spans known, and those learnt by this read (saved at the end).
pub(super) struct Spans {
    path: Option<PathBuf>,
    known: HashMap<ObjectId, Span>,
    learnt: Vec<(ObjectId, Span)>,
}

impl Spans {
    /// The cache at `path` (none: nothing is remembered).
    pub fn open(path: Option<PathBuf>) -> Spans {
        let known = path.as_deref().and_then(load).unwrap_or_default();
        Spans {
            path,
            known,
            learnt: Vec::new(),
        }
    }

    pub fn get(&self, blob: &ObjectId) -> Option<Span> {
        self.known.get(blob).copied()
    }

    /// Remembers the span of a shard just read in full.
    pub fn learn(&mut self, blob: ObjectId, span: Span) {
        if self.known.insert(blob, span).is_none() {
            self.learnt.push((blob, span));
        }
    }

    /// Writes the cache when this read learnt something.
    pub fn save(self) {
        let Some(path) = self.path.filter(|_| !self.learnt.is_empty()) else {
            return;
        };
        let entries: Vec<(ObjectId, Span)> = if self.known.len() > MAX_ENTRIES {
            self.learnt
        } else {
            self.known.into_iter().collect()
        };
        let mut body = String::with_capacity(entries.len() * 80);
        for (blob, span) in entries {
            body.push_str(&format!(
                "{blob} {} {} {}\n",
                span.first.unix_seconds(),
                span.oldest.unix_seconds(),
                span.newest.unix_seconds()
            ));
        }
        super::checked::write(&path, VERSION, &body);
    }
}

/// The entries of the cache at `path`, if it exists and passes every check.
fn load(path: &Path) -> Option<HashMap<ObjectId, Span>> {
    let body = super::checked::read(path, VERSION, MAX_BYTES)?;
    let mut known = HashMap::new();
    for line in body.lines() {
        let mut parts = line.split(' ');
        let blob = ObjectId::from_hex(parts.next()?.as_bytes()).ok()?;
        let mut time = || -> Option<Timestamp> {
            let seconds: i64 = parts.next()?.parse().ok()?;
            Some(Timestamp::from_millis(seconds.checked_mul(1000)?))
        };
        let (first, oldest, newest) = (time()?, time()?, time()?);
        if parts.next().is_some() || oldest > first || first > newest {
            return None;
        }
        known.insert(
            blob,
            Span {
                first,
                oldest,
                newest,
            },
        );
    }
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_round_trip_and_a_changed_byte_reads_as_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spans");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        let at = Timestamp::from_millis;
        let span = Span::of([at(20_000), at(10_000), at(30_000)]).unwrap();
        assert_eq!(
            (span.first, span.oldest, span.newest),
            (at(20_000), at(10_000), at(30_000))
        );
        let mut spans = Spans::open(Some(path.clone()));
        spans.learn(blob, span);
        spans.save();
        assert_eq!(Spans::open(Some(path.clone())).get(&blob), Some(span));
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(Spans::open(Some(path)).get(&blob), None);
    }
}
