//! `cmos decision|fact|learning|constraint|next-step ...`: what the project knows and
//! decided. One file per group; what they share (list filters, tables, `show`) is here.

pub mod decision;
pub mod fact;
pub mod next_step;
pub mod note;
pub mod review;

use clap::Args;

use super::output::{Printer, Style, table};
use super::parse::parsed;
use crate::model::{Item, ItemKind, ItemStatus};
use crate::ops::Outcome;
use crate::ops::knowledge::{Hit, ListFilter};

// Filters every list shares.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Include superseded, archived, done and dropped ones.
    #[arg(long)]
    all: bool,
    /// Only this status (Active, Superseded, Archived, Done, Dropped).
    #[arg(long, value_parser = parsed::<ItemStatus>)]
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

fn print_added(printer: &Printer, outcome: Outcome<Item>) {
    printer.outcome(&outcome, |item, st| {
        let mut out = format!("Added {} {}\n", item.kind, st.bold(&item.id));
        if let Some(old) = &item.supersedes {
            out.push_str(&format!("Decision {old} is now Superseded\n"));
        }
        out
    });
}

fn print_closed(printer: &Printer, outcome: Outcome<Item>) {
    printer.outcome(&outcome, |item, st| {
        format!(
            "{} {} is now {}\n",
            item.kind,
            st.bold(&item.id),
            item.status
        )
    });
}

fn print_show(printer: &Printer, outcome: Outcome<Item>) {
    printer.outcome(&outcome, render_show);
}

fn print_hits(printer: &Printer, outcome: Outcome<Vec<Hit>>) {
    printer.outcome(&outcome, |hits, st| {
        if hits.is_empty() {
            return "Nothing found.\n".into();
        }
        let mut rows = vec![header()];
        rows.extend(hits.iter().map(|h| row(&h.item)));
        table(
            &rows,
            |r, _, cell| if r == 0 { st.dim(&cell) } else { cell },
        )
    });
}

/// The header over `row`'s columns: lists and search hits share both, so they cannot drift.
fn header() -> Vec<String> {
    ["ID", "STATUS", "CREATED", "TEXT"]
        .map(String::from)
        .to_vec()
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
    let mut rows = vec![header()];
    rows.extend(items.iter().map(row));
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
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

pub(super) use crate::model::text::first_line_cut as one_line;
