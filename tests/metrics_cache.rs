//! The local cache of parsed metrics shards (`.git/cmos/metrics-cache`): a report read with
//! the cache is the report read without it, whatever state the cache is in (missing,
//! corrupt, truncated, from another version or another project, or written before a shard
//! changed), and the cache only ever holds the shards of the tree it was last read from.

mod common;

use std::path::PathBuf;

use common::Repo;
use serde_json::Value;

fn cache(repo: &Repo) -> PathBuf {
    repo.path.join(".git/cmos/metrics-cache")
}

/// What the commands that read metrics answer, data and warnings, with every field that
/// depends on the clock left out (a weekly report from a fixed day).
fn readings(repo: &Repo) -> Vec<Value> {
    let mut seen = Vec::new();
    for args in [
        &["report", "weekly", "--since", "2000-01-01"][..],
        &["report", "sprint", "S1"][..],
        &["metric", "list", "--limit", "1000"][..],
    ] {
        let envelope = repo.envelope(args);
        assert_eq!(envelope["ok"], true, "{args:?}: {envelope}");
        seen.push(envelope["data"].clone());
        seen.push(envelope["warnings"].clone());
    }
    seen
}

/// A project with metrics in two sessions and a mission, and one unreadable line.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    repo.json(&["mission", "add", "B2", "Other"]);
    for (kind, mission) in [("build", "B1"), ("review", "B2")] {
        repo.json(&[
            "session",
            "start",
            "--type",
            kind,
            "--title",
            "work",
            "--mission",
            mission,
        ]);
        for n in ["100", "250", "40"] {
            repo.json(&[
                "metric",
                "add",
                "--tokens-in",
                n,
                "--latency-ms",
                n,
                "--model",
                "m",
            ]);
        }
        repo.json(&["session", "complete", "--summary", "done", "--defects", "1"]);
    }
    repo.json(&["metric", "add", "--mission", "B2", "--accepted", "3"]);
    let shard = repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/metrics",
        ])
        .lines()
        .next()
        .unwrap()
        .to_string();
    let text = repo.show(&shard);
    repo.edit_on_branch(&shard, &format!("{text}{{\"uid\": 3\n"));
    repo
}

#[test]
fn a_report_leaves_a_cache_that_gives_the_same_answers_as_no_cache() {
    let repo = project();
    let _ = std::fs::remove_file(cache(&repo));
    let uncached = readings(&repo);
    assert!(
        cache(&repo).exists(),
        "reading the metrics leaves the cache"
    );
    assert_eq!(readings(&repo), uncached);
    assert_eq!(uncached[0]["total"]["metrics"], 9, "{}", uncached[0]);
    assert!(
        uncached[1].to_string().contains("unreadable metric"),
        "{}",
        uncached[1]
    );
    let listed = repo.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"]);
    assert!(!listed.contains("cache"), "the cache is local: {listed}");
}

#[test]
fn a_corrupt_truncated_foreign_or_other_version_cache_is_ignored_and_rebuilt() {
    let repo = project();
    let _ = std::fs::remove_file(cache(&repo));
    let uncached = readings(&repo);
    let good = std::fs::read(cache(&repo)).unwrap();
    let header_end = good.iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x04;
    let other_version = [
        b"cmos metrics cache 0 (cmos 0.0.1)\n".as_slice(),
        &good[header_end..],
    ]
    .concat();
    let other = project_with_other_metrics();
    let _ = readings(&other);
    let foreign = std::fs::read(cache(&other)).unwrap();
    let damaged: [(&str, Vec<u8>); 6] = [
        ("a flipped bit", flipped),
        ("a truncated file", good[..good.len() - 7].to_vec()),
        ("an empty file", Vec::new()),
        ("garbage", b"\x00\xffnot a cache at all".repeat(100)),
        ("another version's header", other_version),
        ("another project's cache", foreign),
    ];
    for (what, bytes) in damaged {
        std::fs::write(cache(&repo), &bytes).unwrap();
        assert_eq!(readings(&repo), uncached, "with {what}");
        assert_eq!(
            std::fs::read(cache(&repo)).unwrap(),
            good,
            "{what} was not rebuilt into the cache of this tree"
        );
    }
}

fn project_with_other_metrics() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    repo.json(&["metric", "add", "--mission", "B1", "--tokens-in", "999999"]);
    repo
}

#[test]
fn a_cache_written_before_a_shard_changed_gives_the_new_shard() {
    let repo = project();
    let _ = readings(&repo);
    let shards = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/metrics",
    ]);
    let shard = shards.lines().last().unwrap().to_string();
    // Hand-edited on the branch: every metric of the shard now says 7 tokens in.
    let text = repo.show(&shard);
    let edited: String = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
            if v.get("tokens_in").is_some() {
                v["tokens_in"] = 7.into();
            }
            if v.is_null() {
                l.to_string()
            } else {
                v.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect();
    assert_ne!(edited, text);
    repo.edit_on_branch(&shard, &edited);
    let with_old_cache = readings(&repo);
    let _ = std::fs::remove_file(cache(&repo));
    assert_eq!(with_old_cache, readings(&repo));
    // An added metric is read too, from the cache of the tree before it.
    repo.json(&["metric", "add", "--mission", "B1", "--tokens-in", "5"]);
    let after_add = readings(&repo);
    assert_eq!(after_add[0]["total"]["metrics"], 10);
    let _ = std::fs::remove_file(cache(&repo));
    assert_eq!(after_add, readings(&repo));
}

#[test]
fn the_cache_drops_the_shards_the_branch_no_longer_has() {
    let repo = project();
    let _ = readings(&repo);
    let full = std::fs::metadata(cache(&repo)).unwrap().len();
    let shards = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/metrics",
    ]);
    for shard in shards.lines() {
        repo.remove_on_branch(shard);
    }
    let empty = readings(&repo);
    assert_eq!(empty[0]["total"]["metrics"], 0);
    let after = std::fs::metadata(cache(&repo)).unwrap().len();
    assert!(after < full / 4, "the cache kept {after} of {full} bytes");
}

#[test]
fn a_cache_that_is_a_directory_or_unwritable_never_fails_a_report() {
    let repo = project();
    let _ = std::fs::remove_file(cache(&repo));
    let uncached = readings(&repo);
    std::fs::remove_file(cache(&repo)).unwrap();
    std::fs::create_dir_all(cache(&repo).join("x")).unwrap();
    assert_eq!(readings(&repo), uncached);
}

#[test]
fn test_metric_add_returns_the_recorded_uid_agent_and_writer() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let added = repo.json(&["metric", "add", "--mission", "B1", "--tokens-in", "5"]);
    let listed = repo.json(&["metric", "list"]);
    assert_eq!(added, listed[0], "the outcome is the metric as recorded");
    assert!(!added["uid"].as_str().unwrap().is_empty(), "{added}");
}
