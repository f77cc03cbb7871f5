//! The one way cmos writes files outside git: inside a root directory, never through a
//! symbolic link, and always whole (a temporary file renamed into place).
//!
//! Relative paths often come from data cmos does not trust (the names of files on the shared
//! branch, written into an export), so every component is checked before anything is
//! created: no empty, `.` or `..` component, no absolute path, no backslash or NUL. The root
//! itself is the caller's choice (a directory the user named, or `<git-dir>/cmos/`), so a
//! symbolic link *to* the root is followed; below it, an existing component that is a
//! symbolic link is refused rather than followed, so nothing written lands outside the root.
//! Directories are created one at a time, each checked.
//!
//! What this does not defend against: another local process swapping a directory for a
//! symbolic link between the check and the write. Whoever can do that already writes where
//! cmos could.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::model::new_writer_id;

/// A directory cmos writes into.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// `dir` as a root, created with its parents when missing.
    pub fn create(dir: &Path) -> Result<Root> {
        fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        if !fs::metadata(dir).is_ok_and(|m| m.is_dir()) {
            return Err(Error::InvalidInput(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        Ok(Root {
            dir: dir.to_path_buf(),
        })
    }

    /// The root of a single file's path: its directory (the current one when it has none) and
    /// its name, checked like any relative path.
    pub fn of_file(path: &Path) -> Result<(Root, String)> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::InvalidInput(format!("{} does not name a file", path.display()))
            })?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        let root = Root::create(dir.unwrap_or(Path::new(".")))?;
        Ok((root, name.to_string()))
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where `relative` is, after checking its name and that no existing component is a
    /// symbolic link; creates nothing.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf> {
        self.walk(relative, Want::Existing)
    }

    /// Writes `bytes` at `relative`, replacing a regular file there; returns the full path.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<PathBuf> {
        self.write_with(relative, |out| out.write_all(bytes))
    }

    /// Writes what `write` streams at `relative`, through a temporary file renamed into place,
    /// so a reader sees the old file or the new one and a crash leaves no part.
    pub fn write_with(
        &self,
        relative: &str,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<PathBuf> {
        let target = self.walk(relative, Want::File)?;
        let tmp = temp_beside(&target);
        let result = write_temp(&tmp, write).and_then(|()| {
            fs::rename(&tmp, &target)
                .map_err(|e| Error::io(format!("cannot replace {}", target.display()), e))
        });
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map(|()| target)
    }

    /// Writes `bytes` at `relative` unless something is already there (then leaves it and
    /// answers false). Racing writers agree on one file: it is published with a hard link,
    /// which fails when another got there first.
    pub fn write_new(&self, relative: &str, bytes: &[u8]) -> Result<bool> {
        let target = self.walk(relative, Want::File)?;
        let tmp = temp_beside(&target);
        write_temp_bytes(&tmp, bytes)?;
        let linked = fs::hard_link(&tmp, &target);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(Error::io(format!("cannot write {}", target.display()), e)),
        }
    }

    /// Writes `bytes` as the file `name` of this directory, in place, unless a file of that
    /// name and length is there already (then leaves it and answers false). For files whose
    /// readers check the length they expect and whose name stands for their content (the
    /// index cache's): created exclusively and written in one call, without the temporary
    /// file, hard link and removal `write_new` pays for (a first verify writes 1,600 of them,
    /// and those system calls were a third of its last tenth). A cut file a killed writer
    /// left has another length, which readers refuse and the next writer of that content
    /// replaces, whole and atomically. A symbolic link or a directory there is refused,
    /// never followed (creating exclusively does not follow one).
    pub fn write_sized_in_place(&self, name: &str, bytes: &[u8]) -> Result<bool> {
        if check_relative(name)
            .map_err(|why| self.refuse(name, why))?
            .len()
            != 1
        {
            return self.write_new(name, bytes);
        }
        let path = self.dir.join(name);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => match file.write_all(bytes) {
                Ok(()) => Ok(true),
                Err(e) => {
                    let _ = fs::remove_file(&path);
                    Err(Error::io(format!("cannot write {}", path.display()), e))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                match fs::symlink_metadata(&path) {
                    Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => Ok(false),
                    // A cut file, or one that vanished meanwhile: written whole (a symbolic
                    // link or a directory is refused there).
                    _ => self.write(name, bytes).map(|_| true),
                }
            }
            Err(e) => Err(Error::io(format!("cannot create {}", path.display()), e)),
        }
    }

    /// The directory `relative` (made, with those above it, when missing; each checked) as
    /// a root of its own: many files written into one directory have its path checked once.
    pub fn subdir(&self, relative: &str) -> Result<Root> {
        let dir = self.create_dir(relative)?;
        // What was there already may not be a directory.
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(self.refuse(relative, format!("{} is not a directory", dir.display())));
        }
        Ok(Root { dir })
    }

    /// Creates the directory `relative` (and those above it, each checked).
    pub fn create_dir(&self, relative: &str) -> Result<PathBuf> {
        let path = self.walk(relative, Want::Dir)?;
        match fs::create_dir(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                Err(Error::io(format!("cannot create {}", path.display()), e))
            }
            _ => Ok(path),
        }
    }

    /// Renames `from` to `to`, both inside the root (the swap of a dump into place).
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        let (from, to) = (self.walk(from, Want::Existing)?, self.walk(to, Want::Dir)?);
        fs::rename(&from, &to).map_err(|e| {
            Error::io(
                format!("cannot rename {} to {}", from.display(), to.display()),
                e,
            )
        })
    }

    /// Removes the regular file `relative`, if there is one: a file cmos wrote itself (a
    /// symbolic link or directory there is left alone).
    pub fn remove_file(&self, relative: &str) -> Result<()> {
        let path = self.walk(relative, Want::Existing)?;
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e)),
            _ => Ok(()),
        }
    }

    /// The directory `relative`, which must exist, as a root of its own (nothing is made).
    pub fn existing_subdir(&self, relative: &str) -> Result<Root> {
        let dir = self.walk(relative, Want::Existing)?;
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(self.refuse(relative, format!("{} is not a directory", dir.display())));
        }
        Ok(Root { dir })
    }

    /// Removes the regular files directly in this directory that `remove` picks by name and
    /// metadata; answers how many went. Each file is looked at through the listing (its type
    /// from the listing itself, its metadata by name beside it, never following a link) and
    /// removed by that one name: two system calls a removed file, where `remove_file` checks
    /// the whole path again for each (five). Symbolic links, directories and names that are
    /// not UTF-8 are left alone; a file that changes under the listing is at worst a link
    /// removed in its place, never what it points to.
    pub fn remove_files_where(
        &self,
        mut remove: impl FnMut(&str, &fs::Metadata) -> bool,
    ) -> Result<usize> {
        let entries = fs::read_dir(&self.dir)
            .map_err(|e| Error::io(format!("cannot list {}", self.dir.display()), e))?;
        let mut removed = 0;
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() && remove(name, &meta) && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes the directory `relative` if it is empty; answers whether it is gone.
    pub fn remove_empty_dir(&self, relative: &str) -> Result<bool> {
        let path = self.walk(relative, Want::Existing)?;
        Ok(fs::remove_dir(&path).is_ok() || !path.exists())
    }

    /// The checked path of `relative`: no component may be a symbolic link. Unless `want` is
    /// only an existing path, missing directories above it are made; a file may not land on
    /// a directory.
    fn walk(&self, relative: &str, want: Want) -> Result<PathBuf> {
        let create = want != Want::Existing;
        let components = check_relative(relative).map_err(|why| self.refuse(relative, why))?;
        let mut path = self.dir.clone();
        let last = components.len() - 1;
        for (i, component) in components.iter().enumerate() {
            path.push(component);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(
                        self.refuse(relative, format!("{} is a symbolic link", path.display()))
                    );
                }
                Ok(meta) if i < last && !meta.is_dir() => {
                    return Err(
                        self.refuse(relative, format!("{} is not a directory", path.display()))
                    );
                }
                Ok(meta) if i == last && want == Want::File && meta.is_dir() => {
                    return Err(self.refuse(relative, format!("{} is a directory", path.display())));
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if create && i < last {
                        match fs::create_dir(&path) {
                            Ok(()) => {}
                            // Another writer made it meanwhile; check it on the next pass.
                            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                                if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                                    return Err(self.refuse(
                                        relative,
                                        format!("{} is not a directory", path.display()),
                                    ));
                                }
                            }
                            Err(e) => {
                                return Err(Error::io(
                                    format!("cannot create {}", path.display()),
                                    e,
                                ));
                            }
                        }
                    }
                }
                Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
            }
        }
        Ok(path)
    }

    fn refuse(&self, relative: &str, why: String) -> Error {
        Error::Refused(format!(
            "refusing to write {relative:?} under {}: {why}; nothing there was changed",
            self.dir.display()
        ))
    }
}

