//! `cmos sprint retro`: a sprint looked back on, on a project with several sprints of
//! history, with the original's edge cases (no owned missions, a parked-only sprint, a single
//! sprint), an unknown sprint, and the MCP tool.

mod common;

use common::Repo;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect()
}

/// Three sprints of history: S1 with completed, blocked, unfinished, dropped and deferred
/// missions, its decisions, learnings, sessions and next steps; S2 with parked missions only;
/// S3 with none. One session belongs to no sprint.
fn history() -> Repo {
    let repo = Repo::new();
    let day = |d: u32, hm: &str| format!("2026-11-{d:02}T{hm}:00Z");
    repo.ok_at(
        &day(1, "09:00"),
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
    repo.ok_at(
        &day(1, "09:01"),
        &["sprint", "add", "S2", "--title", "Parked"],
    );
    repo.ok_at(
        &day(1, "09:02"),
        &["sprint", "add", "S3", "--title", "Empty"],
    );
    for (id, name, sprint) in [
        ("A1", "Parse the config", "S1"),
        ("A2", "Cache the index", "S1"),
        ("A3", "Wait for review", "S1"),
        ("A4", "Write the docs", "S1"),
        ("A5", "Try YAML", "S1"),
        ("A6", "Port to Windows", "S1"),
        ("B1", "Maybe later", "S2"),
        ("B2", "Not needed", "S2"),
    ] {
        repo.ok_at(
            &day(1, "09:05"),
            &["mission", "add", id, name, "--sprint", sprint],
        );
    }
    repo.ok_at(&day(1, "10:00"), &["mission", "start", "A1"]);
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
    repo.ok_at(
        &day(1, "10:05"),
        &[
            "decision",
            "add",
            "Use TOML",
            "--rationale",
            "The branch uses it",
        ],
    );
    repo.ok_at(
        &day(1, "10:06"),
        &["learning", "add", "Hooks run with a minimal PATH"],
    );
    repo.ok_at(
        &day(1, "10:07"),
        &["next-step", "add", "Handle a missing config"],
    );
    repo.ok_at(&day(1, "10:08"), &["next-step", "add", "Tidy the parser"]);
    repo.ok_at(
        &day(2, "16:00"),
        &[
            "mission",
            "complete",
            "A1",
            "--notes",
            "Reads TOML once\nand caches it",
        ],
    );
    repo.ok_at(
        &day(2, "16:01"),
        &["session", "complete", "--summary", "Parser done"],
    );
    repo.ok_at(&day(3, "09:00"), &["mission", "start", "A2"]);
    repo.ok_at(&day(3, "21:00"), &["mission", "complete", "A2"]);
    repo.ok_at(&day(3, "21:01"), &["mission", "start", "A3"]);
    repo.ok_at(
        &day(3, "21:02"),
        &["mission", "block", "A3", "--reason", "Waiting for a review"],
    );
    repo.ok_at(
        &day(3, "21:03"),
        &["mission", "drop", "A5", "--reason", "TOML is enough"],
    );
    repo.ok_at(&day(3, "21:04"), &["mission", "defer", "A6"]);
    repo.ok_at(&day(3, "21:05"), &["mission", "defer", "B1"]);
    repo.ok_at(
        &day(3, "21:06"),
        &["mission", "drop", "B2", "--reason", "Not needed"],
    );
    let steps: Vec<Value> = serde_json::from_str::<Value>(
        &repo.ok_at(&day(3, "21:07"), &["--json", "next-step", "list"]),
    )
    .unwrap()["data"]
        .as_array()
        .unwrap()
        .clone();
    let tidy = steps
        .iter()
        .find(|s| s["text"] == "Tidy the parser")
        .expect("the step");
    repo.ok_at(
        &day(3, "21:08"),
        &["next-step", "done", tidy["id"].as_str().unwrap()],
    );
    repo.ok_at(&day(4, "09:00"), &["sprint", "complete", "S1", "--force"]);
    // No sprint is current now: this session belongs to none.
    repo.ok_at(
        &day(4, "09:01"),
        &[
            "session",
            "start",
            "--type",
            "planning",
            "--title",
            "Between sprints",
        ],
    );
    repo.ok_at(
        &day(4, "09:02"),
        &["session", "complete", "--summary", "Planned"],
    );
    repo
}

#[test]
fn a_retro_gives_cycle_times_owned_completion_memory_and_carry_forwards() {
    let repo = history();
    let envelope = repo.envelope(&["sprint", "retro", "S1"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    let data = &envelope["data"];
    let k = &data["kpis"];
    assert_eq!(k["missions"], 6);
    assert_eq!(k["owned"], 4, "dropped and deferred missions are parked");
    assert_eq!(
        (
            k["parked"].as_u64(),
            k["deferred"].as_u64(),
            k["dropped"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        (
            k["completed"].as_u64(),
            k["blocked"].as_u64(),
            k["unfinished"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(k["completion_rate"], 50);
    // A1: 1 day 6 hours = 1.25 days; A2: 12 hours = 0.5 days.
    assert_eq!(k["average_cycle_days"], 0.88);
    let a1 = data["missions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "A1")
        .unwrap();
    assert_eq!(a1["cycle_days"], 1.25);
    assert_eq!(a1["started_at"], "2026-11-01T10:00:00Z");
    assert_eq!(a1["completed_at"], "2026-11-02T16:00:00Z");
    let a3 = data["missions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "A3")
        .unwrap();
    assert_eq!(
        a3["cycle_days"],
        Value::Null,
        "an unfinished mission has no cycle time"
    );

    assert_eq!(
        (k["decisions"].as_u64(), k["learnings"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(data["decisions"][0]["text"], "Use TOML");
    assert_eq!(
        data["learnings"][0]["text"],
        "Hooks run with a minimal PATH"
    );
    assert_eq!(
        (k["sessions"].as_u64(), k["linked_sessions"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(data["sessions"][0]["title"], "Parser");
    assert_eq!(data["sessions"][0]["missions"], json!(["A1"]));
    assert_eq!(a1["sessions"], json!([data["sessions"][0]["id"]]));

    let cf = &data["carry_forward"];
    assert_eq!(ids(&cf["blocked"]), ["A3"]);
    assert_eq!(cf["blocked"][0]["details"], "Waiting for a review");
    assert_eq!(ids(&cf["unfinished"]), ["A4"]);
    let steps: Vec<&str> = cf["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["Handle a missing config"],
        "a done step is not carried"
    );

    // The session outside every sprint is not counted, and the retro says so.
    assert_eq!(k["untagged_sessions"], 1);
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("1 session(s) belong to no sprint"),
        "{warnings}"
    );

    let summary = data["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Sprint S1: Foundations — Completed (2/4)\n"),
        "{summary}"
    );
    assert!(
        summary.contains("| A1 | Parse the config | Reads TOML once |"),
        "{summary}"
    );
    assert!(summary.contains("2 of 4 owned missions completed (50%); 2 parked (1 deferred, 1 dropped); average cycle time 0.88 days"), "{summary}");
    assert!(
        summary.contains("- A3: Wait for review — Waiting for a review"),
        "{summary}"
    );
    assert!(
        summary.contains("- A4: Write the docs (Queued)"),
        "{summary}"
    );

    // Read-only: the branch did not move.
    let tip = repo.tip();
    let text = repo.ok(&["sprint", "retro", "foundations"]);
    assert_eq!(repo.tip(), tip);
    assert!(
        text.contains("Completion  50% (2 of 4 owned missions)"),
        "{text}"
    );
    assert!(
        text.contains("Summary (commit-ready)\nSprint S1: Foundations"),
        "{text}"
    );
}

#[test]
fn a_parked_only_sprint_and_an_empty_sprint_have_no_completion_rate() {
    let repo = history();
    for sprint in ["S2", "S3"] {
        let data = repo.json(&["sprint", "retro", sprint]);
        let k = &data["kpis"];
        assert_eq!(k["owned"], 0, "{sprint}");
        assert_eq!(
            k["completion_rate"],
            Value::Null,
            "{sprint}: n/a, not a division by zero"
        );
        assert_eq!(k["average_cycle_days"], Value::Null, "{sprint}");
        let summary = data["summary"].as_str().unwrap();
        assert!(
            summary.contains("no owned missions (completion rate n/a)"),
            "{summary}"
        );
        let text = repo.ok(&["sprint", "retro", sprint]);
        assert!(
            text.contains("Completion  n/a (0 of 0 owned missions)"),
            "{text}"
        );
    }
    let parked = repo.json(&["sprint", "retro", "S2"]);
    assert_eq!(parked["kpis"]["parked"], 2);
    assert!(
        parked["summary"]
            .as_str()
            .unwrap()
            .starts_with("Sprint S2: Parked — Planned (0/0)\n"),
        "{parked:#}"
    );
    assert_eq!(parked["carry_forward"]["unfinished"], json!([]));
}

#[test]
fn a_single_sprint_all_done_carries_nothing_forward() {
    let repo = Repo::new();
    let now = "2026-11-01T09:00:00Z";
    repo.ok_at(
        now,
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
    repo.ok_at(now, &["mission", "add", "M1", "Do it", "--sprint", "S1"]);
    repo.ok_at(now, &["mission", "start", "M1"]);
    repo.ok_at("2026-11-01T15:00:00Z", &["mission", "complete", "M1"]);
    let data = repo.json(&["sprint", "retro", "S1"]);
    assert_eq!(data["kpis"]["completion_rate"], 100);
    assert_eq!(data["kpis"]["average_cycle_days"], 0.25);
    assert_eq!(data["kpis"]["untagged_sessions"], 0);
    let summary = data["summary"].as_str().unwrap();
    assert!(!summary.contains("Carry forward"), "{summary}");
    assert!(summary.contains("| M1 | Do it | - |"), "{summary}");
}

#[test]
fn a_retro_of_an_unknown_sprint_is_a_clear_error() {
    let repo = history();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["sprint", "retro", "S9"]);
    assert_ne!(code, 0);
    assert_eq!(error["code"], "not_found", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("sprint 'S9' does not exist"),
        "{error:#}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn branch_text_in_a_retro_reaches_the_terminal_escaped() {
    let repo = Repo::new();
    let now = "2026-11-01T09:00:00Z";
    repo.ok_at(
        now,
        &[
            "init",
            "--name",
            "esc",
            "--sprint",
            "S1",
            "--sprint-title",
            "Plain",
        ],
    );
    repo.ok_at(
        now,
        &["mission", "add", "M1", "placeholder", "--sprint", "S1"],
    );
    let path = repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/missions",
        ])
        .lines()
        .find(|p| p.ends_with("/M1.toml"))
        .expect("the mission file")
        .to_string();
    // A collaborator's push names the mission with an escape sequence that clears the screen.
    let content = repo.show(&path);
    let hostile = content.replace("name = \"placeholder\"", "name = \"see \\u001B[2J here\"");
    assert_ne!(hostile, content);
    repo.edit_on_branch(&path, &hostile);
    let text = repo.ok(&["sprint", "retro", "S1"]);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("see \\e[2J here"), "{text}");
    // JSON keeps the text exact.
    let data = repo.json(&["sprint", "retro", "S1"]);
    assert_eq!(data["missions"][0]["name"], "see \u{1b}[2J here");
}

#[test]
fn the_mcp_tool_gives_the_same_retro_and_refuses_an_unknown_sprint() {
    let repo = history();
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[
            ("cmos_sprint_retro", &json!({"sprintId": "S1"})),
            ("cmos_sprint_retro", &json!({"sprintId": "nope"})),
        ],
    );
    let listing: Value = serde_json::from_str(&lines[1]).unwrap();
    assert!(
        listing["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "cmos_sprint_retro"),
        "the granular listing offers the tool"
    );
    let found: Value = serde_json::from_str(&lines[2]).unwrap();
    let result = &found["result"];
    assert_ne!(result["isError"], true, "{result:#}");
    let data = &result["structuredContent"]["data"];
    assert_eq!(data["kpis"]["completion_rate"], 50, "{result:#}");
    assert_eq!(data["kpis"]["owned"], 4);
    assert_eq!(data, &repo.json(&["sprint", "retro", "S1"]));
    let missing: Value = serde_json::from_str(&lines[3]).unwrap();
    assert_eq!(missing["result"]["isError"], true, "{missing:#}");
    assert!(
        missing.to_string().contains("sprint 'nope' does not exist"),
        "{missing:#}"
    );
}
