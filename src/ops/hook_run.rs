//! What the git hooks do when they call `cmos hook run NAME`: log commits against the active
//! mission and session, follow `Cmos-Mission:` and (opt-in) `Cmos-Completes:` trailers, note
//! rewrites, warm the cache after a checkout, and (opt-in) sync before a push. Messages are
//! data: logged verbatim, never interpreted by a shell.

use serde_json::{Map, Value};

use super::hooks::Hook;
use super::{Outcome, Workspace, transition};
use crate::error::Result;
use crate::model::text::one_line_cut;
use crate::store::{ACTIVE_ENV, ProjectCommit};

/// Most files of one commit an event lists.
const MAX_FILES: usize = 200;

/// What a hook run is given: the hook, git's arguments, and what git wrote on the hook's
/// stdin when the hook reads it (see `Hook::reads_input`); the front-end reads it.
#[derive(Debug, Clone)]
pub struct HookRun<'a> {
    pub hook: Hook,
    pub args: &'a [String],
    pub input: &'a str,
}

/// Runs a hook; the outcome's data is a line for the hooks log.
pub fn run(ws: &Workspace, run: &HookRun<'_>) -> Result<Outcome<String>> {
    let line = run_hook(ws, run)?;
    Ok(Outcome::about(line, ws))
}

fn run_hook(ws: &Workspace, run: &HookRun<'_>) -> Result<String> {
    let name = run.hook.name();
    if std::env::var_os(ACTIVE_ENV).is_some() {
        return Ok(format!("{name}: skipped inside a sync of the cmos branch"));
    }
    // Without a project there is nothing to log into; never start a branch from a hook.
    ws.snapshot()?;
    let args = run.args;
    match run.hook {
        Hook::PostCommit => post_commit(ws),
        Hook::PostMerge => post_merge(ws),
        Hook::PostCheckout => {
            // A branch switch (flag 1): read the state now so the next command is fast.
            if args.get(2).map(String::as_str) == Some("1") {
                ws.snapshot()?;
            }
            Ok("post-checkout: cache warm".into())
        }
        Hook::PostRewrite => post_rewrite(
            ws,
            args.first().map(String::as_str).unwrap_or(""),
            run.input,
        ),
        Hook::PrePush => pre_push(ws, args.first().map(String::as_str)),
    }
}

fn post_commit(ws: &Workspace) -> Result<String> {
    let commit = ws.store().project_commit("HEAD")?;
    log_commit(ws, &commit, "git.commit")?;
    let completed = complete_from_trailers(ws, std::slice::from_ref(&commit))?;
    Ok(format!(
        "post-commit: logged {}{}",
        commit.hash.short(),
        completed
    ))
}

fn post_merge(ws: &Workspace) -> Result<String> {
    let head = ws.store().project_commit("HEAD")?;
    log_commit(ws, &head, "git.merge")?;
    let commits = ws.store().project_commits("ORIG_HEAD", "HEAD")?;
    let completed = complete_from_trailers(ws, &commits)?;
    Ok(format!(
        "post-merge: logged {}{}",
        head.hash.short(),
        completed
    ))
}

/// One event per mission the commit is about (the active one and those its trailers name),
/// or one for the session alone; all in one cmos commit.
fn log_commit(ws: &Workspace, commit: &ProjectCommit, kind: &str) -> Result<()> {
    let store = ws.store();
    let session = store.active_session();
    let mut missions: Vec<String> = store.active_mission().into_iter().collect();
    for id in commit.trailer("Cmos-Mission") {
        if !missions.contains(&id) {
            missions.push(id);
        }
    }
    let extra = commit_fields(commit, session.as_deref());
    let subject = commit.subject();
    let short = commit.hash.short();
    // The branch's log line names the commit as people know it: hash and subject.
    let line = one_line_cut(&format!("{kind} {short} {subject}"), 100);
    store.write(kind, |tx| {
        let targets: Vec<String> = if missions.is_empty() {
            vec![session.clone().unwrap_or_else(|| "-".into())]
        } else {
            missions.clone()
        };
        for target in &targets {
            tx.record_with(kind, target, Some(subject.clone()), extra.clone());
        }
        tx.set_subject(line.clone());
        Ok(())
    })?;
    Ok(())
}

