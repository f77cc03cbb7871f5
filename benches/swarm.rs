//! A swarm of agents syncing through one remote at once, measured, then modelled where it
//! cannot be run. Full run: `cargo bench --bench swarm` (N = 20 agents, `CMOS_SWARM_AGENTS=50`
//! for the longer run; `CMOS_SWARM_TRANSPORTS=file,daemon,http` picks remotes;
//! `CMOS_BENCH_BINARY` names another cmos, e.g. an older build, to compare). Without
//! `--bench` (as `cargo test` runs it) a smoke version: 4 agents, one wave, every transport,
//! the same checks and figures, no timing asserted.
//!
//! Each transport gets a fresh swarm (see `tests/swarming`): every agent on its own clone
//! writes (adds, a start and a complete of its own mission, notes on shared missions, and with
//! one other agent a shared mission completed), then all run `cmos sync` at the same moment;
//! `waves` times. Then each clone syncs once more in turn and the swarm is checked: every
//! acknowledged write on the remote, one tree everywhere, no agent gave up. Reported: p50/p95
//! sync time, retries and backoff per sync.
//!
//! The model: a small discrete-event simulation of N clones syncing at once through one ref
//! that is a compare-and-swap, on C cores shared equally by the syncs that are working, fed
//! with one sync round's cost measured alone (`Swarm::calibrate`: the base, and what each
//! other clone's operations add to the merge) and following the library's own retry policy
//! (`ops::sync::Backoff`, `MAX_ROUNDS`). It is checked against the measured swarm and then
//! predicts 100 and 1,000 agents, with the backoff and without (the policy before).

#[path = "../tests/swarming/mod.rs"]
mod swarming;

use std::path::PathBuf;
use std::time::Duration;

