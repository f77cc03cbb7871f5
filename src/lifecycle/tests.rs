//! Rules tested on hand-built indexes, without git.

use super::*;
use crate::index::MissionEntry;
use crate::model::{Project, Timestamp};

fn entry(id: &str, status: Status, sprint: Option<&str>, rank: Option<i64>) -> MissionEntry {
    MissionEntry {
        id: id.into(),
        created: 0,
        name: format!("mission {id}"),
        status,
        sprint: sprint.map(Into::into),
        rank,
        depends: vec![],
        blocked_reason: None,
        awaiting_review: false,
        needs_human: false,
        decided: false,
    }
}

fn sprint(id: &str, start: &str) -> Sprint {
    let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    Sprint {
        id: id.into(),
        uid: format!("uid-{id}"),
        title: id.into(),
        focus: None,
        status: SprintStatus::Planned,
        start: Some(start.parse().unwrap()),
        end: None,
        created_at: t,
        updated_at: t,
        completed_at: None,
        extra: Default::default(),
    }
}

fn index(missions: Vec<MissionEntry>, current: Option<&str>) -> Index {
    let meta = crate::index::Meta {
        project: Some(Project {
            id: "p".into(),
            name: "p".into(),
            description: None,
            current_sprint: current.map(Into::into),
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            extra: Default::default(),
        }),
        ..Default::default()
    };
    let mut index = Index::new(meta, Default::default());
    for s in [sprint("S1", "2026-01-01"), sprint("S2", "2026-02-01")] {
        index.sprints.insert(s.id.clone(), s);
    }
    for m in missions {
        index.missions.insert(m.id.clone(), m);
    }
    index
}

fn link(index: &mut Index, from: &str, to: &str, kind: DepType) {
    index
        .missions
        .get_mut(from)
        .unwrap()
        .depends
        .push((to.into(), kind));
}

#[test]
fn refused_transitions_name_the_valid_ones() {
    let err = check_transition("B1.2", Completed, InProgress).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mission B1.2 is Completed; it cannot be started"
    );
    assert_eq!(err.valid_transitions(), Some(&[][..]));
    let err = check_transition("B1", Queued, Completed).unwrap_err();
    assert_eq!(
        err.valid_transitions().unwrap(),
        &[Current, InProgress, Dropped, Deferred]
    );
    check_transition("B1", Blocked, Current).unwrap();
}

#[test]
fn every_status_has_a_row_and_final_ones_are_empty() {
    for s in Status::ALL {
        assert_eq!(valid_targets(*s).is_empty(), s.is_final(), "{s}");
        assert!(
            !valid_targets(*s).contains(s),
            "{s} must not move to itself"
        );
    }
}

#[test]
fn next_prefers_in_progress_then_current_then_queued() {
    let idx = index(
        vec![
            entry("Q", Queued, Some("S1"), None),
            entry("C", Current, Some("S1"), None),
            entry("P", InProgress, Some("S2"), None),
        ],
        Some("S1"),
    );
    assert_eq!(next(&idx).mission.unwrap().id, "P");
    let idx = index(
        vec![
            entry("Q", Queued, Some("S1"), None),
            entry("C", Current, Some("S2"), None),
        ],
        Some("S1"),
    );
    assert_eq!(next(&idx).mission.unwrap().id, "C");
}

#[test]
fn next_takes_the_current_sprint_first_then_rank() {
    let idx = index(
        vec![
            entry("early", Queued, Some("S1"), Some(1)),
            entry("late-low", Queued, Some("S2"), Some(5)),
            entry("late-high", Queued, Some("S2"), Some(1)),
        ],
        Some("S2"),
    );
    let order: Vec<&str> = work_order(&idx).iter().map(|m| m.id.as_str()).collect();
    assert_eq!(order, ["late-high", "late-low", "early"]);
}

#[test]
fn next_skips_missions_whose_requirements_are_not_completed() {
    let mut idx = index(
        vec![
            entry("A", Queued, Some("S1"), Some(1)),
            entry("B", Queued, Some("S1"), Some(2)),
            entry("C", Queued, Some("S1"), Some(3)),
        ],
        Some("S1"),
    );
    link(&mut idx, "A", "B", DepType::Requires);
    link(&mut idx, "C", "B", DepType::Blocks);
    // A waits on B (requires), B waits on C (C blocks B, stored on C): C goes first.
    let pick = next(&idx);
    assert_eq!(pick.mission.unwrap().id, "C");
    assert_eq!(pick.skipped_total, 2);
    assert_eq!(
        (
            pick.skipped[0].id.as_str(),
            pick.skipped[0].waiting_on[0].id.as_str()
        ),
        ("A", "B")
    );
    assert_eq!(pick.skipped[1].waiting_on[0].via, DepType::Blocks);
    idx.missions.get_mut("C").unwrap().status = Completed;
    assert_eq!(next(&idx).mission.unwrap().id, "B");
    idx.missions.get_mut("B").unwrap().status = Completed;
    assert_eq!(next(&idx).mission.unwrap().id, "A");
    // C blocks B: B is gated on C even though the link is stored on C.
    let mut idx = index(
        vec![
            entry("B", Queued, None, Some(1)),
            entry("C", Queued, None, Some(2)),
        ],
        None,
    );
    link(&mut idx, "C", "B", DepType::Blocks);
    assert_eq!(next(&idx).mission.unwrap().id, "C");
}

