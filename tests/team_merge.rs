//! Team branches: each team's clones share their own cmos branch through one remote
//! (`cmos.ref refs/heads/cmos-team-NAME`), and an integrator merges the team branches into the
//! shared one with `cmos merge`, the semantic merge `cmos sync` uses, then publishes it with
//! `cmos sync`. Real clones of a real bare remote, in temporary directories.

mod branch_trees;
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use branch_trees::{Entry, blob, ls, mktree};
use common::Repo;
use serde_json::Value;

/// A bare remote holding the shared `cmos` branch, the integrator's repository (which
/// created it) and one clone per team, each writing its own team branch.
struct Teams {
    integrator: Repo,
    remote: PathBuf,
    a: PathBuf,
    b: PathBuf,
}

impl Teams {
    fn new() -> Teams {
        let integrator = Repo::new();
        integrator.init();
        let remote = integrator.sibling("remote.git");
        let remote_str = remote.to_str().unwrap().to_string();
        let remote_str = remote_str.as_str();
        integrator.git(&["init", "-q", "--bare", remote_str]);
        integrator.git(&["remote", "add", "origin", remote_str]);
        integrator.git(&["push", "-q", "origin", "main"]);
        integrator.json(&["sync"]);
        let teams = Teams {
            a: integrator.sibling("team-a"),
            b: integrator.sibling("team-b"),
            integrator,
            remote,
        };
        for (dir, team) in [(&teams.a, "cmos-team-a"), (&teams.b, "cmos-team-b")] {
            let r = &teams.integrator;
            r.git(&["clone", "-q", remote_str, dir.to_str().unwrap()]);
            r.git_in(dir, &["branch", team, "origin/cmos"]);
            r.git_in(dir, &["config", "cmos.ref", &format!("refs/heads/{team}")]);
            let created = teams.cmos(dir, &["sync"]);
            assert_eq!(created["result"], "created", "{created:#}");
        }
        teams
    }

    fn envelope(&self, dir: &Path, args: &[&str]) -> Value {
        self.integrator.envelope_in(dir, args)
    }

    fn cmos(&self, dir: &Path, args: &[&str]) -> Value {
        let value = self.envelope(dir, args);
        assert_eq!(value["ok"], true, "cmos {args:?} in {dir:?}: {value:#}");
        value["data"].clone()
    }

    /// `cmos merge` in the integrator's repository.
    fn merge(&self, args: &[&str]) -> Value {
        let mut all = vec!["merge"];
        all.extend_from_slice(args);
        self.cmos(&self.integrator.path, &all)
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        self.integrator.git_in(dir, args).trim().to_string()
    }

