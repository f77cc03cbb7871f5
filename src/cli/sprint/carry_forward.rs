//! `cmos sprint carry-forward ID --to SPRINT [--dry-run]`: a sprint's open work moved to
//! another sprint in one commit, each item reported.

use clap::Args;

use crate::cli::output::{Style, table};
use crate::model::text::one_line_cut;
use crate::ops::carry_forward::{CarriedKind, CarryAction, CarryReport};

/// How wide an item's name is in the report.
const TEXT_WIDTH: usize = 80;

#[derive(Debug, Args)]
pub struct CarryForwardArgs {
    /// The sprint whose work moves: its id, the original's id or its title.
    pub id: String,
    /// The sprint it moves to (Planned or Active).
    #[arg(long, value_name = "SPRINT")]
    pub to: String,
    /// Report what would move, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn render(r: &CarryReport, style: &Style) -> String {
    let verb = if r.dry_run { "Would carry" } else { "Carried" };
    let stayed = match r.stayed {
        0 => String::new(),
        n => format!("; {n} stay(s) in {}", r.from),
    };
    let mut out = format!(
        "{verb} {} item(s) from sprint {} to sprint {}{stayed}\n\n",
        r.moved,
        style.bold(&r.from),
        style.bold(&r.to),
    );
    let mut rows = vec![
        ["KIND", "ID", "STATUS", "ACTION", "NAME"]
            .map(String::from)
            .to_vec(),
    ];
    for i in &r.items {
        let kind = match i.kind {
            CarriedKind::Mission => "mission",
            CarriedKind::NextStep => "next step",
        };
        let action = match i.action {
            CarryAction::Moved => format!("moved to {}", i.to),
            CarryAction::WouldMove => format!("would move to {}", i.to),
            CarryAction::Stayed => "stays".into(),
        };
        rows.push(vec![
            kind.into(),
            i.id.clone(),
            i.status.clone(),
            action,
            one_line_cut(&i.name, TEXT_WIDTH),
        ]);
    }
    out.push_str(&table(
        &rows,
        |r, _, cell| {
            if r == 0 { style.dim(&cell) } else { cell }
        },
    ));
    let stays: Vec<String> = r
        .items
        .iter()
        .filter_map(|i| Some(format!("  {}: {}\n", i.id, i.reason.as_deref()?)))
        .collect();
    if !stays.is_empty() {
        out.push_str("\nStaying:\n");
        out.extend(stays);
    }
    if r.dry_run {
        out.push_str("\nDry run: nothing was written.\n");
    }
    out
}
