//! Both generations of the original CMOS's MCP tools, driven through `cmos mcp` over stdio:
//! the consolidated tools (`cmos_mission {"action": "add"}`) and the granular ones
//! (`cmos_mission_add`), which profile lists which, what the default listing costs an agent,
//! and the refusal of what only the original's hosted dashboard did.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// Runs `cmos mcp --tools <profile>` in `repo` over `calls` (tool, arguments) at once; returns
/// the tools/list result and each call's envelope with whether it was an error.
fn serve(repo: &Repo, profile: &str, calls: &[(&str, Value)]) -> (Vec<Value>, Vec<(bool, Value)>) {
    let args: &[&str] = if profile.is_empty() {
        &[]
    } else {
        &["--tools", profile]
    };
    let calls: Vec<(&str, &Value)> = calls.iter().map(|(tool, a)| (*tool, a)).collect();
    let lines: Vec<Value> = repo
        .mcp_session(args, &calls)
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON reply"))
        .collect();
    let listing = lines[1]["result"]["tools"]
        .as_array()
        .expect("tools")
        .clone();
    let replies = lines[2..]
        .iter()
        .map(|r| {
            let result = &r["result"];
            (
                result["isError"] == true,
                result["structuredContent"].clone(),
            )
        })
        .collect();
    (listing, replies)
}

