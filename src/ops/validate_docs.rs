//! `validate docs`: every document path the project points at exists in the working tree.
//! The paths come from the missions (deliverables that look like paths, reference documents
//! an import or a mission file kept), the context notes and the README's links.
//!
//! The paths are untrusted text from the branch and from files: each is resolved only inside
//! the working tree, lexically, a symbolic link by reading where it points (never by
//! following it out); an absolute path or one that climbs out with `..` is reported, not
//! looked up. Nothing but a path's existence is read; the README itself is read up to a bound.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::format::layout;
use crate::model::Mission;

/// The README is read only up to this size to find its links.
pub const MAX_README_BYTES: u64 = 1 << 20;

/// The most symbolic links followed while resolving one path (as the kernel's own limit).
const MAX_LINKS: usize = 40;

/// The most references checked: the rest are counted, not looked up.
pub const MAX_REFERENCES: usize = 10_000;

/// What became of one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    Exists,
    Missing,
    /// An absolute path: outside the working tree by definition.
    Absolute,
    /// `..` climbs out of the working tree.
    Escapes,
    /// A symbolic link on the way points out of the working tree (or loops).
    LinkOutside,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocRef {
    /// Where the path was found: `mission B1 deliverable`, `context notes`, `README.md`.
    pub source: String,
    pub path: String,
    pub status: DocStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocsReport {
    pub work_tree: String,
    pub checked: usize,
    /// References past the limit, not checked.
    pub skipped: usize,
    pub problems: usize,
    pub clean: bool,
    /// Every reference, problems first.
    pub references: Vec<DocRef>,
}

/// Checks every path the project points at.
pub fn docs(ws: &Workspace) -> Result<Outcome<DocsReport>> {
    let root = ws.store().work_tree().ok_or_else(|| {
        Error::InvalidInput(
            "a bare repository has no working tree: check the documents in a clone that has one"
                .into(),
        )
    })?;
    let snapshot = ws.snapshot()?;
    let mut found: Vec<(String, String)> = Vec::new();
    let index = snapshot.index()?;
    let mut ids: Vec<&String> = index.missions.keys().collect();
    ids.sort();
    for id in ids {
        let mission = ws.store().mission(&snapshot, id)?;
        found.extend(mission_paths(&mission));
    }
    if let Some(notes) = ws.store().branch_file(&snapshot, layout::NOTES)? {
        let text = String::from_utf8_lossy(&notes);
        for path in markdown_links(&text) {
            found.push(("context notes".into(), path));
        }
    }
    let (readme, readme_cut) = readme_links(&root)?;
    for path in readme {
        found.push(("README.md".into(), path));
    }
    found.sort();
    found.dedup();
    let skipped = found.len().saturating_sub(MAX_REFERENCES);
    found.truncate(MAX_REFERENCES);
    let mut references: Vec<DocRef> = found
        .into_iter()
        .map(|(source, path)| DocRef {
            status: check(&root, &path),
            source,
            path,
        })
        .collect();
    references.sort_by_key(|r| r.status == DocStatus::Exists);
    let problems = references
        .iter()
        .filter(|r| r.status != DocStatus::Exists)
        .count();
    let report = DocsReport {
        work_tree: root.display().to_string(),
        checked: references.len(),
        skipped,
        problems,
        clean: problems == 0,
        references,
    };
    let outcome = Outcome::read(report, &snapshot);
    Ok(if readme_cut {
        outcome.warn(format!(
            "README.md is larger than {MAX_README_BYTES} bytes: only the links in its first \
             {MAX_README_BYTES} bytes were checked"
        ))
    } else {
        outcome
    })
}

/// A mission's paths: deliverables that look like paths (or hold one in backticks), and its
/// reference documents wherever they are kept (`mission_file::references` reads them all).
pub fn mission_paths(m: &Mission) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A deliverable of open work is still to be written: only a Completed mission's
    // deliverables are documents that should exist.
    let delivered = if m.status == crate::model::Status::Completed {
        m.deliverables.as_slice()
    } else {
        &[]
    };
    for d in delivered {
        for path in paths_in(d) {
            out.push((format!("mission {} deliverable", m.id), path));
        }
    }
    for reference in crate::migrate::mission_file::references(m) {
        if looks_like_path(reference.trim()) {
            out.push((
                format!("mission {} reference", m.id),
                reference.trim().to_string(),
            ));
        }
    }
    out
}

/// The paths in a deliverable: the whole text when it is one path-like word, else the
/// path-like words in backticks.
fn paths_in(text: &str) -> Vec<String> {
    let text = text.trim();
    if looks_like_path(text) {
        return vec![text.to_string()];
    }
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::trim)
        .filter(|t| looks_like_path(t))
        .map(str::to_string)
        .collect()
}

