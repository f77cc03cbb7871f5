//! `cmos mission ...`: add, list, show, update, next; status changes and links are in `moves`.

use clap::{Args, Subcommand};

use super::moves::{self, MoveCommand};
use super::output::{Printer, Style, or_dash, table};
use super::sprint::mission_table;
use crate::error::{Error, Result};
use crate::model::Status;
use crate::ops::mission::{self as ops, MissionDetail, MissionFields, MissionUpdate, NextOutcome};
use crate::ops::{Workspace, transition};

/// Plan, track and finish missions.
#[derive(Debug, Subcommand)]
pub enum MissionCommand {
    /// Add a mission: `cmos mission add [ID] NAME`. Without ID one is generated.
    Add(AddArgs),
    /// List missions in next-mission order.
    #[command(visible_alias = "ls")]
    List {
        /// Only missions of this sprint.
        #[arg(long)]
        sprint: Option<String>,
        /// Only missions with this status (queued, current, in-progress, blocked, ...).
        #[arg(long, value_parser = parse_status)]
        status: Option<Status>,
    },
    /// Show a mission in full: spec, links, blocker and history.
    Show { id: String },
    /// Change any field of a mission.
    Update(UpdateArgs),
    /// The one mission to work on now, and why.
    Next,
    #[command(flatten)]
    Move(MoveCommand),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// [ID] NAME: an optional id (e.g. B1.2), then the name.
    #[arg(num_args = 1..=2, required = true, value_names = ["ID", "NAME"])]
    words: Vec<String>,
    #[command(flatten)]
    spec: SpecArgs,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Sprint to put it in [default: the current sprint].
    #[arg(long)]
    sprint: Option<String>,
    /// What the mission must achieve.
    #[arg(long)]
    objective: Option<String>,
    /// Background an agent needs to start.
    #[arg(long)]
    context: Option<String>,
    /// A success criterion (repeat for several; on update, replaces the list).
    #[arg(long = "success-criterion", value_name = "TEXT")]
    success_criteria: Vec<String>,
    /// A deliverable (repeat for several; on update, replaces the list).
    #[arg(long = "deliverable", value_name = "TEXT")]
    deliverables: Vec<String>,
    /// Free-form notes (on update, replaces them; see --append-notes).
    #[arg(long)]
    notes: Option<String>,
    /// Order within the sprint: lower comes first; unranked missions follow.
    #[arg(long, allow_negative_numbers = true)]
    rank: Option<i64>,
}

impl SpecArgs {
    fn into_fields(self, name: Option<String>) -> MissionFields {
        let list = |v: Vec<String>| (!v.is_empty()).then_some(v);
        MissionFields {
            name,
            sprint: self.sprint,
            objective: self.objective,
            context: self.context,
            notes: self.notes,
            success_criteria: list(self.success_criteria),
            deliverables: list(self.deliverables),
            rank: self.rank,
        }
    }
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    id: String,
    /// New name.
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    spec: SpecArgs,
    /// Add a line to the notes.
    #[arg(long, value_name = "TEXT")]
    append_notes: Option<String>,
    /// Add one success criterion to the list.
    #[arg(long, value_name = "TEXT")]
    add_success_criterion: Vec<String>,
    /// Add one deliverable to the list.
    #[arg(long, value_name = "TEXT")]
    add_deliverable: Vec<String>,
    /// Take the mission out of its sprint.
    #[arg(long, conflicts_with = "sprint")]
    no_sprint: bool,
    /// Remove the mission's rank.
    #[arg(long, conflicts_with = "rank")]
    no_rank: bool,
    /// Move to this status, by the same rules as start, complete, drop, defer.
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
}

pub fn parse_status(text: &str) -> std::result::Result<Status, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

pub fn run(ws: &Workspace, cmd: MissionCommand, printer: &Printer) -> Result<()> {
    match cmd {
        MissionCommand::Add(args) => {
            let mut words = args.words;
            let name = words.pop();
            let id = words.pop();
            let outcome = ops::add(ws, id.as_deref(), args.spec.into_fields(name))?;
            printer.outcome(&outcome, |m, st| {
                format!(
                    "Added mission {} ({}){}\n",
                    st.bold(&m.id),
                    m.name,
                    m.sprint
                        .as_deref()
                        .map_or(String::new(), |s| format!(" to sprint {s}"))
                )
            });
        }
        MissionCommand::List { sprint, status } => {
            let outcome = ops::list(ws, sprint.as_deref(), status)?;
            printer.outcome(&outcome, |missions, st| mission_table(missions, st));
        }
        MissionCommand::Show { id } => {
            let outcome = ops::show(ws, &id)?;
            printer.outcome(&outcome, render_show);
        }
        MissionCommand::Update(args) => update(ws, args, printer)?,
        MissionCommand::Next => {
            let outcome = ops::next(ws)?;
            printer.outcome(&outcome, render_next);
        }
        MissionCommand::Move(cmd) => moves::run(ws, cmd, printer)?,
    }
    Ok(())
}

