//! The index cache is updated in place by each write (only the buckets a write touched are
//! re-encoded and written, with their groups' fanout files and the manifest); after any
//! sequence of operations it must say exactly what a rebuild from the branch says, a reader
//! holding an older manifest must keep reading what it named, and a write must write a few
//! small files whatever the size of the project.

mod branch_trees;
mod common;

use cmos::model::DepType;
use cmos::ops::mission::{MissionFields, MissionUpdate};
use cmos::ops::{Workspace, mission, transition};
use common::Repo;
use proptest::prelude::*;

/// The manifest of the index cache: without it there is no cache.
const CACHE_HEAD: &str = ".git/cmos/index/head";

/// Ids the random operations pick from, beyond the seeded missions.
const EXTRA: usize = 8;

#[derive(Debug, Clone)]
enum Op {
    Add(usize),
    Start(usize),
    Complete(usize, bool),
    Block(usize),
    Unblock(usize),
    Drop(usize),
    Link(usize, usize, DepType),
    Unlink(usize, usize),
    Rank(usize, i64),
    /// Moves a mission to sprint S1 (true) or S2.
    Move(usize, bool),
    Defer(usize),
    Requeue(usize),
    /// Makes S1 (true) or S2 the current sprint, which reorders every mission.
    Activate(bool),
    /// Adds sprint X<n>, dated (so it sorts before the others) or not.
    AddSprint(usize, bool),
    /// Moves a mission to sprint X<k>, added by the move if it is not there yet.
    MoveTo(usize, usize),
    /// Records a decision: a write that changes no mission, whose digest is the one it
    /// started from.
    Decide(usize),
}

fn id(n: usize) -> String {
    format!("M{n}")
}

fn op(pool: usize) -> impl Strategy<Value = Op> {
    let n = 0..pool;
    let kind = prop_oneof![
        Just(DepType::Requires),
        Just(DepType::Blocks),
        Just(DepType::Relates)
    ];
    prop_oneof![
        3 => n.clone().prop_map(Op::Add),
        2 => n.clone().prop_map(Op::Start),
        2 => (n.clone(), any::<bool>()).prop_map(|(n, p)| Op::Complete(n, p)),
        1 => n.clone().prop_map(Op::Block),
        1 => n.clone().prop_map(Op::Unblock),
        1 => n.clone().prop_map(Op::Drop),
        2 => (n.clone(), n.clone(), kind).prop_map(|(a, b, k)| Op::Link(a, b, k)),
        1 => (n.clone(), n.clone()).prop_map(|(a, b)| Op::Unlink(a, b)),
        1 => (n.clone(), -3i64..3).prop_map(|(n, r)| Op::Rank(n, r)),
        1 => (n.clone(), any::<bool>()).prop_map(|(n, s1)| Op::Move(n, s1)),
        1 => n.clone().prop_map(Op::Defer),
        1 => n.clone().prop_map(Op::Requeue),
        1 => any::<bool>().prop_map(Op::Activate),
        1 => (0..3usize, any::<bool>()).prop_map(|(k, dated)| Op::AddSprint(k, dated)),
        1 => (n.clone(), 0..3usize).prop_map(|(n, k)| Op::MoveTo(n, k)),
        1 => n.prop_map(Op::Decide),
    ]
}

