//! Plans and finishes a little work through the library, the way an agent runtime would:
//! `cargo run --example quickstart`. It works in a throwaway repository it creates itself.

use std::path::Path;
use std::process::Command;

use cmos::ops::mission::MissionFields;
use cmos::ops::{self, Workspace, init::InitRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    git(dir.path(), &["init", "-q"])?;
    let ws = Workspace::open(dir.path(), Some("example-agent".into()))?;

    ops::init::init(
        &ws,
        InitRequest {
            name: Some("quickstart".into()),
            sprint: Some(("S1".into(), "First steps".into())),
            ..Default::default()
        },
    )?;
    for (id, name) in [("B1", "Design the store"), ("B2", "Write the CLI")] {
        let fields = MissionFields {
            name: Some(name.into()),
            ..Default::default()
        };
        ops::mission::add(&ws, Some(id), fields)?;
    }
    ops::mission::depends(&ws, "B2", "B1", cmos::model::DepType::Requires)?;

    let next = ops::mission::next(&ws)?;
    let id = next
        .data
        .mission
        .map(|m| m.id)
        .ok_or("a mission to work on")?;
    println!("next: {id} because {}", next.data.reason);
    ops::transition::start(&ws, &id, None)?;
    let done = ops::transition::complete(&ws, &id, Some("designed"), true)?;
    if let Some(promoted) = done.data.promoted {
        println!("completed {id}; {} is now {}", promoted.id, promoted.status);
    }
    for step in done.instructions.next_actions {
        println!("next action: {step}");
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let status = Command::new("git").args(args).current_dir(dir).status()?;
    if !status.success() {
        return Err(format!("git {args:?} failed").into());
    }
    Ok(())
}

/// `cargo test` runs this example too (it is declared with `test = true`).
#[test]
fn quickstart_runs() {
    main().expect("the quickstart example runs");
}
