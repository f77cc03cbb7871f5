//! cmos against its peers on one generated project: the same tasks written as Backlog.md task
//! files and as task-master's `tasks.json` in one git repository, and brought into cmos with
//! `cmos import backlog-md`, so all three answer about identical work. Each tool is asked the
//! same questions as whole processes (the next task, one task, the whole list, a status change,
//! a new task); the runs are interleaved (cmos, Backlog.md, task-master, then the next
//! question) so a busy machine slows all three alike, and the table gives medians and ratios.
//!
//! `cargo bench --bench peers` measures projects of 1,000 and 10,000 tasks (CMOS_PEERS_SIZES
//! chooses others, e.g. `1000,10000,100000`) and installs the peers with npm under
//! `target/peers` when they are missing (CMOS_PEERS_DIR names another install). Without
//! `--bench` (`cargo test` runs it so) it is a smoke check: a 100-task project, one run, the
//! answers checked; the peers take part only when already installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BACKLOG_MD: &str = "backlog.md@1.52.0";
const TASK_MASTER: &str = "task-master-ai@0.43.1";
const FULL_SIZES: [usize; 2] = [1_000, 10_000];
const FULL_RUNS: usize = 5;
const SMOKE_TASKS: usize = 100;
const AREAS: [&str; 6] = ["billing", "search", "auth", "reporting", "sync", "storage"];

#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Cmos,
    BacklogMd,
    TaskMaster,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Cmos => "cmos",
            Tool::BacklogMd => "Backlog.md",
            Tool::TaskMaster => "task-master",
        }
    }
}

#[derive(Clone, Copy)]
enum Question {
    Next,
    Show,
    List,
    Start,
    Add,
}

const QUESTIONS: [Question; 5] = [
    Question::Next,
    Question::Show,
    Question::List,
    Question::Start,
    Question::Add,
];

impl Question {
    fn label(self) -> &'static str {
        match self {
            Question::Next => "next task",
            Question::Show => "show one task",
            Question::List => "list every task",
            Question::Start => "status change (a write)",
            Question::Add => "add a task (a write)",
        }
    }
}

/// The generated project: how many tasks, and which ones the questions are about.
struct Project {
    tasks: usize,
}

impl Project {
    /// A task in the middle of the open ones, shown by every run.
    fn shown(&self) -> usize {
        self.tasks * 7 / 10
    }

    /// The task run `run` starts: an odd one (no dependencies) among the open tasks, a
    /// different one per run so every write changes something.
    fn started(&self, run: usize) -> usize {
        let first_open = self.tasks * 6 / 10 + 1;
        (first_open | 1) + 2 * run
    }

    fn status(&self, k: usize) -> (&'static str, &'static str) {
        if k <= self.tasks / 2 {
            ("Done", "done")
        } else if k <= self.tasks * 6 / 10 {
            ("In Progress", "in-progress")
        } else {
            ("To Do", "pending")
        }
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cmos = PathBuf::from(env!("CARGO_BIN_EXE_cmos"));
    let peers = peers_dir(full);
    let sizes = if full { sizes() } else { vec![SMOKE_TASKS] };
    let runs = if full { FULL_RUNS } else { 1 };
    println!(
        "peer comparison ({}): {runs} run(s) per question and tool, interleaved; whole processes",
        if full { "full" } else { "smoke" }
    );
    let mut tools = vec![Tool::Cmos];
    match &peers {
        Ok(dir) => {
            println!("peers: {}", dir.display());
            tools.extend([Tool::BacklogMd, Tool::TaskMaster]);
        }
        Err(why) => println!("peers left out: {why}"),
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average before: {}", load.trim());
    }
    for tasks in sizes {
        let project = Project { tasks };
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let home = tmp.path().join("home");
        let repo = tmp.path().join("project");
        std::fs::create_dir_all(&home).expect("home");
        let started = Instant::now();
        generate(&project, &repo);
        let runner = Runner {
            cmos: &cmos,
            peers: peers.as_deref().ok(),
            home: &home,
            repo: &repo,
        };
        runner.check(Tool::Cmos, &["init"]);
        runner.check(Tool::Cmos, &["import", "backlog-md", "backlog/"]);
        println!(
            "\n{tasks} tasks (generated and imported into cmos in {:.1} s)",
            started.elapsed().as_secs_f64()
        );
        if !full {
            smoke_checks(&runner, &project);
        }
        let medians = measure(&runner, &project, &tools, runs);
        print_table(&tools, &medians);
    }
}

fn sizes() -> Vec<usize> {
    match std::env::var("CMOS_PEERS_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("CMOS_PEERS_SIZES: numbers separated by commas")
            })
            .collect(),
        Err(_) => FULL_SIZES.to_vec(),
    }
}

