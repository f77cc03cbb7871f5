//! The `cmos` command line: clap definitions, one file per command group, and dispatch.

mod board;
mod check;
mod command_context;
mod completions;
mod context;
mod db;
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

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    #[command(subcommand)]
    Sprint(sprint::SprintCommand),
    #[command(subcommand)]
    Mission(mission::MissionCommand),
    #[command(subcommand)]
    Session(session::SessionCommand),
    #[command(subcommand, visible_alias = "decisions")]
    Decision(knowledge::decision::DecisionCommand),
    #[command(subcommand)]
    Fact(knowledge::fact::FactCommand),
    /// Learnings: what was found out that the next agent should know.
    #[command(subcommand)]
    Learning(knowledge::review::LearningCommand),
    /// Constraints: rules the work must respect.
    #[command(subcommand)]
    Constraint(knowledge::note::NoteCommand),
    #[command(subcommand, name = "next-step")]
    NextStep(knowledge::next_step::NextStepCommand),
    #[command(subcommand)]
    Memory(memory::MemoryCommand),
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
    Merge(merge::MergeArgs),
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
    #[command(subcommand)]
    Validate(validate::ValidateCommand),
    #[command(subcommand)]
    Db(db::DbCommand),
    #[command(subcommand)]
    Metric(metric::MetricCommand),
    #[command(subcommand)]
    Report(report::ReportCommand),
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    #[command(subcommand)]
    Check(check::CheckCommand),
    #[command(subcommand)]
    Process(process::ProcessCommand),
    #[command(subcommand)]
    Fsm(process::FsmCommand),
    Board(board::BoardArgs),
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
        Command::Init(args) => init::run(ctx, args),
        Command::Sprint(cmd) => sprint::run(ctx, cmd),
        Command::Mission(cmd) => mission::run(ctx, cmd),
        Command::Session(cmd) => session::run(ctx, cmd),
        Command::Decision(cmd) => knowledge::decision::run(ctx, cmd),
        Command::Fact(cmd) => knowledge::fact::run(ctx, cmd),
        Command::Learning(cmd) => knowledge::review::run_learning(ctx, cmd),
        Command::Constraint(cmd) => knowledge::note::run(ctx, ItemKind::Constraint, cmd),
        Command::NextStep(cmd) => knowledge::next_step::run(ctx, cmd),
        Command::Memory(cmd) => memory::run(ctx, cmd),
        Command::Status(args) => status::run_status(ctx, args),
        Command::Research(cmd) => research::run(ctx, cmd),
        Command::Kb(cmd) => kb::run(ctx, cmd),
        Command::Mcp(args) => mcp::run(ctx, args),
        Command::Agents(cmd) => mcp::run_agents(ctx, cmd),
        Command::Context(args) => context::run(ctx, args),
        Command::Onboard(args) => context::run_onboard(ctx, args),
        Command::Log(args) => status::run_log(ctx, args),
        Command::Completions(args) => completions::run(ctx, &args),
        Command::Validate(cmd) => validate::run(ctx, cmd),
        Command::Db(cmd) => db::run(ctx, cmd),
        Command::Metric(cmd) => metric::run(ctx, cmd),
        Command::Report(cmd) => report::run(ctx, cmd),
        Command::Policy(cmd) => policy::run(ctx, cmd),
        Command::Check(cmd) => check::run(ctx, cmd),
        Command::Process(cmd) => process::run(ctx, cmd),
        Command::Fsm(cmd) => process::run_fsm(ctx, cmd),
        Command::Board(args) => board::run(ctx, args),
        // These take the project and the printer directly.
        Command::Import(args) => with_workspace(ctx, |ws, p| migrate::run_import(ws, args, p)),
        Command::Export(cmd) => with_workspace(ctx, |ws, p| migrate::run_export(ws, cmd, p)),
        Command::Sync(args) => with_workspace(ctx, |ws, p| sync::run(ws, args, p)),
        Command::Merge(args) => with_workspace(ctx, |ws, p| merge::run(ws, args, p)),
        Command::Conflicts(args) => with_workspace(ctx, |ws, p| sync::run_conflicts(ws, args, p)),
        Command::Hook(cmd) => with_workspace(ctx, |ws, p| hook::run(ws, cmd, p)),
        Command::History(args) => with_workspace(ctx, |ws, p| review::run_history(ws, args, p)),
        Command::Diff(args) => with_workspace(ctx, |ws, p| review::run_diff(ws, args, p)),
        Command::Verify(args) => with_workspace(ctx, |ws, p| review::run_verify(ws, args, p)),
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
