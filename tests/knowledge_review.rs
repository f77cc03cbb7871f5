//! `cmos decision|learning review`, `reaffirm` and the archive of a review's archive group, on
//! a project with several sprints of history: ages in sprints and on the clock (untagged
//! records), evidence and supersessions confirmed, the policy threshold, reaffirmed and
//! evergreen records left out, bad input, and the MCP tools.

mod common;

use common::Repo;
use serde_json::{Value, json};

/// The `data` of `cmos --json ARGS` at `now`.
fn json_at(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let envelope: Value = serde_json::from_str(&repo.ok_at(now, &all)).expect("an envelope");
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    envelope["data"].clone()
}

fn day(d: u32) -> String {
    // Day 1 is 2026-01-01; past 31 the month rolls over.
    let (month, d) = if d <= 31 {
        (1, d)
    } else if d <= 59 {
        (2, d - 31)
    } else {
        (3, d - 59)
    };
    format!("2026-{month:02}-{d:02}T09:00:00Z")
}

/// The id a `--json ... add` printed.
fn added(repo: &Repo, now: &str, args: &[&str]) -> String {
    json_at(repo, now, args)["id"].as_str().unwrap().to_string()
}

/// Records made in a session of `sprint` (so they belong to it).
fn in_session(repo: &Repo, now: &str, work: impl FnOnce()) {
    repo.ok_at(
        now,
        &["session", "start", "--type", "build", "--title", "work"],
    );
    work();
    repo.ok_at(now, &["session", "complete", "--summary", "done"]);
}

struct History {
    repo: Repo,
    /// S1 decisions: no evidence; linked to a mission; replacing another.
    old: String,
    grounded: String,
    replacing: String,
    /// A decision of no sprint, made on day 1.
    untagged: String,
    /// Decisions of S3 and S4.
    middle: String,
    recent: String,
    /// Learnings of S1.
    lesson: String,
    lasting: String,
}

/// Sprints S1..S5 added at once (so ordered by id); S5 current from day 10. Decisions and
/// learnings in S1, S3 and S4, one decision of no sprint.
fn history() -> History {
    let repo = Repo::new();
    let d1 = day(1);
    repo.ok_at(
        &d1,
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "One",
        ],
    );
    for s in ["S2", "S3", "S4", "S5"] {
        repo.ok_at(&d1, &["sprint", "add", s, "--title", s]);
    }
    repo.ok_at(&d1, &["mission", "add", "A1", "Parse", "--sprint", "S1"]);
    let mut ids = Vec::new();
    in_session(&repo, &d1, || {
        ids.push(added(
            &repo,
            &d1,
            &["decision", "add", "Old choice", "--rationale", "r"],
        ));
        ids.push(added(
            &repo,
            &d1,
            &[
                "decision",
                "add",
                "Grounded",
                "--rationale",
                "r",
                "--mission",
                "A1",
            ],
        ));
        let first = added(
            &repo,
            &d1,
            &["decision", "add", "First try", "--rationale", "r"],
        );
        // A minute later: two versions of one record at the same instant tie on their uids.
        ids.push(added(
            &repo,
            "2026-01-01T09:01:00Z",
            &[
                "decision",
                "add",
                "Second try",
                "--rationale",
                "r",
                "--supersedes",
                &first,
            ],
        ));
        ids.push(added(&repo, &d1, &["learning", "add", "Old lesson"]));
        ids.push(added(&repo, &d1, &["learning", "add", "Lasting lesson"]));
    });
    let untagged = added(
        &repo,
        &d1,
        &["decision", "add", "Clock choice", "--rationale", "r"],
    );
    let mut middle = String::new();
    let mut recent = String::new();
    for (n, sprint) in ["S2", "S3", "S4", "S5"].iter().enumerate() {
        let now = day(2 + 2 * n as u32);
        repo.ok_at(&now, &["sprint", "activate", sprint]);
        if *sprint == "S3" {
            in_session(&repo, &now, || {
                middle = added(
                    &repo,
                    &now,
                    &["decision", "add", "Middle", "--rationale", "r"],
                );
            });
        }
        if *sprint == "S4" {
            in_session(&repo, &now, || {
                recent = added(
                    &repo,
                    &now,
                    &["decision", "add", "Recent", "--rationale", "r"],
                );
            });
        }
    }
    History {
        repo,
        old: ids[0].clone(),
        grounded: ids[1].clone(),
        replacing: ids[2].clone(),
        lesson: ids[3].clone(),
        lasting: ids[4].clone(),
        untagged,
        middle,
        recent,
    }
}

fn candidate<'v>(data: &'v Value, id: &str) -> Option<&'v Value> {
    data["candidates"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
}

