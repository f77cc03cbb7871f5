//! Records the cache keeps in chunks by id (the sprints, and the missions' counts per sprint):
//! each chunk holds a range of ids in order, so a write that changed a few records writes
//! again the chunks they fall in and keeps the files of the others.

use super::objects::Ref;

/// A chunk as a write found it: the id it starts at (none for the first), what it held, and
/// its file.
pub struct Held<'a, T> {
    pub start: Option<&'a str>,
    pub items: Vec<T>,
    pub file: Ref,
}

/// `now` (records in id order, each with its id) split as `held` was: a chunk that holds what
/// it held keeps its file, any other is written again by `write`, in pieces of `piece` once it
/// holds twice that, and a chunk left empty goes. The files in order, with how many records
/// each holds; None when a write failed.
pub fn rechunk<'n, T: PartialEq>(
    held: &[Held<'_, T>],
    now: impl IntoIterator<Item = (&'n str, T)>,
    piece: usize,
    mut write: impl FnMut(&[T]) -> Option<Ref>,
) -> Option<Vec<(usize, Ref)>> {
    let mut placed: Vec<Vec<T>> = (0..held.len().max(1)).map(|_| Vec::new()).collect();
    let mut chunk = 0;
    for (id, item) in now {
        // Chunk c holds the ids from its start (any, for the first) to the next one's.
        while held
            .get(chunk + 1)
            .and_then(|next| next.start)
            .is_some_and(|start| id >= start)
        {
            chunk += 1;
        }
        placed[chunk].push(item);
    }
    let mut files = Vec::with_capacity(placed.len());
    for (c, items) in placed.iter().enumerate() {
        if let Some(was) = held.get(c)
            && was.items == *items
        {
            files.push((items.len(), was.file));
            continue;
        }
        for part in pieces(items, piece) {
            files.push((part.len(), write(part)?));
        }
    }
    Some(files)
}

/// `items` in pieces of `piece` once they are twice that many, else whole; none when empty.
pub fn pieces<T>(items: &[T], piece: usize) -> Vec<&[T]> {
    match items.len() {
        0 => Vec::new(),
        n if n >= 2 * piece => items.chunks(piece).collect(),
        _ => vec![items],
    }
}
