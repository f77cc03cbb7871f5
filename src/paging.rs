//! Transparent huge pages: off while a command is short, back on once it sets out to read a
//! whole large project.
//!
//! Most commands live a few milliseconds and touch a few megabytes; with huge pages the kernel
//! zeroes 2 MiB at each first touch, and `status` spent a fifth of its time clearing pages. So
//! the `cmos` binary turns them off before anything is allocated ([`off_for_short_commands`]).
//! A command that reads every record of 100,000 missions touches a few hundred megabytes,
//! though: a first `verify` took 76,000 page faults, a fifth of its processor time in the
//! kernel. Where such a read starts, [`on_for_bulk_reads`] turns them back on, for every fault
//! from then on: the same verify then takes under half the faults.
//!
//! Only a flag this module set is cleared: a program that uses cmos as a library and chose its
//! own paging keeps it.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set while huge pages are off because [`off_for_short_commands`] turned them off.
static TURNED_OFF: AtomicBool = AtomicBool::new(false);

/// A read of at least this many records is a bulk read: it touches tens of megabytes, which
/// huge pages back with a five-hundredth of the faults.
pub const BULK_RECORDS: usize = 4_096;

/// Turns transparent huge pages off for this process (and the git processes it starts, which
/// inherit the flag; glibc's malloc, which they use, asks for no huge pages unless the system
/// gives them to every mapping). Nothing happens where there is no such flag.
pub fn off_for_short_commands() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_THP_DISABLE takes integer arguments and changes only this process's
        // paging; an old kernel refuses it, and pages stay as they were.
        let refused = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) } != 0;
        TURNED_OFF.store(!refused, Ordering::Relaxed);
    }
}

/// Turns transparent huge pages back on if [`off_for_short_commands`] turned them off: the
/// process is about to read `records` records, and a read of [`BULK_RECORDS`] or more is
/// worth them.
pub fn on_for_bulk_reads(records: usize) {
    if records < BULK_RECORDS || !TURNED_OFF.swap(false, Ordering::Relaxed) {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: as above; clearing the flag restores the kernel's default for this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn disabled() -> i32 {
        // SAFETY: PR_GET_THP_DISABLE reads the flag.
        unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }
    }

    /// One test, since the flag belongs to the whole test process: a small read leaves huge
    /// pages off, a bulk read turns them on, and a flag cmos did not set is left alone.
    #[test]
    fn huge_pages_come_back_only_for_bulk_reads_and_only_if_cmos_turned_them_off() {
        off_for_short_commands();
        assert_eq!(disabled(), 1);
        on_for_bulk_reads(BULK_RECORDS - 1);
        assert_eq!(disabled(), 1, "a small read keeps them off");
        on_for_bulk_reads(BULK_RECORDS);
        assert_eq!(disabled(), 0, "a bulk read turns them on");

        // Someone else's choice: the flag set directly, not through this module.
        // SAFETY: as in `off_for_short_commands`.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
        on_for_bulk_reads(BULK_RECORDS * 10);
        assert_eq!(disabled(), 1, "a flag cmos did not set stays");
        // SAFETY: as above; leaves the test process as it found it.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0) };
    }
}
