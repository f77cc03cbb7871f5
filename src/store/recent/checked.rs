//! The framing the newest-record caches share: a first line naming the cache's version and a
//! checksum of the body, a size bound, and replacement by rename. A file that fails any check
//! reads as no cache at all, so damage only ever costs a fresh read of the branch.

use std::path::Path;

use crate::model::fnv1a;

fn header(version: &str, body: &str) -> String {
    format!("{version} {:016x}\n", fnv1a(body.as_bytes()))
}

/// The body of the cache file at `path`, if it exists, is at most `max_bytes` long, and its
/// first line names `version` and the body's checksum.
pub(super) fn read(path: &Path, version: &str, max_bytes: u64) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > max_bytes {
        return None;
    }
    let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    let (first, body) = text.split_once('\n')?;
    if format!("{first}\n") != header(version, body) {
        return None;
    }
    Some(body.to_string())
}

/// Replaces the cache file at `path` with `body` under `version`'s header; a failure leaves
/// the old file or none, which the next read rebuilds.
pub(super) fn write(path: &Path, version: &str, body: &str) {
    let file = header(version, body) + body;
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = crate::store::replace_file(path, file.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_reads_back_only_under_its_version_unchanged_and_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c").join("cache");
        write(&path, "v 1", "line one\nline two\n");
        assert_eq!(
            read(&path, "v 1", 1024).as_deref(),
            Some("line one\nline two\n")
        );
        assert_eq!(read(&path, "v 2", 1024), None, "another version");
        assert_eq!(read(&path, "v 1", 8), None, "over the bound");
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() = b'!';
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read(&path, "v 1", 1024), None, "a changed body");
        assert_eq!(read(&dir.path().join("none"), "v 1", 1024), None);
    }
}
