//! `cmos import` and `cmos export` on the real data of projects that used the original CMOS
//! (tests/fixtures/legacy-cmos, a copy of ../shared/fixtures/legacy-cmos), on peer tools' files, and on bad input.

mod common;

use std::path::{Path, PathBuf};

use common::Repo;
use serde_json::Value;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/legacy-cmos")
        .join(path)
}

fn fixture_arg(path: &str) -> String {
    fixture(path).display().to_string()
}

/// A repository without a cmos project: imports create it.
fn repo() -> Repo {
    let repo = Repo::new();
    assert_eq!(repo.tip(), None);
    repo
}

fn verify(repo: &Repo) {
    let out = repo.ok(&["verify"]);
    assert!(out.contains("no problems"), "{out}");
}

fn count(report: &Value, bucket: &str, kind: &str) -> u64 {
    report[bucket][kind].as_u64().unwrap_or(0)
}

#[test]
fn every_fixture_imports_verifies_and_imports_again_as_a_no_op() {
    let cases: &[(&str, &[&str])] = &[
        (
            "cmos-sqlite",
            &["Cross-Protocol-Manifest-System/cmos/db/cmos.sqlite"],
        ),
        ("cmos-sqlite", &["cmos/db/cmos.sqlite"]),
        (
            "backlog",
            &["Cross-Protocol-Manifest-System/cmos/missions/backlog.yaml"],
        ),
        ("backlog", &["cmos/missions/backlog.yaml"]),
        ("backlog", &["cmos/missions/templates/backlog.yaml"]),
        ("backlog", &["cmos-dev/cmos/missions/backlog.yaml"]),
        (
            "backlog",
            &["Mission-Protocol.v2/cmos/missions/backlog.yaml"],
        ),
        (
            "backlog",
            &["Mission-Protocol.v2/tests/test-data/mission-outcome/backlog.yaml"],
        ),
        ("sessions", &["cmos-dev/cmos/SESSIONS.jsonl"]),
        ("sessions", &["Mission-Protocol.v2/SESSIONS.jsonl"]),
        ("sessions", &["Mission-Protocol.v2/cmos/SESSIONS.jsonl"]),
        (
            "sessions",
            &["Mission-Protocol.v2/tests/test-data/mission-outcome/sessions.jsonl"],
        ),
        (
            "contexts",
            &[
                "cmos/PROJECT_CONTEXT.json",
                "cmos/context/MASTER_CONTEXT.json",
            ],
        ),
        (
            "contexts",
            &[
                "cmos-dev/cmos/PROJECT_CONTEXT.json",
                "cmos-dev/cmos/context/MASTER_CONTEXT.json",
            ],
        ),
        ("contexts", &["Cross-Protocol-Manifest-System/cmos"]),
        ("contexts", &["Mission-Protocol.v2/cmos"]),
        ("contexts", &["Synthesis-Workbench/cmos/contexts"]),
        ("contexts", &["agent-vitals-bench/cmos/context"]),
    ];
    // All of them into one project, in turn, as a team moving everything over would.
    let repo = repo();
    for (format, paths) in cases {
        let mut args = vec!["import".to_string(), format.to_string()];
        args.extend(paths.iter().map(|p| fixture_arg(p)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = repo.tip();
        let report = repo.json(&args);
        let after = repo.tip();
        let wrote = report["imported"]
            .as_object()
            .is_some_and(|m| !m.is_empty());
        assert_eq!(
            wrote,
            before != after,
            "{format} {paths:?}: a commit exactly when something is new"
        );
        if wrote {
            let after = after.clone().unwrap_or_default();
            let range = match &before {
                Some(before) => format!("{before}..{after}"),
                None => after,
            };
            let commits = repo.git(&["rev-list", "--count", &range]);
            assert_eq!(
                commits.trim(),
                "1",
                "{format} {paths:?}: one import is one commit"
            );
        }
        let again = repo.json(&args);
        assert_eq!(
            repo.tip(),
            after,
            "{format} {paths:?}: a re-run changes nothing"
        );
        assert!(
            again["imported"].as_object().is_none_or(|m| m.is_empty()),
            "{again:#}"
        );
        assert_eq!(again["commit"], Value::Null);
        verify(&repo);
    }
}

#[test]
fn the_database_keeps_every_mission_dependency_and_session_event() {
    let repo = repo();
    let report = repo.json(&[
        "import",
        "cmos-sqlite",
        &fixture_arg("Cross-Protocol-Manifest-System/cmos/db/cmos.sqlite"),
    ]);
    assert_eq!(count(&report, "imported", "missions"), 30);
    assert_eq!(count(&report, "imported", "sprints"), 4);
    assert_eq!(count(&report, "imported", "events"), 74);
    verify(&repo);
    // 31 dependencies: each is a link, or kept beside the mission with why it is not one.
    let missions = repo.json(&["mission", "list"]);
    let list = missions["missions"]
        .as_array()
        .or(missions.as_array())
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 30, "{missions:#}");
    let mut links = 0;
    for m in &list {
        let id = m["id"].as_str().unwrap();
        let path = format!(".cmos/missions/{}/{id}.toml", &repo_dir(id));
        let text = repo.show(&path);
        links += text.matches("[[depends]]").count();
        links += text.matches("[[legacy.unlinked]]").count();
    }
    assert_eq!(links, 31);
    // Messy values are mapped and said so; originals stay beside them.
    let mapped = serde_json::to_string(&report["mapped"]).unwrap();
    assert!(
        mapped.contains("dependency type \\\"sequential\\\" → requires"),
        "{mapped}"
    );
    assert!(mapped.contains("timestamp in another form"), "{mapped}");
    let sprint = repo.show(&cmos::format::layout::sprint_path("SPRINT-01-PHASE1"));
    assert!(
        sprint.contains("start_date = \"2025-11-07T11:09:51.103910\""),
        "{sprint}"
    );
    let kept = serde_json::to_string(&report["kept_raw"]).unwrap();
    assert!(kept.contains("telemetry_events"), "{kept}");
    assert!(
        repo.show(".cmos/legacy/cmos-sqlite/telemetry_events.jsonl")
            .contains("testing-summary")
    );
    let skipped = serde_json::to_string(&report["skipped"]).unwrap();
    assert!(skipped.contains("sqlite_sequence"), "{skipped}");
    // The blocked mission is Blocked with its reason, and its history came from the events.
    let blocked = repo.json(&["mission", "show", "B4.10_readme-final-polish"]);
    let text = blocked.to_string();
    assert!(text.contains("Blocked"), "{text}");
    // The session events are in the log, each with its original line.
    let log = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/events",
    ]);
    assert!(log.contains("import-cmos-sqlite-"), "{log}");
}

