//! The one-object lookup against gix's reads of the same objects, on packs git made.

use super::*;
use crate::store::tests::repository;

fn objects(dir: &Path) -> PathBuf {
    dir.join(".git/objects")
}

fn found(dir: &Path, id: &ObjectId, max_size: u64) -> Option<Lookup> {
    find(&objects(dir), gix::hash::Kind::Sha1, id, max_size)
}

#[test]
fn packed_objects_read_as_gix_reads_them_whether_deltas_name_their_base_by_place_or_id() {
    for offsets in [true, false] {
        let (dir, packed, _) = repository(120, offsets);
        let repo = gix::open(dir.path()).unwrap();
        for id in &packed {
            let Some(Lookup::Found(object)) = found(dir.path(), id, u64::MAX) else {
                panic!("{id} not found (offsets: {offsets})");
            };
            assert_eq!(object.kind, gix::object::Kind::Blob);
            assert_eq!(object.data, repo.find_object(*id).unwrap().data, "{id}");
        }
    }
}

#[test]
fn objects_in_no_pack_are_left_to_the_caller_and_a_large_one_is_not_read() {
    let (dir, packed, loose) = repository(40, true);
    assert!(
        found(dir.path(), &loose[0], u64::MAX).is_none(),
        "loose only"
    );
    let unknown = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
    assert!(
        found(dir.path(), &unknown, u64::MAX).is_none(),
        "in no pack"
    );
    let Some(Lookup::TooLarge { kind, size }) = found(dir.path(), &packed[39], 10) else {
        panic!("a blob over the limit is reported by its size");
    };
    assert_eq!(kind, gix::object::Kind::Blob);
    let repo = gix::open(dir.path()).unwrap();
    assert_eq!(
        size,
        repo.find_object(packed[39]).unwrap().data.len() as u64
    );
}

#[test]
fn past_its_share_of_lookups_a_process_leaves_the_rest_to_gix_and_closes_its_files() {
    let (dir, packed, _) = repository(8, true);
    for _ in 0..MOST_LOOKUPS {
        assert!(found(dir.path(), &packed[0], u64::MAX).is_some());
    }
    let pack_dir = objects(dir.path()).join("pack");
    #[cfg(target_os = "linux")]
    assert_eq!(
        held_files_in(&pack_dir),
        2,
        "the index is open, the pack mapped"
    );
    assert!(found(dir.path(), &packed[0], u64::MAX).is_none());
    assert!(found(dir.path(), &packed[1], u64::MAX).is_none());
    #[cfg(target_os = "linux")]
    assert_eq!(held_files_in(&pack_dir), 0, "spent, the files are let go");
}

/// How many of this process's open or mapped files are in `dir`.
#[cfg(target_os = "linux")]
fn held_files_in(dir: &Path) -> usize {
    let dir = dir.canonicalize().unwrap();
    let open = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .count();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut mapped: Vec<&str> = maps
        .lines()
        .filter_map(|line| line.split_once('/').map(|(_, path)| path))
        .filter(|path| Path::new("/").join(path).starts_with(&dir))
        .collect();
    mapped.dedup();
    open + mapped.len()
}

#[test]
fn a_damaged_index_is_not_used() {
    let (dir, packed, _) = repository(40, true);
    let pack_dir = objects(dir.path()).join("pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let good = std::fs::read(&idx).unwrap();
    assert!(Index::open(&idx, gix::hash::Kind::Sha1).is_some());
    let damaged = |name: &str, bytes: Vec<u8>| {
        let path = pack_dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Index::open(&path, gix::hash::Kind::Sha1)
    };
    let mut signature = good.clone();
    signature[1] = b'x';
    assert!(damaged("signature.idx", signature).is_none());
    let mut version = good.clone();
    version[7] = 3;
    assert!(damaged("version.idx", version).is_none());
    let mut fan_out = good.clone();
    // The count of ids starting with 0x00 above every later count.
    fan_out[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(damaged("fan-out.idx", fan_out).is_none());
    assert!(damaged("short.idx", good[..good.len() - 41].to_vec()).is_none());
    assert!(damaged("empty.idx", Vec::new()).is_none());

    // An index whose offsets point past its pack reads nothing rather than wrong bytes.
    let index = Index::open(&idx, gix::hash::Kind::Sha1).unwrap();
    let mut wild = good.clone();
    let offsets_at = (IDS_AT + index.objects * (index.hash_len + 4)) as usize;
    for n in 0..index.objects as usize {
        wild[offsets_at + n * 4..][..4].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    }
    std::fs::write(&idx, wild).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let copy = fresh.path().join(".git/objects/pack");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&pack_dir).unwrap().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("pack-") {
            std::fs::copy(entry.path(), copy.join(name)).unwrap();
        }
    }
    assert!(found(fresh.path(), &packed[3], u64::MAX).is_none());
}
