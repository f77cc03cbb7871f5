//! The reader against the toml crate: what it reads, it reads to the crate's value; what it
//! refuses, it leaves to the crate.

use super::from_str;
use crate::model::{Mission, Session, Status};

/// Read by this reader (not left to the crate) and to the crate's value.
#[track_caller]
fn same(text: &str) {
    let slow: toml::Table = toml::from_str(text).expect("the toml crate reads it");
    let fast: Option<toml::Table> = from_str(text);
    assert_eq!(fast.as_ref(), Some(&slow), "{text:?}");
}

#[track_caller]
fn refused(text: &str) {
    assert!(from_str::<toml::Table>(text).is_none(), "{text:?} was read");
}

const MISSION: &str = r#"id = "task-99080"
uid = "01k8zdr46yaft5ej9tn9gt7sj6"
name = "Task \"99080\" \u00e9\U0001F600"
status = "In Progress"
rank = -2
validation_score = 0.85
success_criteria = ["works", 'is "quoted"']
created_at = "2025-11-01T10:00:00Z"
updated_at = "2025-11-01T10:00:00Z"
fallback_triggered = true

[legacy]
body = """
## Description

Do "thing" ""99080""
"""
created_at = "2025-11-01 10:00"
raw = '''
C:\path\n'''

[[depends]]
on = "B1"
type = "requires"

[[transitions]]
at = "2025-11-01T10:00:00Z"
from = "Queued"
to = "In Progress"
by = "t"
"#;

#[test]
fn a_mission_file_reads_to_the_crates_value_and_record() {
    same(MISSION);
    let fast: Mission = from_str(MISSION).expect("plain");
    let slow: Mission = toml::from_str(MISSION).unwrap();
    assert_eq!(fast, slow);
    assert_eq!(fast.status, Status::InProgress);
    assert_eq!(fast.name, "Task \"99080\" é😀");
    assert!(fast.extra.contains_key("legacy"));
}

#[test]
fn what_cmos_writes_is_read_here_not_left_to_the_crate() {
    let mission: Mission = toml::from_str(MISSION).unwrap();
    let text = String::from_utf8(crate::format::codec::to_toml(&mission).unwrap()).unwrap();
    assert_eq!(from_str::<Mission>(&text), Some(mission));
    let session = r#"id = "ps-20261130-d68ka21j6d"
uid = "01m8mw6byy4f8bjvmabq4nzfnb"
type = "planning"
title = "Plan it"
status = "Active"
agent = "t"
summary = "line one\nline two\ttab"
started_at = "2026-11-30T00:03:07Z"

[[captures]]
at = "2026-11-30T00:03:07Z"
category = "decision"
text = "Use TOML"
by = "t"
"#;
    let slow: Session = toml::from_str(session).unwrap();
    assert_eq!(from_str::<Session>(session), Some(slow));
}

#[test]
fn edge_forms_read_as_the_crate_reads_them() {
    same("");
    same("\n\n# only a comment é\n");
    same("a = \"\"\nb = ''\nc = \"\"\"\"\"\"\nd = ''''''");
    same("n = -0\nm = 0\nx = -0.0\ny = 9223372036854775807\nz = -9223372036854775808");
    same("f = 3.141592653589793238462643383279\ng = 0.1\nh = 10.25");
    same("  indented = 1\t# tab before\nkeyed-with_dash09 = true\n1234 = false\ntrue = 1");
    same(
        "a = []\nb = [ ]\nc = [1, 2, ]\nd = [\n  \"x\", # one\n  'y',\n]\ne = [[1], [\"m\", 2.5]]",
    );
    same("t = {}\nu = { a = 1, b = [1, 2], c = { d = \"e\" } }");
    same("[[a]]\nx = 1\n[b]\ny = 2\n[[a]]\nx = 3\n");
    same("z = 1\ny = 2\nx = 3\n[w]\nc = 1\nb = 2\na = 3");
    same("s = \"\\b\\t\\n\\f\\r\\\"\\\\ \\u0041 \\U00010348\"");
    same("ml = \"\"\"a\"b\"\"c\"\"\"\nml2 = '''a'b''c'''\nlast = 1");
    same("no_newline_at_end = 'x'");
    same("s = \"\u{a0}\u{7ff}\u{800}\u{ffff}\u{10000}\"");
}

