//! Policies: the thresholds orchestration reads, stored on the branch as readable TOML.
//!
//! `.cmos/policy.toml` holds only the values someone set (sections `validation`, `limits`,
//! `routing`) and, under `provenance`, who set each and when; every other value is the
//! default. The file is data from the branch: it is read bounded, checked key by key, and a
//! file that fails any check is ignored as a whole (defaults in force, a warning saying why)
//! so a bad edit never stops other commands. Nothing in it is ever run: routing values are
//! model names, refused if they look like anything else.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, FileProblem, Result};
use crate::format::codec;
use crate::model::{Complexity, Timestamp};
use crate::store::Snapshot;

mod keys;
use keys::{KEYS, unknown_key};
pub use keys::{Key, Value};

/// Where the policies live on the branch.
pub const PATH: &str = ".cmos/policy.toml";

/// A policy file larger than this is not read: the real one is a few hundred bytes.
const MAX_FILE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Policies {
    pub validation: ValidationPolicy,
    pub limits: Limits,
    pub routing: Routing,
    pub review: ReviewPolicy,
}

/// When decisions and learnings come up for review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewPolicy {
    /// A record this many sprints old is fully stale (score 1).
    pub stale_sprints: u32,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        // The original's threshold, raised from 10 because the same records came up every sprint.
        ReviewPolicy { stale_sprints: 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationPolicy {
    /// A validation score at or above this completes the work on its own.
    pub auto_approve_min: f64,
    /// From this score up to auto_approve_min, a human must approve; below it is refused.
    pub needs_review_min: f64,
    /// Whether an agent may approve its own work.
    pub allow_self_approval: bool,
    /// Whether completing work needs a validation score.
    pub require_scores: bool,
    /// What a failed local check does to a completion: refuse it, or send it to review.
    pub failed_check: crate::lifecycle::checks::OnFailure,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    /// MCP tool calls per session: a warning at the cap, a refusal past it.
    pub tool_cap: u32,
    /// The window in which identical captures or log lines count as repeats.
    pub loop_window_secs: u64,
    /// The repeat that draws a warning.
    pub loop_warn_at: u32,
    /// The repeat that is refused.
    pub loop_refuse_at: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub simple: String,
    pub standard: String,
    pub complex: String,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        ValidationPolicy {
            auto_approve_min: 0.80,
            needs_review_min: 0.60,
            allow_self_approval: false,
            require_scores: false,
            failed_check: Default::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tool_cap: 200,
            loop_window_secs: 600,
            loop_warn_at: 3,
            loop_refuse_at: 5,
        }
    }
}

impl Default for Routing {
    fn default() -> Self {
        Routing {
            simple: "flash".into(),
            standard: "standard".into(),
            complex: "premium".into(),
        }
    }
}

impl Routing {
    /// The model hint for work of `complexity`.
    pub fn hint(&self, complexity: Complexity) -> &str {
        match complexity {
            Complexity::Simple => &self.simple,
            Complexity::Standard => &self.standard,
            Complexity::Complex => &self.complex,
        }
    }
}

/// The policies in force on the branch tip (defaults where nothing is set).
pub fn effective(snapshot: &Snapshot) -> Result<Policies> {
    Ok(read(snapshot)?.policies)
}

/// The policy file as read from a tip.
#[derive(Debug, Clone)]
pub struct Read {
    /// What is in force: the file's values over the defaults, or the defaults alone when the
    /// file has a problem.
    pub policies: Policies,
    /// What the file sets, key by key, with who set it.
    pub set: BTreeMap<&'static str, Setting>,
    /// What is wrong with the file; when not empty, `policies` are the defaults.
    pub problems: Vec<FileProblem>,
}

/// A value the file sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub value: Value,
    pub by: Option<String>,
    pub at: Option<Timestamp>,
}

impl Read {
    /// The warning a command gives when the file cannot be used.
    pub fn warning(&self) -> Option<String> {
        let first = self.problems.first()?;
        Some(format!(
            "the policy file cannot be used ({first}); the default policies are in force until it is repaired"
        ))
    }
}

/// The policy file of `snapshot`, checked.
pub fn read(snapshot: &Snapshot) -> Result<Read> {
    let bytes = snapshot.file(PATH)?;
    Ok(match bytes {
        None => Read {
            policies: Policies::default(),
            set: BTreeMap::new(),
            problems: Vec::new(),
        },
        Some(bytes) => parse(&bytes),
    })
}

