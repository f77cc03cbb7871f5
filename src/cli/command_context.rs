//! What a command may ask for: where it runs (`-C`), who acts (`--agent`), how to print, and
//! the project, opened the first time a command asks for it. Commands that need no project
//! (completions, `mcp --print-config`) never ask, so they work anywhere.

use std::cell::{Cell, OnceCell};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use super::output::{Printer, Style, colour_wanted};
use crate::error::{Error, Result};
use crate::ops::{Instructions, Workspace};

/// The context every command runs in.
pub struct CommandContext {
    dir: Option<PathBuf>,
    agent: Option<String>,
    json: bool,
    style: Style,
    /// Never dropped: the process ends right after the command, and handing the repository's
    /// buffers back to the allocator one by one would only make every command slower.
    workspace: ManuallyDrop<OnceCell<Workspace>>,
    /// The exit code of a command that succeeded in printing its report but found problems
    /// (a check's 6), else 0.
    exit_code: Cell<i32>,
}

impl CommandContext {
    /// `dir` is `-C DIR` (None: the current directory), `agent` is `--agent`.
    pub fn new(dir: Option<PathBuf>, agent: Option<String>, json: bool) -> Self {
        CommandContext {
            dir,
            agent,
            json,
            style: Style::new(colour_wanted(&std::io::stdout())),
            workspace: ManuallyDrop::new(OnceCell::new()),
            exit_code: Cell::new(0),
        }
    }

    /// The same context acting as `agent`, for a command with its own agent flag (the
    /// original cmosctl's `session log -a NAME`).
    pub fn acting_as(&self, agent: String) -> CommandContext {
        CommandContext::new(self.dir.clone(), Some(agent), self.json)
    }

    /// How this command prints: JSON or text, and the project's context in its envelopes.
    pub fn printer(&self) -> Printer<'_> {
        Printer::new(self.json, self.style, Some(&self.workspace))
    }

    /// The project containing `-C DIR` or the current directory, opened on first use.
    pub fn workspace(&self) -> Result<&Workspace> {
        self.workspace_in(None)
    }

    /// The project containing `dir` (else `-C DIR`, else the current directory), opened on
    /// first use; a later call returns the same project whatever its `dir`.
    pub fn workspace_in(&self, dir: Option<&Path>) -> Result<&Workspace> {
        if let Some(ws) = self.workspace.get() {
            return Ok(ws);
        }
        let ws = Workspace::open(&self.dir_or(dir)?, self.agent.clone())?;
        Ok(self.workspace.get_or_init(|| ws))
    }

    /// Ends the process with `code` once the command returns Ok: a check that printed its
    /// report and found problems.
    pub fn exit_with(&self, code: i32) {
        self.exit_code.set(code);
    }

    pub fn exit_code(&self) -> i32 {
        self.exit_code.get()
    }

    /// The project and the printer: what most commands start with.
    pub fn open(&self) -> Result<(&Workspace, Printer<'_>)> {
        Ok((self.workspace()?, self.printer()))
    }

    /// `--agent` as given, for a command whose default agent is its own (the board's).
    pub fn agent_flag(&self) -> Option<&str> {
        self.agent.as_deref()
    }

    /// `-C DIR`, else the current directory.
    pub fn dir(&self) -> Result<PathBuf> {
        self.dir_or(None)
    }

    fn dir_or(&self, dir: Option<&Path>) -> Result<PathBuf> {
        match dir.or(self.dir.as_deref()) {
            Some(dir) => Ok(dir.to_path_buf()),
            None => std::env::current_dir()
                .map_err(|e| Error::io("cannot read the current directory", e)),
        }
    }

    /// Where the project stands, for the instructions of an error envelope; None when there
    /// is no project to read.
    pub fn error_context(&self) -> Option<Instructions> {
        let ws = match self.workspace.get() {
            Some(ws) => ws,
            None => self.workspace().ok()?,
        };
        crate::ops::envelope::context_of(ws)
    }
}
