//! Scenarios through the real binary: a project from init to completed missions, as a user
//! and an agent see it.

mod common;

use common::Repo;
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| m["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn init_creates_the_branch_and_a_second_init_changes_nothing() {
    let repo = Repo::new();
    let out = repo.ok(&["init", "--name", "demo"]);
    assert!(
        out.contains("Initialised project demo on refs/heads/cmos"),
        "{out}"
    );
    let tip = repo.tip().expect("the branch exists");
    for path in [".cmos/format.toml", ".cmos/project.toml", "README.md"] {
        repo.show(path);
    }
    let major = format!("major = {}", cmos::model::FORMAT_MAJOR);
    assert!(repo.show(".cmos/format.toml").contains(&major));
    let again = repo.ok(&["init", "--name", "other"]);
    assert!(again.contains("already initialised"), "{again}");
    assert_eq!(repo.tip().unwrap(), tip);
    let data = repo.json(&["init"]);
    assert_eq!(data["created"], false);
    assert_eq!(data["project"]["name"], "demo");
}

#[test]
fn init_works_from_a_subdirectory_a_linked_worktree_and_a_bare_repository() {
    let repo = Repo::new();
    let sub = repo.path.join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    assert!(
        repo.cmos_in(&sub, &["init", "--name", "demo"])
            .status
            .success()
    );
    let tree = repo.sibling("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().unwrap(),
        "-b",
        "feature",
    ]);
    let out = repo.cmos_in(
        &tree,
        &["--json", "mission", "add", "W1", "From the worktree"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        repo.ok(&["mission", "list"]).contains("W1"),
        "the worktree shares the branch"
    );

    let bare = Repo::bare();
    bare.ok(&["init", "--name", "server"]);
    bare.ok(&["mission", "add", "B1", "In a bare repository"]);
    assert!(
        bare.show(&cmos::format::layout::mission_path("B1"))
            .contains("In a bare repository")
    );
}

#[test]
fn a_mission_goes_from_queued_to_completed_and_promotes_the_next() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "B1",
        "Store",
        "--rank",
        "1",
        "--objective",
        "Keep state",
    ]);
    repo.ok(&["mission", "add", "B2", "Index", "--rank", "2"]);
    repo.ok(&["mission", "add", "B3", "CLI", "--rank", "3"]);
    repo.ok(&["mission", "depends", "B2", "B3", "--type", "requires"]);

    let next = repo.json(&["mission", "next"]);
    assert_eq!(next["mission"]["id"], "B1");
    assert!(
        next["reason"]
            .as_str()
            .unwrap()
            .contains("first ready Queued")
    );

    let started = repo.json(&["mission", "start", "B1"]);
    assert_eq!(
        (started["from"].as_str(), started["to"].as_str()),
        (Some("Queued"), Some("In Progress"))
    );
    let done = repo.json(&["mission", "complete", "B1", "--notes", "shipped"]);
    // B2 requires B3, so B3 is the next ready Queued mission.
    assert_eq!(done["promoted"]["id"], "B3");
    assert_eq!(done["promoted"]["status"], "Current");

    let shown = repo.json(&["mission", "show", "B1"]);
    assert_eq!(shown["status"], "Completed");
    assert!(shown["started_at"].is_string() && shown["completed_at"].is_string());
    let transitions = shown["transitions"].as_array().unwrap();
    assert_eq!(transitions.len(), 2);
    assert_eq!(transitions[1]["note"], "shipped");

    let b2 = repo.json(&["mission", "show", "B2"]);
    assert_eq!(b2["waiting_on"][0]["id"], "B3");
    assert_eq!(
        repo.json(&["mission", "show", "B3"])["dependents"][0][0],
        "B2"
    );

    let log = repo.ok(&["log", "-n", "3"]);
    assert!(log.contains("mission complete B1, promote B3"), "{log}");
    assert_eq!(log.lines().count(), 3);
}

#[test]
fn no_promote_leaves_the_queue_alone() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "First"]);
    repo.ok(&["mission", "add", "B", "Second"]);
    repo.ok(&["mission", "start", "A"]);
    let done = repo.json(&["mission", "complete", "A", "--no-promote"]);
    assert!(done["promoted"].is_null());
    assert_eq!(repo.json(&["mission", "show", "B"])["status"], "Queued");
}

