//! The local caches behind the reads that look at the newest records only (the newest
//! sessions, the newest Active decisions): an answer read through a cache must equal the one
//! a full read gives, after writes, removals, a shard in an older month (as a merge brings),
//! and a damaged or missing cache file.

mod common;

use cmos::format::{codec, layout};
use cmos::model::{Item, ItemKind, ItemStatus, Session, SessionStatus, SessionType, Timestamp};
use cmos::ops::Workspace;
use common::Repo;

const DAY_MS: i64 = 86_400_000;
/// 2026-09-01T00:00:00Z.
const START_MS: i64 = 1_788_220_800_000;

fn workspace(repo: &Repo) -> Workspace {
    repo.init();
    Workspace::open(&repo.path, Some("tester".into())).expect("open")
}

fn cache_file(repo: &Repo, name: &str) -> std::path::PathBuf {
    repo.path.join(".git").join("cmos").join(name)
}

fn session(day: i64, n: usize) -> Session {
    let at = Timestamp::from_millis(START_MS + day * DAY_MS + n as i64 * 60_000);
    let id = format!("ps-{}-{n:04x}", at.as_datetime().format("%Y%m%d"));
    Session {
        uid: format!("u{day:04}{n:04}"),
        id,
        kind: SessionType::Build,
        title: format!("Session {n} of day {day}"),
        status: SessionStatus::Completed,
        agent: "ada".into(),
        sprint: None,
        mission: None,
        started_at: at,
        completed_at: Some(at),
        summary: None,
        next_steps: Vec::new(),
        captures: Vec::new(),
        validation_state: None,
        validation_score: None,
        evidence: Vec::new(),
        extra: Default::default(),
    }
}

fn put_sessions(ws: &Workspace, sessions: &[Session]) {
    ws.store()
        .write("test.sessions", |tx| {
            for s in sessions {
                tx.put_file(
                    &layout::session_path(&s.id),
                    codec::to_toml(s).expect("toml"),
                );
            }
            Ok(())
        })
        .expect("write sessions");
}

fn recent(ws: &Workspace, want: usize) -> Vec<String> {
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let sessions = store.recent_sessions(&snapshot, want).expect("recent");
    sessions.into_iter().map(|s| s.id).collect()
}

/// What a read of every session file gives: whole days, newest first, until `want` sessions
/// are known, then newest first by start.
fn reference(ws: &Workspace, want: usize) -> Vec<String> {
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let (mut all, _) = store.sessions(&snapshot).expect("sessions");
    let day = |s: &Session| s.id.get(3..11).unwrap_or_default().to_string();
    all.sort_by_key(|s| std::cmp::Reverse(day(s)));
    let mut kept: Vec<Session> = Vec::new();
    for s in all {
        if kept.len() >= want && kept.last().map(day) != Some(day(&s)) {
            break;
        }
        kept.push(s);
    }
    kept.sort_by(|a, b| (b.started_at, &b.uid).cmp(&(a.started_at, &a.uid)));
    kept.into_iter().map(|s| s.id).collect()
}

/// The cached answer, then the answer with the cache file gone, both equal to a full read.
fn assert_sessions_agree(repo: &Repo, ws: &Workspace, want: usize, when: &str) {
    let expected = reference(ws, want);
    assert!(expected.len() >= want.min(1), "{when}: sessions to list");
    assert_eq!(recent(ws, want), expected, "{when}: through the cache");
    assert_eq!(recent(ws, want), expected, "{when}: the cache read again");
    let _ = std::fs::remove_file(cache_file(repo, "recent-sessions-cache"));
    assert_eq!(recent(ws, want), expected, "{when}: without a cache");
}

