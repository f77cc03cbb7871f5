//! Untrusted files on disk, in and out: hostile YAML, files that are not regular files, and
//! exports that must stay inside the directory they were given (issue 11, items 1, 10, 12, 13).
//! Every run that could hang or eat memory before the fix is bounded by a timeout here, so a
//! regression fails the test instead of stalling the suite.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, hermetic};
use serde_json::Value;

/// Runs `cmos --json ARGS` in `repo`, killing it after `limit`; returns its output and how long
/// it took. Memory is capped as well (address space, via the shell's `ulimit -v`) so that a
/// regression to an unbounded expansion fails fast instead of taking the machine down.
fn bounded(repo: &Repo, args: &[&str], limit: Duration) -> (Output, Duration) {
    let mut script = String::from("ulimit -v 2000000; exec \"$0\" --json");
    for i in 1..=args.len() {
        script.push_str(&format!(" \"${i}\""));
    }
    let started = Instant::now();
    let mut child = hermetic(&mut Command::new("sh"), &repo.home)
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_cmos"))
        .args(args)
        .current_dir(&repo.path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cmos");
    loop {
        if child.try_wait().expect("wait for cmos").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect cmos");
            panic!(
                "cmos {args:?} did not finish within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("collect cmos");
    (out, started.elapsed())
}

/// The error envelope of a run that must fail.
fn error_of(out: &Output) -> Value {
    assert!(!out.status.success(), "cmos should have failed");
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON envelope ({e}); status {}, stderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    envelope["error"].clone()
}

/// The r2 alias bomb: nine anchors, each a list of ten aliases of the one before (10^9 nodes
/// from 430 bytes).
fn laughs() -> String {
    let mut text = String::from("a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(",");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text
}

/// The r2 nesting: 30,000 levels of block sequences.
fn deep() -> String {
    format!("missions:\n  {}a\n", "- ".repeat(30_000))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn assert_refused_import(repo: &Repo, args: &[&str], expect: &[&str]) {
    let before = repo.tip();
    let (out, took) = bounded(repo, args, Duration::from_secs(30));
    let error = error_of(&out);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    let message = error["message"].as_str().unwrap_or_default();
    for part in expect {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(repo.tip(), before, "the branch must not change");
}

#[test]
fn test_import_backlog_alias_bomb_is_refused_instead_of_exhausting_memory() {
    let repo = Repo::new();
    repo.init();
    let file = write(&repo.sibling("in"), "laughs.yaml", &laughs());
    assert_eq!(laughs().len(), 430, "the exact r2 input");
    assert_refused_import(
        &repo,
        &["import", "backlog", &file],
        &[
            "laughs.yaml: line 6, column",
            "aliases copy more than 1000000 YAML nodes",
            "nothing was imported",
        ],
    );
}

#[test]
fn test_import_backlog_deep_nesting_is_refused_instead_of_overflowing_the_stack() {
    let repo = Repo::new();
    repo.init();
    let file = write(&repo.sibling("in"), "deep.yaml", &deep());
    assert_refused_import(
        &repo,
        &["import", "backlog", &file],
        &[
            "deep.yaml: line 2, column",
            "nests deeper than 128 levels",
            "nothing was imported",
        ],
    );
}

#[test]
fn test_import_backlog_md_skips_a_task_whose_front_matter_is_an_alias_bomb_or_too_deep() {
    let repo = Repo::new();
    repo.init();
    let dir = repo.sibling("in").join("backlog");
    write(
        &dir,
        "tasks/task-1 - Fine.md",
        "---\nid: task-1\ntitle: Fine\nstatus: To Do\n---\n\n## Description\n\nok\n",
    );
    write(
        &dir,
        "tasks/task-2 - Bomb.md",
        &format!("---\n{}---\n", laughs()),
    );
    write(
        &dir,
        "tasks/task-3 - Deep.md",
        &format!("---\n{}---\n", deep()),
    );
    let (out, took) = bounded(
        &repo,
        &["import", "backlog-md", dir.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped = report["data"]["skipped"].to_string();
    assert!(
        skipped.contains("task-2 - Bomb.md") && skipped.contains("alias bomb"),
        "{skipped}"
    );
    assert!(
        skipped.contains("task-3 - Deep.md") && skipped.contains("deeper than 128"),
        "{skipped}"
    );
    assert_eq!(repo.json(&["mission", "show", "task-1"])["name"], "Fine");
}

#[test]
fn test_import_from_a_fifo_is_refused_instead_of_blocking_forever() {
    let repo = Repo::new();
    repo.init();
    let fifo = repo.sibling("backlog.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    assert_refused_import(
        &repo,
        &["import", "backlog", fifo.to_str().unwrap()],
        &[
            "a FIFO (named pipe), not a regular file",
            "nothing was imported",
        ],
    );
}

#[test]
fn test_import_from_dev_zero_is_refused_instead_of_reading_without_end() {
    let repo = Repo::new();
    repo.init();
    for format in ["backlog", "sessions", "cmos-sqlite", "beads"] {
        assert_refused_import(
            &repo,
            &["import", format, "/dev/zero"],
            &["/dev/zero is a device, not a regular file"],
        );
    }
}

#[test]
fn test_import_dump_skips_a_fifo_inside_the_directory_with_a_note() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let out = repo.sibling("out");
    repo.ok(&["export", "all", "--out", out.to_str().unwrap()]);
    let fifo = out.join("dump/.cmos/stray.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let other = Repo::new();
    let (run, _) = bounded(
        &other,
        &["import", "dump", out.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    let skipped = report["data"]["skipped"].to_string();
    assert!(
        skipped.contains("a FIFO (named pipe), not a regular file")
            && skipped.contains("stray.jsonl"),
        "{skipped}"
    );
    assert_eq!(other.json(&["mission", "show", "A1"])["name"], "First");
}
