//! A swarm of agents syncing through one remote at once (see `swarming`): N = 20 clones
//! (`CMOS_SWARM_AGENTS` for more), each writing on its own and on shared missions and then
//! running `cmos sync` at the same moment, through a `file://` remote, `git daemon` and
//! `git http-backend` on 127.0.0.1. Every acknowledged write must be on the remote afterwards,
//! every clone must hold the remote's tree, and no agent may give up.

mod swarming;

use std::path::PathBuf;

use swarming::{Config, Swarm, Transport, quantile};

fn agents() -> usize {
    std::env::var("CMOS_SWARM_AGENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}

/// The binary under test; `CMOS_SWARM_BINARY` names another (e.g. an older build, to show a
/// regression test fails there).
fn binary() -> PathBuf {
    std::env::var_os("CMOS_SWARM_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cmos")))
}

fn swarm_converges(transport: Transport) {
    if let Some(why) = transport.unavailable() {
        eprintln!("SKIPPED: {} is not available here: {why}", transport.name());
        return;
    }
    let config = Config {
        agents: agents(),
        waves: 1,
        adds: 3,
        transport,
        binary: binary(),
    };
    let swarm = Swarm::new(config.clone());
    let report = swarm.run();
    let secs = report.sync_secs();
    let retries = report.retries();
    eprintln!(
        "{} agents via {} ({}): {} writes; sync p50 {:.2} s, p95 {:.2} s, max {:.2} s; \
         retries p50 {}, p95 {}, max {}; {} of {} missions",
        config.agents,
        transport.name(),
        swarm.url(),
        report.writes,
        quantile(&secs, 0.5),
        quantile(&secs, 0.95),
        quantile(&secs, 1.0),
        quantile(&retries, 0.5),
        quantile(&retries, 0.95),
        quantile(&retries, 1.0),
        report.missions,
        report.expected_missions,
    );
    assert!(
        report.failed_writes.is_empty(),
        "writes failed: {:#?}",
        report.failed_writes
    );
    assert!(
        report.gave_up.is_empty(),
        "agents gave up syncing: {:#?}",
        report.gave_up
    );
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.samples.len(), config.agents * config.waves);
}

#[test]
fn twenty_agents_syncing_at_once_through_a_file_remote_converge_and_none_gives_up() {
    swarm_converges(Transport::File);
}

#[test]
fn twenty_agents_syncing_at_once_through_git_daemon_converge_and_none_gives_up() {
    swarm_converges(Transport::Daemon);
}

#[test]
fn twenty_agents_syncing_at_once_through_git_http_backend_converge_and_none_gives_up() {
    swarm_converges(Transport::Http);
}
