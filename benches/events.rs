//! Reads against the size of the activity log: wall clock and peak memory of the real `cmos`
//! binary, one process per command, as the log grows from 200,000 to 1,000,000 events; run it
//! with `cargo bench --bench events`.
//!
//! Each project is a temporary, hermetic git repository: `cmos init`, then one seed commit made
//! through the library (sprints of 100 missions, the first 1% Completed and a few In Progress,
//! and the memory of `cli/memory.rs`: per 10,000 missions 2,000 sessions, 20,000 captures,
//! 5,000 decisions, with the event count set on its own), then a `git clone` of it, which is
//! what is measured, with an open session for captures and resume. Projects: 10,000 missions
//! with 200,000 and with 1,000,000 events (the same days, so each month holds five times the
//! events), then 100,000 missions with 1,000,000 events. Every command runs 2 times untimed,
//! 10 times timed from spawn to exit, and once more under `/usr/bin/time` for its peak
//! resident memory. The memory of a command must not grow with the events: the printout
//! gives the ratio of its peak at 1,000,000 events to its peak at 200,000.
//!
//! `CMOS_BENCH_BEFORE=<path to another cmos>` measures that binary too, on the same projects,
//! before this one (for figures before a change); `CMOS_BENCH_BINARY=<path>` measures another
//! binary instead of this build; `CMOS_BENCH_MAX_MISSIONS=<n>` leaves out the projects larger
//! than n missions. A command whose first warm-up run takes over a second is timed
//! 3 times instead of 10. Without `--bench` (as `cargo test` runs it)
//! it is a smoke check: 200 missions with 2,000 and 10,000 events, each command once, checking
//! that each succeeds and that resume and the activity log see the seeded events.

#[path = "cli/memory.rs"]
mod memory;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cmos::model::{Mission, Sprint, SprintStatus, Status, Timestamp, new_uid};
use cmos::ops::Workspace;
use tempfile::TempDir;

/// A project to measure: its missions, and the events of its activity log.
#[derive(Clone, Copy)]
struct Setup {
    missions: usize,
    events: usize,
}

const FULL: [Setup; 3] = [
    Setup {
        missions: 10_000,
        events: 200_000,
    },
    Setup {
        missions: 10_000,
        events: 1_000_000,
    },
    Setup {
        missions: 100_000,
        events: 1_000_000,
    },
];
const SMOKE: [Setup; 2] = [
    Setup {
        missions: 200,
        events: 2_000,
    },
    Setup {
        missions: 200,
        events: 10_000,
    },
];

const MISSIONS_PER_SPRINT: usize = 100;
const IN_PROGRESS: usize = 5;
/// The reads that must stay this fast whatever the number of events and missions.
const READ_TARGET_MS: f64 = 10.0;
/// A command this slow in its first run is timed `SLOW_RUNS` times only.
const SLOW: Duration = Duration::from_secs(1);
const SLOW_RUNS: usize = 3;
/// A command's peak memory at five times the events, over its peak before.
const MEMORY_RATIO_TARGET: f64 = 1.2;

