//! Wall-clock cost of `cmos sync` between two clones that each made 1,000 operations since
//! they last met, over a local `file://` remote, git's fetch and push included; run it with
//! `cargo bench --bench sync`. Without `--bench` (as `cargo test` runs it) it is a smoke check:
//! 100 operations per clone, once, asserting that the clones converge, never timing.
//! CMOS_BENCH_BINARY names another build of cmos to time (e.g. an older one, for a before and
//! after); CMOS_BENCH_KEEP=1 keeps the repositories, with a copy of each as it was before the
//! syncs (`a0-before`, ...) to profile git by hand. CMOS_BENCH_GC_AUTO_OFF=1 sets `gc.auto`
//! to 0 in every clone, which turns git's and cmos's packing off, as the benchmark ran before
//! cmos packed as it wrote: with an older binary in CMOS_BENCH_BINARY, the figures before.
//!
//! A project of 300 missions is seeded through the library in one commit and pushed to a bare
//! remote. Each repetition copies that remote, clones the copy twice, makes 1,000 operations
//! in each clone through the library (one commit per operation, as real use makes them: a
//! quarter adds, half field updates, a quarter status changes, on missions both clones share
//! and on their own), and times the real binary, one process each: `cmos sync` in clone A (a
//! push), then in clone B (fetch, semantic merge, push), then in A again (a fast-forward, not
//! part of the target). Every repository is hermetic (its own HOME, no user or system git
//! config) and lives under `TMPDIR`, as `tempfile` places it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use cmos::model::{Mission, Status, Timestamp, new_uid};
use cmos::ops::mission::{MissionFields, MissionUpdate};
use cmos::ops::{self, Workspace};
use serde_json::Value;
use tempfile::TempDir;

const SEEDED: usize = 300;
/// Each side's target, the push and the merge alike.
const TARGET_S: f64 = 1.0;

/// How big a run is: the benchmark, or the smoke check CI runs.
#[derive(Clone, Copy)]
struct Size {
    ops_per_clone: usize,
    /// Each on fresh clones of the seeded remote.
    repetitions: usize,
    timed: bool,
}

const FULL: Size = Size {
    ops_per_clone: 1_000,
    repetitions: 3,
    timed: true,
};
const SMOKE: Size = Size {
    ops_per_clone: 100,
    repetitions: 1,
    timed: false,
};

fn main() {
    let size = if std::env::args().any(|a| a == "--bench") {
        FULL
    } else {
        SMOKE
    };
    let other = std::env::var_os("CMOS_BENCH_BINARY").map(PathBuf::from);
    let binary = other
        .as_deref()
        .unwrap_or(Path::new(env!("CARGO_BIN_EXE_cmos")));
    println!("cmos sync benchmark: {}", binary.display());
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    println!(
        "{SEEDED} seeded missions; {} operations per clone, one commit each; \
         {} repetition(s), each on fresh clones; wall clock from spawn to exit, and the CPU \
         time of cmos and the git processes it waited for\n",
        size.ops_per_clone, size.repetitions
    );
    let world = World::create(binary);
    let runs: Vec<Run> = (0..size.repetitions)
        .map(|k| {
            eprintln!("repetition {} of {}…", k + 1, size.repetitions);
            world.repetition(k, size.ops_per_clone)
        })
        .collect();
    print_report(&runs, size.timed);
    if keep() {
        eprintln!("kept {}", world.tmp.keep().display());
    }
}

/// For profiling by hand afterwards: CMOS_BENCH_KEEP=1 keeps the repositories.
fn keep() -> bool {
    std::env::var_os("CMOS_BENCH_KEEP").is_some()
}

/// The seeded project in a bare repository, and the hermetic environment every process
/// runs in.
struct World {
    tmp: TempDir,
    home: PathBuf,
    binary: PathBuf,
    /// `file://` URL of the seeded bare repository, copied for each repetition.
    seeded: String,
}

/// What one repetition measured.
struct Run {
    push: Timed,
    merge: Timed,
    fast_forward: Timed,
    ops: [OpCounts; 2],
    conflicts: usize,
    /// Loose objects and packs in clone A before its sync.
    objects: (u64, u64),
}

/// One process's wall clock, and its CPU time (user and system, its waited-for children
/// included) when `/usr/bin/time` is there to tell.
#[derive(Clone, Copy)]
struct Timed {
    wall: Duration,
    cpu: Option<f64>,
}

#[derive(Default, Clone, Copy)]
struct OpCounts {
    adds: usize,
    updates: usize,
    transitions: usize,
}

