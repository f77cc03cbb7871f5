//! Replays the original CMOS's command lines under `cmos`, line by line: every command line
//! of the original's documentation and of cmos-original.md §2.1, §2.2 and §2.4, as collected
//! in `tests/fixtures/original/command_lines.txt`.
//!
//! The fixture is a list of blocks. `# source: REPO PATH` starts a block, which runs in a
//! fresh project (a git repository with `cmos init --name demo`). In a block:
//!
//! - `PROGRAM ARGS` is a replayed line. PROGRAM is the original's program name
//!   (`./cmos/cli.py`, `python cmos/cli.py` or `cmosctl`); the line runs as `cmos ARGS`, the
//!   words split as a POSIX shell would (quotes and backslashes; no expansion).
//! - `$ ARGS` is setup in cmos's own words (`cmos ARGS`), so that a line finds what its
//!   document assumed; it must succeed, and it is not counted as a replayed line.
//! - `=> EXPECTATION` lines after a command say what the original documented for it:
//!   - `exit N`: the line exits with N (default: 0);
//!   - `refused "TEXT"`: the line fails, its message names TEXT, and the branch did not move;
//!   - `stdout has "TEXT"`: the line printed TEXT;
//!   - `file PATH exists` / `file PATH has "TEXT"`: a file of the working tree, after the line;
//!   - `read ARGS @ PATH == JSON` / `has "TEXT"` / `len N`: `cmos --json ARGS` afterwards,
//!     at the dot PATH of its data (`.` for all of it; numbers index arrays), equals the JSON
//!     value, holds TEXT somewhere in its JSON text, or is an array of N items;
//!   - `let NAME = ARGS @ PATH`: keeps that value; `{NAME}` in later lines of the block is
//!     replaced by it (session ids, snapshot ids).
//!
//! Every line is run and checked; all failures are reported together, each with its line
//! number, source, command and output. Lines that other work in progress will make pass are
//! listed in `PENDING` with who builds them: such a line must fail today, and the test says
//! so when one passes, so that the list only shrinks. `CMOS_REPLAY_PENDING=1 cargo test --test
//! replay_original -- --nocapture` prints why each pending line still fails, and the counts.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, Output};

use common::{Repo, hermetic};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/original/command_lines.txt");

/// Lines expected to fail until the named work lands: (prefix of the fixture line, who builds
/// it). A prefix covers the lines it starts at a word boundary (the whole line, or followed by
/// a space); each entry must cover at least one line. "gap" marks what no one builds yet.
const PENDING: &[(&str, &str)] = &[];

/// One line of the fixture that runs something.
#[derive(Debug)]
struct Step {
    line: usize,
    text: String,
    /// Setup in cmos's words (`$ ARGS`) rather than a replayed line of the original.
    setup: bool,
    expectations: Vec<(usize, String)>,
}

#[derive(Debug)]
struct Block {
    source: String,
    steps: Vec<Step>,
}

fn parse_fixture(text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if let Some(source) = trimmed.strip_prefix("# source:") {
            blocks.push(Block {
                source: source.trim().to_string(),
                steps: Vec::new(),
            });
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let block = blocks
            .last_mut()
            .unwrap_or_else(|| panic!("line {line}: a command before the first `# source:`"));
        if let Some(expectation) = trimmed.strip_prefix("=>") {
            let step = block
                .steps
                .last_mut()
                .unwrap_or_else(|| panic!("line {line}: an expectation before any command"));
            step.expectations
                .push((line, expectation.trim().to_string()));
        } else if let Some(args) = trimmed.strip_prefix("$ ") {
            block.steps.push(Step {
                line,
                text: args.to_string(),
                setup: true,
                expectations: Vec::new(),
            });
        } else {
            block.steps.push(Step {
                line,
                text: trimmed.to_string(),
                setup: false,
                expectations: Vec::new(),
            });
        }
    }
    blocks
}

/// Splits a command line into words as a POSIX shell does, without expansions: single quotes
/// keep everything, double quotes keep all but `\"`, `\\`, `` \` `` and `\$`, and a backslash
/// outside quotes keeps the next character.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed ' in {line}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '`' | '$')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unclosed \" in {line}")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed \" in {line}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err(format!("a trailing backslash in {line}")),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The arguments of a replayed line, without the original's program name.
fn without_program(words: &[String]) -> Result<&[String], String> {
    match words {
        [python, script, rest @ ..]
            if python.starts_with("python") && script.ends_with("cli.py") =>
        {
            Ok(rest)
        }
        [program, rest @ ..] if program.ends_with("cmos/cli.py") || program == "cmosctl" => {
            Ok(rest)
        }
        _ => Err(format!(
            "not a line of the original (./cmos/cli.py, python cmos/cli.py, cmosctl): {words:?}"
        )),
    }
}

