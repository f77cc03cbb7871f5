//! `session resume` reads only what it shows: the session agent's last actions read back from
//! the session's end (shards that end before its start passed over through a local cache of
//! shard spans), its commits from the cache of the log's commit lines, and its next steps
//! from the lines that name it. What it shows must equal what a full read of the log gives,
//! after writes, shards that grew, a merge's shards in older months, a damaged cache, and a
//! session left open by an agent that crashed.

mod common;

use cmos::format::{codec, layout};
use cmos::model::{
    Event, Item, ItemKind, ItemStatus, Session, SessionStatus, SessionType, Timestamp,
};
use cmos::ops::Workspace;
use cmos::ops::history::{logged_commits, made_in_session};
use common::Repo;
use serde_json::{Value, json};

/// 2026-09-01T00:00:00Z.
const START_MS: i64 = 1_788_220_800_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const SESSION: &str = "ps-20261003-resume0001";

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn workspace(repo: &Repo) -> Workspace {
    repo.init();
    Workspace::open(&repo.path, Some("ada".into())).expect("open")
}

fn session(completed: bool) -> Session {
    let started = at(START_MS + 32 * DAY_MS + 10 * 60 * MINUTE_MS);
    Session {
        id: SESSION.into(),
        uid: "u-session".into(),
        kind: SessionType::Build,
        title: "Resume me".into(),
        status: if completed {
            SessionStatus::Completed
        } else {
            SessionStatus::Active
        },
        agent: "ada".into(),
        sprint: None,
        mission: None,
        started_at: started,
        completed_at: completed.then(|| at(START_MS + 34 * DAY_MS)),
        summary: None,
        next_steps: Vec::new(),
        captures: Vec::new(),
        validation_state: None,
        validation_score: None,
        evidence: Vec::new(),
        extra: Default::default(),
    }
}

/// Event `n` of a writer's run: every tenth a commit (of this session or of another), the
/// rest ada's or bob's actions.
fn event(writer: &str, n: i64, ms: i64) -> Event {
    let mut extra = serde_json::Map::new();
    let (kind, target, agent) = match n % 10 {
        0 => {
            let session = if n % 20 == 0 { SESSION } else { "ps-other" };
            extra.insert("hash".into(), json!(format!("{writer}{n:036}")));
            extra.insert("session".into(), json!(session));
            extra.insert("files".into(), json!([format!("{writer}-{n}.rs")]));
            ("git.commit", "M1".to_string(), "ada")
        }
        k if k % 3 == 0 => ("mission.transition", format!("M{n}"), "bob"),
        _ => ("session.capture", SESSION.to_string(), "ada"),
    };
    Event {
        uid: format!("u{ms:015}{writer}"),
        at: at(ms),
        agent: agent.into(),
        writer: writer.into(),
        kind: kind.into(),
        target,
        from: None,
        to: None,
        note: Some(format!("{writer} {n}")),
        extra,
    }
}

/// A writer's events from `first_ms`, one every `gap_ms`, `count` of them, in shards of
/// `per_shard` lines numbered from `seq`, written in the month each shard begins in.
fn put_run(ws: &Workspace, writer: &str, first_ms: i64, gap_ms: i64, count: i64, seq: u32) {
    let per_shard = 7;
    ws.store()
        .write("test.events", |tx| {
            let mut n = 0;
            let mut seq = seq;
            while n < count {
                let mut bytes = Vec::new();
                let begins = at(first_ms + n * gap_ms);
                for _ in 0..per_shard.min(count - n) {
                    bytes.extend(codec::json_line(&event(writer, n, first_ms + n * gap_ms)));
                    n += 1;
                }
                let month = begins.as_datetime().format("%Y-%m").to_string();
                let dir = layout::log_month_dir(layout::EVENTS, &month);
                tx.put_file(&format!("{dir}/{}", layout::shard_name(writer, seq)), bytes);
                seq += 1;
            }
            Ok(())
        })
        .expect("write events");
}