/// Every problem of a policy file's bytes, by line: what `verify` reports.
pub fn check(bytes: &[u8]) -> Vec<FileProblem> {
    parse(bytes).problems
}

/// Reads a policy file: its settings and the policies they make, or its problems.
pub fn parse(bytes: &[u8]) -> Read {
    let mut read = Read {
        policies: Policies::default(),
        set: BTreeMap::new(),
        problems: Vec::new(),
    };
    if bytes.len() > MAX_FILE_BYTES {
        read.problems.push(problem(
            None,
            format!(
                "the file is {} bytes, more than the {MAX_FILE_BYTES} a policy file may have",
                bytes.len()
            ),
        ));
        return read;
    }
    let table: toml::Table = match codec::from_toml(PATH, bytes) {
        Ok(table) => table,
        Err(problem) => {
            read.problems.push(problem);
            return read;
        }
    };
    let text = String::from_utf8_lossy(bytes);
    let mut provenance = toml::Table::new();
    for (section, body) in &table {
        let line = line_of(&text, None, section);
        let Some(body) = body.as_table() else {
            read.problems.push(problem(
                line,
                format!("{section} must be a section ([{section}])"),
            ));
            continue;
        };
        if section == "provenance" {
            provenance = body.clone();
            continue;
        }
        if !SECTIONS.contains(&section.as_str()) {
            read.problems.push(problem(
                line,
                format!(
                    "unknown section [{section}]: the sections are {}, provenance",
                    SECTIONS.join(", ")
                ),
            ));
            continue;
        }
        for (name, value) in body {
            let line = line_of(&text, Some(section), name);
            let full = format!("{section}.{name}");
            let Some(key) = Key::find(&full) else {
                read.problems.push(problem(line, unknown_key(&full)));
                continue;
            };
            match key.read_toml(value) {
                Ok(value) => {
                    read.set.insert(
                        key.name,
                        Setting {
                            value,
                            by: None,
                            at: None,
                        },
                    );
                }
                Err(message) => read
                    .problems
                    .push(problem(line, format!("{full}: {message}"))),
            }
        }
    }
    for (name, entry) in &provenance {
        let line = line_of(&text, Some("provenance"), name);
        let Some(setting) = Key::find(name).and_then(|k| read.set.get_mut(k.name)) else {
            read.problems.push(problem(
                line,
                format!("provenance of {name:?}, which the file does not set"),
            ));
            continue;
        };
        let field = |f: &str| entry.get(f).and_then(toml::Value::as_str);
        setting.by = field("by").map(str::to_string);
        setting.at = field("at").and_then(|t| t.parse().ok());
        if setting.by.is_none() || setting.at.is_none() {
            read.problems.push(problem(
                line,
                format!("provenance of {name} needs by (a name) and at (an RFC 3339 time)"),
            ));
        }
    }
    let mut policies = Policies::default();
    for (name, setting) in &read.set {
        if let Some(key) = Key::find(name) {
            key.apply(&mut policies, &setting.value);
        }
    }
    if let Err(message) = consistent(&policies) {
        // Point at the line of the first key the rule names that the file sets.
        let position = ["validation", "limits"].iter().find_map(|section| {
            let names = [
                "needs_review_min",
                "auto_approve_min",
                "loop_warn_at",
                "loop_refuse_at",
            ];
            names.iter().find_map(|name| {
                message
                    .starts_with(&format!("{section}.{name}"))
                    .then(|| line_of(&text, Some(section), name))
                    .flatten()
            })
        });
        read.problems.push(problem(position, message));
    }
    if read.problems.is_empty() {
        read.policies = policies;
    }
    read.problems.sort_by_key(|p| p.line);
    read
}

/// The checks between keys, whatever their values came from.
fn consistent(p: &Policies) -> std::result::Result<(), String> {
    let v = &p.validation;
    if v.needs_review_min > v.auto_approve_min {
        return Err(format!(
            "validation.needs_review_min ({}) is above validation.auto_approve_min ({}): the review range would be empty",
            v.needs_review_min, v.auto_approve_min
        ));
    }
    let l = &p.limits;
    if l.loop_warn_at > l.loop_refuse_at {
        return Err(format!(
            "limits.loop_warn_at ({}) is above limits.loop_refuse_at ({}): a repeat would be refused before any warning",
            l.loop_warn_at, l.loop_refuse_at
        ));
    }
    Ok(())
}

