//! The mission list in the order of work, row by row, and in pages an agent can walk.
//!
//! A page starts after a cursor: the place of the last row of the page before (its status,
//! sprint, rank, creation and id), not a count of rows. Missions added, moved or finished
//! meanwhile do not shift where the next page starts, and a mission that moved since its
//! page was read does not drag the next page with it. A page costs one pass over the
//! summaries (no sort of every mission): the rows after the cursor are selected, and only
//! those are put in order.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::index::{MissionEntry, cell_widths};
use crate::lifecycle::{OrderContext, OrderKey, natural_cmp};
use crate::model::text::first_chars;
use crate::model::{Status, validate_id};
use crate::ops::{MissionBrief, Outcome, Workspace};

/// Which missions to list, and which page of them.
#[derive(Debug, Default, Clone)]
pub struct ListQuery<'a> {
    /// Only missions of this sprint (as users name it).
    pub sprint: Option<&'a str>,
    pub status: Option<Status>,
    /// Only missions after this place in the order of work.
    pub after: Option<&'a Cursor>,
    /// Rows to pass over first (after `after`): a page by its number, as the original counted.
    pub skip: usize,
    /// At most this many rows.
    pub limit: Option<usize>,
}

/// What a listing says beside its rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Listed {
    /// Missions that pass the filters, on every page.
    pub total: usize,
    /// Rows of the filtered list before this page.
    pub offset: usize,
    /// Where the next page starts, when this one was cut short of the end.
    pub next_cursor: Option<String>,
}

/// The widest cell of each column among the rows to come (in chars), known before the first
/// row so a table can be printed as its rows come.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Columns {
    pub id: usize,
    pub status: usize,
    pub sprint: usize,
    pub rank: usize,
}

impl Columns {
    /// Makes room for the cells of `m`.
    fn widen(&mut self, m: &MissionEntry) {
        let [id, sprint, rank] = cell_widths(m);
        self.id = self.id.max(id);
        self.status = self.status.max(m.status.as_str().len());
        self.sprint = self.sprint.max(sprint);
        self.rank = self.rank.max(rank);
    }

    /// The widths of the whole list of `status` (every status: None), from the digest's
    /// counts, before any row is read.
    fn of_digest(digest: &Digest, status: Option<Status>) -> Columns {
        let [id, sprint, rank] = digest.widths.widest(status);
        let listed = |s: &Status| status.is_none_or(|wanted| wanted == *s);
        let status = (digest.totals.by_status())
            .filter(|(s, _)| listed(s))
            .map(|(s, _)| s.as_str().len())
            .max()
            .unwrap_or(0);
        Columns {
            id,
            status,
            sprint,
            rank,
        }
    }
}

/// A first page (no sprint, no cursor) read from the cache's windows of open missions, so it
/// costs what its rows cost instead of a pass over every summary: MCP's mission status and
/// the first page of a list are the calls agents make most. None when the windows do not hold
/// the whole page.
fn first_page_from_windows(
    snapshot: &crate::store::Snapshot<'_>,
    query: &ListQuery<'_>,
) -> Result<Option<Vec<MissionEntry>>> {
    let (None, None, Some(limit)) = (query.sprint, query.after, query.limit) else {
        return Ok(None);
    };
    let Some(windows) = snapshot.windows() else {
        return Ok(None);
    };
    let Some(ids) = windows.first(query.status, query.skip.saturating_add(limit)) else {
        return Ok(None);
    };
    // Room for the rows there are, not for the limit asked for (any number a client sends).
    let mut page = Vec::with_capacity(ids.len().saturating_sub(query.skip));
    for id in ids.into_iter().skip(query.skip) {
        match snapshot.entry(id)? {
            Some((m, _)) => page.push(m),
            // A window naming a mission the buckets lack: read it the long way.
            None => return Ok(None),
        }
    }
    Ok(Some(page))
}

/// A place in the order of work, as a page's last row had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    status: Status,
    sprint: Option<String>,
    rank: Option<i64>,
    created_ms: u64,
    id: String,
}

impl Cursor {
    /// The place of mission `m`, as a page that ends with it gives it.
    pub fn of(m: &MissionEntry) -> Cursor {
        Cursor {
            status: m.status,
            sprint: m.sprint.clone(),
            rank: m.rank,
            created_ms: (m.created >> 72) as u64,
            id: m.id.clone(),
        }
    }

    /// Its place in today's order (the sprints' plan may have changed since).
    fn key(&self, context: &OrderContext) -> OrderKey {
        context.key(&MissionEntry {
            id: self.id.clone(),
            created: u128::from(self.created_ms) << 72,
            name: String::new(),
            status: self.status,
            sprint: self.sprint.clone(),
            rank: self.rank,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        })
    }
}

