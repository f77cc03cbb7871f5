//! Policies on the branch (`cmos policy get|set|unset|list`, `cmos_policy`) and the routing
//! hint that a mission's complexity gets from them.

mod common;

use common::Repo;
use serde_json::{Value, json};

const FILE: &str = ".cmos/policy.toml";

fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "refs/heads/cmos"])
        .trim()
        .parse()
        .unwrap()
}

fn entry<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("{key} is not listed: {list:#}"))
}

#[test]
fn test_policy_set_get_list_unset_keep_who_and_when() {
    let repo = Repo::new();
    repo.init();
    let list = repo.json(&["policy", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 13);
    let cap = entry(&list, "limits.tool_cap");
    assert_eq!(
        (&cap["value"], &cap["source"]),
        (&json!(200), &json!("default"))
    );
    assert_eq!(entry(&list, "validation.auto_approve_min")["value"], 0.8);
    assert_eq!(entry(&list, "routing.complex")["value"], "premium");

    let before = commits(&repo);
    let set = repo.json(&["--agent", "ann", "policy", "set", "limits.tool_cap", "50"]);
    assert_eq!((&set["value"], &set["previous"]), (&json!(50), &json!(200)));
    assert_eq!(set["changed"], true);
    assert_eq!(commits(&repo), before + 1, "one commit per set");

    let got = repo.json(&["policy", "get", "limits.tool_cap"]);
    assert_eq!((&got["value"], &got["source"]), (&json!(50), &json!("set")));
    assert_eq!(got["set_by"], "ann");
    assert!(got["set_at"].as_str().unwrap().ends_with('Z'), "{got}");
    let text = repo.ok(&["policy", "get", "limits.tool_cap"]);
    assert!(
        text.starts_with("limits.tool_cap = 50 (set by ann at "),
        "{text}"
    );
    let listed = repo.ok(&["policy", "list"]);
    assert!(listed.contains("set by ann"), "{listed}");

    // The file is readable TOML, sections first, who/when beside them.
    let file = repo.show(FILE);
    assert!(file.contains("[limits]\ntool_cap = 50\n"), "{file}");
    assert!(
        file.contains("\"limits.tool_cap\" = { by = \"ann\""),
        "{file}"
    );

    // The window takes what people write; the file keeps seconds.
    let window = repo.json(&["policy", "set", "limits.loop_window_secs", "10m"]);
    assert_eq!(window["value"], 600);
    assert_eq!(
        repo.json(&["policy", "set", "limits.loop_window_secs", "90s"])["value"],
        90
    );
    let routed = repo.json(&["policy", "set", "routing.complex", "claude-opus-4"]);
    assert_eq!(routed["value"], "claude-opus-4");

    // Setting the same value again writes nothing and says so.
    let count = commits(&repo);
    let again = repo.envelope(&["policy", "set", "limits.tool_cap", "50"]);
    assert_eq!(again["data"]["changed"], false);
    assert!(
        again["warnings"][0].as_str().unwrap().contains("already"),
        "{again}"
    );
    assert_eq!(commits(&repo), count);

    let unset = repo.json(&["policy", "unset", "limits.tool_cap"]);
    assert_eq!(
        (&unset["value"], &unset["source"]),
        (&json!(200), &json!("default"))
    );
    assert_eq!(unset["previous"], 50);
    assert_eq!(commits(&repo), count + 1, "one commit per unset");
    let not_set = repo.envelope(&["policy", "unset", "limits.tool_cap"]);
    assert_eq!(not_set["data"]["changed"], false);
    assert_eq!(commits(&repo), count + 1);

    // Unsetting the last key removes the file.
    repo.ok(&["policy", "unset", "limits.loop_window_secs"]);
    repo.ok(&["policy", "unset", "routing.complex"]);
    let files = repo.git(&["ls-tree", "--name-only", "refs/heads/cmos", ".cmos/"]);
    assert!(!files.contains("policy.toml"), "{files}");
    repo.ok(&["verify"]);
}

#[test]
fn test_policy_set_refuses_every_bad_value_and_writes_nothing() {
    let repo = Repo::new();
    repo.init();
    let before = commits(&repo);
    for (key, value, says) in [
        ("validation.auto_approve_min", "1.5", "outside 0..1"),
        ("validation.auto_approve_min", "-0.1", "outside 0..1"),
        ("validation.auto_approve_min", "NaN", "outside 0..1"),
        ("validation.needs_review_min", "high", "not a number"),
        (
            "validation.needs_review_min",
            "0.9",
            "above validation.auto_approve_min",
        ),
        ("validation.require_scores", "maybe", "not true or false"),
        ("limits.tool_cap", "0", "the least is 1"),
        ("limits.tool_cap", "abc", "not a whole number"),
        ("limits.tool_cap", "-3", "not a whole number"),
        ("limits.tool_cap", "2.5", "not a whole number"),
        ("limits.loop_warn_at", "9", "above limits.loop_refuse_at"),
        ("limits.loop_refuse_at", "2", "above limits.loop_refuse_at"),
        ("limits.loop_window_secs", "soon", "not a span of time"),
        (
            "limits.loop_window_secs",
            "30d",
            "more than the most allowed",
        ),
        ("routing.complex", "rm -rf /", "never holds a command"),
        ("routing.simple", "$(curl evil)", "not a model name"),
        ("routing.standard", "", "1 to 64 characters"),
        (
            "limits.speed",
            "3",
            "the keys are validation.auto_approve_min",
        ),
    ] {
        let (code, error) = repo.fails(&["policy", "set", key, value]);
        assert_eq!(
            (code, &error["code"]),
            (2, &json!("invalid_input")),
            "{key}={value}"
        );
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{key}={value}: {message}");
    }
    let (_, error) = repo.fails(&["policy", "get", "routing.fancy"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("routing.complex")
    );
    assert_eq!(commits(&repo), before, "nothing was written");

    // Unsetting is checked as well: the default it returns to must fit the others.
    repo.ok(&["policy", "set", "validation.auto_approve_min", "0.95"]);
    repo.ok(&["policy", "set", "validation.needs_review_min", "0.9"]);
    let (_, error) = repo.fails(&["policy", "unset", "validation.auto_approve_min"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("needs_review_min (0.9) is above"),
        "{error}"
    );
}

#[test]
fn test_malformed_policy_file_is_reported_with_its_line_and_defaults_stay_in_force() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "Hard", "--complexity", "complex"]);
    repo.ok(&["policy", "set", "routing.complex", "opus"]);
    repo.edit_on_branch(
        FILE,
        "[limits]\ntool_cap = 10\n\n[routing]\ncomplex = \"opus\"\nsimple = 7\n",
    );
    // verify names the file and line.
    let (code, error) = repo.fails(&["verify"]);
    assert_eq!(code, 6, "{error}");
    let problem = &error["problems"][0];
    assert_eq!(
        (&problem["path"], &problem["line"]),
        (&json!(FILE), &json!(6))
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("routing.simple")
    );

    // Elsewhere: a warning, the defaults, and the command works.
    let listed = repo.envelope(&["policy", "list"]);
    assert_eq!(listed["ok"], true);
    let warning = listed["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains(".cmos/policy.toml:6:") && warning.contains("default policies"),
        "{warning}"
    );
    assert_eq!(entry(&listed["data"], "limits.tool_cap")["value"], 200);
    let next = repo.envelope(&["mission", "next"]);
    assert_eq!(
        next["data"]["routing"], "premium",
        "the default, not the file's"
    );
    assert!(
        next["warnings"][0]
            .as_str()
            .unwrap()
            .contains("policy file")
    );
    repo.ok(&["status"]);

    // Writing over it is refused (the hand edit is not dropped) until it is repaired.
    let (_, error) = repo.fails(&["policy", "set", "limits.tool_cap", "5"]);
    assert_eq!(error["code"], "corrupt", "{error}");
    assert!(repo.show(FILE).contains("simple = 7"));

    // A file that is not TOML at all, and one that is too large.
    repo.edit_on_branch(FILE, "[limits\ntool_cap = 1\n");
    let (_, error) = repo.fails(&["verify"]);
    assert_eq!(error["problems"][0]["line"], 1, "{error}");
    repo.edit_on_branch(FILE, &"# padding\n".repeat(8000));
    let (_, error) = repo.fails(&["verify"]);
    assert!(
        error["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("more than"),
        "{error}"
    );
    // Rules between keys in a hand edit are checked too.
    repo.edit_on_branch(FILE, "[limits]\nloop_warn_at = 8\n");
    let (_, error) = repo.fails(&["verify"]);
    assert_eq!(error["problems"][0]["line"], 2, "{error}");
    // Unknown sections and provenance of keys the file does not set.
    repo.edit_on_branch(FILE, "[hooks]\nrun = \"make\"\n\n[provenance]\n\"limits.tool_cap\" = { by = \"x\", at = \"2026-01-01T00:00:00Z\" }\n");
    let (_, error) = repo.fails(&["verify"]);
    let problems = error["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{error}");
    assert_eq!(
        (&problems[0]["line"], &problems[1]["line"]),
        (&json!(1), &json!(5))
    );
}

#[test]
fn test_mission_next_carries_the_routing_hint_of_each_complexity() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "Some work"]);
    let next = repo.envelope(&["mission", "next"]);
    assert!(next["data"].get("routing").is_none(), "{next}");
    assert!(!repo.show(".cmos/missions/").is_empty());
    let file = repo.git(&[
        "grep",
        "-l",
        "Some work",
        "refs/heads/cmos",
        "--",
        ".cmos/missions",
    ]);
    let path = file.trim().split_once(':').unwrap().1.to_string();
    assert!(
        !repo.show(&path).contains("complexity"),
        "written only when set"
    );

    for (complexity, hint) in [
        ("simple", "flash"),
        ("standard", "standard"),
        ("complex", "premium"),
    ] {
        repo.ok(&["mission", "update", "A1", "--complexity", complexity]);
        let next = repo.envelope(&["mission", "next"]);
        assert_eq!(next["data"]["complexity"], complexity);
        assert_eq!(next["data"]["routing"], hint);
        let actions = next["instructions"]["next_actions"].to_string();
        assert!(actions.contains(&format!("routing: {hint}")), "{actions}");
        let text = repo.ok(&["mission", "next"]);
        assert!(
            text.contains(&format!("routing: {hint} ({complexity})")),
            "{text}"
        );
    }
    assert!(repo.show(&path).contains("complexity = \"complex\""));
    let shown = repo.ok(&["mission", "show", "A1"]);
    assert!(shown.contains("Complexity  complex"), "{shown}");

    // Policy decides the hint.
    repo.ok(&["policy", "set", "routing.complex", "opus-4"]);
    assert_eq!(repo.json(&["mission", "next"])["routing"], "opus-4");
    repo.ok(&["mission", "update", "A1", "--no-complexity"]);
    assert!(repo.json(&["mission", "next"]).get("routing").is_none());
    let (_, error) = repo.fails(&["mission", "add", "A2", "x", "--complexity", "extreme"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("simple, standard, complex")
    );
}

