//! Builds the index of a tree: in full on first sight, then incrementally from a tree diff
//! against the tree the cached index was built from.

use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::de::DeserializeOwned;

use super::codec::{from_toml, parse_lines};
use super::layout;
use crate::error::{Error, FileProblem, Result};
use crate::index::{Index, MissionEntry};
use crate::model::{
    FORMAT_MAJOR, Format, Item, ItemKind, Mission, Project, Session, Sprint, validate_id,
};

/// The objects of a tree that the index is built from.
#[derive(Debug, Default, PartialEq)]
struct Parts {
    format: Option<ObjectId>,
    project: Option<ObjectId>,
    sprints: Option<ObjectId>,
    missions: Option<ObjectId>,
}

fn parts(repo: &gix::Repository, tree: ObjectId) -> Result<Parts> {
    let mut parts = Parts::default();
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(parts);
    };
    let data = read_tree_data(repo, root)?;
    let decoded = gix::objs::TreeRef::from_bytes(&data, repo.object_hash())
        .map_err(|e| Error::git("cannot decode the .cmos tree", e))?;
    for entry in decoded.entries {
        let id = entry.oid.to_owned();
        match (entry.filename.to_str_lossy().as_ref(), entry.mode.is_tree()) {
            ("format.toml", false) => parts.format = Some(id),
            ("project.toml", false) => parts.project = Some(id),
            (layout::SPRINTS, true) => parts.sprints = Some(id),
            (layout::MISSIONS, true) => parts.missions = Some(id),
            _ => {}
        }
    }
    Ok(parts)
}

fn entry_id(repo: &gix::Repository, tree: ObjectId, name: &str) -> Result<Option<ObjectId>> {
    let data = read_tree_data(repo, tree)?;
    let decoded = gix::objs::TreeRef::from_bytes(&data, repo.object_hash())
        .map_err(|e| Error::git("cannot decode a tree", e))?;
    Ok(decoded
        .entries
        .iter()
        .find(|e| e.filename == name.as_bytes())
        .map(|e| e.oid.to_owned()))
}

