//! The files of the index cache, named by the hash of their content: a file, once written
//! whole, never changes, so a reader that found its name in a manifest reads exactly what the
//! manifest meant, whatever writers do meanwhile. A file is written in place (a manifest names
//! it only once it is whole); a cut one a killed writer left has another length than its name
//! says, which `read` refuses and the next writer of that content replaces. Old files are
//! collected a shelf at a time, never one a current manifest names, and only once nothing has
//! used them for a while.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use gix::ObjectId;

use crate::safe_fs::Root;

/// How long a file no manifest names is kept: a reader that read an older manifest just
/// before it was replaced still finds the files it names.
const GRACE: Duration = Duration::from_secs(120);

/// How a file is named in a manifest: the hash of its content and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ref {
    id: [u8; 20],
    len: u32,
}

impl Ref {
    /// The size of a reference as stored.
    pub const SIZE: usize = 24;

    fn of(bytes: &[u8]) -> Option<Ref> {
        let hash = gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes);
        let id: [u8; 20] = hash.ok()?.as_slice().try_into().ok()?;
        Some(Ref {
            id,
            len: u32::try_from(bytes.len()).ok()?,
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&self.len.to_le_bytes());
    }

    pub fn decode(bytes: &[u8]) -> Option<Ref> {
        let bytes: &[u8; Ref::SIZE] = bytes.try_into().ok()?;
        Some(Ref {
            id: bytes[..20].try_into().ok()?,
            len: u32::from_le_bytes(bytes[20..].try_into().ok()?),
        })
    }

    /// The file's name on its shelf.
    pub(super) fn name(&self) -> String {
        ObjectId::from_bytes_or_panic(&self.id).to_string()
    }
}

/// A list of references, as a fanout file or a manifest stores it.
pub fn encode_refs(refs: &[Ref]) -> Vec<u8> {
    let mut out = Vec::with_capacity(refs.len() * Ref::SIZE);
    for r in refs {
        r.encode(&mut out);
    }
    out
}

pub fn decode_refs(bytes: &[u8]) -> Option<Vec<Ref>> {
    if !bytes.len().is_multiple_of(Ref::SIZE) {
        return None;
    }
    bytes.chunks(Ref::SIZE).map(Ref::decode).collect()
}

/// The most room a read makes before the file's bytes show it needs more.
const READ_ROOM: usize = 1 << 20;

/// The cache directory: shelves (subdirectories) of content-named files.
#[derive(Debug)]
pub struct Objects {
    dir: PathBuf,
    /// The shelves written to so far, each checked once: a first verify writes 1,600 files
    /// on 41 shelves, and checking the whole path of each cost five system calls a file.
    shelves: Mutex<Vec<(String, Root)>>,
}

impl Objects {
    pub fn new(dir: &Path) -> Objects {
        Objects {
            dir: dir.to_path_buf(),
            shelves: Mutex::new(Vec::new()),
        }
    }

