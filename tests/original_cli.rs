//! The original CMOS's command lines (cmos-original.md §2.1, §2.2, §2.4) run under `cmos`
//! with the meaning the original gave them: one test per command line, named after it.

mod common;

use common::Repo;
use serde_json::Value;

/// A project with sprint S1 ("First sprint") and missions B1.1 and B1.2 in it.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1.1", "First", "--sprint", "S1"]);
    repo.ok(&["mission", "add", "B1.2", "Second", "--sprint", "S1"]);
    repo
}

fn mission(repo: &Repo, id: &str) -> Value {
    repo.json(&["mission", "show", id])
}

fn last_note(repo: &Repo, id: &str) -> String {
    let m = mission(repo, id);
    let transitions = m["transitions"].as_array().expect("transitions");
    transitions.last().expect("a transition")["note"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn session_complete_summary_next_steps() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "planning", "--title", "Plan"]);
    repo.ok(&["session", "capture", "decision", "Keep it small"]);
    repo.ok(&[
        "session",
        "complete",
        "--summary",
        "Planned",
        "--next-steps",
        "Write the store",
        "--next-steps",
        "Test it",
    ]);
    let shown = repo.json(&["session", "show"]);
    assert_eq!(
        shown["next_steps"],
        serde_json::json!(["Write the store", "Test it"]),
        "{shown:#}"
    );
}

#[test]
fn session_list_limit() {
    let repo = project();
    for title in ["One", "Two", "Three"] {
        repo.ok(&["session", "start", "--type", "build", "--title", title]);
        repo.ok(&["session", "complete", "--summary", "done", "--force"]);
    }
    let all = repo.json(&["session", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let two = repo.json(&["session", "list", "--limit", "2"]);
    let titles: Vec<&str> = two
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Three", "Two"], "newest first, cut to 2");
}

#[test]
fn session_onboard() {
    let repo = project();
    let original = repo.ok(&["session", "onboard"]);
    assert_eq!(
        original,
        repo.ok(&["onboard"]),
        "the same as `cmos onboard`"
    );
    assert!(original.contains("B1.1"), "{original}");
}

#[test]
fn mission_status_limit() {
    let repo = project();
    repo.ok(&["mission", "add", "B1.3", "Third", "--sprint", "S1"]);
    let all = repo.json(&["mission", "status"]);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let one = repo.json(&["mission", "status", "--limit", "1"]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(
        one[0]["id"], all[0]["id"],
        "the first in next-mission order"
    );
}

#[test]
fn mission_start_id_summary() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1", "--summary", "Kick off"]);
    assert_eq!(mission(&repo, "B1.1")["status"], "In Progress");
    assert_eq!(last_note(&repo, "B1.1"), "Kick off");
}

#[test]
fn mission_complete_id_summary_notes_next_hint() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1", "--summary", "go"]);
    let out = repo.ok(&[
        "mission",
        "complete",
        "B1.1",
        "--summary",
        "Store done",
        "--notes",
        "Used gix",
        "--next-hint",
        "Wire the CLI",
    ]);
    assert!(out.contains("Promoted B1.2"), "{out}");
    assert_eq!(mission(&repo, "B1.1")["status"], "Completed");
    assert_eq!(
        last_note(&repo, "B1.1"),
        "Store done\n\nUsed gix\n\nNext: Wire the CLI"
    );
}

#[test]
fn mission_complete_id_summary_notes_no_promote() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1", "--summary", "go"]);
    repo.ok(&[
        "mission",
        "complete",
        "B1.1",
        "--summary",
        "Done",
        "--notes",
        "n",
        "--no-promote",
    ]);
    assert_eq!(mission(&repo, "B1.2")["status"], "Queued", "not promoted");
}

#[test]
fn mission_complete_id_summary_notes_immediate() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    let before = commits(&repo);
    let out = repo.ok(&[
        "mission",
        "complete",
        "B1.1",
        "--summary",
        "s",
        "--notes",
        "n",
        "--immediate",
    ]);
    assert!(
        out.contains("Promoted B1.2 (Second) to In Progress"),
        "{out}"
    );
    assert_eq!(commits(&repo), before + 1, "one operation, one commit");
    assert_eq!(mission(&repo, "B1.1")["status"], "Completed");
    assert_eq!(mission(&repo, "B1.2")["status"], "In Progress");
    // The started mission is this worktree's now: `mission complete` without an id finds it.
    repo.ok(&["mission", "complete"]);
    assert_eq!(mission(&repo, "B1.2")["status"], "Completed");
    let (code, _) = repo.fails(&["mission", "complete", "B1.2", "--immediate", "--no-promote"]);
    assert_eq!(code, 2);
}

