//! The order of imported work: missions an import creates in the same second keep their
//! natural order (task-2 before task-10), and links of the original CMOS, whose direction its
//! own tools wrote both ways, are read the way the source's evidence says.

mod common;

use common::Repo;
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("{list:#}"))
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn test_missions_imported_in_one_second_list_in_natural_id_order() {
    // task-920 listed before task-501: the random part of uids broke the tie.
    let repo = Repo::new();
    let dir = repo.sibling("project");
    let tasks = dir.join("backlog/tasks");
    std::fs::create_dir_all(&tasks).unwrap();
    for i in 1..=1000 {
        std::fs::write(
            tasks.join(format!("task-{i} - T.md")),
            format!("---\nid: task-{i}\ntitle: Task {i}\nstatus: To Do\ncreated_date: '2025-11-01 10:00'\n---\n"),
        )
        .unwrap();
    }
    repo.json(&["import", "backlog-md", dir.to_str().unwrap()]);
    let expected: Vec<String> = (1..=1000).map(|i| format!("task-{i}")).collect();
    // Once from a fresh index, once from the cache it left.
    for _ in 0..2 {
        assert_eq!(ids(&repo.json(&["mission", "list"])), expected);
    }
    let next = repo.json(&["mission", "next"]);
    assert!(next.to_string().contains("\"task-1\""), "{next:#}");
    // A write keeps the cached windows in the same order.
    repo.ok(&["mission", "start", "task-1"]);
    repo.ok(&["mission", "complete", "task-1"]);
    let next = repo.json(&["mission", "next"]).to_string();
    assert!(
        next.contains("\"task-2\"") && !next.contains("task-10\""),
        "{next}"
    );
    let list = ids(&repo.json(&["mission", "list", "--status", "Queued"]));
    assert_eq!(list[..3], ["task-3", "task-4", "task-5"], "{list:?}");
}
