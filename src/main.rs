//! The `cmos` binary: parse, run, exit with the code of the outcome.

/// mimalloc, not glibc's malloc: glibc gives each thread that reads and parses the branch an
/// arena of its own and keeps what it freed there resident. A first `status` in a fresh clone
/// of 100,000 missions, whose live heap never passes 85 MiB, peaked at 740 MiB with glibc
/// and 131 MiB with mimalloc, and took less time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the place of `mi_option_purge_delay` in its header's
/// `mi_option_e`; the sys crate names no constant for it). The test below checks it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// `mi_option_allow_thp`, likewise.
const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

fn main() {
    // Freed memory goes back to the system at once rather than a second later: an import of
    // 100,000 tasks peaked at 310 MiB with the delay and 285 MiB without, a first verify of
    // 100,000 missions at 163 and 117 MiB, for no measurable time.
    // SAFETY: `mi_option_set` stores one option value; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    // No transparent huge pages: mimalloc asks for them on its arenas, and the kernel then
    // zeroes 2 MiB at each first touch. Most commands live a few milliseconds and touch a
    // few megabytes: `mission next` spent a quarter of its time clearing pages (5.8 -> 4.6 ms
    // without); a first verify of 100,000 missions peaks lower (121 -> 105 MiB) for a few
    // percent more time in the kernel.
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_option_set(ALLOW_THP, 0) };
    std::process::exit(cmos::cli::main());
}

#[cfg(test)]
mod tests {
    use super::{ALLOW_THP, PURGE_DELAY};

    /// The purge delay is the option whose default is 1,000 (ms); its neighbours in the enum
    /// default to 1 and 0, so a shifted enum fails here.
    #[test]
    fn purge_delay_names_mimallocs_purge_delay() {
        // SAFETY: reading an option value.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }

    /// Transparent huge pages are allowed by default (1), and the option before defaults to
    /// 32 (`page_cross_thread_max_reclaim`), so a shifted enum fails here.
    #[test]
    fn allow_thp_names_mimallocs_allow_thp() {
        // SAFETY: reading option values.
        let (before, this) = unsafe {
            (
                libmimalloc_sys::mi_option_get(ALLOW_THP - 1),
                libmimalloc_sys::mi_option_get(ALLOW_THP),
            )
        };
        assert_eq!((before, this), (32, 1));
    }
}
