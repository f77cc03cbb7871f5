//! The local caches of `verify`, beside the index cache under `<common-dir>/cmos/`:
//!
//! - `verified`: the index of the last tree verified (its meta records and every mission's
//!   summary) with the text problems of its mission files, each with the blob it was found
//!   in. The next verify builds its index from this one by the difference of the two trees
//!   (`load::index_checking`), so it reads only the mission files that changed since; a
//!   problem is carried over only while its file still holds that very blob. A blob or tree
//!   id names its content, so nothing stands for a file that changed.
//! - `verified-report`: the whole report (problems and warnings) of the last tree verified.
//!   The report is a function of the tree alone, so a verify of that same tree again (an
//!   unchanged branch) answers from it without reading the tree.
//! - `verified-logs` and `verified-sessions`: the problems of each log shard and of each
//!   session file, by path and blob: a file that did not change is not parsed again (a
//!   million events and twenty thousand sessions are most of a verify's work otherwise).
//!
//! The files are local and anyone with access to the repository can change them, so they are
//! checked before use (header, size, checksum, decoding) and ignored when anything is off.
//! Failing to read or write them is never an error: they only ever save work.
//!
//! Layout of each: a header line (its version and cmos's), an FNV-1a checksum of the rest
//! (8 bytes), then postcard's form of the record. `verified` keeps its missions as the index
//! cache's buckets (`cache::bucket`, the very bytes verify encoded for that cache): postcard's
//! form of the tree, meta records, text problems, number of missions and the buckets' sizes,
//! then the buckets.

use std::path::{Path, PathBuf};

use gix::ObjectId;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::FileProblem;
use crate::index::{Index, Meta};
use crate::model::fnv1a_words as checksum;
use crate::store::cache::bucket;

