//! Reads of the activity log that stop early or read a few months: they must see what a read
//! of the whole log sees, across writers, shard rollovers, months and importers' shards.

mod common;

use cmos::format::{codec, layout};
use cmos::model::{Event, Timestamp, new_uid_at};
use cmos::ops::Workspace;
use common::Repo;

const HOUR_MS: i64 = 3_600_000;
/// 2026-09-28T00:00:00Z: the events run over the end of September into October.
const START_MS: i64 = 1_790_553_600_000;

fn event(n: usize, at_ms: i64, writer: &str, agent: &str) -> Event {
    Event {
        uid: new_uid_at(at_ms),
        at: Timestamp::from_millis(at_ms),
        agent: agent.into(),
        writer: writer.into(),
        kind: "test.step".into(),
        target: format!("t{n}"),
        from: None,
        to: None,
        note: Some(format!("step {n}")),
        extra: Default::default(),
    }
}

/// A project whose log holds `count` events an hour apart over two months, written in turn
/// by three writers into shards of `per_shard` lines, plus an importer's shard of old events
/// in no order. Returns the workspace.
fn seeded(repo: &Repo, count: usize, per_shard: usize) -> Workspace {
    repo.init();
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let writers = ["wa00000000", "wb00000000", "wc00000000"];
    let mut shards: std::collections::BTreeMap<String, Vec<Vec<u8>>> = Default::default();
    for n in 0..count {
        let at = START_MS + n as i64 * HOUR_MS;
        let writer = writers[n % writers.len()];
        let agent = if n % 2 == 0 { "ada" } else { "bob" };
        let event = event(n, at, writer, agent);
        let month = event.at.as_datetime().format("%Y-%m").to_string();
        let runs = shards.entry(format!("{month}/{writer}")).or_default();
        match runs.last_mut() {
            Some(last) if last.iter().filter(|&&b| b == b'\n').count() < per_shard => {
                last.extend(codec::json_line(&event))
            }
            _ => runs.push(codec::json_line(&event)),
        }
    }
    // An importer writes a file's lines in the file's order, not the clock's.
    let mut imported = Vec::new();
    for n in [3, 1, 2] {
        let at = START_MS + (n as i64 * 2 + 1) * HOUR_MS / 2;
        imported.extend(codec::json_line(&event(1000 + n, at, "import", "carol")));
    }
    ws.store()
        .write("test.seed", |tx| {
            for (key, runs) in &shards {
                let (month, writer) = key.split_once('/').expect("month/writer");
                for (seq, bytes) in runs.iter().enumerate() {
                    let name = layout::shard_name(writer, seq as u32 + 1);
                    let dir = layout::log_month_dir(layout::EVENTS, month);
                    tx.put_file(&format!("{dir}/{name}"), bytes.clone());
                }
            }
            let dir = layout::log_month_dir(layout::EVENTS, "2026-09");
            tx.put_file(
                &format!("{dir}/import-sessions-0000abcd.jsonl"),
                imported.clone(),
            );
            Ok(())
        })
        .expect("seed the log");
    ws
}

fn uids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.uid.clone()).collect()
}

fn newest_first(ws: &Workspace, span: (Timestamp, Option<Timestamp>)) -> Vec<Event> {
    let snapshot = ws.store().snapshot().expect("snapshot");
    let mut seen = Vec::new();
    ws.store()
        .events_newest_first(&snapshot, span, |e| {
            seen.push(e);
            true
        })
        .expect("read the log back");
    seen
}

#[test]
fn newest_first_hands_on_every_event_of_the_span_in_time_order() {
    let repo = Repo::new();
    let ws = seeded(&repo, 200, 7);
    let snapshot = ws.store().snapshot().expect("snapshot");
    let epoch = Timestamp::from_millis(0);
    let mut all = ws
        .store()
        .events_since(&snapshot, epoch)
        .expect("the whole log");
    assert!(
        all.len() > 200,
        "init's events, the seeded and the imported"
    );
    all.reverse();
    assert_eq!(uids(&newest_first(&ws, (epoch, None))), uids(&all));

    // A span inside the log, over the month boundary, its ends on events.
    let since = Timestamp::from_millis(START_MS + 40 * HOUR_MS);
    let until = Timestamp::from_millis(START_MS + 150 * HOUR_MS);
    let within: Vec<Event> = all
        .iter()
        .filter(|e| e.at >= since && e.at <= until)
        .cloned()
        .collect();
    assert_eq!(within.len(), 111);
    assert_eq!(
        uids(&newest_first(&ws, (since, Some(until)))),
        uids(&within)
    );
}

