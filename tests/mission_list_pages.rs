//! `mission list` in pages for agents: `--limit` and `--after` on the CLI, `limit` and
//! `cursor` in MCP. A page starts after the place the previous page ended at, so a mission
//! that moves meanwhile does not repeat or hide rows, and every page is the same rows as the
//! whole list, in order.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// A project of `n` queued missions Q00.., in that order of work.
fn queued(n: usize) -> Repo {
    let repo = Repo::new();
    repo.init();
    for i in 0..n {
        repo.ok(&[
            "mission",
            "add",
            &format!("Q{i:02}"),
            &format!("Mission {i}"),
        ]);
    }
    repo
}

fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("rows: {rows:#}"))
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// The rows of one CLI page and the cursor of the next.
fn cli_page(repo: &Repo, limit: usize, after: Option<&str>) -> (Vec<String>, Option<String>) {
    let limit = limit.to_string();
    let mut args = vec!["--json", "mission", "list", "--limit", &limit];
    if let Some(cursor) = after {
        args.extend(["--after", cursor]);
    }
    let out = repo.cmos(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).expect("one JSON envelope");
    assert_eq!(envelope["ok"], true);
    let next = envelope["next_cursor"].as_str().map(str::to_string);
    (ids(&envelope["data"]), next)
}

#[test]
fn test_mission_list_pages_walk_the_whole_list_in_order() {
    let repo = queued(7);
    let whole = ids(&repo.envelope(&["mission", "list"])["data"]);
    assert_eq!(whole.len(), 7);
    let (mut walked, mut cursor) = (Vec::new(), None);
    loop {
        let (rows, next) = cli_page(&repo, 3, cursor.as_deref());
        walked.extend(rows);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, whole);
    // The text says where the next page starts, on stderr.
    let out = repo.cmos(&["mission", "list", "--limit", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "a header and two rows: {stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--after "));
}

#[test]
fn test_mission_list_next_page_neither_repeats_nor_skips_when_a_listed_mission_moves_ahead() {
    let repo = queued(6);
    let (first, cursor) = cli_page(&repo, 2, None);
    assert_eq!(first, ["Q00", "Q01"]);
    // Q04 moves ahead of the whole page (In Progress comes first), and a mission is added.
    repo.ok(&["mission", "start", "Q04"]);
    repo.ok(&["mission", "add", "Q99", "Added later"]);
    let (second, _) = cli_page(&repo, 2, cursor.as_deref());
    assert_eq!(second, ["Q02", "Q03"], "counted rows would repeat Q01");
}

#[test]
fn test_mcp_mission_list_cursor_is_a_place_not_a_count() {
    let repo = queued(6);
    let result = |line: &str| -> Value {
        let reply: Value = serde_json::from_str(line).unwrap();
        let text = reply["result"]["content"][0]["text"].as_str().unwrap();
        serde_json::from_str(text).unwrap()
    };
    let lines = repo.mcp_session(
        &["--tools", "granular"],
        &[("cmos_mission_list", &json!({"limit": 2}))],
    );
    let first = result(&lines[2]);
    assert_eq!(ids(&first["data"]["items"]), ["Q00", "Q01"], "{first:#}");
    assert_eq!(first["data"]["total"], 6);
    let cursor = first["data"]["nextCursor"].as_str().unwrap().to_string();
    repo.ok(&["mission", "start", "Q04"]);
    let lines = repo.mcp_session(
        &[],
        &[
            ("cmos_mission_list", &json!({"limit": 2, "cursor": cursor})),
            (
                "cmos_mission",
                &json!({"action": "list", "limit": 2, "cursor": cursor}),
            ),
            ("cmos_mission_list", &json!({"cursor": "page-2"})),
            ("cmos_mission_list", &json!({"limit": 2, "cursor": "4"})),
        ],
    );
    let second = result(&lines[2]);
    assert_eq!(ids(&second["data"]["items"]), ["Q02", "Q03"], "{second:#}");
    assert_eq!(second["data"]["pagination"]["page"], 2, "{second:#}");
    let grouped = result(&lines[3]);
    assert_eq!(
        ids(&grouped["data"]["items"]),
        ["Q02", "Q03"],
        "{grouped:#}"
    );
    let refused: Value = serde_json::from_str(&lines[4]).unwrap();
    assert!(
        refused.to_string().contains("not one cmos gave"),
        "{refused:#}"
    );
    // A number counts rows, as the original's page did: Q04 now leads, so rows 5 and 6.
    let counted = result(&lines[5]);
    assert_eq!(
        ids(&counted["data"]["items"]),
        ["Q03", "Q05"],
        "{counted:#}"
    );
}