use cmos::ops::sync::{Backoff, MAX_ROUNDS};
use swarming::{Config, Report, RoundCosts, Swarm, Transport, quantile};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let binary = std::env::var_os("CMOS_BENCH_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cmos")));
    let agents = std::env::var("CMOS_SWARM_AGENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if full { 20 } else { 4 });
    let (waves, adds) = if full { (2, 10) } else { (1, 2) };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    println!(
        "swarm benchmark{}: {}",
        if full { "" } else { " (smoke)" },
        binary.display()
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    println!(
        "{agents} agents, {waves} wave(s) of: {adds} adds, a start and a complete of one's own, \
         notes on 2 shared missions, a shared mission started and completed with one other \
         agent; then all sync at once. {cores} cores.\n"
    );
    let mut measured = Vec::new();
    for transport in transports() {
        if let Some(why) = transport.unavailable() {
            println!("{:<18} SKIPPED: {why}", transport.name());
            continue;
        }
        let config = Config {
            agents,
            waves,
            adds,
            transport,
            binary: binary.clone(),
        };
        eprintln!("{}: calibrating…", transport.name());
        let costs = Swarm::new(Config {
            agents: if full { 9 } else { 3 },
            ..config.clone()
        })
        .calibrate();
        eprintln!("{}: {agents} agents…", transport.name());
        let swarm = Swarm::new(config);
        let report = swarm.run();
        measured.push((transport, costs, report));
    }
    // Figures first: a failed check still shows what was measured.
    print_measured(&measured);
    let sizes: &[usize] = if full {
        &[20, 50, 100, 1_000]
    } else {
        &[4, 20]
    };
    for (transport, costs, report) in &measured {
        print_model(
            *transport,
            costs,
            report,
            agents,
            cores,
            sizes,
            if full { 10 } else { 3 },
        );
    }
    for (_, _, report) in &measured {
        check(report);
    }
}

/// Which remotes: `CMOS_SWARM_TRANSPORTS` (file, daemon, http), else all three.
fn transports() -> Vec<Transport> {
    let all = [Transport::File, Transport::Daemon, Transport::Http];
    match std::env::var("CMOS_SWARM_TRANSPORTS") {
        Ok(list) => all
            .into_iter()
            .filter(|t| {
                let key = match t {
                    Transport::File => "file",
                    Transport::Daemon => "daemon",
                    Transport::Http => "http",
                };
                list.split(',').any(|k| k.trim() == key)
            })
            .collect(),
        Err(_) => all.to_vec(),
    }
}

/// A swarm that lost a write or did not converge is a failure in either mode; a sync that
/// gave up is reported (the figures of an older cmos show it) and fails only this build.
fn check(report: &Report) {
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(
        report.failed_writes.is_empty(),
        "{:#?}",
        report.failed_writes
    );
    if std::env::var_os("CMOS_BENCH_BINARY").is_none() {
        assert!(report.gave_up.is_empty(), "{:#?}", report.gave_up);
    }
}

fn print_measured(measured: &[(Transport, RoundCosts, Report)]) {
    println!(
        "{:<18} {:>6} {:>7} {:>7} {:>7}   {:>17}   {:>8}   {:>7}   {:>9}  {:>7}",
        "remote",
        "syncs",
        "p50 s",
        "p95 s",
        "max s",
        "retries p50/p95/max",
        "wait p50",
        "gave up",
        "missions",
        "wall s"
    );
    for (transport, _, report) in measured {
        let secs = report.sync_secs();
        let retries = report.retries();
        println!(
            "{:<18} {:>6} {:>7.2} {:>7.2} {:>7.2}   {:>7}/{:>3}/{:>3}     {:>8.2}   {:>7}   {:>4}/{:<4}  {:>7.1}",
            transport.name(),
            secs.len(),
            quantile(&secs, 0.5),
            quantile(&secs, 0.95),
            quantile(&secs, 1.0),
            quantile(&retries, 0.5),
            quantile(&retries, 0.95),
            quantile(&retries, 1.0),
            quantile(&report.waited_secs(), 0.5),
            report.gave_up.len(),
            report.missions,
            report.expected_missions,
            report.wall_secs,
        );
        for why in report.gave_up.iter().take(3) {
            println!("    gave up: {why}");
        }
    }
}

fn print_model(
    transport: Transport,
    costs: &RoundCosts,
    report: &Report,
    agents: usize,
    cores: usize,
    sizes: &[usize],
    repetitions: u64,
) {
    println!(
        "\nmodel for {}: one round alone {:.3} s, +{:.4} s per other clone's sync merged in \
         (samples {:?}); {cores} cores shared by the syncs at work",
        transport.name(),
        costs.base_secs,
        costs.per_incoming_secs,
        costs
            .samples
            .iter()
            .map(|(n, s)| format!("{n}:{s:.3}"))
            .collect::<Vec<_>>()
    );
    let secs = report.sync_secs();
    let retries = report.retries();
    println!(
        "  measured {:>5} agents            p50 {:>7.2} s  p95 {:>7.2} s  retries p50 {} p95 {} max {}",
        agents,
        quantile(&secs, 0.5),
        quantile(&secs, 0.95),
        quantile(&retries, 0.5),
        quantile(&retries, 0.95),
        quantile(&retries, 1.0),
    );
    for &n in sizes {
        for backoff in [true, false] {
            let model = Model {
                agents: n,
                cores: cores as f64,
                base: costs.base_secs,
                per_incoming: costs.per_incoming_secs,
                backoff,
            };
            let runs: Vec<Simulated> = (0..repetitions).map(|seed| model.run(seed)).collect();
            let secs: Vec<f64> = runs.iter().flat_map(|r| r.secs.clone()).collect();
            let retries: Vec<f64> = runs.iter().flat_map(|r| r.retries.clone()).collect();
            let gave_up: usize = runs.iter().map(|r| r.gave_up).sum();
            println!(
                "  model    {n:>5} agents {:<10} p50 {:>7.2} s  p95 {:>7.2} s  retries p50 {} p95 {} max {}  gave up {:.1}%",
                if backoff { "backoff" } else { "no backoff" },
                quantile(&secs, 0.5),
                quantile(&secs, 0.95),
                quantile(&retries, 0.5),
                quantile(&retries, 0.95),
                quantile(&retries, 1.0),
                100.0 * gave_up as f64 / (n as f64 * repetitions as f64),
            );
        }
    }
}

/// N clones starting a sync at the same moment against one ref.
struct Model {
    agents: usize,
    cores: f64,
    /// Seconds of CPU one round takes (fetch, merge, push) with nothing to merge but one
    /// other clone's sync.
    base: f64,
    /// Seconds more per other clone's sync since this clone last fetched.
    per_incoming: f64,
    /// The library's backoff between lost rounds; false: straight into the next round, as
    /// cmos did before (with 20 rounds at most).
    backoff: bool,
}

/// What one simulated swarm gave: per clone that finished, its sync's seconds and retries.
struct Simulated {
    secs: Vec<f64>,
    retries: Vec<f64>,
    gave_up: usize,
}

#[derive(Clone, Copy)]
enum State {
    /// In a round: CPU work left, the ref's version its fetch saw, when the round began.
    Working {
        left: f64,
        saw: u64,
        began: f64,
    },
    Waiting {
        until: f64,
    },
    Done,
}

impl Model {
    fn run(&self, seed: u64) -> Simulated {
        let max_rounds = if self.backoff { MAX_ROUNDS } else { 20 };
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ (seed + 1).wrapping_mul(0x9e37_79b9));
        let n = self.agents;
        // Each clone has synced before the wave: the first round merges what others pushed
        // since (none yet, at t = 0) plus the one operation the base includes.
        let mut state = vec![
            State::Working {
                left: self.base,
                saw: 0,
                began: 0.0
            };
            n
        ];
        let mut rounds = vec![1u32; n];
        // The ref's version each clone's last fetch saw.
        let mut seen = vec![0u64; n];
        let mut version = 0u64;
        let mut now = 0.0f64;
        let mut out = Simulated {
            secs: Vec::new(),
            retries: Vec::new(),
            gave_up: 0,
        };
        loop {
            let working = state
                .iter()
                .filter(|s| matches!(s, State::Working { .. }))
                .count();
            let rate = if working == 0 {
                1.0
            } else {
                (self.cores / working as f64).min(1.0)
            };
            // The next event: a round's work done, or a wait over.
            let next = state
                .iter()
                .filter_map(|s| match *s {
                    State::Working { left, .. } => Some(now + left / rate),
                    State::Waiting { until } => Some(until),
                    State::Done => None,
                })
                .fold(f64::INFINITY, f64::min);
            if next.is_infinite() {
                return out;
            }
            let dt = next - now;
            now = next;
            for i in 0..n {
                match state[i] {
                    State::Working { left, saw, began } => {
                        let left = left - dt * rate;
                        if left > 1e-12 {
                            state[i] = State::Working { left, saw, began };
                            continue;
                        }
                        // The push: a compare-and-swap of the ref against what the fetch saw.
                        if version == saw {
                            version += 1;
                            out.secs.push(now);
                            out.retries.push(f64::from(rounds[i] - 1));
                            state[i] = State::Done;
                        } else if rounds[i] >= max_rounds {
                            out.gave_up += 1;
                            state[i] = State::Done;
                        } else {
                            let wait = if self.backoff {
                                let round = Duration::from_secs_f64(now - began);
                                Backoff::window(rounds[i], round).as_secs_f64() * rng.unit()
                            } else {
                                0.0
                            };
                            rounds[i] += 1;
                            state[i] = State::Waiting { until: now + wait };
                        }
                    }
                    State::Waiting { until } if until <= now => {
                        // A new round fetches the ref as it is and merges what came since
                        // its last fetch.
                        let incoming = (version - seen[i]) as f64;
                        seen[i] = version;
                        state[i] = State::Working {
                            left: self.base + self.per_incoming * incoming,
                            saw: version,
                            began: now,
                        };
                    }
                    _ => {}
                }
            }
        }
    }
}

/// xorshift64*: reproducible simulations without a dependency.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}
