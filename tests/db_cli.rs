//! `cmos db ...`: the original CMOS's database commands over the branch, in real repositories
//! (show, export where the original wrote, init, import by extension, shell refused).

mod common;

use std::fs;
use std::process::Command;

use common::{Repo, hermetic};

/// A project with two sprints, a mission in progress, one queued with notes, one without a
/// sprint.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Second sprint"]);
    repo.ok(&["mission", "add", "B1.1", "Core setup", "--sprint", "S1"]);
    repo.ok(&[
        "mission", "add", "B1.2", "Docs", "--sprint", "S1", "--notes", "ask Ana",
    ]);
    repo.ok(&["mission", "add", "B2.1", "Later", "--sprint", "S2"]);
    repo.ok(&["mission", "start", "B1.1"]);
    repo
}

#[test]
fn db_show_prints_the_plan_sprint_by_sprint() {
    let repo = project();
    let text = repo.ok(&["db", "show"]);
    assert_eq!(
        text,
        repo.ok(&["db", "show", "backlog"]),
        "backlog is the default"
    );
    let s1 = text.find("[S1] First sprint").expect("sprint S1");
    let s2 = text.find("[S2] Second sprint").expect("sprint S2");
    assert!(s1 < s2, "{text}");
    assert!(
        text.contains("  - B1.1: Core setup [In Progress]"),
        "{text}"
    );
    assert!(
        text.contains("  - B1.2: Docs [Queued]\n      notes: ask Ana"),
        "{text}"
    );
    let data = repo.json(&["db", "show", "backlog"]);
    assert_eq!(data["sprints"][0]["id"], "S1");
    assert_eq!(data["sprints"][0]["missions"][1]["notes"], "ask Ana");
    assert_eq!(data["sprints"][1]["missions"][0]["id"], "B2.1");
    assert_eq!(data["unassigned"], serde_json::json!([]));
}

#[test]
fn db_show_current_names_the_active_mission_and_the_work_in_hand() {
    let repo = project();
    let text = repo.ok(&["db", "show", "current"]);
    assert!(text.starts_with("Active mission: B1.1\n"), "{text}");
    assert!(text.contains("- B1.1: Core setup [In Progress]"), "{text}");
    assert!(
        !text.contains("B1.2"),
        "queued missions are not in hand: {text}"
    );
    let data = repo.json(&["db", "show", "current"]);
    assert_eq!(data["active_mission"], "B1.1");
    assert_eq!(data["missions"].as_array().unwrap().len(), 1);
}

#[test]
fn db_show_refuses_a_view_it_does_not_have() {
    let repo = project();
    let out = repo.cmos(&["db", "show", "everything"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("backlog") && err.contains("current"), "{err}");
    let (code, error) = repo.fails(&["db", "sho"]);
    assert_eq!(code, 2);
    assert_eq!(error["code"], "invalid_input");
}

#[test]
fn db_export_backlog_writes_where_the_original_did_the_same_bytes_as_cmos_export() {
    let repo = project();
    let text = repo.ok(&["db", "export", "backlog"]);
    let path = repo.path.join("cmos/missions/backlog.yaml");
    assert!(text.contains("Exported backlog to"), "{text}");
    let written = fs::read_to_string(&path).unwrap();
    assert_eq!(written, repo.ok(&["export", "backlog"]));
    assert!(written.contains("sprintId: S1"), "{written}");
    // A mirror of the branch: exporting again replaces it, as the original did.
    fs::write(&path, "stale\n").unwrap();
    repo.ok(&["db", "export", "backlog"]);
    assert_eq!(fs::read_to_string(&path).unwrap(), written);
}

#[test]
fn db_export_backlog_writes_a_named_path_even_outside_the_working_tree() {
    let repo = project();
    let out = repo.sibling("elsewhere/plan.yaml");
    let data = repo.json(&["db", "export", "backlog", "--output", out.to_str().unwrap()]);
    assert_eq!(data["files"][0], out.display().to_string());
    assert!(fs::read_to_string(&out).unwrap().contains("B2.1"));
    assert!(!repo.path.join("cmos").exists());
}

#[test]
fn db_export_refuses_a_default_path_that_a_symbolic_link_leads_out_of_the_working_tree() {
    let repo = project();
    repo.ok(&["mission", "update", "B1.1", "--objective", "Set it up"]);
    let outside = repo.sibling("outside");
    fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path.join("cmos")).unwrap();
    let (_, error) = repo.fails(&["db", "export", "backlog"]);
    assert_eq!(error["code"], "refused");
    assert!(
        error["message"].as_str().unwrap().contains("symbolic link"),
        "{error}"
    );
    let (_, error) = repo.fails(&["db", "export-missions"]);
    assert_eq!(error["code"], "refused");
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
}

