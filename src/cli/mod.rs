//! The `cmos` command line: clap definitions, one file per command group, and dispatch.

mod completions;
mod context;
mod hook;
mod init;
mod kb;
mod knowledge;
mod mcp;
mod migrate;
mod mission;
mod moves;
pub mod names;
pub mod output;
mod render;
mod research;
mod review;
mod session;
mod sprint;
mod status;
mod sync;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::{Error, Result};
use crate::model::ItemKind;
use crate::ops::Workspace;
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

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    #[command(subcommand)]
    Sprint(sprint::SprintCommand),
    #[command(subcommand)]
    Mission(mission::MissionCommand),
    #[command(subcommand)]
    Session(session::SessionCommand),
    #[command(subcommand)]
    Decision(knowledge::DecisionCommand),
    #[command(subcommand)]
    Fact(knowledge::FactCommand),
    /// Learnings: what was found out that the next agent should know.
    #[command(subcommand)]
    Learning(knowledge::NoteCommand),
    /// Constraints: rules the work must respect.
    #[command(subcommand)]
    Constraint(knowledge::NoteCommand),
    #[command(subcommand, name = "next-step")]
    NextStep(knowledge::NextStepCommand),
    Status(status::StatusArgs),
    #[command(subcommand)]
    Research(research::ResearchCommand),
    #[command(subcommand)]
    Kb(kb::KbCommand),
    Import(migrate::ImportArgs),
    #[command(subcommand)]
    Export(migrate::ExportCommand),
    Mcp(mcp::McpArgs),
    #[command(subcommand)]
    Agents(mcp::AgentsCommand),
    Sync(sync::SyncArgs),
    #[command(subcommand)]
    Hook(hook::HookCommand),
    History(review::HistoryArgs),
    Diff(review::DiffArgs),
    Verify(review::VerifyArgs),
    /// Take back this worktree's last operation, as a new commit.
    Undo,
    Conflicts(sync::ConflictsArgs),
    Context(context::ContextArgs),
    /// Everything a new agent needs to start: context plus what to do first.
    Onboard(context::ShapeArgs),
    Log(status::LogArgs),
    Completions(completions::CompletionsArgs),
}

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    let printer = Printer::new(cli.json);
    let (dir, agent) = (cli.dir.clone(), cli.agent.clone());
    match run(cli, &printer) {
        Ok(()) => 0,
        Err(err) => {
            let context = printer
                .json
                .then(|| context_after_error(dir, agent))
                .flatten();
            printer.error(&err, context);
            err.exit_code()
        }
    }
}

fn run(cli: Cli, printer: &Printer) -> Result<()> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args, printer);
    }
    if let Command::Mcp(mcp::McpArgs {
        print_config: Some(client),
        ..
    }) = &cli.command
    {
        return mcp::print_config(client);
    }
    let repo = match &cli.command {
        Command::Mcp(args) => args.repo.clone(),
        _ => None,
    };
    let dir = match repo.as_ref().or(cli.dir.as_ref()) {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()
            .map_err(|e| Error::io("cannot read the current directory", e))?,
    };
    let ws = Workspace::open(&dir, cli.agent.clone())?;
    let printer = &printer.for_workspace(&ws);
    let result = match cli.command {
        Command::Init(args) => init::run(&ws, args, printer),
        Command::Sprint(cmd) => sprint::run(&ws, cmd, printer),
        Command::Mission(cmd) => mission::run(&ws, cmd, printer),
        Command::Session(cmd) => session::run(&ws, cmd, printer),
        Command::Decision(cmd) => knowledge::run_decision(&ws, cmd, printer),
        Command::Fact(cmd) => knowledge::run_fact(&ws, cmd, printer),
        Command::Learning(cmd) => knowledge::run_note(&ws, ItemKind::Learning, cmd, printer),
        Command::Constraint(cmd) => knowledge::run_note(&ws, ItemKind::Constraint, cmd, printer),
        Command::NextStep(cmd) => knowledge::run_next_step(&ws, cmd, printer),
        Command::Status(args) => status::run_status(&ws, args, printer),
        Command::Research(cmd) => research::run(&ws, cmd, printer),
        Command::Kb(cmd) => kb::run(&ws, cmd, printer),
        Command::Import(args) => migrate::run_import(&ws, args, printer),
        Command::Export(cmd) => migrate::run_export(&ws, cmd, printer),
        Command::Mcp(_) => mcp::serve(&ws),
        Command::Agents(cmd) => mcp::run_agents(&ws, cmd, printer),
        Command::Sync(args) => sync::run(&ws, args, printer),
        Command::Hook(cmd) => hook::run(&ws, cmd, printer),
        Command::History(args) => review::run_history(&ws, args, printer),
        Command::Diff(args) => review::run_diff(&ws, args, printer),
        Command::Verify(args) => review::run_verify(&ws, args, printer),
        Command::Undo => review::run_undo(&ws, printer),
        Command::Conflicts(args) => sync::run_conflicts(&ws, args, printer),
        Command::Context(args) => context::run(&ws, args, printer),
        Command::Onboard(args) => context::run_onboard(&ws, args, printer),
        Command::Log(args) => status::run_log(&ws, args, printer),
        Command::Completions(_) => unreachable!("handled above"),
    };
    // The process ends right after this: handing the repository's buffers back to the
    // allocator one by one would only make every command slower.
    std::mem::forget(ws);
    result
}

/// Where the project stands, for the instructions of an error envelope; None if unreadable.
fn context_after_error(
    dir: Option<PathBuf>,
    agent: Option<String>,
) -> Option<crate::ops::Instructions> {
    let dir = dir.or_else(|| std::env::current_dir().ok())?;
    let ws = Workspace::open(&dir, agent).ok()?;
    crate::ops::envelope::context_of(&ws)
}

/// Usage errors: clap's own text, or the JSON envelope when JSON was asked for.
fn usage_error(err: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let wants_json = std::env::args().any(|a| a == "--json")
        || std::env::var("CMOS_JSON").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
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
    Printer::new(true).error(&Error::InvalidInput(first), None);
    2
}
