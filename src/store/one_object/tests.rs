//! Loose files read as gix reads them, the packs asked after them, and damaged or oversized
//! loose files left to gix or reported by their size.

use std::path::{Path, PathBuf};

use super::*;
use crate::store::tests::{git, repository};

fn objects(dir: &Path) -> PathBuf {
    dir.join(".git/objects")
}

fn found(dir: &Path, id: &ObjectId, max_size: u64) -> Option<Lookup> {
    find(&objects(dir), gix::hash::Kind::Sha1, id, max_size)
}

fn loose_file(dir: &Path, id: &ObjectId) -> PathBuf {
    loose_file_in(&objects(dir), id)
}

#[test]
fn loose_and_packed_objects_read_as_gix_reads_them() {
    let (dir, packed, loose) = repository(30, true);
    let repo = gix::open(dir.path()).unwrap();
    // A tree and a commit of git's own, loose: every kind, compressed as git compresses.
    std::fs::write(dir.path().join("file"), "content\n").unwrap();
    git(dir.path(), &["add", "file"], "");
    git(
        dir.path(),
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "commit",
            "-qm",
            "one",
        ],
        "",
    );
    let commit = repo.head_id().unwrap().detach();
    let tree = repo
        .find_commit(commit)
        .unwrap()
        .tree_id()
        .unwrap()
        .detach();
    let mut ids: Vec<ObjectId> = packed.clone();
    ids.extend(loose);
    ids.extend([commit, tree]);
    for id in &ids {
        let Some(Lookup::Found(object)) = found(dir.path(), id, u64::MAX) else {
            panic!("{id} not found");
        };
        let expected = repo.find_object(*id).unwrap();
        assert_eq!(object.kind, expected.kind, "{id}");
        assert_eq!(object.data, expected.data, "{id}");
    }
    assert!(loose_file(dir.path(), &loose[0]).exists());
    assert!(!loose_file(dir.path(), &packed[0]).exists());
}

#[test]
fn a_loose_object_over_the_limit_is_reported_by_its_size_and_an_unknown_one_is_not_found() {
    let (dir, _, loose) = repository(4, true);
    let Some(Lookup::TooLarge { kind, size }) = found(dir.path(), &loose[0], 3) else {
        panic!("a blob over the limit is reported by its size");
    };
    assert_eq!(
        (kind, size),
        (gix::object::Kind::Blob, "loose b".len() as u64)
    );
    let unknown = ObjectId::from_hex(b"0123456789abcdef0123456789abcdef01234567").unwrap();
    assert!(found(dir.path(), &unknown, u64::MAX).is_none());
}

#[test]
fn a_damaged_loose_file_is_left_to_gix() {
    let (dir, _, loose) = repository(2, true);
    let file = loose_file(dir.path(), &loose[0]);
    let whole = std::fs::read(&file).unwrap();
    let wrong_size = stored_zlib(b"blob 99\0short");
    // A tree is read with no size limit: a stated size no file this small inflates to is
    // not believed (nothing of that size is allocated).
    let huge = stored_zlib(b"tree 1000000000000\0short");
    for damaged in [
        whole[..whole.len() / 2].to_vec(),
        Vec::new(),
        b"not zlib at all".to_vec(),
        wrong_size,
        huge,
    ] {
        make_writable(&file);
        std::fs::write(&file, &damaged).unwrap();
        assert!(
            found(dir.path(), &loose[0], u64::MAX).is_none(),
            "{damaged:?}"
        );
    }
}

fn make_writable(file: &Path) {
    let mut permissions = std::fs::metadata(file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(file, permissions).unwrap();
}

/// `bytes` in one stored (uncompressed) zlib block.
fn stored_zlib(bytes: &[u8]) -> Vec<u8> {
    let len = bytes.len() as u16;
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend(len.to_le_bytes());
    out.extend((!len).to_le_bytes());
    out.extend(bytes);
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

proptest::proptest! {
    /// Any file where a loose object belongs, a real one changed anywhere or plain noise:
    /// read without a panic, and what is read is what its header states, within the limit.
    #[test]
    fn any_loose_file_reads_cleanly_or_not_at_all(
        noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        at in 0usize..400,
        byte in proptest::prelude::any::<u8>(),
        limit in 0u64..64,
        compressed in proptest::prelude::any::<bool>(),
    ) {
        let text = b"blob 40\0id = \"M1\"\nname = \"forty bytes of record\"\n";
        let mut file = match compressed {
            true => deflated(text),
            false => stored_zlib(text),
        };
        let len = file.len();
        file[at % len] = byte;
        for stored in [file, noise] {
            let mut inflate = gix::zlib::Inflate::default();
            match inflated(&mut inflate, &stored, limit) {
                Some(Loose::Read(Lookup::Found(found))) => {
                    proptest::prop_assert!(found.data.len() as u64 <= limit);
                }
                Some(Loose::Read(Lookup::TooLarge { size, .. })) => {
                    proptest::prop_assert!(size > limit);
                }
                Some(_) | None => {}
            }
        }
    }
}

/// `bytes` deflated as git deflates a loose object.
fn deflated(bytes: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let repo = gix::init_bare(dir.path()).unwrap();
    let nul = bytes.iter().position(|b| *b == 0).unwrap();
    let id = repo.write_blob(&bytes[nul + 1..]).unwrap().detach();
    std::fs::read(loose_file_in(&dir.path().join("objects"), &id)).unwrap()
}

fn loose_file_in(objects: &Path, id: &ObjectId) -> PathBuf {
    let hex = id.to_hex().to_string();
    objects.join(&hex[..2]).join(&hex[2..])
}