fn problem(position: Option<(usize, usize)>, message: String) -> FileProblem {
    FileProblem {
        path: PATH.to_string(),
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        message,
    }
}

/// The 1-based line and column where `key` of `section` (a section itself when None) is
/// set, for messages: the toml crate's table keeps no positions, and a policy file is a few
/// lines.
fn line_of(text: &str, section: Option<&str>, key: &str) -> Option<(usize, usize)> {
    let mut current: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = (
            n + 1,
            raw.chars().take_while(|c| c.is_whitespace()).count() + 1,
        );
        if let Some(header) = line.strip_prefix('[') {
            let name = header.trim_end_matches(']').trim().trim_matches('"');
            if section.is_none() && name == key {
                return Some(at);
            }
            current = Some(name.to_string());
            continue;
        }
        let starts = line
            .strip_prefix(key)
            .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
            .is_some_and(|rest| rest.trim_start().starts_with(['=', '.']));
        if starts && current.as_deref() == section {
            return Some(at);
        }
    }
    None
}

const SECTIONS: [&str; 4] = ["validation", "limits", "routing", "review"];

/// Where a value in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Default,
    Set,
}

/// One key as `get` and `list` show it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub key: &'static str,
    pub value: Value,
    pub default: Value,
    pub source: Source,
    /// Who set it, when it is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_at: Option<Timestamp>,
}

fn shown(key: Key, read: &Read) -> Shown {
    let defaults = Policies::default();
    let setting = read
        .problems
        .is_empty()
        .then(|| read.set.get(key.name))
        .flatten();
    Shown {
        key: key.name,
        value: key.get(&read.policies),
        default: key.get(&defaults),
        source: if setting.is_some() {
            Source::Set
        } else {
            Source::Default
        },
        set_by: setting.and_then(|s| s.by.clone()),
        set_at: setting.and_then(|s| s.at),
    }
}

fn with_warning<T>(outcome: Outcome<T>, read: &Read) -> Outcome<T> {
    match read.warning() {
        Some(warning) => outcome.warn(warning),
        None => outcome,
    }
}

/// Every policy in force and where it comes from.
pub fn list(ws: &Workspace) -> Result<Outcome<Vec<Shown>>> {
    let snapshot = ws.snapshot()?;
    let read = read(&snapshot)?;
    let all = KEYS.iter().map(|k| shown(*k, &read)).collect();
    Ok(with_warning(Outcome::read(all, &snapshot), &read))
}

/// One policy in force and where it comes from.
pub fn get(ws: &Workspace, key: &str) -> Result<Outcome<Shown>> {
    let key = Key::named(key)?;
    let snapshot = ws.snapshot()?;
    let read = read(&snapshot)?;
    Ok(with_warning(
        Outcome::read(shown(key, &read), &snapshot),
        &read,
    ))
}

/// What `set` and `unset` did.
#[derive(Debug, Serialize)]
pub struct Changed {
    #[serde(flatten)]
    pub now: Shown,
    /// The value in force before.
    pub previous: Value,
    /// Whether a commit was made.
    pub changed: bool,
}

/// Sets one policy, checked alone and against the others, as one commit.
pub fn set(ws: &Workspace, key: &str, value: &str) -> Result<Outcome<Changed>> {
    let key = Key::named(key)?;
    let value = key.parse(value)?;
    change(ws, key, Some(value))
}

/// Returns one policy to its default, as one commit; one that is not set changes nothing.
pub fn unset(ws: &Workspace, key: &str) -> Result<Outcome<Changed>> {
    let key = Key::named(key)?;
    change(ws, key, None)
}

