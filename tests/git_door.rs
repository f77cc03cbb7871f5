//! What cmos asks git about the project's own repository, now that every question goes
//! through the store: git config read the way git reads it (boolean spellings included), the
//! default branch from `cmos.defaultBranch`, `origin/HEAD` or `init.defaultBranch`, branch
//! names with slashes, and the remote a sync picks.

mod common;

use common::Repo;

/// Commits `message` on the current branch and runs the post-commit hook by hand (no shims
/// installed): returns the line the hook wrote to its log.
fn commit_and_run_hook(repo: &Repo, message: &str) -> String {
    let file = repo.path.join("work.txt");
    let before = std::fs::read_to_string(&file).unwrap_or_default();
    std::fs::write(&file, format!("{before}{message}\n")).expect("write a file");
    repo.git(&["add", "work.txt"]);
    repo.git(&["commit", "-q", "-m", message]);
    repo.ok(&["hook", "run", "post-commit"]);
    let log = std::fs::read_to_string(repo.path.join(".git/cmos/hooks.log"))
        .expect("the hooks log exists");
    log.lines().last().expect("a line per hook run").to_string()
}

fn status(repo: &Repo, id: &str) -> String {
    repo.json(&["mission", "show", id])["status"]
        .as_str()
        .expect("a status")
        .to_string()
}

#[test]
fn test_cmos_completes_follows_origin_head_and_git_boolean_spellings() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "Work"]);
    repo.ok(&["mission", "start", "M1"]);
    // `yes` is as true to git as `true`: the switch is read as git reads it.
    repo.git(&["config", "cmos.completeOnDefaultBranch", "yes"]);
    // The default branch is what origin/HEAD points at, not main.
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", "refs/remotes/origin/trunk", head.trim()]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/trunk",
    ]);
    let line = commit_and_run_hook(&repo, "On main\n\nCmos-Completes: M1");
    assert!(
        line.contains("waits for the default branch (trunk)"),
        "{line}"
    );
    assert_eq!(status(&repo, "M1"), "In Progress");

    repo.git(&["checkout", "-q", "-b", "trunk"]);
    let line = commit_and_run_hook(&repo, "On trunk\n\nCmos-Completes: M1");
    assert!(line.contains("completed M1"), "{line}");
    assert_eq!(status(&repo, "M1"), "Completed");
}

#[test]
fn test_cmos_completes_on_a_configured_default_branch_with_a_slash() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "Work"]);
    repo.ok(&["mission", "start", "M1"]);
    repo.git(&["config", "cmos.completeOnDefaultBranch", "on"]);
    // cmos.defaultBranch wins over init.defaultBranch (and over main).
    repo.git(&["config", "init.defaultBranch", "develop"]);
    repo.git(&["config", "cmos.defaultBranch", "release/1.x"]);
    let line = commit_and_run_hook(&repo, "On main\n\nCmos-Completes: M1");
    assert!(
        line.contains("waits for the default branch (release/1.x)"),
        "{line}"
    );
    repo.git(&["checkout", "-q", "-b", "release/1.x"]);
    let line = commit_and_run_hook(&repo, "Released\n\nCmos-Completes: M1");
    assert!(line.contains("completed M1"), "{line}");
    assert_eq!(status(&repo, "M1"), "Completed");
}

#[test]
fn test_cmos_completes_is_off_unless_git_says_true() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "Work"]);
    repo.ok(&["mission", "start", "M1"]);
    repo.git(&["config", "cmos.completeOnDefaultBranch", "off"]);
    let line = commit_and_run_hook(&repo, "Done\n\nCmos-Completes: M1");
    assert!(line.contains("Cmos-Completes ignored (M1)"), "{line}");
    assert_eq!(status(&repo, "M1"), "In Progress");
}

#[test]
fn test_sync_uses_the_branch_remote_before_origin() {
    let repo = Repo::new();
    repo.init();
    for name in ["origin.git", "upstream.git"] {
        let dir = repo.sibling(name);
        repo.git(&["init", "-q", "--bare", dir.to_str().unwrap()]);
    }
    let (origin, upstream) = (repo.sibling("origin.git"), repo.sibling("upstream.git"));
    repo.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
    repo.git(&["remote", "add", "upstream", upstream.to_str().unwrap()]);
    repo.git(&["config", "branch.cmos.remote", "upstream"]);
    let out = repo.json(&["sync"]);
    assert_eq!(out["remote"], "upstream");
    assert_eq!(out["result"], "created");
    assert_eq!(repo.ref_in(&upstream, "refs/heads/cmos"), repo.tip());
    assert_eq!(repo.ref_in(&origin, "refs/heads/cmos"), None);
    // Without the setting, origin is the remote.
    repo.git(&["config", "--unset", "branch.cmos.remote"]);
    assert_eq!(repo.json(&["sync"])["remote"], "origin");
    assert_eq!(repo.ref_in(&origin, "refs/heads/cmos"), repo.tip());
}