/// The answers `next_and_waiting` keeps are those of the missions `next` passed over, each
/// what the gates say of it, and the pick is `next`'s.
#[test]
fn the_waiting_answers_are_those_of_the_missions_passed_over() {
    let mut idx = index(
        vec![
            entry("A", Queued, Some("S1"), Some(1)),
            entry("B", Queued, Some("S1"), Some(2)),
            entry("C", Queued, Some("S1"), Some(3)),
            entry("D", Queued, Some("S1"), Some(4)),
        ],
        Some("S1"),
    );
    link(&mut idx, "A", "B", DepType::Requires);
    link(&mut idx, "C", "B", DepType::Blocks);
    link(&mut idx, "A", "Gone", DepType::Requires);
    let queue = Queue::new(&idx);
    let (pick, waiting) = queue.next_and_waiting();
    assert_eq!(format!("{pick:?}"), format!("{:?}", queue.next()));
    assert_eq!(pick.mission.as_ref().map(|m| m.id.as_str()), Some("C"));
    let gates = Gates::new(&idx);
    let expected: std::collections::BTreeMap<String, Vec<Unmet>> = ["A", "B"]
        .into_iter()
        .map(|id| (id.to_string(), gates.unmet(&idx.missions[id])))
        .collect();
    assert_eq!(waiting, expected);
    assert_eq!(
        waiting["A"].len(),
        2,
        "B, and a mission that does not exist"
    );
    // Nothing passed over, nothing kept.
    idx.missions.get_mut("A").unwrap().depends.clear();
    assert!(Queue::new(&idx).next_and_waiting().1.is_empty());
}

#[test]
fn relates_and_informs_never_gate_work() {
    let mut idx = index(
        vec![
            entry("A", Queued, None, Some(1)),
            entry("B", Queued, None, Some(2)),
        ],
        None,
    );
    link(&mut idx, "A", "B", DepType::Relates);
    link(&mut idx, "B", "A", DepType::Informs);
    assert_eq!(next(&idx).mission.unwrap().id, "A");
}

#[test]
fn test_complete_promotes_only_ready_missions() {
    let mut idx = index(
        vec![
            entry("done", Completed, Some("S1"), Some(1)),
            entry("gated", Queued, Some("S1"), Some(2)),
            entry("ready", Queued, Some("S1"), Some(3)),
            entry("open", InProgress, Some("S1"), Some(4)),
        ],
        Some("S1"),
    );
    link(&mut idx, "gated", "open", DepType::Requires);
    assert_eq!(promotion_candidate(&idx).unwrap().id, "ready");
    idx.missions.get_mut("ready").unwrap().status = Current;
    assert!(
        promotion_candidate(&idx).is_none(),
        "one Current mission at a time"
    );
}

