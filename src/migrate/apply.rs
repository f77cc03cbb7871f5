//! Staging an import for one commit; the operation that runs it does the write. Records the
//! branch already has are left alone, so running an import again changes nothing; items and
//! log lines go into the import's own shards, deduplicated by id and uid.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Batch, Link, Notes, Report};
use crate::error::{Error, Result};
use crate::format::codec::{json_line, parse_lines};
use crate::format::layout;
use crate::lifecycle::{Precedence, cycle_closers};
use crate::model::text::{first_chars, last_chars};
use crate::model::{DepType, Dependency, Event, Format, Item, ItemKind, Mission, derived_uid};
use crate::store::{CommitId, Tx};

/// Reports how far an import got: (what it is doing, done, total).
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

/// Stages a new project (name, description) in a repository that has none yet.
pub type NewProject = dyn Fn(&mut Tx<'_>, String, Option<String>) -> Result<()>;

/// Where an import writes, as the operation that runs it knows it.
pub struct Target<'a> {
    /// The full name of the cmos branch, for the refusal of a branch that is not cmos's.
    pub branch: &'a str,
    /// The name of a new project when the batch names none (the repository's directory).
    pub default_name: &'a str,
    /// Stages a new project (name, description) when the repository has none yet.
    pub new_project: &'a NewProject,
}

/// What staging a batch found, before the commit: counts, and notes made on the way.
#[derive(Default)]
pub struct Staged {
    report: Report,
    late: Notes,
}

/// Cleans what a source other than a dump may hold (a dump was refused when read if it
/// broke a rule), and orders missions as their source did.
pub fn prepare(batch: &mut Batch) {
    if batch.format != "dump" {
        super::limits::clean(batch);
        keep_source_order(&mut batch.missions);
    }
    // The batch is held until the commit: without the room its vectors grew into (up to
    // twice their length; a mission is 700 bytes before its texts).
    batch.missions.shrink_to_fit();
    batch.links.shrink_to_fit();
    batch.items.shrink_to_fit();
    batch.events.shrink_to_fit();
    batch.extras.pack(&mut batch.missions);
}

/// Stages `batch` in one write (none when the branch already has all of it), creating the
/// project first when the repository has none. Run again from the start when the write is
/// retried.
pub fn stage_batch(
    tx: &mut Tx<'_>,
    batch: &Batch,
    target: &Target<'_>,
    progress: Progress<'_>,
) -> Result<Staged> {
    let mut report = Report::default();
    let mut late = Notes::default();
    match tx.meta().project() {
        Ok(project) => {
            if let Some(theirs) = &batch.project {
                if theirs == project {
                    count(&mut report.already_present, "projects");
                } else {
                    late.skipped(
                        "project record of the dump: the branch has its own project, kept",
                        "project.toml",
                    );
                }
            }
        }
        Err(Error::NotInitialized) if !tx.has_history() => match &batch.project {
            Some(project) => {
                tx.put_format(&Format::default())?;
                tx.put_project(project)?;
            }
            None => {
                let name = batch
                    .project_name
                    .clone()
                    .unwrap_or_else(|| target.default_name.to_string());
                (target.new_project)(tx, name, batch.project_description.clone())?;
            }
        },
        Err(Error::NotInitialized) => {
            return Err(Error::Refused(format!(
                "{} exists and is not a cmos branch; set another branch with `git config cmos.ref refs/heads/NAME`",
                target.branch
            )));
        }
        Err(other) => return Err(other),
    }
    stage(tx, batch, &mut report, &mut late, progress)?;
    let total: usize = report.imported.values().sum();
    // A dump carries its own log; an event of its import would make it differ from the
    // branch it was taken from.
    if total > 0 && batch.format != "dump" {
        let summary = report
            .imported
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut extra = serde_json::Map::new();
        extra.insert("format".into(), batch.format.into());
        tx.record_with("import.done", &batch.source_name, Some(summary), extra);
        tx.set_subject(format!("import {} {}", batch.format, batch.source_name));
    }
    Ok(Staged { report, late })
}

/// The report of a written import: what was staged, the batch's notes, and the commit
/// (None when the branch already had everything).
pub fn report_of(batch: Batch, staged: Staged, commit: Option<CommitId>) -> Report {
    let mut notes = batch.notes;
    notes.absorb(staged.late);
    let notes = notes.into_report(batch.source, batch.format);
    Report {
        mapped: notes.mapped,
        kept_raw: notes.kept_raw,
        skipped: notes.skipped,
        source: notes.source,
        format: notes.format,
        commit: commit.map(|c| c.to_string()),
        ..staged.report
    }
}

