//! Knowledge records: decisions (superseding, search), records created by session captures,
//! learnings and constraints (archive), next steps (done, drop, carry), facts pinned to files
//! (stale detection), the append-only JSON Lines logs behind them, and the bad inputs around
//! them.

mod common;

use serde_json::Value;

use common::Repo;

/// The `id` of a record in a `data` value.
fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value:#}"))
        .to_string()
}

/// The `text` of every item of a list, in the order listed.
fn texts(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .map(|i| i["text"].as_str().expect("text").to_string())
        .collect()
}

/// The ids of every item of a list, in the order listed.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .map(id_of)
        .collect()
}

/// Starts a build session; returns its id.
fn start_session(repo: &Repo, title: &str) -> String {
    let started = repo.json(&["session", "start", "--type", "build", "--title", title]);
    id_of(&started["session"])
}

/// The log shards of one kind of record on the cmos branch, e.g. `.cmos/decisions/...`.
fn shards(repo: &Repo, dir: &str) -> Vec<String> {
    repo.git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "refs/heads/cmos",
        &format!(".cmos/{dir}"),
    ])
    .lines()
    .map(str::to_string)
    .collect()
}

/// Asserts a refused command changed nothing on the branch.
fn assert_refused(repo: &Repo, args: &[&str], exit: i32, code: &str) -> Value {
    let tip = repo.tip();
    let (got, error) = repo.fails(args);
    assert_eq!(
        (got, error["code"].as_str()),
        (exit, Some(code)),
        "cmos {args:?}: {error:#}"
    );
    assert_eq!(repo.tip(), tip, "cmos {args:?} moved the branch");
    error
}

