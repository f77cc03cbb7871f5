//! `cmos hook install|uninstall|status`, and `cmos hook run NAME`, which the shims call.

use std::io::{Read, Write};

use clap::Subcommand;

use super::output::{Printer, Style};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use crate::ops::Workspace;
use crate::ops::hook_run::{self, HookRun};
use crate::ops::hooks::{self, Hook, Hooks};

// `cmos hook`: its help is on `cli::Command::Hook`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum HookCommand {
    /// Write the cmos block into each shell hook (idempotent; your own hook content stays).
    /// Hooks in other languages, compiled ones and symbolic links are left as they are, with
    /// the line that calls cmos from them.
    Install {
        /// cmosctl's post-commit hook path: accepted when it is the post-commit hook of the
        /// directory git runs hooks from (cmos installs there, `core.hooksPath` included).
        #[arg(short = 'p', long, value_name = "PATH")]
        path: Option<std::path::PathBuf>,
        /// cmosctl's overwrite: nothing to force, as cmos replaces only its own block and
        /// keeps the rest of each hook.
        #[arg(long)]
        force: bool,
    },
    /// Take the cmos block out of each hook again.
    Uninstall,
    /// Which hooks have the cmos block, and where git runs hooks from.
    Status,
    /// What a hook shim calls; logs to <git-dir>/cmos/hooks.log.
    #[command(hide = true)]
    Run {
        name: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

pub fn run(ws: &Workspace, cmd: HookCommand, printer: &Printer) -> Result<()> {
    let outcome = match cmd {
        HookCommand::Install { path, force: _ } => {
            if let Some(path) = &path {
                let dir = std::path::PathBuf::from(hooks::status(ws)?.data.directory);
                let wanted = dir.join("post-commit");
                if !same_file(path, &wanted) {
                    return Err(super::original::hook_elsewhere(path, &dir));
                }
            }
            hooks::install(ws)?
        }
        HookCommand::Uninstall => hooks::uninstall(ws)?,
        HookCommand::Status => hooks::status(ws)?,
        HookCommand::Run { name, args } => {
            let result = run_hook(ws, &name, &args);
            let line = match &result {
                Ok(line) => line.clone(),
                Err(e) => format!("{name}: error: {e}"),
            };
            append_log(ws, &line);
            return result.map(|_| ());
        }
    };
    printer.outcome(&outcome, render);
    Ok(())
}

/// Runs the hook a shim called, with what git wrote on its stdin when the hook reads it.
fn run_hook(ws: &Workspace, name: &str, args: &[String]) -> Result<String> {
    let hook = Hook::named(name)?;
    let mut input = String::new();
    if hook.reads_input() {
        std::io::stdin()
            .take(MAX_HOOK_INPUT)
            .read_to_string(&mut input)
            .map_err(|e| Error::io(format!("cannot read what git gave the {name} hook"), e))?;
    }
    let run = HookRun {
        hook,
        args,
        input: &input,
    };
    Ok(hook_run::run(ws, &run)?.data)
}

/// Whether two paths name the same file, whether or not it exists yet (its directory must).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    let full = |p: &std::path::Path| match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                dir
            };
            dir.canonicalize().ok().map(|d| d.join(name))
        }
        _ => None,
    };
    matches!((full(a), full(b)), (Some(x), Some(y)) if x == y)
}

/// The most of a hook's stdin cmos reads: a rebase of thousands of commits is well below.
const MAX_HOOK_INPUT: u64 = 1024 * 1024;

/// One line per hook run; a log that cannot be written is not worth failing a hook for.
fn append_log(ws: &Workspace, line: &str) {
    let path = ws.store().local_dir().join("hooks.log");
    let _ = std::fs::create_dir_all(ws.store().local_dir());
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{} {line}", Timestamp::now());
    }
}

fn render(hooks: &Hooks, style: &Style) -> String {
    let mut out = format!("{} {}\n", style.dim("hooks directory"), hooks.directory);
    for h in &hooks.hooks {
        let state = match (h.installed, h.has_other_content, &h.refused) {
            (_, _, Some(_)) => "left as it is (see the warning)",
            (true, true, None) => "installed (alongside your own hook)",
            (true, false, None) => "installed",
            (false, true, None) => "not installed (your own hook only)",
            (false, false, None) => "not installed",
        };
        out.push_str(&format!("  {:<14} {state}\n", h.name));
    }
    out
}