#[test]
fn block_and_unblock_record_reason_needs_and_resolution() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Risky"]);
    repo.ok(&["mission", "start", "A"]);
    repo.ok(&[
        "mission",
        "block",
        "A",
        "--reason",
        "API key missing",
        "--needs",
        "key",
        "--needs",
        "quota",
    ]);
    let shown = repo.json(&["mission", "show", "A"]);
    assert_eq!(shown["blocked"]["reason"], "API key missing");
    assert_eq!(
        shown["blocked"]["needs"],
        serde_json::json!(["key", "quota"])
    );
    let status = repo.json(&["status"]);
    assert_eq!(status["blocked"][0]["reason"], "API key missing");

    let unblocked = repo.json(&[
        "mission",
        "unblock",
        "A",
        "--resolution",
        "key issued",
        "--to",
        "current",
    ]);
    assert_eq!(unblocked["to"], "Current");
    let shown = repo.json(&["mission", "show", "A"]);
    assert!(shown["blocked"].is_null());
    assert_eq!(
        shown["transitions"].as_array().unwrap().last().unwrap()["note"],
        "key issued"
    );
}

#[test]
fn drop_defer_and_update_status_follow_the_table() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Maybe later"]);
    repo.ok(&["mission", "defer", "A", "--reason", "not now"]);
    assert_eq!(repo.json(&["mission", "show", "A"])["status"], "Deferred");
    let moved = repo.json(&["mission", "update", "A", "--status", "queued"]);
    assert_eq!(moved["to"], "Queued");
    repo.ok(&["mission", "drop", "A"]);
    let (code, error) = repo.fails(&["mission", "update", "A", "--status", "current"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("invalid_transition"))
    );
}

#[test]
fn update_changes_fields_and_appends_notes() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Second"]);
    repo.ok(&[
        "mission",
        "add",
        "A",
        "Name",
        "--notes",
        "first line",
        "--success-criterion",
        "one",
    ]);
    repo.ok(&[
        "mission",
        "update",
        "A",
        "--name",
        "New name",
        "--append-notes",
        "second line",
        "--add-success-criterion",
        "two",
        "--sprint",
        "S2",
        "--rank",
        "4",
        "--context",
        "why it matters",
    ]);
    let m = repo.json(&["mission", "show", "A"]);
    assert_eq!(m["name"], "New name");
    assert_eq!(m["notes"], "first line\nsecond line");
    assert_eq!(m["success_criteria"], serde_json::json!(["one", "two"]));
    assert_eq!(
        (m["sprint"].as_str(), m["rank"].as_i64()),
        (Some("S2"), Some(4))
    );
    let tip = repo.tip();
    // The same values again: nothing to commit.
    repo.ok(&["mission", "update", "A", "--name", "New name"]);
    assert_eq!(repo.tip(), tip);
}

#[test]
fn mission_list_follows_next_mission_order_and_filters() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Later"]);
    repo.ok(&[
        "mission",
        "add",
        "L1",
        "Later one",
        "--sprint",
        "S2",
        "--rank",
        "1",
    ]);
    repo.ok(&["mission", "add", "C2", "Current two", "--rank", "2"]);
    repo.ok(&["mission", "add", "C1", "Current one", "--rank", "1"]);
    repo.ok(&["mission", "add", "W", "Working"]);
    repo.ok(&["mission", "start", "W"]);
    assert_eq!(
        ids(&repo.json(&["mission", "list"])),
        ["W", "C1", "C2", "L1"]
    );
    assert_eq!(
        ids(&repo.json(&["mission", "list", "--sprint", "S2"])),
        ["L1"]
    );
    assert_eq!(
        ids(&repo.json(&["mission", "list", "--status", "in-progress"])),
        ["W"]
    );
    let text = repo.ok(&["mission", "list"]);
    assert!(text.lines().next().unwrap().starts_with("ID"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when piped");
}

#[test]
fn generated_ids_are_unique_and_valid() {
    let repo = Repo::new();
    repo.init();
    let a = repo.json(&["mission", "add", "First"]);
    let b = repo.json(&["mission", "add", "Second"]);
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    assert!(a.starts_with("m-") && a.len() == 12, "{a}");
    assert_ne!(a, b);
    assert_eq!(
        repo.json(&["mission", "show", a])["sprint"],
        "S1",
        "defaults to the current sprint"
    );
}

#[test]
fn sprints_activate_complete_and_count_live() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "sprint",
        "add",
        "S2",
        "--title",
        "Second",
        "--focus",
        "polish",
        "--start",
        "2026-12-01",
        "--end",
        "2026-12-14",
    ]);
    repo.ok(&["mission", "add", "A", "One", "--sprint", "S2"]);
    repo.ok(&["mission", "add", "B", "Two", "--sprint", "S2"]);
    repo.ok(&["sprint", "activate", "S2"]);
    let sprints = repo.json(&["sprint", "list"]);
    let s1 = sprints
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "S1")
        .unwrap();
    assert_eq!(
        s1["status"], "Planned",
        "the previous current sprint goes back to Planned"
    );
    let shown = repo.json(&["sprint", "show", "S2"]);
    assert_eq!(
        (
            shown["current"].as_bool(),
            shown["counts"]["total"].as_u64()
        ),
        (Some(true), Some(2))
    );
    assert_eq!(shown["focus"], "polish");

    let (code, error) = repo.fails(&["sprint", "complete", "S2"]);
    assert_eq!(code, 5);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("2 open mission(s): A, B")
    );
    repo.ok(&["mission", "start", "A"]);
    repo.ok(&["mission", "complete", "A"]);
    repo.ok(&["mission", "drop", "B"]);
    assert_eq!(repo.json(&["sprint", "show", "S2"])["progress"], 100);
    repo.ok(&["sprint", "complete", "S2"]);
    let status = repo.json(&["status"]);
    assert!(status["current_sprint"].is_null());
    repo.ok(&["sprint", "update", "S1", "--title", "Renamed"]);
    assert_eq!(repo.json(&["sprint", "show", "S1"])["title"], "Renamed");
    let (_, error) = repo.fails(&[
        "sprint",
        "update",
        "S1",
        "--start",
        "2026-12-10",
        "--end",
        "2026-12-01",
    ]);
    assert_eq!(error["code"], "invalid_input");
}

