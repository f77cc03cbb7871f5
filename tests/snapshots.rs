//! Snapshots of what people and agents read, on one fixed scenario: the human output of every
//! command, every `--json` envelope, the error of every error code, and the `--help` of every
//! command (the CLI reference). The snapshots live in `tests/snapshots/*.snap`, one transcript
//! per file, read top to bottom like a session at a terminal.
//!
//! Output is the same on every run: each process this test starts gets its own fixed time
//! and id seed (`CMOS_TEST_NOW`, `CMOS_TEST_SEED`, test only, read in `model::time` and
//! `model::id`), git commits get fixed dates, and temporary paths print as `[TMP]`.
//!
//! When output changes on purpose, accept the new snapshots and review the diff in git:
//!
//! ```text
//! INSTA_UPDATE=always cargo test --test snapshots
//! git diff tests/snapshots/
//! ```
//!
//! (Without it, a changed snapshot fails the test and its new text is left beside the old as
//! `tests/snapshots/*.snap.new`; `cargo insta review` walks through those where cargo-insta
//! is installed.)

mod common;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::hermetic;

/// A temporary project whose every process runs at its own fixed moment with its own seed.
struct World {
    tmp: tempfile::TempDir,
    home: PathBuf,
    repo: PathBuf,
    /// How many processes this world has started: the n-th runs at minute n of the scenario
    /// and seeds its ids with n.
    clock: Cell<u32>,
}

impl World {
    /// A repository with one commit of README.md, made at the scenario's first minute.
    fn new() -> World {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let home = tmp.path().join("home");
        let repo = tmp.path().join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        let world = World {
            tmp,
            home,
            repo,
            clock: Cell::new(0),
        };
        world.git(&["init", "-q", "-b", "main"]);
        std::fs::write(world.repo.join("README.md"), "hello\n").unwrap();
        world.git(&["add", "README.md"]);
        world.git(&["commit", "-q", "-m", "first"]);
        world
    }

    /// `program` in the repository with the hermetic environment, the next moment and seed,
    /// and the cmos binary first on PATH (the hook shims find it there).
    fn command(&self, program: &str) -> Command {
        let n = self.clock.get();
        self.clock.set(n + 1);
        let now = format!("2026-11-24T{:02}:{:02}:00Z", 9 + n / 60, n % 60);
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(program);
        hermetic(&mut cmd, &self.home)
            .env("CMOS_TEST_NOW", &now)
            .env("CMOS_TEST_SEED", n.to_string())
            .env("GIT_AUTHOR_DATE", &now)
            .env("GIT_COMMITTER_DATE", &now)
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env_remove("EDITOR")
            .env_remove("VISUAL")
            .current_dir(&self.repo);
        cmd
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes `content` to `path` in the working tree and commits it with `message`, through
    /// the hooks when they are installed.
    fn commit(&self, path: &str, content: &str, message: &str) {
        let file = self.repo.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
        self.git(&["add", path]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Runs `cmos ARGS` (after `--json` when `json`) and returns its transcript entry.
    fn cmos(&self, json: bool, args: &[&str]) -> String {
        self.cmos_with(json, args, None)
    }

    fn cmos_with(&self, json: bool, args: &[&str], stdin: Option<&str>) -> String {
        use std::io::Write;
        let mut cmd = self.command(env!("CARGO_BIN_EXE_cmos"));
        if json {
            cmd.arg("--json");
        }
        cmd.args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("run cmos");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .unwrap();
        drop(input);
        let out = child.wait_with_output().expect("wait for cmos");
        let mut entry = format!(
            "$ cmos {}{}\n",
            if json { "--json " } else { "" },
            shell(args)
        );
        entry.push_str(&String::from_utf8_lossy(&out.stdout));
        if !out.stderr.is_empty() {
            entry.push_str("--- stderr\n");
            entry.push_str(&String::from_utf8_lossy(&out.stderr));
        }
        let code = out.status.code().unwrap_or(-1);
        if code != 0 {
            entry.push_str(&format!("--- exit {code}\n"));
        }
        entry.push('\n');
        self.normalise(&entry)
    }

    /// Temporary paths as `[TMP]`, the binary's directory as `[BIN]`.
    fn normalise(&self, text: &str) -> String {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
        let tmp = self.tmp.path().to_string_lossy().into_owned();
        let tmp_real = std::fs::canonicalize(self.tmp.path())
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| tmp.clone());
        let text = text
            .replace(&tmp_real, "[TMP]")
            .replace(&tmp, "[TMP]")
            .replace(
                &bin.parent().unwrap().to_string_lossy().into_owned(),
                "[BIN]",
            );
        mask_elapsed(&text)
    }

    /// The id of the `n`-th record `cmos --json ARGS` lists.
    fn id_of(&self, args: &[&str], n: usize) -> String {
        let mut cmd = self.command(env!("CARGO_BIN_EXE_cmos"));
        let out = cmd.arg("--json").args(args).output().expect("run cmos");
        let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).expect("an envelope");
        envelope["data"][n]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("cmos {args:?} lists no record {n}: {envelope:#}"))
            .to_string()
    }

