//! Reading many blobs straight from their packs, each pack entry inflated once.
//!
//! git stores most blobs of a pack as deltas against another blob, in chains a few deltas
//! long, with each base written before its deltas. Read one by one through gix, a delta whose
//! base is a whole object inflates that base again every time (gix caches only rebuilt
//! deltas), and a base read by another thread, or read long ago, is rebuilt too: a first
//! verify of 100,000 missions inflated 186,000 pack entries for 100,000 blobs. Here the
//! chains of all the wanted blobs are laid out first, every entry in them is inflated once,
//! in pack order, and a rebuilt object is kept only until its last delta is applied. Each
//! thread takes whole chains (all deltas of one base), so no thread waits for another's.
//!
//! Whatever this reader does not follow exactly, it leaves to the ordinary read, which reads
//! it (or reports what is wrong with it) as before: blobs not in a pack here (loose, in an
//! alternate, in memory), a base named by id, an object that is not a blob, one over
//! `MAX_BLOB_BYTES`, an entry that does not inflate, a delta that does not apply.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use gix::ObjectId;
use gix::odb::pack::data::{self, entry::Header};
use gix::odb::pack::index;

use super::load::MAX_BLOB_BYTES;

/// The most packs looked at: far more than a repository keeps between two `gc`s.
const MAX_PACKS: usize = 256;
/// Below this many blobs, opening the packs costs more than the single inflates save.
const MIN_ITEMS: usize = 256;
/// A pack's index is scanned, not searched, when it lists at most this many objects per
/// wanted blob.
const SCAN_RATIO: usize = 4;

/// The maps here are keyed by places in this repository's own pack and by item numbers, not
/// by anything the branch chooses: a multiply hashes them well enough, where SipHash took a
/// tenth of a first verify's instructions.
type NumberMap<K, V> = HashMap<K, V, BuildHasherDefault<NumberHasher>>;

#[derive(Default)]
struct NumberHasher(u64);

impl Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        // The high bits (which hashbrown tags entries with) folded into the low ones (which
        // pick the bucket).
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// The wanted blobs of one pack, each with where it lies in the pack.
pub(super) struct Packed<In> {
    /// Where a delta that names its base by id finds it.
    index: index::File,
    pack: data::File,
    wanted: Vec<(u64, In)>,
}

/// Splits `items` into those whose blob (`id_of`) lies in one of this repository's packs,
/// grouped by pack (each in pack order), and the rest, in the order they came.
pub(super) fn plan<In>(
    repo: &gix::Repository,
    items: Vec<In>,
    id_of: impl Fn(&In) -> ObjectId,
) -> (Vec<Packed<In>>, Vec<In>) {
    if items.len() < MIN_ITEMS {
        return (Vec::new(), items);
    }
    let mut packs: Vec<Packed<In>> = packs(repo.objects.store_ref().path(), repo.object_hash())
        .into_iter()
        .map(|(index, pack)| Packed {
            index,
            pack,
            wanted: Vec::new(),
        })
        .collect();
    let rest = place(&mut packs, items, id_of);
    packs.retain(|p| !p.wanted.is_empty());
    (packs, rest)
}

/// Puts each item in the first pack that holds its blob; returns those in none. A pack whose
/// index lists at most `SCAN_RATIO` times as many objects as there are items left is scanned
/// once (a first verify wants nearly every object of the branch's pack, and a lookup is a
/// binary search each); a larger one (a project's own history) is searched item by item.
fn place<In>(packs: &mut [Packed<In>], items: Vec<In>, id_of: impl Fn(&In) -> ObjectId) -> Vec<In> {
    let mut waiting: Vec<Option<In>> = items.into_iter().map(Some).collect();
    for Packed { index, wanted, .. } in packs.iter_mut() {
        // Room for every item at once: collected step by step, the list was copied as it
        // grew, each time into memory touched for the first time.
        let mut left: Vec<(usize, ObjectId)> = Vec::with_capacity(waiting.len());
        left.extend(
            (waiting.iter().enumerate()).filter_map(|(i, item)| Some((i, id_of(item.as_ref()?)))),
        );
        if left.is_empty() {
            break;
        }
        let found = find_in(index, &left);
        // In pack order, as `chains` lays them out: sorted here as pairs of numbers, each item
        // is moved once (sorted there, 100,000 items of 56 bytes were moved 17 times each).
        let last = found.iter().map(|&(_, at)| at).max().unwrap_or(0);
        let found = spread_sort(&found, last, |&(_, at)| at);
        wanted.reserve(found.len());
        for (i, at) in found {
            if let Some(item) = waiting[i].take() {
                wanted.push((at, item));
            }
        }
    }
    waiting.into_iter().flatten().collect()
}

