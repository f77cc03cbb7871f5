//! The index cache under `<common-dir>/cmos/`, keyed by the tree it was built from, so a
//! command reads one file instead of every record. Any failure just means a rebuild.
//!
//! Layout: a header line (format version), the tree id, then the small records (project,
//! sprints, problems) as JSON and the mission summaries in postcard's compact binary form.
//! Missions are most of the bytes and most of the load time, so they get the fast format;
//! the rest keeps JSON because it carries free-form TOML tables.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use crate::error::FileProblem;
use crate::index::{Index, MissionEntry};
use crate::model::{Format, Project, Sprint};

/// Changed whenever the cached shape changes; a cache with another header is ignored.
const HEADER: &str = concat!(
    "cmos index cache 2 (cmos ",
    env!("CARGO_PKG_VERSION"),
    ")\n"
);

#[derive(Serialize)]
struct MetaRef<'a> {
    format: &'a Option<Format>,
    project: &'a Option<Project>,
    sprints: &'a BTreeMap<String, Sprint>,
    problems: &'a BTreeMap<String, FileProblem>,
}

#[derive(Deserialize)]
struct Meta {
    format: Option<Format>,
    project: Option<Project>,
    sprints: BTreeMap<String, Sprint>,
    problems: BTreeMap<String, FileProblem>,
}

/// The cached index and the tree it describes, if a usable cache exists.
pub fn load(path: &Path) -> Option<(ObjectId, Index)> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(HEADER.as_bytes())?;
    let newline = rest.iter().position(|b| *b == b'\n')?;
    let tree = ObjectId::from_hex(&rest[..newline]).ok()?;
    let rest = &rest[newline + 1..];
    let meta_len = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?) as usize;
    let meta: Meta = serde_json::from_slice(rest.get(8..8 + meta_len)?).ok()?;
    let missions: Vec<MissionEntry> = postcard::from_bytes(rest.get(8 + meta_len..)?).ok()?;
    let mut by_id = HashMap::with_capacity(missions.len());
    for mission in missions {
        by_id.insert(mission.id.clone(), mission);
    }
    let index = Index {
        format: meta.format,
        project: meta.project,
        sprints: meta.sprints,
        missions: by_id,
        problems: meta.problems,
    };
    Some((tree, index))
}

/// Replaces the cache atomically. Failing to cache is not an error: the next command rebuilds.
pub fn save(path: &Path, tree: ObjectId, index: &Index) {
    let meta = MetaRef {
        format: &index.format,
        project: &index.project,
        sprints: &index.sprints,
        problems: &index.problems,
    };
    let Ok(meta) = serde_json::to_vec(&meta) else {
        return;
    };
    let missions: Vec<&MissionEntry> = index.missions.values().collect();
    let Ok(missions) = postcard::to_allocvec(&missions) else {
        return;
    };
    let mut bytes = Vec::with_capacity(HEADER.len() + 50 + meta.len() + missions.len());
    bytes.extend_from_slice(HEADER.as_bytes());
    bytes.extend_from_slice(tree.to_string().as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&meta);
    bytes.extend_from_slice(&missions);
    let _ = super::local::replace_file(path, &bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DepType, Status};

    #[test]
    fn an_index_survives_the_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        let mut index = Index::default();
        index.upsert_mission(MissionEntry {
            id: "A".into(),
            uid: "u".into(),
            name: "Name".into(),
            status: Status::Blocked,
            sprint: Some("S1".into()),
            rank: Some(-3),
            depends: vec![("B".into(), DepType::Blocks)],
            blocked_reason: Some("why".into()),
        });
        let tree = ObjectId::empty_tree(gix::hash::Kind::Sha1);
        save(&path, tree, &index);
        let (loaded_tree, loaded) = load(&path).expect("the cache loads");
        assert_eq!(loaded_tree, tree);
        assert_eq!(loaded.missions, index.missions);
    }

    #[test]
    fn a_damaged_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        save(
            &path,
            ObjectId::empty_tree(gix::hash::Kind::Sha1),
            &Index::default(),
        );
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 1);
        bytes.extend_from_slice(b"\xff\xff\xff");
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(&path).is_none());
        std::fs::write(&path, b"cmos index cache 1\n").unwrap();
        assert!(load(&path).is_none());
    }
}
