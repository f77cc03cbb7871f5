//! The sprint close-out's writes through the real binary, on a project with several sprints
//! of history: `sprint carry-forward` (missions, next steps, a dry run that writes nothing,
//! each refusal) and `sprint complete --retro` (the retrospective file, the snapshot, every
//! archived id listed, evergreen and untagged records kept, `undo` taking it all back), the
//! original's edge cases, a malformed record on the branch, and the MCP tools.

mod common;

use std::cell::Cell;
use std::process::{Command, Output};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A project whose every command runs at its own minute, so versions order by time.
struct Project {
    repo: Repo,
    minute: Cell<u32>,
}

impl Project {
    fn new() -> Project {
        Project {
            repo: Repo::new(),
            minute: Cell::new(0),
        }
    }

    fn now(&self) -> String {
        let n = self.minute.get();
        self.minute.set(n + 1);
        format!(
            "2026-11-{:02}T{:02}:{:02}:00Z",
            1 + n / 600,
            8 + (n % 600) / 60,
            n % 60
        )
    }

    fn run(&self, args: &[&str]) -> Output {
        hermetic(
            &mut Command::new(env!("CARGO_BIN_EXE_cmos")),
            &self.repo.home,
        )
        .env("CMOS_TEST_NOW", self.now())
        .env("NO_COLOR", "1")
        .args(args)
        .current_dir(&self.repo.path)
        .output()
        .expect("run cmos")
    }

    /// `cmos ARGS`, asserting success; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "cmos {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn envelope(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_slice(&self.run(&all).stdout).expect("an envelope")
    }

    /// `cmos --json ARGS`, asserting success; the data.
    fn json(&self, args: &[&str]) -> Value {
        let envelope = self.envelope(args);
        assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
        envelope["data"].clone()
    }

    /// `cmos --json ARGS`, asserting it fails and writes nothing; the error.
    fn refused(&self, args: &[&str]) -> Value {
        let before = self.repo.tip();
        let envelope = self.envelope(args);
        assert_eq!(envelope["ok"], false, "cmos {args:?}: {envelope:#}");
        assert_eq!(self.repo.tip(), before, "cmos {args:?} wrote nothing");
        envelope["error"].clone()
    }

    fn id_of(&self, kind: &str, text: &str) -> String {
        let list = self.json(&[kind, "list", "--all"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|i| i["text"] == text)
            .unwrap_or_else(|| panic!("{kind} {text:?} in {list:#}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn status_of(&self, kind: &str, id: &str) -> Value {
        self.json(&[kind, "show", id])["status"].clone()
    }

    /// Marks a decision or learning evergreen by hand, as a version on the branch.
    fn make_evergreen(&self, kind: &str, dir: &str, id: &str) {
        let mut item = self.json(&[kind, "show", id]);
        item["evergreen"] = json!(true);
        item["updated_at"] = json!(self.now());
        let line = format!("{}\n", serde_json::to_string(&item).unwrap());
        self.repo
            .edit_on_branch(&format!(".cmos/{dir}/2026-11/byhand-001.jsonl"), &line);
    }

    /// The retrospective files on the cmos branch, one a line.
    fn retro_files(&self) -> String {
        self.repo.git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/retros",
        ])
    }

    /// How many commits the cmos branch has.
    fn commits(&self) -> usize {
        self.repo
            .git(&["rev-list", "--count", "refs/heads/cmos"])
            .trim()
            .parse()
            .unwrap()
    }
}

/// Ids of the records a list of them names.
fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort();
    v.into_iter().map(String::from).collect()
}

/// Names of the decisions and learnings of the history, by role.
struct Records {
    toml: String,
    evergreen: String,
    superseded: String,
    superseding: String,
    learning: String,
    untagged: String,
    open_step: String,
}

