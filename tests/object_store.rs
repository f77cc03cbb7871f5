//! Reading the cmos branch's objects: while git rewrites the object store underneath (git's
//! own `gc`/`prune-packed`, which cmos starts in the background, moves loose objects into
//! packs and deletes the loose copies while a store is open), and when the branch, which is
//! untrusted input, holds a file far larger than any cmos writes.

mod branch_trees;
mod common;

use branch_trees::{blob, commit_on_branch, edit};
use cmos::format::layout;
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

#[test]
fn test_a_huge_file_on_the_branch_is_refused_with_its_path_instead_of_read_whole() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "Small"]);
    // With plain git: mission M1's file replaced by 65 MiB, just over the limit.
    let huge = blob(&repo, &repo.path, &vec![b'#'; (65 << 20) as usize]);
    let path = layout::mission_path("M1");
    let (dirs, file) = path.rsplit_once('/').unwrap();
    let dirs: Vec<&str> = dirs.split('/').collect();
    let tip = repo.git(&["rev-parse", "refs/heads/cmos^{tree}"]);
    let tree = edit(&repo, &repo.path, tip.trim(), &dirs, &mut |entries| {
        let entry = entries
            .iter_mut()
            .find(|e| e.name == file.as_bytes())
            .expect("M1's file");
        entry.id = huge.clone();
    });
    commit_on_branch(&repo, &repo.path, &tree);
    let (_, error) = repo.fails(&["mission", "show", "M1"]);
    assert_eq!(error["code"], "corrupt", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(&path), "names the file: {message}");
    assert!(message.contains("64 MiB"), "names the limit: {message}");
}

/// One thread keeps asking for the size of every file of the branch (a header lookup for
/// each, which no object cache answers) while the other writes missions and has git pack
/// them, deleting their loose copies; each packing deletes objects the reader may be
/// looking up at that moment. No lookup may report an object of the branch missing.
#[test]
fn test_reads_racing_git_prune_packed_never_report_an_object_missing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (stop, reads, dir) = (stop.clone(), reads.clone(), repo.path.clone());
        std::thread::spawn(move || -> Result<(), String> {
            let ws = Workspace::open(&dir, Some("reader".into())).map_err(|e| e.to_string())?;
            while !stop.load(Ordering::Relaxed) {
                ws.store().tip_bytes().map_err(|e| e.to_string())?;
                reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };
    let started = Instant::now();
    let mut cycle = 0;
    while started.elapsed() < Duration::from_secs(12) && !reader.is_finished() {
        for n in 0..4 {
            let fields = MissionFields {
                name: Some(format!("mission {cycle}.{n}")),
                ..MissionFields::default()
            };
            mission::add(&ws, None, fields).expect("add");
        }
        repo.git(&["repack", "-a", "-d", "-q"]);
        cycle += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let outcome = reader.join().expect("the reader thread");
    assert_eq!(outcome, Ok(()), "after {cycle} packings");
    assert!(reads.load(Ordering::Relaxed) > 0);
}

/// A store open for long (the MCP server, the board) while the repository gains packs: each
/// fetch of a sync and each incremental packing adds one, and git's `gc --auto` folds them
/// together only past 50. Reads through the open store kept working up to 32 packs only.
#[test]
fn test_a_long_open_store_reads_after_the_repository_gains_more_than_32_packs() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    for n in 0..40 {
        let fields = MissionFields {
            name: Some(format!("mission {n}")),
            ..MissionFields::default()
        };
        mission::add(&ws, Some(&format!("M{n}")), fields)
            .unwrap_or_else(|e| panic!("add M{n} with {n} packs: {e}"));
        // Incremental: the new objects into one more pack, the loose copies deleted.
        repo.git(&["repack", "-d", "-q"]);
    }
    let packs = std::fs::read_dir(repo.path.join(".git/objects/pack"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("pack".as_ref()))
        .count();
    assert!(packs > 32, "{packs} packs");
    assert_eq!(
        ws.store().mission_at_tip("M39").expect("read").name,
        "mission 39"
    );
}
