//! Reads that look at the newest records only, and reads of any past commit of the branch:
//! what context, resume and diff need without loading everything.

use gix::ObjectId;

mod active;
mod checked;
mod dir_memo;
mod marked;
mod named;
mod newest;
mod sessions;
mod spans;

pub use dir_memo::DirQuery;

use super::{CommitId, Snapshot, Store, load};
use crate::error::{Error, FileProblem, Result};
use crate::format::codec::parse_lines;
use crate::format::layout::EVENTS;
use crate::model::{Event, Item, ItemKind, Mission, Session, Timestamp};

/// The day in a generated session id (`ps-20261124-…` → `20261124`); ids without one sort
/// before every dated id, as the oldest.
fn day_of(id: &str) -> &str {
    id.strip_prefix("ps-")
        .and_then(|rest| rest.get(..8))
        .filter(|day| day.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("")
}

/// A file that differs between two commits: its path, old content and new content.
pub type FileChange = (String, Option<Vec<u8>>, Option<Vec<u8>>);

/// Files as (path, bytes).
pub type PathBytes = Vec<(String, Vec<u8>)>;

impl Store {
    /// At least the `want` most recently started sessions (all of them if there are fewer),
    /// newest first. Generated ids carry the day a session started, so only the files of
    /// the newest days are read, not every session of the project.
    pub fn recent_sessions(&self, snapshot: &Snapshot<'_>, want: usize) -> Result<Vec<Session>> {
        // The newest days' files come from a local cache (`sessions`); should too many of them
        // be unreadable to make up `want`, the whole listing is read.
        let (files, complete) = sessions::newest_files(self, snapshot.tree, want)?;
        if let Some(sessions) = self.sessions_of_newest_days(&files, want, complete)? {
            return Ok(sessions);
        }
        let mut files = load::session_files(&self.repo, snapshot.tree)?;
        files.sort_by(|a, b| day_of(&b.0).cmp(day_of(&a.0)));
        Ok(self
            .sessions_of_newest_days(&files, want, true)?
            .unwrap_or_default())
    }

    /// The sessions of `files` (newest day first) read until `want` are known and a day is
    /// complete, newest first; None when the files ran out first and they are not
    /// `complete` (every session file of the project).
    fn sessions_of_newest_days(
        &self,
        files: &[sessions::SessionFile],
        want: usize,
        complete: bool,
    ) -> Result<Option<Vec<Session>>> {
        let mut sessions = Vec::new();
        let mut last_day = None;
        let mut stopped = false;
        for (id, path, blob) in files {
            let day = day_of(id);
            if sessions.len() >= want && last_day != Some(day) {
                stopped = true;
                break;
            }
            last_day = Some(day);
            // An unreadable file is reported by `session list`; here it is only skipped.
            if let Ok(session) = load::session_file(&self.repo, path, *blob)? {
                sessions.push(session);
            }
        }
        if !stopped && sessions.len() < want && !complete {
            return Ok(None);
        }
        sessions.sort_by(|a, b| (b.started_at, &b.uid).cmp(&(a.started_at, &a.uid)));
        Ok(Some(sessions))
    }

    /// Every item of one log at `commit`, with the lines that failed to parse.
    pub fn items_at(
        &self,
        commit: CommitId,
        kind: ItemKind,
    ) -> Result<(Vec<Item>, Vec<FileProblem>)> {
        self.items_in(self.tree_of(commit.0)?, kind)
    }

    /// The file at `path` of the branch at `commit`, if there is one.
    pub fn file_at(&self, commit: CommitId, path: &str) -> Result<Option<Vec<u8>>> {
        self.file_in(self.tree_of(commit.0)?, path)
    }

    /// Files under `.cmos/<dir>` that differ between two commits: (path, old bytes, new bytes).
    pub fn changed_between(
        &self,
        old: CommitId,
        new: CommitId,
        dir: &str,
    ) -> Result<Vec<FileChange>> {
        let (old, new) = (self.tree_of(old.0)?, self.tree_of(new.0)?);
        let prefix = format!("{}/{dir}/", crate::format::layout::ROOT);
        let mut changes = Vec::new();
        for (relative, _) in
            load::changed_under(&self.repo, old, new, &[crate::format::layout::ROOT, dir])?
        {
            let path = format!("{prefix}{relative}");
            changes.push((
                path.clone(),
                self.file_in(old, &path)?,
                self.file_in(new, &path)?,
            ));
        }
        Ok(changes)
    }

    /// The first parent of `commit`, None for a root commit.
    pub fn first_parent(&self, commit: CommitId) -> Result<Option<CommitId>> {
        let commit = self
            .repo
            .find_commit(commit.0)
            .map_err(|e| Error::git("cannot read a commit of the cmos branch", e))?;
        Ok(commit.parent_ids().next().map(|p| CommitId(p.detach())))
    }

    /// Every item of one log in `tree`, with the lines that failed to parse.
    pub(super) fn items_in(
        &self,
        tree: ObjectId,
        kind: ItemKind,
    ) -> Result<(Vec<Item>, Vec<FileProblem>)> {
        let (versions, problems) = load::item_versions(&self.repo, tree, kind)?;
        Ok((crate::model::latest_versions(versions), problems))
    }

    /// The file at `path` in `tree`, if there is one.
    /// The files directly in `.cmos/<dir>/` of `commit`, as (path, bytes), by name; at most
    /// `limit` are read (None: more were there).
    pub fn dir_files_at(
        &self,
        commit: CommitId,
        dir: &str,
        limit: usize,
    ) -> Result<Option<PathBytes>> {
        let listed = load::dir_files(&self.repo, self.tree_of(commit.0)?, dir)?;
        if listed.len() > limit {
            return Ok(None);
        }
        Ok(Some(self.read_listed(listed)?))
    }

    pub(super) fn file_in(&self, tree: ObjectId, path: &str) -> Result<Option<Vec<u8>>> {
        super::tx::read_path(&self.repo, tree, path)
    }
}

impl Store {
    /// Events at or after `since`, oldest first; only the shards of the months since are read.
    pub fn events_since(
        &self,
        snapshot: &Snapshot<'_>,
        since: Timestamp,
    ) -> Result<Vec<crate::model::Event>> {
        let first_month = month_key(since);
        let mut events = Vec::new();
        let months = (Some(first_month.as_str()), None);
        for (path, blob) in load::log_shards_between(&self.repo, snapshot.tree, EVENTS, months)? {
            let bytes = load::read_blob(&self.repo, blob, &path)?;
            let (lines, _) = parse_lines::<Event>(&path, &bytes);
            events.extend(lines.into_iter().filter(|e| e.at >= since));
        }
        events.sort_by(|a, b| (a.at, &a.uid).cmp(&(b.at, &b.uid)));
        Ok(events)
    }

    /// Events of `kinds` at or after `since`, from the months up to `until`'s (every month
    /// after `since` without it), oldest first. Only the lines that hold one of the kind names
    /// are parsed, and a local cache keeps them per shard (`marked_events`): a page that shows
    /// a few rare kinds (a mission's commits, a sprint's moves) reads only the shards written
    /// since it was last shown. For a common kind over a short window, use
    /// `latest_events_of_kinds`.
    pub fn events_of_kinds(
        &self,
        snapshot: &Snapshot<'_>,
        span: (Timestamp, Option<Timestamp>),
        kinds: &[&str],
    ) -> Result<Vec<Event>> {
        // Each set of kinds has its own cache of the lines that name them.
        let name = format!(
            "kinds-{:016x}",
            crate::model::fnv1a(kinds.join(" ").as_bytes())
        );
        let mut events = self.marked_events(snapshot, span, kinds, &name)?;
        events.retain(|e| kinds.contains(&e.kind.as_str()));
        Ok(events)
    }

    /// Hands `visit` the events from `until` (the newest without it) back to `since`, newest
    /// first, until it returns false. A writer appends to its shards in order, so each
    /// writer's shards are read from its newest back, one at a time, and an event is handed on
    /// once no unread shard can hold a newer one: a reader that wants the last few events
    /// reads a few shards, whatever the size of the log.
    pub fn events_newest_first(
        &self,
        snapshot: &Snapshot<'_>,
        span: (Timestamp, Option<Timestamp>),
        visit: impl FnMut(Event) -> bool,
    ) -> Result<()> {
        newest::events(&self.repo, snapshot.tree, span, None, visit)
    }

    /// `events_newest_first` for a read that goes back into the past (a session's stretch of
    /// the log): a local cache of each shard's span (`spans.rs`) lets it pass over the
    /// shards that end before `since`, and find where a month's shards pass `until`, without
    /// opening them. Writes keep to `events_newest_first`: their reads are of the last few
    /// minutes, and a cache file written in the middle of a write is not worth its cost.
    pub fn events_newest_first_remembered(
        &self,
        snapshot: &Snapshot<'_>,
        span: (Timestamp, Option<Timestamp>),
        visit: impl FnMut(Event) -> bool,
    ) -> Result<()> {
        let cache = self.local.shared_dir.join("event-spans-cache");
        newest::events(&self.repo, snapshot.tree, span, Some(cache), visit)
    }
}

impl Store {
    /// Every event at or after `since`, in the months up to `until`'s (every month after
    /// `since` without it), whose line holds one of `marks`, oldest first. Each shard's marked
    /// lines are kept in a local cache named `name`, so only the shards written since the last
    /// read are opened: for marks on a few lines, a log of a million events costs listing its
    /// shards.
    pub fn marked_events(
        &self,
        snapshot: &Snapshot<'_>,
        (since, until): (Timestamp, Option<Timestamp>),
        marks: &[&str],
        name: &str,
    ) -> Result<Vec<Event>> {
        let first = month_key(since);
        let last = until.map(month_key);
        let months = (Some(first.as_str()), last.as_deref());
        let mut events = marked::events(self, snapshot, marks, name, months)?;
        events.retain(|e| e.at >= since);
        Ok(events)
    }

    /// Events of `kinds` from `since` to now, oldest first, read back from the newest until
    /// `since`: what a check over a short window (the loop guard) needs, whatever the size of
    /// the log or of the month.
    pub fn latest_events_of_kinds(
        &self,
        snapshot: &Snapshot<'_>,
        since: Timestamp,
        kinds: &[&str],
    ) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        self.events_newest_first(snapshot, (since, None), |e| {
            if kinds.contains(&e.kind.as_str()) {
                events.push(e);
            }
            true
        })?;
        events.reverse();
        Ok(events)
    }
}

