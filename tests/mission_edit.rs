//! `cmos mission edit`: a real editor (a script set as $EDITOR) changes the TOML form, and the
//! change lands as one commit; refusals keep the user's file; the cmosctl flags work without
//! an editor.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Repo, hermetic};
use serde_json::Value;

/// Writes an executable shell script beside the repository; returns its path.
fn script(repo: &Repo, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = repo.sibling(name);
    std::fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Runs `cmos --json mission edit ARGS` with `editor` as $EDITOR and no $VISUAL.
fn edit(repo: &Repo, editor: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmos"));
    hermetic(&mut cmd, &repo.home)
        .args(["--json", "mission", "edit"])
        .args(args)
        .current_dir(&repo.path)
        .env_remove("VISUAL")
        .env("EDITOR", editor)
        .env("CMOS_BIN", env!("CARGO_BIN_EXE_cmos"));
    cmd.output().expect("run cmos")
}

fn envelope(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A project with mission B1 (objective and two criteria) in sprint S1.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "B1",
        "Parser",
        "--objective",
        "Parse the input",
        "--success",
        "it parses",
        "--success",
        "it refuses junk",
    ]);
    repo
}

/// A python one-liner editor that runs `code` with `t` the file's text, then saves `t`.
fn py_editor(repo: &Repo, name: &str, code: &str) -> PathBuf {
    script(
        repo,
        name,
        &format!(
            "python3 - \"$1\" <<'EOF'\nimport sys\np = sys.argv[1]\nt = open(p).read()\n{code}\nopen(p, 'w').write(t)\nEOF"
        ),
    )
}

/// The files `mission edit` kept in the cmos directory after a refusal.
fn kept_files(repo: &Repo) -> Vec<PathBuf> {
    let dir = repo.path.join(".git/cmos/edits");
    std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default()
}

#[test]
fn test_edit_in_editor_changes_fields_and_status_in_one_commit() {
    let repo = project();
    let before = repo.tip();
    let editor = py_editor(
        &repo,
        "ed.sh",
        "t = t.replace('name = \"Parser\"', 'name = \"Strict parser\"')\n\
         t = t.replace('status = \"Queued\"', 'status = \"In Progress\"')\n\
         t = t.replace('deliverables = [\\n', 'deliverables = [\\n    \"src/parse.rs\",\\n')",
    );
    let out = edit(&repo, &editor, &["B1"]);
    let env = envelope(&out);
    assert_eq!(env["ok"], true, "{env:#}");
    let m = repo.json(&["mission", "show", "B1"]);
    assert_eq!(m["name"], "Strict parser");
    assert_eq!(m["status"], "In Progress");
    assert_eq!(m["deliverables"], serde_json::json!(["src/parse.rs"]));
    assert_eq!(m["success_criteria"].as_array().map(Vec::len), Some(2));
    // One operation, one commit on the cmos branch.
    let count = repo.git(&["rev-list", "--count", &format!("{}..cmos", before.unwrap())]);
    assert_eq!(count.trim(), "1");
    assert!(
        kept_files(&repo).is_empty(),
        "an applied edit leaves no file"
    );
}

#[test]
fn test_edit_unchanged_or_empty_file_writes_nothing() {
    let repo = project();
    let before = repo.tip();
    let unchanged = script(&repo, "true.sh", "exit 0");
    let env = envelope(&edit(&repo, &unchanged, &["B1"]));
    assert_eq!(env["ok"], true, "{env:#}");
    let empty = script(&repo, "empty.sh", ": > \"$1\"");
    let env = envelope(&edit(&repo, &empty, &["B1"]));
    assert_eq!(env["ok"], true, "{env:#}");
    assert_eq!(repo.tip(), before, "no commit");
    assert!(kept_files(&repo).is_empty());
}

#[test]
fn test_edit_editor_failure_writes_nothing() {
    let repo = project();
    let before = repo.tip();
    let failing = script(&repo, "fail.sh", "echo 'name = \"X\"' > \"$1\"; exit 3");
    let out = edit(&repo, &failing, &["B1"]);
    assert!(!out.status.success());
    assert_eq!(repo.tip(), before);
    assert_eq!(repo.json(&["mission", "show", "B1"])["name"], "Parser");
}