/// One word with a `/` or a file extension, not a URL: `src/lib.rs`, `docs/`, `README.md`.
pub fn looks_like_path(text: &str) -> bool {
    if text.is_empty() || text.len() > 4096 || text.chars().any(|c| c.is_whitespace()) {
        return false;
    }
    if text.contains("://") || text.starts_with("mailto:") || text.starts_with('#') {
        return false;
    }
    let name = text.rsplit('/').next().unwrap_or(text);
    let extension = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=8).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
            && ext.chars().any(|c| c.is_ascii_alphabetic())
    });
    extension || (text.contains('/') && text.chars().any(|c| c.is_alphanumeric()))
}

/// The local targets of Markdown links `[text](target)`: anchors, URLs and mail left out,
/// `#fragment` and `?query` cut off.
pub fn markdown_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].trim();
        // `[x](<path with spaces>)` is unwrapped; in `[x](path "title")` the path is the
        // first word.
        let target = match target.strip_prefix('<') {
            Some(inner) => inner.split('>').next().unwrap_or(""),
            None => target.split_whitespace().next().unwrap_or(""),
        };
        let target = target.split(['#', '?']).next().unwrap_or("");
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            out.push(target.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// The links of the working tree's README.md, read up to the bound (and whether it was cut
/// there); none without one, or when it is not a plain file (a link is not followed).
fn readme_links(root: &Path) -> Result<(Vec<String>, bool)> {
    use std::io::Read;
    let path = root.join("README.md");
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Ok((Vec::new(), false));
    };
    if !meta.is_file() {
        return Ok((Vec::new(), false));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_README_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let cut = bytes.len() as u64 > MAX_README_BYTES;
    bytes.truncate(MAX_README_BYTES as usize);
    Ok((markdown_links(&String::from_utf8_lossy(&bytes)), cut))
}

/// Where `path` leads inside `root`, without ever looking outside it.
pub fn check(root: &Path, path: &str) -> DocStatus {
    let relative = Path::new(path);
    if relative.is_absolute() || path.starts_with('~') || path.contains('\\') || path.contains('\0')
    {
        return DocStatus::Absolute;
    }
    // Components still to walk, and the resolved ones so far (all plain names).
    let mut todo: Vec<String> = Vec::new();
    if push_components(&mut todo, relative).is_err() {
        return DocStatus::Absolute;
    }
    // A path that climbs out as written is reported without looking anything up.
    let mut depth = 0usize;
    for part in &todo {
        match part.as_str() {
            ".." if depth == 0 => return DocStatus::Escapes,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    todo.reverse();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            if done.pop().is_none() {
                return DocStatus::Escapes;
            }
            continue;
        }
        let here: PathBuf = done.iter().chain(std::iter::once(&part)).collect();
        let Ok(meta) = std::fs::symlink_metadata(root.join(&here)) else {
            return DocStatus::Missing;
        };
        if !meta.file_type().is_symlink() {
            done.push(part);
            continue;
        }
        links += 1;
        let Ok(target) = std::fs::read_link(root.join(&here)) else {
            return DocStatus::Missing;
        };
        if links > MAX_LINKS || target.is_absolute() {
            return DocStatus::LinkOutside;
        }
        // The link's target is relative to the directory holding it: walk it from there.
        let mut more = Vec::new();
        if push_components(&mut more, &target).is_err() {
            return DocStatus::LinkOutside;
        }
        for c in more.into_iter().rev() {
            todo.push(c);
        }
        // A `..` in the target that leaves the tree is the link pointing outside.
        let climbs = todo.iter().rev().take_while(|c| *c == "..").count();
        if climbs > done.len() {
            return DocStatus::LinkOutside;
        }
    }
    DocStatus::Exists
}

/// The parts of a relative path as plain names and `..`; `.` dropped; anything else refused.
fn push_components(out: &mut Vec<String>, path: &Path) -> std::result::Result<(), ()> {
    for c in path.components() {
        match c {
            Component::Normal(name) => out.push(name.to_string_lossy().into_owned()),
            Component::ParentDir => out.push("..".into()),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliverables_that_look_like_paths() {
        assert!(looks_like_path("src/lib.rs"));
        assert!(looks_like_path("README.md"));
        assert!(looks_like_path("docs/"));
        assert!(!looks_like_path("Write the parser"));
        assert!(!looks_like_path("https://example.com/a.md"));
        assert!(!looks_like_path("v1.2"));
        assert_eq!(
            paths_in("Update `docs/guide.md` and the `cmos init` text"),
            ["docs/guide.md"]
        );
    }

    #[test]
    fn markdown_links_keep_local_targets() {
        let text = "[a](docs/a.md#x) [b](https://x.y/b.md) [c](<c d.md>) [e](#top) [f](f.md \"T\")";
        assert_eq!(markdown_links(text), ["docs/a.md", "c d.md", "f.md"]);
    }

    #[test]
    fn escapes_and_absolute_paths_are_never_looked_up() {
        let dir = std::env::temp_dir();
        assert_eq!(check(&dir, "/etc/passwd"), DocStatus::Absolute);
        assert_eq!(check(&dir, "../secret"), DocStatus::Escapes);
        assert_eq!(check(&dir, "a/../../secret"), DocStatus::Escapes);
    }
}
