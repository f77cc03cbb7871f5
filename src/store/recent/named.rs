//! The items of a log that belong to one session (`Store::session_items_since`), with a
//! local cache of which item and which session each line of a shard names, keyed by the
//! shard's blob id: a read opens only the shards it has not seen (those written since) and
//! the few that hold a version of the session's items, not every shard of the months since
//! the session began.
//!
//! The cache, `<common-dir>/cmos/named-<log>-cache`, is local and anyone with access to the
//! repository can change it, so it is checked (header, checksum, every entry) and ignored,
//! then rebuilt, when anything is off; failing to read or write it is never an error.
//!
//! Layout: a header line (the cache version and a checksum of the rest), then per month
//! directory a line `<month> <tree id> <shards>`, and per shard of it a line `<blob id>
//! <count> <path>` followed by `count` lines `<item id> <session id, or nothing>`, one per
//! line of the shard that parses. A month whose tree id is unchanged is not listed again.
//! The file holds the months of the last read, so its size follows the span read.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use gix::ObjectId;

use super::{Store, load};
use crate::error::Result;
use crate::format::codec::parse_lines;
use crate::model::{Item, ItemKind};

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos named items 1";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Stands for "no session" in an entry (a session is asked for by its id, never empty).
const NONE: &str = "";

/// A shard: its path, and a line `<item id> <session id, or nothing>` per line of it that
/// parses, kept as text (a cache of a long log holds many, and most are only looked over).
#[derive(Debug, Default, Clone, PartialEq)]
struct Shard {
    path: String,
    lines: String,
}

impl Shard {
    /// The (item id, session id) of each line.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines
            .lines()
            .map(|line| line.split_once(' ').unwrap_or((line, NONE)))
    }
}

/// A month directory: its tree id, and its shards by blob id, in name order.
#[derive(Debug, Clone, PartialEq)]
struct Month {
    tree: ObjectId,
    shards: Vec<(ObjectId, Shard)>,
}

/// The items of `kind` a version of which, in the months from `first` on, belongs to
/// `session`, each as its latest version in those months (as `Store::items_since` folds
/// them), oldest first. A month whose tree is the one cached is not even listed.
pub(super) fn session_items(
    store: &Store,
    tree: ObjectId,
    kind: ItemKind,
    first: &str,
    session: &str,
) -> Result<Vec<Item>> {
    let log = kind.log_dir();
    let path = store.local.shared_dir.join(format!("named-{log}-cache"));
    let mut cached = load_cache(&path).unwrap_or_default();
    // The shards of the cache by blob id, gathered once a month has changed.
    let mut known: Option<HashMap<ObjectId, Shard>> = None;
    let mut changed = false;
    // Shards opened for their entry, kept for the second pass.
    let mut opened: HashMap<ObjectId, Vec<Item>> = HashMap::new();
    let months = load::log_months(&store.repo, tree, log, (Some(first), None))?;
    let mut read: Vec<(String, Month)> = Vec::with_capacity(months.len());
    for month in months {
        if let Some(same) = cached.remove(&month.0).filter(|m| m.tree == month.1) {
            read.push((month.0, same));
            continue;
        }
        changed = true;
        let known = known.get_or_insert_with(|| {
            let all = cached.values().flat_map(|m| m.shards.iter().cloned());
            all.collect()
        });
        let mut shards = Vec::new();
        for (shard, blob) in load::month_shards(&store.repo, log, &month)? {
            if let Some(entry) = known.get(&blob).filter(|e| e.path == shard) {
                shards.push((blob, entry.clone()));
                continue;
            }
            let items = parse_lines::<Item>(&shard, &load::read_blob(&store.repo, blob, &shard)?).0;
            let mut lines = String::new();
            for item in &items {
                let session = item.session.as_deref().unwrap_or(NONE);
                lines.push_str(&format!("{} {session}\n", item.id));
            }
            shards.push((blob, Shard { path: shard, lines }));
            opened.insert(blob, items);
        }
        read.push((
            month.0,
            Month {
                tree: month.1,
                shards,
            },
        ));
    }
    let all = || read.iter().flat_map(|(_, m)| m.shards.iter());
    let ids: BTreeSet<&str> = all()
        .flat_map(|(_, shard)| shard.pairs())
        .filter(|(_, s)| *s == session)
        .map(|(id, _)| id)
        .collect();
    let mut versions = Vec::new();
    for (blob, shard) in all() {
        if !shard.pairs().any(|(id, _)| ids.contains(id)) {
            continue;
        }
        let items = match opened.remove(blob) {
            Some(items) => items,
            None => {
                parse_lines::<Item>(
                    &shard.path,
                    &load::read_blob(&store.repo, *blob, &shard.path)?,
                )
                .0
            }
        };
        versions.extend(items.into_iter().filter(|i| ids.contains(i.id.as_str())));
    }
    // The cache keeps the months of this read only (those left in `cached` were not read:
    // older, or gone from the branch), so that its size follows the span read, and the
    // resume of a recent session does not load an old one's months.
    if changed || !cached.is_empty() {
        let months: Vec<(&String, &Month)> = read.iter().map(|(m, v)| (m, v)).collect();
        save_cache(&path, &months);
    }
    Ok(crate::model::latest_versions(versions))
}