#[test]
fn test_mission_list_refuses_a_cursor_it_did_not_give() {
    let repo = queued(2);
    let (code, error) = repo.fails(&["mission", "list", "--after", "page-2"]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert!(code != 0);
}

/// A first page is read from the cache's windows of open missions (no pass over every
/// summary); it must be exactly the whole list's first rows, with the same total and a cursor
/// that carries on where the long way would, for every status and page size.
#[test]
fn test_first_pages_from_the_windows_are_the_whole_lists_first_rows() {
    let repo = queued(6);
    repo.ok(&["mission", "start", "Q03"]);
    repo.ok(&["mission", "start", "Q05"]);
    repo.ok(&["mission", "complete", "Q05"]);
    repo.ok(&["mission", "start", "Q01"]);
    repo.ok(&["mission", "block", "Q01", "--reason", "waiting"]);
    for status in [None, Some("Queued"), Some("In Progress"), Some("Completed")] {
        let mut whole_args = vec!["mission", "list"];
        if let Some(s) = status {
            whole_args.extend(["--status", s]);
        }
        let whole = ids(&repo.envelope(&whole_args)["data"]);
        for limit in 1..=whole.len() + 1 {
            let limit_text = limit.to_string();
            let mut args = vec!["--json", "mission", "list", "--limit", &limit_text];
            if let Some(s) = status {
                args.extend(["--status", s]);
            }
            let out = repo.cmos(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
            let page = ids(&envelope["data"]);
            let expected: Vec<String> = whole.iter().take(limit).cloned().collect();
            assert_eq!(page, expected, "{status:?} limit {limit}");
            assert_eq!(
                envelope["next_cursor"].is_string(),
                limit < whole.len(),
                "{status:?} limit {limit}: {envelope:#}"
            );
            if let Some(cursor) = envelope["next_cursor"].as_str() {
                let mut rest_args = vec!["--json", "mission", "list", "--after", cursor];
                if let Some(s) = status {
                    rest_args.extend(["--status", s]);
                }
                let rest: Value = serde_json::from_slice(&repo.cmos(&rest_args).stdout).unwrap();
                let mut walked = page.clone();
                walked.extend(ids(&rest["data"]));
                assert_eq!(walked, whole, "{status:?} limit {limit}: the rest follows");
            }
        }
    }
}

/// A page size far beyond the missions there are (any number a client may send) lists what
/// there is; it used to reserve room for that many rows and abort when the windows held the
/// whole page.
#[test]
fn test_mission_list_with_a_huge_limit_lists_what_there_is_instead_of_aborting() {
    let repo = queued(3);
    repo.ok(&["mission", "start", "Q01"]);
    for status in [None, Some("In Progress"), Some("Queued")] {
        let mut args = vec!["--json", "mission", "list", "--limit", "100000000000000"];
        if let Some(s) = status {
            args.extend(["--status", s]);
        }
        let out = repo.cmos(&args);
        assert!(
            out.status.success(),
            "{status:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = match status {
            None => 3,
            Some("In Progress") => 1,
            _ => 2,
        };
        assert_eq!(ids(&envelope["data"]).len(), expected, "{status:?}");
        assert!(envelope["next_cursor"].is_null(), "{envelope:#}");
    }
}

/// `mission list` as text and as JSON, with the index cache the writes left (the whole list
/// starts with rows from its windows, laid out with its counted widths) and again after the
/// cache is deleted (every row from the summaries, widths measured on them): the same bytes.
fn list_with_and_without_cache(repo: &Repo, args: &[&str]) {
    let run = |json: bool| {
        let mut all = if json { vec!["--json"] } else { Vec::new() };
        all.extend(["mission", "list"]);
        all.extend(args);
        repo.ok(&all)
    };
    let cached = (run(false), run(true));
    std::fs::remove_dir_all(repo.path.join(".git/cmos/index")).expect("the cache was written");
    let rebuilt = (run(false), run(true));
    assert_eq!(cached.0, rebuilt.0, "text of {args:?}");
    assert_eq!(cached.1, rebuilt.1, "JSON of {args:?}");
}

#[test]
fn test_a_whole_list_started_from_the_windows_is_the_list_the_summaries_give() {
    let repo = Repo::new();
    repo.init();
    // `init` made sprint S1.
    repo.ok(&["sprint", "add", "sprint-with-a-long-name", "--title", "Two"]);
    // More open missions than the lead (64), of every width: ids, sprints and ranks.
    for i in 0..90 {
        let id = match i % 7 {
            0 => format!("a-much-longer-mission-id-{i}"),
            _ => format!("m{i}"),
        };
        let mut add = vec![
            "mission".to_string(),
            "add".into(),
            id,
            format!("Mission {i}"),
        ];
        match i % 3 {
            0 => add.extend(["--sprint".into(), "S1".into()]),
            1 => add.extend(["--sprint".into(), "sprint-with-a-long-name".into()]),
            _ => {}
        }
        if i % 5 == 0 {
            add.extend(["--rank".into(), (i * 1000).to_string()]);
        }
        repo.ok(&add.iter().map(String::as_str).collect::<Vec<_>>());
    }
    for started in ["m1", "m2", "a-much-longer-mission-id-7"] {
        repo.ok(&["mission", "start", started]);
    }
    repo.ok(&["mission", "complete", "m2"]);
    repo.ok(&["mission", "block", "m1", "--reason", "waiting"]);
    for filter in [
        &[][..],
        &["--status", "Queued"],
        &["--status", "In Progress"],
    ] {
        list_with_and_without_cache(&repo, filter);
    }
    // The widest cells leave with the missions that had them: the queued list narrows.
    for i in (0..90).step_by(7).filter(|i| *i != 7) {
        repo.ok(&["mission", "start", &format!("a-much-longer-mission-id-{i}")]);
    }
    let queued = repo.ok(&["mission", "list", "--status", "Queued"]);
    let header = queued.lines().next().unwrap();
    assert!(header.starts_with("ID   "), "narrow id column: {queued}");
    for filter in [
        &[][..],
        &["--status", "Queued"],
        &["--status", "In Progress"],
    ] {
        list_with_and_without_cache(&repo, filter);
    }
}
