//! `cmos completions SHELL`: print a completion script.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::error::Result;

/// Print a shell completion script, e.g. `cmos completions bash > ~/.local/share/bash-completion/completions/cmos`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut command = super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "cmos", &mut std::io::stdout());
    Ok(())
}
