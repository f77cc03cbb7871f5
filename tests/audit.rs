//! `mission verify | incomplete | audit` and `validate health | docs` on real repositories:
//! what they find, their reports, and their exit codes (0 clean, 6 as `cmos verify` when
//! they find a problem).

mod common;

use common::Repo;
use serde_json::Value;

/// Runs `cmos --json ARGS`; returns the exit code and the envelope.
fn run(repo: &Repo, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = repo.cmos(&all);
    let envelope = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?} printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().expect("exit code"), envelope)
}

/// A project whose sprint S1 ("First sprint") is active, with one complete mission.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "A1",
        "Complete spec",
        "--objective",
        "o",
        "--success",
        "s",
        "--deliverable",
        "README.md",
    ]);
    repo.ok(&["mission", "start", "A1"]);
    repo
}

/// The path of a mission's file on the cmos branch.
fn mission_file(repo: &Repo, id: &str) -> String {
    repo.git(&["ls-tree", "-r", "--name-only", "refs/heads/cmos"])
        .lines()
        .find(|p| p.ends_with(&format!("/{id}.toml")))
        .expect("the mission's file")
        .to_string()
}

fn fields(issues: &Value) -> Vec<(String, String)> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["mission"].as_str().unwrap_or("-").to_string(),
                i["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn test_audit_clean_project_exits_zero() {
    let repo = project();
    for check in [
        &["mission", "audit"][..],
        &["mission", "verify"],
        &["mission", "incomplete"],
    ] {
        let (code, env) = run(&repo, check);
        assert_eq!(code, 0, "{check:?}: {env:#}");
        assert_eq!(env["data"]["clean"], true);
        assert_eq!(env["data"]["issues"], serde_json::json!([]));
    }
    let text = repo.ok(&["mission", "audit"]);
    assert!(text.contains("Active: A1"), "{text}");
    assert!(text.contains("Issues: none"), "{text}");
}

#[test]
fn test_audit_finds_missing_fields_and_exits_like_verify() {
    let repo = project();
    repo.ok(&["mission", "add", "A2", "Bare mission"]);
    let (code, env) = run(&repo, &["mission", "audit"]);
    assert_eq!(code, 6, "{env:#}");
    assert_eq!(env["ok"], true, "the report is the output");
    let found = fields(&env["data"]["issues"]);
    for field in ["objective", "success_criteria", "deliverables"] {
        assert!(found.contains(&("A2".into(), field.into())), "{found:?}");
    }
    // incomplete lists the same gaps and is a listing: exit 0.
    let (code, env) = run(&repo, &["mission", "incomplete"]);
    assert_eq!(code, 0);
    assert_eq!(fields(&env["data"]["issues"]).len(), 3);
    // verify checks consistency only: a bare mission is consistent.
    let (code, _) = run(&repo, &["mission", "verify"]);
    assert_eq!(code, 0);
    let out = repo.cmos(&["mission", "audit"]);
    assert_eq!(out.status.code(), Some(6));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("A2 (objective): has no objective"), "{text}");
}

#[test]
fn test_audit_and_verify_find_dangling_links() {
    let repo = project();
    let path = mission_file(&repo, "A1");
    let mut text = repo.show(&path);
    text.push_str("\n[[depends]]\non = \"GONE\"\ntype = \"requires\"\n");
    repo.edit_on_branch(&path, &text);
    for check in [&["mission", "verify"][..], &["mission", "audit"]] {
        let (code, env) = run(&repo, check);
        assert_eq!(code, 6, "{check:?}: {env:#}");
        let issues = env["data"]["issues"].as_array().unwrap();
        let link = issues
            .iter()
            .find(|i| i["kind"] == "dangling_link")
            .expect("a dangling link");
        assert_eq!(link["mission"], "A1");
        assert!(link["message"].as_str().unwrap().contains("GONE"));
    }
}

#[test]
fn test_audit_active_sprint_with_open_work_and_none_under_way() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "Q1",
        "Waiting",
        "--objective",
        "o",
        "--success",
        "s",
        "--deliverable",
        "d",
    ]);
    repo.ok(&["sprint", "activate", "S1"]);
    let (code, env) = run(&repo, &["mission", "audit"]);
    assert_eq!(code, 6, "{env:#}");
    let issues = env["data"]["issues"].as_array().unwrap();
    assert!(
        issues
            .iter()
            .any(|i| i["kind"] == "no_active_mission" && i["sprint"] == "S1"),
        "{env:#}"
    );
    repo.ok(&["mission", "start", "Q1"]);
    let (code, _) = run(&repo, &["mission", "audit"]);
    assert_eq!(code, 0);
}

#[test]
fn test_audit_sprint_named_by_title_and_unknown_sprint() {
    let repo = project();
    repo.ok(&["sprint", "add", "S2", "--title", "Sprint 02"]);
    repo.ok(&["mission", "add", "B1", "Other sprint", "--sprint", "S2"]);
    // Only S2's missions: B1's gaps, not A1.
    let (code, env) = run(&repo, &["mission", "audit", "sprint 02"]);
    assert_eq!(code, 6);
    assert_eq!(env["data"]["sprint"], "S2");
    assert_eq!(env["data"]["missions"], 1);
    let (code, env) = run(&repo, &["mission", "audit", "First sprint"]);
    assert_eq!(code, 0, "{env:#}");
    let (code, _) = repo.fails(&["mission", "audit", "No such sprint"]);
    assert_eq!(code, 3);
}

