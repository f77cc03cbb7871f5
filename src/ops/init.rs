//! `init`: create the cmos branch with its format marker, project record and README, or
//! recognise that it already exists (here or on a remote) and change nothing.

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::model::{Format, Project, Sprint, SprintStatus, clean_name, new_uid, validate_id};
use crate::next::{Action, Input, Op};

/// What `cmos init` asks for.
#[derive(Debug, Default, Clone)]
pub struct InitRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// A first sprint to create and make current: (id, title).
    pub sprint: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct InitOutcome {
    /// False when the project already existed and nothing changed.
    pub created: bool,
    pub project: Project,
    pub branch: String,
    pub sprint: Option<String>,
}

pub fn init(ws: &Workspace, request: InitRequest) -> Result<Outcome<InitOutcome>> {
    let name = match &request.name {
        Some(name) => Some(clean_name("project name", name)?),
        None => None,
    };
    if let Some((id, title)) = &request.sprint {
        validate_id("sprint", id)?;
        clean_name("sprint title", title)?;
    }
    let store = ws.store();
    let default_name = default_project_name(store);
    let written = store.write_restoring_marker("init", |tx| {
        match tx.meta().project() {
            Ok(project) if tx.meta().format.is_none() => {
                // The project is intact but its marker was lost or damaged: put it back,
                // which lets writes go ahead again.
                let project = project.clone();
                tx.put_format(&Format::default())?;
                tx.set_subject("init: restore the format marker");
                return Ok((false, project));
            }
            Ok(project) => return Ok((false, project.clone())),
            Err(Error::NotInitialized) => {}
            Err(corrupt) => return Err(corrupt),
        }
        if tx.has_history() && tx.meta().format.is_none() {
            return Err(Error::Refused(format!(
                "{} already exists and is not a cmos branch; set another branch with `git config cmos.ref refs/heads/NAME`",
                store.branch()
            )));
        }
        let mut project = stage_project(
            tx,
            name.clone().unwrap_or_else(|| default_name.clone()),
            request.description.clone(),
        )?;
        let now = tx.now();
        if let Some((id, title)) = &request.sprint {
            let sprint = Sprint {
                id: id.clone(),
                uid: new_uid(),
                title: clean_name("sprint title", title)?,
                focus: None,
                status: SprintStatus::Active,
                start: None,
                end: None,
                created_at: now,
                updated_at: now,
                completed_at: None,
                extra: Default::default(),
            };
            tx.put_sprint(&sprint)?;
            tx.record("sprint.created", id, None, Some("Active".into()), None);
            project.current_sprint = Some(id.clone());
        }
        tx.put_project(&project)?;
        // Seed the process graph and take its first move; a first sprint approves the plan.
        super::process::fsm::emit(tx, "init_complete");
        if request.sprint.is_some() {
            super::process::fsm::emit(tx, "plan_approved");
        }
        tx.set_subject(format!("init {}", project.name));
        Ok((true, project))
    })?;
    let (created, project) = written.value;
    let restored_marker = !created && written.commit.is_some();
    let sprint = project.current_sprint.clone();
    let outcome = Outcome::from_digest(
        InitOutcome {
            created,
            project,
            branch: store.branch(),
            sprint,
        },
        &written.meta,
        &written.digest,
    );
    let outcome = if restored_marker {
        outcome.warn_then(
            format!(
                "{} was missing or unreadable and has been written again; verify the rest of the branch",
                layout::FORMAT
            ),
            Action::new(Op::Verify),
        )
    } else {
        outcome
    };
    Ok(if created || request.sprint.is_none() {
        outcome
    } else {
        outcome.warn_then(
            "the project already existed, so the first sprint was not made; add it as a sprint",
            Action::new(Op::SprintAdd)
                .needs(Input::SprintId)
                .needs(Input::Title),
        )
    })
}

/// Stages a new project on an empty branch: the format marker, the README and the project
/// record. Callers add to the project (a current sprint) and put it again.
pub(crate) fn stage_project(
    tx: &mut crate::store::Tx<'_>,
    name: String,
    description: Option<String>,
) -> Result<Project> {
    let project = Project {
        id: new_uid(),
        name,
        description: description.filter(|d| !d.trim().is_empty()),
        current_sprint: None,
        created_at: tx.now(),
        extra: Default::default(),
    };
    tx.put_format(&Format::default())?;
    tx.put_file(layout::README, readme(&project.name).into_bytes());
    tx.put_project(&project)?;
    tx.record(
        "project.created",
        &project.id,
        None,
        None,
        Some(project.name.clone()),
    );
    Ok(project)
}

/// The name of the directory that holds the repository (`myapp` for `myapp/.git` or `myapp.git`).
pub(crate) fn default_project_name(store: &crate::store::Store) -> String {
    let dir = store.common_dir();
    let dir = if dir.file_name().is_some_and(|n| n == ".git") {
        dir.parent().map(|p| p.to_path_buf()).unwrap_or(dir)
    } else {
        dir
    };
    dir.file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".git").to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "project".to_string())
}

fn readme(name: &str) -> String {
    format!(
        "# {name}: cmos project memory\n\
         \n\
         This branch holds the shared project memory of {name}, written by\n\
         [cmos](https://crates.io/crates/cmos): sprints, missions and their dependencies, and the\n\
         activity log. It is not meant to be checked out; use the `cmos` command instead:\n\
         \n\
         ```sh\n\
         cmos status          # where the project stands\n\
         cmos mission next    # the one mission to work on now\n\
         cmos log             # what happened, one line per operation\n\
         ```\n\
         \n\
         Layout: `.cmos/project.toml` (identity, current sprint), `.cmos/sprints/<xx>/<id>.toml`,\n\
         `.cmos/missions/<xx>/<id>.toml` (one file per record), `.cmos/events/<month>/<writer>-<n>.jsonl`\n\
         (the append-only log, one shard per writer). Each change is one commit whose trailers\n\
         (`Cmos-Op:`, `Cmos-Agent:`) say what happened and who did it.\n"
    )
}