#[test]
fn recent_sessions_through_the_cache_equal_a_full_read_after_writes_and_damage() {
    let repo = Repo::new();
    let ws = workspace(&repo);
    // 60 days of 4 sessions: more than the cache keeps, so it holds the newest days only.
    let seeded: Vec<Session> = (0..60)
        .flat_map(|day| (0..4).map(move |n| session(day, n)))
        .collect();
    put_sessions(&ws, &seeded);
    assert_sessions_agree(&repo, &ws, 10, "seeded");
    assert!(cache_file(&repo, "recent-sessions-cache").exists());
    assert_sessions_agree(&repo, &ws, 1, "one wanted");
    assert_sessions_agree(&repo, &ws, 100, "a hundred wanted");
    assert_sessions_agree(&repo, &ws, 200, "more than the cache keeps");

    // New sessions after the cache was written: the tree difference brings them in.
    recent(&ws, 10);
    put_sessions(&ws, &[session(61, 0), session(61, 1), session(70, 2)]);
    assert_eq!(recent(&ws, 3), reference(&ws, 3), "added since the cache");
    assert_sessions_agree(&repo, &ws, 10, "added");

    // The newest days' files removed: the older days come back from the cache or a rebuild.
    recent(&ws, 10);
    ws.store()
        .write("test.remove", |tx| {
            for s in [session(61, 0), session(61, 1), session(70, 2)] {
                tx.remove_file(&layout::session_path(&s.id));
            }
            for n in 0..4 {
                tx.remove_file(&layout::session_path(&session(59, n).id));
            }
            Ok(())
        })
        .expect("remove sessions");
    assert_eq!(
        recent(&ws, 10),
        reference(&ws, 10),
        "removed since the cache"
    );
    assert_sessions_agree(&repo, &ws, 10, "removed");

    // Unreadable files among the newest: they are skipped, older days read instead.
    recent(&ws, 10);
    ws.store()
        .write("test.garbage", |tx| {
            for n in 0..4 {
                let id = session(58, n).id;
                tx.put_file(&layout::session_path(&id), b"not = [toml".to_vec());
            }
            Ok(())
        })
        .expect("garbage");
    assert_eq!(
        recent(&ws, 10),
        reference(&ws, 10),
        "unreadable newest files"
    );

    // A damaged cache file is ignored and rewritten.
    recent(&ws, 10);
    let path = cache_file(&repo, "recent-sessions-cache");
    let good = std::fs::read(&path).expect("the cache");
    let mut bad = good.clone();
    let at = good.len() - 3;
    bad[at] ^= 0x01;
    std::fs::write(&path, &bad).expect("damage");
    assert_eq!(recent(&ws, 10), reference(&ws, 10), "a damaged cache");
    assert_ne!(std::fs::read(&path).expect("rewritten"), bad);
    std::fs::write(
        &path,
        b"cmos recent sessions 1 0000000000000000\nnonsense\n",
    )
    .expect("w");
    assert_eq!(recent(&ws, 10), reference(&ws, 10), "a nonsense cache");
}

#[test]
fn a_cache_of_another_project_is_not_trusted() {
    // A cache copied from another repository names trees this one does not hold.
    let (one, two) = (Repo::new(), Repo::new());
    let (ws_one, ws_two) = (workspace(&one), workspace(&two));
    put_sessions(&ws_one, &(0..3).map(|n| session(5, n)).collect::<Vec<_>>());
    put_sessions(&ws_two, &(0..3).map(|n| session(9, n)).collect::<Vec<_>>());
    recent(&ws_one, 10);
    std::fs::copy(
        cache_file(&one, "recent-sessions-cache"),
        cache_file(&two, "recent-sessions-cache"),
    )
    .expect("copy the cache");
    assert_eq!(recent(&ws_two, 10), reference(&ws_two, 10));
}

fn decision(n: usize, month: i64, status: ItemStatus) -> Item {
    let at = Timestamp::from_millis(START_MS + month * 31 * DAY_MS + n as i64 * 60_000);
    let mut item = Item::new(
        ItemKind::Decision,
        format!("D{n}"),
        format!("Decision {n}"),
        "ada",
        at,
    );
    item.status = status;
    item.uid = format!("u{month:02}{n:06}");
    item
}

/// Writes `items` as shards number `seq` of writer `writer`, one per month they were
/// written in.
fn put_items(ws: &Workspace, (writer, seq): (&str, u32), items: &[Item]) {
    let mut shards: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for item in items {
        let month = item.updated_at.as_datetime().format("%Y-%m").to_string();
        let dir = layout::log_month_dir(ItemKind::Decision.log_dir(), &month);
        let path = format!("{dir}/{}", layout::shard_name(writer, seq));
        shards
            .entry(path)
            .or_default()
            .extend(codec::json_line(item));
    }
    ws.store()
        .write("test.items", |tx| {
            for (path, bytes) in &shards {
                tx.put_file(path, bytes.clone());
            }
            Ok(())
        })
        .expect("write items");
}

fn newest(ws: &Workspace, want: usize) -> Vec<(String, ItemStatus)> {
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let items = store
        .newest_active(&snapshot, ItemKind::Decision, want)
        .expect("newest");
    items.into_iter().map(|i| (i.id, i.status)).collect()
}

/// The newest Active decisions from a read of the whole log.
fn newest_reference(ws: &Workspace, want: usize) -> Vec<(String, ItemStatus)> {
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let (items, _) = store.items(&snapshot, ItemKind::Decision).expect("items");
    let mut active: Vec<_> = items
        .into_iter()
        .rev()
        .filter(|i| i.status == ItemStatus::Active)
        .map(|i| (i.id, i.status))
        .collect();
    active.truncate(want);
    active
}

fn assert_items_agree(repo: &Repo, ws: &Workspace, want: usize, when: &str) {
    let expected = newest_reference(ws, want);
    assert_eq!(newest(ws, want), expected, "{when}: through the cache");
    assert_eq!(newest(ws, want), expected, "{when}: the cache read again");
    let _ = std::fs::remove_file(cache_file(repo, "newest-decisions-cache"));
    assert_eq!(newest(ws, want), expected, "{when}: without a cache");
}