fn put_session(ws: &Workspace, session: &Session) {
    ws.store()
        .write("test.session", |tx| tx.put_session(session))
        .expect("write the session");
}

fn step(n: usize, of: &str, ms: i64, status: ItemStatus, text: &str) -> Item {
    let mut item = Item::new(
        ItemKind::NextStep,
        format!("ns-{n:04}"),
        text.into(),
        "ada",
        at(ms),
    );
    item.uid = format!("u{ms:015}{n:04}");
    item.session = Some(of.into());
    item.status = status;
    item
}

fn put_steps(ws: &Workspace, writer: &str, steps: &[Item]) {
    ws.store()
        .write("test.steps", |tx| {
            let mut by_month: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
            for item in steps {
                let month = item.updated_at.as_datetime().format("%Y-%m").to_string();
                by_month
                    .entry(month)
                    .or_default()
                    .extend(codec::json_line(item));
            }
            for (month, bytes) in by_month {
                let dir = layout::log_month_dir(ItemKind::NextStep.log_dir(), &month);
                tx.put_file(&format!("{dir}/{}", layout::shard_name(writer, 1)), bytes);
            }
            Ok(())
        })
        .expect("write steps");
}

/// What resume shows: (last actions, commits, open next steps).
fn resumed(ws: &Workspace) -> (Value, Value, Value) {
    let resume = cmos::ops::session::resume(ws, Some(SESSION))
        .expect("resume")
        .data;
    (
        serde_json::to_value(&resume.last_actions).unwrap(),
        serde_json::to_value(&resume.commits).unwrap(),
        serde_json::to_value(&resume.open_next_steps).unwrap(),
    )
}

/// The same from every event and every next step of the branch.
fn full_read(ws: &Workspace) -> (Value, Value, Value) {
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let session = store.session(&snapshot, SESSION).expect("the session");
    let end = session.completed_at.unwrap_or_else(Timestamp::now);
    let mut events = store.events_since(&snapshot, at(0)).expect("every event");
    events.retain(|e| e.at >= session.started_at && e.at <= end);
    let mine: Vec<&Event> = events.iter().filter(|e| e.agent == session.agent).collect();
    let last = &mine[mine.len().saturating_sub(15)..];
    let commits = logged_commits(&events, |e| made_in_session(e, SESSION));
    let steps: Vec<Item> = store
        .items_since(&snapshot, ItemKind::NextStep, at(0))
        .expect("every step")
        .into_iter()
        .filter(|i| i.session.as_deref() == Some(SESSION) && i.status == ItemStatus::Active)
        .collect();
    (
        serde_json::to_value(last).unwrap(),
        serde_json::to_value(&commits).unwrap(),
        serde_json::to_value(&steps).unwrap(),
    )
}

fn assert_agrees(ws: &Workspace, when: &str) {
    let (shown, full) = (resumed(ws), full_read(ws));
    assert_eq!(shown, full, "{when}");
    // Twice: the second read goes through the caches the first wrote.
    assert_eq!(resumed(ws), full, "{when}, through the caches");
}

