//! Flags of the original CMOS's command lines that cmos cannot honour, and what cmos says
//! about the ones it does not need. The global ones are accepted everywhere (hidden from
//! help: they only answer scripts written for the original) so that such a script gets an
//! error saying what to do instead, not "unexpected argument"; the messages for flags of one
//! command (`export -t`, `hook install -p` elsewhere, `status|context --backlog`) are here too,
//! so that every answer to the original's flags is in one place.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct RefusedFlags {
    /// The original's SQLite database (`--db-path` in cmosctl).
    #[arg(
        long,
        global = true,
        hide = true,
        value_name = "PATH",
        alias = "db-path"
    )]
    database: Option<PathBuf>,
    /// The original's `cmos/` directory.
    #[arg(long, global = true, hide = true, value_name = "PATH")]
    root: Option<PathBuf>,
    /// The time to record an event at.
    #[arg(long, global = true, hide = true, value_name = "ISO")]
    ts: Option<String>,
}

impl RefusedFlags {
    /// The error for the first of these flags that was given, if any.
    pub fn refusal(&self) -> Option<Error> {
        if let Some(path) = &self.database {
            return Some(no_database(path));
        }
        if self.root.is_some() {
            return Some(Error::InvalidInput(
                "cmos has no `cmos/` directory to point at: the project lives on the `cmos` \
                 branch of the git repository. Drop --root; run in the repository, or name it \
                 with -C DIR"
                    .into(),
            ));
        }
        // Not honoured on purpose: the order of the history, the time a mission spent In
        // Progress and the merge of two clones' work all read the commit's time; a stated time
        // beside it would be a second clock that can contradict the first.
        if self.ts.is_some() {
            return Some(Error::InvalidInput(
                "cmos records the time of each operation itself (it is the commit's time), so \
                 an event cannot be back-dated: drop --ts"
                    .into(),
            ));
        }
        None
    }
}

/// `--database PATH`: there is no database to point at; say where the project lives instead.
fn no_database(path: &Path) -> Error {
    Error::InvalidInput(format!(
        "cmos has no database file: the project lives on the `cmos` branch of the git \
         repository. Drop --database; run in the repository, or name it with -C DIR. To bring \
         in the original's data, run `cmos import cmos-sqlite {}`",
        path.display()
    ))
}

/// cmosctl's `export backlog|all -t TEMPLATE`: it kept a hand-kept backlog file's header and
/// sprint details and overlaid the missions. cmos has the sprints on the branch, so the export
/// is whole without one; a template's sprints come in by importing it.
pub fn no_template(path: &Path) -> Error {
    Error::InvalidInput(format!(
        "cmos writes the backlog from the branch, sprints' titles and focus included, so it needs \
         no template: drop -t/--template. To bring in the sprints and missions of {0}, run \
         `cmos import backlog {0}` first",
        path.display()
    ))
}

/// cmosctl's `hook install -p PATH` elsewhere than where git runs hooks from: git would never
/// run a hook there. Say how to make git run hooks from that directory instead.
pub fn hook_elsewhere(path: &Path, hooks_dir: &Path) -> Error {
    let dir = path
        .parent()
        .map_or(".".into(), |d| d.display().to_string());
    Error::InvalidInput(format!(
        "git runs hooks from {}, so a hook at {} would never run: drop -p/--path to install \
         there, or make git run hooks from {dir} with `git config core.hooksPath {dir}`, then \
         run `cmos hook install`",
        hooks_dir.display(),
        path.display(),
    ))
}

/// cmosctl's `status|context --backlog PATH`: it read sprint titles and focus from the file.
/// cmos has them on the branch, so the flag is accepted and this warning says so.
pub fn backlog_not_needed(path: &Path) -> String {
    format!(
        "sprints are read from the branch, not from {0}: --backlog is not needed. If its \
         sprints are missing here, bring them in with `cmos import backlog {0}`",
        path.display()
    )
}