#[test]
fn mission_block_id_summary_reason_need() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1", "--summary", "go"]);
    repo.ok(&[
        "mission",
        "block",
        "B1.1",
        "--summary",
        "Stuck",
        "--reason",
        "No credentials",
        "--need",
        "an API key",
        "--need",
        "a test account",
    ]);
    let blocked = &mission(&repo, "B1.1")["blocked"];
    assert_eq!(blocked["reason"], "Stuck: No credentials");
    assert_eq!(
        blocked["needs"],
        serde_json::json!(["an API key", "a test account"])
    );
}

#[test]
fn mission_add_id_name_sprint_status_description_success_deliverable() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "B2.1",
        "Import",
        "--sprint",
        "S1",
        "--status",
        "Queued",
        "--description",
        "Read the old database",
        "--success",
        "every row read",
        "--success",
        "nothing lost",
        "--deliverable",
        "src/import.rs",
        "--notes",
        "start small",
    ]);
    let m = mission(&repo, "B2.1");
    assert_eq!(m["status"], "Queued");
    assert_eq!(m["objective"], "Read the old database");
    assert_eq!(
        m["success_criteria"],
        serde_json::json!(["every row read", "nothing lost"])
    );
    assert_eq!(m["deliverables"], serde_json::json!(["src/import.rs"]));
}

/// The commits of the cmos branch, newest first.
fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "cmos"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn mission_add_id_name_sprint_status_in_any_of_the_originals_statuses() {
    let repo = Repo::new();
    repo.init();
    let cases = [
        ("Current", "Current", 1),
        ("in_progress", "In Progress", 1),
        ("IN PROGRESS", "In Progress", 1),
        ("completed", "Completed", 2),
        ("Queued", "Queued", 0),
        ("planned", "Queued", 0),
    ];
    for (n, (word, status, moves)) in cases.into_iter().enumerate() {
        let id = format!("B2.{n}");
        let before = commits(&repo);
        repo.ok(&[
            "mission", "add", &id, "Import", "--sprint", "S1", "--status", word,
        ]);
        assert_eq!(commits(&repo), before + 1, "{word}: one commit");
        let m = mission(&repo, &id);
        assert_eq!(m["status"], status, "{word}");
        // The history says it was created so, by the lifecycle's own moves.
        let transitions = m["transitions"].as_array().cloned().unwrap_or_default();
        assert_eq!(transitions.len(), moves, "{word}: {transitions:?}");
        if let Some(last) = transitions.last() {
            assert_eq!(last["note"], format!("added as {status}"), "{word}");
        }
    }
    let log = repo.ok(&["log", "-n", "6"]);
    assert!(log.contains("mission add B2.3 as Completed"), "{log}");
}

#[test]
fn mission_add_status_blocked_is_refused_with_what_to_do() {
    let repo = Repo::new();
    repo.init();
    let before = repo.tip();
    let (code, error) = repo.fails(&[
        "mission", "add", "B2.1", "Import", "--sprint", "S1", "--status", "Blocked",
    ]);
    assert_eq!(code, 2, "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("block it, saying why"), "{message}");
    assert_eq!(repo.tip(), before, "nothing written");
}

#[test]
fn mission_add_id_name_sprint_metadata_json() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "B2.1",
        "Import",
        "--sprint",
        "S1",
        "--success",
        "the flag wins",
        "--metadata",
        r#"{"description": "Read the old database", "context": "sqlite", "successCriteria": ["x"],
            "deliverables": ["src/import.rs"], "owner": "ana", "domainFields": {"risk": "low"},
            "referenceDocs": ["docs/a.md"]}"#,
    ]);
    let m = mission(&repo, "B2.1");
    assert_eq!(m["objective"], "Read the old database");
    assert_eq!(m["context"], "sqlite");
    assert_eq!(m["success_criteria"], serde_json::json!(["the flag wins"]));
    assert_eq!(m["deliverables"], serde_json::json!(["src/import.rs"]));
    let kept = &m["legacy"]["metadata"];
    assert_eq!(kept["owner"], "ana", "{m:#}");
    assert_eq!(kept["domainFields"]["risk"], "low");
    assert!(kept.get("description").is_none(), "a field, not kept twice");
    let shown = repo.ok(&["mission", "show", "B2.1"]);
    assert!(
        shown.contains("Metadata") && shown.contains("owner: \"ana\""),
        "{shown}"
    );
    // Written back where the original kept it, and read back by an import.
    let backlog = repo.ok(&["export", "backlog"]);
    assert!(backlog.contains("owner: ana"), "{backlog}");
    let out = repo.sibling("dump");
    repo.ok(&["export", "all", "--out", out.to_str().unwrap()]);
    let other = Repo::new();
    other.init();
    other.ok(&["import", "dump", out.to_str().unwrap()]);
    assert_eq!(mission(&other, "B2.1")["legacy"], m["legacy"]);
}

