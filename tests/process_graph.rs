//! The process graph and its state machine: the seeded graph walked by real operations (init,
//! sprint activate, missions blocked, unblocked and completed, the sprint's last mission
//! completing into Sprint_Review), events taken by hand, graphs replaced, and bad input (an
//! unknown event, a malformed graph on the branch, duplicate rows, unreachable states).

mod common;

use common::Repo;
use serde_json::Value;

fn state(repo: &Repo) -> Value {
    repo.json(&["fsm", "show"])
}

fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "refs/heads/cmos"])
        .trim()
        .parse()
        .unwrap()
}

/// Removes every clone's state file from the branch, as a project that never moved has none.
fn remove_states(repo: &Repo) {
    let listed = repo.git(&["ls-tree", "--name-only", "refs/heads/cmos", ".cmos/fsm/"]);
    let files: Vec<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
    assert!(!files.is_empty(), "init moved the project");
    for file in files {
        repo.remove_on_branch(file);
    }
}

/// Runs cmos in `dir` with extra environment (an agent, a test clock) and returns the data
/// of its JSON envelope, asserting success.
fn json_with(repo: &Repo, dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let envelope = envelope_with(repo, dir, env, args);
    assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
    envelope["data"].clone()
}

/// Runs cmos in `dir` with extra environment and returns its whole JSON envelope.
fn envelope_with(repo: &Repo, dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cmos"));
    common::hermetic(&mut cmd, &repo.home);
    let out = cmd
        .envs(env.iter().copied())
        .arg("--json")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run cmos");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

const TWO_STATES: &str = "[[transition]]\nstate = \"A\"\nevent = \"go\"\nnext = \"B\"\naction_type = \"local\"\naction_ref = \"kb_index\"\n\n[[transition]]\nstate = \"B\"\nevent = \"back\"\nnext = \"A\"\n";

#[test]
fn test_seeded_graph_walked_by_real_operations() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    let s = state(&repo);
    assert_eq!(s["state"], "Sprint_Planning", "{s:#}");
    assert_eq!(s["graph"], "branch", "init seeds the graph on the branch");
    assert_eq!(s["action"]["action_type"], "remote");
    assert_eq!(s["action"]["params"]["protocol"], "sprint_planning");
    assert!(repo.show(".cmos/process.toml").contains("[[transition]]"));

    repo.ok(&["sprint", "add", "S1", "--title", "One"]);
    repo.ok(&["mission", "add", "A1", "First", "--sprint", "S1"]);
    repo.ok(&["mission", "add", "A2", "Second", "--sprint", "S1"]);
    repo.ok(&["mission", "add", "L1", "Later", "--sprint", "S2"]);
    repo.ok(&["sprint", "activate", "S1"]);
    let s = state(&repo);
    assert_eq!(
        s["state"], "In_Sprint",
        "activating a sprint approves the plan"
    );
    assert_eq!(s["action"]["action_ref"], "select_next_mission");

    repo.ok(&["mission", "start", "A1"]);
    assert_eq!(state(&repo)["state"], "In_Sprint", "starting emits nothing");
    repo.ok(&[
        "mission",
        "block",
        "A1",
        "--reason",
        "waiting on the API key",
    ]);
    let s = state(&repo);
    assert_eq!(s["state"], "Blocked");
    assert_eq!(s["action"]["action_ref"], "notify_blocker");
    assert_eq!(
        s["accepted"],
        serde_json::json!(["unblocked", "sprint_tasks_done"])
    );

    repo.ok(&["mission", "unblock", "A1"]);
    assert_eq!(state(&repo)["state"], "In_Sprint");
    repo.ok(&["mission", "complete", "A1"]);
    let s = state(&repo);
    assert_eq!(s["state"], "In_Sprint");
    assert_eq!(
        s["history"].as_array().unwrap().last().unwrap()["event"],
        "mission_completed"
    );

    // The sprint's last open mission: its completion and the move are one commit. A mission
    // of another sprint still open does not hold the sprint back.
    repo.ok(&["mission", "start", "A2"]);
    let before = commits(&repo);
    repo.ok(&["mission", "complete", "A2"]);
    assert_eq!(
        commits(&repo),
        before + 1,
        "the event is inside the completion's commit"
    );
    let s = state(&repo);
    assert_eq!(s["state"], "Sprint_Review", "{s:#}");
    assert_eq!(s["action"]["params"]["protocol"], "sprint_report");
    let events: Vec<&str> = s["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events.len(), 6, "{events:?}");
    for event in [
        "init_complete",
        "plan_approved",
        "mission_blocked",
        "unblocked",
        "sprint_tasks_done",
    ] {
        assert!(events.contains(&event), "{event} in {events:?}");
    }

    // Every envelope's instructions and `status` carry the state and the suggested action.
    let envelope = repo.envelope(&["mission", "list"]);
    let process = &envelope["instructions"]["context"]["process"];
    assert_eq!(process["state"], "Sprint_Review", "{envelope:#}");
    assert_eq!(
        process["suggested_action"]["action_ref"],
        "mission_protocol"
    );
    let (_, _) = repo.fails(&["mission", "show", "NOPE"]);
    let failed = repo.envelope(&["mission", "show", "NOPE"]);
    assert_eq!(
        failed["instructions"]["context"]["process"]["state"],
        "Sprint_Review"
    );
    let status = repo.ok(&["status"]);
    assert!(
        status.contains(
            "Process Sprint_Review (suggested: remote mission_protocol protocol=sprint_report)"
        ),
        "{status}"
    );

    let stepped = repo.json(&["fsm", "step", "--event", "sprint_review_done"]);
    assert_eq!(stepped["state"], "Sprint_Planning");
    assert_eq!(stepped["moved"]["from"], "Sprint_Review");
}

#[test]
fn test_init_with_a_first_sprint_is_in_sprint() {
    let repo = Repo::new();
    repo.init();
    assert_eq!(state(&repo)["state"], "In_Sprint");
    let text = repo.ok(&["fsm", "show"]);
    assert!(
        text.contains("Suggested action: local select_next_mission"),
        "{text}"
    );
}

#[test]
fn test_fsm_step_unknown_event_is_refused_with_the_accepted_events() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["fsm", "step", "--event", "sprint_review_done"]);
    assert_eq!(error["code"], "refused", "{error:#}");
    assert_ne!(code, 0);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("In_Sprint")
            && message.contains("mission_completed, sprint_tasks_done, mission_blocked"),
        "{message}"
    );
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn test_an_event_the_state_does_not_accept_never_fails_the_operation() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    repo.ok(&["mission", "add", "A1", "First"]);
    repo.ok(&["mission", "start", "A1"]);
    // Sprint_Planning does not accept mission_completed: the completion goes ahead, no move.
    repo.ok(&["mission", "complete", "A1"]);
    let s = state(&repo);
    assert_eq!(s["state"], "Sprint_Planning");
    assert_eq!(s["history"].as_array().unwrap().len(), 1);
}

