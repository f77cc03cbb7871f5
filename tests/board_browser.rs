//! The board in a real browser: each test builds a temporary repository, starts the real
//! `cmos board` on it, and drives Debian's headless Chromium through `tests/board/drive.mjs`
//! (playwright-core, under target/, installed with Chromium by `scripts/test`). The checks are
//! what a person sees: the columns and their counts, a card dragged to another column (and its
//! status on the branch after), a refused move's message, a write from the CLI showing up
//! without a reload, the burndown, graph, timeline and mission views, malformed records and
//! read-only mode. Screenshots go to target/board-screenshots/.

// The walk's plan is one `json!` literal, deeper than the default limit allows.
#![recursion_limit = "256"]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A running `cmos board`, stopped when dropped.
struct Board {
    child: Child,
    url: String,
}

impl Board {
    /// Starts `cmos board ARGS` in the repository and reads its URL from the first line.
    fn start(repo: &Repo, args: &[&str]) -> Board {
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
            .arg("board")
            .args(args)
            .current_dir(&repo.path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start cmos board");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines
            .next()
            .expect("cmos board printed a line")
            .expect("a line of text");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "bound to the loopback address only: {url}"
        );
        // Keep reading what it prints, so a full pipe never stops the server.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Board { child, url }
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where screenshots go: target/board-screenshots/NAME/.
fn screenshots(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(target)
    };
    target.join("board-screenshots").join(name)
}

/// The browser and its driver: `CMOS_CHROMIUM` (default /usr/bin/chromium) and
/// `CMOS_BOARD_DRIVER`, the folder with node_modules/playwright-core (default
/// target/board-driver, where `scripts/test` installs it).
fn browser() -> (PathBuf, PathBuf) {
    let chromium = PathBuf::from(
        std::env::var_os("CMOS_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into()),
    );
    let driver = std::env::var_os("CMOS_BOARD_DRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/board-driver"));
    let playwright = driver.join("node_modules/playwright-core");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        node && chromium.exists() && playwright.join("package.json").exists(),
        "the browser test needs node, Chromium at {} and playwright-core in {}: run the tests \
         with `scripts/test` (it installs them), or set CMOS_CHROMIUM and CMOS_BOARD_DRIVER",
        chromium.display(),
        driver.display()
    );
    (chromium, playwright)
}