#[test]
fn mission_add_metadata_bad_json_is_refused_and_nothing_is_written() {
    let repo = Repo::new();
    repo.init();
    let before = repo.tip();
    let deep = format!("{{\"x\": {}1{}}}", "[".repeat(40), "]".repeat(40));
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(70_000));
    let cases: [(&str, &str); 5] = [
        ("{owner: ana}", "not JSON"),
        ("[1, 2]", "JSON object"),
        (r#"{"successCriteria": "one"}"#, "list of strings"),
        (&deep, "nested"),
        (&big, "bytes"),
    ];
    for (text, says) in cases {
        let (code, error) = repo.fails(&[
            "mission",
            "add",
            "B2.1",
            "Import",
            "--sprint",
            "S1",
            "--metadata",
            text,
        ]);
        assert_eq!(code, 2, "{error:#}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{says}: {message}");
    }
    assert_eq!(repo.tip(), before, "nothing written");
}

#[test]
fn mission_update_id_description_success_deliverable_status_sprint() {
    let repo = project();
    repo.ok(&["sprint", "add", "S2", "--title", "Second sprint"]);
    repo.ok(&[
        "mission",
        "update",
        "B1.2",
        "--description",
        "New brief",
        "--success",
        "it works",
        "--deliverable",
        "a binary",
        "--sprint",
        "S2",
        "--status",
        "Current",
    ]);
    let m = mission(&repo, "B1.2");
    assert_eq!(m["objective"], "New brief");
    assert_eq!(m["success_criteria"], serde_json::json!(["it works"]));
    assert_eq!(m["deliverables"], serde_json::json!(["a binary"]));
    assert_eq!(m["sprint"], "S2");
    assert_eq!(m["status"], "Current");
}

#[test]
fn mission_update_id_metadata_json() {
    let repo = project();
    repo.ok(&[
        "mission",
        "update",
        "B1.2",
        "--metadata",
        r#"{"owner": "ana", "tier": 1}"#,
    ]);
    repo.ok(&[
        "mission",
        "update",
        "B1.2",
        "--metadata",
        r#"{"owner": "bob", "notes": "from metadata"}"#,
    ]);
    let m = mission(&repo, "B1.2");
    assert_eq!(m["notes"], "from metadata");
    // Merged key by key, as the original merged an update's metadata.
    assert_eq!(m["legacy"]["metadata"]["owner"], "bob");
    assert_eq!(m["legacy"]["metadata"]["tier"], 1);
    let before = repo.tip();
    let (code, _) = repo.fails(&[
        "mission",
        "update",
        "B1.2",
        "--description",
        "x",
        "--metadata",
        r#"{"description": 3}"#,
    ]);
    assert_eq!(code, 2);
    assert_eq!(repo.tip(), before);
    assert!(mission(&repo, "B1.2")["objective"].is_null());
}

#[test]
fn mission_update_id_status_keeps_the_lifecycle_and_names_the_moves_it_allows() {
    let repo = project();
    let before = repo.tip();
    let (code, error) = repo.fails(&["mission", "update", "B1.2", "--status", "Completed"]);
    assert_eq!(code, 5, "{error:#}");
    assert!(error.to_string().contains("In Progress"), "{error:#}");
    assert_eq!(repo.tip(), before);
}

/// The type of the link `mission depends B1.1 B1.2 --type WORD` made.
fn linked_as(word: &str) -> String {
    let repo = project();
    let link = repo.json(&["mission", "depends", "B1.1", "B1.2", "--type", word]);
    link["type"].as_str().unwrap().to_string()
}

