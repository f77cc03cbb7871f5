//! The layers' boundaries, checked over the source so they stay true: git (gix, object ids,
//! the `git` program) only under src/store/, clap only under src/cli/. A plain text search
//! over the code with comments left out; a failure names the file, the line and the rule.

use std::path::{Path, PathBuf};

/// One boundary: code matching any of `patterns` may appear only under `home`.
struct Rule {
    what: &'static str,
    home: &'static str,
    patterns: &'static [&'static str],
}

const GIT: Rule = Rule {
    what: "git access (gix, object ids, the git program)",
    home: "src/store/",
    patterns: &["gix::", "use gix", "ObjectId", "Command::new(\"git\")"],
};

const CLAP: Rule = Rule {
    what: "clap",
    home: "src/cli/",
    patterns: &["clap"],
};

// Room for the lead: the rule that lifecycle rules are checked only in src/lifecycle/ goes
// here as another `Rule` (its patterns: the refusals and checks that belong to lifecycle),
// with a test like the two below.

/// Every .rs file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read a source directory") {
            let path = entry.expect("read a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a line: nothing of a line comment (`//`, `///`, `//!`), the code before a
/// trailing one. A `//` inside a string literal cuts the line short; no pattern here needs
/// what follows one.
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// Where `rule` is broken in the sources under `root`: `path:line: text`.
fn violations(root: &Path, rule: &Rule) -> Vec<String> {
    let mut found = Vec::new();
    for path in sources(&root.join("src")) {
        let relative = path
            .strip_prefix(root)
            .expect("a source under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if relative.starts_with(rule.home) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            if rule.patterns.iter().any(|p| code(line).contains(p)) {
                found.push(format!("{relative}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

fn check(rule: &Rule) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = violations(root, rule);
    assert!(
        found.is_empty(),
        "{} belongs under {} only; found elsewhere:\n{}",
        rule.what,
        rule.home,
        found.join("\n")
    );
}

#[test]
fn test_git_is_reached_only_through_the_store() {
    check(&GIT);
}

#[test]
fn test_clap_is_used_only_by_the_cli() {
    check(&CLAP);
}

/// The check itself must see what it looks for: a tree with a gix call and a clap derive
/// outside their homes is caught, line by line, and comments are not code.
#[test]
fn test_boundary_check_finds_a_leak_and_ignores_comments() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ops = dir.path().join("src/ops");
    std::fs::create_dir_all(&ops).expect("make src/ops");
    std::fs::create_dir_all(dir.path().join("src/store")).expect("make src/store");
    std::fs::write(
        ops.join("leak.rs"),
        "//! Talks to gix:: directly.\nuse gix::ObjectId;\nfn f() { std::process::Command::new(\"git\"); }\n#[derive(clap::ValueEnum)] // clap\nenum E { A }\n",
    )
    .expect("write a leaking module");
    std::fs::write(dir.path().join("src/store/fine.rs"), "use gix::ObjectId;\n")
        .expect("write a store module");
    assert_eq!(
        violations(dir.path(), &GIT),
        vec![
            "src/ops/leak.rs:2: use gix::ObjectId;".to_string(),
            "src/ops/leak.rs:3: fn f() { std::process::Command::new(\"git\"); }".to_string(),
        ]
    );
    assert_eq!(
        violations(dir.path(), &CLAP),
        vec!["src/ops/leak.rs:4: #[derive(clap::ValueEnum)] // clap".to_string()]
    );
}
