//! Trees that arrive on the cmos branch from someone else (sync, clone, a pull request) are
//! untrusted: entries named `..` or by an absolute path, symlinks and submodules where records
//! belong, entries out of git's order or listed twice, a file where a directory of records
//! belongs. cmos refuses to adopt, fast-forward to or merge such a tree, names each bad entry
//! in `verify`, reads what is valid around it, never writes on top of it, and every tree it
//! writes passes `git fsck --strict`.

mod branch_trees;
mod common;

use std::path::PathBuf;

use branch_trees::{Entry, assert_fsck_clean, blob, commit_on_branch, edit, ls, mktree, tip_tree};
use cmos::format::layout::mission_dir;
use common::Repo;
use serde_json::Value;

/// An attacker's clone that shares a project through a bare remote, and a victim's clone
/// that already joined it.
struct Team {
    attacker: Repo,
    remote: PathBuf,
    victim: PathBuf,
}

impl Team {
    fn new() -> Team {
        let attacker = Repo::new();
        attacker.init();
        attacker.ok(&["mission", "add", "A1", "First"]);
        attacker.ok(&["mission", "add", "V1", "Second"]);
        let remote = attacker.sibling("remote.git");
        attacker.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
        attacker.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        attacker.ok(&["sync"]);
        let victim = attacker.sibling("victim");
        attacker.git(&[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            victim.to_str().unwrap(),
        ]);
        let team = Team {
            attacker,
            remote,
            victim,
        };
        team.victim_ok(&["status"]);
        team
    }

    /// Commits `tree` on the attacker's branch and force-pushes it, as `git push` allows.
    fn push(&self, tree: &str) -> String {
        let commit = commit_on_branch(&self.attacker, &self.attacker.path, tree);
        self.attacker.git(&[
            "push",
            "-q",
            "-f",
            "origin",
            "refs/heads/cmos:refs/heads/cmos",
        ]);
        commit
    }

    fn victim_envelope(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.attacker.cmos_in(&self.victim, &all);
        let envelope = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "cmos {args:?}: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), envelope)
    }

    fn victim_ok(&self, args: &[&str]) -> Value {
        let (code, envelope) = self.victim_envelope(args);
        assert_eq!(code, 0, "cmos {args:?}: {envelope:#}");
        envelope
    }

    fn victim_fails(&self, args: &[&str]) -> Value {
        let (code, envelope) = self.victim_envelope(args);
        assert_ne!(code, 0, "cmos {args:?} should fail: {envelope:#}");
        envelope["error"].clone()
    }

    fn victim_tip(&self) -> String {
        self.attacker
            .git_in(&self.victim, &["rev-parse", "refs/heads/cmos"])
            .trim()
            .to_string()
    }
}

/// The r1 tree: `..` → `..` → `escaped`, and an entry named by an absolute path, beside the
/// project's real `.cmos` and README. Returns the root and the hostile trees inside it.
fn traversal_tree(repo: &Repo, dir: &std::path::Path) -> (String, Vec<String>) {
    let payload = blob(repo, dir, b"echo pwned\n");
    let t1 = mktree(repo, dir, &[Entry::new("100644", b"escaped", &payload)]);
    let t2 = mktree(repo, dir, &[Entry::new("40000", b"..", &t1)]);
    let mut root = ls(repo, dir, "refs/heads/cmos");
    root.insert(0, Entry::new("40000", b"..", &t2));
    let absolute = dir.parent().unwrap().join("abs-pwned");
    root.push(Entry::new(
        "100644",
        absolute.to_str().unwrap().as_bytes(),
        &payload,
    ));
    branch_trees::git_sort(&mut root);
    let root = mktree(repo, dir, &root);
    (root.clone(), vec![t1, t2, root])
}

fn assert_invalid_tree(error: &Value, commit: &str, path: &str) {
    assert_eq!(error["code"], "invalid_tree", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(commit), "names the commit: {message}");
    assert!(message.contains(path), "names {path}: {message}");
    assert!(
        !error["hint"].as_str().unwrap_or_default().is_empty(),
        "says what to do: {error:#}"
    );
}

