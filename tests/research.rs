//! `cmos research export`: the report of a research mission, its refusals, and --out.

mod common;

use common::Repo;

#[test]
fn a_completed_research_mission_becomes_a_report() {
    let repo = Repo::new();
    repo.init();
    repo.ok(&[
        "mission",
        "add",
        "R1",
        "Compare merge strategies",
        "--objective",
        "Find how to merge cmos branches",
        "--success-criterion",
        "three strategies compared",
        "--deliverable",
        "docs/merge.md",
    ]);
    let (code, error) = repo.fails(&["research", "export", "R1"]);
    assert_eq!(
        (code, error["code"].as_str()),
        (5, Some("refused")),
        "not completed yet"
    );
    repo.ok(&["mission", "start", "R1"]);
    repo.ok(&[
        "session",
        "start",
        "--type",
        "research",
        "--title",
        "Merge study",
        "--mission",
        "R1",
    ]);
    repo.ok(&[
        "session",
        "capture",
        "learning",
        "Textual merges conflict on logs",
        "--mission",
        "R1",
    ]);
    repo.ok(&[
        "session",
        "capture",
        "decision",
        "Merge by field\nSymmetric and lossless.",
        "--mission",
        "R1",
    ]);
    repo.ok(&[
        "session",
        "complete",
        "--summary",
        "Studied three strategies",
        "--next-step",
        "Write it up",
    ]);
    repo.ok(&[
        "mission",
        "complete",
        "R1",
        "--notes",
        "field-level merge wins",
    ]);

    let report = repo.ok(&["research", "export", "R1"]);
    for expected in [
        "# Research Report: R1 – Compare merge strategies",
        "## Mission Overview",
        "- **Status**: Completed",
        "## Mission Brief",
        "Find how to merge cmos branches",
        "### Success Criteria",
        "- three strategies compared",
        "### Deliverables",
        "## Key Findings",
        "Textual merges conflict on logs",
        "Merge by field",
        "## Session Timeline",
        "Studied three strategies _(next: Write it up)_",
        "In Progress → Completed",
        "## Metadata Snapshot",
    ] {
        assert!(report.contains(expected), "{expected:?} in:\n{report}");
    }

    let out = repo.sibling("reports/R1.md");
    let written = repo.json(&["research", "export", "R1", "--out", out.to_str().unwrap()]);
    assert_eq!(written["path"], out.to_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        report.trim_end_matches('\n').to_string() + "\n"
    );
    let (code, _) = repo.fails(&["research", "export", "R1", "--out", out.to_str().unwrap()]);
    assert_eq!(
        code, 5,
        "an existing file is not replaced without --overwrite"
    );
    repo.json(&[
        "research",
        "export",
        "R1",
        "--out",
        out.to_str().unwrap(),
        "--overwrite",
    ]);
    let (code, _) = repo.fails(&["research", "export", "NOPE"]);
    assert_eq!(code, 3);
}
