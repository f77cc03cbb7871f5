//! Builds the index of a tree: in full on first sight, then incrementally from a tree diff
//! against the tree the cached index was built from.

use std::collections::BTreeMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::de::DeserializeOwned;

use super::one_object;
use super::pack_lookup::Lookup;
use super::trees::{self, Leaf, Listing, Node};
use crate::error::{Error, FileProblem, Result};
use crate::format::codec::{from_toml, parse_lines};
use crate::format::layout;
use crate::index::{Index, MissionEntry};
use crate::model::{
    FORMAT_MAJOR, Format, Item, ItemKind, KnownKeysOnly, Mission, Project, Session, Sprint,
    validate_id,
};

/// The objects of a tree that the index is built from, and what is wrong with its top two
/// levels (the root and `.cmos`).
#[derive(Debug, Default, PartialEq)]
struct Parts {
    format: Option<ObjectId>,
    project: Option<ObjectId>,
    sprints: Option<ObjectId>,
    missions: Option<ObjectId>,
    faults: Vec<FileProblem>,
}

/// Directories of `.cmos` that hold records: a file in their place hides every record.
fn is_record_dir(name: &str) -> bool {
    [
        layout::SPRINTS,
        layout::MISSIONS,
        layout::SESSIONS,
        layout::EVENTS,
        layout::METRICS,
        layout::CONFLICTS,
    ]
    .contains(&name)
        || ItemKind::ALL.iter().any(|k| k.log_dir() == name)
}

/// Files of `.cmos` that cmos reads as a whole.
fn is_record_file(path: &str) -> bool {
    [layout::FORMAT, layout::PROJECT, layout::NOTES].contains(&path)
}

fn parts(repo: &gix::Repository, tree: ObjectId) -> Result<Parts> {
    let mut parts = Parts::default();
    let root = trees::read(repo, tree)?;
    if let Listing::Bad(why) = &root {
        parts.faults.push(trees::problem("", why.clone()));
        return Ok(parts);
    }
    let dot = match trees::find(&root, layout::ROOT) {
        Some(Node::Tree(id)) => Some(*id),
        Some(Node::Blob(_)) => {
            let message = "a file where the directory .cmos is expected: no record can be read";
            parts
                .faults
                .push(misplaced(layout::ROOT, message.to_string()));
            None
        }
        _ => None,
    };
    let dot = match dot {
        Some(id) => trees::read(repo, id)?,
        None => Listing::Entries(Vec::new()),
    };
    for (dir, listing) in [("", &root), (layout::ROOT, &dot)] {
        let entries = match listing {
            Listing::Bad(why) => {
                parts.faults.push(trees::problem(dir, why.clone()));
                continue;
            }
            Listing::Entries(entries) => entries,
        };
        for (name, node) in entries {
            let path = trees::join(dir, name);
            match node {
                Node::Bad(why) => parts.faults.push(trees::problem(&path, why.clone())),
                Node::Blob(_) if dir == layout::ROOT && is_record_dir(name) => {
                    let message = format!(
                        "a file where the directory {path} is expected: none of its records can be read"
                    );
                    parts.faults.push(misplaced(&path, message));
                }
                Node::Tree(_) if is_record_file(&path) => {
                    let message = format!("a directory where the file {path} is expected");
                    parts.faults.push(misplaced(&path, message));
                }
                Node::Blob(id) if path == layout::FORMAT => parts.format = Some(*id),
                Node::Blob(id) if path == layout::PROJECT => parts.project = Some(*id),
                Node::Tree(id) if dir == layout::ROOT && name == layout::SPRINTS => {
                    parts.sprints = Some(*id)
                }
                Node::Tree(id) if dir == layout::ROOT && name == layout::MISSIONS => {
                    parts.missions = Some(*id)
                }
                _ => {}
            }
        }
    }
    Ok(parts)
}

