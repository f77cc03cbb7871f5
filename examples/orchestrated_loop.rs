//! An orchestrated agent loop through the library. A lead plans a sprint of missions of
//! different complexity; an agent, turn after turn, asks what to do next (with the model hint
//! the routing policy gives that complexity), works in a session, commits, records what the
//! turn cost, and completes the mission with a validation score. The confidence gate
//! approves the work, holds it for a person, or refuses it; the lead approves what waits; the
//! weekly report rolls the metrics up.
//! `cargo run --example orchestrated_loop`; it works in a throwaway repository it creates.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use cmos::error::Error;
use cmos::model::{ApprovalState, CaptureCategory, Complexity, SessionType, Status};
use cmos::next::{Input, Op};
use cmos::ops::gate::{Promotion, Validation};
use cmos::ops::hook_run::{self, HookRun};
use cmos::ops::hooks::Hook;
use cmos::ops::metrics::{Measures, Period};
use cmos::ops::mission::MissionFields;
use cmos::ops::session::StartRequest;
use cmos::ops::sprint::SprintFields;
use cmos::ops::{self, Workspace, init::InitRequest};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The lead: plans the sprint, and is the person who approves work that waits for review.
const LEAD: &str = "dana (lead)";
/// The agent doing the work. By the default policy it may not approve its own work.
const AGENT: &str = "agent-7";

/// The sprint: id, name, complexity, and the validation score of each attempt, in order (a
/// real agent scores its work from its checks). With the default thresholds (0.80 approves,
/// 0.60 to 0.80 waits for a person, below is refused) B1 is approved at once, B2 waits for
/// the lead, and B3 is refused once and done on the second attempt.
const PLAN: [(&str, &str, Complexity, &[f64]); 3] = [
    (
        "B1",
        "Fix the typo in the help text",
        Complexity::Simple,
        &[0.92],
    ),
    (
        "B2",
        "Add a since filter to the report",
        Complexity::Standard,
        &[0.72],
    ),
    (
        "B3",
        "Make sync resumable",
        Complexity::Complex,
        &[0.41, 0.88],
    ),
];

/// The loop stops after this many turns whatever happens: an orchestrator never trusts an
/// agent loop to end by itself.
const MAX_TURNS: usize = 8;

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    print!("{}", run(dir.path())?);
    Ok(())
}

/// The whole story in a git repository it creates at `repo`; returns what happened, a line
/// per step.
fn run(repo: &Path) -> Result<String> {
    git(repo, &["init", "-q", "-b", "main"])?;
    plan(repo)?;
    let agent = Workspace::open(repo, Some(AGENT.into()))?;
    let lead = Workspace::open(repo, Some(LEAD.into()))?;
    let mut log = String::new();
    let mut attempts = HashMap::<String, usize>::new();
    for turn in 1..=MAX_TURNS {
        // Ask what to do next: the mission, and the model hint for its complexity, which an
        // orchestrator uses to choose the model that runs this turn.
        let next = ops::mission::next(&agent)?.data;
        let Some(mission) = next.mission else {
            log.push_str(&format!("turn {turn}: nothing left to do\n"));
            break;
        };
        let routing = next.routing.unwrap_or_else(|| "(no hint)".into());
        log.push_str(&format!(
            "turn {turn}: next is {} ({}), routed to {routing}\n",
            mission.id, mission.name
        ));
        let attempt = attempts.entry(mission.id.clone()).or_default();
        *attempt += 1;
        log.push_str(&work(repo, &agent, &mission.id, *attempt, &routing)?);
        log.push_str(&review(&agent, &lead)?);
    }
    log.push_str(&weekly_report(&lead)?);
    Ok(log)
}

/// The lead sets the project up: a sprint, three missions of different complexity (policy
/// routes each complexity to a model hint), and the sprint made current so that `next`
/// draws from it.
fn plan(repo: &Path) -> Result<()> {
    let lead = Workspace::open(repo, Some(LEAD.into()))?;
    let project = InitRequest {
        name: Some("orchestrated".into()),
        ..Default::default()
    };
    ops::init::init(&lead, project)?;
    let sprint = SprintFields {
        title: Some("Reports and sync".into()),
        ..Default::default()
    };
    ops::sprint::add(&lead, "S1", sprint)?;
    for (id, name, complexity, _) in PLAN {
        let fields = MissionFields {
            name: Some(name.into()),
            sprint: Some("S1".into()),
            complexity: Some(complexity),
            ..Default::default()
        };
        ops::mission::add(&lead, Some(id), fields)?;
    }
    ops::sprint::activate(&lead, "S1")?;
    Ok(())
}

