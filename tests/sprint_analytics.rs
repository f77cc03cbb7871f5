//! `cmos sprint analytics`: trends over several sprints of history, with the original's edge
//! cases (a parked-only sprint, no owned missions, a single sprint), ids ordered as numbers,
//! bad limits, agreement with each sprint's retro, and the MCP tool.

mod common;

use common::Repo;
use serde_json::{Value, json};

fn day(d: u32, hm: &str) -> String {
    format!("2026-11-{d:02}T{hm}:00Z")
}

/// Adds `id` to `sprint`, starts it on day `from` and completes it on day `to` at noon.
fn done(repo: &Repo, id: &str, sprint: &str, from: u32, to: u32) {
    repo.ok_at(
        &day(from, "08:00"),
        &["mission", "add", id, id, "--sprint", sprint],
    );
    repo.ok_at(&day(from, "12:00"), &["mission", "start", id]);
    repo.ok_at(&day(to, "12:00"), &["mission", "complete", id]);
}

/// S1 (Completed: 2 done, 1 blocked, 1 decision, a session), S2 (Completed, parked missions
/// only), S3 (Completed: 4 done, 1 decision, and 1 untagged), S4 (Planned: not counted), S10 (Active: 1 done,
/// 1 queued). All sprints are added at the same moment, so their ids order them: S10 after S4.
fn history() -> Repo {
    let repo = Repo::new();
    let t0 = day(1, "09:00");
    repo.ok_at(
        &t0,
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "Foundations",
        ],
    );
    for (id, title) in [
        ("S10", "Polish"),
        ("S2", "Parked"),
        ("S3", "Speed"),
        ("S4", "Later"),
    ] {
        repo.ok_at(&t0, &["sprint", "add", id, "--title", title]);
    }
    repo.ok_at(
        &day(1, "08:00"),
        &["mission", "add", "A1", "Parse", "--sprint", "S1"],
    );
    repo.ok_at(
        &day(1, "10:00"),
        &[
            "session",
            "start",
            "--type",
            "build",
            "--title",
            "Parser",
            "--mission",
            "A1",
        ],
    );
    repo.ok_at(&day(1, "12:00"), &["mission", "start", "A1"]);
    repo.ok_at(&day(2, "12:00"), &["mission", "complete", "A1"]);
    done(&repo, "A2", "S1", 2, 2);
    repo.ok_at(
        &day(2, "13:00"),
        &["mission", "add", "A3", "Wait", "--sprint", "S1"],
    );
    repo.ok_at(&day(2, "13:01"), &["mission", "start", "A3"]);
    repo.ok_at(
        &day(2, "13:02"),
        &["mission", "block", "A3", "--reason", "review"],
    );
    repo.ok_at(
        &day(2, "13:03"),
        &[
            "decision",
            "add",
            "Use TOML",
            "--rationale",
            "The branch uses it",
        ],
    );
    repo.ok_at(
        &day(2, "13:04"),
        &["session", "complete", "--summary", "done"],
    );
    repo.ok_at(&day(3, "09:00"), &["sprint", "complete", "S1", "--force"]);

    repo.ok_at(&day(3, "09:01"), &["sprint", "activate", "S2"]);
    for id in ["B1", "B2"] {
        repo.ok_at(
            &day(3, "09:02"),
            &["mission", "add", id, id, "--sprint", "S2"],
        );
    }
    repo.ok_at(&day(3, "09:03"), &["mission", "defer", "B1"]);
    repo.ok_at(
        &day(3, "09:04"),
        &["mission", "drop", "B2", "--reason", "not needed"],
    );
    repo.ok_at(&day(3, "09:05"), &["sprint", "complete", "S2", "--force"]);

    repo.ok_at(&day(4, "09:00"), &["sprint", "activate", "S3"]);
    for id in ["C1", "C2", "C3", "C4"] {
        done(&repo, id, "S3", 4, 6);
    }
    repo.ok_at(
        &day(6, "13:00"),
        &[
            "decision",
            "add",
            "Cache the index",
            "--rationale",
            "speed",
            "--mission",
            "C1",
        ],
    );
    // Untagged: no mission, no session, no sprint of its own: counted in no sprint.
    repo.ok_at(
        &day(6, "13:01"),
        &[
            "decision",
            "add",
            "Batch the writes",
            "--rationale",
            "speed",
        ],
    );
    repo.ok_at(&day(7, "09:00"), &["sprint", "complete", "S3"]);

    repo.ok_at(&day(7, "09:01"), &["sprint", "activate", "S10"]);
    done(&repo, "D1", "S10", 7, 8);
    repo.ok_at(
        &day(8, "13:00"),
        &["mission", "add", "D2", "Next", "--sprint", "S10"],
    );
    repo
}

