//! One metrics shard parsed into a compact form: its strings in one buffer, each metric a row
//! of string numbers and measures, and the problem of each line that was skipped. This is
//! what a report reads, and what the local cache keeps per shard (see `cache`).
//!
//! Parsing borrows from the shard's bytes (no string is allocated per line unless it holds
//! escapes), and checks each line as a write would (ids, names), as before.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::FileProblem;
use crate::model::{MAX_NAME_LEN, Metric, Timestamp, validate_id};

/// The string number of a field that is absent.
const NONE: u32 = u32::MAX;

/// Positions of the string fields in a row.
const UID: usize = 0;
const AGENT: usize = 1;
const WRITER: usize = 2;
const SESSION: usize = 3;
const SESSION_TYPE: usize = 4;
const MISSION: usize = 5;
const SPRINT: usize = 6;
const MODEL: usize = 7;

/// One metric: its time (whole seconds, as timestamps are kept), its strings by number and
/// its measures (tokens in, tokens out, latency, accepted, defects).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(super) struct Row {
    at: i64,
    strings: [u32; 8],
    measures: [Option<u64>; 5],
}

/// A skipped line, without the shard's path (the same blob may sit at another path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Problem {
    line: u64,
    column: Option<u64>,
    message: String,
}

/// The parsed form of one shard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shard {
    text: String,
    /// Where string `n` is in `text`.
    spans: Vec<(u32, u32)>,
    rows: Vec<Row>,
    problems: Vec<Problem>,
}

/// What a roll-up reads of a metric: its time, what it is about, by the numbers of those
/// strings in its shard (`Shard::string`), and its measures (tokens in, tokens out,
/// latency, accepted, defects). A roll-up looks each string up once per shard, not per metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numbered {
    pub at_seconds: i64,
    pub mission: Option<u32>,
    pub session_type: Option<u32>,
    pub sprint: Option<u32>,
    pub measures: [Option<u64>; 5],
}

/// A metric as the log holds it, borrowed from its shard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricRef<'a> {
    pub uid: &'a str,
    /// When it was recorded, in seconds since the Unix epoch (see `at`): a roll-up compares
    /// 200,000 of them, and a timestamp is only built for a metric that is shown.
    pub at_seconds: i64,
    pub agent: &'a str,
    pub writer: &'a str,
    pub session: Option<&'a str>,
    pub session_type: Option<&'a str>,
    pub mission: Option<&'a str>,
    pub sprint: Option<&'a str>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub latency_ms: Option<u64>,
    pub accepted: Option<u64>,
    pub defects: Option<u64>,
    pub model: Option<&'a str>,
}

impl MetricRef<'_> {
    /// When it was recorded.
    pub fn at(&self) -> Timestamp {
        Timestamp::from_millis(self.at_seconds.saturating_mul(1000))
    }

    pub fn to_metric(&self) -> Metric {
        let owned = |s: Option<&str>| s.map(str::to_string);
        Metric {
            uid: self.uid.to_string(),
            at: self.at(),
            agent: self.agent.to_string(),
            writer: self.writer.to_string(),
            session: owned(self.session),
            session_type: owned(self.session_type),
            mission: owned(self.mission),
            sprint: owned(self.sprint),
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms: self.latency_ms,
            accepted: self.accepted,
            defects: self.defects,
            model: owned(self.model),
        }
    }
}

/// A metric line as written, borrowed where it can be. The same fields and types as
/// `Metric`, under its name, so a bad line gets the message it always got.
#[derive(Deserialize)]
#[serde(rename = "Metric")]
struct Line<'a> {
    #[serde(borrow)]
    uid: Cow<'a, str>,
    #[serde(deserialize_with = "timestamp")]
    at: Timestamp,
    #[serde(borrow)]
    agent: Cow<'a, str>,
    #[serde(borrow)]
    writer: Cow<'a, str>,
    #[serde(default, borrow)]
    session: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    session_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    mission: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    sprint: Option<Cow<'a, str>>,
    #[serde(default)]
    tokens_in: Option<u64>,
    #[serde(default)]
    tokens_out: Option<u64>,
    #[serde(default)]
    latency_ms: Option<u64>,
    #[serde(default)]
    accepted: Option<u64>,
    #[serde(default)]
    defects: Option<u64>,
    #[serde(default, borrow)]
    model: Option<Cow<'a, str>>,
}

/// A timestamp read without copying its text (what `Timestamp`'s own reader accepts).
fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = <Cow<'de, str>>::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

impl Line<'_> {
    fn as_ref(&self) -> MetricRef<'_> {
        MetricRef {
            uid: &self.uid,
            at_seconds: self.at.unix_seconds(),
            agent: &self.agent,
            writer: &self.writer,
            session: self.session.as_deref(),
            session_type: self.session_type.as_deref(),
            mission: self.mission.as_deref(),
            sprint: self.sprint.as_deref(),
            tokens_in: self.tokens_in,
            tokens_out: self.tokens_out,
            latency_ms: self.latency_ms,
            accepted: self.accepted,
            defects: self.defects,
            model: self.model.as_deref(),
        }
    }
}

