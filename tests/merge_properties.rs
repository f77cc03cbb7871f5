//! Property tests of sharing: random operations in two and three clones, synced in random
//! orders, end in byte-identical trees with no record, history entry or log line lost;
//! `Store::merge_trees` is commutative and idempotent; and a plain textual `git merge-tree` of
//! two clones' branches never conflicts on the JSONL logs, which are sharded per writer.
//!
//! Operations run through the library in this process (each repository carries its own
//! identity in its config); syncs run the real binary in a hermetic environment. What the
//! branches hold is read back with git plumbing, independently of cmos.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cmos::Error;
use cmos::model::{CaptureCategory, DepType, ItemKind, SessionType, Status, Timestamp};
use cmos::ops::knowledge::NewItem;
use cmos::ops::mission::{MissionFields, MissionUpdate};
use cmos::ops::session::StartRequest;
use cmos::ops::{self, Workspace};
use common::hermetic;
use proptest::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

/// Mission ids the random operations pick from: few, so clones create one id twice.
const IDS: u8 = 4;
/// Missions the project has before it is cloned: M0 and M1.
const SEEDED: u8 = 2;

/// The mission an operation acts on: `M<n>`, or with true the record a merge moved aside
/// from that id (`M<n>.dup-…`) when the clone has one.
#[derive(Debug, Clone, Copy)]
struct Target(u8, bool);

/// One operation of one clone, through the library.
#[derive(Debug, Clone)]
enum Op {
    Add(u8),
    Objective(Target, u8),
    Notes(Target, u8),
    Rank(Target, u8),
    /// Moves a mission on, as its status allows: Queued to In Progress (or, with the first
    /// flag, Deferred), In Progress to Completed (or Blocked), Blocked back to In Progress,
    /// Deferred back to Queued. With the second flag, completing promotes the next ready
    /// mission to Current.
    Advance(Target, bool, bool),
    Depend(Target, Target),
    SessionStart,
    /// A capture in the open session: a decision (true) or a learning.
    Capture(bool),
    SessionComplete,
    Decision(u8),
}

#[derive(Debug, Clone)]
enum Step {
    Op(usize, Op),
    Sync(usize),
}

fn mission_id(n: u8) -> String {
    format!("M{n}")
}

/// Operations on the missions `ids`; with `all`, also adds, records moved aside from those
/// ids, and promotions (which may touch any mission).
fn op(ids: std::ops::Range<u8>, all: bool) -> impl Strategy<Value = Op> {
    let dup = prop::bool::weighted(if all { 0.4 } else { 0.0 });
    let n = (ids.clone(), dup).prop_map(|(n, dup)| Target(n, dup));
    let value = 0..3u8;
    prop_oneof![
        // Without adds, as many more objectives.
        3 => (ids, value.clone()).prop_map(move |(m, v)| {
            if all { Op::Add(m) } else { Op::Objective(Target(m, false), v) }
        }),
        2 => (n.clone(), value.clone()).prop_map(|(m, v)| Op::Objective(m, v)),
        1 => (n.clone(), value.clone()).prop_map(|(m, v)| Op::Notes(m, v)),
        1 => (n.clone(), value.clone()).prop_map(|(m, v)| Op::Rank(m, v)),
        5 => (n.clone(), prop::bool::weighted(0.3), any::<bool>())
            .prop_map(move |(m, alt, p)| Op::Advance(m, alt, p && all)),
        2 => (n.clone(), n.clone()).prop_map(|(a, b)| Op::Depend(a, b)),
        1 => Just(Op::SessionStart),
        2 => any::<bool>().prop_map(Op::Capture),
        1 => Just(Op::SessionComplete),
        1 => value.prop_map(Op::Decision),
    ]
}

fn step(clones: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..clones, op(0..IDS, true)).prop_map(|(c, op)| Step::Op(c, op)),
        1 => (0..clones).prop_map(Step::Sync),
    ]
}

