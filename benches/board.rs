//! What `cmos board` costs on a 10,000-mission project; run it with `cargo bench --bench board`.
//!
//! The project is a hermetic temporary repository seeded through the library in one commit
//! (sprints of 100 missions, the current sprint of 200, two `requires` links per mission).
//! Measured against the real binary, over HTTP on 127.0.0.1:
//! - start: from spawning `cmos board` to its URL on stdout (the 10,000-mission index loaded);
//! - first paint: `/`, `/app.js`, `/app.css`, `/api/meta` and `/api/board`, back to back, as
//!   the page needs them before it can draw (the target: within 1 s);
//! - the kanban of the 200-mission sprint, `/api/board` alone (target: within 200 ms);
//! - live update: from the end of a CLI write to the `changed` event (target: within 1 s).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cmos::model::{DepType, Dependency, Mission, Sprint, SprintStatus, Status, Timestamp, new_uid};
use cmos::ops::Workspace;

const MISSIONS: usize = 10_000;
const CURRENT_SPRINT: usize = 200;
const PER_SPRINT: usize = 100;
const RUNS: usize = 30;
const STARTS: usize = 5;
const WRITES: usize = 10;

fn main() {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let home = tmp.path().join("home");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&home).expect("HOME");
    std::fs::create_dir_all(&repo).expect("repo");
    let run = |program: &Path, args: &[&str]| {
        let out = command(program, &repo, &home)
            .args(args)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let git = Path::new("git");
    run(git, &["init", "-q"]);
    run(git, &["config", "user.name", "Bench"]);
    run(git, &["config", "user.email", "bench@example.com"]);
    run(git, &["config", "gc.auto", "0"]);
    run(
        &binary,
        &[
            "init",
            "--name",
            "bench",
            "--sprint",
            "s000",
            "--sprint-title",
            "Sprint 0",
        ],
    );
    seed(&repo);
    run(&binary, &["status"]);
    println!("cmos board benchmark: {MISSIONS} missions, current sprint of {CURRENT_SPRINT}");

    let mut starts = Vec::new();
    for _ in 0..STARTS {
        let started = Instant::now();
        let board = Board::start(&binary, &repo, &home);
        starts.push(started.elapsed());
        drop(board);
    }
    let board = Board::start(&binary, &repo, &home);
    let first_paint = samples(RUNS, || {
        for path in ["/", "/app.js", "/app.css", "/api/meta", "/api/board"] {
            board.get(path);
        }
    });
    let kanban = samples(RUNS, || {
        let body = board.get("/api/board");
        assert!(body.contains("\"total\":200"), "the 200-mission sprint");
    });
    let other_sprint = samples(RUNS, || {
        board.get("/api/board?sprint=s050");
    });

    let mut latencies = Vec::new();
    let mut events = board.events();
    for k in 0..WRITES {
        let id = format!("m{:05}", MISSIONS - 1 - k);
        run(&binary, &["mission", "defer", &id]);
        let written = Instant::now();
        events.wait_changed();
        latencies.push(written.elapsed());
    }

    report("start (spawn to URL, index loaded)", &mut starts, 1000.0);
    report(
        "first paint (/, assets, meta, board)",
        &mut first_paint.clone(),
        1000.0,
    );
    report(
        "kanban of the 200-mission sprint",
        &mut kanban.clone(),
        200.0,
    );
    report(
        "kanban of a 100-mission sprint",
        &mut other_sprint.clone(),
        200.0,
    );
    report(
        "live update (write done to changed)",
        &mut latencies,
        1000.0,
    );
}

fn report(label: &str, timings: &mut [Duration], target_ms: f64) {
    timings.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(timings[timings.len() / 2]);
    let worst = ms(timings[timings.len() - 1]);
    let verdict = if median <= target_ms { "ok" } else { "SLOW" };
    println!(
        "  {label:<40} median {median:8.1} ms   max {worst:8.1} ms   target {target_ms:.0} ms  {verdict}"
    );
}

fn samples(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f();
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn command(program: &Path, repo: &Path, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(repo)
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("CMOS_AGENT", "bench")
        .env_remove("CMOS_JSON")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    c
}

/// Every sprint and mission in one commit through the library.
fn seed(repo: &Path) {
    let ws = Workspace::open(repo, Some("bench".into())).expect("open");
    let now = Timestamp::now();
    ws.store()
        .write("bench.seed", |tx| {
            let sprints = 1 + (MISSIONS - CURRENT_SPRINT).div_ceil(PER_SPRINT);
            for k in 1..sprints {
                tx.put_sprint(&Sprint {
                    id: format!("s{k:03}"),
                    uid: new_uid(),
                    title: format!("Sprint {k}"),
                    focus: None,
                    status: SprintStatus::Planned,
                    start: None,
                    end: None,
                    created_at: now,
                    updated_at: now,
                    completed_at: None,
                    extra: Default::default(),
                })?;
            }
            for i in 1..=MISSIONS {
                let sprint = if i <= CURRENT_SPRINT {
                    0
                } else {
                    1 + (i - CURRENT_SPRINT - 1) / PER_SPRINT
                };
                let status = match i % 50 {
                    0 => Status::Completed,
                    7 => Status::InProgress,
                    _ => Status::Queued,
                };
                let mut m = Mission::new(
                    format!("m{i:05}"),
                    new_uid(),
                    format!("Implement feature {i} of the service"),
                    now,
                );
                m.status = status;
                m.sprint = Some(format!("s{sprint:03}"));
                m.objective = Some(format!(
                    "Deliver feature {i} end to end: data model, API, validation and tests."
                ));
                m.depends = [1usize, 37]
                    .iter()
                    .filter_map(|d| i.checked_sub(*d).filter(|on| *on >= 1))
                    .map(|on| Dependency {
                        on: format!("m{on:05}"),
                        kind: DepType::Requires,
                        extra: Default::default(),
                    })
                    .collect();
                tx.put_mission(&m)?;
            }
            tx.set_subject(format!("bench seed: {MISSIONS} missions"));
            Ok(())
        })
        .expect("seed");
}

struct Board {
    child: Child,
    port: u16,
}

impl Board {
    fn start(binary: &Path, repo: &Path, home: &Path) -> Board {
        let mut child = command(binary, repo, home)
            .args(["board", "--read-only"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the board");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the URL");
        let port = line
            .trim()
            .trim_start_matches("cmos board: http://127.0.0.1:")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|_| panic!("a URL: {line}"));
        Board { child, port }
    }

    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer:.200}");
        answer
    }

    fn events(&self) -> Events {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).expect("connect");
        write!(
            stream,
            "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )
        .expect("send");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Events(BufReader::new(stream))
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events(BufReader<TcpStream>);

impl Events {
    fn wait_changed(&mut self) {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                self.0.read_line(&mut line).expect("an event") > 0,
                "stream ended"
            );
            if line.trim() == "event: changed" {
                return;
            }
        }
    }
}