/// Where in the pack of `index` each of the `wanted` blobs (item number and id) lies, for
/// those it holds.
fn find_in(index: &index::File, wanted: &[(usize, ObjectId)]) -> Vec<(usize, u64)> {
    let look_up = |&(i, id): &(usize, ObjectId)| {
        let n = index.lookup(id)?;
        Some((i, index.pack_offset_at_index(n)))
    };
    if index.num_objects() as usize > wanted.len().saturating_mul(SCAN_RATIO) {
        return wanted.iter().filter_map(look_up).collect();
    }
    // The index lists its objects by id: walked beside the wanted blobs sorted the same way,
    // each is met once (a blob wanted twice, twice in a row).
    let mut next = in_id_order(wanted).into_iter().peekable();
    let mut found = Vec::with_capacity(wanted.len());
    for entry in index.iter() {
        while next.next_if(|(_, id)| *id < entry.oid).is_some() {}
        while let Some((i, _)) = next.next_if(|(_, id)| *id == entry.oid) {
            found.push((i, entry.pack_offset));
        }
        if next.peek().is_none() {
            break;
        }
    }
    found
}

/// `wanted` sorted by id. By the first eight bytes of each id as a number, and only ties by
/// whole ids: comparing 20-byte ids throughout was most of a first verify's work before its
/// threads start.
fn in_id_order(wanted: &[(usize, ObjectId)]) -> Vec<(usize, ObjectId)> {
    let prefixes: Vec<(u64, usize)> = (wanted.iter().enumerate())
        .map(|(at, (_, id))| (id_prefix(id), at))
        .collect();
    let mut by_id = spread_sort(&prefixes, u64::MAX, |&(prefix, _)| prefix);
    for tied in by_id
        .chunk_by_mut(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        tied.sort_unstable_by_key(|&(_, at)| wanted[at].1);
    }
    by_id.into_iter().map(|(_, at)| wanted[at]).collect()
}