#[test]
fn test_sync_refuses_remote_tree_with_dotdot_entry() {
    let team = Team::new();
    let before = team.victim_tip();
    let (root, hostile) = traversal_tree(&team.attacker, &team.attacker.path);
    let commit = team.push(&root);

    let error = team.victim_fails(&["sync"]);
    assert_invalid_tree(&error, &commit, "..");
    assert_eq!(team.victim_tip(), before, "nothing was fast-forwarded");
    // The victim's state is what it was: exporting it writes inside the output only.
    let out = team.victim.parent().unwrap().join("out");
    team.victim_ok(&["export", "all", "--out", out.to_str().unwrap()]);
    assert!(!team.victim.parent().unwrap().join("abs-pwned").exists());
    assert!(!team.victim.parent().unwrap().join("escaped").exists());
    assert_fsck_clean(&team.attacker, &team.victim, &hostile);
}

#[test]
fn test_sync_merge_refuses_remote_tree_with_absolute_entry() {
    let team = Team::new();
    team.victim_ok(&["mission", "add", "L1", "Local work"]);
    let before = team.victim_tip();
    let (root, hostile) = traversal_tree(&team.attacker, &team.attacker.path);
    let commit = team.push(&root);

    let error = team.victim_fails(&["sync"]);
    assert_invalid_tree(&error, &commit, "an entry");
    assert_eq!(team.victim_tip(), before, "nothing was merged");
    assert_fsck_clean(&team.attacker, &team.victim, &hostile);
}

#[test]
fn test_fresh_clone_refuses_to_adopt_remote_tree_with_dotdot_entry() {
    let team = Team::new();
    let (root, _) = traversal_tree(&team.attacker, &team.attacker.path);
    let commit = team.push(&root);
    let fresh = team.attacker.sibling("fresh");
    team.attacker.git(&[
        "clone",
        "-q",
        team.remote.to_str().unwrap(),
        fresh.to_str().unwrap(),
    ]);
    let out = team
        .attacker
        .cmos_in(&fresh, &["--json", "mission", "list"]);
    assert!(!out.status.success());
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_invalid_tree(&envelope["error"], &commit, "..");
    let adopted = team
        .attacker
        .git_in(&fresh, &["for-each-ref", "refs/heads/cmos"]);
    assert!(
        adopted.is_empty(),
        "the hostile tip was not adopted: {adopted}"
    );
}

#[test]
fn test_verify_names_each_bad_entry_of_the_local_tip() {
    let team = Team::new();
    let (repo, dir) = (&team.attacker, team.victim.clone());
    let payload = blob(repo, &dir, b"x\n");
    let a1 = mission_dir("A1");
    let mut bad_names: Vec<(&[u8], &str)> = vec![
        (b".GIT", "100644"),
        (b"back\\slash", "100644"),
        (b"esc\x1b[2J", "100644"),
        (b"link", "120000"),
        (b"module", "160000"),
        (b"odd", "100664"),
    ];
    // `git ls-tree` shows mode 100664 as 100644: the `.cmos` edit, which reads it back, is last.
    let tree = edit(
        repo,
        &dir,
        "refs/heads/cmos",
        &[".cmos", "missions", &a1],
        &mut |entries| {
            entries.insert(0, Entry::new("100644", b"..", &payload));
        },
    );
    let tree = edit(repo, &dir, &tree, &[".cmos"], &mut |entries| {
        for (name, mode) in bad_names.drain(..) {
            entries.push(Entry::new(mode, name, &payload));
        }
        branch_trees::git_sort(entries);
    });
    let before_blob = team.victim_ok(&["mission", "show", "V1"]);
    let commit = commit_on_branch(repo, &dir, &tree);

    let error = team.victim_fails(&["verify"]);
    let problems: Vec<String> = error["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems listed: {error:#}"))
        .iter()
        .map(|p| format!("{}: {}", p["path"].as_str().unwrap(), p["message"]))
        .collect();
    for expected in [
        ".cmos/.GIT: ",
        ".cmos/back\\slash: ",
        ".cmos/esc\\u{1b}[2J: ",
        ".cmos/link: ",
        ".cmos/module: ",
        ".cmos/odd: ",
        &format!(".cmos/missions/{a1}/..: "),
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "verify names {expected}: {problems:#?}"
        );
    }
    // What is valid is still read, with a warning; nothing is written on top of it.
    let shown = team.victim_ok(&["mission", "show", "V1"]);
    assert_eq!(shown["data"], before_blob["data"]);
    let error = team.victim_fails(&["mission", "add", "X1", "More"]);
    assert_invalid_tree(&error, &commit, ".cmos/");
    assert_eq!(team.victim_tip(), commit, "nothing was written");
}

