//! `cmos decision|fact|learning|constraint|next-step ...`: what the project knows and decided.

use clap::{Args, Subcommand};

use super::output::{Printer, Style, or_dash, table};
use super::session::{capture_text, parse};
use crate::error::Result;
use crate::model::text::first_line_cut as one_line;
use crate::model::{Item, ItemKind, ItemStatus};
use crate::ops::Workspace;
use crate::ops::knowledge::{self as ops, FactView, Hit, ListFilter, NewItem};

/// Decisions and their rationale; a newer decision can supersede an older one.
#[derive(Debug, Subcommand)]
pub enum DecisionCommand {
    /// Record a decision.
    Add {
        /// What was decided, in one line.
        title: String,
        /// Why: the options weighed and the reason for this one.
        #[arg(long)]
        rationale: String,
        #[arg(long)]
        mission: Option<String>,
        /// A free grouping, e.g. architecture, process, tooling.
        #[arg(long)]
        category: Option<String>,
        /// The decision this one replaces; it is marked Superseded.
        #[arg(long, value_name = "ID")]
        supersedes: Option<String>,
    },
    /// List decisions in force, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        category: Option<String>,
    },
    Show {
        id: String,
    },
    /// Find decisions (superseded ones too) by words of their title, rationale or category.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Archive a decision that no longer matters (without replacing it).
    Archive {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

/// Facts: statements of truth, optionally pinned to files so they can be flagged stale.
#[derive(Debug, Subcommand)]
pub enum FactCommand {
    /// Record a fact (`-` reads it from standard input).
    Add {
        text: String,
        /// What the fact is about, e.g. api, build, data.
        #[arg(long, value_name = "K")]
        kind: String,
        /// A file the fact describes (repeat for several); it goes stale when one changes.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<String>,
        /// The commit the files are pinned at [default: HEAD].
        #[arg(long, value_name = "REV")]
        commit: Option<String>,
        #[arg(long)]
        mission: Option<String>,
    },
    /// List facts in force, newest first, with whether their files changed since.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Only facts whose pinned files changed since their commit.
        #[arg(long)]
        stale: bool,
        #[arg(long, value_name = "K")]
        kind: Option<String>,
    },
    Show {
        id: String,
    },
    /// Archive a fact that is no longer true.
    Archive {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

/// Learnings or constraints: add, list, show, search, archive.
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Record one (`-` reads the text from standard input).
    Add {
        text: String,
        #[arg(long)]
        mission: Option<String>,
    },
    /// List the ones in force, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
    },
    Show {
        id: String,
    },
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Archive one that no longer applies; it stays in the history.
    Archive {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
}

/// Next steps left for whoever comes next: mark them done or dropped, or carry them on.
#[derive(Debug, Subcommand)]
pub enum NextStepCommand {
    /// Add a next step (`-` reads it from standard input).
    Add {
        text: String,
        #[arg(long)]
        mission: Option<String>,
        /// [default: the current sprint]
        #[arg(long)]
        sprint: Option<String>,
    },
    /// List open next steps, newest first.
    #[command(visible_alias = "ls")]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        sprint: Option<String>,
    },
    Show {
        id: String,
    },
    /// Mark a next step done.
    Done {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Drop a next step nobody will do.
    Drop {
        id: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Carry an open next step to another sprint.
    Carry {
        id: String,
        #[arg(long)]
        sprint: String,
    },
}

/// Filters every list shares.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Include superseded, archived, done and dropped ones.
    #[arg(long)]
    all: bool,
    /// Only this status (Active, Superseded, Archived, Done, Dropped).
    #[arg(long, value_parser = parse::<ItemStatus>)]
    status: Option<ItemStatus>,
    #[arg(long)]
    mission: Option<String>,
}

impl FilterArgs {
    fn filter(self) -> ListFilter {
        ListFilter {
            all: self.all,
            status: self.status,
            mission: self.mission,
            ..ListFilter::default()
        }
    }
}

pub fn run_decision(ws: &Workspace, cmd: DecisionCommand, printer: &Printer) -> Result<()> {
    let kind = ItemKind::Decision;
    match cmd {
        DecisionCommand::Add {
            title,
            rationale,
            mission,
            category,
            supersedes,
        } => {
            let request = NewItem {
                text: title,
                rationale: Some(rationale),
                category,
                mission,
                supersedes,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        DecisionCommand::List { filter, category } => {
            let filter = ListFilter {
                category,
                ..filter.filter()
            };
            let outcome = ops::list(ws, kind, &filter)?;
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        DecisionCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        DecisionCommand::Search { query, limit } => {
            print_hits(printer, ops::search(ws, kind, &query.join(" "), limit)?)
        }
        DecisionCommand::Archive { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Archived, note.as_deref())?,
        ),
    }
    Ok(())
}

pub fn run_fact(ws: &Workspace, cmd: FactCommand, printer: &Printer) -> Result<()> {
    let kind = ItemKind::Fact;
    match cmd {
        FactCommand::Add {
            text,
            kind: category,
            files,
            commit,
            mission,
        } => {
            let request = NewItem {
                text: capture_text(text)?,
                category: Some(category),
                files,
                commit,
                mission,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        FactCommand::List {
            filter,
            stale,
            kind: category,
        } => {
            let filter = ListFilter {
                category,
                ..filter.filter()
            };
            let outcome = ops::facts(ws, &filter, stale)?;
            printer.outcome(&outcome, |facts, st| render_facts(facts, st));
        }
        FactCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        FactCommand::Archive { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Archived, note.as_deref())?,
        ),
    }
    Ok(())
}

/// `cmos learning ...` and `cmos constraint ...`.
pub fn run_note(ws: &Workspace, kind: ItemKind, cmd: NoteCommand, printer: &Printer) -> Result<()> {
    match cmd {
        NoteCommand::Add { text, mission } => {
            let request = NewItem {
                text: capture_text(text)?,
                mission,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        NoteCommand::List { filter } => {
            let outcome = ops::list(ws, kind, &filter.filter())?;
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        NoteCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        NoteCommand::Search { query, limit } => {
            print_hits(printer, ops::search(ws, kind, &query.join(" "), limit)?)
        }
        NoteCommand::Archive { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Archived, note.as_deref())?,
        ),
    }
    Ok(())
}

pub fn run_next_step(ws: &Workspace, cmd: NextStepCommand, printer: &Printer) -> Result<()> {
    let kind = ItemKind::NextStep;
    match cmd {
        NextStepCommand::Add {
            text,
            mission,
            sprint,
        } => {
            let request = NewItem {
                text: capture_text(text)?,
                mission,
                sprint,
                ..NewItem::default()
            };
            print_added(printer, ops::add(ws, kind, request)?);
        }
        NextStepCommand::List { filter, sprint } => {
            let filter = ListFilter {
                sprint,
                ..filter.filter()
            };
            let outcome = ops::list(ws, kind, &filter)?;
            printer.outcome(&outcome, |items, st| render_list(kind, items, st));
        }
        NextStepCommand::Show { id } => print_show(printer, ops::show(ws, kind, &id)?),
        NextStepCommand::Done { id, note } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Done, note.as_deref())?,
        ),
        NextStepCommand::Drop { id, reason } => print_closed(
            printer,
            ops::close(ws, kind, &id, ItemStatus::Dropped, reason.as_deref())?,
        ),
        NextStepCommand::Carry { id, sprint } => {
            let outcome = ops::carry(ws, &id, &sprint)?;
            printer.outcome(&outcome, |item, st| {
                format!(
                    "Carried next step {} to sprint {}\n",
                    st.bold(&item.id),
                    or_dash(item.sprint.as_deref())
                )
            });
        }
    }
    Ok(())
}

fn print_added(printer: &Printer, outcome: crate::ops::Outcome<Item>) {
    printer.outcome(&outcome, |item, st| {
        let mut out = format!("Added {} {}\n", item.kind, st.bold(&item.id));
        if let Some(old) = &item.supersedes {
            out.push_str(&format!("Decision {old} is now Superseded\n"));
        }
        out
    });
}

fn print_closed(printer: &Printer, outcome: crate::ops::Outcome<Item>) {
    printer.outcome(&outcome, |item, st| {
        format!(
            "{} {} is now {}\n",
            item.kind,
            st.bold(&item.id),
            item.status
        )
    });
}

fn print_show(printer: &Printer, outcome: crate::ops::Outcome<Item>) {
    printer.outcome(&outcome, render_show);
}

fn print_hits(printer: &Printer, outcome: crate::ops::Outcome<Vec<Hit>>) {
    printer.outcome(&outcome, |hits, st| {
        if hits.is_empty() {
            return "Nothing found.\n".into();
        }
        let mut rows = vec![vec!["ID".to_string(), "STATUS".into(), "TEXT".into()]];
        rows.extend(hits.iter().map(|h| row(&h.item)));
        table(
            &rows,
            |r, _, cell| if r == 0 { st.dim(&cell) } else { cell },
        )
    });
}

fn row(item: &Item) -> Vec<String> {
    vec![
        item.id.clone(),
        item.status.to_string(),
        item.created_at.as_datetime().format("%Y-%m-%d").to_string(),
        one_line(&item.text, 90),
    ]
}

fn render_list(kind: ItemKind, items: &[Item], style: &Style) -> String {
    if items.is_empty() {
        return format!("No {kind} records.\n");
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "STATUS".into(),
        "CREATED".into(),
        "TEXT".into(),
    ]];
    rows.extend(items.iter().map(row));
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

fn render_facts(facts: &[FactView], style: &Style) -> String {
    if facts.is_empty() {
        return "No facts.\n".into();
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "KIND".into(),
        "STALE".into(),
        "TEXT".into(),
    ]];
    for f in facts {
        rows.push(vec![
            f.item.id.clone(),
            or_dash(f.item.category.as_deref()),
            if f.stale {
                format!("stale: {}", f.changed_files.join(", "))
            } else {
                "-".into()
            },
            one_line(&f.item.text, 80),
        ]);
    }
    table(&rows, |r, c, cell| match (r, c) {
        (0, _) => style.dim(&cell),
        (_, 2) if cell.starts_with("stale") => style.yellow(&cell),
        _ => cell,
    })
}

fn render_show(item: &Item, style: &Style) -> String {
    let mut out = format!(
        "{} {}\n",
        style.bold(&item.id),
        style.bold(&one_line(&item.text, 200))
    );
    let mut rows = vec![
        vec!["Kind".to_string(), item.kind.to_string()],
        vec!["Status".into(), item.status.to_string()],
        vec!["By".into(), item.by.clone()],
        vec!["Created".into(), item.created_at.to_string()],
    ];
    let optional = [
        (
            "Updated",
            (item.updated_at != item.created_at).then(|| item.updated_at.to_string()),
        ),
        ("Category", item.category.clone()),
        ("Mission", item.mission.clone()),
        ("Session", item.session.clone()),
        ("Sprint", item.sprint.clone()),
        ("Supersedes", item.supersedes.clone()),
        ("Superseded by", item.superseded_by.clone()),
        ("Commit", item.commit.clone()),
        ("Note", item.note.clone()),
    ];
    for (label, value) in optional {
        if let Some(value) = value {
            rows.push(vec![label.to_string(), value]);
        }
    }
    if !item.files.is_empty() {
        rows.push(vec!["Files".into(), item.files.join(", ")]);
    }
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    if item.text.contains('\n') {
        out.push_str(&format!("\n{}\n", item.text));
    }
    if let Some(rationale) = &item.rationale {
        out.push_str(&format!("\n{}\n{rationale}\n", style.bold("Rationale")));
    }
    out
}
