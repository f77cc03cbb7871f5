//! The gates of the cmos branch: a remote branch that is someone's code is never adopted,
//! merged into or pushed to; an unrelated history is merged only when asked; writes wait
//! until the format marker is readable; a live owner's ref lock is never removed; a command
//! that fails in a repository without a project leaves nothing behind.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Repo, hermetic};

/// A bare remote beside `repo`, added to it as origin.
fn add_remote(repo: &Repo) -> PathBuf {
    let remote = repo.sibling("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    remote
}

/// Pushes a branch named cmos that holds someone's code (no `.cmos/format.toml`).
fn push_code_branch(repo: &Repo) {
    repo.git(&["checkout", "-q", "-b", "code"]);
    std::fs::write(repo.path.join("README.md"), "# Content Management OS\n").unwrap();
    std::fs::write(repo.path.join("main.py"), "print('cms')\n").unwrap();
    repo.git(&["add", "README.md", "main.py"]);
    repo.git(&["commit", "-q", "-m", "the cms code"]);
    repo.git(&["push", "-q", "origin", "code:refs/heads/cmos"]);
    repo.git(&["checkout", "-q", "main"]);
}

fn fsck_clean(repo: &Repo, dir: &Path) {
    let out = hermetic(&mut Command::new("git"), &repo.home)
        .args(["fsck", "--strict", "--no-progress"])
        .current_dir(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && !text
                .lines()
                .any(|l| l.starts_with("error") || l.starts_with("warning")),
        "git fsck --strict: {text}"
    );
}

#[test]
fn test_sync_refuses_to_merge_into_or_push_a_remote_cmos_branch_that_is_code() {
    let repo = Repo::new();
    let remote = add_remote(&repo);
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    // Someone else's code lands on the remote under the same branch name.
    push_code_branch(&repo);
    let remote_before = repo.ref_in(&remote, "refs/heads/cmos");
    let local_before = repo.tip();

    let (code, error) = repo.fails(&["sync"]);
    assert_eq!(code, 5, "{error}");
    assert_eq!(error["code"], "refused");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("not a cmos branch"), "{message}");
    assert!(message.contains("cmos.ref"), "{message}");
    // Neither side moved: their README is theirs, our branch is ours.
    assert_eq!(repo.ref_in(&remote, "refs/heads/cmos"), remote_before);
    assert_eq!(repo.tip(), local_before);
    let readme = repo.git_in(&remote, &["show", "refs/heads/cmos:README.md"]);
    assert_eq!(readme, "# Content Management OS\n");
    fsck_clean(&repo, &remote);
}

