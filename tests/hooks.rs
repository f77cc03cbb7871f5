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

/// A hook that is not a shell script, in the language r3 used when it is there.
fn foreign_hook(marker: &str) -> (String, &'static str) {
    let python = Command::new("python3").arg("--version").output();
    if python.is_ok_and(|o| o.status.success()) {
        let script = format!("#!/usr/bin/env python3\nopen({marker:?}, \"w\").write(\"ok\")\n");
        (script, "python3")
    } else {
        let script = format!("#!/usr/bin/awk -f\nBEGIN {{ print \"ok\" > \"{marker}\" }}\n");
        (script, "awk")
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn test_hook_install_broke_python_binary_and_symlinked_hooks() {
    let repo = Repo::new();
    repo.init();
    let remote = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let hooks = repo.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();

    let (script, language) = foreign_hook("pre-push-ran.txt");
    std::fs::write(hooks.join("pre-push"), &script).unwrap();
    make_executable(&hooks.join("pre-push"));
    std::fs::copy("/bin/true", hooks.join("post-merge")).unwrap();
    std::fs::write(hooks.join("post-rewrite"), b"#!/bin/sh\necho caf\xe9\n").unwrap();
    make_executable(&hooks.join("post-rewrite"));
    std::fs::create_dir_all(repo.path.join("myhooks")).unwrap();
    let own = repo.path.join("myhooks/post-commit");
    std::fs::write(&own, "#!/bin/sh\necho ran > post-commit-ran.txt\n").unwrap();
    make_executable(&own);
    std::os::unix::fs::symlink("../../myhooks/post-commit", hooks.join("post-commit")).unwrap();
    let bytes = |name: &str| std::fs::read(hooks.join(name)).unwrap();
    let before: Vec<Vec<u8>> = ["pre-push", "post-merge", "post-rewrite", "post-commit"]
        .iter()
        .map(|n| bytes(n))
        .collect();
    let unchanged = |when: &str| {
        for (name, was) in ["pre-push", "post-merge", "post-rewrite", "post-commit"]
            .iter()
            .zip(&before)
        {
            let now = bytes(name);
            assert!(
                &now == was,
                "{name} changed {when}: {}",
                String::from_utf8_lossy(&now)
            );
        }
        let link = hooks.join("post-commit");
        assert!(
            link.symlink_metadata().unwrap().file_type().is_symlink(),
            "{when}"
        );
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("../../myhooks/post-commit")
        );
    };

    let envelope = repo.envelope(&["hook", "install"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    unchanged("by install");
    let state = |name: &str| -> Value {
        envelope["data"]["hooks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap()
            .clone()
    };
    let refused = |name: &str| {
        state(name)["refused"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        refused("pre-push").contains(&format!("a {language} script")),
        "{envelope}"
    );
    assert!(refused("post-merge").contains("not text"), "{envelope}");
    assert!(refused("post-rewrite").contains("not text"), "{envelope}");
    assert!(
        refused("post-commit").contains("symbolic link"),
        "{envelope}"
    );
    assert!(
        state("post-commit")["chain"]
            .as_str()
            .unwrap()
            .contains("cmos hook run post-commit \"$@\""),
        "the line to add: {envelope}"
    );
    assert_eq!(
        state("post-checkout")["installed"],
        true,
        "the others are installed"
    );
    assert_eq!(
        envelope["warnings"].as_array().unwrap().len(),
        4,
        "{envelope}"
    );

    // git goes on as before, and the user's hooks still run.
    commit(&repo, b"after install");
    assert!(
        repo.path.join("post-commit-ran.txt").exists(),
        "the linked hook ran"
    );
    let push = git_with_cmos(&repo, &repo.path, &["push", "-q", "origin", "main"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(
        repo.path.join("pre-push-ran.txt").exists(),
        "the {language} hook ran"
    );
    let checkout = git_with_cmos(&repo, &repo.path, &["checkout", "-q", "-b", "side"]);
    assert!(checkout.status.success());

    repo.json(&["hook", "uninstall"]);
    unchanged("by uninstall");
    assert!(
        !hooks.join("post-checkout").exists(),
        "cmos's own hook is removed"
    );
    std::fs::remove_file(repo.path.join("pre-push-ran.txt")).unwrap();
    commit(&repo, b"after uninstall");
    let push = git_with_cmos(&repo, &repo.path, &["push", "-q", "origin", "side"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
    assert!(repo.path.join("pre-push-ran.txt").exists());
}

#[test]
fn test_hook_install_made_a_failing_shell_pre_push_pass() {
    let repo = Repo::new();
    repo.init();
    let remote = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let hook = repo.path.join(".git/hooks/pre-push");
    std::fs::write(
        &hook,
        "#!/usr/bin/env bash\necho checks failed >&2\nfalse\n",
    )
    .unwrap();
    repo.ok(&["hook", "install"]);
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(
        text.contains("# >>> cmos >>>"),
        "a bash hook takes the block: {text}"
    );
    let push = git_with_cmos(&repo, &repo.path, &["push", "-q", "origin", "main"]);
    assert!(
        !push.status.success(),
        "the user's failing check still stops the push"
    );
    std::fs::write(&hook, text.replace("false\n", "true\n")).unwrap();
    let push = git_with_cmos(&repo, &repo.path, &["push", "-q", "origin", "main"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );
}
