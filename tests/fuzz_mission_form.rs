//! Fuzz target: the mission form behind `mission edit` (the user's edited file is outside
//! input). Two properties: a form rendered from any mission parses back to no change at all
//! (whatever quotes, backslashes, `'''`, newlines or control characters its text holds), and
//! any text, valid TOML or not, parses and diffs to a value or a clear invalid-input error,
//! never a panic.
//!
//! A long run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_mission_form -- --nocapture`.

mod fuzzing;

use cmos::error::Error;
use cmos::model::{Minutes, Mission, Status, Timestamp};
use cmos::ops::mission_form::{changes_anything, diff, parse, render};
use proptest::prelude::*;

/// Text with the characters that break naive TOML writers.
fn tricky() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z ]{1,5}",
            Just("'".to_string()),
            Just("'''".to_string()),
            Just("\"".to_string()),
            Just("\"\"\"".to_string()),
            Just("\\".to_string()),
            Just("\\n".to_string()),
            Just("\n".to_string()),
            Just("\t".to_string()),
            Just("\u{1b}[2J".to_string()),
            Just("\u{7f}".to_string()),
            Just("é—…".to_string()),
            Just("# not a comment".to_string()),
            Just("]".to_string()),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

/// A mission as a branch could hold it: the name one trimmed line, the rest anything.
fn mission() -> impl Strategy<Value = Mission> {
    (
        tricky(),
        prop::sample::select(Status::ALL.to_vec()),
        prop::option::of(tricky()),
        prop::option::of(any::<i64>()),
        prop::option::of(0..100_000u64),
        prop::option::of(tricky()),
        prop::collection::vec(tricky(), 0..4),
    )
        .prop_map(|(text, status, sprint, rank, estimate, notes, items)| {
            let now = Timestamp::now();
            let name = text.replace(['\n', '\t'], " ").trim().to_string();
            Mission {
                status,
                sprint: sprint
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                rank,
                estimate: estimate.map(Minutes),
                objective: Some(text.trim().to_string()).filter(|t| !t.is_empty()),
                success_criteria: items
                    .iter()
                    .map(|i| i.trim().to_string())
                    .filter(|i| !i.is_empty())
                    .collect(),
                notes: notes
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty()),
                ..Mission::new(
                    "B1",
                    "u",
                    if name.is_empty() { "n".into() } else { name },
                    now,
                )
            }
        })
}

#[test]
fn fuzz_mission_form_round_trips_unchanged() {
    fuzzing::run("mission_form_round_trip", mission(), |m| {
        let text = render(m);
        let form = parse(&text)
            .map_err(|e| format!("the rendered form does not parse: {e}\n{text}"))?
            .ok_or("the rendered form reads as empty")?;
        let update = diff(m, &form).map_err(|e| format!("diff refused: {e}\n{text}"))?;
        if changes_anything(&update) {
            return Err(format!("an unchanged form changes {update:?}\n{text}"));
        }
        Ok(())
    });
}

/// Lines of forms, valid and not, joined at random.
fn form_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("name = \"x\"\n".to_string()),
            Just("status = \"Queued\"\n".to_string()),
            Just("status = \"nope\"\n".to_string()),
            Just("rank = 9999999999999999999999\n".to_string()),
            Just("rank = \"1\"\n".to_string()),
            Just("estimate = \"2h\"\n".to_string()),
            Just("estimate = \"99999999999d\"\n".to_string()),
            Just("success_criteria = [\"a\", 1]\n".to_string()),
            Just("deliverables = [[[]]]\n".to_string()),
            Just("notes = '''\n".to_string()),
            Just("[table]\n".to_string()),
            Just("unknown = 1\n".to_string()),
            Just("name = { a = 1 }\n".to_string()),
            tricky(),
            "[ -~]{0,20}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

#[test]
fn fuzz_mission_form_answers_values_or_invalid_input() {
    let now = Timestamp::now();
    let base = Mission::new("B1", "u", "n", now);
    fuzzing::run("mission_form_text", form_text(), |text| {
        let result = parse(text).and_then(|form| match form {
            Some(form) => diff(&base, &form).map(|_| ()),
            None => Ok(()),
        });
        match result {
            Ok(()) | Err(Error::InvalidInput(_)) => Ok(()),
            Err(other) => Err(format!("not invalid_input: {other:?}")),
        }
    });
}
