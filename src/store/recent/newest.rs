//! The activity log read backwards: events newest first, from as few shards as the reader
//! needs.
//!
//! A month directory holds each writer's shards, numbered in the order the writer filled
//! them, and a writer appends its events in the order it makes them. So the events a writer
//! has not been read back to yet are no newer than the oldest one read of it (its floor), and
//! an event newer than every unfinished writer's floor can be handed on: nothing unread comes
//! before it. Each step reads the next shard back of the writer whose floor is newest, so a
//! reader that stops after the last few events reads a shard or two per writer. A clock that
//! went back within one writer's month only puts those events slightly out of order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::path::PathBuf;

use gix::ObjectId;

use super::load;
use super::spans::{Span, Spans};
use crate::error::Result;
use crate::format::codec::parse_lines;
use crate::format::layout::EVENTS;
use crate::model::{Event, Timestamp};

/// See `Store::events_newest_first`.
pub(super) fn events(
    repo: &gix::Repository,
    tree: ObjectId,
    span: (Timestamp, Option<Timestamp>),
    cache: Option<PathBuf>,
    visit: impl FnMut(Event) -> bool,
) -> Result<()> {
    let mut spans = Spans::open(cache);
    let read = read_back(repo, tree, span, &mut spans, visit);
    spans.save();
    read
}

