//! `cmos context condense`: what context and onboard load, trimmed phase by phase on a
//! project with several sprints of history, nothing deleted from the branch; the dry run,
//! a target already met, a malformed `.cmos/context.toml`, bad targets, and the MCP tool.

mod common;

use common::Repo;
use serde_json::{Value, json};

fn time(minute: usize) -> String {
    format!("2026-11-01T{:02}:{:02}:00Z", 8 + minute / 60, minute % 60)
}

/// Five completed sprints S1..S5, each with a completed mission Mi, a decision and a
/// learning made in a session, and an open next step naming Mi; S6 current with an open
/// mission O1 and a next step of it.
fn history() -> Repo {
    let repo = Repo::new();
    let mut minute = 0;
    let mut next = || {
        minute += 1;
        time(minute)
    };
    repo.ok_at(
        &next(),
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "Sprint one",
        ],
    );
    let t = next();
    for i in 2..=6 {
        repo.ok_at(
            &t,
            &[
                "sprint",
                "add",
                &format!("S{i}"),
                "--title",
                &format!("Sprint {i}"),
            ],
        );
    }
    for i in 1..=5 {
        let (sprint, mission) = (format!("S{i}"), format!("M{i}"));
        repo.ok_at(&next(), &["sprint", "activate", &sprint]);
        repo.ok_at(
            &next(),
            &[
                "mission",
                "add",
                &mission,
                &format!("Work {i}"),
                "--sprint",
                &sprint,
            ],
        );
        repo.ok_at(
            &next(),
            &[
                "session",
                "start",
                "--type",
                "build",
                "--title",
                &format!("Session {i}"),
            ],
        );
        repo.ok_at(&next(), &["mission", "start", &mission]);
        repo.ok_at(
            &next(),
            &[
                "decision",
                "add",
                &format!("Decision of sprint {i}"),
                "--rationale",
                "a reason long enough to weigh something in the context",
            ],
        );
        repo.ok_at(
            &next(),
            &[
                "learning",
                "add",
                &format!("Learning of sprint {i}, which takes some room"),
            ],
        );
        repo.ok_at(
            &next(),
            &[
                "next-step",
                "add",
                &format!("Follow up on {mission} with the team"),
            ],
        );
        repo.ok_at(&next(), &["mission", "complete", &mission]);
        repo.ok_at(
            &next(),
            &[
                "session",
                "complete",
                "--summary",
                &format!("Sprint {i} done"),
            ],
        );
        repo.ok_at(&next(), &["sprint", "complete", &sprint]);
    }
    repo.ok_at(&next(), &["sprint", "activate", "S6"]);
    repo.ok_at(
        &next(),
        &["mission", "add", "O1", "Open work", "--sprint", "S6"],
    );
    repo.ok_at(
        &next(),
        &[
            "next-step",
            "add",
            "Keep going on M5 later",
            "--mission",
            "O1",
        ],
    );
    repo
}

fn section<'v>(context: &'v Value, name: &str) -> Option<&'v Value> {
    context["sections"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)
}

