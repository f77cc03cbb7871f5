//! Front-end-neutral messages: the library says what is wrong in domain words and carries
//! what to do as typed inputs and actions; the MCP server names them as parameters and tool
//! calls, the CLI as flags and commands. An agent over MCP never reads a CLI flag or a `cmos
//! <verb>` command, and a person at the terminal still does.

mod common;

use clap::CommandFactory;
use common::Repo;
use serde_json::{Value, json};

/// One call of the scenario: a tool, its arguments, and whether it should fail.
struct Call {
    tool: &'static str,
    arguments: Value,
    fails: bool,
}

fn ok(tool: &'static str, arguments: Value) -> Call {
    Call {
        tool,
        arguments,
        fails: false,
    }
}

fn err(tool: &'static str, arguments: Value) -> Call {
    Call {
        tool,
        arguments,
        fails: true,
    }
}

/// Runs `cmos mcp` in `repo` over every call at once and returns each reply line with its
/// call; the server answers in order and stops at the end of its input.
fn serve(repo: &Repo, calls: &[Call]) -> Vec<String> {
    let calls: Vec<(&str, &Value)> = calls.iter().map(|c| (c.tool, &c.arguments)).collect();
    repo.mcp_session(&["--tools", "all"], &calls)
}

/// The CLI's top-level verbs: `cmos mission`, `cmos init`, ...
fn cli_verbs() -> Vec<String> {
    cmos::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The CLI words in `text`: flags (`--reason`) and commands (`cmos mission start`).
fn cli_words(text: &str, verbs: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices("--") {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 2).copied();
        let starts_word = before.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'-');
        if starts_word && after.is_some_and(|b| b.is_ascii_lowercase()) {
            found.push(text[at..].chars().take(20).collect());
        }
    }
    for (at, _) in text.match_indices("cmos ") {
        let rest = &text[at + 5..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        if verbs.contains(&word) {
            found.push(format!("cmos {word}"));
        }
    }
    found
}

