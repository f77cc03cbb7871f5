//! The sprints of the meta records, decoded when first asked for: the cache hands over its
//! checked chunks, and a command that never looks at a sprint (a decision, a capture, most
//! mission writes) never pays for decoding a thousand of them. One sprint (`find`) and a
//! sprint's place in plan order (`position`) are answered without decoding the others.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Sprint, natural_cmp};

/// Where the sprints come from before they are decoded: the cache, which checks its bytes
/// with the same decoder before it hands them over, so none of these can fail.
pub trait SprintSource: Send + Sync {
    /// Every sprint, by id.
    fn all(&self) -> BTreeMap<String, Sprint>;
    /// How many sprints there are.
    fn count(&self) -> usize;
    /// Sprint `id`, decoding only what holds it.
    fn find(&self, id: &str) -> Option<&Sprint>;
    /// What plan order compares of sprint `id`, decoding nothing.
    fn key(&self, id: &str) -> Option<PlanKey<'_>>;
    /// How many sprints come before `key` in plan order, leaving out those `skip` names.
    fn count_before(&self, key: &PlanKey<'_>, skip: &dyn Fn(&str) -> bool) -> usize;
}

/// What plan order compares of a sprint: its start date (undated last), its creation, then
/// its id with numbers compared as numbers ("sprint-10" after "sprint-9").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanKey<'a> {
    /// Days since the common era, as `Date::days_from_ce`.
    pub start: Option<i32>,
    /// Seconds since the epoch (times on the branch are whole seconds).
    pub created: i64,
    pub id: &'a str,
}

impl<'a> PlanKey<'a> {
    pub fn of(sprint: &'a Sprint) -> PlanKey<'a> {
        PlanKey {
            start: sprint.start.map(|d| d.days_from_ce()),
            created: sprint.created_at.unix_seconds(),
            id: &sprint.id,
        }
    }
}

impl Ord for PlanKey<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.start.is_none(), self.start, self.created)
            .cmp(&(other.start.is_none(), other.start, other.created))
            .then_with(|| natural_cmp(self.id, other.id))
    }
}

impl PartialOrd for PlanKey<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Every sprint by id. Reads as the map it holds (`meta.sprints.get(id)`); the first read
/// decodes it, and changing it through the map drops what it was decoded from. A sprint
/// added or changed with [`Sprints::upsert`] before that is kept beside the source instead,
/// so a write of one sprint decodes none of the others.
#[derive(Default)]
pub struct Sprints {
    map: OnceLock<BTreeMap<String, Sprint>>,
    source: Option<Arc<dyn SprintSource>>,
    /// Sprints upserted over the source while it is not decoded; applied when it is.
    changed: BTreeMap<String, Sprint>,
}

impl Sprints {
    /// Sprints read from `source` when first asked for.
    pub fn lazy(source: Arc<dyn SprintSource>) -> Sprints {
        Sprints {
            map: OnceLock::new(),
            source: Some(source),
            changed: BTreeMap::new(),
        }
    }

    /// Whether the sprints were decoded (for tests of what a command reads).
    pub fn is_decoded(&self) -> bool {
        self.map.get().is_some()
    }

    /// The source, while the sprints are not decoded.
    fn undecoded(&self) -> Option<&Arc<dyn SprintSource>> {
        match self.map.get() {
            None => self.source.as_ref(),
            Some(_) => None,
        }
    }

    /// Adds or replaces a sprint, decoding no other.
    pub fn upsert(&mut self, sprint: Sprint) {
        match self.map.get_mut() {
            Some(map) => {
                map.insert(sprint.id.clone(), sprint);
            }
            None if self.source.is_some() => {
                self.changed.insert(sprint.id.clone(), sprint);
            }
            None => {
                self.insert(sprint.id.clone(), sprint);
            }
        }
    }

    /// The sprints upserted over `source` since it was read, if these sprints are still
    /// that source and those changes (what a cache writer needs to rewrite only their chunks).
    pub fn changes_over(
        &self,
        source: &Arc<dyn SprintSource>,
    ) -> Option<&BTreeMap<String, Sprint>> {
        let own = self.undecoded()?;
        Arc::ptr_eq(own, source).then_some(&self.changed)
    }

    /// How many sprints there are, decoding none.
    pub fn count(&self) -> usize {
        match self.undecoded() {
            Some(source) => {
                let added = self.changed.keys().filter(|id| source.key(id).is_none());
                source.count() + added.count()
            }
            None => self.map().len(),
        }
    }

    /// Sprint `id`; unlike `get`, it decodes no other sprint when none is decoded yet.
    pub fn find(&self, id: &str) -> Option<&Sprint> {
        match self.undecoded() {
            Some(source) => self.changed.get(id).or_else(|| source.find(id)),
            None => self.map().get(id),
        }
    }