/// `items` sorted by `key`, a number spread about evenly from 0 to `max` (pack offsets, the
/// first bytes of ids): counted into stretches of about one item each, placed, and each
/// stretch sorted on its own. A comparison sort of 100,000 pairs took some 300 instructions
/// an item, most of the time before the threads start; keys that crowd into a few stretches
/// only bring that back.
fn spread_sort<T: Copy>(items: &[T], max: u64, key: impl Fn(&T) -> u64) -> Vec<T> {
    let shift = stretch_shift(max, items.len());
    let stretch = |item: &T| usize::try_from(key(item) >> shift).unwrap_or(usize::MAX);
    let count = usize::try_from(max >> shift)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    // Where each stretch begins in the output; one more at the end.
    let mut starts = vec![0usize; count + 1];
    for item in items {
        // A key over `max` counts in the last stretch (and so still comes out sorted).
        starts[stretch(item).min(count - 1) + 1] += 1;
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut sorted = items.to_vec();
    let mut next = starts.clone();
    for item in items {
        let at = &mut next[stretch(item).min(count - 1)];
        sorted[*at] = *item;
        *at += 1;
    }
    for bounds in starts.windows(2) {
        sorted[bounds[0]..bounds[1]].sort_unstable_by_key(&key);
    }
    sorted
}

/// How far to shift numbers from 0 to `max` so that they fall into at most about twice
/// `items` stretches of equal length (a power of two): the fewest bits that do.
fn stretch_shift(max: u64, items: usize) -> u32 {
    let stretches = items.next_power_of_two() as u64;
    (u64::BITS - max.leading_zeros())
        .saturating_sub(stretches.trailing_zeros())
        .min(u64::BITS - 1)
}

/// The first eight bytes of an id, as a number that orders as the ids do.
fn id_prefix(id: &ObjectId) -> u64 {
    let bytes = id.as_bytes();
    let mut first = [0u8; 8];
    let len = bytes.len().min(8);
    first[..len].copy_from_slice(&bytes[..len]);
    u64::from_be_bytes(first)
}

/// The packs of `objects/pack` whose index and data both open, with their indexes.
fn packs(objects: &Path, hash: gix::hash::Kind) -> Vec<(index::File, data::File)> {
    let Ok(entries) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    // The order between packs only decides which copy of an object packed twice is read.
    paths.sort();
    paths.truncate(MAX_PACKS);
    paths
        .iter()
        .filter_map(|p| {
            let index = index::File::at(p, hash).ok()?;
            let pack = data::File::at(p.with_extension("pack"), hash).ok()?;
            // A pack that does not match its index would place objects wrongly.
            (pack.num_objects() == index.num_objects()).then_some((index, pack))
        })
        .collect()
}

/// One pack entry in the chains of the wanted blobs.
struct Node {
    offset: u64,
    /// The entry this one is a delta against (None: a whole object, or a base this reader
    /// does not follow, which `base_known` tells apart).
    base: Option<u64>,
    /// Where the base is in the list of nodes `chains` returns (its place in pack order).
    base_place: Option<usize>,
    base_known: bool,
    /// How many entries in the chains are deltas against this one.
    deltas: u32,
}

/// What a pack entry's header says it is built from.
#[derive(Clone, Copy)]
enum Link {
    /// A whole blob.
    Whole,
    /// A delta against the entry at this offset, which lies before it.
    Delta(u64),
    /// Anything this reader leaves to the ordinary read: another kind of object, a base
    /// after the entry or not in this pack, a header that does not decode.
    Unknown,
}

impl Link {
    fn of(index: &index::File, pack: &data::File, at: u64) -> Link {
        let Ok(entry) = pack.entry(at) else {
            return Link::Unknown;
        };
        let base = match entry.header {
            Header::Blob => return Link::Whole,
            Header::OfsDelta { base_distance } => entry.checked_base_pack_offset(base_distance),
            Header::RefDelta { base_id } => {
                (index.lookup(base_id)).map(|n| index.pack_offset_at_index(n))
            }
            _ => None,
        };
        match base {
            // git writes a base before its deltas; one after it is not followed (and so no
            // chain can loop).
            Some(base) if base < at => Link::Delta(base),
            _ => Link::Unknown,
        }
    }

    fn base(self) -> Option<u64> {
        match self {
            Link::Delta(base) => Some(base),
            Link::Whole | Link::Unknown => None,
        }
    }
}

/// Where each offset of a sorted list lies in it. A table gives, for each stretch of the pack
/// of about one entry's length, where its entries begin in the list, so a lookup reads two
/// places: a hash map of 100,000 offsets, and nodes found through it, were read in random
/// order, and waiting on memory was most of the laying out of a first verify's chains.
struct Places<'a> {
    offsets: &'a [u64],
    /// log2 of a stretch's length in bytes.
    shift: u32,
    /// Where the offsets of stretch k begin; one more at the end.
    starts: Vec<u32>,
}

