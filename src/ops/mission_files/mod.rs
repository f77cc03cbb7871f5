//! The original CMOS's `db` commands over the branch, and its Mission Protocol files:
//! the plan as a tree (`show`), the original's files written where it kept them
//! (`export`), and mission files registered as one commit (`register`).
//!
//! The original kept everything under a `cmos/` folder of the project; its exports went to
//! `cmos/missions/backlog.yaml`, `cmos/PROJECT_CONTEXT.json`,
//! `cmos/context/MASTER_CONTEXT.json` and `cmos/missions/<sprint>/`. Without a path, these
//! exports write to the same places under the working tree's root, so the project's
//! scripts and documents that read them keep working; a path the caller names is used as
//! given. Either way every file goes through [`crate::safe_fs`].

pub mod export;
pub mod register;
pub mod show;

use std::path::Path;

use crate::error::{Error, Result};
use crate::safe_fs::Root;

use super::Workspace;

/// Where the original kept its files, relative to the project's root.
pub const ORIGINAL_DIR: &str = "cmos";

/// The directory a default export writes under: the working tree's root, where the
/// original's `cmos/` folder was. A bare repository has none, so the caller must name a path.
fn work_tree_root(ws: &Workspace, what: &str) -> Result<Root> {
    let dir = ws.store().work_tree().ok_or_else(|| {
        Error::InvalidInput(format!(
            "this repository has no working tree to write {what} into: name where to write it"
        ))
    })?;
    Root::create(&dir)
}

/// The root and relative path of a file: `explicit` as given (a directory named by the
/// caller may be anywhere), else `default` under the working tree's root.
fn file_target(
    ws: &Workspace,
    explicit: Option<&Path>,
    default: &str,
    what: &str,
) -> Result<(Root, String)> {
    match explicit {
        Some(path) => Root::of_file(path),
        None => Ok((work_tree_root(ws, what)?, default.to_string())),
    }
}

/// The root and the prefix for files written into a directory: `explicit` itself, else
/// `default` under the working tree's root.
fn dir_target(
    ws: &Workspace,
    explicit: Option<&Path>,
    default: &str,
    what: &str,
) -> Result<(Root, String)> {
    match explicit {
        Some(dir) => {
            if dir.is_file() {
                return Err(Error::InvalidInput(format!(
                    "{} is a file; {what} go into a directory",
                    dir.display()
                )));
            }
            Ok((Root::create(dir)?, String::new()))
        }
        None => Ok((work_tree_root(ws, what)?, format!("{default}/"))),
    }
}