    /// Where sprint `id` stands in plan order: how many sprints come before it. Decodes none.
    pub fn position(&self, id: &str) -> Option<u32> {
        let before = match self.undecoded() {
            Some(source) => {
                let key = match self.changed.get(id) {
                    Some(sprint) => PlanKey::of(sprint),
                    None => source.key(id)?,
                };
                let replaced = |id: &str| self.changed.contains_key(id);
                let changed = self.changed.values();
                source.count_before(&key, &replaced)
                    + changed.filter(|s| PlanKey::of(s) < key).count()
            }
            None => {
                let map = self.map();
                let key = PlanKey::of(map.get(id)?);
                map.values().filter(|s| PlanKey::of(s) < key).count()
            }
        };
        u32::try_from(before).ok()
    }

    fn map(&self) -> &BTreeMap<String, Sprint> {
        self.map.get_or_init(|| {
            let mut map = match &self.source {
                Some(source) => source.all(),
                None => BTreeMap::new(),
            };
            map.extend(self.changed.iter().map(|(id, s)| (id.clone(), s.clone())));
            map
        })
    }
}

impl Deref for Sprints {
    type Target = BTreeMap<String, Sprint>;

    fn deref(&self) -> &Self::Target {
        self.map()
    }
}

impl DerefMut for Sprints {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.map();
        self.source = None;
        self.changed.clear();
        self.map
            .get_mut()
            .expect("the map was just decoded, and only this borrow can reach it")
    }
}

impl From<BTreeMap<String, Sprint>> for Sprints {
    fn from(map: BTreeMap<String, Sprint>) -> Sprints {
        Sprints {
            map: OnceLock::from(map),
            source: None,
            changed: BTreeMap::new(),
        }
    }
}

impl FromIterator<(String, Sprint)> for Sprints {
    fn from_iter<I: IntoIterator<Item = (String, Sprint)>>(iter: I) -> Sprints {
        Sprints::from(iter.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl<'a> IntoIterator for &'a Sprints {
    type Item = (&'a String, &'a Sprint);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Sprint>;

    fn into_iter(self) -> Self::IntoIter {
        self.map().iter()
    }
}

/// A copy shares the source when the sprints are not decoded yet (copying the meta records
/// of a write costs nothing then).
impl Clone for Sprints {
    fn clone(&self) -> Sprints {
        Sprints {
            map: self.map.clone(),
            source: self.source.clone(),
            changed: self.changed.clone(),
        }
    }
}

/// Equal when they hold the same sprints, however they were made.
impl PartialEq for Sprints {
    fn eq(&self, other: &Sprints) -> bool {
        self.map() == other.map()
    }
}

impl fmt::Debug for Sprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.map().fmt(f)
    }
}

impl Serialize for Sprints {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Sprints {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Sprints, D::Error> {
        BTreeMap::deserialize(deserializer).map(Sprints::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

    fn sprint(id: &str) -> Sprint {
        Sprint {
            id: id.into(),
            uid: format!("u-{id}"),
            title: format!("Sprint {id}"),
            focus: None,
            status: crate::model::SprintStatus::Planned,
            start: None,
            end: None,
            created_at: "2026-11-24T09:30:00Z".parse().unwrap(),
            updated_at: "2026-11-24T09:30:00Z".parse().unwrap(),
            completed_at: None,
            extra: toml::Table::new(),
        }
    }

    /// A source of sprints S1 and S2 that counts how often it is decoded whole; it finds S2
    /// only, to show when a lookup went to it.
    struct Counted {
        calls: Arc<AtomicUsize>,
        sprints: BTreeMap<String, Sprint>,
    }

    impl SprintSource for Counted {
        fn all(&self) -> BTreeMap<String, Sprint> {
            self.calls.fetch_add(1, AtomicOrdering::SeqCst);
            self.sprints.clone()
        }
        fn count(&self) -> usize {
            self.sprints.len()
        }
        fn find(&self, id: &str) -> Option<&Sprint> {
            self.sprints.get(id).filter(|s| s.id == "S2")
        }
        fn key(&self, id: &str) -> Option<PlanKey<'_>> {
            self.sprints.get(id).map(PlanKey::of)
        }
        fn count_before(&self, key: &PlanKey<'_>, skip: &dyn Fn(&str) -> bool) -> usize {
            let sprints = self.sprints.values().filter(|s| !skip(&s.id));
            sprints.filter(|s| PlanKey::of(s) < *key).count()
        }
    }

    fn counted(calls: &Arc<AtomicUsize>) -> Sprints {
        Sprints::lazy(Arc::new(Counted {
            calls: calls.clone(),
            sprints: ["S1", "S2"].map(|id| (id.to_string(), sprint(id))).into(),
        }))
    }