#[test]
fn mission_depends_from_to_type_in_every_spelling() {
    // The original's CLI read FROM as the mission that blocks TO; `depends_on` and
    // `requires` name the dependent first; `enables` and `informs` feed without gating.
    let cases = [
        ("Blocks", "blocks"),
        ("blocks", "blocks"),
        ("BLOCKS", "blocks"),
        ("sequential", "blocks"),
        ("Sequential", "blocks"),
        ("Requires", "requires"),
        ("depends_on", "requires"),
        ("Depends_On", "requires"),
        ("Enables", "informs"),
        ("Informs", "informs"),
        ("Relates", "relates"),
        ("related", "relates"),
    ];
    for (word, kind) in cases {
        assert_eq!(linked_as(word), kind, "--type {word}");
    }
}

#[test]
fn mission_depends_from_to_without_type_from_blocks_to() {
    let repo = project();
    let out = repo.ok(&["mission", "depends", "B1.1", "B1.2"]);
    assert!(
        out.contains("B1.1 blocks B1.2: B1.2 waits for B1.1"),
        "{out}"
    );
    let waiting = &mission(&repo, "B1.2")["waiting_on"];
    assert!(waiting.to_string().contains("B1.1"), "{waiting:#}");
    assert_eq!(mission(&repo, "B1.1")["waiting_on"], serde_json::json!([]));
    let help = repo.ok(&["mission", "depends", "--help"]);
    assert!(help.contains("[default: blocks]"), "{help}");
}

#[test]
fn mission_depends_from_to_type_blocks_gates_to() {
    let repo = project();
    repo.ok(&["mission", "depends", "B1.2", "B1.1", "--type", "Blocks"]);
    let waiting = &mission(&repo, "B1.1")["waiting_on"];
    assert!(waiting.to_string().contains("B1.2"), "{waiting:#}");
}

#[test]
fn test_starting_a_mission_another_blocks_warns_it_is_blocked_by_it_not_that_it_blocks() {
    let repo = project();
    repo.ok(&["mission", "depends", "B1.2", "B1.1", "--type", "Blocks"]);
    let out = repo.cmos(&["mission", "start", "B1.1"]);
    assert!(out.status.success());
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains("B1.1 is blocked by B1.2, which is Queued"),
        "{warning}"
    );
    assert!(!warning.contains("B1.1 blocks B1.2"), "{warning}");
}

