//! The pack reader against gix's reads of the same objects, on packs git made.

use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::store::tests::repository;

/// Every blob as gix reads it.
fn through_gix(repo: &gix::Repository, ids: &[ObjectId]) -> Vec<(ObjectId, Vec<u8>)> {
    let mut all: Vec<_> = ids
        .iter()
        .map(|id| (*id, repo.find_object(*id).unwrap().data.clone()))
        .collect();
    all.sort();
    all
}

/// `items` planned and read by the pack reader on `threads` threads, all from one pack and
/// none left to the ordinary read: each blob read, and the items in no pack.
fn read_packed(
    repo: &gix::Repository,
    items: &[ObjectId],
    threads: usize,
) -> (Vec<(ObjectId, Vec<u8>)>, Vec<ObjectId>) {
    let (packs, rest) = plan(repo, items.to_vec(), |id| *id);
    assert_eq!(packs.len(), 1);
    let mut got = Vec::new();
    let left = read(
        packs.into_iter().next().unwrap(),
        threads,
        &|id, bytes| (id, bytes.to_vec()),
        |read| got.push(read),
    );
    assert!(left.is_empty(), "{} left on {threads} threads", left.len());
    (got, rest)
}

/// The chains of `items`, all in one pack, and the wanted items as `chains` left them; checks
/// that the nodes are in pack order and each delta is told where its base is among them.
fn laid_out(repo: &gix::Repository, items: &[ObjectId]) -> (Vec<Node>, Vec<(u64, ObjectId)>) {
    let (packs, _) = plan(repo, items.to_vec(), |id| *id);
    let Packed {
        index,
        pack,
        mut wanted,
    } = packs.into_iter().next().unwrap();
    let nodes = chains(&index, &pack, &mut wanted);
    assert!(nodes.windows(2).all(|w| w[0].offset < w[1].offset));
    for node in &nodes {
        let base = node.base_place.map(|place| nodes[place].offset);
        assert_eq!(base, node.base, "the base of the entry at {}", node.offset);
    }
    (nodes, wanted)
}

#[test]
fn every_packed_blob_reads_as_gix_reads_it_on_any_number_of_threads() {
    every_packed_blob_reads_as_gix_reads_it(true);
    every_packed_blob_reads_as_gix_reads_it(false);
}

fn every_packed_blob_reads_as_gix_reads_it(offsets: bool) {
    let (dir, packed, loose) = repository(MIN_ITEMS * 2, offsets);
    let repo = gix::open(dir.path()).unwrap();
    let mut items: Vec<ObjectId> = loose.iter().chain(&packed).copied().collect();
    // The same blob wanted twice is read once and handed to both.
    items.push(packed[7]);
    let want = through_gix(&repo, &items);
    let deltas = {
        let (nodes, wanted) = laid_out(&repo, &items);
        // Each node told how many deltas are made against it; the wanted blobs in the same
        // order, each a node's.
        assert!(wanted.is_sorted_by_key(|(offset, _)| *offset));
        for node in &nodes {
            let deltas = nodes.iter().filter(|n| n.base == Some(node.offset)).count();
            assert_eq!(node.deltas as usize, deltas, "at {}", node.offset);
        }
        for (offset, _) in wanted.iter() {
            assert!(nodes.iter().any(|n| n.offset == *offset), "{offset}");
        }
        nodes.iter().filter(|n| n.base.is_some()).count()
    };
    assert!(
        deltas > MIN_ITEMS,
        "git stored most blobs as deltas ({deltas})"
    );
    for threads in [1, 2, 5] {
        let (mut got, rest) = read_packed(&repo, &items, threads);
        assert_eq!(rest, loose, "the loose blobs are left, in their order");
        got.extend(
            loose
                .iter()
                .map(|id| (*id, repo.find_object(*id).unwrap().data.clone())),
        );
        got.sort();
        assert_eq!(got, want, "on {threads} threads");
    }
}

/// A pack far larger than the blobs wanted (a project's own history) is searched blob by
/// blob instead of scanned; the blobs are placed the same either way, a blob wanted twice too.
#[test]
fn blobs_are_placed_alike_whether_the_pack_is_scanned_or_searched() {
    let (dir, packed, loose) = repository(MIN_ITEMS * SCAN_RATIO * 2, true);
    let repo = gix::open(dir.path()).unwrap();
    for wanted in [MIN_ITEMS, packed.len()] {
        let mut items: Vec<ObjectId> = packed
            .iter()
            .rev()
            .step_by(packed.len() / wanted)
            .copied()
            .collect();
        items.push(items[3]);
        items.push(loose[0]);
        let (packs, rest) = plan(&repo, items.clone(), |id| *id);
        assert_eq!(rest, vec![loose[0]], "{wanted} wanted");
        let Packed {
            index,
            wanted: placed,
            ..
        } = packs.into_iter().next().unwrap();
        assert_eq!(placed.len(), items.len() - 1, "{wanted} wanted");
        for (at, id) in placed {
            let n = index.lookup(id).unwrap();
            assert_eq!(at, index.pack_offset_at_index(n), "{id} of {wanted} wanted");
        }
    }
}

