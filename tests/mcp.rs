//! The MCP server over stdio: the handshake, every tool's schema, an agent's whole workflow
//! through tools/call, the error cases, pagination and the size cap, `--repo`, two servers
//! on one repository, the client configurations, `agents install`, and the official Python
//! SDK's client driving it.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A running `cmos mcp` and its pipes.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn start(home: &Path, dir: &Path, extra: &[&str]) -> Server {
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), home)
            .arg("mcp")
            .args(extra)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cmos mcp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut server = Server {
            child,
            stdin,
            stdout,
            next_id: 0,
        };
        let init = server.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
        server.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        server
    }

    fn send_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    fn read(&mut self) -> Value {
        let line = self.read_raw();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// One line of the server's output, as written.
    fn read_raw(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read from the server");
        line
    }

    /// Writes `bytes` as they are, then a newline.
    fn send_bytes(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to the server");
        self.stdin.write_all(b"\n").expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    /// The server answers a ping: it is still serving.
    fn still_serving(&mut self) {
        assert_eq!(self.request("ping", json!({}))["result"], json!({}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send_line(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let response = self.read();
        assert_eq!(response["id"], id, "responses come in order: {response}");
        response
    }

    /// A tools/call; returns (isError, the envelope).
    fn call(&mut self, tool: &str, arguments: Value) -> (bool, Value) {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &response["result"];
        assert!(result.is_object(), "{tool}: {response}");
        let text = result["content"][0]["text"].as_str().expect("text content");
        let envelope: Value = serde_json::from_str(text).expect("the text is the envelope");
        assert_eq!(
            envelope, result["structuredContent"],
            "text and structured content agree"
        );
        (result["isError"] == true, envelope)
    }

    /// A tools/call that must succeed; returns its data.
    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let (failed, envelope) = self.call(tool, arguments.clone());
        assert!(!failed, "{tool} {arguments}: {envelope:#}");
        envelope["data"].clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn every_tool_is_listed_with_a_schema() {
    let repo = Repo::new();
    repo.init();
    // Both generations: the granular tools and the consolidated ones.
    let mut server = Server::start(&repo.home, &repo.path, &["--tools", "all"]);
    let listed = server.request("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().unwrap();
    assert!(tools.len() >= 40, "{}", tools.len());
    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        assert!(name.starts_with("cmos_"), "{name}");
        assert!(
            tool["description"].as_str().unwrap().len() > 20,
            "{name} says what it does"
        );
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{name}");
        for required in schema["required"].as_array().unwrap() {
            let key = required.as_str().unwrap();
            assert!(
                schema["properties"][key].is_object(),
                "{name}: {key} is described"
            );
        }
        for (key, property) in schema["properties"].as_object().unwrap() {
            assert!(
                property["description"].is_string(),
                "{name}.{key} has a description"
            );
        }
    }
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for original in [
        "cmos_agent_onboard",
        "cmos_mission_status",
        "cmos_mission_start",
        "cmos_session_capture",
        "cmos_sprint_add",
        "cmos_decisions_search",
    ] {
        assert!(names.contains(&original), "{original}");
    }
    assert_eq!(server.request("ping", json!({}))["result"], json!({}));
}

#[test]
fn an_agents_whole_workflow_through_tools() {
    let repo = Repo::new();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    let (failed, before) = s.call("cmos_agent_onboard", json!({}));
    assert!(
        failed && before["error"]["code"] == "not_initialized",
        "{before}"
    );
    s.ok(
        "cmos_project_init",
        json!({"projectName": "demo", "sprintId": "S1", "sprintTitle": "First"}),
    );
    let onboard = s.ok("cmos_agent_onboard", json!({"budget": 2000}));
    assert!(onboard["sections"].is_array());
    s.ok(
        "cmos_sprint_add",
        json!({"sprintId": "S2", "title": "Next"}),
    );
    s.ok("cmos_mission_add", json!({"missionId": "A1", "name": "First", "successCriteria": ["tests pass"], "estimate": "2h"}));
    s.ok(
        "cmos_mission_add",
        json!({"missionId": "A2", "name": "Second"}),
    );
    s.ok(
        "cmos_mission_depends",
        json!({"fromId": "A2", "toId": "A1"}),
    );
    let next = s.ok("cmos_mission_next", json!({}));
    assert_eq!(next["mission"]["id"], "A1");
    s.ok(
        "cmos_session_start",
        json!({"type": "build", "title": "Through MCP"}),
    );
    s.ok("cmos_mission_start", json!({"missionId": "A1"}));
    let (_, envelope) = s.call("cmos_mission_status", json!({}));
    assert_eq!(
        envelope["instructions"]["context"]["active_mission"]["id"],
        "A1"
    );
    assert!(envelope["instructions"]["context"]["active_session"]["id"].is_string());
    let captured = s.ok("cmos_session_capture", json!({"category": "decision", "content": "Keep it small\nSmall is fast.", "missionId": "A1"}));
    assert!(captured["record"].as_str().unwrap().starts_with("d-"));
    s.ok(
        "cmos_mission_update",
        json!({"missionId": "A1", "fields": {"notes": "halfway"}}),
    );
    let (_, done) = s.call("cmos_mission_complete", json!({}));
    assert_eq!(done["data"]["mission"]["id"], "A1", "the active mission");
    assert!(
        done["warnings"][0]
            .as_str()
            .unwrap()
            .contains("active mission")
    );
    assert_eq!(done["data"]["promoted"]["id"], "A2");
    let decisions = s.ok("cmos_decisions_list", json!({}));
    assert_eq!(decisions["items"][0]["text"], "Keep it small");
    s.ok(
        "cmos_session_complete",
        json!({"summary": "A1 done", "nextSteps": ["Start A2"]}),
    );
    let steps = s.ok("cmos_next_steps", json!({}));
    assert_eq!(steps["items"][0]["text"], "Start A2");
    let context = s.ok("cmos_context_view", json!({"budget": 800}));
    assert!(context["markdown"].as_str().unwrap().contains("A1 done"));
    let history = s.ok("cmos_history", json!({"missionId": "A1"}));
    assert!(history.as_array().unwrap().len() >= 3);
    s.ok("cmos_verify", json!({}));
    let found = s.ok(
        "cmos_kb_search",
        json!({"query": "small", "kind": "decision"}),
    );
    assert_eq!(found[0]["title"], "Keep it small", "{found}");
    let (failed, refused) = s.call("cmos_research_export", json!({"missionId": "A2"}));
    assert!(failed && refused["error"]["code"] == "refused", "{refused}");
    let report = s.ok("cmos_research_export", json!({"missionId": "A1"}));
    assert!(
        report["markdown"]
            .as_str()
            .unwrap()
            .starts_with("# Research Report: A1")
    );

    // What the tools did is what the CLI sees.
    let a1 = repo.json(&["mission", "show", "A1"]);
    assert_eq!(a1["status"], "Completed");
    assert_eq!(a1["notes"], "halfway");
}

#[test]
fn bad_requests_get_errors_an_agent_can_act_on_and_change_nothing() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "Q1", "Queued one"]);
    let tip = repo.tip();
    let mut s = Server::start(&repo.home, &repo.path, &[]);

    let unknown = s.request("tools/call", json!({"name": "cmos_nope", "arguments": {}}));
    assert_eq!(unknown["error"]["code"], -32602);
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tools/list")
    );
    let method = s.request("resources/list", json!({}));
    assert_eq!(method["error"]["code"], -32601);

    let (failed, bad) = s.call("cmos_mission_show", json!({"missionId": 5}));
    assert!(failed);
    assert_eq!(bad["error"]["code"], "invalid_input");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missionId must be a string")
    );
    let (failed, missing) = s.call("cmos_mission_add", json!({}));
    assert!(failed);
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("name is required")
    );
    let (failed, refused) = s.call("cmos_mission_complete", json!({"missionId": "Q1"}));
    assert!(failed);
    assert_eq!(refused["error"]["code"], "invalid_transition");
    assert!(
        refused["error"]["valid_transitions"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let (failed, nothing) = s.call("cmos_mission_complete", json!({}));
    assert!(failed, "no active mission: {nothing}");
    let (failed, budget) = s.call("cmos_context_view", json!({"budget": 3}));
    assert!(failed, "{budget}");

    s.send_line("this is not json");
    assert_eq!(s.read()["error"]["code"], -32700);
    s.send_line(r#"[{"jsonrpc":"2.0","id":99,"method":"ping"}]"#);
    assert_eq!(s.read()["error"]["code"], -32600);
    s.send_line(r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#);
    assert_eq!(s.read()["error"]["code"], -32600);

    let (_, ignored) = s.call(
        "cmos_mission_status",
        json!({"projectRoot": "/elsewhere", "bogus": true}),
    );
    assert_eq!(
        ignored["warnings"].as_array().unwrap().len(),
        1,
        "{ignored:#}"
    );
    assert_eq!(
        s.request("ping", json!({}))["result"],
        json!({}),
        "still serving"
    );
    assert_eq!(repo.tip(), tip, "nothing refused reached the branch");
}

#[test]
fn lists_are_paginated_and_results_capped() {
    let repo = Repo::new();
    repo.init();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    for i in 0..25 {
        s.ok(
            "cmos_mission_add",
            json!({"missionId": format!("P{i:02}"), "name": format!("Mission {i}")}),
        );
    }
    let first = s.ok("cmos_mission_list", json!({"limit": 10}));
    assert_eq!(first["items"].as_array().unwrap().len(), 10);
    assert_eq!(first["total"], 25);
    let cursor = first["nextCursor"].as_str().unwrap().to_string();
    let last = s.ok("cmos_mission_list", json!({"limit": 20, "cursor": cursor}));
    assert_eq!(last["items"].as_array().unwrap().len(), 15);
    assert!(last["nextCursor"].is_null());
    let (failed, _) = s.call("cmos_mission_list", json!({"limit": 500}));
    assert!(failed, "a limit past 100 is refused");

    let long = "x".repeat(60_000);
    s.ok(
        "cmos_mission_add",
        json!({"missionId": "BIG", "name": "Big", "objective": long}),
    );
    let response = s.request(
        "tools/call",
        json!({"name": "cmos_mission_show", "arguments": {"missionId": "BIG"}}),
    );
    let text = response["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.len() <= 24 * 1024, "{} bytes", text.len());
    assert!(text.contains("cut: 60000 bytes"), "says what was cut");
    let envelope: Value = serde_json::from_str(text).unwrap();
    assert!(
        envelope["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("24 KiB"))
    );
}

#[test]
fn a_server_in_a_subdirectory_or_pointed_elsewhere_and_two_at_once() {
    let repo = Repo::new();
    repo.init();
    let sub = repo.path.join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    let mut inside = Server::start(&repo.home, &sub, &[]);
    inside.ok(
        "cmos_mission_add",
        json!({"missionId": "SUB", "name": "From a subdirectory"}),
    );
    let elsewhere = repo.sibling("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut pointed = Server::start(
        &repo.home,
        &elsewhere,
        &["--repo", repo.path.to_str().unwrap()],
    );
    assert_eq!(
        pointed.ok("cmos_mission_show", json!({"missionId": "SUB"}))["id"],
        "SUB"
    );

    // Two servers writing at once: every write lands.
    let spawn = |prefix: &'static str| {
        let (home, path) = (repo.home.clone(), repo.path.clone());
        std::thread::spawn(move || {
            let mut s = Server::start(&home, &path, &[]);
            for i in 0..15 {
                s.ok(
                    "cmos_mission_add",
                    json!({"missionId": format!("{prefix}{i}"), "name": "concurrent"}),
                );
            }
        })
    };
    let (a, b) = (spawn("X"), spawn("Y"));
    a.join().unwrap();
    b.join().unwrap();
    let listed = inside.ok("cmos_mission_list", json!({"limit": 100}));
    assert_eq!(listed["total"], 31);
    repo.git(&["fsck", "--strict", "--no-progress"]);
}

#[test]
fn client_configuration_and_agent_instructions() {
    let repo = Repo::new();
    repo.init();
    for client in ["claude", "cursor"] {
        let out = repo.cmos(&["mcp", "--print-config", client]);
        let config: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(config["mcpServers"]["cmos"]["args"], json!(["mcp"]));
    }
    let codex = String::from_utf8(repo.cmos(&["mcp", "--print-config", "codex"]).stdout).unwrap();
    let parsed: toml::Table = toml::from_str(&codex).unwrap();
    assert!(parsed["mcp_servers"]["cmos"]["command"].is_str());
    assert_eq!(
        repo.cmos(&["mcp", "--print-config", "vim"]).status.code(),
        Some(2)
    );

    std::fs::write(repo.path.join("AGENTS.md"), "# Agents\n\nOur own rules.\n").unwrap();
    let first = repo.json(&["agents", "install"]);
    assert_eq!(first["changed"], true);
    let again = repo.json(&["agents", "install"]);
    assert_eq!(again["changed"], false, "idempotent");
    let text = std::fs::read_to_string(repo.path.join("AGENTS.md")).unwrap();
    assert!(text.starts_with("# Agents\n\nOur own rules.\n"));
    assert_eq!(text.matches("<!-- cmos:begin -->").count(), 1);
    assert!(text.contains("cmos onboard"));
}

/// The official MCP Python SDK's stdio client: `CMOS_MCP_PYTHON` names a Python that has it
/// (`scripts/test` installs one), else `python3` if it can import `mcp`.
#[test]
fn the_official_python_sdk_client_drives_the_server() {
    let python = std::env::var("CMOS_MCP_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_sdk = Command::new(&python)
        .args(["-c", "import mcp"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_sdk,
        "{python} cannot import the MCP Python SDK: run the tests with `scripts/test` (it installs it), or set CMOS_MCP_PYTHON to a Python with `pip install mcp`"
    );
    let repo = Repo::new();
    repo.init();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/python_client.py");
    let out = hermetic(&mut Command::new(&python), &repo.home)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_cmos"))
        .arg(&repo.path)
        .output()
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("workflow ok") && stdout.contains("error ok"),
        "{stdout}"
    );
    assert_eq!(
        repo.json(&["mission", "show", "PY1"])["status"],
        "Completed"
    );
}

/// One line that was not UTF-8 used to end the server: no answer to it or to anything after.
#[test]
fn test_mcp_line_that_is_not_utf8_is_answered_with_a_parse_error_and_serving_goes_on() {
    let repo = Repo::new();
    repo.init();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    s.send_bytes(
        b"{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"ping\",\"params\":{\"x\":\"\xff\xfe\"}}",
    );
    let answer = s.read();
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    assert_eq!(
        answer["id"], 41,
        "the id is read despite the bad bytes: {answer}"
    );
    s.send_bytes(b"\xc3\x28 not even JSON");
    let answer = s.read();
    assert_eq!(answer["error"]["code"], -32700, "{answer}");
    assert!(answer["id"].is_null());
    s.still_serving();
}

#[test]
fn test_mcp_line_past_the_limit_is_refused_and_serving_goes_on() {
    let repo = Repo::new();
    repo.init();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":5,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(5 << 20)
    );
    s.send_bytes(huge.as_bytes());
    let answer = s.read();
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("limit"), "{message}");
    s.still_serving();
}

/// A 30-digit id came back as `1.2345678901234568e29`, which no client can match.
#[test]
fn test_mcp_echoes_a_30_digit_numeric_id_exactly() {
    let repo = Repo::new();
    repo.init();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    for id in [
        "123456789012345678901234567890",
        "-1.50",
        "2E+3",
        "\"x\\u0041\"",
    ] {
        s.send_line(&format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#));
        let line = s.read_raw();
        assert!(line.contains(&format!(r#""id":{id},"#)), "{id}: {line}");
    }
    s.still_serving();
}

/// 500 mission files at wrong paths made every reply carry 500 warnings: 131 KB for a cap of
/// 24 KiB, which the warnings did not count in.
#[test]
fn test_mcp_reply_stays_within_24_kib_with_500_misplaced_mission_files() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let files: Vec<(String, String)> = (0..500)
        .map(|i| {
            (
                format!(".cmos/missions/misplaced/a-rather-long-mission-file-name-{i:03}.toml"),
                "id = \"x\"\n".to_string(),
            )
        })
        .collect();
    repo.push_files(&files);
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    s.send_line(
        &json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
                "params": {"name": "cmos_mission_list", "arguments": {}}})
        .to_string(),
    );
    let line = s.read_raw();
    assert!(line.len() <= 24 * 1024, "the reply is {} bytes", line.len());
    let reply: Value = serde_json::from_str(&line).unwrap();
    let envelope = &reply["result"]["structuredContent"];
    let warnings = envelope["warnings"].as_array().unwrap();
    assert!(warnings.len() <= 6, "{warnings:#?}");
    let last = warnings.last().unwrap().as_str().unwrap();
    assert!(
        last.contains("500 in all") && last.contains("verify"),
        "{last}"
    );
    assert_eq!(
        envelope["data"]["items"][0]["id"], "A1",
        "the data is whole"
    );

    // verify lists all 500 problems in its error: the cap shrinks that list too.
    s.send_line(
        &json!({"jsonrpc": "2.0", "id": 100, "method": "tools/call",
                "params": {"name": "cmos_verify", "arguments": {}}})
        .to_string(),
    );
    let line = s.read_raw();
    assert!(line.len() <= 24 * 1024, "the reply is {} bytes", line.len());
    let reply: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(reply["result"]["isError"], true);
    let envelope = &reply["result"]["structuredContent"];
    let problems = envelope["error"]["problems"].as_array().unwrap();
    assert!(!problems.is_empty() && problems.len() < 500);
    s.still_serving();
}

/// A valid value for a property of a published schema, for calls that must get past the
/// required arguments to the one under test.
fn sample(schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("string") => schema["enum"].get(0).cloned().unwrap_or(json!("x")),
        Some("integer") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        _ => json!({}),
    }
}

/// Every word list a tool advertises, top-level or inside `fields`: (argument, words,
/// arguments with "bogus" there and every required argument given).
fn word_lists(tool: &Value) -> Vec<(String, Vec<String>, Value)> {
    let schema = &tool["inputSchema"];
    let mut base = json!({});
    for key in schema["required"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        base[key] = sample(&schema["properties"][key]);
    }
    let mut lists = Vec::new();
    let mut add = |name: String, property: &Value, path: &[&str]| {
        if let Some(words) = property["enum"].as_array() {
            let words = words
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect();
            let mut arguments = base.clone();
            match path {
                [key] => arguments[*key] = json!("bogus"),
                [outer, key] => arguments[*outer] = json!({*key: "bogus"}),
                _ => unreachable!(),
            }
            lists.push((name, words, arguments));
        }
    };
    for (key, property) in schema["properties"].as_object().unwrap() {
        add(key.clone(), property, &[key]);
        for (inner, nested) in property["properties"].as_object().into_iter().flatten() {
            add(format!("{key}.{inner}"), nested, &[key, inner]);
        }
    }
    lists
}

/// `cmos_constraints {action: "bogus"}` listed the constraints, and `cmos_kb_search` with an
/// unknown kind found nothing: the schemas advertised word lists that nothing enforced.
#[test]
fn test_mcp_unknown_action_or_kind_is_refused_naming_the_allowed_words_instead_of_listing() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["constraint", "add", "Keep the tests hermetic"]);
    let tip = repo.tip();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    let (failed, refused) = s.call("cmos_constraints", json!({"action": "bogus"}));
    assert!(failed, "{refused:#}");
    assert_eq!(refused["error"]["code"], "invalid_input");
    assert_eq!(
        refused["error"]["message"],
        "argument action must be one of list, archive, not \"bogus\""
    );
    let (failed, refused) = s.call("cmos_kb_search", json!({"query": "tests", "kind": "doc2"}));
    assert!(failed, "{refused:#}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("argument kind must be one of doc, mission"),
        "{message}"
    );
    // The words are compared as the CLI compares them: case and separators aside.
    let listed = s.ok("cmos_constraints", json!({"action": "LIST"}));
    assert_eq!(listed["items"][0]["text"], "Keep the tests hermetic");
    assert_eq!(repo.tip(), tip);
}

/// Every word list in tools/list is enforced: an unknown word is an invalid_input error that
/// names the argument and every allowed word, and nothing reaches the branch.
#[test]
fn test_mcp_every_advertised_word_list_refuses_an_unknown_word() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let tip = repo.tip();
    // The granular tools, each of which takes every word list it publishes (a consolidated
    // tool's lists belong to its actions: tests/mcp_generations.rs).
    let mut s = Server::start(&repo.home, &repo.path, &["--tools", "granular"]);
    let listed = s.request("tools/list", json!({}));
    let mut checked = Vec::new();
    for tool in listed["result"]["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        for (argument, words, arguments) in word_lists(tool) {
            let (failed, refused) = s.call(name, arguments.clone());
            assert!(failed, "{name} {arguments}: {refused:#}");
            assert_eq!(
                refused["error"]["code"], "invalid_input",
                "{name}: {refused:#}"
            );
            let message = refused["error"]["message"].as_str().unwrap();
            assert_eq!(
                message,
                format!(
                    "argument {argument} must be one of {}, not \"bogus\"",
                    words.join(", ")
                ),
                "{name}"
            );
            checked.push(format!("{name}.{argument}"));
        }
    }
    for expected in [
        "cmos_mission_list.status",
        "cmos_mission_update.status",
        "cmos_mission_update.fields.status",
        "cmos_mission_unblock.targetStatus",
        "cmos_mission_depends.type",
        "cmos_sprint_update.fields.status",
        "cmos_session_start.type",
        "cmos_session_list.type",
        "cmos_session_capture.category",
        "cmos_constraints.action",
        "cmos_next_steps.action",
        "cmos_kb_search.kind",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected}: {checked:?}"
        );
    }
    assert_eq!(repo.tip(), tip, "nothing refused reached the branch");
}

