//! The lines of the activity log that hold one of a few marks (the process graph's requests
//! and their answers), with a local cache so that a read does not open every shard of a long
//! log each time. The cache, `<common-dir>/cmos/<name>-cache`, keeps each shard's marked lines
//! keyed by the shard's blob id: a blob id names its content, so an entry never describes a
//! shard that changed, and a read opens only the shards it has not seen (those written since).
//! The file is local and anyone with access to the repository can change it, so it is checked
//! (header, marks, checksum, every entry) and ignored, then rebuilt, when anything is off;
//! failing to read or write it is never an error. Its lines are parsed as the log's are.
//!
//! Layout: a header line (the cache version, the marks, a checksum of the rest), then per
//! shard a line `<blob id> <count> <month>` followed by its `count` marked lines.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use gix::ObjectId;

use super::{Snapshot, Store, load};
use crate::error::Result;
use crate::format::codec::parse_lines;
use crate::format::layout::EVENTS;
use crate::model::{Event, fnv1a};

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos marked lines 2";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// See `Store::marked_events`: the marked events of the months from `first` to `last`
/// (either end open when None), oldest first.
pub(super) fn events(
    store: &Store,
    snapshot: &Snapshot<'_>,
    marks: &[&str],
    name: &str,
    (first, last): (Option<&str>, Option<&str>),
) -> Result<Vec<Event>> {
    let path = store.local.shared_dir.join(format!("{name}-cache"));
    let mut shards = Vec::new();
    for month in load::log_months(&store.repo, snapshot.tree, EVENTS, (first, last))? {
        for (shard, blob) in load::month_shards(&store.repo, EVENTS, &month)? {
            shards.push((shard, blob, month.0.clone()));
        }
    }
    let cached = load_cache(&path, marks).unwrap_or_default();
    let mut fresh: HashMap<ObjectId, Entry> = HashMap::new();
    let mut events = Vec::new();
    for (shard, blob, month) in &shards {
        let entry = match cached.get(blob).or_else(|| fresh.get(blob)) {
            Some(entry) => entry,
            None => {
                let bytes = load::read_blob(&store.repo, *blob, shard)?;
                let text = String::from_utf8_lossy(&bytes);
                let lines = text
                    .lines()
                    .filter(|line| marks.iter().any(|mark| line.contains(mark)))
                    .map(str::to_string)
                    .collect();
                let month = month.clone();
                fresh.entry(*blob).or_insert(Entry { month, lines })
            }
        };
        if !entry.lines.is_empty() {
            events.extend(parse_lines::<Event>(shard, entry.lines.join("\n").as_bytes()).0);
        }
    }
    // The months read are known in full: an entry of one of them whose shard is gone (an
    // older version of a shard that grew since) goes. Other months' entries stay.
    let live: HashSet<&ObjectId> = shards.iter().map(|(_, blob, _)| blob).collect();
    let read = |month: &str| first.is_none_or(|f| month >= f) && last.is_none_or(|l| month <= l);
    let gone = |(blob, entry): &(&ObjectId, &Entry)| read(&entry.month) && !live.contains(blob);
    let stale = cached.iter().any(|pair| gone(&pair));
    if !fresh.is_empty() || stale {
        let mut entries: Vec<(&ObjectId, &Entry)> = cached
            .iter()
            .filter(|pair| !gone(pair))
            .chain(fresh.iter())
            .collect();
        entries.sort_by_key(|(blob, _)| **blob);
        save_cache(&path, marks, &entries);
    }
    events.sort_by(|a, b| (a.at, &a.uid).cmp(&(b.at, &b.uid)));
    Ok(events)
}

/// A shard's marked lines, and the month directory it is in.
#[derive(Debug, Default, PartialEq)]
struct Entry {
    month: String,
    lines: Vec<String>,
}

fn header(marks: &[&str], sum: u64) -> String {
    format!("{VERSION} {} {sum:016x}\n", marks.join(" "))
}

/// The cache at `path` for `marks`, if it exists and passes every check.
fn load_cache(path: &Path, marks: &[&str]) -> Option<HashMap<ObjectId, Entry>> {
    if std::fs::metadata(path).ok()?.len() > MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (first, body) = text.split_once('\n')?;
    if format!("{first}\n") != header(marks, fnv1a(body.as_bytes())) {
        return None;
    }
    let mut entries = HashMap::new();
    let mut lines = body.split('\n');
    while let Some(head) = lines.next().filter(|l| !l.is_empty()) {
        let mut parts = head.splitn(3, ' ');
        let blob = ObjectId::from_hex(parts.next()?.as_bytes()).ok()?;
        let count: usize = parts.next()?.parse().ok()?;
        let month = parts.next()?.to_string();
        let mut marked = Vec::new();
        for _ in 0..count {
            marked.push(lines.next()?.to_string());
        }
        entries.insert(
            blob,
            Entry {
                month,
                lines: marked,
            },
        );
    }
    lines.next().is_none().then_some(entries)
}

/// Writes the cache; a failure leaves the old file or none, which the next read rebuilds.
fn save_cache(path: &Path, marks: &[&str], entries: &[(&ObjectId, &Entry)]) {
    let mut body = String::new();
    for (blob, entry) in entries {
        // A month directory named with a line break cannot be stored on one line.
        if entry.month.contains(['\n', '\r']) {
            continue;
        }
        body.push_str(&format!("{blob} {} {}\n", entry.lines.len(), entry.month));
        for line in &entry.lines {
            body.push_str(line);
            body.push('\n');
        }
    }
    let file = header(marks, fnv1a(body.as_bytes())) + &body;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = super::super::replace_file(path, file.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_round_trips_and_a_changed_byte_or_other_marks_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test-cache");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        let marked = Entry {
            month: "2026-11".into(),
            lines: vec![r#"{"kind":"fsm.request"}"#.to_string()],
        };
        let none = Entry {
            month: "2026-10".into(),
            lines: Vec::new(),
        };
        let other = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        save_cache(&path, &["a", "b"], &[(&blob, &marked), (&other, &none)]);
        let loaded = load_cache(&path, &["a", "b"]).expect("the cache loads");
        assert_eq!(loaded.get(&blob), Some(&marked));
        assert_eq!(loaded.get(&other), Some(&none));
        assert!(load_cache(&path, &["a"]).is_none(), "other marks");
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        let at = good.len() - 4;
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        assert!(load_cache(&path, &["a", "b"]).is_none(), "a changed byte");
        std::fs::write(&path, &good[..good.len() - 2]).unwrap();
        assert!(load_cache(&path, &["a", "b"]).is_none(), "a cut file");
    }
}