/// Two or three clones and what they do, in order.
fn scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (2usize..=3).prop_flat_map(|n| (Just(n), steps(n, 4..32)))
}

/// Random steps of `clones` clones. Half of the time every clone first creates a mission of
/// the same id and syncs, so that merges move records aside and later steps work on both.
fn steps(clones: usize, len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Step>> {
    let adds = (0..clones).map(|c| Step::Op(c, Op::Add(SEEDED)));
    let twins: Vec<Step> = adds.chain((0..clones).map(Step::Sync)).collect();
    (any::<bool>(), prop::collection::vec(step(clones), len)).prop_map(move |(first, rest)| {
        let prefix = if first { twins.clone() } else { Vec::new() };
        prefix.into_iter().chain(rest).collect()
    })
}

/// A bare remote holding a cmos project, and clones of it, in one temporary directory.
struct Cluster {
    tmp: TempDir,
    home: PathBuf,
    clones: Vec<PathBuf>,
}

impl Cluster {
    /// A project with `seeded` missions (M0, M1…) pushed to the remote, and `clones` clones.
    fn new(clones: usize, seeded: u8) -> Cluster {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let home = tmp.path().join("home");
        let origin = tmp.path().join("origin");
        for dir in [&home, &origin] {
            std::fs::create_dir_all(dir).expect("create a directory");
        }
        let mut cluster = Cluster {
            tmp,
            home,
            clones: Vec::new(),
        };
        cluster.git(&origin, &["init", "-q", "-b", "main"]);
        cluster.configure(&origin, "Origin");
        std::fs::write(origin.join("README.md"), "hello\n").expect("write a file");
        cluster.git(&origin, &["add", "README.md"]);
        cluster.git(&origin, &["commit", "-q", "-m", "first"]);
        cluster.cmos(
            &origin,
            &[
                "init",
                "--name",
                "prop",
                "--sprint",
                "S1",
                "--sprint-title",
                "First",
            ],
        );
        let ws = Workspace::open(&origin, Some("planner".into())).expect("open the origin");
        for n in 0..seeded {
            let fields = MissionFields {
                name: Some(format!("{} planned", mission_id(n))),
                ..MissionFields::default()
            };
            ops::mission::add(&ws, Some(&mission_id(n)), fields).expect("seed a mission");
        }
        let remote = cluster.tmp.path().join("remote.git");
        let remote = remote.to_str().expect("a UTF-8 path").to_string();
        cluster.git(cluster.tmp.path(), &["init", "-q", "--bare", &remote]);
        cluster.git(&origin, &["remote", "add", "origin", &remote]);
        cluster.git(&origin, &["push", "-q", "origin", "main"]);
        assert_eq!(cluster.sync_dir(&origin), "created");
        for i in 0..clones {
            let dir = cluster.tmp.path().join(format!("clone{i}"));
            let target = dir.to_str().expect("a UTF-8 path");
            cluster.git(cluster.tmp.path(), &["clone", "-q", &remote, target]);
            cluster.configure(&dir, &format!("Clone {i}"));
            // Adopt origin/cmos now, so every clone has its branch before its first step.
            let ws = Workspace::open(&dir, Some(agent(i))).expect("open a clone");
            ws.store().tip().expect("adopt the remote branch");
            cluster.clones.push(dir);
        }
        cluster
    }

    /// The identity the library commits with (it runs in this process, whose environment is
    /// not hermetic), and no background `git gc` to outlive the test.
    fn configure(&self, dir: &Path, name: &str) {
        self.git(dir, &["config", "user.name", name]);
        self.git(dir, &["config", "user.email", "clone@example.com"]);
        self.git(dir, &["config", "gc.auto", "0"]);
    }

    fn run(&self, program: &str, dir: &Path, args: &[&str]) -> Output {
        hermetic(&mut Command::new(program), &self.home)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.run("git", dir, args);
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs the binary with --json; returns the data of its envelope, which must be ok.
    fn cmos(&self, dir: &Path, args: &[&str]) -> Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(env!("CARGO_BIN_EXE_cmos"), dir, &full);
        let envelope: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "cmos {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(
            envelope["ok"],
            true,
            "cmos {args:?} in {}: {envelope:#}",
            dir.display()
        );
        envelope["data"].clone()
    }

    fn sync_dir(&self, dir: &Path) -> String {
        let data = self.cmos(dir, &["sync"]);
        assert_eq!(data["offline"], false, "{data:#}");
        data["result"].as_str().expect("a sync result").to_string()
    }

    fn sync(&self, clone: usize) -> String {
        self.sync_dir(&self.clones[clone])
    }

    fn ws(&self, clone: usize) -> Workspace {
        Workspace::open(&self.clones[clone], Some(agent(clone))).expect("open a clone")
    }

    /// Runs one operation; refusals the rules make (unknown id, invalid transition, a cycle,
    /// no open session…) are part of random work, anything else is a failure.
    fn apply(&self, clone: usize, op: &Op, step: usize) {
        let ws = self.ws(clone);
        let id = |t: &Target| resolve(&ws, *t);
        let update = |n: &Target, fields: MissionFields| {
            let update = MissionUpdate {
                fields,
                ..MissionUpdate::default()
            };
            ops::mission::update(&ws, &id(n), update).map(drop)
        };
        if let Op::Add(_) = op {
            // Uids begin with the time in milliseconds: adds in different steps then get
            // uids in step order, so a failing case replays the same way.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let result = match op {
            Op::Add(n) => ops::mission::add(
                &ws,
                Some(&mission_id(*n)),
                MissionFields {
                    name: Some(format!("{} made in clone {clone}", mission_id(*n))),
                    ..MissionFields::default()
                },
            )
            .map(drop),
            Op::Objective(n, v) => update(
                n,
                MissionFields {
                    objective: Some(format!("objective {v}")),
                    ..MissionFields::default()
                },
            ),
            Op::Notes(n, v) => update(
                n,
                MissionFields {
                    notes: Some(format!("notes {v}")),
                    ..MissionFields::default()
                },
            ),
            Op::Rank(n, v) => update(
                n,
                MissionFields {
                    rank: Some(i64::from(*v)),
                    ..MissionFields::default()
                },
            ),
            Op::Advance(n, alt, promote) => advance(&ws, &id(n), *alt, *promote, step),
            Op::Depend(a, b) => {
                ops::mission::depends(&ws, &id(a), &id(b), DepType::Requires).map(drop)
            }
            Op::SessionStart => start_session(&ws, clone, step),
            Op::Capture(decision) => {
                let (category, text) = if *decision {
                    (
                        CaptureCategory::Decision,
                        format!("decided at step {step}\nbecause clone {clone} had to"),
                    )
                } else {
                    (
                        CaptureCategory::Learning,
                        format!("learnt at step {step} in clone {clone}"),
                    )
                };
                match ops::session::capture(&ws, None, category, &text, None) {
                    // No session open in this clone: open one, as an agent would.
                    Err(e) if matches!(e.kind(), Error::Refused(_)) => {
                        start_session(&ws, clone, step)
                            .and_then(|()| ops::session::capture(&ws, None, category, &text, None))
                            .map(drop)
                    }
                    other => other.map(drop),
                }
            }
            Op::SessionComplete => ops::session::complete(
                &ws,
                None,
                Some("done"),
                &[format!("follow up step {step}")],
                false,
            )
            .map(drop),
            Op::Decision(v) => ops::knowledge::add(
                &ws,
                ItemKind::Decision,
                NewItem {
                    text: format!("decision {v} of clone {clone}"),
                    rationale: Some(format!("made at step {step}")),
                    ..NewItem::default()
                },
            )
            .map(drop),
        };
        match result {
            Ok(()) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    Error::InvalidInput(_)
                        | Error::NotFound { .. }
                        | Error::AlreadyExists { .. }
                        | Error::InvalidTransition { .. }
                        | Error::InvalidDependency(_)
                        | Error::Refused(_)
                ) => {}
            Err(other) => panic!("step {step}: {op:?} in clone {clone} failed: {other:?}"),
        }
    }

    /// What the cmos branch of a clone (or any ref `rev`) holds, read with git plumbing.
    fn state(&self, clone: usize) -> State {
        self.state_at(&self.clones[clone], "refs/heads/cmos")
    }

    fn state_at(&self, dir: &Path, rev: &str) -> State {
        let listing = self.git(
            dir,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--format=%(objectname) %(path)",
                rev,
                "--",
                ".cmos",
            ],
        );
        let entries: Vec<(&str, &str)> = listing
            .split('\0')
            .filter(|e| !e.is_empty())
            .map(|e| e.split_once(' ').expect("an object name and a path"))
            .collect();
        let blobs = self.cat_blobs(dir, entries.iter().map(|(oid, _)| *oid));
        let mut state = State::default();
        for ((_, path), bytes) in entries.iter().zip(blobs) {
            state.add_file(path, &bytes);
        }
        state
    }

    /// The contents of blobs, in order, through one `git cat-file --batch`.
    fn cat_blobs<'a>(&self, dir: &Path, ids: impl Iterator<Item = &'a str>) -> Vec<Vec<u8>> {
        let input: String = ids.map(|id| format!("{id}\n")).collect();
        let mut child = hermetic(&mut Command::new("git"), &self.home)
            .args(["cat-file", "--batch"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run git cat-file");
        let mut stdin = child.stdin.take().expect("a stdin pipe");
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut out = Vec::new();
        child
            .stdout
            .take()
            .expect("a stdout pipe")
            .read_to_end(&mut out)
            .expect("read git cat-file");
        writer
            .join()
            .expect("the writer thread")
            .expect("write ids");
        assert!(child.wait().expect("wait for git").success());
        let mut blobs = Vec::new();
        let mut rest = out.as_slice();
        while !rest.is_empty() {
            let end = rest.iter().position(|b| *b == b'\n').expect("a header");
            let header = std::str::from_utf8(&rest[..end]).expect("a UTF-8 header");
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("cat-file header {header:?}"));
            blobs.push(rest[end + 1..end + 1 + size].to_vec());
            rest = &rest[end + 2 + size..];
        }
        blobs
    }

    fn tree(&self, dir: &Path) -> String {
        self.git(dir, &["rev-parse", "refs/heads/cmos^{tree}"])
    }

    /// Fetches clone `from`'s branch into clone `into` as `refs/peer/cmos`.
    fn fetch_peer(&self, into: usize, from: usize) {
        let from = self.clones[from]
            .to_str()
            .expect("a UTF-8 path")
            .to_string();
        self.git(
            &self.clones[into],
            &["fetch", "-q", &from, "+refs/heads/cmos:refs/peer/cmos"],
        );
    }
}