/// Four sprints of history. S1: A1 Completed, A2 Blocked, A3 In Progress, A4 Deferred, A5
/// Dropped, A6 Queued, A7 waiting for review; decisions made in it (one evergreen, one
/// superseded by another), a learning, an open and a done next step. S2 Planned and empty;
/// S3 parked missions only; S4 empty. One decision belongs to no sprint.
fn history() -> (Project, Records) {
    let p = Project::new();
    p.ok(&[
        "init",
        "--name",
        "demo",
        "--sprint",
        "S1",
        "--sprint-title",
        "Foundations",
    ]);
    p.ok(&["sprint", "add", "S2", "--title", "Next"]);
    p.ok(&["sprint", "add", "S3", "--title", "Parked"]);
    p.ok(&["sprint", "add", "S4", "--title", "Empty"]);
    for (id, name, sprint) in [
        ("A1", "Parse the config", "S1"),
        ("A2", "Cache the index", "S1"),
        ("A3", "Write the docs", "S1"),
        ("A4", "Port to Windows", "S1"),
        ("A5", "Try YAML", "S1"),
        ("A6", "Add a GUI", "S1"),
        ("A7", "Score it", "S1"),
        ("B1", "Maybe later", "S3"),
        ("B2", "Not needed", "S3"),
    ] {
        p.ok(&["mission", "add", id, name, "--sprint", sprint]);
    }
    p.ok(&["mission", "start", "A1"]);
    p.ok(&[
        "session",
        "start",
        "--type",
        "build",
        "--title",
        "Parser",
        "--mission",
        "A1",
    ]);
    p.ok(&[
        "decision",
        "add",
        "Use TOML",
        "--rationale",
        "The branch uses it",
    ]);
    p.ok(&[
        "decision",
        "add",
        "Keep one binary",
        "--rationale",
        "Easy to install",
        "--mission",
        "A1",
    ]);
    p.ok(&[
        "decision",
        "add",
        "Cache in memory",
        "--rationale",
        "Fast",
        "--mission",
        "A1",
    ]);
    let superseded = p.id_of("decision", "Cache in memory");
    p.ok(&[
        "decision",
        "add",
        "Cache on disk",
        "--rationale",
        "Survives restarts",
        "--supersedes",
        &superseded,
        "--mission",
        "A1",
    ]);
    p.ok(&["learning", "add", "Hooks run with a minimal PATH"]);
    p.ok(&["next-step", "add", "Handle a missing config"]);
    p.ok(&["next-step", "add", "Tidy the parser"]);
    let tidy = p.id_of("next-step", "Tidy the parser");
    p.ok(&["next-step", "done", &tidy]);
    p.ok(&["mission", "complete", "A1", "--notes", "Reads TOML once"]);
    p.ok(&["session", "complete", "--summary", "Parser done"]);
    // No session is open: this decision belongs to no sprint.
    p.ok(&["decision", "add", "Use UTC", "--rationale", "One clock"]);
    p.ok(&["mission", "start", "A2"]);
    p.ok(&[
        "mission",
        "block",
        "A2",
        "--reason",
        "Waiting for the format",
    ]);
    p.ok(&["mission", "start", "A3"]);
    p.ok(&["mission", "defer", "A4"]);
    p.ok(&["mission", "drop", "A5", "--reason", "TOML is enough"]);
    p.ok(&["--agent", "alice", "mission", "start", "A7"]);
    p.ok(&[
        "--agent",
        "alice",
        "mission",
        "complete",
        "A7",
        "--validation-score",
        "0.72",
        "--evidence",
        "tests pass",
    ]);
    p.ok(&["mission", "defer", "B1"]);
    p.ok(&["mission", "drop", "B2", "--reason", "Not needed"]);
    let records = Records {
        toml: p.id_of("decision", "Use TOML"),
        evergreen: p.id_of("decision", "Keep one binary"),
        superseding: p.id_of("decision", "Cache on disk"),
        superseded,
        learning: p.id_of("learning", "Hooks run with a minimal PATH"),
        untagged: p.id_of("decision", "Use UTC"),
        open_step: p.id_of("next-step", "Handle a missing config"),
    };
    p.make_evergreen("decision", "decisions", &records.evergreen);
    (p, records)
}

