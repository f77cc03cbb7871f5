//! What imports write is checked like everything else cmos writes: a dump with a record the
//! branch could not hold (a bad id, a file in the wrong place, a link to nothing, a cycle) is
//! refused whole, naming the file; records of other tools are held to the CLI's rules for
//! names and texts, cleaned and cut with a note per record.

mod common;

use std::path::{Path, PathBuf};

use common::Repo;
use serde_json::Value;

/// A project with missions A1 and B1 (B1 requires A1), exported; the dump's directory.
fn exported() -> (Repo, PathBuf) {
    let src = Repo::new();
    src.init();
    src.ok(&["mission", "add", "A1", "a"]);
    src.ok(&["mission", "add", "B1", "b"]);
    src.ok(&["mission", "depends", "B1", "A1", "--type", "requires"]);
    let out = src.sibling("exp");
    src.ok(&["export", "all", "--out", out.to_str().unwrap()]);
    (src, out)
}

/// The file of mission `id` in the dump at `out`.
fn mission_file(out: &Path, id: &str) -> PathBuf {
    let missions = out.join("dump/.cmos/missions");
    for dir in std::fs::read_dir(&missions).unwrap() {
        let file = dir.unwrap().path().join(format!("{id}.toml"));
        if file.exists() {
            return file;
        }
    }
    panic!("no file for {id} under {}", missions.display());
}

/// Imports the dump at `out` into a fresh repository, expecting a refusal that names `file`
/// and says `why`; the new repository must have no branch afterwards.
fn refused(out: &Path, file: &str, why: &str) {
    let dst = Repo::new();
    let (code, error) = dst.fails(&["import", "dump", out.to_str().unwrap()]);
    assert_eq!(error["code"], "invalid_input", "{error:#}");
    assert_ne!(code, 0);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(file) && message.contains(why), "{message}");
    assert_eq!(dst.tip(), None, "nothing may be written");
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{text}");
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn test_import_dump_refuses_a_requires_cycle() {
    // r9: B1 requires A1, and the edited A1 requires B1.
    let (_src, out) = exported();
    let a1 = mission_file(&out, "A1");
    let mut text = std::fs::read_to_string(&a1).unwrap();
    text.push_str("\n[[depends]]\non = \"B1\"\ntype = \"requires\"\n");
    std::fs::write(&a1, text).unwrap();
    refused(&out, "missions/", "close a cycle");
}

#[test]
fn test_import_dump_refuses_an_id_with_a_slash_that_a_cache_rebuild_would_lose() {
    // r9b: `x/A1` was written to A1.toml and vanished once the index was rebuilt.
    let (_src, out) = exported();
    let b1 = mission_file(&out, "B1");
    edit(&b1, "on = \"A1\"", "on = \"B1x\"");
    let a1 = mission_file(&out, "A1");
    edit(&a1, "id = \"A1\"", "id = \"x/A1\"");
    refused(&out, "A1.toml", "invalid mission id \"x/A1\"");
}

#[test]
fn test_import_dump_refuses_empty_dotdot_and_dash_ids() {
    for bad in ["", "..", "-rf"] {
        let (_src, out) = exported();
        edit(
            &mission_file(&out, "B1"),
            "id = \"B1\"",
            &format!("id = \"{bad}\""),
        );
        refused(&out, "B1.toml", "invalid mission id");
    }
}

#[test]
fn test_import_dump_refuses_a_record_in_another_records_file() {
    // A valid id in the file of another: the branch would hold C1 at B1's path.
    let (_src, out) = exported();
    edit(&mission_file(&out, "B1"), "id = \"B1\"", "id = \"C1\"");
    refused(&out, "B1.toml", "belongs in .cmos/missions/");
}

#[test]
fn test_import_dump_refuses_a_link_to_a_mission_it_does_not_hold() {
    let (_src, out) = exported();
    edit(&mission_file(&out, "B1"), "on = \"A1\"", "on = \"Z9\"");
    refused(&out, "B1.toml", "which the dump does not hold");
}