fn texts(section: Option<&Value>) -> Vec<String> {
    section
        .map(|s| {
            s["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["text"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "refs/heads/cmos"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_dry_run_reports_the_phases_and_writes_nothing() {
    let repo = history();
    let tip = repo.tip();
    let data = repo.json(&["context", "condense", "--target-tokens", "100", "--dry-run"]);
    assert_eq!(repo.tip(), tip, "a dry run writes nothing");
    assert_eq!(
        (&data["dry_run"], &data["changed"]),
        (&json!(true), &json!(true))
    );
    let sections: Vec<&str> = data["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections, ["next_steps", "last_session", "earlier_sprints"]);
    let closed: Vec<&str> = data["closed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mission"].as_str().unwrap())
        .collect();
    assert_eq!(closed.len(), 5, "{data:#}");
    for m in ["M1", "M2", "M3", "M4", "M5"] {
        assert!(closed.contains(&m), "{m}: {closed:?}");
    }
    let before = data["before_tokens"].as_u64().unwrap();
    let after = data["after_tokens"].as_u64().unwrap();
    assert!(after < before, "{data:#}");
    assert_eq!(
        data["target_met"], false,
        "100 tokens is below what the context needs"
    );
    assert_eq!(data["windows"], json!({"sprint_detail": 3}));
    let text = repo.ok(&["context", "condense", "--target-tokens", "100", "--dry-run"]);
    assert!(text.contains("Context would be condensed"), "{text}");
    assert!(text.contains("Nothing was written (dry run)."), "{text}");
    assert_eq!(repo.tip(), tip);
}

#[test]
fn a_condensation_closes_done_steps_and_summarises_old_sprints_in_one_commit() {
    let repo = history();
    let before_context = repo.json(&["context"]);
    assert!(section(&before_context, "earlier_sprints").is_none());
    assert!(
        texts(section(&before_context, "decisions"))
            .iter()
            .any(|t| t.starts_with("Decision of sprint 1"))
    );

    let count = commits(&repo);
    let data = repo.json(&["context", "condense", "--target-tokens", "100"]);
    assert_eq!(commits(&repo), count + 1, "one commit");
    assert_eq!(data["changed"], true);

    // The steps are Done with a note, still in the log; the open mission's step stays.
    let steps = repo.json(&["next-step", "list", "--all"]);
    for step in steps.as_array().unwrap() {
        let text = step["text"].as_str().unwrap();
        if text.starts_with("Follow up on") {
            assert_eq!(step["status"], "Done", "{step:#}");
            assert!(
                step["note"].as_str().unwrap().contains("is Completed"),
                "{step:#}"
            );
        } else {
            assert_eq!(
                step["status"], "Active",
                "a step of an open mission stays: {step:#}"
            );
        }
    }
    // The window is data on the branch.
    assert!(
        repo.ok(&["verify"]).contains("no problems"),
        "the file passes verify"
    );
    let file = repo.show(".cmos/context.toml");
    assert!(file.contains("sprint_detail = 3"), "{file}");
    assert!(file.contains("[condensed]"), "{file}");

    // Context and onboard load S1 and S2 as summaries, S3..S5 in detail; nothing is deleted.
    for command in [&["context"][..], &["onboard"][..]] {
        let context = repo.json(command);
        let summaries = texts(section(&context, "earlier_sprints"));
        assert_eq!(summaries.len(), 2, "{command:?}: {context:#}");
        assert!(
            summaries[0]
                .starts_with("Sprint 2: 1 of 1 missions completed; 1 decisions, 1 learnings"),
            "{summaries:?}"
        );
        let decisions = texts(section(&context, "decisions"));
        assert!(
            !decisions
                .iter()
                .any(|t| t.starts_with("Decision of sprint 1")),
            "{decisions:?}"
        );
        assert!(
            decisions
                .iter()
                .any(|t| t.starts_with("Decision of sprint 3")),
            "{decisions:?}"
        );
    }
    assert_eq!(
        repo.json(&["decision", "list"]).as_array().unwrap().len(),
        5,
        "every decision is still there"
    );
    let context = repo.json(&["context"]);
    assert_eq!(
        context["budget"]["used"], data["after_tokens"],
        "the report measures what context loads"
    );

    // Condensing again changes nothing and writes nothing.
    let count = commits(&repo);
    let again = repo.json(&["context", "condense", "--target-tokens", "100"]);
    assert_eq!((&again["changed"], commits(&repo)), (&json!(false), count));
}

#[test]
fn a_context_within_the_target_is_left_as_it_is() {
    let repo = history();
    let tip = repo.tip();
    let data = repo.json(&["context", "condense"]);
    assert_eq!(
        (&data["target_tokens"], &data["target_met"]),
        (&json!(15000), &json!(true))
    );
    assert_eq!(data["phases"], json!([]));
    assert_eq!(data["before_tokens"], data["after_tokens"]);
    assert_eq!(repo.tip(), tip);
    let text = repo.ok(&["context", "condense"]);
    assert!(text.contains("needed nothing"), "{text}");
}

#[test]
fn a_malformed_context_file_is_reported_with_its_line_and_the_defaults_are_used() {
    let repo = history();
    repo.edit_on_branch(
        ".cmos/context.toml",
        "[windows]\nsprint_detail = 2\nsessions = 5\n",
    );
    let envelope = repo.envelope(&["context"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    let warnings = envelope["warnings"].to_string();
    assert!(warnings.contains(".cmos/context.toml:3"), "{warnings}");
    assert!(
        section(&envelope["data"], "earlier_sprints").is_none(),
        "the defaults: everything loaded"
    );
    repo.edit_on_branch(".cmos/context.toml", "[windows]\nsprint_detail = 100000\n");
    let (_, error) = repo.fails(&["verify"]);
    assert!(
        error.to_string().contains(".cmos/context.toml:2"),
        "verify names it: {error:#}"
    );
    let envelope = repo.envelope(&["onboard"]);
    assert!(
        envelope["warnings"]
            .to_string()
            .contains(".cmos/context.toml:2"),
        "{envelope:#}"
    );
    let text = String::from_utf8_lossy(&repo.cmos(&["context"]).stderr).into_owned()
        + &String::from_utf8_lossy(&repo.cmos(&["context"]).stdout);
    assert!(text.contains("context.toml:2"), "{text}");
}

#[test]
fn a_target_out_of_bounds_is_refused() {
    let repo = history();
    let tip = repo.tip();
    for bad in ["0", "99", "1000001"] {
        let (code, error) = repo.fails(&["context", "condense", "--target-tokens", bad]);
        assert_eq!(
            (code, error["code"].as_str()),
            (2, Some("invalid_input")),
            "{bad}: {error:#}"
        );
        assert!(
            !error["message"].as_str().unwrap().contains("--target"),
            "{error:#}"
        );
    }
    assert!(
        !repo
            .cmos(&["context", "condense", "--target-tokens", "lots"])
            .status
            .success()
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn the_mcp_tool_condenses_and_refuses_a_negative_target() {
    let repo = history();
    let tip = repo.tip();
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[
            (
                "cmos_context_condense",
                &json!({"targetTokens": 100, "dryRun": true}),
            ),
            ("cmos_context_condense", &json!({"targetTokens": -5})),
        ],
    );
    let listing: Value = serde_json::from_str(&lines[1]).unwrap();
    assert!(
        listing["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "cmos_context_condense")
    );
    let dry: Value = serde_json::from_str(&lines[2]).unwrap();
    let data = &dry["result"]["structuredContent"]["data"];
    assert_eq!(data["dry_run"], true, "{dry:#}");
    assert_eq!(data["closed"].as_array().unwrap().len(), 5);
    let refused: Value = serde_json::from_str(&lines[3]).unwrap();
    assert_eq!(refused["result"]["isError"], true, "{refused:#}");
    assert_eq!(repo.tip(), tip);
}