/// The directory a mission's file is in (two hex digits of the FNV-1a hash of its id).
fn repo_dir(id: &str) -> String {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:02x}", hash & 0xff)
}

/// A database in the cmos-seed 2.1 schema, with the tables the fixtures lack and the messy
/// values real projects have.
fn v21_database(path: &Path) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        r#"
        CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO metadata VALUES ('project_name', 'Seed project'), ('schema_version', '2.1');
        CREATE TABLE sprints (id TEXT PRIMARY KEY, title TEXT NOT NULL, focus TEXT, status TEXT,
            start_date TEXT, end_date TEXT, total_missions INTEGER, completed_missions INTEGER,
            project_id TEXT, stable_event_id TEXT, occurred_at INTEGER);
        INSERT INTO sprints VALUES ('S1', 'First', 'Setup', 'planning', '2025-11-01', NULL, 2, 0, 'p', '01J', 1761955200000);
        INSERT INTO sprints VALUES ('S0', 'Old', NULL, 'Archived', '2025-10-01', '2025-10-31', 0, 0, 'p', '01K', 1761955200000);
        CREATE TABLE missions (id TEXT PRIMARY KEY, sprint_id TEXT, name TEXT NOT NULL, status TEXT NOT NULL,
            completed_at TEXT, notes TEXT, objective TEXT, context TEXT, success_criteria TEXT, deliverables TEXT,
            reference_docs TEXT, domain_fields TEXT, created_at TEXT, started_at TEXT, updated_at TEXT, metadata TEXT);
        INSERT INTO missions VALUES ('M1', 'S1', 'Set up', 'completed', '2025-11-02 10:00:00', 'done well',
            'Make it run', 'Fresh repo', '["builds","tests pass"]', '["ci.yml"]', '["docs/a.md"]', '{"type":"build"}',
            '2025-11-01T09:00:00Z', '2025-11-01T09:30:00Z', '2025-11-02T10:00:00Z', NULL);
        INSERT INTO missions VALUES ('M2', 'S1', 'Ship', 'In-Progress', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            'template', NULL, NULL, NULL);
        INSERT INTO missions VALUES ('M3', 'S9', 'Orphan', 'Finished?', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            '2025-11-01T09:00:00Z', NULL, NULL, NULL);
        CREATE TABLE mission_dependencies (from_id TEXT, to_id TEXT, type TEXT NOT NULL, PRIMARY KEY (from_id, to_id));
        INSERT INTO mission_dependencies VALUES ('M2', 'M1', 'Blocks'), ('M1', 'M2', 'requires'), ('M3', 'M1', 'Research informs Build'),
            ('M2', 'M9', 'Relates');
        CREATE TABLE session_events (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT, agent TEXT, mission TEXT, action TEXT,
            status TEXT, summary TEXT, next_hint TEXT, raw_event TEXT NOT NULL);
        INSERT INTO session_events (ts, agent, mission, action, status, summary, raw_event) VALUES
            ('2025-11-01T09:30:00Z', 'codex', 'M1', 'start', 'in_progress', 'go', '{"ts":"2025-11-01T09:30:00Z"}'),
            ('2025-11-01T03:14:16.NZ', 'codex', 'M2', 'start', 'in_progress', 'malformed time', '{"ts":"2025-11-01T03:14:16.NZ"}'),
            (NULL, NULL, 'PS-2025-11-01-001', NULL, 'initialization', 'legacy row', '{}');
        CREATE TABLE sessions (id TEXT PRIMARY KEY, type TEXT NOT NULL, title TEXT NOT NULL, sprint_id TEXT,
            started_at TEXT NOT NULL, completed_at TEXT, agent TEXT, status TEXT NOT NULL DEFAULT 'active', summary TEXT,
            captures TEXT DEFAULT '[]', next_steps TEXT, metadata TEXT, author_user_id TEXT);
        INSERT INTO sessions VALUES ('PS-2025-11-01-001', 'planning', 'Plan', 'S1', '2025-11-01T08:00:00Z',
            '2025-11-01T09:00:00Z', 'claude', 'completed', 'Planned S1',
            '[{"category":"decision","content":"Use SQLite","timestamp":"2025-11-01T08:30:00Z"},{"category":"insight","content":"odd one"}]',
            '["Start M1"]', '{"domain":"core"}', 'u1');
        CREATE TABLE session_missions (session_id TEXT, mission_id TEXT, linked_at TEXT NOT NULL, source TEXT,
            PRIMARY KEY (session_id, mission_id));
        INSERT INTO session_missions VALUES ('PS-2025-11-01-001', 'M1', '2025-11-01T08:10:00Z', 'capture');
        CREATE TABLE strategic_decisions (id INTEGER PRIMARY KEY, context_id TEXT NOT NULL DEFAULT 'master_context',
            decision_text TEXT NOT NULL, created_at TEXT NOT NULL, sprint_id TEXT, snapshot_id INTEGER, project_domain TEXT,
            author_session_id TEXT, source_chunk_ids TEXT, mission_id TEXT, category TEXT, superseded_by INTEGER,
            status TEXT NOT NULL DEFAULT 'active', evidence TEXT, content_hash TEXT);
        INSERT INTO strategic_decisions VALUES (1, 'master_context', 'Use SQLite', '2025-11-01T08:30:00Z', 'S1', NULL,
            'general', 'PS-2025-11-01-001', '[]', 'M1', 'architectural', NULL, 'active', '[{"type":"file","id":"a"}]', 'abc');
        INSERT INTO strategic_decisions VALUES (2, 'master_context', 'Use Postgres', '2025-10-01T08:30:00Z', NULL, NULL,
            'general', NULL, NULL, NULL, 'architectural', 1, 'superseded', NULL, 'def');
        CREATE TABLE learnings (id INTEGER PRIMARY KEY, content TEXT NOT NULL, category TEXT, status TEXT, sprint_id TEXT,
            author_session_id TEXT, mission_id TEXT, created_at TEXT NOT NULL, content_hash TEXT, evergreen INTEGER NOT NULL DEFAULT 0);
        INSERT INTO learnings VALUES (1, 'WAL needs a checkpoint', 'technical', 'active', 'S1', NULL, NULL, '2025-11-01 10:00:00', 'x', 1);
        CREATE TABLE next_steps (id INTEGER PRIMARY KEY, content TEXT NOT NULL, status TEXT DEFAULT 'pending', session_id TEXT,
            sprint_id TEXT, mission_id TEXT, created_at TEXT NOT NULL, resolved_at TEXT, carried_to_sprint TEXT, content_hash TEXT);
        INSERT INTO next_steps VALUES (1, 'Write docs', 'pending', NULL, 'S1', NULL, '2025-11-01T10:00:00Z', NULL, NULL, NULL),
            (2, 'Old step', 'completed', NULL, 'S1', NULL, '2025-11-01T10:00:00Z', '2025-11-02T10:00:00Z', NULL, NULL);
        CREATE TABLE constraints (id INTEGER PRIMARY KEY, content TEXT NOT NULL, status TEXT DEFAULT 'active', session_id TEXT,
            sprint_id TEXT, created_at TEXT NOT NULL, expires_at TEXT, archived_at TEXT, content_hash TEXT);
        INSERT INTO constraints VALUES (1, 'No network in CI', 'expired', NULL, NULL, '2025-11-01T10:00:00Z', NULL, NULL, NULL);
        CREATE TABLE agent_feedback (id INTEGER PRIMARY KEY, tool_name TEXT NOT NULL, body TEXT NOT NULL, status TEXT DEFAULT 'open',
            created_at TEXT NOT NULL);
        INSERT INTO agent_feedback VALUES (1, 'cmos_mission_list', 'too long', 'open', '2025-11-01T10:00:00Z');
        CREATE VIRTUAL TABLE decisions_fts USING fts5(decision_text, content='strategic_decisions', content_rowid='id');
        INSERT INTO decisions_fts(decisions_fts) VALUES ('rebuild');
        "#,
    )
    .unwrap();
}

