//! The checks configured in the repository's local git configuration, read and checked.
//!
//! ```text
//! [cmos "check.test"]
//!     command = cargo test --quiet
//!     paths = src/**
//!     paths = Cargo.toml
//!     timeout = 10m
//! ```
//!
//! That is `git config cmos.check.test.command 'cargo test --quiet'`, `git config --add
//! cmos.check.test.paths 'src/**'`, and so on. Git config is the one place: it is never
//! pulled with the branch, so a collaborator's push can never make cmos run a command here.
//! Every value is checked (names, keys, lengths, patterns, the time limit), and a bad one is
//! refused with its key and the file it is in, before anything runs.

use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kb::glob::Glob;
use crate::model::text::escape_line;
use crate::store::{ConfigSection, Store};

/// The git config section the checks live in, and the prefix of their subsections.
const SECTION: &str = "cmos";
const PREFIX: &str = "check.";

/// The keys a check takes.
const KEYS: [&str; 3] = ["command", "paths", "timeout"];

/// Bounds: a handful of checks, each a command line and a few patterns.
pub const MAX_CHECKS: usize = 32;
const MAX_NAME_LEN: usize = 64;
const MAX_COMMAND_LEN: usize = 4096;
const MAX_PATHS: usize = 64;
/// The time limit when none is set, and the longest one allowed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const MAX_TIMEOUT_SECS: u64 = 24 * 3600;

/// One configured check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    /// The shell command line, run with `sh -c` at the top of the work tree.
    pub command: String,
    /// The patterns of the paths it covers; none means every path.
    pub paths: Vec<String>,
    pub timeout_secs: u64,
    /// The config file it is set in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(skip)]
    pub globs: Vec<Glob>,
}

impl Check {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }
}

/// Every check the repository's git config sets, in the order git reads them; a check set
/// in two files is put together (later values win, paths add up), as git would read it.
pub fn configured(store: &Store) -> Result<Vec<Check>> {
    read(&store.config_subsections(SECTION))
}

/// The checks in `sections` (the subsections of `[cmos]`), checked.
pub fn read(sections: &[ConfigSection]) -> Result<Vec<Check>> {
    let mut drafts: Vec<Draft> = Vec::new();
    for section in sections {
        let Some(name) = check_name(section)? else {
            continue;
        };
        let origin = section.origin.as_ref().map(|p| p.display().to_string());
        if !section.trusted {
            return Err(bad(
                &format!("{SECTION}.{PREFIX}{name}"),
                origin.as_deref(),
                "the file belongs to a repository owned by someone else, so its checks are not run; if you trust it, add it to git's safe.directory".into(),
            ));
        }
        let index = match drafts.iter().position(|d| d.name == name) {
            Some(index) => index,
            None => {
                if drafts.len() == MAX_CHECKS {
                    return Err(bad(
                        &format!("{SECTION}.{PREFIX}{name}"),
                        origin.as_deref(),
                        format!("more than {MAX_CHECKS} checks are configured; remove some"),
                    ));
                }
                drafts.push(Draft::new(name));
                drafts.len() - 1
            }
        };
        let draft = &mut drafts[index];
        draft.origin = origin.clone();
        for (key, value) in &section.entries {
            let full = format!("{SECTION}.{PREFIX}{}.{}", draft.name, escape_line(key));
            let at = origin.as_deref();
            let Some(value) = value else {
                return Err(bad(&full, at, "it has no value (write key = value)".into()));
            };
            match key.as_str() {
                "command" => {
                    draft.command = Some(check_command(value).map_err(|w| bad(&full, at, w))?)
                }
                "paths" => {
                    if value.trim().is_empty() {
                        // An empty value clears the list, as git config lists usually do.
                        draft.paths.clear();
                        continue;
                    }
                    let (text, glob) = check_pattern(value).map_err(|w| bad(&full, at, w))?;
                    if draft.paths.len() == MAX_PATHS {
                        return Err(bad(
                            &full,
                            at,
                            format!("a check covers at most {MAX_PATHS} patterns"),
                        ));
                    }
                    draft.paths.push(text);
                    draft.globs.push(glob);
                }
                "timeout" => {
                    draft.timeout_secs = Some(check_timeout(value).map_err(|w| bad(&full, at, w))?)
                }
                _ => {
                    return Err(bad(
                        &full,
                        at,
                        format!("unknown key; a check takes {}", KEYS.join(", ")),
                    ));
                }
            }
        }
    }
    drafts.into_iter().map(Draft::finish).collect()
}

/// A check as its sections are read.
struct Draft {
    name: String,
    command: Option<String>,
    paths: Vec<String>,
    globs: Vec<Glob>,
    timeout_secs: Option<u64>,
    origin: Option<String>,
}

impl Draft {
    fn new(name: String) -> Draft {
        Draft {
            name,
            command: None,
            paths: Vec::new(),
            globs: Vec::new(),
            timeout_secs: None,
            origin: None,
        }
    }

    fn finish(self) -> Result<Check> {
        let Some(command) = self.command else {
            return Err(bad(
                &format!("{SECTION}.{PREFIX}{}.command", self.name),
                self.origin.as_deref(),
                "the check has no command; set one, or remove the check".into(),
            ));
        };
        Ok(Check {
            name: self.name,
            command,
            paths: self.paths,
            timeout_secs: self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT.as_secs()),
            origin: self.origin,
            globs: self.globs,
        })
    }
}