#[test]
fn decisions_are_added_listed_shown_and_searched() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Design the store"]);
    let toml = repo.json(&[
        "decision",
        "add",
        "Store records as TOML",
        "--rationale",
        "Readable diffs in pull requests",
        "--category",
        "architecture",
        "--mission",
        "B1",
    ]);
    let toml_id = id_of(&toml);
    assert!(toml_id.starts_with("d-"), "{toml_id}");
    assert_eq!(toml["status"], "Active");
    assert_eq!(toml["kind"], "decision");
    assert_eq!(toml["text"], "Store records as TOML");
    assert_eq!(toml["rationale"], "Readable diffs in pull requests");
    assert_eq!(toml["category"], "architecture");
    assert_eq!(toml["mission"], "B1");
    assert!(
        repo.ok(&["log", "-n", "1"])
            .contains(&format!("decision add {toml_id}")),
        "one commit per add"
    );

    let gix = repo.json(&[
        "decision",
        "add",
        "Use gix for git access",
        "--rationale",
        "No C toolchain needed",
        "--category",
        "tooling",
    ]);
    let gix_id = id_of(&gix);

    let shown = repo.json(&["decision", "show", &toml_id]);
    assert_eq!(shown["text"], "Store records as TOML");
    assert_eq!(shown["rationale"], "Readable diffs in pull requests");
    let human = repo.ok(&["decision", "show", &toml_id]);
    assert!(human.contains("Readable diffs in pull requests"), "{human}");

    let all = repo.json(&["decision", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let by_category = repo.json(&["decision", "list", "--category", "tooling"]);
    assert_eq!(ids(&by_category), vec![gix_id.clone()]);
    let by_mission = repo.json(&["decision", "list", "--mission", "B1"]);
    assert_eq!(ids(&by_mission), vec![toml_id.clone()]);

    // Search matches words of the title, the rationale or the category, and every word must match.
    let hits = repo.json(&["decision", "search", "diffs", "pull"]);
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits:#}");
    assert_eq!(hits[0]["item"]["id"], toml_id.as_str());
    let hits = repo.json(&["decision", "search", "tooling"]);
    assert_eq!(hits[0]["item"]["id"], gix_id.as_str());
    let hits = repo.json(&["decision", "search", "toml", "gix"]);
    assert_eq!(hits.as_array().unwrap().len(), 0, "{hits:#}");

    assert_refused(&repo, &["decision", "show", "d-nope"], 3, "not_found");
    assert_refused(
        &repo,
        &[
            "decision",
            "add",
            "Orphan",
            "--rationale",
            "x",
            "--mission",
            "NOPE",
        ],
        3,
        "not_found",
    );
}

#[test]
fn decision_list_is_newest_first() {
    let repo = Repo::new();
    repo.init();
    let names = ["First", "Second", "Third", "Fourth", "Fifth"];
    for name in names {
        repo.ok(&["decision", "add", name, "--rationale", "because"]);
    }
    let listed = repo.json(&["decision", "list"]);
    let expected: Vec<String> = names.iter().rev().map(|s| s.to_string()).collect();
    assert_eq!(
        texts(&listed),
        expected,
        "`decision list` says newest first, whatever the clock's second"
    );
}

#[test]
fn superseding_a_decision_appends_to_the_log_and_cannot_happen_twice() {
    let repo = Repo::new();
    repo.init();
    let old = id_of(&repo.json(&[
        "decision",
        "add",
        "Use JSON for records",
        "--rationale",
        "Everyone parses it",
    ]));
    let files = shards(&repo, "decisions");
    assert_eq!(files.len(), 1, "one writer, one shard: {files:?}");
    let shard = &files[0];
    let parts: Vec<&str> = shard.split('/').collect();
    assert_eq!(parts[..2], [".cmos", "decisions"], "{shard}");
    assert_eq!(parts.len(), 4, "{shard}");
    let month = parts[2];
    assert!(
        month.len() == 7
            && month.char_indices().all(|(i, c)| if i == 4 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }),
        "a yyyy-mm directory: {shard}"
    );
    let writer = std::fs::read_to_string(repo.path.join(".git/cmos/writer"))
        .expect("this worktree's writer id");
    assert_eq!(
        parts[3],
        format!("{}-001.jsonl", writer.trim()),
        "named by the writer: {shard}"
    );
    let before = repo.show(shard);
    let before_lines: Vec<&str> = before.lines().collect();
    assert_eq!(before_lines.len(), 1, "{before}");

    let new = repo.json(&[
        "decision",
        "add",
        "Use TOML for records",
        "--rationale",
        "Comments and readable diffs",
        "--supersedes",
        &old,
    ]);
    let new_id = id_of(&new);
    assert_eq!(new["supersedes"], old.as_str());
    assert_eq!(new["status"], "Active");

    let old_now = repo.json(&["decision", "show", &old]);
    assert_eq!(old_now["status"], "Superseded");
    assert_eq!(old_now["superseded_by"], new_id.as_str());
    assert_eq!(
        repo.json(&["decision", "show", &new_id])["supersedes"],
        old.as_str()
    );

    // The log only grows: the earlier line is kept byte for byte, the new versions follow it.
    assert_eq!(shards(&repo, "decisions"), files, "same shard");
    let after = repo.show(shard);
    let after_lines: Vec<&str> = after.lines().collect();
    assert_eq!(after_lines.len(), before_lines.len() + 2, "{after}");
    assert_eq!(after_lines[..before_lines.len()], before_lines[..]);
    let appended: Vec<Value> = after_lines[before_lines.len()..]
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let superseded = appended
        .iter()
        .find(|v| v["id"] == old.as_str())
        .expect("a new version of the old decision");
    assert_eq!(superseded["status"], "Superseded");
    assert_eq!(superseded["superseded_by"], new_id.as_str());
    let added = appended
        .iter()
        .find(|v| v["id"] == new_id.as_str())
        .expect("the new decision");
    assert_eq!(added["supersedes"], old.as_str());

    // In force by default; history with --all.
    assert_eq!(ids(&repo.json(&["decision", "list"])), vec![new_id.clone()]);
    let all = ids(&repo.json(&["decision", "list", "--all"]));
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.contains(&old) && all.contains(&new_id), "{all:?}");
    let superseded_only = repo.json(&["decision", "list", "--status", "superseded"]);
    assert_eq!(ids(&superseded_only), vec![old.clone()]);
    // Search finds superseded decisions too.
    let hits = repo.json(&["decision", "search", "JSON"]);
    assert_eq!(hits[0]["item"]["id"], old.as_str(), "{hits:#}");

    // Superseding it again is refused, and nothing is written.
    let error = assert_refused(
        &repo,
        &[
            "decision",
            "add",
            "Use YAML for records",
            "--rationale",
            "Why not",
            "--supersedes",
            &old,
        ],
        5,
        "refused",
    );
    assert!(
        error["message"].as_str().unwrap().contains("Superseded"),
        "{error}"
    );
    assert_eq!(repo.show(shard), after, "the log is untouched");
    assert_eq!(
        repo.json(&["decision", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // An archived decision cannot be superseded either; an unknown one is not found.
    let archived = id_of(&repo.json(&["decision", "add", "Old idea", "--rationale", "x"]));
    let closed = repo.json(&["decision", "archive", &archived, "--note", "moot"]);
    assert_eq!(closed["status"], "Archived");
    assert_eq!(ids(&repo.json(&["decision", "list"])), vec![new_id.clone()]);
    assert!(ids(&repo.json(&["decision", "list", "--all"])).contains(&archived));
    assert_refused(
        &repo,
        &[
            "decision",
            "add",
            "Newer idea",
            "--rationale",
            "y",
            "--supersedes",
            &archived,
        ],
        5,
        "refused",
    );
    assert_refused(
        &repo,
        &[
            "decision",
            "add",
            "Replaces nothing",
            "--rationale",
            "z",
            "--supersedes",
            "d-nope",
        ],
        3,
        "not_found",
    );
}

#[test]
fn bad_decision_input_changes_nothing() {
    let repo = Repo::new();
    repo.init();
    let id = id_of(&repo.json(&["decision", "add", "Keep it", "--rationale", "r"]));
    assert_refused(
        &repo,
        &["decision", "add", "   ", "--rationale", "r"],
        2,
        "invalid_input",
    );
    assert_refused(
        &repo,
        &["decision", "add", "Two\nlines", "--rationale", "r"],
        2,
        "invalid_input",
    );
    // A rationale is required (clap usage error, reported as invalid_input).
    assert_refused(&repo, &["decision", "add", "No why"], 2, "invalid_input");
    // Decisions are superseded by adding the new one, never by a status change.
    assert_refused(
        &repo,
        &["decision", "search", "--", "--"],
        2,
        "invalid_input",
    );
    repo.ok(&["decision", "archive", &id]);
    assert_refused(&repo, &["decision", "archive", &id], 5, "refused");
}

#[test]
fn session_captures_create_records() {
    let repo = Repo::new();
    repo.init();
    let session = start_session(&repo, "Capture things");

    let captured = repo.envelope(&[
        "session",
        "capture",
        "decision",
        "Cache the index per tip\nRebuilding it costs 40 ms on every read.\nMeasured on 10k missions.",
    ]);
    assert_eq!(captured["ok"], true, "{captured:#}");
    let decision = captured["data"]["record"]
        .as_str()
        .expect("a decision record")
        .to_string();
    assert!(decision.starts_with("d-"), "{decision}");
    assert_eq!(captured["data"]["session"], session.as_str());
    let item = repo.json(&["decision", "show", &decision]);
    assert_eq!(item["text"], "Cache the index per tip", "the first line");
    assert_eq!(
        item["rationale"], "Rebuilding it costs 40 ms on every read.\nMeasured on 10k missions.",
        "the rest"
    );
    assert_eq!(item["session"], session.as_str());
    assert_eq!(item["sprint"], "S1");
    assert_eq!(item["status"], "Active");

    // A one-line decision has no rationale.
    let bare = repo.json(&["session", "capture", "decision", "Ship on Fridays"]);
    let bare = repo.json(&["decision", "show", bare["record"].as_str().unwrap()]);
    assert_eq!(bare["text"], "Ship on Fridays");
    assert!(bare["rationale"].is_null(), "{bare:#}");

    for (category, list, prefix, text) in [
        (
            "constraint",
            "constraint",
            "c-",
            "Never touch the working tree",
        ),
        (
            "learning",
            "learning",
            "l-",
            "gix needs the object cache warm",
        ),
        ("next-step", "next-step", "n-", "Benchmark the cold start"),
    ] {
        let captured = repo.json(&["session", "capture", category, text]);
        let record = captured["record"]
            .as_str()
            .unwrap_or_else(|| panic!("capture {category} made no record: {captured:#}"))
            .to_string();
        assert!(record.starts_with(prefix), "{record}");
        let item = repo.json(&[list, "show", &record]);
        assert_eq!(item["text"], text);
        assert_eq!(item["session"], session.as_str());
        assert_eq!(item["status"], "Active");
        assert_eq!(ids(&repo.json(&[list, "list"])), vec![record]);
    }

    // Context notes make no record.
    let tip = repo.tip();
    let context = repo.envelope(&["session", "capture", "context", "Just background"]);
    assert_eq!(context["ok"], true);
    assert!(context["data"]["record"].is_null(), "{context:#}");
    assert_ne!(repo.tip(), tip, "the capture itself is written");
    assert_eq!(
        repo.json(&["decision", "list"]).as_array().unwrap().len(),
        2,
        "no new decision"
    );

    // Completing with a next step leaves an open next step for whoever comes next.
    repo.json(&[
        "session",
        "complete",
        "--summary",
        "Captured",
        "--next-step",
        "Write the migration guide",
    ]);
    let steps = repo.json(&["next-step", "list"]);
    let guide = steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["text"] == "Write the migration guide")
        .unwrap_or_else(|| panic!("no next step from the completion: {steps:#}"));
    assert_eq!(guide["status"], "Active");
    assert_eq!(guide["session"], session.as_str());
    assert_eq!(guide["sprint"], "S1");
    assert_eq!(steps.as_array().unwrap().len(), 2, "{steps:#}");
}

#[test]
fn learnings_and_constraints_are_archived_out_of_the_list() {
    let repo = Repo::new();
    repo.init();
    for kind in ["learning", "constraint"] {
        let keep = id_of(&repo.json(&[kind, "add", &format!("A {kind} that holds")]));
        let gone = id_of(&repo.json(&[kind, "add", &format!("A {kind} that expired")]));
        assert!(keep.starts_with(&kind[..1]), "{keep}");
        let listed = repo.json(&[kind, "list"]);
        assert_eq!(listed.as_array().unwrap().len(), 2, "{listed:#}");

        let archived = repo.json(&[kind, "archive", &gone, "--note", "no longer true"]);
        assert_eq!(archived["status"], "Archived");
        assert_eq!(archived["note"], "no longer true");
        assert_eq!(ids(&repo.json(&[kind, "list"])), vec![keep.clone()]);
        let all = ids(&repo.json(&[kind, "list", "--all"]));
        assert_eq!(all.len(), 2);
        assert!(all.contains(&gone), "{all:?}");
        assert_eq!(repo.json(&[kind, "show", &gone])["status"], "Archived");
        assert_eq!(
            ids(&repo.json(&[kind, "list", "--status", "archived"])),
            vec![gone.clone()]
        );
        let hits = repo.json(&[kind, "search", "expired"]);
        assert_eq!(hits[0]["item"]["id"], gone.as_str(), "{hits:#}");

        assert_refused(&repo, &[kind, "archive", &gone], 5, "refused");
        assert_refused(
            &repo,
            &[kind, "archive", &format!("{}-nope", &kind[..1])],
            3,
            "not_found",
        );
        assert_refused(&repo, &[kind, "add", "  "], 2, "invalid_input");
        // Flags of other kinds are refused, not ignored.
        let (code, error) = repo.fails(&[kind, "add", "x", "--rationale", "y"]);
        assert_eq!(code, 2, "{error}");
    }
}

#[test]
fn next_steps_are_done_dropped_and_carried() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Second sprint"]);
    let done = id_of(&repo.json(&["next-step", "add", "Write the docs"]));
    let dropped = id_of(&repo.json(&["next-step", "add", "Port to Windows 95"]));
    let carried = id_of(&repo.json(&["next-step", "add", "Tune the cache"]));
    let added = repo.json(&["next-step", "show", &carried]);
    assert_eq!(added["sprint"], "S1", "defaults to the current sprint");
    assert_eq!(
        repo.json(&["next-step", "list"]).as_array().unwrap().len(),
        3
    );

    let marked = repo.json(&["next-step", "done", &done, "--note", "in README"]);
    assert_eq!(marked["status"], "Done");
    assert_eq!(marked["note"], "in README");
    let error = assert_refused(&repo, &["next-step", "done", &done], 5, "refused");
    assert!(
        error["message"].as_str().unwrap().contains("Done"),
        "{error}"
    );
    assert_refused(&repo, &["next-step", "drop", &done], 5, "refused");

    let marked = repo.json(&["next-step", "drop", &dropped, "--reason", "nobody uses it"]);
    assert_eq!(marked["status"], "Dropped");
    assert_eq!(marked["note"], "nobody uses it");

    let moved = repo.json(&["next-step", "carry", &carried, "--sprint", "S2"]);
    assert_eq!(moved["sprint"], "S2");
    assert_eq!(moved["status"], "Active");
    assert!(
        moved["note"]
            .as_str()
            .unwrap_or_default()
            .contains("carried"),
        "{moved:#}"
    );
    assert_eq!(repo.json(&["next-step", "show", &carried])["sprint"], "S2");
    assert_eq!(
        ids(&repo.json(&["next-step", "list", "--sprint", "S2"])),
        vec![carried.clone()]
    );
    assert_eq!(
        repo.json(&["next-step", "list", "--sprint", "S1"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Open ones by default; done and dropped with --all or by status.
    assert_eq!(
        ids(&repo.json(&["next-step", "list"])),
        vec![carried.clone()]
    );
    assert_eq!(
        repo.json(&["next-step", "list", "--all"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        ids(&repo.json(&["next-step", "list", "--status", "done"])),
        vec![done.clone()]
    );
    assert_eq!(
        ids(&repo.json(&["next-step", "list", "--status", "dropped"])),
        vec![dropped.clone()]
    );

    assert_refused(
        &repo,
        &["next-step", "carry", &carried, "--sprint", "S9"],
        3,
        "not_found",
    );
    assert_refused(
        &repo,
        &["next-step", "carry", &carried, "--sprint", "S2"],
        5,
        "refused",
    );
    assert_refused(
        &repo,
        &["next-step", "carry", &dropped, "--sprint", "S1"],
        5,
        "refused",
    );
    assert_refused(&repo, &["next-step", "done", "n-nope"], 3, "not_found");
    assert_refused(
        &repo,
        &["next-step", "add", "Somewhere", "--sprint", "S9"],
        3,
        "not_found",
    );
}

#[test]
fn facts_pinned_to_files_go_stale_when_the_files_change() {
    let repo = Repo::new();
    repo.init();
    std::fs::write(repo.path.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(repo.path.join("b.txt"), "beta\n").unwrap();
    repo.git(&["add", "a.txt", "b.txt"]);
    repo.git(&["commit", "-q", "-m", "files"]);
    let head = repo.git(&["rev-parse", "HEAD"]).trim().to_string();

    let fact = repo.json(&[
        "fact",
        "add",
        "--kind",
        "build",
        "a.txt holds the alphabet",
        "--file",
        "a.txt",
    ]);
    let fact_id = id_of(&fact);
    assert!(fact_id.starts_with("f-"), "{fact_id}");
    assert_eq!(fact["commit"], head.as_str(), "pinned to HEAD");
    assert_eq!(fact["files"], serde_json::json!(["a.txt"]));
    assert_eq!(fact["category"], "build");
    let other = id_of(&repo.json(&[
        "fact",
        "add",
        "--kind",
        "data",
        "b is beta",
        "--file",
        "b.txt",
    ]));

    let listed = repo.json(&["fact", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    for fact in listed.as_array().unwrap() {
        assert_eq!(fact["stale"], false, "{fact:#}");
    }
    assert_eq!(
        repo.json(&["fact", "list", "--stale"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        ids(&repo.json(&["fact", "list", "--kind", "data"])),
        vec![other.clone()]
    );

    // A commit that does not touch a.txt leaves the fact fresh.
    std::fs::write(repo.path.join("c.txt"), "gamma\n").unwrap();
    repo.git(&["add", "c.txt"]);
    repo.git(&["commit", "-q", "-m", "unrelated"]);
    assert_eq!(
        repo.json(&["fact", "list", "--stale"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    std::fs::write(repo.path.join("a.txt"), "alpha, changed\n").unwrap();
    repo.git(&["commit", "-q", "-am", "change a"]);
    let stale = repo.json(&["fact", "list", "--stale"]);
    assert_eq!(ids(&stale), vec![fact_id.clone()], "{stale:#}");
    assert_eq!(stale[0]["stale"], true);
    assert_eq!(stale[0]["changed_files"], serde_json::json!(["a.txt"]));
    let all = repo.json(&["fact", "list"]);
    let fresh = all
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == other.as_str())
        .unwrap();
    assert_eq!(fresh["stale"], false);

    // Bad pins are refused before anything is written.
    let error = assert_refused(
        &repo,
        &[
            "fact",
            "add",
            "--kind",
            "build",
            "gone",
            "--file",
            "missing.txt",
        ],
        2,
        "invalid_input",
    );
    assert!(
        error["message"].as_str().unwrap().contains("missing.txt"),
        "{error}"
    );
    assert_refused(
        &repo,
        &[
            "fact", "add", "--kind", "build", "x", "--commit", "nonsense",
        ],
        2,
        "invalid_input",
    );
    assert_refused(
        &repo,
        &[
            "fact", "add", "--kind", "build", "x", "--file", "a.txt", "--commit", "nonsense",
        ],
        2,
        "invalid_input",
    );
    // Pinned at an explicit older commit, the fact is stale at once.
    let old = repo.json(&[
        "fact",
        "add",
        "--kind",
        "build",
        "a was alpha",
        "--file",
        "a.txt",
        "--commit",
        &head,
    ]);
    let stale = ids(&repo.json(&["fact", "list", "--stale"]));
    assert!(stale.contains(&id_of(&old)), "{stale:?}");

    repo.ok(&["fact", "archive", &fact_id]);
    let stale = ids(&repo.json(&["fact", "list", "--stale"]));
    assert!(
        !stale.contains(&fact_id),
        "archived facts are not listed: {stale:?}"
    );
}

/// `decision search` and `learning search` printed three header columns over four-column
/// rows, so TEXT stood over the dates.
#[test]
fn test_search_prints_a_header_over_every_column() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "decision",
        "add",
        "Use TOML",
        "--rationale",
        "diffs read well",
    ]);
    repo.ok(&["learning", "add", "TOML diffs read well"]);
    for kind in ["decision", "learning"] {
        let out = repo.ok(&[kind, "search", "toml"]);
        let mut lines = out.lines();
        let header = lines.next().unwrap_or_default();
        let row = lines.next().unwrap_or_default();
        let columns: Vec<&str> = header.split_whitespace().collect();
        assert_eq!(columns, ["ID", "STATUS", "CREATED", "TEXT"], "{out}");
        // Each heading starts where its column does.
        let text_at = header.find("TEXT").unwrap();
        assert!(
            row[text_at..].starts_with("TOML") || row[text_at..].starts_with("Use"),
            "{out}"
        );
        let created_at = header.find("CREATED").unwrap();
        assert!(row[created_at..].starts_with("20"), "{out}");
    }
}