fn item<'v>(report: &'v Value, id: &str) -> &'v Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report:#}"))
}

#[test]
fn carry_forward_moves_open_missions_and_next_steps_in_one_commit_and_reports_each() {
    let (p, r) = history();
    let commits = p.commits();
    let report = p.json(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert_eq!(p.commits(), commits + 1, "one commit");
    assert_eq!(
        (report["from"].as_str(), report["to"].as_str()),
        (Some("S1"), Some("S2"))
    );
    assert_eq!(report["dry_run"], false);
    assert_eq!(
        (report["moved"].as_u64(), report["stayed"].as_u64()),
        (Some(4), Some(3))
    );
    let moved: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "moved")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(sorted(moved), sorted(vec!["A2", "A3", "A6", &r.open_step]));
    let a2 = item(&report, "A2");
    assert_eq!(a2["kind"], "mission");
    assert_eq!(a2["name"], "Cache the index");
    assert_eq!(
        (a2["from"].as_str(), a2["to"].as_str()),
        (Some("S1"), Some("S2"))
    );
    assert!(a2["reason"].is_null());
    let step = item(&report, &r.open_step);
    assert_eq!(step["kind"], "next_step");
    assert_eq!(step["name"], "Handle a missing config");
    for (id, why) in [
        ("A4", "parked (Deferred)"),
        ("A5", "parked (Dropped)"),
        ("A7", "waiting for review"),
    ] {
        let stays = item(&report, id);
        assert_eq!(stays["action"], "stayed", "{stays:#}");
        assert!(stays["reason"].as_str().unwrap().contains(why), "{stays:#}");
    }
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != "A1"),
        "completed work is not carried nor listed"
    );

    // The missions keep their status and history; only their sprint changed.
    let a2 = p.json(&["mission", "show", "A2"]);
    assert_eq!(
        (a2["sprint"].as_str(), a2["status"].as_str()),
        (Some("S2"), Some("Blocked"))
    );
    assert_eq!(p.json(&["mission", "show", "A4"])["sprint"], "S1");
    assert_eq!(p.json(&["mission", "show", "A7"])["sprint"], "S1");
    let step = p.json(&["next-step", "show", &r.open_step]);
    assert_eq!(step["sprint"], "S2");
    assert_eq!(step["note"], "carried from sprint S1");
    let s2 = p.json(&["mission", "list", "--sprint", "S2"]);
    assert_eq!(ids(&s2), sorted(vec!["A2", "A3", "A6"]));

    // The human report lists each item and why the others stay.
    let (q, _) = history();
    let text = q.ok(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert!(
        text.contains("Carried 4 item(s) from sprint S1 to sprint S2; 3 stay(s)"),
        "{text}"
    );
    assert!(
        text.contains("moved to S2") && text.contains("A7: "),
        "{text}"
    );
}