#[test]
fn test_existing_project_without_a_graph_gets_the_default_on_first_use() {
    let repo = Repo::new();
    repo.init();
    remove_states(&repo);
    repo.remove_on_branch(".cmos/process.toml");
    let tip = repo.tip();
    let shown = repo.json(&["process", "show"]);
    assert_eq!(shown["source"], "default");
    let s = state(&repo);
    assert_eq!(
        (s["state"].as_str(), s["graph"].as_str()),
        (Some("Startup"), Some("default"))
    );
    assert_eq!(repo.tip(), tip, "the default is in force without a write");
    repo.json(&["fsm", "step", "--event", "init_complete"]);
    assert_eq!(
        repo.json(&["process", "show"])["source"],
        "branch",
        "the first move records it"
    );
}

#[test]
fn test_process_set_replaces_the_graph_in_one_commit() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    remove_states(&repo);
    let file = repo.sibling("graph.toml");
    std::fs::write(&file, TWO_STATES).unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(repo.json(&["process", "check", path])["source"], "file");
    let before = commits(&repo);
    let set = repo.json(&["process", "set", path]);
    assert_eq!(set["changed"], true);
    assert_eq!(commits(&repo), before + 1);
    assert_eq!(repo.show(".cmos/process.toml"), TWO_STATES);
    assert_eq!(repo.json(&["process", "set", path])["changed"], false);
    let stepped = repo.json(&["fsm", "step", "--event", "go"]);
    assert_eq!(stepped["state"], "B");
    assert_eq!(stepped["action"]["action_ref"], "kb_index");
}

