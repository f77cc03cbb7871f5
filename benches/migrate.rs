//! Migration at the size of a long-running project: a database of the original CMOS with
//! 2,000 missions, 40 sprints, 1,500 dependencies, 8,000 session events and 500 decisions, and
//! a Beads file of 5,000 issues; each imported into a fresh repository, imported again (a
//! no-op), and exported with `export all`. Whole processes, medians of 3; run it with
//! `cargo bench --bench migrate`.
//!
//! Then imports at scale, each once, with the peak memory of the importing process: Backlog.md
//! projects of 1,000 to 100,000 tasks (half done, every second task requiring the one before),
//! a 20,000-long chain of requires from a database, and the re-import of a dump whose
//! 60,000-line log shard changed. `cargo bench --bench migrate -- scale` runs only these;
//! CMOS_BENCH_BINARY names another build to measure, CMOS_BENCH_MAX_TASKS caps the size.

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
    let only_scale = std::env::args().any(|a| a == "scale");
    // Another build of cmos (an older one, for figures before a change) may stand in.
    let other = std::env::var_os("CMOS_BENCH_BINARY").map(std::path::PathBuf::from);
    let binary = other
        .as_deref()
        .unwrap_or(Path::new(env!("CARGO_BIN_EXE_cmos")));
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
    if only_scale {
        scale(binary, tmp.path(), &run);
        return;
    }
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
    scale(binary, tmp.path(), &run);
}

/// Runs one command to its end: its time and the peak resident memory of its process.
fn measured(dir: &Path, binary: &Path, home: &Path, args: &[&str]) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    // The high-water mark of the process's resident memory (Linux), read until it exits: it
    // only grows, so the last reading is the peak up to a few milliseconds before the end.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (start.elapsed(), peak * 1024)
}

/// Imports at the scale of the largest projects, each once.
fn scale(binary: &Path, tmp: &Path, run: &dyn Fn(&Path, &Path, &[&str])) {
    let home = tmp.join("home");
    let fresh = |name: &str| {
        let repo = tmp.join(name);
        std::fs::create_dir_all(&repo).expect("repo");
        run(&repo, Path::new("git"), &["init", "-q"]);
        repo
    };
    let show = |what: &str, (time, peak): (Duration, u64)| {
        println!(
            "  {what:<44} {:>8.2} s   peak {:>6.0} MiB",
            time.as_secs_f64(),
            peak as f64 / (1024.0 * 1024.0)
        );
    };
    println!("cmos import at scale (one run each; time, peak resident memory)");
    // CMOS_BENCH_MAX_TASKS leaves out the larger projects (an older build takes minutes).
    let max: usize = std::env::var("CMOS_BENCH_MAX_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    for tasks in [1_000, 10_000, 30_000, 100_000]
        .into_iter()
        .filter(|t| *t <= max)
    {
        let dir = tmp.join(format!("backlog-md-{tasks}"));
        write_backlog_md(&dir, tasks);
        let repo = fresh(&format!("repo-backlog-md-{tasks}"));
        let source = dir.to_str().expect("utf-8 path");
        show(
            &format!("backlog-md, {tasks} tasks, {} links", tasks / 2),
            measured(&repo, binary, &home, &["import", "backlog-md", source]),
        );
    }
    let chain = tmp.join("chain.sqlite");
    write_chain(&chain, 20_000);
    let repo = fresh("repo-chain");
    show(
        "cmos-sqlite, a 20,000-long requires chain",
        measured(
            &repo,
            binary,
            &home,
            &["import", "cmos-sqlite", chain.to_str().expect("utf-8 path")],
        ),
    );
    let repo = fresh("repo-dump");
    let dump = tmp.join("dump-export");
    run(&repo, binary, &["init", "--name", "dump"]);
    run(
        &repo,
        binary,
        &["export", "all", "--out", dump.to_str().expect("utf-8 path")],
    );
    let shard = dump.join("dump/.cmos/events/2025-11/wbench0000.jsonl");
    std::fs::create_dir_all(shard.parent().expect("a parent")).expect("shard dir");
    let line = |i: usize| {
        format!(
            "{{\"uid\":\"{i:026}\",\"at\":\"2025-11-01T10:00:00Z\",\"agent\":\"bench\",\"writer\":\"wbench0000\",\"kind\":\"note\",\"target\":\"\",\"note\":\"line {i}\"}}\n"
        )
    };
    let lines: String = (0..60_000).map(line).collect();
    std::fs::write(&shard, &lines).expect("shard");
    let target = fresh("repo-dump-target");
    let source = dump.to_str().expect("utf-8 path");
    run(&target, binary, &["import", "dump", source]);
    std::fs::write(&shard, lines + &line(60_000)).expect("changed shard");
    show(
        "dump again, its 60,000-line shard changed",
        measured(&target, binary, &home, &["import", "dump", source]),
    );
}

/// A Backlog.md project of `tasks` tasks, half done, every second one requiring the one
/// before it.
fn write_backlog_md(dir: &Path, tasks: usize) {
    let tasks_dir = dir.join("backlog/tasks");
    std::fs::create_dir_all(&tasks_dir).expect("tasks dir");
    for i in 1..=tasks {
        let status = if i <= tasks / 2 { "Done" } else { "To Do" };
        let deps = if i % 2 == 0 {
            format!("[task-{}]", i - 1)
        } else {
            "[]".into()
        };
        std::fs::write(
            tasks_dir.join(format!("task-{i} - Task-{i}.md")),
            format!(
                "---\nid: task-{i}\ntitle: Task {i}\nstatus: {status}\ncreated_date: '2025-11-01 10:00'\ndependencies: {deps}\n---\n\n## Description\n\nDo thing {i}\n"
            ),
        )
        .expect("task file");
    }
}

/// A database whose `missions` form one chain: each requires the one before it.
fn write_chain(path: &Path, missions: usize) {
    let db = rusqlite::Connection::open(path).expect("create the database");
    db.execute_batch(
        "CREATE TABLE missions (id TEXT PRIMARY KEY, sprint_id TEXT, name TEXT, status TEXT, completed_at TEXT, notes TEXT, metadata TEXT);
         CREATE TABLE mission_dependencies (from_id TEXT, to_id TEXT, type TEXT, PRIMARY KEY (from_id, to_id));
         BEGIN;",
    )
    .expect("schema");
    for m in 0..missions {
        db.execute(
            "INSERT INTO missions (id, name, status) VALUES (?1, ?2, 'Queued')",
            (format!("C{m}"), format!("Chain {m}")),
        )
        .expect("mission");
        if m > 0 {
            db.execute(
                "INSERT INTO mission_dependencies VALUES (?1, ?2, 'requires')",
                (format!("C{m}"), format!("C{}", m - 1)),
            )
            .expect("dependency");
        }
    }
    db.execute_batch("COMMIT;").expect("commit");
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