fn stage(
    tx: &mut Tx<'_>,
    batch: &Batch,
    report: &mut Report,
    notes: &mut Notes,
    progress: Progress<'_>,
) -> Result<()> {
    let total = batch.len();
    let mut done = 0;
    let mut tick = |what: &str, done: &mut usize| {
        *done += 1;
        if (*done).is_multiple_of(64) || *done == total {
            progress(what, *done, total);
        }
    };
    for sprint in &batch.sprints {
        let stored = match tx.sprint_file(&sprint.id)? {
            Some(path) => stored_uid(tx, &path)?,
            None => None,
        };
        if let Some(uid) = stored {
            present(
                report,
                notes,
                "sprint",
                &sprint.id,
                same_source(&uid, &sprint.uid),
            );
        } else {
            tx.put_sprint(sprint)?;
            if batch.format != "dump" {
                tx.record(
                    "sprint.imported",
                    &sprint.id,
                    None,
                    Some(sprint.status.to_string()),
                    None,
                );
            }
            count(&mut report.imported, "sprints");
        }
        tick("sprints", &mut done);
    }
    // The batch's missions themselves, not copies: a mission is made whole (its packed
    // `extra` table read back, its links added) one at a time as it is staged.
    let mut new_missions: Vec<&Mission> = Vec::new();
    let mut new_at: Vec<usize> = Vec::new();
    for (at, mission) in batch.missions.iter().enumerate() {
        if let Some(uid) = stored_uid(tx, &layout::mission_path(&mission.id))? {
            present(
                report,
                notes,
                "mission",
                &mission.id,
                same_source(&uid, &mission.uid),
            );
        } else {
            new_missions.push(mission);
            new_at.push(at);
            count(&mut report.imported, "missions");
        }
        tick("missions", &mut done);
    }
    let mut linked = link(tx, &batch.links, &new_missions, notes)?;
    drop(new_missions);
    for _ in &batch.links {
        tick("links", &mut done);
    }
    for (i, at) in new_at.into_iter().enumerate() {
        let mut mission = batch.extras.whole(&batch.missions, at)?;
        for change in linked.remove(&i).unwrap_or_default() {
            change.apply(&mut mission);
        }
        tx.put_mission(&mission)?;
    }
    for session in &batch.sessions {
        if let Some(uid) = stored_uid(tx, &layout::session_path(&session.id))? {
            present(
                report,
                notes,
                "session",
                &session.id,
                same_source(&uid, &session.uid),
            );
        } else {
            tx.put_session(session)?;
            count(&mut report.imported, "sessions");
        }
        tick("sessions", &mut done);
    }
    for kind in ItemKind::ALL {
        let items: Vec<&Item> = batch.items.iter().filter(|i| i.kind == *kind).collect();
        if items.is_empty() {
            continue;
        }
        let known: HashSet<String> = tx.items(*kind)?.into_iter().map(|i| i.id).collect();
        let label = format!("{}s", kind.as_str());
        let mut fresh = Vec::new();
        let mut seen = HashSet::new();
        for item in items {
            if known.contains(&item.id) || !seen.insert(item.id.as_str()) {
                count(&mut report.already_present, &label);
            } else {
                fresh.push((item.created_at.to_string(), json_line(item)));
                count(&mut report.imported, &label);
            }
            tick(&label, &mut done);
        }
        append_lines(tx, kind.log_dir(), &batch.tag, fresh)?;
    }
    let known = event_uids(tx)?;
    let mut fresh = Vec::new();
    for event in &batch.events {
        if known.contains(&event.uid) {
            count(&mut report.already_present, "events");
        } else {
            fresh.push((event.at.to_string(), json_line(event)));
            count(&mut report.imported, "events");
        }
        tick("events", &mut done);
    }
    append_lines(tx, layout::EVENTS, &batch.tag, fresh)?;
    for (path, bytes) in &batch.files {
        let existing = tx.file(path)?;
        if existing.as_deref() == Some(bytes.as_slice()) {
            count(&mut report.already_present, "files");
        } else if path.ends_with(".jsonl") && existing.is_some() {
            let mut lines: Vec<&[u8]> = existing
                .as_deref()
                .unwrap_or_default()
                .split(|b| *b == b'\n')
                .collect();
            // A set, not a scan of the lines so far: a shard of 60,000 lines took 10 s.
            let mut known: HashSet<&[u8]> = lines.iter().copied().collect();
            let before = lines.len();
            for line in bytes.split(|b| *b == b'\n') {
                if known.insert(line) {
                    lines.push(line);
                }
            }
            if lines.len() > before {
                let mut joined = lines.join(&b"\n"[..]);
                if !joined.ends_with(b"\n") {
                    joined.push(b'\n');
                }
                tx.put_file(path, joined);
                count(&mut report.imported, "files");
            } else {
                count(&mut report.already_present, "files");
            }
        } else if existing.is_none() || path.starts_with(".cmos/legacy/") {
            // A kept source file is replaced by the newer import of the same file.
            tx.put_file(path, bytes.clone());
            count(&mut report.imported, "files");
        } else {
            notes.skipped(
                "file the branch has with other content: kept the branch's",
                path,
            );
            count(&mut report.already_present, "files");
        }
        tick("files", &mut done);
    }
    Ok(())
}

