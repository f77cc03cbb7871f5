//! One object a command reads, found without gix's object store: its loose file first, then
//! its place in a pack (`pack_lookup`).
//!
//! gix's store looks an object up in every pack before it looks for a loose file, and the
//! first lookup in a pack loads that pack's whole index. A write reads records and trees it or
//! another write just stored, which are loose: at 100,000 missions, loading the index on the
//! way to such a file cost 0.7 million instructions of `mission complete`'s 11.5 million. A
//! loose file is read here by gix's own loose-object reader, which opens that one file.
//! Whatever this cannot read cleanly is left to gix, which reads it as before and reports
//! what is wrong.

use std::path::Path;

use gix::ObjectId;
use gix::odb::loose;

use super::pack_lookup::{self, Found, Lookup};

/// Object `id` from the loose files or packs of `objects` (a repository's objects directory),
/// None when the caller should ask gix. `max_size` bounds what is allocated.
pub fn find(objects: &Path, hash: gix::hash::Kind, id: &ObjectId, max_size: u64) -> Option<Lookup> {
    match read_loose(objects, hash, id, max_size) {
        Loose::Read(lookup) => Some(lookup),
        Loose::Absent => pack_lookup::find(objects, hash, id, max_size),
        Loose::Unreadable => None,
    }
}

enum Loose {
    Read(Lookup),
    /// No loose file of that id.
    Absent,
    /// A loose file that does not read cleanly.
    Unreadable,
}

fn read_loose(objects: &Path, hash: gix::hash::Kind, id: &ObjectId, max_size: u64) -> Loose {
    let store = loose::Store::at(objects, hash);
    // The header is inflated alone first: the size it states is checked before anything of
    // that size is allocated (a small file can inflate to gigabytes).
    let (size, kind) = match store.try_header(id) {
        Ok(Some(header)) => header,
        Ok(None) => return Loose::Absent,
        Err(_) => return Loose::Unreadable,
    };
    if size > max_size {
        return Loose::Read(Lookup::TooLarge { kind, size });
    }
    let mut data = Vec::new();
    let read = store.try_find(id, &mut data);
    match read.map(|object| object.map(|o| (o.kind, o.data.len() as u64))) {
        Ok(Some(read)) if read == (kind, size) => Loose::Read(Lookup::Found(Found { kind, data })),
        // Gone since its header was read (packed and pruned meanwhile): look again elsewhere.
        Ok(None) => Loose::Absent,
        _ => Loose::Unreadable,
    }
}

#[cfg(test)]
mod tests;