impl<'a> Places<'a> {
    fn of(offsets: &'a [u64]) -> Places<'a> {
        debug_assert!(offsets.is_sorted());
        let last = offsets.last().copied().unwrap_or(0);
        let shift = stretch_shift(last, offsets.len());
        let count = usize::try_from(last >> shift).unwrap_or(usize::MAX) + 1;
        let mut starts = Vec::with_capacity(count + 1);
        for (place, offset) in offsets.iter().enumerate() {
            let stretch = usize::try_from(offset >> shift).unwrap_or(usize::MAX);
            while starts.len() <= stretch {
                starts.push(place as u32);
            }
        }
        starts.resize(count + 1, offsets.len() as u32);
        Places {
            offsets,
            shift,
            starts,
        }
    }

    fn place(&self, offset: u64) -> Option<usize> {
        let stretch = usize::try_from(offset >> self.shift).ok()?;
        let from = *self.starts.get(stretch)? as usize;
        let to = *self.starts.get(stretch + 1)? as usize;
        // A binary search, should many entries share a stretch (a pack of a few huge blobs
        // and many small ones).
        let within = self.offsets[from..to].binary_search(&offset).ok()?;
        Some(from + within)
    }
}

/// A piece of the work: its entries in pack order, and the wanted items among them with
/// their offsets, in the same order.
type Piece<In> = (Vec<Node>, Vec<(u64, In)>);

/// The work is cut into this many pieces per thread, taken by whichever thread is free: split
/// once into a share per thread, balanced by number of entries, the thread that also takes
/// every result finished a fifth later than its helper, and with 8 pieces a thread, the last
/// piece (3,000 records at 100,000) still left one thread working alone for 20 to 30 ms.
const PIECES_PER_THREAD: usize = 32;

/// Reads every wanted blob of `packed` on up to `threads` threads, handing each to `parse`
/// with its item, and what `parse` made to `take` on this thread. Returns the items this
/// reader left to the ordinary read.
pub(super) fn read<In, Out>(
    packed: Packed<In>,
    threads: usize,
    parse: &(impl Fn(In, &[u8]) -> Out + Sync),
    mut take: impl FnMut(Out),
) -> Vec<In>
where
    In: Send,
    Out: Send,
{
    let Packed {
        index,
        pack,
        mut wanted,
    } = packed;
    let threads = threads.max(1);
    let nodes = chains(&index, &pack, &mut wanted);
    let pieces = share(nodes, wanted, threads * PIECES_PER_THREAD);
    let mut left = Vec::new();
    let pack = &pack;
    let Ok(()) = super::pipeline::on_threads(
        &pack,
        pieces,
        1,
        threads - 1,
        || Some(pack),
        |pack, (nodes, items)| Ok::<_, std::convert::Infallible>(decode(pack, nodes, items, parse)),
        |(outs, l): (Vec<Out>, Vec<In>)| {
            outs.into_iter().for_each(&mut take);
            left.extend(l);
        },
    );
    left
}

/// The entries of every wanted blob's delta chain, each once, in pack order; `wanted` is put
/// in pack order on the way (so its items come in the order of their nodes).
fn chains<In>(index: &index::File, pack: &data::File, wanted: &mut [(u64, In)]) -> Vec<Node> {
    // `place` put them so already; a sorted list is only read through.
    wanted.sort_unstable_by_key(|&(offset, _)| offset);
    let mut offsets: Vec<u64> = wanted.iter().map(|&(offset, _)| offset).collect();
    offsets.dedup();
    // Read in pack order, the entries' headers are read as the pack lies.
    let mut links: Vec<Link> = (offsets.iter())
        .map(|&at| Link::of(index, pack, at))
        .collect();
    // Bases no wanted blob is, and their own bases in turn, until every chain ends at a
    // whole blob or at an entry already met. Few in a branch's pack; each met once.
    let mut more: NumberMap<u64, Link> = NumberMap::default();
    {
        let places = Places::of(&offsets);
        let mut missing: Vec<u64> = (links.iter())
            .filter_map(|link| link.base())
            .filter(|&base| places.place(base).is_none())
            .collect();
        while let Some(at) = missing.pop() {
            if more.contains_key(&at) {
                continue;
            }
            let link = Link::of(index, pack, at);
            more.insert(at, link);
            missing.extend(
                link.base()
                    .filter(|&base| places.place(base).is_none() && !more.contains_key(&base)),
            );
        }
    }
    if !more.is_empty() {
        let mut more: Vec<(u64, Link)> = more.into_iter().collect();
        more.sort_unstable_by_key(|&(offset, _)| offset);
        (offsets, links) = merge(&offsets, &links, &more);
    }
    let places = Places::of(&offsets);
    let base_places: Vec<Option<usize>> = (links.iter())
        .map(|link| link.base().and_then(|base| places.place(base)))
        .collect();
    let mut deltas = vec![0u32; offsets.len()];
    for &base in base_places.iter().flatten() {
        deltas[base] += 1;
    }
    (offsets.iter().zip(links).zip(base_places).zip(deltas))
        .map(|(((&offset, link), base_place), deltas)| Node {
            offset,
            base: link.base(),
            base_place,
            base_known: !matches!(link, Link::Unknown),
            deltas,
        })
        .collect()
}

/// Two lists of entries, each in pack order and with no offset in both, merged in pack order.
fn merge(offsets: &[u64], links: &[Link], more: &[(u64, Link)]) -> (Vec<u64>, Vec<Link>) {
    let len = offsets.len() + more.len();
    let (mut all_offsets, mut all_links) = (Vec::with_capacity(len), Vec::with_capacity(len));
    let mut more = more.iter().peekable();
    for (&offset, &link) in offsets.iter().zip(links) {
        while let Some(&(at, extra)) = more.next_if(|(at, _)| *at < offset) {
            all_offsets.push(at);
            all_links.push(extra);
        }
        all_offsets.push(offset);
        all_links.push(link);
    }
    for &(at, extra) in more {
        all_offsets.push(at);
        all_links.push(extra);
    }
    (all_offsets, all_links)
}

/// Splits the nodes (in pack order) into at most `pieces` pieces of whole chains (a base
/// with every delta that depends on it), balanced by number of entries, each in pack order,
/// largest first, with the wanted items (in pack order) of their nodes.
fn share<In>(nodes: Vec<Node>, wanted: Vec<(u64, In)>, pieces: usize) -> Vec<Piece<In>> {
    let pieces = pieces.max(1);
    // Bases come before their deltas, so each entry's chain root (by its place in `nodes`) is
    // known when it is met.
    let mut root_of: Vec<usize> = Vec::with_capacity(nodes.len());
    let mut size_of: Vec<usize> = vec![0; nodes.len()];
    for (place, node) in nodes.iter().enumerate() {
        let root = (node.base_place)
            .filter(|&base| base < place)
            .map_or(place, |base| root_of[base]);
        root_of.push(root);
        size_of[root] += 1;
    }
    // Each chain goes to the piece with the fewest entries so far, largest chains first (ties
    // in pack order).
    let mut roots: Vec<usize> = (0..nodes.len()).filter(|&p| root_of[p] == p).collect();
    roots.sort_unstable_by_key(|&root| (Reverse(size_of[root]), root));
    // The pieces by load, lightest on top (ties: the first piece): a scan of every piece for
    // each chain was a tenth of the laying out at 100,000 blobs, most chains being one entry.
    let mut lightest: BinaryHeap<Reverse<(usize, usize)>> =
        (0..pieces).map(|piece| Reverse((0, piece))).collect();
    let mut load = vec![0usize; pieces];
    let mut piece_of: Vec<usize> = vec![0; nodes.len()];
    for root in roots {
        let Some(Reverse((_, piece))) = lightest.pop() else {
            break;
        };
        load[piece] += size_of[root];
        piece_of[root] = piece;
        lightest.push(Reverse((load[piece], piece)));
    }
    // About one wanted item a node (bases no one wants are few).
    let mut shares: Vec<Piece<In>> = (load.iter())
        .map(|&n| (Vec::with_capacity(n), Vec::with_capacity(n)))
        .collect();
    let mut wanted = wanted.into_iter().peekable();
    for (place, node) in nodes.into_iter().enumerate() {
        let (nodes, items) = &mut shares[piece_of[root_of[place]]];
        // Every wanted offset is a node's, so none is passed over here.
        while let Some(item) = wanted.next_if(|(offset, _)| *offset <= node.offset) {
            items.push(item);
        }
        nodes.push(node);
    }
    shares.retain(|(nodes, _)| !nodes.is_empty());
    // The largest first, so that the last piece taken is a small one.
    shares.sort_by_key(|(nodes, _)| Reverse(nodes.len()));
    shares
}

/// Inflates the nodes of one share in pack order, rebuilding deltas from the bases kept for
/// them, and parses each wanted blob. Returns what was parsed and the items left to the
/// ordinary read.
fn decode<In, Out>(
    pack: &data::File,
    nodes: Vec<Node>,
    items: Vec<(u64, In)>,
    parse: &impl Fn(In, &[u8]) -> Out,
) -> (Vec<Out>, Vec<In>) {
    let mut outs = Vec::with_capacity(items.len());
    // The items come in the order of the nodes that are their blobs (`share` laid them out so).
    let mut items = items.into_iter().peekable();
    let mut left = Vec::new();
    let mut inflate = gix::zlib::Inflate::default();
    let mut delta = Vec::new();
    // Rebuilt objects some delta still needs, with how many deltas still need them.
    let mut kept: NumberMap<u64, (Vec<u8>, u32)> = NumberMap::default();
    for node in nodes {
        let object = match (node.base, node.base_known) {
            (Some(base), _) => kept.get(&base).and_then(|(bytes, _)| {
                inflate_object(pack, node.offset, Some(bytes), &mut inflate, &mut delta)
            }),
            (None, true) => inflate_object(pack, node.offset, None, &mut inflate, &mut delta),
            (None, false) => None,
        };
        // A base is dropped as soon as its last delta is rebuilt.
        if let Some(base) = node.base
            && let Some((_, waiting)) = kept.get_mut(&base)
        {
            *waiting -= 1;
            if *waiting == 0 {
                kept.remove(&base);
            }
        }
        let wanted = std::iter::from_fn(|| {
            (items.next_if(|(offset, _)| *offset == node.offset)).map(|(_, item)| item)
        });
        match object {
            Some(bytes) => {
                outs.extend(wanted.map(|item| parse(item, &bytes)));
                if node.deltas > 0 {
                    kept.insert(node.offset, (bytes, node.deltas));
                }
            }
            None => left.extend(wanted),
        }
    }
    // None, as laid out; any other is read the ordinary way rather than lost.
    left.extend(items.map(|(_, item)| item));
    (outs, left)
}

/// The object at `offset`: a whole blob inflated, or a delta inflated into `delta` and
/// applied to `base`. None for anything this reader leaves to the ordinary read.
fn inflate_object(
    pack: &data::File,
    offset: u64,
    base: Option<&[u8]>,
    inflate: &mut gix::zlib::Inflate,
    delta: &mut Vec<u8>,
) -> Option<Vec<u8>> {
    let entry = pack.entry(offset).ok()?;
    let size = usize::try_from(entry.decompressed_size)
        .ok()
        .filter(|size| *size as u64 <= MAX_BLOB_BYTES)?;
    let input = pack.entry_slice(entry.data_offset..pack.pack_end() as u64)?;
    match base {
        None => {
            let mut bytes = Vec::new();
            inflate_exactly(input, size, inflate, &mut bytes)?;
            Some(bytes)
        }
        Some(base) => {
            inflate_exactly(input, size, inflate, delta)?;
            apply_delta(base, delta)
        }
    }
}

/// zlib-rs decodes with its fast loop only while this much room is left in the output: an
/// output of exactly the entry's size would take its last 260 bytes (the whole of most
/// records and deltas) through the slow one.
const INFLATE_ROOM: usize = 260;

/// Inflates the zlib stream at the start of `input` into `out`, which it must fill exactly
/// (`size` bytes, the entry header's word); None for a stream that ends short of it, runs
/// past it, or does not inflate.
fn inflate_exactly(
    input: &[u8],
    size: usize,
    inflate: &mut gix::zlib::Inflate,
    out: &mut Vec<u8>,
) -> Option<()> {
    out.clear();
    out.resize(size + INFLATE_ROOM, 0);
    inflate.reset();
    let (status, _, written) = inflate.once(input, out).ok()?;
    (status == gix::zlib::Status::StreamEnd && written == size).then(|| out.truncate(size))
}

/// Rebuilds an object from its base and a git delta: the base's size and the result's
/// (variable-length numbers), then instructions that copy a range of the base (high bit set;
/// the low seven bits say which offset and size bytes follow) or insert the next 1 to 127
/// bytes of the delta.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut rest = delta;
    let base_size = varint(&mut rest)?;
    let size = varint(&mut rest)?;
    if base_size != base.len() as u64 || size > MAX_BLOB_BYTES {
        return None;
    }
    let size = usize::try_from(size).ok()?;
    let mut out = Vec::with_capacity(size);
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op {
            0 => return None,
            1..=0x7f => {
                let (bytes, tail) = rest.split_at_checked(usize::from(op))?;
                out.extend_from_slice(bytes);
                rest = tail;
            }
            _ => {
                let from = little_endian(op, 0, 4, &mut rest)?;
                let len = match little_endian(op, 4, 3, &mut rest)? {
                    0 => 0x10000,
                    len => len,
                };
                out.extend_from_slice(base.get(from..from.checked_add(len)?)?);
            }
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(out)
}

/// A delta's size: seven bits a byte, least significant first, while the high bit is set.
fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, tail) = bytes.split_first()?;
        *bytes = tail;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A copy instruction's offset (`count` 4, from bit 0) or size (`count` 3, from bit 4): byte
/// `n` of the number follows when bit `first + n` of `op` is set.
fn little_endian(op: u8, first: u32, count: u32, bytes: &mut &[u8]) -> Option<usize> {
    let mut value = 0usize;
    for n in 0..count {
        if op & (1 << (first + n)) != 0 {
            let (&byte, tail) = bytes.split_first()?;
            *bytes = tail;
            value |= usize::from(byte) << (8 * n);
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests;
