//! Loop guards and the MCP tool cap, driven through the real binary: the same capture or
//! `session log` line repeated within the policy's window warns at the 3rd and is refused
//! from the 5th (nothing written), never across agents or sessions, and fine again after
//! the window; a server session's tool calls warn near the cap and are refused past it.

mod common;

use std::process::{Command, Output};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A moment `secs` after a fixed start: each command gets its own time.
fn at(secs: u32) -> String {
    let (m, s) = (secs / 60, secs % 60);
    format!("2030-01-01T10:{m:02}:{s:02}Z")
}

/// `cmos --json ARGS` at time `now`, returning the envelope.
fn envelope_at(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let out: Output = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .env("CMOS_TEST_NOW", now)
        .arg("--json")
        .args(args)
        .current_dir(&repo.path)
        .output()
        .expect("run cmos");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The warnings of an envelope that speak of a loop.
fn loop_warnings(envelope: &Value) -> Vec<String> {
    envelope["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|w| w.contains("identical"))
        .map(str::to_string)
        .collect()
}

fn started(repo: &Repo) -> String {
    repo.init();
    let data = repo.json(&["session", "start", "--type", "build", "--title", "Loop"]);
    data["session"]["id"]
        .as_str()
        .expect("session id")
        .to_string()
}

fn captures(repo: &Repo, session: &str) -> usize {
    let data = repo.json(&["session", "show", session]);
    data["captures"].as_array().map_or(0, Vec::len)
}

const TEXT: &str = "Retry the flaky integration test";

#[test]
fn test_capture_loop_warns_at_the_third_and_is_refused_at_the_fifth_over_the_cli() {
    let repo = Repo::new();
    let session = started(&repo);
    for n in 1..=4 {
        let envelope = envelope_at(&repo, &at(n), &["session", "capture", "learning", TEXT]);
        assert_eq!(envelope["ok"], true, "capture {n}: {envelope:#}");
        let warnings = loop_warnings(&envelope);
        match n {
            1 | 2 => assert!(warnings.is_empty(), "capture {n}: {warnings:?}"),
            _ => {
                assert_eq!(warnings.len(), 1, "capture {n}: {envelope:#}");
                let nth = if n == 3 { "3rd" } else { "4th" };
                assert!(warnings[0].contains(nth), "{warnings:?}");
                assert!(warnings[0].contains("from the 5th on it is refused"));
                let suggested = envelope["instructions"]["suggested_commands"].to_string();
                assert!(suggested.contains("cmos session complete"), "{suggested}");
            }
        }
    }
    let envelope = envelope_at(&repo, &at(5), &["session", "capture", "learning", TEXT]);
    assert_eq!(envelope["ok"], false, "{envelope:#}");
    let error = &envelope["error"];
    assert_eq!(error["code"], "refused");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("5th identical capture (learning)"),
        "{message}"
    );
    assert!(message.contains("close the session"), "{message}");
    assert!(message.contains("ask a person for help"), "{message}");
    assert!(message.contains("block the mission"), "{message}");
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("cmos session complete --session {session}")),
        "{hint}"
    );
    assert_eq!(
        captures(&repo, &session),
        4,
        "the refused capture is not written"
    );

    // Another category, another text: not the same capture.
    let other = envelope_at(&repo, &at(6), &["session", "capture", "decision", TEXT]);
    assert!(loop_warnings(&other).is_empty(), "{other:#}");
    // Another agent in the same session is not in a loop.
    let bob = envelope_at(
        &repo,
        &at(7),
        &["--agent", "bob", "session", "capture", "learning", TEXT],
    );
    assert_eq!(bob["ok"], true, "{bob:#}");
    assert!(loop_warnings(&bob).is_empty(), "{bob:#}");
    // After the window (10 minutes) the same text is fine again.
    let later = envelope_at(
        &repo,
        &at(10 * 60 + 5),
        &["session", "capture", "learning", TEXT],
    );
    assert_eq!(later["ok"], true, "{later:#}");
    assert!(loop_warnings(&later).is_empty(), "{later:#}");
}

