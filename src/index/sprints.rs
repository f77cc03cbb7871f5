//! The sprints of the meta records, decoded when first asked for: the cache hands over its
//! checked chunks, and a command that never looks at a sprint (a decision, a capture, most
//! mission writes) never pays for decoding a thousand of them.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Sprint;

/// Makes the sprints from what the cache holds. It must not fail: the cache checks its bytes
/// with the same decoder before it hands them over.
pub type SprintSource = Arc<dyn Fn() -> BTreeMap<String, Sprint> + Send + Sync>;

/// Every sprint by id. Reads as the map it holds (`meta.sprints.get(id)`); the first read
/// decodes it, and changing it drops what it was decoded from.
#[derive(Default)]
pub struct Sprints {
    map: OnceLock<BTreeMap<String, Sprint>>,
    source: Option<SprintSource>,
}

impl Sprints {
    /// Sprints made by `source` on first use.
    pub fn lazy(source: SprintSource) -> Sprints {
        Sprints {
            map: OnceLock::new(),
            source: Some(source),
        }
    }

    /// Whether the sprints were decoded (for tests of what a command reads).
    pub fn is_decoded(&self) -> bool {
        self.map.get().is_some()
    }

    fn map(&self) -> &BTreeMap<String, Sprint> {
        self.map.get_or_init(|| match &self.source {
            Some(source) => source(),
            None => BTreeMap::new(),
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
    use std::sync::atomic::{AtomicUsize, Ordering};

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

    fn counted(calls: &Arc<AtomicUsize>) -> Sprints {
        let calls = calls.clone();
        Sprints::lazy(Arc::new(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            ["S1", "S2"].map(|id| (id.to_string(), sprint(id))).into()
        }))
    }

    #[test]
    fn decodes_once_on_first_read_and_copies_share_the_source() {
        let calls = Arc::new(AtomicUsize::new(0));
        let sprints = counted(&calls);
        let copy = sprints.clone();
        assert!(!sprints.is_decoded() && !copy.is_decoded());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "nothing decoded before a read"
        );
        assert_eq!(sprints.len(), 2);
        assert_eq!(sprints.get("S2").unwrap().title, "Sprint S2");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "decoded once for every read"
        );
        assert!(
            !copy.is_decoded(),
            "a copy made before the read decodes on its own"
        );
        assert_eq!(copy.keys().collect::<Vec<_>>(), ["S1", "S2"]);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
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
        assert_eq!(calls.load(Ordering::SeqCst), 1);
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