/// The fresh project a block runs in, and the values its lines captured.
struct Scenario {
    repo: Repo,
    values: BTreeMap<String, String>,
}

impl Scenario {
    fn new() -> Scenario {
        let repo = Repo::new();
        repo.ok(&["init", "--name", "demo"]);
        Scenario {
            repo,
            values: BTreeMap::new(),
        }
    }

    /// Runs cmos with the replay's environment: hermetic, and an editor that changes nothing.
    fn run(&self, args: &[String]) -> Output {
        hermetic(
            &mut Command::new(env!("CARGO_BIN_EXE_cmos")),
            &self.repo.home,
        )
        .env("EDITOR", "true")
        .env_remove("VISUAL")
        .args(args)
        .current_dir(&self.repo.path)
        .output()
        .expect("run cmos")
    }

    /// `{name}` replaced by the values captured so far.
    fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = text.to_string();
        for (name, value) in &self.values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        match out.find('{').and_then(|at| {
            let end = out[at..].find('}')?;
            let name = &out[at + 1..at + end];
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| name.to_string())
        }) {
            Some(name) => Err(format!("{{{name}}} was never captured (a `let` failed?)")),
            None => Ok(out),
        }
    }

    /// `cmos --json ARGS`, then the value at PATH of its data.
    fn read(&self, args: &str, path: &str) -> Result<Value, String> {
        let mut words = vec!["--json".to_string()];
        words.extend(shell_words(args)?);
        let out = self.run(&words);
        let envelope: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "`cmos {}` printed no JSON ({e}): {}",
                words.join(" "),
                text_of(&out)
            )
        })?;
        if envelope["ok"] != true {
            return Err(format!(
                "`cmos {}` failed: {}",
                words.join(" "),
                envelope["error"]
            ));
        }
        let mut value = &envelope["data"];
        for part in path.split('.').filter(|p| !p.is_empty()) {
            value = match part.parse::<usize>() {
                Ok(index) => &value[index],
                Err(_) => &value[part],
            };
        }
        Ok(value.clone())
    }

    /// Checks one expectation against the line's output; captures values for `let`.
    fn check(
        &mut self,
        expectation: &str,
        out: &Output,
        tip_before: &Option<String>,
    ) -> Result<(), String> {
        let expectation = self.substitute(expectation)?;
        let (verb, rest) = expectation
            .split_once(' ')
            .unwrap_or((expectation.as_str(), ""));
        match verb {
            "exit" => {
                let want: i32 = rest.trim().parse().map_err(|_| "exit N".to_string())?;
                let got = out.status.code();
                (got == Some(want))
                    .then_some(())
                    .ok_or_else(|| format!("exit {got:?}, the original documented {want}"))
            }
            "refused" => {
                let text = quoted(rest)?;
                if out.status.success() {
                    return Err(format!(
                        "succeeded; the line is refused on purpose ({text})"
                    ));
                }
                if !text_of(out).contains(&text) {
                    return Err(format!("the refusal does not name {text:?}"));
                }
                (self.repo.tip() == *tip_before)
                    .then_some(())
                    .ok_or_else(|| "refused, but the cmos branch moved".to_string())
            }
            "stdout" => {
                let text = quoted(rest.strip_prefix("has ").ok_or("stdout has \"TEXT\"")?)?;
                String::from_utf8_lossy(&out.stdout)
                    .contains(&text)
                    .then_some(())
                    .ok_or_else(|| format!("stdout lacks {text:?}"))
            }
            "file" => {
                let (path, test) = rest.split_once(' ').ok_or("file PATH exists|has")?;
                let full = self.repo.path.join(path);
                if test == "exists" {
                    return full
                        .exists()
                        .then_some(())
                        .ok_or_else(|| format!("no file {path}"));
                }
                let text = quoted(test.strip_prefix("has ").ok_or("file PATH has \"TEXT\"")?)?;
                let content = std::fs::read_to_string(&full)
                    .map_err(|e| format!("cannot read {path}: {e}"))?;
                content
                    .contains(&text)
                    .then_some(())
                    .ok_or_else(|| format!("{path} lacks {text:?}"))
            }
            "read" => {
                let (args, query) = rest.split_once(" @ ").ok_or("read ARGS @ PATH OP VALUE")?;
                let (path, test) = query.trim().split_once(' ').ok_or("read: PATH OP VALUE")?;
                let value = self.read(args, path)?;
                let (op, want) = test.split_once(' ').ok_or("read: OP VALUE")?;
                match op {
                    "==" => {
                        let want: Value = serde_json::from_str(want)
                            .map_err(|e| format!("read: {want} is not JSON: {e}"))?;
                        (value == want)
                            .then_some(())
                            .ok_or_else(|| format!("`{args}` {path} is {value}, not {want}"))
                    }
                    "has" => {
                        let text = quoted(want)?;
                        value
                            .to_string()
                            .contains(&text)
                            .then_some(())
                            .ok_or_else(|| format!("`{args}` {path} lacks {text:?}: {value}"))
                    }
                    "len" => {
                        let want: usize = want.parse().map_err(|_| "len N".to_string())?;
                        let got = value.as_array().map(Vec::len);
                        (got == Some(want)).then_some(()).ok_or_else(|| {
                            format!("`{args}` {path} has {got:?} items, not {want}: {value}")
                        })
                    }
                    other => Err(format!("unknown comparison {other}")),
                }
            }
            "let" => {
                let (name, query) = rest.split_once(" = ").ok_or("let NAME = ARGS @ PATH")?;
                let (args, path) = query.split_once(" @ ").ok_or("let NAME = ARGS @ PATH")?;
                let value = self.read(args, path.trim())?;
                let text = match value {
                    Value::String(s) => s,
                    Value::Null => return Err(format!("`{args}` has no {path}")),
                    other => other.to_string(),
                };
                self.values.insert(name.trim().to_string(), text);
                Ok(())
            }
            other => Err(format!("unknown expectation {other}")),
        }
    }
}