    /// `shelf` as a root to write into, made (and checked) on first use.
    fn shelf(&self, shelf: &str) -> Option<Root> {
        let mut shelves = self.shelves.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, root)) = shelves.iter().find(|(name, _)| name == shelf) {
            return Some(root.clone());
        }
        let root = Root::create(&self.dir).ok()?.subdir(shelf).ok()?;
        shelves.push((shelf.to_owned(), root.clone()));
        Some(root)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file `r` names on `shelf`, or None if it is missing or not what was named.
    pub fn read(&self, shelf: &str, r: Ref) -> Option<Vec<u8>> {
        // The length is known: room for one byte more tells a longer file apart, and no
        // `stat` is needed for the size (`fs::read` asks for one; a write at 100,000 missions
        // reads some sixty of these files). A damaged manifest may name up to 4 GiB: room is
        // made for at most `READ_ROOM` at first, and grows only as the bytes come.
        let len = r.len as usize;
        let mut file = fs::File::open(self.dir.join(shelf).join(r.name())).ok()?;
        let mut bytes = vec![0; len.min(READ_ROOM) + 1];
        let mut filled = 0;
        // Read until the end of the file, or until it proves longer than named.
        while filled <= len {
            if filled == bytes.len() {
                bytes.resize((bytes.len() * 2).min(len + 1), 0);
            }
            match file.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        bytes.truncate(len);
        (filled == len).then_some(bytes)
    }

    /// Stores `bytes` on `shelf` and names them. A file with that content may be there
    /// already (an unchanged bucket, or a racing writer's): it is kept, and marked as used now
    /// so that collecting does not take it while the manifest being written names it.
    pub fn write(&self, shelf: &str, bytes: &[u8]) -> Option<Ref> {
        let r = Ref::of(bytes)?;
        if !self
            .shelf(shelf)?
            .write_sized_in_place(&r.name(), bytes)
            .ok()?
        {
            self.touch(shelf, r);
        }
        Some(r)
    }

    /// Marks a file as used now: a file a manifest stopped naming is kept for [`GRACE`] from
    /// then on, for readers of that older manifest.
    pub fn touch(&self, shelf: &str, r: Ref) {
        let Ok(root) = Root::create(&self.dir) else {
            return;
        };
        if let Ok(path) = root.resolve(&format!("{shelf}/{}", r.name()))
            && let Ok(file) = fs::OpenOptions::new().write(true).open(path)
        {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Removes the files of `shelf` that `live` does not name and that nothing used for
    /// [`GRACE`], and the temporary files of writes killed midway. Work is one shelf's listing.
    pub fn collect(&self, shelf: &str, live: &[Ref]) {
        let names: std::collections::HashSet<String> = live.iter().map(Ref::name).collect();
        let Ok(shelf) = Root::create(&self.dir).and_then(|root| root.existing_subdir(shelf)) else {
            return;
        };
        let _ = shelf.remove_files_where(|name, meta| {
            !names.contains(name)
                && meta
                    .modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|idle| idle > GRACE)
        });
    }

    /// The shelves present, by name.
    pub fn shelves(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect()
    }

    /// Removes an empty shelf no manifest uses any more.
    pub fn remove_shelf_if_empty(&self, shelf: &str) {
        if let Ok(root) = Root::create(&self.dir) {
            let _ = root.remove_empty_dir(shelf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_reads_back_by_its_name_and_not_when_changed() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        let r = objects.write("s", b"hello").unwrap();
        assert_eq!(objects.read("s", r).unwrap(), b"hello");
        assert_eq!(
            objects.write("s", b"hello").unwrap(),
            r,
            "the same content, one name"
        );
        std::fs::write(dir.path().join("s").join(r.name()), b"hello!").unwrap();
        assert!(
            objects.read("s", r).is_none(),
            "a changed length is not the file named"
        );
        // Cut short (a killed writer), far longer, empty, gone: none is the file named.
        let file = dir.path().join("s").join(r.name());
        for bytes in [&b"hell"[..], &[b'x'; 100_000][..], b""] {
            std::fs::write(&file, bytes).unwrap();
            assert!(objects.read("s", r).is_none(), "{} bytes", bytes.len());
        }
        std::fs::write(&file, b"hello").unwrap();
        assert_eq!(objects.read("s", r).unwrap(), b"hello");
        std::fs::remove_file(&file).unwrap();
        assert!(objects.read("s", r).is_none(), "a missing file");
        // Over the room made at first: read whole as it grows, and one byte more refused.
        let big: Vec<u8> = (0..3 * READ_ROOM + 7).map(|n| n as u8).collect();
        let r_big = objects.write("s", &big).unwrap();
        assert_eq!(objects.read("s", r_big).unwrap(), big);
        let mut longer = big.clone();
        longer.push(0);
        std::fs::write(dir.path().join("s").join(r_big.name()), &longer).unwrap();
        assert!(objects.read("s", r_big).is_none(), "one byte longer");
        let refs = vec![r, Ref::of(b"other").unwrap()];
        assert_eq!(decode_refs(&encode_refs(&refs)).unwrap(), refs);
        assert!(decode_refs(&[0; 5]).is_none());
    }

    #[test]
    fn collecting_keeps_named_and_recent_files() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        let live = objects.write("s", b"live").unwrap();
        let recent = objects.write("s", b"recent").unwrap();
        let old = objects.write("s", b"old").unwrap();
        let old_live = objects.write("s", b"old but named").unwrap();
        let long_ago = SystemTime::now() - GRACE * 2;
        for r in [old, old_live] {
            let path = dir.path().join("s").join(r.name());
            let file = fs::OpenOptions::new().write(true).open(path).unwrap();
            file.set_modified(long_ago).unwrap();
        }
        objects.collect("s", &[live, old_live]);
        assert!(objects.read("s", live).is_some());
        assert!(
            objects.read("s", recent).is_some(),
            "within the grace period"
        );
        assert!(
            objects.read("s", old_live).is_some(),
            "named by the manifest"
        );
        assert!(
            objects.read("s", old).is_none(),
            "idle and unnamed: collected"
        );
        // Touching marks a file used now, so an old file named again is not collected.
        let path = dir.path().join("s").join(old_live.name());
        fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        objects.touch("s", old_live);
        objects.collect("s", &[]);
        assert!(objects.read("s", old_live).is_some());
    }
}
