//! `cmos import` and `cmos export`: moving a project's memory in from the original CMOS and
//! peer tools, and out as the original's files plus a lossless dump.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::migrate::export::{self, Records, State};
use crate::migrate::{self, Format, Progress, Report, dump};
use crate::next::{Action, Input, Op};
use crate::safe_fs::Root;
use crate::store::{Snapshot, Tx};

mod dump_out;

/// Reads `paths` as `format` and writes what is new as one commit.
pub fn import(
    ws: &Workspace,
    format: Format,
    paths: &[PathBuf],
    progress: Progress<'_>,
) -> Result<Outcome<Report>> {
    let mut batch = migrate::read(format, paths)?;
    migrate::prepare(&mut batch);
    let store = ws.store();
    let (default_name, branch) = (super::init::default_project_name(store), store.branch());
    let target = migrate::Target {
        branch: &branch,
        default_name: &default_name,
        new_project: &new_project,
    };
    let written = store.write("import", |tx| {
        migrate::stage_batch(tx, &batch, &target, &mut *progress)
    })?;
    let report = migrate::report_of(batch, written.value, written.commit);
    let snapshot = ws.snapshot()?;
    Ok(Outcome::read(report, &snapshot))
}

/// Stages a new project for an import into a repository that has none.
fn new_project(tx: &mut Tx<'_>, name: String, description: Option<String>) -> Result<()> {
    super::init::stage_project(tx, name, description).map(|_| ())
}

/// One exported file: where it went, or its text when it was printed.
#[derive(Debug, Serialize)]
pub struct Exported {
    pub files: Vec<String>,
    /// The text, when there is one file and no --out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Which of the original's files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Backlog,
    Sessions,
    Contexts,
    All,
}

/// The file names an export writes into a directory.
const BACKLOG: &str = "backlog.yaml";
const SESSIONS: &str = "SESSIONS.jsonl";
const PROJECT_CONTEXT: &str = "PROJECT_CONTEXT.json";
const MASTER_CONTEXT: &str = "MASTER_CONTEXT.json";

pub fn export(
    ws: &Workspace,
    what: Export,
    out: Option<&Path>,
    overwrite: bool,
) -> Result<Outcome<Exported>> {
    let snapshot = ws.snapshot()?;
    let state = State::new(export_records(ws, &snapshot)?);
    let single = |text: String| -> Result<Exported> {
        match out {
            None => Ok(Exported {
                files: Vec::new(),
                text: Some(text),
            }),
            Some(path) => {
                write(path, text.as_bytes(), overwrite)?;
                Ok(Exported {
                    files: vec![path.display().to_string()],
                    text: None,
                })
            }
        }
    };
    let exported = match what {
        Export::Backlog => single(state.backlog())?,
        Export::Sessions => single(state.sessions_jsonl())?,
        Export::Contexts => match out {
            None => {
                let both = serde_json::json!({
                    "project_context": serde_json::from_str::<serde_json::Value>(&state.project_context()).unwrap_or_default(),
                    "master_context": serde_json::from_str::<serde_json::Value>(&state.master_context()).unwrap_or_default(),
                });
                Exported {
                    files: Vec::new(),
                    text: Some(format!(
                        "{}\n",
                        serde_json::to_string_pretty(&both).unwrap_or_default()
                    )),
                }
            }
            Some(dir) => {
                let files = [
                    (PROJECT_CONTEXT, state.project_context()),
                    (MASTER_CONTEXT, state.master_context()),
                ];
                write_all(dir, &files, overwrite)?
            }
        },
        Export::All => {
            let dir = out.ok_or_else(|| {
                Error::InvalidInput("a full export writes a directory: name one".into())
                    .needs(&[Input::Out])
            })?;
            // A dump is the branch as it is: a tree cmos refuses (bad names, modes, order)
            // cannot be dumped faithfully, so nothing is written. Every name is checked again
            // before anything is written.
            ws.store().check_commit(snapshot.commit, false)?;
            let dump_files = ws.store().files_at(&snapshot)?;
            for (path, _) in &dump_files {
                check_branch_path(path)?;
            }
            if dir.is_file() {
                return Err(Error::InvalidInput(format!(
                    "{} is a file; this export writes into a directory",
                    dir.display()
                ))
                .needs(&[Input::Out]));
            }
            let root = Root::create(dir)?;
            let replacing = dump_out::replaceable(&root, overwrite)?;
            let files = [
                (BACKLOG, state.backlog()),
                (SESSIONS, state.sessions_jsonl()),
                (PROJECT_CONTEXT, state.project_context()),
                (MASTER_CONTEXT, state.master_context()),
            ];
            let mut exported = write_all(dir, &files, overwrite)?;
            dump_out::write(&root, &dump_files, replacing)?;
            exported
                .files
                .push(root.path().join(dump::DIR).display().to_string());
            exported
        }
    };
    Ok(Outcome::read(exported, &snapshot))
}