/// Where the peers' command-line programs are, installing them in a full run.
fn peers_dir(install: bool) -> Result<PathBuf, String> {
    let dir = std::env::var_os("CMOS_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peers"));
    let installed = |d: &Path| {
        d.join("node_modules/.bin/backlog").exists()
            && d.join("node_modules/.bin/task-master").exists()
    };
    if installed(&dir) {
        return Ok(dir);
    }
    if !install {
        return Err(format!(
            "not installed in {} (a full run, `cargo bench --bench peers`, installs them)",
            dir.display()
        ));
    }
    println!(
        "installing {BACKLOG_MD} and {TASK_MASTER} with npm into {}",
        dir.display()
    );
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let status = Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .args([BACKLOG_MD, TASK_MASTER])
        .status()
        .map_err(|e| format!("npm could not start: {e}"))?;
    if status.success() && installed(&dir) {
        Ok(dir)
    } else {
        Err(format!("npm install failed ({status})"))
    }
}

/// Writes the project: Backlog.md's folder and config, task-master's file, one git commit.
fn generate(project: &Project, repo: &Path) {
    let tasks_dir = repo.join("backlog/tasks");
    for sub in [
        "tasks",
        "drafts",
        "docs",
        "decisions",
        "completed",
        "archive/tasks",
    ] {
        std::fs::create_dir_all(repo.join("backlog").join(sub)).expect("backlog folders");
    }
    std::fs::create_dir_all(repo.join(".taskmaster/tasks")).expect("task-master folder");
    std::fs::write(repo.join("backlog/config.yml"), BACKLOG_CONFIG).expect("config");
    let mut json = String::from("{\"master\":{\"tasks\":[\n");
    for k in 1..=project.tasks {
        let (status, tm_status) = project.status(k);
        let area = AREAS[k % AREAS.len()];
        let priority = ["high", "medium", "low"][k % 3];
        let day = 1 + k % 28;
        let depends_on = (k % 2 == 0).then(|| k - 1);
        let deps_md = depends_on.map_or("[]".to_string(), |d| format!("[task-{d}]"));
        std::fs::write(
            tasks_dir.join(format!("task-{k} - Task-{k}.md")),
            format!(
                "---\nid: task-{k}\ntitle: Task {k} in {area}\nstatus: {status}\nassignee: []\n\
                 created_date: '2025-10-{day:02} 10:00'\nlabels: [{area}]\n\
                 dependencies: {deps_md}\npriority: {priority}\n---\n\n## Description\n\n\
                 Make the {area} part do thing {k}, then check it against the spec.\n"
            ),
        )
        .expect("task file");
        let deps_json = depends_on.map_or(String::new(), |d| d.to_string());
        json.push_str(&format!(
            "{}{{\"id\":{k},\"title\":\"Task {k} in {area}\",\"description\":\"Make the {area} part \
             do thing {k}, then check it against the spec.\",\"details\":\"\",\"testStrategy\":\"\",\
             \"status\":\"{tm_status}\",\"dependencies\":[{deps_json}],\"priority\":\"{priority}\",\
             \"subtasks\":[]}}\n",
            if k > 1 { "," } else { "" }
        ));
    }
    json.push_str(
        "],\"metadata\":{\"created\":\"2025-10-01T10:00:00.000Z\",\"updated\":\"2025-10-01T10:00:00.000Z\",\"description\":\"generated\"}}}\n",
    );
    std::fs::write(repo.join(".taskmaster/tasks/tasks.json"), json).expect("tasks.json");
    std::fs::write(repo.join(".taskmaster/config.json"), TASK_MASTER_CONFIG).expect("config");
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "generated project"]);
}

