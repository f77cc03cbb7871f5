//! The objects of one write (blobs, trees, the commit), kept in memory while the write builds
//! them, then stored as loose objects the way git stores them, without compression (git's
//! `core.looseCompression = 0`: each is a zlib stream of stored blocks).
//!
//! Loose objects are temporary: packing, every hundred writes (see `packing`), compresses them
//! again, and a push sends packs. Compressing them first cost every write more than anything
//! it saved. gix's own loose writer starts a new zlib state for each object, and zeroing that
//! state was a quarter of a small write's instructions; one compressor for all of a write's
//! blobs still cost about 800,000 instructions and 80 page faults to set up and reset (its
//! window and hash tables), for records of a few hundred bytes. A tree is mostly object ids,
//! which do not compress at all. Stored plain, `mission update` at 100,000 missions made 720
//! page faults instead of 801; the price is disk space until the next packing (a write's
//! objects take a few kilobytes more; git's `gc --auto` removes them).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use gix::ObjectId;

use crate::error::{Error, Result};

/// Stores every object `repo` holds in memory (the store opens its repository so that writes
/// go there) as a loose object, without compression (see the module's comment). An object
/// already stored loose is left as it is. Whoever writes objects calls this before anything
/// (a branch, a push) can point at them.
/// Returns the ids of the objects it stored, for the next packing (see `packing`).
pub(super) fn persist(repo: &gix::Repository) -> Result<Vec<ObjectId>> {
    let Some(objects) = repo.objects.reset_object_memory() else {
        return Ok(Vec::new());
    };
    let dir = repo.objects.store_ref().path().to_path_buf();
    let mut writer = LooseWriter::new(dir);
    let mut stored = Vec::with_capacity(objects.len());
    for (id, (kind, data)) in objects.iter() {
        let written = writer.write(id, *kind, data).map_err(|e| {
            Error::Git(format!(
                "cannot write object {id} to the object database: {e}"
            ))
        })?;
        if written {
            stored.push(*id);
        }
    }
    Ok(stored)
}

/// Puts a blob in the write's memory, hashing it once. gix's `Repository::write_blob` would
/// first ask whether the object exists, which loads every pack index of the repository (gix
/// reads an index's whole offset table to check its size: 0.7 million instructions at
/// 100,000 missions) for an object that is nearly always new, then hash it again to keep it.
/// An object stored twice costs nothing: `persist` leaves one stored loose alone, and packing
/// keeps one copy.
pub(super) fn keep_blob(repo: &gix::Repository, bytes: &[u8]) -> gix::Result<ObjectId> {
    use gix::objs::Write;
    repo.objects.write_buf(gix::object::Kind::Blob, bytes)
}

/// Puts every tree `editor` changed in the write's memory and returns the root's id. gix's
/// `Editor::write` would also look up every entry of every tree it writes (a `missions/xx`
/// tree holds hundreds) and ask whether each new tree exists, loading every pack index. Here
/// each entry is one the tree already had (`trees::check_edits` looked at those) or a blob
/// this write just kept, under a name `Tx::commit` checked with `trees::check_name`.
pub(super) fn keep_trees(
    repo: &gix::Repository,
    editor: gix::object::tree::Editor<'_>,
) -> gix::Result<ObjectId> {
    use gix::objs::Write;
    editor.detach().write(|tree| repo.objects.write(tree))
}

struct LooseWriter {
    objects_dir: PathBuf,
    /// The object's header and data, then the zlib stream that frames them: reused from object
    /// to object.
    plain: Vec<u8>,
    framed: Vec<u8>,
}

impl LooseWriter {
    fn new(objects_dir: PathBuf) -> Self {
        LooseWriter {
            objects_dir,
            plain: Vec::new(),
            framed: Vec::new(),
        }
    }

    /// Stores one object; false when it was stored loose already.
    fn write(&mut self, id: &ObjectId, kind: gix::object::Kind, data: &[u8]) -> io::Result<bool> {
        let hex = id.to_hex().to_string();
        let (fanout, rest) = hex.split_at(2);
        let dir = self.objects_dir.join(fanout);
        let path = dir.join(rest);
        if path.exists() {
            return Ok(false);
        }
        self.plain.clear();
        self.plain
            .extend_from_slice(&gix::objs::encode::loose_header(kind, data.len() as u64));
        self.plain.extend_from_slice(data);
        self.frame();
        // The fan-out directory almost always exists: make it only when it does not.
        let (mut file, temporary) = match temporary_in(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match fs::create_dir(&dir) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                    _ => {}
                }
                temporary_in(&dir)?
            }
            opened => opened?,
        };
        let written = file.write_all(&self.framed).and_then(|()| {
            drop(file);
            fs::rename(&temporary, &path)
        });
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written.map(|()| true)
    }

    /// Frames `plain` into `framed` as a zlib stream of stored (uncompressed) deflate blocks
    /// (RFC 1950 and 1951): what zlib writes at level 0, without a compressor to set up.
    fn frame(&mut self) {
        const MOST_PER_BLOCK: usize = u16::MAX as usize;
        self.framed.clear();
        // CMF: deflate with a 32 KiB window; FLG: no dictionary, fastest, (CMF, FLG) % 31 == 0.
        self.framed.extend_from_slice(&[0x78, 0x01]);
        let mut blocks = self.plain.chunks(MOST_PER_BLOCK).peekable();
        if blocks.peek().is_none() {
            self.framed.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        }
        while let Some(block) = blocks.next() {
            let last = u8::from(blocks.peek().is_none());
            let len = block.len() as u16;
            self.framed.push(last);
            self.framed.extend_from_slice(&len.to_le_bytes());
            self.framed.extend_from_slice(&(!len).to_le_bytes());
            self.framed.extend_from_slice(block);
        }
        self.framed
            .extend_from_slice(&adler32(&self.plain).to_be_bytes());
    }
}

