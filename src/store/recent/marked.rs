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
//! shard a line `<blob id> <count>` followed by its `count` marked lines.

use std::collections::HashMap;
use std::path::Path;

use gix::ObjectId;

use super::{Snapshot, Store, load};
use crate::error::Result;
use crate::format::codec::parse_lines;
use crate::format::layout::EVENTS;
use crate::model::{Event, fnv1a};

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos marked lines 1";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// See `Store::marked_events`.
pub(super) fn events(
    store: &Store,
    snapshot: &Snapshot<'_>,
    marks: &[&str],
    name: &str,
) -> Result<Vec<Event>> {
    let path = store.local.shared_dir.join(format!("{name}-cache"));
    let shards = load::log_shards_between(&store.repo, snapshot.tree, EVENTS, (None, None))?;
    let cached = load_cache(&path, marks).unwrap_or_default();
    let mut fresh: HashMap<ObjectId, Vec<String>> = HashMap::new();
    let mut events = Vec::new();
    for (shard, blob) in &shards {
        let lines = match cached.get(blob).or_else(|| fresh.get(blob)) {
            Some(lines) => lines,
            None => {
                let bytes = load::read_blob(&store.repo, *blob)?;
                let text = String::from_utf8_lossy(&bytes);
                let marked = text
                    .lines()
                    .filter(|line| marks.iter().any(|mark| line.contains(mark)))
                    .map(str::to_string)
                    .collect();
                fresh.entry(*blob).or_insert(marked)
            }
        };
        if !lines.is_empty() {
            events.extend(parse_lines::<Event>(shard, lines.join("\n").as_bytes()).0);
        }
    }
    let live: HashMap<&ObjectId, ()> = shards.iter().map(|(_, blob)| (blob, ())).collect();
    let stale = cached.keys().any(|blob| !live.contains_key(blob));
    if !fresh.is_empty() || stale {
        // Keep the shards of this tree, nothing else: the file stays as large as the log's
        // marked lines.
        let mut entries: Vec<(&ObjectId, &Vec<String>)> = cached
            .iter()
            .filter(|(blob, _)| live.contains_key(blob))
            .chain(fresh.iter())
            .collect();
        entries.sort_by_key(|(blob, _)| **blob);
        save_cache(&path, marks, &entries);
    }
    events.sort_by(|a, b| (a.at, &a.uid).cmp(&(b.at, &b.uid)));
    Ok(events)
}

fn header(marks: &[&str], sum: u64) -> String {
    format!("{VERSION} {} {sum:016x}\n", marks.join(" "))
}

/// The cache at `path` for `marks`, if it exists and passes every check.
fn load_cache(path: &Path, marks: &[&str]) -> Option<HashMap<ObjectId, Vec<String>>> {
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
    let mut lines = body.lines();
    while let Some(entry) = lines.next() {
        let (blob, count) = entry.split_once(' ')?;
        let blob = ObjectId::from_hex(blob.as_bytes()).ok()?;
        let count: usize = count.parse().ok()?;
        let mut marked = Vec::new();
        for _ in 0..count {
            marked.push(lines.next()?.to_string());
        }
        entries.insert(blob, marked);
    }
    Some(entries)
}

/// Writes the cache; a failure leaves the old file or none, which the next read rebuilds.
fn save_cache(path: &Path, marks: &[&str], entries: &[(&ObjectId, &Vec<String>)]) {
    let mut body = String::new();
    for (blob, lines) in entries {
        body.push_str(&format!("{blob} {}\n", lines.len()));
        for line in lines.iter() {
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
        let lines = vec![r#"{"kind":"fsm.request"}"#.to_string()];
        let none = Vec::new();
        let other = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        save_cache(&path, &["a", "b"], &[(&blob, &lines), (&other, &none)]);
        let loaded = load_cache(&path, &["a", "b"]).expect("the cache loads");
        assert_eq!(loaded.get(&blob), Some(&lines));
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
