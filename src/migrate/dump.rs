//! The lossless dump: the branch's files as they are, written by `cmos export all` under
//! `dump/` and read back by `cmos import dump`. Records are read as records (so the index
//! sees them); logs and other files are copied byte for byte.

use std::path::{Path, PathBuf};

use super::Batch;
use crate::error::{Error, Result};
use crate::model::{FORMAT_MAJOR, Format, Mission, Project, Session, Sprint};
use crate::store::codec::from_toml;
use crate::store::layout;

/// The directory of an export that holds the dump.
pub const DIR: &str = "dump";

/// The manifest `cmos export all` writes in `dump/`: what it wrote, so that only that is ever
/// replaced. Not part of the branch, so not imported.
pub const MANIFEST: &str = ".cmos-dump";

pub fn read(path: &Path) -> Result<Batch> {
    let root = dump_root(path)?;
    let mut batch = Batch::new("dump", path);
    let files = super::files_under(&root, &mut batch.notes);
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
            batch
                .sprints
                .push(from_toml::<Sprint>(&relative, &bytes).map_err(|_| record("sprint"))?);
        } else if toml_in(layout::MISSIONS) {
            batch
                .missions
                .push(from_toml::<Mission>(&relative, &bytes).map_err(|_| record("mission"))?);
        } else if toml_in(layout::SESSIONS) {
            batch
                .sessions
                .push(from_toml::<Session>(&relative, &bytes).map_err(|_| record("session"))?);
        } else {
            batch.files.push((relative, bytes));
        }
    }
    if batch.project.is_none() {
        return Err(Error::InvalidInput(format!(
            "{} holds no .cmos/project.toml: it is not a dump written by `cmos export all`",
            root.display()
        )));
    }
    Ok(batch)
}

/// `path` itself when it holds `.cmos/`, else its `dump/` directory.
fn dump_root(path: &Path) -> Result<PathBuf> {
    for candidate in [path.to_path_buf(), path.join(DIR)] {
        if candidate.join(layout::ROOT).is_dir() {
            return Ok(candidate);
        }
    }
    Err(Error::InvalidInput(format!(
        "{} is not a cmos dump: name the directory `cmos export all --out DIR` wrote (it holds dump/.cmos/)",
        path.display()
    )))
}
