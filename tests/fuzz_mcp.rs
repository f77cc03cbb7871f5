//! Fuzz target: the MCP server's line reader and request parser, driven in-process through
//! `cmos::mcp::serve` over a real repository. Inputs are several lines each: random bytes,
//! invalid UTF-8, huge numbers, JSON nested far past serde_json's recursion limit, and valid
//! requests mutated (bytes flipped, cut, inserted; ids replaced). Every line must get exactly
//! one well-formed JSON-RPC answer, in order (none for a notification, a client's response or
//! a blank line), with the id echoed; `serve` never panics and reads on to the end.
//!
//! ```text
//! CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_mcp -- --nocapture
//! ```

mod common;
mod fuzzing;

use std::io::{BufReader, Cursor};

use cmos::mcp::reader::{Line, Lines};
use cmos::ops::Workspace;
use proptest::prelude::*;
use serde_json::Value;

/// Requests an agent sends, to be mutated; tools that only read, and one that writes.
const TEMPLATES: &[&str] = &[
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}}"#,
    r#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"cmos_mission_list","arguments":{"limit":5}}}"#,
    r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"cmos_mission_status","arguments":{}}}"#,
    r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"cmos_mission_show","arguments":{"missionId":"A1"}}}"#,
    r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"cmos_mission_add","arguments":{"missionId":"F1","name":"fuzz"}}}"#,
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    r#"{"jsonrpc":"2.0","id":7,"result":{}}"#,
];

/// Ids to put in a template: huge and odd numbers, strings with escapes, and wrong types.
const IDS: &[&str] = &[
    "123456789012345678901234567890",
    "-0.000000000000000000000001",
    "1e308",
    "1e400",
    "18446744073709551616",
    "\"\\u0000\\ud800\"",
    "null",
    "[1]",
    "{\"a\":1}",
    "true",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Id(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Flip(at, b)),
        (any::<usize>(), 0..20usize).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (
            any::<usize>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..8),
                Just(b"\xff\xfe".to_vec()),
                Just(b"\\u0000".to_vec()),
                Just(b",\"id\":9".to_vec()),
                Just(b"\r".to_vec()),
            ]
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (0..IDS.len()).prop_map(Mutation::Id),
    ]
}

fn mutate(template: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut line = template.as_bytes().to_vec();
    for m in mutations {
        let at = |at: usize, len: usize| at % (len + 1);
        match m {
            Mutation::Flip(i, b) if !line.is_empty() => {
                let i = i % line.len();
                line[i] ^= b;
            }
            Mutation::Flip(..) => {}
            Mutation::Delete(i, n) => {
                let start = at(*i, line.len());
                let end = (start + n).min(line.len());
                line.drain(start..end);
            }
            Mutation::Insert(i, bytes) => {
                let start = at(*i, line.len());
                line.splice(start..start, bytes.iter().copied());
            }
            Mutation::Id(k) => {
                let text = String::from_utf8_lossy(&line).into_owned();
                if let Some(start) = text.find("\"id\":") {
                    let rest = &text[start + 5..];
                    let end = rest.find([',', '}']).unwrap_or(rest.len());
                    line =
                        format!("{}{}{}", &text[..start + 5], IDS[*k], &rest[end..]).into_bytes();
                }
            }
        }
    }
    line
}

/// One line of input, without its newline (random bytes may hold newlines: then it is several).
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 0..120),
        5 => (0..TEMPLATES.len(), proptest::collection::vec(mutation(), 0..4))
            .prop_map(|(t, m)| mutate(TEMPLATES[t], &m)),
        1 => (1..3000usize, prop_oneof![Just(b'['), Just(b'{')]).prop_map(|(depth, open)| {
            // Nested inside params, and alone: past the recursion limit it must be an error.
            let (open, close): (&[u8], &[u8]) =
                if open == b'[' { (b"[", b"]") } else { (b"{\"a\":", b"}") };
            let mut line = br#"{"jsonrpc":"2.0","id":8,"method":"ping","params":{"x":"#.to_vec();
            line.extend(open.repeat(depth));
            line.extend(b"1");
            line.extend(close.repeat(depth));
            line.extend(b"}}");
            line
        }),
        1 => "[0-9]{20,400}".prop_map(|digits| {
            format!(r#"{{"jsonrpc":"2.0","id":{digits},"method":"ping","params":{{"n":{digits}.5e-99999}}}}"#)
                .into_bytes()
        }),
    ]
}

