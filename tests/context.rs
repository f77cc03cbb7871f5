//! Context and onboarding (sections, token budget, formats), project notes (set, stdin,
//! editor), snapshots and their diffs, session search and resume, the worktree's active
//! mission as the default of mission commands, the session and mission every envelope
//! recalls, estimates, and two linked worktrees side by side.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use common::{Repo, hermetic};

/// The `id` of a record in a `data` value.
fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value:#}"))
        .to_string()
}

/// Runs `cmos --json context notes edit` with `editor` as $EDITOR (and no $VISUAL).
fn edit_notes(repo: &Repo, editor: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmos"));
    hermetic(&mut cmd, &repo.home)
        .args(["--json", "context", "notes", "edit"])
        .current_dir(&repo.path)
        .env_remove("VISUAL")
        .env_remove("EDITOR");
    if let Some(editor) = editor {
        cmd.env("EDITOR", editor);
    }
    cmd.output().expect("run cmos")
}

/// Writes an executable shell script beside the repository; returns its path.
fn script(repo: &Repo, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = repo.sibling(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The envelope of `cmos --json ARGS` run in `dir`, asserting success.
fn json_in(repo: &Repo, dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = repo.cmos_in(dir, &all);
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        envelope["ok"], true,
        "cmos {args:?} in {dir:?}: {envelope:#}"
    );
    envelope
}

/// The body of the Markdown section headed `## title` (up to the next heading or footer).
fn md_section<'a>(markdown: &'a str, title: &str) -> &'a str {
    let head = format!("\n## {title}\n");
    let start = markdown
        .find(&head)
        .unwrap_or_else(|| panic!("no section {title:?} in:\n{markdown}"))
        + head.len();
    let rest = &markdown[start..];
    let end = rest
        .find("\n## ")
        .or_else(|| rest.find("\n_"))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The section named `name` of a context's JSON data.
fn section<'a>(context: &'a Value, name: &str) -> &'a Value {
    context["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no section {name}: {context:#}"))
}

/// The texts of a section's entries.
fn entry_texts(section: &Value) -> Vec<String> {
    section["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["text"].as_str().expect("text").to_string())
        .collect()
}

/// Tokens by cmos's estimate: characters / 4, rounded up.
fn tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// Whether `text` is a duration as cmos spells it: `0m`, `45m`, `2h30m`, `3d4h`.
fn is_duration(text: &str) -> bool {
    if text == "0m" {
        return true;
    }
    let mut digits = 0;
    let mut units = String::new();
    for c in text.chars() {
        match c {
            '0'..='9' => digits += 1,
            'd' | 'h' | 'm' if digits > 0 => {
                units.push(c);
                digits = 0;
            }
            _ => return false,
        }
    }
    digits == 0 && !units.is_empty() && ["dhm", "dh", "dm", "hm", "d", "h", "m"].contains(&&*units)
}

/// A project with a mission in progress, a completed session with a next step, a constraint,
/// a decision and notes.
fn busy_project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Build the store", "--rank", "1"]);
    repo.ok(&["mission", "add", "B2", "Write the CLI", "--rank", "2"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Store work",
    ]);
    repo.ok(&[
        "session",
        "capture",
        "constraint",
        "Never rewrite the user's HEAD",
    ]);
    repo.ok(&[
        "session",
        "complete",
        "--summary",
        "Laid out the store files",
        "--next-step",
        "Benchmark cold reads",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Store records as TOML",
        "--rationale",
        "Readable diffs. Comments allowed.",
    ]);
    repo.ok(&["context", "notes", "set", "Releases go out on Tuesdays."]);
    repo
}

/// A project with `n` decisions, added one command at a time.
fn with_decisions(n: usize) -> Repo {
    let repo = Repo::new();
    repo.init();
    for i in 1..=n {
        repo.ok(&[
            "decision",
            "add",
            &format!("Decision number {i}"),
            "--rationale",
            &format!("Reason {i} holds. And more."),
        ]);
    }
    repo
}

