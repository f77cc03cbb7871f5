//! Sessions: one open session per worktree, captures (also from stdin), closing with a
//! summary, and the bad inputs around them.

mod common;

use common::Repo;

#[test]
fn a_session_from_start_to_complete() {
    let repo = Repo::new();
    repo.init();
    let started = repo.json(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Wire the store",
    ]);
    let id = started["session"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ps-"), "{id}");
    assert_eq!(
        started["session"]["sprint"], "S1",
        "defaults to the current sprint"
    );

    repo.ok(&["session", "capture", "decision", "Use gix for the store"]);
    let multi = repo.with_stdin(
        &["session", "capture", "learning", "-"],
        "line one\n\"quoted\" $(not run)\n".as_bytes(),
    );
    assert_eq!(multi["ok"], true, "{multi}");
    assert_eq!(multi["data"]["captures"], 2);

    let done = repo.json(&[
        "session",
        "complete",
        "--summary",
        "Store wired",
        "--next-step",
        "Add sync",
    ]);
    assert_eq!(done["status"], "Completed");
    assert_eq!(done["next_steps"][0], "Add sync");

    let shown = repo.json(&["session", "show", &id]);
    assert_eq!(
        shown["captures"][1]["text"],
        "line one\n\"quoted\" $(not run)"
    );
    assert_eq!(shown["captures"][0]["category"], "decision");
    let listed = repo.json(&["session", "list", "--type", "build"]);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(
        repo.json(&["session", "list", "--type", "review"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(
        repo.ok(&["log", "-n", "1"])
            .contains(&format!("session complete {id}"))
    );
}

#[test]
fn one_open_session_per_worktree() {
    let repo = Repo::new();
    repo.init();
    let first = repo.json(&["session", "start", "--type", "planning", "--title", "Plan"]);
    let first = first["session"]["id"].as_str().unwrap().to_string();
    let (code, error) = repo.fails(&["session", "start", "--type", "review", "--title", "Review"]);
    assert_eq!((code, error["code"].as_str()), (5, Some("refused")));
    assert!(
        error["message"].as_str().unwrap().contains(&first),
        "names the open session: {error}"
    );

    let forced = repo.json(&[
        "session", "start", "--type", "review", "--title", "Review", "--force",
    ]);
    assert_eq!(forced["abandoned"], first.as_str());
    assert_eq!(
        repo.json(&["session", "show", &first])["status"],
        "Abandoned"
    );

    // Another worktree has its own pointer and writes to the same branch.
    let tree = repo.sibling("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().unwrap(),
        "-b",
        "side",
    ]);
    let out = repo.cmos_in(
        &tree,
        &[
            "--json", "session", "start", "--type", "research", "--title", "Side",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let side: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(side["data"]["abandoned"].is_null());
    assert!(
        repo.cmos_in(&tree, &["session", "capture", "context", "From the side"])
            .status
            .success()
    );
    repo.ok(&["session", "capture", "context", "From main"]);
    let side_id = side["data"]["session"]["id"].as_str().unwrap();
    assert_eq!(
        repo.json(&["session", "show", side_id])["captures"][0]["text"],
        "From the side"
    );
}

#[test]
fn bad_session_input_gets_clear_errors_and_changes_nothing() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["session", "capture", "decision", "No session"]);
    assert_eq!((code, error["code"].as_str()), (5, Some("refused")));
    // The message says what is wrong; the hint how, in the CLI's words.
    assert!(
        error["hint"]
            .as_str()
            .unwrap()
            .contains("cmos session start"),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);

    repo.ok(&["session", "start", "--type", "build", "--title", "Work"]);
    let tip = repo.tip();
    let (code, error) = repo.fails(&["session", "capture", "gossip", "x"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    let (_, error) = repo.fails(&["session", "capture", "decision", "   "]);
    assert!(error["message"].as_str().unwrap().contains("empty"));
    let huge = "x".repeat(1024 * 1024);
    let envelope = repo.with_stdin(&["session", "capture", "context", "-"], huge.as_bytes());
    assert_eq!(envelope["error"]["code"], "invalid_input", "{envelope}");
    let envelope = repo.with_stdin(
        &["session", "capture", "context", "-"],
        b"bad \xff\xfe bytes",
    );
    assert!(
        envelope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid UTF-8"),
        "{envelope}"
    );
    let (_, error) = repo.fails(&["session", "complete"]);
    assert!(
        error["hint"].as_str().unwrap().contains("--summary"),
        "{error}"
    );
    assert_eq!(repo.tip(), tip, "no refused input reached the branch");

    let done = repo.envelope(&["session", "complete", "--summary", "Nothing noted"]);
    assert!(
        done["warnings"][0]
            .as_str()
            .unwrap()
            .contains("without captures"),
        "{done}"
    );
    let id = done["data"]["id"].as_str().unwrap().to_string();
    let (_, error) = repo.fails(&[
        "session",
        "complete",
        "--summary",
        "Again",
        "--session",
        &id,
    ]);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already Completed"),
        "{error}"
    );
    let (code, error) = repo.fails(&["session", "show", "ps-nope"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));
}
