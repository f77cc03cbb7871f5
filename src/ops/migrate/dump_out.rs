//! Writing the dump of `export all` (`dump/`, the branch's files as they are) so that a
//! re-export replaces only what cmos wrote: each dump carries a manifest of its files and
//! their hashes, the new dump is written beside the old one and swapped in by rename, and a
//! failure midway leaves the old dump whole.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::migrate::dump::{DIR, MANIFEST};
use crate::model::{fnv1a, new_writer_id};
use crate::safe_fs::Root;

/// The first line of a manifest.
const HEADER: &str = "cmos dump manifest 1";

/// An existing dump cmos wrote, safe to replace: the files its manifest lists.
#[derive(Debug)]
pub struct Owned {
    files: Vec<String>,
}

/// Whether `dump/` under `root` may be replaced: None when there is none (or when it will not
/// be replaced anyway), the files to remove when cmos wrote it and nobody changed it since; a
/// refusal otherwise, naming what is not cmos's.
pub fn replaceable(root: &Root, overwrite: bool) -> Result<Option<Owned>> {
    let dir = root.resolve(DIR)?;
    if dir.symlink_metadata().is_err() || !overwrite {
        return Ok(None);
    }
    let shown = dir.display();
    if !dir.is_dir() {
        return Err(Error::Refused(format!(
            "{shown} is not a directory cmos wrote; move it away or export to another directory. Nothing was exported"
        )));
    }
    let manifest_path = root.resolve(&format!("{DIR}/{MANIFEST}"))?;
    let listed = std::fs::read_to_string(&manifest_path)
        .ok()
        .and_then(|text| parse(&text))
        .ok_or_else(|| {
            Error::Refused(format!(
                "{shown} was not written by cmos (it has no readable {MANIFEST} manifest), so it is not replaced: move it away or export to another directory. Nothing was exported"
            ))
        })?;
    let mut foreign = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).min_depth(1) {
        let entry = entry.map_err(|e| Error::io(format!("cannot read {shown}"), e.into()))?;
        let relative = entry
            .path()
            .strip_prefix(&dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if entry.file_type().is_dir() || relative == MANIFEST {
            continue;
        }
        let unchanged = entry.file_type().is_file()
            && listed.get(&relative).is_some_and(|hash| {
                std::fs::read(entry.path()).is_ok_and(|bytes| fnv1a(&bytes) == *hash)
            });
        if !unchanged {
            foreign.push(relative);
        }
    }
    if !foreign.is_empty() {
        let shown_files = foreign
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::Refused(format!(
            "{shown} holds {} file(s) cmos did not write or that changed since ({shown_files}{}): move them out of it, or export to another directory. Nothing was exported",
            foreign.len(),
            if foreign.len() > 5 { ", ..." } else { "" }
        )));
    }
    Ok(Some(Owned {
        files: listed.into_keys().collect(),
    }))
}

/// Writes `files` as `dump/` under `root` with its manifest: beside the old dump first, then
/// swapped in by rename, the old one removed file by file from its manifest.
pub fn write(root: &Root, files: &[(String, Vec<u8>)], replacing: Option<Owned>) -> Result<()> {
    let id = new_writer_id();
    let fresh = format!(".{DIR}.new-{id}");
    let mut written = Vec::new();
    let mut manifest = format!("{HEADER}\n");
    let result = files
        .iter()
        .try_for_each(|(path, bytes)| {
            root.write(&format!("{fresh}/{path}"), bytes)?;
            written.push(path.clone());
            manifest.push_str(&format!("{:016x} {path}\n", fnv1a(bytes)));
            Ok(())
        })
        .and_then(|()| {
            root.write(&format!("{fresh}/{MANIFEST}"), manifest.as_bytes())?;
            written.push(MANIFEST.to_string());
            Ok(())
        });
    if let Err(e) = result {
        remove(root, &fresh, &written);
        return Err(e);
    }
    let old = format!(".{DIR}.old-{id}");
    let dump_exists = root.resolve(DIR)?.symlink_metadata().is_ok();
    match (dump_exists, replacing) {
        (false, _) => {}
        (true, Some(owned)) => {
            root.rename(DIR, &old)?;
            let mut listed = owned.files;
            listed.push(MANIFEST.to_string());
            if let Err(e) = root.rename(&fresh, DIR) {
                // Put the old dump back: the user keeps what they had.
                let _ = root.rename(&old, DIR);
                remove(root, &fresh, &written);
                return Err(e);
            }
            remove(root, &old, &listed);
            return Ok(());
        }
        (true, None) => {
            remove(root, &fresh, &written);
            return Err(Error::Refused(format!(
                "{} exists and was not replaced; nothing was exported",
                root.path().join(DIR).display()
            )));
        }
    }
    root.rename(&fresh, DIR)
}

/// The manifest's files and hashes, or None when it is not one.
fn parse(text: &str) -> Option<BTreeMap<String, u64>> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    lines
        .map(|line| {
            let (hash, path) = line.split_once(' ')?;
            Some((path.to_string(), u64::from_str_radix(hash, 16).ok()?))
        })
        .collect()
}

/// Removes the files cmos wrote under `base` and then the directories they emptied; anything
/// else there stays.
fn remove(root: &Root, base: &str, files: &[String]) {
    let mut dirs = std::collections::BTreeSet::new();
    for file in files {
        let _ = root.remove_file(&format!("{base}/{file}"));
        let mut parts: Vec<&str> = file.split('/').collect();
        parts.pop();
        while !parts.is_empty() {
            dirs.insert(parts.join("/"));
            parts.pop();
        }
    }
    // Deepest first, so a parent is empty by the time its turn comes.
    let mut dirs: Vec<String> = dirs.into_iter().collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
    for dir in dirs {
        let _ = root.remove_empty_dir(&format!("{base}/{dir}"));
    }
    let _ = root.remove_empty_dir(base);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect()
    }

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .flatten()
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().to_owned();
                rel.to_string_lossy().into_owned()
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_failure_midway_leaves_the_old_dump_whole_and_no_partial_new_one() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::create(tmp.path()).unwrap();
        write(&root, &files(&[(".cmos/x.toml", "old")]), None).unwrap();
        let before = names(tmp.path());
        let owned = replaceable(&root, true).unwrap();
        assert!(owned.is_some());
        // "a" as a file, then "a/b" under it: the second write fails.
        let bad = files(&[
            ("a", "file"),
            ("a/b", "under a file"),
            (".cmos/x.toml", "new"),
        ]);
        assert!(write(&root, &bad, owned).is_err());
        assert_eq!(
            names(tmp.path()),
            before,
            "old dump whole, nothing left over"
        );
        let old = std::fs::read_to_string(tmp.path().join("dump/.cmos/x.toml")).unwrap();
        assert_eq!(old, "old");
    }

    #[test]
    fn a_damaged_manifest_makes_the_dump_foreign() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::create(tmp.path()).unwrap();
        write(&root, &files(&[("README.md", "x")]), None).unwrap();
        std::fs::write(tmp.path().join("dump").join(MANIFEST), "something else\n").unwrap();
        let message = replaceable(&root, true).unwrap_err().to_string();
        assert!(message.contains("was not written by cmos"), "{message}");
    }
}
