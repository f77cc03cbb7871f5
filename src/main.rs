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

fn main() {
    // Freed memory goes back to the system at once rather than a second later: an import of
    // 100,000 tasks peaked at 310 MiB with the delay and 285 MiB without, a first verify of
    // 100,000 missions at 163 and 117 MiB, for no measurable time.
    // SAFETY: `mi_option_set` stores one option value; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    std::process::exit(cmos::cli::main());
}

/// Turns transparent huge pages off before anything is allocated: the Rust runtime allocates
/// before `main`, and mimalloc's first arena would already be in huge pages (see
/// `cmos::paging`: a command that reads a whole large project turns them back on).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NO_HUGE_PAGES_AT_START: extern "C" fn() = no_huge_pages_at_start;

#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages_at_start() {
    cmos::paging::off_for_short_commands();
}

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    /// The purge delay is the option whose default is 1,000 (ms); its neighbours in the enum
    /// default to 1 and 0, so a shifted enum fails here.
    #[test]
    fn purge_delay_names_mimallocs_purge_delay() {
        // SAFETY: reading an option value.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }
}