#[test]
fn test_process_set_refuses_a_graph_without_the_current_state() {
    let repo = Repo::new();
    repo.init();
    let file = repo.sibling("graph.toml");
    std::fs::write(&file, TWO_STATES).unwrap();
    let (_, error) = repo.fails(&["process", "set", file.to_str().unwrap()]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("state In_Sprint"),
        "{error:#}"
    );
}

fn refused_graph(text: &str) -> String {
    let repo = Repo::new();
    repo.init();
    let file = repo.sibling("graph.toml");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["process", "set", path]);
    assert_eq!(
        (code, error["code"].as_str()),
        (2, Some("invalid_input")),
        "{error:#}"
    );
    assert_eq!(repo.tip(), tip);
    let (_, checked) = repo.fails(&["process", "check", path]);
    assert_eq!(checked["message"], error["message"]);
    let message = error["message"].as_str().unwrap().to_string();
    assert!(message.starts_with(&format!("{path}:")), "{message}");
    message
}

#[test]
fn test_process_set_refuses_duplicate_rows_naming_the_row() {
    let message = refused_graph(&format!(
        "{TWO_STATES}\n[[transition]]\nstate = \"A\"\nevent = \"go\"\nnext = \"A\"\n"
    ));
    assert!(
        message.contains(
            ":13:1: row A -go-> A: a second row for state A and event go (the first is on line 1)"
        ),
        "{message}"
    );
}

#[test]
fn test_process_set_refuses_unreachable_states_naming_the_row() {
    let message = refused_graph(&format!(
        "{TWO_STATES}\n[[transition]]\nstate = \"C\"\nevent = \"x\"\nnext = \"A\"\n"
    ));
    assert!(
        message.contains(":13:1: row C -x-> A: state C cannot be reached from A"),
        "{message}"
    );
}

#[test]
fn test_process_set_refuses_unknown_actions_and_target_states() {
    let message = refused_graph(&TWO_STATES.replace("kb_index", "curl_evil"));
    assert!(
        message.contains(":1:1: row A -go-> B: unknown local action \"curl_evil\""),
        "{message}"
    );
    let message = refused_graph(&TWO_STATES.replace("next = \"A\"", "next = \"Z\""));
    assert!(message.contains("unknown state Z"), "{message}");
    let message = refused_graph(
        "[[transition]]\nstate = \"A\"\nevent = \"go\"\nnext = \"A\"\naction_type = \"shell\"\n",
    );
    assert!(message.contains(":5"), "{message}");
}

#[test]
fn test_malformed_graph_on_the_branch_names_path_and_line_and_other_commands_work() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    repo.ok(&["mission", "start", "A1"]);
    repo.edit_on_branch(
        ".cmos/process.toml",
        "[[transition]]\nstate = \"A\nnext = 3\n",
    );
    for args in [
        &["process", "show"][..],
        &["fsm", "show"],
        &["fsm", "step", "--event", "mission_completed"],
    ] {
        let (_, error) = repo.fails(args);
        assert_eq!(error["code"], "corrupt", "{args:?}: {error:#}");
        let shown = serde_json::to_string(&error).unwrap();
        assert!(
            shown.contains(".cmos/process.toml") && shown.contains(":2"),
            "{args:?}: {shown}"
        );
    }
    // verify names it at its path and line, as it does every record.
    let (_, error) = repo.fails(&["verify"]);
    assert_eq!(error["code"], "invalid_branch", "{error:#}");
    let shown = serde_json::to_string(&error).unwrap();
    assert!(shown.contains(".cmos/process.toml"), "{shown}");
    // The graph is only advice: missions, status and sprints keep working.
    repo.ok(&["mission", "complete", "A1"]);
    repo.ok(&["status"]);
    let file = repo.sibling("graph.toml");
    std::fs::write(&file, process_default()).unwrap();
    repo.ok(&["process", "set", file.to_str().unwrap()]);
    assert_eq!(
        state(&repo)["state"],
        "In_Sprint",
        "a good graph puts it right"
    );
}

