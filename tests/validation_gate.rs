//! Confidence-gated validation through the real binary: a completion with a validation
//! score is auto-approved, waits for review, or is refused as the policy's thresholds say
//! (0.80 and 0.60 by default); a person approves or rejects work that waits, never the one
//! who scored it; bad scores are refused with nothing written.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// A project with B1 In Progress (started by agent alice) and B2 Queued behind it.
fn b1_in_progress() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    repo.ok(&["mission", "add", "B2", "Second"]);
    repo.ok(&["--agent", "alice", "mission", "start", "B1"]);
    repo
}

fn show(repo: &Repo, id: &str) -> Value {
    repo.json(&["mission", "show", id])
}

fn complete_b1(repo: &Repo, score: &str) -> Value {
    repo.envelope(&[
        "--agent",
        "alice",
        "mission",
        "complete",
        "B1",
        "--validation-score",
        score,
        "--evidence",
        "cargo test: 212 passed",
        "--evidence",
        "reviewed the diff",
    ])
}

#[test]
fn a_score_at_0_85_completes_the_mission_auto_approved() {
    let repo = b1_in_progress();
    let envelope = complete_b1(&repo, "0.85");
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(envelope["data"]["to"], "Completed");
    assert_eq!(envelope["data"]["approval_state"], "auto_approved");
    assert_eq!(envelope["data"]["promoted"]["id"], "B2");
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "Completed");
    assert_eq!(b1["approval_state"], "auto_approved");
    assert_eq!(b1["validation_score"], 0.85);
    assert_eq!(b1["validated_by"], "alice");
    assert_eq!(
        b1["evidence"],
        json!(["cargo test: 212 passed", "reviewed the diff"])
    );
    let human = repo.ok(&["mission", "show", "B1"]);
    assert!(
        human.contains("0.85") && human.contains("auto_approved"),
        "{human}"
    );
}

#[test]
fn a_score_at_0_72_waits_for_a_person_and_is_not_done() {
    let repo = b1_in_progress();
    let envelope = complete_b1(&repo, "0.72");
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(envelope["data"]["to"], "In Progress");
    assert_eq!(envelope["data"]["approval_state"], "needs_review");
    assert!(envelope["data"]["promoted"].is_null());
    let commands = envelope["instructions"]["suggested_commands"].to_string();
    assert!(commands.contains("cmos mission approve B1"), "{commands}");
    let warnings = envelope["warnings"].to_string();
    assert!(warnings.contains("waits for review"), "{warnings}");
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(b1["approval_state"], "needs_review");
    assert!(b1["completed_at"].is_null());
    // Scoring it again is refused: a person decides now.
    let (code, error) = repo.fails(&["mission", "complete", "B1", "--validation-score", "0.9"]);
    assert_eq!(code, 5, "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("waits for a person")
    );
    // What comes next says a person must approve it, naming the command.
    let next = repo.envelope(&["mission", "next"]);
    let text = next.to_string();
    assert!(
        text.contains("approve") && text.contains("cmos mission approve B1"),
        "{next:#}"
    );
    let status = repo.envelope(&["status"]).to_string();
    assert!(status.contains("cmos mission approve B1"), "{status}");
    let human = repo.cmos(&["status"]);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(stderr.contains("B1 waits for review"), "{stderr}");
}

#[test]
fn a_score_at_0_41_is_refused_and_the_reason_is_kept() {
    let repo = b1_in_progress();
    let envelope = complete_b1(&repo, "0.41");
    assert_eq!(envelope["ok"], false, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "refused");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("0.41") && message.contains("0.6"),
        "{message}"
    );
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(b1["approval_state"], "rejected_by_gate");
    assert_eq!(b1["validation_score"], 0.41);
    assert!(
        b1["review_note"].as_str().unwrap().contains("0.6"),
        "{b1:#}"
    );
    // Better work completes it later.
    assert_eq!(complete_b1(&repo, "0.9")["data"]["to"], "Completed");
}

#[test]
fn another_agent_approves_work_waiting_for_review() {
    let repo = b1_in_progress();
    complete_b1(&repo, "0.72");
    let data = repo.json(&[
        "--agent", "bob", "mission", "approve", "B1", "--note", "read it",
    ]);
    assert_eq!(data["to"], "Completed");
    assert_eq!(data["approval_state"], "approved");
    assert_eq!(
        data["promoted"]["id"], "B2",
        "approval promotes as complete does"
    );
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "Completed");
    assert_eq!(b1["approved_by"], "bob");
    assert!(b1["approved_at"].is_string());
    assert_eq!(b1["review_note"], "read it");
    assert_eq!(b1["validated_by"], "alice");
}

#[test]
fn the_agent_who_scored_the_work_may_not_approve_it() {
    let repo = b1_in_progress();
    complete_b1(&repo, "0.72");
    let (code, error) = repo.fails(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!(code, 5);
    assert_eq!(error["code"], "refused");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("alice") && message.contains("another agent or a person"),
        "{message}"
    );
    assert_eq!(show(&repo, "B1")["status"], "In Progress");
}