#[test]
fn test_capture_loop_in_one_session_does_not_reach_another_session() {
    let repo = Repo::new();
    let first = started(&repo);
    for n in 1..=4 {
        let envelope = envelope_at(&repo, &at(n), &["session", "capture", "learning", TEXT]);
        assert_eq!(envelope["ok"], true, "{envelope:#}");
    }
    let closed = envelope_at(
        &repo,
        &at(5),
        &[
            "session",
            "complete",
            "--session",
            &first,
            "--summary",
            "Stuck on a flaky test",
        ],
    );
    assert_eq!(closed["ok"], true, "{closed:#}");
    let second = envelope_at(
        &repo,
        &at(6),
        &["session", "start", "--type", "build", "--title", "Again"],
    );
    let second = second["data"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let envelope = envelope_at(&repo, &at(7), &["session", "capture", "learning", TEXT]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert!(loop_warnings(&envelope).is_empty(), "{envelope:#}");
    assert_eq!(envelope["data"]["session"], second.as_str());
}

#[test]
fn test_session_log_loop_warns_then_is_refused_and_other_agents_log_on() {
    let repo = Repo::new();
    started(&repo);
    let log = |n: u32, agent: &str| {
        envelope_at(
            &repo,
            &at(n),
            &[
                "--agent",
                agent,
                "session",
                "log",
                "--type",
                "start",
                "--summary",
                "Starting the migration",
            ],
        )
    };
    for n in 1..=4 {
        let envelope = log(n, "alice");
        assert_eq!(envelope["ok"], true, "{envelope:#}");
        assert_eq!(loop_warnings(&envelope).is_empty(), n < 3, "{envelope:#}");
    }
    let refused = log(5, "alice");
    assert_eq!(refused["error"]["code"], "refused", "{refused:#}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("5th identical session log line (start"),
        "{message}"
    );
    let entries = repo.json(&["session", "list", "--log"]);
    let count = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["summary"] == "Starting the migration")
        .count();
    assert_eq!(count, 4, "the refused line is not written: {entries:#}");
    let bob = log(6, "bob");
    assert_eq!(bob["ok"], true, "{bob:#}");
    assert!(loop_warnings(&bob).is_empty(), "{bob:#}");
    let later = log(11 * 60, "alice");
    assert_eq!(later["ok"], true, "{later:#}");
    assert!(loop_warnings(&later).is_empty(), "{later:#}");
}

/// Runs `cmos mcp` with `env` over one connection: initialize, tools/list, then each call;
/// returns the envelopes of the calls.
fn mcp(repo: &Repo, env: &[(&str, &str)], calls: &[(&str, Value)]) -> Vec<Value> {
    let calls: Vec<(&str, &Value)> = calls.iter().map(|(tool, args)| (*tool, args)).collect();
    repo.mcp_session_with(&[], env, &calls)[2..]
        .iter()
        .map(|line| {
            let reply: Value = serde_json::from_str(line).expect("JSON reply");
            reply["result"]["structuredContent"].clone()
        })
        .collect()
}

#[test]
fn test_capture_loop_warns_then_is_refused_over_mcp_and_another_agent_is_not() {
    let repo = Repo::new();
    let session = started(&repo);
    let capture = |agent: Option<&str>| {
        let mut args = json!({"category": "learning", "content": TEXT});
        if let Some(agent) = agent {
            args["agent"] = agent.into();
        }
        ("cmos_session_capture", args)
    };
    let mut calls: Vec<(&str, Value)> = (0..5).map(|_| capture(None)).collect();
    calls.push(capture(Some("bob")));
    let replies = mcp(&repo, &[("CMOS_TEST_NOW", &at(1))], &calls);
    assert!(loop_warnings(&replies[1]).is_empty(), "{:#}", replies[1]);
    assert!(
        loop_warnings(&replies[2])[0].contains("3rd"),
        "{:#}",
        replies[2]
    );
    let suggested = replies[2]["instructions"]["suggested_commands"].to_string();
    assert!(
        suggested.contains(r#"cmos_session {\"action\":\"complete\""#),
        "{suggested}"
    );
    let refused = &replies[4];
    assert_eq!(refused["ok"], false, "{refused:#}");
    assert_eq!(refused["error"]["code"], "refused");
    let hint = refused["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains(r#"cmos_session {"action":"complete""#),
        "{hint}"
    );
    assert!(!hint.contains("cmos session complete"), "{hint}");
    assert_eq!(replies[5]["ok"], true, "{:#}", replies[5]);
    assert!(loop_warnings(&replies[5]).is_empty(), "{:#}", replies[5]);
    assert_eq!(
        captures(&repo, &session),
        5,
        "four by the agent, one by bob"
    );
}

#[test]
fn test_mcp_tool_calls_warn_near_the_cap_and_are_refused_past_it() {
    let repo = Repo::new();
    let session = started(&repo);
    let mission = repo.json(&["mission", "add", "Fix the flaky test"]);
    let mission = mission["id"].as_str().unwrap().to_string();
    repo.ok(&["mission", "start", &mission]);
    let status = ("cmos_mission_status", json!({}));
    let mut calls: Vec<(&str, Value)> = (0..6).map(|_| status.clone()).collect();
    calls.push((
        "cmos_mission_transition",
        json!({"action": "block", "missionId": mission, "reason": "Out of tool calls"}),
    ));
    calls.push((
        "cmos_session_complete",
        json!({"summary": "Out of tool calls"}),
    ));
    calls.push(status.clone());
    repo.ok(&["policy", "set", "limits.tool_cap", "5"]);
    let replies = mcp(&repo, &[], &calls);
    let cap_warning = |envelope: &Value| {
        envelope["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("tool call"))
    };
    for (n, reply) in replies.iter().enumerate() {
        // initialize and tools/list do not count: the first call is call 1.
        assert_eq!(
            reply["usage"],
            json!({"calls": n + 1, "cap": 5}),
            "{reply:#}"
        );
    }
    for reply in &replies[..4] {
        assert_eq!(reply["ok"], true, "{reply:#}");
        assert!(!cap_warning(reply), "{reply:#}");
    }
    assert_eq!(replies[4]["ok"], true);
    assert!(
        cap_warning(&replies[4]),
        "call 5 of 5 warns: {:#}",
        replies[4]
    );
    let refused = &replies[5];
    assert_eq!(refused["ok"], false, "{refused:#}");
    assert_eq!(refused["error"]["code"], "refused");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("made its 5 tool calls"), "{message}");
    let hint = refused["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains(r#"cmos_session {"action":"complete""#),
        "{hint}"
    );
    // Blocking the mission and closing the session are still possible past the cap: they
    // are what the refusal asks for; anything else stays refused.
    assert_eq!(replies[6]["ok"], true, "{:#}", replies[6]);
    assert_eq!(replies[7]["ok"], true, "{:#}", replies[7]);
    assert_eq!(replies[8]["error"]["code"], "refused", "{:#}", replies[8]);
    let shown = repo.json(&["session", "show", &session]);
    assert_eq!(shown["status"], "Completed", "{shown:#}");
    let blocked = repo.json(&["mission", "show", &mission]);
    assert_eq!(blocked["status"], "Blocked", "{blocked:#}");
}

#[test]
fn test_mcp_tool_cap_counts_per_connection() {
    let repo = Repo::new();
    started(&repo);
    repo.ok(&["policy", "set", "limits.tool_cap", "2"]);
    let status = ("cmos_mission_status", json!({}));
    for _ in 0..2 {
        let replies = mcp(&repo, &[], &[status.clone(), status.clone()]);
        assert!(replies.iter().all(|r| r["ok"] == true), "{replies:#?}");
        assert_eq!(replies[1]["usage"]["calls"], 2);
    }
}

#[test]
fn test_capture_loop_about_a_mission_names_blocking_it_as_a_way_out() {
    let repo = Repo::new();
    started(&repo);
    let mission = repo.json(&["mission", "add", "Fix the flaky test"]);
    let mission = mission["id"].as_str().unwrap().to_string();
    let capture = |n: u32| {
        envelope_at(
            &repo,
            &at(n),
            &["session", "capture", "blocker", TEXT, "--mission", &mission],
        )
    };
    for n in 1..=4 {
        assert_eq!(capture(n)["ok"], true);
    }
    let refused = capture(5);
    assert_eq!(refused["error"]["code"], "refused", "{refused:#}");
    let hint = refused["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("cmos session complete"), "{hint}");
    assert!(
        hint.contains(&format!("cmos mission block {mission} --reason")),
        "{hint}"
    );
}
