//! The original CMOS's MCP calls replayed: tests/fixtures/original/mcp_calls.jsonl holds one
//! call per line of every granular tool (its "G3" set) and every action of its consolidated
//! tools ("G4"), with the original's parameter names and values, and what the original's
//! result held (`fields`, some with `values`) or "refused" for what only its hosted dashboard
//! or SQLite file did. The whole file runs in one MCP session over a real repository, and
//! every call that does not answer as expected is reported together.

mod common;

use common::Repo;
use serde_json::Value;

/// The value at a dotted path (`summary.activeCount`, `missions.0.id`).
fn at<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(data, |value, key| match value {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|n| items.get(n)),
        Value::Object(map) => map.get(key),
        _ => None,
    })
}

/// What is wrong with one reply, if anything.
fn problems(expect: &Value, failed: bool, envelope: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if expect == "refused" {
        if !failed || envelope["error"]["code"] != "refused" {
            found.push(format!("expected a refusal, got {envelope}"));
        } else if !envelope["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not available in a git-native project")
        {
            found.push(format!("the refusal does not say why: {envelope}"));
        }
        return found;
    }
    // A call that reaches a cmos tool and is refused by it for what it names (an id the
    // fixture cannot know), not by the group.
    if let Some(code) = expect["error"].as_str() {
        if !failed || envelope["error"]["code"] != code {
            found.push(format!("expected error {code}, got {envelope}"));
        }
        return found;
    }
    if failed {
        return vec![format!("failed: {}", envelope["error"])];
    }
    let data = &envelope["data"];
    for field in expect["fields"].as_array().into_iter().flatten() {
        let field = field.as_str().expect("a field is a path");
        if at(data, field).is_none() {
            found.push(format!("no field {field}"));
        }
    }
    let values = expect["values"].as_object().into_iter().flatten();
    for (path, wanted) in values {
        let got = at(data, path).unwrap_or(&Value::Null);
        if got != wanted {
            found.push(format!("{path} is {got}, expected {wanted}"));
        }
    }
    let warnings = envelope["warnings"].to_string();
    for name in expect["warns"].as_array().into_iter().flatten() {
        let name = name.as_str().expect("a parameter name");
        if !warnings.contains(&format!("argument {name} ")) {
            found.push(format!("no warning names {name}: {warnings}"));
        }
    }
    found
}

#[test]
fn every_original_mcp_call_answers_with_the_originals_fields_or_a_clear_refusal() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/original/mcp_calls.jsonl"
    );
    let lines: Vec<Value> = std::fs::read_to_string(fixture)
        .expect("the fixture")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let calls: Vec<(&str, &Value)> = lines
        .iter()
        .map(|l| (l["tool"].as_str().expect("a tool"), &l["arguments"]))
        .collect();
    let repo = Repo::new();
    let replies = repo.mcp_session(&[], &calls);
    let mut failures = Vec::new();
    for (n, (line, reply)) in lines.iter().zip(&replies[2..]).enumerate() {
        let reply: Value = serde_json::from_str(reply).expect("a JSON reply");
        let result = &reply["result"];
        let failed = result["isError"] == true;
        for problem in problems(&line["expect"], failed, &result["structuredContent"]) {
            failures.push(format!(
                "line {} {} {}: {problem}",
                n + 1,
                line["tool"],
                line["arguments"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} calls did not answer as the original did:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}

/// The fixture calls every tool of both generations: a tool or action added to the original's
/// surface here without a line in the fixture fails this test.
#[test]
fn the_fixture_calls_every_tool_and_action_of_both_generations() {
    let fixture = include_str!("fixtures/original/mcp_calls.jsonl");
    let called: Vec<(String, String)> = fixture
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let l: Value = serde_json::from_str(l).unwrap();
            let action = l["arguments"]["action"].as_str().unwrap_or("").to_string();
            (l["tool"].as_str().unwrap().to_string(), action)
        })
        .collect();
    let granular = [
        "cmos_agent_onboard",
        "cmos_db_health",
        "cmos_project_init",
        "cmos_mission_status",
        "cmos_mission_list",
        "cmos_mission_show",
        "cmos_mission_add",
        "cmos_mission_update",
        "cmos_mission_start",
        "cmos_mission_complete",
        "cmos_mission_block",
        "cmos_mission_unblock",
        "cmos_mission_depends",
        "cmos_sprint_list",
        "cmos_sprint_show",
        "cmos_sprint_add",
        "cmos_sprint_update",
        "cmos_session_start",
        "cmos_session_capture",
        "cmos_session_complete",
        "cmos_session_list",
        "cmos_session_search",
        "cmos_context_view",
        "cmos_context_snapshot",
        "cmos_context_history",
        "cmos_context_update",
        "cmos_decisions_list",
        "cmos_decisions_search",
        "cmos_backlog_export",
        "cmos_resolve_references",
    ];
    for tool in granular {
        assert!(called.iter().any(|(t, _)| t == tool), "no call of {tool}");
    }
    // The original's consolidated tools and their actions (cmos-original.md §1.3).
    let groups = [
        (
            "cmos_mission",
            "list show status add update depends undepends",
        ),
        (
            "cmos_mission_transition",
            "start complete block unblock drop defer",
        ),
        (
            "cmos_sprint",
            "list show add update complete retro carry_forward analytics",
        ),
        (
            "cmos_context",
            "view update condense snapshot history next_steps constraints search",
        ),
        ("cmos_session", "list start capture complete search"),
        ("cmos_decisions", "list search update review batch_update"),
        ("cmos_learnings", "list search update reaffirm"),
        (
            "cmos_db",
            "health snapshot restore backfill reconcile purge identify_orphans pull clone",
        ),
        (
            "cmos_project",
            "init register list unregister validate prune update sweep",
        ),
        ("cmos_feedback", "list triage resolve archive"),
        (
            "cmos_auth",
            "rotate revoke list reissue login login_init login_complete logout",
        ),
        ("cmos_message", "send list get respond ack directory whoami"),
    ];
    for (tool, actions) in groups {
        for action in actions.split(' ') {
            assert!(
                called.iter().any(|(t, a)| t == tool && a == action),
                "no call of {tool} action {action}"
            );
        }
    }
    for tool in ["cmos_agent_onboard", "cmos_review", "cmos_status"] {
        assert!(called.iter().any(|(t, _)| t == tool), "no call of {tool}");
    }
}
