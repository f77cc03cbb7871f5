//! The "Done means" of the orchestration issue, end to end through the real binary (and the
//! MCP server where the issue says so): the confidence gate at 0.85, 0.72 and 0.41; approval,
//! rejection and self-approval; metrics from two clones merged by sync; a loop refused while
//! another agent works on; the MCP tool cap; and the bad inputs (scores, metrics, a malformed
//! policy file on the branch); the reports' counts; and a sprint walked through the process
//! graph with the gate, a fallback and a person. A reviewer reads this file to see the issue
//! is done; the detailed cases of each piece are in tests/validation_gate.rs,
//! tests/policy.rs, tests/metrics.rs, tests/loop_guard.rs, tests/process_graph.rs,
//! tests/orchestration_patterns.rs and tests/checkpoints.rs.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// A project with sprint S1 and missions B1, B2, B3, all started by agent alice.
fn three_started() -> Repo {
    let repo = Repo::new();
    repo.init();
    for id in ["B1", "B2", "B3"] {
        repo.json(&["mission", "add", id, &format!("Work {id}")]);
        repo.json(&["--agent", "alice", "mission", "start", id]);
    }
    repo
}

/// `mission complete ID --validation-score SCORE` by `agent`, with evidence; the envelope.
fn complete(repo: &Repo, agent: &str, id: &str, score: &str) -> Value {
    repo.envelope(&[
        "--agent",
        agent,
        "mission",
        "complete",
        id,
        "--validation-score",
        score,
        "--evidence",
        "cargo test: all passed",
    ])
}

fn mission(repo: &Repo, id: &str) -> Value {
    repo.json(&["mission", "show", id])
}

/// The text of every warning of an envelope, joined.
fn warnings(envelope: &Value) -> String {
    envelope["warnings"].to_string()
}