#[test]
fn a_newer_schema_imports_sessions_knowledge_and_keeps_what_has_no_place() {
    let repo = repo();
    let db = repo.sibling("seed.sqlite");
    v21_database(&db);
    let report = repo.json(&["import", "cmos-sqlite", db.to_str().unwrap()]);
    verify(&repo);
    assert_eq!(count(&report, "imported", "missions"), 3);
    assert_eq!(count(&report, "imported", "sessions"), 1);
    assert_eq!(count(&report, "imported", "decisions"), 2);
    assert_eq!(count(&report, "imported", "learnings"), 1);
    assert_eq!(count(&report, "imported", "next-steps"), 2);
    assert_eq!(count(&report, "imported", "constraints"), 1);
    let text = report.to_string();
    for expected in [
        "mission status \\\"completed\\\" → Completed",
        "mission status \\\"In-Progress\\\" → In Progress",
        "Finished?",
        "Research informs Build",
        "malformed timestamp",
        "agent_feedback",
        "decisions_fts",
        "sprint status \\\"Archived\\\" → Completed",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from {report:#}"
        );
    }
    // "M2 Blocks M1" and "M1 requires M2" were written in the two conventions: M1 is
    // Completed and M2 In Progress, so both mean M2 requires M1 (one link, no cycle). The
    // link to the unknown M9 is kept, not lost.
    let m1 = repo.show(&format!(".cmos/missions/{}/M1.toml", repo_dir("M1")));
    let m2 = repo.show(&format!(".cmos/missions/{}/M2.toml", repo_dir("M2")));
    assert_eq!(
        m1.matches("[[legacy.unlinked]]").count() + m2.matches("[[legacy.unlinked]]").count(),
        1,
        "{m1}\n{m2}"
    );
    assert!(
        m2.contains("on = \"M1\"") && !m1.contains("on = \"M2\""),
        "{m1}\n{m2}"
    );
    assert!(m1.contains("domain_fields"), "{m1}");
    // The orphan's unknown status and sprint stay beside it.
    let m3 = repo.show(&format!(".cmos/missions/{}/M3.toml", repo_dir("M3")));
    assert!(m3.contains("mission_status = \"Finished?\""), "{m3}");
    let session = repo.json(&["session", "show", "PS-2025-11-01-001"]);
    let s = session.to_string();
    assert!(
        s.contains("Use SQLite") && s.contains("odd one") && s.contains("M1"),
        "{session:#}"
    );
    let decisions = repo.json(&["decision", "list", "--all"]);
    let d = decisions.to_string();
    assert!(
        d.contains("Use SQLite") && d.contains("Use Postgres") && d.contains("Superseded"),
        "{decisions:#}"
    );
    assert!(
        repo.show(".cmos/legacy/cmos-sqlite/agent_feedback.jsonl")
            .contains("too long")
    );
}

