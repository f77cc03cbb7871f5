//! The rule of the context's condensation: which open next steps are done because the
//! mission they belong to, or name, is Completed.

use crate::model::{Item, ItemKind, ItemStatus};

/// The Completed mission that makes the open next step `step` done: its own mission, else
/// the first mission id its text names as a whole word; None when neither is Completed.
pub fn done_with_mission(step: &Item, completed: &dyn Fn(&str) -> bool) -> Option<String> {
    if step.kind != ItemKind::NextStep || step.status != ItemStatus::Active {
        return None;
    }
    if let Some(mission) = step.mission.as_deref() {
        // A step of a mission still open is that mission's work, whatever its text names.
        return completed(mission).then(|| mission.to_string());
    }
    step.text
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| !w.is_empty() && completed(w))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str, mission: Option<&str>) -> Item {
        let t = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut item = Item::new(ItemKind::NextStep, "n-1".into(), text.into(), "a", t);
        item.mission = mission.map(str::to_string);
        item
    }

    #[test]
    fn a_step_is_done_with_its_completed_mission_or_one_its_text_names() {
        let completed = |id: &str| id == "B1" || id == "m-2.1";
        assert_eq!(
            done_with_mission(&step("tidy up", Some("B1")), &completed).as_deref(),
            Some("B1")
        );
        assert_eq!(
            done_with_mission(&step("after B1, ship", Some("B2")), &completed),
            None
        );
        assert_eq!(
            done_with_mission(&step("follow up on B1.", None), &completed).as_deref(),
            Some("B1")
        );
        assert_eq!(
            done_with_mission(&step("see m-2.1 notes", None), &completed).as_deref(),
            Some("m-2.1")
        );
        assert_eq!(
            done_with_mission(&step("B12 and AB1", None), &completed),
            None
        );
        let mut closed = step("B1", None);
        closed.status = ItemStatus::Done;
        assert_eq!(done_with_mission(&closed, &completed), None);
    }
}
