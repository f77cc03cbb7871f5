//! Keeping the branch's objects packed as they are written, so a sync does not pay for it.
//!
//! Every operation stores about nine new objects (a commit, the trees on the paths it changed,
//! a record and a log shard), each a loose file. A push has to pack whatever it finds only
//! loose: at 1,000 operations that is 9,000 objects to read, delta-search and compress, most
//! of a sync's time. Objects already in a pack are sent as they are (their deltas reused),
//! and git looks in packs before loose files, so cmos packs as it goes: every
//! `WRITES_PER_PACK` writes, `git pack-objects` in the background puts the objects cmos
//! stored since the last packing into one more pack. Each write notes the ids it stored (the
//! `unpacked` list), so git need not walk the whole history to find them, as an incremental
//! `git repack` does (the fallback when there is no list: 0.4 s of CPU at 100,000 missions,
//! against 0.13 s). It deletes nothing: the loose copies stay until git's own `gc --auto`
//! (which cmos also starts past git's threshold, as before) removes them and folds the packs
//! together.
//!
//! The count is a file of one byte per write (an append never loses a concurrent writer's),
//! so the pace follows cmos's own writes, not how many loose objects the project's other work
//! left (those may be unreachable, which no incremental repack takes, and would make a
//! count-based trigger fire on every write). A lock on a second file, held by the background
//! git for as long as it runs, keeps one packing at a time per repository. A repository whose
//! `gc.auto` is 0 is packed by hand: cmos starts nothing there.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::PathBuf;

use super::{Store, git_program, local};

/// How many operations a clone makes between two packings (about 900 objects).
const WRITES_PER_PACK: u64 = 100;

/// Git's default `gc.auto`: past this many loose objects, `git gc --auto` packs everything
/// (and cmos starts it, past the repository's own `gc.auto`).
const GC_AUTO_DEFAULT: u64 = 6_700;

impl Store {
    /// After each write: counts it, and starts a background packing when it is due. Also
    /// sweeps the temporary files of cache writes that were killed before they finished.
    pub(super) fn pack_now_and_then(&self) {
        local::remove_stale_temps(&self.local.shared_dir);
        local::remove_stale_temps(&self.local.cache_path());
        local::remove_old_cache(&self.local.shared_dir);
        let Some(gc_auto) = self.gc_auto() else {
            return;
        };
        let writes = self.count_write();
        // git itself estimates the loose-object count from one fan-out directory; so do we.
        let sample = self.repo.common_dir().join("objects").join("17");
        let loose = std::fs::read_dir(sample).map(|d| d.count()).unwrap_or(0) as u64;
        let gc_due = loose * 256 > gc_auto;
        if !gc_due && writes < WRITES_PER_PACK {
            return;
        }
        let Some(lock) = self.packing_lock(false) else {
            // A packing is running; the count stays, so the next write checks again.
            return;
        };
        let git_dir = self.repo.common_dir();
        if writes >= WRITES_PER_PACK {
            if let Ok(counter) = OpenOptions::new().write(true).open(self.write_counter()) {
                let _ = counter.set_len(0);
            }
            match self.take_unpacked() {
                Some(ids) => git_program::pack_listed_in_background(git_dir, ids, lock),
                None => git_program::repack_in_background(git_dir, lock),
            }
        } else {
            git_program::gc_auto_in_background(git_dir, lock);
        }
    }

    /// Waits until no background packing started by cmos is running in this repository; for
    /// whoever measures or inspects the object store right after writing (benchmarks, tests).
    pub fn wait_for_packing(&self) {
        drop(self.packing_lock(true));
    }

    /// Adds this write to the count since the last packing and returns the count.
    fn count_write(&self) -> u64 {
        let path = self.write_counter();
        let open = || OpenOptions::new().append(true).create(true).open(&path);
        // The directory exists after the first write (the index cache lives there).
        let file = open().or_else(|_| {
            std::fs::create_dir_all(&self.local.shared_dir)?;
            open()
        });
        let Ok(mut file) = file else { return 0 };
        if file.write_all(b".").is_err() {
            return 0;
        }
        file.metadata().map(|m| m.len()).unwrap_or(0)
    }

    /// How many loose objects make `git gc --auto` pack (`gc.auto`); None when it is 0, which
    /// says this repository is packed by hand (git's own auto gc is off too).
    fn gc_auto(&self) -> Option<u64> {
        match self.repo.config_snapshot().integer("gc.auto") {
            None => Some(GC_AUTO_DEFAULT),
            Some(n) => u64::try_from(n).ok().filter(|n| *n > 0),
        }
    }

    /// The packing lock, locked: None when another holder has it (or, without `wait`, when
    /// locking is not possible here). Whoever runs the packing holds it until it exits.
    fn packing_lock(&self, wait: bool) -> Option<File> {
        let path = self.local.shared_dir.join("pack.lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .ok()?;
        if wait {
            file.lock().ok()?;
            return Some(file);
        }
        match file.try_lock() {
            Ok(()) => Some(file),
            Err(TryLockError::WouldBlock) | Err(TryLockError::Error(_)) => None,
        }
    }

    fn write_counter(&self) -> PathBuf {
        self.local.shared_dir.join("writes-since-pack")
    }

    fn unpacked_list(&self) -> PathBuf {
        self.local.shared_dir.join("unpacked")
    }

    /// Notes the objects a write stored loose, for the next packing: one append of their ids,
    /// a line each (an append is never lost to a concurrent writer's). A note that cannot be
    /// made only leaves those objects to git's own gc.
    pub(super) fn note_unpacked(&self, ids: &[gix::ObjectId]) {
        if ids.is_empty() || self.gc_auto().is_none() {
            return;
        }
        let mut lines = String::with_capacity(ids.len() * 41);
        for id in ids {
            lines.push_str(&id.to_string());
            lines.push('\n');
        }
        let path = self.unpacked_list();
        let open = || OpenOptions::new().append(true).create(true).open(&path);
        let file = open().or_else(|_| {
            std::fs::create_dir_all(&self.local.shared_dir)?;
            open()
        });
        if let Ok(mut file) = file {
            let _ = file.write_all(lines.as_bytes());
        }
    }

    /// The ids noted since the last packing, as an open file, and the list emptied for the
    /// writes that follow; None when there is none (objects written by an older cmos: then a
    /// repack finds them). Called with the packing lock held. The file is unlinked at once:
    /// the packing reads it through the open file, and nothing is left behind however it ends.
    fn take_unpacked(&self) -> Option<File> {
        let list = self.unpacked_list();
        let taken = self.local.shared_dir.join("unpacked.packing");
        std::fs::rename(&list, &taken).ok()?;
        let file = File::open(&taken).ok();
        let _ = std::fs::remove_file(&taken);
        file
    }
}
