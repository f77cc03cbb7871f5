//! Fuzz target: the two readers of the metrics log. `MetricShard::parse` reads shards any
//! collaborator can push: on lines that look like metrics (fields dropped, duplicated, of the
//! wrong type, escaped, with hostile ids and names) it keeps exactly the lines serde reads as
//! a `Metric` (and a write would accept), names every other non-blank line as a problem, and
//! never panics. `MetricShard::decode` reads the local cache, which anyone with access to the
//! repository can change: on valid encodings with bytes flipped, cut or inserted it either
//! refuses or gives a shard whose every metric can be read, and never panics.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_metrics -- --nocapture`

mod fuzzing;

use cmos::model::Metric;
use cmos::store::MetricShard;
use proptest::prelude::*;

/// Field values, good and bad, in their JSON form.
const VALUES: [&str; 16] = [
    r#""B1""#,
    r#""ps-1""#,
    r#""../x""#,
    r#""a\u001bb""#,
    r#""\u0042\"q\"""#,
    r#""""#,
    r#""2026-11-30T00:00:00Z""#,
    r#""2026-13-40T00:00:00Z""#,
    "3",
    "-1",
    "18446744073709551616",
    "1.5",
    "null",
    "[]",
    "{}",
    "true",
];

const FIELDS: [&str; 15] = [
    "uid",
    "at",
    "agent",
    "writer",
    "session",
    "session_type",
    "mission",
    "sprint",
    "tokens_in",
    "tokens_out",
    "latency_ms",
    "accepted",
    "defects",
    "model",
    "extra",
];

/// A metric line: a valid one with some fields replaced, dropped or repeated.
fn line() -> impl Strategy<Value = String> {
    let edit = (
        prop::sample::select(&FIELDS[..]),
        prop_oneof![Just(None), prop::sample::select(&VALUES[..]).prop_map(Some)],
    );
    prop::collection::vec(edit, 0..4).prop_map(|edits| {
        let mut fields: Vec<(&str, Option<&str>)> = vec![
            ("uid", Some(r#""u1""#)),
            ("at", Some(r#""2026-11-30T00:00:00Z""#)),
            ("agent", Some(r#""a""#)),
            ("writer", Some(r#""w""#)),
            ("mission", Some(r#""B1""#)),
            ("tokens_in", Some("3")),
        ];
        for (name, value) in edits {
            match fields.iter_mut().find(|(n, _)| *n == name) {
                Some(field) if field.1.is_some() && value.is_some() && name == "agent" => {
                    fields.push((name, value)) // a duplicate field
                }
                Some(field) => field.1 = value,
                None => fields.push((name, value)),
            }
        }
        let body: Vec<String> = fields
            .iter()
            .filter_map(|(n, v)| v.map(|v| format!(r#""{n}":{v}"#)))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}

/// A shard: metric lines, blank lines and noise.
fn shard() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => line().prop_map(String::into_bytes),
        1 => Just(b"   ".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|lines| lines.join(&b'\n'))
}

/// How to damage an encoding: flip, cut or insert bytes at positions given as fractions.
#[derive(Debug, Clone)]
enum Damage {
    Flip(f64, u8),
    Cut(f64),
    Insert(f64, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0, 1u8..=255).prop_map(|(at, mask)| Damage::Flip(at, mask)),
        (0.0..1.0).prop_map(Damage::Cut),
        (0.0..1.0, any::<u8>()).prop_map(|(at, b)| Damage::Insert(at, b)),
    ]
}

fn check_parse(bytes: &[u8]) -> Result<(), String> {
    let parsed = MetricShard::parse(bytes);
    let kept: Vec<Metric> = parsed.iter().map(|m| m.to_metric()).collect();
    let problems = parsed.problems_at("p").count();
    let lines: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    if kept.len() + problems != lines.len() {
        return Err(format!(
            "{} kept and {problems} problems for {} lines",
            kept.len(),
            lines.len()
        ));
    }
    // Every kept metric is what serde reads from some line, in order.
    let mut serde_reads = lines
        .iter()
        .filter_map(|l| serde_json::from_slice::<Metric>(l).ok());
    for metric in &kept {
        if !serde_reads.any(|m| &m == metric) {
            return Err(format!("kept {metric:?}, which serde does not read"));
        }
    }
    if MetricShard::decode(&parsed.encode().ok_or("no encoding")?).as_ref() != Some(&parsed) {
        return Err("the encoding does not read back".into());
    }
    Ok(())
}

fn check_decode(bytes: &[u8], damages: &[Damage]) -> Result<(), String> {
    let mut encoded = MetricShard::parse(bytes).encode().ok_or("no encoding")?;
    for d in damages {
        let at = |f: f64| ((encoded.len() as f64) * f) as usize;
        match *d {
            Damage::Flip(f, mask) if !encoded.is_empty() => {
                let i = at(f).min(encoded.len() - 1);
                encoded[i] ^= mask;
            }
            Damage::Flip(..) => {}
            Damage::Cut(f) => encoded.truncate(at(f)),
            Damage::Insert(f, b) => encoded.insert(at(f), b),
        }
    }
    if let Some(shard) = MetricShard::decode(&encoded) {
        let read = shard
            .iter()
            .map(|m| m.to_metric())
            .collect::<Vec<_>>()
            .len();
        let measured = shard.numbered().count();
        if read != shard.len() || measured != read {
            return Err(format!("{read} metrics read of {}", shard.len()));
        }
        let _ = shard.problems_at("p").count();
    }
    Ok(())
}

#[test]
fn fuzz_metrics() {
    let input = (shard(), prop::collection::vec(damage(), 0..4));
    let report = fuzzing::run("metrics", input, |(bytes, damages)| {
        check_parse(bytes)?;
        check_decode(bytes, damages)
    });
    assert!(report.executions > 0);
}
