//! `mission register PATH...`: missions added or updated from Mission Protocol files, as one
//! commit. The files are outside input: every file is read and checked (size, YAML bounds,
//! ids, text) before the write begins, so a bad file refuses the whole batch and nothing is
//! written.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::migrate::mission_file::{self, MissionFile};
use crate::migrate::values;
use crate::model::{Mission, Status, clean_items, clean_name, clean_text, new_uid};
use crate::store::Tx;

/// How many mission files one register reads: far above a project's plan, far below what
/// would make one commit unreasonable.
pub const MAX_FILES: usize = 5_000;
/// How large one mission file may be; real ones are a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// How deep a folder walk goes, and how many entries it looks at in all.
const MAX_WALK_DEPTH: usize = 16;
const MAX_WALK_ENTRIES: usize = 200_000;

/// What happened to one mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Updated,
    Unchanged,
}

#[derive(Debug, Serialize)]
pub struct MissionChange {
    pub mission: String,
    pub file: String,
    pub change: Change,
    /// The fields an update changed.
    pub fields: Vec<&'static str>,
    /// Keys of the file the mapping does not read.
    pub ignored: Vec<String>,
}

/// A file a folder walk found and left alone, and why.
#[derive(Debug, Serialize)]
pub struct SkippedFile {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Registered {
    pub missions: Vec<MissionChange>,
    /// Sprints the files named that did not exist: added as Planned.
    pub added_sprints: Vec<String>,
    pub skipped_files: Vec<SkippedFile>,
}

/// One mission file's mission, checked and cleaned.
#[derive(Debug)]
struct Entry {
    file: PathBuf,
    mission: MissionFile,
    /// The name the file name gives, for a file that has no `name`.
    name_from_file: Option<String>,
    /// The folder the file is in, which the original named after the sprint.
    folder: Option<String>,
}

/// Reads every mission file under `paths` and adds or updates their missions in one commit.
pub fn register(ws: &Workspace, paths: &[PathBuf]) -> Result<Outcome<Registered>> {
    let (files, mut skipped) = collect(paths)?;
    let mut entries: Vec<Entry> = Vec::new();
    for (file, named) in files {
        let missions = read_file(&file)?;
        if missions.is_empty() {
            if named {
                return Err(refuse(
                    &file,
                    "holds no mission (no document has a `missionId`)",
                ));
            }
            skipped.push(SkippedFile {
                file: file.display().to_string(),
                reason: "not a mission file: no document has a `missionId`".into(),
            });
            continue;
        }
        for mission in missions {
            if let Some(other) = entries.iter().find(|e| e.mission.id == mission.id) {
                return Err(Error::InvalidInput(format!(
                    "mission {} is in both {} and {}: keep it in one file; nothing was registered",
                    mission.id,
                    other.file.display(),
                    file.display()
                )));
            }
            let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            entries.push(Entry {
                name_from_file: mission_file::name_from_file(&mission.id, file_name),
                folder: file
                    .parent()
                    .and_then(Path::file_name)
                    .and_then(|n| n.to_str())
                    .map(str::to_string),
                mission: clean(mission).map_err(|e| refuse(&file, &e.to_string()))?,
                file: file.clone(),
            });
        }
    }
    if entries.is_empty() {
        return Err(Error::InvalidInput(
            "none of the files holds a mission (a document with a `missionId`); nothing was registered"
                .into(),
        ));
    }
    let written = ws.store().write("mission.register", |tx| {
        let mut changes = Vec::new();
        let mut added_sprints = Vec::new();
        for entry in &entries {
            changes.push(apply(tx, entry, &mut added_sprints)?);
        }
        let count = |c: Change| changes.iter().filter(|m| m.change == c).count();
        let (added, updated) = (count(Change::Added), count(Change::Updated));
        tx.set_subject(format!(
            "mission register: {added} added, {updated} updated"
        ));
        Ok((changes, added_sprints))
    })?;
    let (missions, added_sprints) = written.value;
    let mut outcome = Outcome::from_digest(
        Registered {
            missions,
            added_sprints,
            skipped_files: skipped,
        },
        &written.meta,
        &written.digest,
    );
    for sprint in outcome.data.added_sprints.clone() {
        outcome = outcome.warn(format!(
            "no sprint was named {sprint:?}: added it as Planned for the missions that name it"
        ));
    }
    Ok(outcome)
}

fn refuse(file: &Path, why: &str) -> Error {
    Error::InvalidInput(format!("{}: {why}; nothing was registered", file.display()))
}

/// A file to read, and whether it was named (rather than found in a folder).
type Found = (PathBuf, bool);

/// The files to read: each file named, and the `.yaml`/`.yml` files under each folder named
/// (symbolic links inside a folder are not followed), with whether the file was named.
fn collect(paths: &[PathBuf]) -> Result<(Vec<Found>, Vec<SkippedFile>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = 0usize;
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| {
            Error::InvalidInput(format!(
                "cannot read {}: {e}; nothing was registered",
                path.display()
            ))
        })?;
        if meta.is_file() {
            files.push((path.clone(), true));
            continue;
        }
        let before = files.len();
        walk(path, 0, &mut seen, &mut files, &mut skipped)?;
        if files.len() == before {
            return Err(refuse(
                path,
                "the folder holds no .yaml or .yml file (mission files are found by those endings)",
            ));
        }
    }
    if files.len() > MAX_FILES {
        return Err(Error::InvalidInput(format!(
            "{} files to read, more than the {MAX_FILES} one register reads; register the folders one at a time; nothing was registered",
            files.len()
        )));
    }
    Ok((files, skipped))
}