fn change(ws: &Workspace, key: Key, value: Option<Value>) -> Result<Outcome<Changed>> {
    let written = ws.store().write("policy.set", |tx| {
        let bytes = tx.file(PATH)?;
        let before = bytes.as_deref().map(parse).unwrap_or_else(|| Read {
            policies: Policies::default(),
            set: BTreeMap::new(),
            problems: Vec::new(),
        });
        if let Some(first) = before.problems.first() {
            // Writing over it would drop whatever the hand edit meant: it is repaired first.
            return Err(Error::Corrupt(first.clone()));
        }
        let previous = key.get(&before.policies);
        let mut set = before.set.clone();
        let unchanged = match &value {
            Some(v) => set.get(key.name).is_some_and(|s| &s.value == v),
            None => !set.contains_key(key.name),
        };
        if unchanged {
            return Ok((shown(key, &before), previous, false));
        }
        match &value {
            Some(v) => {
                let setting = Setting {
                    value: v.clone(),
                    by: Some(tx.agent().to_string()),
                    at: Some(tx.now()),
                };
                set.insert(key.name, setting);
            }
            None => {
                set.remove(key.name);
            }
        }
        let mut policies = Policies::default();
        for (name, setting) in &set {
            if let Some(k) = Key::find(name) {
                k.apply(&mut policies, &setting.value);
            }
        }
        consistent(&policies)
            .map_err(|why| Error::InvalidInput(format!("{why}; nothing was written")))?;
        if set.is_empty() {
            tx.remove_file(PATH);
        } else {
            tx.put_file(PATH, render(&set).into_bytes());
        }
        let after = Read {
            policies,
            set,
            problems: Vec::new(),
        };
        let now = shown(key, &after);
        let verb = if value.is_some() { "set" } else { "unset" };
        tx.record(
            &format!("policy.{verb}"),
            key.name,
            Some(previous.to_string()),
            Some(now.value.to_string()),
            None,
        );
        tx.set_subject(format!("policy {verb} {} = {}", key.name, now.value));
        Ok((now, previous, true))
    })?;
    let (now, previous, changed) = written.value;
    let outcome = Outcome::from_digest(
        Changed {
            now,
            previous,
            changed,
        },
        &written.meta,
        &written.digest,
    );
    Ok(if changed {
        outcome
    } else {
        let why = match outcome.data.now.source {
            Source::Set => "already has that value",
            Source::Default => "is not set: it keeps its default",
        };
        let text = format!("{} {why}; nothing was written", outcome.data.now.key);
        outcome.warn(text)
    })
}

/// The file for `set`: the sections in key order, then who set what.
fn render(set: &BTreeMap<&'static str, Setting>) -> String {
    let mut out = String::from(
        "# Policies cmos orchestration reads; unset keys keep their defaults.\n\
         # Only data lives here: nothing in this file is ever run.\n",
    );
    for section in SECTIONS {
        let keys: Vec<Key> = KEYS
            .iter()
            .copied()
            .filter(|k| k.section() == section && set.contains_key(k.name))
            .collect();
        if keys.is_empty() {
            continue;
        }
        out.push_str(&format!("\n[{section}]\n"));
        for key in keys {
            let value = &set[key.name].value;
            out.push_str(&format!("{} = {}\n", key.field(), value.to_toml()));
        }
    }
    out.push_str("\n[provenance]\n");
    for key in KEYS.iter().filter(|k| set.contains_key(k.name)) {
        let setting = &set[key.name];
        let by = toml::Value::String(setting.by.clone().unwrap_or_default());
        let at = toml::Value::String(setting.at.map(|t| t.to_string()).unwrap_or_default());
        out.push_str(&format!("\"{}\" = {{ by = {by}, at = {at} }}\n", key.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_what_it_writes() {
        let mut set = BTreeMap::new();
        for (name, text) in [
            ("validation.auto_approve_min", "0.9"),
            ("validation.allow_self_approval", "yes"),
            ("limits.loop_window_secs", "10m"),
            ("routing.complex", "claude-opus-4"),
        ] {
            let key = Key::named(name).unwrap();
            let setting = Setting {
                value: key.parse(text).unwrap(),
                by: Some("ann \"the\" tester".into()),
                at: Some(Timestamp::from_millis(1_700_000_000_000)),
            };
            set.insert(key.name, setting);
        }
        let read = parse(render(&set).as_bytes());
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.set, set);
        assert_eq!(read.policies.validation.auto_approve_min, 0.9);
        assert_eq!(read.policies.limits.loop_window_secs, 600);
        assert_eq!(read.policies.routing.complex, "claude-opus-4");
    }

    #[test]
    fn problems_name_their_line() {
        let text =
            "[validation]\nauto_approve_min = 0.9\nneeds_review_min = 7\n\n[limits]\nspeed = 3\n";
        let problems = check(text.as_bytes());
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(6)], "{problems:?}");
        assert!(problems[1].message.contains("limits.tool_cap"));
    }

    #[test]
    fn a_file_with_any_problem_leaves_the_defaults_in_force() {
        let read = parse(b"[limits]\ntool_cap = 10\nloop_warn_at = \"many\"\n");
        assert_eq!(read.policies, Policies::default());
        assert_eq!(read.problems.len(), 1);
    }
}