#[test]
fn test_validate_health_reports_checks_and_counts() {
    let repo = project();
    let (code, env) = run(&repo, &["validate", "health"]);
    assert_eq!(code, 0, "{env:#}");
    let data = &env["data"];
    assert_eq!(data["healthy"], true);
    assert_eq!(data["counts"]["missions"], 1);
    assert_eq!(data["counts"]["sprints"], 1);
    assert_eq!(data["format"], data["supported_format"]);
    let names: Vec<&str> = data["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["branch", "format", "verify", "working tree", "hooks"]
    );
    // A broken record on the branch: verify's problem makes the project unhealthy.
    let path = mission_file(&repo, "A1");
    repo.edit_on_branch(&path, "this is not toml = = \n");
    let (code, env) = run(&repo, &["validate", "health"]);
    assert_eq!(code, 6, "{env:#}");
    assert_eq!(env["data"]["healthy"], false);
}

#[test]
fn test_validate_docs_checks_paths_inside_the_working_tree() {
    let repo = project();
    std::fs::create_dir_all(repo.path.join("docs")).unwrap();
    std::fs::write(repo.path.join("docs/guide.md"), "guide").unwrap();
    repo.ok(&[
        "mission",
        "add",
        "D1",
        "Docs",
        "--deliverable",
        "docs/guide.md",
        "--deliverable",
        "Write `docs/missing.md` for users",
        "--deliverable",
        "../outside.md",
        "--status",
        "Completed",
    ]);
    // Open work's deliverables are still to be written: not checked.
    repo.ok(&[
        "mission",
        "add",
        "D2",
        "Later",
        "--deliverable",
        "docs/not-yet.md",
    ]);
    let (code, env) = run(&repo, &["validate", "docs"]);
    assert_eq!(code, 6, "{env:#}");
    let status = |path: &str| {
        env["data"]["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path)
            .map(|r| r["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("docs/guide.md").as_deref(), Some("exists"));
    assert_eq!(
        status("README.md"),
        None,
        "A1, In Progress, has not delivered it yet"
    );
    assert_eq!(status("docs/missing.md").as_deref(), Some("missing"));
    assert_eq!(status("../outside.md").as_deref(), Some("escapes"));
    assert_eq!(
        status("docs/not-yet.md"),
        None,
        "an open mission's deliverable"
    );
    assert_eq!(env["data"]["problems"], 2);
}

#[test]
fn test_validate_docs_never_follows_a_link_out_of_the_working_tree() {
    let repo = project();
    // A secret outside the working tree, and a link inside it pointing there.
    let outside = repo.sibling("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.md"), "secret").unwrap();
    std::os::unix::fs::symlink(&outside, repo.path.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside", repo.path.join("rel")).unwrap();
    std::os::unix::fs::symlink("docs", repo.path.join("inside")).unwrap();
    std::fs::create_dir_all(repo.path.join("docs")).unwrap();
    std::fs::write(repo.path.join("docs/a.md"), "a").unwrap();
    std::fs::write(
        repo.path.join("README.md"),
        "[abs](abs/secret.md) [rel](rel/secret.md) [in](inside/a.md) [url](https://x.y/z.md) [top](/etc/passwd)\n",
    )
    .unwrap();
    let (code, env) = run(&repo, &["validate", "docs"]);
    assert_eq!(code, 6);
    let refs = env["data"]["references"].as_array().unwrap();
    let status = |path: &str| {
        refs.iter()
            .find(|r| r["path"] == path)
            .map(|r| r["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("abs/secret.md").as_deref(), Some("link_outside"));
    assert_eq!(status("rel/secret.md").as_deref(), Some("link_outside"));
    assert_eq!(status("inside/a.md").as_deref(), Some("exists"));
    assert_eq!(status("/etc/passwd").as_deref(), Some("absolute"));
    assert_eq!(status("https://x.y/z.md"), None, "URLs are not paths");
    // The human report names the problems, escaped for the terminal.
    let out = repo.cmos(&["validate", "docs"]);
    assert_eq!(out.status.code(), Some(6));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("abs/secret.md (README.md)"), "{text}");
}

#[test]
fn test_validate_docs_reads_a_huge_readme_only_up_to_its_bound() {
    let repo = project();
    let mut readme = "[early](docs/early.md)\n".to_string();
    readme.push_str(&"x".repeat(2 << 20));
    readme.push_str("\n[late](docs/late.md)\n");
    std::fs::write(repo.path.join("README.md"), readme).unwrap();
    let (code, env) = run(&repo, &["validate", "docs"]);
    assert_eq!(code, 6);
    let paths: Vec<&str> = env["data"]["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"docs/early.md"), "{paths:?}");
    assert!(!paths.contains(&"docs/late.md"), "{paths:?}");
    let warnings = env["warnings"].to_string();
    assert!(
        warnings.contains("only the links in its first"),
        "{warnings}"
    );
}
