//! Naming a sprint the way people and the original CMOS do: by its id, by the id the
//! original gave it (kept when imported) or by its title, in any case; ambiguity refused;
//! sessions that name a sprint being planned; `mission add` into a sprint not added yet.
//! Through the CLI and through MCP.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use common::{Repo, hermetic};
use serde_json::{Value, json};

fn repo() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| m["id"].as_str().expect("an id").to_string())
        .collect()
}

fn commits_between(repo: &Repo, from: &str, to: &str) -> usize {
    repo.git(&["rev-list", "--count", &format!("{from}..{to}")])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn test_sprint_named_by_its_title_in_any_case_is_found() {
    let repo = repo();
    repo.ok(&["sprint", "add", "S2", "--title", "Sprint 02"]);
    let added = repo.json(&["mission", "add", "M1", "Alpha", "--sprint", "sprint 02"]);
    assert_eq!(added["sprint"], "S2");
    assert_eq!(
        ids(&repo.json(&["mission", "list", "--sprint", "Sprint 02"])),
        ["M1"]
    );
    assert_eq!(
        ids(&repo.json(&["mission", "list", "--sprint", "s2"])),
        ["M1"]
    );
    assert_eq!(
        repo.json(&["sprint", "show", "FIRST sprint"])["id"],
        "S1",
        "by title"
    );
    repo.ok(&["mission", "update", "M1", "--sprint", "first sprint"]);
    assert_eq!(repo.json(&["mission", "show", "M1"])["sprint"], "S1");
    let activated = repo.json(&["sprint", "activate", "Sprint 02"]);
    assert_eq!(activated["id"], "S2");
    assert_eq!(activated["status"], "Active");
    let sprints = repo.json(&["sprint", "list"]);
    assert_eq!(ids(&sprints), ["S1", "S2"], "no sprint was added by a name");
}

#[test]
fn test_imported_sprint_is_found_by_the_id_the_original_used() {
    let repo = Repo::new();
    let backlog = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/legacy-cmos/cmos-dev/cmos/missions/backlog.yaml");
    repo.json(&["import", "backlog", backlog.to_str().unwrap()]);
    // The original's "Sprint 1" is not a cmos id: the import renamed it and kept the name.
    let sprint = repo.json(&["sprint", "show", "Sprint 1"]);
    assert_eq!(sprint["id"], "Sprint-1");
    assert_eq!(repo.json(&["sprint", "show", "sprint 2"])["id"], "Sprint-2");
    assert_eq!(
        repo.json(&["sprint", "show", "polish & integration"])["id"],
        "Sprint-3"
    );
    let listed = repo.json(&["mission", "list", "--sprint", "Sprint 1"]);
    let missions = listed.as_array().unwrap();
    assert!(!missions.is_empty());
    assert!(
        missions.iter().all(|m| m["sprint"] == "Sprint-1"),
        "{listed:#}"
    );
}

#[test]
fn test_sprint_name_that_fits_two_sprints_is_refused_naming_both_and_writes_nothing() {
    let repo = repo();
    repo.ok(&["sprint", "add", "A", "--title", "Alpha"]);
    repo.ok(&["sprint", "add", "B", "--title", "alpha"]);
    let tip = repo.tip();
    let (code, error) = repo.fails(&["mission", "add", "M1", "X", "--sprint", "ALPHA"]);
    assert_ne!(code, 0);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("A (\"Alpha\")"), "{message}");
    assert!(message.contains("B (\"alpha\")"), "{message}");
    assert_eq!(repo.tip(), tip, "nothing was written");
    // The ids still name each one.
    assert_eq!(
        repo.json(&["mission", "add", "M1", "X", "--sprint", "b"])["sprint"],
        "B"
    );
}