#[test]
fn bad_input_is_refused_clearly_and_leaves_the_branch_alone() {
    let repo = repo();
    repo.ok(&["init", "--name", "demo"]);
    let tip = repo.tip();
    let dir = repo.sibling("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let full = std::fs::read(fixture(
        "Cross-Protocol-Manifest-System/cmos/db/cmos.sqlite",
    ))
    .unwrap();
    let truncated = write("truncated.sqlite", &full[..full.len() / 3]);
    let not_sqlite = write("notes.sqlite", b"just some text\n");
    let bad_yaml = write(
        "backlog.yaml",
        b"domainFields:\n  sprints: [\n    - sprintId: S1\n  missions: {\n",
    );
    let all_garbage = write("SESSIONS.jsonl", b"not json\nstill not\n");
    let not_json = write("tasks.json", b"{\"tasks\": [");
    let context_file = fixture_arg("cmos-dev/cmos/PROJECT_CONTEXT.json");
    let backlog_file = fixture_arg("cmos-dev/cmos/missions/backlog.yaml");
    let sessions_file = fixture_arg("cmos-dev/cmos/SESSIONS.jsonl");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["import", "cmos-sqlite", &truncated], "truncated"),
        (
            vec!["import", "cmos-sqlite", &not_sqlite],
            "not a SQLite database",
        ),
        (vec!["import", "backlog", &bad_yaml], "not valid YAML: line"),
        (vec!["import", "sessions", &all_garbage], "not JSON Lines"),
        (vec!["import", "task-master", &not_json], "not JSON"),
        // The wrong kind of file for the format.
        (
            vec!["import", "backlog", &context_file],
            "not a CMOS backlog.yaml",
        ),
        (vec!["import", "sessions", &backlog_file], "not JSON Lines"),
        (
            vec!["import", "cmos-sqlite", &sessions_file],
            "not a SQLite database",
        ),
        (vec!["import", "beads", &sessions_file], "not Beads issues"),
        (
            vec!["import", "dump", dir.to_str().unwrap()],
            "not a cmos dump",
        ),
        (
            vec!["import", "backlog", "/no/such/file.yaml"],
            "does not exist",
        ),
    ];
    for (args, expected) in cases {
        let (code, error) = repo.fails(&args);
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{args:?}: {message}");
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(repo.tip(), tip, "{args:?} changed the branch");
    }
    // A record whose id the branch already uses for another record is not imported, and said so.
    repo.ok(&["mission", "add", "T1", "A native mission of the same id"]);
    let report = repo.json(&[
        "import",
        "backlog",
        &fixture_arg("Mission-Protocol.v2/tests/test-data/mission-outcome/backlog.yaml"),
    ]);
    assert_eq!(count(&report, "imported", "missions"), 5, "{report:#}");
    assert!(
        report["skipped"]
            .to_string()
            .contains("already uses for another mission"),
        "{report:#}"
    );
    assert!(
        repo.ok(&["mission", "show", "T1"])
            .contains("A native mission of the same id")
    );
    // A file with some bad lines imports the good ones and reports the rest, kept verbatim.
    let mixed = write(
        "mixed.jsonl",
        b"{\"ts\":\"2025-11-01T10:00:00Z\",\"agent\":\"a\",\"mission\":\"M1\",\"action\":\"start\",\"status\":\"in_progress\",\"summary\":\"go\"}\nthis line is broken {\n{\"ts\":\"2025-11-01T11:00:00Z\",\"mission\":\"M1\",\"action\":\"complete\"}{\"ts\":\"2025-11-01T12:00:00Z\",\"mission\":\"M2\",\"action\":\"start\"}\n",
    );
    let report = repo.json(&["import", "sessions", &mixed]);
    assert_eq!(count(&report, "imported", "events"), 3, "{report:#}");
    let kept = report["kept_raw"].to_string();
    assert!(
        kept.contains("line that is not JSON") && kept.contains("line 2"),
        "{kept}"
    );
    assert!(
        repo.show(".cmos/legacy/sessions/mixed.jsonl.unparsed")
            .contains("this line is broken")
    );
}

