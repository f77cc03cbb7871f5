//! The project's memory for the benchmark: sessions with their captures, decisions,
//! learnings, constraints and next steps, and the event log, in the proportions of a project
//! that has run for a while: per 10,000 missions, 2,000 sessions with 20,000 captures, 5,000
//! decisions and 200,000 events. Written as files in one commit through the library, spread
//! over months and writers the way real use spreads them. The number of events can be set on
//! its own (`with_events`), so a benchmark can grow the activity log and keep the rest.

use std::collections::BTreeMap;

use cmos::format::{codec, layout};
use cmos::model::{
    Capture, CaptureCategory, Event, Item, ItemKind, ItemStatus, Session, SessionStatus,
    SessionType, Timestamp, new_uid_at,
};
use cmos::store::Tx;

/// The memory of a project of `missions` missions.
#[derive(Clone, Copy)]
pub struct Memory {
    pub sessions: usize,
    pub captures_per_session: usize,
    pub decisions: usize,
    pub events: usize,
}

impl Memory {
    pub fn for_missions(missions: usize) -> Memory {
        Memory {
            sessions: missions / 5,
            captures_per_session: 10,
            decisions: missions / 2,
            events: missions * 20,
        }
    }

    /// The same memory with `events` events in the activity log, over the same days.
    // benches/events.rs grows the log with it; benches/cli.rs, which shares this file, does not.
    #[allow(dead_code)]
    pub fn with_events(self, events: usize) -> Memory {
        Memory { events, ..self }
    }

    pub fn captures(self) -> usize {
        self.sessions * self.captures_per_session
    }
}

/// Sessions per day: the ids carry the day, as generated ids do.
const SESSIONS_PER_DAY: usize = 10;
const WRITERS: [&str; 8] = [
    "w0bench000",
    "w1bench000",
    "w2bench000",
    "w3bench000",
    "w4bench000",
    "w5bench000",
    "w6bench000",
    "w7bench000",
];
const DAY_MS: i64 = 86_400_000;

/// The categories of a session's captures, in turn.
const CATEGORIES: [CaptureCategory; 5] = [
    CaptureCategory::Context,
    CaptureCategory::Learning,
    CaptureCategory::NextStep,
    CaptureCategory::Constraint,
    CaptureCategory::Blocker,
];

/// Stages the whole memory in `tx`; everything happened in the days before `now`.
pub fn seed(tx: &mut Tx<'_>, memory: Memory, now: Timestamp) -> cmos::Result<()> {
    let days = memory.sessions.div_ceil(SESSIONS_PER_DAY).max(1) as i64;
    let start_ms = now.unix_seconds() * 1000 - days * DAY_MS;
    let mut logs = Logs::default();
    for s in 0..memory.sessions {
        let session = session(s, memory, start_ms);
        for (c, capture) in session.captures.iter().enumerate() {
            let kind = match capture.category {
                CaptureCategory::Learning => ItemKind::Learning,
                CaptureCategory::NextStep => ItemKind::NextStep,
                // Most constraints of old sessions were archived long ago.
                CaptureCategory::Constraint if s % 20 != 0 => continue,
                CaptureCategory::Constraint => ItemKind::Constraint,
                _ => continue,
            };
            let mut item = item(kind, &format!("{s}-{c}"), &capture.text, capture.at);
            item.session = Some(session.id.clone());
            // Old next steps were done; only the last days' are open.
            if kind == ItemKind::NextStep && s + 50 < memory.sessions {
                item.status = ItemStatus::Done;
            }
            logs.add(kind.log_dir(), item.updated_at, s, &item);
        }
        tx.put_session(&session)?;
    }
    let decision_gap = days * DAY_MS / memory.decisions.max(1) as i64;
    for d in 0..memory.decisions {
        let at = Timestamp::from_millis(start_ms + d as i64 * decision_gap);
        let text = format!(
            "Decision {d}: use the {} approach for the {} layer",
            word(d),
            word(d / 7)
        );
        let mut decision = item(ItemKind::Decision, &d.to_string(), &text, at);
        decision.rationale = Some(format!(
            "We compared three options for the {} layer; this one keeps writes small and reads cached.",
            word(d / 7)
        ));
        decision.category = Some(word(d % 5).to_string());
        logs.add(ItemKind::Decision.log_dir(), at, d, &decision);
    }
    let event_gap = days * DAY_MS / memory.events.max(1) as i64;
    for e in 0..memory.events {
        let at_ms = start_ms + e as i64 * event_gap;
        let event = Event {
            uid: new_uid_at(at_ms),
            at: Timestamp::from_millis(at_ms),
            agent: "bench".into(),
            writer: WRITERS[e % WRITERS.len()].into(),
            kind: "mission.transition".into(),
            target: format!("m{:05}", e % 10_000 + 1),
            from: Some("Queued".into()),
            to: Some("In Progress".into()),
            note: None,
            extra: Default::default(),
        };
        logs.add(layout::EVENTS, event.at, e, &event);
    }
    logs.stage(tx);
    Ok(())
}