impl Shard {
    /// Parses the lines of a shard; a line that does not parse, or holds what a write would
    /// refuse, becomes a problem at its line.
    pub fn parse(bytes: &[u8]) -> Shard {
        let mut builder = Builder::default();
        // Strings are numbered by 32-bit offsets into a copy no longer than the shard.
        if u32::try_from(bytes.len()).is_err() {
            builder.shard.problems.push(Problem {
                line: 1,
                column: None,
                message: format!("the shard is {} bytes, too large to read", bytes.len()),
            });
            return builder.shard;
        }
        for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let problem = |message: String, column: Option<usize>| Problem {
                line: n as u64 + 1,
                column: column.map(|c| c as u64),
                message,
            };
            match serde_json::from_slice::<Line<'_>>(line) {
                Ok(parsed) => {
                    let metric = parsed.as_ref();
                    match refused(&metric) {
                        None => builder.push(&metric),
                        Some(why) => builder.shard.problems.push(problem(why, None)),
                    }
                }
                Err(e) => builder
                    .shard
                    .problems
                    .push(problem(e.to_string(), Some(e.column()))),
            }
        }
        builder.shard
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The metrics, in the order of their lines.
    pub fn iter(&self) -> impl Iterator<Item = MetricRef<'_>> + '_ {
        self.rows.iter().map(|row| self.metric(row))
    }

    /// What a roll-up reads of each metric, in the order of their lines.
    pub fn numbered(&self) -> impl Iterator<Item = Numbered> + '_ {
        let number = |n: u32| (n != NONE).then_some(n);
        self.rows.iter().map(move |row| Numbered {
            at_seconds: row.at,
            mission: number(row.strings[MISSION]),
            session_type: number(row.strings[SESSION_TYPE]),
            sprint: number(row.strings[SPRINT]),
            measures: row.measures,
        })
    }

    /// How many strings the shard holds: string numbers are below this.
    pub fn strings(&self) -> usize {
        self.spans.len()
    }

    fn metric(&self, row: &Row) -> MetricRef<'_> {
        let s = |field: usize| self.string(row.strings[field]);
        let [tokens_in, tokens_out, latency_ms, accepted, defects] = row.measures;
        MetricRef {
            uid: s(UID).unwrap_or_default(),
            at_seconds: row.at,
            agent: s(AGENT).unwrap_or_default(),
            writer: s(WRITER).unwrap_or_default(),
            session: s(SESSION),
            session_type: s(SESSION_TYPE),
            mission: s(MISSION),
            sprint: s(SPRINT),
            tokens_in,
            tokens_out,
            latency_ms,
            accepted,
            defects,
            model: s(MODEL),
        }
    }

    /// String number `n` of the shard.
    pub fn string(&self, n: u32) -> Option<&str> {
        let (start, end) = *self.spans.get(n as usize)?;
        self.text.get(start as usize..end as usize)
    }

    /// The skipped lines, as problems of the file at `path`.
    pub fn problems_at(&self, path: &str) -> impl Iterator<Item = FileProblem> + '_ {
        let path = path.to_string();
        self.problems.iter().map(move |p| FileProblem {
            path: path.clone(),
            line: usize::try_from(p.line).ok(),
            column: p.column.and_then(|c| usize::try_from(c).ok()),
            message: p.message.clone(),
        })
    }

    /// The compact binary form the cache keeps (postcard).
    pub fn encode(&self) -> Option<Vec<u8>> {
        let stored = Stored {
            text: Cow::Borrowed(&self.text),
            spans: Cow::Borrowed(&self.spans),
            rows: Cow::Borrowed(&self.rows),
            problems: Cow::Borrowed(&self.problems),
        };
        postcard::to_allocvec(&stored).ok()
    }

    /// Reads back what `encode` wrote; None unless every string number and span is in
    /// bounds (the bytes come from a file anyone with access to the repository can change).
    pub fn decode(bytes: &[u8]) -> Option<Shard> {
        let stored: Stored<'_> = postcard::from_bytes(bytes).ok()?;
        let shard = Shard {
            text: stored.text.into_owned(),
            spans: stored.spans.into_owned(),
            rows: stored.rows.into_owned(),
            problems: stored.problems.into_owned(),
        };
        let spans_ok = shard.spans.iter().all(|(start, end)| {
            start <= end && shard.text.get(*start as usize..*end as usize).is_some()
        });
        let count = shard.spans.len();
        let rows_ok = shard.rows.iter().all(|row| {
            row.strings
                .iter()
                .enumerate()
                .all(|(field, n)| (*n as usize) < count || (*n == NONE && field > WRITER))
                && Timestamp::from_millis(row.at.saturating_mul(1000)).unix_seconds() == row.at
        });
        (spans_ok && rows_ok).then_some(shard)
    }
}