#[test]
fn export_all_then_import_into_an_empty_repository_gives_the_same_export() {
    let repo = repo();
    repo.ok(&[
        "import",
        "cmos-sqlite",
        &fixture_arg("Cross-Protocol-Manifest-System/cmos/db/cmos.sqlite"),
    ]);
    repo.ok(&[
        "import",
        "sessions",
        &fixture_arg("cmos-dev/cmos/SESSIONS.jsonl"),
    ]);
    repo.ok(&[
        "import",
        "contexts",
        &fixture_arg("Synthesis-Workbench/cmos/contexts"),
    ]);
    repo.ok(&[
        "mission",
        "add",
        "N1",
        "A native mission",
        "--sprint",
        "SPRINT-04-PHASE4",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Keep the dump lossless",
        "--rationale",
        "round trips",
    ]);
    let first = repo.sibling("export-1");
    repo.ok(&["export", "all", "--out", first.to_str().unwrap()]);
    for name in [
        "backlog.yaml",
        "SESSIONS.jsonl",
        "PROJECT_CONTEXT.json",
        "MASTER_CONTEXT.json",
        "dump/.cmos/project.toml",
    ] {
        assert!(first.join(name).is_file(), "{name}");
    }
    let (code, _) = repo.fails(&["export", "all", "--out", first.to_str().unwrap()]);
    assert_eq!(
        code, 5,
        "an existing export is not replaced without --overwrite"
    );

    let other = Repo::empty("fresh");
    other.git(&["init", "-q"]);
    let report = other.json(&["import", "dump", first.to_str().unwrap()]);
    assert_eq!(count(&report, "imported", "missions"), 31);
    let tree = |r: &Repo| r.git(&["rev-parse", "refs/heads/cmos^{tree}"]);
    assert_eq!(tree(&other), tree(&repo), "the same branch content");
    let second = other.sibling("export-2");
    other.ok(&["export", "all", "--out", second.to_str().unwrap()]);
    let diff = std::process::Command::new("diff")
        .arg("-r")
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    assert!(
        diff.status.success(),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
    // Importing the dump again changes nothing.
    let tip = other.tip();
    other.ok(&["import", "dump", first.to_str().unwrap()]);
    assert_eq!(other.tip(), tip);

    // The readable files read back with the importers of the original's formats.
    let third = Repo::new();
    let report = third.json(&[
        "import",
        "backlog",
        first.join("backlog.yaml").to_str().unwrap(),
    ]);
    assert_eq!(count(&report, "imported", "missions"), 31, "{report:#}");
    verify(&third);
    let report = third.json(&[
        "import",
        "sessions",
        first.join("SESSIONS.jsonl").to_str().unwrap(),
    ]);
    assert!(
        count(&report, "imported", "events") >= 74 + 13,
        "{report:#}"
    );
    let report = third.json(&[
        "import",
        "contexts",
        first.join("MASTER_CONTEXT.json").to_str().unwrap(),
    ]);
    assert!(count(&report, "imported", "decisions") >= 7, "{report:#}");
}

#[test]
fn exports_write_the_original_formats() {
    let repo = repo();
    repo.ok(&[
        "import",
        "backlog",
        &fixture_arg("Cross-Protocol-Manifest-System/cmos/missions/backlog.yaml"),
    ]);
    let yaml = repo.ok(&["export", "backlog"]);
    assert!(yaml.starts_with("name: Planning.SprintPlan.v1\n"), "{yaml}");
    assert!(yaml.contains("\n---\ndomainFields:\n  type: Planning.SprintPlan.v1\n  sprints:\n  - sprintId: SPRINT-01-PHASE1\n"), "{yaml}");
    assert!(
        yaml.contains(
            "  - from: B1.2_data-protocol\n    to: B1.1_core-foundation\n    type: depends_on\n"
        ),
        "{yaml}"
    );
    repo.ok(&[
        "import",
        "sessions",
        &fixture_arg("Mission-Protocol.v2/tests/test-data/mission-outcome/sessions.jsonl"),
    ]);
    let sessions = repo.ok(&["export", "sessions"]);
    let original = std::fs::read_to_string(fixture(
        "Mission-Protocol.v2/tests/test-data/mission-outcome/sessions.jsonl",
    ))
    .unwrap();
    for line in original.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            sessions.contains(line),
            "the original line is written back as it was: {line}"
        );
    }
    let contexts = repo.json(&["export", "contexts"]);
    assert!(
        contexts["text"]
            .as_str()
            .unwrap()
            .contains("\"master_context\"")
    );
    let out = repo.sibling("ctx");
    repo.ok(&["export", "contexts", "--out", out.to_str().unwrap()]);
    let master: Value =
        serde_json::from_slice(&std::fs::read(out.join("MASTER_CONTEXT.json")).unwrap()).unwrap();
    assert!(master["next_session_context"]["blockers"].is_array());
    assert!(master["project_identity"]["name"].is_string());
}