#[test]
fn test_session_resume_equals_a_full_read_after_writes_merges_and_damage() {
    let repo = Repo::new();
    let ws = workspace(&repo);
    put_session(&ws, &session(true));
    // Three writers over two months, the session's three days in the middle of them.
    for (w, writer) in ["w1", "w2", "w3"].iter().enumerate() {
        put_run(
            &ws,
            writer,
            START_MS + w as i64 * MINUTE_MS,
            97 * MINUTE_MS,
            900,
            1,
        );
    }
    let start = START_MS + 32 * DAY_MS;
    put_steps(
        &ws,
        "w1",
        &[
            step(1, SESSION, start + DAY_MS, ItemStatus::Active, "Open"),
            step(2, SESSION, start + DAY_MS, ItemStatus::Active, "Done later"),
            step(3, "ps-other", start + DAY_MS, ItemStatus::Active, SESSION),
        ],
    );
    // A later version in a later month closes step 2.
    let mut done = step(
        2,
        SESSION,
        start + 40 * DAY_MS,
        ItemStatus::Done,
        "Done later",
    );
    done.created_at = at(start + DAY_MS);
    put_steps(&ws, "w2", &[done]);
    let (last, commits, steps) = full_read(&ws);
    assert_eq!(last.as_array().map(Vec::len), Some(15), "{last:#}");
    assert!(
        commits.as_array().is_some_and(|c| !c.is_empty()),
        "{commits:#}"
    );
    assert_eq!(steps.as_array().map(Vec::len), Some(1), "{steps:#}");
    assert_agrees(&ws, "written");

    // A writer went on writing: new shards after its newest.
    put_run(
        &ws,
        "w1",
        START_MS + 900 * 97 * MINUTE_MS,
        11 * MINUTE_MS,
        30,
        200,
    );
    assert_agrees(&ws, "grown");

    // A merge brings another clone's shards, within the session's days, after the caches
    // learnt the month: the newest of ada's actions and commits are in them.
    put_run(&ws, "w9", start + 11 * 60 * MINUTE_MS, 3 * MINUTE_MS, 40, 1);
    assert_agrees(&ws, "merged");

    // Damaged or nonsense caches are ignored and rewritten.
    let cache = repo.path.join(".git").join("cmos");
    for name in [
        "event-spans-cache",
        "kinds-a7a33f3918910068-cache",
        "named-next-steps-cache",
    ] {
        let path = cache.join(name);
        let good = std::fs::read(&path).unwrap_or_else(|_| panic!("{name} was written"));
        let mut bad = good.clone();
        let at = good.len() - 3;
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).expect("damage");
        assert_agrees(&ws, &format!("{name} damaged"));
        std::fs::write(&path, &good[..good.len() / 2]).expect("cut");
        assert_agrees(&ws, &format!("{name} cut"));
    }
    std::fs::write(
        cache.join("event-spans-cache"),
        "cmos event spans 1 0000000000000000\nnonsense\n",
    )
    .expect("nonsense");
    assert_agrees(&ws, "a nonsense spans cache");

    // A session of four hours: fewer than 15 of ada's actions, so the read goes back to its
    // start, past shards that began before it.
    let mut short = session(true);
    // It begins in the middle of each writer's shard.
    short.started_at = at(start + DAY_MS + 5 * 60 * MINUTE_MS);
    short.completed_at = Some(at(start + DAY_MS + 9 * 60 * MINUTE_MS));
    put_session(&ws, &short);
    let (last, _, _) = full_read(&ws);
    let shown = last.as_array().map_or(0, Vec::len);
    assert!((1..15).contains(&shown), "{last:#}");
    assert_agrees(&ws, "a short session");
}

#[test]
fn test_session_resume_of_a_session_left_open_by_a_crash_equals_a_full_read() {
    let repo = Repo::new();
    let ws = workspace(&repo);
    // The agent died mid-session: the session stays Active, its end is now, and the log goes
    // on past it from other writers.
    put_session(&ws, &session(false));
    for (w, writer) in ["w1", "w2"].iter().enumerate() {
        put_run(
            &ws,
            writer,
            START_MS + w as i64 * MINUTE_MS,
            131 * MINUTE_MS,
            700,
            1,
        );
    }
    let start = START_MS + 32 * DAY_MS;
    put_steps(
        &ws,
        "w1",
        &[step(1, SESSION, start + DAY_MS, ItemStatus::Active, "Open")],
    );
    assert_agrees(&ws, "open");
    put_run(&ws, "w3", start + 2 * DAY_MS, 5 * MINUTE_MS, 25, 1);
    assert_agrees(&ws, "open, after another clone's events");
}
