//! One object a command reads, found without gix's object store: its loose file first, then
//! its place in a pack (`pack_lookup`).
//!
//! gix's store looks an object up in every pack before it looks for a loose file, and the
//! first lookup in a pack loads that pack's whole index. A write reads records and trees it or
//! another write just stored, which are loose: at 100,000 missions, loading the index on the
//! way to such a file cost 0.7 million instructions of `mission complete`'s 11.5 million. A
//! loose file is read here with one read and inflated by a decompressor the thread reuses.
//! Whatever this cannot read cleanly is left to gix, which reads it as before and reports
//! what is wrong.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use gix::ObjectId;

use super::pack_lookup::{self, Found, Lookup};

/// Object `id` from the loose files or packs of `objects` (a repository's objects directory),
/// None when the caller should ask gix. `max_size` bounds what is allocated.
pub fn find(objects: &Path, hash: gix::hash::Kind, id: &ObjectId, max_size: u64) -> Option<Lookup> {
    match read_loose(objects, id, max_size) {
        Loose::Read(lookup) => Some(lookup),
        Loose::Absent => pack_lookup::find(objects, hash, id, max_size),
        Loose::Unreadable => None,
    }
}

enum Loose {
    Read(Lookup),
    /// No loose file of that id.
    Absent,
    /// A loose file that does not read cleanly, or larger than this reader reads.
    Unreadable,
}

/// The largest loose file read here: 64 MiB and zlib's framing of it (git compresses, cmos
/// stores in blocks of 64 KiB with 5 bytes each). A larger one is left to gix.
const MOST_FILE_BYTES: u64 = (64 << 20) + (64 << 20) / 8192 + 4096;

/// How many bytes deflate makes of one at most (its limit is 1,032).
const MOST_INFLATION: u64 = 1100;

/// The longest object header (`"commit 18446744073709551615\0"` is 28 bytes).
const MOST_HEADER_BYTES: usize = 64;

thread_local! {
    /// One decompressor a thread, reset for each object: making one allocates and fills its
    /// state, which cost more than inflating a record of a few hundred bytes.
    static INFLATE: RefCell<gix::zlib::Inflate> = RefCell::new(gix::zlib::Inflate::default());
}

/// `inflate` run with this thread's decompressor, reset first (the pack reader's lookups use
/// it too: a completion read some 17 objects, each with a decompressor of its own).
pub(super) fn with_inflate<R>(inflate: impl FnOnce(&mut gix::zlib::Inflate) -> R) -> R {
    INFLATE.with_borrow_mut(|decompressor| {
        decompressor.reset();
        inflate(decompressor)
    })
}

fn read_loose(objects: &Path, id: &ObjectId, max_size: u64) -> Loose {
    let hex = id.to_hex().to_string();
    let path = objects.join(&hex[..2]).join(&hex[2..]);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loose::Absent,
        Err(_) => return Loose::Unreadable,
    };
    let Some(len) = file.metadata().ok().map(|m| m.len()) else {
        return Loose::Unreadable;
    };
    if len > MOST_FILE_BYTES {
        return Loose::Unreadable;
    }
    // Sized from the start: a growing buffer read a 40 KiB session in 26 reads.
    let mut stored = Vec::with_capacity(len as usize + 1);
    let read = file.take(MOST_FILE_BYTES + 1).read_to_end(&mut stored);
    if read.is_err() || stored.is_empty() || stored.len() as u64 > MOST_FILE_BYTES {
        return Loose::Unreadable;
    }
    with_inflate(|inflate| inflated(inflate, &stored, max_size).unwrap_or(Loose::Unreadable))
}

/// The object a loose file holds, `stored` being the file; None where it does not read
/// cleanly. The header is inflated first: the size it states is checked against `max_size`,
/// and against what a file of this length can inflate to, before anything of that size is
/// allocated.
fn inflated(inflate: &mut gix::zlib::Inflate, stored: &[u8], max_size: u64) -> Option<Loose> {
    let mut start = [0u8; MOST_HEADER_BYTES];
    let (status, used, written) = inflate.prefix(stored, &mut start).ok()?;
    let (kind, size, header_len) = gix::objs::decode::loose_header(&start[..written]).ok()?;
    if size > max_size {
        return Some(Loose::Read(Lookup::TooLarge { kind, size }));
    }
    // Deflate turns one byte into at most 1,032: a larger stated size is a lie.
    if size > (stored.len() as u64).saturating_mul(MOST_INFLATION) {
        return None;
    }
    let size = usize::try_from(size).ok()?;
    let ended = status == gix::zlib::Status::StreamEnd;
    let begun = written.checked_sub(header_len)?;
    if begun > size || (ended && begun != size) {
        return None;
    }
    let mut data = Vec::new();
    data.try_reserve_exact(size).ok()?;
    if ended {
        data.extend_from_slice(&start[header_len..written]);
    } else if inflate
        .rest(
            &stored[used..],
            &start[..written],
            header_len,
            &mut data,
            size,
        )
        .ok()?
        != size
    {
        return None;
    }
    Some(Loose::Read(Lookup::Found(Found { kind, data })))
}

#[cfg(test)]
mod tests;