pub(super) fn read_tree_data(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>> {
    Ok(repo
        .find_tree(id)
        .map_err(|e| Error::git("cannot read a tree of the cmos branch", e))?
        .detach()
        .data)
}

pub(super) fn read_blob(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>> {
    Ok(repo
        .find_blob(id)
        .map_err(|e| Error::git("cannot read a file of the cmos branch", e))?
        .take_data())
}

/// The index of `tree`, reusing `cached` (an index of another tree) where nothing changed.
pub fn index_of(
    repo: &gix::Repository,
    tree: ObjectId,
    cached: Option<(ObjectId, Index)>,
) -> Result<Index> {
    let new = parts(repo, tree)?;
    let (old, mut index) = match cached {
        Some((old_tree, index)) => match parts(repo, old_tree) {
            Ok(old) => (old, index),
            // The cached tree may have been pruned; start over.
            Err(_) => (Parts::default(), Index::default()),
        },
        None => (Parts::default(), Index::default()),
    };
    if old.format != new.format || index.format.is_none() {
        index.format = None;
        index.problems.remove(layout::FORMAT);
        if let Some(id) = new.format {
            match parse::<Format>(repo, layout::FORMAT, id)? {
                Ok(format) => index.format = Some(format),
                Err(problem) => {
                    index.problems.insert(problem.path.clone(), problem);
                }
            }
        }
    }
    if let Some(format) = &index.format
        && format.major > FORMAT_MAJOR
    {
        return Err(Error::UnsupportedFormat {
            found: format!("{}.{}", format.major, format.minor),
            supported: FORMAT_MAJOR,
        });
    }
    if old.project != new.project || (index.project.is_none() && new.project.is_some()) {
        index.project = None;
        index.problems.remove(layout::PROJECT);
        if let Some(id) = new.project {
            match parse::<Project>(repo, layout::PROJECT, id)? {
                Ok(project) => index.project = Some(project),
                Err(problem) => {
                    index.problems.insert(problem.path.clone(), problem);
                }
            }
        }
    }
    for (name, change) in changed_files(repo, old.sprints, new.sprints)? {
        let path = format!("{}/{}/{name}", layout::ROOT, layout::SPRINTS);
        let Some(id) = layout::record_id(&name).filter(|_| !name.contains('/')) else {
            continue;
        };
        index.sprints.remove(id);
        index.problems.remove(&path);
        if let Some(blob) = change {
            match parse::<Sprint>(repo, &path, blob)?
                .and_then(|s| check_id(&path, id, &s.id).map(|_| s))
            {
                Ok(sprint) => index.upsert_sprint(sprint),
                Err(problem) => {
                    index.problems.insert(path, problem);
                }
            }
        }
    }
    for (relative, change) in changed_files(repo, old.missions, new.missions)? {
        let path = format!("{}/{}/{relative}", layout::ROOT, layout::MISSIONS);
        let (dir, name) = relative.split_once('/').unwrap_or(("", relative.as_str()));
        let Some(id) = layout::record_id(name).filter(|_| !name.contains('/')) else {
            continue;
        };
        index.problems.remove(&path);
        if dir != layout::mission_dir(id) {
            // A file hand-placed where cmos would never look for it: say so, never guess.
            if change.is_some() {
                let message = format!(
                    "mission files live in {}; move this one there",
                    layout::mission_path(id)
                );
                index
                    .problems
                    .insert(path.clone(), misplaced(&path, message));
            }
            continue;
        }
        index.missions.remove(id);
        if let Some(blob) = change {
            match parse::<Mission>(repo, &path, blob)?
                .and_then(|m| check_id(&path, id, &m.id).map(|_| m))
            {
                Ok(mission) => index.upsert_mission(MissionEntry::from(&mission)),
                Err(problem) => {
                    index.problems.insert(path, problem);
                }
            }
        }
    }
    Ok(index)
}

fn misplaced(path: &str, message: String) -> FileProblem {
    FileProblem {
        path: path.to_string(),
        line: None,
        column: None,
        message,
    }
}

/// Parses one record; the outer error is git failing, the inner one the file being bad.
fn parse<T: DeserializeOwned>(
    repo: &gix::Repository,
    path: &str,
    blob: ObjectId,
) -> Result<Result<T, FileProblem>> {
    let bytes = read_blob(repo, blob)?;
    Ok(from_toml(path, &bytes))
}

/// The file name must agree with the id inside, and be a valid id itself.
fn check_id(path: &str, from_name: &str, inside: &str) -> Result<(), FileProblem> {
    let problem = |message: String| FileProblem {
        path: path.to_string(),
        line: None,
        column: None,
        message,
    };
    validate_id("record", from_name).map_err(|e| problem(e.to_string()))?;
    if from_name != inside {
        return Err(problem(format!(
            "the file is named {from_name} but its id is {inside:?}; rename one to match"
        )));
    }
    Ok(())
}

/// Files of a directory that differ between two versions of it, by path relative to it: the
/// new blob, or None when the file was removed.
pub(super) fn changed_files(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<Vec<(String, Option<ObjectId>)>> {
    if old == new {
        return Ok(Vec::new());
    }
    let empty = ObjectId::empty_tree(repo.object_hash());
    let old_data = read_tree_data(repo, old.unwrap_or(empty))?;
    let new_data = read_tree_data(repo, new.unwrap_or(empty))?;
    let hash = repo.object_hash();
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old_data, hash),
        gix::objs::TreeRefIter::from_bytes(&new_data, hash),
        &mut gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )
    .map_err(|e| Error::git("cannot compare two versions of the cmos branch", e))?;
    use gix::diff::tree::recorder::Change;
    let mut changes = Vec::with_capacity(recorder.records.len());
    for change in recorder.records {
        let (path, blob) = match change {
            Change::Addition {
                path,
                oid,
                entry_mode,
                ..
            }
            | Change::Modification {
                path,
                oid,
                entry_mode,
                ..
            } => {
                // A directory that appears or changes is described by its files' records.
                if !entry_mode.is_blob() {
                    continue;
                }
                (path, Some(oid))
            }
            // A removed directory is described by its files' deletions too.
            Change::Deletion {
                path, entry_mode, ..
            } if entry_mode.is_blob() => (path, None),
            Change::Deletion { .. } => continue,
        };
        changes.push((path.to_str_lossy().into_owned(), blob));
    }
    Ok(changes)
}

/// Every session file of `tree`: the records that parse, and a problem for each that does not.
pub fn sessions(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<(Vec<Session>, Vec<FileProblem>)> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let Some(dir) = entry_id(repo, root, layout::SESSIONS)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (mut sessions, mut problems) = (Vec::new(), Vec::new());
    for (relative, blob) in changed_files(repo, None, Some(dir))? {
        let Some(blob) = blob else { continue };
        let path = format!("{}/{}/{relative}", layout::ROOT, layout::SESSIONS);
        match parse::<Session>(repo, &path, blob)? {
            Ok(session) => sessions.push(session),
            Err(problem) => problems.push(problem),
        }
    }
    Ok((sessions, problems))
}

/// Every version in the log of `kind` in `tree`, with the lines that failed to parse.
pub fn item_versions(
    repo: &gix::Repository,
    tree: ObjectId,
    kind: ItemKind,
) -> Result<(Vec<Item>, Vec<FileProblem>)> {
    let (mut versions, mut problems) = (Vec::new(), Vec::new());
    for (path, blob) in log_shards(repo, tree, kind.log_dir())? {
        let (lines, bad) = parse_lines::<Item>(&path, &read_blob(repo, blob)?);
        versions.extend(lines);
        problems.extend(bad);
    }
    Ok((versions, problems))
}

/// The shards of the log `.cmos/<log>/`, by path, oldest month first.
pub fn log_shards(
    repo: &gix::Repository,
    tree: ObjectId,
    log: &str,
) -> Result<Vec<(String, ObjectId)>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(dir) = entry_id(repo, root, log)? else {
        return Ok(Vec::new());
    };
    let mut shards: Vec<(String, ObjectId)> = changed_files(repo, None, Some(dir))?
        .into_iter()
        .filter_map(|(relative, blob)| Some((format!("{}/{log}/{relative}", layout::ROOT), blob?)))
        .collect();
    shards.sort();
    Ok(shards)
}