#[test]
fn mission_depends_type_unknown_word_is_refused() {
    let repo = project();
    let out = repo.cmos(&["mission", "depends", "B1.1", "B1.2", "--type", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requires, blocks"), "{err}");
}

#[test]
fn mission_show_id_format_full_and_compact() {
    let repo = project();
    repo.ok(&[
        "mission",
        "update",
        "B1.1",
        "--objective",
        "Do the first thing",
    ]);
    let full = repo.ok(&["mission", "show", "B1.1", "--format", "full"]);
    assert_eq!(
        full,
        repo.ok(&["mission", "show", "B1.1"]),
        "full is the default"
    );
    let compact = repo.ok(&["mission", "show", "B1.1", "--format", "compact"]);
    assert_eq!(
        compact,
        "B1.1 First [Queued]\nSprint: S1\nObjective: Do the first thing\n"
    );
    assert!(compact.len() < full.len());
}

#[test]
fn mission_next_start() {
    let repo = project();
    let out = repo.ok(&["mission", "next", "--start"]);
    assert!(out.contains("B1.1") && out.contains("In Progress"), "{out}");
    assert_eq!(mission(&repo, "B1.1")["status"], "In Progress");
    let plain = repo.ok(&["mission", "next"]);
    assert!(
        !plain.contains("→"),
        "without --start nothing moves: {plain}"
    );
}

#[test]
fn context_snapshot_project_and_master_source() {
    let repo = project();
    let master = repo.json(&["context", "snapshot", "master", "--source", "before"]);
    let project = repo.json(&["context", "snapshot", "project", "--source", "after"]);
    assert_eq!(master["text"], "before");
    assert_eq!(project["text"], "after");
    let history = repo.json(&["context", "history"]);
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[test]
fn context_history_master_limit() {
    let repo = project();
    for source in ["one", "two", "three"] {
        repo.ok(&["context", "snapshot", "--source", source]);
    }
    let last = repo.json(&["context", "history", "master", "--limit", "1"]);
    let last = last.as_array().unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0]["text"], "three", "newest first");
    let project = repo.json(&["context", "history", "project", "--limit", "2"]);
    assert_eq!(project.as_array().unwrap().len(), 2);
}

#[test]
fn status_verbose_recent() {
    let repo = project();
    let plain = repo.json(&["status"]);
    assert!(plain.get("recent").is_none());
    let verbose = repo.json(&["status", "-v"]);
    assert_eq!(
        verbose["recent"].as_array().unwrap().len(),
        3,
        "init and two adds"
    );
    assert_eq!(verbose["project"], plain["project"]);
    let two = repo.json(&["status", "-v", "--recent", "2"]);
    let ops: Vec<&str> = two["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ops.len(), 2);
    let text = repo.ok(&["status", "--recent", "1"]);
    assert!(
        text.contains("Recent") && text.contains("mission add B1.2"),
        "{text}"
    );
}

#[test]
fn mission_block_id_summary_reason_next_hint() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    repo.ok(&[
        "mission",
        "block",
        "B1.1",
        "--summary",
        "Stuck",
        "--reason",
        "No key",
        "--next-hint",
        "ask ops",
    ]);
    assert_eq!(
        mission(&repo, "B1.1")["blocked"]["reason"],
        "Stuck: No key (next: ask ops)"
    );
}

#[test]
fn root_and_ts_are_refused_with_what_to_do_and_nothing_is_written() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    let before = repo.tip();
    // Before the subcommand and after it, with the value apart or joined by `=`.
    let cases: [(&[&str], &str); 4] = [
        (&["--root", "cmos", "mission", "status"], "-C DIR"),
        (&["mission", "status", "--root=cmos"], "-C DIR"),
        (
            &["mission", "start", "B1.2", "--ts", "2025-01-01T00:00:00Z"],
            "drop --ts",
        ),
        (
            &["mission", "start", "B1.2", "--ts=2025-01-01T00:00:00Z"],
            "drop --ts",
        ),
    ];
    for (args, hint) in cases {
        let (code, error) = repo.fails(args);
        assert_eq!(code, 2, "{args:?}: {error:#}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(hint), "{args:?}: {message}");
    }
    assert_eq!(repo.tip(), before, "nothing written");
    assert_eq!(mission(&repo, "B1.1")["status"], "In Progress");

    // Without --json the refusal is printed as any error is, not as clap's usage error.
    let out = repo.cmos(&["mission", "start", "B1.2", "--ts", "2025-01-01T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("drop --ts"), "{stderr}");
    assert!(!stderr.contains("unexpected argument"), "{stderr}");
    assert_eq!(repo.tip(), before, "nothing written");
}

#[test]
fn database_path_is_refused_with_what_to_do() {
    let repo = project();
    let db = "cmos/db/cmos.sqlite";
    let joined = format!("--db-path={db}");
    let cases: [&[&str]; 4] = [
        &["--database", db, "mission", "status"],
        &["--db-path", db, "mission", "status"],
        &["mission", "status", "--database", db],
        &["mission", "status", &joined],
    ];
    for args in cases {
        let (code, error) = repo.fails(args);
        assert_eq!(code, 2, "{args:?}: {error:#}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("-C DIR")
                && message.contains(&format!("cmos import cmos-sqlite {db}")),
            "{args:?}: {message}"
        );
    }
}

#[test]
fn original_spellings_are_listed_in_help_as_aliases() {
    let repo = Repo::new();
    let mission = repo.ok(&["mission", "--help"]);
    assert!(mission.contains("[aliases: ls, status]"), "{mission}");
    let complete = repo.ok(&["session", "complete", "--help"]);
    assert!(complete.contains("--next-steps]"), "{complete}");
    let add = repo.ok(&["mission", "add", "--help"]);
    assert!(
        add.contains("--description") && add.contains("--success"),
        "{add}"
    );
    let block = repo.ok(&["mission", "block", "--help"]);
    assert!(block.contains("[alias: --need]"), "{block}");
}

#[test]
fn cmosctl_mission_add_id_name_sprint_s_status() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B3.1", "Third", "S1", "-s", "planned"]);
    let m = mission(&repo, "B3.1");
    assert_eq!(
        (m["sprint"].as_str(), m["status"].as_str()),
        (Some("S1"), Some("Queued"))
    );
    let (code, error) = repo.fails(&["mission", "add", "B3.2", "X", "S1", "--sprint", "S2"]);
    assert_eq!(code, 2);
    assert!(
        error["message"].as_str().unwrap().contains("two sprints"),
        "{error:#}"
    );
}

#[test]
fn cmosctl_mission_complete_id_n_notes() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    repo.ok(&["mission", "complete", "B1.1", "-n", "All done"]);
    assert_eq!(last_note(&repo, "B1.1"), "All done");
}

#[test]
fn cmosctl_mission_block_id_r_reason() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    repo.ok(&["mission", "block", "B1.1", "-r", "Waiting on review"]);
    assert_eq!(
        mission(&repo, "B1.1")["blocked"]["reason"],
        "Waiting on review"
    );
}