impl World {
    fn create(binary: &Path) -> World {
        let tmp = tempfile::tempdir().expect("a temporary directory for the benchmark");
        let home = tmp.path().join("home");
        let origin = tmp.path().join("origin");
        let remote_dir = tmp.path().join("seeded.git");
        for dir in [&home, &origin] {
            std::fs::create_dir_all(dir).expect("create the benchmark directories");
        }
        let seeded = format!("file://{}", remote_dir.display());
        let world = World {
            tmp,
            home,
            binary: binary.to_path_buf(),
            seeded,
        };
        world.git(&origin, &["init", "-q", "-b", "main"]);
        world.configure(&origin);
        std::fs::write(origin.join("README.md"), "bench\n").expect("write a file");
        world.git(&origin, &["add", "README.md"]);
        world.git(&origin, &["commit", "-q", "-m", "first"]);
        world.cmos(
            &origin,
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
        eprintln!("seeding {SEEDED} missions…");
        seed(&origin);
        let bare = remote_dir.to_str().expect("a UTF-8 path");
        world.git(world.tmp.path(), &["init", "-q", "--bare", bare]);
        world.git(&origin, &["remote", "add", "origin", &world.seeded]);
        world.git(&origin, &["push", "-q", "origin", "main"]);
        let created = world.cmos(&origin, &["sync"]);
        assert_eq!(created["result"], "created", "{created:#}");
        world
    }

    /// A fixed identity for the library, which commits from this process. cmos packs as it
    /// does for any user; git's own `gc --auto` (a full repack, which a push would start
    /// detached, on this machine's cores beside the next measured sync) is held off by a
    /// `gc.auto` out of reach, unless CMOS_BENCH_GC_AUTO_OFF turns every packing off.
    fn configure(&self, dir: &Path) {
        self.git(dir, &["config", "user.name", "Bench"]);
        self.git(dir, &["config", "user.email", "bench@example.com"]);
        let gc_auto = if std::env::var_os("CMOS_BENCH_GC_AUTO_OFF").is_some() {
            "0"
        } else {
            "1000000"
        };
        self.git(dir, &["config", "gc.auto", gc_auto]);
    }

    /// Copies the seeded remote, clones it twice, makes the operations, and times the syncs.
    fn repetition(&self, k: usize, ops_per_clone: usize) -> Run {
        let remote_dir = self.tmp.path().join(format!("remote{k}.git"));
        let remote_path = remote_dir.to_str().expect("a UTF-8 path");
        let args = ["clone", "-q", "--mirror", &self.seeded, remote_path];
        self.git(self.tmp.path(), &args);
        let remote = format!("file://{remote_path}");
        let clones: Vec<PathBuf> = ["a", "b"]
            .iter()
            .map(|name| {
                let dir = self.tmp.path().join(format!("{name}{k}"));
                let target = dir.to_str().expect("a UTF-8 path");
                self.git(self.tmp.path(), &["clone", "-q", &remote, target]);
                self.configure(&dir);
                dir
            })
            .collect();
        let (a, b) = (&clones[0], &clones[1]);
        let ops = [
            work(a, "a", 0x9e37_79b9 ^ k as u64, ops_per_clone),
            work(b, "b", 0x85eb_ca6b ^ k as u64, ops_per_clone),
        ];
        let objects = self.objects(a);
        if keep() {
            for dir in [a, b, &remote_dir] {
                let mut copy = dir.clone().into_os_string();
                copy.push("-before");
                let args = [
                    "-a",
                    dir.to_str().expect("UTF-8"),
                    copy.to_str().expect("UTF-8"),
                ];
                let copied = self.run(Path::new("cp"), self.tmp.path(), &args);
                assert!(copied.status.success(), "copy {}", dir.display());
            }
        }

        let (push, pushed) = self.timed_sync(a);
        assert_eq!(pushed["result"], "pushed", "{pushed:#}");
        let (merge, merged) = self.timed_sync(b);
        assert_eq!(merged["result"], "merged", "{merged:#}");
        let conflicts = merged["conflicts"].as_array().map_or(0, Vec::len);
        let (fast_forward, forwarded) = self.timed_sync(a);
        assert_eq!(forwarded["result"], "fast-forwarded", "{forwarded:#}");
        let tree = |dir: &Path| self.git(dir, &["rev-parse", "refs/heads/cmos^{tree}"]);
        assert_eq!(tree(a), tree(b), "both clones end with the same tree");
        let remote_tip = self.git(&remote_dir, &["rev-parse", "refs/heads/cmos"]);
        let tip = |dir: &Path| self.git(dir, &["rev-parse", "refs/heads/cmos"]);
        assert_eq!(tip(a), remote_tip, "A ends at the remote's tip");
        assert_eq!(tip(b), remote_tip, "B ends at the remote's tip");
        // Every operation of both sides is in the merged history: none was lost on the way.
        let subjects = self.git(a, &["log", "--format=%s", "refs/heads/cmos"]);
        let operations = subjects.lines().count();
        assert!(
            operations > 2 * ops_per_clone,
            "{operations} commits for {ops_per_clone} operations per clone"
        );
        self.git(
            &remote_dir,
            &["fsck", "--no-progress", "--connectivity-only"],
        );
        if !keep() {
            for dir in [a, b, &remote_dir] {
                std::fs::remove_dir_all(dir).expect("remove a repository");
            }
        }
        Run {
            push,
            merge,
            fast_forward,
            ops,
            conflicts,
            objects,
        }
    }

    fn timed_sync(&self, dir: &Path) -> (Timed, Value) {
        let time = Path::new("/usr/bin/time");
        let report = dir.with_extension("time");
        let start = Instant::now();
        let output = if time.exists() {
            let binary = self.binary.to_str().expect("a UTF-8 path");
            let report_path = report.to_str().expect("a UTF-8 path");
            let args = ["-f", "%U %S", "-o", report_path, binary, "--json", "sync"];
            self.run(time, dir, &args)
        } else {
            self.run(&self.binary, dir, &["--json", "sync"])
        };
        let wall = start.elapsed();
        let cpu = std::fs::read_to_string(&report).ok().and_then(|text| {
            let _ = std::fs::remove_file(&report);
            let mut seconds = text.split_whitespace().map(|n| n.parse::<f64>().ok());
            Some(seconds.next()?? + seconds.next()??)
        });
        (Timed { wall, cpu }, envelope_data(&output, "sync"))
    }

    /// Loose objects and packs, from `git count-objects -v`.
    fn objects(&self, dir: &Path) -> (u64, u64) {
        let counts = self.git(dir, &["count-objects", "-v"]);
        let field = |name: &str| {
            counts
                .lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
                .expect("git count-objects prints its counts")
        };
        (field("count:"), field("packs:"))
    }

    /// A process in `dir` with a fixed identity and no user or system git config.
    fn run(&self, program: &Path, dir: &Path, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("CMOS_AGENT", "bench")
            .env_remove("CMOS_JSON")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.run(Path::new("git"), dir, args);
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Runs cmos with --json and returns the data of its envelope, which must be ok.
    fn cmos(&self, dir: &Path, args: &[&str]) -> Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        envelope_data(&self.run(&self.binary, dir, &full), &args.join(" "))
    }
}

fn envelope_data(output: &Output, what: &str) -> Value {
    let envelope: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {what} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(envelope["ok"], true, "cmos {what}: {envelope:#}");
    envelope["data"].clone()
}

fn seeded_id(i: usize) -> String {
    format!("m{i:05}")
}

/// Every mission in one commit through the library, as `benches/cli.rs` does.
fn seed(dir: &Path) {
    let ws = Workspace::open(dir, Some("bench".into())).expect("open the benchmark repository");
    let now = Timestamp::now();
    ws.store()
        .write("bench.seed", |tx| {
            for i in 1..=SEEDED {
                tx.put_mission(&mission(i, now))?;
            }
            tx.set_subject(format!("bench seed: {SEEDED} missions"));
            Ok(())
        })
        .expect("write the seed commit");
}

fn mission(i: usize, now: Timestamp) -> Mission {
    Mission {
        id: seeded_id(i),
        uid: new_uid(),
        name: format!("Implement feature {i}"),
        status: Status::Queued,
        sprint: Some("s000".into()),
        rank: None,
        estimate: None,
        complexity: None,
        objective: Some(format!(
            "Deliver feature {i} end to end: data model, API endpoint, validation and tests."
        )),
        context: Some("See docs/design.md.".into()),
        success_criteria: vec![
            format!("Unit tests cover every new code path of feature {i}"),
            "Invalid input is rejected with a clear error message".into(),
        ],
        deliverables: vec![format!("src/feature_{i}.rs")],
        notes: None,
        created_at: now,
        updated_at: now,
        started_at: None,
        completed_at: None,
        blocked: None,
        depends: Vec::new(),
        transitions: Vec::new(),
        extra: Default::default(),
        ..Mission::new(seeded_id(i), "", "", now)
    }
}

/// xorshift64*: reproducible choices without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// `ops_per_clone` operations in the clone at `dir`, each one commit: a quarter adds of new
/// missions, half updates of a field, a quarter status changes (a status change that does not
/// apply to the mission drawn becomes an update).
fn work(dir: &Path, name: &str, seed: u64, ops_per_clone: usize) -> OpCounts {
    let ws = Workspace::open(dir, Some(format!("agent-{name}"))).expect("open a clone");
    let mut rng = Rng(seed | 1);
    let mut own: Vec<String> = Vec::new();
    let mut counts = OpCounts::default();
    let tip = || ws.store().tip().expect("read the tip");
    let before = tip();
    for k in 0..ops_per_clone {
        let roll = rng.below(4);
        if roll == 0 {
            let id = format!("{name}{k:04}");
            let fields = MissionFields {
                name: Some(format!("Follow-up {k} found in clone {name}")),
                objective: Some(format!("Handle case {k} that clone {name} ran into.")),
                ..MissionFields::default()
            };
            ops::mission::add(&ws, Some(&id), fields).expect("add a mission");
            own.push(id);
            counts.adds += 1;
            continue;
        }
        // Shared missions mostly, so both sides change the same records.
        let id = if own.is_empty() || rng.below(4) != 0 {
            seeded_id(1 + rng.below(SEEDED))
        } else {
            own[rng.below(own.len())].clone()
        };
        if roll == 1 && transition(&ws, &id, &mut rng) {
            counts.transitions += 1;
            continue;
        }
        let text = format!("from clone {name} at operation {k}");
        let mut fields = MissionFields::default();
        match rng.below(3) {
            0 => fields.objective = Some(format!("Objective {text}")),
            1 => fields.notes = Some(format!("Notes {text}")),
            _ => fields.rank = Some(k as i64),
        }
        let update = MissionUpdate {
            fields,
            ..MissionUpdate::default()
        };
        ops::mission::update(&ws, &id, update).expect("update a mission");
        counts.updates += 1;
    }
    assert_ne!(tip(), before, "the operations moved the branch");
    // The packing the writes started runs beside them; a sync seconds later finds it done.
    ws.store().wait_for_packing();
    counts
}

/// Moves mission `id` on if its status allows; false if it is finished.
fn transition(ws: &Workspace, id: &str, rng: &mut Rng) -> bool {
    let status = ops::mission::show(ws, id)
        .expect("show a mission")
        .data
        .mission
        .status;
    let result = match status {
        Status::Queued | Status::Current => ops::transition::start(ws, id, None),
        Status::InProgress if rng.below(4) == 0 => {
            ops::transition::block(ws, id, "waiting on a review", &[])
        }
        Status::InProgress => ops::transition::complete(ws, id, Some("done"), false),
        Status::Blocked => ops::transition::unblock(ws, id, Some("reviewed"), Status::InProgress),
        _ => return false,
    };
    result.expect("move a mission");
    true
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// One figure of a run.
type Measure = fn(&Run) -> Timed;

fn print_report(runs: &[Run], timed: bool) {
    let first = &runs[0];
    for (name, ops) in ["A", "B"].iter().zip(first.ops) {
        println!(
            "clone {name}: {} adds, {} updates, {} status changes",
            ops.adds, ops.updates, ops.transitions
        );
    }
    let objects: Vec<(u64, u64)> = runs.iter().map(|r| r.objects).collect();
    let conflicts: Vec<usize> = runs.iter().map(|r| r.conflicts).collect();
    println!("(loose objects, packs) in clone A before its sync: {objects:?}");
    println!("fields changed on both sides (merge conflicts) per repetition: {conflicts:?}\n");
    println!(
        "{:<40} {:>9} {:>7} {:>7} {:>9}   target",
        "step", "median s", "min s", "max s", "median cpu s"
    );
    let rows: [(&str, Measure, bool); 3] = [
        ("cmos sync in A (push)", |r| r.push, true),
        ("cmos sync in B (fetch, merge, push)", |r| r.merge, true),
        (
            "cmos sync in A again (fast-forward)",
            |r| r.fast_forward,
            false,
        ),
    ];
    for (label, value, targeted) in rows {
        let walls: Vec<f64> = runs.iter().map(|r| secs(value(r).wall)).collect();
        let cpus: Option<Vec<f64>> = runs.iter().map(|r| value(r).cpu).collect();
        let mid = median(walls.clone());
        let min = walls.iter().copied().fold(f64::INFINITY, f64::min);
        let max = walls.iter().copied().fold(0.0, f64::max);
        let cpu = cpus.map_or_else(|| "-".to_string(), |c| format!("{:.3}", median(c)));
        // The smoke check's figures are only a sign of life: it never judges time.
        let target = if targeted && timed {
            format!("<= {TARGET_S:.1} s  {}", verdict(mid <= TARGET_S))
        } else {
            String::new()
        };
        println!("{label:<40} {mid:>9.3} {min:>7.3} {max:>7.3} {cpu:>12}   {target}");
    }
}