fn commits(repo: &Repo) -> usize {
    repo.git(&["rev-list", "--count", "refs/heads/cmos"])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_review_scores_age_in_sprints_and_on_the_clock_and_suggests_what_to_do() {
    let h = history();
    // Day 60: S1 is 4 sprints back from S5; the untagged decision is 59 days old (4 sprints).
    let now = day(60);
    let tip = h.repo.tip();
    let data = json_at(&h.repo, &now, &["decision", "review", "--threshold", "4"]);
    assert_eq!(h.repo.tip(), tip, "a review writes nothing");
    assert_eq!(
        (&data["threshold"], &data["current_sprint"]),
        (&json!(4), &json!("S5"))
    );
    assert_eq!(data["active"], 6, "the superseded decision is not in force");

    let old = candidate(&data, &h.old).expect("the old decision");
    assert_eq!(
        (&old["age"], &old["aged_by"], &old["score"]),
        (&json!(4), &json!("sprints"), &json!(1.0))
    );
    assert_eq!(
        (&old["suggestion"], &old["sprint"]),
        (&json!("archive"), &json!("S1"))
    );
    let grounded = candidate(&data, &h.grounded).unwrap();
    assert_eq!(
        grounded["suggestion"], "confirm",
        "linked to a mission: evidence"
    );
    assert_eq!(grounded["evidence"], true);
    let replacing = candidate(&data, &h.replacing).unwrap();
    assert_eq!(replacing["suggestion"], "confirm", "it replaced a decision");
    let untagged = candidate(&data, &h.untagged).unwrap();
    assert_eq!(
        (&untagged["aged_by"], &untagged["age"]),
        (&json!("wall_clock"), &json!(4))
    );
    assert_eq!(
        (&untagged["sprint"], &untagged["suggestion"]),
        (&Value::Null, &json!("archive"))
    );
    let middle = candidate(&data, &h.middle).unwrap();
    assert_eq!(
        (&middle["score"], &middle["suggestion"]),
        (&json!(0.5), &json!("review"))
    );
    assert!(
        candidate(&data, &h.recent).is_none(),
        "1 sprint of 4 is not stale yet"
    );

    let scores: Vec<f64> = data["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "the stalest first: {scores:?}"
    );
    let archive: Vec<&str> = data["archive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut group = archive.clone();
    group.sort();
    let mut expected = [h.old.as_str(), h.untagged.as_str()];
    expected.sort();
    assert_eq!(group, expected, "the same score, age and time: in id order");

    // The text gives the batch command; running it archives the group in one commit.
    let text = h
        .repo
        .ok_at(&now, &["decision", "review", "--threshold", "4"]);
    let line = format!("cmos decision archive {}", archive.join(" "));
    assert!(text.contains(&line), "{text}");
    assert!(text.contains("4 sprints (clock)"), "{text}");
    let before = commits(&h.repo);
    h.repo
        .ok_at(&now, &["decision", "archive", &h.old, &h.untagged]);
    assert_eq!(commits(&h.repo), before + 1, "one commit for the group");
    for id in [&h.old, &h.untagged] {
        assert_eq!(
            json_at(&h.repo, &now, &["decision", "show", id])["status"],
            "Archived"
        );
    }
    let after = json_at(&h.repo, &now, &["decision", "review", "--threshold", "4"]);
    assert_eq!(after["archive"], json!([]));
}

#[test]
fn the_threshold_comes_from_the_policy_unless_given() {
    let h = history();
    let now = day(60);
    // The default, 20 sprints: nothing is 10 sprints old.
    let data = json_at(&h.repo, &now, &["decision", "review"]);
    assert_eq!(data["threshold"], 20);
    assert_eq!(data["candidates"], json!([]));
    assert!(
        h.repo
            .ok_at(&now, &["decision", "review"])
            .contains("No stale decisions.")
    );
    h.repo
        .ok_at(&now, &["policy", "set", "review.stale_sprints", "4"]);
    let data = json_at(&h.repo, &now, &["decision", "review"]);
    assert_eq!(data["threshold"], 4);
    assert!(candidate(&data, &h.old).is_some());
    let (code, error) = h
        .repo
        .fails(&["policy", "set", "review.stale_sprints", "0"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (2, Some("invalid_input")),
        "{error:#}"
    );
}

#[test]
fn a_reaffirmed_learning_is_left_alone_for_the_threshold_span_and_an_evergreen_one_for_good() {
    let h = history();
    let now = day(60);
    let data = json_at(&h.repo, &now, &["learning", "review", "--threshold", "4"]);
    assert_eq!(
        candidate(&data, &h.lesson).unwrap()["suggestion"],
        "archive"
    );
    assert!(candidate(&data, &h.lasting).is_some());

    let before = commits(&h.repo);
    let item = json_at(&h.repo, &now, &["learning", "reaffirm", &h.lesson]);
    assert_eq!(item["reviewed_at"], now);
    let evergreen = json_at(
        &h.repo,
        &now,
        &["learning", "reaffirm", &h.lasting, "--evergreen"],
    );
    assert_eq!(evergreen["evergreen"], true);
    assert_eq!(commits(&h.repo), before + 2, "one commit each");

    let data = json_at(&h.repo, &now, &["learning", "review", "--threshold", "4"]);
    assert_eq!(data["candidates"], json!([]));
    assert_eq!(
        (&data["evergreen"], &data["recently_reaffirmed"]),
        (&json!(1), &json!(1))
    );
    // 4 sprints × 14 = 56 days after March 1 the reaffirmed one is back; the evergreen one is not.
    let later = "2026-04-26T09:00:00Z";
    let data = json_at(&h.repo, later, &["learning", "review", "--threshold", "4"]);
    assert!(candidate(&data, &h.lesson).is_some(), "{data:#}");
    assert!(candidate(&data, &h.lasting).is_none());
    let day_before = "2026-04-25T09:00:00Z";
    let data = json_at(
        &h.repo,
        day_before,
        &["learning", "review", "--threshold", "4"],
    );
    assert!(
        candidate(&data, &h.lesson).is_none(),
        "55 days after: still quiet"
    );
}

#[test]
fn a_single_sprint_has_nothing_stale_but_untagged_records_age_on_the_clock() {
    let repo = Repo::new();
    let d1 = day(1);
    repo.ok_at(
        &d1,
        &[
            "init",
            "--name",
            "solo",
            "--sprint",
            "S1",
            "--sprint-title",
            "Only",
        ],
    );
    let mut tagged = String::new();
    in_session(&repo, &d1, || {
        tagged = added(
            &repo,
            &d1,
            &["decision", "add", "Tagged", "--rationale", "r"],
        );
    });
    let untagged = added(
        &repo,
        &d1,
        &["decision", "add", "Loose", "--rationale", "r"],
    );
    let data = json_at(&repo, &day(60), &["decision", "review", "--threshold", "4"]);
    assert!(
        candidate(&data, &tagged).is_none(),
        "age 0 in the only sprint"
    );
    assert_eq!(
        candidate(&data, &untagged).unwrap()["aged_by"],
        "wall_clock"
    );
}

#[test]
fn bad_thresholds_unknown_ids_and_closed_records_are_refused_and_nothing_is_written() {
    let h = history();
    let now = day(60);
    let tip = h.repo.tip();
    for bad in ["0", "-3", "abc"] {
        let out = h
            .repo
            .cmos_at(&now, &["--json", "decision", "review", "--threshold", bad]);
        assert!(!out.status.success(), "{bad}");
    }
    let (code, error) = h.repo.fails(&["decision", "review", "--threshold", "0"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("from 1 to"), "{message}");
    assert!(!message.contains("--threshold"), "{message}");

    let (_, error) = h.repo.fails(&["learning", "reaffirm", "l-nothere"]);
    assert_eq!(error["code"], "not_found", "{error:#}");
    // One unknown id in a group archives none of them.
    let (_, error) = h.repo.fails(&["decision", "archive", &h.old, "d-nothere"]);
    assert_eq!(error["code"], "not_found", "{error:#}");
    assert_eq!(h.repo.tip(), tip);
    assert_eq!(
        json_at(&h.repo, &now, &["decision", "show", &h.old])["status"],
        "Active"
    );

    h.repo.ok_at(&now, &["decision", "archive", &h.old]);
    let (_, error) = h.repo.fails(&["decision", "reaffirm", &h.old]);
    assert_eq!(error["code"], "refused", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("only an Active one"),
        "{error:#}"
    );
    let (_, error) = h.repo.fails(&["decision", "archive", &h.grounded, &h.old]);
    assert_eq!(
        error["code"], "refused",
        "an archived one in the group: {error:#}"
    );
    assert_eq!(
        json_at(&h.repo, &now, &["decision", "show", &h.grounded])["status"],
        "Active"
    );
}

#[test]
fn the_mcp_tools_review_and_reaffirm() {
    let h = history();
    let now = day(60);
    let lines = h.repo.mcp_session_with(
        &["--tools", "granular"],
        &[("CMOS_TEST_NOW", now.as_str())],
        &[
            (
                "cmos_knowledge_review",
                &json!({"kind": "decision", "threshold": 4}),
            ),
            (
                "cmos_knowledge_reaffirm",
                &json!({"kind": "decision", "id": h.old, "evergreen": true}),
            ),
            (
                "cmos_knowledge_review",
                &json!({"kind": "decision", "threshold": -1}),
            ),
            ("cmos_knowledge_review", &json!({"kind": "fact"})),
        ],
    );
    let listing: Value = serde_json::from_str(&lines[1]).unwrap();
    let names: Vec<&str> = listing["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"cmos_knowledge_review") && names.contains(&"cmos_knowledge_reaffirm"));
    let review: Value = serde_json::from_str(&lines[2]).unwrap();
    let data = &review["result"]["structuredContent"]["data"];
    assert_eq!(
        candidate(data, &h.old).unwrap()["suggestion"],
        "archive",
        "{review:#}"
    );
    let reaffirmed: Value = serde_json::from_str(&lines[3]).unwrap();
    assert_eq!(
        reaffirmed["result"]["structuredContent"]["data"]["evergreen"], true,
        "{reaffirmed:#}"
    );
    for line in &lines[4..] {
        let refused: Value = serde_json::from_str(line).unwrap();
        assert!(
            refused.get("error").is_some() || refused["result"]["isError"] == true,
            "{refused:#}"
        );
    }
    let data = json_at(&h.repo, &now, &["decision", "review", "--threshold", "4"]);
    assert!(candidate(&data, &h.old).is_none(), "evergreen now");
}

#[test]
fn the_originals_evergreen_and_last_reviewed_at_are_imported_and_read_by_the_review() {
    let repo = Repo::new();
    let path = repo.sibling("original.sqlite");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(
        r#"
        CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO metadata VALUES ('project_name', 'Old project'), ('schema_version', '2.3');
        CREATE TABLE sprints (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT, start_date TEXT);
        INSERT INTO sprints VALUES ('S1', 'First', 'completed', '2025-01-01');
        CREATE TABLE strategic_decisions (id INTEGER PRIMARY KEY, decision_text TEXT NOT NULL,
            created_at TEXT NOT NULL, sprint_id TEXT, status TEXT NOT NULL DEFAULT 'active',
            evidence TEXT, last_reviewed_at TEXT);
        INSERT INTO strategic_decisions VALUES (1, 'Keep SQLite', '2025-01-02T00:00:00Z', NULL, 'active',
            '[{"type":"file","id":"db.rs"}]', NULL);
        INSERT INTO strategic_decisions VALUES (2, 'Use tabs', '2025-01-02T00:00:00Z', NULL, 'active',
            '[]', '2025-12-20T00:00:00Z');
        CREATE TABLE learnings (id INTEGER PRIMARY KEY, content TEXT NOT NULL, status TEXT, sprint_id TEXT,
            created_at TEXT NOT NULL, evergreen INTEGER NOT NULL DEFAULT 0, last_reviewed_at TEXT);
        INSERT INTO learnings VALUES (1, 'Always back up', 'active', NULL, '2025-01-02T00:00:00Z', 1, NULL);
        INSERT INTO learnings VALUES (2, 'Caches lie', 'active', NULL, '2025-01-02T00:00:00Z', 0, '2025-06-01T00:00:00Z');
        "#,
    )
    .unwrap();
    drop(db);
    repo.ok(&["import", "cmos-sqlite", path.to_str().unwrap()]);
    let learnings = repo.json(&["learning", "list"]);
    let learning = |text: &str| {
        learnings
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["text"] == text)
            .unwrap()
            .clone()
    };
    assert_eq!(learning("Always back up")["evergreen"], true);
    assert_eq!(
        learning("Caches lie")["reviewed_at"],
        "2025-06-01T00:00:00Z"
    );
    assert_eq!(
        learning("Caches lie").get("evergreen"),
        None,
        "false is left out"
    );

    // 15 months on: the evergreen learning is never flagged; the other was reviewed 304 days
    // ago, past the 20 × 14 = 280 days a review keeps it quiet.
    let now = "2026-04-01T00:00:00Z";
    let data = json_at(&repo, now, &["learning", "review"]);
    assert_eq!(data["evergreen"], 1);
    let ids: Vec<&str> = data["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["Caches lie"]);
    // The original's evidence makes a decision one to confirm; a recent review keeps the other out.
    let data = json_at(&repo, now, &["decision", "review"]);
    let texts: Vec<(&str, &str)> = data["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["text"].as_str().unwrap(),
                c["suggestion"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(texts, [("Keep SQLite", "confirm")]);
    assert_eq!(data["recently_reaffirmed"], 1);
}