fn call(replies: &[String], n: usize) -> Value {
    let reply: Value = serde_json::from_str(&replies[n + 2]).unwrap();
    reply["result"]["structuredContent"].clone()
}

#[test]
fn test_policy_and_complexity_over_mcp() {
    let repo = Repo::new();
    repo.init();
    let calls = [
        (
            "cmos_policy",
            json!({"action": "set", "key": "routing.simple", "value": "haiku"}),
        ),
        (
            "cmos_policy",
            json!({"action": "get", "key": "routing.simple"}),
        ),
        ("cmos_policy", json!({})),
        (
            "cmos_policy",
            json!({"action": "set", "key": "limits.tool_cap", "value": "0"}),
        ),
        (
            "cmos_policy",
            json!({"action": "set", "key": "limits.tool_cap"}),
        ),
        (
            "cmos_mission_add",
            json!({"missionId": "A1", "name": "Easy", "complexity": "simple"}),
        ),
        ("cmos_mission_next", json!({})),
        (
            "cmos_mission_update",
            json!({"missionId": "A1", "complexity": "complex"}),
        ),
        ("cmos_mission", json!({"action": "next"})),
        (
            "cmos_policy",
            json!({"action": "unset", "key": "routing.simple"}),
        ),
    ];
    let calls: Vec<(&str, &Value)> = calls.iter().map(|(t, a)| (*t, a)).collect();
    let replies = repo.mcp_session(&["--tools", "all"], &calls);
    assert_eq!(call(&replies, 0)["data"]["value"], "haiku");
    let got = call(&replies, 1)["data"].clone();
    assert_eq!(
        (&got["source"], &got["set_by"].is_string()),
        (&json!("set"), &true)
    );
    assert_eq!(call(&replies, 2)["data"].as_array().unwrap().len(), 13);
    let refused = call(&replies, 3);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the least is 1")
    );
    assert!(
        call(&replies, 4)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("value")
    );
    assert_eq!(call(&replies, 5)["data"]["complexity"], "simple");
    assert_eq!(call(&replies, 6)["data"]["routing"], "haiku");
    assert_eq!(call(&replies, 7)["data"]["complexity"], "complex");
    assert_eq!(call(&replies, 8)["data"]["routing"], "premium");
    assert_eq!(call(&replies, 9)["data"]["source"], "default");
}