#[test]
fn test_edit_refused_when_mission_changed_meanwhile_and_keeps_the_file() {
    let repo = project();
    // The editor itself changes the mission on the branch before it saves its own edit.
    let editor = script(
        &repo,
        "race.sh",
        "\"$CMOS_BIN\" mission update B1 --notes meanwhile >/dev/null\n\
         sed -i 's/^name = .*/name = \"Mine\"/' \"$1\"",
    );
    let out = edit(&repo, &editor, &["B1"]);
    assert_eq!(out.status.code(), Some(8), "a conflict");
    let env = envelope(&out);
    assert_eq!(env["error"]["code"], "conflict", "{env:#}");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains("changed on the branch"), "{message}");
    let m = repo.json(&["mission", "show", "B1"]);
    assert_eq!(m["name"], "Parser", "the edit was not applied");
    assert_eq!(m["notes"], "meanwhile", "the other change stays");
    let kept = kept_files(&repo);
    assert_eq!(kept.len(), 1);
    assert!(
        message.contains(&kept[0].display().to_string()),
        "{message}"
    );
    let text = std::fs::read_to_string(&kept[0]).unwrap();
    assert!(text.contains("name = \"Mine\""), "the user's edit is kept");
}

#[test]
fn test_edit_bad_forms_are_refused_by_name_and_kept() {
    let repo = project();
    let before = repo.tip();
    let cases = [
        ("unknown key", "t += 'colour = \"red\"\\n'", "colour"),
        (
            "wrong type",
            "t = t.replace('name = \"Parser\"', 'name = 3')",
            "name",
        ),
        (
            "unknown status",
            "t = t.replace('status = \"Queued\"', 'status = \"Sleeping\"')",
            "Sleeping",
        ),
        (
            "not TOML",
            "t += 'this is = = not toml\\n'",
            "not a valid form",
        ),
        (
            "bad estimate",
            "t = t.replace('estimate = \"\"', 'estimate = \"soon\"')",
            "soon",
        ),
        (
            "no name",
            "t = t.replace('name = \"Parser\"', '')",
            "no name",
        ),
    ];
    for (n, (what, code, needle)) in cases.iter().enumerate() {
        let editor = py_editor(&repo, &format!("bad{n}.sh"), code);
        let out = edit(&repo, &editor, &["B1"]);
        assert_eq!(out.status.code(), Some(2), "{what}");
        let env = envelope(&out);
        let message = env["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{what}: {message}");
        assert!(
            message.contains("your edit is kept in"),
            "{what}: {message}"
        );
    }
    assert_eq!(repo.tip(), before, "nothing written");
    assert_eq!(kept_files(&repo).len(), cases.len());
}

#[test]
fn test_edit_invalid_transition_is_refused_by_the_lifecycle() {
    let repo = project();
    let before = repo.tip();
    // Queued → Completed skips the work: the lifecycle refuses it, as `mission update` does.
    let editor = py_editor(
        &repo,
        "done.sh",
        "t = t.replace('status = \"Queued\"', 'status = \"Completed\"')\n\
         t = t.replace('name = \"Parser\"', 'name = \"Done\"')",
    );
    let out = edit(&repo, &editor, &["B1"]);
    let direct = repo.cmos(&["mission", "update", "B1", "--status", "completed"]);
    assert_eq!(out.status.code(), direct.status.code());
    assert!(!out.status.success());
    assert_eq!(repo.tip(), before, "no field written either");
    assert!(String::from_utf8_lossy(&out.stderr).contains("your edit is kept in"));
    assert_eq!(kept_files(&repo).len(), 1);
}

#[test]
fn test_edit_ten_megabyte_file_is_refused_and_kept() {
    let repo = project();
    let before = repo.tip();
    let editor = py_editor(&repo, "big.sh", "t += '#' * (10 * 1024 * 1024) + '\\n'");
    let out = edit(&repo, &editor, &["B1"]);
    assert_eq!(out.status.code(), Some(2));
    let env = envelope(&out);
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains("larger than"), "{message}");
    assert!(message.contains("your file is kept"), "{message}");
    assert_eq!(repo.tip(), before);
    // Remove it at once: disk space is shared.
    for file in kept_files(&repo) {
        std::fs::remove_file(file).unwrap();
    }
}

