//! Checkpoints before completion through the real binary: checks configured in the
//! repository's git config run as real `sh -c` commands when a mission completes (those whose
//! paths the mission's commits touched, or the ones asked for), each result recorded as
//! evidence; a failing check refuses the completion with nothing written, or sends it to
//! review by policy; a check past its time limit is killed; nothing on a branch is ever run;
//! bad config is refused naming its key.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Repo;
use serde_json::{Value, json};

/// A project with B1 In Progress (started by alice) and B2 Queued, and a file where the
/// checks write that they ran (outside the work tree, so the tree stays clean).
fn b1_in_progress() -> (Repo, PathBuf) {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    repo.ok(&["mission", "add", "B2", "Second"]);
    repo.ok(&["--agent", "alice", "mission", "start", "B1"]);
    let log = repo.sibling("ran.log");
    (repo, log)
}

/// Sets `cmos.check.NAME.KEY` in the repository's own git config (`--add` for paths).
fn config(repo: &Repo, name: &str, key: &str, value: &str) {
    let key = format!("cmos.check.{name}.{key}");
    if key.ends_with(".paths") {
        repo.git(&["config", "--add", &key, value]);
    } else {
        repo.git(&["config", &key, value]);
    }
}

/// A check that appends its name to `log` and exits with `code`.
fn check(repo: &Repo, log: &Path, name: &str, paths: &[&str], code: i32) {
    let command = format!(
        "echo {name} >> '{}'; echo {name} says hello; exit {code}",
        log.display()
    );
    config(repo, name, "command", &command);
    for path in paths {
        config(repo, name, "paths", path);
    }
}

/// Commits `files` to the project and logs the commit against the active mission, as the
/// installed post-commit hook would.
fn commit(repo: &Repo, files: &[&str]) {
    for file in files {
        let path = repo.path.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, format!("{file}\n")).unwrap();
        repo.git(&["add", file]);
    }
    repo.git(&["commit", "-q", "-m", &format!("change {}", files.join(" "))]);
    repo.ok(&["hook", "run", "post-commit"]);
}

fn ran(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn complete(repo: &Repo, extra: &[&str]) -> Value {
    let mut args = vec!["--agent", "alice", "mission", "complete", "B1"];
    args.extend_from_slice(extra);
    repo.envelope(&args)
}

fn show(repo: &Repo) -> Value {
    repo.json(&["mission", "show", "B1"])
}

#[test]
fn test_a_passing_check_is_recorded_as_evidence_on_the_completed_mission() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/"], 0);
    commit(&repo, &["src/lib.rs"]);
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(envelope["data"]["to"], "Completed");
    let checks = envelope["data"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["name"], "unit");
    assert_eq!(checks[0]["passed"], true);
    assert_eq!(checks[0]["result"], "passed");
    assert_eq!(checks[0]["output_tail"], "unit says hello");
    assert!(checks[0]["duration_ms"].is_u64());
    assert_eq!(ran(&log), ["unit"]);
    let b1 = show(&repo);
    assert_eq!(b1["status"], "Completed");
    let evidence = b1["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{b1:#}");
    let text = evidence[0].as_str().unwrap();
    assert!(
        text.starts_with("check unit passed (") && text.ends_with("unit says hello"),
        "{text}"
    );
    assert!(
        !text.contains("ran.log"),
        "the local command stays local: {text}"
    );
    // The human output shows each check before the move.
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 0);
    commit(&repo, &["src/lib.rs"]);
    let out = repo.ok(&["mission", "complete", "B1"]);
    assert!(out.contains("PASS check unit passed"), "{out}");
    assert!(out.contains("In Progress → Completed"), "{out}");
}

