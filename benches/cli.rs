//! Wall-clock cost of the real `cmos` binary, one process per command, on projects of 1,000,
//! 10,000 and 100,000 missions; run it with `cargo bench --bench cli` (CMOS_BENCH_SIZES=1000,10000
//! picks the sizes; CMOS_BENCH_BINARY=path measures another build, e.g. an older release).
//! `cargo test --bench cli` runs a smoke version: 200 missions, 1 untimed and 3 timed runs, and
//! checks that every write landed, never the timings.
//!
//! Each project is a temporary, hermetic git repository: `cmos init`, then one seed commit
//! made through the library (sprints of 100 missions, two `requires` links per mission, about
//! 1% Completed and 60 In Progress; and per 10,000 missions a memory of 2,000 sessions with
//! 20,000 captures, 5,000 decisions and 200,000 events, at most 1,000,000 events, see
//! `memory.rs`; and 50 clones' process state files), then a `git clone` of it, which is what is
//! measured. Every command runs 3 times untimed, then 30 times timed from spawn to exit, the
//! projects of each size taking turns run by run so that the machine's drift over minutes
//! does not skew the ratios between sizes; the floor is `git rev-parse`, the cheapest process
//! that reads the same branch. The writes (add,
//! start, update, complete, capture, decision, sprint) must stay flat in the project's size.

#[path = "cli/mcp.rs"]
mod mcp;
#[path = "cli/memory.rs"]
mod memory;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cmos::digest::Digest;
use cmos::model::{
    DepType, Dependency, Mission, Sprint, SprintStatus, Status, Timestamp, Transition, new_uid,
};
use cmos::ops::Workspace;
use tempfile::TempDir;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];
/// The smoke run of `cargo test`: small, quick, and checked for correctness only.
const SMOKE_SIZE: usize = 200;
const MISSIONS_PER_SPRINT: usize = 100;
/// The missions the write benchmark completes, one per run.
const IN_PROGRESS: usize = 60;
const _: () = assert!(
    IN_PROGRESS >= WARMUP_RUNS + TIMED_RUNS,
    "each write run completes its own mission"
);
/// Each mission requires the missions this many places before it, when they exist.
const LINK_DISTANCES: [usize; 2] = [1, 37];
const WARMUP_RUNS: usize = 3;
const TIMED_RUNS: usize = 30;
/// The events of the largest memory: the generator's 20 per mission, up to this many.
const MAX_EVENTS: usize = 1_000_000;

const READ_TARGET_MS: f64 = 30.0;
const WRITE_TARGET_MS: f64 = 50.0;
/// Every write at the largest size, whole process, and its cost there against the smallest.
const FLAT_WRITE_TARGET_MS: f64 = 10.0;
const FLAT_WRITE_SCALING: f64 = 1.5;
const FLAT_WRITE_SIZE: usize = 100_000;
/// Context, onboarding and captures, on the project's whole memory.
const MEMORY_TARGET_MS: f64 = 50.0;
const SCALING_TARGET: f64 = 2.0;

const AREAS: [&str; 8] = [
    "billing",
    "search",
    "auth",
    "reporting",
    "sync",
    "storage",
    "notifications",
    "admin",
];

/// How many runs each command gets: the full benchmark's, or the smoke run's.
#[derive(Clone, Copy)]
struct Runs {
    warmup: usize,
    timed: usize,
}