/// What is wrong with the layout of `tree` at its top two levels: bad entries, and a file
/// where a directory of records belongs (or the reverse).
pub fn layout_faults(repo: &gix::Repository, tree: ObjectId) -> Result<Vec<FileProblem>> {
    Ok(parts(repo, tree)?.faults)
}

/// The directory `name` of `tree`, if it is a sound one.
fn entry_id(repo: &gix::Repository, tree: ObjectId, name: &str) -> Result<Option<ObjectId>> {
    trees::subtree(repo, tree, name)
}

/// The bytes of the file at `path`, blob `id`.
pub(super) fn read_blob(repo: &gix::Repository, id: ObjectId, path: &str) -> Result<Vec<u8>> {
    match direct_blob(repo, id, path)? {
        Some(data) => Ok(data),
        None => Ok(find_blob(repo, id, path)?.take_data()),
    }
}

/// `look` at the bytes of the file at `path`, blob `id`. A blob read through gix is lent in
/// the buffer the handle reuses for its next object; one read from its loose file or by
/// `pack_lookup` (a command's first few objects) comes in a buffer of its own. Packed blobs
/// read by the thousand do not come this way: `pack_read` reads them from their packs.
pub(super) fn with_blob<R>(
    repo: &gix::Repository,
    id: ObjectId,
    path: &str,
    look: impl FnOnce(&[u8]) -> R,
) -> Result<R> {
    match direct_blob(repo, id, path)? {
        Some(data) => Ok(look(&data)),
        None => Ok(look(&find_blob(repo, id, path)?.data)),
    }
}

/// Blob `id` read from its loose file or a pack without gix's object store (see
/// `one_object`); None when that lookup cannot answer it.
fn direct_blob(repo: &gix::Repository, id: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
    let objects = repo.objects.store_ref().path();
    match one_object::find(objects, repo.object_hash(), &id, MAX_BLOB_BYTES) {
        Some(Lookup::Found(found)) if found.kind == gix::object::Kind::Blob => Ok(Some(found.data)),
        Some(Lookup::TooLarge {
            kind: gix::object::Kind::Blob,
            size,
        }) => Err(too_large(path, size)),
        _ => Ok(None),
    }
}

/// A file of the branch over `MAX_BLOB_BYTES`.
fn too_large(path: &str, size: u64) -> Error {
    Error::Corrupt(FileProblem {
        path: path.to_string(),
        line: None,
        column: None,
        message: format!(
            "{size} bytes, over the {} MiB cmos reads from one file of its branch (no file cmos writes comes near it): remove or shorten the file on the branch",
            MAX_BLOB_BYTES >> 20
        ),
    })
}

fn find_blob<'repo>(
    repo: &'repo gix::Repository,
    id: ObjectId,
    path: &str,
) -> Result<gix::Blob<'repo>> {
    let git = |e| Error::git(&format!("cannot read {path} on the cmos branch"), e);
    let missing = || {
        Error::Git(format!(
            "{path} on the cmos branch is object {id}, which this repository does not have"
        ))
    };
    // The branch is untrusted input: its size is looked up before anything is allocated.
    let header = super::repository::found_again(|| repo.try_find_header(id))
        .map_err(git)?
        .ok_or_else(missing)?;
    if header.size() > MAX_BLOB_BYTES {
        return Err(too_large(path, header.size()));
    }
    let object = super::repository::found_again(|| repo.try_find_object(id))
        .map_err(git)?
        .ok_or_else(missing)?;
    object.try_into_blob().map_err(git)
}

/// The largest file of the branch cmos reads, 64 MiB: far above what it writes (a record's
/// fields are at most 64 KiB each, log shards roll over at 32 KiB), far below what would
/// exhaust a machine's memory when a hostile branch holds a huge blob.
pub const MAX_BLOB_BYTES: u64 = 64 << 20;

