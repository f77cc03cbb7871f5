//! Bad input: each case gets a clear error with a stable code and exit code, and the branch
//! stays exactly where it was.

mod common;

use common::Repo;

/// Runs a failing command and checks the code, the exit status and that nothing moved.
fn refused(repo: &Repo, args: &[&str], code: &str, exit: i32) -> String {
    let before = repo.tip();
    let (status, error) = repo.fails(args);
    assert_eq!(error["code"], code, "{args:?}: {error:#}");
    assert_eq!(status, exit, "{args:?}");
    assert_eq!(
        repo.tip(),
        before,
        "{args:?} must leave the branch unchanged"
    );
    error["message"].as_str().expect("a message").to_string()
}

#[test]
fn invalid_ids_are_refused_before_they_reach_a_path() {
    let repo = Repo::new();
    repo.init();
    let long = "x".repeat(200);
    for id in [
        "../x",
        "a/b",
        "",
        "bad\u{1}id",
        long.as_str(),
        "-x",
        ".hidden",
        "a\\b",
    ] {
        let message = refused(&repo, &["mission", "add", id, "Name"], "invalid_input", 2);
        // A leading dash is caught by the argument parser first ("unexpected argument").
        assert!(
            message.starts_with("invalid mission id") || id == "-x",
            "{message}"
        );
        refused(
            &repo,
            &["sprint", "add", id, "--title", "T"],
            "invalid_input",
            2,
        );
    }
    let listed = repo.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"]);
    assert!(
        listed
            .lines()
            .all(|p| p.starts_with(".cmos/") || p == "README.md"),
        "{listed}"
    );
}

#[test]
fn a_leading_dash_is_an_id_error_not_a_flag_surprise() {
    let repo = Repo::new();
    repo.init();
    // After `--` clap passes the word through, so the id check itself must refuse it.
    let message = refused(
        &repo,
        &["mission", "add", "--", "-rf", "Name"],
        "invalid_input",
        2,
    );
    assert!(
        message.contains("start with a letter or a digit"),
        "{message}"
    );
}

#[test]
fn unknown_records_and_duplicates() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "One"]);
    refused(&repo, &["mission", "show", "Z"], "not_found", 3);
    refused(&repo, &["mission", "start", "Z"], "not_found", 3);
    refused(
        &repo,
        // `mission add` adds a sprint it is told of (issue 13); moving to one is refused.
        &["mission", "update", "A", "--sprint", "NOPE"],
        "not_found",
        3,
    );
    refused(&repo, &["sprint", "show", "NOPE"], "not_found", 3);
    refused(&repo, &["sprint", "activate", "NOPE"], "not_found", 3);
    let message = refused(
        &repo,
        &["mission", "add", "A", "Again"],
        "already_exists",
        4,
    );
    assert_eq!(message, "mission 'A' already exists");
    refused(
        &repo,
        &["sprint", "add", "S1", "--title", "Again"],
        "already_exists",
        4,
    );
}

#[test]
fn invalid_transitions_name_the_valid_ones() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "One"]);
    let before = repo.tip();
    let (status, error) = repo.fails(&["mission", "complete", "A"]);
    assert_eq!(status, 5);
    assert_eq!(
        error["message"],
        "mission A is Queued; it cannot be completed"
    );
    assert_eq!(
        error["valid_transitions"],
        serde_json::json!(["Current", "In Progress", "Dropped", "Deferred"])
    );
    assert_eq!(repo.tip(), before);
    refused(&repo, &["mission", "unblock", "A"], "invalid_transition", 5);
    refused(
        &repo,
        &["mission", "block", "A", "--reason", "x"],
        "invalid_transition",
        5,
    );
    repo.ok(&["mission", "start", "A"]);
    refused(&repo, &["mission", "start", "A"], "invalid_transition", 5);
    refused(
        &repo,
        &["mission", "block", "A", "--reason", "  "],
        "invalid_input",
        2,
    );
    let text = String::from_utf8(repo.cmos(&["mission", "start", "A"]).stderr).unwrap();
    assert!(
        text.contains("error: mission A is In Progress; it cannot be started"),
        "{text}"
    );
    assert!(
        text.contains(
            "hint: from here mission A can move to: Completed, Blocked, Dropped, Deferred"
        ),
        "{text}"
    );
}

#[test]
fn self_and_cyclic_dependencies_are_refused() {
    let repo = Repo::new();
    repo.init();
    for id in ["A", "B", "C"] {
        repo.ok(&["mission", "add", id, id]);
    }
    refused(
        &repo,
        &["mission", "depends", "A", "A"],
        "invalid_dependency",
        5,
    );
    repo.ok(&["mission", "depends", "A", "B", "--type", "requires"]);
    repo.ok(&["mission", "depends", "B", "C", "--type", "requires"]);
    let message = refused(
        &repo,
        &["mission", "depends", "C", "A", "--type", "requires"],
        "invalid_dependency",
        5,
    );
    assert!(message.contains("cycle"), "{message}");
    refused(
        &repo,
        &["mission", "depends", "A", "C", "--type", "blocks"],
        "invalid_dependency",
        5,
    );
    refused(
        &repo,
        &["mission", "depends", "A", "B", "--type", "requires"],
        "already_exists",
        4,
    );
    refused(&repo, &["mission", "depends", "A", "Z"], "not_found", 3);
    refused(&repo, &["mission", "undepend", "C", "A"], "not_found", 3);
    repo.ok(&["mission", "depends", "C", "A", "--type", "relates"]);
    repo.ok(&["mission", "undepend", "A", "B"]);
    repo.ok(&["mission", "depends", "C", "B", "--type", "informs"]);
}

