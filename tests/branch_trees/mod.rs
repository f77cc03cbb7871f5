//! Hand-made trees on the cmos branch, as a hostile collaborator or a broken tool would push
//! them: `git hash-object -t tree --literally` writes trees that `git mktree` refuses (names
//! like `..`, entries out of order or listed twice), and `git fsck --strict` checks afterwards
//! that every tree cmos wrote itself is clean.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{Repo, hermetic};

/// One raw tree entry: its mode as git writes it (`100644`, `40000`), name and object id.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub mode: String,
    pub name: Vec<u8>,
    pub id: String,
}

impl Entry {
    pub fn new(mode: &str, name: &[u8], id: &str) -> Entry {
        Entry {
            mode: mode.into(),
            name: name.to_vec(),
            id: id.trim().into(),
        }
    }
}

/// Puts entries in git's order: a tree sorts as if its name ended in `/`.
pub fn git_sort(entries: &mut [Entry]) {
    let key = |e: &Entry| {
        let mut k = e.name.clone();
        if e.mode == "40000" {
            k.push(b'/');
        }
        k
    };
    entries.sort_by_key(key);
}

fn git_with_input(repo: &Repo, dir: &Path, args: &[&str], input: &[u8]) -> String {
    let mut child = hermetic(&mut Command::new("git"), &repo.home)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run git");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write to git");
    let out = child.wait_with_output().expect("wait for git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The entries of a tree (`refs/heads/cmos:.cmos`), in the order the tree lists them.
pub fn ls(repo: &Repo, dir: &Path, tree: &str) -> Vec<Entry> {
    let out = hermetic(&mut Command::new("git"), &repo.home)
        .args(["ls-tree", "-z", tree])
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git ls-tree {tree}");
    out.stdout
        .split(|b| *b == 0)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let tab = line.iter().position(|b| *b == b'\t').expect("a tab");
            let head = String::from_utf8_lossy(&line[..tab]).to_string();
            let mut parts = head.split(' ');
            let mode = parts.next().expect("mode");
            let id = parts.nth(1).expect("id");
            Entry::new(mode.trim_start_matches('0'), &line[tab + 1..], id)
        })
        .collect()
}

/// Writes a tree with exactly these entries, in this order, whatever git thinks of them.
pub fn mktree(repo: &Repo, dir: &Path, entries: &[Entry]) -> String {
    let mut raw = Vec::new();
    for e in entries {
        raw.extend(e.mode.as_bytes());
        raw.push(b' ');
        raw.extend(&e.name);
        raw.push(0);
        for i in (0..e.id.len()).step_by(2) {
            raw.push(u8::from_str_radix(&e.id[i..i + 2], 16).expect("hex id"));
        }
    }
    git_with_input(
        repo,
        dir,
        &["hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
        &raw,
    )
}

pub fn blob(repo: &Repo, dir: &Path, bytes: &[u8]) -> String {
    git_with_input(repo, dir, &["hash-object", "-w", "--stdin"], bytes)
}

/// The tree `tree` with the directory at `path` (names from the root) rewritten by `change`.
pub fn edit(
    repo: &Repo,
    dir: &Path,
    tree: &str,
    path: &[&str],
    change: &mut dyn FnMut(&mut Vec<Entry>),
) -> String {
    let mut entries = ls(repo, dir, tree);
    match path.split_first() {
        None => change(&mut entries),
        Some((first, rest)) => {
            let at = entries
                .iter()
                .position(|e| e.name == first.as_bytes())
                .unwrap_or_else(|| panic!("no {first} in {tree}"));
            let sub = edit(repo, dir, &entries[at].id.clone(), rest, change);
            entries[at].id = sub;
        }
    }
    mktree(repo, dir, &entries)
}

/// Commits `tree` on top of the cmos branch of `dir` and moves the branch there (as a
/// hostile push followed by an old cmos adopting it would).
pub fn commit_on_branch(repo: &Repo, dir: &Path, tree: &str) -> String {
    let commit = repo.git_in(
        dir,
        &[
            "commit-tree",
            tree,
            "-p",
            "refs/heads/cmos",
            "-m",
            "mission update",
        ],
    );
    let commit = commit.trim().to_string();
    repo.git_in(dir, &["update-ref", "refs/heads/cmos", &commit]);
    commit
}

/// The tree of the cmos branch's tip in `dir`.
pub fn tip_tree(repo: &Repo, dir: &Path) -> String {
    repo.git_in(dir, &["rev-parse", "refs/heads/cmos^{tree}"])
        .trim()
        .to_string()
}

/// Runs `git fsck --strict` in `dir` and fails on any error or warning, except those about
/// the hostile objects the test made itself (`allowed`): every tree cmos wrote must be clean.
pub fn assert_fsck_clean(repo: &Repo, dir: &Path, allowed: &[String]) {
    let out = hermetic(&mut Command::new("git"), &repo.home)
        .args(["fsck", "--strict", "--no-dangling", "--no-progress"])
        .current_dir(dir)
        .output()
        .expect("run git fsck");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("error") || l.starts_with("warning") || l.contains("broken")
        })
        .filter(|l| !allowed.iter().any(|id| l.contains(id.as_str())))
        .collect();
    assert!(
        bad.is_empty(),
        "git fsck --strict in {}:\n{}",
        dir.display(),
        bad.join("\n")
    );
}