#[test]
fn context_shows_where_the_project_stands() {
    let repo = busy_project();
    let md = repo.ok(&["context"]);
    assert!(md.starts_with("# demo\n"), "{md}");
    let project = md_section(&md, "Project");
    assert!(
        project.contains("[S1]") && project.contains("First sprint"),
        "{project}"
    );
    assert!(
        md_section(&md, "In progress").contains("[B1] Build the store"),
        "{md}"
    );
    assert!(md_section(&md, "Next").contains("B1"), "{md}");
    assert!(
        md_section(&md, "Constraints").contains("Never rewrite the user's HEAD"),
        "{md}"
    );
    let last = md_section(&md, "Last session");
    assert!(last.contains("Laid out the store files"), "{last}");
    assert!(last.contains("Benchmark cold reads"), "{last}");
    assert!(
        md_section(&md, "Open next steps").contains("Benchmark cold reads"),
        "{md}"
    );
    let decisions = md_section(&md, "Recent decisions");
    assert!(decisions.contains("Store records as TOML"), "{decisions}");
    assert!(decisions.contains("Readable diffs."), "{decisions}");
    assert!(
        md_section(&md, "Project notes").contains("Releases go out on Tuesdays."),
        "{md}"
    );
    // Ranked: what is in play comes before the history.
    let at = |title: &str| md.find(&format!("\n## {title}\n")).unwrap();
    assert!(at("Project") < at("In progress"));
    assert!(at("In progress") < at("Constraints"));
    assert!(at("Constraints") < at("Last session"));
    assert!(at("Last session") < at("Recent decisions"));

    let data = repo.json(&["context"]);
    assert_eq!(data["project"], "demo");
    let sections = data["sections"].as_array().unwrap();
    for s in sections {
        assert!(s["name"].is_string(), "{s:#}");
        assert!(s["title"].is_string(), "{s:#}");
        assert!(s["entries"].is_array(), "{s:#}");
        assert!(s["omitted"].is_u64(), "{s:#}");
    }
    let names: Vec<&str> = sections
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for name in [
        "project",
        "in_progress",
        "next",
        "constraints",
        "last_session",
        "next_steps",
        "decisions",
        "notes",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(
        section(&data, "in_progress")["entries"][0]["id"],
        "B1",
        "{data:#}"
    );
    assert!(
        entry_texts(section(&data, "notes")).contains(&"Releases go out on Tuesdays.".to_string())
    );
    let budget = &data["budget"];
    assert!(budget["tokens"].is_null(), "{budget}");
    assert!(budget["estimate"].is_string(), "{budget}");
    assert_eq!(budget["omitted"], 0, "{budget}");
    let used = budget["used"].as_u64().unwrap() as usize;
    // `used` estimates the Markdown: each part rounded up, so at most one token per part over.
    assert!(
        used >= tokens(&md) && used <= tokens(&md) + sections.len() + 1,
        "used {used}, Markdown {} tokens",
        tokens(&md)
    );

    // --format json prints the envelope without --json.
    let out = repo.ok(&["context", "--format", "json"]);
    let envelope: Value = serde_json::from_str(&out).expect("--format json prints JSON");
    assert_eq!(envelope["ok"], true);
    assert_eq!(envelope["schema_version"], 1);
    assert_eq!(envelope["data"]["sections"], data["sections"]);
    // --format md is the default.
    assert_eq!(repo.ok(&["context", "--format", "md"]), md);
}

#[test]
fn a_budget_cuts_the_context_to_size() {
    let repo = with_decisions(40);

    let full = repo.json(&["context"]);
    let cut = repo.json(&["context", "--budget", "60"]);
    let budget = &cut["budget"];
    assert_eq!(budget["tokens"], 60);
    let used = budget["used"].as_u64().unwrap();
    assert!(used <= 60, "{budget}");
    assert!(budget["omitted"].as_u64().unwrap() > 0, "{budget}");
    let kept: usize = cut["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["entries"].as_array().unwrap().len())
        .sum();
    let all: usize = full["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["entries"].as_array().unwrap().len())
        .sum();
    assert!(kept < all, "kept {kept} of {all}");

    let md = repo.ok(&["context", "--budget", "60"]);
    assert!(tokens(&md) <= 60, "{} tokens:\n{md}", tokens(&md));
    assert!(md.starts_with("# demo\n"), "{md}");
    assert!(
        md.contains("left out"),
        "says that entries were left out:\n{md}"
    );

    let out = repo.ok(&["context", "--budget", "60", "--format", "json"]);
    let envelope: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(envelope["data"]["budget"], *budget);

    // A larger budget keeps more.
    let roomy = repo.json(&["context", "--budget", "400"]);
    let roomy_kept: usize = roomy["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["entries"].as_array().unwrap().len())
        .sum();
    assert!(roomy_kept > kept, "{roomy_kept} vs {kept}");
    assert!(roomy["budget"]["used"].as_u64().unwrap() <= 400);
    assert!(tokens(&repo.ok(&["context", "--budget", "400"])) <= 400);
}

#[test]
fn a_section_past_its_cap_says_where_the_rest_are() {
    let repo = with_decisions(40);
    // Without a budget, a section holds at most its cap; what it leaves out is counted.
    let full = repo.json(&["context"]);
    let decisions = section(&full, "decisions");
    let shown = decisions["entries"].as_array().unwrap().len();
    assert!(shown < 40, "{shown}");
    assert_eq!(
        decisions["entries"][0]["text"], "Decision number 40 (because Reason 40 holds.)",
        "newest first"
    );
    // Context reads only the newest months of a log, so it says there are more and where
    // to list them rather than counting them.
    assert_eq!(
        decisions["more"], "decision",
        "the section says there are more decisions: {decisions:#}"
    );

    let md = repo.ok(&["context"]);
    assert!(
        md_section(&md, "Recent decisions").contains("… more: `cmos decision list`"),
        "the Markdown says where the rest are:\n{md}"
    );
}

#[test]
fn a_budget_too_small_for_anything_is_kept_or_refused() {
    let repo = Repo::new();
    repo.init();
    for i in 1..=3 {
        repo.ok(&["decision", "add", &format!("D{i}"), "--rationale", "r"]);
    }
    for budget in ["5", "20"] {
        let out = repo.cmos(&["context", "--budget", budget]);
        if out.status.success() {
            let md = String::from_utf8_lossy(&out.stdout);
            let limit: usize = budget.parse().unwrap();
            assert!(
                tokens(&md) <= limit,
                "--budget {budget} printed {} tokens:\n{md}",
                tokens(&md)
            );
            let data = repo.json(&["context", "--budget", budget]);
            assert!(
                data["budget"]["used"].as_u64().unwrap() as usize <= limit,
                "--budget {budget}: {:#}",
                data["budget"]
            );
        } else {
            let (code, error) = repo.fails(&["context", "--budget", budget]);
            assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
        }
    }
}

#[test]
fn onboard_suggests_what_to_do_first() {
    let repo = busy_project();
    let md = repo.ok(&["onboard"]);
    assert!(md.starts_with("# demo\n"), "{md}");
    let actions = md_section(&md, "Suggested actions");
    assert!(actions.contains("cmos session start"), "{actions}");
    assert!(md.contains("Never rewrite the user's HEAD"), "{md}");
    let data = repo.json(&["onboard"]);
    let suggested = section(&data, "suggested_actions");
    assert!(!suggested["entries"].as_array().unwrap().is_empty());
    // `context` itself has no suggestions.
    let plain = repo.json(&["context"]);
    assert!(
        plain["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "suggested_actions")
    );
    let small = repo.json(&["onboard", "--budget", "80"]);
    assert!(small["budget"]["used"].as_u64().unwrap() <= 80);
}

#[test]
fn project_notes_are_set_from_arguments_stdin_and_an_editor() {
    let repo = Repo::new();
    repo.init();
    let empty = repo.envelope(&["context", "notes", "show"]);
    assert_eq!(empty["data"]["text"], "");
    assert!(!empty["warnings"].as_array().unwrap().is_empty(), "{empty}");

    let set = repo.json(&["context", "notes", "set", "First line of notes"]);
    assert_eq!(set["changed"], true);
    assert_eq!(
        repo.json(&["context", "notes", "show"])["text"],
        "First line of notes\n"
    );
    assert_eq!(
        repo.ok(&["context", "notes", "show"]),
        "First line of notes\n"
    );
    assert!(repo.ok(&["log", "-n", "1"]).contains("context notes set"));

    // The same text again makes no commit.
    let tip = repo.tip();
    let same = repo.json(&["context", "notes", "set", "First line of notes"]);
    assert_eq!(same["changed"], false);
    assert_eq!(repo.tip(), tip);

    // From standard input, quotes and all.
    let from_stdin = repo.with_stdin(
        &["context", "notes", "set", "-"],
        b"# Notes\n\nUse \"cmos\" with $(care).\n",
    );
    assert_eq!(from_stdin["ok"], true, "{from_stdin}");
    assert_eq!(from_stdin["data"]["changed"], true);
    let text = repo.json(&["context", "notes", "show"])["text"].clone();
    assert_eq!(text, "# Notes\n\nUse \"cmos\" with $(care).\n");

    // The editor gets the current notes in a file and its changes are saved.
    let editor = script(&repo, "editor.sh", "echo \"edited line\" >> \"$1\"");
    let tip = repo.tip();
    let out = edit_notes(&repo, Some(&editor));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["data"]["changed"], true, "{envelope}");
    assert_ne!(repo.tip(), tip);
    assert_eq!(
        repo.json(&["context", "notes", "show"])["text"],
        "# Notes\n\nUse \"cmos\" with $(care).\nedited line\n"
    );
    assert!(
        repo.json(&["context"])["sections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "notes"
                && entry_texts(s).iter().any(|t| t.contains("edited line")))
    );
    // The edit file lives under the git directory, never in the working tree.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");

    // An editor that saves nothing new changes nothing.
    let noop = script(&repo, "noop.sh", "true");
    let tip = repo.tip();
    let out = edit_notes(&repo, Some(&noop));
    assert!(out.status.success());
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["data"]["changed"], false);
    assert_eq!(repo.tip(), tip);

    // A failing editor, or none, leaves the notes alone.
    let broken = script(&repo, "broken.sh", "echo junk >> \"$1\"; exit 1");
    let out = edit_notes(&repo, Some(&broken));
    assert_eq!(out.status.code(), Some(5));
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "refused");
    let out = edit_notes(&repo, None);
    assert_eq!(out.status.code(), Some(2));
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "invalid_input");
    assert_eq!(repo.tip(), tip);

    // Empty text removes the notes.
    let cleared = repo.json(&["context", "notes", "set", ""]);
    assert_eq!(cleared["changed"], true);
    assert_eq!(repo.json(&["context", "notes", "show"])["text"], "");
    assert!(
        repo.json(&["context"])["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "notes")
    );
}

#[test]
fn a_snapshot_diff_shows_what_changed_since() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Build the store"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&["context", "notes", "set", "Old plan\nkeep this line"]);
    let before = repo.tip().unwrap();
    let snap = repo.json(&["context", "snapshot", "--source", "before X"]);
    let snap_id = id_of(&snap);
    assert!(snap_id.starts_with("cs-"), "{snap_id}");
    assert_eq!(snap["text"], "before X");
    assert_eq!(
        snap["commit"],
        before.as_str(),
        "names the branch as it was"
    );

    let history = repo.json(&["context", "history"]);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["id"], snap_id.as_str());
    assert_eq!(history[0]["text"], "before X");
    assert!(repo.ok(&["context", "history"]).contains("before X"));

    // Nothing changed yet (the snapshot itself is not a change).
    let same = repo.json(&["context", "diff", &snap_id]);
    assert_eq!(same["missions"], serde_json::json!([]), "{same:#}");
    assert_eq!(same["items"], serde_json::json!([]), "{same:#}");
    assert!(same["notes"].is_null(), "{same:#}");

    repo.ok(&["mission", "complete", "B1"]);
    let decision = id_of(&repo.json(&["decision", "add", "Ship it", "--rationale", "It is done"]));
    repo.ok(&["context", "notes", "set", "New plan\nkeep this line"]);

    let diff = repo.json(&["context", "diff", &snap_id]);
    assert_eq!(diff["from"]["name"], snap_id.as_str());
    assert_eq!(diff["from"]["commit"], before.as_str());
    assert_eq!(diff["from"]["source"], "before X");
    assert_eq!(diff["to"]["commit"], repo.tip().unwrap().as_str());
    let missions = diff["missions"].as_array().unwrap();
    assert_eq!(missions.len(), 1, "{diff:#}");
    assert_eq!(missions[0]["id"], "B1");
    assert_eq!(missions[0]["change"], "changed");
    let status = missions[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "status")
        .unwrap_or_else(|| panic!("no status change: {diff:#}"));
    assert_eq!(status["from"], "In Progress");
    assert_eq!(status["to"], "Completed");
    let items = diff["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{diff:#}");
    assert_eq!(items[0]["id"], decision.as_str());
    assert_eq!(items[0]["kind"], "decision");
    assert_eq!(items[0]["text"], "Ship it");
    assert!(items[0]["from"].is_null());
    assert_eq!(items[0]["to"], "Active");
    let notes = diff["notes"].as_str().expect("a notes diff");
    assert!(notes.contains("-Old plan\n"), "{notes}");
    assert!(notes.contains("+New plan\n"), "{notes}");
    assert!(notes.contains(" keep this line"), "{notes}");
    assert!(notes.contains("@@"), "a unified diff: {notes}");

    let human = repo.ok(&["context", "diff", &snap_id]);
    assert!(human.contains("B1"), "{human}");
    assert!(human.contains("Ship it"), "{human}");

    // A later point as the other end.
    let to_before = repo.json(&["context", "diff", &snap_id, &before]);
    assert_eq!(
        to_before["missions"],
        serde_json::json!([]),
        "{to_before:#}"
    );

    let tip = repo.tip();
    let (code, error) = repo.fails(&["context", "diff", "cs-nope"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));
    let (code, error) = repo.fails(&["context", "diff", &snap_id, "no-such-point"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));
    let (code, error) = repo.fails(&["context", "snapshot", "--source", "  "]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    assert_eq!(repo.tip(), tip);
}

#[test]
fn sessions_are_found_by_words_and_resumed() {
    let repo = Repo::new();
    repo.init();
    let tip = repo.tip();
    let (code, error) = repo.fails(&["session", "resume"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);

    let first = id_of(
        &repo.json(&[
            "session",
            "start",
            "--type",
            "research",
            "--title",
            "Look around",
        ])["session"],
    );
    repo.ok(&[
        "session",
        "capture",
        "context",
        "The flux capacitor needs recalibration",
    ]);
    repo.ok(&["session", "complete", "--summary", "Found the problem"]);
    let second = id_of(
        &repo.json(&[
            "session",
            "start",
            "--type",
            "build",
            "--title",
            "Fix things",
        ])["session"],
    );
    repo.ok(&["mission", "add", "B1", "Repair"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&["session", "capture", "learning", "Solder at 350 degrees"]);

    let hits = repo.json(&["session", "search", "capacitor"]);
    let found: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, vec![first.as_str()], "{hits:#}");
    assert_eq!(hits[0]["summary"], "Found the problem");
    let hits = repo.json(&["session", "search", "solder"]);
    assert_eq!(hits[0]["id"], second.as_str(), "{hits:#}");
    assert_eq!(hits.as_array().unwrap().len(), 1);
    let hits = repo.json(&["session", "search", "capacitor", "solder"]);
    assert_eq!(hits.as_array().unwrap().len(), 0, "every word must match");
    let (code, error) = repo.fails(&["session", "search", "--", "--"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));

    // No id: this worktree's open session, with what to do now.
    let resumed = repo.json(&["session", "resume"]);
    assert_eq!(resumed["session"]["id"], second.as_str());
    assert_eq!(resumed["session"]["status"], "Active");
    assert_eq!(
        resumed["mission"]["id"], "B1",
        "the worktree's active mission"
    );
    assert!(
        is_duration(resumed["elapsed"].as_str().unwrap()),
        "{resumed:#}"
    );
    let suggested = resumed["suggested"].as_array().unwrap();
    assert!(!suggested.is_empty());
    assert!(
        suggested[0].as_str().unwrap().contains(&second),
        "{suggested:?}"
    );
    assert!(
        suggested.iter().any(|s| s.as_str().unwrap().contains("B1")),
        "{suggested:?}"
    );
    let human = repo.ok(&["session", "resume"]);
    assert!(
        human.contains(&second) && human.contains("Fix things"),
        "{human}"
    );

    // A named one, even closed.
    let old = repo.json(&["session", "resume", &first]);
    assert_eq!(old["session"]["id"], first.as_str());
    assert_eq!(old["session"]["status"], "Completed");

    let (code, error) = repo.fails(&["session", "resume", "ps-nope"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));
}

#[test]
fn mission_commands_default_to_the_active_mission() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "First"]);
    repo.ok(&["mission", "add", "B2", "Second"]);

    let tip = repo.tip();
    let (code, error) = repo.fails(&["mission", "complete"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (2, Some("invalid_input")),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);

    repo.ok(&["mission", "start", "B1"]);
    let shown = repo.envelope(&["mission", "show"]);
    assert_eq!(shown["data"]["id"], "B1", "{shown:#}");
    let done = repo.envelope(&["mission", "complete"]);
    assert_eq!(done["ok"], true, "{done:#}");
    assert_eq!(done["data"]["mission"]["id"], "B1");
    assert_eq!(done["data"]["to"], "Completed");
    let warnings = done["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| {
            let w = w.as_str().unwrap();
            w.contains("B1") && w.contains("active mission")
        }),
        "says it used the active mission: {warnings:?}"
    );
    assert_eq!(repo.json(&["mission", "show", "B1"])["status"], "Completed");
    assert_ne!(
        repo.json(&["mission", "show", "B2"])["status"],
        "Completed",
        "only the active mission"
    );

    // Completing it cleared the pointer.
    let tip = repo.tip();
    let (code, error) = repo.fails(&["mission", "complete"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (2, Some("invalid_input")),
        "{error}"
    );
    assert_eq!(repo.tip(), tip);
}

