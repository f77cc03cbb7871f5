//! Validation of a whole branch, as the CI check of a pull request against it: every file
//! parses as its record, ids match their files, links point at missions that exist and form
//! no cycle, sprints referred to exist, uids are unique, every log line parses.

use std::collections::{BTreeMap, HashMap};

use gix::ObjectId;

use super::{CommitId, Store, load};
use crate::error::{Error, FileProblem, Result};
use crate::format::{codec, layout};
use crate::index::Index;
use crate::model::{Event, Item, ItemKind, Mission};

impl Store {
    /// Every problem of the branch at `commit`, by path then line.
    /// What is odd but allowed at `commit`: a Completed mission that requires an unfinished
    /// one (an import that read a link backwards, or a link added after completion).
    pub fn verify_warnings(&self, commit: CommitId) -> Result<Vec<FileProblem>> {
        let tree = self.tree_of(commit.0)?;
        let index = load::index_of(&self.repo, tree, None)?;
        Ok(crate::lifecycle::completed_before_prerequisites(&index)
            .into_iter()
            .map(|(id, why)| problem(&layout::mission_path(&id), None, why))
            .collect())
    }

    pub fn verify_commit(&self, commit: CommitId) -> Result<Vec<FileProblem>> {
        let tree = self.tree_of(commit.0)?;
        let mut problems = Vec::new();
        let index = match load::index_of(&self.repo, tree, None) {
            Ok(index) => index,
            Err(Error::UnsupportedFormat { found, supported }) => {
                problems.push(problem(
                    layout::FORMAT,
                    None,
                    format!("format {found} is newer than this cmos reads ({supported})"),
                ));
                return Ok(problems);
            }
            Err(other) => return Err(other),
        };
        problems.extend(index.meta.problems.values().cloned());
        // Entries cmos does not follow anywhere in the tree, not only where the index looks.
        problems.extend(self.tree_faults(tree)?);
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
                let bytes = load::read_blob(&self.repo, blob)?;
                problems.extend(codec::parse_lines::<Event>(&path, &bytes).1);
            }
        }
        for (path, blob) in load::log_shards(&self.repo, tree, layout::METRICS)? {
            let bytes = load::read_blob(&self.repo, blob)?;
            problems.extend(super::metrics::parse_metrics(&path, &bytes).1);
        }
        for kind in ItemKind::ALL {
            for (path, blob) in load::log_shards(&self.repo, tree, kind.log_dir())? {
                let bytes = load::read_blob(&self.repo, blob)?;
                problems.extend(codec::parse_lines::<Item>(&path, &bytes).1);
            }
        }
        problems.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
        problems.dedup();
        Ok(problems)
    }

    /// Dangling links, cycles, unknown sprints and duplicate uids among the missions.
    fn check_links(
        &self,
        tree: ObjectId,
        index: &Index,
        problems: &mut Vec<FileProblem>,
    ) -> Result<()> {
        let mut by_uid: HashMap<u128, Vec<&str>> = HashMap::new();
        let mut ids: Vec<&String> = index.missions.keys().collect();
        ids.sort();
        for id in &ids {
            let mission = &index.missions[id.as_str()];
            let path = layout::mission_path(id);
            by_uid.entry(mission.created).or_default().push(id);
            let line = |needle: &str| -> Result<Option<usize>> {
                let bytes = self.file_in(tree, &path)?.unwrap_or_default();
                Ok(line_of(&bytes, needle))
            };
            for (on, _) in &mission.depends {
                if !index.missions.contains_key(on.as_str()) {
                    problems.push(problem(
                        &path,
                        line(&format!("\"{on}\""))?,
                        format!("depends on mission {on}, which does not exist"),
                    ));
                }
            }
            if let Some(sprint) = &mission.sprint
                && !index.meta.sprints.contains_key(sprint)
            {
                problems.push(problem(
                    &path,
                    line("sprint =")?,
                    format!("belongs to sprint {sprint}, which does not exist"),
                ));
            }
        }
        // The index keeps only a uid's order key (its first 24 characters): missions that
        // share one are candidates, and their files say whether the whole uids are equal.
        for (_, candidates) in by_uid.iter().filter(|(_, ids)| ids.len() > 1) {
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