#[test]
fn test_a_failing_check_refuses_the_completion_and_writes_nothing() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 3);
    commit(&repo, &["src/lib.rs"]);
    let before = repo.tip();
    let envelope = complete(&repo, &["--validation-score", "0.95"]);
    assert_eq!(envelope["ok"], false, "{envelope:#}");
    assert_eq!(envelope["error"]["code"], "refused");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("check unit failed with exit code 3"),
        "{message}"
    );
    assert!(
        message.contains("unit says hello"),
        "the output's tail: {message}"
    );
    assert!(
        envelope["error"]["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("cmos check run"),
        "{envelope:#}"
    );
    assert_eq!(repo.tip(), before, "nothing written");
    assert_eq!(ran(&log), ["unit"]);
    let b1 = show(&repo);
    assert_eq!(b1["status"], "In Progress");
    assert!(
        b1.get("evidence")
            .is_none_or(|e| e.as_array().unwrap().is_empty())
    );
    // The exit code is a refusal's.
    let out = repo.cmos(&["mission", "complete", "B1"]);
    assert_eq!(out.status.code(), Some(5));
}

#[test]
fn test_with_the_review_policy_a_failing_check_holds_the_mission_for_a_person() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 1);
    commit(&repo, &["src/lib.rs"]);
    repo.ok(&["policy", "set", "validation.failed_check", "review"]);
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(envelope["data"]["to"], "In Progress");
    assert_eq!(envelope["data"]["approval_state"], "needs_review");
    assert_eq!(envelope["data"]["checks"][0]["passed"], false);
    let warnings = envelope["warnings"].to_string();
    assert!(warnings.contains("waits for review"), "{warnings}");
    let b1 = show(&repo);
    assert_eq!(b1["status"], "In Progress");
    assert_eq!(b1["approval_state"], "needs_review");
    assert!(
        b1["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("check unit failed with exit code 1"),
        "{b1:#}"
    );
    // The one who completed it may not approve it; someone else may.
    let (_, err) = repo.fails(&["--agent", "alice", "mission", "approve", "B1"]);
    assert_eq!(err["code"], "refused");
    repo.ok(&["--agent", "bob", "mission", "approve", "B1"]);
    assert_eq!(show(&repo)["status"], "Completed");

    // A score the gate refuses is refused all the same (the gate records it).
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 1);
    commit(&repo, &["src/lib.rs"]);
    repo.ok(&["policy", "set", "validation.failed_check", "review"]);
    let envelope = complete(&repo, &["--validation-score", "0.3"]);
    assert_eq!(envelope["ok"], false, "{envelope:#}");
    assert_eq!(show(&repo)["approval_state"], "rejected_by_gate");

    let (_, err) = repo.fails(&["policy", "set", "validation.failed_check", "ignore"]);
    assert!(
        err["message"].as_str().unwrap().contains("refuse, review"),
        "{err:#}"
    );
}

#[test]
fn test_a_check_past_its_time_limit_is_killed_and_reported() {
    let (repo, _) = b1_in_progress();
    let marker = repo.sibling("late.txt");
    // The shell's child goes on writing after the shell would be killed alone.
    let command = format!(
        "echo started; (sleep 2; touch '{}') & sleep 30",
        marker.display()
    );
    config(&repo, "slow", "command", &command);
    config(&repo, "slow", "timeout", "1");
    commit(&repo, &["src/lib.rs"]);
    let started = Instant::now();
    let envelope = complete(&repo, &[]);
    let took = started.elapsed();
    assert_eq!(envelope["ok"], false, "{envelope:#}");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("check slow timed out after 1 s and was killed"),
        "{message}"
    );
    assert!(message.contains("started"), "{message}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    // By hand: reported, exit 6, and the sleeping child was killed with its shell.
    let out = repo.cmos(&["--json", "check", "run", "slow"]);
    assert_eq!(out.status.code(), Some(6));
    let data: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["data"]["passed"], false);
    assert_eq!(data["data"]["results"][0]["result"], "timed_out");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !marker.exists(),
        "the command's children were killed with its shell"
    );
}

