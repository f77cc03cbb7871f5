//! The missions' counts per sprint, cached apart from the digest in chunks of sprints by id. A
//! project of 100,000 missions in 1,000 sprints had 12 KB of its 14 KB digest in these counts,
//! all encoded again by every write, which changes the counts of one or two sprints: now such
//! a write encodes the chunk those fall in and names the others' files as they were.

use std::collections::BTreeMap;

use super::chunks::{self, Held};
use super::objects::{Objects, Ref};
use crate::index::StatusCounts;

/// About this many sprints' counts share a chunk.
const COUNT_CHUNK: usize = 128;

/// The shelf of the chunks.
pub const SHELF: &str = "counts";

/// A chunk as the manifest names it: its file and how many sprints it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub file: Ref,
    pub sprints: u32,
}

const LISTED_SIZE: usize = Ref::SIZE + 4;

/// The manifest's list of chunks.
pub fn encode_list(chunks: &[Chunk]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunks.len() * LISTED_SIZE);
    for chunk in chunks {
        chunk.file.encode(&mut out);
        out.extend_from_slice(&chunk.sprints.to_le_bytes());
    }
    out
}

pub fn decode_list(bytes: &[u8]) -> Option<Vec<Chunk>> {
    if !bytes.len().is_multiple_of(LISTED_SIZE) {
        return None;
    }
    bytes
        .chunks(LISTED_SIZE)
        .map(|listed| {
            Some(Chunk {
                file: Ref::decode(&listed[..Ref::SIZE])?,
                sprints: u32::from_le_bytes(listed[Ref::SIZE..].try_into().ok()?),
            })
        })
        .collect()
}

/// The counts `chunks` hold, in one map; None when a chunk is missing or damaged, holds
/// another number of sprints than listed, or is out of id order (the cache is then rebuilt).
pub fn read(objects: &Objects, chunks: &[Chunk]) -> Option<BTreeMap<String, StatusCounts>> {
    let listed: usize = chunks.iter().map(|c| c.sprints as usize).sum();
    let mut all: Vec<(String, StatusCounts)> = Vec::with_capacity(listed.min(1 << 20));
    for chunk in chunks {
        let bytes = objects.read(SHELF, chunk.file)?;
        let counts: Vec<(String, StatusCounts)> = postcard::from_bytes(&bytes).ok()?;
        if counts.is_empty() || counts.len() != chunk.sprints as usize {
            return None;
        }
        for (id, n) in counts {
            // Ids strictly increasing, across the boundary with the chunk before too.
            if all
                .last()
                .is_some_and(|(last, _)| last.as_bytes() >= id.as_bytes())
            {
                return None;
            }
            all.push((id, n));
        }
    }
    // In order already: the map is built at once, not one insertion at a time.
    Some(all.into_iter().collect())
}

/// Writes `counts` in chunks split as in `base` (the chunks a write started from, with the
/// counts read from them): a chunk whose counts are all as they were keeps its file. The
/// chunks written or kept, in order; the files they stop naming are added to `replaced`.
pub fn write(
    objects: &Objects,
    counts: &BTreeMap<String, StatusCounts>,
    base: Option<(&[Chunk], &BTreeMap<String, StatusCounts>)>,
    replaced: &mut Vec<(String, Ref)>,
) -> Option<Vec<Chunk>> {
    let mut held = Vec::new();
    if let Some((chunks, was)) = base {
        let mut old = was.iter();
        for (c, chunk) in chunks.iter().enumerate() {
            let items: Vec<(&str, &StatusCounts)> = old
                .by_ref()
                .take(chunk.sprints as usize)
                .map(|(id, n)| (id.as_str(), n))
                .collect();
            let start = items.first().map(|(id, _)| *id);
            held.push(Held {
                start: (c > 0).then_some(start).flatten(),
                items,
                file: chunk.file,
            });
        }
    }
    let now = counts.iter().map(|(id, n)| (id.as_str(), (id.as_str(), n)));
    let files = chunks::rechunk(&held, now, COUNT_CHUNK, |piece| {
        objects.write(SHELF, &postcard::to_allocvec(piece).ok()?)
    })?;
    let written: Vec<Chunk> = files
        .into_iter()
        .map(|(sprints, file)| {
            Some(Chunk {
                file,
                sprints: u32::try_from(sprints).ok()?,
            })
        })
        .collect::<Option<_>>()?;
    for was in &held {
        if !written.iter().any(|c| c.file == was.file) {
            replaced.push((SHELF.to_string(), was.file));
        }
    }
    Some(written)
}

#[cfg(test)]
mod tests;
