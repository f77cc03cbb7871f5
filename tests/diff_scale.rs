//! Diffs of large texts from the branch: `cmos diff` and `context diff` of 80,000-line
//! project notes took minutes (Myers' diff is quadratic when the texts differ everywhere).
//! They now finish quickly, report the lines that changed exactly, and a diff cut short by
//! its deadline still applies (`git apply`) to give the new text.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, hermetic};
use serde_json::Value;

const LINES: usize = 80_000;

/// Generous for a debug build on a loaded machine; the old diff took over five minutes here.
const LIMIT: Duration = Duration::from_secs(30);

fn notes(line: impl Fn(usize) -> String) -> String {
    (0..LINES).map(|i| format!("{}\n", line(i))).collect()
}

/// `cmos --json ARGS`'s data, killing cmos after `LIMIT`.
fn within(repo: &Repo, args: &[&str]) -> Value {
    let started = Instant::now();
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .arg("--json")
        .args(args)
        .current_dir(&repo.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run cmos");
    // Read while waiting: the output is megabytes, more than a pipe holds.
    let reader = {
        let mut stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut stdout, &mut bytes).expect("read stdout");
            bytes
        })
    };
    while child.try_wait().expect("poll cmos").is_none() {
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cmos {args:?} still ran after {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("cmos {args:?}: {:?}", started.elapsed());
    let envelope: Value =
        serde_json::from_slice(&reader.join().expect("reader")).expect("an envelope");
    assert_eq!(envelope["ok"], true, "{envelope}");
    envelope["data"].clone()
}

/// Lines the diff removes and adds, headers left out.
fn counts(diff: &str) -> (usize, usize) {
    let body = diff
        .lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++"));
    body.fold((0, 0), |(removed, added), line| {
        match line.as_bytes().first() {
            Some(b'-') => (removed + 1, added),
            Some(b'+') => (removed, added + 1),
            _ => (removed, added),
        }
    })
}

/// The old text with the diff applied by git, which checks every context line.
fn applied(repo: &Repo, old: &str, diff: &str) -> String {
    let dir = repo.sibling("apply");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.md"), old).unwrap();
    let patch: String = diff
        .lines()
        .map(|l| {
            if l.starts_with("--- ") {
                "--- notes.md\n".to_string()
            } else if l.starts_with("+++ ") {
                "+++ notes.md\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.join("notes.patch"), patch).unwrap();
    repo.git_in(&dir, &["apply", "-p0", "--unsafe-paths", "notes.patch"]);
    std::fs::read_to_string(dir.join("notes.md")).unwrap()
}

#[test]
fn test_diff_of_80000_line_notes_was_quadratic() {
    let repo = Repo::new();
    repo.init();
    let old = notes(|i| format!("line {i} of the old notes"));
    let every = notes(|i| format!("line {i} of the new notes"));
    let half = notes(|i| {
        if i % 2 == 1 {
            format!("line {i} of the old notes")
        } else {
            format!("line {i} changed")
        }
    });
    repo.edit_on_branch(".cmos/notes.md", &old);
    repo.edit_on_branch(".cmos/notes.md", &every);
    let diff = within(&repo, &["diff", "cmos~1"]);
    let text = diff["notes"].as_str().unwrap();
    assert_eq!(counts(text), (LINES, LINES), "every line changed");

    repo.edit_on_branch(".cmos/notes.md", &old);
    repo.edit_on_branch(".cmos/notes.md", &half);
    let diff = within(&repo, &["context", "diff", "cmos~1"]);
    let text = diff["notes"].as_str().unwrap();
    assert_eq!(counts(text), (LINES / 2, LINES / 2), "every other line");
    assert_eq!(applied(&repo, &old, text), half);
}

#[test]
fn test_diff_of_reordered_notes_cut_by_its_deadline_still_applies() {
    let repo = Repo::new();
    repo.init();
    let old = notes(|i| format!("line {i}"));
    let reversed: String = old.lines().rev().map(|l| format!("{l}\n")).collect();
    repo.edit_on_branch(".cmos/notes.md", &old);
    repo.edit_on_branch(".cmos/notes.md", &reversed);
    let diff = within(&repo, &["diff", "cmos~1"]);
    let text = diff["notes"].as_str().unwrap();
    let (removed, added) = counts(text);
    assert_eq!(removed, added, "as many lines out as in");
    assert!(removed >= LINES - 1, "at most one line can stay: {removed}");
    assert_eq!(applied(&repo, &old, text), reversed);
}