/// The months of the cache at `path`, if it exists and passes every check.
fn load_cache(path: &Path) -> Option<HashMap<String, Month>> {
    let body = super::checked::read(path, VERSION, MAX_BYTES)?;
    let mut months = HashMap::new();
    let mut lines = body.split('\n');
    while let Some(head) = lines.next().filter(|l| !l.is_empty()) {
        let (name, rest) = head.split_once(' ')?;
        let (tree, count) = rest.split_once(' ')?;
        let tree = ObjectId::from_hex(tree.as_bytes()).ok()?;
        let count: usize = count.parse().ok()?;
        let mut shards = Vec::new();
        for _ in 0..count {
            let mut parts = lines.next()?.splitn(3, ' ');
            let blob = ObjectId::from_hex(parts.next()?.as_bytes()).ok()?;
            let named: usize = parts.next()?.parse().ok()?;
            let path = parts.next()?.to_string();
            let mut text = String::new();
            for _ in 0..named {
                let line = lines.next()?;
                line.split_once(' ')?;
                text.push_str(line);
                text.push('\n');
            }
            shards.push((blob, Shard { path, lines: text }));
        }
        months.insert(name.to_string(), Month { tree, shards });
    }
    lines.next().is_none().then_some(months)
}

/// Writes the cache; a failure leaves the old file or none, which the next read rebuilds.
fn save_cache(path: &Path, months: &[(&String, &Month)]) {
    let plain = |s: &str| !s.contains([' ', '\n', '\r']);
    let mut body = String::new();
    for (name, month) in months {
        // A name that cannot be stored on its line leaves the month out: it is read again.
        let storable = !name.is_empty()
            && plain(name)
            && month.shards.iter().all(|(_, shard)| {
                !shard.path.contains(['\n', '\r'])
                    && shard
                        .pairs()
                        .all(|(id, session)| !id.is_empty() && plain(id) && plain(session))
            });
        if !storable {
            continue;
        }
        body.push_str(&format!("{name} {} {}\n", month.tree, month.shards.len()));
        for (blob, shard) in &month.shards {
            let count = shard.lines.lines().count();
            body.push_str(&format!("{blob} {count} {}\n", shard.path));
            body.push_str(&shard.lines);
        }
    }
    super::checked::write(path, VERSION, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip_and_a_changed_byte_reads_as_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("named");
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        let shard = Shard {
            path: ".cmos/next-steps/2026-11/w-001.jsonl".into(),
            lines: "ns-1 ps-1\nns-2 \n".into(),
        };
        let month = Month {
            tree: ObjectId::empty_tree(gix::hash::Kind::Sha1),
            shards: vec![(blob, shard)],
        };
        let name = "2026-11".to_string();
        save_cache(&path, &[(&name, &month)]);
        assert_eq!(load_cache(&path).unwrap().get(&name), Some(&month));
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        assert!(load_cache(&path).is_none());
    }
}