/// The missions tree of the tip with its entries in reverse order (git fsck: treeNotSorted).
fn unsorted_missions(repo: &Repo, dir: &std::path::Path) -> (String, String) {
    let mut reversed = String::new();
    let tree = edit(
        repo,
        dir,
        "refs/heads/cmos",
        &[".cmos", "missions"],
        &mut |entries| {
            entries.reverse();
        },
    );
    for e in ls(repo, dir, &format!("{tree}:.cmos")) {
        if e.name == b"missions" {
            reversed = e.id;
        }
    }
    (tree, reversed)
}

#[test]
fn test_sync_refuses_remote_tree_with_unsorted_entries() {
    let team = Team::new();
    let before = team.victim_tip();
    let (tree, reversed) = unsorted_missions(&team.attacker, &team.attacker.path);
    let commit = team.push(&tree);
    let error = team.victim_fails(&["sync"]);
    assert_invalid_tree(&error, &commit, ".cmos/missions");
    assert_eq!(team.victim_tip(), before);
    assert_fsck_clean(&team.attacker, &team.victim, &[reversed]);
}

#[test]
fn test_write_on_unsorted_local_tree_is_refused_instead_of_vanishing() {
    let team = Team::new();
    let dir = team.victim.clone();
    let (tree, reversed) = unsorted_missions(&team.attacker, &dir);
    let commit = commit_on_branch(&team.attacker, &dir, &tree);
    // Before: `mission start V1` said ok, and the transition was gone on the next read.
    let error = team.victim_fails(&["mission", "start", "V1"]);
    assert_eq!(error["code"], "corrupt", "{error:#}");
    assert!(
        error["message"].to_string().contains(".cmos/missions"),
        "{error:#}"
    );
    let error = team.victim_fails(&["mission", "add", "X1", "New"]);
    assert_invalid_tree(&error, &commit, ".cmos/missions");
    assert_eq!(
        team.victim_tip(),
        commit,
        "nothing acknowledged, nothing written"
    );
    let error = team.victim_fails(&["verify"]);
    let text = error.to_string();
    assert!(
        text.contains(".cmos/missions") && text.contains("git's order"),
        "{text}"
    );
    assert_fsck_clean(&team.attacker, &dir, &[reversed]);
}

#[test]
fn test_sync_refuses_remote_tree_with_duplicate_entries() {
    let team = Team::new();
    let before = team.victim_tip();
    let (repo, dir) = (&team.attacker, team.attacker.path.clone());
    let a1 = mission_dir("A1");
    let mut dup = String::new();
    let tree = edit(
        repo,
        &dir,
        "refs/heads/cmos",
        &[".cmos", "missions", &a1],
        &mut |entries| {
            let first = entries[0].clone();
            entries.insert(
                1,
                Entry::new("100644", &first.name, &blob(repo, &dir, b"x\n")),
            );
        },
    );
    for e in ls(repo, &dir, &format!("{tree}:.cmos/missions")) {
        if e.name == a1.as_bytes() {
            dup = e.id;
        }
    }
    let commit = team.push(&tree);
    let error = team.victim_fails(&["sync"]);
    assert_invalid_tree(&error, &commit, &format!(".cmos/missions/{a1}/A1.toml"));
    assert_eq!(team.victim_tip(), before);
    assert_fsck_clean(&team.attacker, &team.victim, &[dup]);
}

#[test]
fn test_verify_names_missions_directory_replaced_by_a_file() {
    let team = Team::new();
    let (repo, dir) = (&team.attacker, team.victim.clone());
    let file = blob(repo, &dir, b"x\n");
    let tree = edit(repo, &dir, "refs/heads/cmos", &[".cmos"], &mut |entries| {
        for e in entries.iter_mut().filter(|e| e.name == b"missions") {
            *e = Entry::new("100644", b"missions", &file);
        }
    });
    commit_on_branch(repo, &dir, &tree);
    // Before: verify was clean and every mission silently disappeared.
    let error = team.victim_fails(&["verify"]);
    let problems = error["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["path"] == ".cmos/missions"
            && p["message"].as_str().unwrap().contains("directory")),
        "{error:#}"
    );
    let list = team.victim_ok(&["mission", "list"]);
    assert!(
        list["warnings"].to_string().contains(".cmos/missions"),
        "mission list says why it is empty: {list:#}"
    );
    // The same tree from a remote is refused.
    let fresh = Team::new();
    let file = blob(&fresh.attacker, &fresh.attacker.path, b"x\n");
    let tree = edit(
        &fresh.attacker,
        &fresh.attacker.path,
        "refs/heads/cmos",
        &[".cmos"],
        &mut |entries| {
            for e in entries.iter_mut().filter(|e| e.name == b"missions") {
                *e = Entry::new("100644", b"missions", &file);
            }
        },
    );
    let commit = fresh.push(&tree);
    assert_invalid_tree(&fresh.victim_fails(&["sync"]), &commit, ".cmos/missions");
}