/// A few blobs wanted from a larger pack: the chains reach bases no one wants, and bases of
/// those, which are laid out and rebuilt too; every wanted blob reads as gix reads it.
#[test]
fn bases_no_one_wants_are_followed() {
    let (dir, packed, _) = repository(MIN_ITEMS * 8, true);
    let repo = gix::open(dir.path()).unwrap();
    let items: Vec<ObjectId> = packed.iter().step_by(7).copied().collect();
    let want = through_gix(&repo, &items);
    let (nodes, wanted) = laid_out(&repo, &items);
    let unwanted = (nodes.iter())
        .filter(|n| !wanted.iter().any(|(offset, _)| *offset == n.offset))
        .count();
    assert!(unwanted > 0, "bases no one wants: {unwanted}");
    for threads in [1, 2] {
        let (mut got, rest) = read_packed(&repo, &items, threads);
        assert!(rest.is_empty());
        got.sort();
        assert_eq!(got, want, "on {threads} threads");
    }
}

#[test]
fn a_few_blobs_are_left_to_the_ordinary_read() {
    let (dir, packed, _) = repository(MIN_ITEMS * 2, true);
    let repo = gix::open(dir.path()).unwrap();
    let few: Vec<ObjectId> = packed[..MIN_ITEMS - 1].to_vec();
    let (packs, rest) = plan(&repo, few.clone(), |id| *id);
    assert!(packs.is_empty());
    assert_eq!(rest, few);
}

#[test]
fn a_damaged_pack_never_hands_over_wrong_bytes() {
    let (dir, packed, _) = repository(MIN_ITEMS * 2, true);
    let pack_path = std::fs::read_dir(dir.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let want = through_gix(&gix::open(dir.path()).unwrap(), &packed);
    let mut bytes = std::fs::read(&pack_path).unwrap();
    // Flip bytes all through the entries (not the 12-byte header): inflates fail, deltas
    // point wrong, sizes lie.
    for at in (40..bytes.len() - 20).step_by(97) {
        bytes[at] ^= 0x5a;
    }
    std::fs::set_permissions(&pack_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&pack_path, &bytes).unwrap();
    let repo = gix::open(dir.path()).unwrap();
    let (packs, _) = plan(&repo, packed.clone(), |id| *id);
    let mut got = Vec::new();
    let left = read(
        packs.into_iter().next().unwrap(),
        2,
        &|id, bytes| (id, bytes.to_vec()),
        |read| got.push(read),
    );
    assert!(!left.is_empty(), "damage was noticed");
    assert_eq!(got.len() + left.len(), packed.len());
    for (id, bytes) in got {
        let (_, expected) = want.iter().find(|(w, _)| *w == id).unwrap();
        assert_eq!(&bytes, expected, "{id} read wrong from a damaged pack");
    }
}

#[test]
fn deltas_rebuild_and_bad_ones_are_refused() {
    let base = b"0123456789abcdef";
    // base 16, result 9: copy 4 bytes from offset 2, insert "xyz", copy 2 from offset 14.
    let delta = [16, 9, 0x91, 2, 4, 3, b'x', b'y', b'z', 0x91, 14, 2];
    assert_eq!(
        apply_delta(base, &delta).as_deref(),
        Some(&b"2345xyzef"[..])
    );
    // A copy of size 0 means 65,536 bytes.
    let big = vec![7u8; 0x10000];
    let whole = [0x80, 0x80, 0x04, 0x80, 0x80, 0x04, 0x80];
    assert_eq!(apply_delta(&big, &whole), Some(big.clone()));
    for bad in [
        &[15, 9, 0x91, 2, 4, 3, b'x', b'y', b'z', 0x91, 14, 2][..], // wrong base size
        &[16, 10, 0x91, 2, 4, 3, b'x', b'y', b'z', 0x91, 14, 2],    // wrong result size
        &[16, 9, 0x91, 2, 4, 3, b'x', b'y'],                        // insert cut short
        &[16, 4, 0x91, 14, 4],                                      // copy past the base
        &[16, 4, 0x91],                                             // copy cut short
        &[16, 1, 0],                                                // reserved op
        &[16, 3, 0x91, 0, 4],                                       // longer than it says
        &[16],                                                      // no result size
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], // size too long
    ] {
        assert_eq!(apply_delta(base, bad), None, "{bad:?}");
    }
    let over = [16, 0x80, 0x80, 0x80, 0x80, 0x01];
    assert_eq!(
        apply_delta(base, &over),
        None,
        "a result over MAX_BLOB_BYTES"
    );
}