/// `events`, with the shards' spans known so far: a shard whose newest event is older than
/// `since` is passed over as reading it would (its events are out of the span; its oldest
/// lowers the writer's floor) without being opened.
fn read_back(
    repo: &gix::Repository,
    tree: ObjectId,
    (since, until): (Timestamp, Option<Timestamp>),
    spans: &mut Spans,
    mut visit: impl FnMut(Event) -> bool,
) -> Result<()> {
    let first = super::month_key(since);
    let last = until.map(super::month_key);
    let months = load::log_months(repo, tree, EVENTS, (Some(&first), last.as_deref()))?;
    let in_span = |e: &Event| e.at >= since && until.is_none_or(|u| e.at <= u);
    for month in months.iter().rev() {
        let mut runs = runs(load::month_shards(repo, EVENTS, month)?);
        // Only the month of `until` can hold shards that begin after it.
        if let Some(until) = until
            && Some(&month.0) == last.as_ref()
        {
            for run in &mut runs {
                run.skip_after(repo, until, spans)?;
            }
        }
        let mut heap = BinaryHeap::new();
        // The run to read next: an unread one first, else the one with the newest floor.
        while let Some(run) = runs
            .iter_mut()
            .filter(|r| !r.shards.is_empty())
            .max_by_key(|r| r.floor.map_or((1, None), |f| (0, Some(f))))
        {
            if let Some(floor) = run.floor {
                // Nothing unread is newer than the newest floor.
                while heap.peek().is_some_and(|n: &Newest| n.0.at > floor) {
                    let Some(Newest(event)) = heap.pop() else {
                        break;
                    };
                    if !visit(event) {
                        return Ok(());
                    }
                }
                if floor < since {
                    break;
                }
            }
            let (path, blob) = run.shards.pop().expect("a run with shards left");
            if let Some(span) = spans.get(&blob).filter(|s| s.newest < since) {
                run.lower_floor(span.oldest);
                continue;
            }
            let bytes = match run.read.take() {
                Some((read, bytes)) if read == blob => bytes,
                _ => load::read_blob(repo, blob, &path)?,
            };
            let (lines, _) = parse_lines::<Event>(&path, &bytes);
            if let Some(oldest) = lines.iter().map(|e| e.at).min() {
                run.lower_floor(oldest);
            }
            if let Some(span) = span_of(&path, &bytes, &lines) {
                spans.learn(blob, span);
            }
            heap.extend(lines.into_iter().filter(in_span).map(Newest));
        }
        while let Some(Newest(event)) = heap.pop() {
            if !visit(event) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// One writer's shards of a month, oldest first, and the oldest time read back to.
struct Run {
    shards: Vec<(String, ObjectId)>,
    floor: Option<Timestamp>,
    /// A shard already read (by `skip_after`), kept for the read back.
    read: Option<(ObjectId, Vec<u8>)>,
}

impl Run {
    /// Drops the shards that begin after `until`: they hold nothing at or before it. The
    /// first line of a shard is its oldest, so a binary search reads a few first lines. The
    /// newest shard is looked at first: when it begins before `until` (a session still open,
    /// a recent end) nothing is dropped, and the read back starts with the bytes read here.
    /// A shard whose span is known (`spans`) is not opened for it.
    fn skip_after(
        &mut self,
        repo: &gix::Repository,
        until: Timestamp,
        spans: &mut Spans,
    ) -> Result<()> {
        let Some((path, blob)) = self.shards.last() else {
            return Ok(());
        };
        match spans.get(blob) {
            Some(span) if span.first <= until => return Ok(()),
            Some(_) => {}
            None => {
                let bytes = load::read_blob(repo, *blob, path)?;
                if first_time(path, &bytes).is_none_or(|at| at <= until) {
                    self.read = Some((*blob, bytes));
                    return Ok(());
                }
            }
        }
        let (mut low, mut high) = (0, self.shards.len() - 1);
        while low < high {
            let mid = (low + high) / 2;
            let (path, blob) = &self.shards[mid];
            let first = match spans.get(blob) {
                Some(span) => Some(span.first),
                None => {
                    // Read whole once, so that the next read back to here opens nothing.
                    let bytes = load::read_blob(repo, *blob, path)?;
                    let (lines, _) = parse_lines::<Event>(path, &bytes);
                    let span = span_of(path, &bytes, &lines);
                    if let Some(span) = span {
                        spans.learn(*blob, span);
                    }
                    span.map(|s| s.first)
                }
            };
            match first {
                Some(at) if at > until => high = mid,
                _ => low = mid + 1,
            }
        }
        self.shards.truncate(low);
        Ok(())
    }

    /// The writer's events not read yet are no newer than `oldest` either.
    fn lower_floor(&mut self, oldest: Timestamp) {
        self.floor = Some(self.floor.map_or(oldest, |f| f.min(oldest)));
    }
}

/// The span of a shard read whole, when its first line reads as an event (else its first
/// time is not known as `first_time` knows it, and it is not remembered).
fn span_of(path: &str, bytes: &[u8], lines: &[Event]) -> Option<Span> {
    first_time(path, bytes)?;
    Span::of(lines.iter().map(|e| e.at))
}

/// The time of the first line of a shard, if it reads as an event.
fn first_time(path: &str, bytes: &[u8]) -> Option<Timestamp> {
    let line = bytes.split(|&b| b == b'\n').next()?;
    parse_lines::<Event>(path, line).0.first().map(|e| e.at)
}

/// Groups a month's shards by writer (`<writer>-<seq>.jsonl`), each in sequence order; an
/// importer's shard (`import-*`, its lines in the order of the file it came from) or a file
/// named otherwise is a run of its own.
fn runs(shards: Vec<(String, ObjectId)>) -> Vec<Run> {
    let mut keyed: Vec<((String, u64), (String, ObjectId))> = shards
        .into_iter()
        .map(|(path, blob)| {
            let name = path.rsplit('/').next().unwrap_or_default();
            let key = Some(name)
                .filter(|n| !n.starts_with("import-"))
                .and_then(|n| n.strip_suffix(".jsonl"))
                .and_then(|stem| stem.rsplit_once('-'))
                .and_then(|(writer, seq)| Some((writer.to_string(), seq.parse().ok()?)))
                .unwrap_or_else(|| (name.to_string(), 0));
            (key, (path, blob))
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut runs: Vec<(String, Run)> = Vec::new();
    for ((writer, _), shard) in keyed {
        match runs.last_mut() {
            Some((last, run)) if *last == writer => run.shards.push(shard),
            _ => runs.push((
                writer,
                Run {
                    shards: vec![shard],
                    floor: None,
                    read: None,
                },
            )),
        }
    }
    runs.into_iter().map(|(_, run)| run).collect()
}

/// An event ordered by time, then uid: the heap's top is the newest.
struct Newest(Event);

impl Ord for Newest {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.at, &self.0.uid).cmp(&(other.0.at, &other.0.uid))
    }
}

impl PartialOrd for Newest {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Newest {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Newest {}