/// A state file another clone left that does not read (bad TOML, or too large) is skipped:
/// the state comes from the others, show warns with its path and line, verify names it,
/// and steps and other commands keep working.
#[test]
fn test_malformed_state_file_of_another_clone_is_skipped_and_named() {
    let repo = Repo::new();
    repo.init();
    repo.edit_on_branch(".cmos/fsm/zzbad.toml", "state = \"X\nmoves = 99\n");
    let huge = format!("state = \"Blocked\"\nmoves = 99\n#{}\n", "x".repeat(70_000));
    repo.edit_on_branch(".cmos/fsm/zzhuge.toml", &huge);
    let shown = repo.envelope(&["fsm", "show"]);
    assert_eq!(shown["data"]["state"], "In_Sprint", "{shown:#}");
    let warnings = shown["warnings"].to_string();
    assert!(warnings.contains(".cmos/fsm/zzbad.toml:1"), "{warnings}");
    assert!(
        warnings.contains(".cmos/fsm/zzhuge.toml") && warnings.contains("at most"),
        "{warnings}"
    );
    let (_, error) = repo.fails(&["verify"]);
    assert_eq!(error["code"], "invalid_branch", "{error:#}");
    assert!(
        error.to_string().contains(".cmos/fsm/zzbad.toml"),
        "{error:#}"
    );
    let status = repo.json(&["status"]);
    assert_eq!(status["process"]["state"], "In_Sprint", "{status:#}");
    let stepped = repo.json(&["fsm", "step", "--event", "mission_blocked"]);
    assert_eq!(stepped["state"], "Blocked");
    assert_eq!(
        state(&repo)["state"],
        "Blocked",
        "the good files still decide"
    );
}

fn process_default() -> String {
    let repo = Repo::new();
    repo.init();
    repo.show(".cmos/process.toml")
}