#[test]
fn forms_outside_plain_toml_are_left_to_the_crate() {
    for text in [
        "a.b = 1",
        "\"quoted\" = 1",
        "'literal' = 1",
        "at = 2026-11-24T09:30:00Z",
        "d = 2026-11-24",
        "t = 09:30:00",
        "n = +1",
        "n = 1_000",
        "n = 0x1f",
        "n = 0o17",
        "n = 0b1",
        "x = 1e5",
        "x = 1.5E-3",
        "x = inf",
        "x = nan",
        "x = -inf",
        "x = 1.",
        "x = .5",
        "n = 01",
        "x = 00.5",
        "n = -",
        "n = 9223372036854775808",
        "n = -9223372036854775809",
        "a = 1\r\n",
        "s = \"\\e\"",
        "s = \"\\x41\"",
        "s = \"\\u00\"",
        "s = \"\\uD800\"",
        "s = \"\\q\"",
        "s = \"\"\"a\\\n  b\"\"\"",
        "s = \"\"\"a\"\"\"\"",
        "s = '''a''''",
        "s = \"a\u{7f}\"",
        "s = \"a\u{1}\"",
        "s = \"a\u{85}\"",
        "s = 'a\u{9f}'",
        "# comment \u{7f}",
        "s = \"open",
        "s = \"two\nlines\"",
        "s = 'two\nlines'",
        "a = 1\na = 2",
        "[a]\n[a]",
        "a = 1\n[a]",
        "[a]\n[[a]]",
        "a = [1]\n[[a]]",
        "[ a ]",
        "[a.b]",
        "[]",
        "t = { a = 1, }",
        "t = { a = 1,\n b = 2 }",
        "t = {\n}",
        "t = { a = 1, a = 2 }",
        "a = [,]",
        "a = [1 2]",
        "a = [1",
        "b = truex",
        "b = True",
        "n = 12:30",
        "a = 1 b = 2",
        "a = 1 # ok\u{1}",
        "= 1",
        "a = ",
        "a",
        "\u{feff}a = 1",
    ] {
        refused(text);
    }
}

#[test]
fn large_or_deep_tables_are_left_to_the_crate() {
    let many: String = (0..=super::MAX_KEYS)
        .map(|i| format!("k{i} = {i}\n"))
        .collect();
    refused(&many);
    let fewer: String = (0..super::MAX_KEYS)
        .map(|i| format!("k{i} = {i}\n"))
        .collect();
    same(&fewer);
    let deep = format!("a = {}1{}", "[".repeat(20), "]".repeat(20));
    refused(&deep);
    let shallow = format!("a = {}1{}", "[".repeat(10), "]".repeat(10));
    same(&shallow);
}

#[test]
fn a_value_that_does_not_fit_the_record_is_left_to_the_crate() {
    // `status` must be a known name, and `rank` a number: the crate reports both, with where.
    let text = MISSION.replace("status = \"In Progress\"", "status = \"Sideways\"");
    assert_eq!(from_str::<Mission>(&text), None);
    let text = MISSION.replace("rank = -2", "rank = \"high\"");
    assert_eq!(from_str::<Mission>(&text), None);
    let error = crate::format::codec::from_toml::<Mission>("m.toml", text.as_bytes()).unwrap_err();
    assert_eq!(error.line, Some(5), "{error:?}");
}

/// The eight-at-a-time scan stops where the byte-by-byte rule stops: every byte value at
/// every place of runs up to 24 long, between and after bytes a string holds as it is.
#[test]
fn the_plain_ascii_run_stops_at_the_first_byte_a_string_does_not_hold_as_it_is() {
    let slow = |bytes: &[u8]| {
        bytes
            .iter()
            .take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
            .count()
    };
    for len in 0..24 {
        for place in 0..len {
            for byte in 0..=255u8 {
                // A second stop after the first must not hide it (borrows run upward).
                for (fill, after) in [b'a', b'~', b' ', b'!', b'#'].into_iter().flat_map(|fill| {
                    [None, Some(0xff), Some(0x00), Some(b'"')].map(|after| (fill, after))
                }) {
                    let mut bytes = vec![fill; len];
                    bytes[place] = byte;
                    if let (Some(after), true) = (after, place + 1 < len) {
                        bytes[place + 1] = after;
                    }
                    assert_eq!(super::plain_ascii_run(&bytes), slow(&bytes), "{bytes:?}");
                }
            }
        }
    }
}

/// Every ASCII byte inside a key: the bare-key bytes read as the crate reads them, and any
/// other is refused (a space, `=`, `.`, a quote, a comment or a control never makes a key).
#[test]
fn a_bare_key_holds_exactly_letters_digits_underscores_and_dashes() {
    for byte in 0u8..0x80 {
        let text = format!("k{}x = 1\n", char::from(byte));
        match byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            true => same(&text),
            false => refused(&text),
        }
    }
    refused("ké = 1\n");
}
