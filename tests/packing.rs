//! cmos packs the objects its writes make as it goes (a background `git pack-objects` of the
//! objects the writes noted, every hundred writes), so a sync does not have to pack thousands
//! of loose objects itself.

mod common;

use std::fs::File;

use cmos::ops::mission::MissionFields;
use cmos::ops::{Workspace, mission};
use common::Repo;

/// Writes between two packings (`store::packing::WRITES_PER_PACK`).
const WRITES_PER_PACK: usize = 100;

/// Objects in packs, and packs, from `git count-objects -v`.
fn objects(repo: &Repo) -> (u64, u64) {
    let counts = repo.git(&["count-objects", "-v"]);
    let field = |name: &str| {
        counts
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {counts}"))
    };
    (field("in-pack:"), field("packs:"))
}

/// `n` mission adds in-process, one commit each.
fn add_missions(ws: &Workspace, n: usize, prefix: &str) {
    for i in 0..n {
        let fields = MissionFields {
            name: Some(format!("Mission {prefix} {i}")),
            ..MissionFields::default()
        };
        mission::add(ws, Some(&format!("{prefix}{i}")), fields).expect("add a mission");
    }
}

#[test]
fn a_hundred_writes_no_longer_leave_their_objects_loose_for_the_push() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("packer".into())).expect("open");
    add_missions(&ws, WRITES_PER_PACK + 20, "P");
    ws.store().wait_for_packing();
    let (packed, packs) = objects(&repo);
    assert_eq!(packs, 1, "the writes were packed once");
    // About nine objects a write: the first hundred writes' are in the pack.
    assert!(packed > 500, "{packed} objects in the pack");
    repo.git(&["fsck", "--no-progress", "--connectivity-only"]);
    let listed = repo.json(&["mission", "list"]);
    let count = listed.as_array().map_or(0, Vec::len);
    assert_eq!(count, WRITES_PER_PACK + 20, "{listed:#}");
}

#[test]
fn gc_auto_zero_leaves_packing_to_the_user() {
    let repo = Repo::new();
    repo.git(&["config", "gc.auto", "0"]);
    repo.init();
    let ws = Workspace::open(&repo.path, Some("by-hand".into())).expect("open");
    add_missions(&ws, WRITES_PER_PACK + 5, "H");
    ws.store().wait_for_packing();
    assert_eq!(objects(&repo), (0, 0), "nothing was packed");
}

#[test]
fn no_second_packing_starts_while_one_runs_and_the_next_write_catches_up() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("waiter".into())).expect("open");
    // Hold the lock a running packing holds.
    let lock = File::create(repo.path.join(".git/cmos/pack.lock")).expect("the lock file");
    lock.try_lock().expect("nobody holds the packing lock yet");
    add_missions(&ws, WRITES_PER_PACK + 5, "W");
    assert_eq!(
        objects(&repo).1,
        0,
        "no packing started beside the running one"
    );
    drop(lock);
    add_missions(&ws, 1, "X");
    ws.store().wait_for_packing();
    let (packed, packs) = objects(&repo);
    assert_eq!(
        packs, 1,
        "the first write after it packed what had piled up"
    );
    assert!(packed > 500, "{packed} objects in the pack");
}

#[test]
fn the_packing_takes_the_ids_the_writes_noted_and_the_writes_after_it_start_a_new_list() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("lister".into())).expect("open");
    add_missions(&ws, WRITES_PER_PACK + 20, "L");
    ws.store().wait_for_packing();
    let (packed, packs) = objects(&repo);
    assert_eq!(packs, 1, "the noted objects went into one pack");
    assert!(packed > 500, "{packed} objects in the pack");
    // The list now holds what the writes after the packing stored, every one still loose.
    let list = std::fs::read_to_string(repo.path.join(".git/cmos/unpacked")).expect("the list");
    let ids: Vec<&str> = list.lines().collect();
    assert!(ids.len() > 20 && ids.len() < 500, "{} ids noted", ids.len());
    for id in &ids {
        assert!(
            id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id:?}"
        );
        let path = repo.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
        assert!(path.exists(), "{id} is stored loose");
    }
    assert!(!repo.path.join(".git/cmos/unpacked.packing").exists());
    repo.git(&["fsck", "--no-progress", "--strict", "--no-dangling"]);
}