fn session(s: usize, memory: Memory, start_ms: i64) -> Session {
    let day_ms = start_ms + (s / SESSIONS_PER_DAY) as i64 * DAY_MS;
    let started_ms = day_ms + (s % SESSIONS_PER_DAY) as i64 * 3_600_000;
    let started = Timestamp::from_millis(started_ms);
    let day = started.as_datetime().format("%Y%m%d");
    let captures = (0..memory.captures_per_session)
        .map(|c| Capture {
            at: Timestamp::from_millis(started_ms + c as i64 * 60_000),
            category: CATEGORIES[c % CATEGORIES.len()],
            text: format!(
                "Session {s} note {c}: the {} module needs care around {} handling.",
                word(s + c),
                word(c)
            ),
            by: "bench".into(),
            mission: Some(format!("m{:05}", s * 5 % 10_000 + 1)),
            extra: Default::default(),
        })
        .collect();
    Session {
        id: format!("ps-{day}-{s:010}"),
        uid: new_uid_at(started_ms),
        kind: SessionType::Build,
        title: format!("Build session {s}: {} work", word(s)),
        status: SessionStatus::Completed,
        agent: "bench".into(),
        sprint: None,
        mission: None,
        started_at: started,
        completed_at: Some(Timestamp::from_millis(started_ms + 3_000_000)),
        summary: Some(format!(
            "Worked through the {} backlog; two missions done, one blocked on review.",
            word(s)
        )),
        next_steps: vec![format!("Carry on with the {} backlog", word(s + 1))],
        captures,
        validation_state: None,
        validation_score: None,
        evidence: Vec::new(),
        extra: Default::default(),
    }
}

fn item(kind: ItemKind, n: &str, text: &str, at: Timestamp) -> Item {
    let mut item = Item::new(
        kind,
        format!("{}-b{n}", kind.id_prefix()),
        text.into(),
        "bench",
        at,
    );
    item.uid = new_uid_at(at.unix_seconds() * 1000);
    item
}

fn word(n: usize) -> &'static str {
    const WORDS: [&str; 12] = [
        "storage",
        "cache",
        "sync",
        "billing",
        "search",
        "auth",
        "reporting",
        "queue",
        "scheduler",
        "export",
        "import",
        "render",
    ];
    WORDS[n % WORDS.len()]
}

/// Log lines gathered per shard, rolled over at the shard limit as cmos does.
#[derive(Default)]
struct Logs {
    /// (log, month, writer) → finished shards and the one being filled.
    shards: BTreeMap<(String, String, &'static str), Vec<Vec<u8>>>,
}

impl Logs {
    fn add(&mut self, log: &str, at: Timestamp, n: usize, record: &impl serde::Serialize) {
        let month = at.as_datetime().format("%Y-%m").to_string();
        let writer = WRITERS[n % WRITERS.len()];
        let shards = self
            .shards
            .entry((log.to_string(), month, writer))
            .or_default();
        let line = codec::json_line(record);
        match shards.last_mut() {
            Some(last) if last.len() + line.len() <= layout::SHARD_LIMIT => last.extend(line),
            _ => shards.push(line),
        }
    }

    fn stage(self, tx: &mut Tx<'_>) {
        for ((log, month, writer), shards) in self.shards {
            for (seq, bytes) in shards.into_iter().enumerate() {
                let name = layout::shard_name(writer, seq as u32 + 1);
                tx.put_file(
                    &format!("{}/{name}", layout::log_month_dir(&log, &month)),
                    bytes,
                );
            }
        }
    }
}