/// The index of `tree`, reusing `cached` (an index of another tree) where nothing changed.
pub fn index_of(
    repo: &gix::Repository,
    tree: ObjectId,
    cached: Option<(ObjectId, Index)>,
) -> Result<Index> {
    index_checking(repo, tree, cached, None)
}

/// The problems `verify` finds in the texts of the mission files an index build reads, each
/// with the blob it was found in.
pub(super) type TextProblems = Vec<(ObjectId, FileProblem)>;

/// `index_of`, checking the texts of each mission file it reads when `texts` is given (so
/// verify reads and parses each file once).
pub(super) fn index_checking(
    repo: &gix::Repository,
    tree: ObjectId,
    cached: Option<(ObjectId, Index)>,
    mut texts: Option<&mut TextProblems>,
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
    // What was wrong at the top of the old tree is recomputed for the new one, after the
    // records: a record directory that became a file is first emptied, then named.
    for fault in &old.faults {
        index.problems.remove(&fault.path);
    }
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
    read_sprints(repo, old.sprints, new.sprints, &mut index)?;
    let missions_dir = trees::join(layout::ROOT, layout::MISSIONS);
    // Mission files to read: path, blob and the id the path stands for.
    let threads = super::pipeline::threads();
    let changes = trees::diff_on_threads(repo, &missions_dir, old.missions, new.missions, threads)?;
    // Room for every file at once: grown step by step, the list of 100,000 was copied
    // several times over, each time into memory touched for the first time.
    // (The id is not kept beside the path: it is the path's file name less `.toml`, taken
    // again where the file is parsed, on every core, rather than copied here for each.)
    let mut to_read: Vec<(String, ObjectId)> = Vec::with_capacity(changes.len());
    for change in changes {
        let path = change.path;
        if !index.problems.is_empty() {
            index.problems.remove(&path);
        }
        // The mission this path stands for, when it is where cmos puts that mission.
        let below_missions = (path.strip_prefix(missions_dir.as_str()))
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or_default();
        let id = below_missions
            .split_once('/')
            .and_then(|(dir, name)| Some((dir, layout::record_id(name)?)))
            .filter(|(dir, id)| !id.contains('/') && is_mission_dir(dir, id))
            .map(|(_, id)| id);
        // (A first read starts from no missions: nothing to hash and look up.)
        if let Some(id) = id.filter(|_| !index.missions.is_empty()) {
            index.missions.remove(id);
        }
        match (change.new, id) {
            (None, _) => {}
            (Some(Leaf::Bad(why)), _) => {
                let problem = trees::problem(&path, why);
                index.problems.insert(path, problem);
            }
            (Some(Leaf::File(_)), None) => {
                let problem = out_of_place(&path, "mission", layout::mission_path);
                index.problems.insert(path, problem);
            }
            (Some(Leaf::File(blob)), Some(_)) => to_read.push((path, blob)),
        }
    }
    // Each path stands for a mission of its own, so the files are read and parsed in any
    // order, on every core. Everything that needs the whole record happens there; what
    // comes back is its summary, or why it could not be read.
    // Room for every mission read at once: growing a table of 100,000 summaries step by step
    // moves each of them several times.
    index.missions.reserve(to_read.len());
    let checking = texts.is_some();
    let read_one = |(path, blob): (String, ObjectId), bytes: &[u8]| {
        // Only paths whose file name gives an id were queued. (The name after the last `/`,
        // found by a byte scan: `rsplit_once`'s search was 2% of a first verify's samples.)
        let name_at = path
            .bytes()
            .rposition(|b| b == b'/')
            .map_or(0, |slash| slash + 1);
        let id = layout::record_id(&path[name_at..]).unwrap_or_default();
        // A summary needs no unknown keys (an imported record's `[legacy]` table, say).
        let mission = from_toml::<KnownKeysOnly<Mission>>(&path, bytes)
            .and_then(|KnownKeysOnly(m)| check_id(&path, id, &m.id).map(|_| m));
        let mut found = Vec::new();
        if let (true, Ok(mission)) = (checking, &mission) {
            super::verify_text::mission(&path, bytes, mission, &mut found);
        }
        (path, blob, mission.map(MissionEntry::from), found)
    };
    super::pipeline::read_blobs_and_parse(repo, to_read, read_one, |done| {
        let (path, blob, entry, found) = done;
        if let Some(texts) = texts.as_deref_mut() {
            texts.extend(found.into_iter().map(|p| (blob, p)));
        }
        match entry {
            Ok(entry) => index.upsert_mission(entry),
            Err(problem) => {
                index.problems.insert(path, problem);
            }
        }
    })?;
    for fault in new.faults {
        index.problems.insert(fault.path.clone(), fault);
    }
    Ok(index)
}

