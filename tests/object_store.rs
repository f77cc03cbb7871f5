//! Reading the cmos branch while git rewrites the object store underneath: git's own
//! `gc`/`prune-packed` (which cmos starts in the background) moves loose objects into packs
//! and deletes the loose copies while a store is open.

mod common;

use cmos::ops::mission::MissionFields;
use cmos::ops::{Workspace, mission};
use common::Repo;

#[test]
fn test_store_reads_objects_that_git_packed_and_pruned_after_it_opened() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let fields = |name: &str| MissionFields {
        name: Some(name.into()),
        ..MissionFields::default()
    };
    mission::add(&ws, Some("M1"), fields("first")).expect("add M1");
    mission::add(&ws, Some("M2"), fields("second")).expect("add M2");
    ws.store().wait_for_packing();
    // Outside the store: everything into one pack, the loose copies deleted.
    repo.git(&["repack", "-a", "-d", "-q"]);
    repo.git(&["prune-packed"]);
    let store = ws.store();
    assert_eq!(store.mission_at_tip("M1").expect("read M1").name, "first");
    assert_eq!(store.mission_at_tip("M2").expect("read M2").name, "second");
    let snapshot = store.snapshot().expect("snapshot");
    assert!(store.mission(&snapshot, "M2").is_ok());
}