/// `mission list` and the index, from the cache refreshed by a tree diff and from a rebuild.
fn list_both_ways(repo: &Repo) -> (Value, Value) {
    let cached = repo.envelope(&["mission", "list"]);
    std::fs::remove_file(repo.path.join(".git/cmos/index/head")).expect("a cache to remove");
    let rebuilt = repo.envelope(&["mission", "list"]);
    (cached, rebuilt)
}

fn record_replaced_by(mode: &str, target: &[u8]) {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    repo.ok(&["mission", "add", "B1", "Second"]);
    repo.ok(&["mission", "list"]);
    let dir = repo.path.clone();
    let id = if mode == "160000" {
        tip_tree(&repo, &dir) // any object id will do for a gitlink
    } else {
        blob(&repo, &dir, target)
    };
    let a1 = mission_dir("A1");
    let tree = edit(
        &repo,
        &dir,
        "refs/heads/cmos",
        &[".cmos", "missions", &a1],
        &mut |entries| {
            for e in entries.iter_mut().filter(|e| e.name == b"A1.toml") {
                *e = Entry::new(mode, b"A1.toml", &id);
            }
        },
    );
    commit_on_branch(&repo, &dir, &tree);
    let (cached, rebuilt) = list_both_ways(&repo);
    assert_eq!(
        cached, rebuilt,
        "the cache refreshed by a diff says what a rebuild says"
    );
    let text = cached.to_string();
    assert!(!cached["data"].to_string().contains("\"A1\""), "{text}");
    assert!(
        text.contains(&format!(".cmos/missions/{a1}/A1.toml")),
        "{text}"
    );
    let (_, error) = repo.fails(&["verify"]);
    assert!(
        error["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == format!(".cmos/missions/{a1}/A1.toml")),
        "{error:#}"
    );
}

#[test]
fn test_cache_agrees_with_rebuild_when_a_record_becomes_a_symlink() {
    record_replaced_by("120000", b"/etc/passwd");
}

#[test]
fn test_cache_agrees_with_rebuild_when_a_record_becomes_a_gitlink() {
    record_replaced_by("160000", b"");
}

#[test]
fn test_write_over_missions_replaced_by_a_file_is_refused() {
    let team = Team::new();
    let (repo, dir) = (&team.attacker, team.victim.clone());
    let file = blob(repo, &dir, b"x\n");
    let tree = edit(repo, &dir, "refs/heads/cmos", &[".cmos"], &mut |entries| {
        for e in entries.iter_mut().filter(|e| e.name == b"missions") {
            *e = Entry::new("100644", b"missions", &file);
        }
    });
    let commit = commit_on_branch(repo, &dir, &tree);
    // Before: the write replaced the file by a directory holding only the new mission, and
    // the damage (every other mission gone) looked like a normal branch from then on.
    let error = team.victim_fails(&["mission", "add", "X1", "New"]);
    assert_invalid_tree(&error, &commit, ".cmos/missions");
    assert_eq!(team.victim_tip(), commit, "nothing was written");
    assert_fsck_clean(&team.attacker, &dir, &[]);
}

#[test]
fn test_verify_names_event_month_replaced_by_a_file() {
    let team = Team::new();
    let (repo, dir) = (&team.attacker, team.victim.clone());
    let month = ls(repo, &dir, "refs/heads/cmos:.cmos/events")[0].clone();
    let month_name = String::from_utf8(month.name.clone()).unwrap();
    let shard = ls(
        repo,
        &dir,
        &format!("refs/heads/cmos:.cmos/events/{month_name}"),
    )[0]
    .clone();
    // Valid JSON lines, so only the place is wrong: before, verify was clean while every
    // write of that month failed.
    let tree = edit(
        repo,
        &dir,
        "refs/heads/cmos",
        &[".cmos", "events"],
        &mut |entries| {
            entries[0] = Entry::new("100644", &month.name, &shard.id);
        },
    );
    let commit = commit_on_branch(repo, &dir, &tree);
    let error = team.victim_fails(&["verify"]);
    let path = format!(".cmos/events/{month_name}");
    assert!(
        error["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == path.as_str()),
        "{error:#}"
    );
    let error = team.victim_fails(&["mission", "start", "A1"]);
    assert_invalid_tree(&error, &commit, &path);
}
