//! The original CMOS's session, decision and memory command lines: cmosctl's activity log
//! (`session log -t …`, `session list -m/-l`, `session show N`), `decisions by-sprint` and
//! `decisions search --domain`, and `memory list`; with the bad input each refuses.

mod common;

use serde_json::Value;

use common::Repo;

/// A project with sprint S1 ("First sprint") and missions B1 and B2 in it.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Build the parser", "--sprint", "S1"]);
    repo.ok(&["mission", "add", "B2", "Write the docs", "--sprint", "S1"]);
    repo
}

fn texts(data: &Value, key: &str) -> Vec<String> {
    data.as_array()
        .expect("a list")
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn session_log_records_one_entry_per_call_and_moves_no_mission() {
    let repo = project();
    let before = repo.tip();
    let entry = repo.json(&[
        "session",
        "log",
        "-t",
        "start",
        "-m",
        "B1",
        "-s",
        "Began the parser",
        "-a",
        "codex",
        "-d",
        "tokens first",
    ]);
    assert_eq!(entry["n"], 1);
    assert_eq!(entry["action"], "start");
    assert_eq!(entry["status"], "in_progress");
    assert_eq!(entry["mission"], "B1");
    assert_eq!(entry["agent"], "codex", "-a names who did it");
    assert_eq!(entry["details"], "tokens first");
    // One operation, one commit, and the mission is where it was (cmosctl's log only noted).
    assert_eq!(
        repo.git(&["rev-list", "--count", &format!("{}..cmos", before.unwrap())])
            .trim(),
        "1"
    );
    assert_eq!(repo.json(&["mission", "show", "B1"])["status"], "Queued");

    let blocked = repo.json(&[
        "session",
        "log",
        "--type",
        "Blocked",
        "-m",
        "B1",
        "-s",
        "Waiting on keys",
    ]);
    assert_eq!(
        (blocked["n"].as_u64(), blocked["status"].as_str()),
        (Some(2), Some("blocked"))
    );
    let done = repo.json(&["session", "log", "-t", "complete", "-s", "Wrapped up"]);
    assert_eq!(done["n"], 3);
    assert_eq!(done["mission"], Value::Null);

    // Newest first, numbered for `session show N`; -m keeps one mission's, -l cuts.
    let all = repo.json(&["session", "list", "--log"]);
    assert_eq!(
        texts(&all, "summary"),
        ["Wrapped up", "Waiting on keys", "Began the parser"]
    );
    let b1 = repo.json(&["session", "list", "--log", "-m", "B1", "-l", "1"]);
    assert_eq!(texts(&b1, "summary"), ["Waiting on keys"]);
    let shown = repo.json(&["session", "show", "1"]);
    assert_eq!(shown["summary"], "Began the parser");
    let text = repo.ok(&["session", "show", "2"]);
    assert!(
        text.contains("Waiting on keys") && text.contains("blocked"),
        "{text}"
    );
}

#[test]
fn session_log_commit_records_the_commit_like_the_post_commit_hook() {
    let repo = project();
    std::fs::write(repo.path.join("parser.rs"), "fn main() {}\n").unwrap();
    repo.git(&["add", "parser.rs"]);
    repo.git(&["commit", "-q", "-m", "Add the parser"]);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let entry = repo.json(&[
        "session",
        "log",
        "-t",
        "commit",
        "-m",
        "B1",
        "-s",
        "Add the parser",
    ]);
    assert_eq!(entry["action"], "commit");
    assert_eq!(entry["commit"], head.as_str());
    // The hook's event shape: the mission's page lists the commit with its files.
    repo.ok(&["mission", "start", "B1"]);
    let events = repo.show(&repo.event_shards()[0]);
    let logged: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &Value| e["kind"] == "git.commit")
        .collect();
    assert_eq!(logged.len(), 1, "{events}");
    assert_eq!(logged[0]["hash"], head.as_str());
    assert_eq!(logged[0]["files"], serde_json::json!(["parser.rs"]));
    assert_eq!(logged[0]["target"], "B1");

    // cmosctl's hook passed the hash in the details; a hash the repository lacks is refused.
    let named = repo.json(&[
        "session",
        "log",
        "-t",
        "commit",
        "-s",
        "again",
        "-d",
        &format!("{{\"hash\": \"{head}\", \"files\": [\"parser.rs\"]}}"),
    ]);
    assert_eq!(named["commit"], head.as_str());
    let tip = repo.tip();
    let (code, err) = repo.fails(&[
        "session",
        "log",
        "-t",
        "commit",
        "-s",
        "ghost",
        "-d",
        "{\"hash\": \"0123456789abcdef0123456789abcdef01234567\"}",
    ]);
    assert_eq!(
        (code, err["code"].as_str()),
        (2, Some("invalid_input")),
        "{err}"
    );
    assert!(
        err["message"].as_str().unwrap().contains("does not have"),
        "{err}"
    );
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn session_log_refuses_an_unknown_type_mission_or_empty_summary() {
    let repo = project();
    let tip = repo.tip();
    let out = repo.cmos(&["session", "log", "-t", "finish", "-s", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown log type \"finish\": use start, complete, blocked or commit"),
        "{stderr}"
    );
    let (_, err) = repo.fails(&["session", "log", "-t", "start", "-m", "B9", "-s", "x"]);
    assert_eq!(err["code"], "not_found", "{err}");
    let (_, err) = repo.fails(&["session", "log", "-t", "start", "-s", "   "]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("summary must not be empty"),
        "{err}"
    );
    let (_, err) = repo.fails(&["session", "show", "7"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("there is no log entry 7"),
        "{err}"
    );
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn session_list_mission_filter_keeps_the_sessions_on_that_mission() {
    let repo = project();
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "parser",
        "--mission",
        "B1",
    ]);
    repo.ok(&["session", "complete", "--summary", "done", "--force"]);
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "docs",
        "--mission",
        "B2",
    ]);
    let b1 = repo.json(&["session", "list", "-m", "B1", "-l", "5"]);
    assert_eq!(texts(&b1, "title"), ["parser"]);
    assert_eq!(b1[0]["mission"], "B1");
    // Show still takes a session id next to an entry number.
    let id = b1[0]["id"].as_str().unwrap();
    assert_eq!(repo.json(&["session", "show", id])["title"], "parser");
}

