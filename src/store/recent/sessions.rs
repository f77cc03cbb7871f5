//! The newest session files, without listing every session of the project: a local cache,
//! `<common-dir>/cmos/recent-sessions-cache`, holds every session file whose id carries a
//! day at or after a floor day, and the id of the sessions directory it describes. When the
//! directory changed since, only the difference between the two trees is read (equal
//! subdirectories are skipped by id), so after a write a read costs what was written.
//!
//! The file is local and anyone with access to the repository can change it, so it is
//! checked (header, checksum, every line) and ignored, then rebuilt from a full listing, when
//! anything is off; failing to read or write it is never an error. Entries name blobs, which
//! name their content, so an entry that passes the checks describes the file as it is.
//!
//! Layout: a header line (the cache version and a checksum of the rest), a line
//! `<sessions tree id> <floor day>` (`-` for no floor: every session file is listed), then
//! one line `<blob id> <path relative to the sessions directory>` per file.

use std::path::Path;

use gix::ObjectId;

use super::{Store, day_of, load};
use crate::error::Result;

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos recent sessions 1";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 16 * 1024 * 1024;
/// A rebuild keeps at least this many files (the newest days'), more than any reader asks for.
const KEEP: usize = 128;
/// Once the cache holds this many files, the floor is raised to keep about `KEEP` again.
const MAX_KEPT: usize = 4 * KEEP;

/// A session file: (id, path, blob).
pub(super) type SessionFile = (String, String, ObjectId);

/// The session files of the newest days as (id, path, blob), newest day first, and whether
/// every session file of the project is among them: at least `want` files unless the
/// project has fewer, and every file of each day listed.
pub(super) fn newest_files(
    store: &Store,
    tree: ObjectId,
    want: usize,
) -> Result<(Vec<SessionFile>, bool)> {
    let Some(dir) = load::sessions_dir(&store.repo, tree)? else {
        return Ok((Vec::new(), true));
    };
    let path = store.local.shared_dir.join("recent-sessions-cache");
    let loaded = load_cache(&path);
    // A tree the cache names may be gone (a rewritten branch, a pruned object): rebuild.
    let updated = loaded
        .as_ref()
        .and_then(|cache| update(&store.repo, cache.clone(), dir).ok())
        .filter(|cache| cache.files.len() >= want || cache.floor.is_none());
    let mut cache = match updated {
        Some(cache) => cache,
        None => rebuild(&store.repo, dir)?,
    };
    cache.trim();
    if loaded.as_ref() != Some(&cache) {
        save_cache(&path, &cache);
    }
    let complete = cache.floor.is_none();
    let mut files: Vec<SessionFile> = cache
        .files
        .into_iter()
        .filter_map(|(relative, blob)| load::session_entry(&relative, Some(blob)))
        .collect();
    files.sort_by(|a, b| day_of(&b.0).cmp(day_of(&a.0)).then_with(|| a.1.cmp(&b.1)));
    Ok((files, complete))
}

/// Every session file with a day at or after `floor` (all of them when None), by path
/// relative to the sessions directory `tree`.
#[derive(Debug, Clone, PartialEq)]
struct Cache {
    tree: ObjectId,
    floor: Option<String>,
    files: std::collections::BTreeMap<String, ObjectId>,
}

impl Cache {
    /// Raises the floor once the cache has grown well past `KEEP` files.
    fn trim(&mut self) {
        if self.files.len() <= MAX_KEPT {
            return;
        }
        let Some(floor) = floor_keeping(self.files.keys().map(|relative| day_of_path(relative)))
        else {
            return;
        };
        self.files
            .retain(|relative, _| day_of_path(relative) >= floor.as_str());
        self.floor = Some(floor);
    }
}

/// The day of the session a file (by path) stands for; "" when it has none.
fn day_of_path(relative: &str) -> &str {
    let name = relative.rsplit('/').next().unwrap_or_default();
    day_of(crate::format::layout::record_id(name).unwrap_or_default())
}

/// The floor that keeps the newest `KEEP` files and every other file of the last day kept;
/// None when there are not more than `KEEP`, or the floor would be the undated "".
fn floor_keeping<'a>(days: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut days: Vec<&str> = days.collect();
    if days.len() <= KEEP {
        return None;
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    Some(days[KEEP - 1].to_string()).filter(|day| !day.is_empty())
}