impl Runs {
    fn total(self) -> usize {
        self.warmup + self.timed
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full {
        Runs {
            warmup: WARMUP_RUNS,
            timed: TIMED_RUNS,
        }
    } else {
        Runs {
            warmup: 1,
            timed: 3,
        }
    };
    let sizes: Vec<usize> = match std::env::var("CMOS_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .replace('_', "")
                    .parse()
                    .expect("CMOS_BENCH_SIZES: numbers")
            })
            .collect(),
        Err(_) if full => SIZES.to_vec(),
        Err(_) => vec![SMOKE_SIZE],
    };
    let built = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
    let binary = std::env::var_os("CMOS_BENCH_BINARY").map_or(built, PathBuf::from);
    let binary = binary.as_path();
    println!("cmos CLI benchmark: {}", binary.display());
    // Other processes (a build, say) skew wall-clock figures; the load shows whether they ran.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    println!(
        "{} warm-up runs, then {} timed runs per command; wall clock from spawn to exit\n",
        runs.warmup, runs.timed
    );
    let prepared: Vec<Prepared> = sizes.iter().map(|&n| prepare(binary, n)).collect();
    let reports = bench_sizes(prepared, runs);
    for report in &reports {
        print_size(report);
    }
    if let [small, .., large] = reports.as_slice() {
        print_scaling(small, large);
    }
    print_writes(&reports);
}

/// The commands measured, in the order they run and are printed.
#[derive(Clone, Copy)]
enum Cmd {
    Floor,
    Next,
    Status,
    Show,
    Complete,
    Context,
    Onboard,
    Capture,
    Resume,
    FsmShow,
    Add,
    Start,
    Update,
    Decision,
    SprintAdd,
}

const COMMANDS: [Cmd; 15] = [
    Cmd::Floor,
    Cmd::Next,
    Cmd::Status,
    Cmd::Show,
    Cmd::Complete,
    Cmd::Context,
    Cmd::Onboard,
    Cmd::Capture,
    // The open session, with the captures the runs above made.
    Cmd::Resume,
    Cmd::FsmShow,
    // Each run of these starts (then updates) the mission the same run of `Add` added.
    Cmd::Add,
    Cmd::Start,
    Cmd::Update,
    Cmd::Decision,
    Cmd::SprintAdd,
];

impl Cmd {
    fn label(self) -> &'static str {
        match self {
            Cmd::Floor => "git rev-parse refs/heads/cmos",
            Cmd::Next => "cmos mission next",
            Cmd::Status => "cmos status",
            Cmd::Show => "cmos mission show <middle>",
            Cmd::Complete => "cmos mission complete <id>",
            Cmd::Context => "cmos context --budget 2000",
            Cmd::Onboard => "cmos onboard",
            Cmd::Resume => "cmos session resume",
            Cmd::Capture => "cmos session capture learning <text>",
            Cmd::FsmShow => "cmos fsm show",
            Cmd::Add => "cmos mission add <id> <name>",
            Cmd::Start => "cmos mission start <added>",
            Cmd::Update => "cmos mission update <added> --notes",
            Cmd::Decision => "cmos decision add <title>",
            Cmd::SprintAdd => "cmos sprint add <id>",
        }
    }

    /// Whether it writes a commit: writes must stay flat in the project's size.
    fn writes(self) -> bool {
        matches!(
            self,
            Cmd::Complete
                | Cmd::Capture
                | Cmd::Add
                | Cmd::Start
                | Cmd::Update
                | Cmd::Decision
                | Cmd::SprintAdd
        )
    }

    /// The median the command should stay under, if it has a target.
    fn target_ms(self) -> Option<f64> {
        match self {
            Cmd::Floor => None,
            Cmd::Next | Cmd::Status | Cmd::Show | Cmd::FsmShow => Some(READ_TARGET_MS),
            Cmd::Complete
            | Cmd::Add
            | Cmd::Start
            | Cmd::Update
            | Cmd::Decision
            | Cmd::SprintAdd => Some(WRITE_TARGET_MS),
            Cmd::Context | Cmd::Onboard | Cmd::Capture | Cmd::Resume => Some(MEMORY_TARGET_MS),
        }
    }

    /// The process for timed run `run` (warm-ups included); each write completes another mission.
    fn command(self, project: &Project, run: usize) -> Command {
        match self {
            Cmd::Floor => project.git(&["rev-parse", "refs/heads/cmos"]),
            Cmd::Next => project.cmos(&["mission", "next"]),
            Cmd::Status => project.cmos(&["status"]),
            Cmd::Show => project.cmos(&["mission", "show", &project.shape.middle_id()]),
            Cmd::Complete => {
                let i = project.shape.in_progress().get(run).copied();
                let i = i.expect("one In Progress mission for every write run");
                project.cmos(&["mission", "complete", &mission_id(i)])
            }
            Cmd::Context => project.cmos(&["context", "--budget", "2000"]),
            Cmd::Onboard => project.cmos(&["onboard"]),
            Cmd::Resume => project.cmos(&["session", "resume"]),
            Cmd::Capture => project.cmos(&[
                "session",
                "capture",
                "learning",
                &format!("Benchmark capture {run}: the cache holds"),
            ]),
            Cmd::FsmShow => project.cmos(&["fsm", "show"]),
            Cmd::Add => project.cmos(&[
                "mission",
                "add",
                &added_id(run),
                &format!("Benchmark mission {run}"),
                "--objective",
                "Measure a write",
            ]),
            Cmd::Start => project.cmos(&["mission", "start", &added_id(run)]),
            Cmd::Update => project.cmos(&[
                "mission",
                "update",
                &added_id(run),
                "--notes",
                &format!("Benchmark update {run}"),
            ]),
            Cmd::Decision => project.cmos(&[
                "decision",
                "add",
                &format!("Benchmark decision {run}"),
                "--rationale",
                "Measured",
            ]),
            Cmd::SprintAdd => project.cmos(&[
                "sprint",
                "add",
                &format!("bench-s{run:03}"),
                "--title",
                &format!("Benchmark sprint {run}"),
            ]),
        }
    }
}

