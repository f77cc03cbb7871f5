//! The `git` program, run as a subprocess for what gix does not do for us (with the few gix
//! features cmos builds with): the network (fetch, push), so the user's credentials, ssh
//! config and helpers work; revisions, ranges and merge bases as git resolves them;
//! housekeeping (`gc`); and the two questions only git can answer for itself, where it runs
//! hooks from and what it ignores. Arguments are always passed as arguments, never through a
//! shell. Only the store calls this module.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

/// Set in the environment of the `git push` a sync runs, so that the repository's pre-push
/// hook (which runs `cmos hook run pre-push`) does not start another sync.
pub const ACTIVE_ENV: &str = "CMOS_HOOK_ACTIVE";

/// Background packing searches deltas on one thread: git's default, a thread per core, would
/// take every core from the commands that keep running meanwhile (an agent's next writes).
const BACKGROUND_THREADS: &str = "pack.threads=1";

/// Starts `git gc --auto` in the background and returns at once: it packs loose objects
/// when git's own threshold says so, off the path of the command that triggered it. It runs
/// to its end rather than detaching, so `lock` stays locked (see `in_background`) until gc
/// is done.
pub(super) fn gc_auto_in_background(git_dir: &Path, lock: File) {
    let args = [
        "-c",
        "gc.autoDetach=false",
        "-c",
        BACKGROUND_THREADS,
        "gc",
        "--auto",
        "--quiet",
    ];
    in_background(git_dir, &args, lock);
}

/// Starts an incremental `git repack` in the background: the reachable objects that are in
/// no pack yet go into one new pack (deltas searched among them, the packs already there left
/// alone). Without `-d`, their loose copies stay: deleting files a reader of this repository
/// has just found (gix looks a loose object up, then opens it) would make that read fail;
/// git's own gc removes them later, as it always did. Objects from alternates stay where
/// they are; no bitmap, which needs a repack of everything.
pub(super) fn repack_in_background(git_dir: &Path, lock: File) {
    let args = [
        "-c",
        BACKGROUND_THREADS,
        "repack",
        "-l",
        "-q",
        "--no-write-bitmap-index",
    ];
    in_background(git_dir, &args, lock);
}

/// Starts `git ARGS` and returns at once. The locked `lock` becomes git's standard input
/// (git reads nothing from it), so the lock is held, by the open file git shares with this
/// process, until git exits, even when this process has exited first. A thread waits for
/// git, so a long-lived process (the MCP server) does not collect finished children.
fn in_background(git_dir: &Path, args: &[&str], lock: File) {
    in_background_with(git_dir, args, Stdio::from(lock), Stdio::null());
}

/// Packs the objects `ids` lists (one hex id a line, read from that open file) into one new
/// pack, in the background, with no walk of the history to find them: what an incremental
/// `repack` finds by walking everything reachable, cmos already knows. The locked `lock`
/// becomes git's standard error (quiet, so git writes nothing there unless it fails), which
/// holds the lock until git exits, as `in_background` does with standard input.
pub(super) fn pack_listed_in_background(git_dir: &Path, ids: File, lock: File) {
    let base = git_dir.join("objects").join("pack").join("pack");
    let Some(base) = base.to_str() else { return };
    let args = [
        "-c",
        BACKGROUND_THREADS,
        "pack-objects",
        // Deltas name their base by place, as `git repack` writes them: smaller, and read
        // without an index lookup.
        "--delta-base-offset",
        "-q",
        "--local",
        "--non-empty",
        base,
    ];
    in_background_with(git_dir, &args, Stdio::from(ids), Stdio::from(lock));
}

fn in_background_with(git_dir: &Path, args: &[&str], stdin: Stdio, stderr: Stdio) {
    let started = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn();
    if let Ok(mut child) = started {
        std::thread::spawn(move || child.wait());
    }
}