#[test]
fn test_fresh_clone_does_not_adopt_a_remote_cmos_branch_that_is_code() {
    let repo = Repo::new();
    let remote = add_remote(&repo);
    repo.git(&["push", "-q", "origin", "main"]);
    push_code_branch(&repo);
    let clone = repo.sibling("clone");
    repo.git(&[
        "clone",
        "-q",
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);

    let out = repo.cmos_in(&clone, &["--json", "status"]);
    assert!(!out.status.success());
    let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "refused", "{envelope}");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("origin's cmos branch"), "{message}");
    assert!(message.contains(".cmos/format.toml"), "{message}");
    // No local branch was created from their code, and a write is refused the same way.
    assert_eq!(repo.ref_in(&clone, "refs/heads/cmos"), None);
    let out = repo.cmos_in(&clone, &["--json", "init", "--name", "mine"]);
    assert!(!out.status.success());
    assert_eq!(repo.ref_in(&clone, "refs/heads/cmos"), None);

    // Keeping cmos's state on another branch works beside their code.
    repo.git_in(&clone, &["config", "cmos.ref", "refs/heads/cmos-state"]);
    let out = repo.cmos_in(&clone, &["init", "--name", "mine"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn test_sync_refuses_a_remote_branch_with_an_unreadable_format_marker() {
    let repo = Repo::new();
    let remote = add_remote(&repo);
    repo.init();
    repo.ok(&["sync"]);
    let clone = repo.sibling("clone");
    repo.git(&[
        "clone",
        "-q",
        remote.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    let clone_repo_status = repo.cmos_in(&clone, &["status"]);
    assert!(clone_repo_status.status.success());
    // The first clone damages the marker and pushes it with plain git.
    repo.edit_on_branch(".cmos/format.toml", "major = \"two\n");
    repo.git(&["push", "-q", "-f", "origin", "cmos"]);

    let before = repo.ref_in(&clone, "refs/heads/cmos");
    let out = repo.cmos_in(&clone, &["--json", "sync"]);
    assert!(!out.status.success());
    let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "refused", "{envelope}");
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unreadable format marker"),
        "{envelope}"
    );
    assert_eq!(repo.ref_in(&clone, "refs/heads/cmos"), before);
}

#[test]
fn test_sync_refuses_an_unrelated_history_unless_allowed() {
    let ours = Repo::new();
    let remote = add_remote(&ours);
    ours.ok(&["init", "--name", "alpha"]);
    ours.ok(&["mission", "add", "A1", "Alpha work"]);
    ours.ok(&["sync"]);

    // Another project, started by its own init, pointed at the same remote.
    let theirs = Repo::new();
    theirs.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    theirs.ok(&["init", "--name", "beta"]);
    theirs.ok(&["mission", "add", "B1", "Beta work"]);
    let remote_before = ours.ref_in(&remote, "refs/heads/cmos");
    let local_before = theirs.tip();

    let (code, error) = theirs.fails(&["sync"]);
    assert_eq!(code, 5);
    assert_eq!(error["code"], "refused");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("shares no history"), "{message}");
    assert!(
        message.contains("\"alpha\"") && message.contains("\"beta\""),
        "{message}"
    );
    assert_eq!(ours.ref_in(&remote, "refs/heads/cmos"), remote_before);
    assert_eq!(theirs.tip(), local_before);
    let dry = theirs.fails(&["sync", "--dry-run"]);
    assert_eq!(dry.1["code"], "refused");

    // Asked for, the histories are merged and both projects' missions are kept.
    let merged = theirs.json(&["sync", "--allow-unrelated"]);
    assert_eq!(merged["result"], "merged", "{merged}");
    let listed = theirs.ok(&["mission", "list"]);
    assert!(listed.contains("A1") && listed.contains("B1"), "{listed}");
    fsck_clean(&theirs, &remote);
}

#[test]
fn test_writes_are_refused_while_the_format_marker_is_unreadable() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    repo.edit_on_branch(".cmos/format.toml", "major = [\n");
    let before = repo.tip();

    let (code, error) = repo.fails(&["mission", "add", "A2", "Second"]);
    assert_eq!(code, 5, "{error}");
    assert_eq!(error["code"], "refused");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(".cmos/format.toml is unreadable"),
        "{message}"
    );
    let hint = error["hint"].as_str().unwrap();
    assert!(hint.contains("run `cmos init` or `cmos verify`"), "{hint}");
    let (_, error) = repo.fails(&["mission", "start", "A1"]);
    assert_eq!(error["code"], "refused");
    assert_eq!(repo.tip(), before, "nothing was written");
    // Reads still work, so people can see what they have.
    assert!(repo.ok(&["mission", "list"]).contains("A1"));

    // init puts the marker back and nothing else; then writes go ahead.
    let envelope = repo.envelope(&["init"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    assert_eq!(envelope["data"]["created"], false);
    let warnings = envelope["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("written again")),
        "{envelope}"
    );
    let marker = repo.show(".cmos/format.toml");
    let major = format!("major = {}", cmos::model::FORMAT_MAJOR);
    assert!(marker.contains(&major), "{marker}");
    repo.ok(&["mission", "add", "A2", "Second"]);
    assert!(repo.ok(&["mission", "list"]).contains("A2"));
}

#[test]
fn test_writes_are_refused_while_the_format_marker_is_missing() {
    let repo = Repo::new();
    repo.init();
    repo.remove_on_branch(".cmos/format.toml");
    let before = repo.tip();
    let (_, error) = repo.fails(&["mission", "add", "A1", "First"]);
    assert_eq!(error["code"], "refused");
    assert!(
        error["message"].as_str().unwrap().contains("is missing"),
        "{error}"
    );
    assert_eq!(repo.tip(), before);
    repo.ok(&["init"]);
    repo.ok(&["mission", "add", "A1", "First"]);
}

#[test]
fn test_failed_commands_without_a_project_leave_nothing_under_the_git_dir() {
    let repo = Repo::new();
    let local = repo.path.join(".git").join("cmos");
    let commands: &[&[&str]] = &[
        &["mission", "add", "A1", "First"],
        &["mission", "start", "A1"],
        &["mission", "next"],
        &["status"],
        &["session", "start", "--type", "build", "--title", "Work"],
        &["session", "capture", "decision", "use toml"],
        &["decision", "add", "Use TOML"],
        &["sprint", "add", "S1", "First"],
        &["context"],
        &["verify"],
        &["sync"],
        &["log"],
    ];
    for args in commands {
        let out = repo.cmos(args);
        assert!(
            !out.status.success(),
            "cmos {args:?} should fail without a project"
        );
        assert!(
            !local.exists(),
            "cmos {args:?} left {} behind: {:?}",
            local.display(),
            std::fs::read_dir(&local)
                .map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
        );
    }
}

#[test]
fn test_a_live_update_ref_keeps_its_lock_while_cmos_waits() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip().unwrap();
    // git holds the branch's lock from `prepare` until `commit`: a slow writer.
    let mut git = hermetic(&mut Command::new("git"), &repo.home)
        .args(["update-ref", "--stdin"])
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = git.stdin.take().unwrap();
    writeln!(stdin, "start\nupdate refs/heads/cmos {tip} {tip}\nprepare").unwrap();
    stdin.flush().unwrap();
    let mut stdout = BufReader::new(git.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("prepare") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "git update-ref ended early"
        );
    }
    let lock = repo.path.join(".git/refs/heads/cmos.lock");
    assert!(lock.exists());

    // A cmos write meanwhile must wait, not delete a lock whose owner is alive.
    let writer = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .args(["mission", "add", "A1", "First"])
        .current_dir(&repo.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3500));
    assert!(
        lock.exists(),
        "cmos removed the lock of a live git update-ref"
    );
    writeln!(stdin, "commit").unwrap();
    drop(stdin);
    let status = git.wait().unwrap();
    assert!(
        status.success(),
        "git update-ref failed to commit its transaction"
    );
    // cmos then gets the branch (or gives up with a clear conflict); either way no lost lock.
    let out = writer.wait_with_output().unwrap();
    if out.status.success() {
        assert!(repo.ok(&["mission", "list"]).contains("A1"));
    } else {
        assert_eq!(
            out.status.code(),
            Some(8),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
