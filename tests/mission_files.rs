//! Mission Protocol files: `cmos db export-missions` writes one YAML file per mission, and
//! `cmos mission register` reads such files back as one commit. Files are outside input, so
//! most of these are bad-input tests: each refusal names the file and the reason, and the
//! branch does not move.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::Repo;

fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "B1.1",
        "Core setup",
        "--sprint",
        "S1",
        "--objective",
        "Build the core",
        "--context",
        "Line one\nline two",
        "--success",
        "it builds",
        "--deliverable",
        "src/core.rs",
    ]);
    repo.ok(&["mission", "add", "B1.2", "Unplanned", "--sprint", "S1"]);
    repo
}

fn dir(repo: &Repo, name: &str) -> PathBuf {
    let path = repo.sibling(name);
    fs::create_dir_all(&path).unwrap();
    path
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Asserts `args` is refused as invalid input naming `needle`, and the branch did not move.
fn refused(repo: &Repo, args: &[&str], needle: &str) -> String {
    let tip = repo.tip();
    let (code, error) = repo.fails(args);
    assert_eq!(code, 2, "{error}");
    assert_eq!(error["code"], "invalid_input", "{error}");
    let message = error["message"].as_str().unwrap().to_string();
    assert!(message.contains(needle), "{needle:?} in {message}");
    assert!(message.contains("nothing was registered"), "{message}");
    assert_eq!(repo.tip(), tip, "nothing written");
    message
}

#[test]
fn export_missions_writes_a_file_per_mission_in_a_folder_per_sprint() {
    let repo = project();
    let out = dir(&repo, "out");
    let text = repo.ok(&["db", "export-missions", "--output-dir", s(&out)]);
    let file = out.join("S1/B1.1_Core_setup.yaml");
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(
        text.contains("Skipped 1 mission(s) with no objective") && text.contains("B1.2"),
        "{text}"
    );
    let yaml = fs::read_to_string(&file).unwrap();
    assert!(
        yaml.starts_with("# Mission File: B1.1_Core_setup.yaml\n"),
        "{yaml}"
    );
    for line in [
        "missionId: B1.1",
        "name: Core setup",
        "sprint: S1",
        "objective: Build the core",
        "successCriteria:\n- it builds",
        "deliverables:\n- src/core.rs",
    ] {
        assert!(yaml.contains(line), "{line:?} in {yaml}");
    }
    let data = repo.json(&["db", "export-missions", "--output-dir", s(&out)]);
    assert_eq!(data["written"].as_array().unwrap().len(), 1);
    assert_eq!(data["skipped_without_objective"][0], "B1.2");
    assert_eq!(data["dir"], out.display().to_string());
}

#[test]
fn test_export_missions_lists_skipped_missions_in_id_order() {
    let repo = project();
    for id in ["B1.9", "B1.3", "A7", "C2", "B1.10", "Z1", "M4"] {
        repo.ok(&["mission", "add", id, "No objective", "--sprint", "S1"]);
    }
    let out = dir(&repo, "order");
    let data = repo.json(&["db", "export-missions", "--output-dir", s(&out)]);
    let skipped: Vec<&str> = data["skipped_without_objective"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut sorted = skipped.clone();
    sorted.sort();
    assert_eq!(skipped.len(), 8);
    assert_eq!(skipped, sorted);
}

#[test]
fn export_missions_of_one_id_writes_it_even_without_an_objective_into_the_folder_named() {
    let repo = project();
    let out = dir(&repo, "one");
    repo.ok(&["db", "export-missions", "B1.2", "--output-dir", s(&out)]);
    assert!(out.join("B1.2_Unplanned.yaml").is_file());
    // Without a folder it goes where the original put it, under the working tree.
    repo.ok(&["db", "export-missions", "B1.2"]);
    assert!(
        repo.path
            .join("cmos/missions/S1/B1.2_Unplanned.yaml")
            .is_file()
    );
    let (code, error) = repo.fails(&["db", "export-missions", "B9"]);
    assert_eq!((code, error["code"].as_str()), (3, Some("not_found")));
}

#[test]
fn test_export_missions_file_names_from_names_never_leave_the_folder() {
    let repo = project();
    repo.ok(&[
        "mission",
        "add",
        "B1.3",
        "../../escape/..: a\\b",
        "--sprint",
        "S1",
        "--objective",
        "x",
    ]);
    let out = dir(&repo, "names");
    let data = repo.json(&["db", "export-missions", "--output-dir", s(&out)]);
    let written: Vec<String> = data["written"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        written.contains(
            &out.join("S1/B1.3__.-..-escape-..__a-b.yaml")
                .display()
                .to_string()
        ),
        "{written:?}"
    );
    assert!(!repo.sibling("escape").exists());
}

#[test]
fn test_register_after_export_missions_changes_nothing() {
    let repo = project();
    // An import keeps the original's text as it was (untrimmed, lists with padding), and its
    // references and domain fields in the mission's legacy table.
    let backlog = repo.sibling("backlog.yaml");
    write(
        &backlog,
        "domainFields:\n  sprints:\n    - sprintId: sprint-01\n      title: Sprint 01\n      missions:\n        - id: B0.1\n          name: Imported\n          status: Queued\n          metadata:\n            objective: |\n              Multi line\n              objective\n            successCriteria: [\"  spaced  \"]\n            referenceDocs: [docs/a.md]\n            domainFields: {type: Build.v1, gone: null}\n",
    );
    repo.ok(&["import", "backlog", s(&backlog)]);
    repo.ok(&["mission", "update", "B1.2", "--objective", "  padded  "]);
    let out = dir(&repo, "round");
    repo.ok(&["db", "export-missions", "--output-dir", s(&out)]);
    let tip = repo.tip();
    let data = repo.json(&["mission", "register", s(&out)]);
    let changes: Vec<&str> = data["missions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["unchanged", "unchanged", "unchanged"]);
    assert_eq!(
        repo.tip(),
        tip,
        "no commit for a register that changes nothing"
    );
    let text = repo.ok(&["mission", "register", s(&out)]);
    assert!(text.contains("0 added, 0 updated, 3 unchanged"), "{text}");
    let yaml = fs::read_to_string(out.join("sprint-01/B0.1_Imported.yaml")).unwrap();
    assert!(
        yaml.contains("references:\n- docs/a.md") && yaml.contains("type: Build.v1"),
        "{yaml}"
    );
}

#[test]
fn register_adds_and_updates_as_one_commit_and_says_what_changed() {
    let repo = project();
    let out = dir(&repo, "reg");
    repo.ok(&["db", "export-missions", "--output-dir", s(&out)]);
    let b11 = out.join("S1/B1.1_Core_setup.yaml");
    let edited = fs::read_to_string(&b11)
        .unwrap()
        .replace("Build the core", "Build the whole core");
    fs::write(&b11, edited).unwrap();
    write(
        &out.join("S1/B1.4_Spec_form.yaml"),
        "---\napiVersion: mission.protocol.v2\nkind: Mission\nmetadata:\n  id: B1.4\n  name: Spec form\n  sprint: First sprint\nmissionId: \"B1.4\"\nspec:\n  objective: |\n    Read the spec form.\n  success_criteria:\n    - read\n  estimated_effort: 2h\n",
    );
    write(
        &out.join("S2/B2.1_New_sprint_mission.yaml"),
        "missionId: B2.1\nsprint: Sprint 02\nobjective: Later\nreferences: [docs/plan.md]\ndomainFields:\n  type: Build.Implementation.v1\n  researchFoundation:\n    - finding: it works\n      sourceMission: R1\n",
    );
    let commits = repo.git(&["rev-list", "--count", "cmos"]);
    let out_text = repo.ok(&["mission", "register", s(&out)]);
    assert_eq!(
        repo.git(&["rev-list", "--count", "cmos"])
            .trim()
            .parse::<u32>()
            .unwrap(),
        commits.trim().parse::<u32>().unwrap() + 1,
        "one commit"
    );
    assert!(out_text.contains("B1.1 updated (objective)"), "{out_text}");
    assert!(out_text.contains("B1.4 added"), "{out_text}");
    assert!(out_text.contains("B2.1 added"), "{out_text}");
    assert!(
        out_text.contains("2 added, 1 updated, 0 unchanged"),
        "{out_text}"
    );
    let b14 = repo.json(&["mission", "show", "B1.4"]);
    assert_eq!(
        (b14["sprint"].as_str(), b14["name"].as_str()),
        (Some("S1"), Some("Spec form"))
    );
    assert_eq!(b14["objective"], "Read the spec form.");
    let b21 = repo.json(&["mission", "show", "B2.1"]);
    assert_eq!(b21["name"], "New sprint mission", "named from its file");
    assert_eq!(
        repo.json(&["sprint", "show", b21["sprint"].as_str().unwrap()])["title"],
        "Sprint 02"
    );
    // What it carries comes back out as it went in.
    let again = dir(&repo, "again");
    repo.ok(&["db", "export-missions", "B2.1", "--output-dir", s(&again)]);
    let yaml = fs::read_to_string(again.join("B2.1_New_sprint_mission.yaml")).unwrap();
    assert!(yaml.contains("references:\n- docs/plan.md"), "{yaml}");
    assert!(yaml.contains("sourceMission: R1"), "{yaml}");
    let envelope = repo.envelope(&["mission", "register", s(&out)]);
    assert_eq!(
        envelope["data"]["missions"][1]["ignored"],
        serde_json::json!([])
    );
}

#[test]
fn register_takes_the_sprint_from_the_folder_the_original_named_after_it() {
    let repo = project();
    let folder = dir(&repo, "missions");
    write(
        &folder.join("S1/B1.9_Folder.yaml"),
        "missionId: B1.9\nobjective: x\n",
    );
    repo.ok(&["mission", "register", s(&folder)]);
    assert_eq!(repo.json(&["mission", "show", "B1.9"])["sprint"], "S1");
}

#[test]
fn test_register_refuses_a_new_mission_that_names_no_sprint() {
    let repo = project();
    let file = repo.sibling("loose/B3.1_Loose.yaml");
    write(&file, "missionId: B3.1\nobjective: Somewhere\n");
    let message = refused(&repo, &["mission", "register", s(&file)], "names no sprint");
    assert!(message.contains("B3.1_Loose.yaml"), "{message}");
}

#[test]
fn test_register_refuses_a_mission_id_that_would_leave_the_missions_folder() {
    let repo = project();
    let file = repo.sibling("bad/x.yaml");
    write(&file, "missionId: ../x\nsprint: S1\nname: X\n");
    refused(&repo, &["mission", "register", s(&file)], "contains '..'");
}

#[test]
fn test_register_refuses_a_folder_with_no_yaml_files() {
    let repo = project();
    let folder = dir(&repo, "empty");
    write(&folder.join("README.md"), "# not a mission\n");
    refused(
        &repo,
        &["mission", "register", s(&folder)],
        "no .yaml or .yml file",
    );
}

#[test]
fn test_register_refuses_the_same_mission_in_two_files() {
    let repo = project();
    let folder = dir(&repo, "dupes");
    write(
        &folder.join("a.yaml"),
        "missionId: B5.1\nsprint: S1\nname: A\n",
    );
    write(
        &folder.join("b.yml"),
        "missionId: B5.1\nsprint: S1\nname: B\n",
    );
    let message = refused(&repo, &["mission", "register", s(&folder)], "is in both");
    assert!(
        message.contains("a.yaml") && message.contains("b.yml"),
        "{message}"
    );
}

#[test]
fn test_register_refuses_a_file_too_large_for_a_mission_file() {
    let repo = project();
    let file = repo.sibling("big.yaml");
    let mut text = String::from("missionId: B6.1\nsprint: S1\nname: Big\ncontext: |\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("  a line of context that goes on and on and on and on and on\n");
    }
    write(&file, &text);
    refused(&repo, &["mission", "register", s(&file)], "larger than");
}

#[test]
fn test_register_refuses_bad_yaml_and_bad_fields_with_the_file_and_place() {
    let repo = project();
    let file = repo.sibling("broken.yaml");
    write(&file, "missionId: B7.1\nobjective: [unclosed\n");
    let message = refused(&repo, &["mission", "register", s(&file)], "line");
    assert!(message.contains("broken.yaml"), "{message}");
    write(
        &file,
        "missionId: B7.1\nsprint: S1\nname: X\nsuccessCriteria: {a: 1}\n",
    );
    refused(
        &repo,
        &["mission", "register", s(&file)],
        "successCriteria must be a list",
    );
    write(
        &file,
        "missionId: B7.1\nsprint: S1\nname: \"two\\nlines\"\n",
    );
    refused(&repo, &["mission", "register", s(&file)], "one line");
    write(&file, "backlog: not a mission\n");
    refused(
        &repo,
        &["mission", "register", s(&file)],
        "holds no mission",
    );
}

#[test]
fn test_register_one_bad_file_refuses_the_whole_batch() {
    let repo = project();
    let folder = dir(&repo, "batch");
    write(
        &folder.join("S1/B8.1_Good.yaml"),
        "missionId: B8.1\nobjective: fine\n",
    );
    write(
        &folder.join("S1/B8.2_Bad.yaml"),
        "missionId: B8.2\nobjective: {no: text}\n",
    );
    refused(
        &repo,
        &["mission", "register", s(&folder)],
        "objective must be text",
    );
    let (_, error) = repo.fails(&["mission", "show", "B8.1"]);
    assert_eq!(error["code"], "not_found");
}

#[test]
fn register_skips_what_a_folder_holds_that_is_not_a_mission_file() {
    let repo = project();
    let folder = dir(&repo, "mixed");
    repo.ok(&[
        "db",
        "export",
        "backlog",
        "--output",
        s(&folder.join("backlog.yaml")),
    ]);
    write(
        &folder.join("S1/B9.1_Real.yaml"),
        "missionId: B9.1\nobjective: x\n",
    );
    let elsewhere = repo.sibling("elsewhere.yaml");
    write(&elsewhere, "missionId: B9.2\nsprint: S1\nname: Linked\n");
    std::os::unix::fs::symlink(&elsewhere, folder.join("S1/link.yaml")).unwrap();
    let data = repo.json(&["mission", "register", s(&folder)]);
    assert_eq!(data["missions"].as_array().unwrap().len(), 1);
    let skipped = data["skipped_files"].to_string();
    assert!(
        skipped.contains("backlog.yaml") && skipped.contains("not a mission file"),
        "{skipped}"
    );
    assert!(
        skipped.contains("link.yaml") && skipped.contains("symbolic link"),
        "{skipped}"
    );
    let (_, error) = repo.fails(&["mission", "show", "B9.2"]);
    assert_eq!(error["code"], "not_found");
}
