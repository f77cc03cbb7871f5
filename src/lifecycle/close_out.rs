//! What a sprint's close-out archives: the sprint's decisions and learnings that still hold
//! (Active) and are not marked evergreen. Superseded and archived records, and the links
//! between a decision and the one it replaced, stay as they are.

use crate::model::{Item, ItemKind, ItemStatus};

/// The kinds of record a close-out archives.
pub const CLOSED_WITH_SPRINT: [ItemKind; 2] = [ItemKind::Decision, ItemKind::Learning];

/// Whether closing its sprint archives `item`.
pub fn archived_at_close(item: &Item) -> bool {
    CLOSED_WITH_SPRINT.contains(&item.kind) && item.status == ItemStatus::Active && !item.evergreen
}

/// The note an archived record keeps, saying why.
pub fn close_out_note(sprint: &str) -> String {
    format!("archived when sprint {sprint} closed: it was not marked evergreen")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    #[test]
    fn only_active_decisions_and_learnings_that_are_not_evergreen_are_archived() {
        let item = |kind, status, evergreen| {
            let mut i = Item::new(kind, "x-1".into(), "t".into(), "a", Timestamp::now());
            i.status = status;
            i.evergreen = evergreen;
            i
        };
        assert!(archived_at_close(&item(
            ItemKind::Decision,
            ItemStatus::Active,
            false
        )));
        assert!(archived_at_close(&item(
            ItemKind::Learning,
            ItemStatus::Active,
            false
        )));
        assert!(!archived_at_close(&item(
            ItemKind::Learning,
            ItemStatus::Active,
            true
        )));
        assert!(!archived_at_close(&item(
            ItemKind::Decision,
            ItemStatus::Superseded,
            false
        )));
        assert!(!archived_at_close(&item(
            ItemKind::Fact,
            ItemStatus::Active,
            false
        )));
        assert!(!archived_at_close(&item(
            ItemKind::NextStep,
            ItemStatus::Active,
            false
        )));
    }
}