/// Runs the driver over `steps` against the board; panics with its account when a step
/// fails. Returns what it printed (one line per step done).
fn drive(repo: &Repo, board: &Board, shots: &Path, steps: Value) -> String {
    let (chromium, playwright) = browser();
    let plan = repo.sibling("plan.json");
    std::fs::write(&plan, json!({ "steps": steps }).to_string()).expect("write the plan");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/board/drive.mjs");
    let out = hermetic(&mut Command::new("node"), &repo.home)
        .arg(script)
        .arg(&plan)
        .env("BOARD_URL", &board.url)
        .env("CMOS_BIN", env!("CARGO_BIN_EXE_cmos"))
        .env("PLAYWRIGHT_CORE", playwright)
        .env("CHROMIUM", chromium)
        .env("SHOTS", shots)
        .current_dir(&repo.path)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    print!("{stdout}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The status of a mission, as the CLI reads it from the branch.
fn status(repo: &Repo, id: &str) -> String {
    repo.json(&["mission", "show", id])["status"]
        .as_str()
        .unwrap_or_else(|| panic!("mission {id} has a status"))
        .to_string()
}

/// The last transition of a mission, as the CLI reads it from the branch: (to, by).
fn last_move(repo: &Repo, id: &str) -> (String, String) {
    let mission = repo.json(&["mission", "show", id]);
    let last = mission["transitions"]
        .as_array()
        .and_then(|t| t.last())
        .unwrap_or_else(|| panic!("mission {id} has transitions: {mission:#}"));
    (
        last["to"].as_str().unwrap_or_default().to_string(),
        last["by"].as_str().unwrap_or_default().to_string(),
    )
}

/// A sprint with a mission in every state a board shows: under way, ready, waiting on
/// another, blocked with a reason, completed, deferred, and one whose name is markup.
fn sprint_with_every_state() -> Repo {
    let repo = Repo::new();
    repo.ok(&[
        "init",
        "--name",
        "demo",
        "--sprint",
        "S1",
        "--sprint-title",
        "Board demo",
    ]);
    repo.ok(&["sprint", "add", "S2", "--title", "Later"]);
    for (id, name) in [
        ("A1", "Parse the config"),
        ("A2", "Cache the index"),
        ("A3", "Wire the board"),
        ("A4", "Write the docs"),
        ("A7", "<img src=x onerror=alert(1)>Escape me"),
    ] {
        repo.ok(&["mission", "add", id, name, "--sprint", "S1"]);
    }
    repo.ok(&["mission", "start", "A1"]);
    repo.ok(&["mission", "depends", "A2", "A3"]);
    repo.ok(&[
        "mission",
        "update",
        "A3",
        "--objective",
        "Serve the board from the binary",
        "--success-criterion",
        "No network at run time",
    ]);
    repo.ok(&["mission", "start", "A4"]);
    repo.ok(&[
        "mission",
        "block",
        "A4",
        "--reason",
        "needs the API decision",
    ]);
    repo.ok(&[
        "mission",
        "add",
        "A5",
        "Ship the release",
        "--sprint",
        "S1",
        "-s",
        "completed",
    ]);
    repo.ok(&[
        "mission", "add", "A6", "Try YAML", "--sprint", "S1", "-s", "deferred",
    ]);
    repo.ok(&[
        "mission",
        "add",
        "B1",
        "Plan the next release",
        "--sprint",
        "S2",
    ]);
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Parser session",
        "--mission",
        "A1",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Use TOML",
        "--rationale",
        "The branch uses it",
    ]);
    repo.ok(&["learning", "add", "Hooks run with a minimal PATH"]);
    repo
}