/// The session files of `tree` as (id, path, blob), unread.
pub fn session_files(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<Vec<(String, String, ObjectId)>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(dir) = entry_id(repo, root, layout::SESSIONS)? else {
        return Ok(Vec::new());
    };
    Ok(changed_files(repo, None, Some(dir))?
        .into_iter()
        .filter_map(|(relative, blob)| {
            let name = relative.rsplit('/').next()?;
            let id = layout::record_id(name)?.to_string();
            let path = format!("{}/{}/{relative}", layout::ROOT, layout::SESSIONS);
            Some((id, path, blob?))
        })
        .collect())
}

/// Parses one session file.
pub fn session_file(
    repo: &gix::Repository,
    path: &str,
    blob: ObjectId,
) -> Result<Result<Session, FileProblem>> {
    parse::<Session>(repo, path, blob)
}

/// Files under the directory `path` (a list of names from the root) that differ between two
/// trees, by path relative to it, with their new blob (None when removed).
pub fn changed_under(
    repo: &gix::Repository,
    old: ObjectId,
    new: ObjectId,
    path: &[&str],
) -> Result<Vec<(String, Option<ObjectId>)>> {
    let mut dirs = (Some(old), Some(new));
    for name in path {
        dirs = (
            match dirs.0 {
                Some(tree) => entry_id(repo, tree, name)?,
                None => None,
            },
            match dirs.1 {
                Some(tree) => entry_id(repo, tree, name)?,
                None => None,
            },
        );
    }
    changed_files(repo, dirs.0, dirs.1)
}