/// An entry's stream must fill exactly the size its header gives, even with room to spare
/// in the output: a stream that runs past it, ends short of it, or is cut is refused.
#[test]
fn an_entry_inflates_only_to_exactly_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let repo = gix::init(dir.path()).unwrap();
    let long = "a record line\n".repeat(100);
    for content in ["", "short", long.as_str()] {
        // A loose object is one zlib stream, as a pack entry is.
        let hex = repo
            .write_blob(content)
            .unwrap()
            .detach()
            .to_hex()
            .to_string();
        let path = format!(".git/objects/{}/{}", &hex[..2], &hex[2..]);
        let stream = std::fs::read(dir.path().join(path)).unwrap();
        let whole = format!("blob {}\0{content}", content.len());
        // In a pack the next entry follows.
        let mut input = stream.clone();
        input.extend_from_slice(b"the next entry");
        let mut inflate = gix::zlib::Inflate::default();
        let mut out = Vec::new();
        let mut inflated = |input: &[u8], size: usize| {
            inflate_exactly(input, size, &mut inflate, &mut out).map(|()| out.clone())
        };
        assert_eq!(
            inflated(&input, whole.len()),
            Some(whole.clone().into_bytes())
        );
        assert_eq!(inflated(&input, whole.len() - 1), None, "runs past");
        assert_eq!(inflated(&input, whole.len() + 1), None, "ends short");
        assert_eq!(
            inflated(&stream[..stream.len() / 2], whole.len()),
            None,
            "cut"
        );
        assert_eq!(inflated(b"not zlib at all", whole.len()), None);
    }
}

/// Ids that share their first eight bytes (which real ids seldom do) are still put in whole
/// id order, and a blob wanted twice stays twice.
#[test]
fn wanted_blobs_are_put_in_id_order_when_their_first_bytes_tie() {
    let id = |first: u8, last: u8| {
        let mut bytes = [first; 20];
        bytes[19] = last;
        ObjectId::from_bytes_or_panic(&bytes)
    };
    let wanted = vec![
        (0, id(7, 9)),
        (1, id(3, 0)),
        (2, id(7, 1)),
        (3, id(255, 0)),
        (4, id(7, 5)),
        (5, id(7, 1)),
        (6, id(0, 255)),
    ];
    let mut expected = wanted.clone();
    expected.sort_by_key(|&(i, id)| (id, i));
    let mut sorted = in_id_order(&wanted);
    // Two items of one blob may come in either order.
    sorted.sort_by_key(|&(i, id)| (id, i));
    assert_eq!(
        in_id_order(&wanted).iter().map(|w| w.1).collect::<Vec<_>>(),
        expected.iter().map(|w| w.1).collect::<Vec<_>>()
    );
    assert_eq!(sorted, expected);
}

/// Chains of made-up nodes: `sizes[k]` entries in chain k, each a delta against the one
/// before it, the chains interleaved in pack order as git may write them.
fn made_up_chains(sizes: &[usize]) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut place_of = std::collections::HashMap::new();
    let longest = sizes.iter().copied().max().unwrap_or(0);
    for step in 0..longest {
        for (chain, &size) in sizes.iter().enumerate() {
            if step < size {
                let offset = (step * sizes.len() + chain) as u64 * 100 + 12;
                let base = (step > 0).then(|| ((step - 1) * sizes.len() + chain) as u64 * 100 + 12);
                let base_place = base.map(|base| place_of[&base]);
                place_of.insert(offset, nodes.len());
                nodes.push(Node {
                    offset,
                    base,
                    base_place,
                    base_known: true,
                    deltas: u32::from(step + 1 < size),
                });
            }
        }
    }
    nodes
}