/// The id a target names in the clone of `ws`.
fn resolve(ws: &Workspace, target: Target) -> String {
    let plain = mission_id(target.0);
    if !target.1 {
        return plain;
    }
    let prefix = format!("{plain}.dup-");
    let listed = ops::mission::list(ws, None, None).expect("list the missions");
    let moved = listed.data.into_iter().map(|m| m.id);
    moved
        .filter(|id| id.starts_with(&prefix))
        .min()
        .unwrap_or(plain)
}

fn start_session(ws: &Workspace, clone: usize, step: usize) -> cmos::Result<()> {
    let request = StartRequest {
        kind: SessionType::Build,
        title: format!("work of clone {clone} at step {step}"),
        sprint: None,
        mission: None,
        force: false,
    };
    ops::session::start(ws, request).map(drop)
}

/// The next move of mission `id` from where it stands; nothing once it is finished.
fn advance(ws: &Workspace, id: &str, alt: bool, promote: bool, step: usize) -> cmos::Result<()> {
    let status = ops::mission::show(ws, id)?.data.mission.status;
    let result = match (status, alt) {
        (Status::Queued, true) => ops::transition::defer(ws, id, Some("later")),
        (Status::Queued | Status::Current, _) => ops::transition::start(ws, id, None),
        (Status::InProgress, false) => ops::transition::complete(ws, id, Some("done"), promote),
        (Status::InProgress, true) => {
            ops::transition::block(ws, id, &format!("blocked at step {step}"), &[])
        }
        (Status::Blocked, _) => {
            ops::transition::unblock(ws, id, Some("resolved"), Status::InProgress)
        }
        (Status::Deferred, _) => ops::transition::set_status(ws, id, Status::Queued),
        (Status::Completed | Status::Dropped, _) => return Ok(()),
    };
    result.map(drop)
}