fn sprint_ids(data: &Value) -> Vec<&str> {
    data["sprints"]
        .as_array()
        .expect("sprints")
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect()
}

#[test]
fn analytics_give_per_sprint_figures_velocity_trends_and_highlights() {
    let repo = history();
    let tip = repo.tip();
    let envelope = repo.envelope(&["sprint", "analytics"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    let data = &envelope["data"];
    assert_eq!(
        sprint_ids(data),
        ["S1", "S2", "S3", "S10"],
        "Active and Completed sprints, oldest first, S10 after S3, Planned S4 left out"
    );
    assert_eq!(
        data["window"],
        json!({"requested": 10, "count": 4, "oldest": "S1", "newest": "S10"})
    );
    let s1 = &data["sprints"][0];
    assert_eq!(
        (
            &s1["total"],
            &s1["completed"],
            &s1["blocked"],
            &s1["parked"]
        ),
        (&json!(3), &json!(2), &json!(1), &json!(0))
    );
    assert_eq!(s1["completion_rate"], 67);
    assert_eq!(s1["average_cycle_days"], 0.5, "1 day and 0 days");
    assert_eq!((&s1["decisions"], &s1["sessions"]), (&json!(1), &json!(1)));
    assert_eq!(s1["linked_sessions"], 1);
    let s2 = &data["sprints"][1];
    assert_eq!(
        (&s2["total"], &s2["parked"], &s2["completion_rate"]),
        (&json!(0), &json!(2), &Value::Null),
        "a parked-only sprint owns nothing and has no rate"
    );
    // Velocity: (2 + 0 + 4) / 3 Completed sprints; the Active S10 is not counted.
    assert_eq!(data["velocity"], 2.0);
    // Overall: 7 completed of 9 owned.
    assert_eq!(data["completion_rate"], 78);
    // Cycle: mean of 0.5 (S1), 2.0 (S3), 1.0 (S10).
    assert_eq!(data["average_cycle_days"], 1.17);
    let t = &data["trends"];
    // Velocity: [2, 0] against [4, 1].
    assert_eq!(
        t["velocity"],
        json!({"direction": "increasing", "change_percent": 150.0, "first": 1.0, "second": 2.5})
    );
    // Rate: [67, n/a] against [100, 50]: +11.94%.
    assert_eq!(t["completion_rate"]["direction"], "increasing");
    assert_eq!(t["completion_rate"]["change_percent"], 11.94);
    // Decisions: [1, 0] against [1, 0]; the untagged one counts in no sprint.
    assert_eq!(t["decisions"]["change_percent"], 0.0);
    assert_eq!(t["decisions"]["direction"], "stable");
    assert_eq!(data["sprints"][2]["decisions"], 1);
    // Cycle: [0.5] against [2.0, 1.0].
    assert_eq!(t["cycle_time"]["direction"], "increasing");
    let highlights: Vec<&str> = data["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        highlights.contains(&"Velocity is up (+150%): more missions completed per sprint."),
        "{highlights:?}"
    );
    assert!(
        highlights.contains(&"Average velocity: 2.00 missions completed per Completed sprint."),
        "{highlights:?}"
    );
    assert!(
        highlights.contains(&"Overall completion: 78% of owned missions, rising."),
        "{highlights:?}"
    );
    assert!(
        highlights.contains(&"Cycle time is worsening (+200%)."),
        "{highlights:?}"
    );
    assert!(
        highlights.contains(&"Peak sprint: S3 with 4 missions completed."),
        "{highlights:?}"
    );
    assert!(
        data["counting_rule"].as_str().unwrap().contains("parked"),
        "{data:#}"
    );

    // Read-only; the text says the same.
    let text = repo.ok(&["sprint", "analytics"]);
    assert_eq!(repo.tip(), tip);
    assert!(
        text.contains("Sprint analytics: 4 of the newest 10 requested, S1 to S10"),
        "{text}"
    );
    assert!(
        text.contains("Velocity    2.00 per Completed sprint, increasing (+150.0%)"),
        "{text}"
    );
    assert!(
        text.contains("- Peak sprint: S3 with 4 missions completed."),
        "{text}"
    );
}

#[test]
fn each_sprints_figures_are_its_retros_figures() {
    let repo = history();
    let data = repo.json(&["sprint", "analytics"]);
    for figures in data["sprints"].as_array().unwrap() {
        let id = figures["id"].as_str().unwrap();
        let k = repo.json(&["sprint", "retro", id])["kpis"].clone();
        for (ours, theirs) in [
            ("total", "owned"),
            ("completed", "completed"),
            ("blocked", "blocked"),
            ("parked", "parked"),
            ("completion_rate", "completion_rate"),
            ("average_cycle_days", "average_cycle_days"),
            ("decisions", "decisions"),
            ("learnings", "learnings"),
            ("sessions", "sessions"),
            ("linked_sessions", "linked_sessions"),
        ] {
            assert_eq!(figures[ours], k[theirs], "{id}: {ours}");
        }
    }
}

#[test]
fn a_limit_takes_the_newest_sprints_and_returns_them_oldest_first() {
    let repo = history();
    let data = repo.json(&["sprint", "analytics", "--limit", "2"]);
    assert_eq!(sprint_ids(&data), ["S3", "S10"]);
    assert_eq!(
        data["window"],
        json!({"requested": 2, "count": 2, "oldest": "S3", "newest": "S10"})
    );
    // Only S3 is Completed in this window.
    assert_eq!(data["velocity"], 4.0);
}

#[test]
fn a_single_sprint_with_no_owned_missions_is_stable_with_no_rates() {
    let repo = Repo::new();
    repo.ok_at(
        &day(1, "09:00"),
        &[
            "init",
            "--name",
            "solo",
            "--sprint",
            "S1",
            "--sprint-title",
            "Only",
        ],
    );
    repo.ok_at(&day(1, "09:01"), &["sprint", "activate", "S1"]);
    let data = repo.json(&["sprint", "analytics"]);
    assert_eq!(sprint_ids(&data), ["S1"]);
    assert_eq!(data["completion_rate"], Value::Null);
    assert_eq!(data["velocity"], Value::Null, "no Completed sprint");
    for series in ["velocity", "completion_rate", "decisions", "cycle_time"] {
        assert_eq!(data["trends"][series]["direction"], "stable", "{series}");
    }
    let text = repo.ok(&["sprint", "analytics"]);
    assert!(
        text.contains("No Completed sprint in the window: velocity n/a."),
        "{text}"
    );
    assert!(text.contains("completion rate n/a"), "{text}");
}

#[test]
fn a_project_without_a_run_sprint_has_an_empty_window() {
    let repo = Repo::new();
    repo.ok_at(&day(1, "09:00"), &["init", "--name", "new"]);
    let data = repo.json(&["sprint", "analytics"]);
    assert_eq!(data["sprints"], json!([]));
    assert_eq!(
        data["window"],
        json!({"requested": 10, "count": 0, "oldest": null, "newest": null})
    );
}

#[test]
fn a_limit_of_zero_or_past_the_bound_is_refused() {
    let repo = history();
    let tip = repo.tip();
    for limit in ["0", "101"] {
        let (code, error) = repo.fails(&["sprint", "analytics", "--limit", limit]);
        assert_eq!(code, 2, "{limit}");
        assert_eq!(error["code"], "invalid_input", "{error:#}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("between 1 and 100"), "{message}");
        assert!(
            !message.contains("--limit"),
            "the library names no flag: {message}"
        );
    }
    let huge = repo.cmos(&["sprint", "analytics", "--limit", "99999999999999999999999"]);
    assert!(!huge.status.success());
    assert_eq!(repo.tip(), tip);
}

#[test]
fn the_mcp_tool_gives_the_same_analytics_and_refuses_a_bad_limit() {
    let repo = history();
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[
            ("cmos_sprint_analytics", &json!({"limit": 2})),
            ("cmos_sprint_analytics", &json!({})),
            ("cmos_sprint_analytics", &json!({"limit": 0})),
        ],
    );
    let listing: Value = serde_json::from_str(&lines[1]).unwrap();
    assert!(
        listing["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "cmos_sprint_analytics"),
        "the granular listing offers the tool"
    );
    let two: Value = serde_json::from_str(&lines[2]).unwrap();
    let data = &two["result"]["structuredContent"]["data"];
    assert_eq!(sprint_ids(data), ["S3", "S10"], "{two:#}");
    let all: Value = serde_json::from_str(&lines[3]).unwrap();
    assert_eq!(
        all["result"]["structuredContent"]["data"],
        repo.json(&["sprint", "analytics"])
    );
    let zero: Value = serde_json::from_str(&lines[4]).unwrap();
    assert!(zero.to_string().contains("between 1 and 100"), "{zero:#}");
}
