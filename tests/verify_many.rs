//! A branch with more mission files than one thread parses alone: the index build reads them
//! on this thread and parses them on others, and `verify` must find exactly what a reading
//! on one thread finds, whatever the order the parsers finish in. The index `verify` leaves
//! in the cache must be the one any read builds.

mod common;

use cmos::format::layout::mission_path;
use common::Repo;

/// Well over the count from which the parsing moves to other threads.
const MISSIONS: usize = 1_500;

/// A mission file as cmos writes it; `name` is put between the quotes as it is (TOML escapes
/// included).
fn mission_file(id: &str, n: usize, name: &str) -> String {
    format!(
        "id = \"{id}\"\nuid = \"01m8qhfcxqhtgb3dnt{n:08}\"\nname = \"{name}\"\nstatus = \"Queued\"\n\
         sprint = \"S1\"\ncreated_at = \"2026-12-01T00:53:32Z\"\nupdated_at = \"2026-12-01T00:53:32Z\"\n"
    )
}

#[test]
fn test_verify_of_many_missions_names_each_bad_file_and_caches_the_index_a_read_builds() {
    let repo = Repo::new();
    repo.init();
    let mut files: Vec<(String, String)> = (0..MISSIONS)
        .map(|n| {
            let id = format!("M{n}");
            (
                mission_path(&id),
                mission_file(&id, n, &format!("Mission {n}")),
            )
        })
        .collect();
    // Three bad files among the good ones, read at different points of the walk.
    files[17].1 = "id = \"M17\"\nname = \n".into();
    files[700].1 = mission_file("M7000", 700, "Misnamed");
    files[1_400].1 = mission_file("M1400", 1_400, "Escape \\u001b[2J here");
    repo.push_files(&files);

    let problems = repo.verify_problems();
    let paths: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
    let m17 = mission_path("M17");
    let m700 = mission_path("M700");
    let m1400 = mission_path("M1400");
    let mut expected = vec![m17.as_str(), m700.as_str(), m1400.as_str()];
    expected.sort();
    assert_eq!(paths, expected, "{problems:#?}");
    assert!(
        problems[paths.iter().position(|p| *p == m700).unwrap()]
            .1
            .contains("named M700 but its id is \"M7000\"")
    );
    assert!(
        problems[paths.iter().position(|p| *p == m1400).unwrap()]
            .1
            .contains("not valid text")
    );

    // The same problems from a verify that reads everything again.
    let caches = repo.path.join(".git/cmos");
    for entry in std::fs::read_dir(&caches).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("verified") || name == "index" {
            match path.is_dir() {
                true => std::fs::remove_dir_all(&path).unwrap(),
                false => std::fs::remove_file(&path).unwrap(),
            }
        }
    }
    assert_eq!(repo.verify_problems(), problems);

    // The index verify cached answers as one built from the branch does.
    let listed = |repo: &Repo| {
        let rows = repo.json(&["mission", "list"]);
        let rows = rows.as_array().expect("a list of missions").clone();
        (rows, repo.json(&["status"]))
    };
    let from_verify = listed(&repo);
    // M17 does not parse; M1400 parses (its text is what is wrong); M700's file is misnamed.
    assert_eq!(from_verify.0.len(), MISSIONS - 2, "{:#}", from_verify.1);
    std::fs::remove_dir_all(caches.join("index")).unwrap();
    assert_eq!(listed(&repo), from_verify);
}
