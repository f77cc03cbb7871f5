//! Metrics and roll-ups: `cmos metric add|list`, the measures on `session complete`,
//! `cmos report weekly|sprint`, the MCP tools, two clones adding metrics at once and syncing
//! through a bare remote, and bad input (on the command line and on the branch).

mod common;

use std::path::Path;

use common::Repo;
use serde_json::{Value, json};

fn session(repo: &Repo, mission: Option<&str>) -> String {
    let mut args = vec!["session", "start", "--type", "build", "--title", "work"];
    if let Some(m) = mission {
        args.extend(["--mission", m]);
    }
    repo.json(&args)["session"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn metric_add_defaults_to_the_open_session_and_its_mission_in_one_commit() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let id = session(&repo, Some("B1"));
    let before = repo.tip().unwrap();
    let m = repo.json(&[
        "metric",
        "add",
        "--tokens-in",
        "1200",
        "--tokens-out",
        "300",
        "--latency-ms",
        "4500",
        "--model",
        "sonnet",
    ]);
    assert_eq!(m["session"], id.as_str());
    assert_eq!(m["mission"], "B1");
    assert_eq!(m["session_type"], "build");
    assert_eq!(m["sprint"], "S1");
    assert_eq!(m["tokens_in"], 1200);
    assert_eq!(m["model"], "sonnet");
    let count = repo.git(&["rev-list", "--count", &format!("{before}..refs/heads/cmos")]);
    assert_eq!(count.trim(), "1", "one commit per add");
    let shards = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/metrics",
    ]);
    assert_eq!(shards.lines().count(), 1, "{shards}");
    assert!(shards.starts_with(".cmos/metrics/20"), "{shards}");

    let listed = repo.json(&["metric", "list", "--mission", "B1"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(repo.ok(&["metric", "list"]).contains("in 1200"));
}

#[test]
fn metric_add_for_a_mission_without_a_session() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let m = repo.json(&["metric", "add", "--mission", "B1", "--defects", "2"]);
    assert_eq!(m["mission"], "B1");
    assert!(m.get("session").is_none(), "{m}");
    assert_eq!(m["defects"], 2);
}