/// The envelopes of the tool calls of one MCP connection (after initialize and tools/list).
fn mcp(repo: &Repo, args: &[&str], calls: &[(&str, &Value)]) -> Vec<Value> {
    repo.mcp_session(args, calls)[2..]
        .iter()
        .map(|line| {
            let reply: Value = serde_json::from_str(line).expect("a JSON-RPC reply");
            reply["result"]["structuredContent"].clone()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The confidence gate
// ---------------------------------------------------------------------------------------

#[test]
fn the_gate_at_0_85_approves_at_0_72_waits_for_a_person_and_at_0_41_refuses() {
    let repo = three_started();

    // 0.85: Completed, marked auto-approved, with the score and evidence kept.
    let done = complete(&repo, "alice", "B1", "0.85");
    assert_eq!(done["ok"], true, "{done:#}");
    assert_eq!(done["data"]["to"], "Completed");
    assert_eq!(done["data"]["approval_state"], "auto_approved");
    let b1 = mission(&repo, "B1");
    assert_eq!(
        (
            &b1["status"],
            &b1["approval_state"],
            &b1["validation_score"]
        ),
        (&json!("Completed"), &json!("auto_approved"), &json!(0.85))
    );
    assert_eq!(b1["evidence"], json!(["cargo test: all passed"]));

    // 0.72: waits for a person. Still In Progress, so not counted as done.
    let waits = complete(&repo, "alice", "B2", "0.72");
    assert_eq!(waits["ok"], true, "{waits:#}");
    assert_eq!(waits["data"]["to"], "In Progress");
    assert_eq!(waits["data"]["approval_state"], "needs_review");
    assert!(warnings(&waits).contains("waits for review"), "{waits:#}");
    let b2 = mission(&repo, "B2");
    assert_eq!(b2["status"], "In Progress");
    assert!(b2["completed_at"].is_null());

    // 0.41: refused; B3 stays In Progress and keeps the score and the reason.
    let refused = complete(&repo, "alice", "B3", "0.41");
    assert_eq!(refused["ok"], false, "{refused:#}");
    assert_eq!(refused["error"]["code"], "refused");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("0.41") && message.contains("0.6") && message.contains("In Progress"),
        "{message}"
    );
    let b3 = mission(&repo, "B3");
    assert_eq!(b3["status"], "In Progress");
    assert_eq!(b3["approval_state"], "rejected_by_gate");
    assert_eq!(b3["validation_score"], 0.41);
    assert!(
        b3["review_note"]
            .as_str()
            .unwrap()
            .contains("below the review threshold")
    );

    // Status counts one mission done out of three, and flags B2 for a person, in --json and
    // in the human output.
    let status = repo.envelope(&["status"]);
    let counts = &status["data"]["current_sprint"]["counts"]["by_status"];
    assert_eq!(
        counts,
        &json!({"Completed": 1, "In Progress": 2}),
        "{status:#}"
    );
    assert_eq!(status["data"]["current_sprint"]["progress"], 33);
    assert!(
        warnings(&status).contains("mission B2 waits for review"),
        "{status:#}"
    );
    let commands = status["instructions"]["suggested_commands"].to_string();
    assert!(commands.contains("cmos mission approve B2"), "{commands}");
    let human = repo.cmos(&["status"]);
    assert!(String::from_utf8_lossy(&human.stderr).contains("B2 waits for review"));

    // `mission next` says a person must approve B2 before it counts as done.
    let next = repo.envelope(&["mission", "next"]);
    assert!(
        warnings(&next).contains("mission B2 waits for review"),
        "{next:#}"
    );
    let actions = next["instructions"]["next_actions"].to_string();
    assert!(actions.contains("must approve or reject it"), "{actions}");

    // The agent cannot score B2 again to get round the person.
    let again = complete(&repo, "alice", "B2", "0.95");
    assert_eq!(again["error"]["code"], "refused", "{again:#}");
    // Better work on B3 completes it.
    assert_eq!(
        complete(&repo, "alice", "B3", "0.9")["data"]["to"],
        "Completed"
    );
}

/// `mission next` gave work that waits for review as the next mission, first with the reason
/// "it is already In Progress: finish it before starting another": an agent following `next`
/// was told to finish what only a person can decide, and then stalled on it. Waiting work is
/// passed over (and named), and the next workable mission is given.
#[test]
fn test_mission_next_passes_over_work_that_waits_for_review() {
    let repo = three_started();
    complete(&repo, "alice", "B1", "0.72");
    let next = repo.envelope(&["mission", "next"]);
    assert_eq!(next["data"]["mission"]["id"], "B2", "{next:#}");
    let reason = next["data"]["reason"].as_str().unwrap();
    assert!(!reason.contains("B1"), "{reason}");
    assert_eq!(
        next["data"]["skipped"][0],
        json!({"id": "B1", "status": "In Progress", "waiting_on": [], "awaiting_review": true})
    );
    let actions = next["instructions"]["next_actions"].to_string();
    assert!(
        actions.contains("Mission B1 (Work B1) waits for review"),
        "{actions}"
    );
    let human = String::from_utf8_lossy(&repo.cmos(&["mission", "next"]).stdout).to_string();
    assert!(
        human.contains("skipped: B1 waits on a person's review"),
        "{human}"
    );
    let status = repo.json(&["status"]);
    assert_eq!(status["next_reason"], reason);

    // When everything open waits for a person, there is nothing for an agent, and `next` says why.
    complete(&repo, "alice", "B2", "0.7");
    complete(&repo, "alice", "B3", "0.61");
    let next = repo.envelope(&["mission", "next"]);
    assert!(next["data"]["mission"].is_null(), "{next:#}");
    let reason = next["data"]["reason"].as_str().unwrap();
    assert!(reason.contains("waits for a person"), "{reason}");
}

#[test]
fn a_person_approves_or_rejects_waiting_work_and_the_agent_may_not_approve_its_own() {
    let repo = three_started();
    complete(&repo, "alice", "B1", "0.72");

    // The agent that scored the work is refused, and the mission still waits.
    let (code, error) = repo.fails(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!((code, &error["code"]), (5, &json!("refused")), "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains("alice"),
        "{error:#}"
    );
    assert_eq!(mission(&repo, "B1")["approval_state"], "needs_review");

    // A person rejects it: back to In Progress with the reason and who rejected it.
    let reason = "no test for the empty list";
    let rejected = repo.json(&[
        "--agent", "dana", "mission", "reject", "B1", "--reason", reason,
    ]);
    assert_eq!(
        (&rejected["to"], &rejected["approval_state"]),
        (&json!("In Progress"), &json!("rejected"))
    );
    let b1 = mission(&repo, "B1");
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(
        (&b1["rejected_by"], &b1["review_note"]),
        (&json!("dana"), &json!(reason))
    );
    // A rejection needs a reason.
    assert!(
        !repo
            .cmos(&["--agent", "dana", "mission", "reject", "B2"])
            .status
            .success()
    );

    // The agent fixes it and scores it again; the person approves it: Completed, recording
    // who approved it and who scored it; the next mission is promoted as completing does.
    complete(&repo, "alice", "B1", "0.75");
    let approved = repo.json(&[
        "--agent",
        "dana",
        "mission",
        "approve",
        "B1",
        "--note",
        "read the diff",
    ]);
    assert_eq!(
        (&approved["to"], &approved["approval_state"]),
        (&json!("Completed"), &json!("approved"))
    );
    let b1 = mission(&repo, "B1");
    assert_eq!(b1["status"], "Completed");
    assert_eq!(
        (&b1["approved_by"], &b1["validated_by"]),
        (&json!("dana"), &json!("alice"))
    );
    assert!(b1["approved_at"].is_string());
    let history = repo.json(&["history", "B1"]).to_string();
    assert!(
        history.contains("dana") && history.contains(reason),
        "{history}"
    );
}

/// A mission waiting for a person's review was Completed by a plain completion without a
/// score (the CLI, a status change, MCP): the person was skipped. And work the gate refused
/// or a person rejected was Completed the same way, as if the gate had never said no.
#[test]
fn test_completion_without_a_score_cannot_skip_the_review_or_a_refusal() {
    let repo = three_started();
    complete(&repo, "alice", "B1", "0.72");
    complete(&repo, "alice", "B2", "0.41");
    repo.json(&["mission", "add", "B4", "Rejected work"]);
    repo.json(&["--agent", "alice", "mission", "start", "B4"]);
    complete(&repo, "alice", "B4", "0.7");
    repo.json(&[
        "--agent", "dana", "mission", "reject", "B4", "--reason", "no tests",
    ]);
    let before = repo.tip();
    for id in ["B1", "B2", "B4"] {
        for args in [
            vec!["mission", "complete", id],
            vec!["mission", "update", id, "--status", "Completed"],
        ] {
            let (code, error) = repo.fails(&args);
            assert_eq!(
                (code, &error["code"]),
                (5, &json!("refused")),
                "{args:?}: {error:#}"
            );
        }
    }
    let (_, waiting) = repo.fails(&["mission", "complete", "B1"]);
    let message = waiting["message"].as_str().unwrap();
    assert!(message.contains("waits for a person"), "{message}");
    assert!(
        waiting["hint"]
            .to_string()
            .contains("cmos mission approve B1"),
        "{waiting:#}"
    );
    let (_, rejected) = repo.fails(&["mission", "complete", "B4"]);
    assert!(
        rejected["message"]
            .as_str()
            .unwrap()
            .contains("new validation score"),
        "{rejected:#}"
    );
    let calls = [("cmos_mission_complete", &json!({"missionId": "B1"}))];
    assert_eq!(mcp(&repo, &[], &calls)[0]["error"]["code"], "refused");
    assert_eq!(repo.tip(), before, "nothing was written");
    for id in ["B1", "B2", "B4"] {
        assert_eq!(mission(&repo, id)["status"], "In Progress", "{id}");
    }
    // The ways through still work: a person's approval, a new passing score.
    repo.json(&["--agent", "dana", "mission", "approve", "B1"]);
    assert_eq!(
        complete(&repo, "alice", "B2", "0.9")["data"]["to"],
        "Completed"
    );
    assert_eq!(
        complete(&repo, "alice", "B4", "0.85")["data"]["to"],
        "Completed"
    );
}

#[test]
fn self_approval_is_refused_by_default_and_allowed_when_the_policy_allows_it() {
    let repo = three_started();
    complete(&repo, "alice", "B1", "0.7");
    let (code, _) = repo.fails(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!(code, 5);

    repo.json(&["policy", "set", "validation.allow_self_approval", "true"]);
    let approved = repo.json(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!(approved["to"], "Completed");
    let b1 = mission(&repo, "B1");
    assert_eq!(
        (&b1["approved_by"], &b1["validated_by"]),
        (&json!("alice"), &json!("alice"))
    );
}

#[test]
fn the_gate_approve_and_reject_over_mcp() {
    let repo = three_started();
    let calls = [
        (
            "cmos_mission_complete",
            &json!({"missionId": "B1", "validationScore": 0.85}),
        ),
        (
            "cmos_mission_complete",
            &json!({"missionId": "B2", "validationScore": 0.72}),
        ),
        (
            "cmos_mission_complete",
            &json!({"missionId": "B3", "validationScore": 0.41}),
        ),
        ("cmos_mission_approve", &json!({"missionId": "B2"})),
        (
            "cmos_mission_reject",
            &json!({"missionId": "B2", "reason": "missing docs"}),
        ),
    ];
    let replies = mcp(&repo, &["--agent", "alice"], &calls);
    assert_eq!(
        replies[0]["data"]["approval_state"], "auto_approved",
        "{:#}",
        replies[0]
    );
    assert_eq!(
        replies[1]["data"]["approval_state"], "needs_review",
        "{:#}",
        replies[1]
    );
    assert_eq!(replies[2]["error"]["code"], "refused", "{:#}", replies[2]);
    assert_eq!(
        replies[3]["error"]["code"], "refused",
        "self-approval: {:#}",
        replies[3]
    );
    assert_eq!(
        replies[4]["data"]["approval_state"], "rejected",
        "{:#}",
        replies[4]
    );
    assert_eq!(mission(&repo, "B2")["rejected_by"], "alice");
}

// ---------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------

#[test]
fn metrics_added_by_two_clones_at_once_are_merged_by_sync() {
    // A bare remote and two clones of the project, each with its own agent and session.
    let origin = Repo::new();
    origin.init();
    origin.json(&["mission", "add", "B1", "Shared work"]);
    let remote = origin.sibling("remote.git");
    origin.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    origin.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    origin.git(&["push", "-q", "origin", "main"]);
    origin.json(&["sync"]);
    let clones = [origin.sibling("a"), origin.sibling("b")];
    for dir in &clones {
        origin.git(&[
            "clone",
            "-q",
            remote.to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        origin.json_in(dir, &["sync"]);
    }

    // Both agents work at the same time: a session each, three metrics each, and one more
    // with the session's completion. Neither syncs until both are done.
    std::thread::scope(|scope| {
        for (dir, agent) in clones.iter().zip(["alice", "bob"]) {
            let origin = &origin;
            scope.spawn(move || {
                let who = ["--agent", agent];
                let run = |args: &[&str]| origin.json_in(dir, &[&who[..], args].concat());
                run(&[
                    "session",
                    "start",
                    "--type",
                    "build",
                    "--title",
                    "Metrics",
                    "--mission",
                    "B1",
                ]);
                for n in ["100", "200", "300"] {
                    run(&[
                        "metric",
                        "add",
                        "--tokens-in",
                        n,
                        "--latency-ms",
                        "50",
                        "--model",
                        agent,
                    ]);
                }
                run(&[
                    "session",
                    "complete",
                    "--summary",
                    "done",
                    "--tokens-out",
                    "7",
                ]);
            });
        }
    });

    // Sync a, then b (which merges), then a again: every metric is in both clones.
    origin.json_in(&clones[0], &["sync"]);
    let merged = origin.json_in(&clones[1], &["sync"]);
    assert_eq!(merged["result"], "merged", "{merged:#}");
    assert!(
        merged["conflicts"].as_array().is_none_or(Vec::is_empty),
        "{merged:#}"
    );
    origin.json_in(&clones[0], &["sync"]);
    for dir in &clones {
        let report = origin.json_in(dir, &["report", "weekly"]);
        assert_eq!(report["total"]["metrics"], 8, "{report:#}");
        assert_eq!(report["total"]["tokens_in"]["total"], 1200);
        assert_eq!(report["total"]["tokens_out"]["total"], 14);
        assert_eq!(report["by_mission"][0]["key"], "B1", "{report:#}");
        assert_eq!(report["by_session_type"][0]["key"], "build", "{report:#}");
        let out = origin.cmos_in(dir, &["verify"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // The report reads as Markdown for a weekly note too.
    let markdown = origin.cmos_in(&clones[1], &["report", "weekly", "--format", "markdown"]);
    assert!(
        String::from_utf8_lossy(&markdown.stdout).contains("| B1 "),
        "{markdown:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Loop guards and the tool cap
// ---------------------------------------------------------------------------------------

#[test]
fn a_looping_agent_is_refused_and_a_different_agent_is_not() {
    let repo = Repo::new();
    repo.init();
    repo.json(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Flaky test",
    ]);
    let text = "Retry the flaky integration test";
    let capture =
        |agent: &str| repo.envelope(&["--agent", agent, "session", "capture", "learning", text]);
    for n in 1..=4 {
        let ok = capture("alice");
        assert_eq!(ok["ok"], true, "capture {n}: {ok:#}");
        assert_eq!(
            warnings(&ok).contains("identical"),
            n >= 3,
            "capture {n}: {ok:#}"
        );
    }
    let refused = capture("alice");
    assert_eq!(refused["error"]["code"], "refused", "{refused:#}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("5th identical capture"), "{message}");
    assert!(
        message.contains("close the session") && message.contains("ask a person for help"),
        "{message}"
    );

    // Bob says the same thing in the same window: no loop of his.
    let bob = capture("bob");
    assert_eq!(bob["ok"], true, "{bob:#}");
    assert!(!warnings(&bob).contains("identical"), "{bob:#}");
    let session = repo.json(&["session", "show"]);
    assert_eq!(
        session["captures"].as_array().unwrap().len(),
        5,
        "four by alice, one by bob"
    );
}

#[test]
fn the_mcp_server_warns_at_the_tool_cap_and_refuses_past_it() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["session", "start", "--type", "build", "--title", "Capped"]);
    repo.json(&["policy", "set", "limits.tool_cap", "3"]);
    let status = json!({});
    let calls = [("cmos_mission_status", &status); 5];
    let replies = mcp(&repo, &[], &calls);
    for (n, reply) in replies.iter().enumerate() {
        assert_eq!(
            reply["usage"],
            json!({"calls": n + 1, "cap": 3}),
            "{reply:#}"
        );
    }
    assert!(
        replies[..2]
            .iter()
            .all(|r| r["ok"] == true && !warnings(r).contains("tool call"))
    );
    assert_eq!(replies[2]["ok"], true);
    assert!(
        warnings(&replies[2]).contains("tool call"),
        "call 3 of 3 warns: {:#}",
        replies[2]
    );
    for reply in &replies[3..] {
        assert_eq!(reply["error"]["code"], "refused", "{reply:#}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .unwrap()
                .contains("made its 3 tool calls")
        );
    }
    // A new connection is a new count.
    assert_eq!(mcp(&repo, &[], &calls[..1])[0]["ok"], true);
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

#[test]
fn scores_outside_zero_to_one_or_not_numbers_are_refused_and_nothing_is_written() {
    let repo = three_started();
    let before = repo.tip();
    for bad in ["-0.1", "1.5", "NaN"] {
        let (code, error) = repo.fails(&["mission", "complete", "B1", "--validation-score", bad]);
        assert_eq!(
            (code, &error["code"]),
            (2, &json!("invalid_input")),
            "{bad}: {error:#}"
        );
        assert!(
            error["message"].as_str().unwrap().contains("from 0 to 1"),
            "{error:#}"
        );
    }
    let out = repo.cmos(&["mission", "complete", "B1", "--validation-score", "abc"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("abc") && stderr.contains("from 0 to 1"),
        "{stderr}"
    );
    // The same over MCP, where the schema refuses a string before the tool runs.
    let calls = [
        (
            "cmos_mission_complete",
            &json!({"missionId": "B1", "validationScore": -0.1}),
        ),
        (
            "cmos_mission_complete",
            &json!({"missionId": "B1", "validationScore": 1.5}),
        ),
        (
            "cmos_mission_complete",
            &json!({"missionId": "B1", "validationScore": "abc"}),
        ),
    ];
    for reply in mcp(&repo, &[], &calls) {
        assert_eq!(reply["error"]["code"], "invalid_input", "{reply:#}");
    }
    assert_eq!(repo.tip(), before, "nothing was written");
    assert_eq!(mission(&repo, "B1")["status"], "In Progress");
}

#[test]
fn negative_or_non_numeric_metrics_are_refused_and_nothing_is_written() {
    let repo = three_started();
    repo.json(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Measured",
        "--mission",
        "B1",
    ]);
    let before = repo.tip();
    for (flag, value, says) in [
        ("--tokens-in", "-5", "cannot be negative"),
        ("--latency-ms", "abc", "not a whole number"),
        ("--defects", "1.5", "not a whole number"),
    ] {
        let out = repo.cmos(&["metric", "add", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says) && stderr.contains(flag), "{stderr}");
    }
    // Closing the session with a bad measure closes nothing.
    let out = repo.cmos(&[
        "session",
        "complete",
        "--summary",
        "done",
        "--tokens-out",
        "-1",
    ]);
    assert!(!out.status.success());
    let calls = [
        (
            "cmos_metric_add",
            &json!({"missionId": "B1", "tokensIn": -1}),
        ),
        (
            "cmos_metric_add",
            &json!({"missionId": "B1", "tokensIn": "many"}),
        ),
    ];
    for reply in mcp(&repo, &[], &calls) {
        assert_eq!(reply["error"]["code"], "invalid_input", "{reply:#}");
    }
    assert_eq!(repo.tip(), before, "nothing was written");
    assert_eq!(repo.json(&["session", "show"])["status"], "Active");
}

const POLICY: &str = ".cmos/policy.toml";

#[test]
fn a_malformed_policy_file_on_the_branch_is_named_by_path_and_line_and_other_commands_work() {
    let repo = three_started();
    repo.json(&["policy", "set", "limits.tool_cap", "50"]);
    // A collaborator's hand edit breaks line 5.
    repo.edit_on_branch(
        POLICY,
        "[limits]\ntool_cap = 50\n\n[validation]\nneeds_review_min = \"high\"\n",
    );
    let (code, error) = repo.fails(&["verify"]);
    assert_eq!(code, 6, "{error:#}");
    let problem = &error["problems"][0];
    assert_eq!(
        (&problem["path"], &problem["line"]),
        (&json!(POLICY), &json!(5)),
        "{error:#}"
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("validation.needs_review_min")
    );

    // Other commands work on the defaults and say so.
    let listed = repo.envelope(&["policy", "list"]);
    assert!(
        warnings(&listed).contains(".cmos/policy.toml:5:"),
        "{listed:#}"
    );
    repo.ok(&["status"]);
    repo.json(&["mission", "add", "B4", "Later"]);
    assert_eq!(
        complete(&repo, "alice", "B1", "0.85")["data"]["to"],
        "Completed"
    );
    // Writing a policy over the broken file is refused, so the hand edit is not lost.
    let (_, error) = repo.fails(&["policy", "set", "limits.tool_cap", "5"]);
    assert_eq!(error["code"], "corrupt", "{error:#}");
    assert!(repo.show(POLICY).contains("\"high\""));
}

/// A scored completion under an unusable policy file was decided by the default thresholds
/// without a word: a team that had raised auto_approve_min to 0.9 saw a 0.85 auto-approved
/// and nothing said the file was ignored.
#[test]
fn test_scored_completion_under_a_malformed_policy_file_warns_that_the_defaults_decided() {
    let repo = three_started();
    repo.edit_on_branch(
        POLICY,
        "[validation]\nauto_approve_min = 0.9\nneeds_review_min = \"high\"\n",
    );
    let done = complete(&repo, "alice", "B1", "0.85");
    assert_eq!(done["data"]["approval_state"], "auto_approved", "{done:#}");
    let said = warnings(&done);
    assert!(
        said.contains(".cmos/policy.toml:3:") && said.contains("default policies"),
        "{done:#}"
    );
    complete(&repo, "alice", "B2", "0.7");
    let approved = repo.envelope(&["--agent", "dana", "mission", "approve", "B2"]);
    assert!(
        warnings(&approved).contains("default policies"),
        "{approved:#}"
    );
}

/// A session closed with a score under a policy file that does not read had its validation
/// state decided by the default thresholds without a word, as missions were.
#[test]
fn test_scored_session_under_a_malformed_policy_file_warns_that_the_defaults_decided() {
    let repo = Repo::new();
    repo.init();
    repo.json(&["session", "start", "--type", "build", "--title", "Gate"]);
    repo.edit_on_branch(
        POLICY,
        "[validation]\nauto_approve_min = 0.9\nneeds_review_min = \"high\"\n",
    );
    let closed = repo.envelope(&[
        "session",
        "complete",
        "--summary",
        "done",
        "--validation-score",
        "0.85",
        "--force",
    ]);
    assert_eq!(
        closed["data"]["validation_state"], "auto_approved",
        "{closed:#}"
    );
    assert!(warnings(&closed).contains("default policies"), "{closed:#}");
}

// ---------------------------------------------------------------------------------------
// The process graph and the escalation ladder with the gate: a sprint from plan to review.
// (tests/process_graph.rs and tests/orchestration_patterns.rs hold the finer cases.)
// ---------------------------------------------------------------------------------------

fn process_state(repo: &Repo) -> Value {
    repo.json(&["fsm", "show"])
}

/// A whole sprint cycle through the seeded graph with the gate, a fallback and a person: the
/// held completion does not move the project, the approval that completes the sprint's last
/// mission does, the remote sprint report is requested with what it needs and answered, and
/// the review moves the project back to planning.
#[test]
fn a_sprint_walks_the_process_graph_through_the_gate_and_a_fallback() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "shop"]);
    assert_eq!(process_state(&repo)["state"], "Sprint_Planning");
    repo.ok(&["sprint", "add", "S1", "--title", "Checkout"]);
    repo.ok(&["mission", "add", "B1", "Cart total", "--sprint", "S1"]);
    repo.ok(&["mission", "add", "B2", "Payments", "--sprint", "S1"]);
    repo.ok(&["sprint", "activate", "S1"]);
    let planned = process_state(&repo);
    assert_eq!(planned["state"], "In_Sprint", "{planned:#}");
    assert_eq!(planned["action"]["action_ref"], "select_next_mission");

    for id in ["B1", "B2"] {
        repo.json(&["--agent", "alice", "mission", "start", id]);
    }
    // B1 passes the gate: mission_completed keeps the project In_Sprint.
    complete(&repo, "alice", "B1", "0.9");
    let s = process_state(&repo);
    assert_eq!(s["state"], "In_Sprint");
    assert_eq!(
        s["history"].as_array().unwrap().last().unwrap()["event"],
        "mission_completed"
    );

    // B2 falls back: even a high score waits for a person, and the project does not move.
    repo.json(&[
        "--agent", "alice", "mission", "fallback", "B2", "--tier", "3", "--reason", "linear",
    ]);
    let held = complete(&repo, "alice", "B2", "0.95");
    assert_eq!(held["data"]["approval_state"], "needs_review", "{held:#}");
    assert_eq!(
        process_state(&repo)["state"],
        "In_Sprint",
        "a held completion is not done"
    );
    let (_, refused) = repo.fails(&["--agent", "alice", "mission", "approve", "B2"]);
    assert_eq!(refused["code"], "refused", "{refused:#}");

    // A person approves: the sprint's last mission is done and the project is in review,
    // in the approval's own commit.
    let approved = repo.envelope(&["--agent", "dana", "mission", "approve", "B2"]);
    assert_eq!(approved["data"]["to"], "Completed", "{approved:#}");
    let process = &approved["instructions"]["context"]["process"];
    assert_eq!(process["state"], "Sprint_Review", "{approved:#}");
    assert_eq!(process["suggested_action"]["action_type"], "remote");

    // The remote sprint report is a request with the memory it needs; its answer is a fact.
    let pending = repo.json(&["fsm", "pending"]);
    let request = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"]["params"]["protocol"] == "sprint_report")
        .unwrap_or_else(|| panic!("{pending:#}"));
    assert!(
        request["attached"]["memory"].to_string().contains("S1"),
        "{request:#}"
    );
    let answer = repo.sibling("report.md");
    std::fs::write(
        &answer,
        "S1 shipped the cart; payments fell back and was approved.",
    )
    .unwrap();
    let id = request["id"].as_str().unwrap();
    repo.json(&["fsm", "done", id, "--output", answer.to_str().unwrap()]);
    assert!(repo.ok(&["fact", "list"]).contains("payments fell back"));

    // The report counts what the gate and the ladder decided in the sprint.
    let report = repo.json(&["report", "sprint", "S1"]);
    assert_eq!(report["validation"]["auto_approved"], 1, "{report:#}");
    assert_eq!(report["validation"]["approved"], 1);
    assert_eq!(report["validation"]["fallbacks"], json!(["B2"]));

    // The review is done: back to planning; an event the state does not accept is refused
    // with the ones it does.
    repo.json(&["fsm", "step", "--event", "sprint_review_done"]);
    assert_eq!(process_state(&repo)["state"], "Sprint_Planning");
    let (_, wrong) = repo.fails(&["fsm", "step", "--event", "mission_completed"]);
    assert!(
        wrong["message"].as_str().unwrap().contains("plan_approved"),
        "{wrong:#}"
    );
}

/// The reports show validation outcomes and fallbacks beside the measures: the
/// sprint report and the weekly report count what the gate and the ladder decided.
#[test]
fn reports_count_the_gates_decisions_and_the_fallbacks() {
    let repo = three_started();
    repo.json(&["mission", "add", "B4", "Work B4"]);
    repo.json(&["--agent", "alice", "mission", "start", "B4"]);
    complete(&repo, "alice", "B1", "0.85");
    complete(&repo, "alice", "B2", "0.72");
    complete(&repo, "alice", "B3", "0.41");
    complete(&repo, "alice", "B4", "0.65");
    repo.json(&[
        "--agent", "dana", "mission", "reject", "B4", "--reason", "no test",
    ]);
    repo.json(&[
        "--agent", "alice", "mission", "fallback", "B3", "--tier", "1", "--reason", "retry",
    ]);
    repo.json(&[
        "--agent", "alice", "mission", "fallback", "B3", "--tier", "3", "--reason", "linear",
    ]);
    // Work not started yet can climb the ladder too (it was missing from the weekly report).
    repo.json(&["mission", "add", "B5", "Work B5"]);
    repo.json(&[
        "--agent",
        "alice",
        "mission",
        "fallback",
        "B5",
        "--tier",
        "2",
        "--reason",
        "threshold",
    ]);
    let expected = json!({
        "auto_approved": 1, "approved": 0, "needs_review": 1, "refused": 1, "rejected": 1,
        "escalations_by_tier": {"1": 1, "2": 1, "3": 1}, "fallbacks": ["B3"]
    });
    let sprint = repo.json(&["report", "sprint", "S1"]);
    assert_eq!(sprint["validation"], expected, "{sprint:#}");
    let weekly = repo.json(&["report", "weekly"]);
    assert_eq!(weekly["validation"], expected, "{weekly:#}");
    // A person approves B2: it moves from waiting to approved.
    repo.json(&["--agent", "dana", "mission", "approve", "B2"]);
    let text = String::from_utf8_lossy(&repo.cmos(&["report", "sprint", "S1"]).stdout).to_string();
    assert!(
        text.contains("gate: 1 auto-approved, 1 approved by a person, 0 waiting for review, 1 refused, 1 sent back"),
        "{text}"
    );
    assert!(
        text.contains("escalations: tier 1: 1, tier 2: 1, tier 3: 1"),
        "{text}"
    );
    assert!(text.contains("fell back: B3"), "{text}");
    let markdown = repo
        .cmos(&["report", "weekly", "--format", "markdown"])
        .stdout;
    assert!(String::from_utf8_lossy(&markdown).contains("## Validation and escalation"));
    // Before the period nothing was decided.
    let later = repo.json(&["report", "weekly", "--since", "2999-01-01"]);
    assert_eq!(later["validation"]["auto_approved"], 0, "{later:#}");
    assert_eq!(later["validation"]["fallbacks"], json!([]));
}

/// A local action runs when its event fires, not only on `fsm run`: blocking a mission
/// notifies the blocker on the block's own reply, and a completion names the next mission.
#[test]
fn local_actions_run_when_their_event_fires() {
    let repo = three_started();
    let blocked = repo.envelope(&[
        "mission",
        "block",
        "B1",
        "--reason",
        "waiting on the API key",
    ]);
    assert!(
        warnings(&blocked).contains("mission B1 (Work B1) is Blocked: waiting on the API key"),
        "{blocked:#}"
    );
    let actions = blocked["instructions"]["next_actions"].to_string();
    assert!(
        actions
            .contains("The project moved to Blocked on mission_blocked; its action notify_blocker"),
        "{actions}"
    );
    let unblocked = repo.envelope(&["mission", "unblock", "B1"]);
    let actions = unblocked["instructions"]["next_actions"].to_string();
    assert!(
        actions.contains("its action select_next_mission: mission"),
        "{actions}"
    );
    // A move without a local action (the gate holding work) says nothing of the process.
    let held = complete(&repo, "alice", "B2", "0.7");
    assert!(
        !held["instructions"]["next_actions"]
            .to_string()
            .contains("The project moved")
    );
}