/// The check a subsection names (`check.NAME`), None for other subsections of `[cmos]`.
fn check_name(section: &ConfigSection) -> Result<Option<String>> {
    let origin = section.origin.as_ref().map(|p| p.display().to_string());
    let sub = &section.subsection;
    let name = match sub.strip_prefix(PREFIX) {
        Some(name) => name,
        None if sub == "check" => "",
        None => return Ok(None),
    };
    let key = format!("{SECTION}.{}", escape_line(sub));
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() {
        return Err(bad(
            &key,
            origin.as_deref(),
            "a check needs a name: cmos.check.NAME.command".into(),
        ));
    }
    if name.len() > MAX_NAME_LEN || !name.chars().all(allowed) {
        return Err(bad(
            &key,
            origin.as_deref(),
            format!("a check's name is 1 to {MAX_NAME_LEN} letters, digits, - and _"),
        ));
    }
    Ok(Some(name.to_string()))
}

fn check_command(value: &str) -> std::result::Result<String, String> {
    let command = value.trim();
    if command.is_empty() {
        return Err("the command is empty".into());
    }
    if command.len() > MAX_COMMAND_LEN {
        return Err(format!(
            "the command is {} bytes; the limit is {MAX_COMMAND_LEN} (put a long one in a script)",
            command.len()
        ));
    }
    if command.chars().any(|c| c.is_control() && c != '\t') {
        return Err("the command holds a control character; write it on one line".into());
    }
    Ok(command.to_string())
}

/// A pattern of paths: a directory written `dir/` covers everything under it.
fn check_pattern(value: &str) -> std::result::Result<(String, Glob), String> {
    let text = value.trim();
    let pattern = match text.strip_suffix('/') {
        Some(dir) if !dir.is_empty() => format!("{dir}/**"),
        _ => text.to_string(),
    };
    let pattern = pattern.trim_start_matches("./").to_string();
    if pattern.starts_with('/') {
        return Err(format!(
            "{text:?} is absolute; patterns are relative to the top of the work tree"
        ));
    }
    let glob = Glob::new(&pattern)
        .map_err(|e| format!("{:?} is not a pattern: {e}", escape_line(text)))?;
    Ok((pattern, glob))
}

/// Seconds: `90`, `90s`, `10m`, `1h`; from 1 second to a day.
fn check_timeout(value: &str) -> std::result::Result<u64, String> {
    let text = value.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let scale = match unit {
        "" | "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        _ => None,
    };
    let secs = scale
        .zip(digits.parse::<u64>().ok())
        .map(|(scale, n)| n.saturating_mul(scale));
    match secs {
        Some(secs) if (1..=MAX_TIMEOUT_SECS).contains(&secs) => Ok(secs),
        Some(_) => Err(format!("{text:?} is outside 1 second to 24 hours")),
        None => Err(format!(
            "{:?} is not a time limit; write seconds (90 or 90s) or minutes and hours (10m, 1h)",
            escape_line(text)
        )),
    }
}

fn bad(key: &str, origin: Option<&str>, why: String) -> Error {
    let place = origin.map_or(String::new(), |o| format!(" (in {o})"));
    Error::InvalidInput(format!("git config {key}{place}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(sub: &str, entries: &[(&str, Option<&str>)]) -> ConfigSection {
        ConfigSection {
            subsection: sub.into(),
            origin: Some(".git/config".into()),
            trusted: true,
            entries: entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
        }
    }

    #[test]
    fn a_check_reads_its_command_paths_and_timeout() {
        let checks = read(&[
            section("remote.x", &[("url", Some("y"))]),
            section(
                "check.test",
                &[
                    ("command", Some("cargo test")),
                    ("paths", Some("src/")),
                    ("paths", Some("./Cargo.toml")),
                    ("timeout", Some("10m")),
                ],
            ),
            section("check.docs", &[("command", Some("make docs"))]),
        ])
        .unwrap();
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].paths, ["src/**", "Cargo.toml"]);
        assert_eq!(checks[0].timeout_secs, 600);
        assert!(checks[0].globs[0].matches("src/a/b.rs"));
        assert_eq!(checks[1].timeout_secs, DEFAULT_TIMEOUT.as_secs());
        assert!(checks[1].paths.is_empty());
    }

    #[test]
    fn bad_values_are_refused_with_their_key_and_file() {
        type Entries<'a> = Vec<(&'a str, Option<&'a str>)>;
        let cases: [(&str, Entries<'_>, &str); 8] = [
            (
                "check.t",
                vec![("command", Some("x")), ("tiemout", Some("5"))],
                "cmos.check.t.tiemout",
            ),
            (
                "check.t",
                vec![("command", Some("  "))],
                "the command is empty",
            ),
            (
                "check.t",
                vec![("command", Some("x")), ("timeout", Some("soon"))],
                "not a time limit",
            ),
            (
                "check.t",
                vec![("command", Some("x")), ("timeout", Some("0"))],
                "outside 1 second",
            ),
            (
                "check.t",
                vec![("command", Some("x")), ("timeout", Some("2d"))],
                "not a time limit",
            ),
            ("check.t", vec![("paths", Some("src/**"))], "has no command"),
            ("check.a.b", vec![("command", Some("x"))], "letters, digits"),
            ("check.t", vec![("command", None)], "no value"),
        ];
        for (sub, entries, expected) in cases {
            let err = read(&[section(sub, &entries)]).unwrap_err().to_string();
            assert!(err.contains(expected), "{sub} {entries:?}: {err}");
            assert!(err.contains(".git/config"), "{err}");
        }
        let mut untrusted = section("check.t", &[("command", Some("x"))]);
        untrusted.trusted = false;
        let err = read(&[untrusted]).unwrap_err();
        assert!(err.to_string().contains("owned by someone else"), "{err}");
        let err = read(&[section(
            "check.t",
            &[("command", Some("x")), ("paths", Some("/etc/**"))],
        )])
        .unwrap_err();
        assert!(err.to_string().contains("absolute"), "{err}");
    }
}