/// Adds the links of new missions. A link to a mission that does not exist, to itself, or
/// one that would close a cycle is kept in the mission's `legacy` table instead of its
/// `depends`. Cycles are looked for once over the whole graph, not per link: an import of
/// tens of thousands of links would otherwise be quadratic.
fn link<'l>(
    tx: &mut Tx<'_>,
    links: &'l [Link],
    new_missions: &[&Mission],
    notes: &mut Notes,
) -> Result<HashMap<usize, Vec<LinkChange<'l>>>> {
    let position: HashMap<&str, usize> = new_missions
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let mut changes: HashMap<usize, Vec<LinkChange<'l>>> = HashMap::new();
    let index = tx.index()?;
    let mut fixed: Vec<Precedence<'_>> = Vec::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            if let Some(edge) = precedence(&m.id, on, *kind) {
                fixed.push(edge);
            }
        }
    }
    // The links that name two missions the branch will have, each once; the others refused.
    let mut seen: HashSet<(&str, &str, DepType)> = HashSet::new();
    let mut accepted: Vec<&Link> = Vec::new();
    let mut refused: Vec<(&Link, String)> = Vec::new();
    for link in links {
        let Some(&at) = position.get(link.from.as_str()) else {
            continue;
        };
        let stored = &new_missions[at].depends;
        if !seen.insert((&link.from, &link.to, link.kind))
            || stored
                .iter()
                .any(|d| d.on == link.to && d.kind == link.kind)
        {
            continue;
        }
        if link.from == link.to {
            refused.push((
                link,
                format!("mission {} cannot depend on itself", link.from),
            ));
        } else if !position.contains_key(link.to.as_str()) && !index.missions.contains_key(&link.to)
        {
            refused.push((link, format!("mission {} not found", link.to)));
        } else {
            accepted.push(link);
        }
    }
    let ordering: Vec<(usize, Precedence<'_>)> = accepted
        .iter()
        .enumerate()
        .filter_map(|(i, l)| precedence(&l.from, &l.to, l.kind).map(|e| (i, e)))
        .collect();
    let edges: Vec<Precedence<'_>> = ordering.iter().map(|(_, e)| *e).collect();
    let mut closing: HashMap<usize, String> = HashMap::new();
    for closer in cycle_closers(&fixed, &edges) {
        let (i, (_, after)) = ordering[closer.index];
        let l = accepted[i];
        closing.insert(
            i,
            format!(
                "{} {} {} would close a cycle: {} → {after} (each must finish before the next)",
                l.from,
                l.kind,
                l.to,
                closer.path.join(" → ")
            ),
        );
    }
    for (i, link) in accepted.into_iter().enumerate() {
        let change = match closing.remove(&i) {
            None => LinkChange::Depend(Dependency {
                on: link.to.clone(),
                kind: link.kind,
                extra: link.extra.clone(),
            }),
            Some(why) => {
                note_unlinked(link, notes);
                LinkChange::Unlinked(link, why)
            }
        };
        changes
            .entry(position[link.from.as_str()])
            .or_default()
            .push(change);
    }
    for (link, why) in refused {
        note_unlinked(link, notes);
        changes
            .entry(position[link.from.as_str()])
            .or_default()
            .push(LinkChange::Unlinked(link, why));
    }
    Ok(changes)
}

/// What the links make of one new mission: a dependency, or a link kept aside with why.
enum LinkChange<'l> {
    Depend(Dependency),
    Unlinked(&'l Link, String),
}

impl LinkChange<'_> {
    fn apply(self, mission: &mut Mission) {
        match self {
            LinkChange::Depend(dependency) => mission.depends.push(dependency),
            LinkChange::Unlinked(link, why) => keep_unlinked(mission, link, why),
        }
    }
}

/// A link as "finishes before", if it orders work at all.
fn precedence<'a>(from: &'a str, to: &'a str, kind: DepType) -> Option<Precedence<'a>> {
    match kind {
        DepType::Requires => Some((to, from)),
        DepType::Blocks => Some((from, to)),
        _ => None,
    }
}

