//! Uids as a branch may hold them after a hand edit: any text. A sync that has to tell two
//! records apart by their uids, and `verify`'s duplicate check, read them whole and never cut
//! them inside a character.

mod common;

use common::Repo;

/// The line `uid = "..."` of a mission file replaced by `uid`.
fn with_uid(file: &str, uid: &str) -> String {
    file.lines()
        .map(|line| {
            if line.starts_with("uid = ") {
                format!("uid = \"{uid}\"")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Where mission `id` is stored on the cmos branch.
fn mission_path(repo: &Repo, id: &str) -> String {
    let files = repo.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"]);
    files
        .lines()
        .find(|f| f.starts_with(".cmos/missions/") && f.ends_with(&format!("/{id}.toml")))
        .expect("the mission is on the branch")
        .to_string()
}

/// The uid stored in a mission file.
fn uid_of(file: &str) -> String {
    let line = file
        .lines()
        .find(|l| l.starts_with("uid = "))
        .expect("a mission file has a uid");
    line.trim_start_matches("uid = ")
        .trim_matches('"')
        .to_string()
}

#[test]
fn test_sync_of_one_id_made_twice_where_a_uid_is_non_ascii_does_not_panic() {
    let origin = Repo::new();
    origin.init();
    let remote = origin.sibling("remote.git");
    let remote_arg = remote.to_str().unwrap();
    origin.git(&["init", "-q", "--bare", remote_arg]);
    origin.git(&["remote", "add", "origin", remote_arg]);
    origin.git(&["push", "-q", "origin", "main"]);
    origin.json(&["sync"]);
    let clone = origin.sibling("clone");
    origin.git(&["clone", "-q", remote_arg, clone.to_str().unwrap()]);

    // The same id made on both sides; here, a hand edit gives it a uid that ends in
    // three-byte characters, so its last 8 bytes start inside one.
    origin.json(&["mission", "add", "X1", "Made here"]);
    let path = mission_path(&origin, "X1");
    let edited = with_uid(&origin.show(&path), "hand-edited-€€€");
    origin.edit_on_branch(&path, &edited);
    let out = origin.cmos_in(&clone, &["--json", "mission", "add", "X1", "Made there"]);
    assert!(out.status.success());
    let out = origin.cmos_in(&clone, &["--json", "sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = origin.cmos(&["--json", "sync"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
    let missions = origin.json(&["mission", "list"]);
    let ids: Vec<&str> = missions
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "both records are kept: {ids:?}");
    let moved = ids.iter().find(|id| id.starts_with("X1.dup-")).unwrap();
    assert!(
        moved.is_ascii(),
        "the moved record's id is a valid id: {moved}"
    );
    origin.json(&["verify"]);
}

#[test]
fn test_verify_does_not_call_uids_that_differ_only_in_their_last_characters_duplicates() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "M1", "One"]);
    repo.json(&["mission", "add", "M2", "Two"]);
    let first = uid_of(&repo.show(&mission_path(&repo, "M1")));
    let last = if first.ends_with("zz") { "yy" } else { "zz" };
    let near = format!("{}{last}", &first[..24]);
    let path = mission_path(&repo, "M2");
    repo.edit_on_branch(&path, &with_uid(&repo.show(&path), &near));
    repo.json(&["verify"]);

    // The whole uid copied is still a duplicate.
    repo.edit_on_branch(&path, &with_uid(&repo.show(&path), &first));
    let out = repo.cmos(&["--json", "verify"]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("has the same uid as M2"), "{text}");
}

#[test]
fn test_import_again_over_a_record_whose_uid_is_non_ascii_does_not_panic() {
    let repo = Repo::new();
    let backlog = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/legacy-cmos/cmos-dev/cmos/missions/backlog.yaml");
    let backlog = backlog.to_str().unwrap();
    repo.json(&["import", "backlog", backlog]);
    // Eight three-byte characters: a cut 16 bytes from the end falls inside one.
    let path = mission_path(&repo, "B1.1");
    repo.edit_on_branch(&path, &with_uid(&repo.show(&path), "€€€€€€€€"));

    let out = repo.cmos(&["--json", "import", "backlog", backlog]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        uid_of(&repo.show(&path)),
        "€€€€€€€€",
        "the branch's record is kept"
    );
}
