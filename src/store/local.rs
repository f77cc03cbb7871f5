//! State that belongs to one clone or worktree and is never shared: the writer id and caches,
//! kept under the git directory, never in the branch or the working tree.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::new_writer_id;
use crate::safe_fs::Root;

/// The local directories of one worktree.
#[derive(Debug, Clone)]
pub struct LocalState {
    /// `<git-dir>/cmos`: this worktree's own state (writer id, active pointers).
    pub worktree_dir: PathBuf,
    /// `<common-dir>/cmos`: state all worktrees of the repository may share (caches).
    pub shared_dir: PathBuf,
}

impl LocalState {
    pub fn new(git_dir: &Path, common_dir: &Path) -> Self {
        LocalState {
            worktree_dir: git_dir.join("cmos"),
            shared_dir: common_dir.join("cmos"),
        }
    }

    /// This worktree's writer id, made on first use. Racing processes agree on one id because
    /// the file is published with a link that fails if another process got there first.
    pub fn writer_id(&self) -> Result<String> {
        match self.writer_id_candidate() {
            (id, true) => Ok(id),
            (id, false) => self.keep_writer_id(&id),
        }
    }

    /// This worktree's writer id if it has one (true), else a new one not yet kept (false):
    /// a command that ends up writing nothing leaves no file behind.
    pub fn writer_id_candidate(&self) -> (String, bool) {
        match read_writer(&self.worktree_dir.join("writer")) {
            Some(id) => (id, true),
            None => (new_writer_id(), false),
        }
    }

    /// Keeps `id` as this worktree's writer id unless another process kept one first; returns
    /// the id that is kept.
    pub fn keep_writer_id(&self, id: &str) -> Result<String> {
        let path = self.worktree_dir.join("writer");
        if read_writer(&path).is_none() {
            write_new(&path, format!("{id}\n").as_bytes())?;
        }
        read_writer(&path).ok_or_else(|| {
            Error::io(
                format!(
                    "cannot keep this worktree's writer id at {}",
                    path.display()
                ),
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the file does not read back as a writer id",
                ),
            )
        })
    }

    /// The session this worktree is working in, if one was started and not closed.
    pub fn active_session(&self) -> Option<String> {
        self.pointer("active-session")
    }

    /// Records (or with None clears) this worktree's active session.
    pub fn set_active_session(&self, id: Option<&str>) -> Result<()> {
        self.set_pointer("active-session", id)
    }

    /// The mission this worktree is working on: the last one started here and not finished.
    pub fn active_mission(&self) -> Option<String> {
        self.pointer("active-mission")
    }

    /// Records (or with None clears) this worktree's active mission.
    pub fn set_active_mission(&self, id: Option<&str>) -> Result<()> {
        self.set_pointer("active-mission", id)
    }

    fn pointer(&self, name: &str) -> Option<String> {
        let text = fs::read_to_string(self.worktree_dir.join(name)).ok()?;
        Some(text.trim().to_string()).filter(|id| !id.is_empty())
    }

    fn set_pointer(&self, name: &str, id: Option<&str>) -> Result<()> {
        let path = self.worktree_dir.join(name);
        match id {
            Some(id) => replace_with(&path, |out| out.write_all(format!("{id}\n").as_bytes())),
            None => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::io(format!("cannot remove {}", path.display()), e))
                }
                _ => Ok(()),
            },
        }
    }

    /// The directory of the index cache (see `cache`).
    pub fn cache_path(&self) -> PathBuf {
        self.shared_dir.join("index")
    }
}

fn read_writer(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let id = text.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())).then(|| id.to_string())
}

/// Writes `bytes` to `path` unless it already exists; a crash never leaves a partial file.
/// Like every write here, it goes through [`crate::safe_fs`], rooted at the file's directory:
/// a symbolic link where the file should be is refused, never followed.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let (root, name) = Root::of_file(path)?;
    root.write_new(&name, bytes).map(|_| ())
}

/// Replaces `path` atomically with what `write` writes, streamed through a buffer: readers
/// see the old file or the new one, never a part.
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let (root, name) = Root::of_file(path)?;
    root.write_with(&name, write).map(|_| ())
}

/// Replaces `path` atomically with `bytes`.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_with(path, |out| out.write_all(bytes))
}

/// Removes the one-file index cache of cmos before the cache became a directory (ten
/// megabytes at 100,000 missions), once; afterwards this finds nothing to remove.
pub fn remove_old_cache(shared_dir: &Path) {
    if let Ok(root) = Root::create(shared_dir) {
        let _ = root.remove_file("index-cache");
    }
}

/// Removes temporary files that a killed process left in `dir` (they are never renamed into
/// place). Only files older than a minute go, so a write in progress keeps its own.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".tmp")) {
            continue;
        }
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if age.is_some_and(|age| age > std::time::Duration::from_secs(60)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}
