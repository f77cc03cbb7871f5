//! Fuzz target: the reader of the checks configured in git config (`cmos.check.NAME.*`).
//! Git config is local, but it is still text a person or a tool wrote: random subsections,
//! keys and values (empty, implicit, huge, control characters, odd time limits and
//! patterns, many checks) must give checks within every bound or a clear error naming the
//! key, and never a panic.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_checks_config -- --nocapture`

mod fuzzing;

use cmos::ops::checks::config::{MAX_CHECKS, read};
use cmos::store::ConfigSection;
use proptest::prelude::*;

const PIECES: [&str; 24] = [
    "a",
    "z",
    "-",
    "_",
    ".",
    "/",
    "*",
    "**",
    "?",
    " ",
    "\t",
    "\n",
    "\u{1b}",
    "é",
    "0",
    "9",
    "s",
    "m",
    "h",
    "d",
    "src/",
    "/",
    "check.",
    "x\u{202e}",
];

fn text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::sample::select(&PIECES[..]).prop_map(str::to_string),
        1 => (prop::sample::select(&PIECES[..]), 1..3000usize).prop_map(|(p, n)| p.repeat(n)),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|p| p.concat())
}

fn section() -> impl Strategy<Value = ConfigSection> {
    let subsection = prop_oneof![
        4 => text(4).prop_map(|n| format!("check.{n}")),
        1 => prop::sample::select(&["check", "check.", "remote.x", ""][..]).prop_map(str::to_string),
        1 => text(6),
    ];
    let key = prop_oneof![
        6 => prop::sample::select(&["command", "paths", "timeout"][..]).prop_map(str::to_string),
        1 => text(3),
    ];
    let value = prop_oneof![
        8 => text(8).prop_map(Some),
        1 => Just(None),
    ];
    let entries = prop::collection::vec((key, value), 0..8);
    (subsection, entries).prop_map(|(subsection, entries)| ConfigSection {
        subsection,
        origin: Some(".git/config".into()),
        trusted: true,
        entries,
    })
}

#[test]
fn fuzz_checks_config() {
    let strategy = prop::collection::vec(section(), 0..40);
    let report = fuzzing::run("checks_config", strategy, |sections| match read(sections) {
        Ok(checks) => {
            if checks.len() > MAX_CHECKS {
                return Err(format!("{} checks", checks.len()));
            }
            for check in &checks {
                let ok_name = !check.name.is_empty()
                    && check
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                let ok_command = !check.command.trim().is_empty()
                    && check.command.len() <= 4096
                    && !check.command.chars().any(|c| c.is_control() && c != '\t');
                let ok_timeout = (1..=24 * 3600).contains(&check.timeout_secs);
                let ok_paths = check.paths.len() <= 64
                    && check.paths.len() == check.globs.len()
                    && check.paths.iter().all(|p| !p.starts_with('/'));
                if !(ok_name && ok_command && ok_timeout && ok_paths) {
                    return Err(format!("out of bounds: {check:?}"));
                }
            }
            Ok(())
        }
        Err(e) => {
            let text = e.to_string();
            if text.starts_with("git config cmos.") && text.contains(".git/config") {
                Ok(())
            } else {
                Err(format!("an error that names no key: {text}"))
            }
        }
    });
    println!("{report:?}");
}
