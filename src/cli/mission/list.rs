//! `cmos mission list`: the missions in the order of work, printed as they come, with pages
//! (`--limit`, and `--after` the cursor the previous page ended with).

use serde_json::Value;

use crate::cli::output::Printer;
use crate::error::Result;
use crate::model::Status;
use crate::model::text::escape_line;
use crate::ops::mission::{Columns, Cursor, ListQuery, list_rows};
use crate::ops::{MissionBrief, Workspace};

/// Prints the list row by row. With `--limit` or `--after` the JSON envelope also has
/// `next_cursor` (null on the last page), and the text ends with the command for the next page.
pub fn run(
    ws: &Workspace,
    printer: &Printer<'_>,
    sprint: Option<&str>,
    status: Option<Status>,
    limit: Option<usize>,
    after: Option<&str>,
) -> Result<()> {
    let after = after.map(str::parse::<Cursor>).transpose()?;
    let query = ListQuery {
        sprint,
        status,
        after: after.as_ref(),
        skip: 0,
        limit,
    };
    let mut rows = printer.rows();
    let outcome = list_rows(ws, &query, &mut |columns, m| {
        rows.row(&m, |first, style| line(columns, &m, first, style));
        Ok(())
    })?;
    let paged = limit.is_some() || after.is_some();
    let extra = match paged {
        true => vec![(
            "next_cursor",
            outcome
                .data
                .next_cursor
                .clone()
                .map_or(Value::Null, Value::from),
        )],
        false => Vec::new(),
    };
    rows.finish(&outcome, &extra, "No missions.\n");
    if let (false, Some(cursor)) = (printer.json, &outcome.data.next_cursor) {
        eprintln!("more: cmos mission list --after {cursor}");
    }
    Ok(())
}

/// One row of the table (with its header above the first), laid out as `render::table`
/// lays out the whole list: columns two spaces apart, the name last and unpadded.
fn line(
    columns: &Columns,
    m: &MissionBrief,
    first: bool,
    style: &crate::cli::output::Style,
) -> String {
    let id = columns.id.max("ID".len());
    let status = columns.status.max("STATUS".len());
    let sprint = columns.sprint.max("SPRINT".len());
    let rank = columns.rank.max("RANK".len());
    let mut out = String::new();
    if first {
        let header = format!(
            "{:<id$}  {:<status$}  {:<sprint$}  {:<rank$}  NAME",
            "ID", "STATUS", "SPRINT", "RANK"
        );
        out.push_str(&style.dim(&header));
        out.push('\n');
    }
    let row = format!(
        "{:<id$}  {}  {:<sprint$}  {:<rank$}  {}",
        m.id,
        style.status(m.status, status),
        m.sprint.as_deref().unwrap_or("-"),
        m.rank.map_or("-".into(), |r| r.to_string()),
        escape_line(&m.name)
    );
    out.push_str(row.trim_end());
    out
}
