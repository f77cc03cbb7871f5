//! The branch's lock file, and the one case where cmos removes it: a cmos writer that was
//! killed (SIGKILL cannot be cleaned up after) while it held the lock.
//!
//! A lock file says nothing about who holds it, and a live owner may hold it for seconds (a
//! `git update-ref --stdin` transaction, `git gc` packing refs), so age proves nothing. Before
//! a cmos writer takes the lock, it leaves an owner record under `<common-dir>/cmos`: its
//! process id and start time, the lock's path, and the commit it is about to write into the
//! lock. A lock is removed only when a record's process is gone and the lock holds exactly
//! that record's commit (no other writer could have written that commit id there), or is
//! still empty seconds after that writer made it. Any other lock (git's, or one on a system
//! where a process cannot be checked) is left alone, and the writer that waited names it in
//! its error.

use std::path::{Path, PathBuf};

/// The record of one cmos writer taking a lock; removed when dropped (the lock is released by
/// then, committed or rolled back).
pub(super) struct Owner {
    path: Option<PathBuf>,
}

impl Owner {
    /// Records that this process is taking `lock` to write `commit` into it (best effort:
    /// without a record, a crash leaves a lock a person must remove, as git's own locks do).
    pub(super) fn record(dir: &Path, lock: &Path, commit: &str) -> Owner {
        let pid = std::process::id();
        let Some(started) = process_start(pid) else {
            return Owner { path: None };
        };
        let path = dir.join(format!("lock-owner-{pid}"));
        let text = format!("{}\n{started}\n{commit}\n", lock.display());
        // The directory exists after the first write (the index cache lives there): make it
        // only when the write says it is missing, off the path of every later write.
        let written = std::fs::write(&path, &text)
            .or_else(|_| std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &text)));
        Owner {
            path: written.is_ok().then_some(path),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Removes `lock` if an owner record in `dir` shows it was taken by a cmos process that is
/// gone; true if it did. Records of processes that are gone are swept either way.
pub(super) fn remove_if_orphaned(dir: &Path, lock: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut removed = false;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("lock-owner-")
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let mut lines = text.lines();
        let (Some(path), Some(started), Some(commit)) = (lines.next(), lines.next(), lines.next())
        else {
            continue;
        };
        if alive(pid, started) != Some(false) {
            continue;
        }
        if Path::new(path) != lock {
            continue;
        }
        match held_by(lock, commit, &entry.path()) {
            Some(true) => removed |= std::fs::remove_file(lock).is_ok(),
            // Not settled yet: the record is what will prove it later.
            None => continue,
            Some(false) => {}
        }
        let _ = std::fs::remove_file(entry.path());
    }
    removed
}

/// Whether `lock` is the one a writer that is gone took, by its record at `record`: the lock
/// holds that writer's commit, or it is still empty (the writer was killed between creating
/// the lock and writing it), was made after the record, and has stayed empty for longer than
/// any live writer leaves a lock empty (git and gix write it right after creating it).
/// None while an empty lock is too young to tell.
fn held_by(lock: &Path, commit: &str, record: &Path) -> Option<bool> {
    let Ok(held) = std::fs::read_to_string(lock) else {
        // No lock (or none readable): nothing of that writer's is left to remove.
        return Some(false);
    };
    if !commit.is_empty() && held.trim_end() == commit {
        return Some(true);
    }
    if !held.is_empty() {
        return Some(false);
    }
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let (locked, recorded) = (modified(lock)?, modified(record)?);
    if locked < recorded {
        return Some(false);
    }
    locked
        .elapsed()
        .is_ok_and(|age| age > EMPTY_LOCK_SETTLED)
        .then_some(true)
}

/// How long an empty lock must stay empty before its owner's record may claim it.
const EMPTY_LOCK_SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

/// When process `pid` started (in clock ticks since boot, from `/proc/<pid>/stat`), which
/// tells it apart from a later process that reuses its id.
#[cfg(target_os = "linux")]
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

#[cfg(not(target_os = "linux"))]
fn process_start(_pid: u32) -> Option<String> {
    None
}

/// Whether the process `pid` that started at `started` still runs; None when unknowable.
fn alive(pid: u32, started: &str) -> Option<bool> {
    if !Path::new("/proc/self/stat").exists() {
        return None;
    }
    Some(process_start(pid).is_some_and(|now| now == started))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    const COMMIT: &str = "8f3c2d1e0b9a8f3c2d1e0b9a8f3c2d1e0b9a8f3c";

    #[test]
    fn test_lock_of_a_live_owner_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("cmos.lock");
        std::fs::write(&lock, format!("{COMMIT}\n")).unwrap();
        let owner = Owner::record(dir.path(), &lock, COMMIT);
        assert!(!remove_if_orphaned(dir.path(), &lock));
        assert!(lock.exists());
        drop(owner);
        // Released without a record: nobody can prove it orphaned, so it stays.
        assert!(!remove_if_orphaned(dir.path(), &lock));
        assert!(lock.exists());
    }

    #[test]
    fn test_lock_of_a_dead_owner_is_removed_but_not_someone_elses() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("cmos.lock");
        // A record as a killed writer leaves it: a process id that does not run.
        let dead = u32::MAX - 7;
        let record = format!("{}\n12345\n{COMMIT}\n", lock.display());
        let record_path = dir.path().join(format!("lock-owner-{dead}"));

        std::fs::write(&lock, format!("{COMMIT}\n")).unwrap();
        std::fs::write(&record_path, &record).unwrap();
        assert!(remove_if_orphaned(dir.path(), &lock));
        assert!(!lock.exists());
        assert!(!record_path.exists());

        // The same record against a lock another writer holds: kept, and the record swept.
        std::fs::write(&lock, "0123456789012345678901234567890123456789\n").unwrap();
        std::fs::write(&record_path, &record).unwrap();
        assert!(!remove_if_orphaned(dir.path(), &lock));
        assert!(lock.exists());
        assert!(!record_path.exists(), "the dead writer's record is swept");

        // An empty lock made after the record: too young to tell, so both stay for now...
        std::fs::remove_file(&lock).unwrap();
        std::fs::write(&record_path, &record).unwrap();
        std::fs::write(&lock, "").unwrap();
        assert!(!remove_if_orphaned(dir.path(), &lock));
        assert!(lock.exists() && record_path.exists());
        // ...and an empty lock older than its record cannot be that writer's.
        let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let file = std::fs::File::options().write(true).open(&lock).unwrap();
        file.set_modified(earlier).unwrap();
        assert!(!remove_if_orphaned(dir.path(), &lock));
        assert!(lock.exists());
        assert!(!record_path.exists());
    }
}
