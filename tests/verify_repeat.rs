//! A repeat `verify` starts from what the last one kept (its report for the same tree, its
//! index and the problems of each file for another tree) and reads only what changed since.
//! It must find every problem a first verify of the same branch finds: each test here verifies
//! a clean branch, damages it with one write (cmos's own or a hand edit, as a collaborator's
//! push would be), and checks that the repeat run names the damage, run after run, and that
//! it matches what a verify without any cache finds.

mod common;

use cmos::format::layout::mission_path;
use common::Repo;

fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    for (id, name) in [("A1", "First"), ("A2", "Second"), ("A3", "Third")] {
        repo.ok(&["mission", "add", id, name]);
    }
    repo.ok(&["mission", "depends", "A2", "A1", "--type", "requires"]);
    repo.ok(&["verify"]);
    repo
}

/// The (path, message) of each problem of a failed verify.
fn problems(repo: &Repo) -> Vec<(String, String)> {
    repo.verify_problems()
}

/// The caches verify keeps under `<common-dir>/cmos/`.
fn remove_verify_caches(repo: &Repo) {
    for name in ["verified", "verified-report", "verified-logs"] {
        let _ = std::fs::remove_file(repo.path.join(".git/cmos").join(name));
    }
}

/// Verify finds a problem at `path` whose message contains `needle` on two repeat runs, and
/// the same problems as a run without any cache.
fn finds(repo: &Repo, path: &str, needle: &str) {
    let mut runs = Vec::new();
    for run in 0..2 {
        let found = problems(repo);
        assert!(
            found.iter().any(|(p, m)| p == path && m.contains(needle)),
            "run {run}: no {needle:?} at {path}: {found:#?}"
        );
        runs.push(found);
    }
    remove_verify_caches(repo);
    let uncached = problems(repo);
    assert_eq!(
        runs[0], uncached,
        "a repeat run and a run without cache differ"
    );
    assert_eq!(runs[1], uncached);
}

#[test]
fn test_repeat_verify_finds_a_mission_file_that_no_longer_parses() {
    let repo = project();
    let path = mission_path("A3");
    repo.edit_on_branch(&path, "this is = = not toml\n");
    finds(&repo, &path, "");
}

#[test]
fn test_repeat_verify_finds_a_link_to_a_mission_removed_since() {
    let repo = project();
    repo.remove_on_branch(&mission_path("A1"));
    finds(
        &repo,
        &mission_path("A2"),
        "depends on mission A1, which does not exist",
    );
}

#[test]
fn test_repeat_verify_finds_a_duplicate_uid_copied_since() {
    let repo = project();
    // A1's record copied whole as A4 with only its id changed: the uid is now twice.
    let copy = repo
        .show(&mission_path("A1"))
        .replace("id = \"A1\"", "id = \"A4\"");
    repo.edit_on_branch(&mission_path("A4"), &copy);
    finds(&repo, &mission_path("A1"), "has the same uid as A4");
}

#[test]
fn test_repeat_verify_finds_a_mission_copied_under_another_id() {
    let repo = project();
    repo.edit_on_branch(&mission_path("A3"), &repo.show(&mission_path("A2")));
    finds(&repo, &mission_path("A3"), "its id is \"A2\"");
}

#[test]
fn test_repeat_verify_finds_a_cycle_made_since() {
    let repo = project();
    // A2 requires A1 already; A1 requiring A2 closes a cycle.
    let path = mission_path("A1");
    let text = repo.show(&path) + "\n[[depends]]\non = \"A2\"\ntype = \"requires\"\n";
    repo.edit_on_branch(&path, &text);
    finds(&repo, &path, "dependency cycle");
}

#[test]
fn test_repeat_verify_finds_an_event_line_broken_since() {
    let repo = project();
    let shard = repo.event_shards().pop().expect("an event shard");
    let text = repo.show(&shard) + "{not an event\n";
    repo.edit_on_branch(&shard, &text);
    finds(&repo, &shard, "");
}

#[test]
fn test_repeat_verify_still_reports_a_bad_name_after_another_write() {
    let repo = project();
    let path = mission_path("A3");
    let text = repo.show(&path);
    repo.edit_on_branch(&path, &text.replace("name = \"Third\"", "name = \"a\\nb\""));
    assert!(
        problems(&repo)
            .iter()
            .any(|(p, m)| *p == path && m.contains("name is not valid text"))
    );
    // A write elsewhere: the damaged file is not read again, and its problem stays.
    repo.edit_on_branch(
        &mission_path("A1"),
        &repo.show(&mission_path("A1")).replace("First", "First one"),
    );
    finds(&repo, &path, "name is not valid text");
    // Mended: the problem goes with it.
    repo.edit_on_branch(&path, &text);
    repo.ok(&["verify"]);
}

#[test]
fn test_repeat_verify_finds_a_sprint_removed_under_its_missions() {
    let repo = project();
    repo.ok(&["sprint", "add", "S9", "--title", "Later sprint"]);
    repo.ok(&["mission", "update", "A3", "--sprint", "S9"]);
    repo.ok(&["verify"]);
    repo.remove_on_branch(&cmos::format::layout::sprint_path("S9"));
    finds(
        &repo,
        &mission_path("A3"),
        "belongs to sprint S9, which does not exist",
    );
}

#[test]
fn test_verify_of_an_older_commit_after_the_tip_reports_that_commits_problems() {
    let repo = project();
    let clean = repo.tip().expect("a tip");
    let path = mission_path("A3");
    repo.edit_on_branch(&path, "not = = toml\n");
    assert!(problems(&repo).iter().any(|(p, _)| *p == path));
    // The older, clean commit, verified after the damaged tip, is clean.
    repo.ok(&["verify", "--ref", &clean]);
    assert!(problems(&repo).iter().any(|(p, _)| *p == path));
}

/// A session started on the project, and its file's path.
fn with_session(repo: &Repo) -> String {
    let started = repo.json(&["session", "start", "--type", "build", "--title", "Work"]);
    let id = started["session"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id in {started:#}"))
        .to_string();
    repo.ok(&["verify"]);
    cmos::format::layout::session_path(&id)
}

#[test]
fn test_repeat_verify_finds_a_session_file_that_no_longer_parses() {
    let repo = project();
    let path = with_session(&repo);
    repo.edit_on_branch(&path, "title = = broken\n");
    finds(&repo, &path, "");
}

#[test]
fn test_repeat_verify_still_reports_a_bad_session_title_after_another_write() {
    let repo = project();
    let path = with_session(&repo);
    let text = repo.show(&path);
    repo.edit_on_branch(
        &path,
        &text.replace("title = \"Work\"", "title = \"a\\nb\""),
    );
    assert!(
        problems(&repo)
            .iter()
            .any(|(p, m)| *p == path && m.contains("title is not valid text"))
    );
    repo.edit_on_branch(
        &mission_path("A1"),
        &repo.show(&mission_path("A1")).replace("First", "First one"),
    );
    finds(&repo, &path, "title is not valid text");
}