/// The mission run `run` of `mission add` adds.
fn added_id(run: usize) -> String {
    format!("bench-{run:03}")
}

/// Everything measured for one project size.
struct SizeReport {
    shape: Shape,
    seed: Duration,
    cold_status: Duration,
    /// One entry per command of `COMMANDS`, in the same order.
    samples: Vec<Samples>,
    /// The MCP server: spawn to first tools/list, then tool calls on a running server.
    mcp_start: Samples,
    mcp_calls: Vec<(&'static str, Samples)>,
    /// The process state as every response reads it (in process, no spawn).
    state_read: Samples,
}

/// Targets of the MCP server.
const MCP_START_TARGET_MS: f64 = 100.0;
const MCP_CALL_TARGET_MS: f64 = 30.0;
/// The process state read from the tip, which every response's instructions carry.
const STATE_READ_TARGET_MS: f64 = 1.0;
/// Clones that have moved the project's state machine, each with its own state file.
const STATE_WRITERS: usize = 50;

/// A project made and cloned for measuring, with what making it took.
struct Prepared {
    project: Project,
    seed: Duration,
    cold_status: Duration,
}

fn prepare(binary: &Path, missions: usize) -> Prepared {
    let shape = Shape { missions };
    eprintln!("preparing a project of {missions} missions…");
    let origin = Project::create(binary, shape);
    let seed = origin.seed();
    let project = origin.into_clone();
    let cold_status = project.cold_status();
    // Captures go to the open session of the worktree.
    run_ok(project.cmos(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Benchmark",
    ]));
    Prepared {
        project,
        seed,
        cold_status,
    }
}

/// Measures every command on every project, the projects taking turns run by run: the
/// machine's load drifts over minutes (other tenants, background packing), and measuring one
/// size after the other put that drift into the ratios between sizes.
fn bench_sizes(prepared: Vec<Prepared>, runs: Runs) -> Vec<SizeReport> {
    let projects: Vec<&Project> = prepared.iter().map(|p| &p.project).collect();
    let mut samples: Vec<Vec<Samples>> = projects.iter().map(|_| Vec::new()).collect();
    for cmd in COMMANDS {
        eprintln!("measuring {}", cmd.label());
        let measured = measure_in_turn(runs, &projects, |project, run| cmd.command(project, run));
        for (of_project, one) in samples.iter_mut().zip(measured) {
            of_project.push(one);
        }
    }
    prepared
        .into_iter()
        .zip(samples)
        .map(|(prepared, samples)| finish_size(prepared, samples, runs))
        .collect()
}