/// Where in `sprints/` a sprint file is: where format 1 kept it, or where format 2 puts it.
#[derive(Clone, Copy)]
enum SprintPlace {
    Flat = 0,
    Sharded = 1,
}

/// The sprint a path relative to `sprints/` stands for, and which of its places it is.
fn sprint_place(path: &str) -> Option<(&str, SprintPlace)> {
    match path.split_once('/') {
        None => Some((layout::record_id(path)?, SprintPlace::Flat)),
        Some((dir, name)) => {
            let id = layout::record_id(name).filter(|id| !id.contains('/'))?;
            is_mission_dir(dir, id).then_some((id, SprintPlace::Sharded))
        }
    }
}

/// Brings the sprints of `index` from the directory `old` to `new`. A sprint may have a file
/// in each of its places; the one format 2 puts is read, and the other named as a problem.
fn read_sprints(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    index: &mut Index,
) -> Result<()> {
    let dir = trees::join(layout::ROOT, layout::SPRINTS);
    // The sprints whose files changed: per place, Some(the new blob, or None when gone).
    let mut touched: BTreeMap<String, [Option<Option<ObjectId>>; 2]> = BTreeMap::new();
    let mut bad = Vec::new();
    for change in trees::diff(repo, old, new)? {
        let path = trees::join(&dir, &change.path);
        index.problems.remove(&path);
        let place = sprint_place(&change.path);
        let blob = match (change.new, place) {
            (Some(Leaf::Bad(why)), _) => {
                bad.push(trees::problem(&path, why));
                None
            }
            (Some(Leaf::File(_)), None) => {
                bad.push(out_of_place(&path, "sprint", layout::sprint_path));
                None
            }
            (Some(Leaf::File(blob)), Some(_)) => Some(blob),
            (None, _) => None,
        };
        if let Some((id, place)) = place {
            touched.entry(id.to_string()).or_default()[place as usize] = Some(blob);
        }
    }
    for (id, changed) in touched {
        index.sprints.remove(&id);
        let [sharded_path, flat_path] = layout::sprint_paths(&id);
        // A place whose file did not change holds what it held: look it up.
        let relative = [
            format!("{id}.toml"),
            format!("{}/{id}.toml", layout::mission_dir(&id)),
        ];
        let mut blobs = [None, None];
        for (at, blob) in blobs.iter_mut().enumerate() {
            *blob = match (changed[at], new) {
                (Some(blob), _) => blob,
                (None, Some(tree)) if old.is_some() => trees::blob_at(repo, tree, &relative[at])?,
                (None, _) => None,
            };
        }
        // The problems this sprint's files may have are worked out again below; a bad entry
        // that did not change keeps its own (it is no sound file, so its blob is None).
        for (at, path) in [&flat_path, &sharded_path].into_iter().enumerate() {
            if blobs[at].is_some() {
                index.problems.remove(path);
            }
        }
        let (path, blob) = match blobs {
            [flat, Some(sharded)] => {
                if flat.is_some() {
                    let message = format!(
                        "sprint {id} is also in {sharded_path}, which cmos reads; remove this file"
                    );
                    index
                        .problems
                        .insert(flat_path.clone(), misplaced(&flat_path, message));
                }
                (sharded_path, sharded)
            }
            [Some(flat), None] => (flat_path, flat),
            [None, None] => continue,
        };
        match parse::<Sprint>(repo, &path, blob)?
            .and_then(|s| check_id(&path, &id, &s.id).map(|_| s))
        {
            Ok(sprint) => {
                index.sprints.insert(sprint.id.clone(), sprint);
            }
            Err(problem) => {
                index.problems.insert(path, problem);
            }
        }
    }
    for problem in bad {
        index.problems.insert(problem.path.clone(), problem);
    }
    Ok(())
}