    /// The names of the missions on the branch checked out in `dir`.
    fn mission_names(&self, dir: &Path) -> BTreeSet<String> {
        self.cmos(dir, &["mission", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// Every line of every log (`.jsonl`) on `rev` in the integrator's repository, by file.
    fn log_lines(&self, rev: &str) -> BTreeSet<(String, String)> {
        let dir = &self.integrator.path;
        let files = self.git(dir, &["ls-tree", "-r", "--name-only", rev]);
        let mut lines = BTreeSet::new();
        for path in files.lines().filter(|p| p.ends_with(".jsonl")) {
            let text = self.git(dir, &["show", &format!("{rev}:{path}")]);
            for line in text.lines() {
                lines.insert((path.to_string(), line.to_string()));
            }
        }
        lines
    }
}

/// Each team does a few operations on its own branch and publishes them.
fn team_work(t: &Teams, dir: &Path, team: &str, round: usize) {
    for n in 0..3 {
        t.cmos(
            dir,
            &["mission", "add", &format!("{team} mission {round}.{n}")],
        );
    }
    t.cmos(
        dir,
        &[
            "session", "start", "--type", "build", "--title", team, "--agent", team,
        ],
    );
    t.cmos(
        dir,
        &[
            "session",
            "capture",
            "decision",
            &format!("{team} decided {round}\nbecause"),
            "--agent",
            team,
        ],
    );
    t.cmos(
        dir,
        &["session", "complete", "--summary", "done", "--agent", team],
    );
    let synced = t.cmos(dir, &["sync"]);
    assert_ne!(synced["result"], "offline", "{synced:#}");
}

#[test]
fn test_team_branches_merged_into_the_shared_branch_keep_every_mission_and_log_line() {
    let t = Teams::new();
    team_work(&t, &t.a, "alpha", 0);
    team_work(&t, &t.b, "beta", 0);
    let shared_before = t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]);
    let a = t.merge(&["cmos-team-a", "--remote", "origin"]);
    assert_eq!(a["result"], "fast-forwarded", "{a:#}");
    assert_eq!(a["source"], "refs/remotes/origin/cmos-team-a");
    let b = t.merge(&["cmos-team-b", "--remote", "origin"]);
    assert_eq!(b["result"], "merged", "{b:#}");
    assert!(
        b["incoming"].as_array().unwrap().len() >= 6,
        "the team's operations are listed: {b:#}"
    );
    // A merge commit with both parents: this branch's tip and the team's.
    let merge = b["commit"].as_str().unwrap();
    let parents = t.git(&t.integrator.path, &["rev-list", "--parents", "-n1", merge]);
    let team_b = t.git(
        &t.integrator.path,
        &["rev-parse", "refs/remotes/origin/cmos-team-b"],
    );
    let team_a = t.git(
        &t.integrator.path,
        &["rev-parse", "refs/remotes/origin/cmos-team-a"],
    );
    assert_eq!(parents, format!("{merge} {team_a} {team_b}"));
    assert_ne!(shared_before, team_a);

    let names = t.mission_names(&t.integrator.path);
    for (dir, team) in [(&t.a, "alpha"), (&t.b, "beta")] {
        let theirs = t.mission_names(dir);
        assert!(theirs.iter().any(|n| n.starts_with(team)));
        assert!(theirs.is_subset(&names), "{theirs:?} all in {names:?}");
    }
    let merged_lines = t.log_lines("refs/heads/cmos");
    for team in ["cmos-team-a", "cmos-team-b"] {
        let lines = t.log_lines(&format!("refs/remotes/origin/{team}"));
        assert!(!lines.is_empty());
        let missing: Vec<_> = lines.difference(&merged_lines).collect();
        assert!(missing.is_empty(), "{team}'s log lines lost: {missing:?}");
    }
    // Published by the next sync, and a clean repository on the remote.
    let pushed = t.cmos(&t.integrator.path, &["sync"]);
    assert_eq!(pushed["result"], "pushed", "{pushed:#}");
    t.git(&t.remote, &["fsck", "--strict", "--no-progress"]);
    let verified = t.envelope(&t.integrator.path, &["verify"]);
    assert_eq!(verified["ok"], true, "{verified:#}");
}

#[test]
fn test_merging_a_branch_already_merged_changes_nothing() {
    let t = Teams::new();
    team_work(&t, &t.a, "alpha", 0);
    t.cmos(&t.integrator.path, &["mission", "add", "Integrator's own"]);
    let first = t.merge(&["cmos-team-a", "--remote", "origin"]);
    assert_eq!(first["result"], "merged", "{first:#}");
    let tip = t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]);
    for args in [
        &["cmos-team-a", "--remote", "origin"][..],
        &["origin/cmos-team-a"][..],
        &["refs/remotes/origin/cmos-team-a"][..],
    ] {
        let again = t.merge(args);
        assert_eq!(again["result"], "up-to-date", "{again:#}");
        assert!(again["commit"].is_null());
    }
    assert_eq!(
        t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]),
        tip
    );
}

