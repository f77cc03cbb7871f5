//! The project's commits the git hooks log, shown where a reviewer looks: on the mission and
//! the session they belong to, in `cmos log` and in `session resume`, as text and as JSON.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{Repo, hermetic};

/// A repository with the hooks installed, mission M1 started, a session open, and one commit
/// of `parser.rs` and `tests/parser.rs` whose subject is "Fix the parser". Returns the
/// commit's hash.
fn one_logged_commit(repo: &Repo) -> String {
    repo.init();
    repo.ok(&["hook", "install"]);
    repo.ok(&["mission", "add", "M1", "Parse it"]);
    repo.ok(&["mission", "start", "M1"]);
    repo.ok(&["session", "start", "--type", "build", "--title", "parser"]);
    std::fs::create_dir_all(repo.path.join("tests")).unwrap();
    std::fs::write(repo.path.join("parser.rs"), "fn parse() {}\n").unwrap();
    std::fs::write(repo.path.join("tests/parser.rs"), "#[test] fn t() {}\n").unwrap();
    repo.git(&["add", "parser.rs", "tests/parser.rs"]);
    // The hook shims find cmos on PATH.
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = hermetic(&mut Command::new("git"), &repo.home)
        .env("PATH", path)
        .args(["commit", "-q", "-m", "Fix the parser\n\nThe body says why."])
        .current_dir(&repo.path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn test_mission_show_lists_the_commits_the_hooks_logged() {
    let repo = Repo::new();
    let hash = one_logged_commit(&repo);
    let short = &hash[..12];
    let shown = repo.json(&["mission", "show", "M1"]);
    let commits = shown["commits"].as_array().expect("a commits list");
    assert_eq!(commits.len(), 1, "{shown:#}");
    assert_eq!(commits[0]["hash"], hash.as_str());
    assert_eq!(commits[0]["short"], short);
    assert_eq!(commits[0]["subject"], "Fix the parser");
    assert_eq!(
        commits[0]["files"],
        serde_json::json!(["parser.rs", "tests/parser.rs"])
    );
    assert_eq!(commits[0]["missions"], serde_json::json!(["M1"]));
    let text = repo.ok(&["mission", "show", "M1"]);
    assert!(text.contains("Commits"), "{text}");
    assert!(text.contains(&format!("{short}  ")), "{text}");
    assert!(text.contains("Fix the parser"), "{text}");
    assert!(text.contains("    tests/parser.rs"), "{text}");
}

#[test]
fn test_log_names_a_logged_commit_by_its_subject_not_its_hash_alone() {
    let repo = Repo::new();
    let hash = one_logged_commit(&repo);
    let log = repo.ok(&["log", "-n", "1"]);
    assert!(
        log.contains(&format!("git.commit {} Fix the parser", &hash[..12])),
        "{log}"
    );
    let entries = repo.json(&["log", "-n", "1"]);
    assert_eq!(
        entries[0]["summary"],
        format!("git.commit {} Fix the parser", &hash[..12])
    );
}

#[test]
fn test_session_resume_shows_a_commit_by_hash_and_subject_not_its_mission_id() {
    let repo = Repo::new();
    let hash = one_logged_commit(&repo);
    let short = &hash[..12];
    let text = repo.ok(&["session", "resume"]);
    assert!(!text.contains("git.commit M1"), "{text}");
    assert!(
        text.contains(&format!("git.commit {short} Fix the parser")),
        "{text}"
    );
    assert!(
        text.contains("    parser.rs"),
        "the files are listed: {text}"
    );
    let resume = repo.json(&["session", "resume"]);
    assert_eq!(resume["commits"][0]["short"], short, "{resume:#}");
    assert_eq!(resume["commits"][0]["subject"], "Fix the parser");
}

#[test]
fn test_session_show_lists_the_commits_made_in_it() {
    let repo = Repo::new();
    let hash = one_logged_commit(&repo);
    let session = repo.json(&["session", "resume"])["session"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = repo.json(&["session", "show", &session]);
    assert_eq!(shown["commits"][0]["hash"], hash.as_str(), "{shown:#}");
    assert_eq!(
        shown["id"],
        session.as_str(),
        "the session's fields stay at the top"
    );
    let text = repo.ok(&["session", "show", &session]);
    assert!(
        text.contains(&hash[..12]) && text.contains("Fix the parser"),
        "{text}"
    );
}
