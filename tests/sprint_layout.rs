//! Sprint files live in hash-named directories (format 2), so adding a sprint rewrites two
//! small trees however many sprints the project has. A branch of format 1 (every sprint
//! directly in `.cmos/sprints/`) keeps working: its sprints are read and rewritten where they
//! are, and the first new sprint moves the format marker to 2 in the same commit, so a cmos
//! that reads only format 1 refuses the branch instead of missing a sprint.

mod common;

use cmos::format::layout::{flat_sprint_path, mission_dir, sprint_path};
use common::Repo;

/// The paths of every file under `.cmos/sprints` on the branch, and the marker's text.
fn sprint_files(repo: &Repo) -> Vec<String> {
    let listing = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/sprints",
    ]);
    listing.lines().map(str::to_string).collect()
}

/// The paths the last commit of the branch changed.
fn last_commit_paths(repo: &Repo) -> Vec<String> {
    let changed = repo.git(&[
        "diff-tree",
        "-r",
        "--name-only",
        "--no-commit-id",
        "refs/heads/cmos",
    ]);
    changed.lines().map(str::to_string).collect()
}

/// An initialised project turned into what format 1 wrote: S1 directly in `sprints/`, and a
/// marker that says 1.0.
fn format_one_project() -> Repo {
    let repo = Repo::new();
    repo.init();
    let s1 = repo.show(&sprint_path("S1"));
    repo.remove_on_branch(&sprint_path("S1"));
    repo.edit_on_branch(&flat_sprint_path("S1"), &s1);
    repo.edit_on_branch(".cmos/format.toml", "major = 1\nminor = 0\n");
    assert_eq!(sprint_files(&repo), vec![flat_sprint_path("S1")]);
    repo
}

#[test]
fn test_a_new_project_keeps_each_sprint_in_its_hash_directory() {
    let repo = Repo::new();
    repo.init();
    for id in ["S2", "S3", "sprint-10"] {
        repo.ok(&["sprint", "add", id, "--title", &format!("Sprint {id}")]);
    }
    let mut expected: Vec<String> = ["S1", "S2", "S3", "sprint-10"]
        .iter()
        .map(|id| sprint_path(id))
        .collect();
    expected.sort();
    assert_eq!(sprint_files(&repo), expected);
    assert_eq!(
        sprint_path("S2"),
        format!(".cmos/sprints/{}/S2.toml", mission_dir("S2"))
    );
    // `.cmos/sprints` itself lists directories only, never a file per sprint.
    let top = repo.git(&["ls-tree", "refs/heads/cmos:.cmos/sprints"]);
    assert!(top.lines().all(|l| l.contains(" tree ")), "{top}");
    assert!(repo.show(".cmos/format.toml").contains("major = 2"));
    let listed = repo.json(&["sprint", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(4), "{listed:#}");
    repo.ok(&["verify"]);
}

#[test]
fn test_a_format_one_branch_is_read_rewritten_in_place_and_moves_to_format_two_with_a_new_sprint() {
    let repo = format_one_project();
    // Read as it is.
    let shown = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(shown["title"], "First sprint", "{shown:#}");
    repo.ok(&["verify"]);
    // A change to S1 rewrites its file where it is; nothing else moves.
    repo.ok(&["sprint", "update", "S1", "--title", "Renamed"]);
    assert_eq!(sprint_files(&repo), vec![flat_sprint_path("S1")]);
    assert!(
        repo.show(&flat_sprint_path("S1"))
            .contains("title = \"Renamed\"")
    );
    assert!(repo.show(".cmos/format.toml").contains("major = 1"));
    // Its id stays taken.
    let (code, error) = repo.fails(&["sprint", "add", "S1", "--title", "Again"]);
    assert_ne!(code, 0);
    assert_eq!(error["code"], "already_exists", "{error:#}");
    // A new sprint goes where format 2 puts it, and the marker says 2 in the same commit.
    repo.ok(&["sprint", "add", "S2", "--title", "Second"]);
    let mut changed = last_commit_paths(&repo);
    changed.retain(|p| !p.starts_with(".cmos/events/"));
    let mut expected = vec![".cmos/format.toml".to_string(), sprint_path("S2")];
    expected.sort();
    assert_eq!(changed, expected);
    assert!(repo.show(".cmos/format.toml").contains("major = 2"));
    let mut files = vec![flat_sprint_path("S1"), sprint_path("S2")];
    files.sort();
    assert_eq!(sprint_files(&repo), files);
    let listed = repo.json(&["sprint", "list"]);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["S1", "S2"], "{listed:#}");
    repo.ok(&["verify"]);
    // The old sprint is still rewritten in place under format 2.
    repo.ok(&["sprint", "update", "S1", "--title", "Renamed again"]);
    assert!(repo.show(&flat_sprint_path("S1")).contains("Renamed again"));
    assert_eq!(sprint_files(&repo), files);
}