#[test]
fn a_dry_run_reports_the_same_and_writes_nothing() {
    let (p, _) = history();
    let tip = p.repo.tip();
    let dry = p.json(&["sprint", "carry-forward", "S1", "--to", "S2", "--dry-run"]);
    assert_eq!(p.repo.tip(), tip, "the branch head did not move");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(p.json(&["mission", "show", "A2"])["sprint"], "S1");
    let text = p.ok(&["sprint", "carry-forward", "S1", "--to", "S2", "--dry-run"]);
    assert!(text.contains("Dry run: nothing was written."), "{text}");
    assert_eq!(p.repo.tip(), tip);
    let real = p.json(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert_eq!(
        (dry["moved"].clone(), dry["stayed"].clone()),
        (real["moved"].clone(), real["stayed"].clone())
    );
    for (d, r) in dry["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(real["items"].as_array().unwrap())
    {
        assert_eq!(d["id"], r["id"]);
        let expected = if r["action"] == "moved" {
            "would_move"
        } else {
            "stayed"
        };
        assert_eq!(d["action"], expected, "{d:#}");
    }
}

#[test]
fn carry_forward_refuses_unknown_same_completed_and_empty_sprints() {
    let (p, _) = history();
    let err = p.refused(&["sprint", "carry-forward", "S9", "--to", "S2"]);
    assert_eq!(err["code"], "not_found", "{err:#}");
    assert!(err["message"].as_str().unwrap().contains("S9"), "{err:#}");
    let err = p.refused(&["sprint", "carry-forward", "S1", "--to", "S9"]);
    assert_eq!(err["code"], "not_found", "{err:#}");
    let err = p.refused(&["sprint", "carry-forward", "S1", "--to", "S1"]);
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    assert!(
        err["message"].as_str().unwrap().contains("into itself"),
        "{err:#}"
    );
    p.ok(&["sprint", "complete", "S4"]);
    let err = p.refused(&["sprint", "carry-forward", "S1", "--to", "S4"]);
    assert_eq!(err["code"], "refused", "{err:#}");
    assert!(
        err["message"].as_str().unwrap().contains("S4 is Completed"),
        "{err:#}"
    );
    // A parked-only sprint: nothing to carry, said so, no empty commit (dry run or not).
    for dry in [false, true] {
        let mut args = vec!["sprint", "carry-forward", "S3", "--to", "S2"];
        if dry {
            args.push("--dry-run");
        }
        let err = p.refused(&args);
        assert_eq!(err["code"], "refused", "{err:#}");
        assert_eq!(
            err["message"],
            "sprint S3 has nothing to carry: no open mission and no open next step; 2 missions stay (parked or waiting for review)"
        );
    }
    // A sprint with no missions at all.
    let err = p.refused(&["sprint", "carry-forward", "S2", "--to", "S1"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("sprint S2 has nothing to carry"),
        "{err:#}"
    );
    // Carrying out of a Completed sprint is how leftovers move after a forced close.
    p.ok(&["sprint", "complete", "S1", "--force"]);
    let report = p.json(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert_eq!(report["moved"], 4);
}

#[test]
fn complete_retro_records_the_retro_archives_what_is_not_evergreen_and_lists_every_id() {
    let (p, r) = history();
    let before = p.repo.tip().unwrap();
    let commits = p.commits();
    let envelope = p.envelope(&["sprint", "complete", "S1", "--retro", "--force"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert_eq!(p.commits(), commits + 1, "the close-out is one commit");
    let data = &envelope["data"];
    assert_eq!(data["sprint"]["status"], "Completed");
    assert_eq!(
        ids(&data["archived"]),
        sorted(vec![&r.toml, &r.superseding, &r.learning]),
        "every archived id is listed: {data:#}"
    );
    assert_eq!(ids(&data["kept_evergreen"]), vec![r.evergreen.clone()]);
    let warnings = envelope["warnings"].to_string();
    for id in [&r.toml, &r.superseding, &r.learning] {
        assert!(warnings.contains(id.as_str()), "{warnings}");
    }
    assert_eq!(data["kpis"]["completion_rate"], 20, "1 of 5 owned missions");

    // The records: archived with a note; evergreen, superseded and untagged ones untouched.
    let toml = p.json(&["decision", "show", &r.toml]);
    assert_eq!(toml["status"], "Archived");
    assert_eq!(
        toml["note"],
        "archived when sprint S1 closed: it was not marked evergreen"
    );
    assert_eq!(p.status_of("learning", &r.learning), "Archived");
    assert_eq!(p.status_of("decision", &r.evergreen), "Active");
    assert_eq!(
        p.status_of("decision", &r.untagged),
        "Active",
        "it belongs to no sprint"
    );
    let old = p.json(&["decision", "show", &r.superseded]);
    assert_eq!(old["status"], "Superseded");
    assert_eq!(old["superseded_by"], r.superseding.as_str());
    assert_eq!(
        p.json(&["decision", "show", &r.superseding])["supersedes"],
        r.superseded.as_str()
    );

    // The snapshot names the commit before the close.
    let snapshot = &data["snapshot"];
    assert_eq!(snapshot["commit"], before.as_str());
    assert_eq!(snapshot["sprint"], "S1");
    let history = p.json(&["context", "history"]);
    assert_eq!(history[0]["id"], snapshot["id"]);

    // The retrospective's file: diff-friendly Markdown on the branch.
    assert_eq!(data["retro_file"], ".cmos/retros/S1.md");
    let file = p.repo.show(".cmos/retros/S1.md");
    assert!(
        file.starts_with("# Retrospective of sprint S1: Foundations\n"),
        "{file}"
    );
    assert!(
        file.contains(&format!(
            "commit {before} (snapshot {})",
            snapshot["id"].as_str().unwrap()
        )),
        "{file}"
    );
    assert!(
        file.contains("Sprint S1: Foundations — Completed (1/5)"),
        "{file}"
    );
    assert!(
        file.contains("| A1 | Parse the config | Completed |"),
        "{file}"
    );
    assert!(file.contains("| A7 | Score it | In Progress |"), "{file}");
    assert!(
        file.contains(&format!("- {} (Superseded): Cache in memory", r.superseded)),
        "{file}"
    );
    let archived = file.split("## Archived at the close").nth(1).unwrap();
    for id in [&r.toml, &r.superseding, &r.learning] {
        assert!(archived.contains(id.as_str()), "{archived}");
    }
    assert!(
        file.contains(&format!(
            "## Kept (evergreen)\n\n- decision {}: Keep one binary",
            r.evergreen
        )),
        "{file}"
    );
    assert!(!file.contains("Use UTC"), "{file}");
}

#[test]
fn the_human_close_out_lists_every_archived_record() {
    let (p, r) = history();
    let text = p.ok(&["sprint", "complete", "S1", "--retro", "--force"]);
    assert!(
        text.contains("Completed sprint S1 and recorded its retrospective in .cmos/retros/S1.md"),
        "{text}"
    );
    assert!(text.contains("Archived (3):"), "{text}");
    for id in [&r.toml, &r.superseding, &r.learning, &r.evergreen] {
        assert!(text.contains(id.as_str()), "{text}");
    }
}

#[test]
fn undo_of_a_close_out_brings_back_the_records_the_sprint_and_removes_the_retro() {
    let (p, r) = history();
    let closed = p.json(&["sprint", "complete", "S1", "--retro", "--force"]);
    let undone = p.json(&["undo"]);
    assert!(
        undone["undone"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("sprint complete S1"),
        "{undone:#}"
    );
    for (kind, id) in [
        ("decision", &r.toml),
        ("decision", &r.superseding),
        ("learning", &r.learning),
    ] {
        assert_eq!(p.status_of(kind, id), "Active", "{kind} {id}");
    }
    assert_eq!(p.status_of("decision", &r.superseded), "Superseded");
    let sprints = p.json(&["sprint", "list"]);
    let s1 = sprints
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "S1")
        .unwrap();
    assert_eq!(s1["status"], "Active");
    assert_eq!(s1["current"], true);
    assert!(s1["completed_at"].is_null(), "{s1:#}");
    assert_eq!(p.retro_files(), "", "no retrospective on the branch");
    let handle = closed["snapshot"]["id"].as_str().unwrap();
    let history = p.json(&["context", "history"]);
    let entry = history
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == handle)
        .expect("the snapshot stays in the history");
    assert_eq!(
        entry["status"], "Archived",
        "undo archives the snapshot it added"
    );
    // The close-out can be done again, the same way.
    let again = p.json(&["sprint", "complete", "S1", "--retro", "--force"]);
    assert_eq!(ids(&again["archived"]), ids(&closed["archived"]));
}

#[test]
fn complete_without_retro_behaves_as_before_and_retro_keeps_force() {
    let (p, r) = history();
    let err = p.refused(&["sprint", "complete", "S1", "--retro"]);
    assert_eq!(err["code"], "refused");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("still has 4 open mission(s)"),
        "{err:#}"
    );
    let plain = p.json(&["sprint", "complete", "S1", "--force"]);
    assert_eq!(plain["status"], "Completed");
    assert!(plain.get("archived").is_none());
    assert_eq!(p.status_of("decision", &r.toml), "Active");
    assert_eq!(p.retro_files(), "", "no retrospective on the branch");
    // A sprint completed without its close-out is closed out later, as it is, once.
    let late = p.json(&["sprint", "complete", "S1", "--retro"]);
    assert_eq!(late["sprint"]["status"], "Completed");
    assert!(
        late["archived"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == r.toml.as_str()),
        "{late:#}"
    );
    assert_eq!(p.status_of("decision", &r.toml), "Archived");
    assert!(p.retro_files().contains("S1.md"), "{}", p.retro_files());
    let err = p.refused(&["sprint", "complete", "S1", "--retro"]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("already closed out"),
        "{err:#}"
    );
}

#[test]
fn close_outs_of_parked_only_empty_and_single_sprints() {
    let (p, _) = history();
    // A parked-only sprint owns no mission: no completion rate, nothing archived.
    // A session while no sprint is current belongs to none: the close-out says so.
    p.ok(&["sprint", "complete", "S1", "--force"]);
    p.ok(&[
        "session",
        "start",
        "--type",
        "planning",
        "--title",
        "Between sprints",
    ]);
    p.ok(&["session", "complete", "--summary", "Planned"]);
    let envelope = p.envelope(&["sprint", "complete", "S3", "--retro"]);
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("1 session(s) belong to no sprint"),
        "{warnings}"
    );
    let parked = &envelope["data"];
    assert_eq!(parked["kpis"]["owned"], 0);
    assert!(parked["kpis"]["completion_rate"].is_null());
    assert_eq!(parked["archived"], json!([]));
    let file = p.repo.show(".cmos/retros/S3.md");
    assert!(
        file.contains("no owned missions (completion rate n/a); 2 parked"),
        "{file}"
    );
    assert!(
        file.contains("## Archived at the close\n\nNone.\n"),
        "{file}"
    );
    let empty = p.json(&["sprint", "complete", "S4", "--retro"]);
    assert_eq!(empty["kpis"]["missions"], 0);
    assert!(
        p.repo
            .show(".cmos/retros/S4.md")
            .contains("## Missions\n\nNone.\n")
    );

    // A project with a single sprint: the close-out works; there is nowhere to carry to.
    let single = Project::new();
    single.ok(&[
        "init",
        "--name",
        "solo",
        "--sprint",
        "S1",
        "--sprint-title",
        "Only",
    ]);
    single.ok(&["mission", "add", "M1", "Ship it"]);
    single.ok(&[
        "decision",
        "add",
        "Ship on Fridays",
        "--rationale",
        "r",
        "--mission",
        "M1",
    ]);
    let err = single.refused(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert_eq!(err["code"], "not_found");
    single.ok(&["mission", "start", "M1"]);
    single.ok(&["mission", "complete", "M1"]);
    let closed = single.json(&["sprint", "complete", "S1", "--retro"]);
    assert_eq!(closed["kpis"]["completion_rate"], 100);
    assert_eq!(closed["archived"].as_array().unwrap().len(), 1);
}

#[test]
fn a_malformed_record_on_the_branch_is_reported_not_skipped_in_silence() {
    let (p, _) = history();
    // A next step's log line that does not parse.
    p.repo
        .edit_on_branch(".cmos/next-steps/2026-11/broken-001.jsonl", "{\"id\": \n");
    let envelope = p.envelope(&["sprint", "carry-forward", "S1", "--to", "S2", "--dry-run"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("unreadable next-step line") && warnings.contains("broken-001.jsonl"),
        "{warnings}"
    );
    // A decision's log line that does not parse: the close-out says it left it.
    p.repo
        .edit_on_branch(".cmos/decisions/2026-11/broken-001.jsonl", "not json\n");
    let envelope = p.envelope(&["sprint", "complete", "S1", "--retro", "--force"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    let warnings = envelope["warnings"].to_string();
    assert!(
        warnings.contains("unreadable decision line") && warnings.contains("broken-001.jsonl:1"),
        "{warnings}"
    );
    // A mission record that does not parse is named in the reply's warnings.
    let (q, _) = history();
    let path = q
        .repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/missions",
        ])
        .lines()
        .find(|l| l.ends_with("/A6.toml"))
        .unwrap()
        .to_string();
    q.repo.edit_on_branch(&path, "status = [\n");
    let envelope = q.envelope(&["sprint", "carry-forward", "S1", "--to", "S2"]);
    assert_eq!(envelope["ok"], true, "{envelope:#}");
    assert!(
        envelope["warnings"].to_string().contains("A6.toml"),
        "{envelope:#}"
    );
}

#[test]
fn the_mcp_tools_carry_forward_and_close_out() {
    let (p, r) = history();
    let lines = p.repo.mcp_session(
        &["--tools", "granular"],
        &[
            (
                "cmos_sprint_carry_forward",
                &json!({"sprintId": "S1", "to": "S2", "dryRun": true}),
            ),
            (
                "cmos_sprint_carry_forward",
                &json!({"sprintId": "S1", "to": "S1"}),
            ),
            (
                "cmos_sprint_carry_forward",
                &json!({"sprintId": "S1", "to": "S2"}),
            ),
            (
                "cmos_sprint_close",
                &json!({"sprintId": "S1", "retro": true, "force": true}),
            ),
            ("cmos_sprint_close", &json!({"sprintId": "S3"})),
        ],
    );
    let listing: Value = serde_json::from_str(&lines[1]).unwrap();
    let names: Vec<&str> = listing["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"cmos_sprint_carry_forward") && names.contains(&"cmos_sprint_close"));
    let result =
        |n: usize| -> Value { serde_json::from_str::<Value>(&lines[n]).unwrap()["result"].clone() };
    let dry = result(2);
    assert_ne!(dry["isError"], true, "{dry:#}");
    assert_eq!(dry["structuredContent"]["data"]["dry_run"], true);
    let same = result(3);
    assert_eq!(same["isError"], true, "{same:#}");
    assert!(same.to_string().contains("into itself"), "{same:#}");
    let moved = result(4);
    assert_eq!(moved["structuredContent"]["data"]["moved"], 4, "{moved:#}");
    let closed = result(5);
    assert_ne!(closed["isError"], true, "{closed:#}");
    let archived = &closed["structuredContent"]["data"]["archived"];
    assert_eq!(
        ids(archived),
        sorted(vec![&r.toml, &r.superseding, &r.learning])
    );
    let plain = result(6);
    assert_eq!(
        plain["structuredContent"]["data"]["status"], "Completed",
        "{plain:#}"
    );
    assert!(plain["structuredContent"]["data"].get("archived").is_none());
    assert_eq!(p.status_of("decision", &r.toml), "Archived");
    assert_eq!(p.json(&["mission", "show", "A2"])["sprint"], "S2");
}

#[test]
fn branch_text_is_escaped_in_the_terminal_and_kept_on_one_line_in_the_retro_file() {
    let (p, _) = history();
    let path = p
        .repo
        .git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/missions",
        ])
        .lines()
        .find(|l| l.ends_with("/A6.toml"))
        .unwrap()
        .to_string();
    let record = p.repo.show(&path);
    let hostile = record.replace(
        "name = \"Add a GUI\"",
        "name = \"Add a GUI\\u001b[2J | and\\nmore\"",
    );
    assert_ne!(hostile, record, "{record}");
    p.repo.edit_on_branch(&path, &hostile);
    let text = p.ok(&["sprint", "carry-forward", "S1", "--to", "S2", "--dry-run"]);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("Add a GUI\\e[2J | and more"), "{text}");
    p.ok(&["sprint", "complete", "S1", "--retro", "--force"]);
    let file = p.repo.show(".cmos/retros/S1.md");
    assert!(
        file.contains("| A6 | Add a GUI\\e[2J \\| and more | Queued |") && !file.contains('\u{1b}'),
        "{file:?}"
    );
}
