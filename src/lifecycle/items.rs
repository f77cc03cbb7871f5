//! The rules of decisions, facts, learnings, constraints and next steps: which fields each
//! kind takes, which statuses it closes to, and which changes an item in a given status allows.

use crate::error::{Error, Result};
use crate::model::{Item, ItemKind, ItemStatus};
use crate::next::{Action, Input, Op};

/// The statuses an item of `kind` can move to from Active.
pub fn closing_statuses(kind: ItemKind) -> &'static [ItemStatus] {
    match kind {
        ItemKind::Decision => &[ItemStatus::Superseded, ItemStatus::Archived],
        ItemKind::NextStep => &[ItemStatus::Done, ItemStatus::Dropped],
        ItemKind::Fact | ItemKind::Learning | ItemKind::Constraint => &[ItemStatus::Archived],
        ItemKind::Snapshot => &[],
    }
}

/// Which of the fields that belong to one kind only a new item was given.
#[derive(Debug, Clone, Copy, Default)]
pub struct KindFields {
    /// The decision it replaces (decisions only).
    pub supersedes: bool,
    /// Why it was decided (decisions only).
    pub rationale: bool,
    /// The commit it is pinned at (facts only).
    pub commit: bool,
    /// The files it is pinned to (facts only).
    pub files: bool,
}

/// Refuses a field that does not apply to `kind`, rather than dropping it silently.
pub fn check_item_fields(kind: ItemKind, given: KindFields) -> Result<()> {
    let decision = kind == ItemKind::Decision;
    let fact = kind == ItemKind::Fact;
    for (applies, present, owner, what) in [
        (
            decision,
            given.supersedes,
            ItemKind::Decision,
            "decision it supersedes",
        ),
        (decision, given.rationale, ItemKind::Decision, "rationale"),
        (
            fact,
            given.commit,
            ItemKind::Fact,
            "commit its files are pinned at",
        ),
    ] {
        if present && !applies {
            return Err(Error::InvalidInput(format!(
                "a {kind} has no {what}: only a {owner} has one"
            )));
        }
    }
    if given.files && !fact {
        return Err(Error::InvalidInput(format!(
            "only facts are pinned to files; a {kind} has no files"
        )));
    }
    Ok(())
}

/// The commit a fact's files are pinned at when none is named: HEAD, which must exist (a
/// fact about files is a fact about them as committed).
pub fn pin_commit<C>(head: Option<C>) -> Result<C> {
    head.ok_or_else(|| {
        Error::Refused("a fact pinned to files needs a commit, and this repository has none yet: commit the files first".into())
    })
}

/// Refuses a closing status `kind` does not have. Superseding is not a way to close: the new
/// decision names the one it replaces.
pub fn check_close_target(kind: ItemKind, id: &str, to: ItemStatus) -> Result<()> {
    if closing_statuses(kind).contains(&to) && to != ItemStatus::Superseded {
        return Ok(());
    }
    let err = Error::InvalidInput(format!("a {kind} cannot be marked {to}"));
    if to != ItemStatus::Superseded {
        return Err(err);
    }
    // A decision is superseded by the one that replaces it, recorded with its id.
    Err(err.then(
        Action::new(Op::DecisionAdd)
            .needs(Input::Text)
            .needs(Input::Rationale)
            .with(Input::Supersedes, id),
    ))
}

/// Refuses to close an item that is closed already: only Active items change status.
pub fn check_item_open(item: &Item) -> Result<()> {
    if item.status == ItemStatus::Active {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{} {} is already {}",
        item.kind, item.id, item.status
    )))
}

/// Refuses to supersede a decision that no longer holds.
pub fn check_supersede(old: &Item) -> Result<()> {
    if old.status == ItemStatus::Active {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "decision {} is already {}; only an Active decision can be superseded",
        old.id, old.status
    )))
}

/// Refuses to carry a next step that is closed, or into the sprint it is in already.
pub fn check_carry(step: &Item, sprint: &str) -> Result<()> {
    if step.status != ItemStatus::Active {
        return Err(Error::Refused(format!(
            "next step {} is {}; only an open one can be carried",
            step.id, step.status
        )));
    }
    if step.sprint.as_deref() == Some(sprint) {
        return Err(Error::Refused(format!(
            "next step {} is already in sprint {sprint}",
            step.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn item(kind: ItemKind, status: ItemStatus) -> Item {
        let mut item = Item::new(kind, "x-1".into(), "text".into(), "t", Timestamp::now());
        item.status = status;
        item
    }

    #[test]
    fn fields_of_another_kind_are_refused_not_dropped() {
        let rationale = KindFields {
            rationale: true,
            ..KindFields::default()
        };
        check_item_fields(ItemKind::Decision, rationale).unwrap();
        let err = check_item_fields(ItemKind::Learning, rationale).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let files = KindFields {
            files: true,
            commit: true,
            ..KindFields::default()
        };
        check_item_fields(ItemKind::Fact, files).unwrap();
        let err = check_item_fields(ItemKind::Constraint, files).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a constraint has no commit its files are pinned at: only a fact has one"
        );
    }

    #[test]
    fn each_kind_closes_to_its_own_statuses() {
        check_close_target(ItemKind::NextStep, "x", ItemStatus::Done).unwrap();
        check_close_target(ItemKind::Decision, "x", ItemStatus::Archived).unwrap();
        let err = check_close_target(ItemKind::Learning, "x", ItemStatus::Done).unwrap_err();
        assert_eq!(err.to_string(), "a learning cannot be marked Done");
        let err = check_close_target(ItemKind::Decision, "x", ItemStatus::Superseded).unwrap_err();
        assert_eq!(err.to_string(), "a decision cannot be marked Superseded");
        let next = err.next();
        assert_eq!(next.actions[0].op, crate::next::Op::DecisionAdd, "{next:?}");
        assert!(closing_statuses(ItemKind::Snapshot).is_empty());
    }

    #[test]
    fn only_active_items_close_supersede_or_carry() {
        check_item_open(&item(ItemKind::Fact, ItemStatus::Active)).unwrap();
        let err = check_item_open(&item(ItemKind::Fact, ItemStatus::Archived)).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            ("refused", "fact x-1 is already Archived")
        );
        let old = item(ItemKind::Decision, ItemStatus::Superseded);
        assert_eq!(check_supersede(&old).unwrap_err().code(), "refused");
        let mut step = item(ItemKind::NextStep, ItemStatus::Active);
        step.sprint = Some("S1".into());
        check_carry(&step, "S2").unwrap();
        assert!(check_carry(&step, "S1").is_err(), "already there");
        step.status = ItemStatus::Done;
        assert!(check_carry(&step, "S2").is_err(), "closed");
    }
}