#[test]
fn self_and_cyclic_dependencies_are_refused() {
    let mut idx = index(
        vec![
            entry("A", Queued, None, None),
            entry("B", Queued, None, None),
            entry("C", Queued, None, None),
        ],
        None,
    );
    let err = check_dependency(&idx, "A", "A", DepType::Requires).unwrap_err();
    assert_eq!(err.code(), "invalid_dependency");
    link(&mut idx, "A", "B", DepType::Requires); // B before A
    link(&mut idx, "B", "C", DepType::Requires); // C before B
    let err = check_dependency(&idx, "C", "A", DepType::Requires).unwrap_err();
    assert!(err.to_string().contains("C → B → A → C"), "{err}");
    // A blocks C means A before C: also a cycle.
    assert!(check_dependency(&idx, "A", "C", DepType::Blocks).is_err());
    // Loose links never form cycles.
    check_dependency(&idx, "C", "A", DepType::Relates).unwrap();
    // Same link twice is a duplicate; a new type replaces the old one.
    assert_eq!(
        check_dependency(&idx, "A", "B", DepType::Requires)
            .unwrap_err()
            .code(),
        "already_exists"
    );
    assert_eq!(
        check_dependency(&idx, "A", "B", DepType::Informs).unwrap(),
        Some(DepType::Requires)
    );
    assert_eq!(
        check_dependency(&idx, "A", "Z", DepType::Requires)
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn sprints_with_open_missions_do_not_close_unless_forced() {
    let idx = index(vec![entry("A", Blocked, Some("S1"), None)], Some("S1"));
    let s1 = idx.sprints["S1"].clone();
    let err = check_sprint_complete(&idx, &s1, false).unwrap_err();
    assert!(err.to_string().contains("1 open mission(s): A"), "{err}");
    check_sprint_complete(&idx, &s1, true).unwrap();
}

#[test]
fn ids_compare_in_natural_order() {
    use std::cmp::Ordering::*;
    assert_eq!(natural_cmp("task-2", "task-10"), Less);
    assert_eq!(natural_cmp("task-920", "task-501"), Greater);
    assert_eq!(natural_cmp("B3.4", "B3.10"), Less);
    assert_eq!(natural_cmp("a", "a1"), Less);
    assert_eq!(natural_cmp("a01", "a1"), Less);
    assert_eq!(natural_cmp("a1", "a01"), Greater);
    assert_eq!(natural_cmp("x", "x"), Equal);
    let mut ids = vec!["t10", "t9", "t100", "s2", "t09"];
    ids.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(ids, ["s2", "t09", "t9", "t10", "t100"]);
}

#[test]
fn sprints_end_after_they_start_and_never_go_back_to_planned() {
    let mut s1 = sprint("S1", "2026-02-01");
    check_sprint_dates(&s1).unwrap();
    s1.end = Some("2026-01-15".parse().unwrap());
    let err = check_sprint_dates(&s1).unwrap_err();
    assert!(err.to_string().contains("before it starts"), "{err}");
    s1.end = None;
    check_sprint_status(&s1, SprintStatus::Planned).unwrap();
    s1.status = SprintStatus::Active;
    let err = check_sprint_status(&s1, SprintStatus::Planned).unwrap_err();
    assert_eq!(err.code(), "refused");
    check_sprint_status(&s1, SprintStatus::Completed).unwrap();
    s1.status = SprintStatus::Completed;
    assert!(check_sprint_activate(&s1).is_err());
}

#[test]
fn a_plain_status_change_cannot_block_and_reports_need_finished_work() {
    check_plain_move("A", Current).unwrap();
    let err = check_plain_move("A", Blocked).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    check_report("A", Completed, false).unwrap();
    check_report("A", InProgress, true).unwrap();
    assert_eq!(
        check_report("A", InProgress, false).unwrap_err().code(),
        "refused"
    );
}

#[test]
fn a_new_link_is_checked_against_the_links_it_does_not_replace() {
    let mut idx = index(
        vec![
            entry("A", Queued, None, None),
            entry("B", Queued, None, None),
        ],
        None,
    );
    link(&mut idx, "A", "B", DepType::Requires); // B before A
    // B requires A would close B → A → B; A blocks B replaces nothing and closes it too.
    assert!(check_dependency(&idx, "B", "A", DepType::Requires).is_err());
    // A blocks B replaces A requires B (same pair): A before B no longer meets B before A.
    assert_eq!(
        check_dependency(&idx, "A", "B", DepType::Blocks).unwrap(),
        Some(DepType::Requires)
    );
    // A link to a mission that does not exist orders nothing.
    link(&mut idx, "B", "GHOST", DepType::Requires);
    assert_eq!(ordering_links(&idx, None).len(), 1);
}

#[test]
fn unblocking_resumes_work_only() {
    check_unblock_target(InProgress).unwrap();
    check_unblock_target(Current).unwrap();
    assert!(check_unblock_target(Queued).is_err());
    let err = check_unblock("A", Current, InProgress).unwrap_err();
    assert_eq!(err.code(), "invalid_transition", "a start, not an unblock");
}

#[test]
fn windows_hold_the_first_missions_of_each_status_in_the_order_of_work() {
    use crate::model::Status::*;
    let statuses = [
        Queued, Blocked, InProgress, Completed, Deferred, Current, Dropped,
    ];
    // More Queued and Blocked missions than a window holds, in mixed sprints and ranks, with
    // ids that sort naturally (M9 before M10).
    let missions: Vec<MissionEntry> = (0..3_000)
        .map(|n| {
            let status = statuses[(n * 7 + n / 13) % statuses.len()];
            let sprint = [None, Some("S1"), Some("S2")][n % 3];
            let rank = (n % 5 != 0).then_some((n as i64 * 37) % 11 - 5);
            entry(&format!("M{n}"), status, sprint, rank)
        })
        .collect();
    let index = index(missions, Some("S2"));
    let queue = Queue::new(&index);
    let windows = queue.windows();
    for status in [InProgress, Current, Queued, Blocked, Deferred] {
        let all: Vec<&str> = queue
            .in_order(|m| m.status == status)
            .map(|m| m.id.as_str())
            .collect();
        let (ids, complete) = windows.of(status);
        let ids: Vec<&str> = ids.collect();
        assert_eq!(ids, all[..all.len().min(256)], "{status:?}");
        assert_eq!(complete, all.len() <= 256, "{status:?}");
    }
    assert!(
        queue.in_order(|m| m.status == Queued).count() > 256,
        "a window was cut"
    );
}
