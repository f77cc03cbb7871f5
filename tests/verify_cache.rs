//! `verify` keeps the mission files it found sound in a local cache keyed by blob id, so a run
//! reads only what changed since the last one. The cache must never hide a problem: a damaged
//! file is new content (another blob id) and is read again, a file with a problem is never
//! cached, and a cache file that was changed by hand is ignored.

mod common;

use cmos::format::layout::mission_path;
use common::Repo;

fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    for (id, name) in [("A1", "First"), ("A2", "Second"), ("A3", "Third")] {
        repo.ok(&["mission", "add", id, name]);
    }
    repo
}

fn verified(repo: &Repo) -> std::path::PathBuf {
    repo.path.join(".git/cmos/verified")
}

/// The (path, message) of each problem of a failed verify.
fn problems(repo: &Repo) -> Vec<(String, String)> {
    repo.verify_problems()
}

#[test]
fn test_verify_after_a_clean_run_reports_a_mission_damaged_since() {
    let repo = project();
    repo.ok(&["verify"]);
    assert!(verified(&repo).exists(), "a clean run keeps what it read");
    let path = mission_path("A2");
    let text = repo.show(&path);
    repo.edit_on_branch(
        &path,
        &text.replace("name = \"Second\"", "name = \"a\\nb\""),
    );
    for run in 0..2 {
        let found = problems(&repo);
        assert!(
            found
                .iter()
                .any(|(p, m)| *p == path && m.contains("name is not valid text")),
            "run {run}: {found:#?}"
        );
    }
    // Put back as it was: the same content, the same blob, clean again.
    repo.edit_on_branch(&path, &text);
    repo.ok(&["verify"]);
}

#[test]
fn test_verify_reports_a_sound_file_copied_under_another_name() {
    let repo = project();
    repo.ok(&["verify"]);
    // A2's file, which the cache holds as sound, now also stands where A3's belongs.
    repo.edit_on_branch(&mission_path("A3"), &repo.show(&mission_path("A2")));
    let found = problems(&repo);
    assert!(
        found
            .iter()
            .any(|(p, m)| *p == mission_path("A3") && m.contains("its id is \"A2\"")),
        "{found:#?}"
    );
}

#[test]
fn test_verify_ignores_a_cache_changed_by_hand() {
    let repo = project();
    repo.ok(&["verify"]);
    let good = std::fs::read(verified(&repo)).unwrap();
    let mut bad = good.clone();
    let at = bad.len() - 5;
    bad[at] ^= 0x20;
    std::fs::write(verified(&repo), &bad).unwrap();
    let path = mission_path("A1");
    let text = repo.show(&path);
    repo.edit_on_branch(&path, &text.replace("id = \"A1\"", "id = 7"));
    let found = problems(&repo);
    assert!(found.iter().any(|(p, _)| *p == path), "{found:#?}");
    std::fs::write(verified(&repo), b"garbage").unwrap();
    repo.edit_on_branch(&path, &text);
    repo.ok(&["verify"]);
}
