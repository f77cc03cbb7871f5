//! Counts per sprint through their chunks: read back as written, one chunk written again for a
//! change, and a damaged or disordered chunk refused.

use super::*;
use crate::model::Status;

fn counts(sprints: usize, queued: usize) -> BTreeMap<String, StatusCounts> {
    (0..sprints)
        .map(|i| {
            let mut n = StatusCounts::default();
            for _ in 0..queued + i % 3 {
                n.add(Status::Queued);
            }
            n.add(Status::Completed);
            (format!("s{i:04}"), n)
        })
        .collect()
}

/// An empty cache directory.
fn shelves() -> (tempfile::TempDir, Objects) {
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::new(dir.path());
    (dir, objects)
}

fn written(
    objects: &Objects,
    now: &BTreeMap<String, StatusCounts>,
    base: Option<(&[Chunk], &BTreeMap<String, StatusCounts>)>,
) -> (Vec<Chunk>, Vec<(String, Ref)>) {
    let mut replaced = Vec::new();
    let chunks = write(objects, now, base, &mut replaced).expect("written");
    (chunks, replaced)
}

#[test]
fn counts_read_back_as_written_in_chunks_of_about_128_sprints() {
    let (_dir, objects) = shelves();
    for sprints in [0, 1, 255, 256, 1000] {
        let all = counts(sprints, 2);
        let (chunks, _) = written(&objects, &all, None);
        let expected = match sprints {
            0 => 0,
            n if n < 256 => 1,
            n => n.div_ceil(COUNT_CHUNK),
        };
        assert_eq!(chunks.len(), expected, "{sprints} sprints");
        assert_eq!(read(&objects, &chunks).unwrap(), all);
        assert_eq!(decode_list(&encode_list(&chunks)).unwrap(), chunks);
    }
}

#[test]
fn a_change_to_one_sprint_writes_its_chunk_again_and_keeps_the_others() {
    let (_dir, objects) = shelves();
    let before = counts(1000, 2);
    let (chunks, _) = written(&objects, &before, None);
    let mut after = before.clone();
    after.get_mut("s0500").unwrap().add(Status::Blocked);
    let (again, replaced) = written(&objects, &after, Some((&chunks, &before)));
    assert_eq!(again.len(), chunks.len());
    let differing: Vec<usize> = (0..chunks.len())
        .filter(|c| chunks[*c] != again[*c])
        .collect();
    assert_eq!(differing, vec![500 / COUNT_CHUNK]);
    assert_eq!(
        replaced,
        vec![(SHELF.to_string(), chunks[500 / COUNT_CHUNK].file)]
    );
    assert_eq!(read(&objects, &again).unwrap(), after);
    // A sprint added (its first missions) and one gone (its last): their chunks alone.
    let mut grown = after.clone();
    grown.insert("s0129x".into(), StatusCounts::default());
    grown.remove("s0900");
    let (third, _) = written(&objects, &grown, Some((&again, &after)));
    let differing: Vec<usize> = (0..third.len())
        .filter(|c| third[*c] != again[*c])
        .collect();
    assert_eq!(differing, vec![1, 900 / COUNT_CHUNK]);
    assert_eq!(read(&objects, &third).unwrap(), grown);
    // Unchanged, nothing is written again.
    let (same, replaced) = written(&objects, &grown, Some((&third, &grown)));
    assert_eq!((same, replaced.len()), (third, 0));
}

#[test]
fn a_chunk_that_grows_to_twice_its_size_is_split() {
    let (_dir, objects) = shelves();
    let small = counts(10, 1);
    let (chunks, _) = written(&objects, &small, None);
    assert_eq!(chunks.len(), 1);
    let big = counts(300, 1);
    let (grown, _) = written(&objects, &big, Some((&chunks, &small)));
    assert_eq!(
        grown.iter().map(|c| c.sprints).collect::<Vec<_>>(),
        vec![128, 128, 44]
    );
    assert_eq!(read(&objects, &grown).unwrap(), big);
    let (none, replaced) = written(&objects, &BTreeMap::new(), Some((&grown, &big)));
    assert!(none.is_empty());
    assert_eq!(replaced.len(), 3);
}

#[test]
fn a_missing_damaged_miscounted_or_disordered_chunk_is_refused() {
    let (dir, objects) = shelves();
    let all = counts(300, 1);
    let (chunks, _) = written(&objects, &all, None);
    assert!(read(&objects, &chunks).is_some());
    let mut miscounted = chunks.clone();
    miscounted[1].sprints += 1;
    assert!(read(&objects, &miscounted).is_none(), "miscounted");
    let mut swapped = chunks.clone();
    swapped.swap(0, 1);
    assert!(read(&objects, &swapped).is_none(), "out of id order");
    let mut twice = chunks.clone();
    twice[1] = twice[0];
    assert!(read(&objects, &twice).is_none(), "the same ids twice");
    let path = dir.path().join(SHELF).join(chunks[2].file.name());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 1);
    bytes.push(0xff);
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    assert!(read(&objects, &chunks).is_none(), "damaged");
    std::fs::remove_file(&path).unwrap();
    assert!(read(&objects, &chunks).is_none(), "missing");
    assert!(decode_list(&[0u8; LISTED_SIZE + 1]).is_none());
}