#[test]
fn newest_first_stops_when_the_reader_has_enough() {
    let repo = Repo::new();
    let ws = seeded(&repo, 120, 5);
    let snapshot = ws.store().snapshot().expect("snapshot");
    let until = Timestamp::from_millis(START_MS + 100 * HOUR_MS);
    let mut seen = Vec::new();
    ws.store()
        .events_newest_first(&snapshot, (Timestamp::from_millis(0), Some(until)), |e| {
            seen.push(e.target);
            seen.len() < 4
        })
        .expect("read the log back");
    assert_eq!(seen, ["t100", "t99", "t98", "t97"]);
}

#[test]
fn resume_of_an_old_session_shows_its_own_last_actions_among_other_writers_events() {
    let repo = Repo::new();
    let ws = seeded(&repo, 150, 4);
    // A session that ran from hour 60 to hour 90 of the log, by ada.
    let started = Timestamp::from_millis(START_MS + 60 * HOUR_MS);
    let ended = Timestamp::from_millis(START_MS + 90 * HOUR_MS);
    let session = cmos::model::Session {
        id: "ps-20261001-old".into(),
        uid: new_uid_at(START_MS + 60 * HOUR_MS),
        kind: cmos::model::SessionType::Build,
        title: "Old work".into(),
        status: cmos::model::SessionStatus::Completed,
        agent: "ada".into(),
        sprint: None,
        mission: None,
        started_at: started,
        completed_at: Some(ended),
        summary: Some("Done".into()),
        next_steps: Vec::new(),
        captures: Vec::new(),
        validation_state: None,
        validation_score: None,
        evidence: Vec::new(),
        extra: Default::default(),
    };
    ws.store()
        .write("test.session", |tx| tx.put_session(&session))
        .expect("write the session");
    let resume = repo.json(&["session", "resume", "ps-20261001-old"]);
    let actions: Vec<&str> = resume["last_actions"]
        .as_array()
        .expect("last actions")
        .iter()
        .map(|e| e["target"].as_str().expect("a target"))
        .collect();
    // ada's events are the even ones; the last 15 of the session, oldest first.
    let expected: Vec<String> = (62..=90).step_by(2).map(|n| format!("t{n}")).collect();
    assert_eq!(actions, expected);
}

#[test]
fn the_activity_log_list_follows_the_branch_past_its_local_cache() {
    let repo = Repo::new();
    repo.init();
    let summaries = |repo: &Repo| -> Vec<String> {
        let listed = repo.json(&["session", "list", "--log"]);
        let mut all: Vec<String> = listed
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["summary"].as_str().unwrap_or_default().to_string())
            .collect();
        all.sort();
        all
    };
    repo.ok(&["session", "log", "--type", "start", "--summary", "one"]);
    assert_eq!(summaries(&repo), ["one"]);
    let cache = repo.path.join(".git/cmos/log-entries-cache");
    assert!(cache.exists(), "the first list leaves the cache");
    // A line written after the cache was filled is in a shard the cache has not seen.
    repo.ok(&["session", "log", "--type", "complete", "--summary", "two"]);
    assert_eq!(summaries(&repo), ["one", "two"]);
    // A damaged cache is ignored and rebuilt.
    let mut bytes = std::fs::read(&cache).expect("the cache");
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    std::fs::write(&cache, bytes).expect("damage the cache");
    assert_eq!(summaries(&repo), ["one", "two"]);
    let entry = repo.json(&["session", "show", "2"]);
    assert_eq!(entry["summary"], "two");
}

#[test]
fn events_of_kinds_through_the_cache_match_the_log_as_it_grows() {
    let repo = Repo::new();
    let ws = seeded(&repo, 90, 6);
    let store = ws.store();
    let read = |span: (Timestamp, Option<Timestamp>)| {
        let snapshot = store.snapshot().expect("snapshot");
        let cached = store
            .events_of_kinds(&snapshot, span, &["test.step"])
            .expect("read through the cache");
        let mut whole = store.events_since(&snapshot, span.0).expect("the log");
        let last = span.1.map(|u| u.as_datetime().format("%Y-%m").to_string());
        whole.retain(|e| {
            let month = e.at.as_datetime().format("%Y-%m").to_string();
            e.kind == "test.step" && last.as_ref().is_none_or(|l| month <= *l)
        });
        assert_eq!(uids(&cached), uids(&whole), "span {span:?}");
        cached.len()
    };
    let september = (
        Timestamp::from_millis(START_MS),
        Some(Timestamp::from_millis(START_MS + HOUR_MS)),
    );
    let everything = (Timestamp::from_millis(0), None);
    assert_eq!(read(september), 75, "72 hours of September and 3 imported");
    assert_eq!(read(everything), 93);
    // A new line grows a shard: its old version's entry must not hide the new one.
    store
        .write("test.more", |tx| {
            tx.record("test.step", "t-new", None, None, Some("later".into()));
            Ok(())
        })
        .expect("write");
    assert_eq!(read(everything), 94);
    assert_eq!(read(september), 75);
    assert_eq!(read(everything), 94);
}
