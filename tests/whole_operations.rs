//! One operation is one commit and one outcome, all or nothing: an update that changes
//! fields and a status, from the CLI or over MCP, writes one commit and answers once, and a
//! refused status change leaves the branch exactly as it was (no field written either).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// How many commits the branch gained since `before`.
fn commits_since(repo: &Repo, before: &str) -> usize {
    let count = repo.git(&["rev-list", "--count", &format!("{before}..refs/heads/cmos")]);
    count.trim().parse().expect("a count")
}

fn tip(repo: &Repo) -> String {
    repo.tip().expect("the cmos branch exists")
}

/// Calls one MCP tool through a fresh `cmos mcp` and returns (isError, envelope).
fn mcp_call(repo: &Repo, tool: &str, arguments: Value) -> (bool, Value) {
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .arg("mcp")
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cmos mcp");
    let mut stdin = child.stdin.take().expect("stdin");
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}),
    ];
    for line in lines {
        writeln!(stdin, "{line}").expect("write to the server");
    }
    drop(stdin);
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let responses: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(&l.expect("a line")).expect("JSON"))
        .collect();
    child.wait().expect("the server ends with its input");
    let answers: Vec<&Value> = responses.iter().filter(|r| r["id"] == 2).collect();
    assert_eq!(answers.len(), 1, "one answer to one call: {responses:?}");
    let result = &answers[0]["result"];
    let text = result["content"][0]["text"].as_str().expect("text content");
    let envelope: Value = serde_json::from_str(text).expect("one envelope");
    (result["isError"] == true, envelope)
}

#[test]
fn test_mission_update_refused_status_does_not_write_the_name() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Old name"]);
    let before = tip(&repo);
    // Queued cannot go to Completed: the whole update is refused.
    let (code, error) = repo.fails(&[
        "mission",
        "update",
        "A",
        "--name",
        "New name",
        "--status",
        "completed",
    ]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("invalid_transition"))
    );
    assert_eq!(commits_since(&repo, &before), 0, "nothing written");
    assert_eq!(repo.json(&["mission", "show", "A"])["name"], "Old name");
}

#[test]
fn test_mission_update_with_name_and_status_writes_one_commit_and_one_envelope() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Old name"]);
    let before = tip(&repo);
    let out = repo.cmos(&[
        "--json", "mission", "update", "A", "--name", "New name", "--status", "current",
    ]);
    assert!(out.status.success(), "{out:?}");
    let envelope: Value =
        serde_json::from_slice(&out.stdout).expect("exactly one envelope on stdout");
    let data = &envelope["data"];
    assert_eq!(
        (data["name"].as_str(), data["status"].as_str()),
        (Some("New name"), Some("Current"))
    );
    assert_eq!(
        (data["from"].as_str(), data["to"].as_str()),
        (Some("Queued"), Some("Current"))
    );
    assert_eq!(
        commits_since(&repo, &before),
        1,
        "one operation, one commit"
    );
    let human = repo.ok(&[
        "mission",
        "update",
        "A",
        "--objective",
        "Ship",
        "--status",
        "in-progress",
    ]);
    assert!(
        human.contains("Updated mission A") && human.contains("Current → In Progress"),
        "{human}"
    );
    assert_eq!(commits_since(&repo, &before), 2);
}

#[test]
fn test_mission_update_status_blocked_is_refused_before_any_write() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Old name"]);
    repo.ok(&["mission", "start", "A"]);
    let before = tip(&repo);
    let (_, error) = repo.fails(&[
        "mission", "update", "A", "--name", "B", "--status", "blocked",
    ]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("needs a reason"),
        "{error}"
    );
    assert_eq!(commits_since(&repo, &before), 0);
}

#[test]
fn test_mcp_mission_update_refused_status_does_not_write_the_fields() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Old name"]);
    let before = tip(&repo);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_mission_update",
        json!({"missionId": "A", "name": "New name", "fields": {"notes": "n"}, "status": "Completed"}),
    );
    assert!(failed, "{envelope}");
    assert_eq!(envelope["error"]["code"], "invalid_transition");
    assert_eq!(commits_since(&repo, &before), 0, "nothing written");
    let shown = repo.json(&["mission", "show", "A"]);
    assert_eq!(
        (shown["name"].as_str(), shown["notes"].as_str()),
        (Some("Old name"), None)
    );
}

#[test]
fn test_mcp_mission_update_with_fields_and_status_writes_one_commit() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Old name"]);
    let before = tip(&repo);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_mission_update",
        json!({"missionId": "A", "fields": {"name": "New name", "status": "In Progress"}}),
    );
    assert!(!failed, "{envelope}");
    assert_eq!(envelope["data"]["name"], "New name");
    assert_eq!(envelope["data"]["to"], "In Progress");
    assert_eq!(commits_since(&repo, &before), 1);
}

#[test]
fn test_mcp_sprint_update_to_planned_does_not_write_the_title() {
    let repo = Repo::new();
    repo.init();
    let before = tip(&repo);
    // S1 is the current, Active sprint: it goes back to Planned only when another is activated.
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_sprint_update",
        json!({"sprintId": "S1", "title": "Renamed", "status": "Planned"}),
    );
    assert!(failed, "{envelope}");
    // Planned is not a word the tool's schema takes: refused before anything is read or written.
    assert_eq!(envelope["error"]["code"], "invalid_input");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("status"), "{message}");
    assert_eq!(commits_since(&repo, &before), 0, "nothing written");
    assert_eq!(
        repo.json(&["sprint", "show", "S1"])["title"],
        "First sprint"
    );
}

#[test]
fn test_mcp_sprint_update_with_title_and_status_writes_one_commit() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Second"]);
    let before = tip(&repo);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_sprint_update",
        json!({"sprintId": "S2", "fields": {"title": "Next up", "status": "Active"}}),
    );
    assert!(!failed, "{envelope}");
    assert_eq!(
        (
            envelope["data"]["title"].as_str(),
            envelope["data"]["status"].as_str()
        ),
        (Some("Next up"), Some("Active"))
    );
    assert_eq!(commits_since(&repo, &before), 1);
    assert_eq!(repo.json(&["sprint", "show", "S1"])["status"], "Planned");
    // Completing a sprint that still has open missions is refused, title and all.
    repo.ok(&["mission", "add", "A", "Open work", "--sprint", "S2"]);
    let before = tip(&repo);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_sprint_update",
        json!({"sprintId": "S2", "title": "Done?", "status": "Completed"}),
    );
    assert!(failed, "{envelope}");
    assert_eq!(commits_since(&repo, &before), 0);
    assert_eq!(repo.json(&["sprint", "show", "S2"])["title"], "Next up");
}

#[test]
fn test_mcp_sprint_update_refusal_names_force_and_force_completes_with_open_missions() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Open work", "--sprint", "S1"]);
    let before = tip(&repo);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_sprint_update",
        json!({"sprintId": "S1", "status": "Completed"}),
    );
    assert!(failed, "{envelope}");
    // The refusal names the parameter that overrides it, and the tool takes it.
    assert_eq!(envelope["error"]["inputs"], json!(["force"]), "{envelope}");
    assert_eq!(commits_since(&repo, &before), 0);
    let (failed, envelope) = mcp_call(
        &repo,
        "cmos_sprint_update",
        json!({"sprintId": "S1", "status": "Completed", "force": true}),
    );
    assert!(!failed, "{envelope}");
    assert_eq!(envelope["data"]["status"], "Completed");
    assert_eq!(commits_since(&repo, &before), 1);
}
