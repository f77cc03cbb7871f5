//! Many writers at once against one repository: compare-and-swap with re-apply loses nothing.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::thread;

use common::{Repo, hermetic};

const PROCESSES: usize = 8;
const MISSIONS_EACH: usize = 50;

/// One writer: adds its missions and moves each through start and complete, blocking and
/// unblocking every fifth on the way. Returns how many transitions it made.
fn writer(repo_path: std::path::PathBuf, home: std::path::PathBuf, p: usize) -> usize {
    let run = |args: &[&str]| {
        let out = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &home)
            .args(args)
            .arg("--agent")
            .arg(format!("writer-{p}"))
            .current_dir(&repo_path)
            .output()
            .expect("run cmos");
        assert!(
            out.status.success(),
            "cmos {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mut transitions = 0;
    for i in 0..MISSIONS_EACH {
        let id = format!("P{p}-{i:02}");
        run(&["mission", "add", &id, "Concurrent work"]);
        run(&["mission", "start", &id]);
        transitions += 1;
        if i % 5 == 0 {
            run(&["mission", "block", &id, "--reason", "waiting"]);
            run(&["mission", "unblock", &id]);
            transitions += 2;
        }
        run(&["mission", "complete", &id, "--no-promote"]);
        transitions += 1;
    }
    transitions
}

#[test]
fn eight_processes_writing_at_once_lose_nothing() {
    let repo = Repo::new();
    repo.init();
    let handles: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let (path, home) = (repo.path.clone(), repo.home.clone());
            thread::spawn(move || writer(path, home, p))
        })
        .collect();
    let expected_transitions: usize = handles
        .into_iter()
        .map(|h| h.join().expect("writer thread"))
        .sum();

    let missions = repo.json(&["mission", "list"]);
    let missions = missions.as_array().expect("a list");
    assert_eq!(
        missions.len(),
        PROCESSES * MISSIONS_EACH,
        "every mission is there"
    );
    assert!(missions.iter().all(|m| m["status"] == "Completed"));

    let mut recorded = 0;
    for p in 0..PROCESSES {
        for i in 0..MISSIONS_EACH {
            let shown = repo.json(&["mission", "show", &format!("P{p}-{i:02}")]);
            let transitions = shown["transitions"].as_array().expect("transitions");
            assert_eq!(transitions.len(), if i % 5 == 0 { 4 } else { 2 });
            assert!(transitions.iter().all(|t| t["by"] == format!("writer-{p}")));
            recorded += transitions.len();
        }
    }
    assert_eq!(recorded, expected_transitions);

    // The event log holds every transition exactly once.
    let shards = repo.event_shards();
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for file in &shards {
        for line in repo.show(file).lines() {
            let event: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            *kinds
                .entry(event["kind"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert_eq!(kinds["mission.transition"], expected_transitions);
    assert_eq!(kinds["mission.created"], PROCESSES * MISSIONS_EACH);

    let commands = PROCESSES * MISSIONS_EACH + expected_transitions;
    let commits = repo.git(&["rev-list", "--count", "refs/heads/cmos"]);
    assert_eq!(
        commits.trim().parse::<usize>().unwrap(),
        commands + 1,
        "one commit per command, plus init"
    );
    repo.git(&["fsck", "--strict", "--no-progress"]);
}