/// The parameter names of each tool, from tools/list.
fn parameters(listing: &Value, tool: &str) -> Vec<String> {
    listing["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap_or_else(|| panic!("no tool {tool}"))["inputSchema"]["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

/// Checks that a suggested tool call names a real tool with real parameters.
fn check_call(listing: &Value, call: &str) {
    let (tool, arguments) = call
        .split_once(' ')
        .unwrap_or_else(|| panic!("a tool call is a name and arguments: {call}"));
    let arguments: Value = serde_json::from_str(arguments)
        .unwrap_or_else(|e| panic!("arguments of {call} are not JSON: {e}"));
    let known = parameters(listing, tool);
    for key in arguments.as_object().expect("an object").keys() {
        assert!(known.contains(key), "{call}: {tool} has no parameter {key}");
    }
}

#[test]
fn test_mcp_replies_name_no_cli_flag_or_command() {
    let repo = Repo::new();
    let calls = vec![
        // No project yet: every tool says to start one.
        err("cmos_mission_status", json!({})),
        err("cmos_mission_next", json!({})),
        ok(
            "cmos_project_init",
            json!({"projectName": "demo", "sprintId": "S1", "sprintTitle": "First"}),
        ),
        // Again, with a sprint: the project stands, the sprint was not made (a warning).
        ok(
            "cmos_project_init",
            json!({"sprintId": "S2", "sprintTitle": "Second"}),
        ),
        ok(
            "cmos_mission_add",
            json!({"missionId": "B1", "name": "Build"}),
        ),
        ok(
            "cmos_mission_add",
            json!({"missionId": "B2", "name": "Research"}),
        ),
        err(
            "cmos_mission_add",
            json!({"missionId": "B1", "name": "Again"}),
        ),
        ok("cmos_mission_status", json!({})),
        ok("cmos_mission_next", json!({})),
        ok("cmos_mission_list", json!({"status": "Queued"})),
        err("cmos_mission_show", json!({"missionId": "nope"})),
        // No mission named and none active in this worktree.
        err("cmos_mission_complete", json!({})),
        err("cmos_mission_show", json!({})),
        ok("cmos_mission_start", json!({"missionId": "B1"})),
        err("cmos_mission_start", json!({"missionId": "B1"})),
        err(
            "cmos_mission_update",
            json!({"missionId": "B1", "status": "Blocked"}),
        ),
        err("cmos_mission_update", json!({"missionId": "B1"})),
        err(
            "cmos_mission_depends",
            json!({"fromId": "B1", "toId": "B1"}),
        ),
        ok(
            "cmos_mission_block",
            json!({"reason": "waiting on the API", "blockers": ["keys"]}),
        ),
        ok("cmos_mission_show", json!({"missionId": "B1"})),
        ok("cmos_mission_unblock", json!({"resolution": "keys came"})),
        // Sessions: capture and complete need an open one; one at a time.
        err(
            "cmos_session_capture",
            json!({"category": "learning", "content": "x"}),
        ),
        err("cmos_session_complete", json!({})),
        ok(
            "cmos_session_start",
            json!({"type": "build", "title": "Build it", "missionId": "B1"}),
        ),
        err(
            "cmos_session_start",
            json!({"type": "build", "title": "Another"}),
        ),
        ok(
            "cmos_session_capture",
            json!({"category": "decision", "content": "Use TOML\nBecause diffs read well"}),
        ),
        ok("cmos_session_resume", json!({})),
        err("cmos_session_complete", json!({})),
        err("cmos_session_show", json!({"sessionId": "nope"})),
        // Sprints.
        err("cmos_sprint_update", json!({"sprintId": "S1"})),
        err(
            "cmos_sprint_update",
            json!({"sprintId": "S1", "status": "Completed"}),
        ),
        err("cmos_sprint_show", json!({"sprintId": "nope"})),
        ok("cmos_sprint_list", json!({})),
        // Knowledge.
        ok(
            "cmos_decisions_record",
            json!({"decision": "Keep it small", "rationale": "less to break"}),
        ),
        err("cmos_decisions_show", json!({"decisionId": "nope"})),
        err(
            "cmos_constraints",
            json!({"action": "archive", "constraintId": "nope"}),
        ),
        ok("cmos_next_steps", json!({})),
        ok("cmos_agent_onboard", json!({})),
        ok("cmos_context_view", json!({})),
        // Review and sharing.
        err("cmos_research_export", json!({"missionId": "B2"})),
        err("cmos_history", json!({"missionId": "nope"})),
        err("cmos_diff", json!({"from": "nope"})),
        err("cmos_sync", json!({})),
        ok("cmos_verify", json!({})),
        ok("cmos_log", json!({})),
        // An argument no tool has: ignored with a warning.
        ok("cmos_mission_status", json!({"verbose": true})),
        ok(
            "cmos_session_complete",
            json!({"summary": "built it", "nextSteps": ["ship it"]}),
        ),
        ok("cmos_session_resume", json!({})),
    ];
    let lines = serve(&repo, &calls);
    let verbs = cli_verbs();
    assert!(verbs.contains(&"mission".to_string()), "{verbs:?}");
    let listing: Value = serde_json::from_str(&lines[1]).expect("tools/list");
    let mut saw = (0, 0, 0);
    for (n, call) in calls.iter().enumerate() {
        let line = &lines[n + 2];
        let reply: Value = serde_json::from_str(line).expect("a JSON reply");
        let envelope = &reply["result"]["structuredContent"];
        assert_eq!(
            envelope["ok"], !call.fails,
            "{} {}: {envelope:#}",
            call.tool, call.arguments
        );
        let words = cli_words(line, &verbs);
        assert!(
            words.is_empty(),
            "{} {} named CLI words {words:?}: {envelope:#}",
            call.tool,
            call.arguments
        );
        for suggested in envelope["instructions"]["suggested_commands"]
            .as_array()
            .expect("suggested commands")
        {
            check_call(&listing, suggested.as_str().expect("a string"));
            saw.0 += 1;
        }
        if let Some(inputs) = envelope["error"]["inputs"].as_array() {
            let known = parameters(&listing, call.tool);
            for input in inputs {
                let input = input.as_str().expect("a string");
                assert!(
                    known.contains(&input.to_string()),
                    "{}: the error names input {input}, which the tool does not take: {envelope:#}",
                    call.tool
                );
                saw.1 += 1;
            }
        }
        if call.fails && envelope["error"]["hint"].is_string() {
            saw.2 += 1;
        }
    }
    assert!(
        saw.0 > 20 && saw.1 >= 5 && saw.2 >= 15,
        "the scenario exercised suggestions, inputs and hints: {saw:?}"
    );
}

#[test]
fn test_mcp_errors_name_parameters_and_tool_calls() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Build"]);
    let calls = vec![
        err(
            "cmos_mission_update",
            json!({"missionId": "B1", "status": "Blocked"}),
        ),
        err("cmos_mission_show", json!({"missionId": "nope"})),
        err("cmos_session_complete", json!({})),
    ];
    let lines = serve(&repo, &calls);
    let envelope = |n: usize| -> Value {
        let reply: Value = serde_json::from_str(&lines[n + 2]).unwrap();
        reply["result"]["structuredContent"].clone()
    };
    let blocked = envelope(0);
    assert_eq!(
        blocked["error"]["message"],
        "blocking mission B1 needs a reason: block it, saying why"
    );
    assert_eq!(
        blocked["instructions"]["suggested_commands"][0],
        r#"cmos_mission_block {"missionId":"B1","reason":"<reason>"}"#
    );
    let missing = envelope(1);
    assert_eq!(
        missing["error"]["hint"],
        "check the id against the list of missions; call cmos_mission_list {}"
    );
    let unsummarised = envelope(2);
    assert_eq!(unsummarised["error"]["inputs"], json!(["summary", "force"]));
    assert_eq!(
        unsummarised["error"]["hint"],
        "give one of the arguments summary or force=true"
    );
}

#[test]
fn test_cli_errors_still_name_flags_and_commands() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Build"]);

    let out = repo.cmos(&["mission", "update", "B1", "--status", "blocked"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("run `cmos mission block B1 --reason TEXT`"),
        "{stderr}"
    );

    let out = repo.cmos(&["session", "complete"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pass --summary TEXT or --force"),
        "{stderr}"
    );

    let envelope = repo.envelope(&["mission", "show", "nope"]);
    assert_eq!(
        envelope["error"]["hint"],
        "check the id against the list of missions; run `cmos mission list`"
    );
    assert_eq!(
        envelope["instructions"]["suggested_commands"],
        json!(["cmos mission list"])
    );

    let (_, error) = repo.fails(&["session", "complete"]);
    assert_eq!(error["inputs"], json!(["--summary TEXT", "--force"]));

    let (_, error) = repo.fails(&["sprint", "update", "S1"]);
    assert_eq!(
        error["hint"],
        "pass --title TITLE, --focus TEXT, --start DATE or --end DATE"
    );
}

#[test]
fn test_cli_warnings_and_instructions_still_name_commands() {
    let repo = Repo::new();
    repo.init();
    let envelope = repo.envelope(&["init", "--sprint", "S9", "--sprint-title", "Later"]);
    let warnings = envelope["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .ends_with("; run `cmos sprint add SPRINT --title TITLE`")),
        "{warnings:?}"
    );
    repo.ok(&["mission", "add", "B1", "Build"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&["mission", "block", "B1", "--reason", "waiting"]);
    repo.ok(&["session", "start", "--type", "build", "--title", "Work"]);
    let envelope = repo.envelope(&["status"]);
    let suggested = &envelope["instructions"]["suggested_commands"];
    for command in [
        "cmos session complete --summary TEXT --next-step TEXT",
        "cmos mission unblock B1",
    ] {
        assert!(
            suggested.as_array().unwrap().iter().any(|c| c == command),
            "{command} in {suggested:#}"
        );
    }
    let resumed = repo.envelope(&["session", "resume"]);
    assert_eq!(
        resumed["instructions"]["suggested_commands"][0],
        "cmos session complete --summary TEXT --next-step TEXT"
    );
}

/// Lines of the library outside the front-ends that may name the CLI: text that is a command
/// (the hook shims, a commit message, file headers) or that is written for people and agents
/// alike and names both (the AGENTS.md section).
const MAY_NAME_THE_CLI: &[(&str, &str)] = &[
    ("src/ops/hooks.rs", "cmos hook run"),
    ("src/ops/agents.rs", ""),
    ("src/ops/sync.rs", "\"cmos sync: fast-forward"),
    // The agent recorded on the conflicts a merge resolved: a name, not a command line.
    ("src/merge/mod.rs", "agent: \"cmos merge\""),
    ("src/store/git_program.rs", ""),
];

/// Every string of the library outside `cli/` and `mcp/`, checked for CLI flags and `cmos
/// <verb>` commands: a message that names them reaches agents over MCP, where they mean
/// nothing. Typed inputs and actions (`next::Input`, `next::Action`) carry the how instead.
#[test]
fn test_library_messages_name_no_cli_flag_or_command() {
    let verbs = cli_verbs();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("an entry").path();
            let relative = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if relative == "cli" || relative == "mcp" {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else if relative.ends_with(".rs") && path.file_name() != Some("tests.rs".as_ref()) {
                // A `tests.rs` is a module of unit tests (`#[cfg(test)] mod tests;`).
                files.push((format!("src/{relative}"), path));
            }
        }
    }
    assert!(
        files.len() > 50,
        "found the library's files: {}",
        files.len()
    );
    let mut found = Vec::new();
    for (name, path) in files {
        let text = std::fs::read_to_string(&path).expect("read a source file");
        // Unit tests may spell anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") || !line.contains('"') {
                continue;
            }
            let allowed = MAY_NAME_THE_CLI
                .iter()
                .any(|(file, part)| *file == name && line.contains(part));
            let words = cli_words(line, &verbs);
            if !words.is_empty() && !allowed {
                found.push(format!("{name}:{}: {words:?}: {}", n + 1, trimmed));
            }
        }
    }
    assert!(
        found.is_empty(),
        "library strings name CLI flags or commands:\n{}",
        found.join("\n")
    );
}