fn names(listing: &[Value]) -> Vec<String> {
    listing
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// The default listing is the consolidated tools, and it fits in 4,000 tokens (counted as
/// characters / 4), because every schema costs the agent context on every turn.
#[test]
fn the_default_listing_is_the_consolidated_tools_within_4000_tokens() {
    let repo = Repo::new();
    repo.init();
    let (listing, _) = serve(&repo, "", &[]);
    let tokens = serde_json::to_string(&listing).unwrap().len() / 4;
    println!("the default tools/list is {tokens} tokens");
    assert!(tokens <= 4000, "the default tools/list is {tokens} tokens");
    assert_eq!(
        names(&listing),
        [
            "cmos_agent_onboard",
            "cmos_mission",
            "cmos_mission_transition",
            "cmos_sprint",
            "cmos_context",
            "cmos_session",
            "cmos_decisions",
            "cmos_learnings",
            "cmos_db",
            "cmos_project",
            "cmos_review",
        ]
    );
    let (explicit, _) = serve(&repo, "consolidated", &[]);
    assert_eq!(explicit, listing);
    let mission = &listing[1];
    let properties = mission["inputSchema"]["properties"].as_object().unwrap();
    // The original's parameter names, from the granular tools the actions run.
    for key in [
        "action",
        "missionId",
        "sprintId",
        "status",
        "name",
        "objective",
        "successCriteria",
        "deliverables",
        "fields",
        "fromId",
        "toId",
        "type",
    ] {
        assert!(properties.contains_key(key), "cmos_mission.{key}");
    }
    assert_eq!(mission["inputSchema"]["required"], json!(["action"]));
}

/// `--tools granular` lists one tool per operation with the original's granular names, and no
/// consolidated tool; `--tools all` lists both.
#[test]
fn granular_and_all_profiles_list_the_original_granular_names() {
    let repo = Repo::new();
    repo.init();
    let (granular, _) = serve(&repo, "granular", &[]);
    let granular = names(&granular);
    for original in [
        "cmos_db_health",
        "cmos_backlog_export",
        "cmos_resolve_references",
        "cmos_context_history",
        "cmos_decisions_list",
        "cmos_mission_status",
        "cmos_mission_depends",
        "cmos_session_capture",
        "cmos_sprint_update",
    ] {
        assert!(granular.iter().any(|n| n == original), "{original}");
    }
    assert!(!granular.iter().any(|n| n == "cmos_mission"));
    let (all, _) = serve(&repo, "all", &[]);
    let all = names(&all);
    assert!(all.iter().any(|n| n == "cmos_mission"));
    assert!(all.iter().any(|n| n == "cmos_db_health"));
    assert_eq!(
        all.iter().filter(|n| *n == "cmos_agent_onboard").count(),
        1,
        "listed once"
    );
    let refused = repo.cmos(&["mcp", "--tools", "some"]);
    assert_eq!(refused.status.code(), Some(2));
}

/// A whole piece of work through the consolidated tools, in the original's words, under the
/// granular profile (which does not list them): what each action did is on the branch.
#[test]
fn consolidated_actions_run_the_same_operations_whatever_the_profile() {
    let repo = Repo::new();
    repo.init();
    let calls = [
        (
            "cmos_sprint",
            json!({"action": "add", "sprintId": "S2", "title": "Sprint 02"}),
        ),
        (
            "cmos_mission",
            json!({"action": "add", "missionId": "B1", "name": "Build it", "sprintId": "S2",
                   "successCriteria": ["it builds"]}),
        ),
        (
            "cmos_mission",
            json!({"action": "add", "missionId": "B2", "name": "Ship it", "sprintId": "S2"}),
        ),
        (
            "cmos_mission",
            json!({"action": "depends", "fromId": "B2", "toId": "B1", "type": "requires"}),
        ),
        (
            "cmos_session",
            json!({"action": "start", "type": "build", "title": "Work"}),
        ),
        (
            "cmos_mission_transition",
            json!({"action": "Start", "missionId": "B1"}),
        ),
        (
            "cmos_session",
            json!({"action": "capture", "category": "constraint", "content": "Keep it hermetic"}),
        ),
        (
            "cmos_context",
            json!({"action": "constraints", "constraintAction": "list"}),
        ),
        (
            "cmos_mission_transition",
            json!({"action": "complete", "missionId": "B1", "notes": "done"}),
        ),
        ("cmos_mission", json!({"action": "status"})),
        (
            "cmos_mission",
            json!({"action": "list", "status": "Completed"}),
        ),
        ("cmos_db", json!({"action": "health"})),
        ("cmos_db", json!({"action": "export"})),
        ("cmos_backlog_export", json!({"format": "json"})),
        (
            "cmos_sprint",
            json!({"action": "complete", "sprintId": "S2", "forceComplete": true}),
        ),
        ("cmos_review", json!({})),
        // A granular tool, not listed under the consolidated profile either.
        ("cmos_mission_show", json!({"missionId": "B2"})),
    ];
    let (_, replies) = serve(&repo, "granular", &calls);
    for ((tool, arguments), (failed, envelope)) in calls.iter().zip(&replies) {
        assert!(!failed, "{tool} {arguments}: {envelope:#}");
    }
    let data = |n: usize| &replies[n].1["data"];
    assert_eq!(data(7)["items"][0]["text"], "Keep it hermetic");
    assert_eq!(data(10)["items"][0]["id"], "B1", "{:#}", data(10));
    assert_eq!(data(11)["connected"], true);
    assert_eq!(data(11)["missionCount"], 2);
    assert_eq!(data(12)["format"], "yaml");
    assert!(data(12)["content"].as_str().unwrap().contains("B2"));
    assert_eq!(data(13)["format"], "json");
    assert_eq!(data(13)["sprintCount"], 2);
    assert_eq!(data(13)["missionCount"], 2);
    assert!(data(13)["content"]["sprints"].is_array());
    let shown = repo.json(&["mission", "show", "B1"]);
    assert_eq!(shown["status"], "Completed", "{shown:#}");
    let sprints = repo.json(&["sprint", "list"]);
    assert!(
        sprints.to_string().contains("Completed"),
        "the sprint was completed: {sprints:#}"
    );
}

/// What the original did through its hosted dashboard (auth, messages, dashboard sync), or
/// with its SQLite file, is refused saying why, and nothing is written.
#[test]
fn test_hosted_dashboard_actions_are_refused_as_not_available_in_a_git_native_project() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let calls = [
        ("cmos_auth", json!({"action": "login"})),
        ("cmos_message", json!({"action": "send", "summary": "hi"})),
        ("cmos_db", json!({"action": "pull"})),
        ("cmos_status", json!({})),
        ("cmos_db", json!({"action": "snapshot"})),
        ("cmos_project", json!({"action": "register"})),
        ("cmos_context_update", json!({"mode": "aggregate"})),
    ];
    let (listing, replies) = serve(&repo, "all", &calls);
    let listed = names(&listing);
    for ((tool, arguments), (failed, envelope)) in calls.iter().zip(&replies) {
        assert!(failed, "{tool} {arguments}: {envelope:#}");
        assert_eq!(envelope["error"]["code"], "refused", "{envelope:#}");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not available in a git-native project"),
            "{message}"
        );
    }
    // Tools that only refuse are callable but cost no listing.
    for hosted in ["cmos_auth", "cmos_message", "cmos_status", "cmos_feedback"] {
        assert!(
            !listed.iter().any(|n| n == hosted),
            "{hosted} is not listed"
        );
    }
    assert_eq!(repo.tip(), tip, "nothing was written");
}

