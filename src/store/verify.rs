//! Validation of a whole branch, as the CI check of a pull request against it: every file
//! parses as its record, ids match their files, links point at missions that exist and form
//! no cycle, sprints referred to exist, uids are unique, every log line parses.

use std::collections::{BTreeMap, HashMap};

use gix::ObjectId;

use super::trees::Leaf;
use super::{CommitId, Store, load, trees};
use crate::error::{Error, FileProblem, Result};
use crate::format::{codec, layout};
use crate::index::Index;
use crate::model::{Event, Item, ItemKind, Mission, Session};

mod cache;
mod faults;

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
        let caches = cache::Paths::beside(&self.local.cache_path());
        // The report is a function of the tree: the same tree verified again is answered
        // from the last report.
        if let Some(report) = caches.report(tree) {
            return Ok(report);
        }
        let report = self.verify_tree(tree, &caches, self.is_tip(commit)?)?;
        caches.save_report(tree, &report);
        Ok(report)
    }

    /// `verify_report` of `tree`, reading what changed since the tree the caches hold.
    fn verify_tree(
        &self,
        tree: ObjectId,
        caches: &cache::Paths,
        tip: bool,
    ) -> Result<(Vec<FileProblem>, Vec<FileProblem>)> {
        let mut problems = Vec::new();
        // The texts of each mission file the index build reads (the ones that changed since
        // the tree the cache holds, or all of them), with the blob they were found in.
        let mut text = Vec::new();
        let (base, carried) = match caches.missions() {
            Some(cached) => (Some((cached.tree, cached.index)), cached.text),
            None => (None, Vec::new()),
        };
        let base_tree = base.as_ref().map(|(tree, _)| *tree);
        let index = match load::index_checking(&self.repo, tree, base, Some(&mut text)) {
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
        // A text problem of the cached tree still stands while its file holds the same blob
        // (a file that changed was read again above, and judged again).
        for (blob, found) in carried {
            if trees::blob_at(&self.repo, tree, &found.path)? == Some(blob) {
                text.push((blob, found));
            }
        }
        text.sort_by(|a, b| {
            (&a.1.path, a.1.line, &a.1.message).cmp(&(&b.1.path, b.1.line, &b.1.message))
        });
        text.dedup();
        // A cache of a tree with the same records (a write that only logged, say) builds
        // the same index, and stays as it is.
        let same_records = match base_tree {
            Some(base) => record_ids(&self.repo, base)? == record_ids(&self.repo, tree)?,
            None => false,
        };
        // The index just built is the one every read of the tip needs: cached, the response
        // that follows (and the next command) does not read every mission file again.
        let index_cache = tip.then(|| self.index_cache_path());
        // The index cache is written on other threads while the rest of the branch is
        // checked here; verify's own cache keeps a copy of its buckets (at 100,000 missions
        // writing the two takes a fifth of a first verify).
        let keep = !same_records;
        let checked = super::sharing_buckets(
            index_cache.as_deref(),
            keep,
            tree,
            &index,
            || self.check_tree(tree, &index, caches, &mut problems),
            |checked: Result<()>, buckets| {
                // Kept only for a tree checked to the end, as before the two ran side by side.
                let whole = buckets.and_then(|b| b.every_bucket());
                if let Some(buckets) = whole.filter(|_| keep && checked.is_ok()) {
                    let missions = index.missions.len();
                    caches.save_missions(tree, &index.meta, missions, &buckets, &text);
                }
                checked
            },
        );
        checked?;
        problems.extend(text.into_iter().map(|(_, p)| p));
        problems.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
        problems.dedup();
        Ok((problems, warnings(&index)))
    }

    /// Every check of `tree` but the records' own: the entries cmos does not follow, the
    /// identity files, links, texts, sessions and logs.
    fn check_tree(
        &self,
        tree: ObjectId,
        index: &Index,
        caches: &cache::Paths,
        problems: &mut Vec<FileProblem>,
    ) -> Result<()> {
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
        self.check_links(tree, index, problems)?;
        super::verify_text::check(self, tree, index, problems)?;
        problems.extend(self.session_problems(tree, caches)?);
        let kinds = ItemKind::ALL.iter().map(|k| k.log_dir());
        let logs = [layout::EVENTS, layout::METRICS, layout::CONFLICTS];
        for log in logs.into_iter().chain(kinds) {
            problems.extend(load::misplaced_log_files(&self.repo, tree, log)?);
        }
        problems.extend(self.log_problems(tree, caches)?);
        Ok(())
    }

    /// The problems of every log shard of `tree`: the lines that do not parse, and the item
    /// texts the CLI would refuse.
    fn log_problems(&self, tree: ObjectId, caches: &cache::Paths) -> Result<Vec<FileProblem>> {
        let mut files = Known::new(caches, cache::Kind::Logs);
        let kinds = ItemKind::ALL.iter().map(|k| k.log_dir());
        let logs = [layout::EVENTS, layout::CONFLICTS, layout::METRICS];
        for log in logs.into_iter().chain(kinds) {
            let shards = load::log_shards(&self.repo, tree, log)?;
            files.judge_all(&self.repo, shards, |path, bytes| {
                shard_problems(log, path, bytes)
            })?;
        }
        Ok(files.keep())
    }

    /// The problems of the sessions directory of `tree`: entries cmos does not follow, files
    /// out of place, files that do not parse as a session, and texts the CLI would refuse.
    fn session_problems(&self, tree: ObjectId, caches: &cache::Paths) -> Result<Vec<FileProblem>> {
        let Some(dir) = load::sessions_dir(&self.repo, tree)? else {
            return Ok(Vec::new());
        };
        let mut files = Known::new(caches, cache::Kind::Sessions);
        let mut problems = Vec::new();
        let mut session_files = Vec::new();
        let sessions = trees::join(layout::ROOT, layout::SESSIONS);
        for change in trees::diff(&self.repo, None, Some(dir))? {
            let path = trees::join(&sessions, &change.path);
            match change.new {
                Some(Leaf::Bad(why)) => problems.push(trees::problem(&path, why)),
                // A session lives at `<day>/<id>.toml`.
                Some(Leaf::File(blob)) if change.path.split('/').count() == 2 => {
                    session_files.push((path, blob));
                }
                Some(Leaf::File(_)) => problems.push(problem(
                    &path,
                    None,
                    format!(
                        "not a session file: sessions live in {}; move or remove it",
                        layout::session_path("<id>")
                    ),
                )),
                None => {}
            }
        }
        files.judge_all(
            &self.repo,
            session_files,
            |path, bytes| match codec::from_toml::<Session>(path, bytes) {
                Ok(session) => super::verify_text::session(path, bytes, &session),
                Err(problem) => vec![problem],
            },
        )?;
        problems.extend(files.keep());
        Ok(problems)
    }

    /// Dangling links, cycles, unknown sprints and duplicate uids among the missions.
    fn check_links(
        &self,
        tree: ObjectId,
        index: &Index,
        problems: &mut Vec<FileProblem>,
    ) -> Result<()> {
        // Each mission's uid order key, sorted: missions that share one sit side by side.
        let mut by_uid: Vec<(u128, &str)> = Vec::with_capacity(index.missions.len());
        for (id, mission) in &index.missions {
            by_uid.push((mission.created, id));
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
        // By key alone, and ties (seldom any) by id: comparing ids throughout cost more
        // than the sort itself.
        by_uid.sort_unstable_by_key(|&(key, _)| key);
        for shared in by_uid
            .chunk_by_mut(|a, b| a.0 == b.0)
            .filter(|run| run.len() > 1)
        {
            shared.sort_unstable();
            let candidates = shared.iter().map(|(_, id)| *id);
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

/// What the index of `tree` is built from: the format and project files, the sprints' and
/// the missions' directories.
fn record_ids(repo: &gix::Repository, tree: ObjectId) -> Result<[Option<ObjectId>; 4]> {
    let dot = trees::subtree(repo, tree, layout::ROOT)?;
    let dir = |name| match dot {
        Some(dot) => trees::subtree(repo, dot, name),
        None => Ok(None),
    };
    Ok([
        trees::blob_at(repo, tree, layout::FORMAT)?,
        trees::blob_at(repo, tree, layout::PROJECT)?,
        dir(layout::SPRINTS)?,
        dir(layout::MISSIONS)?,
    ])
}

/// The problems of files of one kind, each judged once per content: a file whose path and blob
/// the cache holds is not read again.
struct Known<'c> {
    caches: &'c cache::Paths,
    kind: cache::Kind,
    /// The cache's files not met yet (each is taken out when met).
    cached: HashMap<(String, ObjectId), Vec<FileProblem>>,
    now: cache::Files,
    read: bool,
}

impl<'c> Known<'c> {
    fn new(caches: &'c cache::Paths, kind: cache::Kind) -> Known<'c> {
        let cached = caches
            .files(kind)
            .into_iter()
            .map(|(path, blob, found)| ((path, blob), found))
            .collect();
        Known {
            caches,
            kind,
            cached,
            now: Vec::new(),
            read: false,
        }
    }

    /// Each file of `files` (path and content) judged by `judge` unless the cache knows it.
    /// The files are read and judged on every core (`pipeline`): a first verify of a project
    /// with a million events parses 40 MB of log lines and 20,000 sessions.
    fn judge_all(
        &mut self,
        repo: &gix::Repository,
        files: Vec<(String, ObjectId)>,
        judge: impl Fn(&str, &[u8]) -> Vec<FileProblem> + Sync,
    ) -> Result<()> {
        let mut unknown = Vec::new();
        for key in files {
            match self.cached.remove(&key) {
                Some(found) => self.now.push((key.0, key.1, found)),
                None => unknown.push(key),
            }
        }
        self.read |= !unknown.is_empty();
        let judge = |(path, blob): (String, ObjectId), bytes: &[u8]| {
            let found = judge(&path, bytes);
            (path, blob, found)
        };
        let now = &mut self.now;
        super::pipeline::read_blobs_and_parse(repo, unknown, judge, |judged| now.push(judged))
    }

    /// Every problem found, the cache rewritten when it differs from what was met.
    fn keep(self) -> Vec<FileProblem> {
        if self.read || !self.cached.is_empty() {
            self.caches.save_files(self.kind, &self.now);
        }
        self.now
            .into_iter()
            .flat_map(|(_, _, found)| found)
            .collect()
    }
}

/// The problems of one shard of the log `log`.
fn shard_problems(log: &str, path: &str, bytes: &[u8]) -> Vec<FileProblem> {
    if log == layout::METRICS {
        return super::metrics::parse_metrics(path, bytes).1;
    }
    if log == layout::EVENTS || log == layout::CONFLICTS {
        return codec::parse_lines::<Event>(path, bytes).1;
    }
    // Each item is parsed once: the lines that do not parse, then the texts of those that do.
    let mut texts = Vec::new();
    let mut found = codec::for_each_line::<Item>(path, bytes, |line, item| {
        super::verify_text::item(path, line, &item, &mut texts)
    });
    found.append(&mut texts);
    found
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
