//! Validation of a whole branch, as the CI check of a pull request against it: every file
//! parses as its record, ids match their files, links point at missions that exist and form
//! no cycle, sprints referred to exist, uids are unique, every log line parses.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use gix::ObjectId;
use gix::hashtable::HashMap as BlobMap;

use super::{CommitId, Store, load};
use crate::error::{Error, FileProblem, Result};
use crate::format::{codec, layout};
use crate::index::{Index, MissionEntry};
use crate::model::{Event, Item, ItemKind, Mission};

mod cache;
mod faults;

/// Judges each mission file as the index is built: files the cache knows as sound are taken
/// from it unread; the others are read and their texts checked.
struct Judge {
    /// The cache being read on another thread, while the tree is walked; taken when the
    /// first mission file is judged.
    loading: Option<std::thread::JoinHandle<BlobMap<ObjectId, MissionEntry>>>,
    /// The cache's entries not met yet in the tree (each is taken out when met).
    known: BlobMap<ObjectId, MissionEntry>,
    /// The files with no problem, as (blob, mission id).
    sound: Vec<(ObjectId, String)>,
    /// Whether a file was read and found sound (the cache is then rewritten).
    fresh: bool,
    problems: Vec<FileProblem>,
}

impl Judge {
    /// Starts reading the cache at `path`; read here when no thread can be started.
    fn new(path: PathBuf) -> Judge {
        let mut judge = Judge {
            loading: None,
            known: BlobMap::default(),
            sound: Vec::new(),
            fresh: false,
            problems: Vec::new(),
        };
        let reader = std::thread::Builder::new().name("verify-cache".into());
        match reader.spawn({
            let path = path.clone();
            move || cache::load(&path)
        }) {
            Ok(handle) => judge.loading = Some(handle),
            Err(_) => judge.known = cache::load(&path),
        }
        judge
    }

    /// The cache's entries not met yet, once the cache is read (none if its reader failed:
    /// the cache only ever saves work).
    fn known_map(&mut self) -> &mut BlobMap<ObjectId, MissionEntry> {
        if let Some(handle) = self.loading.take() {
            self.known = handle.join().unwrap_or_default();
        }
        &mut self.known
    }
}

impl load::Visitor for Judge {
    fn known(&mut self, blob: ObjectId, id: &str) -> Option<MissionEntry> {
        // The name's id is checked against the summary's, as a read checks it against the
        // file's: the same content may sit under another name.
        let entry = self.known_map().remove(&blob)?;
        if entry.id != id {
            // Rare: put back for a file with this content under the right name.
            self.known.insert(blob, entry);
            return None;
        }
        self.sound.push((blob, entry.id.clone()));
        Some(entry)
    }

    fn parsed(&mut self, path: &str, blob: ObjectId, bytes: &[u8], mission: &Mission) {
        let before = self.problems.len();
        super::verify_text::mission(path, bytes, mission, &mut self.problems);
        if self.problems.len() == before {
            self.sound.push((blob, mission.id.clone()));
            self.fresh = true;
        }
    }
}

impl Store {
    /// What is odd but allowed at `commit`: a Completed mission that requires an unfinished
    /// one (an import that read a link backwards, or a link added after completion).
    pub fn verify_warnings(&self, commit: CommitId) -> Result<Vec<FileProblem>> {
        let tree = self.tree_of(commit.0)?;
        let index = load::index_of(&self.repo, tree, None)?;
        Ok(warnings(&index))
    }

    /// Every problem of the branch at `commit`, by path then line.
    pub fn verify_commit(&self, commit: CommitId) -> Result<Vec<FileProblem>> {
        Ok(self.verify_report(commit)?.0)
    }

