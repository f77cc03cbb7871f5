//! The in-memory index of a branch tip: every sprint, a summary of every mission, and the
//! files that failed to parse. Pure data; the store builds it and caches it.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileProblem, Result};
use crate::model::{
    DepType, FNV1A_START, Format, Mission, Project, Sprint, Status, fnv1a_extend, uid_order_key,
};

/// What the index keeps of a mission: enough to order, count and gate work without
/// reading the mission's file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissionEntry {
    pub id: String,
    /// The creation order its uid encodes (see `uid_order_key`); the uid itself stays in the
    /// mission's file.
    pub created: u128,
    pub name: String,
    pub status: Status,
    pub sprint: Option<String>,
    pub rank: Option<i64>,
    /// Outgoing links (`this <type> on`).
    pub depends: Vec<(String, DepType)>,
    /// Why it is blocked, while it is.
    pub blocked_reason: Option<String>,
}

impl From<&Mission> for MissionEntry {
    fn from(m: &Mission) -> Self {
        MissionEntry {
            id: m.id.clone(),
            created: uid_order_key(&m.uid),
            name: m.name.clone(),
            status: m.status,
            sprint: m.sprint.clone(),
            rank: m.rank,
            depends: m.depends.iter().map(|d| (d.on.clone(), d.kind)).collect(),
            blocked_reason: m.blocked.as_ref().map(|b| b.reason.clone()),
        }
    }
}

/// Counts of missions by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub total: usize,
    pub by_status: BTreeMap<String, usize>,
}

impl StatusCounts {
    pub fn get(&self, status: Status) -> usize {
        self.by_status.get(status.as_str()).copied().unwrap_or(0)
    }

    /// Takes one mission of `status` out of the counts.
    pub fn remove(&mut self, status: Status) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.by_status.get_mut(status.as_str()) {
            *n -= 1;
            if *n == 0 {
                self.by_status.remove(status.as_str());
            }
        }
    }

    pub fn add(&mut self, status: Status) {
        self.total += 1;
        *self
            .by_status
            .entry(status.as_str().to_string())
            .or_default() += 1;
    }
}

/// Missions by id. Ids are short and local, so a simple, fast hash beats the default
/// DoS-resistant one, which was a tenth of a write's time at 10,000 missions.
pub type Missions = HashMap<String, MissionEntry, BuildHasherDefault<IdHasher>>;

/// FNV-1a (the one of `model`): a few instructions per byte, fine for short ids that no
/// attacker chooses.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // 0 is the state of a new hasher (`Default`): start from FNV's offset basis.
        let hash = if self.0 == 0 { FNV1A_START } else { self.0 };
        self.0 = fnv1a_extend(hash, bytes);
    }
}

/// Everything of a branch tip except the missions: small, and read by every command.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub format: Option<Format>,
    pub project: Option<Project>,
    pub sprints: BTreeMap<String, Sprint>,
    /// Files that failed to parse, by path; they are reported and never overwritten.
    pub problems: BTreeMap<String, FileProblem>,
}

/// The state of a branch tip as commands read it: the meta records and every mission.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub meta: Meta,
    pub missions: Missions,
}

/// Freeing ten thousand summaries one by one takes milliseconds on the path of every write;
/// a large index is handed to a thread to free instead (a CLI process may exit first).
impl Drop for Index {
    fn drop(&mut self) {
        const FREE_INLINE_BELOW: usize = 2_000;
        if self.missions.len() >= FREE_INLINE_BELOW {
            let missions = std::mem::take(&mut self.missions);
            let _ = std::thread::Builder::new().spawn(move || drop(missions));
        }
    }
}

/// An index reads as its meta records too (`index.project`, `index.sprint(id)`): the missions
/// are the only thing it adds, and most code needs both.
impl std::ops::Deref for Index {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.meta
    }
}

impl std::ops::DerefMut for Index {
    fn deref_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
}

impl Meta {
    /// The project record, or the reason there is none.
    pub fn project(&self) -> Result<&Project> {
        match &self.project {
            Some(project) => Ok(project),
            None => match self.problems.get(crate::format::layout::PROJECT) {
                Some(problem) => Err(Error::Corrupt(problem.clone())),
                None => Err(Error::NotInitialized),
            },
        }
    }

    pub fn sprint(&self, id: &str) -> Result<&Sprint> {
        self.sprints
            .get(id)
            .ok_or_else(|| self.missing("sprint", id))
    }

    /// Not found, unless a file of that id exists but does not parse: then say so.
    pub fn missing(&self, kind: &'static str, id: &str) -> Error {
        let path = match kind {
            "sprint" => crate::format::layout::sprint_path(id),
            _ => crate::format::layout::mission_path(id),
        };
        // The file, or a directory on its way that cannot be read (e.g. an unsorted tree).
        let mut ancestors =
            std::iter::successors(Some(path.as_str()), |p| Some(p.rsplit_once('/')?.0));
        match ancestors.find_map(|p| self.problems.get(p)) {
            Some(problem) => Error::Corrupt(problem.clone()),
            None => Error::NotFound {
                kind,
                id: id.to_string(),
            },
        }
    }

    /// The project's current sprint, if it names one that exists.
    pub fn current_sprint(&self) -> Option<&Sprint> {
        let id = self.project.as_ref()?.current_sprint.as_deref()?;
        self.sprints.get(id)
    }

    /// Sprints in plan order: by start date (undated last), then creation, then id.
    pub fn sprints_in_order(&self) -> Vec<&Sprint> {
        let mut sprints: Vec<&Sprint> = self.sprints.values().collect();
        sprints.sort_by(|a, b| {
            (a.start.is_none(), a.start, a.created_at, &a.id).cmp(&(
                b.start.is_none(),
                b.start,
                b.created_at,
                &b.id,
            ))
        });
        sprints
    }

    pub fn upsert_sprint(&mut self, sprint: Sprint) {
        self.problems
            .remove(&crate::format::layout::sprint_path(&sprint.id));
        self.sprints.insert(sprint.id.clone(), sprint);
    }

    pub fn set_project(&mut self, project: Project) {
        self.problems.remove(crate::format::layout::PROJECT);
        self.project = Some(project);
    }

    /// Warnings a command should pass on: every file that failed to parse.
    pub fn warnings(&self) -> Vec<String> {
        self.problems
            .values()
            .map(|p| format!("unreadable file, skipped: {p}"))
            .collect()
    }
}

impl Index {
    /// An index of the meta records and the missions.
    pub fn new(meta: Meta, missions: Missions) -> Self {
        Index { meta, missions }
    }

    pub fn mission(&self, id: &str) -> Result<&MissionEntry> {
        self.missions
            .get(id)
            .ok_or_else(|| self.missing("mission", id))
    }

    /// Links that point at `id`: (the mission they start from, their type).
    pub fn dependents_of(&self, id: &str) -> Vec<(&str, DepType)> {
        let mut found: Vec<(&str, DepType)> = self
            .missions
            .values()
            .flat_map(|m| {
                m.depends
                    .iter()
                    .filter(move |(on, _)| on == id)
                    .map(move |(_, kind)| (m.id.as_str(), *kind))
            })
            .collect();
        found.sort();
        found
    }

    pub fn upsert_mission(&mut self, entry: MissionEntry) {
        self.problems
            .remove(&crate::format::layout::mission_path(&entry.id));
        self.missions.insert(entry.id.clone(), entry);
    }
}