/// The rest of one project's report: checks of its writes, the MCP server, the state read.
fn finish_size(prepared: Prepared, samples: Vec<Samples>, runs: Runs) -> SizeReport {
    let project = prepared.project;
    project.check_writes(runs);
    eprintln!(
        "measuring the MCP server ({} missions)",
        project.shape.missions
    );
    let times = mcp::measure(
        || project.cmos(&["mcp"]),
        &project.shape.middle_id(),
        runs.warmup,
        runs.timed,
    );
    let state_read = project.state_read(runs);
    let shape = project.shape;
    // For profiling by hand afterwards: CMOS_BENCH_KEEP=1 keeps the repositories.
    if std::env::var_os("CMOS_BENCH_KEEP").is_some() {
        eprintln!("  kept {}", project.keep().display());
    }
    SizeReport {
        shape,
        seed: prepared.seed,
        cold_status: prepared.cold_status,
        samples,
        mcp_start: Samples::new(times.start_to_list),
        mcp_calls: times
            .calls
            .into_iter()
            .map(|(tool, t)| (tool, Samples::new(t)))
            .collect(),
        state_read,
    }
}

/// `measure` on each of `projects`, which take turns: every project's warm-up runs, then
/// each timed run on one project after the other.
fn measure_in_turn(
    runs: Runs,
    projects: &[&Project],
    make: impl Fn(&Project, usize) -> Command,
) -> Vec<Samples> {
    for run in 0..runs.warmup {
        for project in projects {
            run_ok(make(project, run));
        }
    }
    let mut timings: Vec<Vec<Duration>> = projects.iter().map(|_| Vec::new()).collect();
    for run in runs.warmup..runs.total() {
        for (project, times) in projects.iter().zip(&mut timings) {
            times.push(time(make(project, run)));
        }
    }
    timings.into_iter().map(Samples::new).collect()
}

/// Wall clock from spawn to exit, output captured; panics unless the process succeeded.
fn time(command: Command) -> Duration {
    let start = Instant::now();
    let output = spawn(command);
    let elapsed = start.elapsed();
    check(&output);
    elapsed
}