#[test]
fn decisions_by_sprint_lists_a_sprint_named_by_id_or_title() {
    let repo = project();
    repo.ok(&["sprint", "add", "S2", "--title", "Sprint 02"]);
    repo.ok(&["mission", "add", "C1", "Later", "--sprint", "S2"]);
    repo.ok(&[
        "decision",
        "add",
        "Use TOML",
        "--rationale",
        "readable",
        "--mission",
        "B1",
        "--category",
        "storage",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Ship weekly",
        "--rationale",
        "cadence",
        "--mission",
        "C1",
        "--category",
        "process",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Log as JSONL",
        "--rationale",
        "append only",
        "--category",
        "storage",
    ]);

    let s1 = repo.json(&["decisions", "by-sprint", "S1"]);
    assert_eq!(texts(&s1, "text"), ["Use TOML"]);
    let s2 = repo.json(&["decisions", "by-sprint", "sprint 02"]);
    assert_eq!(texts(&s2, "text"), ["Ship weekly"]);
    assert_eq!(
        repo.json(&["decisions", "list", "--sprint", "First sprint"]),
        s1
    );

    let storage = repo.json(&["decisions", "list", "--domain", "storage"]);
    assert_eq!(texts(&storage, "text"), ["Log as JSONL", "Use TOML"]);
    let hits = repo.json(&[
        "decisions",
        "search",
        "TOML",
        "JSONL",
        "--domain",
        "process",
    ]);
    assert_eq!(hits, serde_json::json!([]));
    let hits = repo.json(&["decisions", "search", "toml", "--domain", "Storage"]);
    assert_eq!(hits[0]["item"]["text"], "Use TOML");

    let (code, err) = repo.fails(&["decisions", "by-sprint", "Sprint 09"]);
    assert_eq!(
        (code, err["code"].as_str()),
        (3, Some("not_found")),
        "{err}"
    );
    assert!(
        err["message"].as_str().unwrap().contains("Sprint 09"),
        "{err}"
    );
}