fn agent(clone: usize) -> String {
    format!("agent-{clone}")
}

/// A record by uid: the ids it was seen under, and the entries of its histories and sets.
#[derive(Debug, Default, Clone, PartialEq)]
struct Record {
    ids: BTreeSet<String>,
    entries: BTreeSet<String>,
}

/// What a branch holds, as far as "nothing is lost" is concerned; `absorb` makes it the union
/// of everything seen anywhere.
#[derive(Debug, Default)]
struct State {
    missions: BTreeMap<String, Record>,
    sessions: BTreeMap<String, Record>,
    /// Every line of every JSONL log (events, conflicts, decisions, learnings, next steps),
    /// with the log it is in.
    lines: BTreeSet<(String, String)>,
}

impl State {
    fn add_file(&mut self, path: &str, bytes: &[u8]) {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
        let log = path.split('/').nth(1).unwrap_or_default().to_string();
        if path.ends_with(".jsonl") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                self.lines.insert((log.clone(), line.to_string()));
            }
            return;
        }
        let (records, histories): (_, &[&str]) = match log.as_str() {
            "missions" => (&mut self.missions, &["transitions", "depends"]),
            "sessions" => (&mut self.sessions, &["captures"]),
            _ => return,
        };
        let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let field = |k: &str| {
            table
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("{path} has no {k}"))
                .to_string()
        };
        let record = records.entry(field("uid")).or_default();
        record.ids.insert(field("id"));
        for history in histories {
            let entries = table.get(*history).and_then(|v| v.as_array());
            for entry in entries.into_iter().flatten() {
                record.entries.insert(format!("{history}: {entry}"));
            }
        }
    }

    fn absorb(&mut self, other: State) {
        for (mine, theirs) in [
            (&mut self.missions, other.missions),
            (&mut self.sessions, other.sessions),
        ] {
            for (uid, record) in theirs {
                let kept = mine.entry(uid).or_default();
                kept.ids.extend(record.ids);
                kept.entries.extend(record.entries);
            }
        }
        self.lines.extend(other.lines);
    }

    /// Everything `seen` anywhere is in `self`: every record (by uid) with every entry of its
    /// histories and links, and every log line.
    fn assert_holds(&self, seen: &State) {
        for (kind, mine, all) in [
            ("mission", &self.missions, &seen.missions),
            ("session", &self.sessions, &seen.sessions),
        ] {
            for (uid, record) in all {
                let Some(kept) = mine.get(uid) else {
                    panic!("{kind} {uid} (seen as {:?}) was lost", record.ids);
                };
                let lost: Vec<&String> = record.entries.difference(&kept.entries).collect();
                assert!(
                    lost.is_empty(),
                    "{kind} {uid} (seen as {:?}, now {:?}) lost {lost:#?}",
                    record.ids,
                    kept.ids
                );
            }
        }
        let lost: Vec<_> = seen.lines.difference(&self.lines).collect();
        assert!(lost.is_empty(), "log lines were lost: {lost:#?}");
    }
}

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (for a longer hunt).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