#[test]
fn test_touched_paths_choose_the_checks_a_completion_runs() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "src", &["src/**", "Cargo.toml"], 0);
    check(&repo, &log, "docs", &["docs/", "*.md"], 0);
    commit(&repo, &["src/main.rs"]);
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(ran(&log), ["src"], "the docs check is not run");
    let names: Vec<&Value> = envelope["data"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names, [&json!("src")]);

    // A mission with no logged commit touched nothing: no check runs, and it says so.
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "src", &["src/**"], 1);
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert!(ran(&log).is_empty());
    let warnings = envelope["warnings"].to_string();
    assert!(warnings.contains("no check ran"), "{warnings}");
}

#[test]
fn test_checks_none_all_and_names_override_the_touched_paths() {
    let setup = || {
        let (repo, log) = b1_in_progress();
        check(&repo, &log, "src", &["src/**"], 0);
        check(&repo, &log, "docs", &["docs/**"], 0);
        commit(&repo, &["src/main.rs"]);
        (repo, log)
    };
    let (repo, log) = setup();
    assert_eq!(complete(&repo, &["--checks", "none"])["ok"], true);
    assert!(ran(&log).is_empty());

    let (repo, log) = setup();
    assert_eq!(complete(&repo, &["--checks", "all"])["ok"], true);
    assert_eq!(ran(&log), ["src", "docs"]);

    let (repo, log) = setup();
    assert_eq!(complete(&repo, &["--checks", "docs"])["ok"], true);
    assert_eq!(ran(&log), ["docs"]);

    let (repo, log) = setup();
    assert_eq!(complete(&repo, &["--checks", "docs,src"])["ok"], true);
    assert_eq!(ran(&log), ["src", "docs"]);

    let (repo, log) = setup();
    let (_, err) = repo.fails(&["mission", "complete", "B1", "--checks", "all,docs"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("all stands alone"),
        "{err:#}"
    );
    let before = repo.tip();
    let envelope = complete(&repo, &["--checks", "lint"]);
    assert_eq!(envelope["error"]["code"], "invalid_input", "{envelope:#}");
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.contains("src, docs"), "{message}");
    assert!(ran(&log).is_empty());
    assert_eq!(repo.tip(), before);
}