#[test]
fn outside_a_repository_and_before_init() {
    let dir = Repo::empty("plain");
    let (status, error) = dir.fails(&["status"]);
    assert_eq!(
        (status, error["code"].as_str()),
        (7, Some("not_a_repository"))
    );

    let repo = Repo::new();
    for args in [
        &["status"][..],
        &["mission", "list"],
        &["mission", "add", "A", "x"],
        &["sprint", "list"],
        &["log"],
    ] {
        let (status, error) = repo.fails(args);
        assert_eq!(
            (status, error["code"].as_str()),
            (7, Some("not_initialized")),
            "{args:?}"
        );
    }
    assert_eq!(repo.tip(), None, "nothing was created by failed commands");
    let text = String::from_utf8(repo.cmos(&["status"]).stderr).unwrap();
    assert!(text.contains("run `cmos init`"), "{text}");
}

#[test]
fn texts_that_are_too_long_or_empty_are_refused() {
    let repo = Repo::new();
    repo.init();
    refused(&repo, &["mission", "add", "A", "   "], "invalid_input", 2);
    let huge = "x".repeat(70_000);
    refused(
        &repo,
        &["mission", "add", "A", "Name", "--objective", &huge],
        "invalid_input",
        2,
    );
    refused(
        &repo,
        &["sprint", "add", "S9", "--title", "T", "--start", "tomorrow"],
        "invalid_input",
        2,
    );
    refused(&repo, &["mission", "update", "NOPE"], "invalid_input", 2);
    refused(
        &repo,
        &["mission", "unblock", "A", "--to", "completed"],
        "invalid_input",
        2,
    );
}

#[test]
fn a_hand_broken_mission_file_is_reported_and_does_not_hide_the_others() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Good"]);
    repo.ok(&["mission", "add", "B", "Soon broken"]);
    let broken = repo
        .show(&cmos::format::layout::mission_path("B"))
        .replace("name = ", "name = = ");
    repo.edit_on_branch(&cmos::format::layout::mission_path("B"), &broken);

    let envelope = repo.envelope(&["mission", "list"]);
    assert_eq!(envelope["ok"], true);
    assert_eq!(
        envelope["data"].as_array().unwrap().len(),
        1,
        "A is still listed"
    );
    let at = format!("{}:3:8", cmos::format::layout::mission_path("B"));
    let warning = envelope["warnings"][0].as_str().unwrap();
    assert!(warning.contains(&at), "{warning}");

    let (status, error) = repo.fails(&["mission", "show", "B"]);
    assert_eq!((status, error["code"].as_str()), (6, Some("corrupt")));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{at}:")),
        "{error}"
    );
    let stderr = String::from_utf8(repo.cmos(&["mission", "list"]).stderr).unwrap();
    assert!(
        stderr.contains(&format!("warning: unreadable file, skipped: {at}")),
        "{stderr}"
    );

    // Writes that do not touch B still work, and B's bytes are never rewritten.
    repo.ok(&["mission", "start", "A"]);
    repo.ok(&["mission", "add", "C", "New"]);
    refused(&repo, &["mission", "start", "B"], "corrupt", 6);
    refused(
        &repo,
        &["mission", "add", "B", "Shadow"],
        "already_exists",
        4,
    );
    assert_eq!(repo.show(&cmos::format::layout::mission_path("B")), broken);

    // Fixing the file by hand brings B back.
    repo.edit_on_branch(
        &cmos::format::layout::mission_path("B"),
        &broken.replace("name = = ", "name = "),
    );
    assert_eq!(repo.json(&["mission", "show", "B"])["name"], "Soon broken");
    assert!(
        repo.envelope(&["status"])["warnings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_mission_file_in_the_wrong_directory_is_reported_not_guessed() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "A", "Good"]);
    let text = repo
        .show(&cmos::format::layout::mission_path("A"))
        .replace("\"A\"", "\"Z\"");
    repo.edit_on_branch(".cmos/missions/Z.toml", &text);
    let envelope = repo.envelope(&["mission", "list"]);
    assert_eq!(envelope["data"].as_array().unwrap().len(), 1);
    let warning = envelope["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains(".cmos/missions/Z.toml: mission files live in"),
        "{warning}"
    );
    let (_, error) = repo.fails(&["mission", "show", "Z"]);
    assert_eq!(error["code"], "not_found");
}

#[test]
fn a_newer_format_is_refused_with_a_clear_message() {
    let repo = Repo::new();
    repo.init();
    let newer = cmos::model::FORMAT_MAJOR + 1;
    repo.edit_on_branch(
        ".cmos/format.toml",
        &format!("major = {newer}\nminor = 0\n"),
    );
    let before = repo.tip();
    let (status, error) = repo.fails(&["mission", "add", "A", "x"]);
    assert_eq!(
        (status, error["code"].as_str()),
        (6, Some("unsupported_format"))
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("newer cmos (format {newer}.0)"))
    );
    assert_eq!(repo.tip(), before);
}

#[test]
fn init_refuses_a_branch_of_the_same_name_that_is_not_cmos() {
    let repo = Repo::new();
    repo.git(&["branch", "cmos"]);
    let before = repo.tip();
    let (status, error) = repo.fails(&["init"]);
    assert_eq!((status, error["code"].as_str()), (5, Some("refused")));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("git config cmos.ref"),
        "{error}"
    );
    assert_eq!(repo.tip(), before, "the user's branch is left alone");
}
