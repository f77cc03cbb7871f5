//! An agent's whole working loop through the library: onboard, open a session, take the next
//! mission, start it, note what it decides and learns, complete it, and hand over with a
//! summary and next steps; then a second agent starts cold from the handover.
//! `cargo run --example agent_loop`; it works in a throwaway repository it creates itself.

use std::path::Path;
use std::process::Command;

use cmos::model::{CaptureCategory, DepType, SessionType};
use cmos::ops::mission::MissionFields;
use cmos::ops::session::StartRequest;
use cmos::ops::{self, Workspace, init::InitRequest};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    git(dir.path(), &["init", "-q"])?;
    plan(dir.path())?;
    let handed_over = work(dir.path(), "agent-one")?;
    let context = pick_up(dir.path(), "agent-two")?;
    assert!(
        context.contains(&handed_over),
        "the handover reaches the next agent"
    );
    Ok(())
}

/// A person sets up the project: a sprint and three missions, the last two in order.
fn plan(repo: &Path) -> Result<()> {
    let ws = Workspace::open(repo, Some("planner".into()))?;
    ops::init::init(
        &ws,
        InitRequest {
            name: Some("agent-loop".into()),
            sprint: Some(("S1".into(), "Foundations".into())),
            ..Default::default()
        },
    )?;
    for (id, name) in [
        ("B1", "Design the storage"),
        ("B2", "Write the CLI"),
        ("B3", "Document the commands"),
    ] {
        let fields = MissionFields {
            name: Some(name.into()),
            ..Default::default()
        };
        ops::mission::add(&ws, Some(id), fields)?;
    }
    ops::mission::depends(&ws, "B3", "B2", DepType::Requires)?;
    Ok(())
}

/// One agent's session: works through two missions, capturing as it goes. Returns the next
/// step it leaves behind.
fn work(repo: &Path, agent: &str) -> Result<String> {
    let ws = Workspace::open(repo, Some(agent.into()))?;
    let onboarding = ops::context::onboard(&ws, Some(1500))?;
    println!("{}", onboarding.data.markdown());

    let session = ops::session::start(
        &ws,
        StartRequest {
            kind: SessionType::Build,
            title: "First missions".into(),
            sprint: None,
            mission: None,
            force: false,
        },
    )?;
    println!("session {} open", session.data.session.id);

    for _ in 0..2 {
        let next = ops::mission::next(&ws)?;
        let Some(mission) = next.data.mission else {
            break;
        };
        let id = mission.id;
        ops::transition::start(&ws, &id, None)?;
        let decision = format!("{id}: keep it simple\nOne file per record; logs are append-only.");
        ops::session::capture(&ws, None, CaptureCategory::Decision, &decision, Some(&id))?;
        ops::session::capture(
            &ws,
            None,
            CaptureCategory::Learning,
            &format!("{id} took one pass"),
            Some(&id),
        )?;
        let done = ops::transition::complete(&ws, &id, Some("done"), true)?;
        println!(
            "completed {id}; next: {:?}",
            done.instructions.context.next_mission
        );
    }

    let next_step = "Document the commands (B3) now that the CLI exists".to_string();
    let closed = ops::session::complete(
        &ws,
        None,
        Some("Designed the storage and wrote the CLI."),
        std::slice::from_ref(&next_step),
        false,
    )?;
    println!("session {} closed", closed.data.id);
    Ok(next_step)
}

/// A second agent starts cold: its context holds the last session's summary and next step,
/// and the decisions the first agent made.
fn pick_up(repo: &Path, agent: &str) -> Result<String> {
    let ws = Workspace::open(repo, Some(agent.into()))?;
    let context = ops::context::context(&ws, Some(2000))?;
    let markdown = context.data.markdown();
    println!("{markdown}");
    let decisions = ops::knowledge::list(
        &ws,
        cmos::model::ItemKind::Decision,
        &ops::knowledge::ListFilter::default(),
    )?;
    assert_eq!(decisions.data.len(), 2, "one decision per mission");
    Ok(markdown)
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git").args(args).current_dir(dir).status()?;
    if !status.success() {
        return Err(format!("git {args:?} failed").into());
    }
    Ok(())
}

/// `cargo test` runs this example too (it is declared with `test = true`).
#[test]
fn agent_loop_runs() {
    main().expect("the agent loop example runs");
}