#[test]
fn peer_tools_import_with_their_links_and_statuses() {
    let repo = repo();
    let dir = repo.sibling("peers");
    std::fs::create_dir_all(dir.join("backlog/tasks")).unwrap();
    std::fs::create_dir_all(dir.join("backlog/decisions")).unwrap();
    // Beads: issues.jsonl with a blocking dependency, a closed issue and a bad line.
    let beads = dir.join("issues.jsonl");
    std::fs::write(
        &beads,
        concat!(
            r#"{"id":"bd-a1b2","title":"Fix login","description":"Users cannot log in","status":"in_progress","priority":1,"issue_type":"bug","labels":["auth"],"created_at":"2025-11-01T10:00:00Z","updated_at":"2025-11-02T10:00:00Z","estimated_minutes":90,"dependencies":[{"issue_id":"bd-a1b2","depends_on_id":"bd-c3d4","type":"blocks"}]}"#, "\n",
            r#"{"id":"bd-c3d4","title":"Add session store","status":"closed","closed_at":"2025-11-01T12:00:00Z","close_reason":"done","created_at":"2025-11-01T09:00:00Z","acceptance_criteria":"- [ ] sessions persist\n- [x] tests"}"#, "\n",
            r#"{"id":"bd-e5f6","title":"Found while fixing","status":"open","created_at":"2025-11-01T11:00:00Z","dependencies":[{"issue_id":"bd-e5f6","depends_on_id":"bd-a1b2","type":"discovered-from"}]}"#, "\n",
        ),
    )
    .unwrap();
    let report = repo.json(&["import", "beads", beads.to_str().unwrap()]);
    assert_eq!(count(&report, "imported", "missions"), 3, "{report:#}");
    let login = repo.json(&["mission", "show", "bd-a1b2"]).to_string();
    assert!(
        login.contains("In Progress") && login.contains("bd-c3d4"),
        "{login}"
    );
    assert!(report.to_string().contains("discovered-from"), "{report:#}");

    // Backlog.md: task files with front matter and sections, and a decision record.
    std::fs::write(
        dir.join("backlog/tasks/task-1 - Set-up-CI.md"),
        "---\nid: task-1\ntitle: Set up CI\nstatus: Done\nassignee: ['@ana']\ncreated_date: '2025-11-01 10:00'\nlabels: [ci]\nmilestone: v1\ndependencies: []\n---\n\n## Description\n\n<!-- SECTION:DESCRIPTION:BEGIN -->\nRun tests on every push\n<!-- SECTION:DESCRIPTION:END -->\n\n## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [x] #1 Tests run on push\n- [ ] #2 Badge in README\n<!-- AC:END -->\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("backlog/tasks/task-2 - Release.md"),
        "---\nid: task-2\ntitle: Release\nstatus: In Progress\nmilestone: v1\ndependencies: [task-1]\ncreated_date: '2025-11-02 10:00'\n---\n\n## Description\n\nShip it\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("backlog/tasks/broken.md"),
        "no front matter here\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("backlog/decisions/decision-1 - Use-GitHub-Actions.md"),
        "---\nid: decision-1\ntitle: Use GitHub Actions\ndate: '2025-11-01 09:00'\nstatus: accepted\n---\n\n## Context\n\nWe host on GitHub.\n",
    )
    .unwrap();
    let report = repo.json(&["import", "backlog-md", dir.to_str().unwrap()]);
    assert_eq!(count(&report, "imported", "missions"), 2, "{report:#}");
    assert_eq!(count(&report, "imported", "sprints"), 1, "{report:#}");
    assert_eq!(count(&report, "imported", "decisions"), 1, "{report:#}");
    assert!(
        report["skipped"].to_string().contains("broken.md"),
        "{report:#}"
    );
    let ci = repo.json(&["mission", "show", "task-1"]).to_string();
    assert!(
        ci.contains("Run tests on every push")
            && ci.contains("Badge in README")
            && ci.contains("Completed"),
        "{ci}"
    );

    // task-master: tagged lists, subtasks, dependencies by number.
    let tasks = dir.join("tasks.json");
    std::fs::write(
        &tasks,
        r#"{"master":{"tasks":[
            {"id":1,"title":"Parse PRD","description":"Read it","status":"done","dependencies":[],"priority":"high","details":"All of it","testStrategy":"Unit tests"},
            {"id":2,"title":"Build API","status":"in-progress","dependencies":[1],"subtasks":[
                {"id":1,"title":"Routes","status":"done","dependencies":[]},
                {"id":2,"title":"Auth","status":"pending","dependencies":[1]}]}],
          "metadata":{"description":"Main line"}},
          "feature-x":{"tasks":[{"id":1,"title":"Spike","status":"review","dependencies":[]}]}}"#,
    )
    .unwrap();
    let report = repo.json(&["import", "task-master", tasks.to_str().unwrap()]);
    assert_eq!(count(&report, "imported", "missions"), 5, "{report:#}");
    assert_eq!(count(&report, "imported", "sprints"), 2, "{report:#}");
    let auth = repo.json(&["mission", "show", "tm-2.2"]).to_string();
    assert!(auth.contains("tm-2.1") && auth.contains("tm-2"), "{auth}");
    let api = repo.json(&["mission", "show", "tm-2"]).to_string();
    assert!(api.contains("tm-1") && api.contains("In Progress"), "{api}");
    verify(&repo);
    // Piped output shows no progress bar.
    let out = repo.cmos(&["import", "beads", beads.to_str().unwrap()]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains('#'),
        "no bar when piped"
    );
}