#[test]
fn test_fsm_state_from_another_clone_arrives_with_sync() {
    let origin = Repo::new();
    origin.init();
    let remote = origin.sibling("remote.git");
    origin.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    origin.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    origin.ok(&["sync"]);
    let other = origin.sibling("other");
    origin.git(&[
        "clone",
        "-q",
        remote.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    let out = origin.cmos_in(&other, &["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = origin.cmos_in(&other, &["fsm", "step", "--event", "mission_blocked"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(origin.cmos_in(&other, &["sync"]).status.success());
    origin.ok(&["sync"]);
    let s = state(&origin);
    assert_eq!(s["state"], "Blocked", "{s:#}");
    assert_eq!(s["history"].as_array().unwrap().len(), 3);
}

/// Two clones moving the project at once used to rewrite one shared state file, so git's
/// textual merge of their branches conflicted and the clones could disagree. Each clone now
/// writes only its own state file: the branches merge cleanly, sync merges the moves, and
/// both clones read the same state, the one with the most moves behind it.
#[test]
fn test_two_clones_moving_at_once_merge_without_conflict_and_agree() {
    let origin = Repo::new();
    origin.init();
    let remote = origin.sibling("remote.git");
    origin.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    origin.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    origin.ok(&["sync"]);
    let other = origin.sibling("other");
    origin.git(&[
        "clone",
        "-q",
        remote.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    let in_other = |args: &[&str]| json_with(&origin, &other, &[], args);
    in_other(&["sync"]);

    let moves = |v: &Value| v["history"].as_array().unwrap().len();
    let before = moves(&state(&origin));
    assert_eq!(state(&origin)["state"], "In_Sprint");

    // At once: origin blocks, unblocks and blocks again; the other clone ends the sprint.
    for event in ["mission_blocked", "unblocked", "mission_blocked"] {
        origin.json(&["fsm", "step", "--event", event]);
    }
    in_other(&["fsm", "step", "--event", "sprint_tasks_done"]);

    // git itself merges the two branches without a conflict: no file was changed by both.
    origin.git(&[
        "fetch",
        "-q",
        other.to_str().unwrap(),
        "cmos:refs/other-cmos",
    ]);
    let out = std::process::Command::new("git")
        .args([
            "merge-tree",
            "--write-tree",
            "refs/heads/cmos",
            "refs/other-cmos",
        ])
        .current_dir(&origin.path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git's textual merge conflicts: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    origin.ok(&["sync"]);
    let synced = in_other(&["sync"]);
    assert_eq!(
        synced["conflicts"].as_array().map_or(0, Vec::len),
        0,
        "{synced:#}"
    );
    origin.ok(&["sync"]);
    let (here, there) = (state(&origin), in_other(&["fsm", "show"]));
    assert_eq!(here["state"], "Blocked", "{here:#}");
    assert_eq!(there["state"], here["state"], "both clones agree");
    assert_eq!(there["action"], here["action"]);
    assert_eq!(
        (moves(&here), moves(&there)),
        (before + 4, before + 4),
        "every move of both is kept"
    );
    let files = origin.git(&["ls-tree", "--name-only", "refs/heads/cmos", ".cmos/fsm/"]);
    assert_eq!(
        files.lines().count(),
        2,
        "one state file per clone: {files}"
    );

    // A move made after seeing the merged state wins even from a clock that is behind.
    let behind = [("CMOS_TEST_NOW", "2020-01-01T00:00:00Z")];
    json_with(
        &origin,
        &other,
        &behind,
        &["fsm", "step", "--event", "unblocked"],
    );
    json_with(&origin, &other, &[], &["sync"]);
    origin.ok(&["sync"]);
    assert_eq!(state(&origin)["state"], "In_Sprint");
    assert_eq!(in_other(&["fsm", "show"])["state"], "In_Sprint");
}

/// The loop guard on the state machine: the same event taken again and again by one agent
/// within the policy's window warns from the 3rd and is refused from the 5th with nothing
/// written; another agent taking the same event is unaffected.
#[test]
fn test_same_event_stepped_again_and_again_warns_then_is_refused_for_that_agent_only() {
    let repo = Repo::new();
    repo.init();
    let step = |agent: &str| {
        envelope_with(
            &repo,
            &repo.path,
            &[("CMOS_AGENT", agent)],
            &["fsm", "step", "--event", "mission_completed"],
        )
    };
    let warnings = |e: &Value| e["warnings"].as_array().map_or(0, Vec::len);
    for _ in 0..2 {
        let e = step("alice");
        assert_eq!((e["ok"].as_bool(), warnings(&e)), (Some(true), 0), "{e:#}");
    }
    for nth in ["3rd", "4th"] {
        let e = step("alice");
        assert_eq!(e["ok"], true, "{e:#}");
        let said = e["warnings"].to_string();
        assert!(
            said.contains(&format!("{nth} identical process event")),
            "{e:#}"
        );
    }
    let tip = repo.tip();
    let refused = step("alice");
    assert_eq!(refused["ok"], false, "{refused:#}");
    assert_eq!(refused["error"]["code"], "refused");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("5th identical process event"), "{message}");
    assert!(message.contains("ask a person for help"), "{message}");
    assert_eq!(repo.tip(), tip, "nothing written");

    let other = step("bob");
    assert_eq!(
        (other["ok"].as_bool(), warnings(&other)),
        (Some(true), 0),
        "{other:#}"
    );
}

/// `fsm show` lists the latest 20 moves in the order they were made, read from the clones'
/// state files (not by searching the activity log).
#[test]
fn test_history_shows_the_latest_twenty_moves_in_order() {
    let repo = Repo::new();
    repo.init();
    for i in 0..12 {
        let agent = format!("agent{i}");
        for event in ["mission_blocked", "unblocked"] {
            json_with(
                &repo,
                &repo.path,
                &[("CMOS_AGENT", &agent)],
                &["fsm", "step", "--event", event],
            );
        }
    }
    let s = state(&repo);
    let history = s["history"].as_array().unwrap();
    assert_eq!(history.len(), 20, "{s:#}");
    let moves: Vec<u64> = history
        .iter()
        .map(|m| m["moves"].as_u64().unwrap())
        .collect();
    let last = *moves.last().unwrap();
    assert_eq!(moves, ((last - 19)..=last).collect::<Vec<_>>());
    assert_eq!(history[19]["event"], "unblocked");
    assert_eq!(history[19]["by"], "agent11");
    assert_eq!(history[18]["event"], "mission_blocked");
}

#[test]
fn test_mcp_fsm_and_process_tools() {
    let repo = Repo::new();
    repo.init();
    let calls = [
        ("cmos_fsm_show", &serde_json::json!({})),
        (
            "cmos_fsm_step",
            &serde_json::json!({"event": "mission_blocked"}),
        ),
        (
            "cmos_fsm_step",
            &serde_json::json!({"event": "plan_approved"}),
        ),
        ("cmos_process_show", &serde_json::json!({})),
        ("cmos_fsm_run", &serde_json::json!({})),
        ("cmos_fsm_pending", &serde_json::json!({})),
        (
            "cmos_fsm_done",
            &serde_json::json!({"requestId": "rq-none", "output": "x"}),
        ),
        (
            "cmos_process_set",
            &serde_json::json!({"graph": "[[transition]]\nstate = \"A\"\nevent = \"go\"\nnext = \"Z\"\n", "checkOnly": true}),
        ),
    ];
    let replies: Vec<Value> = repo
        .mcp_session(&["--tools", "all"], &calls)
        .iter()
        .skip(2)
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["result"]["structuredContent"].clone()
        })
        .collect();
    assert_eq!(replies[0]["data"]["state"], "In_Sprint", "{:#}", replies[0]);
    assert_eq!(replies[1]["data"]["state"], "Blocked");
    assert_eq!(
        replies[1]["instructions"]["context"]["process"]["state"],
        "Blocked"
    );
    assert_eq!(replies[2]["error"]["code"], "refused");
    let message = replies[2]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("it accepts unblocked, sprint_tasks_done"),
        "{message}"
    );
    assert_eq!(replies[3]["data"]["rows"].as_array().unwrap().len(), 8);
    assert_eq!(replies[4]["data"]["action"]["action_ref"], "notify_blocker");
    assert_eq!(
        replies[5]["data"][0]["action"]["params"]["protocol"],
        "sprint_planning"
    );
    assert_eq!(replies[6]["error"]["code"], "not_found");
    let message = replies[7]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("graph:1:1: row A -go-> Z: unknown state Z"),
        "{message}"
    );
}

#[test]
fn test_remote_actions_are_requests_answered_as_facts() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    // init_complete's action is remote: a request waits for the sprint plan.
    let pending = repo.json(&["fsm", "pending"]);
    let list = pending.as_array().unwrap();
    assert_eq!(list.len(), 1, "{pending:#}");
    assert_eq!(list[0]["action"]["params"]["protocol"], "sprint_planning");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (_, error) = repo.fails(&["fsm", "run"]);
    assert_eq!(error["code"], "refused");
    assert!(
        error["message"].as_str().unwrap().contains("is remote"),
        "{error:#}"
    );

    let output = repo.sibling("plan.md");
    std::fs::write(&output, "Sprint 1: parser, then caching.\n").unwrap();
    let before = commits(&repo);
    let done = repo.json(&["fsm", "done", &id, "--output", output.to_str().unwrap()]);
    assert_eq!(commits(&repo), before + 1);
    let fact = done["fact"]["id"].as_str().unwrap();
    let shown = repo.json(&["fact", "show", fact]);
    assert_eq!(shown["text"], "Sprint 1: parser, then caching.");
    assert_eq!(shown["category"], "mission_protocol:sprint_planning");
    assert_eq!(repo.json(&["fsm", "pending"]), serde_json::json!([]));
    let (_, error) = repo.fails(&["fsm", "done", &id, "--output", output.to_str().unwrap()]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("answered already"),
        "{error:#}"
    );
    let (_, error) = repo.fails(&[
        "fsm",
        "done",
        "rq-nope",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(error["code"], "not_found");
}

/// A remote action's request carries what the one answering it needs: the knowledge-base
/// snippets that match its protocol and sprint (at most five) and the working memory (the
/// sprint's missions, blockers, constraints) within a token budget.
#[test]
fn test_pending_request_carries_knowledge_snippets_and_memory() {
    let repo = Repo::new();
    repo.ok(&["init", "--name", "demo"]);
    repo.ok(&["mission", "add", "A1", "Parser rewrite"]);
    repo.ok(&["mission", "add", "A2", "API client"]);
    repo.ok(&["mission", "start", "A2"]);
    repo.ok(&[
        "mission",
        "block",
        "A2",
        "--reason",
        "waiting on the API key",
    ]);
    repo.ok(&["constraint", "add", "Never break the file format"]);
    repo.ok(&[
        "decision",
        "add",
        "Sprint planning keeps one streaming parser",
        "--rationale",
        "two parsers drifted",
    ]);
    for i in 0..7 {
        let note = format!("Note {i} about the sprint");
        repo.ok(&["decision", "add", &note, "--rationale", "r"]);
    }
    let pending = repo.json(&["fsm", "pending"]);
    let request = &pending[0];
    let attached = &request["attached"];
    assert_eq!(attached["query"], "sprint planning", "{attached:#}");
    let knowledge = attached["knowledge"].as_array().unwrap();
    assert_eq!(knowledge.len(), 5, "bounded: {attached:#}");
    assert!(
        knowledge
            .iter()
            .all(|k| k["snippet"].as_str().unwrap().contains("**")),
        "every snippet matches: {attached:#}"
    );
    assert!(
        attached["knowledge"]
            .to_string()
            .contains("streaming parser"),
        "{attached:#}"
    );
    let memory = &attached["memory"];
    assert!(memory["budget"]["used"].as_u64().unwrap() <= 1500);
    let text = memory["sections"].to_string();
    for wanted in [
        "A1",
        "waiting on the API key",
        "Never break the file format",
    ] {
        assert!(text.contains(wanted), "{wanted} missing: {memory:#}");
    }
    let human = repo.ok(&["fsm", "pending"]);
    assert!(
        human.contains("carries 5 knowledge snippet(s) for \"sprint planning\""),
        "{human}"
    );
}

#[test]
fn test_fsm_run_carries_out_local_actions() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let ran = repo.envelope(&["fsm", "run"]);
    assert_eq!(
        ran["data"]["action"]["action_ref"], "select_next_mission",
        "{ran:#}"
    );
    assert_eq!(ran["data"]["result"]["next"]["id"], "A1");
    repo.ok(&["mission", "start", "A1"]);
    repo.ok(&[
        "mission",
        "block",
        "A1",
        "--reason",
        "waiting on the API key",
    ]);
    let ran = repo.envelope(&["fsm", "run"]);
    assert_eq!(ran["data"]["action"]["action_ref"], "notify_blocker");
    assert_eq!(ran["data"]["result"]["blocked"][0]["mission"]["id"], "A1");
    let warnings = ran["warnings"].to_string();
    assert!(
        warnings.contains("A1") && warnings.contains("waiting on the API key"),
        "{warnings}"
    );
}

/// The other clones' state files are remembered in a local cache keyed by their names and
/// blob ids. Whatever the cache holds (a stale copy from before another clone moved, a
/// damaged file, nothing), the state shown is the one the files on the branch give.
#[test]
fn test_the_state_cache_follows_the_other_clones_files_and_survives_damage() {
    let repo = Repo::new();
    repo.init();
    let other = |moves: u64, state: &str| {
        format!(
            "state = \"{state}\"\nevent = \"e{moves}\"\nfrom = \"In_Sprint\"\nupdated_at = \"2026-01-0{}T00:00:00Z\"\nby = \"other\"\nmoves = {moves}\n",
            moves % 9 + 1
        )
    };
    repo.edit_on_branch(".cmos/fsm/zzother.toml", &other(5, "Blocked"));
    assert_eq!(state(&repo)["state"], "Blocked");
    let cache = repo.path.join(".git/cmos/memo-fsm-states");
    let stale = std::fs::read(&cache).expect("show kept the other clones' states");
    // Another clone moves on: its file changes, so the cached copy no longer applies.
    repo.edit_on_branch(".cmos/fsm/zzother.toml", &other(7, "Sprint_Review"));
    assert_eq!(state(&repo)["state"], "Sprint_Review");
    std::fs::write(&cache, &stale).unwrap();
    assert_eq!(
        state(&repo)["state"],
        "Sprint_Review",
        "a stale cache is not used"
    );
    let mut damaged = std::fs::read(&cache).unwrap();
    let last = damaged.len() - 2;
    damaged[last] ^= 0x20;
    std::fs::write(&cache, &damaged).unwrap();
    assert_eq!(
        state(&repo)["state"],
        "Sprint_Review",
        "a damaged cache is not used"
    );
    std::fs::write(&cache, b"not a cache").unwrap();
    assert_eq!(state(&repo)["state"], "Sprint_Review");
    // This clone's own moves are read from its own file, past the cache: a move of its own
    // with more moves behind it wins, and the history has both clones' moves.
    let stepped = repo.json(&["fsm", "step", "--event", "sprint_review_done"]);
    let s = state(&repo);
    assert_eq!(s["state"], stepped["state"], "{s:#}");
    assert_eq!(s["history"].as_array().unwrap().last().unwrap()["moves"], 8);
    // A file that does not read is named from the cache as well as from a fresh read.
    repo.edit_on_branch(".cmos/fsm/zzbad.toml", "state = \"X\n");
    for _ in 0..2 {
        let shown = repo.envelope(&["fsm", "show"]);
        assert!(
            shown["warnings"]
                .to_string()
                .contains(".cmos/fsm/zzbad.toml:1"),
            "{shown:#}"
        );
    }
}