#[test]
fn test_merge_dry_run_shows_what_would_come_in_and_changes_nothing() {
    let t = Teams::new();
    t.cmos(&t.a, &["mission", "add", "M1", "Contested"]);
    t.cmos(&t.a, &["sync"]);
    t.merge(&["cmos-team-a", "--remote", "origin"]);
    t.cmos(
        &t.integrator.path,
        &["mission", "update", "M1", "--objective", "shared"],
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    t.cmos(&t.a, &["mission", "update", "M1", "--objective", "team a"]);
    t.cmos(&t.a, &["sync"]);
    let tip = t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]);
    let dry = t.merge(&["cmos-team-a", "--remote", "origin", "--dry-run"]);
    assert_eq!(dry["result"], "would merge", "{dry:#}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["incoming"].as_array().unwrap().len(), 1, "{dry:#}");
    assert_eq!(dry["conflicts"].as_array().unwrap().len(), 1, "{dry:#}");
    assert!(dry["commit"].is_null());
    assert_eq!(
        t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]),
        tip,
        "a dry run moves nothing"
    );
    let m1 = t.cmos(&t.integrator.path, &["mission", "show", "M1"]);
    assert_eq!(m1["objective"], "shared");
}

#[test]
fn test_a_field_changed_on_two_team_branches_is_resolved_as_sync_resolves_it() {
    let t = Teams::new();
    t.cmos(&t.a, &["mission", "add", "M1", "Contested"]);
    t.cmos(&t.a, &["sync"]);
    // Team b takes team a's mission in, then both change the same field.
    let pulled = t.cmos(&t.b, &["merge", "cmos-team-a", "--remote", "origin"]);
    assert_eq!(pulled["result"], "fast-forwarded", "{pulled:#}");
    t.cmos(&t.a, &["mission", "update", "M1", "--objective", "from a"]);
    // One second later, so b's change is the later one whatever the clock's resolution.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    t.cmos(&t.b, &["mission", "update", "M1", "--objective", "from b"]);
    for dir in [&t.a, &t.b] {
        t.cmos(dir, &["sync"]);
    }
    t.merge(&["cmos-team-a", "--remote", "origin"]);
    let merged = t.merge(&["cmos-team-b", "--remote", "origin"]);
    assert_eq!(merged["result"], "merged", "{merged:#}");
    let conflicts = merged["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{merged:#}");
    let m1 = t.cmos(&t.integrator.path, &["mission", "show", "M1"]);
    assert_eq!(m1["objective"], "from b", "the later change wins");
    assert_eq!(
        m1["conflicts"][0]["lost"], "from a",
        "the other is on record"
    );
    let listed = t.cmos(&t.integrator.path, &["conflicts", "M1"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[test]
fn test_a_schedule_of_repeated_team_merges_converges() {
    let t = Teams::new();
    let team_refs = ["cmos-team-a", "cmos-team-b"];
    for round in 0..3 {
        team_work(&t, &t.a, "alpha", round);
        team_work(&t, &t.b, "beta", round);
        // The integrator's turn: both teams in, published.
        for team in team_refs {
            t.merge(&[team, "--remote", "origin"]);
        }
        t.cmos(&t.integrator.path, &["sync"]);
        // Each team takes the shared branch back in (its next sync publishes that).
        for dir in [&t.a, &t.b] {
            t.cmos(dir, &["merge", "cmos", "--remote", "origin"]);
            t.cmos(dir, &["sync"]);
        }
    }
    // With no new work, one more turn of the schedule moves nothing: every branch is on
    // the same commit.
    for team in team_refs {
        let again = t.merge(&[team, "--remote", "origin"]);
        assert_eq!(again["result"], "up-to-date", "{again:#}");
    }
    let shared = t.git(&t.integrator.path, &["rev-parse", "refs/heads/cmos"]);
    for (dir, team) in [(&t.a, team_refs[0]), (&t.b, team_refs[1])] {
        assert_eq!(
            t.git(dir, &["rev-parse", &format!("refs/heads/{team}")]),
            shared
        );
    }
    let names = t.mission_names(&t.integrator.path);
    assert_eq!(names.len(), 2 * 3 * 3, "{names:?}");
}

#[test]
fn test_merge_refuses_a_missing_branch() {
    let t = Teams::new();
    let r = &t.integrator;
    let (_, error) = r.fails(&["merge", "cmos-team-z"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("refs/heads/cmos-team-z"), "{message}");
    let (_, error) = r.fails(&["merge", "cmos-team-z", "--remote", "origin"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("origin has no branch"),
        "{error:#}"
    );
}

#[test]
fn test_merge_from_a_remote_refuses_a_name_that_would_change_the_refspec() {
    let t = Teams::new();
    let r = &t.integrator;
    let tip = r.git(&["rev-parse", "refs/heads/cmos"]);
    for name in ["a:refs/heads/cmos", "team..a", "team a", "team\u{1b}[2Ja"] {
        let (_, error) = r.fails(&["merge", name, "--remote", "origin"]);
        assert_eq!(error["code"], "invalid_input", "{name:?}: {error:#}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("not a valid branch name"), "{message}");
        assert!(!message.contains('\u{1b}'), "{message}");
    }
    assert_eq!(r.git(&["rev-parse", "refs/heads/cmos"]), tip);
}

#[test]
fn test_merge_refuses_a_branch_that_is_not_a_cmos_branch() {
    let t = Teams::new();
    let r = &t.integrator;
    let tip = r.git(&["rev-parse", "refs/heads/cmos"]);
    let (_, error) = r.fails(&["merge", "main"]);
    assert_eq!(error["code"], "refused", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("not a cmos branch"),
        "{error:#}"
    );
    // A ref that names a tree, not a commit.
    let tree = r.git(&["rev-parse", "main^{tree}"]);
    r.git(&["update-ref", "refs/tags/a-tree", tree.trim()]);
    let (_, error) = r.fails(&["merge", "refs/tags/a-tree"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains("not a commit"),
        "{error:#}"
    );
    // This clone's own branch.
    let (_, error) = r.fails(&["merge", "cmos"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert_eq!(r.git(&["rev-parse", "refs/heads/cmos"]), tip);
}

#[test]
fn test_merge_refuses_unrelated_history_unless_allowed() {
    let t = Teams::new();
    let r = &t.integrator;
    // Another project's branch, started by its own init in another repository.
    let other = Repo::new();
    other.ok(&["init", "--name", "elsewhere"]);
    other.ok(&["mission", "add", "E1", "From elsewhere"]);
    r.git(&[
        "fetch",
        "-q",
        other.path.to_str().unwrap(),
        "refs/heads/cmos:refs/heads/cmos-other",
    ]);
    let tip = r.git(&["rev-parse", "refs/heads/cmos"]);
    let (_, error) = r.fails(&["merge", "cmos-other"]);
    assert_eq!(error["code"], "refused", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("shares no history"), "{message}");
    assert!(message.contains("elsewhere"), "{message}");
    assert_eq!(r.git(&["rev-parse", "refs/heads/cmos"]), tip);
    let merged = r.json(&["merge", "cmos-other", "--allow-unrelated"]);
    assert_eq!(merged["result"], "merged", "{merged:#}");
    assert!(t.mission_names(&r.path).contains("From elsewhere"));
}

#[test]
fn test_merge_refuses_a_branch_with_a_hostile_tree() {
    let t = Teams::new();
    let r = &t.integrator;
    let dir = &r.path;
    // A commit on top of the shared branch whose tree holds an entry named `..`, made with
    // plain git.
    let payload = blob(r, dir, b"echo pwned\n");
    let inner = mktree(r, dir, &[Entry::new("100644", b"escaped", &payload)]);
    let mut root = ls(r, dir, "refs/heads/cmos");
    root.insert(0, Entry::new("40000", b"..", &inner));
    branch_trees::git_sort(&mut root);
    let root = mktree(r, dir, &root);
    let parent = r.git(&["rev-parse", "refs/heads/cmos"]);
    let commit = r.git(&["commit-tree", &root, "-p", parent.trim(), "-m", "hostile"]);
    r.git(&["update-ref", "refs/heads/cmos-hostile", commit.trim()]);
    let (_, error) = r.fails(&["merge", "cmos-hostile"]);
    assert_eq!(error["code"], "invalid_tree", "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains(commit.trim()),
        "{error:#}"
    );
    assert_eq!(r.git(&["rev-parse", "refs/heads/cmos"]), parent);
}