#[test]
fn a_rejection_sends_the_work_back_with_the_reason() {
    let repo = b1_in_progress();
    complete_b1(&repo, "0.72");
    let data = repo.json(&[
        "--agent",
        "bob",
        "mission",
        "reject",
        "B1",
        "--reason",
        "no test for the empty list",
    ]);
    assert_eq!(data["to"], "In Progress");
    assert_eq!(data["approval_state"], "rejected");
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(b1["approval_state"], "rejected");
    assert_eq!(b1["rejected_by"], "bob");
    assert_eq!(b1["review_note"], "no test for the empty list");
    // Rejected work is not waiting any more: approving it is refused.
    let (code, _) = repo.fails(&["--agent", "bob", "mission", "approve", "B1"]);
    assert_eq!(code, 5);
    // A reason is required.
    let out = repo.cmos(&["mission", "reject", "B1"]);
    assert!(!out.status.success());
}

#[test]
fn approving_or_rejecting_a_mission_not_waiting_for_review_is_refused() {
    let repo = b1_in_progress();
    let (code, error) = repo.fails(&["--agent", "bob", "mission", "approve", "B1"]);
    assert_eq!(code, 5);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("does not wait for review"), "{message}");
    let (code, _) = repo.fails(&["mission", "reject", "B2", "--reason", "why"]);
    assert_eq!(code, 5);
    assert_eq!(show(&repo, "B1")["status"], "In Progress");
}

#[test]
fn scores_outside_zero_to_one_or_not_numbers_are_refused_with_nothing_written() {
    let repo = b1_in_progress();
    let before = repo.tip();
    for bad in ["1.5", "-0.1", "NaN", "inf"] {
        let (code, error) = repo.fails(&["mission", "complete", "B1", "--validation-score", bad]);
        assert_eq!(error["code"], "invalid_input", "{bad}: {error:#}");
        assert_ne!(code, 0);
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("from 0 to 1"), "{message}");
    }
    let out = repo.cmos(&["mission", "complete", "B1", "--validation-score", "high"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("from 0 to 1") && stderr.contains("high"),
        "{stderr}"
    );
    assert_eq!(repo.tip(), before, "nothing was written");
    assert_eq!(show(&repo, "B1")["status"], "In Progress");
    assert!(show(&repo, "B1")["approval_state"].is_null());
}

#[test]
fn completing_without_a_score_is_unchanged() {
    let repo = b1_in_progress();
    let data = repo.json(&["mission", "complete", "B1"]);
    assert_eq!(data["to"], "Completed");
    assert!(data.get("approval_state").is_none(), "{data:#}");
    let b1 = show(&repo, "B1");
    assert!(b1.get("approval_state").is_none());
    assert!(b1.get("validation_score").is_none());
}

#[test]
fn a_session_completed_with_a_score_keeps_its_validation_state() {
    let repo = b1_in_progress();
    for (score, state) in [
        ("0.9", "auto_approved"),
        ("0.7", "needs_review"),
        ("0.3", "human_required"),
    ] {
        repo.ok(&["session", "start", "--type", "build", "--title", "work"]);
        let data = repo.json(&[
            "session",
            "complete",
            "--summary",
            "did it",
            "--validation-score",
            score,
            "--evidence",
            "tests pass",
        ]);
        assert_eq!(data["validation_state"], state, "{data:#}");
        assert_eq!(data["validation_score"].to_string(), score);
        assert_eq!(data["evidence"], json!(["tests pass"]));
    }
    repo.ok(&["session", "start", "--type", "build", "--title", "work"]);
    let (_, error) = repo.fails(&[
        "session",
        "complete",
        "--summary",
        "x",
        "--validation-score",
        "1.5",
    ]);
    assert_eq!(error["code"], "invalid_input");
}

#[test]
fn the_mcp_tools_gate_approve_and_reject() {
    let repo = b1_in_progress();
    let replies = repo.mcp_session(
        &["--agent", "alice"],
        &[
            (
                "cmos_mission_complete",
                &json!({"missionId": "B1", "validationScore": 0.72, "evidence": ["ran it"]}),
            ),
            ("cmos_mission_approve", &json!({"missionId": "B1"})),
            (
                "cmos_mission_reject",
                &json!({"missionId": "B1", "reason": "missing docs"}),
            ),
            (
                "cmos_mission_complete",
                &json!({"missionId": "B1", "validationScore": 1.5}),
            ),
        ],
    );
    let reply = |n: usize| -> Value { serde_json::from_str(&replies[n + 1]).unwrap() };
    let text = |n: usize| reply(n)["result"].to_string();
    assert!(text(1).contains("needs_review"), "{}", text(1));
    assert_eq!(
        reply(2)["result"]["isError"],
        true,
        "self-approval: {}",
        text(2)
    );
    assert!(text(3).contains("rejected"), "{}", text(3));
    assert_eq!(reply(4)["result"]["isError"], true, "{}", text(4));
    assert!(text(4).contains("from 0 to 1"), "{}", text(4));
    let b1 = show(&repo, "B1");
    assert_eq!(b1["approval_state"], "rejected");
    assert_eq!(b1["evidence"], json!(["ran it"]));
}