#[test]
fn test_a_check_defined_on_a_branch_is_never_run() {
    let (repo, log) = b1_in_progress();
    let pwned = repo.sibling("pwned");
    let looks_like_config = format!(
        "[cmos \"check.evil\"]\n\tcommand = touch '{}'\n\tpaths = **\n",
        pwned.display()
    );
    // In the project's own files (as a pulled branch would bring them) ...
    std::fs::write(repo.path.join(".gitconfig"), &looks_like_config).unwrap();
    std::fs::create_dir_all(repo.path.join(".cmos")).unwrap();
    std::fs::write(repo.path.join(".cmos/checks.toml"), &looks_like_config).unwrap();
    commit(&repo, &[".gitconfig", ".cmos/checks.toml", "src/lib.rs"]);
    // ... and on the cmos branch.
    repo.edit_on_branch(".cmos/checks", &looks_like_config);
    assert_eq!(repo.json(&["check", "list"]), json!([]));
    let envelope = complete(&repo, &["--checks", "all"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert!(envelope["data"].get("checks").is_none(), "{envelope:#}");
    let (_, err) = repo.fails(&["check", "run", "evil"]);
    assert_eq!(err["code"], "invalid_input");
    assert!(!pwned.exists(), "nothing from a branch ran");
    assert!(ran(&log).is_empty());
}

#[test]
fn test_bad_check_config_is_refused_naming_the_key_and_nothing_is_written() {
    let cases = [
        (("unit", "tiemout", "5"), "cmos.check.unit.tiemout"),
        (("unit", "timeout", "forever"), "not a time limit"),
        (("unit", "timeout", "0"), "outside 1 second to 24 hours"),
        (("unit", "command", " "), "the command is empty"),
        (("unit", "paths", "/etc/**"), "absolute"),
    ];
    for ((name, key, value), expected) in cases {
        let (repo, log) = b1_in_progress();
        check(&repo, &log, "ok", &[], 0);
        if key != "command" {
            config(&repo, name, "command", "true");
        }
        config(&repo, name, key, value);
        commit(&repo, &["src/lib.rs"]);
        let before = repo.tip();
        let envelope = complete(&repo, &[]);
        assert_eq!(envelope["error"]["code"], "invalid_input", "{envelope:#}");
        let message = envelope["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{key}={value:?}: {message}");
        assert!(message.contains(".git/config"), "{message}");
        assert_eq!(repo.tip(), before, "nothing written");
        assert!(ran(&log).is_empty(), "no check ran");
        let (_, err) = repo.fails(&["check", "list"]);
        assert!(err["message"].as_str().unwrap().contains(expected));
        // Completing without checks still works, so bad config never locks work in.
        assert_eq!(complete(&repo, &["--checks", "none"])["ok"], true);
    }
    // A check without a command names the key it needs.
    let (repo, _) = b1_in_progress();
    config(&repo, "docs", "paths", "docs/**");
    let (_, err) = repo.fails(&["check", "list"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("cmos.check.docs.command"),
        "{err:#}"
    );
}

#[test]
fn test_check_list_and_run_by_hand() {
    let (repo, log) = b1_in_progress();
    assert_eq!(repo.json(&["check", "list"]), json!([]));
    let out = repo.ok(&["check", "list"]);
    assert!(out.contains("No checks are configured"), "{out}");
    check(&repo, &log, "unit", &["src/**"], 0);
    check(&repo, &log, "lint", &[], 2);
    config(&repo, "lint", "timeout", "2m");
    let list = repo.json(&["check", "list"]);
    assert_eq!(list[0]["name"], "unit");
    assert_eq!(list[0]["paths"], json!(["src/**"]));
    assert_eq!(list[0]["timeout_secs"], 600);
    assert_eq!(list[1]["timeout_secs"], 120);
    let human = repo.ok(&["check", "list"]);
    assert!(human.contains("(every path)"), "{human}");

    let passed = repo.json(&["check", "run", "unit"]);
    assert_eq!(passed["passed"], true);
    let out = repo.cmos(&["check", "run"]);
    assert_eq!(out.status.code(), Some(6));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PASS check unit passed"), "{text}");
    assert!(
        text.contains("FAIL check lint failed with exit code 2"),
        "{text}"
    );
    assert!(text.contains("  lint says hello"), "{text}");
    assert_eq!(ran(&log), ["unit", "unit", "lint"]);
    // Running checks records nothing.
    let before = repo.tip();
    repo.cmos(&["check", "run"]);
    assert_eq!(repo.tip(), before);
}

#[test]
fn test_check_output_is_escaped_and_bounded() {
    let (repo, _) = b1_in_progress();
    config(
        &repo,
        "noisy",
        "command",
        "i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; printf '\\r\\033[2J'; exit 1",
    );
    let data = repo.envelope(&["check", "run"]);
    let tail = data["data"]["results"][0]["output_tail"].as_str().unwrap();
    assert!(tail.len() <= 2100, "{}", tail.len());
    assert!(
        tail.contains("line 499") && !tail.contains("line 1\n"),
        "{tail}"
    );
    assert!(tail.ends_with("\\r\\e[2J"), "{tail}");
    assert!(!tail.contains('\u{1b}'));
    assert!(data["data"]["results"][0]["output_bytes"].as_u64().unwrap() > 4000);
}

#[test]
fn test_mcp_runs_checks_and_completes_with_them() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 0);
    commit(&repo, &["src/lib.rs"]);
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[
            ("cmos_check", &json!({"action": "list"})),
            ("cmos_check", &json!({"action": "run", "names": ["unit"]})),
            (
                "cmos_mission_complete",
                &json!({"missionId": "B1", "checks": ["all"]}),
            ),
        ],
    );
    let result = |line: &str| -> Value {
        let reply: Value = serde_json::from_str(line).unwrap();
        let text = reply["result"]["content"][0]["text"].as_str().unwrap();
        serde_json::from_str(text).unwrap()
    };
    let listed = result(&lines[2]);
    assert_eq!(listed["data"][0]["name"], "unit", "{listed:#}");
    let ran_now = result(&lines[3]);
    assert_eq!(ran_now["data"]["passed"], true, "{ran_now:#}");
    let completed = result(&lines[4]);
    assert_eq!(completed["data"]["to"], "Completed", "{completed:#}");
    assert_eq!(completed["data"]["checks"][0]["passed"], true);
    assert_eq!(ran(&log), ["unit", "unit"]);
    // The tools list names cmos_check.
    assert!(lines[1].contains("\"cmos_check\""));
}