#[test]
fn every_envelope_recalls_the_open_session_and_active_mission() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Wire it"]);
    let quiet = repo.envelope(&["status"]);
    assert!(quiet["instructions"]["context"]["active_session"].is_null());
    assert!(quiet["instructions"]["context"]["active_mission"].is_null());

    let session =
        id_of(&repo.json(&["session", "start", "--type", "build", "--title", "Wiring"])["session"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&["session", "capture", "context", "one"]);
    for args in [
        &["status"][..],
        &["mission", "list"],
        &["decision", "list"],
        &["context", "notes", "show"],
        &["log", "-n", "1"],
        &["sprint", "show", "S1"],
        &["mission", "show", "NOPE"],
        &["next-step", "done", "n-nope"],
    ] {
        let envelope = repo.envelope(args);
        let context = &envelope["instructions"]["context"];
        assert_eq!(
            context["active_session"]["id"],
            session.as_str(),
            "{args:?}: {envelope:#}"
        );
        assert_eq!(context["active_session"]["title"], "Wiring");
        assert_eq!(context["active_session"]["captures"], 1);
        let elapsed = context["active_session"]["elapsed"]
            .as_str()
            .unwrap_or_else(|| panic!("{args:?}: elapsed is a string: {context:#}"));
        assert!(is_duration(elapsed), "{elapsed}");
        assert_eq!(
            context["active_mission"]["id"], "B1",
            "{args:?}: {context:#}"
        );
        assert_eq!(context["active_mission"]["status"], "In Progress");
        assert!(is_duration(
            context["active_mission"]["worked"].as_str().unwrap()
        ));
    }

    // The context itself says so too.
    let md = repo.ok(&["context"]);
    let here = md_section(&md, "This worktree");
    assert!(here.contains(&session) && here.contains("B1"), "{here}");

    repo.ok(&["session", "complete", "--summary", "Wired"]);
    repo.ok(&["mission", "complete"]);
    let after = repo.envelope(&["status"]);
    assert!(after["instructions"]["context"]["active_session"].is_null());
    assert!(after["instructions"]["context"]["active_mission"].is_null());
}

