//! `verify` walks the missions directory once (as it builds the index) and the rest of the
//! tree once more for the entries cmos does not follow: a bad entry is named wherever it is,
//! deep in a log directory, in a directory cmos does not use, or among the missions, and each
//! exactly once.

mod branch_trees;
mod common;

use branch_trees::{Entry, blob, commit_on_branch, edit, git_sort, ls, tip_tree};
use cmos::format::layout::mission_dir;
use common::Repo;

/// The name of the first entry of the directory at `path` of the branch's tip.
fn first_name(repo: &Repo, path: &[&str]) -> String {
    let mut tree = tip_tree(repo, &repo.path);
    for name in path {
        tree = ls(repo, &repo.path, &tree)
            .into_iter()
            .find(|e| e.name == name.as_bytes())
            .unwrap_or_else(|| panic!("no {name}"))
            .id;
    }
    let first = ls(repo, &repo.path, &tree).remove(0);
    String::from_utf8(first.name).unwrap()
}

#[test]
fn test_verify_names_each_bad_entry_once_wherever_it_is() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let dir = repo.path.clone();
    let payload = blob(&repo, &dir, b"x\n");
    let month = first_name(&repo, &[".cmos", "events"]);
    let a1 = mission_dir("A1");
    let tip = tip_tree(&repo, &dir);
    let add_link = |name: &'static [u8]| {
        let payload = payload.clone();
        move |entries: &mut Vec<Entry>| {
            entries.push(Entry::new("120000", name, &payload));
            git_sort(entries);
        }
    };
    let tree = edit(
        &repo,
        &dir,
        &tip,
        &[".cmos", "events", &month],
        &mut add_link(b"deep-link"),
    );
    let tree = edit(
        &repo,
        &dir,
        &tree,
        &[".cmos", "missions", &a1],
        &mut add_link(b"mission-link"),
    );
    let docs = branch_trees::mktree(&repo, &dir, &[Entry::new("160000", b"module", &payload)]);
    let tree = edit(&repo, &dir, &tree, &[], &mut |entries| {
        entries.push(Entry::new("40000", b"docs", &docs));
        git_sort(entries);
    });
    commit_on_branch(&repo, &dir, &tree);

    let (_, error) = repo.fails(&["verify"]);
    let paths: Vec<&str> = error["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems listed: {error:#}"))
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for expected in [
        format!(".cmos/events/{month}/deep-link"),
        format!(".cmos/missions/{a1}/mission-link"),
        "docs/module".to_string(),
    ] {
        let times = paths.iter().filter(|p| **p == expected).count();
        assert_eq!(times, 1, "{expected} named once: {paths:#?}");
    }
}