#[test]
fn test_a_sprint_in_both_places_is_read_from_its_hash_directory_and_the_other_file_named() {
    let repo = Repo::new();
    repo.init();
    let s1 = repo.show(&sprint_path("S1"));
    repo.edit_on_branch(
        &flat_sprint_path("S1"),
        &s1.replace("First sprint", "Stale copy"),
    );
    let shown = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(shown["title"], "First sprint", "{shown:#}");
    let problems = repo.verify_problems();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].0, flat_sprint_path("S1"));
    assert!(problems[0].1.contains("also in"), "{problems:#?}");
    // A write reads the sprint from the same file and changes that one.
    repo.ok(&["sprint", "update", "S1", "--title", "Kept"]);
    assert!(repo.show(&sprint_path("S1")).contains("title = \"Kept\""));
    assert!(repo.show(&flat_sprint_path("S1")).contains("Stale copy"));
    // Once the copy is gone, nothing is left to name (the index follows the change).
    repo.remove_on_branch(&flat_sprint_path("S1"));
    repo.ok(&["verify"]);
    let shown = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(shown["title"], "Kept", "{shown:#}");
    // And the other way round: the hash directory's file removed, the flat one is read.
    let kept = repo.show(&sprint_path("S1"));
    repo.edit_on_branch(&flat_sprint_path("S1"), &kept.replace("Kept", "Flat"));
    repo.remove_on_branch(&sprint_path("S1"));
    let shown = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(shown["title"], "Flat", "{shown:#}");
    repo.ok(&["verify"]);
}

#[test]
fn test_sprint_files_out_of_place_are_named_with_where_they_belong() {
    let repo = Repo::new();
    repo.init();
    let s1 = repo.show(&sprint_path("S1"));
    let wrong_dir = if mission_dir("S7") == "zz" {
        "yy"
    } else {
        "zz"
    };
    let misplaced = format!(".cmos/sprints/{wrong_dir}/S7.toml");
    repo.edit_on_branch(&misplaced, &s1.replace("\"S1\"", "\"S7\""));
    repo.edit_on_branch(".cmos/sprints/a/b/S8.toml", &s1.replace("\"S1\"", "\"S8\""));
    let problems = repo.verify_problems();
    let named = |path: &str| {
        problems
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path} is not named: {problems:#?}"))
            .1
            .clone()
    };
    assert!(
        named(&misplaced).contains(&sprint_path("S7")),
        "{problems:#?}"
    );
    assert!(named(".cmos/sprints/a/b/S8.toml").contains(&sprint_path("S8")));
    repo.edit_on_branch(".cmos/sprints/notes.txt", "not a sprint\n");
    let problems = repo.verify_problems();
    let notes = problems
        .iter()
        .find(|(p, _)| p == ".cmos/sprints/notes.txt");
    assert!(
        notes.is_some_and(|(_, message)| message.contains("not a sprint file")),
        "{problems:#?}"
    );
    let (_, error) = repo.fails(&["sprint", "show", "S7"]);
    assert_eq!(error["code"], "not_found", "{error:#}");
}