/// The whole walk a person takes: the kanban, a drag that works, one the lifecycle refuses,
/// writes from the CLI arriving live, a keyboard move, the other views, and another sprint.
#[test]
fn a_person_moves_cards_and_sees_cli_writes_live() {
    let repo = sprint_with_every_state();
    // What the CLI says before the board runs: the columns must agree with it.
    let current: Vec<String> = repo
        .json(&["mission", "list", "--sprint", "S1"])
        .as_array()
        .expect("a list")
        .iter()
        .filter(|m| m["status"] == "Current")
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let board = Board::start(&repo, &[]);
    let shots = screenshots("walk");
    let ready = 2 - current.len(); // A2 and A7 are Queued with nothing to wait for
    let out = drive(
        &repo,
        &board,
        &shots,
        json!([
            {"open": "/"},
            {"mark": null},
            {"column_order": ["waiting", "ready", "current", "in_progress", "blocked", "completed", "deferred", "dropped"]},
            {"labels": {"waiting": "Waiting", "ready": "Ready", "in_progress": "In Progress", "blocked": "Blocked"}},
            {"columns": {"waiting": 1, "ready": ready, "current": current.len(), "in_progress": 1, "blocked": 1, "completed": 1, "deferred": 1, "dropped": 0}},
            {"card_in": {"card": "A3", "column": "waiting"}},
            {"card_text": {"card": "A3", "contains": ["Wire the board", "A2"]}},
            {"card_text": {"card": "A4", "contains": "needs the API decision"}},
            {"card_text": {"card": "A7", "contains": "<img src=x onerror=alert(1)>Escape me"}},
            {"no_element": "main img"},
            {"text": {"selector": "#sprint", "contains": "Board demo"}},
            {"screenshot": {"name": "1-kanban"}},
            // A drag that works: Ready to In Progress.
            {"drag": {"card": "A3", "column": "in_progress"}},
            {"card_in": {"card": "A3", "column": "in_progress"}},
            {"message": {"kind": "ok", "contains": ["A3", "In Progress"]}},
            {"columns": {"waiting": 0, "in_progress": 2}},
            {"screenshot": {"name": "2-dragged"}},
            // A drag the lifecycle refuses: a Deferred mission cannot be completed.
            {"drag": {"card": "A6", "column": "completed"}},
            {"message": {"kind": "error", "contains": ["A6", "cannot be completed", "Queued", "Current", "Dropped"]}},
            {"card_in": {"card": "A6", "column": "deferred"}},
            {"columns": {"completed": 1, "deferred": 1, "blocked": 1}},
            {"screenshot": {"name": "3-refused"}},
            // Blocking asks why; cancelling the question moves nothing.
            {"drag": {"card": "A1", "column": "blocked"}},
            {"visible": "dialog.ask"},
            {"press": "Escape"},
            {"message": {"kind": "error", "contains": ["A1 was not moved", "needs a reason"]}},
            {"card_in": {"card": "A1", "column": "in_progress"}},
            // The reason given shows on the card.
            {"drag": {"card": "A3", "column": "blocked"}},
            {"visible": "dialog.ask"},
            {"screenshot": {"name": "3b-block-reason"}},
            {"fill": {"selector": "dialog.ask input", "text": "waits for the security review"}},
            {"press": "Enter"},
            {"card_in": {"card": "A3", "column": "blocked"}},
            {"card_text": {"card": "A3", "contains": "waits for the security review"}},
            {"columns": {"in_progress": 1, "blocked": 2}},
            // Writes from the CLI arrive without a reload.
            {"live": {"args": ["mission", "add", "A8", "Added from the CLI", "--sprint", "S1"], "card": "A8", "column": "ready", "within": 5000}},
            {"live": {"args": ["mission", "complete", "A1"], "card": "A1", "column": "completed", "within": 5000}},
            {"same_page": null},
            {"screenshot": {"name": "4-live"}},
            // The keyboard's drag: Shift+ArrowRight moves A8 from Ready on to Current.
            {"key": {"card": "A8", "keys": "Shift+ArrowRight"}},
            {"card_in": {"card": "A8", "column": "current"}},
            {"message": {"kind": "ok", "contains": ["A8", "Current"]}},
            // Enter on a focused card opens its page.
            {"key": {"card": "A5", "keys": "Enter"}},
            {"text": {"selector": "main h1", "contains": "Ship the release"}},
            {"go": "#/mission/A7"},
            {"text": {"selector": "main h1", "contains": "<img src=x onerror=alert(1)>Escape me"}},
            {"no_element": "main img"},
            // The other views.
            {"go": "#/burndown"},
            {"drawing": {"selector": ".chart.burndown"}},
            {"screenshot": {"name": "5-burndown"}},
            {"go": "#/graph"},
            {"drawing": {"selector": ".chart.graph"}},
            {"count": {"selector": ".chart.graph [data-id]", "at_least": 3}},
            {"no_element": "main img"},
            {"screenshot": {"name": "6-graph"}},
            {"check": "#prune"},
            {"drawing": {"selector": ".chart.graph"}},
            {"text": {"selector": "main .view-head", "contains": "hidden"}},
            {"check": "#scope-open"},
            {"text": {"selector": "main .view-head", "contains": "open work"}},
            {"drawing": {"selector": ".chart.graph"}},
            {"go": "#/timeline"},
            {"text": {"selector": "main", "contains": ["Parser session", "Use TOML", "Hooks run with a minimal PATH"]}},
            {"count": {"selector": ".timeline .entry", "n": 3}},
            {"click": ".timeline .kind-session a.chip"},
            {"text": {"selector": "main h1", "contains": "Parse the config"}},
            {"screenshot": {"name": "7-timeline"}},
            {"go": "#/mission/A3"},
            {"text": {"selector": "main", "contains": ["Wire the board", "Serve the board from the binary", "No network at run time", "A2", "blocks", "waits for the security review"]}},
            {"text": {"selector": ".block-history", "contains": ["In Progress", "Blocked", "board"]}},
            {"screenshot": {"name": "8-mission"}},
            {"go": "#/mission/NOPE"},
            {"text": {"selector": "main .error-box", "contains": "NOPE"}},
            // Another sprint from the picker.
            {"go": "#/"},
            {"select": {"selector": "#sprint", "value": "S2"}},
            {"card_in": {"card": "B1", "column": "ready"}},
            {"count": {"selector": "[data-card]", "n": 1}},
            {"same_page": null},
        ]),
    );
    assert!(out.contains("live update"), "{out}");
    // The branch agrees with what the page showed.
    let a3 = repo.json(&["mission", "show", "A3"]);
    let moves: Vec<(&str, &str)> = a3["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| (t["to"].as_str().unwrap(), t["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        moves[moves.len() - 2..],
        [("In Progress", "board"), ("Blocked", "board")],
        "the two drags moved A3, as the board's agent"
    );
    assert!(
        a3.to_string().contains("waits for the security review"),
        "the block's reason is on the branch: {a3:#}"
    );
    assert_eq!(status(&repo, "A6"), "Deferred", "the refused move left A6");
    assert_eq!(status(&repo, "A1"), "Completed");
    assert_eq!(
        last_move(&repo, "A8"),
        ("Current".to_string(), "board".to_string()),
        "the keyboard moved A8"
    );
    drop(board);
    for name in [
        "1-kanban",
        "2-dragged",
        "3-refused",
        "4-live",
        "5-burndown",
        "6-graph",
    ] {
        let png = std::fs::read(shots.join(format!("{name}.png"))).expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{name}.png is a PNG");
    }
}