/// The fields a commit event carries beyond the common ones: the commit's hash, files (at most
/// `MAX_FILES`, with the total past that), message, and the session open when it was made.
/// `session log --type commit` records the same shape, so both read as logged commits.
pub(super) fn commit_fields(commit: &ProjectCommit, session: Option<&str>) -> Map<String, Value> {
    let mut extra = Map::new();
    extra.insert("hash".into(), commit.hash.to_string().into());
    extra.insert(
        "files".into(),
        commit
            .files
            .iter()
            .take(MAX_FILES)
            .cloned()
            .map(Value::from)
            .collect::<Vec<_>>()
            .into(),
    );
    if commit.files.len() > MAX_FILES {
        extra.insert("files_total".into(), commit.files.len().into());
    }
    extra.insert(
        "message".into(),
        String::from_utf8_lossy(&commit.message).into_owned().into(),
    );
    if std::str::from_utf8(&commit.message).is_err() {
        // JSON holds text only: keep the exact bytes as well.
        let hex: String = commit.message.iter().map(|b| format!("{b:02x}")).collect();
        extra.insert("message_hex".into(), hex.into());
    }
    if let Some(session) = session {
        extra.insert("session".into(), session.into());
    }
    extra
}

/// Completes the missions named by `Cmos-Completes:` trailers, when the project opted in and
/// the commits are on the default branch. Returns a note for the log.
fn complete_from_trailers(ws: &Workspace, commits: &[ProjectCommit]) -> Result<String> {
    let ids: Vec<String> = commits
        .iter()
        .flat_map(|c| c.trailer("Cmos-Completes"))
        .collect();
    if ids.is_empty() {
        return Ok(String::new());
    }
    let store = ws.store();
    if !store.config_flag("cmos.completeOnDefaultBranch") {
        return Ok(format!(
            "; Cmos-Completes ignored ({}): set git config cmos.completeOnDefaultBranch true to act on it",
            ids.join(", ")
        ));
    }
    let default = store.default_branch();
    if store.current_branch().as_ref() != Some(&default) {
        return Ok(format!(
            "; Cmos-Completes waits for the default branch ({default})"
        ));
    }
    let mut done = Vec::new();
    for id in ids {
        match transition::complete(ws, &id, Some("completed by a Cmos-Completes trailer"), true) {
            Ok(_) => done.push(id),
            Err(e) => done.push(format!("{id} (not completed: {e})")),
        }
    }
    Ok(format!("; completed {}", done.join(", ")))
}

/// Notes which commits an amend or rebase replaced (git gives `old new` pairs on stdin,
/// which the front-end passes in as `input`).
fn post_rewrite(ws: &Workspace, how: &str, input: &str) -> Result<String> {
    let pairs: Vec<Value> = input
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(serde_json::json!({"old": words.next()?, "new": words.next()?}))
        })
        .collect();
    if pairs.is_empty() {
        return Ok("post-rewrite: nothing rewritten".into());
    }
    let count = pairs.len();
    let mut extra = Map::new();
    extra.insert("how".into(), how.into());
    extra.insert("rewritten".into(), pairs.into());
    ws.store().write("git.rewrite", |tx| {
        tx.record_with(
            "git.rewrite",
            "-",
            Some(format!("{how}: {count} commit(s) rewritten")),
            extra.clone(),
        );
        tx.set_subject(format!("git.rewrite {count} commit(s)"));
        Ok(())
    })?;
    Ok(format!("post-rewrite: {count} commit(s)"))
}

/// With `cmos.syncOnPush`, syncs the cmos branch to the remote being pushed to.
fn pre_push(ws: &Workspace, remote: Option<&str>) -> Result<String> {
    if !ws.store().config_flag("cmos.syncOnPush") {
        return Ok("pre-push: cmos.syncOnPush is off".into());
    }
    let request = super::sync::SyncRequest {
        remote: remote.map(str::to_string),
        ..Default::default()
    };
    let outcome = super::sync::sync(ws, &request)?;
    Ok(format!("pre-push: sync {}", outcome.data.result))
}
