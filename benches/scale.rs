//! `verify`, `mission list` and the import that makes the project, at 1,000, 10,000 and
//! 100,000 missions (Backlog.md tasks without links), whole processes with their peak resident
//! memory. `cargo bench --bench scale` runs it; `CMOS_BENCH_BINARY` names another build to
//! measure (figures before a change), `CMOS_BENCH_MAX_TASKS` caps the size, `CMOS_BENCH_MIN_TASKS`
//! skips the smaller sizes, and `CMOS_BENCH_KEEP=1` keeps the repositories (in `TMPDIR`, named
//! when the run ends) for measuring a command by hand.
//!
//! Per size: the import (time, peak) and the git packing it leaves running (waited for before
//! anything is measured); `verify` the first time (every file read), again (the
//! same tree: the last report), and after one write (what changed since), medians of 3; `mission list` as text and
//! as JSON: time to the first row, the whole list, peak; one page of 50 after a cursor.
//! Without `--bench` (as `cargo test` runs it) a smoke run of 300 missions checks that the
//! rows, the pages and verify are right and prints the same figures.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let binary = std::env::var_os("CMOS_BENCH_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cmos")));
    let max: usize = std::env::var("CMOS_BENCH_MAX_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let min: usize = std::env::var("CMOS_BENCH_MIN_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let sizes: Vec<usize> = match full {
        true => [1_000, 10_000, 100_000]
            .into_iter()
            .filter(|n| (min..=max).contains(n))
            .collect(),
        false => vec![300],
    };
    let runs = if full { 3 } else { 1 };
    let mut tmp = tempfile::tempdir().expect("a temporary directory");
    if std::env::var_os("CMOS_BENCH_KEEP").is_some_and(|v| v == "1") {
        tmp.disable_cleanup(true);
        println!("the repositories are kept in {}", tmp.path().display());
    }
    let bench = Bench {
        binary,
        home: tmp.path().join("home"),
    };
    std::fs::create_dir_all(&bench.home).expect("home");
    println!(
        "cmos at scale ({}): time, peak resident memory{}",
        bench.binary.display(),
        if full {
            "; medians of 3"
        } else {
            " (smoke run)"
        }
    );
    for n in sizes {
        let source = tmp.path().join(format!("backlog-{n}"));
        write_backlog_md(&source, n);
        let repo = tmp.path().join(format!("repo-{n}"));
        std::fs::create_dir_all(&repo).expect("repo");
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .status()
            .expect("git init");
        assert!(git.success());
        let import = bench.run(&repo, &["import", "backlog-md", path(&source)], None);
        println!(
            "{n:>7} missions  import            {:>8.0} ms   peak {:>5.0} MiB",
            ms(import.total),
            mib(import.peak)
        );
        // The import leaves git packing its objects in the background; a verify beside it
        // would measure the two sharing the cores, so the packing is waited for.
        let packing = Instant::now();
        cmos::ops::Workspace::open(&repo, None)
            .expect("open the imported project")
            .store()
            .wait_for_packing();
        println!(
            "{n:>7} missions  packing after it  {:>8.0} ms   (git, in the background)",
            ms(packing.elapsed())
        );
        let first = bench.run(&repo, &["verify"], None);
        let again = median_of(runs, || bench.run(&repo, &["verify"], None));
        println!(
            "{n:>7} missions  verify, first     {:>8.0} ms   peak {:>5.0} MiB",
            ms(first.total),
            mib(first.peak)
        );
        println!(
            "{n:>7} missions  verify, again     {:>8.0} ms   peak {:>5.0} MiB",
            ms(again.total),
            mib(again.peak)
        );
        // A write, then verify: the run reads what the write changed, not the project.
        let mut written = 0;
        let ahead = median_of(runs, || {
            written += 1;
            let (id, name) = (format!("task-{written}"), format!("Task {written} renamed"));
            bench.run(&repo, &["mission", "update", &id, "--name", &name], None);
            bench.run(&repo, &["verify"], None)
        });
        println!(
            "{n:>7} missions  verify, a write on {:>7.0} ms   peak {:>5.0} MiB",
            ms(ahead.total),
            mib(ahead.peak)
        );
        for (what, args) in [
            ("list", &["mission", "list"][..]),
            ("list --json", &["--json", "mission", "list"][..]),
        ] {
            // The text has a header line; the JSON's first row is whole on its 10th line.
            let nth = if what == "list" { 2 } else { 10 };
            let run = median_of(runs, || bench.run(&repo, args, Some(nth)));
            let rows = bench.run(&repo, args, None).lines;
            if what == "list" {
                assert_eq!(rows, n + 1, "a header and one row per mission");
            }
            println!(
                "{n:>7} missions  {what:<16}  first row {:>6.1} ms   whole {:>7.0} ms   peak {:>5.0} MiB",
                ms(run.first.unwrap_or_default()),
                ms(run.total),
                mib(run.peak)
            );
        }
        match page_after(&bench, &repo, n) {
            Some(page) => println!(
                "{n:>7} missions  a page of 50 after a cursor  {:>6.1} ms   peak {:>5.0} MiB",
                ms(page.total),
                mib(page.peak)
            ),
            None => println!("{n:>7} missions  a page after a cursor: this build has no cursor"),
        }
    }
}

