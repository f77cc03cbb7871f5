//! The knowledge base on 2,000 markdown files (20 MB): `cmos kb index` from no cache, and
//! `cmos kb search` on the built index, as whole processes; run it with
//! `cargo bench --bench kb`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const FILES: usize = 2_000;
const FILE_BYTES: usize = 10_000;
const RUNS: usize = 15;
const INDEX_TARGET_S: f64 = 2.0;
const QUERY_TARGET_MS: f64 = 20.0;

const WORDS: [&str; 24] = [
    "storage", "cache", "merge", "branch", "session", "mission", "decision", "sprint", "index",
    "query", "ranking", "shard", "writer", "commit", "remote", "budget", "context", "agent",
    "capture", "review", "tree", "blob", "packing", "latency",
];

fn main() {
    let binary = Path::new(env!("CARGO_BIN_EXE_cmos"));
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (home, repo) = (tmp.path().join("home"), tmp.path().join("repo"));
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&repo).expect("repo");
    let run = |program: &Path, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .current_dir(&repo)
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
        out
    };
    run(Path::new("git"), &["init", "-q"]);
    run(binary, &["init", "--name", "kb-bench"]);
    let mut total = 0;
    for f in 0..FILES {
        let dir = repo.join("docs").join(format!("area{:02}", f % 40));
        std::fs::create_dir_all(&dir).expect("docs dir");
        let mut text = format!("# Document {f}\n\n");
        let mut n = f;
        while text.len() < FILE_BYTES {
            if text.len() % 900 < 60 {
                text.push_str(&format!("\n## Part {}\n\n", text.len() / 900));
            }
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let word = WORDS[(n >> 33) % WORDS.len()];
            text.push_str(word);
            text.push_str(if (n >> 20) % 12 == 0 { ".\n" } else { " " });
        }
        total += text.len();
        std::fs::write(dir.join(format!("doc{f:04}.md")), text).expect("write a document");
    }
    println!(
        "cmos kb benchmark: {FILES} markdown files, {:.1} MB",
        total as f64 / 1e6
    );
    let time = |args: &[&str]| {
        let start = Instant::now();
        run(binary, args);
        start.elapsed()
    };
    let index_cold = time(&["kb", "index"]);
    let reindex = time(&["kb", "index"]);
    let mut queries: Vec<Duration> = (0..RUNS + 3)
        .map(|i| {
            time(&[
                "kb",
                "search",
                WORDS[i % WORDS.len()],
                "ranking",
                "--kind",
                "doc",
            ])
        })
        .skip(3)
        .collect();
    queries.sort();
    let median = queries[queries.len() / 2].as_secs_f64() * 1000.0;
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    println!(
        "kb index, no cache:               {:>8.2} s    <= {INDEX_TARGET_S} s  {}",
        index_cold.as_secs_f64(),
        verdict(index_cold.as_secs_f64() <= INDEX_TARGET_S)
    );
    println!(
        "kb index again, nothing changed:  {:>8.1} ms",
        reindex.as_secs_f64() * 1000.0
    );
    println!(
        "kb search (median of {RUNS}):        {median:>8.1} ms   <= {QUERY_TARGET_MS} ms  {}",
        verdict(median <= QUERY_TARGET_MS)
    );
}