#[test]
fn session_capture_category_content_context() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "research", "--title", "Dig"]);
    repo.ok(&[
        "session",
        "capture",
        "learning",
        "The cache is cold on CI",
        "--context",
        "seen in the build logs",
    ]);
    let shown = repo.json(&["session", "show"]);
    assert_eq!(
        shown["captures"][0]["text"],
        "The cache is cold on CI\n\nContext: seen in the build logs"
    );
}

#[test]
fn session_list_status_active_completed_and_l_limit() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "build", "--title", "Done one"]);
    repo.ok(&["session", "complete", "--summary", "ok", "--force"]);
    repo.ok(&["session", "start", "--type", "build", "--title", "Open one"]);
    let active = repo.json(&["session", "list", "--status", "active"]);
    let titles = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles(&active), ["Open one"]);
    let completed = repo.json(&["session", "list", "--status", "completed"]);
    assert_eq!(titles(&completed), ["Done one"]);
    let one = repo.json(&["session", "list", "-l", "1"]);
    assert_eq!(titles(&one), ["Open one"]);
}

#[test]
fn session_search_query_category() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "research", "--title", "One"]);
    repo.ok(&["session", "capture", "learning", "gix is fast enough"]);
    repo.ok(&["session", "complete", "--summary", "ok"]);
    repo.ok(&["session", "start", "--type", "research", "--title", "Two"]);
    repo.ok(&["session", "capture", "decision", "use gix for reads"]);
    repo.ok(&["session", "complete", "--summary", "ok"]);
    let titles = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_string())
            .collect()
    };
    let all = titles(repo.json(&["session", "search", "gix"]));
    assert_eq!(all.len(), 2, "{all:?}");
    let decisions = repo.json(&["session", "search", "gix", "--category", "decision"]);
    assert_eq!(titles(decisions), ["Two"]);
    let learnings = repo.json(&[
        "session",
        "search",
        "gix",
        "--category",
        "learning",
        "--limit",
        "5",
    ]);
    assert_eq!(titles(learnings), ["One"]);
}

#[test]
fn decisions_list_limit_domain() {
    let repo = project();
    for (title, domain) in [
        ("Use gix", "storage"),
        ("Use TOML", "storage"),
        ("Use clap", "cli"),
    ] {
        repo.ok(&[
            "decision",
            "add",
            title,
            "--rationale",
            "fits",
            "--category",
            domain,
        ]);
    }
    let storage = repo.json(&["decisions", "list", "--domain", "storage"]);
    assert_eq!(storage.as_array().unwrap().len(), 2, "{storage:#}");
    let one = repo.json(&["decisions", "list", "--limit", "1"]);
    assert_eq!(one.as_array().unwrap().len(), 1);
}

#[test]
fn research_export_id_output() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    repo.ok(&["mission", "complete", "B1.1", "--notes", "Findings here"]);
    let report = repo.path.join("report.md");
    repo.ok(&[
        "research",
        "export",
        "B1.1",
        "--output",
        report.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&report).expect("report written");
    assert!(text.starts_with("# Research Report: B1.1"), "{text}");
}