/// One page of 50 from the middle of the list, found by walking to it with cursors; checks
/// that the pages meet without a gap. None for a build without cursors (an older one).
fn page_after(bench: &Bench, repo: &Path, n: usize) -> Option<Measured> {
    let first = bench.json(repo, &["mission", "list", "--limit", &(n / 2).to_string()]);
    if std::env::var_os("CMOS_BENCH_BINARY").is_some() && first.get("next_cursor").is_none() {
        return None;
    }
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_string();
    let last_id = first["data"][n / 2 - 1]["id"].clone();
    let page = bench.json(
        repo,
        &["mission", "list", "--limit", "50", "--after", &cursor],
    );
    let whole = bench.json(repo, &["mission", "list"]);
    assert_eq!(whole["data"][n / 2 - 1]["id"], last_id);
    assert_eq!(
        page["data"][0]["id"],
        whole["data"][n / 2]["id"],
        "the page starts right after the cursor"
    );
    Some(bench.run(
        repo,
        &[
            "--json", "mission", "list", "--limit", "50", "--after", &cursor,
        ],
        None,
    ))
}

struct Bench {
    binary: PathBuf,
    home: PathBuf,
}

/// One process: when its `nth` line came out, when it ended, its peak memory, its lines.
#[derive(Clone, Copy, Default)]
struct Measured {
    first: Option<Duration>,
    total: Duration,
    peak: u64,
    lines: usize,
}

impl Bench {
    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .current_dir(dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env_remove("CMOS_AGENT");
        command
    }

    fn json(&self, dir: &Path, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.command(dir, &all).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON envelope")
    }

    /// Runs one command to its end, reading its output line by line.
    fn run(&self, dir: &Path, args: &[&str], nth: Option<usize>) -> Measured {
        let start = Instant::now();
        let mut child = self
            .command(dir, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run");
        // The high-water mark of the process's resident memory, read until it ends.
        let status = format!("/proc/{}/status", child.id());
        let done = Arc::new(AtomicBool::new(false));
        let watcher = {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut peak = 0;
                while !done.load(Ordering::Relaxed) {
                    if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|text| {
                        text.lines()
                            .find_map(|l| l.strip_prefix("VmHWM:"))
                            .and_then(|v| {
                                v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
                            })
                    }) {
                        peak = peak.max(kb);
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                peak
            })
        };
        let mut measured = Measured::default();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = Vec::new();
        while out.read_until(b'\n', &mut line).expect("read") > 0 {
            measured.lines += 1;
            if Some(measured.lines) == nth {
                measured.first = Some(start.elapsed());
            }
            line.clear();
        }
        let exit = child.wait().expect("wait");
        measured.total = start.elapsed();
        done.store(true, Ordering::Relaxed);
        measured.peak = watcher.join().expect("the watcher") * 1024;
        assert!(exit.success(), "{args:?} failed");
        measured
    }
}

/// The run of median total time among `runs`.
fn median_of(runs: usize, mut run: impl FnMut() -> Measured) -> Measured {
    let mut all: Vec<Measured> = (0..runs).map(|_| run()).collect();
    all.sort_by_key(|m| m.total);
    all[all.len() / 2]
}

/// A Backlog.md project of `tasks` tasks without links, half done.
fn write_backlog_md(dir: &Path, tasks: usize) {
    let tasks_dir = dir.join("backlog/tasks");
    std::fs::create_dir_all(&tasks_dir).expect("tasks dir");
    for i in 1..=tasks {
        let status = if i <= tasks / 2 { "Done" } else { "To Do" };
        std::fs::write(
            tasks_dir.join(format!("task-{i} - Task-{i}.md")),
            format!(
                "---\nid: task-{i}\ntitle: Task {i}\nstatus: {status}\ncreated_date: '2025-11-01 10:00'\ndependencies: []\n---\n\n## Description\n\nDo thing {i}\n"
            ),
        )
        .expect("task file");
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
