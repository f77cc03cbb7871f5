//! Wall-clock cost of `cmos report weekly` and `cmos report sprint` over 200,000 metric
//! records; run it with `cargo bench --bench metrics`.
//!
//! The project is a temporary, hermetic git repository: `cmos init`, then one seed commit
//! made through the library with 200 missions and 200,000 metrics in this month's shards of
//! four writers (rolled over at the shard size limit, as cmos does), the metrics spread over
//! the missions, over sessions of every type and over two sprints. Each report runs 2 times
//! untimed, then 10 times timed from spawn to exit.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cmos::format::{codec, layout};
use cmos::model::{Metric, Mission, Timestamp, new_uid};
use cmos::ops::Workspace;
use tempfile::TempDir;

const METRICS: usize = 200_000;
const MISSIONS: usize = 200;
const WRITERS: [&str; 4] = ["w1aaaaaaaa", "w2bbbbbbbb", "w3cccccccc", "w4dddddddd"];
const TYPES: [&str; 4] = ["build", "review", "planning", "research"];
const WARMUP_RUNS: usize = 2;
const TIMED_RUNS: usize = 10;
const TARGET_MS: f64 = 200.0;

fn main() {
    let binary = Path::new(env!("CARGO_BIN_EXE_cmos"));
    let dir = TempDir::new().expect("a temporary directory");
    let home = dir.path().join("home");
    let repo = dir.path().join("project");
    std::fs::create_dir_all(&home).expect("a home directory");
    std::fs::create_dir_all(&repo).expect("a project directory");
    let command = |program: &Path, args: &[&str]| {
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(&repo)
            .env("HOME", &home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("CMOS_AGENT", "bench")
            .env_remove("CMOS_JSON");
        c
    };
    let run = |program: &Path, args: &[&str]| {
        let out = command(program, args).output().expect("run a command");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let git = Path::new("git");
    run(git, &["init", "-q", "-b", "main"]);
    run(git, &["commit", "-q", "--allow-empty", "-m", "start"]);
    run(
        binary,
        &[
            "init",
            "--name",
            "bench",
            "--sprint",
            "S1",
            "--sprint-title",
            "One",
        ],
    );
    let seeding = Instant::now();
    seed(&repo);
    println!(
        "seeded {METRICS} metrics and {MISSIONS} missions in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    for args in [
        &["--json", "report", "weekly"][..],
        &["report", "sprint", "S1"][..],
        &["report", "weekly", "--format", "markdown"][..],
    ] {
        let mut times: Vec<Duration> = Vec::new();
        for n in 0..WARMUP_RUNS + TIMED_RUNS {
            let start = Instant::now();
            let out = command(binary, args).output().expect("run cmos");
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if n >= WARMUP_RUNS {
                times.push(took);
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = ms(times[times.len() / 2]);
        let verdict = if median <= TARGET_MS { "ok" } else { "OVER" };
        println!(
            "cmos {:<40} median {median:7.1} ms  min {:7.1} ms  max {:7.1} ms  (target {TARGET_MS} ms: {verdict})",
            args.join(" "),
            ms(times[0]),
            ms(times[times.len() - 1]),
        );
    }
    // For profiling by hand afterwards: CMOS_BENCH_KEEP=1 keeps the repository.
    if std::env::var_os("CMOS_BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
}

/// One commit with the missions and the metrics' shards, written through the library.
fn seed(repo: &Path) {
    let ws = Workspace::open(repo, Some("bench".into())).expect("open the project");
    let now = Timestamp::now();
    let month = now.as_datetime().format("%Y-%m").to_string();
    ws.store()
        .write("bench.seed", |tx| {
            for i in 0..MISSIONS {
                let mut mission = Mission::new(format!("M{i}"), new_uid(), format!("m{i}"), now);
                mission.sprint = Some("S1".into());
                tx.put_mission(&mission)?;
            }
            let mut shards: Vec<Vec<Vec<u8>>> = vec![vec![Vec::new()]; WRITERS.len()];
            for n in 0..METRICS {
                let w = n % WRITERS.len();
                let metric = Metric {
                    uid: new_uid(),
                    at: now,
                    agent: "bench".into(),
                    writer: WRITERS[w].into(),
                    session: Some(format!("ps-{}", n % 5_000)),
                    session_type: Some(TYPES[n % TYPES.len()].into()),
                    mission: Some(format!("M{}", n % MISSIONS)),
                    sprint: Some(if n % 2 == 0 { "S1" } else { "S2" }.into()),
                    tokens_in: Some((n % 9_000) as u64 + 500),
                    tokens_out: Some((n % 3_000) as u64 + 100),
                    latency_ms: Some((n % 20_000) as u64 + 300),
                    accepted: Some((n % 4) as u64),
                    defects: Some((n % 3) as u64),
                    model: Some("bench-model".into()),
                };
                let line = codec::json_line(&metric);
                let last = shards[w].last_mut().expect("a shard is open");
                if last.len() + line.len() > layout::SHARD_LIMIT {
                    shards[w].push(line);
                } else {
                    last.extend(line);
                }
            }
            for (w, files) in shards.into_iter().enumerate() {
                for (seq, bytes) in files.into_iter().enumerate() {
                    let name = layout::shard_name(WRITERS[w], seq as u32 + 1);
                    let dir = layout::log_month_dir(layout::METRICS, &month);
                    tx.put_file(&format!("{dir}/{name}"), bytes);
                }
            }
            tx.set_subject("bench seed: metrics");
            Ok(())
        })
        .expect("write the seed commit");
}