#[test]
fn estimates_are_kept_and_compared() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "B1", "Estimated", "--estimate", "2h"]);
    let shown = repo.json(&["mission", "show", "B1"]);
    assert_eq!(shown["time"]["estimate"], "2h", "{shown:#}");
    assert_eq!(shown["time"]["worked"], "0m");

    repo.ok(&["mission", "update", "B1", "--estimate", "90m"]);
    assert_eq!(
        repo.json(&["mission", "show", "B1"])["time"]["estimate"],
        "1h30m"
    );

    let tip = repo.tip();
    for args in [
        &["mission", "update", "B1", "--estimate", "soon"][..],
        &["mission", "add", "B9", "Never", "--estimate", "soon"],
        &["mission", "add", "B9", "Never", "--estimate", "-1h"],
    ] {
        let (code, error) = repo.fails(args);
        assert_eq!(
            (code, error["code"].as_str()),
            (2, Some("invalid_input")),
            "{args:?}: {error}"
        );
    }
    assert_eq!(repo.tip(), tip);
    assert_eq!(
        repo.json(&["mission", "show", "B1"])["time"]["estimate"],
        "1h30m"
    );

    repo.ok(&[
        "mission",
        "add",
        "B2",
        "Also estimated",
        "--estimate",
        "30m",
    ]);
    repo.ok(&["mission", "add", "B3", "Not estimated"]);
    let sprint = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(sprint["time"]["estimate"], "2h", "90m + 30m: {sprint:#}");
    assert_eq!(sprint["time"]["estimated_missions"], 2);

    repo.ok(&["mission", "update", "B1", "--no-estimate"]);
    assert!(repo.json(&["mission", "show", "B1"])["time"]["estimate"].is_null());
    let sprint = repo.json(&["sprint", "show", "S1"]);
    assert_eq!(sprint["time"]["estimate"], "30m");
    assert_eq!(sprint["time"]["estimated_missions"], 1);
}