/// Whether `dir` is `layout::mission_dir(id)`, without making that string for every file.
fn is_mission_dir(dir: &str, id: &str) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = (crate::model::fnv1a(id.as_bytes()) & 0xff) as usize;
    dir.as_bytes() == [HEX[hash >> 4], HEX[hash & 0xf]]
}

/// A file of a record directory where cmos would never look for a `kind` record (`path_of`
/// gives where one lives): named with where it belongs, never guessed at.
fn out_of_place(path: &str, kind: &str, path_of: fn(&str) -> String) -> FileProblem {
    let message = match path.rsplit('/').next().and_then(layout::record_id) {
        Some(id) => format!("{kind} files live in {}; move this one there", path_of(id)),
        None => format!(
            "not a {kind} file: {kind}s live in {}; move or remove it",
            path_of("<id>")
        ),
    };
    misplaced(path, message)
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
    let bytes = read_blob(repo, blob, path)?;
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
/// new blob, or None when the file was removed. Entries cmos does not follow are left out
/// (a file replaced by one counts as removed); `verify` names them.
pub(super) fn changed_files(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<Vec<(String, Option<ObjectId>)>> {
    Ok(trees::diff(repo, old, new)?
        .into_iter()
        .filter_map(|change| match (change.old, change.new) {
            (_, Some(Leaf::File(blob))) => Some((change.path, Some(blob))),
            (Some(Leaf::File(_)), _) => Some((change.path, None)),
            _ => None,
        })
        .collect())
}

/// Files that differ between two trees of the project's own history (not the cmos branch,
/// whose rules do not apply there: a project may hold symlinks and submodules).
pub(super) fn project_changed_files(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
) -> Result<Vec<(String, Option<ObjectId>)>> {
    if old == new {
        return Ok(Vec::new());
    }
    let empty = ObjectId::empty_tree(repo.object_hash());
    let tree = |id: ObjectId| -> Result<Vec<u8>> {
        Ok(repo
            .find_tree(id)
            .map_err(|e| Error::git("cannot read a tree of the project", e))?
            .detach()
            .data)
    };
    let old_data = tree(old.unwrap_or(empty))?;
    let new_data = tree(new.unwrap_or(empty))?;
    let hash = repo.object_hash();
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old_data, hash),
        gix::objs::TreeRefIter::from_bytes(&new_data, hash),
        &mut gix::diff::tree::State::default(),
        &repo.objects,
        &mut recorder,
    )
    .map_err(|e| Error::git("cannot compare two commits of the project", e))?;
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
    for change in trees::diff(repo, None, Some(dir))? {
        let path = trees::join(
            &format!("{}/{}", layout::ROOT, layout::SESSIONS),
            &change.path,
        );
        match change.new {
            Some(Leaf::Bad(why)) => problems.push(trees::problem(&path, why)),
            Some(Leaf::File(blob)) if change.path.split('/').count() == 2 => {
                match parse::<Session>(repo, &path, blob)? {
                    Ok(session) => sessions.push(session),
                    Err(problem) => problems.push(problem),
                }
            }
            Some(Leaf::File(_)) => problems.push(misplaced(
                &path,
                format!(
                    "not a session file: sessions live in {}; move or remove it",
                    layout::session_path("<id>")
                ),
            )),
            None => {}
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
        let (lines, bad) = parse_lines::<Item>(&path, &read_blob(repo, blob, &path)?);
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
        .filter(|(relative, _)| is_shard_position(relative))
        .filter_map(|(relative, blob)| Some((format!("{}/{log}/{relative}", layout::ROOT), blob?)))
        .collect();
    shards.sort();
    Ok(shards)
}

/// The month directories of the log `.cmos/<log>/` as (month, tree), oldest first: those from
/// `first` to `last` (`yyyy-mm`, either end open when None). Only the log's own listing and
/// nothing under it is read, so a reader of a few months does not pay for the others.
pub fn log_months(
    repo: &gix::Repository,
    tree: ObjectId,
    log: &str,
    (first, last): (Option<&str>, Option<&str>),
) -> Result<Vec<(String, ObjectId)>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(dir) = entry_id(repo, root, log)? else {
        return Ok(Vec::new());
    };
    let Listing::Entries(entries) = trees::read(repo, dir)? else {
        return Ok(Vec::new());
    };
    Ok(entries
        .into_iter()
        .filter(|(month, _)| first.is_none_or(|f| month.as_str() >= f))
        .filter(|(month, _)| last.is_none_or(|l| month.as_str() <= l))
        .filter_map(|(month, node)| match node {
            Node::Tree(id) => Some((month, id)),
            _ => None,
        })
        .collect())
}

/// The shards of one month directory of the log `.cmos/<log>/` (from `log_months`), as
/// (path, blob), by name.
pub fn month_shards(
    repo: &gix::Repository,
    log: &str,
    (month, dir): &(String, ObjectId),
) -> Result<Vec<(String, ObjectId)>> {
    let Listing::Entries(entries) = trees::read(repo, *dir)? else {
        return Ok(Vec::new());
    };
    Ok(entries
        .into_iter()
        .filter(|(name, _)| name.ends_with(".jsonl"))
        .filter_map(|(name, node)| match node {
            Node::Blob(blob) => Some((format!("{}/{log}/{month}/{name}", layout::ROOT), blob)),
            _ => None,
        })
        .collect())
}

/// The shards of the log `.cmos/<log>/` in the months from `first` to `last` (either end open
/// when None), by path, oldest month first.
pub fn log_shards_between(
    repo: &gix::Repository,
    tree: ObjectId,
    log: &str,
    months: (Option<&str>, Option<&str>),
) -> Result<Vec<(String, ObjectId)>> {
    let mut shards = Vec::new();
    for month in log_months(repo, tree, log, months)? {
        shards.extend(month_shards(repo, log, &month)?);
    }
    Ok(shards)
}

/// The files directly in `.cmos/<dir>/` as (path, blob), by name; entries that are not
/// plain files are left out (verify reports bad entries).
pub fn dir_files(
    repo: &gix::Repository,
    tree: ObjectId,
    dir: &str,
) -> Result<Vec<(String, ObjectId)>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(id) = entry_id(repo, root, dir)? else {
        return Ok(Vec::new());
    };
    let Listing::Entries(entries) = trees::read(repo, id)? else {
        return Ok(Vec::new());
    };
    Ok(entries
        .into_iter()
        .filter_map(|(name, node)| match node {
            Node::Blob(blob) => Some((format!("{}/{dir}/{name}", layout::ROOT), blob)),
            _ => None,
        })
        .collect())
}