/// `cmos_sprint_update {status: "Planned"}` wrote the other fields, then refused the status:
/// Planned is not a word the tool takes, so the call is refused before anything is written.
#[test]
fn test_mcp_sprint_update_to_planned_is_refused_before_any_field_is_written() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    let (failed, refused) = s.call(
        "cmos_sprint_update",
        json!({"sprintId": "S1", "title": "Renamed", "status": "Planned"}),
    );
    assert!(failed, "{refused:#}");
    assert_eq!(
        refused["error"]["message"],
        "argument status must be one of Active, Completed, not \"Planned\""
    );
    assert_eq!(repo.tip(), tip);
    assert_eq!(
        repo.json(&["sprint", "show", "S1"])["title"],
        "First sprint"
    );
}

/// Wrong types and missing arguments get the errors args.rs gave, nested ones named with
/// their place; unknown arguments, nested ones too, are ignored with a warning.
#[test]
fn test_mcp_wrong_types_name_the_argument_and_unknown_ones_warn() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    for (tool, arguments, message) in [
        (
            "cmos_mission_show",
            json!({"missionId": 5}),
            "argument missionId must be a string, not 5",
        ),
        ("cmos_mission_add", json!({}), "argument name is required"),
        (
            "cmos_mission_list",
            json!({"limit": 0}),
            "argument limit must be between 1 and 100, not 0",
        ),
        (
            "cmos_mission_complete",
            json!({"promote": "yes"}),
            "argument promote must be true or false, not \"yes\"",
        ),
        (
            "cmos_mission_update",
            json!({"missionId": "A1", "fields": {"rank": "high"}}),
            "argument fields.rank must be a whole number, not \"high\"",
        ),
        (
            "cmos_mission_update",
            json!({"missionId": "A1", "fields": "name=x"}),
            "argument fields must be an object, not \"name=x\"",
        ),
        (
            "cmos_mission_block",
            json!({"reason": "r", "blockers": [1]}),
            "argument blockers must be a list of strings, not 1",
        ),
        (
            "cmos_session_list",
            json!({"since": "yesterday"}),
            "argument since: ",
        ),
    ] {
        let (failed, refused) = s.call(tool, arguments);
        assert!(failed, "{tool}: {refused:#}");
        assert_eq!(
            refused["error"]["code"], "invalid_input",
            "{tool}: {refused:#}"
        );
        let got = refused["error"]["message"].as_str().unwrap();
        assert!(got.starts_with(message), "{tool}: {got}");
    }
    let (failed, updated) = s.call(
        "cmos_mission_update",
        json!({"missionId": "A1", "name": "Top", "fields": {"name": "Nested", "colour": "red"}, "bogus": 1}),
    );
    assert!(!failed, "{updated:#}");
    assert_eq!(
        updated["data"]["name"], "Nested",
        "fields win over the top level"
    );
    let warnings: Vec<&str> = updated["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "argument fields.colour is not a parameter of cmos_mission_update and was ignored",
            "argument bogus is not a parameter of cmos_mission_update and was ignored",
        ],
        "in the order given"
    );
}

