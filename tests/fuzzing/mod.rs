//! A time-bounded fuzz loop for the parsers that read outside input, on stable Rust.
//!
//! Each target is a proptest strategy (random bytes, or structured input mutated into hostile
//! shapes) and a check that must hold for every input: the parser answers with a value or a
//! clear error, and never panics, hangs or grows without bound. Unlike `proptest!`, the loop
//! runs for a time budget rather than a case count, so CI spends a bounded few seconds per
//! target and a long run is one environment variable away:
//!
//! ```text
//! CMOS_FUZZ_SECONDS=600 cargo test --release --test fuzz_yaml -- --nocapture
//! ```
//!
//! `CMOS_FUZZ_SEED` (hex, up to 32 bytes) replays a run; CI uses a fixed seed so a failure is
//! reproducible, and a long run picks a fresh one and prints it. A failing input is shrunk with
//! proptest's value trees and printed with the seed.

#![allow(dead_code)]

use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Seconds per target when `CMOS_FUZZ_SECONDS` is not set: enough for thousands of inputs,
/// short enough that the suite stays quick on a 2-core machine.
const DEFAULT_SECONDS: f64 = 4.0;

/// The fixed seed CI runs with, so a failure there replays exactly.
const CI_SEED: [u8; 32] = *b"cmos-fuzz-ci-seed-2026-11-29-v1!";

/// What one target ran.
#[derive(Debug)]
pub struct Report {
    pub executions: u64,
    pub elapsed: Duration,
    pub seed: String,
}

/// Runs `check` on inputs from `strategy` until the time budget is spent. Panics (failing the
/// test) with the shrunk input and the seed when `check` returns an error or panics.
pub fn run<S>(
    name: &str,
    strategy: S,
    mut check: impl FnMut(&S::Value) -> Result<(), String>,
) -> Report
where
    S: Strategy,
    S::Value: Debug,
{
    let budget = budget();
    let (seed, seed_text) = seed();
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let started = Instant::now();
    let mut executions = 0u64;
    while started.elapsed() < budget {
        let mut tree = match strategy.new_tree(&mut runner) {
            Ok(tree) => tree,
            Err(reason) => panic!("fuzz {name}: the strategy cannot make inputs: {reason}"),
        };
        executions += 1;
        if let Err(first) = outcome(&mut check, &tree.current()) {
            let (input, message) = shrink(&mut check, &mut tree, first);
            panic!(
                "fuzz {name}: failed after {executions} executions (CMOS_FUZZ_SEED={seed_text}):\n\
                 {message}\ninput: {input:?}"
            );
        }
    }
    let report = Report {
        executions,
        elapsed: started.elapsed(),
        seed: seed_text,
    };
    eprintln!(
        "fuzz {name}: {} executions in {:.1} s (CMOS_FUZZ_SEED={}), no failure",
        report.executions,
        report.elapsed.as_secs_f64(),
        report.seed
    );
    report
}

/// The check's verdict on one input, a panic counting as a failure.
fn outcome<V>(check: &mut impl FnMut(&V) -> Result<(), String>, input: &V) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| check(input))) {
        Ok(result) => result,
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

/// The simplest input proptest can reach that still fails, with its failure.
fn shrink<T: ValueTree>(
    check: &mut impl FnMut(&T::Value) -> Result<(), String>,
    tree: &mut T,
    first: String,
) -> (T::Value, String) {
    let mut failing = (tree.current(), first);
    // Bounded, as a shrink of a pathological input could otherwise outlast the budget.
    for _ in 0..2_000 {
        if !tree.simplify() {
            break;
        }
        match outcome(check, &tree.current()) {
            Err(message) => failing = (tree.current(), message),
            Ok(()) => {
                if !tree.complicate() {
                    break;
                }
            }
        }
    }
    failing
}

fn budget() -> Duration {
    let seconds = std::env::var("CMOS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs_f64(seconds)
}

/// The seed to run with and its hex form: `CMOS_FUZZ_SEED`, else a fresh one for a long run
/// (`CMOS_FUZZ_SECONDS` set), else CI's fixed seed.
fn seed() -> ([u8; 32], String) {
    let mut seed = CI_SEED;
    if let Ok(text) = std::env::var("CMOS_FUZZ_SEED") {
        seed = [0; 32];
        let bytes: Vec<u8> = (0..text.len() / 2)
            .filter_map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        for (slot, byte) in seed.iter_mut().zip(bytes) {
            *slot = byte;
        }
    } else if std::env::var_os("CMOS_FUZZ_SECONDS").is_some() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        seed[..16].copy_from_slice(&nanos.to_le_bytes());
        seed[16..20].copy_from_slice(&std::process::id().to_le_bytes());
    }
    let text = seed.iter().map(|b| format!("{b:02x}")).collect();
    (seed, text)
}
