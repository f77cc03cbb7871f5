//! Reviewing and repairing the branch: filtered logs, a mission's history field by field,
//! a mission at a past revision, the semantic diff, `verify` on good and broken branches,
//! and `undo`.

mod common;

use common::Repo;

#[test]
fn log_history_show_at_and_diff() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "First", "--objective", "short"]);
    repo.ok(&["--agent", "other", "mission", "add", "M2", "Second"]);
    repo.ok(&[
        "mission",
        "update",
        "M1",
        "--objective",
        "a longer objective\nover two lines",
    ]);
    repo.ok(&["mission", "start", "M1"]);

    let log = repo.json(&["log", "--mission", "M1"]);
    let ops: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["mission.start", "mission.update", "mission.add"]);
    let by_other = repo.json(&["log", "--agent", "other"]);
    assert_eq!(by_other.as_array().unwrap().len(), 1);
    assert_eq!(by_other[0]["summary"], "mission add M2");
    let since_future = repo.json(&["log", "--since", "2999-01-01"]);
    assert!(since_future.as_array().unwrap().is_empty());

    let history = repo.json(&["history", "M1"]);
    assert_eq!(history.as_array().unwrap().len(), 3, "{history:#}");
    let start = &history[0];
    let status = start["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "status")
        .expect("the start changed the status");
    assert_eq!(
        (status["from"].as_str(), status["to"].as_str()),
        (Some("Queued"), Some("In Progress"))
    );
    let objective = &history[1]["fields"][0];
    assert_eq!(objective["field"], "objective");
    assert!(
        objective["diff"]
            .as_str()
            .unwrap()
            .contains("+over two lines"),
        "long texts come as a diff: {objective:#}"
    );
    assert_eq!(history[2]["change"], "added");
    let (code, error) = repo.fails(&["history", "NOPE"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));

    let then = repo.json(&["mission", "show", "M1", "--at", "cmos~2"]);
    assert_eq!(then["objective"], "short");
    assert_eq!(then["status"], "Queued");

    let diff = repo.json(&["diff", "cmos~3"]);
    let missions = diff["missions"].as_array().unwrap();
    assert_eq!(missions.len(), 2, "{diff:#}");
    assert_eq!(missions[1]["id"], "M2");
    assert_eq!(missions[1]["change"], "added");
}

#[test]
fn verify_passes_a_good_branch_and_names_every_problem_of_a_bad_one() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "First"]);
    repo.ok(&["mission", "add", "B", "Second"]);
    repo.ok(&["mission", "depends", "B", "A", "--type", "requires"]);
    let ok = repo.envelope(&["verify"]);
    assert_eq!(ok["ok"], true, "{ok:#}");

    // A pull request's branch edited by hand: a dangling link, a cycle, an unknown sprint,
    // a broken log line.
    let files = repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        ".cmos/missions",
    ]);
    let path = files
        .lines()
        .find(|f| f.ends_with("/A.toml"))
        .expect("mission A's file")
        .to_string();
    let a = repo.show(&path);
    let a_broken = format!(
        "{}\n\n[[depends]]\non = \"B\"\ntype = \"requires\"\n\n[[depends]]\non = \"GHOST\"\ntype = \"requires\"\n",
        a.trim_end()
    )
    .replace("sprint = \"S1\"", "sprint = \"NOPE\"");
    repo.edit_on_branch(&path, &a_broken);
    let shard = repo.event_shards()[0].clone();
    let events = repo.show(&shard);
    repo.edit_on_branch(&shard, &format!("{events}{{not json\n"));
    let out = repo.cmos(&["--json", "verify"]);
    assert_eq!(out.status.code(), Some(6));
    let envelope: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "invalid_branch");
    let problems: Vec<String> = envelope["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {} {}", p["path"], p["line"], p["message"]))
        .collect();
    let all = problems.join("\n");
    for expected in ["GHOST", "cycle", "sprint NOPE", &shard] {
        assert!(all.contains(expected), "{expected} in:\n{all}");
    }
    assert!(
        envelope["error"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("GHOST")
                && p["line"].as_u64().is_some()),
        "a dangling link is reported with its line: {all}"
    );
    // A revision can be checked without it being the branch: the one before the edits passes.
    let good = repo.envelope(&["verify", "--ref", "cmos~2"]);
    assert_eq!(good["ok"], true, "{good:#}");
}

#[test]
fn undo_takes_back_this_writers_last_operation_only() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "First"]);
    repo.ok(&["mission", "start", "M1"]);
    repo.ok(&["decision", "add", "Use TOML", "--rationale", "diffs"]);
    let undone = repo.json(&["undo"]);
    assert_eq!(undone["undone"]["op"], "decision.add");
    let decisions = repo.json(&["decision", "list"]);
    assert!(decisions.as_array().unwrap().is_empty(), "{decisions:#}");
    let all = repo.json(&["decision", "list", "--all"]);
    assert_eq!(all[0]["status"], "Archived", "the record stays, taken back");

    // The undo itself is the last operation now; undoing it brings the decision back.
    repo.json(&["undo"]);
    assert_eq!(
        repo.json(&["decision", "list"]).as_array().unwrap().len(),
        1
    );

    repo.ok(&["mission", "complete", "M1"]);
    repo.json(&["undo"]);
    assert_eq!(
        repo.json(&["mission", "show", "M1"])["status"],
        "In Progress"
    );
    repo.ok(&["mission", "add", "M2", "Second"]);
    repo.json(&["undo"]);
    let (code, _) = repo.fails(&["mission", "show", "M2"]);
    assert_eq!(code, 3, "undoing an add removes the mission");
    assert_eq!(repo.envelope(&["verify"])["ok"], true);
    // Logs only grow: every event written so far is still there.
    let shard = repo.event_shards()[0].clone();
    assert!(repo.show(&shard).lines().count() >= 6);
    repo.git(&["fsck", "--strict", "--no-progress"]);
}
