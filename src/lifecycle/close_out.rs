//! What a sprint's close-out archives: the sprint's decisions and learnings that still hold
//! (Active) and are not marked evergreen. Superseded and archived records, and the links
//! between a decision and the one it replaced, stay as they are.

use crate::error::{Error, Result};
use crate::model::{Item, ItemKind, ItemStatus, Sprint, SprintStatus};

/// The kinds of record a close-out archives.
pub const CLOSED_WITH_SPRINT: [ItemKind; 2] = [ItemKind::Decision, ItemKind::Learning];

/// Whether closing its sprint archives `item`.
pub fn archived_at_close(item: &Item) -> bool {
    CLOSED_WITH_SPRINT.contains(&item.kind) && item.status == ItemStatus::Active && !item.evergreen
}

/// Whether `sprint` still needs completing before its close-out, or may be closed out as it
/// is: a sprint completed without one may be closed out later, once. `recorded` is the
/// retrospective file already on the branch, if any.
pub fn check_close_out(sprint: &Sprint, recorded: Option<&str>) -> Result<bool> {
    match (sprint.status, recorded) {
        (SprintStatus::Completed, Some(file)) => Err(Error::Refused(format!(
            "sprint {} was already closed out: its retrospective is {file}; undoing that close-out brings its records back first",
            sprint.id
        ))),
        (SprintStatus::Completed, None) => Ok(false),
        _ => Ok(true),
    }
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
    fn a_sprint_is_completed_then_closed_out_or_closed_out_late_but_only_once() {
        let now = Timestamp::now();
        let mut sprint = Sprint {
            id: "S1".into(),
            uid: "u".into(),
            title: "S1".into(),
            focus: None,
            status: SprintStatus::Active,
            start: None,
            end: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
            extra: Default::default(),
        };
        assert!(check_close_out(&sprint, None).unwrap(), "completed first");
        sprint.status = SprintStatus::Completed;
        assert!(
            !check_close_out(&sprint, None).unwrap(),
            "closed out as it is"
        );
        let err = check_close_out(&sprint, Some(".cmos/retros/S1.md")).unwrap_err();
        assert!(err.to_string().contains("already closed out"), "{err}");
    }

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
