//! The in-memory index of a branch tip: every sprint, a summary of every mission, and the
//! files that failed to parse. Pure data; the store builds it and caches it.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileProblem, Result};
use crate::model::{
    DepType, FNV1A_START, Format, Mission, Project, Sprint, Status, fnv1a_extend, uid_order_key,
};

mod counts;
mod sprints;
mod widths;
pub use counts::StatusCounts;
pub use sprints::{PlanKey, SprintSource, Sprints};
pub use widths::{WidthCounts, cell_widths};

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
    /// In Progress with a validation score that waits for a person to approve or reject it.
    /// (No skip_serializing_if: the cache's binary form has no field names.)
    #[serde(default)]
    pub awaiting_review: bool,
    /// It triggered a fallback or asked for review: only a person's approval completes it.
    #[serde(default)]
    pub needs_human: bool,
    /// The gate scored it or it climbed the escalation ladder: reports read its record.
    #[serde(default)]
    pub decided: bool,
}

impl MissionEntry {
    /// The parts of `m`'s summary that are not strings; the strings are left empty for the
    /// caller to copy or move in.
    fn without_strings(m: &Mission) -> MissionEntry {
        MissionEntry {
            id: String::new(),
            created: uid_order_key(&m.uid),
            name: String::new(),
            status: m.status,
            sprint: None,
            rank: m.rank,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: m.approval_state == Some(crate::model::ApprovalState::NeedsReview),
            needs_human: m.needs_human_review(),
            decided: m.approval_state.is_some() || !m.escalations.is_empty(),
        }
    }
}

impl From<&Mission> for MissionEntry {
    fn from(m: &Mission) -> Self {
        MissionEntry {
            id: m.id.clone(),
            name: m.name.clone(),
            sprint: m.sprint.clone(),
            depends: m.depends.iter().map(|d| (d.on.clone(), d.kind)).collect(),
            blocked_reason: m.blocked.as_ref().map(|b| b.reason.clone()),
            ..MissionEntry::without_strings(m)
        }
    }
}

/// The summary of a mission read only to be summed up: its strings are moved, not copied
/// (copying them was three allocations a record when 100,000 are read).
impl From<Mission> for MissionEntry {
    fn from(m: Mission) -> Self {
        let rest = MissionEntry::without_strings(&m);
        MissionEntry {
            id: m.id,
            name: m.name,
            sprint: m.sprint,
            depends: m.depends.into_iter().map(|d| (d.on, d.kind)).collect(),
            blocked_reason: m.blocked.map(|b| b.reason),
            ..rest
        }
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
    pub sprints: Sprints,
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
            .find(id)
            .ok_or_else(|| self.missing("sprint", id))
    }

    /// The sprint a person or agent means by `name`: its id; else, ignoring case, its id,
    /// the id the original CMOS gave it (kept as `legacy.id` when imported) or its title.
    /// An exact id always wins; a name that fits several sprints is refused, naming them.
    pub fn resolve_sprint(&self, name: &str) -> Result<&Sprint> {
        self.find_sprint(name)?
            .ok_or_else(|| self.missing("sprint", name.trim()))
    }