#[test]
fn status_shows_sprint_progress_work_and_next() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Active"]);
    repo.ok(&["mission", "add", "B", "Waiting"]);
    repo.ok(&["mission", "start", "A"]);
    let text = repo.ok(&["status"]);
    assert!(text.contains("Project demo"), "{text}");
    assert!(
        text.contains("S1 First sprint: 0% (0 of 2 completed, 0 blocked)"),
        "{text}"
    );
    assert!(text.contains("In progress\n  A  Active"), "{text}");
    assert!(text.contains("Next A Active"), "{text}");
}

#[test]
fn every_json_response_carries_the_envelope_and_instructions() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Active"]);
    let raw = repo.ok(&["--json", "mission", "next"]);
    let keys = [
        "schema_version",
        "ok",
        "data",
        "warnings",
        "error",
        "instructions",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| raw.find(&format!("\n  \"{k}\"")).expect(k))
        .collect();
    assert!(
        positions.is_sorted(),
        "envelope fields in the documented order: {raw}"
    );
    let envelope = repo.envelope(&["mission", "next"]);
    insta::assert_json_snapshot!(envelope["instructions"], @r#"
    {
      "next_actions": [
        "Start mission A (Active)."
      ],
      "suggested_commands": [
        "cmos mission start A"
      ],
      "context": {
        "project": "demo",
        "current_sprint": "S1",
        "active_missions": [],
        "next_mission": "A",
        "blocked_missions": 0,
        "active_session": null,
        "active_mission": null,
        "process": {
          "state": "In_Sprint",
          "suggested_action": {
            "action_type": "local",
            "action_ref": "select_next_mission"
          }
        }
      }
    }
    "#);
    let envelope = repo.envelope(&["mission", "start", "nope"]);
    insta::assert_json_snapshot!(envelope["error"], @r#"
    {
      "code": "not_found",
      "message": "mission 'nope' does not exist",
      "hint": "check the id against the list of missions; run `cmos mission list`"
    }
    "#);
    assert_eq!(envelope["instructions"]["context"]["next_mission"], "A");
}

#[test]
fn json_can_be_asked_for_anywhere_and_by_environment() {
    let repo = Repo::new();
    repo.init();
    let after: Value = serde_json::from_slice(&repo.cmos(&["status", "--json"]).stdout).unwrap();
    assert_eq!(after["ok"], true);
    let out = common::hermetic(
        &mut std::process::Command::new(env!("CARGO_BIN_EXE_cmos")),
        &repo.home,
    )
    .arg("status")
    .env("CMOS_JSON", "1")
    .current_dir(&repo.path)
    .output()
    .unwrap();
    let by_env: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_env["data"]["project"]["name"], "demo");
    let (code, error) = repo.fails(&["mission", "frobnicate"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
}

#[test]
fn completions_are_generated_for_each_shell() {
    let repo = Repo::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = repo.ok(&["completions", shell]);
        assert!(script.contains("mission"), "{shell}");
    }
    let data = repo.json(&["completions", "bash"]);
    assert_eq!(data["shell"], "bash");
    assert!(data["script"].as_str().unwrap().contains("cmos"));
}

/// Groups of subcommands are built only when entered, yet `help` and completions reach every
/// level, and each group is listed with its help before it is built.
#[test]
fn deferred_groups_reach_every_level_of_help_and_completions() {
    let repo = Repo::new();
    let direct = repo.ok(&["mission", "complete", "--help"]);
    assert!(direct.contains("Usage: cmos mission complete"), "{direct}");
    assert_eq!(repo.ok(&["help", "mission", "complete"]), direct);
    assert_eq!(repo.ok(&["mission", "help", "complete"]), direct);
    let top = repo.ok(&["--help"]);
    assert!(
        top.contains("mission      Plan, track and finish missions"),
        "{top}"
    );
    assert!(
        top.contains("kb           Search what the project knows"),
        "{top}"
    );
    let learning = repo.ok(&["learning", "--help"]);
    assert!(
        learning.starts_with("Learnings: what was found out"),
        "{learning}"
    );
    let script = repo.ok(&["completions", "bash"]);
    for level in [
        "cmos__subcmd__mission__subcmd__complete)",
        "cmos__subcmd__help__subcmd__mission__subcmd__complete)",
        "cmos__subcmd__kb__subcmd__search)",
    ] {
        assert!(
            script.contains(level),
            "{level} missing from the bash completions"
        );
    }
}

#[test]
fn the_agent_is_recorded_on_commits_and_transitions() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["--agent", "claude", "mission", "add", "A", "Named"]);
    let message = repo.git(&["log", "-1", "--format=%B", "refs/heads/cmos"]);
    assert!(message.starts_with("mission add A\n"), "{message}");
    assert!(
        message.contains("Cmos-Op: mission.add\nCmos-Agent: claude\n"),
        "{message}"
    );
    repo.ok(&["--agent", "codex", "mission", "start", "A"]);
    assert_eq!(
        repo.json(&["mission", "show", "A"])["transitions"][0]["by"],
        "codex"
    );
    let log = repo.json(&["log"]);
    assert_eq!(
        (log[0]["agent"].as_str(), log[0]["op"].as_str()),
        (Some("codex"), Some("mission.start"))
    );
}