/// Runs a process untimed; panics unless it succeeded.
fn run_ok(command: Command) {
    check(&spawn(command));
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

/// The shape of a seeded project: which mission is where, in which status, linked to what.
/// Missions are numbered from 1 and filled into sprints in order, 100 per sprint.
#[derive(Clone, Copy)]
struct Shape {
    missions: usize,
}

impl Shape {
    fn sprints(self) -> usize {
        self.missions / MISSIONS_PER_SPRINT
    }

    /// The first 1% of the missions are done; being first, their prerequisites are done too.
    fn completed(self) -> usize {
        self.missions / 100
    }

    /// 60 missions spread evenly after the completed ones. The first open mission is skipped
    /// so that it stays Queued and ready: `mission next` then has to pass over every In
    /// Progress mission (each waits on its Queued predecessor) before it finds work.
    fn in_progress(self) -> Vec<usize> {
        let first = self.completed() + 2;
        let span = self.missions - first;
        (0..IN_PROGRESS)
            .map(|k| first + k * span / IN_PROGRESS)
            .collect()
    }

    fn middle_id(self) -> String {
        mission_id(self.missions / 2)
    }

    fn links(self) -> usize {
        (1..=self.missions).map(|i| prerequisites(i).count()).sum()
    }
}

fn mission_id(i: usize) -> String {
    format!("m{i:05}")
}

fn sprint_id(k: usize) -> String {
    format!("s{k:03}")
}

fn sprint_of(i: usize) -> String {
    sprint_id((i - 1) / MISSIONS_PER_SPRINT)
}

/// Lower-numbered missions only, so the links never form a cycle.
fn prerequisites(i: usize) -> impl Iterator<Item = usize> {
    LINK_DISTANCES
        .iter()
        .filter_map(move |&d| i.checked_sub(d).filter(|&on| on >= 1))
}

/// A hermetic temporary repository with a cmos project in it.
struct Project {
    _tmp: TempDir,
    home: PathBuf,
    path: PathBuf,
    binary: PathBuf,
    shape: Shape,
}

impl Project {
    fn create(binary: &Path, shape: Shape) -> Project {
        let tmp = tempfile::tempdir().expect("a temporary directory for the benchmark repository");
        let home = tmp.path().join("home");
        let path = tmp.path().join("repo");
        for dir in [&home, &path] {
            std::fs::create_dir_all(dir).expect("create the benchmark directories");
        }
        let project = Project {
            _tmp: tmp,
            home,
            path,
            binary: binary.to_path_buf(),
            shape,
        };
        run_ok(project.git(&["init", "-q"]));
        // The library seeds from this process, which has no hermetic environment: give the
        // repository its own identity so its commits do not depend on the user's config.
        run_ok(project.git(&["config", "user.name", "Bench"]));
        run_ok(project.git(&["config", "user.email", "bench@example.com"]));
        // The seed leaves many loose objects, which would start `git gc --auto` in the
        // background of the next write and disturb the timings; the clone is what is measured.
        run_ok(project.git(&["config", "gc.auto", "0"]));
        run_ok(project.cmos(&[
            "init",
            "--name",
            "bench",
            "--sprint",
            "s000",
            "--sprint-title",
            "Sprint 0",
        ]));
        project
    }

    /// Keeps the repository on disk and returns where it is.
    fn keep(self) -> PathBuf {
        let name = self.path.file_name().expect("a named directory").to_owned();
        self._tmp.keep().join(name)
    }

    /// A clone of this repository, measured instead of the original, as a user who clones
    /// the project has it: the branch arrives packed, as `origin/cmos`, and the first cmos
    /// command adopts it. (Measuring the seeding repository after `git gc` would time the
    /// file system recovering from ten thousand deleted loose objects, not cmos.)
    fn into_clone(self) -> Project {
        let clone = self.path.with_file_name("clone");
        let origin = self
            .path
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_string();
        run_ok(self.git(&[
            "clone",
            "-q",
            "--no-local",
            &origin,
            clone.to_str().expect("a UTF-8 path"),
        ]));
        let project = Project {
            path: clone,
            ..self
        };
        run_ok(project.git(&["config", "gc.auto", "0"]));
        project
    }

    fn git(&self, args: &[&str]) -> Command {
        self.command("git", args)
    }

    fn cmos(&self, args: &[&str]) -> Command {
        let mut command = self.command(&self.binary, args);
        command.env("CMOS_AGENT", "bench");
        command
    }

    /// A process in the repository with a fixed identity and no user or system git config.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
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

    /// Writes every sprint and mission in one commit through the library, which is far
    /// faster than thousands of CLI calls; returns how long it took.
    fn seed(&self) -> Duration {
        let start = Instant::now();
        let ws = Workspace::open(&self.path, Some("bench".into()))
            .expect("open the benchmark repository");
        let now = Timestamp::now();
        let shape = self.shape;
        let in_progress: HashSet<usize> = shape.in_progress().into_iter().collect();
        ws.store()
            .write("bench.seed", |tx| {
                let current = tx.meta().project()?.current_sprint.clone();
                assert_eq!(current.as_deref(), Some("s000"), "init makes s000 current");
                for k in 0..shape.sprints() {
                    // init created s000 and made it current; keep it as it is.
                    if !tx.meta().sprints.contains_key(&sprint_id(k)) {
                        tx.put_sprint(&sprint(k, now))?;
                    }
                }
                for i in 1..=shape.missions {
                    let status = if i <= shape.completed() {
                        Status::Completed
                    } else if in_progress.contains(&i) {
                        Status::InProgress
                    } else {
                        Status::Queued
                    };
                    tx.put_mission(&mission(i, status, now))?;
                }
                memory::seed(tx, memory_of(shape.missions), now)?;
                // Many clones have moved the project: each left its own state file.
                for k in 0..STATE_WRITERS {
                    let state = format!(
                        "state = \"In_Sprint\"\nevent = \"mission_completed\"\nfrom = \"In_Sprint\"\nupdated_at = \"{now}\"\nby = \"bench\"\nmoves = {}\n",
                        k + 3
                    );
                    let path = cmos::format::layout::fsm_path(&format!("bench{k:03}"));
                    tx.put_file(&path, state.into_bytes());
                }
                tx.set_subject(format!("bench seed: {} missions", shape.missions));
                Ok(())
            })
            .expect("write the seed commit");
        start.elapsed()
    }

    /// The process state as every response reads it from the tip (`fsm::reminder`), timed
    /// in this process: a spawn would hide it.
    fn state_read(&self, runs: Runs) -> Samples {
        let ws = Workspace::open(&self.path, Some("bench".into())).expect("open the clone");
        let read = || {
            let state = cmos::ops::process::fsm::reminder(&ws).expect("a process state");
            assert_eq!(state.state, "In_Sprint");
        };
        for _ in 0..runs.warmup {
            read();
        }
        Samples::new(
            (0..runs.timed)
                .map(|_| {
                    let start = Instant::now();
                    read();
                    start.elapsed()
                })
                .collect(),
        )
    }

    /// Every measured write landed, and the cache the writes kept up to date answers as the
    /// branch's own files do: the added missions are there, started and updated, the
    /// completed ones Completed, the counts right.
    fn check_writes(&self, runs: Runs) {
        let ws = Workspace::open(&self.path, Some("bench".into())).expect("open the clone");
        let snapshot = ws.store().snapshot().expect("read the tip");
        let index = snapshot.index().expect("every mission");
        assert_eq!(
            snapshot.digest.totals.total,
            self.shape.missions + runs.total(),
            "every mission add landed in the counts"
        );
        assert_eq!(index.missions.len(), self.shape.missions + runs.total());
        for run in 0..runs.total() {
            let added = ws.store().mission_at_tip(&added_id(run)).expect("added");
            assert_eq!(added.status, Status::InProgress, "{} started", added.id);
            assert_eq!(
                added.notes.as_deref(),
                Some(&*format!("Benchmark update {run}"))
            );
            assert_eq!(index.missions[&added.id].status, Status::InProgress);
            let completed = mission_id(self.shape.in_progress()[run]);
            assert_eq!(index.missions[&completed].status, Status::Completed);
            assert!(
                index.meta.sprints.contains_key(&format!("bench-s{run:03}")),
                "sprint add landed"
            );
        }
        let rebuilt = Digest::of(index);
        assert_eq!(snapshot.digest.totals, rebuilt.totals, "cached counts");
        assert_eq!(snapshot.digest.next, rebuilt.next, "cached next mission");
    }

    /// The first `cmos status` in the fresh clone: it adopts `origin/cmos` and builds the index
    /// cache from every mission file, leaving it for the warm measurements that follow.
    fn cold_status(&self) -> Duration {
        // The cache's manifest, or the one file of cmos before the cache became a directory.
        let caches = [".git/cmos/index/head", ".git/cmos/index-cache"].map(|p| self.path.join(p));
        assert!(
            !caches.iter().any(|c| c.exists()),
            "a fresh clone has no index cache"
        );
        let elapsed = time(self.cmos(&["status"]));
        assert!(
            caches.iter().any(|c| c.exists()),
            "cmos status rebuilds the index cache"
        );
        elapsed
    }
}

/// The memory generated for `missions` missions: `memory.rs`'s proportions, with the events
/// capped so the largest project has a million.
fn memory_of(missions: usize) -> memory::Memory {
    let memory = memory::Memory::for_missions(missions);
    memory::Memory {
        events: memory.events.min(MAX_EVENTS),
        ..memory
    }
}

fn sprint(k: usize, now: Timestamp) -> Sprint {
    Sprint {
        id: sprint_id(k),
        uid: new_uid(),
        title: format!("Sprint {k}"),
        focus: Some(format!(
            "Milestone {k}: ship the next slice of every service"
        )),
        status: SprintStatus::Planned,
        start: None,
        end: None,
        created_at: now,
        updated_at: now,
        completed_at: None,
        extra: Default::default(),
    }
}

/// A mission of realistic size (0.8 to 1 KB of TOML) with the history its status implies.
fn mission(i: usize, status: Status, now: Timestamp) -> Mission {
    let area = AREAS[i % AREAS.len()];
    let moves: &[(Status, Status)] = match status {
        Status::Completed => &[
            (Status::Queued, Status::InProgress),
            (Status::InProgress, Status::Completed),
        ],
        Status::InProgress => &[(Status::Queued, Status::InProgress)],
        _ => &[],
    };
    let transitions = moves
        .iter()
        .map(|&(from, to)| Transition {
            at: now,
            from,
            to,
            by: "bench".into(),
            note: None,
            extra: Default::default(),
        })
        .collect();
    Mission {
        id: mission_id(i),
        uid: new_uid(),
        name: format!("Implement feature {i} of the {area} service"),
        status,
        sprint: Some(sprint_of(i)),
        rank: None,
        estimate: None,
        complexity: None,
        objective: Some(format!(
            "Deliver feature {i} of the {area} service end to end: data model, API endpoint, \
             validation and tests, so that clients of the {area} service can rely on it."
        )),
        context: Some(format!(
            "Builds on the earlier {area} work; see docs/{area}/design.md."
        )),
        success_criteria: vec![
            format!("Unit tests cover every new code path of feature {i}"),
            "Invalid input is rejected with a clear error message".into(),
            format!("docs/{area}/design.md describes the feature"),
        ],
        deliverables: vec![format!("src/{area}/feature_{i}.rs")],
        notes: None,
        created_at: now,
        updated_at: now,
        started_at: (status != Status::Queued).then_some(now),
        completed_at: (status == Status::Completed).then_some(now),
        blocked: None,
        depends: prerequisites(i)
            .map(|on| Dependency {
                on: mission_id(on),
                kind: DepType::Requires,
                extra: Default::default(),
            })
            .collect(),
        transitions,
        extra: Default::default(),
        ..Mission::new(mission_id(i), "", "", now)
    }
}

/// Timings of one command, sorted.
struct Samples(Vec<Duration>);

impl Samples {
    fn new(mut timings: Vec<Duration>) -> Samples {
        timings.sort();
        Samples(timings)
    }

    fn median_ms(&self) -> f64 {
        self.percentile_ms(50)
    }

    fn p90_ms(&self) -> f64 {
        self.percentile_ms(90)
    }

    /// Nearest-rank percentile: the smallest sample with at least `p`% of samples at or below it.
    fn percentile_ms(&self, p: usize) -> f64 {
        let rank = (p * self.0.len()).div_ceil(100).max(1);
        ms(self.0[rank - 1])
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn print_size(report: &SizeReport) {
    let shape = report.shape;
    println!(
        "== {} missions, {} sprints, {} links, {} Completed, {} In Progress ==",
        shape.missions,
        shape.sprints(),
        shape.links(),
        shape.completed(),
        IN_PROGRESS
    );
    let memory = memory_of(shape.missions);
    println!(
        "memory: {} sessions, {} captures, {} decisions, {} events",
        memory.sessions,
        memory.captures(),
        memory.decisions,
        memory.events
    );
    println!(
        "seed (one commit through the library): {:.2} s",
        report.seed.as_secs_f64()
    );
    println!(
        "cold cmos status (fresh clone: adopt origin/cmos, build the cache): {:.1} ms\n",
        ms(report.cold_status)
    );
    println!(
        "{:<38} {:>10} {:>8} {:>8}   target",
        "command", "median ms", "p90 ms", "x floor"
    );
    let floor = report.samples[0].median_ms();
    for (cmd, samples) in COMMANDS.iter().zip(&report.samples) {
        let median = samples.median_ms();
        let target = cmd.target_ms().map_or(String::new(), |t| {
            format!("<= {t:.0} ms  {}", verdict(median <= t))
        });
        println!(
            "{:<38} {:>10.2} {:>8.2} {:>8.1}   {target}",
            cmd.label(),
            median,
            samples.p90_ms(),
            median / floor
        );
    }
    let line = |label: &str, samples: &Samples, target: f64| {
        let median = samples.median_ms();
        println!(
            "{:<38} {:>10.2} {:>8.2} {:>8}   <= {target:.0} ms  {}",
            label,
            median,
            samples.p90_ms(),
            "",
            verdict(median <= target)
        );
    };
    line(
        &format!("state read ({STATE_WRITERS} state files)"),
        &report.state_read,
        STATE_READ_TARGET_MS,
    );
    line(
        "cmos mcp: spawn to first tools/list",
        &report.mcp_start,
        MCP_START_TARGET_MS,
    );
    for (tool, samples) in &report.mcp_calls {
        line(
            &format!("mcp tools/call {tool}"),
            samples,
            MCP_CALL_TARGET_MS,
        );
    }
    println!();
}

fn print_scaling(small: &SizeReport, large: &SizeReport) {
    println!(
        "== scaling: median at {} / median at {} missions ==",
        large.shape.missions, small.shape.missions
    );
    println!("{:<32} {:>10}   target", "command", "ratio");
    for (i, cmd) in COMMANDS.iter().enumerate() {
        let ratio = large.samples[i].median_ms() / small.samples[i].median_ms();
        let target = match cmd {
            Cmd::Floor => String::new(),
            _ => format!(
                "<= {SCALING_TARGET:.1}  {}",
                verdict(ratio <= SCALING_TARGET)
            ),
        };
        println!("{:<32} {:>10.2}   {target}", cmd.label(), ratio);
    }
}

/// The writes against the target: at most `FLAT_WRITE_TARGET_MS` at 100,000 missions, and at
/// most `FLAT_WRITE_SCALING` times their cost at the smallest size measured.
fn print_writes(reports: &[SizeReport]) {
    let (Some(small), Some(large)) = (reports.first(), reports.last()) else {
        return;
    };
    println!(
        "\n== writes: flat in the project's size (<= {FLAT_WRITE_TARGET_MS:.0} ms at {FLAT_WRITE_SIZE} missions, <= {FLAT_WRITE_SCALING:.1}x the cost at {}) ==",
        small.shape.missions
    );
    print!("{:<38}", "write, median ms at");
    for report in reports {
        print!(" {:>9}", report.shape.missions);
    }
    println!(" {:>8}   verdict", "ratio");
    for (i, cmd) in COMMANDS.iter().enumerate() {
        if !cmd.writes() {
            continue;
        }
        print!("{:<38}", cmd.label());
        for report in reports {
            print!(" {:>9.2}", report.samples[i].median_ms());
        }
        let (first, last) = (small.samples[i].median_ms(), large.samples[i].median_ms());
        let ratio = last / first;
        let at_target = large.shape.missions >= FLAT_WRITE_SIZE;
        let verdict = match (
            at_target,
            last <= FLAT_WRITE_TARGET_MS,
            ratio <= FLAT_WRITE_SCALING,
        ) {
            (false, _, _) => format!("(no {FLAT_WRITE_SIZE}-mission run to judge)"),
            (true, true, true) => "PASS".to_string(),
            (true, fast, flat) => format!(
                "FAIL{}{}",
                if fast { "" } else { " (too slow)" },
                if flat { "" } else { " (grows)" }
            ),
        };
        println!(" {ratio:>8.2}   {verdict}");
    }
}