const BACKLOG_CONFIG: &str = "project_name: \"bench\"\ndefault_status: \"To Do\"\n\
statuses: [\"To Do\", \"In Progress\", \"Done\"]\nlabels: []\ndate_format: yyyy-mm-dd\n\
max_column_width: 20\nauto_open_browser: false\ndefault_port: 6420\nremote_operations: false\n\
auto_commit: false\nfilesystem_only: false\nbypass_git_hooks: false\n\
check_active_branches: false\nactive_branch_days: 30\ntask_prefix: \"task\"\n";

const TASK_MASTER_CONFIG: &str =
    "{\"global\":{\"logLevel\":\"silent\",\"defaultTag\":\"master\"}}\n";

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the three tools in the project, hermetically.
struct Runner<'a> {
    cmos: &'a Path,
    peers: Option<&'a Path>,
    home: &'a Path,
    repo: &'a Path,
}

impl Runner<'_> {
    fn command(&self, tool: Tool) -> Command {
        let program = match tool {
            Tool::Cmos => self.cmos.to_path_buf(),
            Tool::BacklogMd => self.peer_bin("backlog"),
            Tool::TaskMaster => self.peer_bin("task-master"),
        };
        let mut cmd = Command::new(program);
        cmd.current_dir(self.repo)
            .env("HOME", self.home)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Bench")
            .env("GIT_AUTHOR_EMAIL", "bench@example.com")
            .env("GIT_COMMITTER_NAME", "Bench")
            .env("GIT_COMMITTER_EMAIL", "bench@example.com")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }

    fn peer_bin(&self, name: &str) -> PathBuf {
        self.peers
            .expect("peers are installed")
            .join("node_modules/.bin")
            .join(name)
    }

    /// Runs a command that must succeed; its standard output.
    fn check(&self, tool: Tool, args: &[&str]) -> String {
        let out = self.command(tool).args(args).output().expect("starts");
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}",
            tool.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whole-process milliseconds of one answer, or None when the tool has no such question.
    fn time(&self, tool: Tool, question: Question, project: &Project, run: usize) -> Option<f64> {
        let args = arguments(tool, question, project, run)?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = Instant::now();
        let out = self
            .command(tool)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("starts");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}",
            tool.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(ms)
    }
}

