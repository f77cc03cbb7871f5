//! Migration at the size of a long-running project: a database of the original CMOS with
//! 2,000 missions, 40 sprints, 1,500 dependencies, 8,000 session events and 500 decisions, and
//! a Beads file of 5,000 issues; each imported into a fresh repository, imported again (a
//! no-op), and exported with `export all`. Whole processes, medians of 3; run it with
//! `cargo bench --bench migrate`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const MISSIONS: usize = 2_000;
const SPRINTS: usize = 40;
const EVENTS: usize = 8_000;
const DECISIONS: usize = 500;
const ISSUES: usize = 5_000;
const RUNS: usize = 3;

fn main() {
    let binary = Path::new(env!("CARGO_BIN_EXE_cmos"));
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let db = tmp.path().join("cmos.sqlite");
    write_database(&db);
    let beads = tmp.path().join("issues.jsonl");
    write_beads(&beads);
    let run = |dir: &Path, program: &Path, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("HOME", &home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    println!(
        "cmos migrate benchmark: database of {MISSIONS} missions, {SPRINTS} sprints, {EVENTS} events, {DECISIONS} decisions; Beads file of {ISSUES} issues"
    );
    for (format, source) in [("cmos-sqlite", &db), ("beads", &beads)] {
        let (mut first, mut again, mut export) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..RUNS {
            let repo = tmp.path().join(format!("{format}-{n}"));
            std::fs::create_dir_all(&repo).expect("repo");
            run(&repo, Path::new("git"), &["init", "-q"]);
            let source = source.to_str().expect("utf-8 path");
            let time = |args: &[&str]| {
                let start = Instant::now();
                run(&repo, binary, args);
                start.elapsed()
            };
            first.push(time(&["import", format, source]));
            again.push(time(&["import", format, source]));
            let out = tmp.path().join(format!("export-{format}-{n}"));
            export.push(time(&[
                "export",
                "all",
                "--out",
                out.to_str().expect("utf-8 path"),
            ]));
        }
        println!(
            "  {format:<12} import {:>7.0} ms   again (no-op) {:>6.0} ms   export all {:>6.0} ms",
            median(first),
            median(again),
            median(export)
        );
    }
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

fn write_database(path: &Path) {
    let db = rusqlite::Connection::open(path).expect("create the database");
    db.execute_batch(
        "CREATE TABLE sprints (id TEXT PRIMARY KEY, title TEXT, focus TEXT, status TEXT, start_date TEXT, end_date TEXT);
         CREATE TABLE missions (id TEXT PRIMARY KEY, sprint_id TEXT, name TEXT, status TEXT, completed_at TEXT, notes TEXT, metadata TEXT);
         CREATE TABLE mission_dependencies (from_id TEXT, to_id TEXT, type TEXT, PRIMARY KEY (from_id, to_id));
         CREATE TABLE session_events (id INTEGER PRIMARY KEY, ts TEXT, agent TEXT, mission TEXT, action TEXT, status TEXT, summary TEXT, next_hint TEXT, raw_event TEXT);
         CREATE TABLE strategic_decisions (id INTEGER PRIMARY KEY, decision_text TEXT, created_at TEXT, status TEXT);
         BEGIN;",
    )
    .expect("schema");
    for s in 0..SPRINTS {
        db.execute(
            "INSERT INTO sprints VALUES (?1, ?2, 'focus', ?3, ?4, NULL)",
            (
                format!("S{s:02}"),
                format!("Sprint {s}"),
                if s + 1 < SPRINTS {
                    "Completed"
                } else {
                    "Active"
                },
                format!("2025-{:02}-01", 1 + s % 12),
            ),
        )
        .expect("sprint");
    }
    for m in 0..MISSIONS {
        let status = ["Completed", "completed", "Queued", "In Progress"][m % 4];
        db.execute(
            "INSERT INTO missions VALUES (?1, ?2, ?3, ?4, ?5, 'notes', '{\"phase\":\"one\",\"started_at\":\"2025-11-01T10:00:00Z\"}')",
            (format!("B{m}"), format!("S{:02}", m % SPRINTS), format!("Mission {m}"), status, "2025-11-02 10:00:00"),
        )
        .expect("mission");
        if m > 0 && m % 4 != 0 {
            let kind = ["depends_on", "Blocks", "sequential"][m % 3];
            db.execute(
                "INSERT INTO mission_dependencies VALUES (?1, ?2, ?3)",
                (format!("B{m}"), format!("B{}", m - 1), kind),
            )
            .expect("dependency");
        }
    }
    for e in 0..EVENTS {
        let (action, status) = [("start", "in_progress"), ("complete", "completed")][e % 2];
        let ts = format!("2025-11-{:02}T{:02}:{:02}:00Z", 1 + e % 28, e % 24, e % 60);
        let raw = format!(
            "{{\"ts\": \"{ts}\", \"mission\": \"B{}\", \"action\": \"{action}\", \"n\": {e}}}",
            e % MISSIONS
        );
        db.execute(
            "INSERT INTO session_events (ts, agent, mission, action, status, summary, raw_event) VALUES (?1, 'codex', ?2, ?3, ?4, 'did things', ?5)",
            (ts, format!("B{}", e % MISSIONS), action, status, raw),
        )
        .expect("event");
    }
    for d in 0..DECISIONS {
        db.execute(
            "INSERT INTO strategic_decisions VALUES (?1, ?2, '2025-11-01 10:00:00', 'active')",
            (
                d as i64,
                format!("Decision number {d}: keep the format stable"),
            ),
        )
        .expect("decision");
    }
    db.execute_batch("COMMIT;").expect("commit");
}

fn write_beads(path: &Path) {
    let mut text = String::new();
    for i in 0..ISSUES {
        let status = ["open", "closed", "in_progress"][i % 3];
        let deps = if i > 0 {
            format!(
                ",\"dependencies\":[{{\"issue_id\":\"bd-{i}\",\"depends_on_id\":\"bd-{}\",\"type\":\"blocks\"}}]",
                i - 1
            )
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{{\"id\":\"bd-{i}\",\"title\":\"Issue {i}\",\"description\":\"What to do about {i}\",\"status\":\"{status}\",\"priority\":{},\"issue_type\":\"task\",\"created_at\":\"2025-11-01T10:00:00Z\"{deps}}}\n",
            i % 5
        ));
    }
    std::fs::write(path, text).expect("write the Beads file");
}