/// Malformed records on the branch are listed above the board, which still shows the rest;
/// in read-only mode a drag moves nothing and writes nothing.
#[test]
fn malformed_records_show_and_read_only_moves_nothing() {
    let repo = sprint_with_every_state();
    repo.edit_on_branch(
        &cmos::format::layout::mission_path("A9"),
        "this is not = = toml\n",
    );
    let tip = repo.tip();
    let board = Board::start(&repo, &["--read-only"]);
    let shots = screenshots("read-only");
    drive(
        &repo,
        &board,
        &shots,
        json!([
            {"open": "/"},
            {"visible": "#problems"},
            {"text": {"selector": "#problems", "contains": ["malformed", "A9"]}},
            {"text": {"selector": "#mode", "contains": "read-only"}},
            {"card_in": {"card": "A3", "column": "waiting"}},
            {"card_in": {"card": "A1", "column": "in_progress"}},
            {"drag": {"card": "A3", "column": "in_progress"}},
            {"wait": 500},
            {"card_in": {"card": "A3", "column": "waiting"}},
            {"hidden": "#message"},
            {"screenshot": {"name": "problems-read-only"}},
            {"go": "#/mission/A1"},
            {"text": {"selector": "main", "contains": "Parse the config"}},
        ]),
    );
    assert_eq!(repo.tip(), tip, "a read-only board wrote nothing");
    assert_eq!(status(&repo, "A3"), "Queued");
}