/// Runs cmos under a pseudo-terminal (util-linux `script`), as a person at a terminal would.
fn on_terminal(repo: &Repo, command: &str, no_color: bool) -> String {
    let mut cmd = std::process::Command::new("script");
    common::hermetic(&mut cmd, &repo.home)
        .args([
            "-qec",
            &format!("{} {command}", env!("CARGO_BIN_EXE_cmos")),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .current_dir(&repo.path);
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().expect("run script(1) from util-linux");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Coloured"]);
    repo.ok(&["mission", "start", "A"]);
    assert!(on_terminal(&repo, "mission list", false).contains("\x1b[36mIn Progress"));
    assert!(!on_terminal(&repo, "mission list", true).contains('\x1b'));
    assert!(!repo.ok(&["mission", "list"]).contains('\x1b'));
}

/// Runs cmos under a pseudo-terminal with `env` set; returns everything the terminal shows
/// (stdout and stderr both go to it), whatever the exit code.
fn on_terminal_with(repo: &Repo, command: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = std::process::Command::new("script");
    common::hermetic(&mut cmd, &repo.home)
        .args([
            "-qc",
            &format!("{} {command}", env!("CARGO_BIN_EXE_cmos")),
            "/dev/null",
        ])
        .env_remove("NO_COLOR")
        .current_dir(&repo.path);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("run script(1) from util-linux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Errors had their own colour rule: coloured on a dumb terminal, where output is not, and
/// plain with an empty NO_COLOR, which no-color.org says to ignore.
#[test]
fn test_errors_follow_the_same_colour_rule_as_output() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Coloured"]);
    repo.ok(&["mission", "start", "A"]);
    let dumb = [("TERM", "dumb")];
    assert!(!on_terminal_with(&repo, "mission list", &dumb).contains('\x1b'));
    let error = on_terminal_with(&repo, "mission show NOPE", &dumb);
    assert!(error.contains("error:"), "{error}");
    assert!(
        !error.contains('\x1b'),
        "no colour on a dumb terminal: {error:?}"
    );

    let empty = [("TERM", "xterm"), ("NO_COLOR", "")];
    assert!(on_terminal_with(&repo, "mission list", &empty).contains("\x1b[36mIn Progress"));
    let error = on_terminal_with(&repo, "mission show NOPE", &empty);
    assert!(
        error.contains("\x1b[31merror:"),
        "coloured like the output: {error:?}"
    );
}
