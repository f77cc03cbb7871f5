//! Orchestration patterns and the escalation ladder through the real binary: a mission keeps
//! its pattern and rationale; `mission fallback` records tiers 1 to 4 with reason, who and
//! when; a mission that fell back (tier 3) or asked for review (tier 4) is completed only by
//! a person who did not work on it; status, onboarding and the instructions flag it; bad
//! input is refused with nothing written; the MCP server and the original's data carry it.

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

fn mission_file(repo: &Repo, id: &str) -> String {
    repo.show(&cmos::format::layout::mission_path(id))
}

fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "refs/heads/cmos"])
        .trim()
        .parse()
        .unwrap()
}

fn fallback(repo: &Repo, agent: &str, id: &str, tier: &str, reason: &str) -> Value {
    repo.json(&[
        "--agent", agent, "mission", "fallback", id, "--tier", tier, "--reason", reason,
    ])
}

#[test]
fn a_pattern_is_set_shown_and_stored_only_when_given() {
    let repo = b1_in_progress();
    assert!(
        !mission_file(&repo, "B1").contains("pattern"),
        "an unset pattern leaves the file as it was"
    );
    let b1 = show(&repo, "B1");
    assert!(b1.get("pattern").is_none(), "{b1:#}");
    assert!(b1.get("fallback_triggered").is_none(), "{b1:#}");
    assert!(b1.get("escalations").is_none(), "{b1:#}");

    repo.ok(&[
        "mission",
        "add",
        "B3",
        "Third",
        "--pattern",
        "RSIP",
        "--pattern-rationale",
        "the output converges under evaluation",
    ]);
    let b3 = show(&repo, "B3");
    assert_eq!(b3["pattern"], "rsip");
    assert_eq!(
        b3["pattern_rationale"],
        "the output converges under evaluation"
    );

    repo.ok(&[
        "mission",
        "update",
        "B1",
        "--pattern",
        "delegation",
        "--pattern-rationale",
        "two independent workers",
    ]);
    let file = mission_file(&repo, "B1");
    assert!(
        file.contains("pattern = \"delegation\"")
            && file.contains("pattern_rationale = \"two independent workers\""),
        "{file}"
    );
    let human = repo.ok(&["mission", "show", "B1"]);
    assert!(
        human.contains("Pattern") && human.contains("delegation (two independent workers)"),
        "{human}"
    );
    // Changing the pattern keeps the rationale unless a new one is given.
    repo.ok(&["mission", "update", "B1", "--pattern", "none"]);
    let b1 = show(&repo, "B1");
    assert_eq!(b1["pattern"], "none");
    assert_eq!(b1["pattern_rationale"], "two independent workers");
}