#[test]
fn context_view_format_json_and_markdown() {
    let repo = project();
    let markdown = repo.ok(&["context", "view", "--format", "markdown"]);
    assert_eq!(
        markdown,
        repo.ok(&["context"]),
        "the same as `cmos context`"
    );
    let json = repo.ok(&["context", "view", "--format", "json"]);
    let envelope: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(envelope["data"]["project"], "demo");
    let yaml = repo.ok(&["context", "view", "--format", "yaml"]);
    assert!(yaml.starts_with("project: demo\n"), "{yaml}");
    let out = repo.cmos(&["context", "view", "--format", "toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("md, json, yaml"));
}

#[test]
fn cmosctl_mission_list() {
    let repo = project();
    let out = repo.ok(&["mission", "list"]);
    assert!(out.contains("B1.1") && out.contains("B1.2"), "{out}");
}

#[test]
fn cmosctl_mission_sync_backlog_s_file() {
    let source = project();
    source.ok(&["mission", "start", "B1.1"]);
    let file = source.path.join("cmos/missions/backlog.yaml");
    source.ok(&["export", "backlog", "-o", file.to_str().unwrap()]);
    let repo = Repo::new();
    repo.init();
    let before = commits(&repo);
    repo.ok(&["mission", "sync-backlog", "-s", file.to_str().unwrap()]);
    assert_eq!(commits(&repo), before + 1, "one commit");
    assert_eq!(mission(&repo, "B1.1")["status"], "In Progress");
    assert_eq!(mission(&repo, "B1.2")["status"], "Queued");
    // Without -s, cmosctl's path under the working directory.
    let other = Repo::new();
    other.init();
    std::fs::create_dir_all(other.path.join("cmos/missions")).unwrap();
    std::fs::copy(&file, other.path.join("cmos/missions/backlog.yaml")).unwrap();
    other.ok(&["mission", "sync-backlog"]);
    assert_eq!(mission(&other, "B1.2")["name"], "Second");
    let (code, error) = other.fails(&["mission", "sync-backlog", "--source", "missing.yaml"]);
    assert_ne!(code, 0, "{error:#}");
}

#[test]
fn cmosctl_export_backlog_o_path() {
    let repo = project();
    for flag in ["-o", "--output", "--out"] {
        let path = repo.path.join(format!("backlog{flag}.yaml"));
        repo.ok(&["export", "backlog", flag, path.to_str().unwrap()]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("B1.2"), "{flag}: {text}");
    }
}

#[test]
fn cmosctl_export_backlog_t_template_is_refused_with_what_to_do() {
    let repo = project();
    let (code, error) = repo.fails(&["export", "backlog", "-t", "cmos/missions/backlog.yaml"]);
    assert_eq!(code, 2, "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("cmos import backlog cmos/missions/backlog.yaml"),
        "{message}"
    );
    assert!(!repo.path.join("cmos").exists(), "nothing written");
}

#[test]
fn cmosctl_export_sessions_o_path() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "build", "--title", "Work"]);
    let path = repo.path.join("out/SESSIONS.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    repo.ok(&["export", "sessions", "-o", path.to_str().unwrap()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.lines().count() >= 1, "{text}");
}

#[test]
fn cmosctl_export_all() {
    let repo = project();
    let out = repo.ok(&["export", "all"]);
    assert!(
        out.contains("cmos/missions/backlog.yaml") && out.contains("cmos/SESSIONS.jsonl"),
        "{out}"
    );
    let backlog = std::fs::read_to_string(repo.path.join("cmos/missions/backlog.yaml")).unwrap();
    assert!(backlog.contains("B1.1"), "{backlog}");
    assert!(repo.path.join("cmos/SESSIONS.jsonl").is_file());
    // The files exist now: replaced only when asked, and a refusal writes neither.
    std::fs::remove_file(repo.path.join("cmos/SESSIONS.jsonl")).unwrap();
    let (code, error) = repo.fails(&["export", "all"]);
    assert_eq!(code, 2, "{error:#}");
    assert!(
        !repo.path.join("cmos/SESSIONS.jsonl").exists(),
        "nothing written"
    );
    repo.ok(&["export", "all", "--overwrite"]);
    assert!(repo.path.join("cmos/SESSIONS.jsonl").is_file());
}

#[test]
fn cmosctl_status_v_backlog_recent() {
    let repo = project();
    let out = repo.cmos(&[
        "status",
        "-v",
        "--backlog",
        "cmos/missions/backlog.yaml",
        "--recent",
        "1",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Recent") && stdout.contains("mission add B1.2"),
        "{stdout}"
    );
    assert!(!stdout.contains("mission add B1.1"), "--recent 1: {stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cmos import backlog"), "{stderr}");
}

#[test]
fn cmosctl_context_backlog_o_file_recent() {
    let repo = project();
    let out = repo.ok(&["context", "--recent", "2"]);
    assert!(
        out.contains("Recent operations") && out.contains("mission add B1.2"),
        "{out}"
    );
    let file = repo.path.join("ctx/context.json");
    let said = repo.ok(&[
        "context",
        "--backlog",
        "cmos/missions/backlog.yaml",
        "-o",
        file.to_str().unwrap(),
        "--recent",
        "1",
        "--format",
        "json",
    ]);
    assert!(said.contains("Wrote context to"), "{said}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        written["recent"].as_array().map(Vec::len),
        Some(1),
        "{written:#}"
    );
    assert!(written["sections"].is_array(), "{written:#}");
    // Written again: cmosctl replaced the file each time.
    repo.ok(&["context", "-o", file.to_str().unwrap()]);
    let markdown = std::fs::read_to_string(&file).unwrap();
    assert!(markdown.starts_with("# "), "{markdown}");
}