/// Applies one operation; refusals (unknown mission, invalid transition, cycle) are part of
/// the game and change nothing.
fn apply(ws: &Workspace, op: &Op) {
    let _ = match op {
        Op::Add(n) => {
            let fields = MissionFields {
                name: Some(format!("Mission {n}")),
                ..Default::default()
            };
            mission::add(ws, Some(&id(*n)), fields).map(|_| ())
        }
        Op::Start(n) => transition::start(ws, &id(*n), None).map(|_| ()),
        Op::Complete(n, promote) => transition::complete(ws, &id(*n), None, *promote).map(|_| ()),
        Op::Block(n) => transition::block(ws, &id(*n), "waiting", &[]).map(|_| ()),
        Op::Unblock(n) => {
            transition::unblock(ws, &id(*n), None, cmos::model::Status::InProgress).map(|_| ())
        }
        Op::Drop(n) => transition::drop(ws, &id(*n), None).map(|_| ()),
        Op::Link(a, b, kind) => mission::depends(ws, &id(*a), &id(*b), *kind).map(|_| ()),
        Op::Unlink(a, b) => mission::undepend(ws, &id(*a), &id(*b)).map(|_| ()),
        Op::Move(n, to_s1) => {
            let update = MissionUpdate {
                fields: MissionFields {
                    sprint: Some(if *to_s1 { "S1" } else { "S2" }.to_string()),
                    ..Default::default()
                },
                ..Default::default()
            };
            mission::update(ws, &id(*n), update).map(|_| ())
        }
        Op::Defer(n) => transition::defer(ws, &id(*n), None).map(|_| ()),
        Op::Activate(s1) => {
            cmos::ops::sprint::activate(ws, if *s1 { "S1" } else { "S2" }).map(|_| ())
        }
        Op::AddSprint(k, dated) => {
            let fields = cmos::ops::sprint::SprintFields {
                title: Some(format!("Extra {k}")),
                start: dated.then(|| "2020-01-01".to_string()),
                ..Default::default()
            };
            cmos::ops::sprint::add(ws, &format!("X{k}"), fields).map(|_| ())
        }
        Op::MoveTo(n, k) => {
            let update = MissionUpdate {
                fields: MissionFields {
                    sprint: Some(format!("X{k}")),
                    ..Default::default()
                },
                ..Default::default()
            };
            mission::update(ws, &id(*n), update).map(|_| ())
        }
        Op::Decide(n) => {
            let decision = cmos::ops::knowledge::NewItem {
                text: format!("Decision {n}"),
                rationale: Some("Measured".into()),
                ..Default::default()
            };
            cmos::ops::knowledge::add(ws, cmos::model::ItemKind::Decision, decision).map(|_| ())
        }
        Op::Requeue(n) => {
            transition::set_status(ws, &id(*n), cmos::model::Status::Queued).map(|_| ())
        }
        Op::Rank(n, rank) => {
            let update = MissionUpdate {
                fields: MissionFields {
                    rank: Some(*rank),
                    ..Default::default()
                },
                ..Default::default()
            };
            mission::update(ws, &id(*n), update).map(|_| ())
        }
    };
}

/// Compares what the cache says with a rebuild from the branch, then puts the cache back so
/// the next writes keep updating it in place.
fn check_against_rebuild(repo: &Repo, ws: &Workspace, pool: usize) {
    let cache = repo.path.join(CACHE_HEAD);
    // What this process parsed or wrote last would stand in for the bytes on disk.
    cmos::store::forget_parsed_cache();
    let cached = ws.store().snapshot().expect("snapshot from the cache");
    let cached_links: Vec<_> = (0..pool)
        .map(|n| cached.entry(&id(n)).expect("bucket lookup"))
        .collect();
    let cached_missions = cached
        .index()
        .expect("index from the cache")
        .missions
        .clone();
    let saved = std::fs::read(&cache).expect("the cache exists after a write");

    // Without its manifest the cache is gone; the files it named stay, immutable, so putting
    // the manifest back afterwards restores the cache exactly.
    std::fs::remove_file(&cache).expect("remove the cache");
    let rebuilt = ws
        .store()
        .snapshot()
        .expect("snapshot rebuilt from the branch");
    let rebuilt_index = rebuilt.index().expect("rebuilt index");
    assert_eq!(cached.digest, rebuilt.digest, "digest");
    assert_eq!(cached.meta.problems, rebuilt.meta.problems, "problems");
    assert_eq!(cached_missions, rebuilt_index.missions, "missions");
    assert_eq!(cached.meta.sprints, rebuilt.meta.sprints, "sprints");
    assert_eq!(cached.meta.project, rebuilt.meta.project, "project");
    for (n, links) in cached_links.into_iter().enumerate() {
        let expected = rebuilt_index.missions.get(&id(n)).map(|m| {
            let dependents: Vec<(String, DepType)> = rebuilt_index
                .dependents_of(&id(n))
                .into_iter()
                .map(|(from, kind)| (from.to_string(), kind))
                .collect();
            (m.clone(), dependents)
        });
        assert_eq!(links, expected, "summary and reverse links of {}", id(n));
    }
    std::fs::write(&cache, saved).expect("restore the cache");
}