/// Changed whenever a stored shape changes (`MissionEntry` and `Meta` included); a file with
/// another header is ignored.
const HEADER: &str = concat!(
    "cmos verified missions 4 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);
const REPORT_HEADER: &str = concat!(
    "cmos verified report 2 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);
const FILES_HEADER: &str = concat!(
    "cmos verified files 2 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

/// A cache file larger than this is not read (a few million missions).
const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// The index of the last tree verified, and the text problems of its mission files.
pub struct Verified {
    pub tree: ObjectId,
    pub index: Index,
    /// (the blob the problem was found in, the problem).
    pub text: Vec<(ObjectId, FileProblem)>,
}

/// The problems and warnings of one tree.
pub type Report = (Vec<FileProblem>, Vec<FileProblem>);

/// The problems of each file of a kind (log shards, sessions), as (path, blob, problems).
pub type Files = Vec<(String, ObjectId, Vec<FileProblem>)>;

/// The kinds of files whose problems are kept by path and blob.
#[derive(Clone, Copy)]
pub enum Kind {
    Logs,
    Sessions,
}

/// The caches of the repository whose index cache is `index_cache`: beside it.
pub struct Paths {
    missions: PathBuf,
    report: PathBuf,
    logs: PathBuf,
    sessions: PathBuf,
}

impl Paths {
    pub fn beside(index_cache: &Path) -> Paths {
        Paths {
            missions: index_cache.with_file_name("verified"),
            report: index_cache.with_file_name("verified-report"),
            logs: index_cache.with_file_name("verified-logs"),
            sessions: index_cache.with_file_name("verified-sessions"),
        }
    }

    /// The index last verified, if the cache is usable.
    pub fn missions(&self) -> Option<Verified> {
        type Head = (Vec<u8>, Vec<u8>, Vec<(Vec<u8>, FileProblem)>, u32, Vec<u32>);
        let body = read_body(&self.missions, HEADER)?;
        let ((tree, meta, text, count, sizes), mut rest): (Head, &[u8]) =
            postcard::take_from_bytes(&body).ok()?;
        let meta: Meta = serde_json::from_slice(&meta).ok()?;
        // Room for the missions the file says it holds, within reason: it is local, and
        // anyone with access to it can change it (a mission takes more than eight bytes).
        let room = (count as usize).min(rest.len() / 8).min(1 << 22);
        let mut missions =
            crate::index::Missions::with_capacity_and_hasher(room, Default::default());
        for size in sizes {
            let (bucket, after) = rest.split_at_checked(usize::try_from(size).ok()?)?;
            for entry in bucket::summaries_of(bucket)? {
                let entry = entry?;
                missions.insert(entry.id.clone(), entry);
            }
            rest = after;
        }
        if !rest.is_empty() {
            return None;
        }
        let text = text
            .into_iter()
            .map(|(blob, problem)| Some((ObjectId::try_from(&blob[..]).ok()?, problem)))
            .collect::<Option<_>>()?;
        Some(Verified {
            tree: ObjectId::try_from(&tree[..]).ok()?,
            index: Index { meta, missions },
            text,
        })
    }

    /// Replaces the cache with `tree`'s: its meta records, its `missions` missions as the
    /// index cache's `buckets` (every one, in order) and the text problems of its files.
    pub fn save_missions(
        &self,
        tree: ObjectId,
        meta: &Meta,
        missions: usize,
        buckets: &[&[u8]],
        text: &[(ObjectId, FileProblem)],
    ) {
        // The meta records as JSON: postcard cannot carry their free-form fields.
        let Ok(meta) = serde_json::to_vec(meta) else {
            return;
        };
        let text: Vec<(&[u8], &FileProblem)> =
            text.iter().map(|(b, p)| (b.as_bytes(), p)).collect();
        let Ok(sizes) = (buckets.iter())
            .map(|b| u32::try_from(b.len()))
            .collect::<Result<Vec<u32>, _>>()
        else {
            return;
        };
        let room = buckets.iter().map(|b| b.len()).sum::<usize>()
            + meta.len()
            + text.len() * 128
            + sizes.len() * 5;
        let Ok(count) = u32::try_from(missions) else {
            return;
        };
        let head = (tree.as_bytes(), meta, text, count, sizes);
        let Ok(mut body) = postcard::to_extend(&head, Vec::with_capacity(room)) else {
            return;
        };
        for bucket in buckets {
            body.extend_from_slice(bucket);
        }
        write_body(&self.missions, HEADER, &body);
    }

    /// The report of `tree`, if it is the one last verified.
    pub fn report(&self, tree: ObjectId) -> Option<Report> {
        let (stored, report): (Vec<u8>, Report) = read(&self.report, REPORT_HEADER)?;
        (stored == tree.as_bytes()).then_some(report)
    }

    pub fn save_report(&self, tree: ObjectId, report: &Report) {
        let hint = (report.0.len() + report.1.len()) * 128;
        write(
            &self.report,
            REPORT_HEADER,
            &(tree.as_bytes(), report),
            hint,
        );
    }

    fn files_path(&self, kind: Kind) -> &Path {
        match kind {
            Kind::Logs => &self.logs,
            Kind::Sessions => &self.sessions,
        }
    }

    /// The problems of the files of `kind` last verified (none when there is no usable cache).
    pub fn files(&self, kind: Kind) -> Files {
        type Stored = Vec<(String, Vec<u8>, Vec<FileProblem>)>;
        read::<Stored>(self.files_path(kind), FILES_HEADER)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(path, blob, problems)| {
                Some((path, ObjectId::try_from(&blob[..]).ok()?, problems))
            })
            .collect()
    }

    pub fn save_files(&self, kind: Kind, files: &Files) {
        let stored: Vec<(&str, &[u8], &Vec<FileProblem>)> = files
            .iter()
            .map(|(path, blob, problems)| (path.as_str(), blob.as_bytes(), problems))
            .collect();
        let hint = stored.len() * 64;
        write(self.files_path(kind), FILES_HEADER, &stored, hint);
    }
}

fn read<T: DeserializeOwned>(path: &Path, header: &str) -> Option<T> {
    postcard::from_bytes(&read_body(path, header)?).ok()
}

/// What follows the header and checksum of the file at `path`, if both are right.
fn read_body(path: &Path, header: &str) -> Option<Vec<u8>> {
    if std::fs::metadata(path).ok()?.len() > MAX_BYTES {
        return None;
    }
    let mut bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(header.as_bytes())?;
    let (sum, rest) = body.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*sum) != checksum(rest) {
        return None;
    }
    bytes.drain(..header.len() + 8);
    Some(bytes)
}

/// Replaces the file at `path` with `value`, atomically.
fn write<T: Serialize>(path: &Path, header: &str, value: &T, size_hint: usize) {
    // Room made up front: grown from nothing, a large record was copied into fresh memory a
    // dozen times.
    if let Ok(body) = postcard::to_extend(value, Vec::with_capacity(size_hint)) {
        write_body(path, header, &body);
    }
}

/// Replaces the file at `path` with `header`, the checksum of `body`, and `body`.
fn write_body(path: &Path, header: &str, body: &[u8]) {
    let sum = checksum(body);
    let _ = crate::store::local::replace_with(path, |out| {
        out.write_all(header.as_bytes())?;
        out.write_all(&sum.to_le_bytes())?;
        out.write_all(body)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::MissionEntry;
    use crate::model::{DepType, Status};

    /// A scratch directory, the caches in it, a tree id and an index of `ids`.
    fn setup(ids: &[&str]) -> (tempfile::TempDir, Paths, ObjectId, Index) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::beside(&dir.path().join("index"));
        let mut index = Index::default();
        for id in ids {
            index.upsert_mission(entry(id));
        }
        (
            dir,
            paths,
            ObjectId::empty_tree(gix::hash::Kind::Sha1),
            index,
        )
    }

    /// Saves `index` as verify does: its buckets as the index cache encodes them.
    fn save(paths: &Paths, tree: ObjectId, index: &Index, text: &[(ObjectId, FileProblem)]) {
        let encoded = crate::store::cache::encode_index(index, None).unwrap();
        let buckets = encoded.every_bucket().unwrap();
        paths.save_missions(tree, &index.meta, index.missions.len(), &buckets, text);
    }

    fn entry(id: &str) -> MissionEntry {
        MissionEntry {
            id: id.into(),
            created: 7,
            name: format!("Mission {id}"),
            status: Status::Queued,
            sprint: None,
            rank: None,
            depends: Vec::new(),
            blocked_reason: None,
            awaiting_review: false,
            needs_human: false,
            decided: false,
        }
    }

    fn problem(path: &str) -> FileProblem {
        FileProblem {
            path: path.into(),
            line: Some(2),
            column: Some(1),
            message: "bad".into(),
        }
    }

    #[test]
    fn the_index_and_its_problems_come_back() {
        let (_dir, paths, tree, index) = setup(&["B1"]);
        let blob = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        save(&paths, tree, &index, &[(blob, problem("a"))]);
        let cached = paths.missions().unwrap();
        assert_eq!(cached.tree, tree);
        assert_eq!(cached.index.missions["B1"].name, "Mission B1");
        assert_eq!(cached.text, vec![(blob, problem("a"))]);
    }

    /// Missions spread over many buckets, linked across them, come back as they were.
    #[test]
    fn an_index_of_many_buckets_comes_back_whole() {
        let (_dir, paths, tree, mut index) = setup(&[]);
        for i in 0..1_000 {
            let mut m = entry(&format!("M{i}"));
            m.depends = vec![(format!("M{}", i / 2), DepType::Requires)];
            m.sprint = (i % 3 == 0).then(|| format!("S{}", i % 7));
            index.upsert_mission(m);
        }
        let encoded = crate::store::cache::encode_index(&index, None).unwrap();
        assert!(encoded.every_bucket().unwrap().len() > 10);
        save(&paths, tree, &index, &[]);
        assert_eq!(paths.missions().unwrap().index.missions, index.missions);
    }

    /// A file whose checksum is right but whose buckets are not what the sizes say, or do
    /// not decode, is ignored.
    #[test]
    fn buckets_that_do_not_add_up_or_decode_are_ignored() {
        let (dir, paths, tree, index) = setup(&["B1"]);
        let encoded = crate::store::cache::encode_index(&index, None).unwrap();
        let bucket = encoded.every_bucket().unwrap()[0].to_vec();
        let text: Vec<(&[u8], &FileProblem)> = Vec::new();
        let meta = serde_json::to_vec(&index.meta).unwrap();
        let body = |sizes: Vec<u32>, buckets: &[u8]| {
            let head = (tree.as_bytes(), &meta, &text, 1u32, sizes);
            let mut body = postcard::to_allocvec(&head).unwrap();
            body.extend_from_slice(buckets);
            body
        };
        let len = bucket.len() as u32;
        let mut garbage = bucket.clone();
        garbage[0] = 0xff;
        for (sizes, buckets) in [
            (vec![len + 1], bucket.clone()),
            (vec![len - 1], bucket.clone()),
            (vec![len, 0], bucket.clone()),
            (vec![], bucket.clone()),
            (vec![u32::MAX], bucket.clone()),
            (vec![len], garbage),
        ] {
            write_body(&dir.path().join("verified"), HEADER, &body(sizes, &buckets));
            assert!(paths.missions().is_none());
        }
        write_body(
            &dir.path().join("verified"),
            HEADER,
            &body(vec![len], &bucket),
        );
        assert_eq!(paths.missions().unwrap().index.missions, index.missions);
    }

    /// The checksum changes with any one word, any byte of the tail, and the length.
    #[test]
    fn the_checksum_sees_a_changed_word_a_changed_tail_and_a_cut() {
        let bytes: Vec<u8> = (0..203u32).map(|n| (n * 37 % 251) as u8).collect();
        let sum = checksum(&bytes);
        for at in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut changed = bytes.clone();
                changed[at] ^= bit;
                assert_ne!(checksum(&changed), sum, "a flip at {at}");
            }
        }
        for len in 0..bytes.len() {
            assert_ne!(checksum(&bytes[..len]), sum, "cut to {len}");
        }
        let mut zeros = vec![0u8; 16];
        let zero_sum = checksum(&zeros);
        zeros.push(0);
        assert_ne!(checksum(&zeros), zero_sum, "a zero byte more");
    }

    #[test]
    fn a_report_is_given_only_for_its_own_tree() {
        let (_dir, paths, tree, _) = setup(&[]);
        let other = ObjectId::empty_blob(gix::hash::Kind::Sha1);
        paths.save_report(tree, &(vec![problem("a")], Vec::new()));
        assert_eq!(paths.report(tree).unwrap().0, vec![problem("a")]);
        assert!(paths.report(other).is_none());
    }

    proptest::proptest! {
        /// Any body under a right checksum (the file is local: anyone with access can write
        /// it) is read or ignored, never a panic, and never more missions than it has bytes.
        #[test]
        fn any_checksummed_body_is_read_or_ignored(
            cut in 0usize..400,
            flips in proptest::collection::vec((0usize..400, 1u8..=255), 0..4),
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let (dir, paths, tree, mut index) = setup(&["B1", "B2"]);
            index.missions.get_mut("B2").unwrap().depends = vec![("B1".into(), DepType::Blocks)];
            save(&paths, tree, &index, &[]);
            let path = dir.path().join("verified");
            let good = std::fs::read(&path).unwrap();
            let mut body = good[HEADER.len() + 8..].to_vec();
            body.truncate(cut.min(body.len()));
            for (at, bits) in flips {
                if let Some(byte) = body.get_mut(at) {
                    *byte ^= bits;
                }
            }
            body.extend(junk);
            write_body(&path, HEADER, &body);
            if let Some(read) = paths.missions() {
                proptest::prop_assert!(read.index.missions.len() <= body.len());
            }
        }
    }

    #[test]
    fn a_flipped_bit_truncation_or_other_header_is_ignored() {
        let (dir, paths, tree, index) = setup(&["B1"]);
        save(&paths, tree, &index, &[]);
        let path = dir.path().join("verified");
        let good = std::fs::read(&path).unwrap();
        for at in [HEADER.len() + 2, good.len() - 3, good.len() / 2] {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(paths.missions().is_none(), "a flip at {at} went unseen");
        }
        std::fs::write(&path, &good[..good.len() - 1]).unwrap();
        assert!(paths.missions().is_none());
        std::fs::write(&path, b"cmos verified missions 1\n").unwrap();
        assert!(paths.missions().is_none());
        // A file of the last format (the summaries one after the other) is not read as this.
        let mut older = good.clone();
        older.splice(
            ..HEADER.len(),
            HEADER.replace("missions 4", "missions 3").into_bytes(),
        );
        std::fs::write(&path, &older).unwrap();
        assert!(paths.missions().is_none());
    }
}