/// Shards live in month directories: `<yyyy-mm>/<file>.jsonl`.
fn is_shard_position(relative: &str) -> bool {
    relative.split('/').count() == 2 && relative.ends_with(".jsonl")
}

/// Files of the log `.cmos/<log>/` that are not where shards live, so no reader sees them
/// (and a file in place of a month directory stops every write to that month).
pub fn misplaced_log_files(
    repo: &gix::Repository,
    tree: ObjectId,
    log: &str,
) -> Result<Vec<FileProblem>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(dir) = entry_id(repo, root, log)? else {
        return Ok(Vec::new());
    };
    Ok(changed_files(repo, None, Some(dir))?
        .into_iter()
        .filter(|(relative, _)| !is_shard_position(relative))
        .map(|(relative, _)| {
            let path = format!("{}/{log}/{relative}", layout::ROOT);
            let message = format!(
                "not a log shard: shards live in {}/<file>.jsonl; move or remove it",
                layout::log_month_dir(log, "<yyyy-mm>")
            );
            misplaced(&path, message)
        })
        .collect())
}

/// The session files of `tree` as (id, path, blob), unread.
pub fn session_files(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<Vec<(String, String, ObjectId)>> {
    let Some(dir) = sessions_dir(repo, tree)? else {
        return Ok(Vec::new());
    };
    Ok(changed_files(repo, None, Some(dir))?
        .into_iter()
        .filter_map(|(relative, blob)| session_entry(&relative, blob))
        .collect())
}

/// The directory `.cmos/sessions` of `tree`, if there is a sound one.
pub(super) fn sessions_dir(repo: &gix::Repository, tree: ObjectId) -> Result<Option<ObjectId>> {
    match entry_id(repo, tree, layout::ROOT)? {
        Some(root) => entry_id(repo, root, layout::SESSIONS),
        None => Ok(None),
    }
}

/// A file of the sessions directory (by path relative to it) as (id, path, blob), if it is
/// named as a session file.
pub(super) fn session_entry(
    relative: &str,
    blob: Option<ObjectId>,
) -> Option<(String, String, ObjectId)> {
    let name = relative.rsplit('/').next()?;
    let id = layout::record_id(name)?.to_string();
    let path = format!("{}/{}/{relative}", layout::ROOT, layout::SESSIONS);
    Some((id, path, blob?))
}

/// The files under `.cmos/missions` of `tree` as (path, blob), unread.
pub(super) fn mission_files(
    repo: &gix::Repository,
    tree: ObjectId,
) -> Result<Vec<(String, ObjectId)>> {
    let Some(root) = entry_id(repo, tree, layout::ROOT)? else {
        return Ok(Vec::new());
    };
    let Some(dir) = entry_id(repo, root, layout::MISSIONS)? else {
        return Ok(Vec::new());
    };
    Ok(changed_files(repo, None, Some(dir))?
        .into_iter()
        .filter_map(|(relative, blob)| {
            let path = format!("{}/{}/{relative}", layout::ROOT, layout::MISSIONS);
            Some((path, blob?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mission_dir_is_recognised_as_layout_names_it() {
        for id in ["B1", "m01002", "task-1006", "x"] {
            assert!(is_mission_dir(&layout::mission_dir(id), id), "{id}");
            assert!(!is_mission_dir("zz", id));
        }
    }

    proptest::proptest! {
        /// Both places of a sprint are read back as that sprint, and any other name a
        /// hostile branch may hold is either one of them or nothing, never a panic.
        #[test]
        fn sprint_places_round_trip_and_other_names_are_refused(
            id in "[A-Za-z0-9][A-Za-z0-9._-]{0,20}",
            other in "\\PC{0,40}",
        ) {
            let dir = trees::join(layout::ROOT, layout::SPRINTS);
            for (path, place) in [
                (layout::flat_sprint_path(&id), SprintPlace::Flat),
                (layout::sprint_path(&id), SprintPlace::Sharded),
            ] {
                let relative = &path[dir.len() + 1..];
                let found = sprint_place(relative)
                    .map(|(id, place)| (id.to_string(), place as usize));
                proptest::prop_assert_eq!(found, Some((id.clone(), place as usize)));
            }
            if let Some((found, place)) = sprint_place(&other) {
                let expected = match place {
                    SprintPlace::Flat => layout::flat_sprint_path(found),
                    SprintPlace::Sharded => layout::sprint_path(found),
                };
                proptest::prop_assert_eq!(trees::join(&dir, &other), expected);
            }
        }
    }
}
