//! What reaches a terminal when the branch holds hostile text: a collaborator with push access
//! writes names, notes and file names with escape sequences in them, and `cmos` must show them
//! escaped (never obeyed), keep JSON exact, and keep warnings about a damaged branch bounded.

mod common;

use common::Repo;
use serde_json::Value;

/// The name from r7: set the window title, clear the screen, go back to the start of the line
/// and print a fake green row; then a C1 CSI and a right-to-left override.
const HOSTILE_TOML: &str = r#"fix\u001B]0;owned\u0007\u001B[2J\u001B[1;32m\rB9  Completed  -  -  all good\u009B2J\u202Eevil"#;
const HOSTILE: &str = "fix\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[1;32m\rB9  Completed  -  -  all good\u{9b}2J\u{202e}evil";

/// Bytes a terminal would obey: C0 controls but newline and tab, DEL, C1 controls (UTF-8
/// `C2 80`..`C2 9F`), and the bidirectional overrides and isolates.
fn obeyed(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| format!("{:?}", c))
        .collect()
}

/// A project with mission X, whose file on the branch is returned as (path, content).
fn project_with_mission_x() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["mission", "add", "X", "placeholder", "--sprint", "S1"]);
    let path = repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/missions",
        ])
        .lines()
        .find(|p| p.ends_with("/X.toml"))
        .expect("the mission file")
        .to_string();
    let content = repo.show(&path);
    (repo, path, content)
}

/// Mission X renamed on the branch to the hostile name, as a collaborator's push would.
fn project_with_hostile_name() -> Repo {
    let (repo, path, content) = project_with_mission_x();
    let hostile = content.replace(
        "name = \"placeholder\"",
        &format!("name = \"{HOSTILE_TOML}\""),
    );
    assert_ne!(hostile, content, "the name line was found");
    repo.push_files(&[(path, hostile)]);
    repo
}

#[test]
fn test_mission_list_escapes_terminal_sequences_in_branch_names() {
    let repo = project_with_hostile_name();
    let list = repo.cmos(&["mission", "list"]);
    assert!(list.status.success());
    assert_eq!(obeyed(&list.stdout), Vec::<String>::new());
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains(r"fix\e]0;owned\u{7}\e[2J\e[1;32m\rB9"),
        "{text}"
    );
    assert!(text.contains(r"\u{9b}2J\u{202e}evil"), "{text}");
    assert_eq!(
        text.lines().count(),
        2,
        "a header and one row, no fake row:\n{text}"
    );
    for args in [
        &["mission", "show", "X"][..],
        &["mission", "next"],
        &["status"],
    ] {
        let out = repo.cmos(args);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(obeyed(&out.stdout), Vec::<String>::new(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(r"\e[2J"),
            "{args:?} shows the name, escaped"
        );
    }
}

#[test]
fn test_json_output_keeps_hostile_branch_names_exact() {
    let repo = project_with_hostile_name();
    let out = repo.cmos(&["--json", "mission", "list"]);
    assert!(!out.stdout.contains(&0x1b), "serde escapes ESC in JSON");
    let envelope: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(envelope["data"][0]["name"], HOSTILE, "{envelope:#}");
}