/// Seeds a second sprint and `count` missions in one write, each requiring or blocked by the
/// one before.
fn seed(ws: &Workspace, count: usize) {
    let fields = cmos::ops::sprint::SprintFields {
        title: Some("Second".into()),
        start: Some("2030-01-01".into()),
        ..Default::default()
    };
    cmos::ops::sprint::add(ws, "S2", fields).expect("add sprint S2");
    ws.store()
        .write("test.seed", |tx| {
            for n in 0..count {
                let mut m = seed_mission(n, tx.now());
                if n > 0 {
                    m.depends.push(cmos::model::Dependency {
                        on: id(n - 1),
                        kind: if n % 7 == 0 {
                            DepType::Blocks
                        } else {
                            DepType::Requires
                        },
                        extra: Default::default(),
                    });
                }
                tx.put_mission(&m)?;
            }
            Ok(())
        })
        .expect("seed");
    ws.store().snapshot().expect("build the cache");
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>)> {
    // 600 missions overflow a status window (256), so writes must notice when it runs dry.
    prop_oneof![Just(0usize), Just(100usize), Just(600usize)].prop_flat_map(|seeded| {
        (
            Just(seeded),
            prop::collection::vec(op(seeded + EXTRA), 1..40),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_cache_after_any_writes_matches_a_rebuild((seeded, ops) in scenario()) {
        let repo = Repo::new();
        repo.init();
        let ws = Workspace::open(&repo.path, Some("prop".into())).expect("open");
        seed(&ws, seeded);
        for op in &ops {
            apply(&ws, op);
        }
        check_against_rebuild(&repo, &ws, seeded + EXTRA);
    }
}

#[test]
fn the_cache_stays_right_across_many_buckets() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("many".into())).expect("open");
    seed(&ws, 200);
    for n in [0, 1, 50, 120, 199] {
        apply(&ws, &Op::Start(n));
        apply(&ws, &Op::Complete(n, true));
        apply(&ws, &Op::Link(n, (n + 3) % 200, DepType::Relates));
    }
    check_against_rebuild(&repo, &ws, 200);
}

#[test]
fn the_cache_stays_right_when_a_status_window_runs_dry() {
    // 600 Queued missions in a chain: only the first is ready, so once it is started every
    // Queued mission in the window waits, and promotion must look past the window.
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("dry".into())).expect("open");
    seed(&ws, 600);
    for op in [
        Op::Start(0),
        Op::Complete(0, true),
        Op::Start(1),
        Op::Block(1),
        Op::Start(400),
        Op::Complete(400, true),
        Op::Rank(599, -2),
        Op::Unblock(1),
        Op::Complete(1, true),
    ] {
        apply(&ws, &op);
    }
    check_against_rebuild(&repo, &ws, 600);
}

fn seed_mission(n: usize, now: cmos::model::Timestamp) -> cmos::model::Mission {
    cmos::model::Mission {
        id: id(n),
        uid: cmos::model::new_uid(),
        name: format!("Mission {n}"),
        status: cmos::model::Status::Queued,
        sprint: Some("S1".into()),
        rank: None,
        estimate: None,
        complexity: None,
        objective: None,
        context: None,
        success_criteria: vec![],
        deliverables: vec![],
        notes: None,
        created_at: now,
        updated_at: now,
        started_at: None,
        completed_at: None,
        blocked: None,
        depends: vec![],
        transitions: vec![],
        extra: Default::default(),
        ..cmos::model::Mission::new(id(n), "", "", now)
    }
}