#[test]
fn test_edit_flags_without_editor() {
    let repo = project();
    repo.ok(&["sprint", "add", "S2", "--title", "Sprint 02"]);
    let before = repo.tip();
    // An editor that would fail proves none is opened.
    let failing = script(&repo, "never.sh", "exit 1");
    let out = edit(
        &repo,
        &failing,
        &[
            "B1",
            "-n",
            "Renamed",
            "-s",
            "current",
            "-p",
            "sprint 02",
            "--notes",
            "flags",
        ],
    );
    let env = envelope(&out);
    assert_eq!(env["ok"], true, "{env:#}");
    let m = repo.json(&["mission", "show", "B1"]);
    assert_eq!(m["name"], "Renamed");
    assert_eq!(m["status"], "Current");
    assert_eq!(m["sprint"], "S2");
    assert_eq!(m["notes"], "flags");
    let count = repo.git(&["rev-list", "--count", &format!("{}..cmos", before.unwrap())]);
    assert_eq!(count.trim(), "1", "one commit");
    // "" clears the notes, as the original's --notes did.
    repo.ok(&["mission", "edit", "B1", "--notes", ""]);
    assert!(repo.json(&["mission", "show", "B1"])["notes"].is_null());
}

#[test]
fn test_edit_completed_at_is_refused_with_what_to_do() {
    let repo = project();
    let before = repo.tip();
    let (code, error) = repo.fails(&["mission", "edit", "B1", "--completed-at", "2024-01-01"]);
    assert_eq!(code, 2);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("mission complete"), "{message}");
    assert_eq!(repo.tip(), before);
}

#[test]
fn test_edit_editor_flag_and_visual_take_precedence() {
    let repo = project();
    let rename = |to: &str| format!("sed -i 's/^name = .*/name = \"{to}\"/' \"$1\"");
    let chosen = script(&repo, "chosen.sh", &rename("By flag"));
    let ignored = script(&repo, "ignored.sh", "exit 1");
    let out = edit(
        &repo,
        &ignored,
        &["B1", "--editor", chosen.to_str().unwrap()],
    );
    assert_eq!(envelope(&out)["ok"], true);
    assert_eq!(repo.json(&["mission", "show", "B1"])["name"], "By flag");
    // $VISUAL over $EDITOR, with the editor given as shell words.
    let visual = script(
        &repo,
        "visual.sh",
        "test \"$1\" = word\nsed -i 's/^name = .*/name = \"By visual\"/' \"$2\"",
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cmos"));
    let out = hermetic(&mut cmd, &repo.home)
        .args(["--json", "mission", "edit", "B1"])
        .current_dir(&repo.path)
        .env("VISUAL", format!("{} word", visual.display()))
        .env("EDITOR", &ignored)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(repo.json(&["mission", "show", "B1"])["name"], "By visual");
}

#[test]
fn test_edit_original_editor_switches() {
    let repo = project();
    let before = repo.tip();
    let failing = script(&repo, "never.sh", "exit 1");
    // --no-editor without fields: nothing to do, and no editor runs.
    let env = envelope(&edit(&repo, &failing, &["B1", "--no-editor"]));
    assert_eq!(env["ok"], true, "{env:#}");
    assert_eq!(env["data"]["changed"], false);
    assert_eq!(repo.tip(), before);
    // --editor with a field flag: the form shows the flag's value, and the whole edit is one
    // commit.
    let editor = py_editor(
        &repo,
        "after.sh",
        "assert 'name = \"Flagged\"' in t\nt = t.replace('notes = \"\"', 'notes = \"from the editor\"')",
    );
    let env = envelope(&edit(&repo, &editor, &["B1", "-n", "Flagged", "--editor"]));
    assert_eq!(env["ok"], true, "{env:#}");
    let m = repo.json(&["mission", "show", "B1"]);
    assert_eq!(m["name"], "Flagged");
    assert_eq!(m["notes"], "from the editor");
    let count = repo.git(&["rev-list", "--count", &format!("{}..cmos", before.unwrap())]);
    assert_eq!(count.trim(), "1");
}
