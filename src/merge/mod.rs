//! The semantic merge of two versions of the cmos branch against their merge base, one file
//! at a time: records field by field, logs as a union, text by lines. Every rule is
//! symmetric, so two clones merging each other's work end with byte-identical trees, and
//! nothing is dropped: a value that loses a conflict is reported as a conflict event.

mod lines;
mod record;
pub mod text;

use serde::Serialize;

pub use lines::merge_lines;
pub use record::{FieldConflict, RecordMerge, merge_record};
pub use text::merge_text;

use crate::format::codec::{json_line, to_toml};
use crate::format::layout;
use crate::model::text::last_chars;
use crate::model::{
    Event, Format, Mission, Project, Session, Sprint, Timestamp, derived_uid, fnv1a,
};

/// The three versions of one file; None where the file does not exist.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub base: Option<&'a [u8]>,
    pub ours: Option<&'a [u8]>,
    pub theirs: Option<&'a [u8]>,
}

/// What merging one file produced.
#[derive(Debug, Default)]
pub struct FileMerge {
    /// The merged content; None when the file is gone on both sides.
    pub content: Option<Vec<u8>>,
    /// Files the merge adds besides: the second record when both sides created one id.
    pub also: Vec<Also>,
    pub conflicts: Vec<Conflict>,
}

/// A record moved to another path by the merge (one id created twice), with the base
/// version of it, renamed the same way, for merging it with what may already be there.
#[derive(Debug)]
pub struct Also {
    pub path: String,
    pub content: Vec<u8>,
    pub base: Option<Vec<u8>>,
}

/// A conflict the merge resolved: the value it kept and the one it did not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub path: String,
    /// The record's id, or the path for files that are not records.
    pub target: String,
    pub field: String,
    pub kept: String,
    pub lost: String,
}

/// Merges one file changed on both sides.
pub fn merge_file(path: &str, sides: Sides<'_>) -> FileMerge {
    let (ours, theirs) = match (sides.ours, sides.theirs) {
        (Some(a), Some(b)) if a == b => return kept(a),
        (Some(a), Some(b)) => (a, b),
        // Deleted on one side, changed on the other: the change stays, nothing is lost.
        (Some(only), None) | (None, Some(only)) => return kept(only),
        (None, None) => return FileMerge::default(),
    };
    if path.ends_with(".jsonl") {
        return kept(&merge_lines(ours, theirs));
    }
    if path.ends_with(".toml")
        && let Some(merged) = merge_toml(path, sides.base, ours, theirs)
    {
        return merged;
    }
    merge_other(path, sides.base, ours, theirs)
}

fn kept(bytes: &[u8]) -> FileMerge {
    FileMerge {
        content: Some(bytes.to_vec()),
        ..FileMerge::default()
    }
}

