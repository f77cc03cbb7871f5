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

#[test]
fn test_missions_imported_in_one_second_keep_the_source_order() {
    // A Beads file lists its issues in its own order; ids are no guide to it.
    let repo = Repo::new();
    let file = repo.sibling("issues.jsonl");
    let order = ["bd-9", "bd-3", "bd-10", "bd-5"];
    let lines: String = order
        .iter()
        .map(|id| {
            format!(
                "{{\"id\":\"{id}\",\"title\":\"{id}\",\"status\":\"open\",\"created_at\":\"2025-11-01T10:00:00Z\"}}\n"
            )
        })
        .collect();
    std::fs::write(&file, lines).unwrap();
    repo.json(&["import", "beads", file.to_str().unwrap()]);
    assert_eq!(ids(&repo.json(&["mission", "list"])), order);
    assert!(repo.ok(&["verify"]).contains("no problems"));
}

/// A backlog.yaml of sprint S3: B3.1 Completed, B3.4 Current, B3.5 and B3.6 Queued, each
/// needing the one before; `deps` are its missionDependencies (from, to), type blocks.
fn backlog(deps: &[(&str, &str)]) -> String {
    let mut text = String::from(
        "name: Planning.SprintPlan.v1\n---\ndomainFields:\n  type: Planning.SprintPlan.v1\n  sprints:\n  - sprintId: S3\n    title: Sprint 3\n    status: Active\n    missions:\n",
    );
    for (id, status) in [
        ("B3.1", "Completed"),
        ("B3.4", "Current"),
        ("B3.5", "Queued"),
        ("B3.6", "Queued"),
    ] {
        text.push_str(&format!(
            "    - id: {id}\n      name: Mission {id}\n      status: {status}\n"
        ));
    }
    text.push_str("  missionDependencies:\n");
    for (from, to) in deps {
        text.push_str(&format!(
            "  - from: {from}\n    to: {to}\n    type: blocks\n"
        ));
    }
    text
}

/// The ids mission `id` requires, as `mission show` gives them.
fn requires(repo: &Repo, id: &str) -> Vec<String> {
    let show = repo.json(&["mission", "show", id]);
    let none = Vec::new();
    let mut found: Vec<String> = show["depends"]
        .as_array()
        .unwrap_or(&none)
        .iter()
        .filter(|d| d["type"] == "requires")
        .map(|d| d["on"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    found
}

fn next_id(repo: &Repo) -> String {
    let next = repo.json(&["mission", "next"]);
    next["mission"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{next:#}"))
        .to_string()
}

#[test]
fn test_backlog_written_prerequisite_first_does_not_make_current_wait_on_queued() {
    // The backlog: "from B3.4 to B3.5, type blocks" meant B3.4 first; read as written,
    // `next` proposed the sprint's last mission and a Completed mission required an open one.
    for deps in [
        [("B3.1", "B3.4"), ("B3.4", "B3.5"), ("B3.5", "B3.6")],
        [("B3.4", "B3.1"), ("B3.5", "B3.4"), ("B3.6", "B3.5")],
    ] {
        let repo = Repo::new();
        let file = repo.sibling("backlog.yaml");
        std::fs::write(&file, backlog(&deps)).unwrap();
        let report = repo.json(&["import", "backlog", file.to_str().unwrap()]);
        assert!(
            report["mapped"]
                .to_string()
                .contains("dependency direction"),
            "{report:#}"
        );
        assert_eq!(next_id(&repo), "B3.4", "{deps:?}");
        assert_eq!(requires(&repo, "B3.4"), ["B3.1"], "{deps:?}");
        assert_eq!(requires(&repo, "B3.5"), ["B3.4"], "{deps:?}");
        // B3.5 ⇄ B3.6 are both Queued: they follow the convention the other links showed.
        assert_eq!(requires(&repo, "B3.6"), ["B3.5"], "{deps:?}");
        assert!(requires(&repo, "B3.1").is_empty());
        assert!(repo.ok(&["verify"]).contains("no problems"));
    }
}

#[test]
fn test_database_mixing_both_conventions_imports_each_link_the_right_way() {
    let repo = Repo::new();
    let path = repo.sibling("cmos.sqlite");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        "CREATE TABLE missions (id TEXT PRIMARY KEY, sprint_id TEXT, name TEXT, status TEXT, completed_at TEXT);
         CREATE TABLE mission_dependencies (from_id TEXT, to_id TEXT, type TEXT, PRIMARY KEY (from_id, to_id));
         INSERT INTO missions VALUES ('M1', NULL, 'One', 'Completed', '2025-11-01 10:00:00'),
                                     ('M2', NULL, 'Two', 'In Progress', NULL),
                                     ('M3', NULL, 'Three', 'Queued', NULL),
                                     ('M4', NULL, 'Four', 'Queued', NULL),
                                     ('M5', NULL, 'Five', 'Queued', NULL);
         -- prerequisite first (the Python CLI), dependent first (the MCP server), and one
         -- between two Queued missions that only the convention can read.
         INSERT INTO mission_dependencies VALUES ('M1', 'M2', 'blocks'), ('M3', 'M2', 'blocks'),
                                                 ('M1', 'M5', 'blocks'), ('M4', 'M3', 'blocks');",
    )
    .unwrap();
    drop(db);
    let report = repo.json(&["import", "cmos-sqlite", path.to_str().unwrap()]);
    let mapped = report["mapped"].to_string();
    assert!(
        mapped.contains("dependency direction decided by its missions")
            && mapped.contains("dependency direction undecidable by the source's convention"),
        "{report:#}"
    );
    assert_eq!(next_id(&repo), "M2");
    assert_eq!(requires(&repo, "M2"), ["M1"]);
    assert_eq!(requires(&repo, "M5"), ["M1"]);
    // Two of three decided links list the prerequisite first: M4 before M3.
    assert_eq!(requires(&repo, "M3"), ["M2", "M4"]);
    assert!(requires(&repo, "M1").is_empty());
    let m3 = repo.show(&format!(
        ".cmos/missions/{:02x}/M3.toml",
        fnv1a(b"M3") & 0xff
    ));
    assert!(
        m3.contains("read_as = \"prerequisite first\"") && m3.contains("evidence = "),
        "{m3}"
    );
    assert!(repo.ok(&["verify"]).contains("no problems"));
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn test_verify_warns_about_a_completed_mission_that_requires_an_unfinished_one() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "first"]);
    repo.ok(&["mission", "add", "B", "second"]);
    repo.ok(&["mission", "start", "B"]);
    repo.ok(&["mission", "complete", "B"]);
    repo.ok(&["mission", "depends", "B", "A", "--type", "requires"]);
    // The CLI allows this state, so it is a warning, not a failure of the branch.
    let envelope = repo.envelope(&["verify"]);
    assert_eq!(envelope["ok"], true, "{envelope}");
    let warnings = envelope["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("is Completed but requires A, which is")),
        "{envelope}"
    );
    let out = repo.cmos(&["verify"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("is Completed but requires A"), "{text}");
}
