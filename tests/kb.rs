//! The knowledge base: documents chosen by globs with .gitignore honoured, records on the
//! branch, hits with their source and marked words, the incremental cache, bad queries, and
//! hostile patterns from the command line and from the branch.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, hermetic};
use serde_json::Value;

fn write(repo: &Repo, path: &str, text: &str) {
    let full = repo.path.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

#[test]
fn documents_and_records_are_found_with_their_source() {
    let repo = Repo::new();
    repo.init();
    write(
        &repo,
        "docs/design.md",
        "# Storage\n\nThe index cache is keyed by tree.\n\n## Sync\n\nMerges are semantic, field by field.\n",
    );
    write(
        &repo,
        "docs/deep/notes.md",
        "# Notes\n\nNothing about caching here.\n",
    );
    write(
        &repo,
        "docs/secret.md",
        "# Secret\n\nmerges merges merges\n",
    );
    write(&repo, ".gitignore", "docs/secret.md\n");
    write(&repo, "src/other.md", "# Not included\n\nmerges\n");
    repo.ok(&[
        "mission",
        "add",
        "M1",
        "Semantic merge of branches",
        "--objective",
        "merge records field by field",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Merge by uid",
        "--rationale",
        "ids collide across clones",
    ]);

    let indexed = repo.json(&["kb", "index"]);
    assert_eq!(
        indexed["files"], 3,
        "README and two docs; secret.md is ignored: {indexed}"
    );
    assert_eq!(indexed["read"], 3);
    let again = repo.json(&["kb", "index"]);
    assert_eq!(again["read"], 0, "nothing changed, nothing read");
    write(
        &repo,
        "docs/deep/notes.md",
        "# Notes\n\nNow the merge is explained.\n",
    );
    assert_eq!(
        repo.json(&["kb", "index"])["read"],
        1,
        "only the changed file"
    );

    let hits = repo.json(&["kb", "search", "merge"]);
    let sources: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| match h["source"]["type"].as_str().unwrap() {
            "file" => format!(
                "{}:{}",
                h["source"]["path"].as_str().unwrap(),
                h["source"]["first_line"]
            ),
            _ => format!(
                "{} {}",
                h["source"]["kind"].as_str().unwrap(),
                h["source"]["id"].as_str().unwrap()
            ),
        })
        .collect();
    for expected in ["docs/design.md:5", "mission M1", "decision "] {
        assert!(
            sources.iter().any(|s| s.starts_with(expected)),
            "{expected} in {sources:?}"
        );
    }
    assert!(
        !sources
            .iter()
            .any(|s| s.contains("secret") || s.contains("src/")),
        "{sources:?}"
    );
    assert!(
        hits[0]["snippet"].as_str().unwrap().contains("**"),
        "matched words are marked: {hits}"
    );

    let only_docs = repo.json(&["kb", "search", "merge", "--kind", "doc"]);
    assert!(
        only_docs
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["source"]["type"] == "file")
    );
    let decisions = repo.json(&["kb", "search", "clones", "--kind", "decision"]);
    assert_eq!(decisions[0]["title"], "Merge by uid");

    let (code, error) = repo.fails(&["kb", "search", "--", "--"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    let nothing = repo.json(&["kb", "search", "zebra"]);
    assert!(nothing.as_array().unwrap().is_empty());
}

#[test]
fn paths_given_to_index_replace_the_default_globs() {
    let repo = Repo::new();
    repo.init();
    write(&repo, "guides/a.md", "# Guide\n\nHow to sync.\n");
    let indexed = repo.json(&["kb", "index", "guides"]);
    assert_eq!(indexed["globs"][0], "guides/**/*.md");
    assert_eq!(indexed["files"], 1);
}

/// Runs `cmos --json ARGS`, killing it after `limit`; the envelope and the time it took.
/// Panics when it does not finish in time, naming what hung.
fn within(repo: &Repo, limit: Duration, args: &[&str]) -> (Value, Duration) {
    let started = Instant::now();
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .arg("--json")
        .args(args)
        .current_dir(&repo.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run cmos");
    while child.try_wait().expect("poll cmos").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cmos {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let out = child.wait_with_output().expect("wait for cmos");
    let envelope = serde_json::from_slice(&out.stdout).expect("an envelope");
    (envelope, elapsed)
}

/// Generous, so a loaded machine cannot make it flake: the linear matcher takes milliseconds,
/// the old recursive one took about a minute for eight stars against a 40-character name.
const PATTERN_LIMIT: Duration = Duration::from_secs(20);

/// r5: `*a` repeated, then `*b`, against a file named with 40 `a`s.
fn star_bomb(stars: usize) -> String {
    format!("{}*b", "*a".repeat(stars))
}

#[test]
fn test_kb_index_glob_with_many_stars_hung_matching() {
    let repo = Repo::new();
    repo.init();
    write(&repo, &format!("{}.md", "a".repeat(40)), "# A\n\nalpha\n");
    write(&repo, &format!("{}b", "a".repeat(40)), "# B\n\nbeta\n");
    for stars in [8, 9, 10, 12] {
        let pattern = star_bomb(stars);
        let (envelope, took) = within(&repo, PATTERN_LIMIT, &["kb", "index", &pattern]);
        assert_eq!(envelope["ok"], true, "{envelope}");
        assert_eq!(
            envelope["data"]["files"], 1,
            "{pattern} matches the name ending in b only: {envelope}"
        );
        eprintln!("kb index {pattern}: {took:?}");
    }
}

#[test]
fn test_kb_include_glob_with_many_stars_on_the_branch_hung_search() {
    let repo = Repo::new();
    repo.init();
    write(&repo, &format!("{}.md", "a".repeat(40)), "# A\n\nalpha\n");
    write(&repo, "docs/guide.md", "# Guide\n\nzebra crossing\n");
    let project = repo.show(".cmos/project.toml");
    repo.edit_on_branch(
        ".cmos/project.toml",
        &format!(
            "{project}\n[kb]\ninclude = [\"{}\", \"docs/**/*.md\"]\n",
            star_bomb(12)
        ),
    );
    let (envelope, took) = within(&repo, PATTERN_LIMIT, &["kb", "search", "zebra"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    assert_eq!(
        envelope["data"][0]["source"]["path"], "docs/guide.md",
        "{envelope}"
    );
    eprintln!("kb search with {} on the branch: {took:?}", star_bomb(12));
}

#[test]
fn test_kb_include_pattern_too_long_on_the_branch_is_skipped_not_fatal() {
    let repo = Repo::new();
    repo.init();
    write(&repo, "docs/guide.md", "# Guide\n\nzebra crossing\n");
    let long = format!("{}b", "*a".repeat(400));
    let project = repo.show(".cmos/project.toml");
    repo.edit_on_branch(
        ".cmos/project.toml",
        &format!("{project}\n[kb]\ninclude = [\"{long}\", 7, \"docs/**/*.md\"]\n"),
    );
    let (envelope, _) = within(&repo, PATTERN_LIMIT, &["kb", "search", "zebra"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    assert_eq!(envelope["data"][0]["source"]["path"], "docs/guide.md");
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("[kb] include pattern \\\"*a*a") && warnings.contains("801 bytes"),
        "the skipped pattern is named: {warnings}"
    );
    assert!(warnings.contains("not a pattern"), "{warnings}");

    let (code, error) = repo.fails(&["kb", "index", &long]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    assert!(
        error["message"].as_str().unwrap().contains("at most 256"),
        "{error}"
    );
}