/// A record merged field by field; None if a side does not parse (merged as text instead).
fn merge_toml(path: &str, base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> Option<FileMerge> {
    let parse = |bytes: &[u8]| -> Option<toml::Table> {
        toml::from_str(std::str::from_utf8(bytes).ok()?).ok()
    };
    let (a, b) = (parse(ours)?, parse(theirs)?);
    let o = base.and_then(parse);
    let target = layout::record_id(path.rsplit('/').next()?)
        .unwrap_or(path)
        .to_string();
    let uid = |t: &toml::Table| t.get("uid").and_then(|u| u.as_str()).map(str::to_string);
    // Two different records under one id (created on both sides, or one side already moved
    // the other's aside in an earlier merge): keep both.
    if uid(&a).is_some() && uid(&a) != uid(&b) {
        return Some(keep_both(path, &target, ours, theirs, &a, &b, o.as_ref()));
    }
    let merged = merge_record(o.as_ref(), &a, &b);
    let content = canonical(path, &merged.table)?;
    let conflicts = merged
        .conflicts
        .into_iter()
        .map(|c| Conflict {
            path: path.to_string(),
            target: target.clone(),
            field: c.field,
            kept: c.kept,
            lost: c.lost,
        })
        .collect();
    Some(FileMerge {
        content: Some(content),
        also: Vec::new(),
        conflicts,
    })
}

/// What tells a duplicate's new id apart: the last 8 characters of its uid, or a hash of the
/// uid when a hand-edited uid ends in anything but letters and digits (the id becomes a path,
/// and a uid read from a branch may hold any text).
fn dup_suffix(uid: &str) -> String {
    let uid = uid.to_lowercase();
    let tail = last_chars(&uid, 8);
    if tail.chars().count() == 8 && tail.chars().all(|c| c.is_ascii_alphanumeric()) {
        return tail.to_string();
    }
    format!("{:08x}", fnv1a(uid.as_bytes()) as u32)
}

/// Two records created under one id: the one with the smaller uid keeps the id, the other
/// moves to `<id>.dup-<its uid>` (marked `duplicate_of`), and the pair is reported.
fn keep_both(
    path: &str,
    id: &str,
    ours: &[u8],
    theirs: &[u8],
    a: &toml::Table,
    b: &toml::Table,
    base: Option<&toml::Table>,
) -> FileMerge {
    let uid = |t: &toml::Table| {
        t.get("uid")
            .and_then(|u| u.as_str())
            .unwrap_or("")
            .to_string()
    };
    let (keeper, moved, moved_table) = if uid(a) <= uid(b) {
        (ours, theirs, b)
    } else {
        (theirs, ours, a)
    };
    let new_id = format!("{id}.dup-{}", dup_suffix(&uid(moved_table)));
    let rename = |t: &toml::Table| {
        let mut t = t.clone();
        t.insert("id".into(), toml::Value::String(new_id.clone()));
        t.insert("duplicate_of".into(), toml::Value::String(id.to_string()));
        t
    };
    let table = rename(moved_table);
    let new_path = path.replace(&format!("/{id}.toml"), &format!("/{new_id}.toml"));
    let new_path = if path.starts_with(&format!("{}/{}/", layout::ROOT, layout::MISSIONS)) {
        layout::mission_path(&new_id)
    } else if path.starts_with(&format!("{}/{}/", layout::ROOT, layout::SESSIONS)) {
        layout::session_path(&new_id)
    } else {
        new_path
    };
    let content = canonical(&new_path, &table).unwrap_or_else(|| moved.to_vec());
    // The base is the moved record's own earlier version when it had one here.
    let moved_base = base
        .filter(|o| uid(o) == uid(moved_table))
        .and_then(|o| canonical(&new_path, &rename(o)));
    FileMerge {
        content: Some(keeper.to_vec()),
        also: vec![Also {
            path: new_path,
            content,
            base: moved_base,
        }],
        conflicts: vec![Conflict {
            path: path.to_string(),
            target: id.to_string(),
            field: "id".into(),
            kept: uid(if std::ptr::eq(keeper, ours) { a } else { b }),
            lost: format!("created on both sides; the other record is now {new_id}"),
        }],
    }
}

/// The canonical bytes of a merged record: through its type when cmos knows it (fixed field
/// order), else as a plain table.
fn canonical(path: &str, table: &toml::Table) -> Option<Vec<u8>> {
    fn typed<T: serde::de::DeserializeOwned + Serialize>(table: &toml::Table) -> Option<Vec<u8>> {
        let record: T = toml::Value::Table(table.clone()).try_into().ok()?;
        to_toml(&record).ok()
    }
    let dir = |d: &str| path.starts_with(&format!("{}/{d}/", layout::ROOT));
    let typed_bytes = if dir(layout::MISSIONS) {
        typed::<Mission>(table)
    } else if dir(layout::SESSIONS) {
        typed::<Session>(table)
    } else if dir(layout::SPRINTS) {
        typed::<Sprint>(table)
    } else if path == layout::PROJECT {
        typed::<Project>(table)
    } else if path == layout::FORMAT {
        typed::<Format>(table)
    } else {
        None
    };
    typed_bytes.or_else(|| toml::to_string(table).ok().map(String::into_bytes))
}

/// Any other file: by lines, else the larger version wins and the other is reported whole.
fn merge_other(path: &str, base: Option<&[u8]>, ours: &[u8], theirs: &[u8]) -> FileMerge {
    let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_string);
    if let (Some(a), Some(b)) = (text(ours), text(theirs)) {
        let o = base.and_then(text).unwrap_or_default();
        if let Some(merged) = merge_text(&o, &a, &b) {
            return kept(merged.as_bytes());
        }
    }
    let (winner, loser) = if ours >= theirs {
        (ours, theirs)
    } else {
        (theirs, ours)
    };
    FileMerge {
        content: Some(winner.to_vec()),
        also: Vec::new(),
        conflicts: vec![Conflict {
            path: path.to_string(),
            target: path.to_string(),
            field: "content".into(),
            kept: String::from_utf8_lossy(winner).into_owned(),
            lost: String::from_utf8_lossy(loser).into_owned(),
        }],
    }
}

/// The conflicts of one merge as a log shard: its path and content depend only on the
/// conflicts and `when`, so every clone that makes the same merge writes the same file.
pub fn conflict_shard(conflicts: &[Conflict], when: Timestamp) -> Option<(String, Vec<u8>)> {
    if conflicts.is_empty() {
        return None;
    }
    let mut sorted = conflicts.to_vec();
    sorted.sort_by(|a, b| (&a.path, &a.field, &a.kept).cmp(&(&b.path, &b.field, &b.kept)));
    let mut content = Vec::new();
    for c in &sorted {
        let fingerprint = serde_json::to_vec(c).unwrap_or_default();
        let mut extra = serde_json::Map::new();
        extra.insert("path".into(), c.path.clone().into());
        extra.insert("field".into(), c.field.clone().into());
        extra.insert("kept".into(), c.kept.clone().into());
        extra.insert("lost".into(), c.lost.clone().into());
        let event = Event {
            uid: derived_uid(when.unix_seconds() * 1000, &fingerprint),
            at: when,
            agent: "cmos merge".into(),
            writer: "merge".into(),
            kind: "merge.conflict".into(),
            target: c.target.clone(),
            from: None,
            to: None,
            note: Some(format!("{} changed on both sides", c.field)),
            extra,
        };
        content.extend(json_line(&event));
    }
    let month = when.as_datetime().format("%Y-%m").to_string();
    let name = format!("merge-{:016x}.jsonl", fnv1a(&content));
    let path = format!(
        "{}/{name}",
        layout::log_month_dir(layout::CONFLICTS, &month)
    );
    Some((path, content))
}