#[test]
fn newest_active_through_the_cache_equals_a_full_read_after_writes_and_damage() {
    let repo = Repo::new();
    let ws = workspace(&repo);
    let seeded: Vec<Item> = (0..40)
        .map(|n| decision(n, n as i64 / 10, ItemStatus::Active))
        .collect();
    put_items(&ws, ("wa00000000", 1), &seeded);
    assert_items_agree(&repo, &ws, 6, "seeded");
    assert!(cache_file(&repo, "newest-decisions-cache").exists());
    assert_items_agree(&repo, &ws, 60, "more than there are");

    // A new decision, then the newest superseded: the newest month changed, it is read again.
    newest(&ws, 6);
    put_items(
        &ws,
        ("wa00000000", 2),
        &[decision(40, 3, ItemStatus::Active)],
    );
    assert_items_agree(&repo, &ws, 6, "a new decision");
    newest(&ws, 6);
    let mut superseded = decision(40, 3, ItemStatus::Active);
    superseded.status = ItemStatus::Superseded;
    superseded.uid = "u99999999".into();
    let later = superseded.updated_at.as_datetime().timestamp_millis() + 1;
    superseded.updated_at = Timestamp::from_millis(later);
    put_items(&ws, ("wa00000000", 3), &[superseded]);
    assert_items_agree(&repo, &ws, 6, "the newest superseded");

    // Another writer's shard in an older month, as a merge brings: the months read are
    // compared by tree id, so a change to one of them is seen.
    newest(&ws, 12);
    put_items(
        &ws,
        ("wb00000000", 1),
        &[decision(41, 2, ItemStatus::Active)],
    );
    assert_items_agree(&repo, &ws, 12, "a merged shard");

    // A damaged cache file is ignored.
    newest(&ws, 6);
    let path = cache_file(&repo, "newest-decisions-cache");
    let good = std::fs::read(&path).expect("the cache");
    let mut bad = good.clone();
    let at = good.len() - 5;
    bad[at] ^= 0x01;
    std::fs::write(&path, &bad).expect("damage");
    assert_eq!(newest(&ws, 6), newest_reference(&ws, 6), "a damaged cache");
}

#[test]
fn newest_first_up_to_now_reads_what_a_read_of_the_whole_log_reads() {
    // A session still open reads the log back from now: the newest shard of each writer
    // begins before that, and every event of the span is handed on.
    let repo = Repo::new();
    let ws = workspace(&repo);
    for n in 0..30 {
        repo.ok(&[
            "decision",
            "add",
            &format!("Decision {n}"),
            "--rationale",
            "r",
        ]);
    }
    let store = ws.store();
    let snapshot = store.snapshot().expect("snapshot");
    let epoch = Timestamp::from_millis(0);
    let mut all = store.events_since(&snapshot, epoch).expect("the log");
    all.reverse();
    let mut seen = Vec::new();
    store
        .events_newest_first(&snapshot, (epoch, Some(Timestamp::now())), |e| {
            seen.push(e.uid);
            true
        })
        .expect("read back");
    let all: Vec<String> = all.into_iter().map(|e| e.uid).collect();
    assert_eq!(seen, all);
}

#[test]
fn context_lists_the_newest_constraints_up_to_its_cap_and_says_there_are_more() {
    // The constraints section reads the newest Active constraints, one past its cap, as the
    // other sections do: the newest come first and the rest are pointed to.
    let repo = Repo::new();
    let ws = workspace(&repo);
    ws.store()
        .write("test.constraints", |tx| {
            for n in 0..25 {
                let at = Timestamp::from_millis(START_MS + n * DAY_MS);
                let mut item = Item::new(
                    ItemKind::Constraint,
                    format!("C{n}"),
                    format!("Constraint {n}"),
                    "ada",
                    at,
                );
                // The newest is withdrawn: it must not show.
                if n == 24 {
                    item.status = ItemStatus::Archived;
                }
                tx.put_item(item);
            }
            Ok(())
        })
        .expect("write constraints");
    let context = repo.json(&["context"]);
    let constraints = context["data"]["sections"]
        .as_array()
        .or_else(|| context["sections"].as_array())
        .expect("sections")
        .iter()
        .find(|s| s["name"] == "constraints")
        .expect("a constraints section")
        .clone();
    let texts: Vec<&str> = constraints["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["text"].as_str().expect("text"))
        .collect();
    let expected: Vec<String> = (4..24).rev().map(|n| format!("Constraint {n}")).collect();
    assert_eq!(texts, expected, "{constraints:#}");
    assert_eq!(constraints["more"], "constraint", "{constraints:#}");
}
