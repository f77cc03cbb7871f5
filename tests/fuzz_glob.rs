//! Fuzz target: the `[kb] include` glob matcher, which reads patterns any collaborator can
//! push. Random patterns (runs of `*`, `**` segments, `?`, brackets balanced or not, control
//! characters, over-long ones) against random paths: the matcher answers (match, no match or
//! a refused pattern) quickly and never panics, and on small inputs it agrees with a plain
//! recursive reference that states the semantics directly.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_glob -- --nocapture`

mod fuzzing;

use std::time::{Duration, Instant};

use cmos::kb::glob::{Glob, GlobError, MAX_PATTERN_LEN};
use proptest::prelude::*;

/// The characters patterns and paths are made of: the special ones often, a few others.
const ALPHABET: [char; 12] = [
    'a', 'b', '*', '*', '?', '/', '[', ']', '.', 'é', '\\', '\u{1b}',
];

/// Text from `ALPHABET`, as single characters and as runs of one character (`****…`).
fn text(max_pieces: usize, max_run: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(&ALPHABET[..]).prop_map(|c| c.to_string()),
        1 => (prop::sample::select(&ALPHABET[..]), 1..max_run).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => prop::sample::select(&["**/", "*a", "a*", "/**", "[a-", "?."][..]).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..max_pieces).prop_map(|p| p.concat())
}

/// Small inputs, for the comparison with the reference, and large hostile ones.
fn input() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        2 => (text(8, 3), text(8, 3)),
        1 => (text(80, 300), text(60, 200)),
    ]
}

/// What `pattern` matches, written as directly as possible: exponential, so small inputs only.
fn reference(pattern: &str, path: &str) -> bool {
    fn segments(glob: &[&str], path: &[&str]) -> bool {
        match glob.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|skip| segments(rest, &path[skip..])),
            Some((name, rest)) => {
                !path.is_empty()
                    && name_matches(
                        &name.chars().collect::<Vec<_>>(),
                        &path[0].chars().collect::<Vec<_>>(),
                    )
                    && segments(rest, &path[1..])
            }
        }
    }
    fn name_matches(glob: &[char], name: &[char]) -> bool {
        match glob.split_first() {
            None => name.is_empty(),
            Some(('*', rest)) => (0..=name.len()).any(|skip| name_matches(rest, &name[skip..])),
            Some(('?', rest)) => !name.is_empty() && name_matches(rest, &name[1..]),
            Some((c, rest)) => name.first() == Some(c) && name_matches(rest, &name[1..]),
        }
    }
    let glob: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    segments(&glob, &path)
}

#[test]
fn fuzz_glob() {
    fuzzing::run("glob", input(), |(pattern, path)| {
        let started = Instant::now();
        let glob = match Glob::new(pattern) {
            Ok(glob) => glob,
            Err(GlobError::Empty) if pattern.is_empty() => return Ok(()),
            Err(GlobError::TooLong { len }) if len > MAX_PATTERN_LEN => return Ok(()),
            Err(GlobError::ControlCharacter) if pattern.chars().any(char::is_control) => {
                return Ok(());
            }
            Err(other) => return Err(format!("refused for a wrong reason: {other}")),
        };
        let matched = glob.matches(path);
        let took = started.elapsed();
        // Milliseconds at most for the largest inputs; a second leaves room for a loaded CI
        // machine and still catches anything exponential.
        if took > Duration::from_secs(1) {
            return Err(format!("matching took {took:?}"));
        }
        let stars = pattern.matches('*').count();
        if pattern.chars().count() <= 16 && path.chars().count() <= 16 && stars <= 6 {
            let expected = reference(pattern, path);
            if matched != expected {
                return Err(format!("matched {matched}, the reference says {expected}"));
            }
        }
        Ok(())
    });
}