/// What each tool is asked for each question; None where it has no such command.
fn arguments(tool: Tool, question: Question, project: &Project, run: usize) -> Option<Vec<String>> {
    let shown = project.shown();
    let started = project.started(run);
    let new_task = format!("Task added by run {run}");
    let words: Vec<String> = match (tool, question) {
        (Tool::Cmos, Question::Next) => vec!["mission".into(), "next".into()],
        (Tool::Cmos, Question::Show) => {
            vec!["mission".into(), "show".into(), format!("task-{shown}")]
        }
        (Tool::Cmos, Question::List) => vec!["mission".into(), "list".into()],
        (Tool::Cmos, Question::Start) => {
            vec!["mission".into(), "start".into(), format!("task-{started}")]
        }
        (Tool::Cmos, Question::Add) => vec!["mission".into(), "add".into(), new_task],
        (Tool::BacklogMd, Question::Next) => return None,
        (Tool::BacklogMd, Question::Show) => {
            vec![
                "task".into(),
                "view".into(),
                format!("task-{shown}"),
                "--plain".into(),
            ]
        }
        (Tool::BacklogMd, Question::List) => vec!["task".into(), "list".into(), "--plain".into()],
        (Tool::BacklogMd, Question::Start) => vec![
            "task".into(),
            "edit".into(),
            format!("task-{started}"),
            "-s".into(),
            "In Progress".into(),
        ],
        (Tool::BacklogMd, Question::Add) => {
            vec!["task".into(), "create".into(), new_task, "--plain".into()]
        }
        (Tool::TaskMaster, Question::Next) => vec!["next".into()],
        (Tool::TaskMaster, Question::Show) => vec!["show".into(), shown.to_string()],
        (Tool::TaskMaster, Question::List) => vec!["list".into()],
        (Tool::TaskMaster, Question::Start) => vec![
            "set-status".into(),
            format!("--id={started}"),
            "--status=in-progress".into(),
        ],
        (Tool::TaskMaster, Question::Add) => vec![
            "add-task".into(),
            format!("--title={new_task}"),
            "--description=Added by the benchmark".into(),
        ],
    };
    Some(words)
}

/// The smoke run's checks: every tool sees the same generated work.
fn smoke_checks(runner: &Runner, project: &Project) {
    let shown = project.shown();
    let list = runner.check(Tool::Cmos, &["mission", "list"]);
    let rows = list.lines().filter(|l| l.starts_with("task-")).count();
    assert_eq!(rows, project.tasks, "cmos lists every imported task");
    let show = runner.check(Tool::Cmos, &["mission", "show", &format!("task-{shown}")]);
    assert!(
        show.contains(&format!("Task {shown} in")),
        "cmos shows the task: {show}"
    );
    if runner.peers.is_some() {
        let view = runner.check(
            Tool::BacklogMd,
            &["task", "view", &format!("task-{shown}"), "--plain"],
        );
        assert!(
            view.contains(&format!("Task {shown} in")),
            "Backlog.md shows it: {view}"
        );
        let tm = runner.check(Tool::TaskMaster, &["show", &shown.to_string()]);
        assert!(
            tm.contains(&format!("Task {shown} in")),
            "task-master shows it: {tm}"
        );
    }
}

/// Median milliseconds per question and tool.
fn measure(
    runner: &Runner,
    project: &Project,
    tools: &[Tool],
    runs: usize,
) -> Vec<Vec<Option<f64>>> {
    let mut samples = vec![vec![Vec::new(); tools.len()]; QUESTIONS.len()];
    for run in 0..runs {
        for (q, &question) in QUESTIONS.iter().enumerate() {
            for (t, &tool) in tools.iter().enumerate() {
                if let Some(ms) = runner.time(tool, question, project, run) {
                    samples[q][t].push(ms);
                }
            }
        }
    }
    samples
        .into_iter()
        .map(|per_tool| per_tool.into_iter().map(median).collect())
        .collect()
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

fn print_table(tools: &[Tool], medians: &[Vec<Option<f64>>]) {
    let mut header = format!("| {:<24} |", "question (median ms)");
    for tool in tools {
        header.push_str(&format!(" {:>12} |", tool.name()));
    }
    for tool in &tools[1..] {
        header.push_str(&format!(" {:>14} |", format!("{} / cmos", tool.name())));
    }
    println!("{header}");
    for (question, row) in QUESTIONS.iter().zip(medians) {
        let mut line = format!("| {:<24} |", question.label());
        for value in row {
            line.push_str(&format!(
                " {:>12} |",
                value.map_or("—".into(), |v| format!("{v:.1}"))
            ));
        }
        for value in &row[1..] {
            let ratio = match (value, row[0]) {
                (Some(peer), Some(cmos)) if cmos > 0.0 => format!("{:.0}×", peer / cmos),
                _ => "—".into(),
            };
            line.push_str(&format!(" {ratio:>14} |"));
        }
        println!("{line}");
    }
}