#[test]
fn test_mission_show_keeps_newlines_of_notes_but_escapes_their_controls() {
    let (repo, path, content) = project_with_mission_x();
    let notes = r#"notes = "first line\nsecond \u001B[31mred\u001B[0m\ttab\rover\u0085end""#;
    repo.push_files(&[(path, format!("{}{notes}\n", content))]);
    let out = repo.cmos(&["mission", "show", "X"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(obeyed(&out.stdout), Vec::<String>::new());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("first line\nsecond \\e[31mred\\e[0m\ttab\\rover\\u{85}end"),
        "{text}"
    );
}

/// A file hand-placed with an escape sequence in its name: every command warns about it on
/// stderr, and `verify` names it in its error.
#[test]
fn test_warnings_and_errors_escape_terminal_sequences_in_branch_file_names() {
    let (repo, _, content) = project_with_mission_x();
    let path = ".cmos/missions/zz/evil\u{1b}[2J\u{1b}[H.toml".to_string();
    repo.push_files(&[(path, content)]);
    let list = repo.cmos(&["mission", "list"]);
    assert!(list.status.success());
    let stderr = String::from_utf8_lossy(&list.stderr);
    // Named, with its escapes visible (the tree reader quotes it as \u{1b}, output as \e).
    let named = |text: &str| {
        text.contains(r"evil\e[2J\e[H.toml") || text.contains(r"evil\u{1b}[2J\u{1b}[H.toml")
    };
    assert!(named(&stderr), "{stderr}");
    assert_eq!(obeyed(&list.stderr), Vec::<String>::new(), "{stderr}");
    let verify = repo.cmos(&["verify"]);
    assert!(!verify.status.success(), "the misplaced file is a problem");
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(named(&stderr), "{stderr}");
    assert_eq!(obeyed(&verify.stderr), Vec::<String>::new(), "{stderr}");
    assert_eq!(obeyed(&verify.stdout), Vec::<String>::new());
}

/// 500 mission files where cmos never looks: each is a warning, and every command used to print
/// all of them (300,000 made 43 MB).
#[test]
fn test_commands_print_a_bounded_summary_of_500_misplaced_file_warnings() {
    let (repo, _, content) = project_with_mission_x();
    let files: Vec<(String, String)> = (0..500)
        .map(|i| {
            (
                format!(".cmos/missions/misplaced/M{i:03}.toml"),
                content.clone(),
            )
        })
        .collect();
    repo.push_files(&files);
    let list = repo.cmos(&["mission", "list"]);
    assert!(list.status.success());
    let stderr = String::from_utf8_lossy(&list.stderr);
    assert!(stderr.len() < 4096, "{} bytes of warnings", stderr.len());
    assert!(stderr.contains("500 in all"), "{stderr}");
    assert!(stderr.contains("cmos verify"), "{stderr}");
    assert!(
        stderr.contains("M000.toml"),
        "the first ones are shown: {stderr}"
    );

    let envelope = repo.envelope(&["mission", "list"]);
    let warnings = envelope["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 6, "five shown and a count: {warnings:#?}");
    assert!(warnings[5].as_str().unwrap().contains("495 more"));

    let verify = repo.envelope(&["verify"]);
    let problems = &verify["error"]["problems"];
    assert_eq!(
        problems.as_array().map_or(0, Vec::len),
        500,
        "verify lists them all: {verify:#}"
    );
}

/// `cmos mission add` refuses such a name; `verify` used to pass the same name on the branch.
#[test]
fn test_verify_flags_control_characters_and_overlong_names_on_the_branch() {
    let (repo, path, content) = project_with_mission_x();
    repo.ok(&["verify"]);
    let hostile = content.replace(
        "name = \"placeholder\"",
        &format!("name = \"{HOSTILE_TOML}\""),
    );
    let name_line = hostile
        .lines()
        .position(|l| l.starts_with("name = "))
        .expect("a name line")
        + 1;
    repo.push_files(&[(path.clone(), hostile)]);
    let (_, error) = repo.fails(&["verify"]);
    let problems = error["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{error:#}");
    assert_eq!(problems[0]["path"], path.as_str());
    assert_eq!(problems[0]["line"], name_line);
    let message = problems[0]["message"].as_str().unwrap();
    assert!(
        message.contains("name") && message.contains(r"\e"),
        "{message}"
    );

    let long = content.replace(
        "name = \"placeholder\"",
        &format!("name = \"{}\"", "n".repeat(300)),
    );
    repo.push_files(&[(path.clone(), long)]);
    let (_, error) = repo.fails(&["verify"]);
    let message = error["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("300 characters"), "{message}");
    let out = repo.cmos(&["mission", "add", "Y", &"n".repeat(300)]);
    assert!(!out.status.success(), "the CLI refuses what verify flags");
}
