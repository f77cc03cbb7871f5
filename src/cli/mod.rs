//! The `cmos` command line: clap definitions, one file per command group, and dispatch.

mod board;
mod check;
mod command_context;
mod completions;
mod context;
mod db;
mod deferred;
mod hook;
mod init;
mod input;
mod kb;
mod knowledge;
mod mcp;
mod memory;
mod merge;
mod metric;
mod migrate;
mod mission;
pub mod names;
mod original;
pub mod output;
mod parse;
mod policy;
mod process;
mod render;
mod report;
mod research;
mod review;
mod session;
mod sprint;
mod status;
mod sync;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::model::ItemKind;
use crate::ops::Workspace;
use command_context::CommandContext;
use deferred::Deferred;
use output::Printer;

/// cmos: shared project memory for AI coding agents and the people who steer them.
///
/// State lives as TOML and JSON Lines on the `cmos` branch of this repository; every command
/// that changes something is one commit there. HEAD, the index and your files are never touched.
#[derive(Debug, Parser)]
#[command(name = "cmos", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Print one JSON envelope {schema_version, ok, data, warnings, error, instructions}.
    #[arg(long, global = true, env = "CMOS_JSON", value_parser = clap::builder::FalseyValueParser::new())]
    pub json: bool,

    /// Run as if cmos was started in DIR (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Who is acting, recorded on commits and events [default: $CMOS_AGENT, else git user.name].
    #[arg(long, global = true, value_name = "NAME")]
    pub agent: Option<String>,

    #[command(flatten)]
    pub original: original::RefusedFlags,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands. Groups of subcommands and commands' arguments are `Deferred`: clap builds
