//! The `git` program, run as a subprocess for what gix does not do for us: housekeeping now,
//! resolving revisions, fetch and push later. Arguments are always passed as arguments, never
//! through a shell.

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

/// The full id of the commit `rev` names (`HEAD`, `main~2`, a short hash), as git resolves
/// it; None when it names no commit.
pub fn resolve_commit(git_dir: &Path, rev: &str) -> Option<String> {
    if rev.starts_with('-') {
        return None;
    }
    let output = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{rev}^{{commit}}"))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let id = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !id.is_empty()).then_some(id)
}