    fn dated(id: &str, start: &str) -> Sprint {
        let mut s = sprint(id);
        s.start = Some(start.parse().unwrap());
        s
    }

    #[test]
    fn decodes_once_on_first_read_and_copies_share_the_source() {
        let calls = Arc::new(AtomicUsize::new(0));
        let sprints = counted(&calls);
        let copy = sprints.clone();
        assert!(!sprints.is_decoded() && !copy.is_decoded());
        assert_eq!(
            calls.load(AtomicOrdering::SeqCst),
            0,
            "nothing decoded before a read"
        );
        assert_eq!(sprints.len(), 2);
        assert_eq!(sprints.get("S2").unwrap().title, "Sprint S2");
        assert_eq!(
            calls.load(AtomicOrdering::SeqCst),
            1,
            "decoded once for every read"
        );
        assert!(
            !copy.is_decoded(),
            "a copy made before the read decodes on its own"
        );
        assert_eq!(copy.keys().collect::<Vec<_>>(), ["S1", "S2"]);
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 2);
    }

    #[test]
    fn one_sprint_and_its_place_come_from_the_source_until_the_map_is_decoded() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut sprints = counted(&calls);
        assert_eq!(sprints.find("S2").unwrap().title, "Sprint S2");
        assert_eq!(sprints.position("S2"), Some(1));
        assert!(sprints.find("S1").is_none(), "this source finds S2 only");
        assert_eq!(sprints.count(), 2);
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 0);
        // Once decoded (here by a change through the map), both read the map.
        sprints.insert("S3".into(), dated("S3", "2020-01-01"));
        assert_eq!(sprints.find("S1").unwrap().id, "S1");
        assert_eq!(sprints.position("S3"), Some(0), "dated sprints come first");
        assert_eq!(sprints.position("S2"), Some(2));
        assert_eq!(sprints.position("S9"), None);
        assert_eq!(sprints.count(), 3);
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 1);
    }

    #[test]
    fn upserts_stay_beside_the_source_until_it_is_decoded() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut sprints = counted(&calls);
        let source = sprints.source.clone().unwrap();
        sprints.upsert(dated("S0", "2020-01-01"));
        let mut renamed = sprint("S1");
        renamed.title = "Renamed".into();
        sprints.upsert(renamed);
        assert_eq!(sprints.find("S1").unwrap().title, "Renamed");
        assert_eq!(sprints.find("S0").unwrap().id, "S0");
        assert_eq!(sprints.position("S0"), Some(0));
        assert_eq!(
            sprints.position("S1"),
            Some(1),
            "the upserted S1 is counted once"
        );
        assert_eq!(sprints.position("S2"), Some(2));
        assert_eq!(sprints.count(), 3);
        let changes = sprints.changes_over(&source).unwrap();
        assert_eq!(changes.keys().collect::<Vec<_>>(), ["S0", "S1"]);
        let copy = sprints.clone();
        assert_eq!(
            calls.load(AtomicOrdering::SeqCst),
            0,
            "nothing decoded so far"
        );
        // Decoded, the map holds the source with the upserts on top.
        assert_eq!(sprints.keys().collect::<Vec<_>>(), ["S0", "S1", "S2"]);
        assert_eq!(sprints["S1"].title, "Renamed");
        assert!(sprints.changes_over(&source).is_none());
        assert_eq!(copy.changes_over(&source).map(BTreeMap::len), Some(2));
        let other: Arc<dyn SprintSource> = Arc::new(Counted {
            calls: calls.clone(),
            sprints: BTreeMap::new(),
        });
        assert!(copy.changes_over(&other).is_none(), "another source");
        // An upsert after decoding goes into the map.
        sprints.upsert(sprint("S4"));
        assert_eq!(sprints.count(), 4);
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 1);
    }

    #[test]
    fn a_change_applies_to_the_decoded_sprints_and_stays() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut sprints = counted(&calls);
        sprints.insert("S3".into(), sprint("S3"));
        sprints.remove("S1");
        let ids: Vec<&String> = (&sprints).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["S2", "S3"]);
        let copy = sprints.clone();
        assert_eq!(copy.keys().collect::<Vec<_>>(), ["S2", "S3"]);
        assert_eq!(calls.load(AtomicOrdering::SeqCst), 1);
    }

    #[test]
    fn reads_and_writes_as_the_map_in_json() {
        let sprints: Sprints = [("S1".to_string(), sprint("S1"))].into_iter().collect();
        let json = serde_json::to_string(&sprints).unwrap();
        assert!(json.starts_with("{\"S1\":{"), "{json}");
        let back: Sprints = serde_json::from_str(&json).unwrap();
        assert_eq!(back.keys().collect::<Vec<_>>(), ["S1"]);
        assert!(Sprints::default().is_empty());
    }
}
