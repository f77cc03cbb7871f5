//! `cmos completions SHELL`: print a completion script.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use serde::Serialize;

use super::command_context::CommandContext;
use crate::error::Result;
use crate::ops::{Instructions, Outcome};

// `cmos completions`: its help is on `cli::Command::Completions`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: Shell,
}

/// What `--json` prints: the script inside the usual envelope.
#[derive(Debug, Serialize)]
pub struct Completions {
    pub shell: String,
    pub script: String,
}

/// Needs no project: it never opens one.
pub fn run(ctx: &CommandContext, args: &CompletionsArgs) -> Result<()> {
    let mut script = Vec::new();
    // Completions walk every level: every group is built, none deferred.
    super::deferred::build_at_once();
    clap_complete::generate(args.shell, &mut super::Cli::command(), "cmos", &mut script);
    let data = Completions {
        shell: args.shell.to_string(),
        script: String::from_utf8_lossy(&script).into_owned(),
    };
    // A completion script needs no repository, so there is nothing to advise beyond it.
    let outcome = Outcome {
        data,
        warnings: Vec::new(),
        instructions: Instructions::default(),
    };
    ctx.printer().outcome(&outcome, |c, _| c.script.clone());
    Ok(())
}