/// Damage another clone (or a hand edit) can push onto the branch: a record or a directory of
/// records replaced by something that is not what cmos expects there, bad entry names,
/// entries out of order; and undoing it.
#[derive(Debug, Clone)]
enum Damage {
    /// The record of mission n becomes a symbolic link, a gitlink (submodule), or a directory.
    Record(usize, &'static str),
    /// The directory holding mission n becomes a file.
    ShardToFile(usize),
    /// The directory holding mission n gets an entry named `..` (or `/abs`, `.git`).
    BadName(usize, &'static [u8]),
    /// The directory holding mission n lists its entries in reverse (two or more of them).
    Unsorted(usize),
    /// The whole `.cmos/missions` becomes a file.
    MissionsToFile,
    /// The tree goes back to what it was after seeding.
    Restore,
}

#[derive(Debug, Clone)]
enum Step {
    Write(Op),
    Damage(Damage),
}

fn damage(pool: usize) -> impl Strategy<Value = Damage> {
    let n = 0..pool;
    prop_oneof![
        3 => (n.clone(), prop::sample::select(vec!["120000", "160000", "40000"]))
            .prop_map(|(n, mode)| Damage::Record(n, mode)),
        1 => n.clone().prop_map(Damage::ShardToFile),
        1 => (n.clone(), prop::sample::select(vec![&b".."[..], b"/abs", b".GIT"]))
            .prop_map(|(n, name)| Damage::BadName(n, name)),
        1 => n.prop_map(Damage::Unsorted),
        1 => Just(Damage::MissionsToFile),
        2 => Just(Damage::Restore),
    ]
}

/// Applies one damage with git plumbing, as a push from a hostile or broken clone would land.
fn apply_damage(repo: &Repo, damage: &Damage, seeded_tree: &str) {
    use branch_trees::{Entry, blob, commit_on_branch, edit, ls, mktree};
    let dir = repo.path.clone();
    let shard = |n: usize| cmos::format::layout::mission_dir(&id(n));
    let has = |path: &str| {
        let out = std::process::Command::new("git")
            .args(["cat-file", "-e", &format!("refs/heads/cmos:{path}")])
            .current_dir(&dir)
            .output()
            .expect("run git");
        out.status.success()
    };
    // A shard an earlier step turned into a file holds no entries to rename or reorder.
    let is_tree = |path: &str| {
        let out = std::process::Command::new("git")
            .args(["cat-file", "-t", &format!("refs/heads/cmos:{path}")])
            .current_dir(&dir)
            .output()
            .expect("run git");
        out.status.success() && out.stdout.trim_ascii() == b"tree"
    };
    let tree = match damage {
        Damage::Record(n, mode) => {
            let (s, file) = (shard(*n), format!("{}.toml", id(*n)));
            if !has(&format!(".cmos/missions/{s}/{file}")) {
                return;
            }
            let target = match *mode {
                "160000" => branch_trees::tip_tree(repo, &dir),
                "40000" => {
                    let inner = blob(repo, &dir, b"id = \"x\"\n");
                    mktree(repo, &dir, &[Entry::new("100644", b"inner.toml", &inner)])
                }
                _ => blob(repo, &dir, b"/etc/passwd"),
            };
            edit(
                repo,
                &dir,
                "refs/heads/cmos",
                &[".cmos", "missions", &s],
                &mut |entries| {
                    for e in entries.iter_mut().filter(|e| e.name == file.as_bytes()) {
                        *e = Entry::new(mode, file.as_bytes(), &target);
                    }
                    branch_trees::git_sort(entries);
                },
            )
        }
        Damage::ShardToFile(n) => {
            let s = shard(*n);
            if !has(&format!(".cmos/missions/{s}")) {
                return;
            }
            let file = blob(repo, &dir, b"not a directory\n");
            edit(
                repo,
                &dir,
                "refs/heads/cmos",
                &[".cmos", "missions"],
                &mut |entries| {
                    for e in entries.iter_mut().filter(|e| e.name == s.as_bytes()) {
                        *e = Entry::new("100644", s.as_bytes(), &file);
                    }
                    branch_trees::git_sort(entries);
                },
            )
        }
        Damage::BadName(n, name) => {
            let s = shard(*n);
            if !is_tree(&format!(".cmos/missions/{s}")) {
                return;
            }
            let file = blob(repo, &dir, b"x\n");
            edit(
                repo,
                &dir,
                "refs/heads/cmos",
                &[".cmos", "missions", &s],
                &mut |entries| {
                    entries.push(Entry::new("100644", name, &file));
                    branch_trees::git_sort(entries);
                },
            )
        }
        Damage::Unsorted(n) => {
            let s = shard(*n);
            let path = format!("refs/heads/cmos:.cmos/missions/{s}");
            if !is_tree(&format!(".cmos/missions/{s}")) || ls(repo, &dir, &path).len() < 2 {
                return;
            }
            edit(
                repo,
                &dir,
                "refs/heads/cmos",
                &[".cmos", "missions", &s],
                &mut |entries| {
                    entries.reverse();
                },
            )
        }
        Damage::MissionsToFile => {
            if !has(".cmos/missions") {
                return;
            }
            let file = blob(repo, &dir, b"x\n");
            edit(repo, &dir, "refs/heads/cmos", &[".cmos"], &mut |entries| {
                for e in entries.iter_mut().filter(|e| e.name == b"missions") {
                    *e = Entry::new("100644", b"missions", &file);
                }
                branch_trees::git_sort(entries);
            })
        }
        Damage::Restore => seeded_tree.to_string(),
    };
    commit_on_branch(repo, &dir, &tree);
}

fn damaged_scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
    prop_oneof![Just(2usize), Just(40usize)].prop_flat_map(|seeded| {
        let pool = seeded + 4;
        let step = prop_oneof![
            2 => op(pool).prop_map(Step::Write),
            1 => damage(pool).prop_map(Step::Damage),
        ];
        (Just(seeded), prop::collection::vec(step, 1..16))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The incremental cache (refreshed from a tree diff) must equal a rebuild also when the
    /// branch holds what cmos does not expect: every damage is a problem in both, never an
    /// empty set in one of them, and writes refused on top of it change nothing.
    #[test]
    fn the_cache_after_structural_damage_matches_a_rebuild((seeded, steps) in damaged_scenario()) {
        let repo = Repo::new();
        repo.init();
        let ws = Workspace::open(&repo.path, Some("prop".into())).expect("open");
        seed(&ws, seeded);
        let seeded_tree = branch_trees::tip_tree(&repo, &repo.path);
        for step in &steps {
            match step {
                Step::Write(op) => apply(&ws, op),
                Step::Damage(d) => apply_damage(&repo, d, &seeded_tree),
            }
            check_against_rebuild(&repo, &ws, seeded + 4);
        }
    }
}

/// Every file of the cache directory, by path, with its size.
fn cache_files(repo: &Repo) -> std::collections::BTreeMap<std::path::PathBuf, u64> {
    let mut files = std::collections::BTreeMap::new();
    let mut dirs = vec![repo.path.join(".git/cmos/index")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the cache").flatten() {
            let meta = entry.metadata().expect("stat a cache file");
            if meta.is_dir() {
                dirs.push(entry.path());
            } else {
                files.insert(entry.path(), meta.len());
            }
        }
    }
    files
}

#[test]
fn a_write_writes_a_few_small_cache_files_not_the_whole_cache() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("flat".into())).expect("open");
    seed(&ws, 3_000);
    let before = cache_files(&repo);
    let head = repo.path.join(CACHE_HEAD);
    apply(&ws, &Op::Rank(1_500, 2));
    let after = cache_files(&repo);
    let new: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    // The changed mission's bucket and that of the one it links to, with their groups'
    // fanout files: at most four new files, and the manifest replaced.
    assert!(
        !new.is_empty() && new.len() <= 4,
        "new cache files: {new:?}"
    );
    let written: u64 = new.iter().map(|p| after[*p]).sum::<u64>() + after[&head];
    let total: u64 = after.values().sum();
    assert!(
        written * 10 < total,
        "a one-mission write wrote {written} bytes of a {total}-byte cache"
    );
    check_against_rebuild(&repo, &ws, 3_000);
}