/// The month directory (`yyyy-mm`) that holds log lines written at `at`.
fn month_key(at: Timestamp) -> String {
    at.as_datetime().format("%Y-%m").to_string()
}

impl Store {
    /// The `want` newest Active items of `kind` by creation (fewer if there are not that
    /// many), newest first. Logs are sharded by the month a version was written, so months
    /// are read newest first, and reading stops once `want` Active items created within the
    /// months read are known: any item in an older month was created before all of them.
    /// A local cache keeps the last answer with the months it was read from (`active`).
    pub fn newest_active(
        &self,
        snapshot: &Snapshot<'_>,
        kind: ItemKind,
        want: usize,
    ) -> Result<Vec<Item>> {
        active::newest_active(self, snapshot.tree, kind, want)
    }
}

impl Store {
    /// The items of `kind` with a version written in the month of `since` or after, each as
    /// its latest version: the log's older months are not read. An item created at or after
    /// `since` (a session's next steps, from the session's start) is always among them.
    pub fn items_since(
        &self,
        snapshot: &Snapshot<'_>,
        kind: ItemKind,
        since: Timestamp,
    ) -> Result<Vec<Item>> {
        let first = month_key(since);
        let months = (Some(first.as_str()), None);
        let mut versions = Vec::new();
        for (path, blob) in
            load::log_shards_between(&self.repo, snapshot.tree, kind.log_dir(), months)?
        {
            versions
                .extend(parse_lines::<Item>(&path, &load::read_blob(&self.repo, blob, &path)?).0);
        }
        Ok(crate::model::latest_versions(versions))
    }
}