fn update(ws: &Workspace, args: UpdateArgs, printer: &Printer) -> Result<()> {
    let status = args.status;
    let id = args.id.clone();
    let request = MissionUpdate {
        fields: args.spec.into_fields(args.name),
        append_notes: args.append_notes,
        add_success_criteria: args.add_success_criterion,
        add_deliverables: args.add_deliverable,
        no_sprint: args.no_sprint,
        no_rank: args.no_rank,
    };
    if !request.is_empty() || status.is_none() {
        let outcome = ops::update(ws, &id, request)?;
        printer.outcome(&outcome, |m, st| {
            format!("Updated mission {}\n", st.bold(&m.id))
        });
    }
    if let Some(status) = status {
        let outcome = transition::set_status(ws, &id, status)?;
        printer.outcome(&outcome, moves::render_move);
    }
    Ok(())
}

/// Prerequisites as `B1 (In Progress)`, for the lines that say what a mission waits on.
fn waiting_list(unmet: &[crate::lifecycle::Unmet]) -> Vec<String> {
    unmet
        .iter()
        .map(|u| {
            format!(
                "{} ({})",
                u.id,
                u.status.map_or("missing".into(), |s| s.to_string())
            )
        })
        .collect()
}

fn render_next(n: &NextOutcome, style: &Style) -> String {
    let mut out = match &n.mission {
        Some(m) => format!(
            "{} {}  {}\n{} {}\n",
            style.bold(&m.id),
            m.name,
            style.status(m.status, 0),
            style.dim("why:"),
            n.reason
        ),
        None => format!("No mission to work on: {}\n", n.reason),
    };
    for s in &n.skipped {
        let waits = waiting_list(&s.waiting_on);
        out.push_str(&format!(
            "{} {} waits on {}\n",
            style.dim("skipped:"),
            s.id,
            waits.join(", ")
        ));
    }
    if n.skipped_total > n.skipped.len() {
        out.push_str(&style.dim(&format!(
            "… and {} more waiting\n",
            n.skipped_total - n.skipped.len()
        )));
    }
    out
}

fn render_show(d: &MissionDetail, style: &Style) -> String {
    let m = &d.mission;
    let mut out = format!("{} {}\n", style.bold(&m.id), style.bold(&m.name));
    let mut rows = vec![
        vec!["Status".into(), m.status.to_string()],
        vec![
            "Sprint".into(),
            match (&m.sprint, &d.sprint_title) {
                (Some(s), Some(t)) => format!("{s} ({t})"),
                (s, _) => or_dash(s.as_deref()),
            },
        ],
        vec!["Rank".into(), m.rank.map_or("-".into(), |r| r.to_string())],
        vec!["Created".into(), m.created_at.to_string()],
    ];
    if let Some(t) = m.started_at {
        rows.push(vec!["Started".into(), t.to_string()]);
    }
    if let Some(t) = m.completed_at {
        rows.push(vec!["Completed".into(), t.to_string()]);
    }
    if let Some(b) = &m.blocked {
        rows.push(vec![
            "Blocked".into(),
            format!("{} (since {})", b.reason, b.since),
        ]);
        if !b.needs.is_empty() {
            rows.push(vec!["Needs".into(), b.needs.join("; ")]);
        }
    }
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    let section = |out: &mut String, title: &str, body: &str| {
        out.push_str(&format!("\n{}\n{}\n", style.bold(title), body.trim_end()));
    };
    for (title, text) in [
        ("Objective", &m.objective),
        ("Context", &m.context),
        ("Notes", &m.notes),
    ] {
        if let Some(text) = text {
            section(&mut out, title, text);
        }
    }
    for (title, items) in [
        ("Success criteria", &m.success_criteria),
        ("Deliverables", &m.deliverables),
    ] {
        if !items.is_empty() {
            let list: Vec<String> = items.iter().map(|i| format!("- {i}")).collect();
            section(&mut out, title, &list.join("\n"));
        }
    }
    let mut links: Vec<String> = m
        .depends
        .iter()
        .map(|d| format!("{} {} {}", m.id, d.kind, d.on))
        .collect();
    links.extend(
        d.dependents
            .iter()
            .map(|(from, kind)| format!("{from} {kind} {}", m.id)),
    );
    if !links.is_empty() {
        section(&mut out, "Links", &links.join("\n"));
    }
    if !d.waiting_on.is_empty() {
        let waits = waiting_list(&d.waiting_on);
        section(&mut out, "Waiting on", &waits.join(", "));
    }
    if !m.transitions.is_empty() {
        let rows: Vec<Vec<String>> = m
            .transitions
            .iter()
            .map(|t| {
                vec![
                    t.at.to_string(),
                    format!("{} → {}", t.from, t.to),
                    t.by.clone(),
                    t.note
                        .clone()
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                ]
            })
            .collect();
        section(
            &mut out,
            "History",
            &table(
                &rows,
                |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
            ),
        );
    }
    out
}
