//! Fuzz target: the reader of `.cmos/context.toml`, the windows the context's condensation
//! leaves on the branch, which anyone with push access writes. Random TOML-ish text (sections,
//! keys, numbers out of range, strings, huge runs, control characters, invalid UTF-8) must
//! give windows within their bounds that render and read back the same, or a problem naming
//! the file, and never a panic.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_context_windows -- --nocapture`

mod fuzzing;

use cmos::ops::context_windows::{MAX_SPRINT_DETAIL, PATH, parse, render};
use proptest::prelude::*;

const PIECES: [&str; 26] = [
    "[windows]",
    "[condensed]",
    "[other]",
    "sprint_detail",
    "sessions",
    "at",
    "by",
    "target_tokens",
    " = ",
    "=",
    "\n",
    "3",
    "100",
    "101",
    "-1",
    "99999999999999999999",
    "1.5",
    "\"x\"",
    "\"2026-01-01T00:00:00Z\"",
    "true",
    "#",
    "[",
    "]",
    "\u{1b}",
    "é",
    "{ a = 1 }",
];

fn input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => prop::sample::select(&PIECES[..]).prop_map(|p| p.as_bytes().to_vec()),
        1 => (prop::sample::select(&PIECES[..]), 1..2000usize)
            .prop_map(|(p, n)| p.repeat(n).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

#[test]
fn fuzz_context_windows() {
    let report = fuzzing::run("context_windows", input(), |bytes| match parse(bytes) {
        Ok(file) => {
            if file
                .windows
                .sprint_detail
                .is_some_and(|n| n > MAX_SPRINT_DETAIL)
            {
                return Err(format!("out of bounds: {file:?}"));
            }
            match parse(render(&file).as_bytes()) {
                Ok(again) if again == file => Ok(()),
                other => Err(format!("{file:?} reads back as {other:?}")),
            }
        }
        Err(problem) if problem.path == PATH => Ok(()),
        Err(problem) => Err(format!("a problem naming another file: {problem}")),
    });
    println!("{report:?}");
}
