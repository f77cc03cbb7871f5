//! The lossless dump: the branch's files as they are, written by `cmos export all` under
//! `dump/` and read back by `cmos import dump`. Records are read as records (so the index
//! sees them); logs and other files are copied byte for byte.
//!
//! A dump is a directory anyone could have edited, so it is checked as a whole before anything
//! is written, exactly as the branch is checked on load: each record's id (validate_id), its
//! file at the path its id gives, the CLI's rules for names and texts, links to missions the
//! dump holds, no cycle among requires/blocks. The first problem refuses the dump, naming the
//! file and what is wrong.

use std::path::{Path, PathBuf};

use std::collections::{HashMap, HashSet};

use super::{Batch, limits};
use crate::error::{Error, Result};
use crate::format::codec::from_toml;
use crate::format::layout;
use crate::lifecycle::{Precedence, cycle_closers};
use crate::model::{DepType, FORMAT_MAJOR, Format, Mission, Project, Session, Sprint, validate_id};

/// The directory of an export that holds the dump.
pub const DIR: &str = "dump";

/// The manifest `cmos export all` writes in `dump/`: what it wrote, so that only that is ever
/// replaced. Not part of the branch, so not imported.
pub const MANIFEST: &str = ".cmos-dump";

pub fn read(path: &Path) -> Result<Batch> {
    let root = dump_root(path)?;
    let mut batch = Batch::new("dump", path);
    let files = super::files_under(&root, &mut batch.notes);
    // Which file each record came from, to name it when the dump is refused.
    let mut record_files: HashMap<(&'static str, String), String> = HashMap::new();
    for (relative, file) in files {
        if relative == MANIFEST {
            continue;
        }
        let bytes = super::read_file(&file)?;
        let record = |kind: &str| -> Error {
            Error::InvalidInput(format!(
                "{} is not a cmos {kind} record; the dump is damaged, nothing was imported",
                file.display()
            ))
        };
        let toml_in = |dir: &str| {
            relative.starts_with(&format!("{}/{dir}/", layout::ROOT)) && relative.ends_with(".toml")
        };
        if relative == layout::FORMAT {
            let format: Format = from_toml(&relative, &bytes).map_err(|_| record("format"))?;
            if format.major > FORMAT_MAJOR {
                return Err(Error::UnsupportedFormat {
                    found: format!("{}.{}", format.major, format.minor),
                    supported: FORMAT_MAJOR,
                });
            }
        } else if relative == layout::PROJECT {
            batch.project =
                Some(from_toml::<Project>(&relative, &bytes).map_err(|_| record("project"))?);
        } else if toml_in(layout::SPRINTS) {
            let sprint = from_toml::<Sprint>(&relative, &bytes).map_err(|_| record("sprint"))?;
            record_files.insert(("sprint", sprint.id.clone()), relative);
            batch.sprints.push(sprint);
        } else if toml_in(layout::MISSIONS) {
            let mission = from_toml::<Mission>(&relative, &bytes).map_err(|_| record("mission"))?;
            record_files.insert(("mission", mission.id.clone()), relative);
            batch.missions.push(mission);
        } else if toml_in(layout::SESSIONS) {
            let session = from_toml::<Session>(&relative, &bytes).map_err(|_| record("session"))?;
            record_files.insert(("session", session.id.clone()), relative);
            batch.sessions.push(session);
        } else {
            batch.files.push((relative, bytes));
        }
    }
    if batch.project.is_none() {
        return Err(Error::InvalidInput(format!(
            "{} holds no .cmos/project.toml: it is not a dump written by a full export",
            root.display()
        )));
    }
    check(&batch, &record_files, &root)?;
    Ok(batch)
}

/// Refuses a dump whose records the branch would not hold as they are.
fn check(
    batch: &Batch,
    files: &HashMap<(&'static str, String), String>,
    root: &Path,
) -> Result<()> {
    let shown = |relative: &str| root.join(relative).display().to_string();
    let refuse = |relative: &str, why: String| -> Error {
        Error::InvalidInput(format!(
            "{}: {why}; fix or remove it and import again (nothing was imported)",
            shown(relative)
        ))
    };
    let ids = |kind: &'static str, records: Vec<(&str, &str)>, path: fn(&str) -> String| {
        let mut seen = HashSet::new();
        for (id, relative) in records {
            validate_id(kind, id).map_err(|e| refuse(relative, e.to_string()))?;
            if path(id) != relative {
                return Err(refuse(
                    relative,
                    format!(
                        "the {kind} with id {id:?} belongs in {}, not here",
                        path(id)
                    ),
                ));
            }
            if !seen.insert(id) {
                return Err(refuse(relative, format!("a second {kind} {id}")));
            }
        }
        Ok(())
    };
    let file_of = |kind: &'static str, id: &str| -> &str {
        files
            .get(&(kind, id.to_string()))
            .map(String::as_str)
            .unwrap_or(layout::PROJECT)
    };
    ids(
        "sprint",
        batch
            .sprints
            .iter()
            .map(|s| (s.id.as_str(), file_of("sprint", &s.id)))
            .collect(),
        layout::sprint_path,
    )?;
    ids(
        "mission",
        batch
            .missions
            .iter()
            .map(|m| (m.id.as_str(), file_of("mission", &m.id)))
            .collect(),
        layout::mission_path,
    )?;
    ids(
        "session",
        batch
            .sessions
            .iter()
            .map(|s| (s.id.as_str(), file_of("session", &s.id)))
            .collect(),
        layout::session_path,
    )?;
    limits::check_dump(batch, |kind, id| {
        let kind = match kind {
            "sprint" => "sprint",
            "mission" => "mission",
            "session" => "session",
            _ => "project",
        };
        shown(file_of(kind, id))
    })?;
    let missions: HashSet<&str> = batch.missions.iter().map(|m| m.id.as_str()).collect();
    let sprints: HashSet<&str> = batch.sprints.iter().map(|s| s.id.as_str()).collect();
    let mut order: Vec<(Precedence<'_>, &str)> = Vec::new();
    for m in &batch.missions {
        let relative = file_of("mission", &m.id);
        if let Some(sprint) = &m.sprint
            && !sprints.contains(sprint.as_str())
        {
            return Err(refuse(
                relative,
                format!(
                    "mission {} is in sprint {sprint:?}, which the dump does not hold",
                    m.id
                ),
            ));
        }
        for d in &m.depends {
            if d.on == m.id {
                return Err(refuse(
                    relative,
                    format!("mission {} depends on itself", m.id),
                ));
            }
            if !missions.contains(d.on.as_str()) {
                return Err(refuse(
                    relative,
                    format!(
                        "mission {} {} {:?}, which the dump does not hold",
                        m.id, d.kind, d.on
                    ),
                ));
            }
            match d.kind {
                DepType::Requires => order.push(((&d.on, &m.id), relative)),
                DepType::Blocks => order.push(((&m.id, &d.on), relative)),
                _ => {}
            }
        }
    }
    let edges: Vec<Precedence<'_>> = order.iter().map(|(e, _)| *e).collect();
    if let Some(closer) = cycle_closers(&[], &edges).first() {
        let ((_, after), relative) = order[closer.index];
        return Err(refuse(
            relative,
            format!(
                "its links close a cycle: {} → {after} (each must finish before the next, so none could start)",
                closer.path.join(" → ")
            ),
        ));
    }
    Ok(())
}

/// `path` itself when it holds `.cmos/`, else its `dump/` directory.
fn dump_root(path: &Path) -> Result<PathBuf> {
    for candidate in [path.to_path_buf(), path.join(DIR)] {
        if candidate.join(layout::ROOT).is_dir() {
            return Ok(candidate);
        }
    }
    Err(Error::InvalidInput(format!(
        "{} is not a cmos dump: name the directory a full export wrote (it holds dump/.cmos/)",
        path.display()
    )))
}