/// The text between the first and last double quote.
fn quoted(text: &str) -> Result<String, String> {
    let text = text.trim();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map(str::to_string)
        .ok_or_else(|| format!("expected \"TEXT\", got {text}"))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn text_of(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// What happened to one replayed line.
struct Outcome {
    line: usize,
    source: String,
    text: String,
    /// The line is refused on purpose (`=> refused`).
    refused: bool,
    failures: Vec<String>,
    output: String,
}

/// Runs one step; returns the failures (empty when it did what was documented).
fn run_step(scenario: &mut Scenario, step: &Step) -> (Vec<String>, String) {
    let words = match scenario
        .substitute(&step.text)
        .and_then(|text| shell_words(&text))
        .and_then(|words| {
            if step.setup {
                Ok(words)
            } else {
                without_program(&words).map(<[String]>::to_vec)
            }
        }) {
        Ok(words) => words,
        Err(e) => return (vec![e], String::new()),
    };
    let tip_before = scenario.repo.tip();
    let out = scenario.run(&words);
    let output = text_of(&out);
    let mut failures = Vec::new();
    let documents_exit = step
        .expectations
        .iter()
        .any(|(_, e)| e.starts_with("exit ") || e.starts_with("refused "));
    if !documents_exit && !out.status.success() {
        failures.push(format!("exit {:?}", out.status.code()));
    }
    if !step.setup && step.expectations.is_empty() {
        failures.push("no expectation: say what the original documented".to_string());
    }
    for (line, expectation) in &step.expectations {
        if let Err(e) = scenario.check(expectation, &out, &tip_before) {
            failures.push(format!("line {line}: {e}"));
        }
    }
    (failures, output)
}

/// Whether `prefix` starts `text` at a word boundary.
fn covers(prefix: &str, text: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

fn pending_owner(text: &str) -> Option<&'static str> {
    PENDING
        .iter()
        .find(|(prefix, _)| covers(prefix, text))
        .map(|(_, owner)| *owner)
}

/// Replays one block in a fresh project: the outcome of each replayed line, and the failures
/// of its setup lines.
fn replay_block(block: &Block) -> (Vec<Outcome>, Vec<String>) {
    let mut outcomes = Vec::new();
    let mut setup_failures = Vec::new();
    let mut scenario = Scenario::new();
    for step in &block.steps {
        let (failures, output) = run_step(&mut scenario, step);
        if step.setup {
            if !failures.is_empty() {
                setup_failures.push(format!(
                    "line {} ({}): setup `cmos {}` failed: {}\n{output}",
                    step.line,
                    block.source,
                    step.text,
                    failures.join("; ")
                ));
            }
            continue;
        }
        outcomes.push(Outcome {
            line: step.line,
            source: block.source.clone(),
            text: step.text.clone(),
            refused: step
                .expectations
                .iter()
                .any(|(_, e)| e.starts_with("refused ")),
            failures,
            output,
        });
    }
    (outcomes, setup_failures)
}

#[test]
fn shell_words_split_as_a_shell_does() {
    assert_eq!(
        shell_words(r#"./cmos/cli.py mission add B1.1 "Bootstrap runtime" --sprint 'Sprint 01' a\ b "q\"x" ''"#)
            .unwrap(),
        [
            "./cmos/cli.py",
            "mission",
            "add",
            "B1.1",
            "Bootstrap runtime",
            "--sprint",
            "Sprint 01",
            "a b",
            "q\"x",
            ""
        ]
    );
    assert!(shell_words("say \"unclosed").is_err());
}

#[test]
fn every_original_command_line_does_what_the_original_documented() {
    let blocks: Vec<Block> = parse_fixture(FIXTURE)
        .into_iter()
        .filter(|b| !b.steps.is_empty())
        .collect();
    // Blocks are independent projects: replay them on a few threads, keep the fixture's order.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(BTreeMap::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(block) = blocks.get(index) else {
                        break;
                    };
                    let result = replay_block(block);
                    results
                        .lock()
                        .expect("no thread panicked")
                        .insert(index, result);
                }
            });
        }
    });
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut setup_failures = Vec::new();
    for (block_outcomes, block_setup_failures) in
        results.into_inner().expect("results").into_values()
    {
        outcomes.extend(block_outcomes);
        setup_failures.extend(block_setup_failures);
    }

    let mut report = String::new();
    let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pending_per_owner: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut passing, mut refused) = (0, 0);
    let mut problems = setup_failures;
    for outcome in &outcomes {
        *per_source.entry(&outcome.source).or_default() += 1;
        let owner = pending_owner(&outcome.text);
        match (owner, outcome.failures.is_empty()) {
            (Some(owner), true) => problems.push(format!(
                "line {} ({}): now passes: remove it from PENDING ({owner}): {}",
                outcome.line, outcome.source, outcome.text
            )),
            (Some(owner), false) => {
                *pending_per_owner.entry(owner).or_default() += 1;
                if std::env::var_os("CMOS_REPLAY_PENDING").is_some() {
                    let _ = writeln!(
                        report,
                        "pending ({owner}) line {} ({}): {}\n  {}\n  output: {}",
                        outcome.line,
                        outcome.source,
                        outcome.text,
                        outcome.failures.join("\n  "),
                        first_line(&outcome.output)
                    );
                }
            }
            (None, true) => passing += 1,
            (None, false) => problems.push(format!(
                "line {} ({}): {}\n  {}\n  output: {}",
                outcome.line,
                outcome.source,
                outcome.text,
                outcome.failures.join("\n  "),
                outcome.output.trim_end().replace('\n', "\n          ")
            )),
        }
        if outcome.refused && outcome.failures.is_empty() && owner.is_none() {
            refused += 1;
        }
    }
    for (prefix, owner) in PENDING {
        if !outcomes.iter().any(|o| covers(prefix, &o.text)) {
            problems.push(format!(
                "PENDING entry {prefix:?} ({owner}) covers no line of the fixture"
            ));
        }
    }

    let _ = writeln!(report, "replayed lines per source:");
    for (source, count) in &per_source {
        let _ = writeln!(report, "  {count:4}  {source}");
    }
    let pending: usize = pending_per_owner.values().sum();
    let _ = writeln!(
        report,
        "{} lines: {passing} pass ({refused} of them refused on purpose), {pending} pending",
        outcomes.len()
    );
    for (owner, count) in &pending_per_owner {
        let _ = writeln!(report, "  pending {owner}: {count}");
    }
    eprintln!("{report}");
    assert!(
        problems.is_empty(),
        "{} of the original's lines do not do what it documented:\n\n{}\n\n{report}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_fixture_names_its_sources_and_no_line_is_silent() {
    let blocks = parse_fixture(FIXTURE);
    assert!(blocks.len() >= 10, "{} blocks", blocks.len());
    for block in &blocks {
        for step in block.steps.iter().filter(|s| !s.setup) {
            let words = shell_words(&step.text).expect("the line splits");
            without_program(&words).expect("a line of the original");
            assert!(
                !step.expectations.is_empty(),
                "line {}: no expectation",
                step.line
            );
        }
    }
}
