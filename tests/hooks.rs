//! Git hooks: install/uninstall/status around the user's own hooks and `core.hooksPath`,
//! commits logged verbatim (quotes, `$(...)`, backticks, newlines, non-UTF-8) and never
//! executed, trailers, the opt-ins, and a failing cmos never failing git.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Repo, hermetic};
use serde_json::Value;

/// `git ARGS` with the cmos binary first on PATH, as the hook shims find it.
fn git_with_cmos(repo: &Repo, dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    hermetic(&mut Command::new("git"), &repo.home)
        .env("PATH", path)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git")
}

fn commit(repo: &Repo, message: &[u8]) {
    commit_with(repo, message, &[]);
}

/// Commits with `message` byte for byte; `config` goes before `commit` (`-c key=value`).
fn commit_with(repo: &Repo, message: &[u8], config: &[&str]) {
    let file = repo.sibling("message.txt");
    std::fs::write(&file, message).unwrap();
    std::fs::write(repo.path.join("work.txt"), format!("{}\n", message.len())).unwrap();
    repo.git(&["add", "work.txt"]);
    let mut args = config.to_vec();
    args.extend(["commit", "-q", "-F", file.to_str().unwrap()]);
    let out = git_with_cmos(repo, &repo.path, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The events of kind `git.commit`, oldest first.
fn commit_events(repo: &Repo) -> Vec<Value> {
    repo.event_shards()
        .iter()
        .flat_map(|shard| {
            repo.show(shard)
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .filter(|e| e["kind"] == "git.commit")
        .collect()
}

#[test]
fn install_keeps_the_users_hook_and_uninstall_gives_it_back() {
    let repo = Repo::new();
    repo.init();
    let hook = repo.path.join(".git/hooks/post-commit");
    std::fs::write(&hook, "#!/bin/sh\necho mine > mine.txt\n").unwrap();
    let installed = repo.json(&["hook", "install"]);
    repo.json(&["hook", "install"]);
    let text = std::fs::read_to_string(&hook).unwrap();
    assert_eq!(
        text.matches("# >>> cmos >>>").count(),
        1,
        "idempotent: {text}"
    );
    assert!(text.starts_with("#!/bin/sh\necho mine"), "{text}");
    let states = installed["hooks"].as_array().unwrap();
    assert_eq!(states.len(), 5);
    assert!(
        states
            .iter()
            .all(|h| h["installed"] == true && h["executable"] == true)
    );
    assert_eq!(states[0]["has_other_content"], true);

    repo.json(&["hook", "uninstall"]);
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine > mine.txt\n",
        "the user's hook is back as it was"
    );
    assert!(
        !repo.path.join(".git/hooks/post-merge").exists(),
        "cmos-only hooks are removed"
    );
    let status = repo.json(&["hook", "status"]);
    assert!(
        status["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["installed"] == false)
    );
}

#[test]
fn core_hooks_path_is_respected() {
    let repo = Repo::new();
    repo.init();
    repo.git(&["config", "core.hooksPath", "githooks"]);
    let status = repo.json(&["hook", "install"]);
    assert!(
        status["directory"].as_str().unwrap().ends_with("githooks"),
        "{status}"
    );
    assert!(repo.path.join("githooks/post-commit").exists());
    commit(&repo, b"through hooksPath");
    assert_eq!(commit_events(&repo).len(), 1);
}

#[test]
fn commits_are_logged_verbatim_against_the_active_mission_and_never_executed() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["hook", "install"]);
    repo.ok(&["mission", "add", "M1", "Work"]);
    repo.ok(&["mission", "add", "M2", "Other"]);
    repo.ok(&["mission", "start", "M1"]);
    repo.ok(&["session", "start", "--type", "build", "--title", "hooks"]);
    let pwned = repo.sibling("PWNED");
    let message = format!(
        "Fix \"quotes\" $(touch {p}) `touch {p}` 'single'\n\nbody line\n\nCmos-Mission: M2\n",
        p = pwned.display()
    );
    commit(&repo, message.as_bytes());
    assert!(!pwned.exists(), "nothing in a message is ever executed");
    let events = commit_events(&repo);
    let targets: Vec<&str> = events
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        ["M1", "M2"],
        "the active mission and the trailer's"
    );
    assert_eq!(events[0]["message"], message.as_str(), "verbatim");
    assert_eq!(events[0]["files"][0], "work.txt");
    assert!(events[0]["session"].as_str().unwrap().starts_with("ps-"));

    // Declared Latin-1, git keeps the bytes as they are: not UTF-8.
    commit_with(
        &repo,
        b"caf\xe9 \xff bytes\n",
        &["-c", "i18n.commitEncoding=ISO-8859-1"],
    );
    let events = commit_events(&repo);
    let last = events.last().unwrap();
    assert_eq!(last["message_hex"], "636166e920ff2062797465730a", "{last}");
    repo.git(&["fsck", "--strict", "--no-progress"]);
}

#[test]
fn a_failing_cmos_never_fails_the_users_git_command() {
    // No cmos project at all: the hook's cmos fails, the commit goes through.
    let repo = Repo::new();
    repo.init();
    repo.ok(&["hook", "install"]);
    repo.git(&["update-ref", "-d", "refs/heads/cmos"]);
    commit(&repo, b"works without a project");
    let log = repo.git(&["log", "--format=%s", "-1"]);
    assert_eq!(log.trim(), "works without a project");
    let hooks_log = std::fs::read_to_string(repo.path.join(".git/cmos/hooks.log")).unwrap();
    assert!(hooks_log.contains("post-commit: error"), "{hooks_log}");
}

#[test]
fn cmos_completes_acts_only_on_the_default_branch_when_opted_in() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["hook", "install"]);
    repo.ok(&["mission", "add", "M1", "Work"]);
    repo.ok(&["mission", "start", "M1"]);
    commit(&repo, b"Finish it\n\nCmos-Completes: M1\n");
    assert_eq!(
        repo.json(&["mission", "show", "M1"])["status"],
        "In Progress",
        "not opted in"
    );

    repo.git(&["config", "cmos.completeOnDefaultBranch", "true"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    commit(&repo, b"On a branch\n\nCmos-Completes: M1\n");
    assert_eq!(
        repo.json(&["mission", "show", "M1"])["status"],
        "In Progress",
        "not on main yet"
    );

    repo.git(&["checkout", "-q", "main"]);
    let out = git_with_cmos(
        &repo,
        &repo.path,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        repo.json(&["mission", "show", "M1"])["status"],
        "Completed",
        "reached main"
    );
}

#[test]
fn pre_push_syncs_the_cmos_branch_when_asked() {
    let repo = Repo::new();
    repo.init();
    let remote = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    repo.ok(&["hook", "install"]);
    let push = |repo: &Repo| {
        let out = git_with_cmos(repo, &repo.path, &["push", "-q", "origin", "main"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    push(&repo);
    let has_cmos = |repo: &Repo| {
        !repo
            .git_in(&remote, &["for-each-ref", "refs/heads/cmos"])
            .trim()
            .is_empty()
    };
    assert!(!has_cmos(&repo), "off by default");
    repo.git(&["config", "cmos.syncOnPush", "true"]);
    push(&repo);
    assert!(has_cmos(&repo), "the push took the cmos branch along");
}