#[test]
fn session_complete_records_its_metrics_in_the_same_commit() {
    let repo = Repo::new();
    repo.init();
    let id = session(&repo, None);
    let before = repo.tip().unwrap();
    repo.json(&[
        "session",
        "complete",
        "--summary",
        "done",
        "--tokens-in",
        "10",
        "--accepted",
        "3",
    ]);
    let count = repo.git(&["rev-list", "--count", &format!("{before}..refs/heads/cmos")]);
    assert_eq!(count.trim(), "1");
    let listed = repo.json(&["metric", "list", "--session", &id]);
    assert_eq!(listed[0]["accepted"], 3);
    // Without measures, completing records no metric.
    session(&repo, None);
    repo.json(&["session", "complete", "--summary", "done"]);
    assert_eq!(repo.json(&["metric", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn session_complete_with_a_bad_measure_closes_nothing() {
    let repo = Repo::new();
    repo.init();
    let id = session(&repo, None);
    let before = repo.tip().unwrap();
    let (_, error) = repo.fails(&["session", "complete", "--summary", "s", "--model", "x"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("at least one measure"),
        "{error}"
    );
    assert_eq!(repo.tip().unwrap(), before);
    let shown = repo.json(&["session", "show", &id]);
    assert_eq!(shown["status"], "Active", "{shown}");
}

#[test]
fn report_rolls_up_per_mission_and_session_type_with_means_and_medians() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    repo.json(&["mission", "add", "B2", "Other"]);
    session(&repo, Some("B1"));
    for (tin, lat) in [("100", "10"), ("200", "30"), ("600", "20")] {
        repo.json(&["metric", "add", "--tokens-in", tin, "--latency-ms", lat]);
    }
    repo.json(&["session", "complete", "--summary", "done"]);
    repo.json(&["metric", "add", "--mission", "B2", "--defects", "1"]);

    let report = repo.json(&["report", "weekly"]);
    assert_eq!(report["kind"], "weekly");
    assert_eq!(report["total"]["metrics"], 4);
    let b1 = &report["by_mission"][0];
    assert_eq!(b1["key"], "B1");
    assert_eq!(b1["metrics"], 3);
    assert_eq!(b1["tokens_in"]["count"], 3);
    assert_eq!(b1["tokens_in"]["mean"], 300.0);
    assert_eq!(b1["tokens_in"]["median"], 200.0);
    assert_eq!(b1["latency_ms"]["median"], 20.0);
    assert_eq!(report["by_mission"][1]["key"], "B2");
    assert_eq!(report["by_mission"][1]["defects"]["total"], 1);
    let types = report["by_session_type"].as_array().unwrap();
    assert_eq!(
        types[0]["key"], "(none)",
        "the mission's metric has no session"
    );
    assert_eq!(types[1]["key"], "build");

    // The sprint report covers the sprint's sessions and missions.
    let sprint = repo.json(&["report", "sprint", "S1"]);
    assert_eq!(sprint["sprint"], "S1");
    assert_eq!(sprint["total"]["metrics"], 4);
    // A day after today leaves everything out.
    let later = repo.json(&["report", "weekly", "--since", "2999-01-01"]);
    assert_eq!(later["total"]["metrics"], 0);

    let text = repo.ok(&["report", "weekly"]);
    assert!(text.contains("By mission"), "{text}");
    assert!(text.contains("300 / 200"), "{text}");
    let md = repo.ok(&["report", "sprint", "S1", "--format", "markdown"]);
    assert!(md.starts_with("# Metrics of sprint S1"), "{md}");
    assert!(md.contains("| B1 | 3 | 300 / 200 |"), "{md}");
}

#[test]
fn report_shows_estimate_accuracy_of_completed_missions() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it", "--estimate", "2h"]);
    repo.json(&["mission", "start", "B1"]);
    repo.json(&["mission", "complete", "B1", "--summary", "done"]);
    let report = repo.json(&["report", "sprint", "S1"]);
    let checks = report["estimates"]["missions"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "{report}");
    assert_eq!(checks[0]["mission"], "B1");
    assert_eq!(checks[0]["estimate"], "2h");
    assert_eq!(report["estimates"]["percent_of_estimate"]["count"], 1);
}

#[test]
fn mcp_tools_add_metrics_report_and_complete_a_session_with_metrics() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let id = session(&repo, Some("B1"));
    let add = json!({"tokensIn": 50, "latencyMs": 7, "model": "m"});
    let complete = json!({"summary": "done", "metrics": {"tokensOut": 9, "defects": 0}});
    let empty = json!({"missionId": "B1"});
    let negative = json!({"missionId": "B1", "tokensIn": -1});
    let report = json!({"sprintId": "S1"});
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[
            ("cmos_metric_add", &add),
            ("cmos_session_complete", &complete),
            ("cmos_metric_add", &empty),
            ("cmos_metric_add", &negative),
            ("cmos_report", &report),
        ],
    );
    let reply = |n: usize| -> (bool, Value) {
        let v: Value = serde_json::from_str(&lines[n + 1]).unwrap();
        let result = &v["result"];
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        let envelope = serde_json::from_str(text).unwrap_or(v.clone());
        (
            result["isError"] == true || v.get("error").is_some(),
            envelope,
        )
    };
    let (bad, added) = reply(1);
    assert!(!bad, "{added}");
    assert_eq!(added["data"]["session"], id.as_str());
    assert_eq!(added["data"]["mission"], "B1");
    let (bad, closed) = reply(2);
    assert!(!bad, "{closed}");
    let (bad, refused) = reply(3);
    assert!(bad, "{refused}");
    assert!(
        refused.to_string().contains("at least one measure"),
        "{refused}"
    );
    let (bad, refused) = reply(4);
    assert!(bad, "a negative measure is refused: {refused}");
    let (bad, report) = reply(5);
    assert!(!bad, "{report}");
    assert_eq!(report["data"]["total"]["metrics"], 2, "{report}");
    assert_eq!(report["data"]["total"]["tokens_out"]["total"], 9);
}

#[test]
fn negative_and_non_numeric_measures_are_refused_with_a_clear_message() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let before = repo.tip();
    for (value, says) in [
        ("-5", "cannot be negative"),
        ("abc", "not a whole number"),
        ("1.5", "not a whole number"),
    ] {
        let out = repo.cmos(&["metric", "add", "--mission", "B1", "--tokens-in", value]);
        assert_eq!(out.status.code(), Some(2), "{value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{value}: {stderr}");
        assert!(stderr.contains("--tokens-in"), "{stderr}");
    }
    assert_eq!(repo.tip(), before, "nothing was written");
}

#[test]
fn a_metric_without_a_measure_or_a_target_is_refused() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    let (_, error) = repo.fails(&["metric", "add", "--mission", "B1"]);
    assert_eq!(error["code"], "invalid_input", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("at least one measure")
    );
    // No session open and no mission active: nothing to attach it to.
    let (_, error) = repo.fails(&["metric", "add", "--tokens-in", "5"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("session or a mission"),
        "{error}"
    );
}

#[test]
fn a_metric_for_an_unknown_session_or_mission_is_refused() {
    let repo = Repo::new();
    repo.init();
    let before = repo.tip();
    let (_, error) = repo.fails(&["metric", "add", "--mission", "NOPE", "--tokens-in", "5"]);
    assert_eq!(error["code"], "not_found", "{error}");
    let (_, error) = repo.fails(&["metric", "add", "--session", "ps-x", "--tokens-in", "5"]);
    assert_eq!(error["code"], "not_found", "{error}");
    assert_eq!(repo.tip(), before);
}