#[test]
fn test_mission_add_into_an_unknown_sprint_adds_it_planned_in_the_same_commit_and_warns() {
    let repo = repo();
    let before = repo.tip().unwrap();
    let envelope = repo.envelope(&["mission", "add", "M1", "Alpha", "--sprint", "Sprint 03"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(envelope["data"]["sprint"], "Sprint-03");
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("added sprint Sprint-03 as Planned"),
        "{warnings}"
    );
    assert_eq!(commits_between(&repo, &before, &repo.tip().unwrap()), 1);
    let sprint = repo.json(&["sprint", "show", "Sprint-03"]);
    assert_eq!(sprint["title"], "Sprint 03");
    assert_eq!(sprint["status"], "Planned");
    assert_eq!(ids(&sprint["missions"]), ["M1"]);
    // The next mission named that way joins it instead of adding another.
    let second = repo.envelope(&["mission", "add", "M2", "Beta", "--sprint", "sprint 03"]);
    assert_eq!(second["data"]["sprint"], "Sprint-03");
    assert_eq!(second["warnings"], json!([]));
    let out = repo.ok(&["verify"]);
    assert!(out.contains("no problems"), "{out}");
}

#[test]
fn test_mission_add_into_an_unknown_sprint_whose_id_is_taken_is_refused_saying_why() {
    let repo = repo();
    repo.ok(&["sprint", "add", "Sprint-07", "--title", "Other"]);
    let tip = repo.tip();
    let (_, error) = repo.fails(&["mission", "add", "M1", "Alpha", "--sprint", "Sprint 07"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("is taken by sprint Sprint-07 (\"Other\")"),
        "{message}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn test_mission_update_to_an_unknown_sprint_is_refused() {
    let repo = repo();
    repo.ok(&["mission", "add", "M1", "Alpha"]);
    let tip = repo.tip();
    let (_, error) = repo.fails(&["mission", "update", "M1", "--sprint", "Sprint 09"]);
    assert_eq!(error["code"], "not_found", "{error:#}");
    assert_eq!(repo.tip(), tip);
}

#[test]
fn test_session_naming_a_sprint_not_added_yet_links_to_it_once_added() {
    let repo = repo();
    let started = repo.envelope(&[
        "session",
        "start",
        "--type",
        "planning",
        "--title",
        "Plan",
        "--sprint",
        "Sprint 04",
    ]);
    assert_eq!(started["ok"], true, "{started:#}");
    assert_eq!(started["data"]["session"]["sprint"], "Sprint 04");
    assert!(
        started["warnings"]
            .to_string()
            .contains("no sprint is named"),
        "{started:#}"
    );
    let id = started["data"]["session"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    repo.ok(&["session", "capture", "decision", "Ship weekly"]);
    let listed = repo.json(&["session", "list"]);
    assert_eq!(listed[0]["sprint"], "Sprint 04");
    assert_eq!(listed[0]["sprint_planned"], true);
    let shown = repo.ok(&["session", "show", &id]);
    assert!(shown.contains("Sprint 04 (not added yet)"), "{shown}");
    // Filtering by the name finds it before the sprint exists.
    assert_eq!(
        ids(&repo.json(&["session", "list", "--sprint", "sprint 04"])),
        [id.as_str()]
    );

    repo.ok(&["sprint", "add", "S4", "--title", "Sprint 04"]);
    let listed = repo.json(&["session", "list", "--sprint", "S4"]);
    assert_eq!(ids(&listed), [id.as_str()]);
    assert_eq!(listed[0]["sprint"], "S4");
    assert_eq!(listed[0].get("sprint_planned"), None);
    assert_eq!(repo.json(&["session", "show", &id])["sprint"], "S4");
    // A capture made now files its record under the sprint's id.
    repo.ok(&["session", "capture", "next-step", "Write the plan down"]);
    let steps = repo.json(&["next-step", "list"]);
    assert!(
        steps
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["text"] == "Write the plan down" && s["sprint"] == "S4"),
        "{steps:#}"
    );
    // By the sprint's title: the step filed by id and the decision filed by the name.
    let by_title = repo.json(&["next-step", "list", "--sprint", "SPRINT 04"]);
    assert_eq!(by_title.as_array().unwrap().len(), 1, "{by_title:#}");
    let decisions = repo.json(&["decision", "list"]);
    assert_eq!(decisions[0]["sprint"], "Sprint 04", "{decisions:#}");
    // A step carried by a sprint's title lands in that sprint's id.
    let step = by_title[0]["id"].as_str().unwrap().to_string();
    let carried = repo.json(&["next-step", "carry", &step, "--sprint", "first sprint"]);
    assert_eq!(carried["sprint"], "S1");
}

/// A running `cmos mcp`, driven over its pipes as a client does.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start(repo: &Repo) -> Server {
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
            .arg("mcp")
            .current_dir(&repo.path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cmos mcp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        server.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        writeln!(
            server.stdin,
            r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
        )
        .unwrap();
        server
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let line =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        let answer: Value = serde_json::from_str(&answer).expect("a JSON answer");
        assert_eq!(answer["id"], self.next_id, "{answer}");
        answer
    }

    /// A tools/call; returns (isError, the envelope).
    fn call(&mut self, tool: &str, arguments: Value) -> (bool, Value) {
        let answer = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &answer["result"];
        (
            result["isError"] == true,
            result["structuredContent"].clone(),
        )
    }

    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let (failed, envelope) = self.call(tool, arguments.clone());
        assert!(!failed, "{tool} {arguments}: {envelope:#}");
        envelope
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn test_mcp_session_start_tags_the_active_sprint_and_accepts_one_not_added_yet() {
    let repo = repo();
    let mut mcp = Server::start(&repo);
    let started = mcp.ok(
        "cmos_session_start",
        json!({"type": "build", "title": "Build"}),
    );
    assert_eq!(
        started["data"]["session"]["sprint"], "S1",
        "the active sprint"
    );
    mcp.ok(
        "cmos_session_complete",
        json!({"summary": "Built the first part"}),
    );

    let started = mcp.ok(
        "cmos_session_start",
        json!({"type": "planning", "title": "Plan", "sprintId": "Sprint 05"}),
    );
    assert_eq!(started["data"]["session"]["sprint"], "Sprint 05");
    assert!(
        started["warnings"]
            .to_string()
            .contains("no sprint is named"),
        "{started:#}"
    );
    let listed = mcp.ok("cmos_session_list", json!({"sprintId": "sprint 05"}));
    assert!(
        listed.to_string().contains("\"sprint_planned\":true"),
        "{listed:#}"
    );
}

#[test]
fn test_mcp_tools_that_take_a_sprint_take_its_title() {
    let repo = repo();
    let mut mcp = Server::start(&repo);
    let added = mcp.ok(
        "cmos_mission_add",
        json!({"missionId": "M1", "name": "Alpha", "sprintId": "first SPRINT"}),
    );
    assert_eq!(added["data"]["sprint"], "S1");
    let shown = mcp.ok("cmos_sprint_show", json!({"sprintId": "First Sprint"}));
    assert_eq!(shown["data"]["id"], "S1");
    let added = mcp.ok(
        "cmos_mission_add",
        json!({"missionId": "M2", "name": "Beta", "sprintId": "Sprint 06"}),
    );
    assert_eq!(added["data"]["sprint"], "Sprint-06");
    assert!(
        added["warnings"]
            .to_string()
            .contains("added sprint Sprint-06 as Planned"),
        "{added:#}"
    );
    mcp.ok(
        "cmos_sprint_add",
        json!({"sprintId": "Z", "title": "Sprint 06 bis"}),
    );
    mcp.ok(
        "cmos_sprint_add",
        json!({"sprintId": "Y", "title": "first sprint"}),
    );
    let (failed, envelope) = mcp.call("cmos_mission_list", json!({"sprintId": "FIRST SPRINT"}));
    assert!(failed, "{envelope:#}");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("S1 (") && message.contains("Y ("),
        "{message}"
    );
}