#[test]
fn memory_list_shows_everything_remembered_newest_first_with_its_kind() {
    let repo = project();
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "parser",
        "--mission",
        "B1",
    ]);
    repo.ok(&["session", "capture", "context", "The API is rate limited"]);
    repo.ok(&["session", "capture", "learning", "gix reads trees fast"]);
    repo.ok(&["session", "complete", "--summary", "parser begun"]);
    repo.ok(&["decision", "add", "Use TOML", "--rationale", "readable"]);
    repo.ok(&["constraint", "add", "No network in tests"]);
    repo.ok(&[
        "fact",
        "add",
        "The parser lives in src/parse.rs",
        "--kind",
        "code",
    ]);
    repo.ok(&["next-step", "add", "Write the docs"]);
    repo.ok(&["next-step", "add", "Drop the old parser"]);
    let dropped = repo.json(&["next-step", "list"]);
    let old = dropped
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"] == "Drop the old parser")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    repo.ok(&["next-step", "done", &old]);

    let all = repo.json(&["memory", "list"]);
    let mut kinds = texts(&all, "kind");
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "constraint",
            "decision",
            "fact",
            "learning",
            "next-step",
            "note"
        ],
        "{all:#}"
    );
    assert!(
        !texts(&all, "text").contains(&"Drop the old parser".to_string()),
        "done steps are not open"
    );
    let times = texts(&all, "at");
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let notes = repo.json(&["memory", "list", "--kind", "notes"]);
    assert_eq!(texts(&notes, "text"), ["The API is rate limited"]);
    assert_eq!(
        repo.json(&["memory", "list", "-l", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The session's captures belong to its sprint, a next step to the current one; the
    // decision, constraint and fact made outside both name no sprint.
    let s1 = repo.json(&["memory", "list", "--sprint", "first sprint"]);
    let mut s1_kinds = texts(&s1, "kind");
    s1_kinds.sort();
    assert_eq!(s1_kinds, ["learning", "next-step", "note"], "{s1:#}");
    let table = repo.ok(&["memory", "list"]);
    assert!(table.starts_with("KIND"), "{table}");

    let out = repo.cmos(&["memory", "list", "--kind", "wishes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kind of memory \"wishes\""));
    let (_, err) = repo.fails(&["memory", "list", "--sprint", "S9"]);
    assert_eq!(err["code"], "not_found", "{err}");
}

#[test]
fn session_list_log_numbers_imported_cmosctl_lines_with_the_new_entries() {
    let repo = project();
    let file = repo.sibling("SESSIONS.jsonl");
    std::fs::write(
        &file,
        concat!(
            r#"{"ts":"2025-10-01T09:00:00Z","agent":"codex","mission":"B1","action":"start","status":"in_progress","summary":"Imported start"}"#,
            "\n",
            r#"{"ts":"2025-10-01T10:00:00Z","agent":"git-hook","mission":"B1","action":"commit","status":"commit","summary":"Imported commit","details":{"hash":"abc"}}"#,
            "\n",
        ),
    )
    .unwrap();
    repo.ok(&["import", "sessions", file.to_str().unwrap()]);
    let entry = repo.json(&[
        "session", "log", "-t", "complete", "-m", "B1", "-s", "Finished",
    ]);
    assert_eq!(entry["n"], 3, "the imported lines come first, by time");
    let b1 = repo.json(&["session", "list", "--log", "-m", "B1"]);
    assert_eq!(
        texts(&b1, "summary"),
        ["Finished", "Imported commit", "Imported start"]
    );
    assert_eq!(texts(&b1, "action"), ["complete", "commit", "start"]);
    assert_eq!(repo.json(&["session", "show", "1"])["agent"], "codex");
}

#[test]
fn context_snapshot_session_was_refused_as_an_unexpected_argument() {
    let repo = project();
    repo.ok(&["session", "start", "--type", "planning", "--title", "Plan"]);
    let session = repo.json(&["session", "show"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    repo.ok(&[
        "context",
        "snapshot",
        "master",
        "--session",
        &session,
        "--source",
        "Planned",
    ]);
    let history = repo.json(&["context", "history", "master", "--limit", "1"]);
    assert_eq!(history[0]["text"], "Planned", "{history:#}");
    assert_eq!(history[0]["session"], session.as_str(), "{history:#}");
    // A session that does not exist is refused, and nothing is written.
    let before = repo.tip();
    let (code, env) = repo.fails(&[
        "context",
        "snapshot",
        "master",
        "--session",
        "ps-nope",
        "--source",
        "x",
    ]);
    assert_ne!(code, 0, "{env:#}");
    assert_eq!(repo.tip(), before);
}

#[test]
fn context_view_with_a_snapshot_id_as_its_argument_was_an_unexpected_argument() {
    let repo = project();
    repo.ok(&["decision", "add", "Keep one store", "--rationale", "simple"]);
    let snapshot = repo.json(&["context", "snapshot", "--source", "before"])["id"]
        .as_str()
        .unwrap()
        .to_string();
    repo.ok(&[
        "decision",
        "add",
        "Add a cache later",
        "--rationale",
        "speed",
    ]);
    let by_argument = repo.json(&["context", "view", &snapshot]);
    let by_flag = repo.json(&["context", "view", "--snapshot", &snapshot]);
    assert_eq!(by_argument["view"], by_flag["view"]);
    let text = by_argument.to_string();
    assert!(text.contains("Keep one store"), "{by_argument:#}");
    assert!(!text.contains("Add a cache later"), "{by_argument:#}");
}

#[test]
fn decisions_list_domain_general_found_nothing_for_decisions_without_a_category() {
    let repo = project();
    repo.ok(&["decision", "add", "Keep one store", "--rationale", "simple"]);
    repo.ok(&[
        "decision",
        "add",
        "Use TOML",
        "--rationale",
        "diffs",
        "--category",
        "format",
    ]);
    let general = repo.json(&["decisions", "list", "--domain", "general"]);
    assert_eq!(texts(&general, "text"), ["Keep one store"], "{general:#}");
    let found = repo.json(&["decisions", "search", "store", "--domain", "General"]);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found:#}");
}

#[test]
fn session_list_mission_pointed_nowhere_when_only_the_activity_log_had_entries() {
    let repo = project();
    repo.ok(&["session", "log", "-t", "start", "-m", "B1", "-s", "Began"]);
    let out = repo.ok(&["session", "list", "-m", "B1"]);
    assert!(
        out.contains("session list --log -m B1"),
        "points at the log: {out}"
    );
    let none = repo.ok(&["session", "list", "-m", "B2"]);
    assert!(!none.contains("--log"), "{none}");
}