    /// The problems and the warnings of the branch at `commit` from one reading of it: every
    /// record is read and parsed once, whatever the checks that look at it.
    pub fn verify_report(&self, commit: CommitId) -> Result<(Vec<FileProblem>, Vec<FileProblem>)> {
        let tree = self.tree_of(commit.0)?;
        let mut problems = Vec::new();
        let cache_path = cache::path_beside(&self.local.cache_path());
        let mut judge = Judge::new(cache_path.clone());
        let index = match load::index_visiting(&self.repo, tree, None, &mut judge) {
            Ok(index) => index,
            Err(Error::UnsupportedFormat { found, supported }) => {
                problems.push(problem(
                    layout::FORMAT,
                    None,
                    format!("format {found} is newer than this cmos reads ({supported})"),
                ));
                return Ok((problems, Vec::new()));
            }
            Err(other) => return Err(other),
        };
        problems.append(&mut judge.problems);
        // Kept for the next run: the sound files of this tree, when they differ from the
        // cache's (a file read and found sound, or a cached file gone from the tree).
        if judge.fresh || !judge.known_map().is_empty() {
            let entries: Vec<_> = judge
                .sound
                .iter()
                .filter_map(|(blob, id)| Some((*blob, index.missions.get(id.as_str())?)))
                .collect();
            cache::save(&cache_path, &entries);
        }
        problems.extend(index.meta.problems.values().cloned());
        // Entries cmos does not follow anywhere in the tree, not only where the index looks.
        problems.extend(faults::outside_missions(&self.repo, tree)?);
        problems.extend(load::layout_faults(&self.repo, tree)?);
        if index.meta.format.is_none() && !index.meta.problems.contains_key(layout::FORMAT) {
            problems.push(problem(
                layout::FORMAT,
                None,
                "missing: this is not a cmos branch".into(),
            ));
        }
        if index.meta.project.is_none() && !index.meta.problems.contains_key(layout::PROJECT) {
            problems.push(problem(
                layout::PROJECT,
                None,
                "missing: the project has no identity".into(),
            ));
        }
        self.check_links(tree, &index, &mut problems)?;
        super::verify_text::check(self, tree, &index, &mut problems)?;
        let (_, session_problems) = load::sessions(&self.repo, tree)?;
        problems.extend(session_problems);
        let kinds = ItemKind::ALL.iter().map(|k| k.log_dir());
        let logs = [layout::EVENTS, layout::METRICS, layout::CONFLICTS];
        for log in logs.into_iter().chain(kinds) {
            problems.extend(load::misplaced_log_files(&self.repo, tree, log)?);
        }
        for log in [layout::EVENTS, layout::CONFLICTS] {
            for (path, blob) in load::log_shards(&self.repo, tree, log)? {
                let bytes = load::read_blob(&self.repo, blob, &path)?;
                problems.extend(codec::parse_lines::<Event>(&path, &bytes).1);
            }
        }
        for (path, blob) in load::log_shards(&self.repo, tree, layout::METRICS)? {
            let bytes = load::read_blob(&self.repo, blob, &path)?;
            problems.extend(super::metrics::parse_metrics(&path, &bytes).1);
        }
        for kind in ItemKind::ALL {
            for (path, blob) in load::log_shards(&self.repo, tree, kind.log_dir())? {
                let bytes = load::read_blob(&self.repo, blob, &path)?;
                problems.extend(codec::parse_lines::<Item>(&path, &bytes).1);
            }
        }
        problems.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
        problems.dedup();
        Ok((problems, warnings(&index)))
    }

    /// Dangling links, cycles, unknown sprints and duplicate uids among the missions.
    fn check_links(
        &self,
        tree: ObjectId,
        index: &Index,
        problems: &mut Vec<FileProblem>,
    ) -> Result<()> {
        let mut by_uid: HashMap<u128, Vec<&str>> = HashMap::new();
        for (id, mission) in &index.missions {
            by_uid.entry(mission.created).or_default().push(id);
            // Paths are made only for a problem: most missions have none.
            let path = || layout::mission_path(id);
            let line = |needle: &str| -> Result<Option<usize>> {
                let bytes = self.file_in(tree, &path())?.unwrap_or_default();
                Ok(line_of(&bytes, needle))
            };
            for (on, _) in &mission.depends {
                if !index.missions.contains_key(on.as_str()) {
                    problems.push(problem(
                        &path(),
                        line(&format!("\"{on}\""))?,
                        format!("depends on mission {on}, which does not exist"),
                    ));
                }
            }
            if let Some(sprint) = &mission.sprint
                && !index.meta.sprints.contains_key(sprint)
            {
                problems.push(problem(
                    &path(),
                    line("sprint =")?,
                    format!("belongs to sprint {sprint}, which does not exist"),
                ));
            }
        }
        // The index keeps only a uid's order key (its first 24 characters): missions that
        // share one are candidates, and their files say whether the whole uids are equal.
        for (_, candidates) in by_uid.iter_mut().filter(|(_, ids)| ids.len() > 1) {
            candidates.sort();
            let mut by_whole: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for id in candidates {
                let path = layout::mission_path(id);
                let bytes = self.file_in(tree, &path)?.unwrap_or_default();
                if let Ok(mission) = codec::from_toml::<Mission>(&path, &bytes) {
                    by_whole.entry(mission.uid).or_default().push(id);
                }
            }
            for same in by_whole.values().filter(|ids| ids.len() > 1) {
                problems.push(problem(
                    &layout::mission_path(same[0]),
                    None,
                    format!(
                        "has the same uid as {}: one record was copied",
                        same[1..].join(", ")
                    ),
                ));
            }
        }
        if let Some(current) = index
            .meta
            .project
            .as_ref()
            .and_then(|p| p.current_sprint.as_ref())
            && !index.meta.sprints.contains_key(current)
        {
            problems.push(problem(
                layout::PROJECT,
                None,
                format!("the current sprint {current} does not exist"),
            ));
        }
        let links = crate::lifecycle::ordering_links(index, None);
        for cycle in crate::lifecycle::cycles(&links) {
            problems.push(problem(
                &layout::mission_path(&cycle[0]),
                None,
                format!(
                    "dependency cycle: {} (each must finish before the next)",
                    cycle.join(" → ")
                ),
            ));
        }
        Ok(())
    }
}

/// A Completed mission that requires an unfinished one, as a warning.
fn warnings(index: &Index) -> Vec<FileProblem> {
    crate::lifecycle::completed_before_prerequisites(index)
        .into_iter()
        .map(|(id, why)| problem(&layout::mission_path(&id), None, why))
        .collect()
}

fn problem(path: &str, line: Option<usize>, message: String) -> FileProblem {
    FileProblem {
        path: path.to_string(),
        line,
        column: line.map(|_| 1),
        message,
    }
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(bytes: &[u8], needle: &str) -> Option<usize> {
    let text = String::from_utf8_lossy(bytes);
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}