#[test]
fn db_export_contexts_writes_the_original_layout() {
    let repo = project();
    let text = repo.ok(&["db", "export", "contexts"]);
    let project = repo.path.join("cmos/PROJECT_CONTEXT.json");
    let master = repo.path.join("cmos/context/MASTER_CONTEXT.json");
    assert!(text.contains(&project.display().to_string()), "{text}");
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&project).unwrap()).unwrap();
    assert_eq!(doc["working_memory"]["active_mission"], "B1.1");
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&master).unwrap()).unwrap();
    assert_eq!(doc["project_identity"]["name"], "demo");
    let root = repo.sibling("ctx");
    let data = repo.json(&[
        "db",
        "export",
        "contexts",
        "--output-root",
        root.to_str().unwrap(),
    ]);
    assert_eq!(data["files"].as_array().unwrap().len(), 2);
    assert!(root.join("context/MASTER_CONTEXT.json").is_file());
}

#[test]
fn db_export_in_a_bare_repository_asks_for_a_path() {
    let repo = Repo::bare();
    repo.init();
    let (code, error) = repo.fails(&["db", "export", "backlog"]);
    assert_eq!(code, 2);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no working tree"),
        "{error}"
    );
    let out = repo.sibling("backlog.yaml");
    repo.ok(&["db", "export", "backlog", "--output", out.to_str().unwrap()]);
    assert!(out.is_file());
}

#[test]
fn db_init_is_cmos_init_and_answers_the_original_flags() {
    let repo = Repo::new();
    let text = repo.ok(&["db", "init", "--name", "demo"]);
    assert!(text.contains("Initialised project"), "{text}");
    let tip = repo.tip();
    assert_eq!(
        repo.ok(&["db", "init", "--quiet"]),
        "",
        "--quiet prints nothing"
    );
    assert!(repo.ok(&["db", "init"]).contains("already initialised"));
    assert_eq!(repo.tip(), tip, "init on a project changes nothing");
    let (code, error) = repo.fails(&["db", "init", "--path", ".cmos/memory.db"]);
    assert_eq!(code, 2);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no database file"),
        "{error}"
    );
    let (_, error) = repo.fails(&["db", "init", "--force"]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("git branch -D cmos"),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn db_import_picks_the_importer_by_extension() {
    let source = project();
    let backlog = source.sibling("plan.yml");
    source.ok(&[
        "db",
        "export",
        "backlog",
        "--output",
        backlog.to_str().unwrap(),
    ]);
    let repo = Repo::new();
    repo.ok(&["db", "import", backlog.to_str().unwrap()]);
    let data = repo.json(&["mission", "show", "B2.1"]);
    assert_eq!(data["sprint"], "S2");
    let sessions = repo.sibling("SESSIONS.jsonl");
    fs::write(
        &sessions,
        "{\"ts\":\"2025-11-01T10:00:00Z\",\"agent\":\"codex\",\"mission\":\"B2.1\",\"action\":\"start\",\"status\":\"in_progress\",\"summary\":\"began\"}\n",
    )
    .unwrap();
    let text = repo.ok(&["db", "import", sessions.to_str().unwrap()]);
    assert!(text.to_lowercase().contains("sessions"), "{text}");
    let other = repo.sibling("notes.txt");
    fs::write(&other, "x").unwrap();
    let (code, error) = repo.fails(&["db", "import", other.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        error["message"].as_str().unwrap().contains(".jsonl"),
        "{error}"
    );
}

#[test]
fn db_shell_is_refused_with_what_to_use_instead() {
    let repo = project();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["db", "shell", "-c", "select 1"]);
    assert_eq!(code, 2);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("no SQL database"), "{message}");
    assert!(message.contains("cmos db show"), "{message}");
    assert_eq!(repo.tip(), tip);
}

/// `cmos context --format json` is the export a planning tool reads: one envelope, the same
/// bytes for the same branch and clock.
#[test]
fn context_format_json_is_one_stable_envelope() {
    let repo = project();
    let run = || {
        let out = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
            .env("CMOS_TEST_NOW", "2030-01-01T00:00:00Z")
            .args(["context", "--format", "json"])
            .current_dir(&repo.path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let first = run();
    assert_eq!(first, run(), "the same branch gives the same export");
    let doc: serde_json::Value = serde_json::from_slice(&first).expect("one JSON document");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["data"]["project"], "demo");
    let text = doc["data"].to_string();
    for id in ["B1.1", "S1"] {
        assert!(text.contains(id), "{id} in {text}");
    }
}
