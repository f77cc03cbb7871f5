//! Fuzz target for what arrives on the cmos branch: the record parsers (canonical TOML for
//! missions, sprints, sessions, the project and the format marker; JSON Lines for events and
//! items) and the tree-entry checks. Every input must end in a value or a problem that names
//! its path, line and column, never a panic; a TOML record that parses re-encodes canonically
//! and parses back to the same value; a tree entry name that passes the check is exactly one
//! plain path component.
//!
//! ```text
//! CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_records -- --nocapture
//! ```

mod fuzzing;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use cmos::format::codec::{from_toml, json_line, parse_lines, to_toml};
use cmos::format::plain_toml;
use cmos::model::{Event, Format, Item, Mission, Project, Session, Sprint};
use cmos::store::trees::{self, Listing, Node};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

const MISSION: &str = r#"id = "A1"
uid = "01m8mw6bpv6ff26sntb6g9z0w0"
name = "First one"
status = "Blocked"
sprint = "S1"
rank = -2
objective = "line one\nline two"
success_criteria = ["works", "is \"quoted\""]
created_at = "2026-11-30T00:03:07Z"
updated_at = "2026-11-30T00:03:07Z"
started_at = "2026-11-30T00:03:07Z"
owner = "ana"

[blocked]
reason = "waiting on api"
since = "2026-11-30T00:03:07Z"

[[depends]]
on = "B1"
type = "requires"

[[transitions]]
at = "2026-11-30T00:03:07Z"
from = "Queued"
to = "In Progress"
by = "t"

[review]
by = "bo"
score = 3
"#;

const SPRINT: &str = r#"id = "S1"
uid = "01m8mw6bnqbs6ewqxbfng4rgzb"
title = "First"
status = "Active"
created_at = "2026-11-30T00:03:07Z"
updated_at = "2026-11-30T00:03:07Z"
"#;

const SESSION: &str = r#"id = "ps-20261130-d68ka21j6d"
uid = "01m8mw6byy4f8bjvmabq4nzfnb"
type = "planning"
title = "Plan it"
status = "Active"
agent = "t"
sprint = "S1"
started_at = "2026-11-30T00:03:07Z"

[[captures]]
at = "2026-11-30T00:03:07Z"
category = "decision"
text = "Use TOML"
by = "t"
"#;

const PROJECT: &str = r#"id = "01m8mw6bnq4snemm6dyejzryzh"
name = "demo"
current_sprint = "S1"
created_at = "2026-11-30T00:03:07Z"

[settings]
promote = true
"#;

const FORMAT: &str = "major = 1\nminor = 0\n";

const EVENTS: &str = r#"{"uid":"01m8mw6bnqrsxk57kwqwsbxmcq","at":"2026-11-30T00:03:07Z","agent":"t","writer":"bcj6s60dbt","kind":"project.created","target":"01m8mw6bnq4snemm6dyejzryzh","note":"demo"}
{"uid":"01m8mw6bxbfzrmeej2pxb52ge1","at":"2026-11-30T00:03:07Z","agent":"t","writer":"bcj6s60dbt","kind":"mission.transition","target":"A1","from":"In Progress","to":"Blocked","note":"waiting on api","hash":"abc","files":["a","b"]}
"#;

const ITEMS: &str = r#"{"id":"d-r92mnbz97j","uid":"01m8mw6c09gm1ge95djenfedz5","kind":"decision","status":"Active","text":"Use TOML","session":"ps-20261130-d68ka21j6d","sprint":"S1","created_at":"2026-11-30T00:03:07Z","updated_at":"2026-11-30T00:03:07Z","by":"t"}
{"id":"d-r8c9mzg6xt","uid":"01m8mw6c1gnn6w2a55ehdjn72q","kind":"decision","status":"Active","text":"Pick git","rationale":"it is there","created_at":"2026-11-30T00:03:07Z","updated_at":"2026-11-30T00:03:07Z","by":"t"}
"#;

/// Every form the plain-TOML reader takes, with the edges around them, for its fuzz target.
const PLAIN: &str = r#"# a comment é
key-1 = "esc \" \\ \n \t \u00e9 \U0001F600"
lit = 'C:\path'
n = -0
big = 9223372036854775807
x = -12.5
yes = true
list = [1, "two", 3.0, [4], { five = 5 }, ]
inline = { a = 1, b = [true, false] }

[table]
ml = """
one "two" ""three""
"""
mll = '''
raw \n'''

[[rows]]
at = "2026-11-30T00:03:07Z"

[[rows]]
at = "2026-11-30T00:03:08Z"
"#;

/// The valid samples, one per parser, in the order of [`check`].
const SAMPLES: [&str; 7] = [MISSION, SPRINT, SESSION, PROJECT, FORMAT, EVENTS, ITEMS];

/// Bytes that matter to TOML, JSON and paths.
const INTERESTING: &[u8] = b"\"'=[]{}\n\r\t \\#.,:-+_0123456789eEinfatrue/\x00\x7f\xc3\xff";