    fn path(&self, name: &str) -> String {
        self.tmp.path().join(name).to_string_lossy().into_owned()
    }
}

/// Wall-clock durations a command measures itself (`in 14 ms`, `"milliseconds": 14`) as
/// `[N]`.
fn mask_elapsed(text: &str) -> String {
    let masked = mask_number(text, "in ", " ms");
    mask_number(&masked, "\"milliseconds\": ", "")
}

/// Every number between `before` and `after` in `text` as `[N]`.
fn mask_number(text: &str, before: &str, after: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(before) {
        let (head, tail) = rest.split_at(at + before.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && tail[digits..].starts_with(after) {
            out.push_str("[N]");
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Arguments as a shell would need them typed.
fn shell(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@~".contains(c))
            {
                a.to_string()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The commands the scenario runs, as `cmos` words before the first option or value.
fn command_words(args: &[&str], leaves: &BTreeSet<String>) -> Option<String> {
    (1..=args.len())
        .rev()
        .map(|n| args[..n].join(" "))
        .find(|words| leaves.contains(words))
}

/// The fixed scenario: a project with sprints, missions through their lifecycle, a session
/// with captures and a commit the hooks log, every kind of knowledge, review, export and a
/// sync. Returns the transcript (with `--json` on every command when `json`) and the
/// commands run.
fn scenario(json: bool) -> (String, Vec<Vec<String>>) {
    let w = World::new();
    let mut out = String::new();
    let mut ran: Vec<Vec<String>> = Vec::new();
    let mut run = |w: &World, args: &[&str]| {
        out.push_str(&w.cmos(json, args));
        ran.push(args.iter().map(|a| a.to_string()).collect());
    };
    let docs = w.repo.join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(
        docs.join("design.md"),
        "# Design\n\n## Storage\n\nState lives on the cmos branch as TOML files.\n",
    )
    .unwrap();
    let remote = w.path("remote.git");
    w.git(&["init", "-q", "--bare", &remote]);
    w.git(&["remote", "add", "origin", &remote]);

    run(&w, &["status"]);
    run(
        &w,
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "First sprint",
        ],
    );
    run(&w, &["status"]);
    run(&w, &["sprint", "add", "S2", "--title", "Second sprint"]);
    run(&w, &["sprint", "list"]);
    run(&w, &["sprint", "update", "S2", "--title", "Polish"]);
    run(
        &w,
        &[
            "mission",
            "add",
            "B1",
            "Parse the config",
            "--objective",
            "Read the config once.",
        ],
    );
    run(
        &w,
        &["mission", "add", "B2", "Cache the index", "--sprint", "S1"],
    );
    run(&w, &["mission", "add", "B3", "Write the docs"]);
    run(&w, &["mission", "depends", "B1", "B2"]);
    run(&w, &["mission", "list"]);
    run(&w, &["mission", "next"]);
    run(&w, &["hook", "install"]);
    run(&w, &["hook", "status"]);
    run(&w, &["mission", "start", "B1"]);
    run(
        &w,
        &[
            "session",
            "start",
            "--type",
            "build",
            "--title",
            "Config parser",
            "--mission",
            "B1",
        ],
    );
    run(
        &w,
        &[
            "session",
            "capture",
            "learning",
            "The config may be missing",
        ],
    );
    run(
        &w,
        &[
            "decision",
            "add",
            "Use TOML for config",
            "--rationale",
            "The branch uses it",
        ],
    );
    run(
        &w,
        &[
            "fact",
            "add",
            "--kind",
            "build",
            "The config lives in .cmos/config.toml",
        ],
    );
    run(
        &w,
        &["learning", "add", "git hooks run with a minimal PATH"],
    );
    run(&w, &["constraint", "add", "No network in tests"]);
    run(&w, &["next-step", "add", "Handle a missing config file"]);
    run(&w, &["next-step", "add", "Document the config keys"]);
    run(&w, &["next-step", "add", "Try a YAML config"]);
    w.commit(
        "src/config.rs",
        "pub fn parse() {}\n",
        "Parse the config\n\nWith toml.",
    );
    let id = |kind: &str, n: usize| w.id_of(&[kind, "list"], n);
    let (decision, fact, learning, constraint) = (
        id("decision", 0),
        id("fact", 0),
        id("learning", 0),
        id("constraint", 0),
    );
    let steps: Vec<String> = (0..3).map(|n| id("next-step", n)).collect();
    let session = w.id_of(&["session", "list"], 0);

    run(&w, &["mission", "show", "B1"]);
    run(&w, &["session", "show", &session]);
    run(&w, &["session", "resume"]);
    run(&w, &["session", "list"]);
    run(&w, &["session", "search", "parser"]);
    for (kind, id) in [
        ("decision", &decision),
        ("fact", &fact),
        ("learning", &learning),
        ("constraint", &constraint),
        ("next-step", &steps[0]),
    ] {
        run(&w, &[kind, "list"]);
        run(&w, &[kind, "show", id]);
    }
    for (kind, word) in [
        ("decision", "toml"),
        ("learning", "hooks"),
        ("constraint", "network"),
    ] {
        run(&w, &[kind, "search", word]);
    }
    run(&w, &["next-step", "done", &steps[0]]);
    run(&w, &["next-step", "drop", &steps[2]]);
    run(&w, &["next-step", "carry", &steps[1], "--sprint", "S2"]);
    run(
        &w,
        &["mission", "update", "B3", "--name", "Write the user docs"],
    );
    run(&w, &["mission", "defer", "B3"]);
    run(&w, &["mission", "complete", "B1"]);
    run(
        &w,
        &["mission", "block", "B2", "--reason", "Waiting for a review"],
    );
    run(&w, &["mission", "unblock", "B2"]);
    // The confidence gate: a score in the review range waits for a person, who sends it
    // back (B2 stays In Progress for the rest of the scenario).
    run(
        &w,
        &[
            "mission",
            "complete",
            "B2",
            "--validation-score",
            "0.72",
            "--evidence",
            "cache tests pass",
        ],
    );
    run(
        &w,
        &[
            "mission",
            "reject",
            "B2",
            "--reason",
            "No test for a cold cache",
        ],
    );
    // A retry on the escalation ladder (tier 1: no person needed).
    run(
        &w,
        &[
            "mission",
            "fallback",
            "B2",
            "--tier",
            "1",
            "--reason",
            "The cache test timed out; retried once",
        ],
    );
    run(&w, &["mission", "show", "B2"]);
    run(&w, &["mission", "undepend", "B1", "B2"]);
    run(
        &w,
        &[
            "session",
            "complete",
            "--summary",
            "Parser done; caching next.",
        ],
    );
    run(&w, &["history", "B1"]);
    run(&w, &["log", "-n", "5"]);
    run(&w, &["context"]);
    run(&w, &["onboard"]);
    run(&w, &["context", "notes", "set", "Keep the parser small."]);
    run(&w, &["context", "notes", "show"]);
    run(&w, &["context", "snapshot", "--source", "after the parser"]);
    run(&w, &["context", "history"]);
    run(&w, &["context", "diff", "cmos~3"]);
    run(&w, &["diff", "cmos~3"]);
    run(&w, &["research", "export", "B1"]);
    run(&w, &["kb", "index"]);
    run(&w, &["kb", "validate"]);
    run(&w, &["kb", "search", "storage"]);
    run(&w, &["conflicts"]);
    run(&w, &["verify"]);
    run(&w, &["mission", "verify"]);
    run(&w, &["mission", "incomplete"]);
    run(&w, &["mission", "audit"]);
    run(
        &w,
        &[
            "mission",
            "edit",
            "B3",
            "-n",
            "Write the docs",
            "--notes",
            "by flags",
        ],
    );
    run(&w, &["validate", "health"]);
    run(&w, &["validate", "docs"]);
    run(&w, &["mission", "drop", "B3"]);
    run(&w, &["undo"]);
    run(&w, &["decision", "reaffirm", &decision]);
    run(&w, &["learning", "reaffirm", &learning, "--evergreen"]);
    for kind in ["decision", "fact", "learning", "constraint"] {
        let id = [&decision, &fact, &learning, &constraint][[
            "decision",
            "fact",
            "learning",
            "constraint",
        ]
        .iter()
        .position(|k| *k == kind)
        .unwrap()];
        run(&w, &[kind, "archive", id]);
    }
    run(&w, &["sprint", "activate", "S2"]);
    run(&w, &["sprint", "show", "S1"]);
    run(&w, &["sprint", "complete", "S1", "--force"]);
    for what in ["backlog", "sessions", "contexts", "all"] {
        let to = w.path(&format!("export-{what}"));
        run(&w, &["export", what, "--out", &to]);
    }
    run(&w, &["db", "show"]);
    run(&w, &["db", "show", "current"]);
    let to = w.path("db-export");
    run(
        &w,
        &[
            "db",
            "export",
            "backlog",
            "--output",
            &format!("{to}/backlog.yaml"),
        ],
    );
    run(&w, &["db", "export", "contexts", "--output-root", &to]);
    let files = w.path("mission-files");
    run(&w, &["db", "export-missions", "--output-dir", &files]);
    run(&w, &["mission", "register", &files]);
    run(&w, &["db", "init", "--quiet"]);
    run(&w, &["db", "shell"]);
    run(&w, &["sync", "--dry-run"]);
    run(&w, &["sync"]);
    run(&w, &["agents", "install"]);
    run(&w, &["hook", "uninstall"]);
    run(&w, &["status"]);
    // Added last, so the output before them keeps its times.
    run(
        &w,
        &["session", "log", "-t", "start", "-m", "B2", "-s", "Began"],
    );
    run(&w, &["memory", "list", "-l", "4"]);
    run(
        &w,
        &["metric", "add", "--mission", "B2", "--tokens-in", "1200"],
    );
    run(&w, &["metric", "list"]);
    run(&w, &["report", "weekly"]);
    run(&w, &["report", "sprint", "S1", "--format", "markdown"]);
    run(&w, &["policy", "set", "routing.complex", "opus"]);
    run(&w, &["policy", "get", "routing.complex"]);
    run(&w, &["policy", "list"]);
    run(&w, &["mission", "update", "B2", "--complexity", "complex"]);
    run(&w, &["mission", "next"]);
    run(&w, &["policy", "unset", "routing.complex"]);
    run(&w, &["check", "list"]);
    run(&w, &["check", "run"]);
    run(&w, &["fsm", "show"]);
    run(&w, &["fsm", "step", "--event", "sprint_review_done"]);
    run(&w, &["process", "show"]);
    let graph = w.path("graph.toml");
    std::fs::write(&graph, cmos::lifecycle::process::DEFAULT_GRAPH).unwrap();
    run(&w, &["process", "check", &graph]);
    run(&w, &["process", "set", &graph]);
    run(&w, &["fsm", "run"]);
    run(&w, &["fsm", "pending"]);
    run(&w, &["fsm", "done", "rq-none", "--output", &graph]);
    run(&w, &["sprint", "retro", "S1"]);
    run(&w, &["sprint", "add", "S3", "--title", "Carried"]);
    run(
        &w,
        &["sprint", "carry-forward", "S1", "--to", "S3", "--dry-run"],
    );
    run(&w, &["sprint", "carry-forward", "S1", "--to", "S3"]);
    run(&w, &["sprint", "complete", "S2", "--retro", "--force"]);
    run(&w, &["sprint", "analytics"]);
    run(&w, &["decision", "review", "--threshold", "1"]);
    run(&w, &["learning", "review"]);
    run(
        &w,
        &["context", "condense", "--target-tokens", "100", "--dry-run"],
    );
    (out, ran)
}

/// The `--help` of `cmos` and of every command under it, depth first.
fn help_tree(w: &World, words: &mut Vec<String>, leaves: &mut BTreeSet<String>, out: &mut String) {
    let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
    args.push("--help");
    let help = w.cmos(false, &args);
    out.push_str(&help);
    let subcommands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A name starts its line after two spaces; a description's wrapped lines start further in.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    if subcommands.is_empty() {
        leaves.insert(words.join(" "));
    }
    for name in subcommands {
        words.push(name);
        help_tree(w, words, leaves, out);
        words.pop();
    }
}

fn leaves_and_reference() -> (BTreeSet<String>, String) {
    let w = World::new();
    let mut leaves = BTreeSet::new();
    let mut out = String::new();
    help_tree(&w, &mut Vec::new(), &mut leaves, &mut out);
    leaves.remove("");
    (leaves, out)
}

/// Commands the scenario leaves out, and why.
const NOT_IN_SCENARIO: &[(&str, &str)] = &[
    (
        "mission approve",
        "it would complete B2 and empty the later views; tests/validation_gate.rs runs it",
    ),
    ("mcp", "a stdio server; tests/mcp.rs drives it"),
    (
        "merge",
        "needs a second cmos branch (a team's); tests/team_merge.rs runs it with team clones",
    ),
    (
        "board export",
        "writes a directory of HTML and SVG; tests/board_server.rs checks it (`board` is a server)",
    ),
    (
        "hook run",
        "what the hook shims call; the scenario commits through them",
    ),
    ("completions", "a generated shell script, hundreds of lines"),
    (
        "import",
        "reads a CMOS project; tests/migrate.rs runs it on fixtures",
    ),
    ("context notes edit", "opens an editor"),
    (
        "mission sync-backlog",
        "cmosctl's spelling of `import backlog`; tests/original_cli.rs runs it",
    ),
    (
        "db import",
        "the original's spelling of `import backlog|sessions`; tests/db_cli.rs runs it",
    ),
    (
        "session onboard",
        "the original's spelling of `onboard`, which the scenario runs; tests/original_cli.rs compares them",
    ),
    (
        "context view",
        "the original's spelling of `context`, which the scenario runs; tests/original_cli.rs compares them",
    ),
];

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn cli_reference_is_the_help_of_every_command() {
    let (_, reference) = leaves_and_reference();
    settings().bind(|| insta::assert_snapshot!("cli_reference", reference));
}

#[test]
fn human_output_of_every_command() {
    let (leaves, _) = leaves_and_reference();
    let (transcript, ran) = scenario(false);
    let covered: BTreeSet<String> = ran
        .iter()
        .filter_map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            command_words(&args, &leaves)
        })
        .collect();
    let skipped: BTreeSet<String> = NOT_IN_SCENARIO.iter().map(|(c, _)| c.to_string()).collect();
    let missing: Vec<&String> = leaves
        .iter()
        .filter(|l| !covered.contains(*l) && !skipped.contains(*l))
        .collect();
    assert!(
        missing.is_empty(),
        "commands the scenario does not run (add them, or to NOT_IN_SCENARIO with why): {missing:?}"
    );
    settings().bind(|| insta::assert_snapshot!("human_output", transcript));
}

#[test]
fn json_envelope_of_every_command() {
    let (transcript, _) = scenario(true);
    settings().bind(|| insta::assert_snapshot!("json_envelopes", transcript));
}

/// Every error code `src/error.rs` gives, with what brings it about.
#[test]
fn error_of_every_error_code() {
    let w = World::new();
    let mut out = String::new();
    let mut codes = BTreeSet::new();
    let mut both = |w: &World, args: &[&str], out: &mut String| {
        out.push_str(&w.cmos(false, args));
        let entry = w.cmos(true, args);
        let json_start = entry.find('{').expect("an envelope");
        let envelope: serde_json::Value = serde_json::from_str(
            entry[json_start..]
                .split("\n--- exit")
                .next()
                .unwrap()
                .trim(),
        )
        .expect("an envelope");
        codes.insert(
            envelope["error"]["code"]
                .as_str()
                .unwrap_or("none")
                .to_string(),
        );
        out.push_str(&entry);
    };
    let outside = w.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    both(&w, &["-C", &outside, "status"], &mut out);
    both(&w, &["status"], &mut out);
    w.cmos(
        false,
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "First",
        ],
    );
    both(&w, &["session", "resume"], &mut out);
    w.cmos(false, &["mission", "add", "B1", "One"]);
    w.cmos(false, &["mission", "add", "B2", "Two"]);
    w.cmos(
        false,
        &["mission", "depends", "B2", "B1", "--type", "requires"],
    );
    both(&w, &["mission", "add", "bad id!", "x"], &mut out);
    both(&w, &["mission", "show", "B9"], &mut out);
    both(&w, &["mission", "add", "B1", "Again"], &mut out);
    both(&w, &["mission", "complete", "B1"], &mut out);
    both(
        &w,
        &["mission", "depends", "B1", "B2", "--type", "requires"],
        &mut out,
    );
    both(
        &w,
        &["mission", "show", "B1", "--at", "no-such-rev"],
        &mut out,
    );
    let file = w.repo.join("README.md").to_string_lossy().into_owned();
    both(
        &w,
        &["export", "backlog", "--out", &format!("{file}/inside")],
        &mut out,
    );
    // A hand edit that breaks a record, then one from a newer cmos.
    let tree_path = |id: &str| {
        w.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"])
            .lines()
            .find(|l| l.ends_with(&format!("/{id}.toml")))
            .unwrap()
            .to_string()
    };
    let b2 = tree_path("B2");
    edit_on_branch(&w, &b2, "id = \"B2\"\nname = [broken\n");
    both(&w, &["mission", "show", "B2"], &mut out);
    both(&w, &["verify"], &mut out);
    // A remote whose hook turns every push away.
    let locked = w.path("locked.git");
    w.git(&["init", "-q", "--bare", &locked]);
    let hook = std::path::Path::new(&locked).join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    w.git(&["remote", "add", "locked", &locked]);
    both(&w, &["sync", "locked"], &mut out);
    edit_on_branch(&w, ".cmos/format.toml", "major = 99\nminor = 0\n");
    both(&w, &["status"], &mut out);
    // The branch pointing at an object the repository does not have.
    std::fs::write(
        w.repo.join(".git/refs/heads/cmos"),
        "0123456789012345678901234567890123456789\n",
    )
    .unwrap();
    both(&w, &["status"], &mut out);

    // One this scenario does not bring about (tests/hostile_branch.rs does, with a remote's
    // tree that holds `..`): its envelope comes from the library.
    let err = cmos::error::Error::InvalidTree {
        commit: "0123456789ab".into(),
        problem: cmos::error::FileProblem {
            path: "..".into(),
            line: None,
            column: None,
            message: "a tree entry named '..'".into(),
        },
        remote: true,
    };
    // And a sync that lost its push to other clones every time (tests/swarm.rs brings about
    // the contention; no sync there gives up).
    let gave_up = cmos::ops::sync::gave_up(
        "refs/heads/cmos",
        "origin",
        std::time::Duration::from_secs(95),
    );
    for err in [err, gave_up] {
        let envelope =
            cmos::ops::envelope::Envelope::failure(&err, None, &cmos::cli::names::CliNames);
        codes.insert(err.code().to_string());
        out.push_str(&format!(
            "# {} (exit {}), from the library\n{}\n\n",
            err.code(),
            err.exit_code(),
            serde_json::to_string_pretty(&envelope).unwrap()
        ));
    }
    let all = [
        "invalid_input",
        "not_found",
        "already_exists",
        "invalid_transition",
        "invalid_dependency",
        "refused",
        "corrupt",
        "invalid_tree",
        "not_initialized",
        "not_a_repository",
        "conflict",
        "unsupported_format",
        "invalid_branch",
        "git",
        "io",
    ];
    let missing: Vec<&&str> = all.iter().filter(|c| !codes.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "error codes not shown: {missing:?}; shown: {codes:?}"
    );
    settings().bind(|| insta::assert_snapshot!("errors", out));
}

/// Replaces one file on the cmos branch with git plumbing, as a hand edit would.
fn edit_on_branch(w: &World, path: &str, content: &str) {
    let index = w.tmp.path().join("edit-index");
    let git = |args: &[&str], input: Option<&str>| -> String {
        use std::io::Write;
        let mut cmd = w.command("git");
        let mut child = cmd
            .env("GIT_INDEX_FILE", &index)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(input.unwrap_or_default().as_bytes())
            .unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    git(&["read-tree", "refs/heads/cmos"], None);
    let blob = git(&["hash-object", "-w", "--stdin"], Some(content));
    git(
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("100644,{blob},{path}"),
        ],
        None,
    );
    let tree = git(&["write-tree"], None);
    let commit = git(
        &[
            "commit-tree",
            &tree,
            "-p",
            "refs/heads/cmos",
            "-m",
            "hand edit",
        ],
        None,
    );
    git(&["update-ref", "refs/heads/cmos", &commit], None);
}