/// What a walk is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A path that may exist; nothing is created.
    Existing,
    /// A file to write: its directories are made.
    File,
    /// A directory (or a rename's target): its parents are made.
    Dir,
}

/// The components of a relative path written with `/`, or why it is not one that stays
/// inside its root.
pub fn check_relative(relative: &str) -> std::result::Result<Vec<&str>, String> {
    if relative.is_empty() {
        return Err("the path is empty".into());
    }
    if relative.starts_with('/') {
        return Err("the path is absolute".into());
    }
    let components: Vec<&str> = relative.split('/').collect();
    for component in &components {
        let why = match *component {
            "" => "it has an empty component (`//` or a trailing `/`)",
            "." => "it has a `.` component",
            ".." => "it has a `..` component, which would leave the directory",
            c if c.contains('\\') => "it contains a backslash",
            c if c.contains('\0') => "it contains a NUL byte",
            _ => continue,
        };
        return Err(why.into());
    }
    Ok(components)
}

/// A temporary name in the target's directory, so the rename stays on one file system.
/// Named `.<name>.<random>.tmp`, which the cache sweep recognises as a leftover.
fn temp_beside(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    target.with_file_name(format!(".{name}.{}.tmp", temp_id()))
}

/// A name no other temporary file has: random for the process, then counted (a random name
/// for each was a system call each, and a first verify writes 1,600 cache files).
fn temp_id() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(new_writer_id);
    format!("{process}-{}", COUNT.fetch_add(1, Ordering::Relaxed))
}