#[test]
fn test_evidence_given_without_a_score_is_kept_on_the_mission() {
    // cmos_mission_complete took evidence without a score and dropped it.
    let (repo, _) = b1_in_progress();
    repo.mcp_session(
        &[],
        &[(
            "cmos_mission_complete",
            &json!({"missionId": "B1", "evidence": ["cargo test: 12 passed"]}),
        )],
    );
    let b1 = show(&repo);
    assert_eq!(b1["status"], "Completed", "{b1:#}");
    assert_eq!(b1["evidence"], json!(["cargo test: 12 passed"]));
}

#[test]
fn test_the_consolidated_transition_tool_passes_checks_through() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 1);
    commit(&repo, &["src/lib.rs"]);
    let lines = repo.mcp_session(
        &[],
        &[
            (
                "cmos_mission_transition",
                &json!({"action": "complete", "missionId": "B1"}),
            ),
            (
                "cmos_mission_transition",
                &json!({"action": "complete", "missionId": "B1", "checks": ["none"]}),
            ),
        ],
    );
    let refused: Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(refused["result"]["isError"], true, "{refused:#}");
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("check unit failed"), "{text}");
    assert!(
        text.contains("cmos_check"),
        "the hint names the tool: {text}"
    );
    // The consolidated listing does not show the parameter; the call takes it.
    assert!(!lines[1].contains("\"checks\""), "{}", lines[1]);
    let done: Value = serde_json::from_str(&lines[3]).unwrap();
    let text = done["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("\"Completed\""), "{text}");
    assert_eq!(ran(&log), ["unit"]);
}

#[test]
fn test_work_held_for_review_without_a_score_says_it_waits() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 1);
    commit(&repo, &["src/lib.rs"]);
    repo.ok(&["policy", "set", "validation.failed_check", "review"]);
    let out = repo.ok(&["--agent", "alice", "mission", "complete", "B1"]);
    assert!(
        out.contains("FAIL check unit failed with exit code 1"),
        "{out}"
    );
    assert!(
        out.contains("B1 (First) waits for review: In Progress (needs_review)"),
        "{out}"
    );
}

#[test]
fn test_a_bad_or_missing_score_is_refused_before_any_check_runs() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 0);
    commit(&repo, &["src/lib.rs"]);
    let envelope = complete(&repo, &["--validation-score", "1.5"]);
    assert_eq!(envelope["error"]["code"], "invalid_input", "{envelope:#}");
    repo.ok(&["policy", "set", "validation.require_scores", "true"]);
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["error"]["code"], "refused", "{envelope:#}");
    assert!(
        ran(&log).is_empty(),
        "no check ran for a completion refused anyway"
    );
}

#[test]
fn test_a_bad_failed_check_policy_on_the_branch_keeps_the_default_and_names_its_line() {
    let (repo, log) = b1_in_progress();
    check(&repo, &log, "unit", &["src/**"], 1);
    commit(&repo, &["src/lib.rs"]);
    repo.edit_on_branch(
        ".cmos/policy.toml",
        "[validation]\nauto_approve_min = 0.9\nfailed_check = \"ignore\"\n",
    );
    let listed = repo.envelope(&["policy", "list"]);
    let warning = listed["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains(".cmos/policy.toml:3:") && warning.contains("refuse, review"),
        "{warning}"
    );
    // The default is in force: the failed check refuses the completion.
    let envelope = complete(&repo, &[]);
    assert_eq!(envelope["error"]["code"], "refused", "{envelope:#}");
    assert_eq!(show(&repo)["status"], "In Progress");
}