fn walk(
    dir: &Path,
    depth: usize,
    seen: &mut usize,
    files: &mut Vec<Found>,
    skipped: &mut Vec<SkippedFile>,
) -> Result<()> {
    if depth > MAX_WALK_DEPTH {
        return Err(refuse(
            dir,
            &format!("folders nest deeper than {MAX_WALK_DEPTH} levels"),
        ));
    }
    let listing = fs::read_dir(dir).map_err(|e| refuse(dir, &format!("cannot list it: {e}")))?;
    let mut entries: Vec<PathBuf> = listing.flatten().map(|e| e.path()).collect();
    *seen += entries.len();
    if *seen > MAX_WALK_ENTRIES {
        return Err(refuse(
            dir,
            &format!("the folders hold more than {MAX_WALK_ENTRIES} entries"),
        ));
    }
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if meta.file_type().is_symlink() {
            if yaml || fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                skipped.push(SkippedFile {
                    file: path.display().to_string(),
                    reason: "a symbolic link, not followed inside a folder".into(),
                });
            }
        } else if meta.is_dir() {
            walk(&path, depth + 1, seen, files, skipped)?;
        } else if meta.is_file() && yaml {
            files.push((path, false));
        }
    }
    Ok(())
}

/// The missions of one file, read within the size bound.
fn read_file(file: &Path) -> Result<Vec<MissionFile>> {
    let handle = fs::File::open(file).map_err(|e| refuse(file, &format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    handle
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(file, &format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(
            file,
            &format!("it is larger than {MAX_FILE_BYTES} bytes, too large for a mission file"),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| refuse(file, "it is not UTF-8 text"))?;
    mission_file::read(&text).map_err(|why| refuse(file, &why))
}

/// The file's values checked as any mission's fields are; empty text says nothing.
fn clean(file: MissionFile) -> Result<MissionFile> {
    let items = |field: &str, list: Option<Vec<String>>| -> Result<Option<Vec<String>>> {
        list.map(|l| clean_items(field, &l)).transpose()
    };
    let one_line = |field: &str, text: Option<String>| -> Result<Option<String>> {
        text.filter(|t| !t.trim().is_empty())
            .map(|t| clean_name(field, &t))
            .transpose()
    };
    Ok(MissionFile {
        name: one_line("mission name", file.name)?,
        sprint: one_line("sprint", file.sprint)?,
        objective: clean_text("objective", file.objective.as_deref())?,
        context: clean_text("context", file.context.as_deref())?,
        success_criteria: items("success criterion", file.success_criteria)?,
        deliverables: items("deliverable", file.deliverables)?,
        references: items("reference", file.references)?,
        ..file
    })
}

/// Stored text as a file would give it, so text an import kept untrimmed compares equal.
fn normal(text: &Option<String>) -> Option<String> {
    clean_text("text", text.as_deref())
        .ok()
        .unwrap_or_else(|| text.clone())
}

fn normal_items(items: &[String]) -> Vec<String> {
    clean_items("item", items).unwrap_or_else(|_| items.to_vec())
}

/// Adds or updates one mission in the write.
fn apply(tx: &mut Tx<'_>, entry: &Entry, added_sprints: &mut Vec<String>) -> Result<MissionChange> {
    let f = &entry.mission;
    let at = |why: String| refuse(&entry.file, &why);
    let exists = tx.entry(&f.id)?.is_some() || tx.exists(&layout::mission_path(&f.id))?;
    let mut sprint = match &f.sprint {
        Some(name) => {
            let (id, added) = crate::ops::sprint::named_or_added(tx, name)
                .map_err(|e| at(format!("mission {}: {e}", f.id)))?;
            if added {
                added_sprints.push(name.clone());
            }
            Some(id)
        }
        None => None,
    };
    if sprint.is_none()
        && let Some(folder) = &entry.folder
        && let Some(found) = tx.meta().find_sprint(folder).ok().flatten()
    {
        sprint = Some(found.id.clone());
    }
    let mut report = MissionChange {
        mission: f.id.clone(),
        file: entry.file.display().to_string(),
        change: Change::Unchanged,
        fields: Vec::new(),
        ignored: f.ignored.clone(),
    };
    if !exists {
        let name = f
            .name
            .clone()
            .or_else(|| entry.name_from_file.clone())
            .ok_or_else(|| {
                at(format!(
                    "mission {} is new, and the file gives it no name: add `name:`",
                    f.id
                ))
            })?;
        let sprint = sprint.ok_or_else(|| {
            at(format!(
                "mission {} is new, and the file names no sprint: add `sprint:` (a sprint's id or title), or put the file in a folder named after the sprint",
                f.id
            ))
        })?;
        let mission = new_mission(tx, f, name, sprint);
        tx.put_mission(&mission)?;
        tx.record(
            "mission.created",
            &mission.id,
            None,
            Some(Status::Queued.to_string()),
            Some(mission.name.clone()),
        );
        report.change = Change::Added;
        return Ok(report);
    }
    let mut m = tx.mission(&f.id)?;
    let mut changed = Vec::new();
    if let Some(name) = &f.name
        && *name != m.name
    {
        m.name = name.clone();
        changed.push("name");
    }
    if let Some(sprint) = sprint
        && m.sprint.as_deref() != Some(sprint.as_str())
    {
        m.sprint = Some(sprint);
        changed.push("sprint");
    }
    if f.objective.is_some() && f.objective != normal(&m.objective) {
        m.objective = f.objective.clone();
        changed.push("objective");
    }
    if f.context.is_some() && f.context != normal(&m.context) {
        m.context = f.context.clone();
        changed.push("context");
    }
    if let Some(list) = &f.success_criteria
        && *list != normal_items(&m.success_criteria)
    {
        m.success_criteria = list.clone();
        changed.push("successCriteria");
    }
    if let Some(list) = &f.deliverables
        && *list != normal_items(&m.deliverables)
    {
        m.deliverables = list.clone();
        changed.push("deliverables");
    }
    if let Some(list) = &f.references
        && *list != normal_items(&mission_file::references(&m))
    {
        m.extra.insert("references".into(), references_toml(list));
        changed.push("references");
    }
    if let Some(fields) = &f.domain_fields {
        let new = values::to_toml(&serde_json::Value::Object(fields.clone()));
        let old = mission_file::domain_fields(&m)
            .and_then(|old| values::to_toml(&serde_json::Value::Object(old)));
        if new != old
            && let Some(table) = new
        {
            m.extra.insert("domain_fields".into(), table);
            changed.push("domainFields");
        }
    }
    if !changed.is_empty() {
        m.updated_at = tx.now();
        tx.put_mission(&m)?;
        tx.record("mission.updated", &f.id, None, None, None);
        report.change = Change::Updated;
        report.fields = changed;
    }
    Ok(report)
}

fn references_toml(list: &[String]) -> toml::Value {
    toml::Value::Array(list.iter().cloned().map(toml::Value::String).collect())
}

fn new_mission(tx: &Tx<'_>, f: &MissionFile, name: String, sprint: String) -> Mission {
    let now = tx.now();
    let mut extra = toml::Table::new();
    if let Some(list) = f.references.as_ref().filter(|l| !l.is_empty()) {
        extra.insert("references".into(), references_toml(list));
    }
    if let Some(table) = f
        .domain_fields
        .as_ref()
        .and_then(|d| values::to_toml(&serde_json::Value::Object(d.clone())))
    {
        extra.insert("domain_fields".into(), table);
    }
    Mission {
        sprint: Some(sprint),
        objective: f.objective.clone(),
        context: f.context.clone(),
        success_criteria: f.success_criteria.clone().unwrap_or_default(),
        deliverables: f.deliverables.clone().unwrap_or_default(),
        extra,
        ..Mission::new(f.id.clone(), new_uid(), name, now)
    }
}