/// What the server owes a line: None when it is no message (blank) or one that gets no
/// answer (a notification, a client's response), else Some(id) when the id can be read.
fn owed(line: &[u8]) -> Option<Option<Value>> {
    let Ok(text) = std::str::from_utf8(line) else {
        return Some(None);
    };
    if text.trim().is_empty() {
        return None;
    }
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return Some(None);
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(None);
    }
    match (object.get("method"), object.get("id")) {
        (Some(Value::String(_)), None) => None,
        (None, _) if object.contains_key("result") || object.contains_key("error") => None,
        (_, Some(id)) if id.is_string() || id.is_number() => Some(Some(id.clone())),
        _ => Some(None),
    }
}

/// An answer is JSON-RPC 2.0: an object with an id and exactly one of result and error.
fn well_formed(answer: &Value) -> Result<(), String> {
    let object = answer.as_object().ok_or("an answer is not an object")?;
    if object.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(format!("no jsonrpc 2.0: {answer}"));
    }
    match object.get("id") {
        Some(Value::Null | Value::String(_) | Value::Number(_)) => {}
        _ => return Err(format!("bad id: {answer}")),
    }
    match (object.get("result"), object.get("error")) {
        (Some(_), None) => Ok(()),
        (None, Some(error)) if error["code"].is_i64() && error["message"].is_string() => Ok(()),
        _ => Err(format!("neither a result nor an error: {answer}")),
    }
}

#[test]
fn fuzz_mcp() {
    let repo = common::Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A1", "First"]);
    let ws = Workspace::open(&repo.path, Some("fuzz".into())).expect("open the workspace");
    let strategy = proptest::collection::vec(line(), 1..6);
    fuzzing::run("mcp", strategy, |lines| {
        let mut input = lines.join(&b'\n');
        input.push(b'\n');
        let mut output = Vec::new();
        cmos::mcp::serve(&ws, Cursor::new(&input), &mut output)
            .map_err(|e| format!("serve failed: {e}"))?;
        // The lines as the server sees them: split at newlines, a final CR dropped.
        let sent: Vec<&[u8]> = input[..input.len() - 1]
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .collect();
        let owed: Vec<Option<Value>> = sent.iter().filter_map(|l| owed(l)).collect();
        let answers: Vec<&[u8]> = output
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        if answers.len() != owed.len() {
            return Err(format!(
                "{} answers for {} lines that are owed one:\n{}",
                answers.len(),
                owed.len(),
                String::from_utf8_lossy(&output)
            ));
        }
        for (answer, id) in answers.iter().zip(&owed) {
            let answer: Value = serde_json::from_slice(answer)
                .map_err(|e| format!("an answer is not JSON ({e})"))?;
            well_formed(&answer)?;
            if let Some(id) = id
                && &answer["id"] != id
            {
                return Err(format!("the id {id} came back as {}", answer["id"]));
            }
        }
        // The reader alone, with a small limit: it splits the same lines and reports those
        // past the limit with their length.
        let mut reader = Lines::with_limit(BufReader::with_capacity(7, Cursor::new(&input)), 64);
        for expected in &sent {
            let got = reader.next_line().map_err(|e| e.to_string())?;
            let ok = match &got {
                Some(Line::TooLong { bytes }) => expected.len() > 64 || *bytes > 64,
                Some(Line::Text(text)) => text.as_bytes() == *expected,
                Some(Line::NotUtf8(bytes)) => bytes == expected,
                None => false,
            };
            if !ok {
                return Err(format!("the reader read {got:?} for {expected:?}"));
            }
        }
        match reader.next_line().map_err(|e| e.to_string())? {
            None => Ok(()),
            extra => Err(format!("the reader read past the input: {extra:?}")),
        }
    });
}
