//! The store's unit tests that span its parts, and what its tests share: repositories with
//! packs git made, for the tests of the readers that read packs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::ObjectId;

pub fn git(dir: &Path, args: &[&str], input: &str) {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("git runs");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "git {args:?}");
}

/// A repository with `count` similar blobs packed by git (so most are deltas, in chains; with
/// `offsets`, deltas name their base by its place in the pack, else by its id) and two loose
/// ones; the ids, packed first.
pub fn repository(
    count: usize,
    offsets: bool,
) -> (tempfile::TempDir, Vec<ObjectId>, [ObjectId; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let repo = gix::init(dir.path()).unwrap();
    let write = |text: String| repo.write_blob(text).unwrap().detach();
    let packed: Vec<ObjectId> = (0..count)
        .map(|n| {
            let words = "word ".repeat(n % 40);
            write(format!(
                "id = \"M{n}\"\nname = \"{words}\"\nlong = \"{}\"\n",
                "x".repeat(n)
            ))
        })
        .collect();
    let list: String = packed.iter().map(|id| format!("{id}\n")).collect();
    let mut args = vec!["pack-objects", ".git/objects/pack/pack"];
    if offsets {
        args.push("--delta-base-offset");
    }
    git(dir.path(), &args, &list);
    for id in &packed {
        let hex = id.to_hex().to_string();
        std::fs::remove_file(
            dir.path()
                .join(format!(".git/objects/{}/{}", &hex[..2], &hex[2..])),
        )
        .unwrap();
    }
    let loose = [write("loose b".into()), write("loose a".into())];
    (dir, packed, loose)
}

/// A cache written from a whole index keeps the unmet prerequisites of the missions its next
/// mission was chosen over, as a write's cache does: the first write after a rebuild (a fresh
/// clone, a `verify`) then passes them over without reading their links again.
#[test]
fn a_whole_index_is_cached_with_the_answers_of_the_missions_passed_over() {
    use crate::index::{Index, MissionEntry};
    use crate::lifecycle::{Queue, Unmet};
    use crate::model::{DepType, Status};
    let mission = |id: &str, rank: i64, depends: Vec<(String, DepType)>| MissionEntry {
        id: id.into(),
        created: 0,
        name: id.into(),
        status: Status::Queued,
        sprint: None,
        rank: Some(rank),
        depends,
        blocked_reason: None,
        awaiting_review: false,
        needs_human: false,
        decided: false,
    };
    let mut index = Index::default();
    index.upsert_mission(mission("A", 1, vec![("C".into(), DepType::Requires)]));
    index.upsert_mission(mission("B", 2, vec![("A".into(), DepType::Requires)]));
    index.upsert_mission(mission("C", 3, Vec::new()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
    let digest = super::cache_index(&path, Some(tree), &index, None);
    assert_eq!(digest.next.as_ref().map(|m| m.id.as_str()), Some("C"));
    let cached = super::cache::load(&path).expect("the cache loads");
    let waiting = cached.missions.waiting();
    let unmet = |on: &str| Unmet {
        id: on.into(),
        status: Some(Status::Queued),
        via: DepType::Requires,
    };
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    assert_eq!(waiting["A"], [unmet("C")]);
    assert_eq!(waiting["B"], [unmet("A")]);
    assert_eq!(waiting, Queue::new(&index).next_and_waiting().1);
}