/// The stored form of a shard: borrowed when encoding, owned after decoding.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
    spans: Cow<'a, [(u32, u32)]>,
    rows: Cow<'a, [Row]>,
    problems: Cow<'a, [Problem]>,
}

/// Builds a shard, keeping one copy of each repeated string (agents, sessions, missions...).
#[derive(Default)]
struct Builder {
    shard: Shard,
    known: HashMap<String, u32>,
}

impl Builder {
    fn push(&mut self, m: &MetricRef<'_>) {
        let mut strings = [NONE; 8];
        // Every uid is different: no point in looking it up.
        strings[UID] = self.add(m.uid);
        let repeated = [
            (AGENT, Some(m.agent)),
            (WRITER, Some(m.writer)),
            (SESSION, m.session),
            (SESSION_TYPE, m.session_type),
            (MISSION, m.mission),
            (SPRINT, m.sprint),
            (MODEL, m.model),
        ];
        for (field, value) in repeated {
            if let Some(value) = value {
                strings[field] = match self.known.get(value) {
                    Some(n) => *n,
                    None => {
                        let n = self.add(value);
                        self.known.insert(value.to_string(), n);
                        n
                    }
                };
            }
        }
        self.shard.rows.push(Row {
            at: m.at_seconds,
            strings,
            measures: [
                m.tokens_in,
                m.tokens_out,
                m.latency_ms,
                m.accepted,
                m.defects,
            ],
        });
    }

    fn add(&mut self, value: &str) -> u32 {
        let text = &mut self.shard.text;
        let start = text.len() as u32;
        text.push_str(value);
        self.shard.spans.push((start, text.len() as u32));
        (self.shard.spans.len() - 1) as u32
    }
}

/// Why a write would have refused `metric`, if it would.
fn refused(metric: &MetricRef<'_>) -> Option<String> {
    for (kind, id) in [("session", metric.session), ("mission", metric.mission)] {
        if let Some(id) = id
            && let Err(e) = validate_id(kind, id)
        {
            return Some(e.to_string());
        }
    }
    // A sprint may be kept by its name (as imported sessions keep it).
    let names = [
        ("sprint", metric.sprint),
        ("session type", metric.session_type),
        ("model name", metric.model),
    ];
    for (what, name) in names {
        let name = name.unwrap_or_default();
        if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Some(format!(
                "the {what} must be one line of at most {MAX_NAME_LEN} characters"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"uid":"u1","at":"2026-11-30T00:00:00Z","agent":"a","writer":"w","mission":"B1","tokens_in":3}"#;

    #[test]
    fn a_metric_line_with_a_bad_id_or_model_is_a_problem_at_its_line() {
        let bad_id = GOOD.replace("\"B1\"", "\"../x\"");
        let bad_model = GOOD.replace("\"tokens_in\":3", "\"model\":\"a\\u001b[2Jb\"");
        let text = format!("{GOOD}\n{bad_id}\n\n{bad_model}\nnot json\n");
        let shard = Shard::parse(text.as_bytes());
        assert_eq!(shard.len(), 1);
        let problems: Vec<FileProblem> = shard.problems_at("p.jsonl").collect();
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(2), Some(4), Some(5)], "{problems:?}");
        assert!(problems[0].message.contains("mission"), "{problems:?}");
        assert!(problems[1].message.contains("model name"), "{problems:?}");
        assert_eq!(problems[2].column, Some(2), "{problems:?}");
    }

    #[test]
    fn a_parsed_line_reads_back_as_the_metric_serde_reads() {
        let escaped = GOOD.replace("\"a\"", "\"\\u0061gent \\\"q\\\"\"");
        let text = format!("{GOOD}\n{escaped}\n");
        let shard = Shard::parse(text.as_bytes());
        let metrics: Vec<Metric> = shard.iter().map(|m| m.to_metric()).collect();
        let expected: Vec<Metric> = [GOOD, &escaped]
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(metrics, expected);
        assert_eq!(metrics[1].agent, "agent \"q\"");
        assert_eq!(Shard::decode(&shard.encode().unwrap()), Some(shard));
    }

    #[test]
    fn an_encoded_shard_with_a_string_number_or_span_out_of_bounds_does_not_decode() {
        let shard = Shard::parse(GOOD.as_bytes());
        let mut past_the_strings = shard.clone();
        past_the_strings.rows[0].strings[MISSION] = 99;
        assert!(Shard::decode(&past_the_strings.encode().unwrap()).is_none());
        let mut absent_uid = shard.clone();
        absent_uid.rows[0].strings[UID] = NONE;
        assert!(Shard::decode(&absent_uid.encode().unwrap()).is_none());
        let mut past_the_text = shard.clone();
        past_the_text.spans[0].1 = 1_000;
        assert!(Shard::decode(&past_the_text.encode().unwrap()).is_none());
        let mut far_future = shard;
        far_future.rows[0].at = i64::MAX;
        assert!(Shard::decode(&far_future.encode().unwrap()).is_none());
    }
}
