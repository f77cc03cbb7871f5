//! Reading many blobs in the order their packs hold them, so that each delta finds its base
//! among the objects just decoded.
//!
//! git stores most blobs of a pack as deltas against another blob, and writes a delta's base
//! before it. gix keeps each object it rebuilds from deltas in the handle's pack cache, so an
//! object read right after its base costs one inflate; read in tree order, a delta's base was
//! usually read long before and fell out of the cache, and verifying 100,000 missions
//! inflated three pack entries per file (304,000 for 100,000 files).

use std::path::Path;

use gix::ObjectId;
use gix::odb::pack::index;

/// The most pack indexes looked at: far more than a repository keeps between two `gc`s.
const MAX_INDEXES: usize = 256;
/// Below this many blobs, opening the indexes costs more than the order saves.
const MIN_ITEMS: usize = 256;

/// Sorts `items` by where `id_of` each is stored: by pack, then by place in the pack; objects
/// in no pack (loose, or in an alternate's packs) last, in the order they came.
pub(super) fn sort<T>(repo: &gix::Repository, items: &mut [T], id_of: impl Fn(&T) -> ObjectId) {
    if items.len() < MIN_ITEMS {
        return;
    }
    let indexes = pack_indexes(repo.objects.store_ref().path(), repo.object_hash());
    if indexes.is_empty() {
        return;
    }
    items.sort_by_cached_key(|item| place(&indexes, &id_of(item)));
}

/// Which pack (by its place in `indexes`) holds `id`, and at what offset.
fn place(indexes: &[index::File], id: &ObjectId) -> (usize, u64) {
    indexes
        .iter()
        .enumerate()
        .find_map(|(n, index)| Some((n, index.pack_offset_at_index(index.lookup(id)?))))
        .unwrap_or((usize::MAX, 0))
}

/// The indexes of the packs in `objects/pack`, as far as they open.
fn pack_indexes(objects: &Path, hash: gix::hash::Kind) -> Vec<index::File> {
    let Ok(entries) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    // The order between packs only decides which copy of an object twice packed is read.
    paths.sort();
    paths.truncate(MAX_INDEXES);
    paths
        .iter()
        .filter_map(|p| index::File::at(p, hash).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn git(dir: &Path, args: &[&str], input: &str) -> String {
        use std::io::Write;
        let mut child = Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("git runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn blobs_come_in_the_order_of_their_pack_and_loose_ones_last_as_they_came() {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init(dir.path()).unwrap();
        // Similar texts, so git stores most of them as deltas and reorders them.
        let write = |text: String| repo.write_blob(text).unwrap().detach();
        let packed: Vec<ObjectId> = (0..MIN_ITEMS * 2)
            .map(|n| {
                write(format!(
                    "id = \"M{n}\"\nname = \"{}\"\n",
                    "word ".repeat(n % 40)
                ))
            })
            .collect();
        let list: String = packed.iter().map(|id| format!("{id}\n")).collect();
        git(
            dir.path(),
            &["pack-objects", ".git/objects/pack/pack"],
            &list,
        );
        let loose = [write("loose b".into()), write("loose a".into())];
        let pack_index = std::fs::read_dir(dir.path().join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .unwrap();
        // `git show-index` says where each object lies in the pack.
        let shown = Command::new("git")
            .arg("show-index")
            .stdin(std::fs::File::open(&pack_index).unwrap())
            .output()
            .unwrap();
        let mut by_offset: Vec<(u64, ObjectId)> = String::from_utf8(shown.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let mut words = line.split_whitespace();
                let offset = words.next().unwrap().parse().unwrap();
                (
                    offset,
                    ObjectId::from_hex(words.next().unwrap().as_bytes()).unwrap(),
                )
            })
            .collect();
        by_offset.sort();
        let mut wanted: Vec<ObjectId> = by_offset.into_iter().map(|(_, id)| id).collect();
        wanted.extend(loose);

        // Given in any order (here: loose first, then the pack's objects reversed).
        let repo = gix::open(dir.path()).unwrap();
        let mut items: Vec<(usize, ObjectId)> = loose
            .into_iter()
            .chain(packed.iter().rev().copied())
            .enumerate()
            .collect();
        sort(&repo, &mut items, |(_, id)| *id);
        let got: Vec<ObjectId> = items.iter().map(|(_, id)| *id).collect();
        assert_eq!(got, wanted);
        assert_ne!(
            wanted[..packed.len()],
            packed[..],
            "git reordered the blobs"
        );

        // Too few to be worth opening the indexes: the order stays.
        let mut few: Vec<ObjectId> = packed.iter().rev().take(MIN_ITEMS - 1).copied().collect();
        let before = few.clone();
        sort(&repo, &mut few, |id| *id);
        assert_eq!(few, before);
    }
}
