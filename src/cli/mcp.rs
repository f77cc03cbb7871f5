//! `cmos mcp` (the MCP server over stdio) and `cmos agents install`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::command_context::CommandContext;
use crate::error::{Error, Result};
use crate::mcp::tools::Profile;
use crate::ops::agents;

// `cmos mcp`: its help is on `cli::Command::Mcp`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The repository to serve [default: the one containing the current directory].
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Print the client configuration for claude, cursor or codex, and exit.
    #[arg(long, value_name = "CLIENT")]
    pub print_config: Option<String>,
    /// Which tools tools/list shows: the original CMOS's consolidated tools (one per area,
    /// with an action), the granular ones (one per operation), or all. Every tool can be
    /// called whichever is listed.
    #[arg(long, value_enum, default_value_t = ToolsArg::Consolidated, value_name = "SET")]
    pub tools: ToolsArg,
}

/// The values of `--tools`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ToolsArg {
    Consolidated,
    Granular,
    All,
}

impl From<ToolsArg> for Profile {
    fn from(arg: ToolsArg) -> Profile {
        match arg {
            ToolsArg::Consolidated => Profile::Consolidated,
            ToolsArg::Granular => Profile::Granular,
            ToolsArg::All => Profile::All,
        }
    }
}

// `cmos agents`: its help is on `cli::Command::Agents`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum AgentsCommand {
    /// Write (or refresh) a cmos section in AGENTS.md, or CLAUDE.md, between markers.
    Install {
        /// The file to write [default: AGENTS.md, or CLAUDE.md if only that exists].
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Serves the project of `--repo` (else `-C`, else the current directory); with
/// `--print-config`, prints the client configuration instead, which needs no project.
pub fn run(ctx: &CommandContext, args: McpArgs) -> Result<()> {
    if let Some(client) = &args.print_config {
        print!("{}", crate::mcp::client_config(client)?);
        return Ok(());
    }
    let ws = ctx.workspace_in(args.repo.as_deref())?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    crate::mcp::serve_with(ws, args.tools.into(), stdin.lock(), stdout.lock())
        .map_err(|e| Error::io("the MCP connection failed", e))
}

pub fn run_agents(ctx: &CommandContext, cmd: AgentsCommand) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let AgentsCommand::Install { file } = cmd;
    let outcome = agents::install(ws, file.as_deref())?;
    printer.outcome(&outcome, |w, st| {
        format!(
            "{} the cmos section of {}\n",
            if w.changed { "Wrote" } else { "Unchanged:" },
            st.bold(&w.path)
        )
    });
    Ok(())
}
