//! A swarm of agents sharing one remote: N clones of one project, each writing (adds, updates,
//! completes, on its own missions and on missions every agent shares) and then running
//! `cmos sync` all at the same moment, wave after wave, through one bare remote served as a
//! `file://` path, by `git daemon` on 127.0.0.1, or by `git http-backend` behind a local HTTP
//! server. Afterwards every clone syncs once more, one after the other, and the swarm is
//! checked: every acknowledged write (the command exited 0) is on the remote, every clone holds
//! the same tree as the remote, no sync gave up or went offline.
//!
//! Shared by `tests/swarm.rs` (the check, N = 20) and `benches/swarm.rs` (the figures), which
//! includes this file by path. Every process is hermetic (its own HOME, no user or system git
//! config) and lives under `TMPDIR`.

#![allow(dead_code)]

mod http;

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use http::Backend;

/// How the remote is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A bare repository named by a `file://` URL.
    File,
    /// `git daemon` on 127.0.0.1 with pushes enabled (`git://`).
    Daemon,
    /// `git http-backend` as CGI behind a small HTTP server of this harness on 127.0.0.1
    /// (`http://`), one thread per connection, as a web server would run it.
    Http,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::File => "file://",
            Transport::Daemon => "git daemon",
            Transport::Http => "git http-backend",
        }
    }

    /// Why this transport cannot run on this machine, if it cannot.
    pub fn unavailable(self) -> Option<String> {
        let probe = |program: &str, args: &[&str]| match Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
        {
            Ok(out) if out.status.success() => None,
            Ok(out) => Some(format!(
                "`{program} {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Some(format!("cannot run {program}: {e}")),
        };
        match self {
            Transport::File => None,
            Transport::Daemon => probe("git", &["daemon", "--help"]),
            Transport::Http => {
                let exec = exec_path();
                (!exec.join("git-http-backend").exists())
                    .then(|| format!("no git-http-backend in {}", exec.display()))
            }
        }
    }
}

/// The shape of a swarm.
#[derive(Debug, Clone)]
pub struct Config {
    pub agents: usize,
    /// Rounds of write-then-sync-at-once.
    pub waves: usize,
    /// Missions each agent adds per wave (it also starts and completes the first of them,
    /// updates two shared missions, and with one other agent completes a shared one).
    pub adds: usize,
    pub transport: Transport,
    /// The cmos binary every agent runs.
    pub binary: PathBuf,
}

/// One `cmos sync` an agent ran during a wave.
#[derive(Debug, Clone)]
pub struct SyncSample {
    pub agent: usize,
    pub wave: usize,
    pub secs: f64,
    /// Fetch-merge-push rounds after the first (from the reply's `retries`, else `rounds` - 1
    /// for a cmos that predates `retries`).
    pub retries: u32,
    /// Milliseconds the sync waited between rounds (0 from a cmos without backoff).
    pub waited_ms: u64,
    pub result: String,
}

/// What a swarm did and what went wrong.
#[derive(Debug, Default)]
pub struct Report {
    pub samples: Vec<SyncSample>,
    /// Syncs that failed or went offline, in the agent's words.
    pub gave_up: Vec<String>,
    /// Acknowledged writes (commands that exited 0).
    pub writes: usize,
    /// Writes that failed (none expected: each agent only moves what it may).
    pub failed_writes: Vec<String>,
    /// Missions on the remote at the end, and how many there should be.
    pub missions: usize,
    pub expected_missions: usize,
    /// Checks that failed after the final round: lost writes, diverging trees.
    pub problems: Vec<String>,
    /// Wall time of the whole run of waves (writes and syncs).
    pub wall_secs: f64,
}

impl Report {
    pub fn sync_secs(&self) -> Vec<f64> {
        self.samples.iter().map(|s| s.secs).collect()
    }

    pub fn retries(&self) -> Vec<f64> {
        self.samples.iter().map(|s| f64::from(s.retries)).collect()
    }

    pub fn waited_secs(&self) -> Vec<f64> {
        self.samples
            .iter()
            .map(|s| s.waited_ms as f64 / 1000.0)
            .collect()
    }
}

/// What one sync round costs with nobody else syncing, measured one agent at a time: the
/// figures the contention model in `benches/swarm.rs` is fed with.
#[derive(Debug, Clone)]
pub struct RoundCosts {
    /// Seconds of a sync that pushes one operation and merges one other clone's.
    pub base_secs: f64,
    /// Seconds more per other clone's sync the merge takes in (what a late clone of a large
    /// swarm fetches and merges).
    pub per_incoming_secs: f64,
    /// The samples: (other clones' syncs merged in, seconds).
    pub samples: Vec<(usize, f64)>,
}

/// The value at quantile `q` (0..=1) of `values`, nearest rank.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn exec_path() -> PathBuf {
    let out = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("run git --exec-path");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A server process killed (and reaped) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The swarm's directories and the hermetic environment every process runs in.
pub struct Swarm {
    tmp: TempDir,
    home: PathBuf,
    config: Config,
    /// The bare repository every clone shares.
    remote_dir: PathBuf,
    url: String,
    clones: Vec<PathBuf>,
    _server: Option<Server>,
    _http: Option<http::Running>,
}

/// The missions every agent may touch: the pair (2k, 2k+1) completes shared mission
/// `shared_id(wave * agents / 2 + k)` in each wave, and everyone updates notes anywhere.
fn shared_count(config: &Config) -> usize {
    config.waves * config.agents.div_ceil(2) + 4
}

pub fn shared_id(i: usize) -> String {
    format!("S{i:04}")
}

fn own_id(agent: usize, wave: usize, k: usize) -> String {
    format!("A{agent:03}-W{wave}-{k:02}")
}

impl Swarm {
    /// A project with the shared missions on a bare remote, served as `config.transport`
    /// says, and one clone per agent.
    pub fn new(config: Config) -> Swarm {
        let tmp = tempfile::tempdir().expect("a temporary directory for the swarm");
        let home = tmp.path().join("home");
        let served = tmp.path().join("served");
        let origin = tmp.path().join("origin");
        for dir in [&home, &served, &origin] {
            std::fs::create_dir_all(dir).expect("create the swarm's directories");
        }
        let remote_dir = served.join("remote.git");
        let mut swarm = Swarm {
            tmp,
            home,
            config,
            remote_dir,
            url: String::new(),
            clones: Vec::new(),
            _server: None,
            _http: None,
        };
        swarm.git(&origin, &["init", "-q", "-b", "main"]);
        std::fs::write(origin.join("README.md"), "swarm\n").expect("write a file");
        swarm.git(&origin, &["add", "README.md"]);
        swarm.git(&origin, &["commit", "-q", "-m", "first"]);
        swarm.ok(&origin, &["init", "--name", "swarm"]);
        for i in 0..shared_count(&swarm.config) {
            swarm.ok(&origin, &["mission", "add", &shared_id(i), "Shared work"]);
        }
        let bare = swarm.remote_dir.to_str().expect("a UTF-8 path").to_string();
        swarm.git(&served, &["init", "-q", "--bare", &bare]);
        // Anonymous pushes over smart HTTP (git daemon's are enabled by its flag).
        swarm.git(&swarm.remote_dir, &["config", "http.receivepack", "true"]);
        swarm.url = match swarm.config.transport {
            Transport::File => format!("file://{bare}"),
            Transport::Daemon => swarm.start_daemon(&served),
            Transport::Http => swarm.start_http(&served),
        };
        swarm.git(&origin, &["remote", "add", "origin", &swarm.url]);
        swarm.git(&origin, &["push", "-q", "origin", "main"]);
        let created = swarm.ok(&origin, &["sync"]);
        assert_eq!(created["result"], "created", "{created:#}");
        swarm.clones = (0..swarm.config.agents)
            .map(|a| {
                let dir = swarm.tmp.path().join(format!("agent{a:03}"));
                let target = dir.to_str().expect("a UTF-8 path");
                swarm.git(swarm.tmp.path(), &["clone", "-q", &swarm.url, target]);
                dir
            })
            .collect();
        swarm
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `git daemon` serving `served` on a free port of 127.0.0.1, pushes enabled.
    fn start_daemon(&mut self, served: &Path) -> String {
        let port = free_port();
        let child = self
            .command(Path::new("git"), served)
            .args([
                "daemon",
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
                // Unlimited, as a hosting site's fleet is: the default (32) would drop
                // the connections of a larger swarm, which is the server's limit, not ours.
                "--max-connections=0",
                "--informative-errors",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", served.display()))
            .arg(served)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        self._server = Some(wait_for_port(Server(child), port, "git daemon"));
        format!("git://127.0.0.1:{port}/remote.git")
    }

    /// `git http-backend` behind this harness's HTTP server on a free port of 127.0.0.1.
    fn start_http(&mut self, served: &Path) -> String {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
        let port = listener.local_addr().expect("the bound address").port();
        let backend = Backend {
            program: exec_path().join("git-http-backend"),
            root: served.to_path_buf(),
            home: self.home.clone(),
        };
        self._http = Some(http::serve(listener, backend));
        format!("http://127.0.0.1:{port}/remote.git")
    }

    /// Syncs one agent at a time, nobody racing: every agent but the first adds a mission
    /// and syncs (merging the one before it), then the first adds one and syncs, merging all
    /// the others at once. The swarm is not run afterwards; its checks would not count these.
    pub fn calibrate(&self) -> RoundCosts {
        let mut samples = Vec::new();
        let mut timed_sync = |a: usize, incoming: usize| {
            let dir = &self.clones[a];
            let id = format!("C{a:03}");
            self.ok(dir, &["mission", "add", &id, "Calibration"]);
            let began = Instant::now();
            let data = sync_reply(&self.cmos(dir, "calibrate", &["--json", "sync"]))
                .unwrap_or_else(|why| panic!("a calibration sync failed: {why}"));
            let secs = began.elapsed().as_secs_f64();
            assert_eq!(retries_of(&data), 0, "nobody else was syncing: {data:#}");
            samples.push((incoming, secs));
        };
        let others = self.clones.len() - 1;
        for a in 1..=others {
            timed_sync(a, usize::from(a > 1));
        }
        timed_sync(0, others);
        let singles: Vec<f64> = samples[1..others].iter().map(|s| s.1).collect();
        let base_secs = quantile(&singles, 0.5);
        let last = samples.last().expect("a sample").1;
        let per_incoming_secs = ((last - base_secs) / (others.max(2) - 1) as f64).max(0.0);
        RoundCosts {
            base_secs,
            per_incoming_secs,
            samples,
        }
    }

    /// Every wave: each agent writes, all wait for each other, then all sync at once. Then
    /// the final round and the checks.
    pub fn run(&self) -> Report {
        let agents = self.config.agents;
        let start = Instant::now();
        let barrier = Arc::new(Barrier::new(agents));
        let results: Vec<AgentLog> = thread::scope(|scope| {
            let handles: Vec<_> = (0..agents)
                .map(|a| {
                    let barrier = Arc::clone(&barrier);
                    scope.spawn(move || self.agent(a, &barrier))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an agent's thread"))
                .collect()
        });
        let wall_secs = start.elapsed().as_secs_f64();
        let mut report = Report {
            wall_secs,
            ..Report::default()
        };
        let mut acknowledged = Vec::new();
        for log in results {
            report.samples.extend(log.samples);
            report.gave_up.extend(log.gave_up);
            report.failed_writes.extend(log.failed_writes);
            report.writes += log.commits.len();
            acknowledged.extend(log.commits);
        }
        self.final_round(&mut report);
        self.check(&mut report, &acknowledged);
        report
    }

    /// One agent: per wave, its writes, then the barrier, then one timed `cmos sync`.
    fn agent(&self, a: usize, barrier: &Barrier) -> AgentLog {
        let dir = &self.clones[a];
        let agent = format!("agent-{a}");
        let mut log = AgentLog::default();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (a as u64 + 1).wrapping_mul(0x85eb_ca6b));
        let shared = shared_count(&self.config);
        for wave in 0..self.config.waves {
            let mut write = |args: &[&str]| {
                let out = self.cmos(dir, &agent, args);
                if out.status.success() {
                    let tip = self.git(dir, &["rev-parse", "refs/heads/cmos"]);
                    log.commits
                        .push((format!("agent {a}: cmos {}", args.join(" ")), tip));
                } else {
                    log.failed_writes.push(format!(
                        "agent {a}: cmos {}: {}",
                        args.join(" "),
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
            };
            for k in 0..self.config.adds {
                let name = format!("Agent {a} wave {wave} item {k}");
                write(&["mission", "add", &own_id(a, wave, k), &name]);
            }
            if self.config.adds > 0 {
                let first = own_id(a, wave, 0);
                write(&["mission", "start", &first]);
                write(&["mission", "complete", &first, "--no-promote"]);
            }
            for _ in 0..2 {
                let id = shared_id(rng.below(shared));
                let notes = format!("agent {a} in wave {wave}");
                write(&["mission", "update", &id, "--notes", &notes]);
            }
            let pair = shared_id(wave * agents_half(self.config.agents) + a / 2);
            write(&["mission", "start", &pair]);
            write(&["mission", "complete", &pair, "--no-promote"]);

            barrier.wait();
            let began = Instant::now();
            let out = self.cmos(dir, &agent, &["--json", "sync"]);
            let secs = began.elapsed().as_secs_f64();
            match sync_reply(&out) {
                Ok(data) if data["offline"] == true => log.gave_up.push(format!(
                    "agent {a}, wave {wave}: offline: {}",
                    data["offline_reason"]
                )),
                Ok(data) => log.samples.push(SyncSample {
                    agent: a,
                    wave,
                    secs,
                    retries: retries_of(&data),
                    waited_ms: data["waited_ms"].as_u64().unwrap_or(0),
                    result: data["result"].as_str().unwrap_or("").to_string(),
                }),
                Err(why) => log.gave_up.push(format!("agent {a}, wave {wave}: {why}")),
            }
            barrier.wait();
        }
        log
    }

    /// Every clone syncs once, one after the other (the last holds everything), then once
    /// more (each catches up to it): all must then hold one tree.
    fn final_round(&self, report: &mut Report) {
        for pass in 0..2 {
            for (a, dir) in self.clones.iter().enumerate() {
                let out = self.cmos(dir, "final", &["--json", "sync"]);
                match sync_reply(&out) {
                    Ok(data) if data["offline"] == true => report
                        .problems
                        .push(format!("final round {pass}, agent {a}: offline")),
                    Ok(data) => {
                        let result = data["result"].as_str().unwrap_or("");
                        if pass == 1 && !["up-to-date", "fast-forwarded"].contains(&result) {
                            report.problems.push(format!(
                                "agent {a} still had something to {result} in the second final pass"
                            ));
                        }
                    }
                    Err(why) => report
                        .problems
                        .push(format!("final round {pass}, agent {a}: {why}")),
                }
            }
        }
    }

    /// Every acknowledged write's commit is in the remote's history, every clone holds the
    /// remote's tree, and the remote holds every mission with the state its agent left it in.
    fn check(&self, report: &mut Report, acknowledged: &[(String, String)]) {
        let remote = &self.remote_dir;
        let history: HashSet<String> = self
            .git(remote, &["rev-list", "refs/heads/cmos"])
            .lines()
            .map(str::to_string)
            .collect();
        for (what, commit) in acknowledged {
            if !history.contains(commit) {
                report
                    .problems
                    .push(format!("{what} (commit {commit}) is not on the remote"));
            }
        }
        let tree = self.git(remote, &["rev-parse", "refs/heads/cmos^{tree}"]);
        for (a, dir) in self.clones.iter().enumerate() {
            let theirs = self.git(dir, &["rev-parse", "refs/heads/cmos^{tree}"]);
            if theirs != tree {
                report
                    .problems
                    .push(format!("agent {a} holds tree {theirs}, the remote {tree}"));
            }
        }
        let Some(first) = self.clones.first() else {
            return;
        };
        // A limit far above the swarm's size: the whole list, whatever page a default shows.
        let listed = self.ok(first, &["mission", "list", "--limit", "1000000"]);
        let missions = listed.as_array().cloned().unwrap_or_default();
        let status = |id: &str| {
            missions
                .iter()
                .find(|m| m["id"] == id)
                .map(|m| m["status"].as_str().unwrap_or("").to_string())
        };
        report.missions = missions.len();
        report.expected_missions =
            shared_count(&self.config) + self.config.agents * self.config.waves * self.config.adds;
        if report.missions != report.expected_missions {
            report.problems.push(format!(
                "the remote holds {} missions, not {}",
                report.missions, report.expected_missions
            ));
        }
        let agents = self.config.agents;
        for wave in 0..self.config.waves {
            for a in 0..agents {
                for k in 0..self.config.adds {
                    let id = own_id(a, wave, k);
                    let want = if k == 0 { "Completed" } else { "Queued" };
                    match status(&id) {
                        Some(s) if s == want => {}
                        other => report
                            .problems
                            .push(format!("{id}: status {other:?}, expected {want}")),
                    }
                }
                let pair = shared_id(wave * agents_half(agents) + a / 2);
                if status(&pair).as_deref() != Some("Completed") {
                    report.problems.push(format!(
                        "{pair}: status {:?}, expected Completed",
                        status(&pair)
                    ));
                }
            }
        }
    }

    /// `cmos --agent AGENT ARGS` in `dir`.
    fn cmos(&self, dir: &Path, agent: &str, args: &[&str]) -> Output {
        self.command(&self.config.binary, dir)
            .arg("--agent")
            .arg(agent)
            .args(args)
            .output()
            .expect("run cmos")
    }

    /// `cmos --json ARGS` in `dir`, which must succeed; its envelope's data.
    fn ok(&self, dir: &Path, args: &[&str]) -> Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.cmos(dir, "setup", &full);
        let envelope: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "cmos {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
        envelope["data"].clone()
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self
            .command(Path::new("git"), dir)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A process in `dir` with a fixed identity and no user or system git config.
    fn command(&self, program: &Path, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .stdin(Stdio::null())
            .env("HOME", &self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Swarm")
            .env("GIT_AUTHOR_EMAIL", "swarm@example.com")
            .env("GIT_COMMITTER_NAME", "Swarm")
            .env("GIT_COMMITTER_EMAIL", "swarm@example.com")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("CMOS_AGENT")
            .env_remove("CMOS_JSON")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        cmd
    }
}

fn agents_half(agents: usize) -> usize {
    agents.div_ceil(2)
}

#[derive(Default)]
struct AgentLog {
    samples: Vec<SyncSample>,
    gave_up: Vec<String>,
    failed_writes: Vec<String>,
    /// (what, the branch's tip right after it) for every acknowledged write.
    commits: Vec<(String, String)>,
}

/// The data of a sync's envelope, or why it failed (its error, in its words).
fn sync_reply(out: &Output) -> Result<Value, String> {
    let envelope: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    if envelope["ok"] == true && out.status.success() {
        Ok(envelope["data"].clone())
    } else {
        Err(format!("{}", envelope["error"]))
    }
}

fn retries_of(data: &Value) -> u32 {
    let n = |v: &Value| v.as_u64().map(|n| n as u32);
    n(&data["retries"])
        .or_else(|| n(&data["rounds"]).map(|r| r.saturating_sub(1)))
        .unwrap_or(0)
}

/// A port on 127.0.0.1 nothing listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    listener.local_addr().expect("the bound address").port()
}

/// Waits until `server` accepts connections on `port`.
fn wait_for_port(mut server: Server, port: u16, what: &str) -> Server {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return server;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("{what} exited ({status}) before listening on port {port}");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on port {port} within 20 s"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// xorshift64*: reproducible choices without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}
