//! The ids of git objects as the rest of cmos sees them: a commit id (shown in full or short,
//! serialised as hex) and opaque tree and file-version ids that can only be compared. gix's
//! own id type stays inside the store.

use std::fmt;

use gix::ObjectId;
use serde::{Serialize, Serializer};

/// How many hex digits a short commit id shows, as `cmos log` and the hooks print it.
pub const SHORT_LEN: usize = 12;

/// A commit of the cmos branch or of the project. `Display` gives the full hex id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId(pub(super) ObjectId);

impl CommitId {
    /// The first [`SHORT_LEN`] hex digits, enough to name a commit to a person.
    pub fn short(&self) -> String {
        let mut hex = self.0.to_string();
        hex.truncate(SHORT_LEN);
        hex
    }

    /// The id written in full hex (as a record or an event stores it); None for anything
    /// else, revisions and abbreviations included: those are resolved by
    /// [`super::Store::resolve_commit`].
    pub fn from_hex(hex: &str) -> Option<CommitId> {
        ObjectId::from_hex(hex.as_bytes()).ok().map(CommitId)
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for CommitId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A tree of the branch: two merges that agree give equal trees. `Display` gives the hex id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TreeId(pub(super) ObjectId);

impl fmt::Display for TreeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The content of a file at some commit: equal ids mean equal bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileVersion(pub(super) ObjectId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_commit_id_shows_full_and_short_hex_and_serialises_as_text() {
        let hex = "0123456789abcdef0123456789abcdef01234567";
        let id = CommitId::from_hex(hex).expect("a full id");
        assert_eq!(id.to_string(), hex);
        assert_eq!(id.short(), "0123456789ab");
        assert_eq!(
            serde_json::to_string(&id).expect("serialise"),
            format!("\"{hex}\"")
        );
    }

    #[test]
    fn test_commit_id_from_hex_takes_only_a_full_id() {
        for text in [
            "HEAD",
            "main~1",
            "0123456",
            "",
            "g123456789abcdef0123456789abcdef01234567",
        ] {
            assert_eq!(CommitId::from_hex(text), None, "{text:?}");
        }
    }
}