#[test]
fn test_import_dump_refuses_a_name_with_escape_sequences_or_over_the_limit() {
    let (_src, out) = exported();
    edit(
        &mission_file(&out, "A1"),
        "name = \"a\"",
        "name = \"a\\u001b[2J\"",
    );
    refused(&out, "A1.toml", "control characters");
    let (_src, out) = exported();
    edit(
        &mission_file(&out, "A1"),
        "name = \"a\"",
        &format!("name = \"{}\"", "a".repeat(201)),
    );
    refused(&out, "A1.toml", "longer than 200 characters");
}

#[test]
fn test_import_dump_of_an_untouched_export_still_round_trips() {
    let (_src, out) = exported();
    let dst = Repo::new();
    dst.json(&["import", "dump", out.to_str().unwrap()]);
    let show = dst.json(&["mission", "show", "B1"]).to_string();
    assert!(show.contains("A1"), "{show}");
    assert!(dst.ok(&["verify"]).contains("no problems"));
}

fn notes_of(report: &Value) -> String {
    format!("{} {}", report["mapped"], report["skipped"])
}

#[test]
fn test_imported_beads_title_with_escape_sequences_reaches_no_terminal() {
    // r7: an OSC title change, a screen clear and a fake row in an imported title.
    let repo = Repo::new();
    let beads = repo.sibling("issues.jsonl");
    std::fs::write(
        &beads,
        concat!(
            r#"{"id":"bd-1","title":"fix\u001b]0;owned\u0007\u001b[2J\u001b[1;32m\rB9  Completed  -  -  all good","status":"open","description":"line one\nline two\u001b[31m red"}"#,
            "\n"
        ),
    )
    .unwrap();
    let report = repo.json(&["import", "beads", beads.to_str().unwrap()]);
    let notes = notes_of(&report);
    assert!(
        notes.contains("mission name with control characters") && notes.contains("bd-1"),
        "{report:#}"
    );
    let show = repo.json(&["mission", "show", "bd-1"]);
    let mission = show.to_string();
    assert!(
        !mission.contains("\\u001b") && !mission.contains("\\r"),
        "{mission}"
    );
    assert!(
        mission.contains("fix B9 Completed - - all good"),
        "{mission}"
    );
    assert!(mission.contains("line one\\nline two red"), "{mission}");
    let list = repo.cmos(&["mission", "list"]);
    assert!(
        !list.stdout.contains(&0x1b),
        "escape bytes reached the terminal"
    );
    assert!(repo.ok(&["verify"]).contains("no problems"));
}

#[test]
fn test_imported_title_of_200_kb_does_not_become_a_mission_name() {
    let repo = Repo::new();
    let beads = repo.sibling("issues.jsonl");
    let title = "long ".repeat(40_000);
    let notes = "n".repeat(100_000);
    std::fs::write(
        &beads,
        format!(
            "{{\"id\":\"bd-1\",\"title\":\"{title}\",\"status\":\"open\",\"notes\":\"{notes}\"}}\n{{\"id\":\"bd-2\",\"title\":\"short\",\"status\":\"open\"}}\n"
        ),
    )
    .unwrap();
    let report = repo.json(&["import", "beads", beads.to_str().unwrap()]);
    let cut = report["mapped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["what"]
                .as_str()
                .unwrap()
                .starts_with("mission name longer than 200 characters: cut")
        })
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(cut["examples"], serde_json::json!(["bd-1"]), "{report:#}");
    let show = repo.json(&["mission", "show", "bd-1"]);
    let name = show["mission"]["name"]
        .as_str()
        .or(show["name"].as_str())
        .unwrap_or_else(|| panic!("{show:#}"));
    assert_eq!(name.chars().count(), 200, "{name}");
    assert!(name.ends_with('…'));
    assert!(repo.ok(&["verify"]).contains("no problems"));
}