/// A consolidated tool called without an action, or with one it does not have, says which
/// actions there are; an argument of the action's tool is checked as that tool checks it.
#[test]
fn test_consolidated_tool_refuses_a_missing_or_unknown_action_naming_the_actions() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let calls = [
        ("cmos_mission_transition", json!({"missionId": "B1"})),
        (
            "cmos_mission_transition",
            json!({"action": "finish", "missionId": "B1"}),
        ),
        ("cmos_mission", json!({"action": "list", "status": "bogus"})),
        ("cmos_mission", json!({"action": "depends", "fromId": "B1"})),
    ];
    let (_, replies) = serve(&repo, "", &calls);
    let message = |n: usize| {
        let (failed, envelope) = &replies[n];
        assert!(failed, "{envelope:#}");
        assert_eq!(envelope["error"]["code"], "invalid_input", "{envelope:#}");
        envelope["error"]["message"].as_str().unwrap().to_string()
    };
    assert_eq!(
        message(0),
        "argument action is required: one of start, complete, block, unblock, drop, defer"
    );
    assert_eq!(
        message(1),
        "argument action must be one of start, complete, block, unblock, drop, defer, not \"finish\""
    );
    assert!(
        message(2).starts_with("argument status must be one of"),
        "{}",
        message(2)
    );
    assert_eq!(message(3), "argument toId is required");
    assert_eq!(repo.tip(), tip, "nothing was written");
}

/// The reference documents an import of the original kept (its reference_docs column, JSON
/// text) come back sorted into TraceLab references, web addresses and local paths.
#[test]
fn resolve_references_sorts_an_imported_missions_reference_docs() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "R1", "With references"]);
    let files = repo.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"]);
    let path = files
        .lines()
        .find(|p| p.ends_with("/R1.toml"))
        .expect("the mission's file")
        .to_string();
    let mut text = repo.show(&path);
    text.push_str(
        "\n[legacy]\nreference_docs = '[\"tracelab://document/d42/intro\", \"https://example.org/spec\", \"docs/design.md\"]'\n",
    );
    repo.edit_on_branch(&path, &text);
    let calls = [
        ("cmos_resolve_references", json!({"missionId": "R1"})),
        ("cmos_resolve_references", json!({"missionId": "NOPE"})),
    ];
    let (_, replies) = serve(&repo, "", &calls);
    let (failed, envelope) = &replies[0];
    assert!(!failed, "{envelope:#}");
    let data = &envelope["data"];
    assert_eq!(
        data["tracelabRefs"],
        json!([{"type": "document", "resourceId": "d42", "path": "intro"}])
    );
    assert_eq!(data["webUrls"], json!(["https://example.org/spec"]));
    assert_eq!(data["localDocs"], json!([{"path": "docs/design.md"}]));
    assert!(replies[1].0, "an unknown mission is an error");
}

/// Under the default profile what a result suggests calling is a listed consolidated tool and
/// its action; under the granular profile, the granular tool.
#[test]
fn suggested_calls_name_tools_the_profile_lists() {
    let repo = Repo::new();
    repo.init();
    let calls = [(
        "cmos_mission",
        json!({"action": "add", "missionId": "C1", "name": "Next up"}),
    )];
    let (_, replies) = serve(&repo, "", &calls);
    let suggested = &replies[0].1["instructions"]["suggested_commands"];
    assert_eq!(
        suggested[0], r#"cmos_mission_transition {"action":"start","missionId":"C1"}"#,
        "{suggested:#}"
    );
    let calls = [("cmos_mission_show", json!({"missionId": "C1"}))];
    let (_, replies) = serve(&repo, "granular", &calls);
    let suggested = &replies[0].1["instructions"]["suggested_commands"];
    assert_eq!(
        suggested[0], r#"cmos_mission_start {"missionId":"C1"}"#,
        "{suggested:#}"
    );
}

/// The tool names a text mentions (`cmos_…` words).
fn tools_named(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("cmos_"))
        .map(str::to_string)
        .collect()
}

