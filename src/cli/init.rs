//! `cmos init`: start a project on the cmos branch, or join the one a remote already has.

use clap::Args;

use super::command_context::CommandContext;
use crate::error::{Error, Result};
use crate::ops::init;

// `cmos init`: its help is on `cli::Command::Init`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Project name [default: the repository's directory name].
    #[arg(long)]
    pub name: Option<String>,
    /// One or two sentences about the project.
    #[arg(long)]
    pub description: Option<String>,
    /// Create this first sprint and make it current.
    #[arg(long, value_name = "ID", requires = "sprint_title")]
    pub sprint: Option<String>,
    /// Title of the first sprint.
    #[arg(long, value_name = "TITLE", requires = "sprint")]
    pub sprint_title: Option<String>,
}

pub fn run(ctx: &CommandContext, args: InitArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let outcome = init::init(ws, request(args)?)?;
    printer.outcome(&outcome, |o, style| {
        if o.created {
            let mut text = format!(
                "Initialised project {} on {}\n",
                style.bold(&o.project.name),
                o.branch
            );
            if let Some(sprint) = &o.sprint {
                text.push_str(&format!("Current sprint: {sprint}\n"));
            }
            text.push_str(
                "Next: add work with `cmos mission add NAME`, then `cmos mission next`.\n",
            );
            text
        } else {
            format!(
                "Project {} is already initialised on {}; nothing changed.\n",
                style.bold(&o.project.name),
                o.branch
            )
        }
    });
    Ok(())
}

/// The request the flags make (`db init` shares it).
pub(super) fn request(args: InitArgs) -> Result<init::InitRequest> {
    Ok(init::InitRequest {
        name: args.name,
        description: args.description,
        sprint: match (args.sprint, args.sprint_title) {
            (Some(id), Some(title)) => Some((id, title)),
            (None, None) => None,
            _ => {
                return Err(Error::InvalidInput(
                    "--sprint and --sprint-title go together".into(),
                ));
            }
        },
    })
}