#[test]
fn a_reader_of_an_older_manifest_reads_what_it_named_after_writes() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("reader".into())).expect("open");
    seed(&ws, 300);
    let old = ws.store().snapshot().expect("a snapshot from the cache");
    for op in [
        Op::Start(0),
        Op::Rank(0, -2),
        Op::Rank(150, 1),
        Op::Add(300),
    ] {
        apply(&ws, &op);
    }
    // The old snapshot reads its missions only now, after the writes replaced the manifest.
    let (m0, _) = old.entry(&id(0)).expect("read").expect("M0");
    assert_eq!(m0.status, cmos::model::Status::Queued);
    assert_eq!(m0.rank, None);
    let missions = &old
        .index()
        .expect("every mission of the old manifest")
        .missions;
    assert_eq!(missions.len(), 300, "not the mission added since");
    assert_eq!(missions[&id(150)].rank, None);
    let new = ws.store().snapshot().expect("the new tip");
    let (m0, _) = new.entry(&id(0)).expect("read").expect("M0");
    assert_eq!(m0.status, cmos::model::Status::InProgress);
    assert_eq!(new.index().expect("index").missions.len(), 301);
}

#[test]
fn a_cache_file_that_went_missing_means_a_rebuild_not_a_wrong_answer() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("gone".into())).expect("open");
    seed(&ws, 300);
    // Another process's collection (or a person) removed files the manifest names.
    for (path, _) in cache_files(&repo) {
        let shelf = path.parent().and_then(|p| p.file_name()).unwrap();
        if shelf.to_str().is_some_and(|s| s.starts_with('g')) {
            std::fs::remove_file(path).unwrap();
        }
    }
    for op in [
        Op::Start(0),
        Op::Complete(0, true),
        Op::Add(300),
        Op::Start(1),
    ] {
        apply(&ws, &op);
    }
    check_against_rebuild(&repo, &ws, 301);
}

