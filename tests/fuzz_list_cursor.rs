//! Fuzz target: the mission-list cursor (`mission list --after`, the MCP tool's `cursor`),
//! which an agent hands back as it got it, or altered, or made up. Cursors cmos gives (from
//! random mission summaries) must read back as themselves; cursors cut up and spliced with
//! hostile pieces (signs, leading zeros, numbers out of range, extra colons, control
//! characters, invalid ids, long runs) and random text must either read back as the very same
//! text (a cursor cmos could give) or be refused as invalid input, never panic.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_list_cursor -- --nocapture`

mod fuzzing;

use cmos::index::MissionEntry;
use cmos::model::Status;
use cmos::ops::mission::Cursor;
use proptest::prelude::*;

/// Ids as cmos accepts them, and now and then one it refuses.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[A-Za-z0-9][A-Za-z0-9._-]{0,12}[A-Za-z0-9]?",
        1 => "[A-Za-z0-9]{60,70}",
        1 => ".{0,6}",
    ]
}

/// A mission summary with what a cursor keeps of it.
fn entry() -> impl Strategy<Value = MissionEntry> {
    (
        0..Status::ALL.len(),
        any::<u128>(),
        prop::option::of(any::<i64>()),
        prop::option::of(id()),
        id(),
    )
        .prop_map(|(status, created, rank, sprint, id)| MissionEntry {
            id,
            created,
            name: String::new(),
            status: Status::ALL[status],
            sprint,
            rank,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        })
}

/// Pieces a hostile or careless client puts in a cursor.
const PIECES: &[&str] = &[
    ":",
    "::",
    "0",
    "00",
    "+",
    "-",
    "-0",
    "+1",
    "9",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    " ",
    "\t",
    "\n",
    "\u{1b}[2J",
    "\u{9b}",
    "\0",
    "..",
    ".",
    ".lock",
    "é",
    "B1",
    "S1",
    "task-9.a_b",
    "%3A",
    "\\",
    "/",
];

/// Text made of pieces and random characters.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(str::to_string),
        2 => ".{0,3}",
        1 => (prop::sample::select(PIECES), 1..200usize).prop_map(|(p, n)| p.repeat(n)),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

/// What is fed to the parser: a cursor cmos gave, one with a part replaced or a piece
/// spliced in, or hostile text.
#[derive(Debug, Clone)]
enum Input {
    Given(MissionEntry),
    Altered(MissionEntry, usize, String),
    Spliced(MissionEntry, usize, String),
    Text(String),
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        3 => entry().prop_map(Input::Given),
        3 => (entry(), 0..5usize, hostile()).prop_map(|(e, at, p)| Input::Altered(e, at, p)),
        2 => (entry(), any::<usize>(), hostile()).prop_map(|(e, at, p)| Input::Spliced(e, at, p)),
        2 => hostile().prop_map(Input::Text),
    ]
}

/// The text of an input, and whether cmos gave it.
fn text_of(input: &Input) -> (String, bool) {
    match input {
        Input::Given(entry) => (Cursor::of(entry).to_string(), true),
        Input::Altered(entry, at, piece) => {
            let given = Cursor::of(entry).to_string();
            let mut parts: Vec<&str> = given.splitn(5, ':').collect();
            parts[*at] = piece;
            (parts.join(":"), false)
        }
        Input::Spliced(entry, at, piece) => {
            let mut text = Cursor::of(entry).to_string();
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, piece);
            (text, false)
        }
        Input::Text(text) => (text.clone(), false),
    }
}

/// Whether an id is one a mission or sprint can have: the only ones cmos puts in a cursor.
fn valid(id: &str) -> bool {
    cmos::model::validate_id("mission", id).is_ok()
}

#[test]
fn fuzz_list_cursor() {
    fuzzing::run("list_cursor", input(), |input| {
        let (text, given) = text_of(input);
        let real_ids = match input {
            Input::Given(e) => valid(&e.id) && e.sprint.as_deref().is_none_or(valid),
            _ => true,
        };
        match text.parse::<Cursor>() {
            Ok(cursor) => {
                // Only ids a mission or sprint can have are read.
                let parts: Vec<&str> = text.splitn(5, ':').collect();
                if !valid(parts[4]) || !(parts[3].is_empty() || valid(parts[3])) {
                    return Err(format!("a cursor with an invalid id was read: {text:?}"));
                }
                if given && real_ids && cursor != Cursor::of(input_entry(input)) {
                    return Err(format!("{text:?} read back as another place: {cursor:?}"));
                }
                if cursor.to_string() != text {
                    return Err(format!(
                        "{text:?} was read but is not the text cmos gives for it ({cursor})"
                    ));
                }
                Ok(())
            }
            Err(error) => {
                if given && real_ids {
                    return Err(format!("a cursor cmos gave was refused: {text:?}: {error}"));
                }
                if error.code() != "invalid_input"
                    || !error.to_string().contains("not one cmos gave")
                {
                    return Err(format!("refused without a clear error: {error}"));
                }
                if error.to_string().len() > 1_000 {
                    return Err(format!("an error of {} bytes", error.to_string().len()));
                }
                Ok(())
            }
        }
    });
}

fn input_entry(input: &Input) -> &MissionEntry {
    match input {
        Input::Given(e) | Input::Altered(e, ..) | Input::Spliced(e, ..) => e,
        Input::Text(_) => unreachable!("only a given cursor is compared with its entry"),
    }
}