proptest! {
    #![proptest_config(config(12))]

    /// Random work in two or three clones, synced in a random order, then synced until every
    /// clone is up to date: all clones and the remote hold the same tree, and it holds every
    /// record, history entry and log line any clone ever had.
    #[test]
    fn random_work_synced_in_any_order_converges_without_loss((clones, steps) in scenario()) {
        let cluster = Cluster::new(clones, SEEDED);
        let mut seen = State::default();
        for (k, step) in steps.iter().enumerate() {
            let clone = match step {
                Step::Op(clone, op) => {
                    cluster.apply(*clone, op, k);
                    *clone
                }
                Step::Sync(clone) => {
                    cluster.sync(*clone);
                    *clone
                }
            };
            seen.absorb(cluster.state(clone));
        }
        let mut rounds = Vec::new();
        for _ in 0..5 {
            let results: Vec<String> = (0..clones).map(|c| cluster.sync(c)).collect();
            let done = results.iter().all(|r| r == "up-to-date");
            rounds.push(results);
            if done {
                break;
            }
        }
        prop_assert!(
            rounds.last().is_some_and(|r| r.iter().all(|r| r == "up-to-date")),
            "no convergence: {rounds:?}"
        );
        let remote = cluster.tmp.path().join("remote.git");
        let trees: BTreeSet<String> = cluster
            .clones
            .iter()
            .chain([&remote])
            .map(|dir| cluster.tree(dir))
            .collect();
        prop_assert_eq!(trees.len(), 1, "clones and remote differ: {:?}", trees);
        for clone in 0..clones {
            seen.absorb(cluster.state(clone));
        }
        cluster.state(0).assert_holds(&seen);
    }

    /// Two clones diverged from a merge base O with random work on each side: merging A with
    /// B and B with A gives one tree and one set of conflicts (also as if without a common
    /// history); merging the result again with either side, or with itself, changes nothing.
    #[test]
    fn merge_trees_is_commutative_and_idempotent(
        shared in steps(2, 0..16),
        a_ops in prop::collection::vec(op(0..IDS, true), 1..12),
        b_ops in prop::collection::vec(op(0..IDS, true), 1..12),
    ) {
        let cluster = Cluster::new(2, SEEDED);
        for (k, step) in shared.iter().enumerate() {
            match step {
                Step::Op(clone, op) => cluster.apply(*clone, op, k),
                Step::Sync(clone) => drop(cluster.sync(*clone)),
            }
        }
        for clone in [0, 1, 0] {
            cluster.sync(clone);
        }
        for (k, op) in a_ops.iter().enumerate() {
            cluster.apply(0, op, 100 + k);
        }
        for (k, op) in b_ops.iter().enumerate() {
            cluster.apply(1, op, 200 + k);
        }
        cluster.fetch_peer(0, 1);
        let dir = &cluster.clones[0];
        let base = cluster.git(dir, &["merge-base", "refs/heads/cmos", "refs/peer/cmos"]);
        let ws = cluster.ws(0);
        let store = ws.store();
        let commit = |rev: &str| store.resolve_commit(rev).expect("resolve a commit");
        let (a, b, o) = (commit("refs/heads/cmos"), commit("refs/peer/cmos"), commit(&base));
        let when = Timestamp::now();
        let merge = |base, ours, theirs| {
            let (tree, conflicts) = store
                .merge_trees(base, ours, theirs, when)
                .expect("merge two trees");
            let mut conflicts: Vec<String> = conflicts
                .iter()
                .map(|c| serde_json::to_string(c).expect("a conflict as JSON"))
                .collect();
            conflicts.sort();
            (tree, conflicts)
        };
        let (ab, ab_conflicts) = merge(Some(o), a, b);
        let (ba, ba_conflicts) = merge(Some(o), b, a);
        prop_assert_eq!(ab, ba, "A+B and B+A differ (base {})", base);
        prop_assert_eq!(ab_conflicts, ba_conflicts);
        let (ab_none, _) = merge(None, a, b);
        let (ba_none, _) = merge(None, b, a);
        prop_assert_eq!(ab_none, ba_none, "without a base, A+B and B+A differ");

        let tree = ab.to_string();
        let (a_hex, b_hex) = (a.to_string(), b.to_string());
        let m = commit(&cluster.git(
            dir,
            &["commit-tree", &tree, "-p", &a_hex, "-p", &b_hex, "-m", "merged"],
        ));
        for side in [a, b] {
            prop_assert_eq!(merge(Some(side), m, side), (ab, Vec::new()));
            prop_assert_eq!(merge(Some(side), side, m), (ab, Vec::new()));
        }
        prop_assert_eq!(merge(Some(o), m, m), (ab, Vec::new()));
        prop_assert_eq!(merge(Some(m), m, m), (ab, Vec::new()));
    }

    /// Two clones that append to the logs (events, sessions, decisions) and edit different
    /// missions merge textually, with plain `git merge-tree`, without a conflict: every log
    /// is sharded per writer, so no two clones ever append to one file.
    #[test]
    fn textual_git_merge_never_conflicts_on_the_logs(
        a_ops in prop::collection::vec(op(0..2, false), 1..12),
        b_ops in prop::collection::vec(op(2..4, false), 1..12),
    ) {
        let cluster = Cluster::new(2, 4);
        for (k, op) in a_ops.iter().enumerate() {
            cluster.apply(0, op, 100 + k);
        }
        for (k, op) in b_ops.iter().enumerate() {
            cluster.apply(1, op, 200 + k);
        }
        cluster.fetch_peer(0, 1);
        let out = cluster.run(
            "git",
            &cluster.clones[0],
            &[
                "merge-tree",
                "--write-tree",
                "--name-only",
                "--no-messages",
                "refs/heads/cmos",
                "refs/peer/cmos",
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The merged tree's id, then the conflicted paths, one a line.
        let conflicted: Vec<&str> = stdout.lines().skip(1).filter(|l| !l.is_empty()).collect();
        let logs: Vec<&&str> = conflicted.iter().filter(|p| p.ends_with(".jsonl")).collect();
        prop_assert!(logs.is_empty(), "textual conflicts in logs: {:?}", logs);
        prop_assert!(
            out.status.success() && conflicted.is_empty(),
            "git merge-tree failed ({}): {:?} {}",
            out.status,
            conflicted,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A record a merge moves aside to `<id>.dup-…` (the other clone had created the id first)
/// keeps the changes its own clone made to it after it was pushed: they stay with the record
/// (its uid), and do not go to the other record, which now holds the id.
#[test]
fn changes_to_a_record_moved_aside_as_a_duplicate_stay_with_it() {
    let cluster = Cluster::new(2, 0);
    let mut seen = State::default();
    let (a, b) = (0, 1);
    // M0 made in a first (the smaller uid, which keeps the id), then in b.
    cluster.apply(a, &Op::Add(0), 0);
    std::thread::sleep(std::time::Duration::from_millis(5));
    cluster.apply(b, &Op::Add(0), 1);
    assert_eq!(cluster.sync(b), "pushed");
    // b starts its M0.
    cluster.apply(b, &Op::Advance(Target(0, false), false, false), 2);
    seen.absorb(cluster.state(b));
    // a merges: its own M0 keeps the id, b's moves aside; then b merges that.
    assert_eq!(cluster.sync(a), "merged");
    assert_eq!(cluster.sync(b), "merged");
    assert_eq!(cluster.sync(a), "fast-forwarded");
    for clone in [a, b] {
        seen.absorb(cluster.state(clone));
    }
    let listed = cluster.cmos(&cluster.clones[b], &["mission", "list"]);
    let status: BTreeMap<String, String> = listed
        .as_array()
        .expect("a list of missions")
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().expect("a string").to_string();
            (text("name"), text("status"))
        })
        .collect();
    assert_eq!(
        (
            status["M0 made in clone 1"].as_str(),
            status["M0 made in clone 0"].as_str()
        ),
        ("In Progress", "Queued"),
        "b started its own M0, not a's: {listed:#}"
    );
    cluster.state(b).assert_holds(&seen);
}