/// `cmos verify --ref` works in a repository with no cmos branch; `cmos_verify` refused there
/// (it read the local branch for its instructions). Both front-ends now wrap the one
/// operation the same way: same data, same warnings, same errors.
#[test]
fn test_mcp_verify_without_a_project_answers_as_the_cli_does() {
    let other = Repo::new();
    other.init();
    other.ok(&["mission", "add", "A1", "First"]);
    let repo = Repo::new();
    let source = other.path.to_str().unwrap();
    repo.git(&["fetch", "-q", source, "cmos:refs/heads/pr"]);
    assert_eq!(repo.tip(), None, "no project here");

    let cli = repo.envelope(&["verify", "--ref", "pr"]);
    assert_eq!(cli["ok"], true, "{cli:#}");
    let mut s = Server::start(&repo.home, &repo.path, &[]);
    let (failed, mcp) = s.call("cmos_verify", json!({"ref": "pr"}));
    assert!(!failed, "{mcp:#}");
    assert_eq!(mcp["data"], cli["data"]);
    assert_eq!(mcp["warnings"], cli["warnings"]);

    let (_, cli_error) = repo.fails(&["verify"]);
    let (failed, mcp_error) = s.call("cmos_verify", json!({}));
    assert!(failed);
    assert_eq!(mcp_error["error"]["code"], cli_error["code"]);
    assert_eq!(mcp_error["error"]["code"], "not_initialized");
    assert_eq!(repo.tip(), None, "verify wrote nothing");
}