#[test]
fn cmosctl_hook_install_p_path_force() {
    let repo = project();
    let hook = repo.path.join(".git/hooks/post-commit");
    repo.ok(&["hook", "install", "-p", ".git/hooks/post-commit", "--force"]);
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("cmos"), "{text}");
    // A path git never runs hooks from is refused, saying how to make git run it.
    let (code, error) = repo.fails(&["hook", "install", "-p", "tools/post-commit"]);
    assert_eq!(code, 2, "{error:#}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("git config core.hooksPath tools"),
        "{message}"
    );
    assert!(!repo.path.join("tools").exists(), "nothing written");
}

#[test]
fn cmosctl_kb_index_search_validate() {
    let repo = project();
    std::fs::write(
        repo.path.join("README.md"),
        "# Demo\n\nThe parser reads TOML.\n",
    )
    .unwrap();
    let never = repo.json(&["kb", "validate"]);
    assert_eq!(never["current"], false, "{never:#}");
    repo.ok(&["kb", "index"]);
    let hits = repo.ok(&["kb", "search", "parser"]);
    assert!(hits.contains("README.md"), "{hits}");
    assert_eq!(repo.json(&["kb", "validate"])["current"], true);
    std::fs::create_dir_all(repo.path.join("docs")).unwrap();
    std::fs::write(repo.path.join("docs/new.md"), "# New\n").unwrap();
    std::fs::write(
        repo.path.join("README.md"),
        "# Demo\n\nThe parser reads TOML and JSON.\n",
    )
    .unwrap();
    let stale = repo.json(&["kb", "validate"]);
    assert_eq!(stale["current"], false);
    assert_eq!(
        stale["new"],
        serde_json::json!(["docs/new.md"]),
        "{stale:#}"
    );
    assert_eq!(
        stale["changed"],
        serde_json::json!(["README.md"]),
        "{stale:#}"
    );
    let said = repo.ok(&["kb", "validate"]);
    assert!(
        said.contains("changed  README.md") && said.contains("cmos kb index"),
        "{said}"
    );
}

#[test]
fn mission_start_id_summary_agent() {
    let repo = project();
    repo.ok(&[
        "mission",
        "start",
        "B1.1",
        "--summary",
        "go",
        "--agent",
        "codex",
    ]);
    let m = mission(&repo, "B1.1");
    assert_eq!(m["transitions"][0]["by"], "codex", "{m:#}");
}

#[test]
fn mission_complete_id_immediate_while_another_is_current_warns_what_to_start() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.1"]);
    repo.ok(&["mission", "update", "B1.2", "--status", "current"]);
    let out = repo.cmos(&["mission", "complete", "B1.1", "--immediate"]);
    assert!(out.status.success());
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(warning.contains("mission next --start"), "{warning}");
    assert_eq!(mission(&repo, "B1.2")["status"], "Current");
}

#[test]
fn mission_update_status_it_already_has_with_fields_is_not_refused() {
    let repo = project();
    repo.ok(&["mission", "update", "B1.2", "--status", "Current"]);
    let before = commits(&repo);
    repo.ok(&[
        "mission",
        "update",
        "B1.2",
        "--status",
        "Current",
        "--name",
        "Second, renamed",
    ]);
    let m = mission(&repo, "B1.2");
    assert_eq!(m["name"], "Second, renamed", "{m:#}");
    assert_eq!(m["status"], "Current");
    assert_eq!(
        commits(&repo),
        before + 1,
        "one commit, and no move recorded"
    );
    let moves = m["transitions"].as_array().unwrap();
    assert_eq!(moves.len(), 1, "only the first move to Current: {m:#}");
}

#[test]
fn cmosctl_mission_next_start_while_one_is_in_progress_shows_it_instead_of_refusing() {
    let repo = project();
    repo.ok(&["mission", "start", "B1.2"]);
    let before = commits(&repo);
    let out = repo.ok(&["mission", "next", "--start"]);
    assert!(out.contains("B1.2"), "{out}");
    assert_eq!(commits(&repo), before, "nothing to start, nothing written");
    assert_eq!(mission(&repo, "B1.1")["status"], "Queued");
}