/// cmos_agent_onboard's suggested actions and cmos_context_view's markdown named the granular
/// tools whatever the profile: under the default profile they named tools it does not list.
#[test]
fn test_onboard_and_context_markdown_name_the_tools_each_profile_lists() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Parse the config"]);
    for profile in ["", "granular", "all"] {
        let calls = [
            ("cmos_agent_onboard", json!({})),
            ("cmos_context_view", json!({})),
        ];
        let (listing, replies) = serve(&repo, profile, &calls);
        let listed = names(&listing);
        let onboard = &replies[0].1["data"];
        let suggested = onboard["suggestedActions"].to_string();
        let markdown = replies[1].1["data"]["markdown"]
            .as_str()
            .unwrap()
            .to_string();
        let named = [tools_named(&suggested), tools_named(&markdown)].concat();
        assert!(!named.is_empty(), "{profile}: no tool named in {suggested}");
        for tool in named {
            assert!(
                listed.contains(&tool),
                "profile {profile:?} does not list {tool}, which onboarding names"
            );
        }
    }
    let (_, replies) = serve(&repo, "", &[("cmos_agent_onboard", json!({}))]);
    let suggested = replies[0].1["data"]["suggestedActions"].to_string();
    assert!(
        suggested.contains(r#"cmos_session {\"action\":\"start\""#),
        "{suggested}"
    );
}

/// The original's `agent` names who acts for that call, and `page`/`pageSize` read a page:
/// both were dropped with a warning.
#[test]
fn test_original_agent_and_page_parameters_are_honoured_not_dropped() {
    let repo = Repo::new();
    repo.init();
    for id in ["A1", "A2", "A3"] {
        repo.ok(&["mission", "add", id, "Work"]);
    }
    let calls = [
        (
            "cmos_mission_start",
            json!({"missionId": "A1", "agent": "codex"}),
        ),
        ("cmos_mission_list", json!({"page": 2, "pageSize": 2})),
        ("cmos_mission_show", json!({"missionId": "A1"})),
    ];
    let (_, replies) = serve(&repo, "granular", &calls);
    for (failed, envelope) in &replies {
        assert!(!failed, "{envelope}");
        assert_eq!(envelope["warnings"], json!([]), "{envelope}");
    }
    assert_eq!(replies[1].1["data"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(replies[1].1["data"]["pagination"]["page"], 2);
    assert_eq!(replies[2].1["data"]["transitions"][0]["by"], "codex");
}

/// A parameter of the original's that cmos cannot honour is named in a warning that says why.
#[test]
fn test_original_parameter_cmos_cannot_honour_is_named_with_the_reason() {
    let repo = Repo::new();
    repo.init();
    let calls = [(
        "cmos_decisions",
        json!({"action": "list", "includeApproaching": true}),
    )];
    let (_, replies) = serve(&repo, "", &calls);
    let warnings = replies[0].1["warnings"].to_string();
    assert!(
        warnings.contains("argument includeApproaching (the original CMOS's) is ignored"),
        "{warnings}"
    );
    assert!(warnings.contains("review date"), "{warnings}");
}

/// The original's spellings cost the default listing nothing: the granular tool lists them,
/// the consolidated tool accepts them without listing them (and without a warning).
#[test]
fn original_spellings_are_listed_by_granular_tools_and_accepted_unlisted_by_consolidated_ones() {
    let repo = Repo::new();
    repo.init();
    let calls = [(
        "cmos_decisions",
        json!({"action": "list", "since": "2020-01-01T00:00:00Z", "domain": "api"}),
    )];
    let (listing, replies) = serve(&repo, "", &calls);
    let group = listing
        .iter()
        .find(|t| t["name"] == "cmos_decisions")
        .unwrap();
    assert!(group["inputSchema"]["properties"].get("since").is_none());
    assert!(!replies[0].0, "{}", replies[0].1);
    assert_eq!(replies[0].1["warnings"], json!([]), "{}", replies[0].1);
    let (listing, _) = serve(&repo, "granular", &[]);
    let tool = listing
        .iter()
        .find(|t| t["name"] == "cmos_decisions_list")
        .unwrap();
    for name in ["since", "until", "domain", "sprintId"] {
        assert!(
            tool["inputSchema"]["properties"].get(name).is_some(),
            "{name}"
        );
    }
}
