//! Rules live in `src/lifecycle/` only. A rule refuses with one of the errors of the rule
//! kind (an invalid transition, an invalid dependency, a refusal), so those are built in
//! `lifecycle` and nowhere else. The few refusals that are not rules of the work (the trust
//! of files and branches, history, local tooling) are listed below, file by file, with why;
//! a new one anywhere fails this test until it moves into `lifecycle` or is listed here.

use std::path::{Path, PathBuf};

/// The error variants a rule refuses with.
const RULE_ERRORS: [&str; 3] = [
    "Error::InvalidTransition",
    "Error::InvalidDependency",
    "Error::Refused",
];

/// Refusals that are not rules of the work: (file, how many, why).
const ALLOWED: &[(&str, usize, &str)] = &[
    (
        "src/mcp/tools/groups.rs",
        2,
        "actions of the original's consolidated tools that needed its hosted dashboard, or that cmos does another way: not available in a git-native project, not a rule of the work",
    ),
    (
        "src/ops/scope.rs",
        4,
        "which mission or session a command acts on when none is named (the session's mission, this worktree's open session, the next mission): context, not a rule",
    ),
    (
        "src/ops/init.rs",
        1,
        "the configured branch holds something else than cmos: the trust of branches",
    ),
    (
        "src/migrate/apply.rs",
        1,
        "the configured branch holds something else than cmos: the trust of branches",
    ),
    (
        "src/store/gate.rs",
        4,
        "a branch without cmos's marker is never adopted or written: the trust of branches",
    ),
    (
        "src/store/merge.rs",
        1,
        "the first commit of the branch has nothing before it to go back to: history",
    ),
    (
        "src/ops/undo.rs",
        2,
        "undo takes back only this worktree's own operations, never init or a merge: history",
    ),
    (
        "src/ops/sync.rs",
        2,
        "unrelated histories are merged only when asked, and a remote that turns every push away is reported, not retried: the trust of remotes",
    ),
    (
        "src/ops/merge_branch.rs",
        1,
        "another cmos branch with unrelated history is merged only when asked, as sync does: the trust of branches",
    ),
    (
        "src/safe_fs.rs",
        1,
        "files outside git are written only inside their root and never through a link",
    ),
    (
        "src/ops/migrate.rs",
        3,
        "exported files are not overwritten unless asked, nor is a path the branch names unsafely",
    ),
    (
        "src/ops/migrate/dump_out.rs",
        4,
        "a dump replaces only a directory cmos wrote: the trust of files outside git",
    ),
    (
        "src/ops/research.rs",
        1,
        "an exported report is not overwritten unless asked",
    ),
    (
        "src/ops/kb.rs",
        1,
        "a bare repository has no documents to index: the repository, not the work",
    ),
    (
        "src/ops/agents.rs",
        1,
        "a bare repository has no working tree to write AGENTS.md into",
    ),
    (
        "src/cli/input.rs",
        1,
        "the user's editor failed: a tool of this machine, not the work",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Where a line builds one of `RULE_ERRORS`, not only names it: a pattern that matches an
/// error (`Error::Refused(_)`, `e @ Error::Refused(..)`, a `match` arm) builds nothing.
fn constructions(text: &str) -> usize {
    let mut count = 0;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for variant in RULE_ERRORS {
            for (at, _) in code.match_indices(variant) {
                let rest = &code[at + variant.len()..];
                let pattern = rest.starts_with("(_)")
                    || rest.starts_with("(..)")
                    || rest.contains("=>")
                    || code[..at].trim_end().ends_with('@')
                    || code[..at].contains("matches!(");
                if !pattern {
                    count += 1;
                }
            }
        }
    }
    count
}

fn is_lifecycle(relative: &str) -> bool {
    relative == "src/lifecycle.rs" || relative.starts_with("src/lifecycle/")
}

#[test]
fn rule_refusals_are_built_only_in_lifecycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut in_lifecycle = 0;
    for path in &files {
        let relative = path
            .strip_prefix(root)
            .expect("under the crate")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("read a source file");
        let found = constructions(&text);
        if is_lifecycle(&relative) {
            in_lifecycle += found;
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|(file, _, _)| *file == relative)
            .map_or(0, |(_, n, _)| *n);
        if found != allowed {
            wrong.push(format!(
                "{relative}: {found} refusal(s) of the rule kind built here, {allowed} allowed"
            ));
        }
    }
    assert!(
        in_lifecycle > 0,
        "the scan found no refusal in lifecycle: it no longer sees the errors it looks for"
    );
    assert!(
        wrong.is_empty(),
        "a rule is checked outside src/lifecycle/: move the check into lifecycle (a function \
         the operation calls before it writes), or, if it is not a rule of the work, list the \
         file in ALLOWED with why:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_tells_a_construction_from_a_pattern() {
    let text = r#"
        return Err(Error::Refused(format!("no")));
        Err(e @ Error::Refused(_)) => e.to_string(),
        Error::InvalidTransition { id, .. } => vec![id],
        let e = Error::InvalidDependency("x".into()); // Error::Refused in a comment
        assert!(matches!(err, Error::Refused(..)));
    "#;
    assert_eq!(constructions(text), 2);
}

#[test]
fn every_allowed_file_exists_and_says_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, count, why) in ALLOWED {
        assert!(root.join(file).is_file(), "{file} is listed but gone");
        assert!(*count > 0 && why.len() > 20, "{file}: a count and a reason");
    }
}
