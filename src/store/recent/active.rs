//! The newest Active items of a log (`Store::newest_active`), read newest month first, with
//! a local cache of the last answer: `<common-dir>/cmos/newest-<log>-cache` names the month
//! directories that answer was read from, by tree id. The answer depends on nothing else (the
//! read stops before older months), so when those directories are unchanged the answer is
//! too, and no shard is opened; any write to them reads them again.
//!
//! The file is local and anyone with access to the repository can change it, so it is
//! checked (header, checksum, every line) and ignored when anything is off; failing to read
//! or write it is never an error.
//!
//! Layout: a header line (the cache version and a checksum of the rest), a line
//! `<want> <months read> <whether every month was read>`, a line `<month> <tree id>` per
//! month read, newest first, then the items, one JSON line each.

use std::path::Path;

use gix::ObjectId;

use super::{Store, load, month_start};
use crate::error::Result;
use crate::format::codec::{json_line, parse_lines};
use crate::model::{Folded, Item, ItemKind, ItemStatus};

/// Changed whenever the stored shape changes; a file with another header is ignored.
const VERSION: &str = "cmos newest active 1";
/// A cache file larger than this is not read.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The answer, and what it was read from.
#[derive(Debug, PartialEq)]
struct Answer {
    want: usize,
    /// The month directories read, newest first.
    months: Vec<(String, ObjectId)>,
    /// Whether the read ran through every month of the log.
    all: bool,
    items: Vec<Item>,
}

/// See `Store::newest_active`.
pub(super) fn newest_active(
    store: &Store,
    tree: ObjectId,
    kind: ItemKind,
    want: usize,
) -> Result<Vec<Item>> {
    let log = kind.log_dir();
    let mut months = load::log_months(&store.repo, tree, log, (None, None))?;
    months.reverse();
    let path = store.local.shared_dir.join(format!("newest-{log}-cache"));
    if let Some(answer) = load_cache(&path)
        && answer.want == want
        && months.get(..answer.months.len()) == Some(&answer.months[..])
        && (!answer.all || months.len() == answer.months.len())
    {
        return Ok(answer.items);
    }
    let answer = read(store, log, months, want)?;
    save_cache(&path, &answer);
    Ok(answer.items)
}

/// Reads months newest first, stopping once `want` Active items created within the months
/// read are known: any item in an older month was created before all of them.
fn read(store: &Store, log: &str, months: Vec<(String, ObjectId)>, want: usize) -> Result<Answer> {
    let mut folded = Folded::default();
    let mut read = Vec::new();
    let mut all = true;
    for month in months {
        for (path, blob) in load::month_shards(&store.repo, log, &month)? {
            let bytes = load::read_blob(&store.repo, blob, &path)?;
            for version in parse_lines::<Item>(&path, &bytes).0 {
                folded.add(version);
            }
        }
        let start = month_start(&month.0);
        read.push(month);
        let Some(start) = start else {
            continue;
        };
        let known = folded
            .items()
            .filter(|i| i.status == ItemStatus::Active && i.created_at >= start)
            .count();
        if known >= want {
            all = false;
            break;
        }
    }
    let mut items: Vec<Item> = folded
        .into_sorted()
        .into_iter()
        .rev()
        .filter(|i| i.status == ItemStatus::Active)
        .collect();
    items.truncate(want);
    Ok(Answer {
        want,
        months: read,
        all,
        items,
    })
}

/// The answer at `path`, if the file exists and passes every check.
fn load_cache(path: &Path) -> Option<Answer> {
    let body = super::checked::read(path, VERSION, MAX_BYTES)?;
    let mut lines = body.split('\n');
    let mut head = lines.next()?.split(' ');
    let want = head.next()?.parse().ok()?;
    let count: usize = head.next()?.parse().ok()?;
    let all = match head.next()? {
        "all" => true,
        "some" => false,
        _ => return None,
    };
    let mut months = Vec::new();
    for _ in 0..count {
        let (month, id) = lines.next()?.split_once(' ')?;
        months.push((month.to_string(), ObjectId::from_hex(id.as_bytes()).ok()?));
    }
    let rest: Vec<&str> = lines.collect();
    let (items, problems) = parse_lines::<Item>("", rest.join("\n").as_bytes());
    if !problems.is_empty() || items.len() > want {
        return None;
    }
    Some(Answer {
        want,
        months,
        all,
        items,
    })
}

/// Writes the answer; a failure leaves the old file or none, and the next read reads the log.
fn save_cache(path: &Path, answer: &Answer) {
    let all = if answer.all { "all" } else { "some" };
    let mut body = format!("{} {} {all}\n", answer.want, answer.months.len());
    for (month, id) in &answer.months {
        // A month directory named with a space or line break cannot be stored on one line.
        if month.contains([' ', '\n', '\r']) {
            return;
        }
        body.push_str(&format!("{month} {id}\n"));
    }
    for item in &answer.items {
        body.push_str(String::from_utf8_lossy(&json_line(item)).trim_end());
        body.push('\n');
    }
    super::checked::write(path, VERSION, &body);
}