/// Everything an export reads, from one snapshot.
pub(super) fn export_records(ws: &Workspace, snapshot: &Snapshot<'_>) -> Result<Records> {
    let store = ws.store();
    let index = snapshot.index()?;
    let missions = index
        .missions
        .keys()
        .map(|id| store.mission(snapshot, id))
        .collect::<Result<Vec<_>>>()?;
    let mut items = Vec::new();
    for kind in export::ITEM_KINDS {
        items.extend(store.items(snapshot, kind)?.0);
    }
    let mut kept = Vec::new();
    for path in export::kept_paths() {
        if let Some(bytes) = store.branch_file(snapshot, &path)? {
            kept.push((path, bytes));
        }
    }
    Ok(Records {
        project: index.meta.project.clone(),
        sprints: index.meta.sprints.values().cloned().collect(),
        missions,
        sessions: store.sessions(snapshot)?.0,
        items,
        events: store.log_events(snapshot, layout::EVENTS)?,
        notes: store.branch_file(snapshot, layout::NOTES)?,
        kept,
    })
}

/// Writes `files` into `dir`, refusing to replace any unless `overwrite`; checks them all
/// before writing one.
fn write_all(dir: &Path, files: &[(&str, String)], overwrite: bool) -> Result<Exported> {
    if dir.is_file() {
        return Err(Error::InvalidInput(format!(
            "{} is a file; this export writes into a directory",
            dir.display()
        ))
        .needs(&[Input::Out]));
    }
    if !overwrite {
        let taken: Vec<String> = files
            .iter()
            .map(|(name, _)| dir.join(name))
            .chain(std::iter::once(dir.join(dump::DIR)))
            .filter(|p| p.symlink_metadata().is_ok())
            .map(|p| p.display().to_string())
            .collect();
        if !taken.is_empty() {
            return Err(Error::Refused(format!(
                "{} exist(s), and the export does not replace files unless asked to",
                taken.join(", ")
            ))
            .needs(&[Input::Overwrite]));
        }
    }
    let root = Root::create(dir)?;
    let mut written = Vec::new();
    for (name, text) in files {
        written.push(root.write(name, text.as_bytes())?.display().to_string());
    }
    Ok(Exported {
        files: written,
        text: None,
    })
}

/// Writes one file, through the checked writer (a symbolic link at `path` is refused).
fn write(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    if path.symlink_metadata().is_ok() && !overwrite {
        return Err(Error::Refused(format!(
            "{} exists, and the export does not replace files unless asked to",
            path.display()
        ))
        .needs(&[Input::Overwrite]));
    }
    let (root, name) = Root::of_file(path)?;
    root.write(&name, bytes).map(|_| ())
}

/// A file name from the cmos branch, refused when writing it would leave the export (a `..`,
/// an absolute or empty name) or break the dump's manifest (a line break).
fn check_branch_path(path: &str) -> Result<()> {
    let why = match crate::safe_fs::check_relative(path) {
        Err(why) => why,
        Ok(_) if path.chars().any(char::is_control) => "it contains a control character".into(),
        Ok(_) => return Ok(()),
    };
    Err(Error::Refused(format!(
        "the cmos branch holds a file named {path:?}, and {why}: it cannot be exported safely, so nothing was exported; remove such entries from the branch (verifying the branch lists them)"
    ))
    .then(Action::new(Op::Verify)))
}
