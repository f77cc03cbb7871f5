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

/// Writes a tree object from raw entries (mode, name, object id), as a hostile collaborator
/// would with `git hash-object --literally`: git's own tools refuse these names.
fn raw_tree(repo: &Repo, dir: &Path, entries: &[(&str, &str, &str)]) -> String {
    use std::io::Write;
    let mut bytes = Vec::new();
    for (mode, name, id) in entries {
        bytes.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        let raw: Vec<u8> = (0..id.len() / 2)
            .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        bytes.extend_from_slice(&raw);
    }
    let mut child = hermetic(&mut Command::new("git"), &repo.home)
        .args(["hash-object", "-t", "tree", "-w", "--literally", "--stdin"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Every file under `dir`, relative, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(dir).unwrap().to_owned();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn test_export_all_refuses_tree_entries_named_dotdot_or_absolute_and_writes_nothing_outside() {
    // r1: the attacker pushes a tree with a `..` chain and an absolute entry name.
    let remote = Repo::bare();
    let attacker = Repo::new();
    attacker.git(&["remote", "add", "origin", remote.path.to_str().unwrap()]);
    attacker.init();
    attacker.ok(&["sync"]);
    let victim_dir = attacker.sibling("victim");
    attacker.git_in(
        attacker.path.parent().unwrap(),
        &[
            "clone",
            "-q",
            remote.path.to_str().unwrap(),
            victim_dir.to_str().unwrap(),
        ],
    );
    attacker.cmos_in(&victim_dir, &["status"]);
    let top = attacker.path.parent().unwrap().to_path_buf();
    let absolute = top.join("abs-pwned");
    let a = &attacker.path;
    let blob = {
        let path = top.join("payload");
        std::fs::write(&path, "echo pwned\n").unwrap();
        attacker
            .git(&["hash-object", "-w", path.to_str().unwrap()])
            .trim()
            .to_string()
    };
    let rev = |spec: &str| attacker.git(&["rev-parse", spec]).trim().to_string();
    let t1 = raw_tree(&attacker, a, &[("100644", "escaped", &blob)]);
    let t2 = raw_tree(&attacker, a, &[("40000", "..", &t1)]);
    let root = raw_tree(
        &attacker,
        a,
        &[
            ("40000", "..", &t2),
            ("40000", ".cmos", &rev("cmos:.cmos")),
            ("100644", absolute.to_str().unwrap(), &blob),
            ("100644", "README.md", &rev("cmos:README.md")),
        ],
    );
    let commit = attacker
        .git(&["commit-tree", &root, "-p", "cmos", "-m", "mission update"])
        .trim()
        .to_string();
    attacker.git(&[
        "push",
        "-q",
        "-f",
        "origin",
        &format!("{commit}:refs/heads/cmos"),
    ]);

    // The victim takes the branch as it is (whether or not sync would accept it, the writer
    // must refuse on its own).
    attacker.git_in(&victim_dir, &["fetch", "-q", "origin"]);
    attacker.git_in(
        &victim_dir,
        &["update-ref", "refs/heads/cmos", "refs/remotes/origin/cmos"],
    );
    let out = top.join("out");
    let run = attacker.cmos_in(
        &victim_dir,
        &["--json", "export", "all", "--out", out.to_str().unwrap()],
    );
    let error = error_of(&run);
    assert!(
        ["refused", "corrupt", "invalid_input", "invalid_tree"]
            .contains(&error["code"].as_str().unwrap_or("")),
        "{error:#}"
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(".."), "names the bad entry: {message}");
    assert!(!absolute.exists(), "written outside --out");
    for escaped in [top.join("escaped"), top.parent().unwrap().join("escaped")] {
        assert!(!escaped.exists(), "written outside --out: {escaped:?}");
    }
    assert!(
        !out.exists() || files_in(&out).is_empty(),
        "nothing is exported from such a branch: {:?}",
        files_in(&out)
    );
}

fn exported_repo() -> (Repo, std::path::PathBuf) {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let out = repo.sibling("out");
    repo.ok(&["export", "all", "--out", out.to_str().unwrap()]);
    (repo, out)
}

#[test]
fn test_export_all_overwrite_refuses_a_dump_directory_cmos_did_not_write() {
    let repo = Repo::new();
    repo.init();
    let out = repo.sibling("out");
    write(&out, "dump/my-notes.txt", "mine");
    let (code, error) = repo.fails(&[
        "export",
        "all",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "{error:#}"
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("was not written by cmos") && message.contains("move it away"),
        "{message}"
    );
    assert_eq!(
        files_in(&out),
        ["dump/my-notes.txt"],
        "nothing else written"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("dump/my-notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn test_export_all_overwrite_keeps_a_user_file_added_to_a_dump_cmos_wrote() {
    let (repo, out) = exported_repo();
    let before = files_in(&out);
    write(&out, "dump/.cmos/mine.md", "my own file");
    std::fs::write(out.join("dump/README.md"), "edited by hand").unwrap();
    let (_, error) = repo.fails(&[
        "export",
        "all",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("2 file(s) cmos did not write or that changed since")
            && message.contains(".cmos/mine.md")
            && message.contains("README.md"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("dump/.cmos/mine.md")).unwrap(),
        "my own file"
    );
    let mut expected = before;
    expected.push("dump/.cmos/mine.md".into());
    expected.sort();
    assert_eq!(files_in(&out), expected, "the old dump is whole");
}

#[test]
fn test_export_all_overwrite_replaces_a_dump_cmos_wrote_and_same_branch_gives_same_bytes() {
    let (repo, out) = exported_repo();
    repo.ok(&["mission", "add", "A2", "Second"]);
    repo.ok(&[
        "export",
        "all",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    let fresh = repo.sibling("fresh");
    repo.ok(&["export", "all", "--out", fresh.to_str().unwrap()]);
    let files = files_in(&out);
    assert_eq!(
        files,
        files_in(&fresh),
        "no leftover of the old dump or the swap"
    );
    assert!(files.iter().any(|f| f.ends_with("A2.toml")), "{files:?}");
    assert!(files.contains(&"dump/.cmos-dump".to_string()), "{files:?}");
    for file in &files {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(fresh.join(file)).unwrap(),
            "{file}"
        );
    }
    // And the manifest is not imported as a branch file.
    let other = Repo::new();
    other.json(&["import", "dump", out.to_str().unwrap()]);
    let tree = |r: &Repo| r.git(&["rev-parse", "refs/heads/cmos^{tree}"]);
    assert_eq!(tree(&other), tree(&repo));
}

#[test]
fn test_export_all_overwrite_refuses_a_dump_that_is_a_symlink() {
    let (repo, out) = exported_repo();
    let elsewhere = repo.sibling("elsewhere");
    write(&elsewhere, "keep.txt", "keep");
    std::fs::rename(out.join("dump"), repo.sibling("old-dump")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("dump")).unwrap();
    let (_, error) = repo.fails(&[
        "export",
        "all",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is a symbolic link"),
        "{error:#}"
    );
    assert_eq!(files_in(&elsewhere), ["keep.txt"]);
    assert!(
        std::fs::symlink_metadata(out.join("dump"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn test_research_export_refuses_to_write_through_a_symlink() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "R1", "Study"]);
    let victim = repo.sibling("victim.txt");
    std::fs::write(&victim, "mine").unwrap();
    let report = repo.sibling("report.md");
    std::os::unix::fs::symlink(&victim, &report).unwrap();
    let (_, error) = repo.fails(&[
        "research",
        "export",
        "R1",
        "--allow-incomplete",
        "--out",
        report.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is a symbolic link"),
        "{error:#}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
}
