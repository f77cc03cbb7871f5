//! Context scoping: every verb that takes a mission or session id works without one, picks
//! the mission of the session open in this worktree, else this worktree's active mission,
//! else (to start) the next mission, and says in a warning which one it used. The CLI and
//! the MCP server resolve the same way.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A project with two missions, B1 first in line.
fn two_missions() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    repo.ok(&["mission", "add", "B2", "Second"]);
    repo
}

/// Two missions, and a session open on B2.
fn in_a_session_on_b2() -> Repo {
    let repo = two_missions();
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Work",
        "--mission",
        "B2",
    ]);
    repo
}

fn warnings(envelope: &Value) -> Vec<String> {
    envelope["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `args` with --json, asserts success, and returns the one warning that says which
/// record was used.
fn scoped_warning(repo: &Repo, args: &[&str]) -> (Value, String) {
    let envelope = repo.envelope(args);
    assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
    let warning = warnings(&envelope)
        .into_iter()
        .find(|w| w.contains(" given: used "))
        .unwrap_or_else(|| panic!("cmos {args:?} says which record it used: {envelope:#}"));
    (envelope, warning)
}

#[test]
fn test_mission_start_without_an_id_starts_the_mission_of_the_open_session() {
    let repo = in_a_session_on_b2();
    let (envelope, warning) = scoped_warning(&repo, &["mission", "start"]);
    assert_eq!(envelope["data"]["mission"]["id"], "B2", "{envelope:#}");
    assert_eq!(envelope["data"]["to"], "In Progress");
    assert!(
        warning.contains("B2") && warning.contains("session"),
        "{warning}"
    );
    // The human output says it too, on stderr.
    let repo = in_a_session_on_b2();
    let out = repo.cmos(&["mission", "start"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: no mission given: used B2, the mission of session"),
        "{stderr}"
    );
}

#[test]
fn mission_start_without_an_id_or_context_starts_the_next_mission() {
    let repo = two_missions();
    let (envelope, warning) = scoped_warning(&repo, &["mission", "start"]);
    assert_eq!(envelope["data"]["mission"]["id"], "B1");
    assert!(warning.contains("the next mission"), "{warning}");
    // B1 is now this worktree's active mission: the other verbs find it.
    let (shown, warning) = scoped_warning(&repo, &["mission", "show"]);
    assert_eq!(shown["data"]["id"], "B1");
    assert!(warning.contains("active mission"), "{warning}");
}

#[test]
fn mission_start_without_an_id_refuses_when_the_next_mission_is_already_under_way() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    // Started in another worktree: this one has no active mission.
    let other = repo.sibling("other");
    repo.git(&["worktree", "add", "-q", other.to_str().unwrap()]);
    let out = repo.cmos_in(&other, &["mission", "start", "B1"]);
    assert!(out.status.success(), "{out:?}");
    let tip = repo.tip();
    let (code, error) = repo.fails(&["mission", "start"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "{error}"
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("B1") && message.contains("In Progress"),
        "{message}"
    );
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn mission_verbs_prefer_the_session_mission_over_the_active_one() {
    let repo = two_missions();
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Work",
        "--mission",
        "B2",
    ]);
    let (updated, warning) = scoped_warning(&repo, &["mission", "update", "--notes", "n"]);
    assert_eq!(updated["data"]["id"], "B2");
    assert!(warning.contains("session"), "{warning}");
    assert_eq!(repo.json(&["mission", "show", "B2"])["notes"], "n");
    assert!(repo.json(&["mission", "show", "B1"])["notes"].is_null());
    // Once the session closes, the worktree's active mission is the default again.
    repo.ok(&["session", "complete", "--summary", "done"]);
    let (shown, warning) = scoped_warning(&repo, &["mission", "show"]);
    assert_eq!(shown["data"]["id"], "B1");
    assert!(
        warning.contains("the active mission of this worktree"),
        "{warning}"
    );
}

#[test]
fn mission_update_and_history_without_an_id_use_the_active_mission() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    repo.ok(&["mission", "start", "B1"]);
    let (updated, _) = scoped_warning(&repo, &["mission", "update", "--name", "Renamed"]);
    assert_eq!(updated["data"]["name"], "Renamed");
    let (history, warning) = scoped_warning(&repo, &["history"]);
    assert_eq!(
        history["data"][0]["fields"][0]["field"], "name",
        "{history:#}"
    );
    assert!(warning.contains("B1"), "{warning}");
}

#[test]
fn session_show_and_resume_without_an_id_use_this_worktrees_session() {
    let repo = in_a_session_on_b2();
    let id = repo.json(&["session", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (shown, warning) = scoped_warning(&repo, &["session", "show"]);
    assert_eq!(shown["data"]["id"], id.as_str());
    assert!(warning.contains("open in this worktree"), "{warning}");
    let (resumed, _) = scoped_warning(&repo, &["session", "resume"]);
    assert_eq!(resumed["data"]["session"]["id"], id.as_str());
    // Closed, it is the project's most recent session (completing it cleared the pointer).
    repo.ok(&["session", "complete", "--summary", "done"]);
    let (shown, warning) = scoped_warning(&repo, &["session", "show"]);
    assert_eq!(shown["data"]["id"], id.as_str());
    assert!(warning.contains("most recent session"), "{warning}");
}

#[test]
fn session_show_without_an_id_or_any_session_refuses() {
    let repo = Repo::new();
    repo.init();
    let (code, error) = repo.fails(&["session", "show"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "{error}"
    );
}

#[test]
fn research_export_without_an_id_reports_the_session_mission() {
    let repo = in_a_session_on_b2();
    let (report, warning) = scoped_warning(&repo, &["research", "export", "--allow-incomplete"]);
    assert_eq!(report["data"]["mission"], "B2");
    assert!(warning.contains("session"), "{warning}");
}

/// The verbs that take a mission or session id, each with what it needs set up first (by
/// id), and its arguments without an id.
fn id_taking_verbs() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    let start: Vec<&str> = vec!["mission", "start", "B2"];
    vec![
        ("mission start", vec![], vec!["mission", "start"]),
        ("mission show", vec![], vec!["mission", "show"]),
        (
            "mission update",
            vec![],
            vec!["mission", "update", "--notes", "x"],
        ),
        (
            "mission complete",
            start.clone(),
            vec!["mission", "complete"],
        ),
        (
            "mission block",
            start.clone(),
            vec!["mission", "block", "--reason", "r"],
        ),
        ("mission unblock", start.clone(), vec!["mission", "unblock"]),
        ("mission drop", vec![], vec!["mission", "drop"]),
        ("mission defer", vec![], vec!["mission", "defer"]),
        ("mission history", vec![], vec!["history"]),
        (
            "session capture",
            vec![],
            vec!["session", "capture", "learning", "x"],
        ),
        (
            "session complete",
            vec![],
            vec!["session", "complete", "--summary", "s"],
        ),
        ("session show", vec![], vec!["session", "show"]),
        ("session resume", vec![], vec!["session", "resume"]),
        (
            "research export",
            vec![],
            vec!["research", "export", "--allow-incomplete"],
        ),
    ]
}

/// The figure the issue asks for: the share of id-taking verbs that work without an id, in
/// a worktree with a session open on a mission. Prints it; the goal is all of them.
#[test]
fn every_id_taking_verb_works_without_an_id() {
    let verbs = id_taking_verbs();
    let mut failed = Vec::new();
    for (name, setup, args) in &verbs {
        let repo = in_a_session_on_b2();
        if !setup.is_empty() {
            repo.ok(setup);
        }
        if *name == "mission unblock" {
            repo.ok(&["mission", "block", "B2", "--reason", "r"]);
        }
        let envelope = repo.envelope(args);
        // Capture and complete name their session in what they print; the others say in a
        // warning which record they used.
        let names_its_session = matches!(*name, "session capture" | "session complete");
        let says_which = warnings(&envelope)
            .iter()
            .any(|w| w.contains(" given: used ") && (w.contains("B2") || w.contains("session")));
        if envelope["ok"] != true {
            failed.push(format!("{name}: {}", envelope["error"]["message"]));
        } else if !says_which && !names_its_session {
            failed.push(format!("{name}: no warning says which record it used"));
        }
    }
    let worked = verbs.len() - failed.len();
    println!(
        "context scoping: {worked} of {} id-taking verbs work without an id ({}%)",
        verbs.len(),
        worked * 100 / verbs.len()
    );
    assert!(failed.is_empty(), "without an id: {failed:#?}");
}

/// Runs `cmos mcp` over one batch of requests and returns the tool results' envelopes.
fn mcp_calls(repo: &Repo, calls: &[(&str, Value)]) -> Vec<Value> {
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .arg("mcp")
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cmos mcp");
    let mut input = vec![
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ];
    for (i, (tool, arguments)) in calls.iter().enumerate() {
        input.push(json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    for line in &input {
        writeln!(stdin, "{line}").expect("write to the server");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("wait for cmos mcp");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON-RPC line"))
        .filter(|r| r["id"] != 0)
        .map(|r| {
            let text = r["result"]["content"][0]["text"].as_str().expect("text");
            serde_json::from_str(text).expect("an envelope")
        })
        .collect()
}

#[test]
fn mcp_tools_without_a_mission_id_use_the_mission_of_the_open_session() {
    let repo = in_a_session_on_b2();
    let results = mcp_calls(
        &repo,
        &[
            ("cmos_mission_start", json!({})),
            ("cmos_mission_update", json!({"notes": "over MCP"})),
            ("cmos_history", json!({})),
            ("cmos_session_show", json!({})),
            ("cmos_research_export", json!({"allowIncomplete": true})),
        ],
    );
    assert_eq!(results.len(), 5, "{results:#?}");
    for envelope in &results {
        assert_eq!(envelope["ok"], true, "{envelope:#}");
        assert!(
            warnings(envelope)
                .iter()
                .any(|w| w.contains(" given: used ")),
            "says which record it used: {envelope:#}"
        );
    }
    assert_eq!(results[0]["data"]["mission"]["id"], "B2");
    assert_eq!(results[1]["data"]["notes"], "over MCP");
    assert_eq!(results[4]["data"]["mission"], "B2");
}

#[test]
fn session_show_without_an_id_finds_this_worktrees_session_closed_elsewhere() {
    let repo = in_a_session_on_b2();
    let id = repo.json(&["session", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = repo.sibling("other");
    repo.git(&["worktree", "add", "-q", other.to_str().unwrap()]);
    let out = repo.cmos_in(
        &other,
        &["session", "complete", "--session", &id, "--summary", "done"],
    );
    assert!(out.status.success(), "{out:?}");
    let (shown, warning) = scoped_warning(&repo, &["session", "show"]);
    assert_eq!(shown["data"]["id"], id.as_str());
    assert_eq!(shown["data"]["status"], "Completed");
    assert!(
        warning.contains("the last session of this worktree"),
        "{warning}"
    );
    // Closed, it takes no more captures, and nothing else is open here.
    let (code, error) = repo.fails(&["session", "capture", "learning", "x"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "{error}"
    );
}
