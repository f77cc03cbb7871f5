//! `cmos mcp` (the MCP server over stdio) and `cmos agents install`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::Printer;
use crate::error::{Error, Result};
use crate::ops::Workspace;
use crate::ops::agents;

/// Serve the cmos tools to an MCP client (Claude Code, Cursor, Codex) over stdin/stdout.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The repository to serve [default: the one containing the current directory].
    #[arg(long, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Print the client configuration for claude, cursor or codex, and exit.
    #[arg(long, value_name = "CLIENT")]
    pub print_config: Option<String>,
}

/// Tell agents how to work with cmos, in their instructions file.
#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// Write (or refresh) a cmos section in AGENTS.md, or CLAUDE.md, between markers.
    Install {
        /// The file to write [default: AGENTS.md, or CLAUDE.md if only that exists].
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Prints the client configuration; needs no repository.
pub fn print_config(client: &str) -> Result<()> {
    print!("{}", crate::mcp::client_config(client)?);
    Ok(())
}

pub fn serve(ws: &Workspace) -> Result<()> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    crate::mcp::serve(ws, stdin.lock(), stdout.lock())
        .map_err(|e| Error::io("the MCP connection failed", e))
}

pub fn run_agents(ws: &Workspace, cmd: AgentsCommand, printer: &Printer) -> Result<()> {
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