#[test]
fn pieces_hold_whole_chains_in_pack_order_largest_first() {
    let sizes = [40, 1, 1, 7, 3, 3, 3, 12, 1, 30, 2, 2, 5, 9];
    let total: usize = sizes.iter().sum();
    for pieces in [1, 2, 5, 16, 100] {
        let nodes = made_up_chains(&sizes);
        // Every node wanted once, every seventh twice, in pack order.
        let wanted: Vec<(u64, u64)> = (nodes.iter().enumerate())
            .flat_map(|(place, n)| vec![(n.offset, n.offset); 1 + usize::from(place % 7 == 0)])
            .collect();
        let shared = share(nodes, wanted.clone(), pieces);
        assert!(shared.len() <= pieces.min(sizes.len()), "{pieces} pieces");
        assert_eq!(shared.iter().map(|(n, _)| n.len()).sum::<usize>(), total);
        // Every delta is in the piece of its base, after it; every wanted item in the piece of
        // its node, in the same order.
        for (piece, items) in &shared {
            assert!(piece.windows(2).all(|w| w[0].offset < w[1].offset));
            for node in piece {
                if let Some(base) = node.base {
                    assert!(piece.iter().any(|n| n.offset == base), "{pieces} pieces");
                }
            }
            let of_nodes: Vec<(u64, u64)> = (wanted.iter())
                .filter(|(offset, _)| piece.iter().any(|n| n.offset == *offset))
                .copied()
                .collect();
            assert_eq!(items, &of_nodes, "{pieces} pieces");
        }
        assert_eq!(
            shared.iter().map(|(_, i)| i.len()).sum::<usize>(),
            wanted.len()
        );
        assert!(shared.windows(2).all(|w| w[0].0.len() >= w[1].0.len()));
        // Balanced as whole chains allow: here, no piece over the mean or the longest chain.
        let mean = total.div_ceil(shared.len());
        assert!(shared[0].0.len() <= mean.max(40), "{pieces} pieces");
        // Each chain, largest first, went to the piece with the fewest entries so far (the
        // first such piece on a tie): the loads are those of that rule worked out by hand.
        let mut chains = sizes.to_vec();
        chains.sort_by(|a, b| b.cmp(a));
        let mut load = vec![0usize; pieces];
        for size in chains {
            let lightest = (0..pieces).min_by_key(|&p| load[p]).unwrap_or(0);
            load[lightest] += size;
        }
        load.retain(|&n| n > 0);
        load.sort_by(|a, b| b.cmp(a));
        let loads: Vec<usize> = shared.iter().map(|(n, _)| n.len()).collect();
        assert_eq!(loads, load, "{pieces} pieces");
    }
}

/// Offsets are found by the table of stretches wherever they lie: spread evenly, crowded
/// into a few stretches, far apart, one, none; offsets not in the list are not found.
#[test]
fn places_are_found_for_every_offset_and_none_other() {
    let spread: Vec<u64> = (0..1000).map(|n| 12 + n * 37).collect();
    let crowded: Vec<u64> = (0..500)
        .map(|n| 12 + n)
        .chain([1 << 40, (1 << 40) + 1])
        .collect();
    let far: Vec<u64> = (0..64).map(|n| 1u64 << n).collect();
    for offsets in [
        spread,
        crowded,
        far,
        vec![12],
        vec![],
        vec![0, u64::MAX],
        vec![u64::MAX],
    ] {
        let places = Places::of(&offsets);
        for (place, &offset) in offsets.iter().enumerate() {
            assert_eq!(places.place(offset), Some(place), "{offset}");
            for near in [offset.wrapping_sub(1), offset.wrapping_add(1)] {
                assert_eq!(
                    places.place(near),
                    offsets.binary_search(&near).ok(),
                    "{near}"
                );
            }
        }
        assert_eq!(places.place(u64::MAX - 1), None);
    }
}

/// Sorting by a spread key gives what a comparison sort gives, whatever the keys: spread
/// evenly, all equal, crowded at one end, over the largest named, none, one.
#[test]
fn a_spread_sort_sorts_as_a_comparison_sort_does() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let even: Vec<(u64, u32)> = (0..5000).map(|n| (random(), n)).collect();
    let equal: Vec<(u64, u32)> = (0..300).map(|n| (77, n)).collect();
    let crowded: Vec<(u64, u32)> = (0..3000)
        .map(|n| (random() % 50 + u64::from(n % 2) * (1 << 40), n))
        .collect();
    let small: Vec<(u64, u32)> = (0..1000).map(|n| (random() % 1000, n)).collect();
    for (items, max) in [
        (even.clone(), u64::MAX),
        (equal, 77),
        (crowded, 1 << 40),
        (small.clone(), 999),
        // Keys over the largest named still come out sorted.
        (small, 10),
        (even, 1 << 20),
        (Vec::new(), 0),
        (vec![(u64::MAX, 1)], u64::MAX),
    ] {
        let mut expected = items.clone();
        expected.sort_by_key(|&(key, _)| key);
        let got = spread_sort(&items, max, |&(key, _)| key);
        let keys = |v: &[(u64, u32)]| v.iter().map(|&(k, _)| k).collect::<Vec<_>>();
        assert_eq!(keys(&got), keys(&expected), "max {max}");
        let mut got_all = got.clone();
        got_all.sort();
        let mut all = items.clone();
        all.sort();
        assert_eq!(got_all, all, "the same items, max {max}");
    }
}