/// The cache built from a listing of every session file of the directory `tree`.
fn rebuild(repo: &gix::Repository, tree: ObjectId) -> Result<Cache> {
    let all = load::changed_files(repo, None, Some(tree))?;
    let floor = floor_keeping(all.iter().map(|(relative, _)| day_of_path(relative)));
    let files = all
        .into_iter()
        .filter(|(relative, _)| floor.as_deref().is_none_or(|f| day_of_path(relative) >= f))
        .filter_map(|(relative, blob)| Some((relative, blob?)))
        .collect();
    Ok(Cache { tree, floor, files })
}

/// The cache brought to the directory `tree`, from the difference between its tree and
/// this one: a file at or after the floor is added or replaced, a removed one dropped.
fn update(repo: &gix::Repository, mut cache: Cache, tree: ObjectId) -> Result<Cache> {
    if cache.tree == tree {
        return Ok(cache);
    }
    for (relative, blob) in load::changed_files(repo, Some(cache.tree), Some(tree))? {
        match blob {
            None => {
                cache.files.remove(&relative);
            }
            Some(blob) => {
                let day = day_of_path(&relative);
                if cache.floor.as_deref().is_none_or(|f| day >= f) {
                    cache.files.insert(relative, blob);
                }
            }
        }
    }
    cache.tree = tree;
    Ok(cache)
}

/// The cache at `path`, if it exists and passes every check.
fn load_cache(path: &Path) -> Option<Cache> {
    let body = super::checked::read(path, VERSION, MAX_BYTES)?;
    let mut lines = body.lines();
    let (tree, floor) = lines.next()?.split_once(' ')?;
    let tree = ObjectId::from_hex(tree.as_bytes()).ok()?;
    let floor = (floor != "-").then(|| floor.to_string());
    let mut files = std::collections::BTreeMap::new();
    for line in lines {
        let (blob, relative) = line.split_once(' ')?;
        let blob = ObjectId::from_hex(blob.as_bytes()).ok()?;
        if relative.is_empty() || files.insert(relative.to_string(), blob).is_some() {
            return None;
        }
    }
    Some(Cache { tree, floor, files })
}

/// Writes the cache; a failure leaves the old file or none, which the next read rebuilds.
fn save_cache(path: &Path, cache: &Cache) {
    let floor = cache.floor.as_deref().unwrap_or("-");
    if floor.contains([' ', '\n', '\r']) || floor.is_empty() {
        return;
    }
    let mut body = format!("{} {floor}\n", cache.tree);
    for (relative, blob) in &cache.files {
        // A name with a line break cannot be stored on one line: keep no cache at all.
        if relative.contains(['\n', '\r']) {
            return;
        }
        body.push_str(&format!("{blob} {relative}\n"));
    }
    super::checked::write(path, VERSION, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(files: &[(&str, u8)]) -> Cache {
        let blob = |n: u8| ObjectId::from_bytes_or_panic(&[n; 20]);
        Cache {
            tree: ObjectId::empty_tree(gix::hash::Kind::Sha1),
            floor: Some("20261101".into()),
            files: files
                .iter()
                .map(|(p, n)| (p.to_string(), blob(*n)))
                .collect(),
        }
    }

    #[test]
    fn the_cache_round_trips_and_a_changed_byte_or_cut_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recent-sessions-cache");
        let written = cache(&[
            ("0a/ps-20261102-aaaa.toml", 1),
            ("ff/ps-20261130-bbbb.toml", 2),
        ]);
        save_cache(&path, &written);
        assert_eq!(load_cache(&path), Some(written));
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        let at = good.len() - 4;
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        assert_eq!(load_cache(&path), None, "a changed byte");
        std::fs::write(&path, &good[..good.len() - 2]).unwrap();
        assert_eq!(load_cache(&path), None, "a cut file");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(load_cache(&path), None, "an empty file");
    }

    #[test]
    fn trimming_keeps_the_newest_days_whole() {
        let names: Vec<String> = (0..MAX_KEPT + 10)
            .map(|n| format!("00/ps-202611{:02}-{n:04}.toml", 1 + n % 28))
            .collect();
        let mut grown = cache(&[]);
        for name in &names {
            grown
                .files
                .insert(name.clone(), ObjectId::null(gix::hash::Kind::Sha1));
        }
        grown.trim();
        let floor = grown.floor.clone().expect("a floor");
        assert!(grown.files.len() >= KEEP && grown.files.len() < MAX_KEPT);
        let kept_of_floor_day = names.iter().filter(|n| day_of_path(n) == floor).count();
        let held = grown
            .files
            .keys()
            .filter(|n| day_of_path(n) == floor)
            .count();
        assert_eq!(held, kept_of_floor_day, "every file of the floor day stays");
        assert!(grown.files.keys().all(|n| day_of_path(n) >= floor.as_str()));
    }
}
