//! How state is stored: one commit per command, HEAD and the working tree untouched, canonical
//! files, unknown fields kept, a signature without git identity, clones and worktrees.

mod common;

use std::process::Command;

use common::{Repo, hermetic};

/// Everything a cmos write must leave alone: status, HEAD, the diffs and the index file.
fn worktree_state(repo: &Repo) -> (String, String, String, String, String, Vec<u8>) {
    (
        repo.git(&["status", "--porcelain"]),
        repo.git(&["rev-parse", "HEAD"]),
        repo.git(&["symbolic-ref", "HEAD"]),
        repo.git(&["diff"]),
        repo.git(&["diff", "--cached"]),
        std::fs::read(repo.path.join(".git/index")).expect("read the index file"),
    )
}

#[test]
fn head_index_and_working_tree_are_untouched_by_100_operations() {
    let repo = Repo::new();
    std::fs::write(repo.path.join("README.md"), "changed but not staged\n").unwrap();
    std::fs::write(repo.path.join("staged.txt"), "staged\n").unwrap();
    repo.git(&["add", "staged.txt"]);
    std::fs::write(repo.path.join("untracked.txt"), "untracked\n").unwrap();
    let before = worktree_state(&repo);
    repo.init();
    let mut operations = 1;
    for i in 0..33 {
        let id = format!("M{i}");
        repo.ok(&["mission", "add", &id, "Work"]);
        repo.ok(&["mission", "start", &id]);
        repo.ok(&["mission", "complete", &id, "--no-promote"]);
        operations += 3;
    }
    assert_eq!(operations, 100);
    let after = worktree_state(&repo);
    assert_eq!(before, after);
    assert!(
        before.0.contains(" M README.md") && before.0.contains("A  staged.txt"),
        "{}",
        before.0
    );
    let commits = repo.git(&["rev-list", "--count", "refs/heads/cmos"]);
    assert_eq!(commits.trim(), "100", "one commit per command");
    assert!(
        !repo.path.join(".cmos").exists(),
        "nothing is written to the working tree"
    );
    repo.git(&["fsck", "--strict", "--no-progress"]);
}

#[test]
fn every_state_change_is_in_the_event_log() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "One"]);
    repo.ok(&["mission", "add", "B", "Two"]);
    repo.ok(&["mission", "start", "A"]);
    repo.ok(&["mission", "complete", "A"]);
    repo.ok(&["mission", "depends", "B", "A", "--type", "requires"]);
    let shards = repo.event_shards();
    assert_eq!(shards.len(), 1, "one writer, one shard: {shards:?}");
    let log = repo.show(&shards[0]);
    let kinds: Vec<String> = log
        .lines()
        // The process graph's moves and requests are tested in tests/process_graph.rs.
        .filter(|l| !l.contains("\"kind\":\"fsm."))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("each line is JSON");
            format!(
                "{} {} {}",
                v["kind"].as_str().unwrap(),
                v["target"].as_str().unwrap(),
                v["to"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        kinds[2..],
        [
            "mission.created A Queued",
            "mission.created B Queued",
            "mission.transition A In Progress",
            "mission.transition A Completed",
            "mission.transition B Current",
            "dependency.added B A",
        ]
    );
}

/// Adds unknown fields to a mission file, as a newer cmos would.
fn add_unknown_fields(repo: &Repo, path: &str) {
    let text = repo
        .show(path)
        .replace("status = ", "owner = \"ana\"\nstatus = ")
        + "\n[review]\nby = \"bo\"\n";
    repo.edit_on_branch(path, &text);
}

#[test]
fn unknown_fields_survive_and_only_changed_lines_change() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "A",
        "One",
        "--objective",
        "line one\nline two",
    ]);
    add_unknown_fields(&repo, &cmos::format::layout::mission_path("A"));
    // The first rewrite puts unknown fields in their canonical place, after the known ones.
    repo.ok(&["mission", "update", "A", "--rank", "6"]);
    repo.ok(&["mission", "update", "A", "--rank", "7"]);
    let text = repo.show(&cmos::format::layout::mission_path("A"));
    assert!(text.contains("owner = \"ana\""), "{text}");
    assert!(text.contains("[review]\nby = \"bo\""), "{text}");
    let diff = repo.git(&[
        "diff",
        "-U0",
        "refs/heads/cmos~1",
        "refs/heads/cmos",
        "--",
        &cmos::format::layout::mission_path("A"),
    ]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert!(
        changed
            .iter()
            .all(|l| l.contains("rank") || l.contains("updated_at")),
        "{diff}"
    );
    assert!(changed.iter().any(|l| l.starts_with("+rank = 7")), "{diff}");
    assert!(
        changed.len() <= 4,
        "only rank and updated_at change: {diff}"
    );
    assert!(
        text.contains("objective = \"\"\"\nline one\nline two\"\"\""),
        "long texts stay readable: {text}"
    );
}