/// The full id of the commit `rev` names (`HEAD`, `main~2`, a short hash), as git resolves
/// it; None when it names no commit.
pub(super) fn resolve_commit(git_dir: &Path, rev: &str) -> Option<String> {
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

/// Runs `git --git-dir GIT_DIR ARGS` and returns its output; Err if git could not start.
fn git(git_dir: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
}

/// Why talking to a remote failed, in git's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unreachable(pub String);

fn failure(output: &std::process::Output) -> Unreachable {
    let text = String::from_utf8_lossy(&output.stderr);
    let line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or_else(|| text.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("git failed without a message");
    Unreachable(line.trim().to_string())
}

/// The commit `branch` (a full ref name) points at on `remote`, None if it has no such
/// branch; Err when the remote cannot be reached.
pub(super) fn remote_branch(
    git_dir: &Path,
    remote: &str,
    branch: &str,
) -> Result<Option<String>, Unreachable> {
    let output = git(git_dir, &["ls-remote", "--end-of-options", remote, branch])
        .map_err(|e| Unreachable(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(failure(&output));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(branch))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string))
}

/// Fetches `branch` of `remote` into `tracking` (e.g. `refs/remotes/origin/cmos`).
pub(super) fn fetch(
    git_dir: &Path,
    remote: &str,
    branch: &str,
    tracking: &str,
) -> Result<(), Unreachable> {
    let refspec = format!("+{branch}:{tracking}");
    let output = git(
        git_dir,
        &[
            "fetch",
            "--quiet",
            "--no-tags",
            "--end-of-options",
            remote,
            &refspec,
        ],
    )
    .map_err(|e| Unreachable(format!("cannot run git: {e}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(failure(&output))
    }
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Push {
    Done,
    /// The remote branch moved since it was fetched: fetch, merge and try again.
    Stale,
    Failed(Unreachable),
}

/// Pushes `commit` to `branch` of `remote`, only if the remote branch is still at `expected`
/// (None: it must not exist yet).
pub(super) fn push(
    git_dir: &Path,
    remote: &str,
    branch: &str,
    commit: &str,
    expected: Option<&str>,
) -> Push {
    let lease = format!("--force-with-lease={branch}:{}", expected.unwrap_or(""));
    let refspec = format!("{commit}:{branch}");
    // The push runs the repository's pre-push hook; the marker keeps cmos's own part of it
    // from starting another sync.
    let pushing = Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args([
            "push",
            "--quiet",
            "--porcelain",
            &lease,
            "--end-of-options",
            remote,
            &refspec,
        ])
        .env(ACTIVE_ENV, "1")
        .stdin(Stdio::null())
        .output();
    let output = match pushing {
        Ok(output) => output,
        Err(e) => return Push::Failed(Unreachable(format!("cannot run git: {e}"))),
    };
    if output.status.success() {
        return Push::Done;
    }
    let report = String::from_utf8_lossy(&output.stdout);
    if report.contains("stale info")
        || report.contains("fetch first")
        || report.contains("rejected")
    {
        Push::Stale
    } else {
        Push::Failed(failure(&output))
    }
}

/// The best common ancestor of two commits, None if they share no history.
pub(super) fn merge_base(git_dir: &Path, a: &str, b: &str) -> Option<String> {
    let output = git(git_dir, &["merge-base", "--end-of-options", a, b]).ok()?;
    let id = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !id.is_empty()).then_some(id)
}

/// The subjects of the commits in `from..to`, newest first: what one side has that the other
/// does not.
pub(super) fn subjects(git_dir: &Path, from: Option<&str>, to: &str) -> Vec<String> {
    let range = match from {
        Some(from) => format!("{from}..{to}"),
        None => to.to_string(),
    };
    let Ok(output) = git(
        git_dir,
        &[
            "log",
            "--first-parent",
            "--format=%s",
            "--end-of-options",
            &range,
        ],
    ) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The commits of a revision range, newest first.
pub(super) fn revisions(git_dir: &Path, range: &str) -> Vec<String> {
    let Ok(output) = git(git_dir, &["rev-list", "--end-of-options", range]) else {
        return Vec::new();
    };
    if !output.status.success() {
        return Vec::new();
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The hooks directory git runs hooks from (`core.hooksPath` when set, else `hooks` in the
/// git directory), as an absolute path.
pub(super) fn hooks_dir(git_dir: &Path) -> Result<std::path::PathBuf, Unreachable> {
    let output = git(
        git_dir,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
    )
    .map_err(|e| Unreachable(format!("cannot run git: {e}")))?;
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || text.is_empty() {
        return Err(failure(&output));
    }
    Ok(std::path::PathBuf::from(text))
}

/// Which of `paths` (relative to `work_tree`) git ignores (.gitignore, info/exclude, the
/// user's excludes), in order.
pub(super) fn ignored(work_tree: &Path, paths: &[String]) -> Vec<bool> {
    if paths.is_empty() {
        return Vec::new();
    }
    let child = Command::new("git")
        .arg("-C")
        .arg(work_tree)
        .args(["check-ignore", "--stdin", "-z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return vec![false; paths.len()];
    };
    let mut input = Vec::new();
    for path in paths {
        input.extend_from_slice(path.as_bytes());
        input.push(0);
    }
    // Writing from another thread: git answers as it reads, and both pipes have limits.
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        }
    });
    let output = child.wait_with_output();
    let _ = writer.join();
    let Ok(output) = output else {
        return vec![false; paths.len()];
    };
    let ignored: std::collections::HashSet<&[u8]> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .collect();
    paths
        .iter()
        .map(|p| ignored.contains(p.as_bytes()))
        .collect()
}
