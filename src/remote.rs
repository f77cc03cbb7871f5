//! The `git` program, run as a subprocess for what gix does not do for us: housekeeping now,
//! fetch and push later. Arguments are always passed as arguments, never through a shell.

use std::path::Path;
use std::process::{Command, Stdio};

/// Starts `git gc --auto` in the background and returns at once: it packs loose objects
/// when git's own threshold says so, off the path of the command that triggered it.
pub fn gc_auto_in_background(git_dir: &Path) {
    let _ = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["gc", "--auto", "--quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}
