//! A branch with more mission files, sessions and log shards than one thread reads alone:
//! `verify` reads and parses them on several threads, each with its own repository handle, and
//! must find exactly what a reading on one thread finds, whatever the order the threads finish
//! in. The index `verify`
//! leaves in the cache must be the one any read builds.

mod common;

use cmos::format::layout::{self, mission_path, session_path};
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

    // The same problems from a verify that reads everything again, now from a pack (read in
    // the pack's order, where the first reading met loose objects in the tree's).
    repo.git(&["repack", "-adq"]);
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

/// A session file as cmos writes it; `title` is put between the quotes as it is.
fn session_file(id: &str, n: usize, title: &str) -> String {
    format!(
        "id = \"{id}\"\nuid = \"01m8qyvhxzqzgwasj2{n:08}\"\ntype = \"build\"\ntitle = \"{title}\"\n\
         status = \"Active\"\nagent = \"a\"\nstarted_at = \"2026-12-01T04:47:22Z\"\n"
    )
}

/// An event line as cmos writes it, with `note` put between the quotes as it is.
fn event_line(n: usize, note: &str) -> String {
    format!(
        "{{\"uid\":\"01m8qyvgtw0z9pbgw8{n:08}\",\"at\":\"2026-11-01T04:47:20Z\",\"agent\":\"a\",\
         \"writer\":\"w{n:09}\",\"kind\":\"mission.started\",\"target\":\"M1\",\"note\":\"{note}\"}}\n"
    )
}

#[test]
fn test_verify_of_many_sessions_and_log_shards_names_each_bad_file() {
    let repo = Repo::new();
    repo.init();
    const COUNT: usize = 1_200;
    let session_id = |n: usize| format!("ps-20261201-t{n:09}");
    let shard = |n: usize| {
        let dir = layout::log_month_dir(layout::EVENTS, "2026-11");
        format!("{dir}/{}", layout::shard_name(&format!("w{n:09}"), 1))
    };
    let mut files: Vec<(String, String)> = Vec::new();
    for n in 0..COUNT {
        let id = session_id(n);
        files.push((session_path(&id), session_file(&id, n, "A session")));
        let lines = event_line(2 * n, "first") + &event_line(2 * n + 1, "second");
        files.push((shard(n), lines));
    }
    // Bad files early, in the middle and late in each walk.
    let bad_session = session_path(&session_id(3));
    let escaping_session = session_path(&session_id(650));
    let bad_shard = shard(11);
    let late_bad_shard = shard(1_100);
    for (path, content) in files.iter_mut() {
        if *path == bad_session {
            *content = "id = \n".into();
        } else if *path == escaping_session {
            *content = session_file(&session_id(650), 650, "Escape \\u001b[2J here");
        } else if *path == bad_shard {
            *content = event_line(22, "fine") + "{not json\n";
        } else if *path == late_bad_shard {
            *content = event_line(2_200, "fine") + "{}\n";
        }
    }
    repo.push_files(&files);

    let problems = repo.verify_problems();
    let paths: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
    let mut expected = vec![
        bad_session.as_str(),
        escaping_session.as_str(),
        bad_shard.as_str(),
        late_bad_shard.as_str(),
    ];
    expected.sort();
    assert_eq!(paths, expected, "{problems:#?}");

    // A verify that reads every file again finds the same; one that reads none, too.
    let caches = repo.path.join(".git/cmos");
    for entry in std::fs::read_dir(&caches).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("verified")
        {
            std::fs::remove_file(&path).unwrap();
        }
    }
    assert_eq!(repo.verify_problems(), problems);
    assert_eq!(repo.verify_problems(), problems);
}