/// `status:created:rank:sprint:id`; ids never hold `:`.
impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = Status::ALL.iter().position(|s| *s == self.status);
        write!(
            f,
            "{}:{}:{}:{}:{}",
            status.unwrap_or_default(),
            self.created_ms,
            self.rank.map(|r| r.to_string()).unwrap_or_default(),
            self.sprint.as_deref().unwrap_or_default(),
            self.id
        )
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Only the text cmos gives is read: the numbers as it writes them (no sign, no leading
    /// zero), a sprint and an id that are valid ids. Another spelling of the same place is
    /// refused too, so a cursor is one string and an agent never holds two for one place.
    fn from_str(text: &str) -> Result<Cursor> {
        let refused = || {
            // A cursor is short: a long text is shown by its start only.
            let shown = first_chars(text, 120);
            let more = if shown.len() < text.len() { "…" } else { "" };
            Error::InvalidInput(format!(
                "cursor {shown:?}{more} is not one cmos gave: pass the next cursor of the previous page"
            ))
        };
        let parts: Vec<&str> = text.splitn(5, ':').collect();
        let [status, created, rank, sprint, id] = parts[..] else {
            return Err(refused());
        };
        let status = status
            .parse::<usize>()
            .ok()
            .and_then(|i| Status::ALL.get(i));
        let (Some(status), Ok(created_ms)) = (status, created.parse::<u64>()) else {
            return Err(refused());
        };
        let rank = match rank {
            "" => None,
            r => Some(r.parse::<i64>().map_err(|_| refused())?),
        };
        let sprint_ok = sprint.is_empty() || validate_id("sprint", sprint).is_ok();
        if !sprint_ok || validate_id("mission", id).is_err() {
            return Err(refused());
        }
        let cursor = Cursor {
            status: *status,
            sprint: (!sprint.is_empty()).then(|| sprint.to_string()),
            rank,
            created_ms,
            id: id.to_string(),
        };
        if cursor.to_string() != text {
            return Err(refused());
        }
        Ok(cursor)
    }
}

/// A row in the making: its place, compared as the order of work compares.
struct Placed<'a>(OrderKey, &'a MissionEntry);

impl Ord for Placed<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .cmp(&other.0)
            .then_with(|| natural_cmp(&self.1.id, &other.1.id))
    }
}

impl PartialOrd for Placed<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Placed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Placed<'_> {}

/// How many rows of a whole list are handed out from the windows of open missions before the
/// summaries are read: a screenful, from a few buckets.
const LEAD: usize = 64;

/// How many rows are put in order before the first is handed out; the rest are sorted after.
/// Selecting them costs one pass, so the first row does not wait for the whole sort.
const FIRST_SORTED: usize = 256;

/// Hands the missions of `query` to `row` in the order of work; what it returns says how many
/// there are and where the next page starts. A whole list (no sprint, page or cursor) starts
/// with the rows the windows hold, laid out with the digest's widths, before the summaries
/// are read; the rest follow them. Nothing grows with the number of rows but one small entry
/// per mission.
pub fn list_rows(
    ws: &Workspace,
    query: &ListQuery<'_>,
    row: &mut dyn FnMut(&Columns, MissionBrief) -> Result<()>,
) -> Result<Outcome<Listed>> {
    let snapshot = ws.snapshot()?;
    let sprint = match query.sprint {
        Some(name) => Some(snapshot.meta.resolve_sprint(name)?.id.clone()),
        None => None,
    };
    if let Some(page) = first_page_from_windows(&snapshot, query)? {
        let total = match query.status {
            Some(status) => snapshot.digest.totals.get(status),
            None => snapshot.digest.totals.total,
        };
        let mut columns = Columns::default();
        for m in &page {
            columns.widen(m);
        }
        for m in &page {
            row(&columns, MissionBrief::from(m))?;
        }
        let more = total > query.skip + page.len();
        let listed = Listed {
            total,
            offset: query.skip.min(total),
            next_cursor: page
                .last()
                .filter(|_| more)
                .map(|m| Cursor::of(m).to_string()),
        };
        return Ok(Outcome::read(listed, &snapshot));
    }
    let lead = lead_from_windows(&snapshot, query)?;
    if let Some((columns, rows)) = &lead {
        for m in rows {
            row(columns, MissionBrief::from(m))?;
        }
    }
    let index = snapshot.index()?;
    let context = OrderContext::new(&index.meta);
    // The rest starts after the lead's last row, or after the query's cursor.
    let lead_end = lead
        .as_ref()
        .and_then(|(_, rows)| rows.last().map(Cursor::of));
    let after = (lead_end.as_ref().or(query.after)).map(|c| (c.key(&context), c.id.as_str()));
    let (mut total, mut offset) = (0, 0);
    let mut rest: Vec<Placed<'_>> = Vec::new();
    for m in index.missions.values() {
        if sprint.is_some() && m.sprint != sprint || query.status.is_some_and(|s| m.status != s) {
            continue;
        }
        total += 1;
        let key = context.key(m);
        if let Some((at, id)) = after
            && key.cmp(&at).then_with(|| natural_cmp(&m.id, id)) != Ordering::Greater
        {
            offset += 1;
            continue;
        }
        rest.push(Placed(key, m));
    }
    if lead.is_some() {
        // The lead's rows were handed out, not passed over.
        offset = 0;
    }
    let wanted = query
        .limit
        .map_or(usize::MAX, |limit| limit.saturating_add(query.skip));
    let more = rest.len() > wanted;
    if more {
        // The page's rows are the `wanted` first: selected in one pass, then only they sorted.
        rest.select_nth_unstable(wanted);
        rest.truncate(wanted);
    }
    let columns = match lead {
        Some((columns, _)) => columns,
        None => {
            let mut columns = Columns::default();
            for Placed(_, m) in &rest {
                columns.widen(m);
            }
            columns
        }
    };
    let mut last = None;
    let mut skip = query.skip;
    in_order(&mut rest, &mut |m| {
        if skip > 0 {
            skip -= 1;
            offset += 1;
            return Ok(());
        }
        last = Some(m);
        row(&columns, MissionBrief::from(m))
    })?;
    let next_cursor = last.filter(|_| more).map(|m| Cursor::of(m).to_string());
    let listed = Listed {
        total,
        offset,
        next_cursor,
    };
    Ok(Outcome::read(listed, &snapshot))
}

