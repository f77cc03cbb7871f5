//! Flags of the original CMOS's command lines that cmos cannot honour, and what cmos says
//! about the ones it does not need. The refused flags of every command (`--database`,
//! `--root`, `--ts`) get an error saying what to do instead, not "unexpected argument",
//! wherever they stand (hidden from help: they only answer scripts written for the original);
//! the messages for flags of one command (`export -t`, `hook install -p` elsewhere,
//! `status|context --backlog`) are here too, so that every answer to the original's flags is in
//! one place.
//!
//! The refused flags are declared on the top-level command only, not as global arguments:
//! clap copies every global argument into every subcommand it builds, and these three were
//! 400 of the 1,850 allocations and some 50 page faults of parsing any command line. After a
//! subcommand they reach clap as unknown arguments, and [`refusal_for_unknown`] turns that
//! error into the same refusal.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct RefusedFlags {
    /// The original's SQLite database (`--db-path` in cmosctl).
    #[arg(long, hide = true, value_name = "PATH", alias = "db-path")]
    database: Option<PathBuf>,
    /// The original's `cmos/` directory.
    #[arg(long, hide = true, value_name = "PATH")]
    root: Option<PathBuf>,
    /// The time to record an event at.
    #[arg(long, hide = true, value_name = "ISO")]
    ts: Option<String>,
}

impl RefusedFlags {
    /// The error for the first of these flags that was given, if any.
    pub fn refusal(&self) -> Option<Error> {
        if let Some(path) = &self.database {
            return Some(no_database(path));
        }
        if self.root.is_some() {
            return Some(no_root());
        }
        self.ts.is_some().then(no_back_dating)
    }
}

/// The refusal of `unknown`, the argument clap reported as unexpected (`--ts` or
/// `--ts=2025-01-01`), when it is one of the refused flags given after a subcommand; `args`
/// is the whole command line, where the database's path is looked up.
pub fn refusal_for_unknown(unknown: &str, args: &[OsString]) -> Option<Error> {
    let name = unknown.split_once('=').map_or(unknown, |(name, _)| name);
    match name {
        "--database" | "--db-path" => Some(no_database(
            &value_of(name, args).unwrap_or_else(|| PathBuf::from("PATH")),
        )),
        "--root" => Some(no_root()),
        "--ts" => Some(no_back_dating()),
        _ => None,
    }
}

/// The value given to flag `name` in `args` (`--name VALUE` or `--name=VALUE`), before any
/// `--` that ends the flags.
fn value_of(name: &str, args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().take_while(|a| *a != "--");
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy();
        if arg == name {
            return args.next().map(PathBuf::from);
        }
        if let Some(value) = arg.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            return Some(PathBuf::from(value));
        }
    }
    None
}

/// `--root PATH`: there is no `cmos/` directory; say where the project lives instead.
fn no_root() -> Error {
    Error::InvalidInput(
        "cmos has no `cmos/` directory to point at: the project lives on the `cmos` branch of \
         the git repository. Drop --root; run in the repository, or name it with -C DIR"
            .into(),
    )
}

/// `--ts TIME`: not honoured on purpose. The order of the history, the time a mission spent
/// In Progress and the merge of two clones' work all read the commit's time; a stated time
/// beside it would be a second clock that can contradict the first.
fn no_back_dating() -> Error {
    Error::InvalidInput(
        "cmos records the time of each operation itself (it is the commit's time), so an \
         event cannot be back-dated: drop --ts"
            .into(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &[&str]) -> Vec<OsString> {
        line.iter().map(OsString::from).collect()
    }

    #[test]
    fn unknown_refused_flags_are_refused_and_others_are_left_to_clap() {
        let line = args(&["cmos", "mission", "status", "--db-path", "old.sqlite"]);
        let refused = refusal_for_unknown("--db-path", &line).unwrap().to_string();
        assert!(
            refused.contains("cmos import cmos-sqlite old.sqlite"),
            "{refused}"
        );
        let joined = args(&["cmos", "status", "--database=a=b.sqlite"]);
        let refused = refusal_for_unknown("--database=a=b.sqlite", &joined)
            .unwrap()
            .to_string();
        assert!(refused.contains("cmos-sqlite a=b.sqlite"), "{refused}");
        let root = refusal_for_unknown("--root=x", &[]).unwrap().to_string();
        assert!(root.contains("Drop --root"), "{root}");
        assert!(
            refusal_for_unknown("--ts", &[])
                .unwrap()
                .to_string()
                .contains("drop --ts")
        );
        for other in ["--tsx", "--roots", "-t", "--json", "--data"] {
            assert!(refusal_for_unknown(other, &[]).is_none(), "{other}");
        }
    }

    #[test]
    fn a_value_after_the_end_of_flags_is_not_the_databases() {
        let line = args(&["cmos", "note", "--", "--database", "x"]);
        assert_eq!(value_of("--database", &line), None);
        let refused = refusal_for_unknown("--database", &line)
            .unwrap()
            .to_string();
        assert!(
            refused.contains("cmos import cmos-sqlite PATH"),
            "{refused}"
        );
    }
}