/// One turn of the agent on mission `id`, in a session of its own: start the mission, commit
/// the work, record what the turn cost, complete through the gate, note what was learnt,
/// close the session. Returns the turn's line for the log.
fn work(repo: &Path, agent: &Workspace, id: &str, attempt: usize, routing: &str) -> Result<String> {
    // A session frames the turn: captures, commits and metrics made in it are tied to it,
    // and the next agent reads its summary.
    let request = StartRequest {
        kind: SessionType::Build,
        title: format!("Work on {id}"),
        sprint: None,
        mission: Some(id.into()),
        force: false,
    };
    let session = ops::session::start(agent, request)?.data.session.id;
    // An attempt the gate refused left the mission In Progress: no need to start it again.
    if ops::mission::show(agent, id)?.data.mission.status != Status::InProgress {
        ops::transition::start(agent, id, None)?;
    }

    // The work: a real commit in the work tree, naming the mission in a trailer. The
    // post-commit hook (`hooks install`) would log it; here the hook's operation is called
    // directly, so the commit is logged against the mission and the session.
    commit(repo, id, attempt)?;
    let hook = HookRun {
        hook: Hook::PostCommit,
        args: &[],
        input: "",
    };
    hook_run::run(agent, &hook)?;

    // What the turn cost, per model: the weekly report rolls these up.
    let measures = Measures {
        tokens_in: Some(12_000 * attempt as u64),
        tokens_out: Some(1_500),
        latency_ms: Some(40_000),
        accepted: Some(1),
        defects: Some(0),
        model: Some(routing.into()),
    };
    ops::metrics::add(agent, Some(&session), Some(id), &measures)?;

    let (score, verdict) = complete(agent, id, attempt)?;

    // What the turn taught, kept for the next agent and the knowledge base; then the session
    // closes with a summary, so the work is handed over even when the gate said no.
    let learning = format!("{id}: attempt {attempt} scored {score}");
    let category = CaptureCategory::Learning;
    ops::session::capture(agent, None, category, &learning, Some(id))?;
    ops::session::complete(agent, Some(&session), Some(&learning), &[], false)?;
    Ok(format!("  {id} scored {score}: {verdict}\n"))
}

/// Completes mission `id` through the confidence gate with this attempt's score and the
/// evidence behind it; returns the score and what the gate decided.
fn complete(agent: &Workspace, id: &str, attempt: usize) -> Result<(f64, String)> {
    let scores = PLAN.iter().find(|p| p.0 == id).map_or(&[0.0][..], |p| p.3);
    let score = scores[(attempt - 1).min(scores.len() - 1)];
    let validation = Validation {
        score: Some(score),
        evidence: vec![format!("tests pass (attempt {attempt})")],
    };
    let verdict = match ops::gate::complete(agent, id, None, Promotion::Current, &validation) {
        Ok(done) => match done.data.approval_state {
            Some(ApprovalState::AutoApproved) => "completed, auto-approved".to_string(),
            // In the review band: not done until a person approves it; `status` and `next`
            // say so until then.
            Some(state) => format!("{state}, a person must approve"),
            None => "completed".to_string(),
        },
        // Below the band: refused; the mission stays In Progress with the reason recorded,
        // and a later turn takes it up again.
        Err(e) if matches!(e.kind(), Error::Refused(_)) => format!("refused ({e})"),
        Err(e) => return Err(e.into()),
    };
    Ok((score, verdict))
}

/// The lead's round: read what waits for review and approve it under the lead's own name
/// (the agent that scored the work is refused). Returns a line per approval.
fn review(agent: &Workspace, lead: &Workspace) -> Result<String> {
    let mut log = String::new();
    for id in waiting_for_review(lead)? {
        let by_agent = ops::gate::approve(agent, &id, Some("looks right"));
        let refused = by_agent.is_err_and(|e| matches!(e.kind(), Error::Refused(_)));
        let approved = ops::gate::approve(lead, &id, Some("read the diff"))?;
        log.push_str(&format!(
            "  {id}: self-approval refused: {refused}; {LEAD} approved it: {}\n",
            approved.data.to
        ));
    }
    Ok(log)
}