#[test]
fn a_machine_without_git_identity_still_writes() {
    let repo = Repo::new();
    let out = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env_remove("EMAIL")
        .args(["init", "--name", "anon"])
        .current_dir(&repo.path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let author = repo.git(&[
        "log",
        "-1",
        "--format=%an <%ae>|%cn <%ce>",
        "refs/heads/cmos",
    ]);
    assert_eq!(author.trim(), "cmos <cmos@localhost>|cmos <cmos@localhost>");
    assert!(
        repo.git(&["log", "-1", "--format=%B", "refs/heads/cmos"])
            .contains("Cmos-Agent: unknown")
    );

    repo.git(&["config", "user.name", "Ada"]);
    repo.git(&["config", "user.email", "ada@example.com"]);
    let out = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_EMAIL")
        .args(["mission", "add", "A", "x"])
        .current_dir(&repo.path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let author = repo.git(&["log", "-1", "--format=%an <%ae>", "refs/heads/cmos"]);
    assert_eq!(author.trim(), "Ada <ada@example.com>");
}

#[test]
fn a_clone_adopts_the_remote_state_instead_of_forking() {
    let origin = Repo::new();
    origin.init();
    origin.ok(&["mission", "add", "A", "Shared work"]);
    let clone_dir = origin.sibling("clone");
    origin.git(&[
        "clone",
        "-q",
        origin.path.to_str().unwrap(),
        clone_dir.to_str().unwrap(),
    ]);
    let remote_tip = origin.tip().unwrap();

    // The first command in the clone finds origin/cmos and adopts it.
    let out = origin.cmos_in(&clone_dir, &["--json", "init", "--name", "fork?"]);
    assert!(out.status.success());
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["data"]["created"], false);
    assert_eq!(data["data"]["project"]["name"], "demo");
    let local = origin.git_in(&clone_dir, &["rev-parse", "refs/heads/cmos"]);
    assert_eq!(local.trim(), remote_tip);

    // Other commands adopt too, and new work builds on the shared history.
    let second = origin.sibling("second");
    origin.git(&[
        "clone",
        "-q",
        origin.path.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    let list = origin.cmos_in(&second, &["mission", "add", "B", "More"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let base = origin.git_in(
        &second,
        &["merge-base", "refs/heads/cmos", "refs/remotes/origin/cmos"],
    );
    assert_eq!(base.trim(), remote_tip, "one history, not two");
}

#[test]
fn linked_worktrees_share_the_branch_but_write_their_own_log_shards() {
    let repo = Repo::new();
    repo.init();
    let tree = repo.sibling("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().unwrap(),
        "-b",
        "feature",
    ]);
    repo.ok(&["mission", "add", "A", "Main"]);
    assert!(
        repo.cmos_in(&tree, &["mission", "add", "B", "Tree"])
            .status
            .success()
    );
    let shards = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/events",
    ]);
    assert_eq!(shards.lines().count(), 2, "{shards}");
    let main_writer = std::fs::read_to_string(repo.path.join(".git/cmos/writer")).unwrap();
    let tree_writer =
        std::fs::read_to_string(repo.path.join(".git/worktrees/tree/cmos/writer")).unwrap();
    assert_ne!(main_writer, tree_writer);
}

#[test]
fn custom_branch_name_from_git_config() {
    let repo = Repo::new();
    repo.git(&["config", "cmos.ref", "project-memory"]);
    repo.init();
    repo.git(&["rev-parse", "--verify", "refs/heads/project-memory"]);
    assert_eq!(repo.tip(), None);
    assert_eq!(
        repo.json(&["status"])["branch"],
        "refs/heads/project-memory"
    );
}

#[test]
fn a_stale_cache_is_refreshed_from_the_branch() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Before"]);
    std::fs::write(repo.path.join(".git/cmos/index/head"), "{ not json").unwrap();
    repo.ok(&["mission", "add", "B", "After"]);
    assert_eq!(repo.json(&["mission", "list"]).as_array().unwrap().len(), 2);
    std::fs::remove_file(repo.path.join(".git/cmos/index/head")).unwrap();
    assert_eq!(repo.json(&["mission", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_full_log_shard_rolls_over_to_a_new_file() {
    let repo = Repo::new();
    repo.init();
    let ws = cmos::ops::Workspace::open(&repo.path, Some("tester".into())).expect("open");
    // Two notes fit in the first shard with init's events, the third does not.
    let note = "x".repeat(cmos::format::layout::SHARD_LIMIT * 2 / 5);
    for _ in 0..3 {
        ws.store()
            .write("test.note", |tx| {
                tx.record("test.note", "project", None, None, Some(note.clone()));
                Ok(())
            })
            .expect("write");
    }
    let shards = repo.event_shards();
    assert_eq!(shards.len(), 2, "{shards:?}");
    assert!(
        shards[0].ends_with("-001.jsonl") && shards[1].ends_with("-002.jsonl"),
        "{shards:?}"
    );
    // The first shard stopped before the limit; nothing was lost across the two.
    assert!(repo.show(&shards[0]).len() <= cmos::format::layout::SHARD_LIMIT);
    let lines = repo.show(&shards[0]).lines().count() + repo.show(&shards[1]).lines().count();
    assert_eq!(
        lines,
        2 + 3 + 3,
        "init's two events, its process moves (two and a request) and the three notes"
    );
}
