//! What the project knows: decisions, facts, learnings, constraints, next steps and named
//! context snapshots. Each lives in an append-only JSON Lines log; changing an item appends a
//! newer full version of it, and the newest version (by time, then uid) is the item.

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Which log an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// A choice and why it was made.
    Decision,
    /// A statement of truth, optionally pinned to files at a commit.
    Fact,
    /// Something found out that the next agent should know.
    Learning,
    /// A rule the work must respect.
    Constraint,
    /// Work someone should pick up.
    NextStep,
    /// A named point in the branch's history.
    Snapshot,
}

impl ItemKind {
    /// The directory of the log under `.cmos/`.
    pub fn log_dir(self) -> &'static str {
        match self {
            ItemKind::Decision => "decisions",
            ItemKind::Fact => "facts",
            ItemKind::Learning => "learnings",
            ItemKind::Constraint => "constraints",
            ItemKind::NextStep => "next-steps",
            ItemKind::Snapshot => "snapshots",
        }
    }

    /// The prefix of generated ids, e.g. `d-4k7wq2xz9d` for a decision.
    pub fn id_prefix(self) -> &'static str {
        match self {
            ItemKind::Decision => "d",
            ItemKind::Fact => "f",
            ItemKind::Learning => "l",
            ItemKind::Constraint => "c",
            ItemKind::NextStep => "n",
            ItemKind::Snapshot => "cs",
        }
    }
}

/// Where an item stands. Active items are what context shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemStatus {
    /// In force: a decision that holds, a constraint that applies, a next step still open.
    Active,
    /// A decision replaced by a newer one.
    Superseded,
    /// Kept for the record, no longer shown by default.
    Archived,
    /// A next step that was done.
    Done,
    /// A next step nobody will do.
    Dropped,
}

/// One version of an item: one line of its log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Item {
    pub id: String,
    pub uid: String,
    pub kind: ItemKind,
    pub status: ItemStatus,
    /// The decision's title, the fact, the learning, the constraint or the next step.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// A free grouping: a decision's category, a fact's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint: Option<String>,
    /// The decision this one replaces, or (on a superseded one) the decision replacing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Files a fact is pinned to, relative to the repository root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The commit a fact's files are pinned at, or the branch commit a snapshot names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why the status last changed (done, dropped, archived, carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A decision or learning that stays true however old it gets: never flagged as stale
    /// by a review and never archived when its sprint closes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub evergreen: bool,
    /// When someone last confirmed the record still holds; a review does not flag it again
    /// for the staleness threshold's span after this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// When this version was written; the newest version is the item.
    pub updated_at: Timestamp,
    pub by: String,
    #[serde(flatten, skip_deserializing)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Item {
    /// A new, Active item of `kind`, created now by `by`.
    pub fn new(kind: ItemKind, id: String, text: String, by: &str, now: Timestamp) -> Item {
        Item {
            id,
            uid: super::new_uid(),
            kind,
            status: ItemStatus::Active,
            text,
            rationale: None,
            category: None,
            mission: None,
            session: None,
            sprint: None,
            supersedes: None,
            superseded_by: None,
            files: Vec::new(),
            commit: None,
            note: None,
            evergreen: false,
            reviewed_at: None,
            created_at: now,
            updated_at: now,
            by: by.to_string(),
            extra: Default::default(),
        }
    }

    /// The next version of this item: same id, a fresh uid, written now.
    pub fn revised(&self, now: Timestamp) -> Item {
        Item {
            uid: super::new_uid(),
            updated_at: now,
            ..self.clone()
        }
    }

    /// Whether `other` is a newer version than this one: later, or as late with a larger uid.
    pub fn is_older_than(&self, other: &Item) -> bool {
        (self.updated_at, &self.uid) < (other.updated_at, &other.uid)
    }
}

/// Versions of items folded into items: the newest version of each id wins, and each item
/// remembers the uid of its oldest version, which orders items created within one second.
#[derive(Debug, Default)]
pub struct Folded {
    items: std::collections::HashMap<String, (Item, String)>,
}

impl Folded {
    pub fn add(&mut self, version: Item) {
        match self.items.get_mut(&version.id) {
            Some((known, first_uid)) => {
                if version.uid < *first_uid {
                    first_uid.clone_from(&version.uid);
                }
                if known.is_older_than(&version) {
                    *known = version;
                }
            }
            None => {
                let first_uid = version.uid.clone();
                self.items.insert(version.id.clone(), (version, first_uid));
            }
        }
    }

    /// The items so far, unordered.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values().map(|(item, _)| item)
    }

    /// The items, oldest first: by creation time, then by the uid of their first version.
    pub fn into_sorted(self) -> Vec<Item> {
        let mut items: Vec<(Item, String)> = self.items.into_values().collect();
        items.sort_by(|(a, a_uid), (b, b_uid)| (a.created_at, a_uid).cmp(&(b.created_at, b_uid)));
        items.into_iter().map(|(item, _)| item).collect()
    }
}

/// The items that `versions` (every line of a log, in any order) add up to, oldest first.
/// Two clones' logs merged as a union fold to the same items whatever order their lines come in.
pub fn latest_versions(versions: impl IntoIterator<Item = Item>) -> Vec<Item> {
    let mut folded = Folded::default();
    for version in versions {
        folded.add(version);
    }
    folded.into_sorted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_version_wins_in_any_order() {
        let t0 = Timestamp::from_millis(1_000_000);
        let t1 = Timestamp::from_millis(2_000_000);
        let mut first = Item::new(ItemKind::Decision, "d-1".into(), "Use TOML".into(), "a", t0);
        first.uid = super::super::new_uid_at(1_000_000);
        let mut second = first.revised(t1);
        second.status = ItemStatus::Superseded;
        let mut other = Item::new(ItemKind::Decision, "d-0".into(), "Use git".into(), "b", t0);
        other.uid = super::super::new_uid_at(1_000_001);
        let forward = latest_versions([first.clone(), second.clone(), other.clone()]);
        let backward = latest_versions([second.clone(), other, first]);
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 2);
        assert_eq!(
            forward[0].id, "d-1",
            "same creation time: ordered by first uid"
        );
        assert_eq!(
            forward[0].status,
            ItemStatus::Superseded,
            "the newest version"
        );
    }
}

super::unknown_keys::keeps_unknown_keys!(Item);