/// A sprint that looks like real work, for the README's screenshot (1280x800):
/// target/board-screenshots/readme/board.png, copied to docs/board.png when
/// CMOS_UPDATE_SCREENSHOTS=1.
#[test]
fn the_readme_screenshot_of_a_sprint_under_way() {
    let repo = Repo::new();
    let day = |d: u32, hm: &str| format!("2026-11-{d:02}T{hm}:00Z");
    repo.ok_at(
        &day(2, "08:00"),
        &[
            "init",
            "--name",
            "atlas-api",
            "--sprint",
            "S1",
            "--sprint-title",
            "Foundations",
        ],
    );
    repo.ok_at(
        &day(2, "08:01"),
        &[
            "sprint",
            "add",
            "S2",
            "--title",
            "Search and sync",
            "--start",
            "2026-11-16",
            "--end",
            "2026-11-27",
        ],
    );
    repo.ok_at(&day(2, "08:02"), &["sprint", "activate", "S2"]);
    let missions = [
        ("AT-101", "Design the record format", "Completed"),
        (
            "AT-102",
            "Parse TOML records with line numbers",
            "Completed",
        ),
        ("AT-103", "Build the in-memory index", "Completed"),
        ("AT-104", "Incremental sync over SSH remotes", "In Progress"),
        ("AT-105", "Live updates on the board", "In Progress"),
        ("AT-106", "Full-text search over decisions", "Queued"),
        ("AT-107", "Export the board as static HTML", "Queued"),
        ("AT-108", "Benchmark a 10,000-mission project", "Queued"),
        ("AT-109", "Release notes for 1.0", "Queued"),
        ("AT-110", "Windows path handling", "Queued"),
        ("AT-111", "Plugin API", "Deferred"),
        ("AT-112", "Retry pushes on a lost race", "Completed"),
    ];
    for (n, (id, name, _)) in missions.iter().enumerate() {
        repo.ok_at(
            &day(16, &format!("09:{n:02}")),
            &["mission", "add", id, name, "--sprint", "S2"],
        );
    }
    repo.ok_at(
        &day(16, "10:00"),
        &["mission", "depends", "AT-106", "AT-108"],
    );
    repo.ok_at(
        &day(16, "10:01"),
        &["mission", "depends", "AT-107", "AT-109"],
    );
    repo.ok_at(
        &day(16, "10:02"),
        &["mission", "depends", "AT-104", "AT-109"],
    );
    repo.ok_at(
        &day(16, "10:03"),
        &["mission", "depends", "AT-101", "AT-102"],
    );
    repo.ok_at(
        &day(16, "10:04"),
        &["mission", "depends", "AT-102", "AT-103"],
    );
    repo.ok_at(
        &day(16, "10:05"),
        &["mission", "depends", "AT-103", "AT-105"],
    );
    let mut clock = 17;
    for (id, _, status) in missions {
        match status {
            "Completed" => {
                repo.ok_at(&day(clock, "09:00"), &["mission", "start", id]);
                repo.ok_at(&day(clock + 1, "16:00"), &["mission", "complete", id]);
                clock += 1;
            }
            "In Progress" => {
                repo.ok_at(&day(clock, "11:00"), &["mission", "start", id]);
            }
            "Deferred" => {
                repo.ok_at(&day(clock, "12:00"), &["mission", "defer", id]);
            }
            _ => {}
        }
    }
    repo.ok_at(&day(clock, "12:30"), &["mission", "start", "AT-110"]);
    repo.ok_at(
        &day(clock, "13:00"),
        &[
            "mission",
            "block",
            "AT-110",
            "--reason",
            "needs a Windows runner in CI",
        ],
    );
    repo.ok_at(
        &day(clock, "14:00"),
        &[
            "session",
            "start",
            "--type",
            "build",
            "--title",
            "Sync over SSH",
            "--mission",
            "AT-104",
        ],
    );
    repo.ok_at(
        &day(clock, "14:05"),
        &[
            "decision",
            "add",
            "Server-Sent Events for live updates",
            "--rationale",
            "One way is all the board needs, and it reconnects by itself",
        ],
    );
    let board = Board::start(&repo, &[]);
    let shots = screenshots("readme");
    let docs = std::env::var_os("CMOS_UPDATE_SCREENSHOTS")
        .is_some_and(|v| v == "1")
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/board.png"));
    drive(
        &repo,
        &board,
        &shots,
        json!([
            {"open": "/"},
            {"card_in": {"card": "AT-105", "column": "in_progress"}},
            {"card_in": {"card": "AT-110", "column": "blocked"}},
            {"screenshot": {"name": "board", "copy": docs}},
            {"go": "#/burndown"},
            {"drawing": {"selector": ".chart.burndown"}},
            {"screenshot": {"name": "burndown"}},
            {"go": "#/graph"},
            {"drawing": {"selector": ".chart.graph"}},
            {"screenshot": {"name": "graph"}},
        ]),
    );
}