/// The first rows of a whole list (no sprint, no page, no cursor) as far as the windows hold
/// them, with the widths of the whole list from the digest. None when there is no such lead.
fn lead_from_windows(
    snapshot: &crate::store::Snapshot<'_>,
    query: &ListQuery<'_>,
) -> Result<Option<(Columns, Vec<MissionEntry>)>> {
    let whole_list =
        query.sprint.is_none() && query.after.is_none() && query.skip == 0 && query.limit.is_none();
    let Some(windows) = snapshot.windows().filter(|_| whole_list) else {
        return Ok(None);
    };
    let (ids, _) = windows.prefix(query.status, LEAD);
    if ids.is_empty() {
        return Ok(None);
    }
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        match snapshot.entry(id)? {
            Some((m, _)) => rows.push(m),
            None => return Ok(None),
        }
    }
    let columns = Columns::of_digest(&snapshot.digest, query.status);
    Ok(Some((columns, rows)))
}

/// Hands `rows` to `each` in order: the first few are selected and sorted, so the first is
/// handed out after one pass; the others are sorted once those are out.
fn in_order<'a>(
    rows: &mut [Placed<'a>],
    each: &mut dyn FnMut(&'a MissionEntry) -> Result<()>,
) -> Result<()> {
    let first = FIRST_SORTED.min(rows.len());
    if first < rows.len() {
        rows.select_nth_unstable(first);
    }
    let (head, tail) = rows.split_at_mut(first);
    head.sort_unstable();
    for Placed(_, m) in head.iter() {
        each(m)?;
    }
    tail.sort_unstable();
    for Placed(_, m) in tail.iter() {
        each(m)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        for text in ["0:1764000000000:3:S1:B1", "2:17:::task-9.a_b", "4:0:-5::X"] {
            let cursor: Cursor = text.parse().unwrap();
            assert_eq!(cursor.to_string(), text);
        }
    }

    #[test]
    fn a_cursor_cmos_did_not_give_is_refused() {
        for text in [
            "",
            "20",
            "99:1:::B1",
            "0:x:::B1",
            "0:1:r::B1",
            "0:1:::",
            "0:1:::B:1",
        ] {
            let error = text.parse::<Cursor>().unwrap_err().to_string();
            assert!(error.contains("not one cmos gave"), "{text}: {error}");
        }
    }

    #[test]
    fn test_a_cursor_spelled_otherwise_than_cmos_gives_it_is_refused() {
        // Each reads as a place cmos could give, but is not the text it gives for it.
        for text in [
            "0:01:::B1",
            "0:+1:::B1",
            "00:1:::B1",
            "0:1:+3::B1",
            "0:1:-0::B1",
            "0:1:07::B1",
            "0:1:::B1\u{1b}[2J",
            "0:1::S 1:B1",
            "0:1:::..",
        ] {
            let error = text.parse::<Cursor>().unwrap_err();
            assert_eq!(error.code(), "invalid_input", "{text}");
            assert!(error.to_string().contains("not one cmos gave"), "{text}");
        }
    }

    #[test]
    fn a_long_cursor_is_shown_by_its_start() {
        let text = format!("0:1:::{}", "x".repeat(100_000));
        let error = text.parse::<Cursor>().unwrap_err().to_string();
        assert!(error.len() < 400, "{} bytes", error.len());
    }
}