/// Keeps a link that could not be made in the mission's `legacy.unlinked`, with the reason.
fn keep_unlinked(mission: &mut Mission, link: &Link, why: String) {
    let mut kept = toml::Table::new();
    kept.insert("on".into(), link.to.clone().into());
    kept.insert("type".into(), link.raw_type.clone().into());
    kept.insert("why".into(), why.into());
    let legacy = mission
        .extra
        .entry("legacy")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(legacy) = legacy {
        let list = legacy
            .entry("unlinked")
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        if let toml::Value::Array(list) = list {
            list.push(toml::Value::Table(kept));
        }
    }
}

/// Notes a link that could not be made (kept in its mission's `legacy.unlinked`).
fn note_unlinked(link: &Link, notes: &mut Notes) {
    notes.kept_raw(
        "dependency not linked (unknown mission or a cycle), kept in the mission's legacy.unlinked",
        &format!("{} → {}", link.from, link.to),
    );
}

/// Spreads the missions a source gives the same second over that second, in the source's
/// order, so the order of work keeps it (it sorts by creation to the millisecond, then by id).
/// Only a uid's time changes: its last 80 bits, which tell an imported record's source, stay.
fn keep_source_order(missions: &mut [Mission]) {
    let mut per_second: HashMap<i64, (usize, usize)> = HashMap::new();
    for m in missions.iter() {
        per_second.entry(m.created_at.unix_seconds()).or_default().0 += 1;
    }
    for m in missions.iter_mut() {
        let second = m.created_at.unix_seconds();
        let (size, seen) = per_second.get_mut(&second).expect("counted just above");
        if *size < 2 || m.uid.chars().count() != 26 {
            continue;
        }
        let offset = (*seen * 1000 / *size) as i64;
        *seen += 1;
        // A uid is 10 digits of milliseconds, then 16 of its own bits.
        let time = derived_uid(second * 1000 + offset, b"");
        m.uid = format!("{}{}", first_chars(&time, 10), last_chars(&m.uid, 16));
    }
}

/// The uids of events already in any import shard, so the same event met again (in a second
/// run, or in both SESSIONS.jsonl and the database) is written once.
fn event_uids(tx: &Tx<'_>) -> Result<HashSet<String>> {
    let mut uids = HashSet::new();
    for (path, bytes) in tx.import_shards(layout::EVENTS)? {
        let (events, _) = parse_lines::<Event>(&path, &bytes);
        uids.extend(events.into_iter().map(|e| e.uid));
    }
    Ok(uids)
}

/// Appends `lines` (sort key, line) to this import's shard of each month of `log`, oldest
/// first after the lines already there.
fn append_lines(
    tx: &mut Tx<'_>,
    log: &str,
    tag: &str,
    mut lines: Vec<(String, Vec<u8>)>,
) -> Result<()> {
    lines.sort();
    let mut by_month: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (key, line) in lines {
        let month = key.get(..7).unwrap_or("0000-00").to_string();
        by_month.entry(month).or_default().extend(line);
    }
    for (month, new) in by_month {
        let path = format!("{}/{tag}.jsonl", layout::log_month_dir(log, &month));
        let mut bytes = tx.file(&path)?.unwrap_or_default();
        bytes.extend(new);
        tx.put_file(&path, bytes);
    }
    Ok(())
}

/// The uid of the record stored at `path`, if any (empty when the file has none).
fn stored_uid(tx: &Tx<'_>, path: &str) -> Result<Option<String>> {
    let Some(bytes) = tx.file(path)? else {
        return Ok(None);
    };
    let uid = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| t.get("uid")?.as_str().map(str::to_string));
    Ok(Some(uid.unwrap_or_default()))
}

/// Whether two uids are of one imported record: an importer derives a uid's last 80 bits (16
/// characters) from the record's kind and id alone, and its time from the source, which two
/// sources of the same record (the database and backlog.yaml) can give differently.
fn same_source(stored: &str, imported: &str) -> bool {
    let tail = |uid: &str| (uid.chars().count() >= 16).then(|| last_chars(uid, 16).to_string());
    tail(stored).is_some() && tail(stored) == tail(imported)
}

/// Counts a record the branch already has; one that is another record under the same id (a
/// different uid) is named in the report, since its import did not happen.
fn present(report: &mut Report, notes: &mut Notes, kind: &str, id: &str, same: bool) {
    count(&mut report.already_present, &format!("{kind}s"));
    if !same {
        notes.skipped(
            format!("{kind} whose id the branch already uses for another {kind}: the branch's kept, this one not imported"),
            id,
        );
    }
}

fn count(map: &mut BTreeMap<String, usize>, kind: &str) {
    *map.entry(kind.to_string()).or_default() += 1;
}