/// The Adler-32 checksum a zlib stream ends with.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // The most bytes whose sums cannot overflow a u32 before they are reduced.
    const RUN: usize = 5_552;
    let (mut a, mut b) = (1u32, 0u32);
    for run in bytes.chunks(RUN) {
        for &byte in run {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// A new file in `dir` named as git names its temporary objects (git's gc removes those that
/// are left behind by a crash), read-only as git stores objects: nothing should ever change
/// one in place.
fn temporary_in(dir: &Path) -> io::Result<(File, PathBuf)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o444);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("tmp_obj_cmos{}_{n}", std::process::id()));
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    fn repository() -> (tempfile::TempDir, gix::Repository) {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let mut repo = gix::open(dir.path()).unwrap();
        repo.objects.enable_object_memory();
        (dir, repo)
    }

    #[test]
    fn objects_kept_in_memory_are_readable_by_git_once_persisted() {
        let (dir, repo) = repository();
        let big: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let small = repo.write_blob(b"hello\n").unwrap().detach();
        let large = repo.write_blob(&big).unwrap().detach();
        let loose = |id: ObjectId| {
            let hex = id.to_hex().to_string();
            dir.path()
                .join(".git/objects")
                .join(&hex[..2])
                .join(&hex[2..])
        };
        let hex = small.to_hex().to_string();
        let path = loose(small);
        assert!(!path.exists(), "nothing is written before persist");

        persist(&repo).unwrap();
        assert_eq!(git(dir.path(), &["cat-file", "-p", &hex]), "hello\n");
        let size = git(dir.path(), &["cat-file", "-s", &large.to_string()]);
        assert_eq!(size.trim(), big.len().to_string());
        let stored = fs::metadata(loose(large)).unwrap().len();
        assert!(
            stored > big.len() as u64,
            "stored without compression: {stored} bytes"
        );
        git(dir.path(), &["fsck", "--strict", "--no-dangling"]);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o222, 0, "objects are read-only, as git stores them");
        let left: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("tmp_obj"))
            .collect();
        assert!(left.is_empty(), "no temporary file is left behind");
        assert_eq!(repo.objects.num_objects_in_memory(), 0);
    }

    #[test]
    fn objects_stored_without_compression_read_back_in_git_at_every_size() {
        let (dir, repo) = repository();
        // Sizes around the empty tree and the 64 KiB limit of a stored block.
        let mut ids = Vec::new();
        for entries in [0usize, 1, 1_771, 1_772, 3_600] {
            let mut tree = gix::objs::Tree::empty();
            for i in 0..entries {
                tree.entries.push(gix::objs::tree::Entry {
                    mode: gix::objs::tree::EntryKind::Blob.into(),
                    filename: format!("m{i:06}.toml").into(),
                    oid: ObjectId::empty_blob(gix::hash::Kind::Sha1),
                });
            }
            tree.entries.sort();
            ids.push((entries, repo.write_object(&tree).unwrap().detach()));
        }
        persist(&repo).unwrap();
        for (entries, id) in ids {
            let listed = git(dir.path(), &["ls-tree", &id.to_string()]);
            assert_eq!(listed.lines().count(), entries, "tree of {entries} entries");
        }
        git(dir.path(), &["fsck", "--strict", "--no-dangling"]);
    }

    #[test]
    fn adler32_matches_known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let long = vec![0xffu8; 100_000];
        // Reference: zlib's adler32 of 100,000 bytes of 0xff.
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &long {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(adler32(&long), ((b << 16) | a) as u32);
    }

    #[test]
    fn an_object_already_stored_is_left_as_it_is_and_nothing_to_store_is_fine() {
        let (dir, repo) = repository();
        // git stores the empty blob; cmos then writes the same object.
        let stored = git(dir.path(), &["hash-object", "-w", "/dev/null"]);
        persist(&repo).unwrap();
        let id = repo.write_blob(b"").unwrap().detach();
        assert_eq!(stored.trim(), id.to_string());
        let hex = id.to_hex().to_string();
        let path = dir
            .path()
            .join(".git/objects")
            .join(&hex[..2])
            .join(&hex[2..]);
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        persist(&repo).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        assert_eq!(git(dir.path(), &["cat-file", "-s", &hex]).trim(), "0");
    }
}