/// The missions that wait for a person's review, read the way a lead's tool would: from the
/// typed warnings of `status`, whose follow-up action is approving the mission.
fn waiting_for_review(ws: &Workspace) -> Result<Vec<String>> {
    let status = ops::status::status(ws)?;
    Ok(status
        .warnings
        .iter()
        .filter_map(|w| w.then.as_ref())
        .filter(|action| action.op == Op::MissionApprove)
        .flat_map(|action| &action.args)
        .filter(|(input, _)| *input == Input::MissionId)
        .filter_map(|(_, id)| id.clone())
        .collect())
}

/// The weekly roll-up, per mission, in a few lines.
fn weekly_report(ws: &Workspace) -> Result<String> {
    let report = ops::metrics::report(ws, &Period::Since(None))?.data;
    let mut text = format!(
        "weekly report: {} metrics, {} tokens in\n",
        report.total.metrics, report.total.tokens_in.total
    );
    for row in &report.by_mission {
        text.push_str(&format!(
            "  {}: {} metrics, {} tokens in, median latency {} ms\n",
            row.key,
            row.metrics,
            row.tokens_in.total,
            row.latency_ms.median.unwrap_or_default()
        ));
    }
    Ok(text)
}

/// One commit of "work" on mission `id`, with a `Cmos-Mission:` trailer linking it.
fn commit(repo: &Path, id: &str, attempt: usize) -> Result<()> {
    let file = format!("{}.txt", id.to_lowercase());
    std::fs::write(repo.join(&file), format!("attempt {attempt}\n"))?;
    git(repo, &["add", &file])?;
    let message = format!("Work on {id} (attempt {attempt})\n\nCmos-Mission: {id}");
    git(repo, &["commit", "-q", "-m", &message])
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    // The example's own identity, so it runs where git has none configured.
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=Example",
            "-c",
            "user.email=example@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .status()?;
    if !status.success() {
        return Err(format!("git {args:?} failed").into());
    }
    Ok(())
}

/// `cargo test` runs this example too (it is declared with `test = true`): the story, then
/// what it left on the branch.
#[test]
fn orchestrated_loop_runs_and_leaves_its_record_on_the_branch() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log = run(dir.path()).expect("the orchestrated loop example runs");
    for line in [
        "turn 1: next is B1 (Fix the typo in the help text), routed to flash",
        "turn 2: next is B2 (Add a since filter to the report), routed to standard",
        "turn 3: next is B3 (Make sync resumable), routed to premium",
        "B1 scored 0.92: completed, auto-approved",
        "B2 scored 0.72: needs_review, a person must approve",
        "B2: self-approval refused: true; dana (lead) approved it: Completed",
        "B3 scored 0.41: refused (mission B3 was not completed",
        "turn 4: next is B3",
        "B3 scored 0.88: completed, auto-approved",
        "turn 5: nothing left to do",
        "weekly report: 4 metrics, 60000 tokens in",
        "B3: 2 metrics, 36000 tokens in",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }

    let ws = Workspace::open(dir.path(), None).expect("the project");
    let show = |id: &str| ops::mission::show(&ws, id).expect("a mission").data;
    let (b1, b2, b3) = (show("B1").mission, show("B2").mission, show("B3"));
    assert_eq!(b1.status, Status::Completed);
    assert_eq!(b1.approval_state, Some(ApprovalState::AutoApproved));
    assert_eq!(b2.status, Status::Completed);
    assert_eq!(b2.approval_state, Some(ApprovalState::Approved));
    assert_eq!(b2.approved_by.as_deref(), Some(LEAD));
    assert_eq!(b2.validated_by.as_deref(), Some(AGENT));
    assert_eq!(b3.mission.status, Status::Completed);
    assert_eq!(b3.mission.validation_score, Some(0.88));
    assert_eq!(b3.mission.evidence, ["tests pass (attempt 2)"]);

    // Both commits of work on B3 are logged against it, by the agent, each in its session.
    let commits = &b3.commits;
    assert_eq!(commits.len(), 2, "{commits:#?}");
    assert_eq!(commits[1].subject, "Work on B3 (attempt 2)");
    assert_eq!(commits[1].agent, AGENT);
    assert_eq!(commits[1].missions, ["B3"]);
    assert_ne!(commits[0].session, commits[1].session);
    let sessions = ops::session::list(&ws, None, None, None).expect("sessions");
    assert_eq!(sessions.data.len(), 4, "one session a turn");
    let metrics = ops::metrics::list(&ws, None, Some("B3"), 10).expect("metrics");
    assert_eq!(metrics.data.len(), 2);
}