    /// `resolve_sprint`, but a name that fits no sprint is None (a sprint being planned).
    pub fn find_sprint(&self, name: &str) -> Result<Option<&Sprint>> {
        let name = name.trim();
        if let Some(sprint) = self.sprints.find(name) {
            return Ok(Some(sprint));
        }
        let fits = |s: &&Sprint| {
            s.id.eq_ignore_ascii_case(name)
                || legacy_id(s).is_some_and(|l| l.trim().eq_ignore_ascii_case(name))
                || s.title.trim().to_lowercase() == name.to_lowercase()
        };
        let found: Vec<&Sprint> = self.sprints.values().filter(fits).collect();
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            several => Err(Error::InvalidInput(format!(
                "the sprint name {name:?} fits {} sprints: {}; name one by its id",
                several.len(),
                several
                    .iter()
                    .map(|s| format!("{} ({:?})", s.id, s.title))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// A test of whether a sprint as a record stores it (an id, or the name of a sprint not
    /// added yet) is the sprint `wanted` names: the same sprint once both resolve, else the
    /// same name ignoring case. `wanted` is resolved once, for filtering many records.
    pub fn sprint_matcher<'m>(&'m self, wanted: &str) -> impl Fn(Option<&str>) -> bool + 'm {
        let resolve = |name: &str| Some(self.find_sprint(name).ok()??.id.as_str());
        let wanted_id = resolve(wanted);
        let wanted = wanted.trim().to_string();
        move |stored: Option<&str>| {
            let Some(stored) = stored else {
                return false;
            };
            match (resolve(stored), wanted_id) {
                (Some(a), Some(b)) => a == b,
                (None, None) => stored.trim().eq_ignore_ascii_case(&wanted),
                _ => false,
            }
        }
    }

    /// Not found, unless a file of that id exists but does not parse: then say so.
    pub fn missing(&self, kind: &'static str, id: &str) -> Error {
        let paths = match kind {
            "sprint" => crate::format::layout::sprint_paths(id).to_vec(),
            _ => vec![crate::format::layout::mission_path(id)],
        };
        // The file, or a directory on its way that cannot be read (e.g. an unsorted tree).
        let mut ancestors = paths.iter().flat_map(|path| {
            std::iter::successors(Some(path.as_str()), |p| Some(p.rsplit_once('/')?.0))
        });
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
        self.sprints.find(id)
    }

    /// Sprints in plan order: by start date (undated last), then creation, then id with its
    /// numbers compared as numbers ("sprint-10" after "sprint-9"). Every report that orders
    /// sprints (list, analytics, reviews, condensing, the board) uses this one order.
    pub fn sprints_in_order(&self) -> Vec<&Sprint> {
        let mut sprints: Vec<&Sprint> = self.sprints.values().collect();
        sprints.sort_by(|a, b| PlanKey::of(a).cmp(&PlanKey::of(b)));
        sprints
    }

    pub fn upsert_sprint(&mut self, sprint: Sprint) {
        for path in crate::format::layout::sprint_paths(&sprint.id) {
            self.problems.remove(&path);
        }
        self.sprints.upsert(sprint);
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

/// The id the original CMOS gave a sprint, where an import had to change it.
fn legacy_id(sprint: &Sprint) -> Option<&str> {
    sprint.extra.get("legacy")?.get("id")?.as_str()
}

impl Index {
    /// The meta records, without copying them; the missions are freed as a drop frees them.
    pub fn into_meta(mut self) -> Meta {
        std::mem::take(&mut self.meta)
    }

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
        // The path is built only when there are problems to look in: an index of 100,000
        // missions is built with none, and the path costs an allocation and a hash.
        if !self.problems.is_empty() {
            self.problems
                .remove(&crate::format::layout::mission_path(&entry.id));
        }
        self.missions.insert(entry.id.clone(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SprintStatus, Timestamp};

    fn sprint(id: &str, title: &str, legacy: Option<&str>) -> Sprint {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut extra = toml::Table::new();
        if let Some(legacy) = legacy {
            let mut table = toml::Table::new();
            table.insert("id".into(), legacy.into());
            extra.insert("legacy".into(), table.into());
        }
        Sprint {
            id: id.into(),
            uid: format!("uid-{id}"),
            title: title.into(),
            focus: None,
            status: SprintStatus::Planned,
            start: None,
            end: None,
            created_at: t,
            updated_at: t,
            completed_at: None,
            extra,
        }
    }

    fn meta(sprints: Vec<Sprint>) -> Meta {
        Meta {
            sprints: sprints.into_iter().map(|s| (s.id.clone(), s)).collect(),
            ..Meta::default()
        }
    }

    fn resolved(meta: &Meta, name: &str) -> String {
        meta.resolve_sprint(name).unwrap().id.clone()
    }

    #[test]
    fn a_sprint_is_found_by_id_original_id_or_title_in_any_case() {
        let meta = meta(vec![
            sprint("S1", "Foundations", None),
            sprint("Sprint-02", "Second pass", Some("Sprint 02")),
        ]);
        assert_eq!(resolved(&meta, "S1"), "S1");
        assert_eq!(resolved(&meta, "s1"), "S1");
        assert_eq!(resolved(&meta, "foundations"), "S1");
        assert_eq!(resolved(&meta, " Foundations "), "S1");
        assert_eq!(resolved(&meta, "Sprint 02"), "Sprint-02");
        assert_eq!(resolved(&meta, "SPRINT 02"), "Sprint-02");
        assert_eq!(resolved(&meta, "second PASS"), "Sprint-02");
    }

    #[test]
    fn a_mission_moved_into_its_summary_sums_up_as_one_copied() {
        use crate::model::{
            ApprovalState, Blocker, Dependency, Escalation, HUMAN_REVIEW_TIER, Mission,
        };
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let plain = Mission::new("m-1", "01k8zdr3b40qah2hnt5k378e6f", "Plain", t);
        let full = Mission {
            status: crate::model::Status::Blocked,
            sprint: Some("S1".into()),
            rank: Some(-3),
            depends: vec![Dependency {
                on: "m-0".into(),
                kind: DepType::Blocks,
                extra: toml::Table::new(),
            }],
            blocked: Some(Blocker {
                reason: "waiting on review".into(),
                needs: vec!["a person".into()],
                since: t,
                extra: toml::Table::new(),
            }),
            approval_state: Some(ApprovalState::NeedsReview),
            escalations: vec![Escalation {
                at: t,
                tier: HUMAN_REVIEW_TIER,
                reason: "stuck".into(),
                by: "agent".into(),
                extra: toml::Table::new(),
            }],
            ..Mission::new("m-2", "01k8zdr3b40qah2hnt5k378e6g", "Full", t)
        };
        for mission in [plain, full] {
            let copied = MissionEntry::from(&mission);
            assert_eq!(MissionEntry::from(mission), copied);
        }
    }

    #[test]
    fn an_exact_id_wins_over_another_sprints_title() {
        let meta = meta(vec![sprint("S1", "Other", None), sprint("S2", "S1", None)]);
        assert_eq!(resolved(&meta, "S1"), "S1");
    }

    #[test]
    fn a_name_that_fits_several_sprints_is_refused_naming_them() {
        let meta = meta(vec![
            sprint("S1", "Sprint 01", None),
            sprint("S1b", "sprint 01", None),
        ]);
        let err = meta.resolve_sprint("Sprint 01").unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let text = err.to_string();
        assert!(text.contains("S1 (") && text.contains("S1b ("), "{text}");
        assert!(text.contains("by its id"), "{text}");
    }

    #[test]
    fn an_unknown_sprint_name_is_not_found_or_none() {
        let meta = meta(vec![sprint("S1", "Foundations", None)]);
        assert!(matches!(
            meta.resolve_sprint("Sprint 09"),
            Err(Error::NotFound { kind: "sprint", .. })
        ));
        assert!(meta.find_sprint("Sprint 09").unwrap().is_none());
    }

    #[test]
    fn a_stored_name_is_the_same_sprint_once_it_resolves() {
        let meta = meta(vec![sprint("Sprint-03", "Sprint 03", None)]);
        let same = |stored: Option<&str>, wanted: &str| meta.sprint_matcher(wanted)(stored);
        assert!(same(Some("Sprint 03"), "sprint-03"));
        assert!(same(Some("Sprint-03"), "sprint 03"));
        assert!(same(Some("Sprint 04"), "sprint 04"));
        assert!(!same(Some("Sprint 04"), "Sprint 03"));
        assert!(!same(None, "Sprint 03"));
    }
}