/// One change to a sample: where, what, and the byte it brings.
type Edit = (usize, u8, u8);

fn mutate(sample: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = sample.to_vec();
    for &(at, op, byte) in edits {
        let at = if bytes.is_empty() {
            0
        } else {
            at % bytes.len()
        };
        let pick = INTERESTING[byte as usize % INTERESTING.len()];
        match op % 6 {
            0 => bytes.insert(at, pick),
            1 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            2 if !bytes.is_empty() => bytes[at] = pick,
            3 if !bytes.is_empty() => bytes[at] = byte,
            4 => {
                // Repeat a stretch: duplicate keys, tables and lines.
                let end = (at + byte as usize).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

/// Which parser (or check) gets the input, and the bytes.
fn input() -> impl Strategy<Value = (usize, Vec<u8>)> {
    let parser = 0..SAMPLES.len() + 2;
    prop_oneof![
        1 => (parser.clone(), prop::collection::vec(any::<u8>(), 0..300)),
        4 => (
            0..SAMPLES.len(),
            parser,
            prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
        )
            .prop_map(|(sample, parser, edits)| {
                (parser, mutate(SAMPLES[sample].as_bytes(), &edits))
            }),
        1 => (
            prop::collection::vec(
                prop_oneof![
                    Just(b"..".to_vec()),
                    Just(b".".to_vec()),
                    Just(b".git".to_vec()),
                    Just(b"/".to_vec()),
                    Just(b"\\".to_vec()),
                    Just(b"A1.toml".to_vec()),
                    prop::collection::vec(prop::sample::select(INTERESTING.to_vec()), 0..4),
                    prop::collection::vec(any::<u8>(), 0..4),
                ],
                0..4
            ),
            Just(SAMPLES.len())
        )
            .prop_map(|(parts, parser)| (parser, parts.concat())),
    ]
}

fn check_problem(
    path: &str,
    bytes: &[u8],
    problem: &cmos::error::FileProblem,
) -> Result<(), String> {
    if problem.path != path {
        return Err(format!("the problem names {} for {path}", problem.path));
    }
    let lines = bytes.split(|b| *b == b'\n').count();
    match (problem.line, problem.column) {
        (Some(line), Some(_)) if line >= 1 && line <= lines => Ok(()),
        (None, None) => Ok(()),
        other => Err(format!(
            "position {other:?} outside the {lines} line(s) of the input: {problem}"
        )),
    }
}

/// A TOML record: a value that re-encodes to a fixed point and parses back the same, or a
/// problem that points into the input.
fn check_toml<T>(bytes: &[u8]) -> Result<(), String>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let path = ".cmos/x.toml";
    let value = match from_toml::<T>(path, bytes) {
        Err(problem) => return check_problem(path, bytes, &problem),
        Ok(value) => value,
    };
    let encoded = to_toml(&value).map_err(|e| format!("a parsed record does not encode: {e}"))?;
    let again: T = from_toml(path, &encoded).map_err(|p| {
        format!(
            "the encoding of a parsed record does not parse: {p}\n{}",
            String::from_utf8_lossy(&encoded)
        )
    })?;
    let canonical = to_toml(&again).map_err(|e| e.to_string())?;
    if canonical != encoded {
        return Err(format!(
            "the encoding is not canonical:\n{}\n---\n{}",
            String::from_utf8_lossy(&encoded),
            String::from_utf8_lossy(&canonical)
        ));
    }
    // NaN, which TOML allows in unknown fields, is the one value not equal to itself.
    if again != value && !format!("{value:?}").contains("NaN") {
        return Err(format!("parsed back differently: {value:?} vs {again:?}"));
    }
    Ok(())
}

/// A log shard: every line a record or a problem naming it; each record survives its own
/// encoding.
fn check_lines<T>(bytes: &[u8]) -> Result<(), String>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let path = ".cmos/events/2026-11/w-001.jsonl";
    let (records, problems) = parse_lines::<T>(path, bytes);
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    if records.len() + problems.len() != lines {
        return Err(format!(
            "{} records and {} problems from {lines} lines",
            records.len(),
            problems.len()
        ));
    }
    for problem in &problems {
        if problem.line.is_none() {
            return Err(format!("a bad line without its number: {problem}"));
        }
        check_problem(path, bytes, problem)?;
    }
    for record in records {
        let line = json_line(&record);
        let (again, bad) = parse_lines::<T>(path, &line);
        if !bad.is_empty() || again != [record] {
            return Err(format!(
                "a record does not survive its encoding: {}",
                String::from_utf8_lossy(&line)
            ));
        }
    }
    Ok(())
}

/// A tree entry name passes only as exactly one plain component that stays inside its
/// directory on any system; a decoded tree lists each name once, in order, and follows only
/// names that pass.
fn check_tree_name(bytes: &[u8]) -> Result<(), String> {
    if trees::check_name(bytes).is_none() {
        let components: Vec<Component<'_>> =
            Path::new(OsStr::from_bytes(bytes)).components().collect();
        let plain =
            matches!(components.as_slice(), [Component::Normal(n)] if n.as_bytes() == bytes);
        let text = std::str::from_utf8(bytes).map_err(|_| "a name that is not UTF-8 passed")?;
        if !plain
            || text.contains('\\')
            || text.chars().any(char::is_control)
            || text
                .trim_end_matches(['.', ' '])
                .eq_ignore_ascii_case(".git")
        {
            return Err(format!("{bytes:?} passed the check"));
        }
    }
    // The same bytes as a tree object (a hostile one is any bytes at all).
    if let Listing::Entries(entries) = trees::decode(bytes, gix::hash::Kind::Sha1) {
        for pair in entries.windows(2) {
            if pair[0].0 >= pair[1].0 {
                return Err(format!("entries out of order or repeated: {entries:?}"));
            }
        }
        for (name, node) in &entries {
            if !matches!(node, Node::Bad(_)) && trees::check_name(name.as_bytes()).is_some() {
                return Err(format!("a bad name is followed: {name:?}"));
            }
        }
    }
    Ok(())
}

fn check(parser: usize, bytes: &[u8]) -> Result<(), String> {
    match parser {
        0 => check_toml::<Mission>(bytes),
        1 => check_toml::<Sprint>(bytes),
        2 => check_toml::<Session>(bytes),
        3 => check_toml::<Project>(bytes),
        4 => check_toml::<Format>(bytes),
        5 => check_lines::<Event>(bytes),
        6 => check_lines::<Item>(bytes),
        _ => check_tree_name(bytes),
    }
}

#[test]
fn the_samples_parse() {
    for (parser, sample) in SAMPLES.iter().enumerate() {
        check(parser, sample.as_bytes()).unwrap();
    }
    assert!(from_toml::<Mission>("m", MISSION.as_bytes()).is_ok());
    assert_eq!(parse_lines::<Item>("i", ITEMS.as_bytes()).0.len(), 2);
    assert_eq!(parse_lines::<Event>("e", EVENTS.as_bytes()).0.len(), 2);
}

/// Whatever the plain reader reads, the toml crate reads to the same table, and as a record to
/// the same record. Returns whether the reader read it.
fn check_plain(parser: usize, bytes: &[u8]) -> Result<bool, String> {
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) -> Result<bool, String> {
        let Some(fast) = plain_toml::from_str::<T>(text) else {
            return Ok(false);
        };
        match toml::from_str::<T>(text) {
            Ok(slow) if slow == fast => Ok(true),
            other => Err(format!("read as {fast:?}, the toml crate says {other:?}")),
        }
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(false);
    };
    let table = same::<toml::Table>(text)?;
    let record = match parser {
        0 => same::<Mission>(text)?,
        1 => same::<Sprint>(text)?,
        2 => same::<Session>(text)?,
        3 => same::<Project>(text)?,
        4 => same::<Format>(text)?,
        _ => table,
    };
    // A record the reader reads is a table it reads.
    match record && !table {
        true => Err("read as a record but not as a table".into()),
        false => Ok(table),
    }
}

/// Whole-line changes (a line repeated, dropped or moved) make the TOML-level mistakes that byte
/// edits rarely hit: keys and tables defined twice, keys under another header.
fn shuffle_lines(bytes: &[u8], moves: &[(usize, usize, u8)]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    for &(from, to, op) in moves {
        if lines.is_empty() {
            break;
        }
        let (from, to) = (from % lines.len(), to % lines.len());
        match op % 3 {
            0 => lines.insert(to, lines[from]),
            1 => {
                lines.remove(from);
            }
            _ => {
                let line = lines.remove(from);
                lines.insert(to.min(lines.len()), line);
            }
        }
    }
    lines.concat()
}

#[test]
fn fuzz_plain_toml() {
    let samples = [MISSION, SPRINT, SESSION, PROJECT, FORMAT, PLAIN];
    let strategy = (
        0..samples.len(),
        prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>()), 0..3),
        prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..4),
    )
        .prop_map(move |(parser, moves, edits)| {
            let lines = shuffle_lines(samples[parser].as_bytes(), &moves);
            (parser, mutate(&lines, &edits))
        });
    let mut read = 0u64;
    let report = fuzzing::run("plain toml", strategy, |(parser, bytes)| {
        read += u64::from(check_plain(*parser, bytes)?);
        Ok(())
    });
    // The comparison means something only if the reader reads a fair share of the inputs.
    assert!(
        read * 5 >= report.executions,
        "the plain reader read {read} of {} inputs",
        report.executions
    );
}

#[test]
fn fuzz_records() {
    let report = fuzzing::run("records", input(), |(parser, bytes)| check(*parser, bytes));
    assert!(report.executions > 0);
}
