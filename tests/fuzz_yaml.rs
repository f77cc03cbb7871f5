//! Fuzz target: the YAML reader behind `import backlog` and `import backlog-md`. Whatever the
//! text (random characters, or YAML built from anchors, aliases, deep nesting, flow and block
//! collections, tags, block scalars and document markers), it answers with values or a clear
//! invalid-input error within a bounded time, and never panics or overflows its stack.
//!
//! A long run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_yaml -- --nocapture`.

mod fuzzing;

use std::time::{Duration, Instant};

use cmos::error::Error;
use cmos::migrate::yaml;
use proptest::prelude::*;

/// Longest one input may take. The bounds (depth, nodes, alias copies) make the worst case a
/// few tenths of a second in a debug build; a regression to unbounded expansion takes far
/// longer than this.
const LIMIT: Duration = Duration::from_secs(5);

/// A piece of YAML syntax, joined at random into documents that are sometimes valid.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..6u8).prop_map(|i| format!("&a{i} ")),
        (0..6u8).prop_map(|i| format!("*a{i}")),
        Just("- ".to_string()),
        Just("key: ".to_string()),
        "[a-z]{1,6}: ".prop_map(|k| k),
        Just("\n".to_string()),
        (0..8usize).prop_map(|n| format!("\n{}", " ".repeat(n))),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(", ".to_string()),
        Just("? ".to_string()),
        Just(": ".to_string()),
        Just("---\n".to_string()),
        Just("...\n".to_string()),
        Just("|\n  text\n".to_string()),
        Just(">-\n  folded\n".to_string()),
        Just("!!int ".to_string()),
        Just("!!float ".to_string()),
        Just("!!str ".to_string()),
        Just("!!bool ".to_string()),
        Just("!!null ".to_string()),
        Just("!custom ".to_string()),
        Just("%YAML 1.2\n".to_string()),
        Just("'quoted'".to_string()),
        Just("\"esc\\u00e9\\n\"".to_string()),
        Just("# comment\n".to_string()),
        "[ -~]{0,12}",
        prop_oneof![
            Just("0x1F"),
            Just("1e400"),
            Just("-.inf"),
            Just(".nan"),
            Just("~")
        ]
        .prop_map(String::from),
    ]
}

/// An alias bomb of random levels and width, in flow or block form.
fn bomb() -> impl Strategy<Value = String> {
    (1..14usize, 1..14usize, any::<bool>()).prop_map(|(levels, width, flow)| {
        let mut text = format!("a0: &a0 [{}]\n", vec!["x"; width].join(","));
        for i in 1..levels {
            let refs = vec![format!("*a{}", i - 1); width];
            if flow {
                text.push_str(&format!("a{i}: &a{i} [{}]\n", refs.join(",")));
            } else {
                text.push_str(&format!("a{i}: &a{i}\n"));
                for r in refs {
                    text.push_str(&format!("  - {r}\n"));
                }
            }
        }
        text
    })
}

/// Nesting of random depth, mixing block sequences, block maps and flow collections.
fn deep() -> impl Strategy<Value = String> {
    (1..3000usize, 0..4u8, any::<bool>()).prop_map(|(depth, shape, close)| match shape {
        0 => format!("{}x\n", "- ".repeat(depth)),
        1 => {
            let mut text = String::new();
            for i in 0..depth.min(400) {
                text.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
            }
            text
        }
        2 => format!(
            "{}1{}",
            "[".repeat(depth),
            if close {
                "]".repeat(depth)
            } else {
                String::new()
            }
        ),
        _ => format!(
            "{}a: 1{}",
            "{x: [".repeat(depth / 2),
            if close {
                "]}".repeat(depth / 2)
            } else {
                String::new()
            }
        ),
    })
}

fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        24 => prop::collection::vec(fragment(), 0..60).prop_map(|parts| parts.concat()),
        8 => any::<String>(),
        4 => prop::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        // Bombs are the slow inputs (each copies up to the alias bound before it is refused),
        // so they are rarer, leaving the time to the many cheap shapes.
        1 => bomb(),
        2 => deep(),
    ]
}

#[test]
fn fuzz_yaml_answers_values_or_invalid_input_in_bounded_time() {
    fuzzing::run("yaml", input(), |text| {
        let started = Instant::now();
        let parsed = yaml::parse(text, "fuzz.yaml");
        let took = started.elapsed();
        if took > LIMIT {
            return Err(format!("took {took:?}"));
        }
        match parsed {
            Ok(_) => Ok(()),
            Err(Error::InvalidInput(message)) => {
                let place = message
                    .split_once("line ")
                    .and_then(|(_, rest)| rest.split_once(", column "))
                    .and_then(|(line, rest)| {
                        let column = rest.split(':').next()?;
                        Some((line.parse::<usize>().ok()?, column.parse::<usize>().ok()?))
                    });
                if !matches!(place, Some((l, c)) if l >= 1 && c >= 1) {
                    return Err(format!("no line and column: {message}"));
                }
                if !message.starts_with("fuzz.yaml") || !message.ends_with("nothing was imported") {
                    return Err(format!("unclear message: {message}"));
                }
                Ok(())
            }
            Err(other) => Err(format!("not invalid_input: {other:?}")),
        }
    });
}