/// them only when the command line reaches them, so their one-line help is written here, on
/// the variant.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the cmos branch with the project record, or say it already exists.
    ///
    /// Works from any subdirectory or linked worktree and in bare repositories. In a clone whose
    /// remote already has a cmos branch, init adopts it instead of starting a second history.
    Init(Deferred<init::InitArgs>),
    /// Plan work in sprints.
    #[command(subcommand)]
    Sprint(Deferred<sprint::SprintCommand>),
    /// Plan, track and finish missions.
    #[command(subcommand)]
    Mission(Deferred<mission::MissionCommand>),
    /// Work in sessions and note what matters as you go.
    #[command(subcommand)]
    Session(Deferred<session::SessionCommand>),
    /// Decisions and their rationale; a newer decision can supersede an older one.
    #[command(subcommand, visible_alias = "decisions")]
    Decision(Deferred<knowledge::decision::DecisionCommand>),
    /// Facts: statements of truth, optionally pinned to files so they can be flagged stale.
    #[command(subcommand)]
    Fact(Deferred<knowledge::fact::FactCommand>),
    /// Learnings: what was found out that the next agent should know.
    #[command(subcommand)]
    Learning(Deferred<knowledge::review::LearningCommand>),
    /// Constraints: rules the work must respect.
    #[command(subcommand)]
    Constraint(Deferred<knowledge::note::NoteCommand>),
    /// Next steps left for whoever comes next: mark them done or dropped, or carry them on.
    #[command(subcommand, name = "next-step")]
    NextStep(Deferred<knowledge::next_step::NextStepCommand>),
    /// What the project remembers: decisions, learnings, constraints, facts, notes, next steps.
    #[command(subcommand)]
    Memory(Deferred<memory::MemoryCommand>),
    /// Where the project stands: current sprint, work in progress, blockers and the next mission.
    Status(Deferred<status::StatusArgs>),
    /// Reports of research missions.
    #[command(subcommand)]
    Research(Deferred<research::ResearchCommand>),
    /// Search what the project knows: its markdown documents and every record on the branch.
    #[command(subcommand)]
    Kb(Deferred<kb::KbCommand>),
    /// Bring in a project's memory from the original CMOS or a peer tool, as one commit.
    ///
    /// Values cmos cannot map are kept verbatim and reported; records the branch already has are
    /// left alone, so running an import again changes nothing.
    Import(Deferred<migrate::ImportArgs>),
    /// Write the project's memory as the original CMOS's files, or everything with a dump.
    #[command(subcommand)]
    Export(Deferred<migrate::ExportCommand>),
    /// Serve the cmos tools to an MCP client (Claude Code, Cursor, Codex) over stdin/stdout.
    Mcp(Deferred<mcp::McpArgs>),
    /// Tell agents how to work with cmos, in their instructions file.
    #[command(subcommand)]
    Agents(Deferred<mcp::AgentsCommand>),
    /// Fetch the remote's cmos branch, merge it with ours, push the result.
    Sync(Deferred<sync::SyncArgs>),
    /// Merge another cmos branch (a team's) into this clone's, as sync merges; push with sync.
    Merge(Deferred<merge::MergeArgs>),
    /// Git hooks that log commits against the active mission and session.
    #[command(subcommand)]
    Hook(Deferred<hook::HookCommand>),
    /// Every change to one mission, field by field, newest first.
    History(Deferred<review::HistoryArgs>),
    /// What changed between two revisions of the branch (or named snapshots): missions, sprints
    /// and sessions field by field, decisions and other items by status, the notes.
    Diff(Deferred<review::DiffArgs>),
    /// Check a cmos branch: schema, ids, links, cycles, duplicates, logs. Exits 6 on problems.
    Verify(Deferred<review::VerifyArgs>),
    /// Take back this worktree's last operation, as a new commit.
    Undo,
    /// Fields changed on both sides that syncs resolved: what was kept and what was not.
    Conflicts(Deferred<sync::ConflictsArgs>),
    /// The working memory an agent loads, ranked and cut to a token budget.
    ///
    /// `--format json` (or `--json`) prints one envelope whose `data` is what a planning tool
    /// reads, always of this shape: `project` (the name); `sections`, in order of importance,
    /// each `{name, title, entries: [{id?, text}], omitted, more?}` where `name` is one of
    /// project, active, in_progress, next, constraints, blocked, last_session, next_steps,
    /// decisions, notes, learnings (a section with nothing in it is left out); `budget`
    /// `{tokens, used, estimate, omitted}`; and `view` `{read: now|as_of|session|snapshot,
    /// commit, commit_at, note, as_of, snapshot, domain, recent_limit}`, which says which commit
    /// of the cmos branch was read. `--format yaml` prints the same `data` as YAML.
    Context(Deferred<context::ContextArgs>),
    /// Everything a new agent needs to start: context plus what to do first.
    Onboard(Deferred<context::ShapeArgs>),
    Log(status::LogArgs),
    /// Print a shell completion script, e.g. `cmos completions bash > ~/.local/share/bash-completion/completions/cmos`.
    Completions(Deferred<completions::CompletionsArgs>),
    /// Check the project: the branch's health, the documents it points at.
    #[command(subcommand)]
    Validate(Deferred<validate::ValidateCommand>),
    /// The original CMOS's `db` commands: the plan, its files, and set-up.
    ///
    /// The original kept a SQLite database; cmos keeps the same records on the cmos branch, so
    /// these commands read and write that branch and the files the original exported.
    #[command(subcommand)]
    Db(Deferred<db::DbCommand>),
    /// Metrics of sessions and missions: tokens, latency, accepted work, defects.
    #[command(subcommand)]
    Metric(Deferred<metric::MetricCommand>),
    /// Roll-ups of the metrics: per mission and per session type.
    #[command(subcommand)]
    Report(Deferred<report::ReportCommand>),
    /// Policies: validation thresholds, limits and model routing, kept on the cmos branch
    /// (`.cmos/policy.toml`) so every clone reads the same. Policies are data only: nothing in
    /// them is ever run.
    #[command(subcommand)]
    Policy(Deferred<policy::PolicyCommand>),
    /// Local checks that run before a mission completes.
    ///
    /// A check is a name, a shell command and the paths it covers, kept in this repository's git
    /// config (never on the cmos branch, so pulling a branch never runs anything): `git config
    /// cmos.check.test.command 'cargo test'`, `git config --add cmos.check.test.paths 'src/**'`,
    /// `git config cmos.check.test.timeout 10m` (default 10m). `mission complete` runs the checks
    /// whose paths its commits touched.
    #[command(subcommand)]
    Check(Deferred<check::CheckCommand>),
    /// The project's process graph: states, the events that move between them, and what each
    /// move suggests doing.
    #[command(subcommand)]
    Process(Deferred<process::ProcessCommand>),
    /// The project's state in its process graph.
    #[command(subcommand)]
    Fsm(Deferred<process::FsmCommand>),
    /// Serve a web board of the project on 127.0.0.1: kanban, burndown, dependency graph,
    /// timeline and mission pages, updated live when the cmos branch moves. Dragging a card
    /// moves the mission as `mission update --status` would, one commit by the board's agent
    /// (--agent, else $CMOS_AGENT, else "board"). Prints the URL first; stop it with Ctrl-C.
    Board(Deferred<board::BoardArgs>),
}

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let ctx = CommandContext::new(cli.dir, cli.agent, cli.json);
    let result = match cli.original.refusal() {
        Some(refused) => Err(refused),
        None => run(&ctx, cli.command),
    };
    match result {
        Ok(()) => ctx.exit_code(),
        Err(err) => {
            let printer = ctx.printer();
            let context = printer.json.then(|| ctx.error_context()).flatten();
            printer.error(&err, context);
            err.exit_code()
        }
    }
}

