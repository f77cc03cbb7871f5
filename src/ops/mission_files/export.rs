//! `db export backlog|contexts` and `db export-missions`: the original's files, written where
//! it wrote them (or where the caller says). They are mirrors of the branch, regenerated on
//! every export, so an existing regular file is replaced, as the original did; a symbolic
//! link on the way is refused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::super::{Outcome, Workspace};
use super::{ORIGINAL_DIR, dir_target, file_target};
use crate::error::{Error, Result};
use crate::migrate::export::State;
use crate::migrate::mission_file;
use crate::model::{Mission, validate_id};

/// The files an export wrote.
#[derive(Debug, Serialize)]
pub struct Written {
    pub files: Vec<String>,
}

/// backlog.yaml, by default at `cmos/missions/backlog.yaml` of the working tree.
pub fn backlog(ws: &Workspace, out: Option<&Path>) -> Result<Outcome<Written>> {
    let snapshot = ws.snapshot()?;
    let state = State::new(super::super::migrate::export_records(ws, &snapshot)?);
    let default = format!("{ORIGINAL_DIR}/missions/backlog.yaml");
    let (root, path) = file_target(ws, out, &default, "the backlog")?;
    let written = root.write(&path, state.backlog().as_bytes())?;
    let files = vec![written.display().to_string()];
    Ok(Outcome::read(Written { files }, &snapshot))
}

/// PROJECT_CONTEXT.json and context/MASTER_CONTEXT.json under `root` (by default the
/// working tree's `cmos/`), the layout the original exported.
pub fn contexts(ws: &Workspace, root: Option<&Path>) -> Result<Outcome<Written>> {
    let snapshot = ws.snapshot()?;
    let state = State::new(super::super::migrate::export_records(ws, &snapshot)?);
    let (root, prefix) = dir_target(ws, root, ORIGINAL_DIR, "the context documents")?;
    let mut files = Vec::new();
    for (name, text) in [
        ("PROJECT_CONTEXT.json", state.project_context()),
        ("context/MASTER_CONTEXT.json", state.master_context()),
    ] {
        let written = root.write(&format!("{prefix}{name}"), text.as_bytes())?;
        files.push(written.display().to_string());
    }
    Ok(Outcome::read(Written { files }, &snapshot))
}

/// One mission file written.
#[derive(Debug, Serialize)]
pub struct MissionWritten {
    pub mission: String,
    pub path: String,
}

/// What `export-missions` did.
#[derive(Debug, Serialize)]
pub struct MissionsExported {
    /// The directory the files went under.
    pub dir: String,
    pub written: Vec<MissionWritten>,
    /// Missions left out of an export of all: those with no objective, as the original
    /// exported only missions with one.
    pub skipped_without_objective: Vec<String>,
}

/// Mission Protocol files: mission `id` alone, or every mission with an objective, each at
/// `<sprint>/<id>_<name>.yaml` under `out_dir` (by default the working tree's
/// `cmos/missions`). A single mission with a directory named goes straight into it, as in
/// the original. Every name is made from the branch's text through
/// [`mission_file::slug`], so no name leaves the directory; two missions that would share
/// a file refuse the export before anything is written.
pub fn missions(
    ws: &Workspace,
    id: Option<&str>,
    out_dir: Option<&Path>,
) -> Result<Outcome<MissionsExported>> {
    let snapshot = ws.snapshot()?;
    let store = ws.store();
    let (chosen, skipped) = match id {
        Some(id) => {
            validate_id("mission", id)?;
            (vec![store.mission(&snapshot, id)?], Vec::new())
        }
        None => {
            let index = snapshot.index()?;
            let mut chosen = Vec::new();
            let mut skipped = Vec::new();
            for id in index.missions.keys() {
                let mission = store.mission(&snapshot, id)?;
                if mission.objective.is_some() {
                    chosen.push(mission);
                } else {
                    skipped.push(mission.id);
                }
            }
            skipped.sort();
            (chosen, skipped)
        }
    };
    let (root, prefix) = dir_target(
        ws,
        out_dir,
        &format!("{ORIGINAL_DIR}/missions"),
        "mission files",
    )?;
    let flat = id.is_some() && out_dir.is_some();
    let mut planned: BTreeMap<String, &Mission> = BTreeMap::new();
    for mission in &chosen {
        let name = mission_file::file_name(mission);
        let relative = match (&mission.sprint, flat) {
            (Some(sprint), false) => format!("{prefix}{}/{name}", mission_file::slug(sprint)),
            _ => format!("{prefix}{name}"),
        };
        if let Some(other) = planned.insert(relative.clone(), mission) {
            return Err(Error::InvalidInput(format!(
                "missions {} and {} would both be written to {relative}: their ids and names make the same file name; rename one of them; nothing was exported",
                other.id, mission.id
            )));
        }
    }
    let mut written = Vec::new();
    for (relative, mission) in planned {
        let file = relative.rsplit('/').next().unwrap_or(&relative);
        let text = mission_file::to_text(mission, file);
        let path = root.write(&relative, text.as_bytes())?;
        written.push(MissionWritten {
            mission: mission.id.clone(),
            path: path.display().to_string(),
        });
    }
    written.sort_by(|a, b| a.mission.cmp(&b.mission));
    let dir = match prefix.trim_end_matches('/') {
        "" => root.path().to_path_buf(),
        sub => root.path().join(sub),
    };
    let exported = MissionsExported {
        dir: dir.display().to_string(),
        written,
        skipped_without_objective: skipped,
    };
    Ok(Outcome::read(exported, &snapshot))
}