/// Writes `bytes` to a new file at `path` in one go (no buffer between).
fn write_temp_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = create_new(path)?;
    file.write_all(bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

fn create_new(path: &Path) -> Result<fs::File> {
    // create_new: never open something already there, a symbolic link least of all.
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))
}

fn write_temp(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let file = create_new(path)?;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, Root) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Root::create(&tmp.path().join("out")).unwrap();
        (tmp, root)
    }

    fn refused<T: std::fmt::Debug>(result: Result<T>) -> String {
        match result {
            Err(e @ Error::Refused(_)) => e.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn names_that_leave_the_root_are_refused_before_anything_is_written() {
        let (tmp, root) = setup();
        for bad in [
            "../escaped",
            "a/../../escaped",
            "/tmp/abs-pwned",
            "",
            "a//b",
            "a/",
            "./a",
            "a\\..\\b",
            "a\0b",
            "..",
        ] {
            let message = refused(root.write(bad, b"x"));
            assert!(message.contains("refusing to write"), "{bad:?}: {message}");
        }
        assert!(!tmp.path().join("escaped").exists());
        assert!(
            fs::read_dir(root.path()).unwrap().next().is_none(),
            "nothing written, not even a directory"
        );
    }

    #[test]
    fn a_symlinked_directory_component_is_refused() {
        let (tmp, root) = setup();
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        symlink(&elsewhere, root.path().join("dump")).unwrap();
        let message = refused(root.write("dump/.cmos/x.toml", b"x"));
        assert!(message.contains("is a symbolic link"), "{message}");
        assert!(fs::read_dir(&elsewhere).unwrap().next().is_none());
    }

    #[test]
    fn a_symlinked_target_file_is_refused_and_its_target_untouched() {
        let (tmp, root) = setup();
        let victim = tmp.path().join("victim");
        fs::write(&victim, "mine").unwrap();
        symlink(&victim, root.path().join("backlog.yaml")).unwrap();
        refused(root.write("backlog.yaml", b"x"));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "mine");
        assert!(
            fs::symlink_metadata(root.path().join("backlog.yaml"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    /// The names in `dir`, sorted.
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = (fs::read_dir(dir).unwrap())
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// A subdirectory root is checked like any path: made when missing, refused when it is a
    /// symbolic link or a file; what is written through it lands inside, temporary files
    /// gone, and a second write of a name is refused as `write_new` refuses it.
    #[test]
    fn a_subdirectory_root_is_checked_once_and_writes_inside() {
        let (tmp, root) = setup();
        let shelf = root.subdir("index/g000").unwrap();
        assert!(shelf.write_new("one", b"1").unwrap());
        assert!(!shelf.write_new("one", b"other").unwrap());
        assert!(shelf.write_new("two", b"2").unwrap());
        let dir = root.path().join("index/g000");
        assert_eq!(fs::read(dir.join("one")).unwrap(), b"1");
        assert_eq!(names_in(&dir), ["one", "two"]);
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        symlink(&elsewhere, root.path().join("index/linked")).unwrap();
        let message = refused(root.subdir("index/linked"));
        assert!(message.contains("is a symbolic link"), "{message}");
        root.write("index/file", b"x").unwrap();
        let message = refused(root.subdir("index/file"));
        assert!(message.contains("is not a directory"), "{message}");
        refused(root.subdir("../out"));
        assert!(fs::read_dir(&elsewhere).unwrap().next().is_none());
    }

    /// An existing subdirectory is taken as it is and never made; a missing one, a symbolic
    /// link, a file or a name leaving the root is refused.
    #[test]
    fn an_existing_subdirectory_is_checked_and_never_made() {
        let (tmp, root) = setup();
        root.write("shelf/kept", b"1").unwrap();
        let shelf = root.existing_subdir("shelf").unwrap();
        assert_eq!(shelf.path(), root.path().join("shelf"));
        assert!(root.existing_subdir("missing").is_err());
        assert!(!root.path().join("missing").exists());
        let elsewhere = tmp.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        symlink(&elsewhere, root.path().join("linked")).unwrap();
        assert!(refused(root.existing_subdir("linked")).contains("is a symbolic link"));
        assert!(refused(root.existing_subdir("shelf/kept")).contains("is not a directory"));
        refused(root.existing_subdir("../out"));
    }

    /// Removing by listing takes the regular files picked, and only those: files not picked,
    /// directories (with what is in them), symbolic links to files inside and outside, and
    /// dangling ones are all left, and what a link points to is never touched.
    #[test]
    fn removing_listed_files_takes_the_picked_regular_files_and_nothing_else() {
        let (tmp, root) = setup();
        for name in ["old-1", "old-2", "live", "dir/old-3"] {
            root.write(name, name.as_bytes()).unwrap();
        }
        let outside = tmp.path().join("old-outside");
        fs::write(&outside, b"outside").unwrap();
        symlink(&outside, root.path().join("old-link-out")).unwrap();
        symlink(root.path().join("live"), root.path().join("old-link-in")).unwrap();
        symlink(tmp.path().join("nowhere"), root.path().join("old-dangling")).unwrap();
        let mut seen = Vec::new();
        let removed = root
            .remove_files_where(|name, meta| {
                seen.push(name.to_string());
                assert!(meta.is_file());
                name.starts_with("old")
            })
            .unwrap();
        assert_eq!(removed, 2);
        seen.sort();
        assert_eq!(
            seen,
            ["live", "old-1", "old-2"],
            "only regular files are offered"
        );
        assert_eq!(
            names_in(root.path()),
            ["dir", "live", "old-dangling", "old-link-in", "old-link-out"]
        );
        assert_eq!(
            fs::read(root.path().join("dir/old-3")).unwrap(),
            b"dir/old-3"
        );
        assert_eq!(fs::read(&outside).unwrap(), b"outside");
        assert_eq!(fs::read(root.path().join("live")).unwrap(), b"live");
    }

    /// Written in place: a new name is created whole, a file of the same length is left as
    /// it is, a cut one is replaced whole, and a symbolic link or a directory at the name is
    /// refused with nothing written through it.
    #[test]
    fn writing_in_place_keeps_whole_files_replaces_cut_ones_and_refuses_links() {
        let (tmp, root) = setup();
        let shelf = root.subdir("index/g000").unwrap();
        assert!(shelf.write_sized_in_place("one", b"12345").unwrap());
        assert!(!shelf.write_sized_in_place("one", b"abcde").unwrap());
        let dir = root.path().join("index/g000");
        assert_eq!(fs::read(dir.join("one")).unwrap(), b"12345");
        fs::write(dir.join("cut"), b"12").unwrap();
        assert!(shelf.write_sized_in_place("cut", b"12345").unwrap());
        assert_eq!(fs::read(dir.join("cut")).unwrap(), b"12345");
        let victim = tmp.path().join("victim");
        fs::write(&victim, "mine").unwrap();
        symlink(&victim, dir.join("linked")).unwrap();
        let message = refused(shelf.write_sized_in_place("linked", b"12345"));
        assert!(message.contains("is a symbolic link"), "{message}");
        symlink(tmp.path().join("nowhere"), dir.join("dangling")).unwrap();
        refused(shelf.write_sized_in_place("dangling", b"12345"));
        assert!(!tmp.path().join("nowhere").exists());
        fs::create_dir(dir.join("sub")).unwrap();
        let message = refused(shelf.write_sized_in_place("sub", b"12345"));
        assert!(message.contains("is a directory"), "{message}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "mine");
        refused(shelf.write_sized_in_place("../out", b"x"));
        refused(shelf.write_sized_in_place("", b"x"));
        assert!(!root.path().join("index/out").exists());
        // A path of several parts is written as `write_new` writes it.
        assert!(shelf.write_sized_in_place("a/b", b"x").unwrap());
        assert_eq!(fs::read(dir.join("a/b")).unwrap(), b"x");
        assert_eq!(
            names_in(&dir),
            ["a", "cut", "dangling", "linked", "one", "sub"]
        );
    }

    #[test]
    fn a_file_where_a_directory_is_needed_is_refused() {
        let (_tmp, root) = setup();
        root.write("a", b"file").unwrap();
        let message = refused(root.write("a/b", b"x"));
        assert!(message.contains("is not a directory"), "{message}");
    }

    #[test]
    fn writes_create_directories_and_replace_whole_files() {
        let (_tmp, root) = setup();
        let path = root.write(".cmos/missions/5c/B1.toml", b"one").unwrap();
        root.write(".cmos/missions/5c/B1.toml", b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(
            !root
                .write_new(".cmos/missions/5c/B1.toml", b"three")
                .unwrap()
        );
        assert!(root.write_new("writer", b"w").unwrap());
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