/// One command as the benchmark runs it.
struct Cmd {
    label: &'static str,
    args: fn(&Shape, usize) -> Vec<String>,
    /// Held to `READ_TARGET_MS`.
    timed_target: bool,
    /// A check that exits 6 when it finds problems, and has its report as its output then.
    finds: bool,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const COMMANDS: [Cmd; 15] = [
    Cmd {
        label: "mission next",
        args: |_, _| words(&["mission", "next"]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "status",
        args: |_, _| words(&["status"]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "mission show <middle>",
        args: |shape, _| words(&["mission", "show", &shape.middle_id()]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "context --budget 2000",
        args: |_, _| words(&["context", "--budget", "2000"]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "onboard",
        args: |_, _| words(&["onboard"]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "session capture learning",
        args: |_, run| {
            let text = format!("Benchmark capture {run}: the cache holds");
            words(&["session", "capture", "learning", &text])
        },
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "session resume",
        args: |_, _| words(&["session", "resume"]),
        timed_target: true,
        finds: false,
    },
    Cmd {
        label: "session list --log --limit 20",
        args: |_, _| words(&["session", "list", "--log", "--limit", "20"]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "history <middle>",
        args: |shape, _| words(&["history", &shape.middle_id()]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "mission audit",
        args: |_, _| words(&["mission", "audit"]),
        timed_target: false,
        finds: true,
    },
    Cmd {
        label: "fsm pending",
        args: |_, _| words(&["fsm", "pending"]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "report weekly",
        args: |_, _| words(&["report", "weekly"]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "sprint show <current> --burndown",
        args: |_, _| words(&["sprint", "show", "s000", "--burndown"]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "sprint retro <current>",
        args: |_, _| words(&["sprint", "retro", "s000"]),
        timed_target: false,
        finds: false,
    },
    Cmd {
        label: "sprint analytics",
        args: |_, _| words(&["sprint", "analytics"]),
        timed_target: false,
        finds: false,
    },
];

/// How a mode runs each command.
struct Runs {
    warmup: usize,
    timed: usize,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let this = match std::env::var_os("CMOS_BENCH_BINARY") {
        Some(other) => ("CMOS_BENCH_BINARY", PathBuf::from(other)),
        None => ("this build", PathBuf::from(env!("CARGO_BIN_EXE_cmos"))),
    };
    let mut binaries = Vec::new();
    if let Some(before) = std::env::var_os("CMOS_BENCH_BEFORE") {
        binaries.push(("before", PathBuf::from(before)));
    }
    binaries.push(this);
    let (setups, runs): (&[Setup], Runs) = if full {
        (
            &FULL,
            Runs {
                warmup: 2,
                timed: 10,
            },
        )
    } else {
        (
            &SMOKE,
            Runs {
                warmup: 0,
                timed: 1,
            },
        )
    };
    println!(
        "cmos reads against the activity log ({}): {} warm-up and {} timed runs per command, then one for peak RSS",
        if full { "benchmark" } else { "smoke check" },
        runs.warmup,
        runs.timed
    );
    for (name, binary) in &binaries {
        println!("  {name}: {}", binary.display());
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    let max_missions = std::env::var("CMOS_BENCH_MAX_MISSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let mut reports = Vec::new();
    for &setup in setups.iter().filter(|s| s.missions <= max_missions) {
        let project = Project::prepare(setup, &binaries[0].1);
        for (name, binary) in &binaries {
            eprintln!("  measuring {name}");
            let figures = COMMANDS
                .iter()
                .map(|cmd| project.measure(binary, cmd, &runs))
                .collect();
            let report = Report {
                setup,
                binary: name,
                figures,
            };
            // Printed as soon as measured, so a long run shows its figures as it goes.
            report.print(full);
            reports.push(report);
        }
        if !full {
            project.check_smoke(&binaries.last().expect("this build").1);
        }
    }
    print_memory_ratios(&reports);
}

/// Timings and peak memory of one command.
struct Figures {
    timings: Vec<Duration>,
    peak_kib: u64,
}

impl Figures {
    fn percentile_ms(&self, p: usize) -> f64 {
        let rank = (p * self.timings.len()).div_ceil(100).max(1);
        self.timings[rank - 1].as_secs_f64() * 1000.0
    }
}

struct Report {
    setup: Setup,
    binary: &'static str,
    /// One per command of `COMMANDS`.
    figures: Vec<Figures>,
}

impl Report {
    fn print(&self, full: bool) {
        let Setup { missions, events } = self.setup;
        println!(
            "\n== {missions} missions, {events} events: {} ==",
            self.binary
        );
        println!(
            "{:<34} {:>10} {:>8} {:>10}   target",
            "command", "median ms", "p90 ms", "peak MiB"
        );
        for (cmd, f) in COMMANDS.iter().zip(&self.figures) {
            let median = f.percentile_ms(50);
            let target = if cmd.timed_target && full {
                let ok = median <= READ_TARGET_MS;
                format!("<= {READ_TARGET_MS:.0} ms  {}", verdict(ok))
            } else {
                String::new()
            };
            println!(
                "{:<34} {:>10.2} {:>8.2} {:>10.1}   {target}",
                cmd.label,
                median,
                f.percentile_ms(90),
                f.peak_kib as f64 / 1024.0
            );
        }
    }
}

/// Per binary: each command's peak at the most events over its peak at the fewest, on
/// projects of the same number of missions.
fn print_memory_ratios(reports: &[Report]) {
    let mut pairs = Vec::new();
    for small in reports {
        for large in reports {
            let same = small.binary == large.binary && small.setup.missions == large.setup.missions;
            if same && large.setup.events > small.setup.events {
                pairs.push((small, large));
            }
        }
    }
    for (small, large) in pairs {
        println!(
            "\n== peak memory, {} events / {} events, {} missions: {} ==",
            large.setup.events, small.setup.events, small.setup.missions, small.binary
        );
        for (i, cmd) in COMMANDS.iter().enumerate() {
            let ratio = large.figures[i].peak_kib as f64 / small.figures[i].peak_kib as f64;
            println!(
                "{:<34} {:>8.2}   <= {MEMORY_RATIO_TARGET:.1}  {}",
                cmd.label,
                ratio,
                verdict(ratio <= MEMORY_RATIO_TARGET)
            );
        }
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// The shape of a seeded project: which mission is where.
#[derive(Clone, Copy)]
struct Shape {
    missions: usize,
}

impl Shape {
    fn middle_id(&self) -> String {
        mission_id(self.missions / 2)
    }

    fn status(&self, i: usize) -> Status {
        let completed = self.missions / 100;
        let step = (self.missions - completed) / IN_PROGRESS;
        if i <= completed {
            Status::Completed
        } else if (i - completed) % step == 1 {
            Status::InProgress
        } else {
            Status::Queued
        }
    }
}

fn mission_id(i: usize) -> String {
    format!("m{i:05}")
}

fn sprint_id(k: usize) -> String {
    format!("s{k:03}")
}

/// A hermetic clone of a seeded project.
struct Project {
    _tmp: TempDir,
    home: PathBuf,
    path: PathBuf,
    shape: Shape,
}

impl Project {
    /// Seeds a project through the library, clones it, adopts the branch and opens a session.
    fn prepare(setup: Setup, binary: &Path) -> Project {
        eprintln!(
            "preparing {} missions and {} events…",
            setup.missions, setup.events
        );
        let tmp = tempfile::tempdir().expect("a temporary directory for the benchmark");
        let home = tmp.path().join("home");
        let origin = tmp.path().join("origin");
        for dir in [&home, &origin] {
            std::fs::create_dir_all(dir).expect("create the benchmark directories");
        }
        let mut project = Project {
            _tmp: tmp,
            home,
            path: origin.clone(),
            shape: Shape {
                missions: setup.missions,
            },
        };
        project.run(project.git(&["init", "-q"]));
        project.run(project.git(&["config", "user.name", "Bench"]));
        project.run(project.git(&["config", "user.email", "bench@example.com"]));
        project.run(project.git(&["config", "gc.auto", "0"]));
        project.run(project.cmos(binary, &words(&["init", "--name", "bench"])));
        let start = Instant::now();
        project.seed(setup);
        eprintln!("  seeded in {:.1} s", start.elapsed().as_secs_f64());
        // The clone is measured: the branch arrives packed, as a user who clones has it.
        let clone = origin.with_file_name("clone");
        let from = origin.to_str().expect("a UTF-8 temporary path").to_string();
        let to = clone.to_str().expect("a UTF-8 temporary path").to_string();
        project.run(project.git(&["clone", "-q", "--no-local", &from, &to]));
        project.path = clone;
        project.run(project.git(&["config", "gc.auto", "0"]));
        let start_session = ["session", "start", "--type", "build", "--title", "Bench"];
        project.run(project.cmos(binary, &words(&start_session)));
        project
    }

    fn seed(&self, setup: Setup) {
        let ws = Workspace::open(&self.path, Some("bench".into())).expect("open the project");
        let now = Timestamp::now();
        let shape = self.shape;
        let memory = memory::Memory::for_missions(setup.missions).with_events(setup.events);
        ws.store()
            .write("bench.seed", |tx| {
                let sprints = setup.missions.div_ceil(MISSIONS_PER_SPRINT);
                for k in 0..sprints {
                    if !tx.meta().sprints.contains_key(&sprint_id(k)) {
                        tx.put_sprint(&sprint(k, now))?;
                    }
                }
                for i in 1..=setup.missions {
                    tx.put_mission(&mission(i, shape.status(i), now))?;
                }
                memory::seed(tx, memory, now)?;
                tx.set_subject(format!(
                    "bench seed: {} missions, {} events",
                    setup.missions, setup.events
                ));
                Ok(())
            })
            .expect("write the seed commit");
        eprintln!(
            "  memory: {} sessions, {} captures, {} decisions, {} events",
            memory.sessions,
            memory.captures(),
            memory.decisions,
            memory.events
        );
    }

    /// Warm-ups, timed runs, then one run under `/usr/bin/time` for the peak RSS.
    fn measure(&self, binary: &Path, cmd: &Cmd, runs: &Runs) -> Figures {
        eprintln!("    {}", cmd.label);
        let mut run = 0;
        let mut timed = runs.timed;
        let finished = |output: &Output| match output.status.code() {
            Some(6) if cmd.finds => {}
            _ => check(output),
        };
        for _ in 0..runs.warmup {
            let start = Instant::now();
            finished(&spawn(self.cmos(binary, &(cmd.args)(&self.shape, run))));
            if start.elapsed() > SLOW {
                timed = timed.min(SLOW_RUNS);
            }
            run += 1;
        }
        let mut timings = Vec::new();
        for _ in 0..timed {
            let command = self.cmos(binary, &(cmd.args)(&self.shape, run));
            let start = Instant::now();
            let output = spawn(command);
            timings.push(start.elapsed());
            finished(&output);
            run += 1;
        }
        timings.sort();
        let peak_kib = self.peak_kib(binary, &(cmd.args)(&self.shape, run), &finished);
        Figures { timings, peak_kib }
    }

    /// The peak resident memory of one run, in KiB, as `/usr/bin/time` reports it.
    fn peak_kib(&self, binary: &Path, args: &[String], finished: &dyn Fn(&Output)) -> u64 {
        let report = self._tmp.path().join("peak-rss");
        let mut timed = self.command("/usr/bin/time");
        timed
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(binary)
            .args(args)
            .env("CMOS_AGENT", "bench");
        finished(&spawn(timed));
        let text = std::fs::read_to_string(&report).expect(
            "the report of /usr/bin/time (Debian package `time`, which scripts/test installs)",
        );
        text.trim()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak RSS in {text:?}"))
    }

    /// What the smoke check asserts beyond every command succeeding: resume reads the open
    /// session, and the activity log lists the entries a `session log` adds.
    fn check_smoke(&self, binary: &Path) {
        let json = |args: &[&str]| -> serde_json::Value {
            let mut all = words(args);
            all.push("--json".into());
            let output = spawn(self.cmos(binary, &all));
            check(&output);
            serde_json::from_slice(&output.stdout).expect("a JSON envelope")
        };
        let resume = json(&["session", "resume"]);
        assert_eq!(resume["data"]["session"]["title"], "Bench", "{resume}");
        let captures = resume["data"]["session"]["captures"]
            .as_array()
            .map(Vec::len);
        assert!(
            captures.unwrap_or(0) >= 1,
            "the captures are there: {resume}"
        );
        let logged = ["session", "log", "--type", "start", "--summary", "smoke"];
        self.run(self.cmos(binary, &words(&logged)));
        let log = json(&["session", "list", "--log"]);
        let entries = log["data"].as_array().expect("a list of entries");
        assert!(
            entries.iter().any(|e| e["summary"] == "smoke"),
            "the entry is listed: {log}"
        );
        let resume = json(&["session", "resume"]);
        let actions = resume["data"]["last_actions"].as_array().expect("actions");
        assert!(
            actions.iter().any(|e| e["note"] == "smoke"),
            "resume shows the last action: {resume}"
        );
    }

    fn run(&self, command: Command) {
        check(&spawn(command));
    }

    fn git(&self, args: &[&str]) -> Command {
        let mut command = self.command("git");
        command.args(args);
        command
    }

    fn cmos(&self, binary: &Path, args: &[String]) -> Command {
        let mut command = self.command(binary);
        command.args(args).env("CMOS_AGENT", "bench");
        command
    }

    /// A process in the project with a fixed identity and no user or system git config.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(&self.path)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env_remove("CMOS_JSON")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        command
    }
}

fn spawn(mut command: Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn check(output: &Output) {
    assert!(
        output.status.success(),
        "a benchmarked command failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn sprint(k: usize, now: Timestamp) -> Sprint {
    Sprint {
        id: sprint_id(k),
        uid: new_uid(),
        title: format!("Sprint {k}"),
        focus: Some(format!("Milestone {k}")),
        status: SprintStatus::Planned,
        start: None,
        end: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        extra: Default::default(),
    }
}

/// A mission of the size `benches/cli.rs` measures, in sprints of 100.
fn mission(i: usize, status: Status, now: Timestamp) -> Mission {
    let name = format!("Implement feature {i}");
    let mut mission = Mission::new(mission_id(i), new_uid(), name, now);
    mission.status = status;
    mission.sprint = Some(sprint_id((i - 1) / MISSIONS_PER_SPRINT));
    mission.objective = Some(format!(
        "Deliver feature {i} end to end: data model, API endpoint, validation and tests."
    ));
    mission.success_criteria = vec![
        format!("Unit tests cover every new code path of feature {i}"),
        "Invalid input is rejected with a clear error message".into(),
    ];
    mission.started_at = (status != Status::Queued).then_some(now);
    mission.completed_at = (status == Status::Completed).then_some(now);
    mission
}