#[test]
fn an_unknown_pattern_is_refused_naming_the_allowed_words() {
    let repo = b1_in_progress();
    let before = repo.tip();
    let out = repo.cmos(&["mission", "update", "B1", "--pattern", "swarm"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("swarm") && stderr.contains("none, rsip, delegation, boomerang"),
        "{stderr}"
    );
    let (code, error) = repo.fails(&[
        "mission",
        "update",
        "B1",
        "--metadata",
        r#"{"pattern":"swarm"}"#,
    ]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert_eq!(code, 2, "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("none, rsip, delegation, boomerang")
    );
    assert_eq!(repo.tip(), before, "nothing was written");
}

#[test]
fn fallback_tiers_are_recorded_with_reason_who_and_when_one_commit_each() {
    let repo = b1_in_progress();
    let before = commits(&repo);
    let one = fallback(&repo, "alice", "B1", "1", "worker timed out");
    assert_eq!(one["escalation"]["tier"], 1);
    assert_eq!(one["meaning"], "retry");
    assert_eq!(one["needs_human_review"], false);
    assert_eq!(commits(&repo), before + 1, "one commit");
    let two = fallback(&repo, "alice", "B1", "threshold", "rsip hit 5 iterations");
    assert_eq!(two["escalation"]["tier"], 2);
    assert_eq!(two["escalations"], 2);
    assert_eq!(show(&repo, "B1")["fallback_triggered"], Value::Null);

    let three = repo.envelope(&[
        "--agent",
        "alice",
        "mission",
        "fallback",
        "B1",
        "--tier",
        "3",
        "--reason",
        "delegation: two workers failed",
    ]);
    assert_eq!(three["ok"], true, "{three:#}");
    assert_eq!(three["data"]["fallback_triggered"], true);
    assert_eq!(three["data"]["needs_human_review"], true);
    assert!(
        three["warnings"].to_string().contains("needs a person"),
        "{three:#}"
    );
    assert_eq!(commits(&repo), before + 3, "one commit per escalation");

    let b1 = show(&repo, "B1");
    assert_eq!(b1["fallback_triggered"], true);
    let escalations = b1["escalations"].as_array().unwrap();
    assert_eq!(escalations.len(), 3);
    let tiers: Vec<&Value> = escalations.iter().map(|e| &e["tier"]).collect();
    assert_eq!(tiers, [&json!(1), &json!(2), &json!(3)]);
    for e in escalations {
        assert_eq!(e["by"], "alice");
        assert!(e["at"].as_str().is_some_and(|t| !t.is_empty()), "{e}");
    }
    assert_eq!(escalations[2]["reason"], "delegation: two workers failed");
    let file = mission_file(&repo, "B1");
    assert!(
        file.contains("fallback_triggered = true") && file.contains("[[escalations]]"),
        "{file}"
    );
    let human = repo.ok(&["mission", "show", "B1"]);
    assert!(
        human.contains("tier 3 (fallback to linear execution)")
            && human.contains("a person must approve its completion"),
        "{human}"
    );
    let log = repo.ok(&["log", "-n", "1"]);
    assert!(log.contains("mission fallback B1: tier 3"), "{log}");
}

#[test]
fn tier_3_sends_completion_to_review_until_a_person_approves() {
    let repo = b1_in_progress();
    fallback(&repo, "alice", "B1", "3", "boomerang step failed twice");
    // Even a score that would auto-approve waits for a person.
    let done = repo.envelope(&[
        "--agent",
        "alice",
        "mission",
        "complete",
        "B1",
        "--validation-score",
        "0.95",
        "--evidence",
        "tests pass",
    ]);
    assert_eq!(done["ok"], true, "{done:#}");
    assert_eq!(done["data"]["to"], "In Progress");
    assert_eq!(done["data"]["approval_state"], "needs_review");
    assert!(done["data"]["promoted"].is_null(), "nothing is promoted");
    let commands = done["instructions"]["suggested_commands"].to_string();
    assert!(commands.contains("cmos mission approve B1"), "{commands}");
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(b1["validation_score"], 0.95);
    assert_eq!(b1["validated_by"], "alice");
    assert!(b1["completed_at"].is_null());

    // The agent's own approval is refused, even where the policy allows self-approval.
    repo.ok(&["policy", "set", "validation.allow_self_approval", "true"]);
    let before = repo.tip();
    let (code, error) = repo.fails(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!(error["code"], "refused", "{error:#}");
    assert_eq!(code, 5);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("fell back") && message.contains("alice"),
        "{message}"
    );
    // Nor can another path complete it.
    let (_, error) = repo.fails(&["mission", "update", "B1", "--status", "completed"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("a person must approve"),
        "{error:#}"
    );
    assert_eq!(repo.tip(), before, "nothing was written");

    let approved = repo.json(&[
        "--agent", "ana", "mission", "approve", "B1", "-n", "read it",
    ]);
    assert_eq!(approved["to"], "Completed");
    assert_eq!(approved["promoted"]["id"], "B2");
    let b1 = show(&repo, "B1");
    assert_eq!(b1["status"], "Completed");
    assert_eq!(b1["approval_state"], "approved");
    assert_eq!(b1["approved_by"], "ana");
}

#[test]
fn a_mission_that_fell_back_waits_for_review_when_completed_without_a_score() {
    let repo = b1_in_progress();
    fallback(&repo, "alice", "B1", "4", "please look at the migration");
    let done = repo.envelope(&["--agent", "alice", "mission", "complete", "B1"]);
    assert_eq!(done["ok"], true, "{done:#}");
    assert_eq!(done["data"]["approval_state"], "needs_review");
    assert_eq!(done["data"]["to"], "In Progress");
    let human = repo.cmos(&["mission", "show", "B1"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("no score, needs_review (by alice)"), "{text}");
    // Rejected, it goes back to work, and completing again waits for review again.
    repo.ok(&[
        "--agent", "ana", "mission", "reject", "B1", "-r", "the docs",
    ]);
    let again = repo.json(&["--agent", "alice", "mission", "complete", "B1"]);
    assert_eq!(again["approval_state"], "needs_review");
    // Asking for review (tier 4) is not work on the mission: whoever asked may approve.
    let approved = repo.json(&["--agent", "bob", "mission", "approve", "B1"]);
    assert_eq!(approved["to"], "Completed");
}

#[test]
fn a_score_below_the_review_range_is_refused_for_a_mission_that_fell_back() {
    let repo = b1_in_progress();
    fallback(&repo, "alice", "B1", "3", "linear now");
    let (code, error) = repo.fails(&[
        "--agent",
        "alice",
        "mission",
        "complete",
        "B1",
        "--validation-score",
        "0.41",
    ]);
    assert_eq!(code, 5, "{error:#}");
    assert!(error["message"].as_str().unwrap().contains("0.41"));
    assert_eq!(show(&repo, "B1")["approval_state"], "rejected_by_gate");
}

#[test]
fn status_onboarding_and_instructions_flag_a_mission_that_fell_back() {
    let repo = b1_in_progress();
    let quiet = repo.envelope(&["status"]);
    assert!(
        quiet["instructions"]["context"]
            .get("needs_human")
            .is_none()
    );
    fallback(&repo, "alice", "B1", "3", "workers failed");

    let status = repo.envelope(&["status"]);
    assert_eq!(
        status["instructions"]["context"]["needs_human"],
        json!(["B1"])
    );
    assert!(
        status["warnings"]
            .to_string()
            .contains("mission B1 triggered a fallback"),
        "{status:#}"
    );
    let human = repo.cmos(&["status"]);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(stderr.contains("B1 triggered a fallback"), "{stderr}");

    // Every response's instructions say it, onboarding too.
    let list = repo.envelope(&["mission", "list"]);
    let actions = list["instructions"]["next_actions"].to_string();
    assert!(
        actions.contains("Mission B1 (First) triggered a fallback"),
        "{actions}"
    );
    let onboard = repo.ok(&["onboard"]);
    assert!(onboard.contains("triggered a fallback"), "{onboard}");

    // Once it waits for review, the review is what is said, and the flag stays.
    repo.ok(&["--agent", "alice", "mission", "complete", "B1"]);
    let status = repo.envelope(&["status"]);
    assert_eq!(
        status["instructions"]["context"]["needs_human"],
        json!(["B1"])
    );
    let warnings = status["warnings"].to_string();
    assert!(warnings.contains("B1 waits for review"), "{warnings}");
    // Approved and done, nothing is flagged.
    repo.ok(&["--agent", "ana", "mission", "approve", "B1"]);
    let status = repo.envelope(&["status"]);
    assert!(
        status["instructions"]["context"]
            .get("needs_human")
            .is_none(),
        "{status:#}"
    );
}

#[test]
fn bad_fallbacks_are_refused_clearly_with_nothing_written() {
    let repo = b1_in_progress();
    let before = repo.tip();
    for tier in ["0", "5", "x", "-1"] {
        let out = repo.cmos(&[
            "mission", "fallback", "B1", "--tier", tier, "--reason", "why",
        ]);
        assert!(!out.status.success(), "tier {tier}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("an escalation tier is one of 1 (retry)")
                && stderr.contains("4 (human review)"),
            "tier {tier}: {stderr}"
        );
    }
    for reason in ["", "   "] {
        let (code, error) = repo.fails(&[
            "mission", "fallback", "B1", "--tier", "3", "--reason", reason,
        ]);
        assert_eq!(error["code"], "invalid_input", "{error:#}");
        assert_eq!(code, 2);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("needs a reason"),
            "{error:#}"
        );
    }
    let (_, error) = repo.fails(&[
        "mission", "fallback", "B9", "--tier", "1", "--reason", "why",
    ]);
    assert_eq!(error["code"], "not_found", "{error:#}");
    assert_eq!(repo.tip(), before, "nothing was written");

    // Finished work is not escalated.
    repo.ok(&["mission", "complete", "B1"]);
    let done = repo.tip();
    let (code, error) = repo.fails(&[
        "mission", "fallback", "B1", "--tier", "3", "--reason", "late",
    ]);
    assert_eq!(code, 5, "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains("is Completed"),
        "{error:#}"
    );
    assert_eq!(repo.tip(), done);
}

#[test]
fn mcp_sets_the_pattern_and_records_a_fallback() {
    let repo = b1_in_progress();
    let replies = repo.mcp_session(
        &["--agent", "alice", "--tools", "granular"],
        &[
            (
                "cmos_mission_update",
                &json!({"missionId": "B1", "pattern": "boomerang", "patternRationale": "checkpointed steps"}),
            ),
            (
                "cmos_mission_fallback",
                &json!({"missionId": "B1", "tier": 3, "reason": "step failed twice"}),
            ),
            (
                "cmos_mission_fallback",
                &json!({"missionId": "B1", "tier": 5, "reason": "why"}),
            ),
            (
                "cmos_mission_fallback",
                &json!({"missionId": "B1", "tier": 2, "reason": " "}),
            ),
            (
                "cmos_mission_update",
                &json!({"missionId": "B1", "pattern": "swarm"}),
            ),
            (
                "cmos_mission_complete",
                &json!({"missionId": "B1", "validationScore": 0.9}),
            ),
            ("cmos_mission_approve", &json!({"missionId": "B1"})),
            ("cmos_mission_show", &json!({"missionId": "B1"})),
        ],
    );
    let reply = |n: usize| -> Value { serde_json::from_str(&replies[n + 1]).unwrap() };
    let text = |n: usize| reply(n)["result"].to_string();
    let listed = reply(0)["result"]["tools"].to_string();
    assert!(listed.contains("cmos_mission_fallback"), "{listed}");
    assert!(
        listed.contains("patternRationale"),
        "granular update lists it"
    );
    assert_ne!(reply(1)["result"]["isError"], true, "{}", text(1));
    assert_ne!(reply(2)["result"]["isError"], true, "{}", text(2));
    assert!(text(2).contains("fallback_triggered"), "{}", text(2));
    for (n, says) in [
        (3, "an escalation tier is one of"),
        (4, "needs a reason"),
        (5, "none, rsip, delegation, boomerang"),
    ] {
        assert_eq!(reply(n)["result"]["isError"], true, "{n}: {}", text(n));
        assert!(text(n).contains(says), "{n}: {}", text(n));
    }
    assert!(text(6).contains("needs_review"), "{}", text(6));
    assert_eq!(
        reply(7)["result"]["isError"],
        true,
        "self-approval: {}",
        text(7)
    );
    let shown = text(8);
    assert!(
        shown.contains("boomerang") && shown.contains("checkpointed steps"),
        "{shown}"
    );
    // The original's spelling of the flag, as its clients read it.
    assert!(shown.contains(r#"\"fallbackTriggered\":true"#), "{shown}");
    assert_eq!(show(&repo, "B1")["status"], "In Progress");
}

#[test]
fn the_consolidated_mission_tool_accepts_the_pattern_without_listing_it() {
    let repo = b1_in_progress();
    let replies = repo.mcp_session(
        &[],
        &[(
            "cmos_mission",
            &json!({"action": "update", "missionId": "B1", "pattern": "rsip"}),
        )],
    );
    let listed: Value = serde_json::from_str(&replies[1]).unwrap();
    let consolidated = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "cmos_mission")
        .unwrap()
        .to_string();
    assert!(!consolidated.contains("patternRationale"), "{consolidated}");
    let reply: Value = serde_json::from_str(&replies[2]).unwrap();
    assert_ne!(reply["result"]["isError"], true, "{reply:#}");
    assert_eq!(show(&repo, "B1")["pattern"], "rsip");
}

#[test]
fn the_original_metadata_pattern_and_fallback_are_imported() {
    let repo = Repo::new();
    repo.init();
    let path = repo.sibling("original.sqlite");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        r#"
        CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO metadata VALUES ('project_name', 'Old'), ('schema_version', '2.1');
        CREATE TABLE missions (id TEXT PRIMARY KEY, sprint_id TEXT, name TEXT NOT NULL, status TEXT NOT NULL,
            created_at TEXT, metadata TEXT);
        INSERT INTO missions VALUES ('M1', NULL, 'Fell back', 'In Progress', '2025-11-01T09:00:00Z',
            '{"pattern":"delegation","patternRationale":"\u001b[2Jtwo workers","fallbackTriggered":true}');
        INSERT INTO missions VALUES ('M2', NULL, 'Odd pattern', 'Queued', '2025-11-01T09:00:00Z',
            '{"pattern":"swarm"}');
        "#,
    )
    .unwrap();
    drop(db);
    repo.ok(&["import", "cmos-sqlite", path.to_str().unwrap()]);
    let m1 = show(&repo, "M1");
    assert_eq!(m1["pattern"], "delegation", "{m1:#}");
    // Cleaned as every imported text is: the escape sequence is gone.
    assert_eq!(m1["pattern_rationale"], "two workers", "{m1:#}");
    assert_eq!(m1["fallback_triggered"], true);
    let status = repo.envelope(&["status"]);
    assert_eq!(
        status["instructions"]["context"]["needs_human"],
        json!(["M1"])
    );
    let m2 = show(&repo, "M2");
    assert!(m2.get("pattern").is_none(), "{m2:#}");
    assert!(m2.to_string().contains("swarm"), "kept as it was: {m2:#}");
    // Imported, it still needs a person to complete it.
    let done = repo.json(&["mission", "complete", "M1"]);
    assert_eq!(done["approval_state"], "needs_review");
}

#[test]
fn escalations_recorded_in_two_clones_are_both_kept_by_sync() {
    let origin = Repo::new();
    origin.init();
    origin.ok(&["mission", "add", "M1", "Shared"]);
    origin.ok(&["mission", "start", "M1"]);
    let remote = origin.sibling("remote.git");
    let remote = remote.to_str().unwrap();
    origin.git(&["init", "-q", "--bare", remote]);
    origin.git(&["remote", "add", "origin", remote]);
    origin.git(&["push", "-q", "origin", "main"]);
    origin.ok(&["sync"]);
    let (a, b) = (origin.sibling("a"), origin.sibling("b"));
    for dir in [&a, &b] {
        origin.git(&["clone", "-q", remote, dir.to_str().unwrap()]);
    }
    let run = |dir: &std::path::Path, args: &[&str]| {
        let out = origin.cmos_in(dir, args);
        assert!(
            out.status.success(),
            "cmos {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&a, &["sync"]);
    run(&b, &["sync"]);
    run(
        &a,
        &[
            "--agent",
            "alice",
            "mission",
            "fallback",
            "M1",
            "--tier",
            "1",
            "--reason",
            "retry in a",
        ],
    );
    run(
        &b,
        &[
            "--agent",
            "bob",
            "mission",
            "fallback",
            "M1",
            "--tier",
            "3",
            "--reason",
            "linear in b",
        ],
    );
    run(&a, &["sync"]);
    run(&b, &["sync"]);
    run(&a, &["sync"]);
    for dir in [&a, &b] {
        let shown: Value =
            serde_json::from_str(&run(dir, &["--json", "mission", "show", "M1"])).expect("JSON");
        let m1 = &shown["data"];
        let reasons: Vec<&str> = m1["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["reason"].as_str().unwrap())
            .collect();
        assert_eq!(reasons, ["retry in a", "linear in b"], "{m1:#}");
        assert_eq!(m1["fallback_triggered"], true, "{m1:#}");
        assert!(
            m1.get("conflicts")
                .is_none_or(|c| c.as_array().unwrap().is_empty()),
            "{m1:#}"
        );
    }
}

#[test]
fn a_hand_broken_escalation_on_the_branch_is_reported_with_its_line() {
    let repo = b1_in_progress();
    fallback(&repo, "alice", "B1", "1", "retry");
    let path = cmos::format::layout::mission_path("B1");
    let file = mission_file(&repo, "B1");
    let line = file
        .lines()
        .position(|l| l.starts_with("tier = "))
        .expect("a tier line")
        + 1;
    repo.edit_on_branch(&path, &file.replace("tier = 1", "tier = 300"));
    let (code, error) = repo.fails(&["mission", "show", "B1"]);
    assert_eq!((code, error["code"].as_str()), (6, Some("corrupt")));
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("{path}:{line}:")), "{message}");
    // The other missions are still listed.
    let listed = repo.envelope(&["mission", "list"]);
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed:#}");

    // A tier this version does not know, but that fits, is taken as needing a person: an
    // unknown rung never lets work skip review.
    repo.edit_on_branch(&path, &file.replace("tier = 1", "tier = 9"));
    let human = repo.ok(&["mission", "show", "B1"]);
    assert!(human.contains("tier 9 (unknown tier)"), "{human}");
    let done = repo.json(&["mission", "complete", "B1"]);
    assert_eq!(done["approval_state"], "needs_review");
}

#[test]
fn the_same_escalation_again_and_again_is_a_loop_for_that_agent_only() {
    let repo = b1_in_progress();
    let args = |agent: &'static str| {
        [
            "--agent",
            agent,
            "mission",
            "fallback",
            "B1",
            "--tier",
            "1",
            "--reason",
            "worker timed out",
        ]
    };
    for n in 1..=4 {
        let envelope = repo.envelope(&args("alice"));
        assert_eq!(envelope["ok"], true, "{n}: {envelope:#}");
        let warned = envelope["warnings"].to_string().contains("identical");
        assert_eq!(warned, n >= 3, "{n}: {envelope:#}");
    }
    let before = repo.tip();
    let (code, error) = repo.fails(&args("alice"));
    assert_eq!((code, error["code"].as_str()), (5, Some("refused")));
    assert!(
        error["message"].as_str().unwrap().contains("loop"),
        "{error:#}"
    );
    assert_eq!(repo.tip(), before, "nothing was written");
    // Another agent is not caught by alice's loop.
    let bob = repo.envelope(&args("bob"));
    assert_eq!(bob["ok"], true, "{bob:#}");
    assert!(!bob["warnings"].to_string().contains("identical"));
    assert_eq!(
        show(&repo, "B1")["escalations"].as_array().unwrap().len(),
        5
    );
}

#[test]
fn a_backlog_export_writes_the_pattern_and_fallback_back_for_the_original() {
    let repo = b1_in_progress();
    repo.ok(&[
        "mission",
        "update",
        "B1",
        "--pattern",
        "boomerang",
        "--pattern-rationale",
        "steps checkpoint",
    ]);
    fallback(&repo, "alice", "B1", "3", "step failed twice");
    let yaml = repo.ok(&["export", "backlog"]);
    for said in [
        "pattern: boomerang",
        "patternRationale: steps checkpoint",
        "fallbackTriggered: true",
    ] {
        assert!(yaml.contains(said), "{said}: {yaml}");
    }
    // And the original's file comes back in with them.
    let other = Repo::new();
    other.init();
    let file = other.sibling("backlog.yaml");
    std::fs::write(&file, &yaml).unwrap();
    other.ok(&["import", "backlog", file.to_str().unwrap()]);
    let b1 = show(&other, "B1");
    assert_eq!(b1["pattern"], "boomerang", "{b1:#}");
    assert_eq!(b1["fallback_triggered"], true, "{b1:#}");
}