impl Store {
    /// The items of `kind` that belong to `session` with a version written in the month of
    /// `since` or after, each as its latest version: what `items_since` gives of them. A
    /// local cache (`named`) of which item and session each shard's lines name means only
    /// the shards written since the last read, and those that hold the session's items, are
    /// opened.
    pub fn session_items_since(
        &self,
        snapshot: &Snapshot<'_>,
        kind: ItemKind,
        since: Timestamp,
        session: &str,
    ) -> Result<Vec<Item>> {
        let mut items =
            named::session_items(self, snapshot.tree, kind, &month_key(since), session)?;
        items.retain(|i| i.session.as_deref() == Some(session));
        Ok(items)
    }
}

/// The first moment of a `yyyy-mm` month; None for a directory that is not one.
fn month_start(month: &str) -> Option<Timestamp> {
    format!("{month}-01T00:00:00Z").parse().ok()
}

impl Store {
    /// Every file of the branch at a snapshot, by path, with its bytes.
    pub fn files_at(&self, snapshot: &Snapshot<'_>) -> Result<Vec<(String, Vec<u8>)>> {
        let mut files = Vec::new();
        for (path, blob) in load::changed_files(&self.repo, None, Some(snapshot.tree))? {
            if let Some(blob) = blob {
                let bytes = load::read_blob(&self.repo, blob, &path)?;
                files.push((path, bytes));
            }
        }
        files.sort();
        Ok(files)
    }

    /// Every event of a log directory (`conflicts`), oldest first.
    pub fn log_events(
        &self,
        snapshot: &Snapshot<'_>,
        log: &str,
    ) -> Result<Vec<crate::model::Event>> {
        let mut events = Vec::new();
        for (path, blob) in load::log_shards(&self.repo, snapshot.tree, log)? {
            let bytes = load::read_blob(&self.repo, blob, &path)?;
            events
                .extend(crate::format::codec::parse_lines::<crate::model::Event>(&path, &bytes).0);
        }
        events.sort_by(|a, b| (a.at, &a.uid).cmp(&(b.at, &b.uid)));
        Ok(events)
    }
}

impl Store {
    /// The missions of `ids` whose files are where cmos puts them and parse, in the order of
    /// `ids`: the missions directory is walked once instead of being looked up from the root
    /// for each mission.
    pub fn missions_listed(&self, snapshot: &Snapshot<'_>, ids: &[String]) -> Result<Vec<Mission>> {
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for (path, blob) in load::mission_files(&self.repo, snapshot.tree)? {
            let name = path.rsplit('/').next().unwrap_or_default();
            let Some(id) = crate::format::layout::record_id(name) else {
                continue;
            };
            if !wanted.contains(id) || path != crate::format::layout::mission_path(id) {
                continue;
            }
            let bytes = load::read_blob(&self.repo, blob, &path)?;
            if let Ok(mission) = crate::format::codec::from_toml::<Mission>(&path, &bytes) {
                found.insert(id.to_string(), mission);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}
