//! The `cmos` binary: parse, run, exit with the code of the outcome.

/// mimalloc, not glibc's malloc: glibc gives each thread that reads and parses the branch an
/// arena of its own and keeps what it freed there resident. A first `status` in a fresh clone
/// of 100,000 missions, whose live heap never passes 85 MiB, peaked at 740 MiB with glibc
/// and 131 MiB with mimalloc, and took less time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` and `mi_option_arena_reserve` (their places in its
/// header's `mi_option_e`; the sys crate names no constants for them). The tests below check
/// both.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;

/// How long mimalloc keeps memory that was freed before it gives it back, in milliseconds (its
/// arenas wait ten times as long). mimalloc waits a second by default: an import of 100,000
/// tasks then peaked at 310 MiB instead of 285, a first verify of 100,000 missions at 163 MiB
/// instead of 117. Giving it back at once (0) kept those peaks but cost a short command about
/// a tenth of its page faults: a page given back and used again faults again (`mission
/// update` at 100,000 missions: 908 faults, 801 with this delay). With this delay, a command
/// of a few milliseconds gives nothing back and the two peaks stay where they were.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// The address space mimalloc reserves for its first arena, in KiB: 64 MiB rather than its
/// default 1 GiB. An arena's bitmaps grow with its size and are written when it is made, at
/// the first allocation: with 1 GiB that was some 40 page faults in every command, `--version`
/// included. A command that needs more gets more arenas, each larger than the one before.
const FIRST_ARENA_KIB: std::ffi::c_long = 64 * 1024;

fn main() {
    // SAFETY: `mi_option_set` stores one option value; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS) };
    let code = cmos::cli::main();
    // On exit mimalloc frees its pages, and would give each back to the system (one `madvise`
    // apiece) just before the process ends: a twentieth of `cmos --version`'s time.
    // SAFETY: as above; threads a command started have finished or are about to be ended.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    std::process::exit(code);
}

/// Sets up the process before anything is allocated: runs after the Rust runtime's own setup
/// (`.init_array.00099`, which allocates nothing) and before constructors of no priority, such
/// as mimalloc's, which makes its first arena.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static BEFORE_THE_FIRST_ALLOCATION: extern "C" fn() = before_the_first_allocation;

#[cfg(target_os = "linux")]
extern "C" fn before_the_first_allocation() {
    // SAFETY: as in `main`; mimalloc reads the option when it makes its first arena.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_RESERVE, FIRST_ARENA_KIB) };
    no_huge_pages_at_start();
}

/// Turns transparent huge pages off before anything is allocated: mimalloc's first arena
/// would otherwise be in huge pages (see `cmos::paging`: a command that reads a whole large
/// project turns them back on).
#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages_at_start() {
    cmos::paging::off_for_short_commands();
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, c_char, c_void};

    use super::{ARENA_RESERVE, FIRST_ARENA_KIB, PURGE_DELAY};

    /// The purge delay is the option whose default is 1,000 (ms); its neighbours in the enum
    /// default to 1 and 0, so a shifted enum fails here.
    #[test]
    fn purge_delay_names_mimallocs_purge_delay() {
        // SAFETY: reading an option value.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }

    /// The arena reserve is set, and set before mimalloc made its first arena (this test
    /// binary has the same constructor): its statistics show no arena of the default 1 GiB.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_first_arena_is_made_with_the_smaller_reservation() {
        // SAFETY: reading an option value.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(ARENA_RESERVE) },
            FIRST_ARENA_KIB
        );
        unsafe extern "C" fn collect(message: *const c_char, out: *mut c_void) {
            // SAFETY: mimalloc passes a C string and the `String` given below.
            let (message, out) = unsafe { (CStr::from_ptr(message), &mut *out.cast::<String>()) };
            out.push_str(&message.to_string_lossy());
        }
        let mut stats = String::new();
        // SAFETY: `collect` matches mimalloc's output callback and `stats` outlives the call.
        unsafe { libmimalloc_sys::mi_stats_print_out(Some(collect), (&raw mut stats).cast()) };
        let reserved = stats
            .lines()
            .find(|line| line.trim_start().starts_with("reserved"))
            .unwrap_or_else(|| panic!("no arena reservation in mimalloc's statistics:\n{stats}"));
        assert!(
            reserved.contains("MiB") && !reserved.contains("GiB"),
            "{reserved}"
        );
    }
}