#[test]
fn two_worktrees_keep_their_own_session_and_mission() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "M1", "Main mission"]);
    repo.ok(&["mission", "add", "M2", "Side mission"]);
    let tree = repo.sibling("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().unwrap(),
        "-b",
        "side",
    ]);

    let main_session = id_of(
        &repo.json(&[
            "session",
            "start",
            "--type",
            "build",
            "--title",
            "Main work",
        ])["session"],
    );
    repo.ok(&["mission", "start", "M1"]);
    let side_session = id_of(
        &json_in(
            &repo,
            &tree,
            &[
                "session",
                "start",
                "--type",
                "research",
                "--title",
                "Side work",
            ],
        )["data"]["session"],
    );
    json_in(&repo, &tree, &["mission", "start", "M2"]);
    assert_ne!(main_session, side_session);

    // Both write to the one branch.
    json_in(
        &repo,
        &tree,
        &["session", "capture", "learning", "From the side"],
    );
    repo.ok(&["session", "capture", "learning", "From main"]);
    let learnings: Vec<String> = repo
        .json(&["learning", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        learnings.contains(&"From the side".to_string())
            && learnings.contains(&"From main".to_string()),
        "{learnings:?}"
    );

    // Each sees only its own.
    let here = repo.envelope(&["session", "resume"]);
    assert_eq!(here["data"]["session"]["id"], main_session.as_str());
    assert_eq!(here["data"]["mission"]["id"], "M1");
    assert_eq!(here["data"]["session"]["captures"][0]["text"], "From main");
    assert_eq!(
        here["data"]["session"]["captures"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        here["instructions"]["context"]["active_session"]["id"],
        main_session.as_str()
    );
    assert_eq!(
        here["instructions"]["context"]["active_mission"]["id"],
        "M1"
    );

    let there = json_in(&repo, &tree, &["session", "resume"]);
    assert_eq!(there["data"]["session"]["id"], side_session.as_str());
    assert_eq!(there["data"]["mission"]["id"], "M2");
    assert_eq!(
        there["data"]["session"]["captures"][0]["text"],
        "From the side"
    );
    assert_eq!(
        there["instructions"]["context"]["active_session"]["id"],
        side_session.as_str()
    );
    assert_eq!(
        there["instructions"]["context"]["active_mission"]["id"],
        "M2"
    );
    let status = json_in(&repo, &tree, &["status"]);
    assert_eq!(
        status["instructions"]["context"]["active_mission"]["id"],
        "M2"
    );

    // The default mission of each worktree is its own.
    let done = json_in(&repo, &tree, &["mission", "complete"]);
    assert_eq!(done["data"]["mission"]["id"], "M2");
    assert_eq!(repo.json(&["mission", "show", "M2"])["status"], "Completed");
    assert_eq!(
        repo.json(&["mission", "show", "M1"])["status"],
        "In Progress"
    );
    assert_eq!(
        repo.envelope(&["status"])["instructions"]["context"]["active_mission"]["id"],
        "M1"
    );
    json_in(
        &repo,
        &tree,
        &["session", "complete", "--summary", "Side done"],
    );
    assert_eq!(
        repo.envelope(&["status"])["instructions"]["context"]["active_session"]["id"],
        main_session.as_str(),
        "closing the side session leaves the main one open"
    );
    // Neither worktree's files were touched.
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(repo.git_in(&tree, &["status", "--porcelain"]), "");
}

/// The `data` of `cmos --json ARGS` run with the clock at `now`, asserting success.
fn json_at(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmos"));
    hermetic(&mut cmd, &repo.home)
        .arg("--json")
        .args(args)
        .current_dir(&repo.path)
        .env("CMOS_TEST_NOW", now);
    let out = cmd.output().expect("run cmos");
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
    envelope["data"].clone()
}

/// The texts of one section of a context's `data`, or none when the section is left out.
fn section_texts(context: &Value, name: &str) -> Vec<String> {
    context["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter(|s| s["name"] == name)
        .flat_map(|s| s["entries"].as_array().cloned().unwrap_or_default())
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A project whose history is spread over days: decisions on 2 and 3 January, a session
/// closed on 4 January with a decision in it, another decision on 5 January.
fn dated_project() -> (Repo, String) {
    let repo = Repo::new();
    let day = |d: u32| format!("2026-01-0{d}T10:00:00Z");
    json_at(
        &repo,
        &day(1),
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "First sprint",
        ],
    );
    json_at(
        &repo,
        &day(2),
        &[
            "decision",
            "add",
            "Use TOML",
            "--rationale",
            "readable",
            "--category",
            "storage",
        ],
    );
    json_at(
        &repo,
        &day(3),
        &[
            "decision",
            "add",
            "Ship weekly",
            "--rationale",
            "cadence",
            "--category",
            "process",
        ],
    );
    let session = json_at(
        &repo,
        &day(4),
        &["session", "start", "--type", "build", "--title", "logs"],
    );
    let id = session["session"]["id"].as_str().unwrap().to_string();
    json_at(
        &repo,
        &day(4),
        &["session", "capture", "decision", "Log as JSONL"],
    );
    json_at(
        &repo,
        &day(4),
        &["session", "complete", "--summary", "logs done"],
    );
    json_at(
        &repo,
        &day(5),
        &[
            "decision",
            "add",
            "Drop YAML",
            "--rationale",
            "one format",
            "--category",
            "storage",
        ],
    );
    (repo, id)
}

#[test]
fn context_view_as_of_reads_the_branch_at_the_last_commit_before_that_time() {
    let (repo, session) = dated_project();
    let then = repo.json(&["context", "view", "--as-of", "2026-01-02T12:00:00Z"]);
    assert_eq!(
        section_texts(&then, "decisions"),
        ["Use TOML (because readable)"]
    );
    assert_eq!(then["view"]["read"], "as_of");
    assert_eq!(then["view"]["commit_at"], "2026-01-02T10:00:00Z");
    let commit = then["view"]["commit"].as_str().unwrap();
    assert!(
        then["view"]["note"]
            .as_str()
            .unwrap()
            .contains(&commit[..12]),
        "{then:#}"
    );
    // A date is its first instant: 3 January's decision is not in it yet.
    let date = repo.json(&["context", "--as-of", "2026-01-03"]);
    assert_eq!(
        section_texts(&date, "decisions"),
        ["Use TOML (because readable)"]
    );

    // A session id: the context as it stood when the session closed.
    let closed = repo.json(&["context", "view", "--as-of", &session]);
    assert_eq!(closed["view"]["read"], "session");
    let decisions = section_texts(&closed, "decisions");
    assert!(
        decisions.iter().any(|d| d.starts_with("Log as JSONL")),
        "{closed:#}"
    );
    assert!(
        !decisions.iter().any(|d| d.starts_with("Drop YAML")),
        "{closed:#}"
    );
    let now = repo.json(&["context"]);
    assert_eq!(now["view"]["read"], "now");
    assert!(section_texts(&now, "decisions")[0].starts_with("Drop YAML"));
    let text = repo.ok(&["context", "view", "--as-of", &session]);
    assert!(text.starts_with("As of session"), "{text}");
}

#[test]
fn context_view_as_of_refuses_what_is_neither_a_time_nor_a_session_and_times_before_the_branch() {
    let (repo, _) = dated_project();
    let (code, err) = repo.fails(&["context", "view", "--as-of", "yesterday-ish"]);
    assert_eq!(
        (code, err["code"].as_str()),
        (2, Some("invalid_input")),
        "{err}"
    );
    assert!(
        err["message"].as_str().unwrap().contains("neither a time"),
        "{err}"
    );
    let (_, err) = repo.fails(&["context", "view", "--as-of", "ps-20260101-nosuchses"]);
    assert!(
        err["message"].as_str().unwrap().contains("nor a session"),
        "{err}"
    );
    let (code, err) = repo.fails(&["context", "--as-of", "2025-12-31T23:59:59Z"]);
    assert_eq!(code, 2, "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("before the project's memory began")
            && message.contains("2026-01-01T10:00:00Z"),
        "{err}"
    );
}

#[test]
fn context_view_snapshot_reads_the_named_point_and_refuses_an_unknown_one() {
    let (repo, _) = dated_project();
    let snap = repo.json(&[
        "context",
        "snapshot",
        "master",
        "--source",
        "before the cut",
    ]);
    let id = snap["id"].as_str().unwrap().to_string();
    repo.ok(&["decision", "add", "Cut the scope", "--rationale", "time"]);
    let then = repo.json(&["context", "view", "--snapshot", &id]);
    assert_eq!(then["view"]["read"], "snapshot");
    assert_eq!(then["view"]["commit"], snap["commit"]);
    assert!(
        !section_texts(&then, "decisions")
            .iter()
            .any(|d| d.starts_with("Cut the scope"))
    );
    assert!(section_texts(&repo.json(&["context"]), "decisions")[0].starts_with("Cut the scope"));

    let (code, err) = repo.fails(&["context", "view", "--snapshot", "cs-nosuchsnap"]);
    assert_eq!(
        (code, err["code"].as_str()),
        (3, Some("not_found")),
        "{err}"
    );
    let out = repo.cmos(&["context", "--snapshot", &id, "--as-of", "2026-01-02"]);
    assert_eq!(out.status.code(), Some(2), "one point at a time");
}

#[test]
fn context_view_narrows_by_domain_and_recent_limit_and_prints_yaml() {
    let (repo, _) = dated_project();
    let storage = repo.json(&["context", "view", "--domain", "STORAGE"]);
    assert_eq!(
        section_texts(&storage, "decisions"),
        [
            "Drop YAML (because one format)",
            "Use TOML (because readable)"
        ]
    );
    assert_eq!(storage["view"]["domain"], "STORAGE");
    let one = repo.json(&["context", "--recent-limit", "1"]);
    let decisions = one["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "decisions")
        .unwrap()
        .clone();
    assert_eq!(decisions["entries"].as_array().unwrap().len(), 1);
    assert_eq!(
        decisions["more"], "decision",
        "the rest is listed elsewhere"
    );
    assert_eq!(one["view"]["recent_limit"], 1);
    let (_, err) = repo.fails(&["context", "--recent-limit", "0"]);
    assert!(
        err["message"].as_str().unwrap().contains("at least 1"),
        "{err}"
    );

    let yaml = repo.ok(&["context", "view", "--format", "yaml", "--domain", "process"]);
    assert!(yaml.starts_with("project: demo\nsections:\n"), "{yaml}");
    assert!(
        yaml.contains("text: Ship weekly (because cadence)"),
        "{yaml}"
    );
    assert!(yaml.contains("\nview:\n  read: now\n"), "{yaml}");
    // `--format` alone is JSON, the original's default; `context` and `context view` agree.
    let alone: Value = serde_json::from_slice(&repo.cmos(&["context", "--format"]).stdout).unwrap();
    let view: Value =
        serde_json::from_slice(&repo.cmos(&["context", "view", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(alone["data"], view["data"]);
}