#[test]
fn sprints_added_before_and_after_the_others_keep_the_cached_order_right() {
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("sprints".into())).expect("open");
    seed(&ws, 600);
    for op in [
        Op::AddSprint(0, true),
        Op::MoveTo(5, 0),
        Op::AddSprint(1, false),
        Op::Start(0),
        Op::MoveTo(7, 2),
        Op::AddSprint(2, true),
        Op::Rank(599, -3),
        Op::Complete(0, true),
        Op::Activate(false),
        Op::AddSprint(1, true),
    ] {
        apply(&ws, &op);
        check_against_rebuild(&repo, &ws, 600);
    }
}

/// Seeds missions M0..M5 in sprint S1 with the given statuses and links, ranked in that
/// order (so the order of work within a status is M0, M1, ...).
fn seed_shaped(ws: &Workspace, shape: &[(cmos::model::Status, &[(usize, DepType)])]) {
    ws.store()
        .write("test.seed", |tx| {
            for (n, (status, links)) in shape.iter().enumerate() {
                let mut m = seed_mission(n, tx.now());
                m.status = *status;
                m.rank = Some(n as i64);
                for (on, kind) in links.iter() {
                    m.depends.push(cmos::model::Dependency {
                        on: id(*on),
                        kind: *kind,
                        extra: Default::default(),
                    });
                }
                tx.put_mission(&m)?;
            }
            Ok(())
        })
        .expect("seed");
    ws.store().snapshot().expect("build the cache");
}

fn next_of(ws: &Workspace) -> Option<String> {
    let snapshot = ws.store().snapshot().expect("snapshot");
    snapshot.digest.next.as_ref().map(|m| m.id.clone())
}

/// A write remembers which open missions wait on what, and the next write reuses an answer
/// only while nothing it depends on changed: the waiting mission, a mission it requires, or a
/// `blocks` link to it. Each step changes one of those; after each, the cached digest must
/// say what a rebuild says.
#[test]
fn remembered_waiting_answers_follow_every_change_they_depend_on() {
    use cmos::model::Status::{InProgress, Queued};
    let repo = Repo::new();
    repo.init();
    let ws = Workspace::open(&repo.path, Some("waits".into())).expect("open");
    // M0 (In Progress) requires M5; M1 (In Progress) is blocked by M4; M2 is ready.
    seed_shaped(
        &ws,
        &[
            (InProgress, &[(5, DepType::Requires)]),
            (InProgress, &[]),
            (Queued, &[]),
            (Queued, &[]),
            (Queued, &[(1, DepType::Blocks)]),
            (Queued, &[]),
        ],
    );
    assert_eq!(next_of(&ws).as_deref(), Some("M2"));
    let steps: [(Op, Option<&str>); 8] = [
        (Op::Decide(0), Some("M2")),
        // M0's prerequisite moves: the answer for M0 names its new status.
        (Op::Start(5), Some("M5")),
        // M4 stops blocking M1, which is then ready.
        (Op::Unlink(4, 1), Some("M1")),
        // M3 starts blocking M1.
        (Op::Link(3, 1, DepType::Blocks), Some("M5")),
        // M0 itself changes: it now requires M2 as well.
        (Op::Link(0, 2, DepType::Requires), Some("M5")),
        (Op::Complete(5, false), Some("M2")),
        (Op::Unlink(0, 2), Some("M0")),
        (Op::Decide(1), Some("M0")),
    ];
    for (step, expected) in &steps {
        apply(&ws, step);
        check_against_rebuild(&repo, &ws, 6);
        assert_eq!(next_of(&ws).as_deref(), *expected, "after {step:?}");
    }
}