/// Runs one command; each asks the context for what it needs (the project, the printer).
fn run(ctx: &CommandContext, command: Command) -> Result<()> {
    match command {
        Command::Init(Deferred(args)) => init::run(ctx, args),
        Command::Sprint(Deferred(cmd)) => sprint::run(ctx, cmd),
        Command::Mission(Deferred(cmd)) => mission::run(ctx, cmd),
        Command::Session(Deferred(cmd)) => session::run(ctx, cmd),
        Command::Decision(Deferred(cmd)) => knowledge::decision::run(ctx, cmd),
        Command::Fact(Deferred(cmd)) => knowledge::fact::run(ctx, cmd),
        Command::Learning(Deferred(cmd)) => knowledge::review::run_learning(ctx, cmd),
        Command::Constraint(Deferred(cmd)) => knowledge::note::run(ctx, ItemKind::Constraint, cmd),
        Command::NextStep(Deferred(cmd)) => knowledge::next_step::run(ctx, cmd),
        Command::Memory(Deferred(cmd)) => memory::run(ctx, cmd),
        Command::Status(Deferred(args)) => status::run_status(ctx, args),
        Command::Research(Deferred(cmd)) => research::run(ctx, cmd),
        Command::Kb(Deferred(cmd)) => kb::run(ctx, cmd),
        Command::Mcp(Deferred(args)) => mcp::run(ctx, args),
        Command::Agents(Deferred(cmd)) => mcp::run_agents(ctx, cmd),
        Command::Context(Deferred(args)) => context::run(ctx, args),
        Command::Onboard(Deferred(args)) => context::run_onboard(ctx, args),
        Command::Log(args) => status::run_log(ctx, args),
        Command::Completions(Deferred(args)) => completions::run(ctx, &args),
        Command::Validate(Deferred(cmd)) => validate::run(ctx, cmd),
        Command::Db(Deferred(cmd)) => db::run(ctx, cmd),
        Command::Metric(Deferred(cmd)) => metric::run(ctx, cmd),
        Command::Report(Deferred(cmd)) => report::run(ctx, cmd),
        Command::Policy(Deferred(cmd)) => policy::run(ctx, cmd),
        Command::Check(Deferred(cmd)) => check::run(ctx, cmd),
        Command::Process(Deferred(cmd)) => process::run(ctx, cmd),
        Command::Fsm(Deferred(cmd)) => process::run_fsm(ctx, cmd),
        Command::Board(Deferred(args)) => board::run(ctx, args),
        // These take the project and the printer directly.
        Command::Import(Deferred(args)) => {
            with_workspace(ctx, |ws, p| migrate::run_import(ws, args, p))
        }
        Command::Export(Deferred(cmd)) => {
            with_workspace(ctx, |ws, p| migrate::run_export(ws, cmd, p))
        }
        Command::Sync(Deferred(args)) => with_workspace(ctx, |ws, p| sync::run(ws, args, p)),
        Command::Merge(Deferred(args)) => with_workspace(ctx, |ws, p| merge::run(ws, args, p)),
        Command::Conflicts(Deferred(args)) => {
            with_workspace(ctx, |ws, p| sync::run_conflicts(ws, args, p))
        }
        Command::Hook(Deferred(cmd)) => with_workspace(ctx, |ws, p| hook::run(ws, cmd, p)),
        Command::History(Deferred(args)) => {
            with_workspace(ctx, |ws, p| review::run_history(ws, args, p))
        }
        Command::Diff(Deferred(args)) => with_workspace(ctx, |ws, p| review::run_diff(ws, args, p)),
        Command::Verify(Deferred(args)) => {
            with_workspace(ctx, |ws, p| review::run_verify(ws, args, p))
        }
        Command::Undo => with_workspace(ctx, review::run_undo),
    }
}

fn with_workspace(
    ctx: &CommandContext,
    command: impl FnOnce(&Workspace, &Printer) -> Result<()>,
) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    command(ws, &printer)
}

/// Usage errors: clap's own text, or the JSON envelope when JSON was asked for.
fn usage_error(err: clap::Error) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let wants_json = std::env::args().any(|a| a == "--json")
        || std::env::var("CMOS_JSON").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    if err.kind() == ErrorKind::UnknownArgument
        && let Some(ContextValue::String(unknown)) = err.get(ContextKind::InvalidArg)
        && let Some(refused) =
            original::refusal_for_unknown(unknown, &std::env::args_os().collect::<Vec<_>>())
    {
        let colour = !wants_json && output::colour_wanted(&std::io::stdout());
        Printer::new(wants_json, output::Style::new(colour), None).error(&refused, None);
        return refused.exit_code();
    }
    let informational = matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand;
    if !wants_json || informational {
        let _ = err.print();
        return err.exit_code();
    }
    let message = err.render().to_string();
    let first = message.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let style = output::Style::new(false);
    Printer::new(true, style, None).error(&Error::InvalidInput(first), None);
    2
}

#[cfg(test)]
mod tests;