#[test]
fn a_malformed_metric_line_is_named_by_verify_and_skipped_elsewhere() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it"]);
    repo.json(&["metric", "add", "--mission", "B1", "--tokens-in", "5"]);
    let shard = repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/metrics",
        ])
        .trim()
        .to_string();
    let good = repo.show(&shard);
    repo.edit_on_branch(&shard, &format!("{good}{{\"uid\": 3\n"));
    let out = repo.cmos(&["verify"]);
    assert!(!out.status.success());
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("{shard}:2")), "{said}");
    let envelope = repo.envelope(&["report", "weekly"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    assert_eq!(envelope["data"]["total"]["metrics"], 1);
    let warnings = envelope["warnings"].to_string();
    assert!(warnings.contains("unreadable metric"), "{warnings}");
    assert!(warnings.contains(&format!("{shard}:2")), "{warnings}");
    // Other commands keep working and adding appends after the bad line.
    repo.json(&["metric", "add", "--mission", "B1", "--tokens-in", "7"]);
    assert_eq!(repo.json(&["metric", "list"]).as_array().unwrap().len(), 2);
}

/// Runs cmos with --json in `dir`, asserting success; returns the data.
fn data_in(repo: &Repo, dir: &Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = repo.cmos_in(dir, &full);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(value["ok"], true, "cmos {args:?}: {value:#}");
    value["data"].clone()
}

#[test]
fn metrics_added_in_two_clones_at_once_are_all_kept_after_sync() {
    let origin = Repo::new();
    origin.init();
    let remote = origin.sibling("remote.git");
    origin.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    origin.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    origin.git(&["push", "-q", "origin", "main"]);
    origin.json(&["mission", "add", "B1", "Shared"]);
    origin.json(&["sync"]);
    let (a, b) = (origin.sibling("a"), origin.sibling("b"));
    for dir in [&a, &b] {
        origin.git(&[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        data_in(&origin, dir, &["sync"]);
    }
    // Both clones add metrics to the same mission in the same month: the same log, the
    // same month directory, different writers' shards.
    for (dir, n) in [(&a, "1"), (&b, "2"), (&a, "3"), (&b, "4")] {
        data_in(
            &origin,
            dir,
            &["metric", "add", "--mission", "B1", "--tokens-in", n],
        );
    }
    data_in(&origin, &a, &["sync"]);
    let merged = data_in(&origin, &b, &["sync"]);
    assert_eq!(merged["result"], "merged", "{merged}");
    assert!(
        merged["conflicts"].as_array().is_none_or(|c| c.is_empty()),
        "{merged}"
    );
    data_in(&origin, &a, &["sync"]);
    for dir in [&a, &b] {
        let report = data_in(&origin, dir, &["report", "weekly"]);
        assert_eq!(report["total"]["metrics"], 4, "{report}");
        assert_eq!(report["total"]["tokens_in"]["total"], 10);
    }
    let out = origin.cmos_in(&b, &["verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Runs cmos --json at a fixed time (test-only clock), asserting success; returns the envelope.
fn at(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let out = common::hermetic(
        &mut std::process::Command::new(env!("CARGO_BIN_EXE_cmos")),
        &repo.home,
    )
    .env("CMOS_TEST_NOW", now)
    .arg("--json")
    .args(args)
    .current_dir(&repo.path)
    .output()
    .expect("run cmos");
    let value: Value = serde_json::from_slice(&out.stdout).expect("a JSON envelope");
    assert_eq!(value["ok"], true, "cmos {args:?}: {value:#}");
    value
}

#[test]
fn instructions_say_when_a_mission_runs_past_its_estimate_and_completion_records_how_far() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["mission", "add", "B1", "Build it", "--estimate", "2h"]);
    at(&repo, "2030-01-01T09:00:00Z", &["mission", "start", "B1"]);
    let within = at(&repo, "2030-01-01T10:00:00Z", &["status"]);
    assert!(
        !within["instructions"]
            .to_string()
            .contains("past its estimate"),
        "{within:#}"
    );
    let past = at(&repo, "2030-01-01T12:00:00Z", &["status"]);
    let actions = past["instructions"]["next_actions"].to_string();
    assert!(
        actions.contains("Mission B1 has been In Progress for 3h, past its estimate of 2h"),
        "{actions}"
    );
    assert!(actions.contains("re-estimate"), "{actions}");

    let done = at(
        &repo,
        "2030-01-01T12:00:00Z",
        &["mission", "complete", "B1", "--notes", "shipped"],
    );
    assert_eq!(done["data"]["estimate"]["worked"], "3h", "{done:#}");
    assert_eq!(done["data"]["estimate"]["percent_of_estimate"], 150);
    let shown = repo.json(&["mission", "show", "B1"]).to_string();
    assert!(
        shown.contains("shipped\\nworked 3h of 2h estimated (150% of the estimate, over by 1h)"),
        "{shown}"
    );
    // A mission without an estimate completes as before, with no estimate in the outcome.
    repo.json(&["mission", "add", "B2", "No estimate"]);
    repo.json(&["mission", "start", "B2"]);
    let plain = repo.json(&["mission", "complete", "B2"]);
    assert!(plain.get("estimate").is_none(), "{plain}");
}
